"""The sky: eclipse circumstances per site, and the program built around them.

The accuracy tests compare every value in ``data/nasa_solar_local_circumstances.toml`` (NASA's
published tables, with their sources) with what the plugin computes: contact times within 2 s,
magnitude and obscuration within 0.001; and the lunar eclipses of ``data/nasa_lunar_eclipses.toml``
with NASA's catalog. The others check facts any eclipse table agrees on (who sees totality, how
the phases follow each other) and the plugin's wiring.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from kexie_plugins.observation import sky

from conftest import edit

CHICAGO = ZoneInfo("America/Chicago")
NASA = tomllib.loads(
    (Path(__file__).parent / "data" / "nasa_solar_local_circumstances.toml").read_text("utf-8")
)["eclipse"]


def _degrees(text: str) -> float:
    """``13°26.0´N`` (NASA's notation) as signed decimal degrees."""
    found = re.fullmatch(r"(\d+)°(\d+(?:\.\d+)?)['´]([NSEW])", text)
    assert found, text
    value = int(found[1]) + float(found[2]) / 60
    return -value if found[3] in "SW" else value


def _published(eclipse: dict, text: str) -> dt.datetime:
    """A published instant as Universal Time."""
    moment = dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)
    if eclipse["time_scale"] == "TDT":
        moment -= dt.timedelta(seconds=eclipse["delta_t"])
    return moment


NASA_CASES = [
    pytest.param(eclipse, place, id=f"{eclipse['date']}-{place['name']}")
    for eclipse in NASA
    for place in eclipse["place"]
]


@pytest.mark.parametrize(("eclipse", "place"), NASA_CASES)
def test_agrees_with_nasa_published_local_circumstances(eclipse, place):
    computed = sky.solar_eclipse(
        sky.Place(_degrees(place["lat"]), _degrees(place["lon"]), place.get("elevation", 0)),
        dt.datetime.combine(eclipse["date"], dt.time(12), tzinfo=dt.UTC),
        ZoneInfo("UTC"),
        delta_t=eclipse.get("delta_t"),
    )
    compared = 0
    for contact in ("c1", "c2", "max", "c3", "c4"):
        if contact in place:
            error = computed.contacts[contact].at - _published(eclipse, place[contact])
            assert abs(error.total_seconds()) <= 2, (contact, error)
            compared += 1
    for measure in ("magnitude", "obscuration"):
        if measure in place:
            assert getattr(computed, measure) == pytest.approx(place[measure], abs=0.001), measure
            compared += 1
    if "duration" in place:
        minutes, seconds = re.fullmatch(r"(\d+)m(\d+(?:\.\d+)?)s", place["duration"]).groups()
        assert computed.duration_s == pytest.approx(int(minutes) * 60 + float(seconds), abs=2)
        compared += 1
    assert compared, "a reference place without a published value"


def test_nashville_2017_sees_totality_in_order():
    eclipse = sky.solar_eclipse(
        sky.Place(36.1627, -86.7816, 170), dt.datetime(2017, 8, 21, 18, tzinfo=dt.UTC), CHICAGO
    )
    assert eclipse.type == "total"
    c = eclipse.contacts
    assert c["c1"].at < c["c2"].at < c["max"].at < c["c3"].at < c["c4"].at
    assert c["c2"].at.strftime("%H:%M") == "13:27"  # totality began at 1:27 pm CDT
    assert 110 < eclipse.duration_s < 120  # just under two minutes in Nashville
    assert eclipse.magnitude > 1 and eclipse.obscuration == 1.0
    assert 60 < c["max"].altitude < 70 and not eclipse.sun_below_horizon


