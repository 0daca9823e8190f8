"""The console's accounts: organisers of a ROOT, their one-time login links and their sessions.

An **admin** manages accounts and sees every event; an **organizer** sees only the events
given to them (event ids are folder names, see :mod:`kexie_events.console.root`). Nobody has a
password: ``kexie organizers add`` prints a one-time login link (valid
:data:`LINK_LIFETIME`); opening it in a browser and pressing the button starts a session.

Secrets are 32 random bytes; the store keeps only their SHA-256, so a copied ``console.db``
lets nobody in. A session ends on logout, when the account is revoked, after
:data:`SESSION_IDLE` without a request, and :data:`SESSION_LIFETIME` after the login at most.
Every change is recorded in the store's journal (kinds ``console.*``) with who made it: the
CLI's ``--by``, or the organiser's name in the console.

The store is ``ROOT/console.db`` (readable by its owner only), or the PostgreSQL schema
:data:`SCHEMA` when ``KEXIE_DATABASE_URL`` is set; it is opened with the core's storage layer
and brought up to date by the ``console`` branch of migrations.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import quote

import attrs
from sqlalchemy import text

from kexie_events import database, inputs
from kexie_events.database import Location, StoreUnavailable
from kexie_events.errors import KexieError, UsageError
from kexie_events.i18n import pick
from kexie_events.model import LANGUAGES
from kexie_events.records import MigrationScripts
from kexie_events.store import EventStore, now
from kexie_events.volunteers import COMPUTER_LOGIN

from .root import Root

ROLES = ("admin", "organizer")
#: The SQLite file of a ROOT's accounts.
DATABASE_FILE = "console.db"
#: The PostgreSQL schema of the accounts when ``KEXIE_DATABASE_URL`` is set.
SCHEMA = "kexie_console"
MIGRATIONS = MigrationScripts("console", Path(__file__).parent / "migrations" / "versions")

#: How long a login link can be used (once).
LINK_LIFETIME = dt.timedelta(days=7)
#: A session unused this long has ended.
SESSION_IDLE = dt.timedelta(hours=12)
#: A session has ended this long after its login, however busy.
SESSION_LIFETIME = dt.timedelta(days=7)
#: A session's last request is written at most this often (not on every page).
TOUCH_INTERVAL = dt.timedelta(minutes=1)
#: The path of the page a login link opens; the token follows as ``?token=``.
LOGIN_PATH = "/console/login"
# Secrets are 43 characters; anything much longer is not one of ours and is not hashed.
_SECRET_LIMIT = 200


@attrs.frozen
class Organiser:
    """Someone with a console account.

    Attributes:
        name: unique among active accounts; recorded as ``by`` on what they change.
        role: ``"admin"`` (accounts and every event) or ``"organizer"`` (their events).
        lang: ``"zh"`` or ``"en"``: the language of their console.
        events: the ids of the events an organizer may see (empty for an admin, who sees all).
        created_at: when the account was made (UTC).
        created_by: who made it.
    """

    name: str
    role: str
    lang: str
    events: frozenset[str]
    created_at: dt.datetime
    created_by: str

    @property
    def is_admin(self) -> bool:
        """Whether the organiser manages accounts and sees every event."""
        return self.role == "admin"

    def may_see(self, event_id: str) -> bool:
        """Whether the organiser may see (and change) the event ``event_id``."""
        return self.is_admin or event_id in self.events


@attrs.frozen
class LoginLink:
    """A one-time login link's secret part, for one organiser.

    Attributes:
        name: the organiser it logs in.
        token: the secret (shown once; the store keeps its hash).
        expires_at: after this (UTC) it no longer works.
    """

    name: str
    token: str = attrs.field(repr=False)
    expires_at: dt.datetime

    @property
    def path(self) -> str:
        """``/console/login?token=...``: the link without the server's address."""
        return f"{LOGIN_PATH}?token={quote(self.token)}"

    def url(self, base: str) -> str:
        """The link on the server at ``base`` (``https://192.168.1.20:8000/``)."""
        return base.rstrip("/") + self.path


@attrs.frozen
class Session:
    """A login: what the browser's cookie carries, and whose it is.

    Attributes:
        id: the secret the cookie carries (the store keeps its hash).
        organiser: who logged in.
        expires_at: the latest it can last (UTC); it ends sooner when idle.
    """

    id: str = attrs.field(repr=False)
    organiser: Organiser
    expires_at: dt.datetime


