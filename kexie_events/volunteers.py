"""Volunteer logins for the check-in app: personal bearer tokens, stored hashed, revocable.

``kexie volunteers add DIR NAME`` prints a login link carrying the token; the store keeps only
its SHA-256, so a copied ``event.db`` does not let anyone in. Every record the app makes names
the volunteer whose token made it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path

import attrs
from sqlalchemy import text
from sqlalchemy.engine import Connection

from kexie_events import inputs, keyfile
from kexie_events.errors import KexieError, UsageError
from kexie_events.eventfile import EVENT_FILE
from kexie_events.inputs import NAME_LIMIT
from kexie_events.model import Event
from kexie_events.store import EventStore, now, run

ROLES = ("scanner", "lead", "board")
#: Roles that may read but never record: a board token's every POST is answered 403.
READ_ONLY_ROLES = ("board",)

#: How a record made under the computer's login name (no ``--by``, no ``KEXIE_USER``) names who
#: made it: ``login:root``. Such a name says which account typed it, not which person worked,
#: so :func:`is_person` does not count it among the volunteers on duty.
COMPUTER_LOGIN = "login:"


def _spans(db: Connection, records: str, width: int) -> list[tuple[str, str, str]]:
    """``(by, first, last)`` of ``records`` grouped by person, the first ``width`` characters
    of the stored time (10: the date, 16: the minute) and its offset.

    Within a group text order is time order, so its first and last times bound every record
    in it: a few rows per person and day (or minute) stand for any number of records.
    """
    rows = db.execute(
        text(
            f"SELECT by, MIN(at), MAX(at) FROM ({records}) AS records"
            f" GROUP BY by, substr(at, 1, {int(width)}), substr(at, length(at) - 5)"
        )
    )
    return [(by, first, last) for by, first, last in rows]


def on_duty(event: Event, db: Connection, records: str) -> tuple[str, ...]:
    """The people who recorded something on one of the event's days, by name: what a plugin
    returns as ``Attendance.volunteers``.

    ``records`` is a ``SELECT`` of ``by, at`` pairs (``at`` an ISO time with its offset) from
    the plugin's own table; the computer's login name (:func:`is_person`) is left out. Records
    are read grouped by person and day (a group spans less than a day, so if neither end falls
    on the event's days no record between them does): a report over 200,000 scans reads a few
    rows per volunteer and day.
    """
    first = dt.datetime.combine(event.days[0], dt.time(), event.tz)
    after = dt.datetime.combine(event.days[-1] + dt.timedelta(days=1), dt.time(), event.tz)
    people = set()
    for by, earliest, latest in _spans(db, records, 10):
        if by in people or not is_person(by):
            continue
        if any(first <= dt.datetime.fromisoformat(at) < after for at in (earliest, latest)):
            people.add(by)
    return tuple(sorted(people))


def worked(db: Connection, records: str) -> tuple[tuple[str, dt.datetime, dt.datetime], ...]:
    """When each person recorded something: ``(name, first, last)`` per person and minute, what
    a plugin returns as ``Attendance.worked`` for volunteer hours (first and last record of each
    shift, to the minute). ``records`` is as for :func:`on_duty`."""
    return tuple(
        (by.strip(), dt.datetime.fromisoformat(first), dt.datetime.fromisoformat(last))
        for by, first, last in _spans(db, records, 16)
        if is_person(by)
    )


def computer_login(name: str) -> str:
    """``name`` (the computer's login name) marked as not a person's: ``login:root``."""
    return f"{COMPUTER_LOGIN}{name}"


def is_person(name: str | None) -> bool:
    """Whether a record's ``by`` names a person: a volunteer's login, a name given with
    ``--by`` or ``KEXIE_USER``; not the computer's login name, not blank."""
    return bool(name and name.strip()) and not name.startswith(COMPUTER_LOGIN)


@attrs.frozen
class Volunteer:
    """A volunteer who can log in: name, role, and default site and gate."""

    name: str
    role: str
    site: str | None = None
    gate: str | None = None


def token_hash(token: str) -> str:
    """What the store keeps of a token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode()).hexdigest()


#: The secret that login tokens are derived from (32 random bytes, mode 0600), beside
#: ``event.db``: with it ``kexie volunteers link`` prints a link again; ``event.db`` alone
#: (which keeps only the tokens' SHA-256) still lets nobody in.
LOGIN_KEY_FILE = "volunteer-login.key"


def _login_key(folder: Path) -> bytes:
    """The event's login key, made on first use."""
    path = folder / LOGIN_KEY_FILE
    key = keyfile.read_or_create(path, lambda: secrets.token_bytes(keyfile.KEY_SIZE))
    if key is None:
        raise KexieError(f"{path} is not a login key (32 bytes); move it away to make anew")
    return key


def _token(key: bytes, row: int, name: str, created_at: str) -> str:
    """A login's token: an HMAC of the login's row by the event's login key (32 characters)."""
    mac = hmac.new(key, f"kexie-login:{row}:{name}:{created_at}".encode(), "sha256").digest()
    return base64.urlsafe_b64encode(mac[:24]).decode()


_ACTIVE_LOGIN = text("SELECT 1 FROM volunteer_tokens WHERE name = :name AND revoked_at IS NULL")
_ADD_LOGIN = text(
    "INSERT INTO volunteer_tokens (name, role, site, gate, token_hash, created_at, created_by)"
    " VALUES (:name, :role, :site, :gate, :token_hash, :created_at, :created_by) RETURNING id"
)
_SET_HASH = text("UPDATE volunteer_tokens SET token_hash = :token_hash WHERE id = :id")
_LOGIN_OF = text(
    "SELECT id, name, role, site, gate, created_at, token_hash FROM volunteer_tokens"
    " WHERE name = :name AND revoked_at IS NULL"
)
_REVOKE = text(
    "UPDATE volunteer_tokens SET revoked_at = :at, revoked_by = :by"
    " WHERE name = :name AND revoked_at IS NULL"
)
_AUTHENTICATE = text(
    "SELECT name, role, site, gate FROM volunteer_tokens"
    " WHERE token_hash = :token_hash AND revoked_at IS NULL"
)
_REVOCATION = text(
    "SELECT revoked_by, revoked_at FROM volunteer_tokens"
    " WHERE token_hash = :token_hash AND revoked_at IS NOT NULL"
)
_ACTIVE = text(
    "SELECT name, role, site, gate FROM volunteer_tokens WHERE revoked_at IS NULL ORDER BY name"
)


def add(
    store: EventStore, name: str, *, role: str, by: str, site: str | None, gate: str | None
) -> str:
    """Give ``name`` a new token and return it.

    The token is derived from the login's row and the event's login key
    (:data:`LOGIN_KEY_FILE`), so :func:`token_of` can give it again for a new link; the store
    keeps only its SHA-256.
    """
    if role not in ROLES:
        raise UsageError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    # The name goes into every record the volunteer makes, and from there into reports.
    name = inputs.text(name, "name", lang="en", label="the volunteer's name", limit=NAME_LIMIT)
    key = _login_key(store.folder)
    with store.transaction() as db:
        active = db.execute(_ACTIVE_LOGIN, {"name": name}).fetchone()
        if active:
            raise UsageError(
                f"{name} already has a login; revoke it first: kexie volunteers revoke DIR {name!r}"
            )
        created = now().isoformat()
        # The row's id goes into the token, so the row is made first and its hash set after.
        row = db.execute(
            _ADD_LOGIN,
            {
                "name": name,
                "role": role,
                "site": site,
                "gate": gate,
                "token_hash": secrets.token_hex(32),
                "created_at": created,
                "created_by": by,
            },
        ).scalar_one()
        token = _token(key, row, name, created)
        db.execute(_SET_HASH, {"token_hash": token_hash(token), "id": row})
    return token


def token_of(store: EventStore, name: str) -> tuple[Volunteer, str]:
    """The active login of ``name`` and its token, for printing its link again."""
    with store.reading() as db:
        row = db.execute(_LOGIN_OF, {"name": name}).fetchone()
    if row is None:
        raise UsageError(
            f"no active login for {name!r}; give one: kexie volunteers add DIR {name!r}"
        )
    token = _token(_login_key(store.folder), row[0], row[1], row[5])
    if token_hash(token) != row[6]:
        raise UsageError(
            f"the login of {name!r} was made before links could be printed again (or with "
            f"another {LOGIN_KEY_FILE}); give a new one: kexie volunteers revoke DIR {name!r},"
            f" then kexie volunteers add"
        )
    return Volunteer(*row[1:5]), token


def revoke(store: EventStore, name: str, *, by: str) -> None:
    """Revoke the active token of ``name``; its login stops working at once."""
    with store.transaction() as db:
        cursor = db.execute(_REVOKE, {"at": now().isoformat(), "by": by, "name": name})
    if cursor.rowcount == 0:
        raise KexieError(f"no active login for {name!r}")


# Tokens are 32 characters; anything much longer is not one of ours and is not hashed.
TOKEN_LIMIT = 200


def authenticate(store: EventStore, token: str) -> Volunteer | None:
    """The volunteer a token belongs to, or ``None`` for an unknown or revoked token."""
    if len(token) > TOKEN_LIMIT:
        return None
    with store.reading(snapshot=False) as db:
        return _active_login(db, token_hash(token))


def _active_login(db: Connection, token_hash: str) -> Volunteer | None:
    row = run(db, _AUTHENTICATE, {"token_hash": token_hash}).fetchone()
    return Volunteer(*row) if row else None


@attrs.frozen
class Login:
    """A working login as a server found it: the volunteer, and the SHA-256 of their token
    (what :meth:`LoginCache.confirm` checks again in the transaction that records)."""

    volunteer: Volunteer
    token_hash: str


class LoginCache:
    """Which volunteer each token belongs to, as one server process has found it.

    A login's name, role, site and gate never change (a change is a new login), so a server
    need not read them again for every check-in: :meth:`find` remembers them. Only a
    revocation can change the answer, and a revocation may come from another process (the
    CLI, another server). So the cache is never the last word: a write made with a cached
    login calls :meth:`confirm` inside its own transaction, which reads the login again on
    that transaction's connection. A revoked login therefore records nothing from the moment
    the revocation commits, on every server, and is forgotten here when it is refused.
    """

    #: Logins remembered at most; past that the cache starts afresh.
    LIMIT = 10_000

    def __init__(self, store: EventStore):
        self.store = store
        self._known: dict[str, Volunteer] = {}

    def find(self, token: str) -> Login | None:
        """The login of ``token``: remembered, or read from the store (``None``: no working
        login; such answers are not remembered)."""
        if len(token) > TOKEN_LIMIT:
            return None
        digest = token_hash(token)
        volunteer = self._known.get(digest)
        if volunteer is None:
            with self.store.reading(snapshot=False) as db:
                volunteer = _active_login(db, digest)
            if volunteer is None:
                return None
            if len(self._known) >= self.LIMIT:
                self._known.clear()
            self._known[digest] = volunteer
        return Login(volunteer, digest)

    def confirm(self, db: Connection, login: Login) -> bool:
        """Whether ``login`` still works, read on ``db`` (the connection of the transaction
        about to record something in its name); a withdrawn login is forgotten."""
        if _active_login(db, login.token_hash) is not None:
            return True
        self._known.pop(login.token_hash, None)
        return False


def was_revoked(store: EventStore, token: str) -> bool:
    """Whether ``token`` was a real login that has been revoked (rather than a mistyped one)."""
    return revocation(store, token) is not None


@attrs.frozen
class Revocation:
    """Who withdrew a login, and when (aware)."""

    by: str
    at: dt.datetime


def revocation(store: EventStore, token: str) -> Revocation | None:
    """Who withdrew ``token`` and when; ``None`` for a working or an unknown token."""
    if len(token) > TOKEN_LIMIT:
        return None
    return revocation_of(store, token_hash(token))


def revocation_of(store: EventStore, token_hash: str) -> Revocation | None:
    """:func:`revocation` of the token whose SHA-256 is ``token_hash``."""
    with store.reading(snapshot=False) as db:
        row = db.execute(_REVOCATION, {"token_hash": token_hash}).fetchone()
    return Revocation(row[0] or "", dt.datetime.fromisoformat(row[1])) if row else None


def active(store: EventStore) -> list[Volunteer]:
    """Every volunteer with a working login, by name."""
    with store.reading() as db:
        return [Volunteer(*row) for row in db.execute(_ACTIVE)]


# --- where phones reach the server ---------------------------------------------------------

#: While ``kexie serve`` runs it writes here how phones reach it, so that the links printed by
#: ``kexie volunteers add`` and ``link`` point at it; it removes the file when it stops.
SERVER_STATE_FILE = ".kexie-serve.json"


@attrs.frozen
class Server:
    """A running ``kexie serve``: its process, scheme, host, port and the addresses it serves.

    ``year`` is true for a server of a folder of event folders (a county's year): it serves
    each event under ``urls`` + ``e/{folder name}/`` (:meth:`for_event`).
    """

    pid: int
    scheme: str
    host: str
    port: int
    urls: tuple[str, ...]
    year: bool = False

    def for_event(self, event_id: str) -> Server:
        """This year's server as the event ``event_id`` (a folder's name) is reached on it."""
        from kexie_events.console.root import event_path

        path = event_path(event_id).lstrip("/")
        urls = tuple(url.rstrip("/") + "/" + path for url in self.urls)
        return attrs.evolve(self, urls=urls, year=False)

    @property
    def phone_url(self) -> str | None:
        """The first address a phone on the network can open; ``None`` when the server only
        listens on the machine itself (127.0.0.1)."""
        for url in self.urls:
            host = url.split("://", 1)[-1].rsplit(":", 1)[0]
            if not (host.startswith("127.") or host in ("localhost", "[::1]")):
                return url
        return None


def announce_server(folder: Path, server: Server) -> None:
    """Say where the server runs (see :data:`SERVER_STATE_FILE`)."""
    path = folder / SERVER_STATE_FILE
    temporary = path.with_name(f"{path.name}.{os.getpid()}")
    temporary.write_text(json.dumps(attrs.asdict(server)), encoding="utf-8")
    os.replace(temporary, path)


def withdraw_server(folder: Path, pid: int) -> None:
    """Remove the server's announcement, if it is still this process's."""
    running = _announced(folder)
    if running is not None and running.pid == pid:
        (folder / SERVER_STATE_FILE).unlink(missing_ok=True)


def running_server(folder: Path) -> Server | None:
    """The ``kexie serve`` running for the event (or the folder of events) in ``folder``, or
    ``None``.

    An event folder inside a folder served as a year (``kexie serve YEAR``) is reached at its
    path on that server, unless a server of its own runs. A file left by a server that was
    killed names a process that is gone: it is ignored.
    """
    server = _announced(folder)
    if server is not None:
        return server
    folder = Path(folder).resolve()
    year = _announced(folder.parent)
    if year is not None and year.year and (folder / EVENT_FILE).is_file():
        return year.for_event(folder.name)
    return None


def _announced(folder: Path) -> Server | None:
    """The live server announced in ``folder``, or ``None``."""
    try:
        data = json.loads((folder / SERVER_STATE_FILE).read_text(encoding="utf-8"))
        server = Server(
            int(data["pid"]),
            data["scheme"],
            data["host"],
            int(data["port"]),
            tuple(data["urls"]),
            bool(data.get("year", False)),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        os.kill(server.pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, run by another user
    return server
