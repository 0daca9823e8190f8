"""The event store: everything that happens at an event, in SQLite or PostgreSQL.

Operational facts (phase changes, and the plugins' tickets, check-ins, handouts, ticks) are
appended with who, when and where. A write is committed before the call returns (SQLite with
``synchronous=FULL``), so a crash right after loses nothing that was acknowledged.

This module is the core's storage layer: the engine, transactions, migrations, and the core's
own tables (facts about the event, phase changes, the generic journal). Each plugin keeps its
SQL in one module of its own (``qr_checkin/ledger.py``) and is handed a connection by
:meth:`EventStore.transaction` or :meth:`EventStore.reading`; where the store is and what
differs between SQLite and PostgreSQL is :mod:`kexie_events.database`.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import json
import os
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import TextClause

from kexie_events import database
from kexie_events import migrations as schema
from kexie_events.database import Location, StoreUnavailable, translated, unavailable
from kexie_events.errors import KexieError
from kexie_events.records import MigrationScripts, PhaseChange

__all__ = ["EventStore", "JournalEntry", "StoreUnavailable", "now", "unavailable"]


@attrs.frozen
class JournalEntry:
    """A fact recorded in the generic journal: what kind, when, by whom, where, and details."""

    id: int
    kind: str
    at: dt.datetime
    by: str
    site: str | None
    gate: str | None
    data: dict[str, Any]


def keep_private(path: Path) -> None:
    """Make ``path`` (created empty if missing) and its WAL files readable by the owner only.

    SQLite creates the ``-wal`` and ``-shm`` files with the database file's permissions, so
    a private database keeps its log private too; files an older release made are tightened.
    """
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            if file.exists() and file.stat().st_mode & 0o077:
                file.chmod(0o600)
    except OSError as error:
        raise KexieError(f"{path}: cannot open the event store: {error.strerror}") from error


def now() -> dt.datetime:
    """The current time, aware (UTC); the store keeps the offset it was given."""
    return dt.datetime.now(dt.UTC)


_PHASE = text("SELECT to_phase FROM phase_changes ORDER BY id DESC LIMIT 1")
_PHASES = text("SELECT from_phase, to_phase, by, at, forced, reason FROM phase_changes ORDER BY id")
_ADD_PHASE = text(
    "INSERT INTO phase_changes (from_phase, to_phase, by, at, forced, reason)"
    " VALUES (:from_phase, :to_phase, :by, :at, :forced, :reason)"
)
_META = text("SELECT value FROM meta WHERE key = :key")
_SET_META = text(
    "INSERT INTO meta (key, value) VALUES (:key, :value)"
    " ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)
_CALENDAR = text("SELECT uid, fingerprint, sequence, stamp FROM calendar_entries")
_SAVE_CALENDAR = text(
    "INSERT INTO calendar_entries (uid, fingerprint, sequence, stamp)"
    " VALUES (:uid, :fingerprint, :sequence, :stamp) ON CONFLICT (uid) DO UPDATE"
    " SET fingerprint = excluded.fingerprint, sequence = excluded.sequence,"
    " stamp = excluded.stamp"
)
_APPEND = text(
    "INSERT INTO journal (kind, at, by, site, gate, data)"
    " VALUES (:kind, :at, :by, :site, :gate, :data) RETURNING id"
)
_ENTRIES = text(
    "SELECT id, kind, at, by, site, gate, data FROM journal WHERE kind = :kind ORDER BY id"
)


class EventStore:
    """Access to one event's store.

    Open it with :meth:`open` (a :class:`~kexie_events.database.Location`, or the path of an
    SQLite file); it creates what is missing and runs pending migrations, the core's and those
    of the plugins passed in. Use it as a context manager or call :meth:`close`.

    Write with ``with store.transaction() as db:`` and read with ``with store.reading() as
    db:``; ``db`` is a SQLAlchemy connection for the owner's SQL (``db.execute(text(...),
    {...})``). Inside a transaction on the same thread, both give that transaction (a write
    nested in another is a savepoint), so a plugin's writes commit or roll back with the
    caller's.
    """

    def __init__(self, engine, location: Location, upgraded: Iterable[str] = ()):
        self.engine = engine
        self.location = location
        #: The revisions opening the store ran (empty when it was up to date).
        self.upgraded = tuple(upgraded)
        self._local = threading.local()

    @property
    def backend(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.location.backend

    @property
    def folder(self) -> Path | None:
        """The event folder, where the event's key files are kept."""
        return self.location.folder

    @property
    def path(self) -> Path | None:
        """The SQLite file, or ``None`` for a PostgreSQL store."""
        return self.location.path

    @classmethod
    def open(
        cls,
        where: Location | Path | str,
        migrations: Iterable[MigrationScripts] = (),
        *,
        patience: float = database.SQLITE_PATIENCE,
    ) -> EventStore:
        """Open (creating if needed) the store at ``where`` and bring its tables up to date.

        An SQLite file and its WAL are readable by their owner only: they hold names and
        phones. ``patience`` is how long SQLite waits for another program's write.
        """
        location = where if isinstance(where, Location) else database.sqlite_file(Path(where))
        if location.path is not None:
            keep_private(location.path)
        engine = database.make_engine(location, patience=patience)
        if location.backend == "postgresql" and location.schema is None:
            raise KexieError(f"{location.describe()}: a PostgreSQL store needs a schema")
        try:
            with translated():
                if location.schema is not None:
                    _create_schema(engine, location.schema)
                with engine.connect() as connection:
                    ran = schema.upgrade(connection, migrations_of(migrations))
        except KexieError as error:
            engine.dispose()
            if not isinstance(error, StoreUnavailable):
                raise
            raise KexieError(
                f"{location.describe()}: cannot open the event store: {error}"
            ) from error
        except Exception as error:
            engine.dispose()
            raise KexieError(
                f"{location.describe()}: cannot open the event store: {error}"
            ) from error
        store = cls(engine, location, ran)
        if store.meta("event_id") is None:
            store.set_meta("event_id", uuid.uuid4().hex)
        return store

    def close(self) -> None:
        """Close every connection."""
        self.engine.dispose()

    def __enter__(self) -> EventStore:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    @property
    def active(self) -> Connection | None:
        """The connection of the transaction this thread is in, if any."""
        return getattr(self._local, "connection", None)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A write transaction, committed when the block ends, rolled back on an exception.

        On SQLite it takes the write lock at once (``BEGIN IMMEDIATE``), so concurrent
        writers queue instead of failing half-way. Inside another transaction of this thread
        it is a savepoint. A database that stays busy, a full disk or a lost server raise
        :class:`StoreUnavailable`.
        """
        outer = self.active
        if outer is not None:
            with savepoint(outer):
                yield outer
            return
        with translated(), self.engine.connect() as connection:
            connection = connection.execution_options(kexie_write=True)
            with connection.begin():
                self._local.connection = connection
                try:
                    yield connection
                    flush_deferred(connection)
                finally:
                    connection.info.pop(_DEFERRED, None)
                    self._local.connection = None

    @contextlib.contextmanager
    def reading_together(self) -> Iterator[Connection]:
        """One snapshot for every :meth:`reading` of this thread until the block ends.

        For a page that reads many things at once (the console's summary of an event): one
        connection and one transaction instead of one each, which counts with PostgreSQL,
        where each costs a round trip. Writes (:meth:`transaction`) are not affected.
        """
        if getattr(self._local, "reader", None) is not None or self.active is not None:
            with self.reading() as connection:
                yield connection
            return
        with self.reading() as connection:
            self._local.reader = connection
            try:
                yield connection
            finally:
                self._local.reader = None

    @contextlib.contextmanager
    def reading(self, *, snapshot: bool = True) -> Iterator[Connection]:
        """A connection that sees one consistent state of the store (and this thread's writes).

        ``snapshot=False`` is for one statement that needs no transaction around it (a login
        checked on every request): each statement then sees the latest committed state.
        """
        outer = self.active or getattr(self._local, "reader", None)
        if outer is not None:
            yield outer
            return
        with translated(), self.engine.connect() as connection:
            if not snapshot:
                if self.backend == "sqlite":  # each statement is its own read
                    yield connection.execution_options(kexie_no_begin=True)
                else:
                    yield connection.execution_options(isolation_level="AUTOCOMMIT")
                return
            with connection.begin():
                yield connection

    @contextlib.contextmanager
    def bound(self, connection: Connection) -> Iterator[None]:
        """Make ``connection`` (already in a transaction) this thread's transaction.

        The group-commit writer runs each request's work inside its batch's transaction;
        binding it lets the code it calls use :meth:`transaction` and :meth:`reading` as usual.
        """
        previous = self.active
        self._local.connection = connection
        try:
            yield
        finally:
            self._local.connection = previous

    def erase_freed_space(self) -> None:
        """Make sure nothing deleted or overwritten can be read back from the store's files.

        SQLite leaves old row contents in free pages and in the write-ahead log; after a
        privacy purge they must be gone for good. The WAL is checkpointed and truncated, the
        database rebuilt (``VACUUM``), and the WAL truncated again. PostgreSQL's ``VACUUM``
        marks the dead rows' space free; the server's own files are the database
        administrator's to protect.
        """
        with translated(), self.engine.connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            if self.backend == "sqlite":
                for statement in ("PRAGMA wal_checkpoint(TRUNCATE)", "VACUUM"):
                    connection.exec_driver_sql(statement)
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            else:
                connection.exec_driver_sql("VACUUM")

    # --- facts about the event itself -------------------------------------------------------

    def meta(self, key: str) -> str | None:
        """A stored fact about the event (``event_id``, ``template``), or ``None``."""
        with self.reading() as db:
            return db.execute(_META, {"key": key}).scalar()

    def set_meta(self, key: str, value: str) -> None:
        """Store a fact about the event."""
        with self.transaction() as db:
            db.execute(_SET_META, {"key": key, "value": value})

    @property
    def event_id(self) -> str:
        """A random id given to the event when its store was made; calendar UIDs use it."""
        return self.meta("event_id")

    # --- calendar entries ----------------------------------------------------------------

    def calendar_entries(self) -> dict[str, tuple[str, int, str]]:
        """``{uid: (fingerprint, sequence, stamp)}`` of every calendar entry issued so far."""
        with self.reading() as db:
            return {uid: (f, n, stamp) for uid, f, n, stamp in db.execute(_CALENDAR)}

    def save_calendar_entries(self, changes: Iterable[tuple[str, str, int, str]]) -> None:
        """Record ``(uid, fingerprint, sequence, stamp)`` of entries new or changed."""
        keys = ("uid", "fingerprint", "sequence", "stamp")
        with self.transaction() as db:
            db.execute(_SAVE_CALENDAR, [dict(zip(keys, row, strict=True)) for row in changes])

    # --- lifecycle ---------------------------------------------------------------------------

    def phase(self) -> str:
        """The phase the event is in: where the last recorded change led, or ``plan``."""
        with self.reading() as db:
            return db.execute(_PHASE).scalar() or "plan"

    def record_phase_change(self, change: PhaseChange) -> None:
        """Append a phase change."""
        with self.transaction() as db:
            db.execute(
                _ADD_PHASE,
                {
                    "from_phase": change.from_phase,
                    "to_phase": change.to_phase,
                    "by": change.by,
                    "at": change.at.isoformat(),
                    "forced": int(change.forced),
                    "reason": change.reason,
                },
            )

    def phase_changes(self) -> list[PhaseChange]:
        """Every phase change, oldest first."""
        with self.reading() as db:
            rows = db.execute(_PHASES).all()
        return [
            PhaseChange(a, b, by, dt.datetime.fromisoformat(at), bool(forced), reason)
            for a, b, by, at, forced, reason in rows
        ]

    # --- the generic journal -----------------------------------------------------------------

    def append(
        self,
        kind: str,
        *,
        by: str,
        data: dict[str, Any] | None = None,
        site: str | None = None,
        gate: str | None = None,
        at: dt.datetime | None = None,
    ) -> int:
        """Append a fact of ``kind`` to the journal and return its id."""
        at = at or now()
        if at.tzinfo is None:
            raise ValueError("journal times must be aware")
        with self.transaction() as db:
            return db.execute(
                _APPEND,
                {
                    "kind": kind,
                    "at": at.isoformat(),
                    "by": by,
                    "site": site,
                    "gate": gate,
                    "data": json.dumps(data or {}, ensure_ascii=False),
                },
            ).scalar_one()

    def entries(self, kind: str) -> list[JournalEntry]:
        """Every journal entry of ``kind``, oldest first."""
        with self.reading() as db:
            rows = db.execute(_ENTRIES, {"kind": kind}).all()
        return [
            JournalEntry(i, k, dt.datetime.fromisoformat(at), by, site, gate, json.loads(data))
            for i, k, at, by, site, gate, data in rows
        ]


_COMPILED: dict[tuple[int, str], Any] = {}


def run(db: Connection, statement: TextClause, params: Mapping[str, Any] | None = None):
    """Execute ``statement`` on the driver's own cursor; return that cursor (rows are tuples).

    The hot path's way to run SQL (a check-in runs eight statements): SQLAlchemy compiles the
    statement for the backend once, as ``db.execute`` would, but the execution skips the
    result and event machinery that otherwise costs several times what SQLite takes to run the
    statement. Use it inside a transaction, for statements without typed results; driver
    errors come as the driver raises them (``database.unavailable`` reads both kinds).
    """
    dialect = db.dialect
    key = (id(statement), dialect.name)
    cached = _COMPILED.get(key)
    if cached is None:  # the statement is kept with it, so its id is never reused meanwhile
        cached = _COMPILED[key] = (statement, statement.compile(dialect=dialect))
    compiled = cached[1]
    params = params or {}
    if compiled.positiontup is not None:
        args: Any = tuple(params[name] for name in compiled.positiontup)
    else:
        args = params
    cursor = db.connection.dbapi_connection.cursor()
    cursor.execute(compiled.string, args)
    return cursor


@contextlib.contextmanager
def savepoint(connection: Connection) -> Iterator[None]:
    """A savepoint in ``connection``'s transaction: an exception inside rolls back to it.

    Named by its depth rather than anew each time as SQLAlchemy's ``begin_nested`` does, which
    costs the server's writer more than the check-in it wraps.
    """
    depth = connection.info.get("kexie_savepoints", 0) + 1
    name = f"kexie_savepoint_{depth}"
    connection.info["kexie_savepoints"] = depth
    kept = {
        key: (copy.copy(state), flush)
        for key, (state, flush) in connection.info.get(_DEFERRED, {}).items()
    }
    # On the driver's cursor, like run(): the writer makes two of these per request.
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            # A failure that ended the whole transaction (SQLite on a full disk) leaves no
            # savepoint to go back to; the caller's transaction fails with the first error.
            with contextlib.suppress(Exception):
                cursor.execute(f"ROLLBACK TO SAVEPOINT {name}")
                cursor.execute(f"RELEASE SAVEPOINT {name}")
            connection.info[_DEFERRED] = kept  # what was deferred since is rolled back too
            raise
        cursor.execute(f"RELEASE SAVEPOINT {name}")
    finally:
        connection.info["kexie_savepoints"] = depth - 1


_DEFERRED = "kexie_deferred"


def deferred(db: Connection, name: str, flush: Callable[[Connection, Any], None], factory):
    """Writes kept in memory until the transaction commits: ``name``'s state in ``db``'s
    transaction, made by ``factory()`` on first use, written by ``flush(db, state)``.

    For counters that every scan adds to: the server's writer commits a batch of scans in one
    transaction, and adding each scan's people to the same rows one by one would lock those
    rows early and in any order, so that two PostgreSQL servers' batches wait for each other
    (or deadlock). Deferred, the batch's additions are summed and written just before the
    commit, in the order ``flush`` chooses. A savepoint rolled back takes what was deferred
    inside it back too. Code that reads what it deferred calls :func:`flush_deferred` first.
    """
    pending = db.info.setdefault(_DEFERRED, {})
    if name not in pending:
        pending[name] = (factory(), flush)
    return pending[name][0]


def flush_deferred(db: Connection) -> None:
    """Write what was deferred in ``db``'s transaction (see :func:`deferred`)."""
    pending = db.info.pop(_DEFERRED, None) or {}
    for state, flush in pending.values():
        flush(db, state)


def open_event_store(event, plugins, **options) -> EventStore:
    """Open ``event``'s store, wherever ``[store]`` puts it, with every plugin's tables.

    The one way commands, the web app and the roll-up open an event's store.
    """
    return EventStore.open(event.store_location, plugin_migrations(plugins), **options)


def plugin_migrations(plugins) -> list[MigrationScripts]:
    """Every plugin's migration folder (``kexie_store_migrations``)."""
    return plugins.collect("kexie_store_migrations", MigrationScripts)


def migrations_of(items: Iterable[MigrationScripts]) -> list[MigrationScripts]:
    """The migration folders among ``items``, refusing what a plugin of an older release gives."""
    found = []
    for item in items:
        if not isinstance(item, MigrationScripts):
            raise KexieError(
                f"kexie_store_migrations returned {type(item).__name__}: a plugin returns"
                " MigrationScripts(owner, folder), a folder of Alembic revisions"
            )
        found.append(item)
    return found


def _create_schema(engine, schema: str) -> None:
    """Create the event's PostgreSQL schema unless it exists (two servers may race to it)."""
    from sqlalchemy.exc import IntegrityError, ProgrammingError

    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        exists = connection.execute(
            text("SELECT 1 FROM pg_namespace WHERE nspname = :name"), {"name": schema}
        ).scalar()
        if not exists:
            with contextlib.suppress(IntegrityError, ProgrammingError):
                connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
