"""Attendance for the report, counted from the scans and head counts in the store.

Every number says how it was obtained (``by_source``): a ticket scanned at an entrance, people
counted at a gate, a paper sign-in sheet or an estimate entered after the event. Entries made
later are put on the day they happened (``at``), not the day they were typed. Undos are
corrections: the entry and its correcting entry both stay in the store and are listed, and
cancel out of every figure (an entry undone after midnight is not a person on each day).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from kexie_events import volunteers
from kexie_events.model import Event
from kexie_events.records import Attendance
from kexie_events.store import EventStore
from kexie_plugins.qr_checkin.admission import ADMISSIONS, STANDING
from kexie_plugins.qr_checkin.flow import julian, peaks

ON_SITE_DEVICES = ("server", "cli")
SOURCES = ("scanned", "counted", "paper", "estimate")
#: Sources whose time of day is unknown (a sheet covers a day): left out of ``by_hour``.
WHOLE_DAY = ("paper", "estimate")


def count(event: Event, store: EventStore) -> Attendance:
    """Person-times by site, day, gate, hour, audience and source; nothing counted twice."""
    db = store.connection
    tz = event.tz
    by_site: Counter = Counter()
    by_day: Counter = Counter()
    by_gate: Counter = Counter()
    by_hour: Counter = Counter()
    by_audience: Counter = Counter()
    by_source: Counter = Counter({source: 0 for source in SOURCES})
    tickets = set()
    admitted = 0
    arrived = []  # the admissions as moves, for the peak inside
    for ticket, gate, site, at, _device, audience, ticket_site in db.execute(ADMISSIONS):
        moment = dt.datetime.fromisoformat(at).astimezone(tz)
        arrived.append((julian(moment), site or ticket_site or "", 1, True, at))
        admitted += 1
        tickets.add(ticket)
        by_site[site or ticket_site or ""] += 1
        by_day[moment.date().isoformat()] += 1
        by_gate[gate or ""] += 1
        by_hour[f"{moment:%H}:00"] += 1
        by_audience[audience or "others"] += 1
    by_source["scanned"] = admitted
    walk_in = 0
    for gate, site, audience, delta, at, source in db.execute(
        "SELECT gate, site, audience, delta, at, source FROM qr_headcounts"
        f" WHERE direction = 'in' AND {STANDING}"
    ):
        moment = dt.datetime.fromisoformat(at).astimezone(tz)
        walk_in += delta
        by_source[source] += delta
        by_site[site or ""] += delta
        by_day[moment.date().isoformat()] += delta
        by_gate[gate or ""] += delta
        if source not in WHOLE_DAY:
            by_hour[f"{moment:%H}:00"] += delta
        by_audience[audience] += delta
    results = dict(db.execute("SELECT result, COUNT(*) FROM qr_scans GROUP BY result").fetchall())
    duplicates = results.get("duplicate", 0) + results.get("admitted", 0) - admitted
    late = dict(
        db.execute(
            "SELECT device, COUNT(*) FROM qr_scans WHERE device NOT IN (?, ?) GROUP BY device"
            " ORDER BY device",
            ON_SITE_DEVICES,
        ).fetchall()
    )
    # Who worked on site: every scan and every count made on the event's days. Entries typed
    # in later from paper or as estimates name who typed them, not who was there.
    people = volunteers.on_duty(
        event,
        db,
        "SELECT by, at FROM qr_scans UNION ALL SELECT by, at FROM qr_headcounts"
        " WHERE source NOT IN ('paper', 'estimate')",
    )
    return Attendance(
        admitted=admitted,
        unique=len(tickets),
        walk_in=walk_in,
        duplicates=duplicates,
        rejected=results.get("rejected", 0),
        by_site=dict(sorted(by_site.items())),
        by_day=dict(sorted(by_day.items())),
        by_gate=dict(sorted(by_gate.items())),
        by_hour=dict(sorted(by_hour.items())),
        by_audience=dict(by_audience),
        late=late,
        volunteers=people,
        by_source=dict(by_source),
        corrections=corrections(event, store),
        peak_inside=peaks(event, db, admissions=arrived),
    )


def corrections(event: Event, store: EventStore) -> tuple[dict, ...]:
    """Every undo: who took back which entry, and when; oldest first."""
    rows = store.connection.execute(
        "SELECT c.at, c.by, e.at, e.by, e.gate, e.site, e.audience, e.direction, e.delta,"
        " e.source FROM qr_headcounts c JOIN qr_headcounts e ON e.scan_id = c.corrects"
        " ORDER BY c.at, c.id"
    )
    keys = (
        "at",
        "by",
        "entry_at",
        "entry_by",
        "gate",
        "site",
        "audience",
        "direction",
        "delta",
        "source",
    )
    return tuple(dict(zip(keys, row, strict=True)) for row in rows)
