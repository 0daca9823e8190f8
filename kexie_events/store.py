"""The event store: ``event.db``, an SQLite file in WAL mode holding everything that happens.

Operational facts (phase changes, and the plugins' tickets, check-ins, handouts, ticks) are
appended with who, when and where. Each write is committed before the call returns, with
``synchronous=FULL``, so a crash right after loses nothing that was acknowledged.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import attrs

from kexie_events.errors import KexieError
from kexie_events.records import Migration, PhaseChange

CORE_MIGRATIONS = (
    Migration(
        "core",
        1,
        """
        CREATE TABLE phase_changes (
            id INTEGER PRIMARY KEY,
            from_phase TEXT NOT NULL,
            to_phase TEXT NOT NULL,
            by TEXT NOT NULL,
            at TEXT NOT NULL,
            forced INTEGER NOT NULL DEFAULT 0,
            reason TEXT
        );
        CREATE TABLE journal (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            at TEXT NOT NULL,
            by TEXT NOT NULL,
            site TEXT,
            gate TEXT,
            data TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX journal_kind ON journal (kind, at);
        """,
    ),
    Migration(
        "core",
        2,
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE calendar_entries (
            uid TEXT PRIMARY KEY,
            fingerprint TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            stamp TEXT NOT NULL
        );
        """,
    ),
    Migration(
        "core",
        3,
        """
        CREATE TABLE volunteer_tokens (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            role TEXT NOT NULL,
            site TEXT,
            gate TEXT,
            token_hash TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            revoked_at TEXT,
            revoked_by TEXT
        );
        CREATE UNIQUE INDEX volunteer_tokens_active ON volunteer_tokens (name)
            WHERE revoked_at IS NULL;
        """,
    ),
)


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


class StoreUnavailable(KexieError):
    """``event.db`` cannot take a write right now: busy with another writer, or the disk is full.

    Nothing of the failed write was kept. The web app answers 503 with the reason; a phone
    keeps the record and tries again.

    Attributes:
        kind: ``"busy"`` (another program holds the write lock; try again soon), ``"full"``
            (no space left) or ``"broken"`` (read-only file, I/O error).
    """

    def __init__(self, kind: str, detail: str):
        self.kind = kind
        super().__init__(f"the event database is unavailable ({kind}): {detail}")


def unavailable(error: BaseException | None) -> StoreUnavailable | None:
    """The :class:`StoreUnavailable` an SQLite error means, or ``None`` for other errors.

    Follows the chain of causes, since a plugin's error wraps the SQLite error it met.
    """
    while error is not None and not isinstance(error, (StoreUnavailable, sqlite3.Error)):
        error = error.__cause__
    if error is None or isinstance(error, StoreUnavailable):
        return error
    name = getattr(error, "sqlite_errorname", "") or ""
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return StoreUnavailable("busy", str(error))
    if name == "SQLITE_FULL":
        return StoreUnavailable("full", str(error))
    if name.startswith(("SQLITE_IOERR", "SQLITE_READONLY", "SQLITE_CANTOPEN")):
        return StoreUnavailable("broken", str(error))
    return None


@contextlib.contextmanager
def _translated() -> Iterator[None]:
    """Turn SQLite's busy, full and I/O errors into :class:`StoreUnavailable`."""
    try:
        yield
    except sqlite3.Error as error:
        mapped = unavailable(error)
        if mapped is None:
            raise
        raise mapped from error


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


