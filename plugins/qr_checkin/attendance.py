"""Attendance for the report: the counter the live page and the board read, by every key.

Every number says how it was obtained (``by_source``): a ticket scanned at an entrance, people
counted at a gate, a paper sign-in sheet or an estimate entered after the event. Entries made
later are put on the day they happened (``at``), not the day they were typed. Undos are
corrections: the entry and its correcting entry both stay in the store and are listed, and
cancel out of every figure (an entry undone after midnight is not a person on each day).
"""

from __future__ import annotations

from collections import Counter

from kexie_events.model import Event
from kexie_events.records import Attendance, Correction
from kexie_events.store import EventStore
from kexie_plugins.qr_checkin import ledger
from kexie_plugins.qr_checkin.flow import movements, peaks

SOURCES = ("scanned", "counted", "paper", "estimate")
#: Sources whose time of day is unknown (a sheet covers a day): left out of ``by_hour``.
WHOLE_DAY = ("paper", "estimate")


def count(event: Event, store: EventStore) -> Attendance:
    """Person-times by site, day, gate, hour, audience and source; nothing counted twice."""
    with store.reading() as db:
        cells = ledger.count_rows(db)
        results = ledger.scan_results(db)
        unique = ledger.unique_admitted(db)
        late = ledger.late_scans(db)
        # Who worked on site: every scan and every count made on the event's days. Entries
        # typed in later from paper or as estimates name who typed them, not who was there.
        people = ledger.on_duty(event, db)
        spans = ledger.worked(db)
        undone = ledger.corrections(db)
        moves = movements(ledger.admission_moves(db), ledger.headcount_moves(db))
    by_site: Counter = Counter()
    by_day: Counter = Counter()
    by_gate: Counter = Counter()
    by_hour: Counter = Counter()
    by_audience: Counter = Counter()
    by_source: Counter = Counter({source: 0 for source in SOURCES})
    for cell in cells:
        if cell.direction != "in":
            continue
        by_source[cell.source] += cell.people
        by_site[cell.site] += cell.people
        by_day[cell.day] += cell.people
        by_gate[cell.gate] += cell.people
        if cell.source not in WHOLE_DAY:
            by_hour[f"{cell.slot[:2]}:00"] += cell.people
        by_audience[cell.audience] += cell.people
    admitted = by_source["scanned"]
    walk_in = sum(by_source.values()) - admitted
    duplicates = results.get("duplicate", 0) + results.get("admitted", 0) - admitted
    return Attendance(
        admitted=admitted,
        unique=unique,
        walk_in=walk_in,
        duplicates=duplicates,
        rejected=results.get("rejected", 0),
        by_site=_without_zeros(by_site),
        by_day=_without_zeros(by_day),
        by_gate=_without_zeros(by_gate),
        by_hour=_without_zeros(by_hour),
        by_audience=_without_zeros(by_audience),
        late=late,
        volunteers=people,
        worked=spans,
        by_source=dict(by_source),
        corrections=tuple(_correction(row) for row in undone),
        peak_inside=peaks(event, moves),
    )


def _correction(row: tuple) -> Correction:
    """An undo as :func:`~kexie_plugins.qr_checkin.ledger.corrections` reads it."""
    at, by, entry_at, entry_by, gate, site, audience, direction, delta, source = row
    return Correction(
        at=ledger.moment(at),
        by=by,
        entry_at=ledger.moment(entry_at),
        entry_by=entry_by,
        gate=gate,
        site=site,
        audience=audience,
        direction=direction,
        delta=delta,
        source=source,
    )


def _without_zeros(counter: Counter) -> dict:
    """``counter`` sorted by key, without keys whose people cancel out."""
    return {key: people for key, people in sorted(counter.items()) if people}
