"""Certificate codes: short, signed with the event's certificate key, checked offline.

A code is ``C1`` followed by the base32 form (A-Z, 2-7, no padding) of 84 bytes: a 2-byte tag
of the event's public key, a 6-byte id of the certificate (a hash of the granting plugin, the
kind and the key), a 12-byte digest of everything the certificate says (event id, plugin,
kind, key, holder, title, text, details, issued) and an Ed25519 signature (64 bytes) over
those 20 bytes. 137 characters of A-Z and 2-7 fit a version 6 QR code at level M; the
certificate's words stay in the event, so the code names nobody.

The key is the event's own, for certificates only: ``certificate-signing.key`` beside
``event.toml`` (32 bytes, mode 0600, made on first use), apart from the ticket key so that
either can be replaced without touching the other.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import attrs

from kexie_events import keyfile
from kexie_events.errors import KexieError
from kexie_events.records import Certificate

PREFIX = "C1"
PRIVATE_KEY_FILE = "certificate-signing.key"
_TAG, _ID, _DIGEST, _SIGNATURE = 2, 6, 12, 64
_PAYLOAD = _TAG + _ID + _DIGEST
_BODY = -(-(_PAYLOAD + _SIGNATURE) * 8 // 5)  # base32 characters, unpadded
CODE_LENGTH = len(PREFIX) + _BODY
_BASE32 = re.compile(f"[A-Z2-7]{{{_BODY}}}")
_IN_TEXT = re.compile(f"{PREFIX}[A-Z2-7]{{{_BODY}}}")


class CodeError(ValueError):
    """A code that fails a check. ``reason`` names the check (``malformed``, ``other_event``,
    ``forged``); the caller words the message in the event's language."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@attrs.frozen
class Signed:
    """What a genuine code says: which certificate, and a digest of its words when signed."""

    certificate_id: bytes
    digest: bytes


def certificate_id(certificate: Certificate) -> bytes:
    """The 6 bytes naming a certificate of the event: its plugin, kind and key."""
    name = "\0".join((certificate.plugin, certificate.kind, certificate.key))
    return hashlib.sha256(name.encode()).digest()[:_ID]


def digest(certificate: Certificate, event_id: str) -> bytes:
    """The 12 bytes standing for everything the certificate says, in this event."""
    content = [
        event_id,
        certificate.plugin,
        certificate.kind,
        certificate.key,
        certificate.holder,
        certificate.title,
        certificate.text,
        [list(line) for line in certificate.details],
        certificate.issued.isoformat(),
    ]
    data = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode()).digest()[:_DIGEST]


def _tag(public_bytes: bytes) -> bytes:
    return hashlib.sha256(public_bytes).digest()[:_TAG]


def find_code(text: str) -> str:
    """The code in what was typed or scanned: the code itself, or a verification link."""
    found = _IN_TEXT.search(text.strip().upper())
    return found.group(0) if found else text.strip().upper()


@attrs.frozen
class Verifier:
    """Checks codes with the event's public key."""

    public_bytes: bytes

    def open(self, code: str) -> Signed:
        """What a genuine code of this event says; :class:`CodeError` otherwise."""
        from nacl.bindings import crypto_sign_open
        from nacl.exceptions import BadSignatureError

        text = find_code(code)
        body = text[len(PREFIX) :]
        if not text.startswith(PREFIX) or not _BASE32.fullmatch(body):
            raise CodeError("malformed")
        raw = base64.b32decode(body + "=" * (-len(body) % 8))
        if base64.b32encode(raw).decode().rstrip("=") != body:
            # The last letter's unused bits set: decoding ignores them, so without this check
            # one certificate would have several codes.
            raise CodeError("malformed")
        payload, signature = raw[:_PAYLOAD], raw[_PAYLOAD:]
        if payload[:_TAG] != _tag(self.public_bytes):
            raise CodeError("other_event")
        try:
            crypto_sign_open(signature + payload, self.public_bytes)
        except BadSignatureError:
            raise CodeError("forged") from None
        return Signed(payload[_TAG : _TAG + _ID], payload[_TAG + _ID :])


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

    def verifier(self) -> Verifier:
        """A verifier with the matching public key."""
        return Verifier(self.public_bytes)

    def codes(self, certificates: list[Certificate], event_id: str) -> list[str]:
        """The signed code of each certificate, loading the key once."""
        key = self._key()
        tag = _tag(bytes(key.verify_key))
        result = []
        for certificate in certificates:
            payload = tag + certificate_id(certificate) + digest(certificate, event_id)
            signature = key.sign(payload).signature
            result.append(PREFIX + base64.b32encode(payload + signature).decode().rstrip("="))
        return result


def load_or_create_signer(folder: Path) -> Signer:
    """The event's certificate key from ``certificate-signing.key``, made on first use."""
    path = folder / PRIVATE_KEY_FILE
    data = keyfile.signing_seed(path)
    if data is None:
        raise KexieError(f"{path} is not an Ed25519 private key (32 raw bytes)")
    return Signer(data)
