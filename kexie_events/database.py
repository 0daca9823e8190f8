"""Where an event's store lives and how to reach it: SQLite beside ``event.toml``, or PostgreSQL.

Everything that differs between the two backends is here: the URL, the engine and its
connection settings, and what the drivers' errors mean. SQL itself is written once, portable
(named parameters, ``ON CONFLICT``, ``RETURNING``), in the module of the store's owner.

- **SQLite** (the default): ``DIR/event.db`` in WAL mode with ``synchronous=FULL``, readable by
  its owner only. Nothing to set up.
- **PostgreSQL**: ``[store] url = "postgresql://..."`` in ``event.toml``, or the environment
  variable ``KEXIE_DATABASE_URL`` (which wins, so that a county's servers can be pointed at
  their database without editing every event). Many events share one database: each has a
  schema of its own, named by ``[store] schema`` or after the event's folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import attrs

from kexie_events.errors import KexieError

#: The environment variable that points every event at one PostgreSQL database.
URL_VARIABLE = "KEXIE_DATABASE_URL"
#: Seconds a command waits for another program's write to SQLite before giving up.
SQLITE_PATIENCE = 10.0


class StoreUnavailable(KexieError):
    """The store cannot take a write right now: busy, full, or unreachable.

    Nothing of the failed write was kept. The web app answers 503 with the reason; a phone
    keeps the record and tries again.

    Attributes:
        kind: ``"busy"`` (another program holds the write lock, or the database chose this
            transaction to give way; try again soon), ``"full"`` (no space left) or
            ``"broken"`` (read-only file, I/O error, database server unreachable).
        detail: the driver's own words.
    """

    def __init__(self, kind: str, detail: str):
        self.kind = kind
        self.detail = detail
        super().__init__(f"the event database is unavailable ({kind}): {detail}")


@attrs.frozen
class Location:
    """Where one event's store is.

    Attributes:
        url: a SQLAlchemy URL: ``sqlite:///DIR/event.db`` or ``postgresql+psycopg://...``.
        schema: the PostgreSQL schema holding this event's tables (``None`` for SQLite).
        path: the SQLite file (``None`` for PostgreSQL).
        folder: the event folder, where the event's key files are (``None`` for a store
            opened by itself, such as a scanner bundle).
    """

    url: str
    schema: str | None = None
    path: Path | None = None
    folder: Path | None = None

    @property
    def backend(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return "sqlite" if self.url.startswith("sqlite") else "postgresql"

    def describe(self) -> str:
        """Where the store is, for messages, without the password."""
        if self.path is not None:
            return str(self.path)
        return f"{without_password(self.url)} (schema {self.schema})"


def sqlite_file(path: Path, folder: Path | None = None) -> Location:
    """The location of an SQLite store at ``path`` (an event's ``event.db``, or a bundle)."""
    path = Path(path)
    return Location(f"sqlite:///{path.resolve()}", path=path, folder=folder or path.parent)


def postgresql(url: str, schema: str, folder: Path | None = None) -> Location:
    """The location of an event's schema in a PostgreSQL database."""
    return Location(driver_url(url), schema=schema_name(schema), folder=folder)


def driver_url(url: str) -> str:
    """``url`` with the psycopg 3 driver named, as SQLAlchemy needs it."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def schema_name(text: str) -> str:
    """A PostgreSQL schema name made from an event's folder name or ``[store] schema``.

    Lower-case letters, digits and ``_``, at most 63 characters, not starting with ``pg_``;
    ``science-day 2027`` stays recognisable. A name with letters that are not ASCII
    (``绿水乡科普日``, ``青山镇日食观测``) loses them, so it ends with a short hash of the whole
    name: two townships' events never share a schema.
    """
    name = re.sub(r"[^a-z0-9_]+", "_", text.lower()).strip("_")
    if not name or name[0].isdigit() or name.startswith("pg_"):
        name = f"event_{name}"
    if not text.isascii():
        digest = hashlib.sha256(text.encode()).hexdigest()[:10]
        return f"{name[:52].rstrip('_')}_{digest}"
    return name[:63]


def locate(folder: Path, url: str | None = None, schema: str | None = None) -> Location:
    """Where the store of the event in ``folder`` is.

    ``KEXIE_DATABASE_URL`` wins over ``url`` (the event file's ``[store] url``); with neither,
    the store is ``folder/event.db``. ``schema`` defaults to the folder's name.
    """
    url = os.environ.get(URL_VARIABLE) or url
    if not url or url.startswith("sqlite"):
        return sqlite_file(Path(folder) / "event.db", Path(folder))
    if not url.startswith(("postgresql", "postgres:")):
        raise KexieError(f"{URL_VARIABLE} or [store] url: a postgresql:// URL, got {url}")
    return postgresql(url, schema or Path(folder).resolve().name, Path(folder))


def without_password(url: str) -> str:
    """``url`` with its password, if any, replaced by ``***`` (for messages and file names)."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def unavailable(error: BaseException | None) -> StoreUnavailable | None:
    """The :class:`StoreUnavailable` a database error means, or ``None`` for other errors.

    Follows the chain of causes (SQLAlchemy wraps the driver's error, a plugin may wrap
    SQLAlchemy's), and reads SQLite's error names and PostgreSQL's SQLSTATE codes.
    """
    seen = error
    while seen is not None:
        if isinstance(seen, StoreUnavailable):
            return seen
        original = getattr(seen, "orig", None)
        if original is not None and original is not seen:
            mapped = _driver_error(original)
            if mapped is not None:
                return mapped
        mapped = _driver_error(seen)
        if mapped is not None:
            return mapped
        seen = seen.__cause__
    return None


def _driver_error(error: BaseException) -> StoreUnavailable | None:
    if isinstance(error, sqlite3.Error):
        name = getattr(error, "sqlite_errorname", "") or ""
        if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
            return StoreUnavailable("busy", str(error))
        if name == "SQLITE_FULL":
            return StoreUnavailable("full", str(error))
        if name.startswith(("SQLITE_IOERR", "SQLITE_READONLY", "SQLITE_CANTOPEN")):
            return StoreUnavailable("broken", str(error))
        return None
    state = getattr(error, "sqlstate", None)
    if state is None and _is_psycopg_operational(error):
        # No SQLSTATE: the server was never reached (refused, unknown host, bad password).
        return StoreUnavailable("broken", str(error).strip())
    if not isinstance(state, str):
        return None
    if state in ("40001", "40P01", "55P03"):  # serialization failure, deadlock, lock not available
        return StoreUnavailable("busy", str(error).strip())
    if state == "53100":  # disk full
        return StoreUnavailable("full", str(error).strip())
    if state.startswith(("08", "57P", "53")):  # connection lost, shutting down, resources
        return StoreUnavailable("broken", str(error).strip())
    return None


def _is_psycopg_operational(error: BaseException) -> bool:
    """Whether ``error`` is psycopg's ``OperationalError`` (psycopg is optional: not imported)."""
    return any(
        kind.__name__ == "OperationalError" and kind.__module__.startswith("psycopg")
        for kind in type(error).__mro__
    )


def retryable(error: BaseException) -> bool:
    """Whether running the same transaction again may succeed (busy, deadlock, serialization)."""
    problem = unavailable(error)
    return problem is not None and problem.kind == "busy"


@contextlib.contextmanager
def translated() -> Iterator[None]:
    """Turn the drivers' busy, full and connection errors into :class:`StoreUnavailable`."""
    try:
        yield
    except StoreUnavailable:
        raise
    except Exception as error:
        mapped = unavailable(error)
        if mapped is None:
            raise
        raise mapped from error


def make_engine(location: Location, *, patience: float = SQLITE_PATIENCE):
    """A SQLAlchemy engine for ``location``, with each backend's settings.

    SQLite: WAL, ``synchronous=FULL`` (a committed write survives a crash), foreign keys on,
    ``busy_timeout`` of ``patience`` seconds. Transactions begin ``DEFERRED`` for reading and
    ``IMMEDIATE`` for writing (the connection's ``kexie_write`` execution option), so that two
    writers queue at ``BEGIN`` instead of failing half-way.
    PostgreSQL: the event's schema first on the ``search_path``, a connection pool that checks a
    connection before handing it out.
    """
    from sqlalchemy import create_engine, event

    if location.backend == "sqlite":
        engine = create_engine(
            location.url,
            connect_args={"check_same_thread": False, "isolation_level": None},
            pool_size=8,
            max_overflow=32,
        )
        milliseconds = int(patience * 1000)

        @event.listens_for(engine, "connect")
        def _settings(dbapi_connection, _record):
            dbapi_connection.isolation_level = None
            for pragma in (
                "journal_mode=WAL",
                "synchronous=FULL",
                "foreign_keys=ON",
                f"busy_timeout={milliseconds}",
            ):
                dbapi_connection.execute(f"PRAGMA {pragma}")

        @event.listens_for(engine, "begin")
        def _begin(connection):
            # SQLAlchemy puts pysqlite back in its own transaction handling when a connection
            # that ran with AUTOCOMMIT returns to the pool; transactions are ours.
            connection.connection.dbapi_connection.isolation_level = None
            options = connection.get_execution_options()
            if options.get("isolation_level") == "AUTOCOMMIT" or options.get("kexie_no_begin"):
                return  # VACUUM, checkpoints and single statements run without a transaction
            connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get("kexie_write") else "BEGIN")

        return engine
    return create_engine(
        location.url,
        pool_size=4,
        max_overflow=16,
        pool_pre_ping=True,
        connect_args={"options": f"-c search_path={location.schema}"},
    )
