"""``kexie db upgrade`` and ``kexie db copy``: an event's store moved between SQLite and
PostgreSQL with every count identical, and never over a store the command did not make."""

from __future__ import annotations

import json
import shutil

import pytest
from sqlalchemy import text

from conftest import event_store


def issue_and_check_in(run, folder) -> None:
    """Tickets, a revocation, logins, scans and walk-ins: a store with something in every table
    the report reads."""
    from starlette.testclient import TestClient

    from kexie_events import volunteers
    from kexie_events.plugins import Plugins
    from kexie_events.web import create_app

    assert run("tickets", "issue", folder, "--count", "30").exit_code == 0
    assert run("tickets", "revoke", folder, "3").exit_code == 0
    with event_store(folder) as store:
        token = volunteers.add(store, "Amy", role="lead", by="test", site=None, gate="north")
    headers = {"Authorization": f"Bearer {token}"}
    codes = [t["code"] for t in json.loads(run("tickets", "list", folder, "--json").output)]
    with TestClient(create_app(folder, Plugins.load(environ={}))) as client:
        for n, code in enumerate([*codes[:20], codes[0], codes[2]]):
            body = {"code": code, "gate": "north", "scan_id": f"scan-{n}"}
            assert client.post("/api/v1/checkins", json=body, headers=headers).status_code == 200
        for n, delta in enumerate((1, 5, 2)):
            body = {"gate": "south", "audience": "farmers", "delta": delta, "scan_id": f"w{n}"}
            assert client.post("/api/v1/headcounts", json=body, headers=headers).status_code == 200
        assert (
            client.post("/api/v1/undo", json={"scan_id": "w1"}, headers=headers).status_code == 200
        )


def report_of(run, folder) -> dict:
    result = run("report", folder, "--json", "--format", "md", "--out", folder.parent / "r")
    assert result.exit_code == 0, result.output
    shutil.rmtree(folder.parent / "r")
    return json.JSONDecoder().raw_decode(result.output[result.output.index("{") :])[0]


@pytest.mark.sqlite_only("starts on a laptop's event.db and copies it to PostgreSQL and back")
def test_copy_to_postgresql_and_back_keeps_every_count(make_event, run, postgres_url, monkeypatch):
    folder = make_event("solar-eclipse-observation", "en")
    issue_and_check_in(run, folder)
    before = report_of(run, folder)
    # 20 tickets scanned, one of them revoked; 1 + 2 walk-ins once the 5 are undone.
    assert (before["attendance"]["unique"], before["attendance"]["walk_in"]) == (19, 3)
    assert before["attendance"]["duplicates"] == 1

    copied = run("db", "copy", folder, "--to", postgres_url)
    assert copied.exit_code == 0, copied.output
    assert "checked" in copied.output and "[store] url" in copied.output
    # A second copy would write over the first: refused, and the copy is untouched.
    again = run("db", "copy", folder, "--to", postgres_url)
    assert again.exit_code == 2
    assert "never writes over a store" in again.output
    monkeypatch.setenv("KEXIE_DATABASE_URL", postgres_url)
    assert report_of(run, folder) == before  # the same event, now served from PostgreSQL

    # And back to a file, for the archive.
    archive = folder.parent / "archive.db"
    back = run("db", "copy", folder, "--to", archive)
    assert back.exit_code == 0, back.output
    monkeypatch.delenv("KEXIE_DATABASE_URL")
    (folder / "event.db").rename(folder.parent / "laptop.db")
    archive.rename(folder / "event.db")
    assert report_of(run, folder) == before


def test_copy_refuses_a_file_that_exists(make_event, run, tmp_path):
    folder = make_event("science-day", "en")
    target = tmp_path / "mine.db"
    target.write_bytes(b"the organiser's own file")
    result = run("db", "copy", folder, "--to", target)
    assert result.exit_code == 2
    assert "exists" in result.output
    assert target.read_bytes() == b"the organiser's own file"


def test_copy_to_where_the_store_already_is_is_refused(make_event, run, per_test_database):
    folder = make_event("science-day", "en")
    run("status", folder)
    here = per_test_database or str(folder / "event.db")
    result = run("db", "copy", folder, "--to", here)
    assert result.exit_code == 2


def test_upgrade_says_what_ran_then_that_it_is_up_to_date(make_event, run):
    folder = make_event("science-day", "en")
    first = run("db", "upgrade", folder)
    assert first.exit_code == 0, first.output
    assert "upgraded (" in first.output and "qr_checkin_0003" in first.output
    second = run("db", "upgrade", folder)
    assert second.output.rstrip().endswith("up to date")


def test_many_events_share_one_postgresql_database(make_event, run, postgres_url, monkeypatch):
    monkeypatch.setenv("KEXIE_DATABASE_URL", postgres_url)
    day = make_event("science-day", "en")
    night = make_event("meteor-shower-night", "en")
    assert run("tickets", "issue", day, "--count", "5").exit_code == 0
    assert run("tickets", "issue", night, "--count", "2").exit_code == 0
    assert len(json.loads(run("tickets", "list", day, "--json").output)) == 5
    assert len(json.loads(run("tickets", "list", night, "--json").output)) == 2
    with event_store(day) as store, store.reading() as db:
        schemas = db.execute(
            text("SELECT nspname FROM pg_namespace WHERE nspname LIKE '%_en' ORDER BY 1")
        ).scalars()
        assert list(schemas) == ["meteor_shower_night_en", "science_day_en"]
    rollup = run("rollup", day, night, "--json", "--out", day.parent / "year")
    assert rollup.exit_code == 0, rollup.output
