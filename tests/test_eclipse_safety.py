"""Eclipse times that are safe to print: "glasses off" never before second contact (C2),
"glasses on" never after third contact (C3), and never "glasses off" without a totality.

The first tests hold the rule (``kexie_plugins.observation.eye_safety`` and the window the
plugin derives from it) to real eclipses computed by the plugin: long and short totalities,
one too short to announce, an annular and a partial eclipse. The others build the kit of every
built-in template, and of the eclipse template moved to such places, and read what people get:
the schedule rows of every HTML document, every ``.ics`` event and alarm, the observing-times
sheet, ``kexie status`` and ``kexie sky --json``. The reference contacts come from the
astronomy (``circumstances``), unrounded.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from kexie_events.eventfile import load_event
from kexie_plugins.observation import sky
from kexie_plugins.observation.circumstances import (
    circumstances,
    glasses_window,
    observed_sites,
)
from kexie_plugins.observation.eye_safety import MINUTE, printed

from conftest import TEMPLATES, edit

SHANGHAI, MADRID, KOLKATA = (
    ZoneInfo(z) for z in ("Asia/Shanghai", "Europe/Madrid", "Asia/Kolkata")
)
SEP_2035 = dt.datetime(2035, 9, 2, 8, 30, tzinfo=SHANGHAI)
AUG_2027 = dt.datetime(2027, 8, 2, 10, 45, tzinfo=MADRID)
MAY_2031 = dt.datetime(2031, 5, 21, 13, 0, tzinfo=KOLKATA)

#: Wording that tells people they may take their glasses off, or put them back on.
OFF = re.compile(r"摘|glasses off", re.IGNORECASE)
BACK_ON = re.compile(r"戴回|back on", re.IGNORECASE)


# --- the rule, on real eclipses -------------------------------------------------------------


def _eclipse(lat, lon, elevation, around, delta_t=None):
    place = sky.Place(lat, lon, elevation)
    result = sky.solar_eclipse(place, around, around.tzinfo, delta_t)
    return place, result


def _assert_inside_totality(window, *results):
    for result in results:
        assert result.type == "total"
        assert window.off >= result.contacts["c2"].at, (window.off, result.contacts["c2"].at)
        assert window.on <= result.contacts["c3"].at, (window.on, result.contacts["c3"].at)
    assert window.off < window.on


def test_a_long_totality_is_announced_to_the_minute_inside_it():
    # Delta T fixed: C2 08:32:55.35 and C3 08:34:08.50 on the Chinese template's plaza.
    place, plaza = _eclipse(40.4567, 115.975, 500, SEP_2035, delta_t=69.3)
    window = glasses_window(plaza, place, fixed=True)
    _assert_inside_totality(window, plaza)
    assert not window.seconds
    assert (window.text(window.off), window.text(window.on)) == ("08:33", "08:34")
    # The example: the old schedule said 08:32 and its alarm rang at 08:31.
    assert window.off > plaza.contacts["c2"].at.replace(second=0, microsecond=0)


def test_the_window_holds_for_every_delta_t_the_forecast_allows():
    place, plaza = _eclipse(40.4567, 115.975, 500, SEP_2035)
    window = glasses_window(plaza, place, fixed=False)
    spread = 5.0  # 2035: ten years beyond the measured Delta T
    early, late = (
        _eclipse(40.4567, 115.975, 500, SEP_2035, plaza.delta_t + d)[1] for d in (-spread, spread)
    )
    _assert_inside_totality(window, plaza, early, late)
    # Whole minutes would leave nothing inside all three totalities, so seconds it is.
    assert window.seconds and window.off.second and window.on.second


def test_the_english_templates_totality_in_spain():
    place, square = _eclipse(36.0136, -5.6048, 20, AUG_2027)
    window = glasses_window(square, place, fixed=False)
    _assert_inside_totality(window, square)
    assert (window.text(window.off), window.text(window.on)) == ("10:46", "10:49")


@pytest.mark.parametrize(
    ("lat", "lon", "around"),
    [
        pytest.param(40.56, 115.975, SEP_2035, id="2035-edge-18s"),
        pytest.param(36.741, -6.29, AUG_2027, id="2027-edge-17s"),
    ],
)
def test_a_short_totality_is_announced_to_the_second(lat, lon, around):
    place, edge = _eclipse(lat, lon, 0, around, delta_t=70.0)
    assert edge.type == "total" and edge.duration_s < 60
    window = glasses_window(edge, place, fixed=True)
    _assert_inside_totality(window, edge)
    assert window.seconds
    assert window.off == printed("c2", edge.contacts["c2"].at)  # C2 rounded up to the second
    assert window.on == printed("c3", edge.contacts["c3"].at)  # C3 rounded down
    assert len(window.text(window.off)) == len("08:33:28")


@pytest.mark.parametrize(
    ("lat", "lon", "around"),
    [
        pytest.param(40.565, 115.975, SEP_2035, id="2035-edge-8s"),
        # 5 s of totality; at 36.7425 (7 s) the forecast's 1 s spread leaves a 3 s window, which
        # the old 20-second grid missed by calling the Delta T + 1 s variant partial.
        pytest.param(36.74265, -6.29, AUG_2027, id="2027-edge-5s"),
    ],
)
def test_a_totality_shorter_than_the_forecasts_spread_gets_no_glasses_off(lat, lon, around):
    place, edge = _eclipse(lat, lon, 0, around)
    assert edge.type == "total" and edge.duration_s < 10
    assert glasses_window(edge, place, fixed=False) is None


@pytest.mark.parametrize(
    ("lat", "lon", "around", "kind"),
    [
        pytest.param(9.93, 78.12, MAY_2031, "annular", id="2031-annular-madurai"),
        pytest.param(8.08, 77.55, MAY_2031, "partial", id="2031-partial-kanyakumari"),
        pytest.param(37.0, 115.975, SEP_2035, "partial", id="2035-partial"),
    ],
)
def test_partial_and_annular_eclipses_have_no_glasses_off(lat, lon, around, kind):
    place, result = _eclipse(lat, lon, 0, around)
    assert result.type == kind
    assert glasses_window(result, place, fixed=False) is None
    assert glasses_window(result, place, fixed=True) is None


def test_printed_contacts_round_towards_safety_and_the_rest_to_the_nearest():
    _place, plaza = _eclipse(40.4567, 115.975, 500, SEP_2035, delta_t=69.3)
    c = {name: contact.at for name, contact in plaza.contacts.items()}
    for name, contact in c.items():
        shown = printed(name, contact)
        assert shown.microsecond == 0 and abs((shown - contact).total_seconds()) < 1
    assert printed("c2", c["c2"]) >= c["c2"] and printed("c3", c["c3"]) <= c["c3"]
    # In the schedule: first contact ("glasses on") down, last contact to the nearest minute
    # (09:49:51.7 used to be cut off to 09:49).
    assert printed("c1", c["c1"], MINUTE) <= c["c1"]
    assert f"{printed('c4', c['c4'], MINUTE):%H:%M}" == "09:50"


# --- what people get: the kit, the calendars, status and sky --------------------------------


WHEN = {
    "zh": re.compile(
        r"(\d{4})年(\d+)月(\d+)日 (\d\d):(\d\d)(?::(\d\d))?–(\d\d):(\d\d)(?::(\d\d))?"
    ),
    "en": re.compile(r"(\d+) (\w+) (\d{4}), (\d\d):(\d\d)(?::(\d\d))?–(\d\d):(\d\d)(?::(\d\d))?"),
}
ROW = re.compile(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>")
MONTHS = {dt.date(2000, m, 1).strftime("%B"): m for m in range(1, 13)}


def _row_times(cell: str, lang: str, tz) -> tuple[dt.datetime, dt.datetime] | None:
    """The start and end of a schedule row's time cell (``2035年9月2日 08:33:02–08:34:02``)."""
    found = WHEN[lang].fullmatch(cell)
    if not found:
        return None
    g = found.groups()
    if lang == "zh":
        day = dt.date(int(g[0]), int(g[1]), int(g[2]))
    else:
        day = dt.date(int(g[2]), MONTHS[g[1]], int(g[0]))
    start = dt.datetime.combine(day, dt.time(int(g[3]), int(g[4]), int(g[5] or 0)), tz)
    end = dt.datetime.combine(day, dt.time(int(g[6]), int(g[7]), int(g[8] or 0)), tz)
    return start, end


