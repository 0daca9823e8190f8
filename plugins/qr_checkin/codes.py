"""Ticket codes: opaque, signed, and verifiable offline with the event's public key.

A code is ``K1`` followed by the base32 form of 70 bytes: the ticket number (4 bytes), a 2-byte
tag of the event's public key, and an Ed25519 signature (64 bytes) over both. It names nobody:
names and phone numbers stay in the event store. A scanner holding only the public key can tell
a forged code from a real one, and cannot make new ones. 114 characters of A-Z and 2-7 fit a
version 5 QR code at error-correction level M in alphanumeric mode.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from pathlib import Path

import attrs

from kexie_events import keyfile

PREFIX = "K1"
_PAYLOAD = struct.Struct(">I2s")
CODE_LENGTH = len(PREFIX) + 112
PRIVATE_KEY_FILE = "ticket-signing.key"


class CodeError(ValueError):
    """A code that is not a valid ticket of this event; the message is the reason to show."""


def _tag(public_bytes: bytes) -> bytes:
    return hashlib.sha256(public_bytes).digest()[:2]


@attrs.frozen
class Verifier:
    """Checks codes with the event's public key (all a scanner has)."""

    public_bytes: bytes

    def number(self, code: str) -> int:
        """The ticket number a genuine code carries; ``CodeError`` with the reason otherwise."""
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        text = code.strip().upper()
        if not text.startswith(PREFIX) or len(text) != CODE_LENGTH:
            raise CodeError("not a ticket code")
        try:
            raw = base64.b32decode(text[len(PREFIX) :])
        except (binascii.Error, ValueError):
            raise CodeError("not a ticket code") from None
        payload, signature = raw[: _PAYLOAD.size], raw[_PAYLOAD.size :]
        number, tag = _PAYLOAD.unpack(payload)
        if tag != _tag(self.public_bytes):
            raise CodeError("not a ticket of this event")
        try:
            Ed25519PublicKey.from_public_bytes(self.public_bytes).verify(signature, payload)
        except InvalidSignature:
            raise CodeError("forged: the signature does not match this event's key") from None
        return number


@attrs.frozen
class Signer:
    """Makes codes; only the event folder holds the private key."""

    private_bytes: bytes

    @property
    def public_bytes(self) -> bytes:
        """The matching public key, raw 32 bytes."""
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        key = Ed25519PrivateKey.from_private_bytes(self.private_bytes)
        return key.public_key().public_bytes_raw()

    def code(self, number: int) -> str:
        """The signed code of ticket ``number``."""
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        payload = _PAYLOAD.pack(number, _tag(self.public_bytes))
        signature = Ed25519PrivateKey.from_private_bytes(self.private_bytes).sign(payload)
        return PREFIX + base64.b32encode(payload + signature).decode()

    def codes(self, numbers: range | list[int]) -> list[str]:
        """Codes of many tickets, loading the key once."""
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        key = Ed25519PrivateKey.from_private_bytes(self.private_bytes)
        tag = _tag(self.public_bytes)
        result = []
        for number in numbers:
            payload = _PAYLOAD.pack(number, tag)
            result.append(PREFIX + base64.b32encode(payload + key.sign(payload)).decode())
        return result


def load_or_create_signer(folder: Path) -> Signer:
    """The event's signing key from ``ticket-signing.key`` (mode 0600), made on first use."""

    def generate() -> bytes:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        return Ed25519PrivateKey.generate().private_bytes_raw()

    path = folder / PRIVATE_KEY_FILE
    data = keyfile.read_or_create(path, generate)
    if data is None:
        raise CodeError(f"{path} is not an Ed25519 private key (32 raw bytes)")
    return Signer(data)
