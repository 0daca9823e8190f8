"""Benchmark: ``kexie sky next`` for twenty years, against the approach it replaced.

Target (issue 13): the command answers for 20 years ahead in under 3 s on a 2-core machine
(it took 25 s). Prints:

- the command as a user runs it (a fresh process: Python, the ephemeris, the search), best of
  three, wall-clock and CPU seconds;
- in this process, the search alone (``coming.upcoming``), and the baseline: Skyfield's
  almanac for every new and full moon, each one near a node computed in full, the way
  ``kexie sky --date`` computes one (the shape of the old search; it now runs on today's
  faster computation, so the ratio understates what the command gained), with the ratio and
  whether both found the same eclipses (their maxima found to 0.01 s either way).

Run: ``python benchmarks/sky_next.py [YEARS]`` (default 20).
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import subprocess
import sys
import time
from zoneinfo import ZoneInfo

from kexie_plugins.observation import coming, sky

PLAZA = sky.Place(40.4567, 115.975, 500)
ZONE = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2027, 1, 1, tzinfo=ZONE)


def baseline(place: sky.Place, start: dt.datetime, end: dt.datetime) -> list:
    """The old search: every new and full moon from Skyfield's almanac; those near a node
    (the Moon within 1.6 or 1.2 degrees of the ecliptic) computed in full."""
    from skyfield import almanac

    ts = sky.timescale()
    _loader, eph = sky._ephemeris()
    times, phases = almanac.find_discrete(
        ts.from_datetime(start), ts.from_datetime(end), almanac.moon_phases(eph)
    )
    earth, moon = eph["earth"], eph["moon"]
    found = []
    for t, phase in zip(times, phases, strict=True):
        if phase not in (0, 2):
            continue
        latitude = earth.at(t).observe(moon).apparent().ecliptic_latlon()[0].degrees
        if phase == 0 and abs(latitude) < 1.6:
            eclipse = sky.solar_eclipse(place, t.utc_datetime(), ZONE)
        elif phase == 2 and abs(latitude) < 1.2:
            eclipse = sky.lunar_eclipse(place, t.utc_datetime(), ZONE)
        else:
            continue
        if coming.seen(eclipse) and start <= eclipse.contacts["max"].at <= end:
            found.append(eclipse)
    return sorted(found, key=lambda e: e.contacts["max"].at)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def command(years: int) -> tuple[float, float, str]:
    """Best of three runs of the command: (wall seconds, CPU seconds, first line)."""
    args = [
        *(sys.executable, "-m", "kexie_events.cli", "sky", "next"),
        *("--lat", str(PLAZA.lat), "--lon", str(PLAZA.lon), "--elevation", "500"),
        *("--from", START.date().isoformat(), "--years", str(years), "--tz", ZONE.key),
    ]
    best = (float("inf"), 0.0, "")
    for _ in range(3):
        cpu, wall = _children_cpu(), time.perf_counter()
        done = subprocess.run(args, capture_output=True, text=True, check=True, env=os.environ)
        wall, cpu = time.perf_counter() - wall, _children_cpu() - cpu
        best = min(best, (wall, cpu, done.stdout.splitlines()[0]))
    return best


def main(years: int = 20) -> None:
    end = START.replace(year=START.year + years)
    wall, cpu, first = command(years)
    print(f"kexie sky next, {years} years, fresh process: {wall:.2f} s ({cpu:.2f} s CPU)")
    print(f"  {first}")
    sky._ephemeris()  # loaded once per process either way
    timed = {}
    for name, search in (
        ("search (coming.upcoming)", lambda: coming.upcoming(PLAZA, START, end, ZONE)),
        (
            "baseline (almanac, each near-node lunation in full)",
            lambda: baseline(PLAZA, START, end),
        ),
    ):
        cpu, wall = time.process_time(), time.perf_counter()
        found = search()
        timed[name] = (time.perf_counter() - wall, time.process_time() - cpu, found)
        print(f"{name}: {timed[name][0]:.2f} s ({timed[name][1]:.2f} s CPU), {len(found)} eclipses")
    (new, new_cpu, fast), (old, old_cpu, slow) = timed.values()
    print(
        f"the search is {old / new:.1f}x faster than the baseline ({old_cpu / new_cpu:.1f}x in CPU)"
    )
    same = len(fast) == len(slow) and all(
        a.type == b.type
        and abs(a.contacts["max"].at - b.contacts["max"].at) < dt.timedelta(seconds=0.01)
        for a, b in zip(fast, slow, strict=True)
    )
    print(f"same eclipses (maximum within 0.01 s): {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