def _clock(text: str, day: dt.date, tz) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(text), tz)


def _reference(folder: Path, plugins) -> tuple:
    """The event, whether it is a solar eclipse, and the unrounded C2 and C3 of each observed
    site that sees a total one."""
    event = load_event(folder, plugins)
    config = event.configs.get("observation")
    solar = config is not None and config.sky == "solar"
    totals = {}
    for site in observed_sites(event, config) if solar else ():
        result = circumstances(event, config, site)
        if result is not None and result.type == "total":
            totals[site.id] = (result.contacts["c2"].at, result.contacts["c3"].at)
    return event, solar, totals


def _check_kit(folder: Path, plugins, run) -> dict[str, int]:
    """Build the kit and check every time it shows against the rule; count what was seen."""
    result = run("kit", folder)
    assert result.exit_code == 0, result.output
    event, solar, totals = _reference(folder, plugins)
    lang, tz = event.lang, event.tz
    site_by_name = {site.name: site.id for site in event.sites}
    seen = {"off": 0, "on": 0, "alarms": 0}

    def judge(where: str, text: str, site_id: str | None, start, end=None, kind="item"):
        if OFF.search(text):
            assert site_id in totals, f"{where}: {text!r} where there is no totality"
            c2, c3 = totals[site_id]
            assert start >= c2, f"{where}: {text!r} at {start}, before second contact {c2}"
            assert end is None or end <= c3, f"{where}: {text!r} until {end}, after C3 {c3}"
            seen["off"] += 1
        if BACK_ON.search(text):
            assert site_id in totals, f"{where}: {text!r} where there is no totality"
            c2, c3 = totals[site_id]
            assert start <= c3, f"{where}: {text!r} at {start}, after third contact {c3}"
            seen["on"] += 1

    for page in sorted((folder / "kit").rglob("*.html")):
        for cell, title, site_name in ROW.findall(page.read_text(encoding="utf-8")):
            times = _row_times(cell, lang, tz)
            if times is not None:
                judge(page.name, title, site_by_name.get(site_name), *times)
    for path in sorted((folder / "kit").rglob("*.ics")):
        calendar = icalendar.Calendar.from_ical(path.read_bytes())
        for vevent in calendar.walk("VEVENT"):
            summary = str(vevent["SUMMARY"])
            location = str(vevent.get("LOCATION", ""))
            site_id = next((i for n, i in site_by_name.items() if location.startswith(n)), None)
            start, end = vevent.decoded("DTSTART"), vevent.decoded("DTEND")
            judge(path.name, summary, site_id, start, end)
            for alarm in vevent.walk("VALARM"):
                trigger = alarm.decoded("TRIGGER")
                rings = start + trigger if isinstance(trigger, dt.timedelta) else trigger
                judge(f"{path.name} alarm", str(alarm["DESCRIPTION"]), site_id, rings)
                seen["alarms"] += 1
    sheet = folder / "kit" / "observing-times.html"
    if solar:
        sections = sheet.read_text(encoding="utf-8").split("<h2>")[1:]
        for section in sections:
            site_id = site_by_name[section.split("</h2>")[0]]
            found = re.search(
                r"只有在([\d:]+)至([\d:]+)之间（全食阶段之内）才可以摘下"
                r"|off only from ([\d:]+) to ([\d:]+), inside totality",
                section,
            )
            if site_id not in totals or found is None:
                assert found is None, f"{sheet.name}: glasses off at {site_id} without totality"
                continue
            off, on = (t for t in found.groups() if t)
            day = totals[site_id][0].date()
            judge(sheet.name, "glasses off", site_id, _clock(off, day, tz))
            judge(sheet.name, "glasses back on", site_id, _clock(on, day, tz))
    status = run("status", folder)
    for line in status.output.splitlines():
        found = re.search(r"(?:摘镜|glasses off )([\d:]+)(?:至| to )([\d:]+)", line)
        site_id = next((i for n, i in site_by_name.items() if f"] {n}" in line), None)
        if found:
            day = totals[site_id][0].date()
            judge("status", "glasses off", site_id, _clock(found[1], day, tz))
            judge("status", "glasses back on", site_id, _clock(found[2], day, tz))
        elif site_id is not None:
            assert not OFF.search(line), line
    if event.uses("observation"):
        records = json.loads(run("sky", folder, "--json").output)
        for entry in records:
            if entry.get("glasses_off"):
                c2, c3 = totals[entry["site"]]
                assert dt.datetime.fromisoformat(entry["glasses_off"]) >= c2, entry
                assert dt.datetime.fromisoformat(entry["glasses_on"]) <= c3, entry
                assert dt.datetime.fromisoformat(entry["c2"]) >= c2, entry
                assert dt.datetime.fromisoformat(entry["c3"]) <= c3, entry
            elif entry["type"] in ("partial", "annular"):
                assert "glasses_off" in entry and entry["glasses_on"] is None, entry
    return seen


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_built_in_template_says_glasses_off_outside_totality(make_event, plugins, run, lang):
    for template in TEMPLATES:
        folder = make_event(template, lang)
        seen = _check_kit(folder, plugins, run)
        if template == "solar-eclipse-observation":
            # Plan, notice and briefing rows, the sheet, the calendars and their alarms.
            assert seen["off"] >= 6 and seen["on"] >= 6 and seen["alarms"], seen