def test_partial_annular_and_missed():
    chicago = sky.solar_eclipse(
        sky.Place(41.88, -87.63, 180), dt.datetime(2017, 8, 21, tzinfo=dt.UTC), CHICAGO
    )
    assert chicago.type == "partial"
    assert 0.85 < chicago.magnitude < 0.9  # Chicago saw about 87 %
    assert "c2" not in chicago.contacts and chicago.duration_s == 0
    albuquerque = sky.solar_eclipse(
        sky.Place(35.08, -106.65, 1620),
        dt.datetime(2023, 10, 14, tzinfo=dt.UTC),
        ZoneInfo("America/Denver"),
    )
    assert albuquerque.type == "annular"
    assert albuquerque.magnitude < 1 and albuquerque.obscuration < 1
    assert albuquerque.duration_s > 200
    beijing = sky.solar_eclipse(
        sky.Place(39.9, 116.4), dt.datetime(2017, 8, 21, tzinfo=dt.UTC), ZoneInfo("Asia/Shanghai")
    )
    assert beijing is None or not beijing.visible


NASA_LUNAR = tomllib.loads(
    (Path(__file__).parent / "data" / "nasa_lunar_eclipses.toml").read_text("utf-8")
)["eclipse"]
LUNAR_TYPES = {"T": "total", "P": "partial", "N": "penumbral"}


@pytest.mark.parametrize("published", NASA_LUNAR, ids=lambda e: e["greatest"][:10])
def test_lunar_eclipses_agree_with_nasa_catalog(published):
    greatest = dt.datetime.fromisoformat(published["greatest"]).replace(tzinfo=dt.UTC)
    computed = sky.lunar_eclipse(sky.Place(0, 0), greatest, ZoneInfo("UTC"))
    assert computed.type == LUNAR_TYPES[published["type"]]
    # The catalog prints the minute: 30 s of rounding, and a few seconds to spare.
    assert abs((computed.contacts["max"].at - greatest).total_seconds()) <= 35
    for measure in ("umbral_magnitude", "penumbral_magnitude"):
        assert getattr(computed, measure) == pytest.approx(published[measure], abs=0.001)


def test_a_totality_of_a_few_seconds_is_found_wherever_the_grid_falls():
    # At the edge of the 2027 path, with Delta T one second above the model's: 4 s of
    # totality, which a search stepping 20 s at a time called a partial eclipse.
    edge = sky.solar_eclipse(
        sky.Place(36.7425, -6.29),
        dt.datetime(2027, 8, 2, 9, tzinfo=dt.UTC),
        ZoneInfo("Europe/Madrid"),
        delta_t=70.08,
    )
    assert edge.type == "total" and 3 < edge.duration_s < 6
    assert edge.contacts["c2"].at < edge.contacts["max"].at < edge.contacts["c3"].at


def test_delta_t_is_an_explicit_setting():
    place, day = sky.Place(36.1627, -86.7816, 170), dt.datetime(2017, 8, 21, 18, tzinfo=dt.UTC)
    fixed = sky.solar_eclipse(place, day, CHICAGO, delta_t=68.8)
    later = sky.solar_eclipse(place, day, CHICAGO, delta_t=98.8)
    assert fixed.delta_t == pytest.approx(68.8)
    shift = (later.contacts["c2"].at - fixed.contacts["c2"].at).total_seconds()
    # 30 s more Delta T: at a given Universal Time the Moon is 30 s further along its orbit,
    # so the shadow arrives earlier, by a little more than 30 s as the ground turns with it.
    assert -45 < shift < -30


def test_lunar_eclipse_new_year_2029():
    eclipse = sky.lunar_eclipse(
        sky.Place(40.4567, 115.975, 500),
        dt.datetime(2028, 12, 31, 16, tzinfo=dt.UTC),
        ZoneInfo("Asia/Shanghai"),
    )
    assert eclipse.type == "total" and eclipse.visible
    assert 1.2 < eclipse.umbral_magnitude < 1.3
    names = list(eclipse.contacts)
    assert names == ["p1", "u1", "u2", "max", "u3", "u4", "p4"]
    times = [c.at for c in eclipse.contacts.values()]
    assert times == sorted(times)
    assert eclipse.contacts["max"].at.date() == dt.date(2029, 1, 1)
    assert eclipse.contacts["max"].altitude > 60


