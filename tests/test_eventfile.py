"""An organiser writes event.toml; kexie check tells them exactly what is wrong and where."""

from __future__ import annotations

import datetime as dt

import pytest

from kexie_events import hookimpl
from kexie_events.errors import EventFileError, EventFolderError, Problem
from kexie_events.eventfile import check_event, load_event

from conftest import TEMPLATES, edit, line_of


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_passes_check(make_event, run, template, lang):
    folder = make_event(template, lang)
    result = run("check", folder)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: ")


def test_eclipse_template_carries_the_source_figures(make_event, plugins):
    from kexie_events.kit import all_materials

    event = load_event(make_event("solar-eclipse-observation", "zh"), plugins)
    assert event.expected_attendance == 3000
    totals: dict[str, int] = {}
    for line in all_materials(event, plugins):
        totals[line.item] = totals.get(line.item, 0) + line.quantity
    assert totals["日食观测镜（ISO 12312-2）"] == 10000
    assert totals["展板"] == 21
    assert totals["日食科普宣传单"] == 10000
    assert event.hosts == ("××县科学技术协会", "××县气象局")
    assert event.lang == "zh"


def test_times_are_aware_in_the_event_zone(make_event, plugins):
    event = load_event(make_event("science-day", "en"), plugins)
    assert event.start.tzinfo is not None
    assert event.start.utcoffset() == dt.timedelta(hours=8)
    assert all(item.start.tzinfo is not None for item in event.schedule)
    assert event.days == tuple(dt.date(2027, 9, day) for day in (24, 25, 26, 27))


def test_typo_names_file_line_key_and_the_nearest_key(make_event, run):
    folder = make_event("science-day", "en")
    edit(folder, "capacity = 800", "capcity = 800")
    result = run("check", folder)
    assert result.exit_code == 2
    line = line_of(folder, "capcity")
    expected = (
        f"{folder / 'event.toml'}:{line}: sites[3].capcity: "
        "unknown key 'capcity', did you mean 'capacity'?"
    )
    assert expected in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("old", "new", "marker", "message"),
    [
        (
            "end = 2027-09-27T17:30:00",
            "end = 2027-09-20T17:30:00",
            "end = 2027-09-20",
            "end: must be after start",
        ),
        (
            "expected_attendance = 30000",
            "expected_attendance = -5",
            "expected_attendance",
            "expected_attendance: must be at least 0, got -5",
        ),
        (
            "start = 2027-09-24T08:30:00",
            "start = 2027-09-24",
            "start = 2027-09-24",
            "start: expected a date and time like 2027-08-02T08:30:00",
        ),
        (
            'timezone = "Asia/Shanghai"',
            'timezone = "Asia/Shangai"',
            "Asia/Shangai",
            "did you mean 'Asia/Shanghai'?",
        ),
        ('lang = "en"', 'lang = "fr"', 'lang = "fr"', "lang: expected one of 'zh', 'en'"),
        ("lat = 29.4310", "lat = 129.4310", "lat = 129", "lat: must be at most 90"),
        ("capacity = 800", "capacity = -800", "capacity = -800", "must be at least 0"),
        ('"minors", "farmers"', '"minors", "farmer"', '"farmer"', "audiences[1]: expected one of"),
        (
            'gate = "east"',
            'gate = "eats"',
            'gate = "eats"',
            "site 'county-middle' has no gate 'eats', did you mean 'east'?",
        ),
        (
            'site = "county-middle"\n\n[[volunteers]]',
            'site = "county-midle"\n\n[[volunteers]]',
            'site = "county-midle"',
            "no site with id 'county-midle', did you mean 'county-middle'?",
        ),
    ],
)
def test_bad_values_are_caught_with_their_line(make_event, run, old, new, marker, message):
    folder = make_event("science-day", "en")
    edit(folder, old, new)
    result = run("check", folder)
    assert result.exit_code == 2, result.output
    problem = next(line for line in result.output.splitlines() if message in line)
    assert problem.startswith(f"{folder / 'event.toml'}:{line_of(folder, marker)}:"), problem


def test_unknown_plugin_section_suggests_the_installed_one(make_event, run):
    folder = make_event()
    (folder / "event.toml").write_text(
        (folder / "event.toml").read_text() + "\n[plugins.event-date]\nx = 1\n"
    )
    result = run("check", folder)
    assert result.exit_code == 2
    assert "unknown plugin section [plugins.event-date], did you mean 'event-dates'?" in (
        result.output
    )


