"""An event folder made by the last release opens with this code and loses nothing.

``tests/data/release-0.1/`` was made by kexie-events 0.1.0 (commit ``da51f70``, the raw-sqlite3
store) with ``tests/data/make_release_store.py``: a solar-eclipse event with tickets, sign-ups,
check-ins online and offline, walk-ins, exits, an undo, paper counts, glasses, boards, checklist
ticks and incidents. Beside the event it keeps what that release said about it: its report's
figures (``expected-report.json``), every table's row count (``expected-rows.json``) and its
status. Here the current code opens a copy (``kexie db upgrade``, ``kexie report``,
``kexie status``), which upgrades ``event.db`` in place (issue 14: "without losing a row,
tested on a store made by the current release").
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

RELEASE = Path(__file__).parent / "data" / "release-0.1"
#: What the release said about the event, kept beside it; not part of the event folder.
SAID = ("expected-report.json", "expected-rows.json", "expected-status.json", "status.txt")
#: The parts of the report counted from the store's rows, compared figure by figure. Left out:
#: ``event`` (read from event.toml, not the store), ``sections.observation`` (computed from
#: the sky for the sites), ``photos`` (files in the folder, none here) and ``narrative`` (the
#: sentences made from these same figures; their wording is not the store's business).
COUNTED = (
    ("attendance",),
    ("sections", "registration"),
    ("sections", "eclipse-glasses"),
    ("sections", "display-boards"),
    ("sections", "emergency-plan"),
    ("media",),
)

pytestmark = pytest.mark.sqlite_only("the fixture is an event.db made by the last release")


def said(name: str):
    """What the release wrote to ``name``."""
    return json.loads((RELEASE / name).read_text(encoding="utf-8"))


@pytest.fixture
def release_event(tmp_path) -> Path:
    """A copy of the release's event folder, as the organiser's laptop holds it."""
    folder = tmp_path / RELEASE.name
    shutil.copytree(RELEASE, folder, ignore=shutil.ignore_patterns(*SAID))
    # Git keeps no file modes; the release left the store and its keys to their owner only.
    for name in ("event.db", "ticket-signing.key", "volunteer-login.key"):
        (folder / name).chmod(0o600)
    return folder


def report_of(run, folder: Path) -> dict:
    """The current code's ``kexie report DIR --json`` (its first opening of the old store)."""
    result = run("report", folder, "--json")
    assert result.exit_code == 0, (result.output, result.exception)
    return json.loads(result.stdout)


def figures(tree, path: tuple = ()) -> dict[tuple, object]:
    """Every figure of a JSON tree by its path; lists are figures as a whole."""
    if isinstance(tree, dict):
        found = {}
        for key, value in tree.items():
            found.update(figures(value, (*path, key)))
        return found
    return {path: tree}


def part(report: dict, path: tuple) -> object:
    """The part of ``report`` at ``path``, or ``None`` when the report has no such part."""
    for key in path:
        if not isinstance(report, dict) or key not in report:
            return None
        report = report[key]
    return report


def test_the_report_counts_what_the_release_counted(run, release_event):
    before = said("expected-report.json")
    after = report_of(run, release_event)
    differences = []
    for path in COUNTED:
        old, new = figures(part(before, path), path), figures(part(after, path), path)
        # Every figure the release gave is given again, the same; new figures may be added.
        differences += [
            f"{'.'.join(map(str, key))}: release {value!r}, now {new.get(key, '(missing)')!r}"
            for key, value in old.items()
            if new.get(key, ...) != value
        ]
    assert not differences, "\n".join(differences)


def test_every_row_of_the_release_is_still_there(run, release_event):
    upgrade = run("db", "upgrade", release_event)
    assert upgrade.exit_code == 0, (upgrade.output, upgrade.exception)
    again = run("db", "upgrade", release_event)
    assert again.exit_code == 0 and "up to date" in again.output, again.output
    rows = said("expected-rows.json")
    db = sqlite3.connect(release_event / "event.db")
    try:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        now = {
            table: db.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
            for table in rows
            if table in tables
        }
    finally:
        db.close()
    assert now == rows


def test_the_event_is_in_the_phase_the_release_left_it(run, release_event):
    result = run("status", release_event, "--json")
    assert result.exit_code == 0, (result.output, result.exception)
    assert json.loads(result.stdout)["phase"] == said("expected-status.json")["phase"] == "onsite"
