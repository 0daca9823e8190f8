"""Personal data: private files, kept no longer than needed, purged for good (issue 11, part 8)."""

from __future__ import annotations

import json
import stat
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import text

from kexie_events import hookimpl
from kexie_events.records import MigrationScripts, PersonalData
from kexie_events.tls import certificate

from conftest import event_store

PEOPLE = "name,phone,audience,site\n王小明,13800138000,minors,\n李红,13912345678,farmers,\n"


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def event_with_registrants(make_event, run, tmp_path, lang="en"):
    folder = make_event("science-day", lang)
    registrations = tmp_path / "registrations.csv"
    registrations.write_text(PEOPLE, encoding="utf-8")
    result = run("tickets", "import", folder, registrations)
    assert result.exit_code == 0, result.output
    return folder


@pytest.mark.sqlite_only("checks the modes of event.db and its log")
def test_store_and_its_log_are_private_whatever_mode_they_had(make_event, run, tmp_path):
    folder = event_with_registrants(make_event, run, tmp_path)
    for name in ("event.db", "event.db-wal", "event.db-shm"):
        path = folder / name
        if path.exists():
            path.chmod(0o644)
    assert run("status", folder).exit_code == 0
    assert mode(folder / "event.db") == 0o600
    for name in ("event.db-wal", "event.db-shm"):
        if (folder / name).exists():
            assert mode(folder / name) == 0o600


@pytest.mark.sqlite_only("checks the mode of event.db")
def test_a_new_event_store_is_private(run, tmp_path):
    folder = tmp_path / "tour"
    assert run("new", folder, "--template", "lecture-tour").exit_code == 0
    assert mode(folder / "event.db") == 0o600


def test_tickets_that_print_names_are_private_files(make_event, run, tmp_path):
    folder = event_with_registrants(make_event, run, tmp_path)
    run("tickets", "issue", folder, "--count", "2")
    assert run("kit", folder).exit_code == 0
    singles = sorted((folder / "kit" / "tickets" / "single").iterdir())
    named, anonymous = singles[:2], singles[2:]
    assert "王小明" in named[0].read_text(encoding="utf-8")
    assert all(mode(p) & 0o077 == 0 for p in named)
    assert all(mode(p) & 0o044 for p in anonymous)
    assert mode(folder / "kit" / "tickets" / "sheets-001.html") & 0o077 == 0


def test_https_key_is_made_private_even_if_it_was_not(tmp_path):
    _cert, key = certificate(tmp_path, ["127.0.0.1"])
    assert mode(key) == 0o600
    key.chmod(0o644)
    certificate(tmp_path, ["127.0.0.1"])
    assert mode(key) == 0o600
    key.chmod(0o644)
    certificate(tmp_path, ["127.0.0.1", "10.0.0.7"])  # a new address: a new key is written
    assert mode(key) == 0o600


def test_check_warns_when_personal_data_is_kept_too_long(make_event, run, tmp_path):
    folder = event_with_registrants(make_event, run, tmp_path)  # ended in 2027: not yet
    assert "personal data" not in run("check", folder).output
    text = (folder / "event.toml").read_text(encoding="utf-8") + "\n[privacy]\nretain_days = 0\n"
    for old, new in (
        ("2027-09-24", "2020-09-24"),
        ("2027-09-25", "2020-09-25"),
        ("2027-09-26", "2020-09-26"),
        ("2027-09-27", "2020-09-27"),
    ):
        text = text.replace(old, new)
    (folder / "event.toml").write_text(text, encoding="utf-8")

    result = run("check", folder)

    assert result.exit_code == 0, result.output
    assert "event.toml" in result.output and "privacy.retain_days" in result.output
    assert "kexie privacy purge" in result.output
    assert "names and phone numbers (2)" in result.output

    assert run("privacy", "purge", folder, "--yes", "--by", "档案员").exit_code == 0
    assert "personal data" not in run("check", folder).output


def test_retain_days_must_be_a_sane_number(make_event, run):
    folder = make_event("science-day", "en")
    with (folder / "event.toml").open("a", encoding="utf-8") as file:
        file.write("\n[privacy]\nretain_days = -3\n")
    result = run("check", folder)
    assert result.exit_code == 2
    assert "retain_days" in result.output