def _observe_both_sites(folder: Path, first: str, second: str, place_one, place_two) -> None:
    """Observe from both sites of the eclipse template, moved to the given coordinates."""
    text = (folder / "event.toml").read_text(encoding="utf-8")
    for site_id, (lat, lon) in ((first, place_one), (second, place_two)):
        block = re.search(rf'id = "{site_id}"\n(?:.*\n)*?lat = [^\n]*\nlon = [^\n]*\n', text)
        moved = re.sub(r"lat = [^\n]*\nlon = [^\n]*\n", f"lat = {lat}\nlon = {lon}\n", block[0])
        text = text.replace(block[0], moved)
    text = text.replace(f'sites = ["{first}"]', f'sites = ["{first}", "{second}"]')
    (folder / "event.toml").write_text(text, encoding="utf-8")


def test_a_short_totality_is_printed_to_the_second_everywhere(make_event, plugins, run):
    folder = make_event("solar-eclipse-observation", "zh")
    _observe_both_sites(folder, "plaza", "hall", (40.4567, 115.975), (40.55, 115.975))
    seen = _check_kit(folder, plugins, run)
    assert seen["off"] >= 12, seen
    plan = (folder / "kit" / "plan.html").read_text(encoding="utf-8")
    hall = re.search(r"<td>2035年9月2日 (08:33:\d\d)–(08:33:\d\d)</td><td>食既：全食开始", plan)
    assert hall, "the hall's 30 s of totality (17 s announced) need seconds in the plan"
    # Last contact is rounded to the nearest minute (09:49:52), not cut off.
    assert "<td>2035年9月2日 09:50–09:51</td><td>复圆</td>" in plan


