"""Plugins: loaded like any third-party one, called by keyword, named when they fail."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import click
import pytest
from sqlalchemy import inspect, text

from kexie_events import hookimpl, hookspecs
from kexie_events.errors import PluginError
from kexie_events.eventfile import load_event
from kexie_events.lifecycle import PHASES
from kexie_events.plugins import ENTRY_POINT_GROUP, Plugins
from kexie_events.records import Blocker, MigrationScripts, PluginSection, StatusLine
from kexie_events.store import open_event_store

from conftest import edit, line_of

HOOKS = sorted(name for name in vars(hookspecs) if name.startswith("kexie_"))
TESTS = Path(__file__).parent


def write_revision(folder: Path, owner: str, number: int, upgrade: str) -> Path:
    """Write revision ``number`` of ``owner``'s Alembic branch into ``folder``; return it.

    ``upgrade`` is the body of its ``upgrade()`` (``op`` and ``sa`` are imported).
    """
    folder.mkdir(exist_ok=True)
    first = number == 1
    source = f"""\
import sqlalchemy as sa
from alembic import op

revision = "{owner}_{number:04d}"
down_revision = {None if first else repr(f"{owner}_{number - 1:04d}")}
branch_labels = {(owner,) if first else None}
depends_on = {"'core_0001'" if first else None}