#: Why a login link does not work, for :class:`LinkRefused`.
LINK_REASONS = ("unknown", "used", "expired", "withdrawn", "revoked")


class LinkRefused(KexieError):
    """A login link that does not log anyone in.

    Attributes:
        reason: one of :data:`LINK_REASONS`: ``unknown`` (never issued: mistyped or cut
            off), ``used`` (it logged someone in already), ``expired``, ``withdrawn`` (a
            newer link was issued for the same account), ``revoked`` (the account was).
        name: the organiser the link was for (``None`` when unknown).
        lang: the language to explain it in: the organiser's, else the ROOT's.
    """

    def __init__(self, reason: str, name: str | None, lang: str):
        self.reason = reason
        self.name = name
        self.lang = lang
        super().__init__(f"this login link does not work ({reason})")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def _time(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value)


def location(root: Root) -> Location:
    """Where ROOT's accounts are: ``ROOT/console.db``, or :data:`SCHEMA` in PostgreSQL (the
    database ROOT is, or the one ``KEXIE_DATABASE_URL`` names)."""
    if root.database_url is not None:
        return database.postgresql(root.database_url, SCHEMA, root.folder)
    found = database.locate(root.folder, schema=SCHEMA)
    if found.backend == "sqlite":
        return database.sqlite_file(root.folder / DATABASE_FILE, root.folder)
    return found


def open_accounts(root: Path | str | Root, *, clock: Callable[[], dt.datetime] = now) -> Accounts:
    """Open (creating if needed) the accounts of the console at ``root``.

    ``clock`` gives the current time (aware); tests move it to see links and sessions expire.
    Close the result when done (it is a context manager).
    """
    root = root if isinstance(root, Root) else Root.at(root)
    return Accounts(root, EventStore.open(location(root), [MIGRATIONS]), clock)


_ORGANISER_COLUMNS = "o.id, o.name, o.role, o.lang, o.created_at, o.created_by"
_ACTIVE = text(
    f"SELECT {_ORGANISER_COLUMNS} FROM console_organisers o"
    " WHERE o.name = :name AND o.revoked_at IS NULL"
)
_ALL_ACTIVE = text(
    f"SELECT {_ORGANISER_COLUMNS} FROM console_organisers o"
    " WHERE o.revoked_at IS NULL ORDER BY o.name"
)
_EVENTS_OF = text("SELECT event_id FROM console_organiser_events WHERE organiser_id = :id")
_ALL_EVENTS = text(
    "SELECT e.organiser_id, e.event_id FROM console_organiser_events e"
    " JOIN console_organisers o ON o.id = e.organiser_id WHERE o.revoked_at IS NULL"
)
_ADD = text(
    "INSERT INTO console_organisers (name, role, lang, created_at, created_by)"
    " VALUES (:name, :role, :lang, :at, :by) RETURNING id"
)
_GRANT = text(
    "INSERT INTO console_organiser_events (organiser_id, event_id) VALUES (:id, :event_id)"
)
_UNGRANT = text("DELETE FROM console_organiser_events WHERE organiser_id = :id")
_SET_LANG = text("UPDATE console_organisers SET lang = :lang WHERE id = :id")
_REVOKE = text(
    "UPDATE console_organisers SET revoked_at = :at, revoked_by = :by"
    " WHERE id = :id AND revoked_at IS NULL"
)
_WITHDRAW_LINKS = text(
    "UPDATE console_links SET withdrawn_at = :at"
    " WHERE organiser_id = :id AND used_at IS NULL AND withdrawn_at IS NULL"
)
_ADD_LINK = text(
    "INSERT INTO console_links (organiser_id, token_hash, created_at, created_by, expires_at)"
    " VALUES (:id, :token_hash, :at, :by, :expires_at)"
)
_LINK = text(
    "SELECT l.id, l.expires_at, l.used_at, l.withdrawn_at, o.revoked_at, o.name, o.lang"
    " FROM console_links l JOIN console_organisers o ON o.id = l.organiser_id"
    " WHERE l.token_hash = :token_hash"
)
_USE_LINK = text(
    "UPDATE console_links SET used_at = :at"
    " WHERE id = :id AND used_at IS NULL AND withdrawn_at IS NULL"
)
_ADD_SESSION = text(
    "INSERT INTO console_sessions"
    " (organiser_id, session_hash, link_id, created_at, last_seen_at, expires_at)"
    " SELECT organiser_id, :session_hash, id, :at, :at, :expires_at"
    " FROM console_links WHERE id = :link_id"
)
_SESSION = text(
    f"SELECT s.id, s.last_seen_at, s.expires_at, {_ORGANISER_COLUMNS}"
    " FROM console_sessions s JOIN console_organisers o ON o.id = s.organiser_id"
    " WHERE s.session_hash = :session_hash AND s.ended_at IS NULL AND o.revoked_at IS NULL"
)
_TOUCH = text("UPDATE console_sessions SET last_seen_at = :at WHERE id = :id")
_END_SESSION = text(
    "UPDATE console_sessions SET ended_at = :at, end_reason = :reason"
    " WHERE session_hash = :session_hash AND ended_at IS NULL"
)
_END_SESSIONS_OF = text(
    "UPDATE console_sessions SET ended_at = :at, end_reason = :reason"
    " WHERE organiser_id = :id AND ended_at IS NULL"
)


