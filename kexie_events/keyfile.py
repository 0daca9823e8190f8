"""Secret key files beside ``event.db``: 32 bytes, readable by their owner only, made once."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

KEY_SIZE = 32


def read_or_create(path: Path, make: Callable[[], bytes]) -> bytes | None:
    """The key in ``path``, made with ``make`` (and written 0600) when there is none.

    ``None`` when the file is there but does not hold a key of :data:`KEY_SIZE` bytes: the
    caller says what the file should have been. A key left readable by others is tightened.
    """
    if path.exists():
        data = path.read_bytes()
        if len(data) != KEY_SIZE:
            return None
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
        return data
    data = make()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
    return data


def signing_seed(path: Path) -> bytes | None:
    """The Ed25519 private key (its 32-byte seed) in ``path``, made on first use; ``None`` as
    for :func:`read_or_create`. Tickets and certificates each sign with one of their own."""

    def generate() -> bytes:
        from nacl.signing import SigningKey

        return bytes(SigningKey.generate())

    return read_or_create(path, generate)