def test_sky_dir_json_contract(make_event, run):
    folder = make_event("solar-eclipse-observation", "zh")
    result = run("sky", folder, "--json")
    assert result.exit_code == 0, result.output
    [plaza] = json.loads(result.output)
    assert plaza["site"] == "plaza" and plaza["type"] == "total"
    for key in ("c1", "c2", "max", "c3", "c4"):
        moment = dt.datetime.fromisoformat(plaza[key])
        assert moment.utcoffset() == dt.timedelta(hours=8)
    assert plaza["c1"].startswith("2035-09-02T07:2")
    assert plaza["magnitude"] > 1 and plaza["obscuration"] == 1.0
    assert 60 < plaza["duration_s"] < 90
    assert plaza["sun_alt_max"] == pytest.approx(31.1, abs=0.5)
    assert plaza["delta_t_uncertainty_s"] == 5.0  # ten years beyond the measured Delta T
    here = run(
        "sky",
        "--lat",
        "40.4567",
        "--lon",
        "115.975",
        "--elevation",
        "500",
        "--date",
        "2035-09-02",
        "--tz",
        "Asia/Shanghai",
        "--json",
    )
    [same] = json.loads(here.output)
    assert {k: same[k] for k in ("c1", "c2", "max", "c3", "c4", "magnitude")} == {
        k: plaza[k] for k in ("c1", "c2", "max", "c3", "c4", "magnitude")
    }


def test_sky_next_finds_the_coming_eclipses(run):
    result = run(
        "sky",
        "next",
        "--lat",
        "40.4567",
        "--lon",
        "115.975",
        "--years",
        "10",
        "--tz",
        "Asia/Shanghai",
        "--json",
    )
    found = json.loads(result.output)
    dates = {(e["kind"], e["type"], e["max"][:10]) for e in found}
    assert ("solar", "total", "2035-09-02") in dates
    assert ("lunar", "total", "2029-01-01") in dates
    assert all(e["type"] for e in found)
    assert [e["max"] for e in found] == sorted(e["max"] for e in found)


def test_contacts_become_schedule_items_with_reminders(make_event, run):
    folder = make_event("solar-eclipse-observation", "en")
    assert run("kit", folder).exit_code == 0
    calendar = icalendar.Calendar.from_ical(
        (folder / "kit" / "calendars" / "site-square.ics").read_bytes()
    )
    events = {str(e["UID"]).split(".")[0]: e for e in calendar.walk("VEVENT")}
    first = events["sky-square-c1"]
    assert str(first["SUMMARY"]) == "first contact: glasses on"
    assert first.walk("VALARM")[0].decoded("TRIGGER").total_seconds() == -5 * 60
    assert str(events["sky-square-c2"]["SUMMARY"]) == "second contact: totality, glasses off"
    assert "glasses back on" in str(events["sky-square-c3"]["SUMMARY"])
    times = (folder / "kit" / "observing-times.html").read_text()
    assert "total solar eclipse" in times and "Glasses on throughout" in times
    assert "All times are local time (Europe/Madrid, UTC+02:00)." in times
    briefing = (folder / "kit" / "briefing.html").read_text()
    assert "first contact: glasses on" in briefing


def test_eye_safety_follows_the_local_type(make_event, run):
    folder = make_event("solar-eclipse-observation", "zh")
    edit(folder, "lat = 40.4567", "lat = 37.0000")  # far south of the path: a partial eclipse
    run("kit", folder)
    safety = (folder / "kit" / "eye-safety.html").read_text()
    assert "本地看到的是日偏食" in safety
    assert "只有在日全食" not in safety
    assert "日偏食" in (folder / "kit" / "observing-times.html").read_text()


