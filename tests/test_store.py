"""event.db: an SQLite file in WAL mode where every fact has a time, a place and a person."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from kexie_events.store import EventStore


def test_store_is_wal_and_durable(tmp_path):
    with EventStore.open(tmp_path / "event.db") as store:
        mode = store.connection.execute("PRAGMA journal_mode").fetchone()[0]
        synchronous = store.connection.execute("PRAGMA synchronous").fetchone()[0]
    assert mode == "wal"
    assert synchronous == 2  # FULL


def test_journal_keeps_who_when_where(tmp_path):
    at = dt.datetime(2035, 9, 2, 8, 5, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with EventStore.open(tmp_path / "event.db") as store:
        store.append(
            "incident",
            by="李强",
            site="plaza",
            gate="北门",
            at=at,
            data={"type": "中暑", "action": "送医疗点"},
        )
    with EventStore.open(tmp_path / "event.db") as store:  # reopened: it was on disk
        [entry] = store.entries("incident")
    assert (entry.by, entry.site, entry.gate, entry.at) == ("李强", "plaza", "北门", at)
    assert entry.data == {"type": "中暑", "action": "送医疗点"}


def test_naive_times_are_refused(tmp_path):
    with EventStore.open(tmp_path / "event.db") as store, pytest.raises(ValueError):
        store.append("x", by="me", at=dt.datetime(2035, 9, 2, 8, 0))


def test_failed_transaction_leaves_nothing(tmp_path):
    with EventStore.open(tmp_path / "event.db") as store:
        with pytest.raises(sqlite3.IntegrityError), store.transaction() as db:
            db.execute(
                "INSERT INTO journal (kind, at, by) VALUES ('a', '2035-01-01T00:00:00+00:00', 'x')"
            )
            db.execute("INSERT INTO journal (kind, at, by) VALUES (NULL, NULL, NULL)")
        assert store.entries("a") == []
