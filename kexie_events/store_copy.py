"""Copying an event's store to another backend: SQLite to PostgreSQL and back.

``kexie db copy DIR --to URL`` moves an event from a laptop's ``event.db`` into the county's
PostgreSQL database (or brings it back to a file for archiving). The target must be empty: a
copy never writes over a store it did not make. Both stores are brought to the same schema
first, every table is copied in one transaction, PostgreSQL's id sequences are moved past the
copied ids, and the copy is checked before the command says it is done: the same rows in every
table, compared by a digest of their contents.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

import attrs
from sqlalchemy import MetaData, Table, inspect, text
from sqlalchemy.engine import Connection

from kexie_events import database
from kexie_events.database import Location
from kexie_events.errors import KexieError, UsageError
from kexie_events.migrations import VERSION_TABLE
from kexie_events.records import MigrationScripts
from kexie_events.store import EventStore

_SET_SEQUENCE = text("SELECT setval(:sequence, :value)")
#: Rows inserted per statement while copying.
CHUNK = 2000


@attrs.frozen
class TableCopy:
    """One table copied: its name, rows, and the digest both stores agree on."""

    table: str
    rows: int
    digest: str


def target_location(url_or_path: str, folder: Path, schema: str | None) -> Location:
    """Where ``--to`` points: a PostgreSQL URL, an ``sqlite:///`` URL or a file path."""
    if url_or_path.startswith(("postgresql", "postgres:")):
        return database.postgresql(url_or_path, schema or folder.resolve().name, folder)
    if url_or_path.startswith("sqlite:///"):
        return database.sqlite_file(Path(url_or_path[len("sqlite:///") :]), folder)
    if "://" in url_or_path:
        raise UsageError(f"--to: a postgresql:// URL or an SQLite file, got {url_or_path}")
    return database.sqlite_file(Path(url_or_path), folder)


def copy(
    source: EventStore, target: Location, migrations: Iterable[MigrationScripts]
) -> list[TableCopy]:
    """Copy every table of ``source`` into the empty store at ``target``; return what was copied.

    Refuses (:class:`UsageError`) a target that already holds an event's tables.
    """
    if target.url == source.location.url and target.schema == source.location.schema:
        raise UsageError("--to is where the event's store already is")
    _refuse_non_empty(target)
    destination = EventStore.open(target, list(migrations))
    try:
        with source.reading() as reader, destination.transaction() as writer:
            tables = _tables(reader)
            copied = [_copy_table(reader, writer, name) for name in tables]
            if destination.backend == "postgresql":
                _move_sequences(writer, tables)
        with destination.reading() as check:
            for done in copied:
                rows, digest = _digest(check, done.table)
                if (rows, digest) != (done.rows, done.digest):
                    raise KexieError(
                        f"the copy of {done.table} differs ({rows} rows, {done.rows} expected);"
                        f" the target {target.describe()} is incomplete: drop it and copy again"
                    )
    finally:
        destination.close()
    return copied


def _refuse_non_empty(target: Location) -> None:
    if target.path is not None:
        if target.path.exists() and target.path.stat().st_size > 0:
            raise UsageError(
                f"{target.path} exists; a copy never writes over a store: give a new file"
            )
        return
    engine = database.make_engine(target)
    try:
        with database.translated(), engine.connect() as connection:
            names = inspect(connection).get_table_names(schema=target.schema)
    except database.StoreUnavailable as error:
        raise KexieError(f"{target.describe()}: {error}") from error
    finally:
        engine.dispose()
    if names:
        raise UsageError(
            f"{target.describe()} already holds tables ({', '.join(sorted(names)[:4])}...);"
            " a copy never writes over a store: give another schema ([store] schema) or database"
        )


def _tables(db: Connection) -> list[str]:
    """The event's tables in an order that respects foreign keys."""
    metadata = MetaData()
    metadata.reflect(db)
    return [t.name for t in metadata.sorted_tables if t.name != VERSION_TABLE]


def _copy_table(reader: Connection, writer: Connection, name: str) -> TableCopy:
    metadata = MetaData()
    table = _reflect(writer, name, metadata)
    columns = [column.name for column in table.columns]
    writer.execute(table.delete())  # only what opening the new store just made (its event id)
    copied: list[str] = []
    result = reader.execute(text(f'SELECT {_column_list(columns)} FROM "{name}"'))
    while chunk := result.fetchmany(CHUNK):
        writer.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in chunk])
        copied.extend(_row_text(row) for row in chunk)
    return TableCopy(name, len(copied), _fingerprint(copied))


def _reflect(db: Connection, name: str, metadata: MetaData) -> Table:
    return Table(name, metadata, autoload_with=db)


def _column_list(columns: list[str]) -> str:
    return ", ".join(f'"{column}"' for column in columns)


def _digest(db: Connection, name: str) -> tuple[int, str]:
    """The number of rows of a table and a digest of their contents, in any backend."""
    columns = [column["name"] for column in inspect(db).get_columns(name)]
    rows = [
        _row_text(row) for row in db.execute(text(f'SELECT {_column_list(columns)} FROM "{name}"'))
    ]
    return len(rows), _fingerprint(rows)


def _row_text(row) -> str:
    return json.dumps([_plain(value) for value in row], ensure_ascii=False)


def _fingerprint(rows: list[str]) -> str:
    """A digest of rows whatever order the backend gave them in."""
    return hashlib.sha256("\n".join(sorted(rows)).encode()).hexdigest()


def _plain(value):
    """A value as both backends give it back (SQLite may hand back ints for booleans)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return value


def _move_sequences(db: Connection, tables: list[str]) -> None:
    """Set every PostgreSQL id sequence past the ids copied, so new rows get new ids."""
    for name in tables:
        if "id" not in {column["name"] for column in inspect(db).get_columns(name)}:
            continue
        sequence = db.execute(
            text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": name}
        ).scalar()
        if sequence:
            highest = db.execute(text(f'SELECT MAX(id) FROM "{name}"')).scalar()
            if highest is not None:
                db.execute(_SET_SEQUENCE, {"sequence": sequence, "value": highest})