def test_every_error_is_reported_not_just_the_first(make_event, plugins):
    folder = make_event("lecture-tour", "en")
    edit(folder, "capacity = 400", "capacity = -1")
    edit(folder, 'role = "lead"', 'rol = "lead"')
    with pytest.raises(EventFileError) as caught:
        load_event(folder, plugins)
    messages = [str(p) for p in caught.value.problems]
    assert len(messages) == 2
    assert any("rol" in m and "did you mean 'role'" in m for m in messages)


def test_syntax_error_names_the_line(make_event, run):
    folder = make_event()
    edit(folder, "expected_attendance = 3000", "expected_attendance = ")
    result = run("check", folder)
    assert result.exit_code == 2
    assert f"event.toml:{line_of(folder, 'expected_attendance')}: not valid TOML" in result.output


def test_missing_folder_and_non_event_folder(tmp_path, run):
    result = run("check", tmp_path / "nope")
    assert result.exit_code == 2
    assert "no such folder" in result.output
    result = run("check", tmp_path)
    assert result.exit_code == 2
    assert "not an event folder (no event.toml)" in result.output


def test_unreadable_event_file_is_a_clear_error(tmp_path, plugins):
    (tmp_path / "event.toml").mkdir()  # a folder where the file should be: unreadable as root too
    with pytest.raises(EventFolderError, match="cannot read"):
        load_event(tmp_path, plugins)


def test_file_that_is_not_utf8_names_the_line(tmp_path, plugins):
    (tmp_path / "event.toml").write_bytes(b'title = "x"\n' + "标题".encode("gbk"))
    with pytest.raises(EventFolderError, match=r"event.toml:2: not UTF-8"):
        load_event(tmp_path, plugins)


class NeedsCoordinates:
    """A plugin in the style of the observation plugin: every site needs lat and lon."""

    @hookimpl
    def kexie_check_event(self, event):
        for index, site in enumerate(event.sites):
            if not site.has_coordinates:
                yield Problem(("sites", index, "lat"), "this plugin needs lat and lon")


def test_hook_kexie_check_event(make_event, plugins, register):
    register(NeedsCoordinates(), "needs-coordinates")
    folder = make_event("science-day", "en")
    edit(folder, "lat = 29.3560\nlon = 109.3560\n", "")
    with pytest.raises(EventFileError) as caught:
        check_event(folder, plugins)
    [problem] = caught.value.problems
    assert problem.problem.dotted_key == "sites[2].lat"
    assert problem.line == line_of(folder, 'id = "dahe-town"') - 1  # the [[sites]] header


def test_plugin_warnings_pass_through(make_event, plugins, register):
    class Warns:
        @hookimpl
        def kexie_check_event(self, event):
            return [Problem(("expected_attendance",), "looks high", severity="warning")]

    register(Warns(), "warns")
    checked = check_event(make_event(), plugins)
    [warning] = checked.warnings
    assert "warning: expected_attendance: looks high" in str(warning)


def test_store_section_names_file_line_and_key(make_event, run):
    folder = make_event("science-day", "en")
    with (folder / "event.toml").open("a", encoding="utf-8") as file:
        file.write('\n[store]\nurl = "mysql://county/events"\nshcema = "lvshui"\n')
    result = run("check", folder)
    assert result.exit_code == 2
    url_line, typo_line = line_of(folder, "mysql://"), line_of(folder, "shcema")
    assert f"event.toml:{url_line}: store.url: a postgresql:// URL" in result.output
    assert (
        f"event.toml:{typo_line}: store.shcema: unknown key 'shcema', did you mean 'schema'?"
        in (result.output)
    )


def test_store_section_points_the_event_at_postgresql(make_event, plugins, monkeypatch):
    monkeypatch.delenv("KEXIE_DATABASE_URL", raising=False)
    folder = make_event("science-day", "en")
    with (folder / "event.toml").open("a", encoding="utf-8") as file:
        file.write('\n[store]\nurl = "postgresql://kexie@db.county/year"\nschema = "Lvshui 2027"\n')
    location = load_event(folder, plugins).store_location
    assert (location.backend, location.schema) == ("postgresql", "lvshui_2027")
    assert location.url == "postgresql+psycopg://kexie@db.county/year"