def test_too_short_a_totality_keeps_glasses_on(make_event, plugins, run):
    folder = make_event("solar-eclipse-observation", "en")
    _observe_both_sites(folder, "square", "hall", (36.741, -6.29), (36.74265, -6.29))
    seen = _check_kit(folder, plugins, run)
    assert seen["off"] >= 6, seen  # the square's 17 s still have a window
    plan = (folder / "kit" / "plan.html").read_text(encoding="utf-8")
    assert "second contact: totality too short, keep glasses on" in plan
    check = run("check", folder)
    assert re.search(
        r"sites\[1\]: totality at Cultural Centre Auditorium \(cloud plan\) lasts only about \d s,"
        " too short to announce a safe moment",
        check.output,
    )
    assert "totality too short, keep glasses on" in run("status", folder).output


def test_a_partial_eclipse_and_a_too_short_totality_never_say_glasses_off(make_event, plugins, run):
    folder = make_event("solar-eclipse-observation", "zh")
    _observe_both_sites(folder, "plaza", "hall", (37.0, 115.975), (40.562, 115.975))
    seen = _check_kit(folder, plugins, run)
    assert seen["off"] == seen["on"] == 0, seen
    plan = (folder / "kit" / "plan.html").read_text(encoding="utf-8")
    assert "食既：全食过短，全程戴好观测镜" in plan


def test_an_annular_eclipse_says_keep_glasses_on(make_event, plugins, run):
    folder = make_event("solar-eclipse-observation", "en")
    edit(folder, "2027-08-02T", "2031-05-21T", count=-1)
    edit(folder, 'timezone = "Europe/Madrid"', 'timezone = "Asia/Kolkata"')
    _observe_both_sites(folder, "square", "hall", (9.93, 78.12), (8.08, 77.55))
    seen = _check_kit(folder, plugins, run)
    assert seen["off"] == seen["on"] == 0, seen
    calendar = icalendar.Calendar.from_ical(
        (folder / "kit" / "calendars" / "site-square.ics").read_bytes()
    )
    summaries = {str(e["UID"]).split(".")[0]: str(e["SUMMARY"]) for e in calendar.walk("VEVENT")}
    assert summaries["sky-square-c2"] == "second contact: annularity begins, keep glasses on"
    assert summaries["sky-square-c3"] == "third contact: annularity ends, keep glasses on"


def test_a_window_of_a_few_seconds_is_not_announced():
    # 19 s of totality at 40.56 N in 2035; the forecast's spread leaves 6 s: too short for a
    # crowd to take its glasses off and put them back on.
    place, edge = _eclipse(40.56, 115.975, 0, SEP_2035)
    assert edge.type == "total" and edge.duration_s > 15
    assert glasses_window(edge, place, fixed=False) is None
    fixed = glasses_window(edge, place, fixed=True)
    assert fixed is not None and fixed.on - fixed.off >= dt.timedelta(seconds=10)
