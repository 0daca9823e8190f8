"""``kexie sky next``: the coming eclipses at a place, counted, explained, none missed.

The known list is NASA's catalogs (F. Espenak: "Solar Eclipses: 2021 to 2040" and "Lunar
Eclipses: 2021 to 2040", the decade tables of eclipse.gsfc.nasa.gov) for 2027-2036, and for
each eclipse whether it is seen from the template's county plaza (40.4567 N, 115.975 E, Beijing
time): the solar eclipses whose partial phase reaches northern China in daylight, and the umbral
lunar eclipses whose greatest eclipse falls at night there. Of the catalog's 14 umbral lunar
eclipses of the decade, five fall in the Beijing daytime (2028 Jan 12, 2029 Jun 26, 2034 Sep 28,
2035 Aug 19, 2036 Aug 7, between 09:00 and 12:30 Beijing time), when the full Moon is down.
Penumbral eclipses are not listed. No test here measures time: ``benchmarks/sky_next.py`` does.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from kexie_plugins.observation import coming, sky

PLAZA = ("--lat", "40.4567", "--lon", "115.975", "--elevation", "500")
DECADE = ("--from", "2027-01-01", "--years", "10", "--tz", "Asia/Shanghai")

#: (kind, type, date of greatest eclipse in Beijing time) of every eclipse seen from the plaza.
SEEN_FROM_THE_PLAZA = [
    ("lunar", "partial", "2028-07-07"),
    ("lunar", "total", "2029-01-01"),
    ("lunar", "total", "2029-12-21"),
    ("solar", "partial", "2030-06-01"),  # annular further north
    ("lunar", "partial", "2030-06-16"),
    ("lunar", "total", "2032-04-25"),
    ("lunar", "total", "2032-10-19"),
    ("solar", "partial", "2032-11-03"),
    ("lunar", "total", "2033-04-15"),
    ("lunar", "total", "2033-10-08"),
    ("solar", "total", "2035-09-02"),
    ("lunar", "total", "2036-02-12"),
]

#: The dates (UT) of greatest eclipse in NASA's catalogs, 2027-2036.
NASA_SOLAR = """2027-02-06 2027-08-02 2028-01-26 2028-07-22 2029-01-14 2029-06-12 2029-07-11
2029-12-05 2030-06-01 2030-11-25 2031-05-21 2031-11-14 2032-05-09 2032-11-03 2033-03-30
2033-09-23 2034-03-20 2034-09-12 2035-03-09 2035-09-02 2036-02-27 2036-07-23 2036-08-21"""
NASA_UMBRAL_LUNAR = """2028-01-12 2028-07-06 2028-12-31 2029-06-26 2029-12-20 2030-06-15
2032-04-25 2032-10-18 2033-04-14 2033-10-08 2034-09-28 2035-08-19 2036-02-11 2036-08-07"""


def test_the_decade_from_the_plaza_is_nasas_list(run):
    result = run("sky", "next", *PLAZA, *DECADE, "--json")
    assert result.exit_code == 0, result.output
    found = [(e["kind"], e["type"], e["max"][:10]) for e in json.loads(result.output)]
    assert found == SEEN_FROM_THE_PLAZA
    # Penumbral eclipses (2027 Feb 20, a faint shading of the full Moon) are not listed.
    assert not any(e["type"] == "penumbral" for e in json.loads(result.output))


def test_says_how_many_it_lists_and_why_with_times_on_their_clock(run):
    result = run("sky", "next", *PLAZA, *DECADE)
    assert result.exit_code == 0, result.output
    first, *lines = result.output.splitlines()
    assert first == (
        "12 eclipses visible from 40.4567° N, 115.9750° E between 1 January 2027 and "
        "1 January 2037: 3 solar (partial or better, Sun above the horizon), "
        "9 lunar (umbral, Moon above the horizon)."
    )
    assert len(lines) == 12
    assert "2035-09-02 08:33 UTC+08:00  solar total" in result.output
    # Every time is followed by its offset from UTC; no ISO string.
    assert all(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC[+-]\d\d:\d\d  ", line) for line in lines)
    assert "T0" not in result.output


def test_summer_time_shows_in_the_offset(run):
    result = run(
        "sky", "next", "--lat", "36.0136", "--lon", "-5.6048", "--from", "2027-08-01",
        "--years", "1", "--tz", "Europe/Madrid",
    )  # fmt: skip
    assert "2027-08-02 10:47 UTC+02:00  solar total" in result.output
    # The partial lunar eclipse of 12 January 2028 comes on winter time.
    assert re.search(r"2028-01-12 \d\d:\d\d UTC\+01:00  lunar partial", result.output)


def test_beyond_the_ephemeris_it_says_where_the_list_stops(run):
    result = run("sky", "next", *PLAZA, "--from", "2050-01-01", "--years", "20")
    assert result.exit_code == 0, result.output
    assert "between 1 January 2050 and 1 September 2053" in result.output
    assert "Nothing after 1 September 2053 is listed: the ephemeris (JPL DE421) ends there." in (
        result.output
    )


def test_no_eclipse_anywhere_on_earth_is_left_out_of_the_scan():
    """The cheap scan keeps every new and full moon of NASA's catalog, and few others."""
    ts = sky.timescale()
    start, end = dt.datetime(2027, 1, 1, tzinfo=dt.UTC), dt.datetime(2037, 1, 1, tzinfo=dt.UTC)
    found = coming.candidates(
        ts, sky.tt_seconds(ts.from_datetime(start)), sky.tt_seconds(ts.from_datetime(end))
    )
    dates = {(phase, sky.J2000 + dt.timedelta(seconds=seconds)): None for seconds, phase in found}

    def kept(phase, day):
        return any(p == phase and abs((m.date() - day).days) <= 1 for p, m in dates)

    solar = [dt.date.fromisoformat(d) for d in NASA_SOLAR.split()]
    lunar = [dt.date.fromisoformat(d) for d in NASA_UMBRAL_LUNAR.split()]
    assert [d for d in solar if not kept(sky.NEW_MOON, d)] == []
    assert [d for d in lunar if not kept(sky.FULL_MOON, d)] == []
    # A bound on what is computed in full: the catalog's eclipses, and near misses the
    # margins keep (five deep penumbral eclipses, two new moons just off the Earth).
    assert len(found) <= len(solar) + len(lunar) + 8


