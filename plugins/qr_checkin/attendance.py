"""Attendance for the report, counted from the scans and head counts in the store."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from kexie_events.model import Event
from kexie_events.records import Attendance
from kexie_events.store import EventStore
from kexie_plugins.qr_checkin.admission import ADMISSIONS

ON_SITE_DEVICES = ("server", "cli")


def count(event: Event, store: EventStore) -> Attendance:
    """Person-times by site, day, gate, hour and audience; nothing counted twice."""
    db = store.connection
    tz = event.tz
    by_site: Counter = Counter()
    by_day: Counter = Counter()
    by_gate: Counter = Counter()
    by_hour: Counter = Counter()
    by_audience: Counter = Counter()
    tickets = set()
    admitted = 0
    for ticket, gate, site, at, _device, audience, ticket_site in db.execute(ADMISSIONS):
        moment = dt.datetime.fromisoformat(at).astimezone(tz)
        admitted += 1
        tickets.add(ticket)
        by_site[site or ticket_site or ""] += 1
        by_day[moment.date().isoformat()] += 1
        by_gate[gate or ""] += 1
        by_hour[f"{moment:%H}:00"] += 1
        by_audience[audience or "others"] += 1
    walk_in = 0
    for gate, site, audience, delta, at in db.execute(
        "SELECT gate, site, audience, delta, at FROM qr_headcounts"
    ):
        moment = dt.datetime.fromisoformat(at).astimezone(tz)
        walk_in += delta
        by_site[site or ""] += delta
        by_day[moment.date().isoformat()] += delta
        by_gate[gate or ""] += delta
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
    volunteers = sorted(
        {row[0] for row in db.execute("SELECT by FROM qr_scans UNION SELECT by FROM qr_headcounts")}
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
        volunteers=tuple(volunteers),
    )