class EventStore:
    """Access to one ``event.db``.

    Open it with :meth:`open`; it creates the file, switches it to WAL and runs pending
    migrations (the core's and those the plugins pass in). Use it as a context manager or call
    :meth:`close`.
    """

    def __init__(self, connection: sqlite3.Connection, path: Path):
        self.connection = connection
        self.path = path

    @classmethod
    def open(cls, path: Path, migrations: Iterable[Migration] = ()) -> EventStore:
        """Open (creating if needed) the store at ``path`` and bring its tables up to date.

        The file and its WAL are readable by their owner only: they hold names and phones.
        """
        keep_private(path)
        try:
            connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")
            connection.execute("PRAGMA foreign_keys=ON")
            connection.execute("PRAGMA busy_timeout=10000")
        except sqlite3.Error as error:
            raise KexieError(f"{path}: cannot open the event store: {error}") from error
        store = cls(connection, path)
        store.migrate([*CORE_MIGRATIONS, *migrations])
        if store.meta("event_id") is None:
            store.set_meta("event_id", uuid.uuid4().hex)
        return store

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()

    def erase_freed_space(self) -> None:
        """Rewrite the file so that nothing deleted or overwritten can be read back from it.

        SQLite leaves old row contents in free pages and in the write-ahead log; after a
        privacy purge they must be gone for good. The WAL is checkpointed and truncated, the
        database rebuilt (``VACUUM``), and the WAL truncated again.
        """
        with _translated():
            self.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self.connection.execute("VACUUM")
            self.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def __enter__(self) -> EventStore:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction, taken immediately so concurrent writers queue instead of fail.

        Inside another transaction it is a savepoint: the web app wraps a plugin's button in
        its own transaction (to record the answer with it), and the plugin's writes then
        commit or roll back with that. A database that stays busy, or a full disk, raises
        :class:`StoreUnavailable`.
        """
        db = self.connection
        if db.in_transaction:
            db.execute("SAVEPOINT kexie_nested")
            try:
                yield db
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK TO kexie_nested")
                    db.execute("RELEASE kexie_nested")
                raise
            db.execute("RELEASE kexie_nested")
            return
        with _translated():
            db.execute("BEGIN IMMEDIATE")
        try:
            yield db
            db.execute("COMMIT")
        except BaseException as error:
            # SQLite may already have rolled back by itself (a full disk does that).
            if db.in_transaction:
                db.execute("ROLLBACK")
            mapped = unavailable(error)
            if mapped is not None and mapped is not error:
                raise mapped from error
            raise

    def migrate(self, migrations: Iterable[Migration]) -> list[Migration]:
        """Run the migrations not yet applied, each in its own transaction; return those run."""
        self.connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " owner TEXT NOT NULL, version INTEGER NOT NULL, applied_at TEXT NOT NULL,"
            " PRIMARY KEY (owner, version))"
        )
        done = set(self.connection.execute("SELECT owner, version FROM schema_migrations"))
        ran = []
        for migration in sorted(migrations, key=lambda m: (m.owner != "core", m.owner, m.version)):
            if (migration.owner, migration.version) in done:
                continue
            with self.transaction() as db:
                for statement in _statements(migration.sql):
                    db.execute(statement)
                db.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                    (migration.owner, migration.version, now().isoformat()),
                )
            ran.append(migration)
        return ran

    # --- facts about the event itself -------------------------------------------------------

    def meta(self, key: str) -> str | None:
        """A stored fact about the event (``event_id``, ``template``), or ``None``."""
        row = self.connection.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        """Store a fact about the event."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = ?",
                (key, value, value),
            )

    @property
    def event_id(self) -> str:
        """A random id given to the event when its store was made; calendar UIDs use it."""
        return self.meta("event_id")

    # --- lifecycle ---------------------------------------------------------------------------

    def phase(self) -> str:
        """The phase the event is in: where the last recorded change led, or ``plan``."""
        row = self.connection.execute(
            "SELECT to_phase FROM phase_changes ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return row[0] if row else "plan"

    def record_phase_change(self, change: PhaseChange) -> None:
        """Append a phase change."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO phase_changes (from_phase, to_phase, by, at, forced, reason)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    change.from_phase,
                    change.to_phase,
                    change.by,
                    change.at.isoformat(),
                    int(change.forced),
                    change.reason,
                ),
            )

    def phase_changes(self) -> list[PhaseChange]:
        """Every phase change, oldest first."""
        rows = self.connection.execute(
            "SELECT from_phase, to_phase, by, at, forced, reason FROM phase_changes ORDER BY id"
        )
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
            cursor = db.execute(
                "INSERT INTO journal (kind, at, by, site, gate, data) VALUES (?, ?, ?, ?, ?, ?)",
                (kind, at.isoformat(), by, site, gate, json.dumps(data or {}, ensure_ascii=False)),
            )
        return cursor.lastrowid

    def entries(self, kind: str) -> list[JournalEntry]:
        """Every journal entry of ``kind``, oldest first."""
        rows = self.connection.execute(
            "SELECT id, kind, at, by, site, gate, data FROM journal WHERE kind = ? ORDER BY id",
            (kind,),
        )
        return [
            JournalEntry(i, k, dt.datetime.fromisoformat(at), by, site, gate, json.loads(data))
            for i, k, at, by, site, gate, data in rows
        ]


def _statements(sql: str) -> list[str]:
    """Split a migration script into statements (sqlite3 runs one at a time in a transaction)."""
    statements, current = [], ""
    for line in sql.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return statements