def upgrade():
{textwrap.indent(textwrap.dedent(upgrade).strip(), "    ")}
"""
    (folder / f"{owner}_{number:04d}.py").write_text(source, encoding="utf-8")
    return folder


_SEEN = text("INSERT INTO recorder_seen (phase) VALUES (:phase)")


class Recorder:
    """One implementation of every hook, recording the order they are called in."""

    def __init__(self, folder: Path):
        self.calls: list[tuple[str, str | None]] = []
        self.migrations = write_revision(
            folder, "recorder", 1, 'op.create_table("recorder_seen", sa.Column("phase", sa.Text))'
        )

    @hookimpl
    def kexie_event_templates(self):
        self.calls.append(("kexie_event_templates", None))

    @hookimpl
    def kexie_cli_commands(self):
        self.calls.append(("kexie_cli_commands", None))

    @hookimpl
    def kexie_config_section(self):
        self.calls.append(("kexie_config_section", None))  # declares none: called for every event

    @hookimpl
    def kexie_store_migrations(self):
        self.calls.append(("kexie_store_migrations", None))
        return [MigrationScripts("recorder", self.migrations)]

    @hookimpl
    def kexie_check_event(self, event):
        self.calls.append(("kexie_check_event", None))

    @hookimpl
    def kexie_status(self, phase):
        self.calls.append(("kexie_status", phase))
        return [StatusLine(f"recorder sees {phase}")]

    @hookimpl
    def kexie_gate(self, phase, next_phase):
        self.calls.append(("kexie_gate", f"{phase}>{next_phase}"))

    @hookimpl
    def kexie_schedule_items(self):
        self.calls.append(("kexie_schedule_items", None))

    @hookimpl
    def kexie_materials(self):
        self.calls.append(("kexie_materials", None))

    @hookimpl
    def kexie_documents(self):
        self.calls.append(("kexie_documents", None))

    @hookimpl
    def kexie_kit_files(self):
        self.calls.append(("kexie_kit_files", None))

    @hookimpl
    def kexie_web_routes(self):
        self.calls.append(("kexie_web_routes", None))

    @hookimpl
    def kexie_volunteer_actions(self):
        self.calls.append(("kexie_volunteer_actions", None))

    @hookimpl
    def kexie_attendance(self):
        self.calls.append(("kexie_attendance", None))

    @hookimpl
    def kexie_report_sections(self):
        self.calls.append(("kexie_report_sections", None))

    @hookimpl
    def kexie_board_tiles(self):
        self.calls.append(("kexie_board_tiles", None))

    @hookimpl
    def kexie_public_notes(self):
        self.calls.append(("kexie_public_notes", None))

    @hookimpl
    def kexie_personal_data(self, remove):
        self.calls.append(("kexie_personal_data", remove))

    @hookimpl
    def kexie_notify(self, message):
        self.calls.append(("kexie_notify", message.kind))

    @hookimpl
    def kexie_phase_changed(self, store, change):
        self.calls.append(("kexie_phase_changed", change.to_phase))
        with store.transaction() as db:
            db.execute(_SEEN, {"phase": change.to_phase})


def test_lifecycle_calls_every_hook_in_order(tmp_path, run, register, plugins, monkeypatch):
    monkeypatch.setattr("kexie_events.lifecycle.now", lambda: _after_the_event())
    monkeypatch.setattr("kexie_events.store.now", lambda: _after_the_event())
    monkeypatch.setattr("kexie_plugins.event_dates.now", lambda: _after_the_event())
    recorder = register(Recorder(tmp_path / "recorder-migrations"), "recorder")
    folder = tmp_path / "eclipse"
    assert "new" in run("--help").output
    assert run("new", folder, "--template", "solar-eclipse-observation").exit_code == 0
    assert run("check", folder).exit_code == 0
    checklist = json.loads(run("checklist", folder, "--json").output)
    for previous, phase in itertools.pairwise(PHASES):
        for item in checklist:  # the organiser works through the phase's checklist
            if item["phase"] == previous:
                assert run("checklist", folder, "tick", item["id"]).exit_code == 0
        result = run("advance", folder, "--by", "organiser")
        assert result.exit_code == 0, result.output
        if phase == "materials":
            assert run("kit", folder).exit_code == 0
        if phase == "onsite":
            volunteer_uses_the_app(folder, recorder)
    result = run("status", folder)
    assert "recorder sees report" in result.output
    assert run("report", folder).exit_code == 0
    before_purge = len(recorder.calls)
    assert run("privacy", "purge", folder, "--yes").exit_code == 0
    purge_calls = recorder.calls[before_purge:]
    del recorder.calls[before_purge:]

    def without_repeats(calls):
        return [c for i, c in enumerate(calls) if i == 0 or calls[i - 1] != c]

    names = without_repeats([name for name, _ in recorder.calls])
    assert names[:5] == [
        "kexie_cli_commands",
        "kexie_event_templates",
        "kexie_config_section",  # the sections are read once, when the event is loaded
        "kexie_check_event",
        "kexie_store_migrations",
    ]
    assert names[-2:] == ["kexie_attendance", "kexie_report_sections"]
    assert [c for c in purge_calls if c[0] == "kexie_personal_data"] == [
        ("kexie_personal_data", False),
        ("kexie_personal_data", True),
    ]
    web = names.index("kexie_web_routes")
    assert names[web + 1] == "kexie_volunteer_actions"
    assert names.index("kexie_documents") < web
    kit = names.index("kexie_schedule_items")
    assert names[kit : kit + 5] == [
        "kexie_schedule_items",
        "kexie_materials",
        "kexie_documents",
        "kexie_kit_files",
        "kexie_public_notes",
    ]
    assert names.index("kexie_phase_changed") < kit
    # Messages go only to people who signed up (test_hook_kexie_notify); this event has none.
    # Certificates are granted only for events that print them (test_hook_kexie_certificates).
    unasked = {"kexie_notify", "kexie_certificates"}
    assert set(names) | {name for name, _ in purge_calls} == set(HOOKS) - unasked
    gates = [arg for name, arg in recorder.calls if name == "kexie_gate"]
    assert gates == ["plan>materials", "materials>launch", "launch>onsite", "onsite>report"]
    changed = [arg for name, arg in recorder.calls if name == "kexie_phase_changed"]
    assert changed == list(PHASES[1:])
    with open_event_store(load_event(folder, plugins), plugins) as store, store.reading() as db:
        seen = db.execute(text("SELECT phase FROM recorder_seen")).scalars().all()
    assert seen == list(PHASES[1:])


def volunteer_uses_the_app(folder, recorder):
    """On the day: the app starts, a volunteer logs in and sees their buttons."""
    from starlette.testclient import TestClient

    from kexie_events import volunteers
    from kexie_events.web import create_app

    plugins = Plugins.load(environ={})
    plugins.register(recorder, "recorder")
    with open_event_store(load_event(folder, plugins), plugins) as store:
        token = volunteers.add(store, "李强", role="scanner", by="test", site=None, gate=None)
    with TestClient(create_app(folder, plugins)) as client:
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        board = client.get("/api/v1/board", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["name"] == "李强"
    assert board.status_code == 200


def _after_the_event():
    import datetime as dt

    return dt.datetime(2035, 9, 3, tzinfo=dt.UTC)


def test_every_hook_has_a_test():
    source = "\n".join(path.read_text() for path in TESTS.glob("test_*.py"))
    missing = [hook for hook in HOOKS if f"def test_hook_{hook}(" not in source]
    assert not missing, f"hooks without a test_hook_<name> test: {missing}"


def test_hook_kexie_event_templates(run, register, tmp_path):
    template = tmp_path / "star-party"
    template.mkdir()
    (template / "template.toml").write_text('name = "star-party"\nsummary_en = "Star party"\n')
    source = Path(__file__).parent.parent / "event_templates" / "lecture_tour" / "event.en.toml"
    shutil.copy(source, template / "event.en.toml")
    (template / "notes.en.md").write_text("bring red torches")
    (template / "notes.zh.md").write_text("带红光手电")

    class StarParty:
        @hookimpl
        def kexie_event_templates(self):
            from kexie_events.records import EventTemplate

            return [EventTemplate.from_folder(template)]

    register(StarParty(), "star-party")
    listing = json.loads(run("templates", "--json").output)
    assert {
        "name": "star-party",
        "languages": ["en"],
        "summary": {"en": "Star party"},
        "plugin": "star-party",
    } in listing
    result = run("new", tmp_path / "ev", "--template", "star-party", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "ev" / "notes.md").read_text() == "bring red torches"
    assert not (tmp_path / "ev" / "template.toml").exists()
    result = run("new", tmp_path / "ev2", "--template", "star-party", "--lang", "zh")
    assert result.exit_code == 2
    assert "comes in en, not 'zh'" in result.output


def test_hook_kexie_cli_commands(run, register):
    @click.command(name="hello")
    def hello():
        click.echo("hello from a plugin")

    class Commands:
        @hookimpl
        def kexie_cli_commands(self):
            return [hello]

    register(Commands(), "commands")
    assert run("hello").output == "hello from a plugin\n"
    assert "hello" in run("--help").output


def test_hook_kexie_store_migrations(make_event, run, register, plugins, tmp_path):
    folder = tmp_path / "tables-migrations"
    write_revision(folder, "tables", 1, 'op.create_table("things", sa.Column("name", sa.Text))')
    write_revision(folder, "tables", 2, 'op.add_column("things", sa.Column("size", sa.Integer))')

    class Tables:
        @hookimpl
        def kexie_store_migrations(self):
            return [MigrationScripts("tables", folder)]

    register(Tables(), "tables")
    event_folder = make_event()
    assert run("status", event_folder).exit_code == 0
    assert run("status", event_folder).exit_code == 0  # revisions run once, not twice
    event = load_event(event_folder, plugins)
    with open_event_store(event, plugins) as store, store.reading() as db:
        columns = [column["name"] for column in inspect(db).get_columns("things")]
        applied = db.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    assert columns == ["name", "size"]
    assert "tables_0002" in applied and "tables_0001" not in applied


def test_hook_kexie_config_section(make_event, run, register):
    class Telescopes:
        """Declares [plugins.telescopes] once; its hooks get the parsed section as ``config``."""

        parsed = 0

        @hookimpl
        def kexie_config_section(self):
            def read(reader, event):
                Telescopes.parsed += 1
                return {"count": reader.integer("count", required=True, minimum=1)}

            return PluginSection(read)

        @hookimpl
        def kexie_status(self, event, config):
            yield StatusLine(f"{config['count']} telescopes", "ok")

    register(Telescopes(), "telescopes")
    folder = make_event()
    without = json.loads(run("status", folder, "--json").output)["status"]
    assert not [line for line in without if line["plugin"] == "telescopes"]  # not called

    with (folder / "event.toml").open("a", encoding="utf-8") as file:
        file.write("\n[plugins.telescopes]\ncount = 0\ncolour = 1\n")
    broken = run("check", folder)
    assert broken.exit_code == 2
    assert f"event.toml:{line_of(folder, 'count = 0')}: plugins.telescopes.count:" in broken.output
    assert f"event.toml:{line_of(folder, 'colour')}: plugins.telescopes.colour: unknown key" in (
        broken.output
    )

    edit(folder, "count = 0\ncolour = 1", "count = 6")
    Telescopes.parsed = 0
    status = json.loads(run("status", folder, "--json").output)["status"]
    assert {"text": "6 telescopes", "level": "ok", "plugin": "telescopes"} in status
    assert Telescopes.parsed == 1  # parsed once when the event was loaded, not per hook


def test_hook_kexie_status(make_event, run, register):
    class Reports:
        @hookimpl
        def kexie_status(self, event, phase):
            yield StatusLine(f"{event.expected_attendance} expected, phase {phase}", "warning")

    register(Reports(), "reports")
    data = json.loads(run("status", make_event(), "--json").output)
    assert {"text": "3000 expected, phase plan", "level": "warning", "plugin": "reports"} in (
        data["status"]
    )


def test_hook_kexie_gate(make_event, run, register):
    class Blocks:
        @hookimpl
        def kexie_gate(self, phase, next_phase):
            if next_phase == "materials":
                yield Blocker("the plan is not signed")

    register(Blocks(), "blocks")
    folder = make_event()
    result = run("advance", folder)
    assert result.exit_code == 1
    assert "[blocks] the plan is not signed" in result.output
    assert json.loads(run("status", folder, "--json").output)["phase"] == "plan"


def test_hook_kexie_phase_changed(make_event, run, register):
    seen = []

    class Listens:
        @hookimpl
        def kexie_phase_changed(self, event, change):
            seen.append((event.title, change.from_phase, change.to_phase, change.by))

    register(Listens(), "listens")
    folder = make_event("lecture-tour", "en")
    assert run("advance", folder, "--by", "wu").exit_code == 0
    assert seen == [("Science Literacy Lecture Tour 2027, X County", "plan", "materials", "wu")]


def test_plugin_that_raises_is_named(make_event, run, register):
    class Broken:
        @hookimpl
        def kexie_status(self):
            return 1 / 0

    register(Broken(), "broken-plugin")
    result = run("status", make_event())
    assert result.exit_code == 1
    assert "plugin 'broken-plugin' failed in kexie_status: ZeroDivisionError" in result.output
    assert "Traceback" not in result.output


def test_plugin_returning_the_wrong_records_is_named(make_event, run, register):
    class Wrong:
        @hookimpl
        def kexie_gate(self):
            return ["not a Blocker"]

    register(Wrong(), "wrong")
    result = run("advance", make_event())
    assert result.exit_code == 1
    assert "plugin 'wrong' failed in kexie_gate: TypeError" in result.output


def test_misspelt_hook_fails_loudly(plugins):
    class Misspelt:
        @hookimpl
        def kexie_stauts(self):
            pass

    with pytest.raises(PluginError, match=r"misspelt.*kexie_stauts"):
        plugins.register(Misspelt(), "misspelt")
        plugins.check_pending()
    plugins.unregister("misspelt")


def test_duplicate_template_names_are_a_plugin_error(run, register):
    class Copycat:
        @hookimpl
        def kexie_event_templates(self):
            from kexie_events.records import EventTemplate

            root = Path(__file__).parent.parent / "event_templates" / "science_day"
            return [EventTemplate.from_folder(root)]

    register(Copycat(), "copycat")
    result = run("templates")
    assert result.exit_code == 1
    assert "name 'science-day' is already provided by" in result.output
    assert "'event-templates'" in result.output
    assert "'copycat'" in result.output


BUILT_IN = {
    "event-templates": "kexie_event_templates",
    "event-dates": "kexie_plugins.event_dates",
    "documents": "kexie_plugins.documents",
    "qr-checkin": "kexie_plugins.qr_checkin",
    "eclipse-glasses": "kexie_plugins.eclipse_glasses",
    "display-boards": "kexie_plugins.display_boards",
    "emergency-plan": "kexie_plugins.emergency_plan",
    "observation": "kexie_plugins.observation",
    "registration": "kexie_plugins.registration",
}


def test_builtins_are_entry_points_like_any_plugin():
    from importlib.metadata import entry_points

    declared = {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}
    assert {name: declared.get(name) for name in BUILT_IN} == BUILT_IN
    described = {info.name: info.builtin for info in Plugins.load(environ={}).describe()}
    assert {name: described.get(name) for name in BUILT_IN} == dict.fromkeys(BUILT_IN, True)


def test_disable_and_load_only():
    names = Plugins.load(environ={"KEXIE_DISABLE_PLUGINS": "event-dates"}).names()
    assert "event-dates" not in names
    assert "event-templates" in names
    assert Plugins.load(environ={"KEXIE_LOAD_PLUGINS": "event-dates"}).names() == ["event-dates"]


def test_section_of_a_disabled_plugin_is_a_warning(make_event):
    from kexie_events.eventfile import check_event

    folder = make_event()
    with (folder / "event.toml").open("a") as f:
        f.write("\n[plugins.event-dates]\n")
    plugins = Plugins.load(environ={"KEXIE_DISABLE_PLUGINS": "event-dates"})
    checked = check_event(folder, plugins)
    assert "plugin 'event-dates' is disabled" in str(checked.warnings[0])


def test_plugins_command_lists_versions_and_hooks(run):
    data = json.loads(run("plugins", "--json").output)
    by_name = {info["name"]: info for info in data}
    assert by_name["event-dates"]["hooks"] == ["kexie_gate", "kexie_status"]
    assert by_name["event-dates"]["builtin"] is True
    from kexie_events import __version__

    assert by_name["event-templates"]["version"] == __version__


@pytest.fixture
def installed_example(tmp_path):
    """The example plugin of docs/plugins.md installed through a real dist-info entry point."""
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy(TESTS / "example_plugin" / "kexie_first_aid.py", site)
    info = site / "kexie_first_aid-0.3.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: kexie-first-aid\nVersion: 0.3.0\n")
    (info / "entry_points.txt").write_text("[kexie_events]\nfirst-aid = kexie_first_aid\n")
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("KEXIE_DISABLE_PLUGINS", None)
    env.pop("KEXIE_LOAD_PLUGINS", None)
    return env


def kexie(*args, env):
    """Run the real ``kexie`` command in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "kexie_events", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_installed_plugin_is_listed_and_its_hooks_called(installed_example, make_event):
    env = installed_example
    listing = json.loads(kexie("plugins", "--json", env=env).stdout)
    [info] = [i for i in listing if i["name"] == "first-aid"]
    assert info["version"] == "0.3.0"
    assert info["builtin"] is False
    assert info["hooks"] == [
        "kexie_cli_commands",
        "kexie_config_section",
        "kexie_gate",
        "kexie_status",
    ]
    folder = make_event()
    with (folder / "event.toml").open("a", encoding="utf-8") as f:
        f.write("\n[plugins.first-aid]\npoints = 2\n")
    status = kexie("status", folder, env=env)
    assert "[first-aid] first-aid points: 2 of 3 needed" in status.stdout
    advance = [kexie("advance", folder, env=env) for _ in range(2)]
    assert advance[0].returncode == 0
    assert advance[1].returncode == 1
    assert "[first-aid] 2 first-aid points for 3 needed" in advance[1].stderr
    assert kexie("first-aid", folder, env=env).stdout == "3 first-aid points needed\n"
    (folder / "event.toml").write_text(
        (folder / "event.toml").read_text(encoding="utf-8").replace("points = 2", "pionts = 2"),
        encoding="utf-8",
    )
    check = kexie("check", folder, env=env)
    assert check.returncode == 2
    assert "plugins.first-aid.pionts: unknown key 'pionts', did you mean 'points'?" in (
        check.stderr
    )
    assert "plugins.first-aid.points: is required" in check.stderr