def test_check_warns_when_the_sky_does_not_cooperate(make_event, run):
    folder = make_event("solar-eclipse-observation", "en")
    edit(
        folder,
        "start = 2027-08-02T08:30:00\nend = 2027-08-02T12:30:00",
        "start = 2027-08-02T10:00:00\nend = 2027-08-02T11:30:00",
    )
    result = run("check", folder)
    assert result.exit_code == 0
    # The date and the time to the second (09:40:53, not a cut-off 09:40), and the edge missed.
    assert (
        "first contact at Town Hall Square is on 2 August 2027 at 09:40:53, before the event "
        "starts (10:00)" in result.output
    )
    assert (
        "last contact at Town Hall Square is on 2 August 2027 at 12:00:46, after the event "
        "ends (11:30)" in result.output
    )
    edit(
        folder,
        "lat = 36.0136    # change to your own site\nlon = -5.6048",
        "lat = -33.9\nlon = 151.2",
    )
    result = run("check", folder)
    assert "the eclipse is not visible from Town Hall Square" in result.output


def test_an_unknown_time_zone_is_named_with_the_nearest(run):
    result = run(
        "sky", "--lat", "40", "--lon", "116", "--date", "2035-09-02", "--tz", "Asia/Shanghi"
    )
    assert result.exit_code == 2
    assert "unknown time zone 'Asia/Shanghi', did you mean 'Asia/Shanghai'?" in result.output


def test_dates_beyond_the_ephemeris_are_a_clear_error(make_event, run):
    result = run("sky", "--lat", "36", "--lon", "0", "--date", "2077-08-21")
    assert result.exit_code == 2
    assert "2077-08-21 is outside the ephemeris" in result.output
    assert "from 1900-01-01 to 2053-09-01" in result.output
    folder = make_event("solar-eclipse-observation", "en")
    edit(folder, "2027-08-02T", "2057-08-02T", count=-1)
    for command in ("check", "sky"):
        result = run(command, folder)
        assert result.exit_code == 2 and "Traceback" not in result.output
        assert "event.toml:13: start: 2057-08-02 is outside the ephemeris" in result.output


def test_a_chinese_event_is_told_in_chinese_what_keeps_the_sky_from_being_computed(make_event, run):
    folder = make_event("solar-eclipse-observation", "zh")
    edit(folder, "2035-09-02T", "2057-09-02T", count=-1)
    result = run("check", folder)
    assert result.exit_code == 2
    assert "2057年9月2日超出星历表的范围：天象只能推算1900年1月1日至2053年9月1日之间的日期" in (
        result.output
    )


def test_observed_sites_need_coordinates(make_event, run):
    folder = make_event("meteor-shower-night", "en")
    edit(folder, "lat = 36.1200\nlon = -5.5500\n", "")
    result = run("check", folder)
    assert result.exit_code == 2
    assert "sites[0].lat: the observation plugin needs lat and lon" in result.output


def test_night_for_a_meteor_shower(make_event, run):
    folder = make_event("meteor-shower-night", "zh")
    [camp] = json.loads(run("sky", folder, "--json").output)
    assert camp["type"] == "night"
    assert camp["moon_illumination"] < 0.1  # a dark night: the Moon is a thin crescent
    dusk, dawn = (dt.datetime.fromisoformat(camp[k]) for k in ("dusk", "dawn"))
    assert dusk < dawn and dusk.hour == 18
    run("kit", folder)
    assert "天文昏影终，开始观测" in (folder / "kit" / "plan.html").read_text()


def test_report_has_the_observing_conditions(make_event, run):
    folder = make_event("solar-eclipse-observation", "zh")
    data = json.loads(run("report", folder, "--json").output.rsplit("\n", 2)[0])
    conditions = data["sections"]["observation"]
    assert conditions["sky"] == "solar"
    assert conditions["sites"][0]["type"] == "total"
    assert any(s == "本地日全食，食分1.0254，全食持续73秒。" for s in data["narrative"])