def test_the_cheap_tests_keep_every_eclipse_the_full_computation_sees():
    """Reykjavik, where the Sun and Moon stay low: every new and full moon of two years
    computed in full, as ``kexie sky --date`` does, gives the same list as the scan."""
    from skyfield import almanac

    place, utc = sky.Place(64.1466, -21.9426, 20), dt.UTC
    start, end = dt.datetime(2026, 1, 1, tzinfo=utc), dt.datetime(2028, 1, 1, tzinfo=utc)
    ts = sky.timescale()
    _loader, eph = sky._ephemeris()
    times, phases = almanac.find_discrete(
        ts.from_datetime(start - dt.timedelta(days=1)),
        ts.from_datetime(end + dt.timedelta(days=1)),
        almanac.moon_phases(eph),
    )
    everything = []
    for t, phase in zip(times, phases, strict=True):
        if phase in (0, 2):
            compute = sky.solar_eclipse_at if phase == 0 else sky.lunar_eclipse_at
            eclipse = compute(place, ts, sky.tt_seconds(t), utc)
            if coming.seen(eclipse) and start <= eclipse.contacts["max"].at <= end:
                everything.append(eclipse)
    scanned = coming.upcoming(place, start, end, utc)
    assert [e.type for e in scanned] == [e.type for e in everything]
    for mine, theirs in zip(scanned, everything, strict=True):
        # Maximum is found to a hundredth of a second (contacts to a millisecond).
        assert abs(mine.contacts["max"].at - theirs.contacts["max"].at) < dt.timedelta(seconds=0.01)
    # Totality on 12 August 2026, the partial lunar eclipse of 28 August before dawn, and the
    # partial eclipse of 2 August 2027 in the morning (the total lunar eclipse of 3 March
    # 2026 comes in Iceland's daytime).
    assert [(type(e).__name__, e.type, e.contacts["max"].at.date()) for e in scanned] == [
        ("SolarEclipse", "total", dt.date(2026, 8, 12)),
        ("LunarEclipse", "partial", dt.date(2026, 8, 28)),
        ("SolarEclipse", "partial", dt.date(2027, 8, 2)),
    ]
