"""People in and out: the live figures, how many are inside each site now, and the peak.

The live figures (``GET /api/v1/stats``, the board) read the counters the ledger keeps in the
same transaction as every record (:mod:`~kexie_plugins.qr_checkin.ledger`): their cost does not
grow with the number of scans. Every admission and every walk-in counted at a gate brings people
in, every exit (a tap or a ticket scanned at an exit) takes them out. Numbers from paper sheets
and estimates entered after the event say how many came, not when they were inside, so they
are left out of who is inside, and so are undone entries. The count inside starts from zero
each day and never goes below zero: people leaving who were never counted in (they came
through an unwatched gate) take it to zero, not under.

The report's peak is worked out from the records themselves (:func:`peaks`), in time order.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator

from kexie_events.model import Event
from kexie_events.records import PeakInside
from kexie_events.store import EventStore
from kexie_plugins.qr_checkin import ledger

#: From this share of a site's capacity the page and the board turn amber.
NEAR = 0.9
#: The arrivals chart: ten-minute slots, the last twelve.
SLOT_MINUTES = 10
SLOTS = 12

#: ``(moment, site, change, arriving, at)``: ``arriving`` is false for people going out;
#: ``at`` is the time as stored.
Move = tuple[dt.datetime, str, int, bool, str]


def stats(store: EventStore) -> dict:
    """Live counts: admissions (earliest wins), duplicates, rejections, walk-ins and exits.

    ``walk_ins`` are the people who came in without a ticket scan, however they were counted
    (at a gate, or from a paper sheet or an estimate entered later); ``exits`` are the people
    counted going out, per gate and site.
    """
    with store.reading() as db:
        places = ledger.totals_by_place(db)
        results = ledger.scan_results(db)
    counts = {
        "admitted": 0,
        "duplicates": 0,
        "rejected": results.get("rejected", 0),
        "walk_ins": 0,
        "total": 0,
        "by_gate": {},
        "by_site": {},
        "by_audience": {},
        "exits": {"total": 0, "by_gate": {}, "by_site": {}},
    }

    def add(table: str, key: str, field: str, amount: int) -> None:
        bucket = counts[table].setdefault(key, {"admitted": 0, "walk_ins": 0})
        bucket[field] += amount

    exits = counts["exits"]
    for site, gate, audience, source, direction, people in places:
        if direction == "out":
            exits["total"] += people
            for table, key in (("by_gate", gate), ("by_site", site)):
                exits[table][key] = exits[table].get(key, 0) + people
            continue
        field = "admitted" if source == "scanned" else "walk_ins"
        counts[field] += people
        if gate or field == "admitted":  # a paper sheet may name no gate
            add("by_gate", gate, field, people)
        add("by_site", site, field, people)
        add("by_audience", audience, field, people)
    counts["duplicates"] = (
        results.get("duplicate", 0) + results.get("admitted", 0) - counts["admitted"]
    )
    counts["total"] = counts["admitted"] + counts["walk_ins"]
    return counts


def start_of(day: dt.date, tz) -> dt.datetime:
    """Midnight at the start of ``day`` in the event's zone."""
    return dt.datetime.combine(day, dt.time(), tz)


def inside_now(event: Event, store: EventStore, moment: dt.datetime) -> dict:
    """The ``inside`` figures of ``GET /api/v1/stats`` at ``moment`` (today's counter).

    ``{"total": N, "by_site": {SITE: {"inside": N, "capacity": C, "level": L}}}`` with every
    site of the event; ``level`` is ``ok``, ``near`` (from :data:`NEAR` of the capacity) or
    ``full``; a site without a ``capacity`` is always ``ok`` and its capacity ``null``.
    """
    day = moment.astimezone(event.tz).date().isoformat()
    inside: dict[str, int] = {site.id: 0 for site in event.sites}
    with store.reading() as db:
        inside.update(ledger.inside_on(db, day))
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


def arrivals(event: Event, store: EventStore, moment: dt.datetime) -> list[dict]:
    """People arriving per 10 minutes over the last 12 periods up to ``moment`` today.

    ``[{"from": "09:10", "arrivals": N}, ...]``, oldest first; an undone entry is not an
    arrival.
    """
    local = moment.astimezone(event.tz)
    width = dt.timedelta(minutes=SLOT_MINUTES)
    midnight = start_of(local.date(), event.tz)
    current = midnight + width * ((local - midnight) // width)
    first = max(midnight, current - width * (SLOTS - 1))
    slots = [f"{first + width * i:%H:%M}" for i in range(int((current - first) // width) + 1)]
    with store.reading() as db:
        counted = ledger.arrivals(db, local.date().isoformat(), slots[0], slots[-1])
    return [{"from": slot, "arrivals": max(0, counted.get(slot, 0))} for slot in slots]


# --- the report's peak, from the records ----------------------------------------------------


def movements(
    admissions: Iterable[tuple[str, str]], headcounts: Iterable[tuple[str, str, int, str]]
) -> list[Move]:
    """Every change of the number inside (see :data:`Move`), oldest first.

    ``admissions`` are ``(at, site)``, ``headcounts`` ``(at, site, delta, direction)`` (see
    :func:`~kexie_plugins.qr_checkin.ledger.admission_moves`).
    """
    moves: list[Move] = [(ledger.moment(at), site, 1, True, at) for at, site in admissions]
    for at, site, delta, direction in headcounts:
        arriving = direction == "in"
        moves.append((ledger.moment(at), site, delta if arriving else -delta, arriving, at))
    # At the same moment, people come in before others go out (a class in, then out).
    moves.sort(key=lambda m: (m[0], not m[3]))
    return moves


def running(moves: list[Move], tz) -> Iterator[tuple[Move, int]]:
    """Each move with the number inside its site after it: from 0 each day, never below 0."""
    inside: Counter = Counter()
    day: dict[str, dt.date] = {}
    for move in moves:
        moment, site, change = move[0], move[1], move[2]
        today = moment.astimezone(tz).date()
        if day.get(site) != today:
            day[site] = today
            inside[site] = 0
        inside[site] = max(0, inside[site] + change)
        yield move, inside[site]


def peaks(event: Event, moves: list[Move]) -> tuple[PeakInside, ...]:
    """The most people inside each site at once, and when (the first time it was reached)."""
    best: dict[str, tuple[int, str]] = {}
    for move, number in running(moves, event.tz):
        site = move[1]
        if site and number > best.get(site, (0, ""))[0]:
            best[site] = (number, move[4])
    return tuple(
        PeakInside(
            site,
            number,
            dt.datetime.fromisoformat(at).astimezone(event.tz),
            **level(event, site, number),
        )
        for site, (number, at) in sorted(best.items())
    )
