"""Bringing a store's tables up to date with Alembic: the core's and every plugin's.

Each owner (the core, the web shell, each plugin) keeps its revisions in a folder of its own
and is one Alembic branch, labelled with the owner's name; ``upgrade heads`` runs every branch.
A plugin offers its folder through the ``kexie_store_migrations`` hook
(:class:`~kexie_events.records.MigrationScripts`).

Stores made by releases before Alembic recorded ``(owner, version)`` pairs in a
``schema_migrations`` table. Their revisions are kept, with the ids ``<owner>_<version>``
(``qr_checkin_0002``), so such a store is *stamped* with the revisions it already has and only
the newer ones run: nothing is rebuilt and no row is lost.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path

from kexie_events.errors import KexieError
from kexie_events.records import MigrationScripts

CORE_SCRIPTS = Path(__file__).parent / "store_migrations"
#: Where Alembic keeps the revisions a store has, in every backend.
VERSION_TABLE = "alembic_version"


def revision_id(owner: str, version: int) -> str:
    """The revision id of an owner's ``version`` (also the id of a pre-Alembic migration)."""
    return f"{owner.replace('-', '_')}_{version:04d}"


@functools.lru_cache(maxsize=16)
def _script_directory(folders: tuple[str, ...]):
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(CORE_SCRIPTS), version_locations=list(folders))


def scripts(extra: Iterable[MigrationScripts]):
    """The Alembic script directory of the core and the given plugins' folders."""
    folders = [str(CORE_SCRIPTS / "versions")]
    for item in extra:
        folder = str(Path(item.folder).resolve())
        if folder not in folders:
            folders.append(folder)
    return _script_directory(tuple(folders))


def upgrade(connection, extra: Iterable[MigrationScripts] = ()) -> list[str]:
    """Run every revision the store has not had yet, in one transaction; return their ids.

    ``connection`` is a SQLAlchemy connection outside any transaction. A store made before
    Alembic is stamped first (see the module's description).
    """
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    directory = scripts(extra)
    heads = set(directory.get_heads())
    known = {revision.revision for revision in directory.walk_revisions()}
    with connection.begin():
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        if set(context.get_current_heads()) & known == heads:
            return []
    ran: list[str] = []
    connection = connection.execution_options(kexie_write=True)
    with connection.begin():
        _serialise(connection)
        context = MigrationContext.configure(
            connection,
            opts={
                "version_table": VERSION_TABLE,
                "script": directory,
                "fn": _upgrade_to_heads(directory, known, ran),
            },
        )
        if set(context.get_current_heads()) & known == heads:
            return []
        _adopt_legacy(connection, context, directory, known)
        with Operations.context(context):
            context.run_migrations()
    return ran


def _upgrade_to_heads(directory, known: set[str], ran: list[str]):
    """Alembic's upgrade to every head, over the branches this installation has.

    A branch whose plugin is not installed (or switched off) keeps its row in the version
    table untouched, and its tables, until the plugin is back.
    """

    def upgrade(revision, _context):
        current = tuple(head for head in revision if head in known)
        steps = directory._upgrade_revs("heads", current)
        ran.extend(step.revision.revision for step in steps)
        return steps

    return upgrade


def _serialise(connection) -> None:
    """Keep two processes opening the same PostgreSQL event from migrating it at once."""
    if connection.dialect.name == "postgresql":
        from sqlalchemy import text

        connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(current_schema()))"))


def _adopt_legacy(connection, context, directory, known: set[str]) -> None:
    """Stamp what a store made before Alembic has, from its ``schema_migrations``.

    Each owner is adopted once, the first time its revisions are present: an owner whose
    plugin is not installed (or switched off) is left alone, tables and all, until it is.
    A version this installation does not know (a store made by a newer plugin) is refused.
    """
    from sqlalchemy import inspect, text

    if "schema_migrations" not in inspect(connection).get_table_names():
        return
    done: dict[str, int] = {}
    for owner, version in connection.execute(text("SELECT owner, version FROM schema_migrations")):
        done[owner] = max(version, done.get(owner, 0))
    current = tuple(head for head in context.get_current_heads() if head in known)
    stamped = {
        revision.revision for revision in directory.revision_map.iterate_revisions(current, "base")
    }
    for owner, version in sorted(done.items()):
        if revision_id(owner, 1) not in known or revision_id(owner, 1) in stamped:
            continue
        revision = revision_id(owner, version)
        if revision not in known:
            raise KexieError(
                f"the store was made with {owner} migration {version}, which this installation"
                " does not know (made by a newer release? upgrade kexie-events and its plugins)"
            )
        context.stamp(directory, revision)
