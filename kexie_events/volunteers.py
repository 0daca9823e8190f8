"""Volunteer logins for the check-in app: personal bearer tokens, stored hashed, revocable.

``kexie volunteers add DIR NAME`` prints a login link carrying the token; the store keeps only
its SHA-256, so a copied ``event.db`` does not let anyone in. Every record the app makes names
the volunteer whose token made it.
"""

from __future__ import annotations

import hashlib
import secrets

import attrs

from kexie_events import inputs
from kexie_events.errors import KexieError, UsageError
from kexie_events.inputs import NAME_LIMIT
from kexie_events.store import EventStore, now

ROLES = ("scanner", "lead")


@attrs.frozen
class Volunteer:
    """A volunteer who can log in: name, role, and default site and gate."""

    name: str
    role: str
    site: str | None = None
    gate: str | None = None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add(
    store: EventStore, name: str, *, role: str, by: str, site: str | None, gate: str | None
) -> str:
    """Give ``name`` a new token and return it (the only time it is seen)."""
    if role not in ROLES:
        raise UsageError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    # The name goes into every record the volunteer makes, and from there into reports.
    name = inputs.text(name, "name", lang="en", label="the volunteer's name", limit=NAME_LIMIT)
    token = secrets.token_urlsafe(24)
    with store.transaction() as db:
        active = db.execute(
            "SELECT 1 FROM volunteer_tokens WHERE name = ? AND revoked_at IS NULL", (name,)
        ).fetchone()
        if active:
            raise UsageError(
                f"{name} already has a login; revoke it first: kexie volunteers revoke DIR {name!r}"
            )
        db.execute(
            "INSERT INTO volunteer_tokens (name, role, site, gate, token_hash, created_at,"
            " created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (name, role, site, gate, _hash(token), now().isoformat(), by),
        )
    return token


def revoke(store: EventStore, name: str, *, by: str) -> None:
    """Revoke the active token of ``name``; its login stops working at once."""
    with store.transaction() as db:
        cursor = db.execute(
            "UPDATE volunteer_tokens SET revoked_at = ?, revoked_by = ?"
            " WHERE name = ? AND revoked_at IS NULL",
            (now().isoformat(), by, name),
        )
    if cursor.rowcount == 0:
        raise KexieError(f"no active login for {name!r}")


# Tokens are 32 characters; anything much longer is not one of ours and is not hashed.
TOKEN_LIMIT = 200


def authenticate(store: EventStore, token: str) -> Volunteer | None:
    """The volunteer a token belongs to, or ``None`` for an unknown or revoked token."""
    if len(token) > TOKEN_LIMIT:
        return None
    row = store.connection.execute(
        "SELECT name, role, site, gate FROM volunteer_tokens"
        " WHERE token_hash = ? AND revoked_at IS NULL",
        (_hash(token),),
    ).fetchone()
    return Volunteer(*row) if row else None


def was_revoked(store: EventStore, token: str) -> bool:
    """Whether ``token`` was a real login that has been revoked (rather than a mistyped one)."""
    if len(token) > TOKEN_LIMIT:
        return False
    row = store.connection.execute(
        "SELECT 1 FROM volunteer_tokens WHERE token_hash = ? AND revoked_at IS NOT NULL",
        (_hash(token),),
    ).fetchone()
    return row is not None


def active(store: EventStore) -> list[Volunteer]:
    """Every volunteer with a working login, by name."""
    rows = store.connection.execute(
        "SELECT name, role, site, gate FROM volunteer_tokens WHERE revoked_at IS NULL ORDER BY name"
    )
    return [Volunteer(*row) for row in rows]
