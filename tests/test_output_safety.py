"""``--out`` never destroys what the command did not make (issue 11, part 2)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kexie_events.output import STAGING_MARK


def test_kit_out_into_the_event_folder_is_refused_and_keeps_the_store(make_event, run):
    folder = make_event("science-day", "zh")
    run("tickets", "issue", folder, "--count", "3")
    before = sorted(p.name for p in folder.iterdir())
    key = (folder / "ticket-signing.key").read_bytes()

    result = run("kit", folder, "--out", folder)

    assert result.exit_code == 2
    assert "refusing to replace" in result.output
    assert sorted(p.name for p in folder.iterdir()) == before
    assert (folder / "ticket-signing.key").read_bytes() == key
    assert run("tickets", "list", folder).exit_code == 0


@pytest.mark.parametrize("command", ["kit", "report"])
def test_out_above_the_event_folder_or_the_current_folder_is_refused(
    make_event, run, command, monkeypatch
):
    folder = make_event("science-day", "en")
    monkeypatch.chdir(folder.parent)
    for target in (folder.parent, folder.parent.parent, "."):
        result = run(command, folder, "--out", target)
        assert result.exit_code == 2, (target, result.output)
        assert (folder / "event.toml").exists()


@pytest.mark.parametrize("command", ["kit", "report"])
def test_a_folder_of_the_users_own_is_never_replaced(make_event, run, tmp_path, command):
    folder = make_event("science-day", "en")
    mine = tmp_path / "my-documents"
    mine.mkdir()
    (mine / "budget.xlsx").write_bytes(b"the office's own file")

    result = run(command, folder, "--out", mine)

    assert result.exit_code == 2
    assert "not made by" in result.output
    assert "Traceback" not in result.output
    assert (mine / "budget.xlsx").read_bytes() == b"the office's own file"
    assert sorted(p.name for p in mine.iterdir()) == ["budget.xlsx"]


def test_a_file_added_to_a_kit_stops_the_rebuild_and_is_kept(make_event, run):
    folder = make_event("science-day", "en")
    assert run("kit", folder).exit_code == 0
    note = folder / "kit" / "notes-from-the-meeting.txt"
    note.write_text("keep me")

    result = run("kit", folder)

    assert result.exit_code == 2
    assert "notes-from-the-meeting.txt" in result.output
    assert note.read_text() == "keep me"


def test_out_may_replace_its_own_earlier_output_and_new_or_empty_folders(make_event, run, tmp_path):
    folder = make_event("science-day", "en")
    empty = tmp_path / "empty"
    empty.mkdir()
    for command, target in [("kit", empty), ("kit", empty), ("report", tmp_path / "r")] * 2:
        result = run(command, folder, "--out", target)
        assert result.exit_code == 0, result.output
    info = json.loads((empty / "build-info.json").read_text())
    assert info["made_by"] == "kexie kit"
    assert "index.html" in info["written"]
    # A report folder is not a kit: one command never replaces the other's output.
    assert run("kit", folder, "--out", tmp_path / "r").exit_code == 2
    assert (tmp_path / "r" / "report.json").exists()


def test_rollup_does_not_write_into_a_folder_of_the_users(make_event, run, tmp_path):
    folder = make_event("science-day", "en")
    mine = tmp_path / "year"
    mine.mkdir()
    (mine / "rollup.html").write_text("my own page")
    (mine / "plan.docx").write_bytes(b"mine")

    assert run("rollup", folder, "--out", mine).exit_code == 2
    assert (mine / "rollup.html").read_text() == "my own page"
    assert run("rollup", folder, "--out", folder).exit_code == 2
    assert run("rollup", folder, "--out", tmp_path / "fresh").exit_code == 0
    assert run("rollup", folder, "--out", tmp_path / "fresh").exit_code == 0


def test_a_kit_and_report_of_the_previous_release_are_replaced(make_event, run):
    folder = make_event("science-day", "en")
    old_kit = folder / "kit"
    old_kit.mkdir()
    (old_kit / "index.html").write_text("old")
    info = {"built_at": "2026-01-01T00:00:00+08:00", "kexie_events": "0.6.0", "files": 1}
    (old_kit / "build-info.json").write_text(json.dumps(info))
    old_report = folder / "report"
    (old_report / "photos").mkdir(parents=True)
    for name in ("report.json", "report.html", "attendance-by-day.csv", "photos/a.jpg"):
        (old_report / name).write_text("old")

    assert run("kit", folder).exit_code == 0
    assert run("report", folder).exit_code == 0
    assert (old_kit / "index.html").read_text() != "old"
    assert (old_report / "report.html").read_text() != "old"


def test_staging_left_by_a_killed_build_is_cleaned_up_and_a_live_one_is_not(make_event, run):
    folder = make_event("science-day", "en")
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    dead = folder / ".kit.building-abc123"
    dead.mkdir()
    (dead / STAGING_MARK).write_text(gone.stdout.strip())
    (dead / "plan.html").write_text("half-written")
    other = folder / ".kit.building-mine"  # no marker: not ours to remove
    other.mkdir()

    assert run("kit", folder).exit_code == 0

    assert not dead.exists()
    assert other.exists()
    leftovers = [p.name for p in folder.iterdir() if p.name.startswith(".kit.")]
    assert leftovers == [other.name]


def test_out_naming_a_file_is_refused(make_event, run, tmp_path):
    folder = make_event("science-day", "en")
    target = tmp_path / "kit.txt"
    target.write_text("mine")
    result = run("report", folder, "--out", target)
    assert result.exit_code == 2
    assert target.read_text() == "mine"