class Accounts:
    """The organisers of one ROOT; open with :func:`open_accounts`.

    Methods that change something take ``by``, who does it, and record it in the journal.
    Mistakes a user can make (a name already active, an event ROOT does not hold) raise
    :class:`~kexie_events.errors.UsageError` in the ROOT's language.
    """

    def __init__(self, root: Root, store: EventStore, clock: Callable[[], dt.datetime] = now):
        self.root = root
        self.store = store
        self.clock = clock

    def close(self) -> None:
        """Close the store's connections."""
        self.store.close()

    def __enter__(self) -> Accounts:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    @property
    def lang(self) -> str:
        """The ROOT's language: for messages before anyone has logged in."""
        return self.root.lang

    # --- accounts --------------------------------------------------------------------------

    def add(
        self, name: str, role: str = "organizer", events: Iterable[str] = (), *, by: str
    ) -> LoginLink:
        """Make an account for ``name`` and return its first login link.

        An organizer sees ``events`` (ids of ROOT's event folders); when ROOT is one event,
        that event is the default. An admin sees every event and takes no ``events``.
        """
        lang = self.lang
        name = self._valid_name(name)
        if role not in ROLES:
            raise UsageError(
                pick(
                    lang,
                    f"角色只能是 admin 或 organizer，不是{role}",
                    f"role must be admin or organizer, not {role!r}",
                )
            )
        events = self._valid_events(events, role)
        at = self.clock()
        with self.store.transaction() as db:
            if db.execute(_ACTIVE, {"name": name}).first() is not None:
                raise UsageError(
                    pick(
                        lang,
                        f"{name}已有控制台账号；需要新的登录链接请运行："
                        f"kexie organizers link {self.root.label} {name}",
                        f"{name} already has a console account; for a new login link run:"
                        f" kexie organizers link {self.root.label} {name!r}",
                    )
                )
            row = db.execute(
                _ADD, {"name": name, "role": role, "lang": lang, "at": _text(at), "by": by}
            ).scalar_one()
            if events:
                db.execute(_GRANT, [{"id": row, "event_id": event} for event in events])
            self.store.append(
                "console.added",
                by=by,
                at=at,
                data={"name": name, "role": role, "events": sorted(events)},
            )
            return self._issue_link(db, row, name, by, at)

    def revoke(self, name: str, *, by: str) -> None:
        """Close ``name``'s account: their sessions end and their unused links stop at once."""
        at = self.clock()
        with self.store.transaction() as db:
            row = self._active_row(db, name)
            db.execute(_REVOKE, {"at": _text(at), "by": by, "id": row})
            db.execute(_WITHDRAW_LINKS, {"at": _text(at), "id": row})
            db.execute(_END_SESSIONS_OF, {"at": _text(at), "reason": "revoked", "id": row})
            self.store.append("console.revoked", by=by, at=at, data={"name": name})

    def new_link(self, name: str, *, by: str) -> LoginLink:
        """A fresh login link for ``name``; links of theirs not yet used stop working."""
        at = self.clock()
        with self.store.transaction() as db:
            row = self._active_row(db, name)
            return self._issue_link(db, row, name, by, at)

    def set_lang(self, name: str, lang: str, *, by: str) -> None:
        """Remember ``name``'s choice of language for the console (``zh`` or ``en``)."""
        if lang not in LANGUAGES:
            raise UsageError(f"lang must be zh or en, not {lang!r}")
        with self.store.transaction() as db:
            db.execute(_SET_LANG, {"lang": lang, "id": self._active_row(db, name)})
            self.store.append(
                "console.lang", by=by, at=self.clock(), data={"name": name, "lang": lang}
            )

    def set_events(self, name: str, events: Iterable[str], *, by: str) -> None:
        """Give organizer ``name`` exactly ``events`` to see, instead of the ones they had."""
        organiser = self.organiser(name)
        if organiser is None:
            raise self._no_account(name)
        events = self._valid_events(events, organiser.role)
        with self.store.transaction() as db:
            row = self._active_row(db, name)
            db.execute(_UNGRANT, {"id": row})
            if events:
                db.execute(_GRANT, [{"id": row, "event_id": event} for event in events])
            self.store.append(
                "console.events", by=by, at=self.clock(), data={"name": name, "events": events}
            )

    def organiser(self, name: str) -> Organiser | None:
        """The active account of ``name``, or ``None``."""
        with self.store.reading() as db:
            row = db.execute(_ACTIVE, {"name": name}).first()
            if row is None:
                return None
            events = {event for (event,) in db.execute(_EVENTS_OF, {"id": row[0]})}
        return _organiser(row, events)

    # --- logging in and out ------------------------------------------------------------------

    def link_holder(self, token: str) -> Organiser:
        """Whose login ``token`` is, without using it up; :class:`LinkRefused` if it won't work.

        For the page a link opens: chat apps fetch links to preview them, so opening one must
        not use it.
        """
        with self.store.reading() as db:
            _link, name = self._usable_link(db, token)
        organiser = self.organiser(name)
        if organiser is None:  # revoked between the two reads
            raise LinkRefused("revoked", name, self.lang)
        return organiser

    def redeem(self, token: str) -> Session:
        """Use the login link ``token`` (once) and start a session.

        :class:`LinkRefused` says why a link does not work; a link used, expired, withdrawn or
        revoked stays so.
        """
        at = self.clock()
        session_id = secrets.token_urlsafe(32)
        with self.store.transaction() as db:
            link_id, name = self._usable_link(db, token)
            # Two browsers pressing the button at once: only one changes the row.
            if db.execute(_USE_LINK, {"at": _text(at), "id": link_id}).rowcount != 1:
                raise LinkRefused("used", name, self.lang)
            expires = at + SESSION_LIFETIME
            db.execute(
                _ADD_SESSION,
                {
                    "session_hash": _hash(session_id),
                    "at": _text(at),
                    "expires_at": _text(expires),
                    "link_id": link_id,
                },
            )
            self.store.append("console.login", by=name, at=at, data={"name": name})
        organiser = self.organiser(name)
        assert organiser is not None  # active inside the transaction just committed
        return Session(session_id, organiser, expires)

    def session(self, session_id: str) -> Organiser | None:
        """The organiser logged in with ``session_id``, or ``None`` when it has ended.

        A session ends on logout, on the account's revocation (at once: this is asked on
        every request), after :data:`SESSION_IDLE` unused and :data:`SESSION_LIFETIME` after
        the login.
        """
        if not session_id or len(session_id) > _SECRET_LIMIT:
            return None
        at = self.clock()
        with self.store.reading(snapshot=False) as db:
            row = db.execute(_SESSION, {"session_hash": _hash(session_id)}).first()
        if row is None:
            return None
        session_row, last_seen, expires = row[0], _time(row[1]), _time(row[2])
        if at >= expires or at - last_seen >= SESSION_IDLE:
            return None
        if at - last_seen >= TOUCH_INTERVAL:
            # Best effort: a busy store delays the idle clock, it does not refuse the request.
            with contextlib.suppress(StoreUnavailable), self.store.transaction() as db:
                db.execute(_TOUCH, {"at": _text(at), "id": session_row})
        with self.store.reading() as db:
            events = {event for (event,) in db.execute(_EVENTS_OF, {"id": row[3]})}
        return _organiser(row[3:], events)

    def end_session(self, session_id: str) -> None:
        """Log out: the session ends for good (nothing happens for one already ended)."""
        if not session_id or len(session_id) > _SECRET_LIMIT:
            return
        organiser = self.session(session_id)
        at = self.clock()
        with self.store.transaction() as db:
            db.execute(
                _END_SESSION,
                {"at": _text(at), "reason": "logout", "session_hash": _hash(session_id)},
            )
            if organiser is not None:
                self.store.append(
                    "console.logout", by=organiser.name, at=at, data={"name": organiser.name}
                )

    # --- helpers -------------------------------------------------------------------------------

    def _valid_name(self, name: str) -> str:
        lang = self.lang
        name = inputs.text(
            name, "name", lang=lang, label=pick(lang, "姓名", "the name"), limit=inputs.NAME_LIMIT
        )
        if name.startswith(COMPUTER_LOGIN):
            # Records made by "login:..." are the computer's account, not a person's.
            raise UsageError(
                pick(
                    lang,
                    f"姓名不能以 {COMPUTER_LOGIN} 开头",
                    f"a name cannot start with {COMPUTER_LOGIN!r}",
                )
            )
        return name

    def _valid_events(self, events: Iterable[str], role: str) -> list[str]:
        lang = self.lang
        wanted = sorted({event.strip() for event in events if event.strip()})
        if role == "admin":
            if wanted:
                raise UsageError(
                    pick(
                        lang,
                        "管理员可以查看所有活动，不需要指定活动",
                        "an admin sees every event; events are given to organizers only",
                    )
                )
            return []
        known = self.root.events()
        if not wanted:
            if self.root.single:
                return list(known)
            raise UsageError(
                pick(
                    lang,
                    "请指定该组织者可以查看的活动：--events 活动文件夹名,...",
                    "say which events the organizer may see: --events FOLDER,...",
                )
            )
        unknown = [event for event in wanted if event not in known]
        if unknown:
            listed = ", ".join(known) or pick(lang, "（还没有活动）", "(none yet)")
            raise UsageError(
                pick(
                    lang,
                    f"没有这些活动：{', '.join(unknown)}（{self.root.label} 中的活动：{listed}）",
                    f"{self.root.label} holds no event {', '.join(unknown)}; its events: {listed}",
                )
            )
        return wanted

    def _no_account(self, name: str) -> UsageError:
        return UsageError(
            pick(
                self.lang,
                f"没有名为{name}的控制台账号（查看：kexie organizers list {self.root.label}）",
                f"no console account named {name!r} (see: kexie organizers list {self.root.label})",
            )
        )

    def _active_row(self, db, name: str) -> int:
        row = db.execute(_ACTIVE, {"name": name}).first()
        if row is None:
            raise self._no_account(name)
        return row[0]

    def _issue_link(self, db, row: int, name: str, by: str, at: dt.datetime) -> LoginLink:
        token = secrets.token_urlsafe(32)
        expires = at + LINK_LIFETIME
        db.execute(_WITHDRAW_LINKS, {"at": _text(at), "id": row})
        db.execute(
            _ADD_LINK,
            {
                "id": row,
                "token_hash": _hash(token),
                "at": _text(at),
                "by": by,
                "expires_at": _text(expires),
            },
        )
        self.store.append("console.link", by=by, at=at, data={"name": name})
        return LoginLink(name, token, expires)

    def _usable_link(self, db, token: str) -> tuple[int, str]:
        """The row and organiser of a link that can log in now; :class:`LinkRefused` else."""
        row = None
        if token and len(token) <= _SECRET_LIMIT:
            row = db.execute(_LINK, {"token_hash": _hash(token)}).first()
        if row is None:
            raise LinkRefused("unknown", None, self.lang)
        link_id, expires, used, withdrawn, revoked, name, lang = row
        if revoked is not None:
            reason = "revoked"
        elif used is not None:
            reason = "used"
        elif withdrawn is not None:
            reason = "withdrawn"
        elif self.clock() >= _time(expires):
            reason = "expired"
        else:
            return link_id, name
        raise LinkRefused(reason, name, lang)

    def list(self) -> list[Organiser]:
        """Every active account, by name."""
        with self.store.reading() as db:
            rows = db.execute(_ALL_ACTIVE).all()
            events: dict[int, set[str]] = {}
            for organiser_id, event in db.execute(_ALL_EVENTS):
                events.setdefault(organiser_id, set()).add(event)
        return [_organiser(row, events.get(row[0], set())) for row in rows]


def _organiser(row, events: set[str]) -> Organiser:
    _id, name, role, lang, created_at, created_by = row
    return Organiser(name, role, lang, frozenset(events), _time(created_at), created_by)
