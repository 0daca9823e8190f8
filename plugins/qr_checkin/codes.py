"""Ticket codes: opaque, signed, and verifiable offline with the event's public key.

A code is ``K1`` followed by the base32 form of 70 bytes: the ticket number (4 bytes), a 2-byte
tag of the event's public key, and an Ed25519 signature (64 bytes) over both. It names nobody:
names and phone numbers stay in the event store. A scanner holding only the public key can tell
a forged code from a real one, and cannot make new ones. 114 characters of A-Z and 2-7 fit a
version 5 QR code at error-correction level M in alphanumeric mode.
"""

from __future__ import annotations

import base64
import hashlib
import re
import struct
from pathlib import Path

import attrs

from kexie_events import keyfile

PREFIX = "K1"
_PAYLOAD = struct.Struct(">I2s")
CODE_LENGTH = len(PREFIX) + 112
_BASE32 = re.compile("[A-Z2-7]{112}")
#: The base32 alphabet (A-Z, 2-7) as the digits ``int(..., 32)`` reads (0-9, a-v).
_AS_DIGITS = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789abcdefghijklmnopqrstuv")
PRIVATE_KEY_FILE = "ticket-signing.key"


class CodeError(ValueError):
    """A code that is not a valid ticket of this event; the message is the reason to show."""


def _tag(public_bytes: bytes) -> bytes:
    return hashlib.sha256(public_bytes).digest()[:2]


def _decode(body: str) -> bytes:
    """The 70 bytes of a code's 112 base32 characters (what ``base64.b32decode`` gives, in a
    tenth of its time: a check-in does this on the server's busiest thread)."""
    if not _BASE32.fullmatch(body):
        raise CodeError("not a ticket code")
    return int(body.translate(_AS_DIGITS), 32).to_bytes(70, "big")


@attrs.frozen
class Verifier:
    """Checks codes with the event's public key (all a scanner has).

    Ed25519 by libsodium (PyNaCl): a verification there costs half the instructions it does
    in OpenSSL, and it lets other threads run meanwhile (a server checks a signature for
    every scan, on its busiest thread).
    """

    public_bytes: bytes

    def number(self, code: str) -> int:
        """The ticket number a genuine code carries; ``CodeError`` with the reason otherwise."""
        from nacl.bindings import crypto_sign_open
        from nacl.exceptions import BadSignatureError

        text = code.strip().upper()
        if not text.startswith(PREFIX) or len(text) != CODE_LENGTH:
            raise CodeError("not a ticket code")
        raw = _decode(text[len(PREFIX) :])
        payload, signature = raw[: _PAYLOAD.size], raw[_PAYLOAD.size :]
        number, tag = _PAYLOAD.unpack(payload)
        if tag != _tag(self.public_bytes):
            raise CodeError("not a ticket of this event")
        try:
            crypto_sign_open(signature + payload, self.public_bytes)
        except BadSignatureError:
            raise CodeError("forged: the signature does not match this event's key") from None
        return number


@attrs.frozen
class Signer:
    """Makes codes; only the event folder holds the private key (the 32-byte Ed25519 seed)."""

    private_bytes: bytes

    def _key(self):
        from nacl.signing import SigningKey

        return SigningKey(self.private_bytes)

    @property
    def public_bytes(self) -> bytes:
        """The matching public key, raw 32 bytes."""
        return bytes(self._key().verify_key)

    def code(self, number: int) -> str:
        """The signed code of ticket ``number``."""
        return self.codes([number])[0]

    def codes(self, numbers: range | list[int]) -> list[str]:
        """Codes of many tickets, loading the key once."""
        key = self._key()
        tag = _tag(bytes(key.verify_key))
        result = []
        for number in numbers:
            payload = _PAYLOAD.pack(number, tag)
            signature = key.sign(payload).signature
            result.append(PREFIX + base64.b32encode(payload + signature).decode())
        return result


def load_or_create_signer(folder: Path) -> Signer:
    """The event's signing key from ``ticket-signing.key`` (mode 0600), made on first use."""
    path = folder / PRIVATE_KEY_FILE
    data = keyfile.signing_seed(path)
    if data is None:
        raise CodeError(f"{path} is not an Ed25519 private key (32 raw bytes)")
    return Signer(data)