def test_purge_removes_names_for_good_and_keeps_every_count(
    make_event, run, tmp_path, per_test_database
):
    on_sqlite = per_test_database is None  # the store's own files are there to read
    folder = event_with_registrants(make_event, run, tmp_path, lang="zh")
    run("tickets", "issue", folder, "--count", "3")
    run("checkin", folder, "000001", "--gate", "校门")
    run("checkin", folder, "000004", "--gate", "校门")
    before = json.loads(_json(run("report", folder, "--json").output))
    assert not on_sqlite or b"13800138000" in _all_bytes(folder)

    assert run("kit", folder).exit_code == 0
    cache = folder / ".kit-cache"
    assert any("王小明" in p.read_text(errors="ignore") for p in cache.iterdir())

    result = run("privacy", "purge", folder, "--yes", "--by", "档案员")

    assert result.exit_code == 0, result.output
    assert "rebuild the kit" in result.output
    assert not any("王小明" in p.read_text(errors="ignore") for p in cache.iterdir())
    assert run("kit", folder).exit_code == 0
    tickets = (folder / "kit" / "tickets" / "sheets-001.html").read_text(encoding="utf-8")
    assert "王小明" not in tickets and "000001" in tickets
    if on_sqlite:
        for secret in ("王小明".encode(), b"13800138000", "李红".encode()):
            assert secret not in _all_bytes(folder)
    after = json.loads(_json(run("report", folder, "--json").output))
    assert after["attendance"] == before["attendance"]
    status = run("privacy", "status", folder).output
    assert "no personal data held" in status
    assert "by 档案员" in status


def test_purge_asks_before_it_removes(make_event, run, tmp_path, per_test_database):
    folder = event_with_registrants(make_event, run, tmp_path)
    result = run("privacy", "purge", folder, input="n\n")
    assert result.exit_code != 0
    assert "no personal data held" not in run("privacy", "status", folder).output
    assert per_test_database is not None or "王小明".encode() in _all_bytes(folder)


def _json(output: str) -> str:
    return output[: output.rindex("}") + 1]


def _all_bytes(folder) -> bytes:
    return b"".join(
        (folder / name).read_bytes()
        for name in ("event.db", "event.db-wal")
        if (folder / name).exists()
    )


GUESTBOOK_REVISION = """
    import sqlalchemy as sa
    from alembic import op

    revision = "guestbook_0001"
    down_revision = None
    branch_labels = ("guestbook",)
    depends_on = "core_0001"


    def upgrade():
        op.create_table(
            "guestbook",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("email", sa.Text),
            sa.Column("visits", sa.Integer),
        )
"""
_COUNT_EMAILS = text("SELECT COUNT(*) FROM guestbook WHERE email IS NOT NULL")
_FORGET_EMAILS = text("UPDATE guestbook SET email = NULL")


class Guestbook:
    """A third-party plugin that keeps visitors' e-mail addresses in its own table."""

    def __init__(self, folder: Path):
        self.migrations = folder
        folder.mkdir()
        (folder / "guestbook_0001.py").write_text(textwrap.dedent(GUESTBOOK_REVISION))

    @hookimpl
    def kexie_store_migrations(self):
        return [MigrationScripts("guestbook", self.migrations)]

    @hookimpl
    def kexie_personal_data(self, store, remove):
        with store.transaction() as db:
            count = db.execute(_COUNT_EMAILS).scalar_one()
            if remove:
                db.execute(_FORGET_EMAILS)
        return [PersonalData("visitors' e-mail addresses", count)]


def test_hook_kexie_personal_data(make_event, run, register, plugins, tmp_path, per_test_database):
    register(Guestbook(tmp_path / "guestbook-migrations"), "guestbook")
    folder = make_event("science-day", "en")
    assert run("status", folder).exit_code == 0  # creates the store with the plugin's table
    with event_store(folder, plugins) as store, store.transaction() as db:
        db.execute(
            text("INSERT INTO guestbook (email, visits) VALUES (:email, :visits)"),
            [{"email": "a@example.org", "visits": 2}, {"email": "b@x", "visits": 1}],
        )

    status = run("privacy", "status", folder).output
    assert "guestbook: visitors' e-mail addresses: 2" in status

    result = run("privacy", "purge", folder, "--yes")

    assert result.exit_code == 0, result.output
    assert "purged: 2 records" in result.output
    with event_store(folder, plugins) as store, store.reading() as db:
        rows = db.execute(text("SELECT email, visits FROM guestbook")).all()
    assert sorted(rows, key=lambda r: r[1]) == [(None, 1), (None, 2)]
    assert per_test_database is not None or b"a@example.org" not in _all_bytes(folder)
