"""People in and out: how many are inside each site now, the peak, and arrivals over time.

Derived from the records, like admissions: every admission and every walk-in counted at a gate
brings people in, every exit (a tap or a ticket scanned at an exit) takes them out. Numbers
from paper sheets and estimates entered after the event say how many came, not when they were
inside, so they are left out here, and so are undone entries. The count inside starts from zero
each day and never goes below zero: people leaving who were never counted in (they came through
an unwatched gate) take it to zero, not under.

Times are compared as SQLite's Julian day numbers (``julianday(at)`` reads the stored offset),
so a report over 200,000 records orders them without parsing each one in Python.
"""

from __future__ import annotations

import bisect
import datetime as dt
import sqlite3
from collections import Counter
from collections.abc import Iterator

from kexie_events.model import Event
from kexie_plugins.qr_checkin.admission import ADMISSIONS, STANDING

#: From this share of a site's capacity the page and the board turn amber.
NEAR = 0.9
_UNIX_EPOCH = 2440587.5  # the Julian day of 1970-01-01T00:00Z

#: ``(julian day, site, change, arriving, at)``: ``arriving`` is false for people going out;
#: ``at`` is the time as stored.
Move = tuple[float, str, int, bool, str]


def julian(moment: dt.datetime) -> float:
    """An aware time as a Julian day number, as SQLite's ``julianday()`` gives it."""
    return moment.timestamp() / 86400 + _UNIX_EPOCH


def movements(
    db: sqlite3.Connection, since: dt.datetime | None = None, admissions: list[Move] | None = None
) -> list[Move]:
    """Every change of the number inside (see :data:`Move`), oldest first.

    ``since`` keeps only the changes from that moment on. ``admissions`` are the admissions as
    moves when the caller has read them already (the report does), so they are not read twice.
    """
    floor = julian(since) if since else 0.0
    if admissions is None:
        moves: list[Move] = [
            (jd, site, 1, True, at)
            for jd, site, at in db.execute(
                "SELECT julianday(at) AS jd, COALESCE(site, ticket_site, ''), at"
                f" FROM ({ADMISSIONS}) WHERE jd >= ?",
                (floor,),
            )
        ]
    else:
        moves = [move for move in admissions if move[0] >= floor]
    for jd, site, delta, direction, at in db.execute(
        "SELECT julianday(at) AS jd, COALESCE(site, ''), delta, direction, at FROM qr_headcounts"
        f" WHERE source IN ('counted', 'scanned') AND jd >= ? AND {STANDING}",
        (floor,),
    ):
        arriving = direction == "in"
        moves.append((jd, site, delta if arriving else -delta, arriving, at))
    # At the same moment, people come in before others go out (a class in, then out).
    moves.sort(key=lambda m: (m[0], not m[3]))
    return moves


def _midnights(moves: list[Move], tz) -> list[float]:
    """The Julian days of local midnight for every day the moves span, and one beyond."""
    if not moves:
        return []
    first = _local(moves[0][0], tz).date() - dt.timedelta(days=1)
    last = _local(moves[-1][0], tz).date() + dt.timedelta(days=1)
    days = (last - first).days + 1
    return [julian(start_of(first + dt.timedelta(days=n), tz)) for n in range(days)]


def _local(jd: float, tz) -> dt.datetime:
    return dt.datetime.fromtimestamp((jd - _UNIX_EPOCH) * 86400, tz)


def running(moves: list[Move], tz) -> Iterator[tuple[Move, int]]:
    """Each move with the number inside its site after it: from 0 each day, never below 0."""
    midnights = _midnights(moves, tz)
    inside: Counter = Counter()
    day: dict[str, int] = {}
    for move in moves:
        jd, site, change = move[0], move[1], move[2]
        today = bisect.bisect_right(midnights, jd)
        if day.get(site) != today:
            day[site] = today
            inside[site] = 0
        inside[site] = max(0, inside[site] + change)
        yield move, inside[site]


def start_of(day: dt.date, tz) -> dt.datetime:
    """Midnight at the start of ``day`` in the event's zone."""
    return dt.datetime.combine(day, dt.time(), tz)


def inside_now(event: Event, db: sqlite3.Connection, moment: dt.datetime) -> dict:
    """The ``inside`` figures of ``GET /api/v1/stats`` at ``moment`` (today's records).

    ``{"total": N, "by_site": {SITE: {"inside": N, "capacity": C, "level": L}}}`` with every
    site of the event; ``level`` is ``ok``, ``near`` (from :data:`NEAR` of the capacity) or
    ``full``; a site without a ``capacity`` is always ``ok`` and its capacity ``null``.
    """
    midnight = start_of(moment.astimezone(event.tz).date(), event.tz)
    inside: dict[str, int] = {site.id: 0 for site in event.sites}
    for move, number in running(movements(db, since=midnight), event.tz):
        inside[move[1]] = number
    by_site = {
        site: {"inside": number, **level(event, site, number)}
        for site, number in inside.items()
        if site
    }
    return {"total": sum(inside.values()), "by_site": by_site}


def level(event: Event, site_id: str, number: int) -> dict:
    """``{"capacity": C, "level": ...}`` for ``number`` people inside ``site_id``."""
    site = next((s for s in event.sites if s.id == site_id), None)
    capacity = site.capacity if site else None
    if not capacity:
        return {"capacity": capacity, "level": "ok"}
    state = "full" if number >= capacity else "near" if number >= NEAR * capacity else "ok"
    return {"capacity": capacity, "level": state}


def peaks(
    event: Event, db: sqlite3.Connection, admissions: list[Move] | None = None
) -> dict[str, dict]:
    """The most people inside each site at once, and when (the first time it was reached).

    ``admissions`` as for :func:`movements`.
    """
    best: dict[str, tuple[int, str]] = {}
    for move, number in running(movements(db, admissions=admissions), event.tz):
        site = move[1]
        if site and number > best.get(site, (0, ""))[0]:
            best[site] = (number, move[4])
    return {
        site: {
            "inside": number,
            "at": dt.datetime.fromisoformat(at).astimezone(event.tz).isoformat(),
            **level(event, site, number),
        }
        for site, (number, at) in sorted(best.items())
    }


def arrivals(
    event: Event, db: sqlite3.Connection, moment: dt.datetime, minutes: int = 10, slots: int = 12
) -> list[dict]:
    """People arriving per ``minutes`` over the last ``slots`` periods up to ``moment`` today.

    ``[{"from": "09:10", "arrivals": N}, ...]``, oldest first; an undone entry is not an
    arrival.
    """
    local = moment.astimezone(event.tz)
    width = dt.timedelta(minutes=minutes)
    midnight = start_of(local.date(), event.tz)
    current = midnight + width * ((local - midnight) // width)
    first = max(midnight, current - width * (slots - 1))
    counts: Counter = Counter()
    origin, days = julian(first), width / dt.timedelta(days=1)
    for jd, _site, change, arriving, _at in movements(db, since=first):
        index = int((jd - origin) // days)
        if arriving and 0 <= index < slots:
            counts[index] += change
    periods = int((current - first) // width) + 1
    return [
        {"from": f"{first + width * i:%H:%M}", "arrivals": max(0, counts[i])}
        for i in range(periods)
    ]
