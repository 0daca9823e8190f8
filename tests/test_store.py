"""The event store: every fact with a time, a place and a person, on SQLite or PostgreSQL.

These tests open the store where the run puts it: ``event.db`` in a temporary folder, or a
fresh PostgreSQL database when the suite runs with ``KEXIE_TEST_DATABASE_URL``.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from kexie_events import database
from kexie_events.errors import KexieError
from kexie_events.group_commit import GroupCommit
from kexie_events.store import EventStore, StoreUnavailable

CST = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def location(tmp_path):
    """Where a store for this test goes (respects ``KEXIE_DATABASE_URL``)."""
    (tmp_path / "event").mkdir()
    return database.locate(tmp_path / "event")


@pytest.mark.sqlite_only("checks SQLite's journal mode and sync setting")
def test_sqlite_store_is_wal_and_durable(tmp_path):
    with EventStore.open(tmp_path / "event.db") as store, store.reading() as db:
        mode = db.exec_driver_sql("PRAGMA journal_mode").scalar()
        synchronous = db.exec_driver_sql("PRAGMA synchronous").scalar()
    assert mode == "wal"
    assert synchronous == 2  # FULL


def test_journal_keeps_who_when_where(location):
    at = dt.datetime(2035, 9, 2, 8, 5, tzinfo=CST)
    with EventStore.open(location) as store:
        store.append(
            "incident",
            by="李强",
            site="plaza",
            gate="北门",
            at=at,
            data={"type": "中暑", "action": "送医疗点"},
        )
    with EventStore.open(location) as store:  # reopened: it was kept
        [entry] = store.entries("incident")
        assert store.upgraded == ()  # nothing to migrate the second time
    assert (entry.by, entry.site, entry.gate, entry.at) == ("李强", "plaza", "北门", at)
    assert entry.data == {"type": "中暑", "action": "送医疗点"}


def test_naive_times_are_refused(location):
    with EventStore.open(location) as store, pytest.raises(ValueError):
        store.append("x", by="me", at=dt.datetime(2035, 9, 2, 8, 0))


def test_failed_transaction_leaves_nothing(location):
    with EventStore.open(location) as store:
        with pytest.raises(IntegrityError), store.transaction() as db:
            db.execute(
                text(
                    "INSERT INTO journal (kind, at, by)"
                    " VALUES ('a', '2035-01-01T00:00:00+00:00', 'x')"
                )
            )
            db.execute(text("INSERT INTO journal (kind, at, by) VALUES (NULL, NULL, NULL)"))
        assert store.entries("a") == []


def test_a_nested_transaction_is_a_savepoint(location):
    at = dt.datetime(2035, 9, 2, 8, 5, tzinfo=CST)
    with EventStore.open(location) as store:
        with store.transaction():
            store.append("kept", by="a", at=at)
            with pytest.raises(RuntimeError), store.transaction():
                store.append("dropped", by="b", at=at)
                raise RuntimeError("refused")
            assert [e.kind for e in store.entries("kept")] == ["kept"]  # sees its own write
        assert len(store.entries("kept")) == 1
        assert store.entries("dropped") == []


def test_group_commit_answers_each_write_once_committed(location):
    at = dt.datetime(2035, 9, 2, 8, 5, tzinfo=CST)
    with EventStore.open(location) as store:
        writer = GroupCommit(store).start()
        try:
            futures = [
                writer.submit(lambda db, n=n: store.append("scan", by=f"v{n}", at=at))
                for n in range(50)
            ]

            def refuse(db):
                store.append("refused", by="x", at=at)
                raise ValueError("bad input")

            bad = writer.submit(refuse)
            ids = [future.result() for future in futures]
            with pytest.raises(ValueError, match="bad input"):
                bad.result()
        finally:
            writer.stop()
        assert len(set(ids)) == 50
        assert len(store.entries("scan")) == 50
        assert store.entries("refused") == []  # the failed write left nothing; others stayed


@pytest.mark.sqlite_only("holds SQLite's write lock from a second connection")
def test_group_commit_gives_up_on_a_busy_database_with_a_reason(tmp_path):
    path = tmp_path / "event.db"
    with EventStore.open(path, patience=0.05) as store:
        writer = GroupCommit(store, patience=0.2).start()
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            future = writer.submit(lambda db: store.append("x", by="a"))
            with pytest.raises(StoreUnavailable) as raised:
                future.result(timeout=10)
            assert raised.value.kind == "busy"
        finally:
            other.execute("ROLLBACK")
            other.close()
        # Once the other program lets go, writes go through again.
        assert writer.submit(lambda db: store.append("x", by="a")).result(timeout=10)
        writer.stop()


def test_group_commit_from_many_threads(location):
    at = dt.datetime(2035, 9, 2, 8, 5, tzinfo=CST)
    with EventStore.open(location) as store:
        writer = GroupCommit(store).start()
        done: list[int] = []

        def volunteer(n: int) -> None:
            for i in range(20):
                done.append(writer.write_now(lambda db, i=i: store.append("t", by=f"{n}", at=at)))

        threads = [threading.Thread(target=volunteer, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        writer.stop()
        assert len(set(done)) == 160
        assert len(store.entries("t")) == 160


@pytest.mark.sqlite_only("builds an event.db the way the release before Alembic did")
def test_a_store_from_before_alembic_is_adopted_without_losing_a_row(tmp_path):
    path = tmp_path / "event.db"
    old = sqlite3.connect(path)
    old.executescript(
        """
        CREATE TABLE schema_migrations (owner TEXT NOT NULL, version INTEGER NOT NULL,
            applied_at TEXT NOT NULL, PRIMARY KEY (owner, version));
        CREATE TABLE phase_changes (id INTEGER PRIMARY KEY, from_phase TEXT NOT NULL,
            to_phase TEXT NOT NULL, by TEXT NOT NULL, at TEXT NOT NULL,
            forced INTEGER NOT NULL DEFAULT 0, reason TEXT);
        CREATE TABLE journal (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, at TEXT NOT NULL,
            by TEXT NOT NULL, site TEXT, gate TEXT, data TEXT NOT NULL DEFAULT '{}');
        CREATE INDEX journal_kind ON journal (kind, at);
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE calendar_entries (uid TEXT PRIMARY KEY, fingerprint TEXT NOT NULL,
            sequence INTEGER NOT NULL, stamp TEXT NOT NULL);
        INSERT INTO schema_migrations VALUES ('core', 1, 'x'), ('core', 2, 'x');
        INSERT INTO meta VALUES ('event_id', 'abc123');
        INSERT INTO phase_changes (from_phase, to_phase, by, at)
            VALUES ('plan', 'materials', '张敏', '2035-08-01T09:00:00+08:00');
        INSERT INTO journal (kind, at, by, data)
            VALUES ('note', '2035-08-01T09:00:00+08:00', '张敏', '{"n": 1}');
        """
    )
    old.commit()
    old.close()
    with EventStore.open(path) as store:
        # core 3 and web 1 ran; core 1 and 2 were stamped, not run again over the tables.
        assert sorted(store.upgraded) == ["core_0003", "web_0001"]
        assert store.event_id == "abc123"
        assert store.phase() == "materials"
        assert [e.data for e in store.entries("note")] == [{"n": 1}]
        with store.reading() as db:
            assert db.execute(text("SELECT COUNT(*) FROM volunteer_tokens")).scalar() == 0


@pytest.mark.sqlite_only("builds an event.db the way the release before Alembic did")
def test_a_store_made_by_a_newer_release_is_refused_by_name(tmp_path):
    path = tmp_path / "event.db"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE schema_migrations (owner TEXT, version INTEGER, applied_at TEXT);"
        "INSERT INTO schema_migrations VALUES ('core', 9, 'x');"
    )
    old.commit()
    old.close()
    with pytest.raises(KexieError, match="core migration 9"):
        EventStore.open(path)


@pytest.mark.sqlite_only("builds an event.db the way the release before Alembic did")
def test_tables_of_a_plugin_not_installed_are_left_alone(tmp_path):
    path = tmp_path / "event.db"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE schema_migrations (owner TEXT, version INTEGER, applied_at TEXT);"
        "INSERT INTO schema_migrations VALUES ('telescopes', 3, 'x');"
        "CREATE TABLE telescopes_loans (unit TEXT); INSERT INTO telescopes_loans VALUES ('一中');"
    )
    old.commit()
    old.close()
    with EventStore.open(path) as store, store.reading() as db:
        assert db.execute(text("SELECT unit FROM telescopes_loans")).scalar() == "一中"


def test_schema_names_are_safe_and_recognisable():
    assert database.schema_name("Science-Day 2027") == "science_day_2027"
    assert database.schema_name("2027-science-day") == "event_2027_science_day"
    # Chinese names keep a hash of themselves: two townships' events never share a schema.
    green, hill = database.schema_name("绿水乡科普日"), database.schema_name("青山镇日食观测")
    assert green.startswith("event_") and hill.startswith("event_") and green != hill
    assert database.schema_name("绿水乡 science-day") != database.schema_name("青山镇 science-day")
    assert len(database.schema_name("绿" * 100 + "x" * 100)) <= 63
    assert database.schema_name("pg_catalog") == "event_pg_catalog"
    assert len(database.schema_name("x" * 100)) == 63


def test_environment_points_every_event_at_postgresql(tmp_path, monkeypatch):
    monkeypatch.setenv("KEXIE_DATABASE_URL", "postgresql://kexie@db.example/county")
    location = database.locate(tmp_path / "lvshui-science-day")
    assert location.backend == "postgresql"
    assert location.url == "postgresql+psycopg://kexie@db.example/county"
    assert location.schema == "lvshui_science_day"
    monkeypatch.delenv("KEXIE_DATABASE_URL")
    assert database.locate(tmp_path / "x").path == tmp_path / "x" / "event.db"


def test_a_password_is_never_shown(monkeypatch, tmp_path):
    location = database.postgresql("postgresql://kexie:s3cret@db.example/county", "e")
    assert "s3cret" not in location.describe()


def test_switching_a_plugin_off_and_on_again_keeps_its_tables(make_event, plugins):
    from kexie_events.eventfile import load_event
    from kexie_events.plugins import Plugins
    from kexie_events.store import open_event_store

    folder = make_event("solar-eclipse-observation", "en")
    event = load_event(folder, plugins)
    with open_event_store(event, plugins) as store:
        store.append("note", by="a")
    without = Plugins.load(environ={"KEXIE_DISABLE_PLUGINS": "eclipse-glasses"})
    with open_event_store(event, without) as store:
        assert store.upgraded == ()
        assert len(store.entries("note")) == 1
    with open_event_store(event, plugins) as store:
        assert store.upgraded == ()


def test_an_unreachable_postgresql_server_is_a_clear_error(tmp_path, run, make_event):
    from conftest import free_port

    folder = make_event("science-day", "en")
    url = f"postgresql://nobody@127.0.0.1:{free_port()}/county"
    with pytest.raises(KexieError, match=r"unavailable \(broken\).*Connection refused"):
        EventStore.open(database.postgresql(url, "e"))
    copied = run("db", "copy", folder, "--to", url)
    assert copied.exit_code == 1
    assert "unavailable (broken)" in copied.output and "Traceback" not in copied.output
