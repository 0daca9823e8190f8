"""The sign-up page's challenge: a small proof of work, served and checked by the server.

``GET /r/api/v1/challenge`` gives a token, ``EXPIRY.NONCE.MAC``, signed with a key derived
from the event's ticket-signing key (:func:`challenge_key`): every server of the event holds
that key, since they all sign the sign-ups' tickets, so a token one server gave is good at any
other, and nobody without the event folder can make one. The page's script finds an answer, a
decimal number such that SHA-256 of ``TOKEN:ANSWER`` begins with :data:`BITS` zero bits (about
4,000 tries, a fraction of a second on a cheap phone), and sends both with the sign-up. A token
is good for one sign-up attempt within :data:`LIFETIME` seconds: the tokens used are kept in the
event store until they expire (:func:`.ledger.spend_challenge`), so that holds across servers.

Why this and not a picture or a sum to type: it asks nothing of the person (no puzzle for an
elderly visitor, nothing for a screen reader to stumble on), needs no third party (none is
reachable from WeChat's browser in every region, and none may be loaded under the page's
content policy), and works over plain http, where WeChat's and QQ's browsers have no
``crypto.subtle``: the page carries its own SHA-256. What it stops: requests replayed or
forged without loading the page, and floods, since every attempt costs a fresh token and some
work. What it does not stop is a patient programmer; the per-address rate limit and the
per-phone limit are the walls, this is the fence in front of them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from pathlib import Path

import attrs

#: Leading zero bits asked of SHA-256(token:answer): 2**12 = 4,096 tries on average.
BITS = 12
#: Seconds a token stays good: long enough to fill in the form slowly.
LIFETIME = 30 * 60
#: Longest answer accepted (digits).
ANSWER_DIGITS = 12


class ChallengeError(ValueError):
    """The challenge was not met; the message is for programs (``missing``, ``expired``,
    ``forged``, ``used``, ``wrong``)."""


def leading_zero_bits(digest: bytes) -> int:
    """How many zero bits ``digest`` begins with."""
    count = 0
    for byte in digest:
        if byte:
            return count + 8 - byte.bit_length()
        count += 8
    return count


def solve(token: str, bits: int = BITS) -> str:
    """An answer to ``token`` (what the page's script does; tests use it too)."""
    answer = 0
    while leading_zero_bits(hashlib.sha256(f"{token}:{answer}".encode()).digest()) < bits:
        answer += 1
    return str(answer)


def challenge_key(folder: Path) -> bytes:
    """The key that signs the event's challenge tokens, derived from its ticket-signing key."""
    from kexie_plugins.qr_checkin.codes import load_or_create_signer

    signing = load_or_create_signer(folder).private_bytes
    return hmac.new(signing, b"kexie registration challenge", hashlib.sha256).digest()


@attrs.frozen
class Proof:
    """A challenge met: the token's nonce, to be spent once, and its expiry (seconds since 1970)."""

    nonce: str
    expires: int


class Challenges:
    """Issues tokens and checks answers; the caller spends each proof once (thread-safe)."""

    def __init__(self, key: bytes, bits: int = BITS, lifetime: int = LIFETIME):
        self.bits = bits
        self.lifetime = lifetime
        self._key = key

    def _mac(self, payload: str) -> str:
        return hmac.new(self._key, payload.encode(), hashlib.sha256).hexdigest()[:32]

    def issue(self, at: float | None = None) -> dict:
        """A new token: ``{"token": ..., "bits": ...}``."""
        expires = int((time.time() if at is None else at) + self.lifetime)
        payload = f"{expires}.{secrets.token_hex(8)}"
        return {"token": f"{payload}.{self._mac(payload)}", "bits": self.bits}

    def check(self, token: object, answer: object, at: float | None = None) -> Proof:
        """The proof that ``answer`` meets ``token``; :class:`ChallengeError` otherwise.

        Whether the token was used before is for the caller to know: spend the proof
        (``ledger.spend_challenge``) and refuse it as ``used`` when it was spent already.
        """
        at = time.time() if at is None else at
        if not isinstance(token, str) or not isinstance(answer, str):
            raise ChallengeError("missing")
        expires, _, rest = token.partition(".")
        nonce, _, mac = rest.partition(".")
        if not expires.isdigit() or not hmac.compare_digest(mac, self._mac(f"{expires}.{nonce}")):
            raise ChallengeError("forged")
        if int(expires) < at:
            raise ChallengeError("expired")
        if not (answer.isascii() and answer.isdigit() and len(answer) <= ANSWER_DIGITS):
            raise ChallengeError("wrong")
        digest = hashlib.sha256(f"{token}:{answer}".encode()).digest()
        if leading_zero_bits(digest) < self.bits:
            raise ChallengeError("wrong")
        return Proof(nonce, int(expires))
