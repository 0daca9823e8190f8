"""The command line as a user meets it: help, version, demo, and errors without tracebacks."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from kexie_events import __version__

HEAVY = ("uvicorn", "starlette", "skyfield", "docx", "cryptography", "nacl", "qrcode", "icalendar")


def test_version(run):
    assert run("--version").output == f"kexie, version {__version__}\n"


def modules_after(args: list[str], cwd) -> set[str]:
    """Which heavy modules a real ``kexie ARGS`` run imports."""
    code = (
        "import sys\n"
        "from kexie_events.cli import cli\n"
        f"try:\n    cli({args!r}, prog_name='kexie')\n"
        "except SystemExit:\n    pass\n"
        f"print('heavy:' + ','.join(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, check=True
    )
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("heavy:"), done.stderr
    return set(filter(None, last.removeprefix("heavy:").split(",")))


def test_help_and_check_import_nothing_heavy(make_event, tmp_path):
    assert modules_after(["--help"], tmp_path) == set()
    assert modules_after(["check", str(make_event("science-day"))], tmp_path) == set()
    # An eclipse event's first check computes the contacts (to warn when they miss the
    # event's hours) and caches them; later checks load nothing heavy.
    eclipse = make_event("solar-eclipse-observation")
    assert modules_after(["check", str(eclipse)], tmp_path) == {"skyfield"}
    assert modules_after(["check", str(eclipse)], tmp_path) == set()


def test_errors_print_without_traceback_and_exit_2(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "kexie_events", "check", str(tmp_path / "missing")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr == f"Error: {tmp_path / 'missing'}: no such folder\n"


def test_new_refuses_to_overwrite_an_event(make_event, run):
    folder = make_event()
    before = (folder / "event.toml").read_bytes()
    result = run("new", folder, "--template", "science-day")
    assert result.exit_code == 2
    assert "already holds an event" in result.output
    assert (folder / "event.toml").read_bytes() == before


def test_unknown_template_suggests(run, tmp_path):
    result = run("new", tmp_path / "x", "--template", "science-dya")
    assert result.exit_code == 2
    assert "no template 'science-dya', did you mean 'science-day'?" in result.output


@pytest.mark.sqlite_only("the demo is the laptop's first run: its store is event.db")
def test_demo_makes_an_event_and_runs_the_lifecycle(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEXIE_")}
    done = subprocess.run(
        [sys.executable, "-m", "kexie_events", "demo"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "kexie-demo"
    assert (folder / "event.toml").is_file()
    assert (folder / "event.db").is_file()
    assert "plan → materials" in done.stdout
    assert f"event store: {os.path.join('kexie-demo', 'event.db')}" in done.stdout
    again = subprocess.run(
        [sys.executable, "-m", "kexie_events", "demo", "--lang", "en"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=False,
    )
    assert again.returncode == 0
    assert (tmp_path / "kexie-demo-2" / "event.toml").read_text().count('lang = "en"') == 1


def test_os_errors_are_reported_without_traceback(make_event, run, tmp_path):
    folder = make_event("lecture-tour")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the kit's parent folder should be")
    result = run("kit", folder, "--out", blocker / "kit")
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert "Traceback" not in result.output
