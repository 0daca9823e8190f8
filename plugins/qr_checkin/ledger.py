"""Every SQL statement of the check-in plugin against the event store, and its counters.

The other modules of the plugin decide (who gets in, what a head count may take back); this
module records and reads, on SQLite and PostgreSQL alike. Each function takes a connection
from ``store.transaction()`` (writes) or ``store.reading()`` (reads).

Two rules live here, written once:

- **Admission**: the winning admitted scan of a ticket in an admission period is the earliest
  by (time as a moment, then ``scan_id``), and ``qr_admissions`` holds it. Its primary key
  ``(ticket, admit_key)`` enforces the rule: a live check-in inserts with ``ON CONFLICT DO
  NOTHING``, and whoever inserts second (on PostgreSQL, after waiting for the first to commit)
  gets a duplicate. A merged offline admission earlier than the recorded one replaces it.
- **Counting**: ``qr_counts`` holds people by local day, 10-minute slot, site, gate, audience,
  source and direction, and ``qr_inside`` the people inside each site per day (never below 0).
  ``qr_totals`` is the same counter summed over days and slots, for the live figures. All
  change in the same transaction as every admission, head count, undo and merge, so the live
  page, the board and the report read one counter and never recount the records.

Times are stored as ISO text in the event's zone (every caller converts before recording), so
a time's local day and slot are read from its text (:func:`day_and_slot`), as the migration
that filled the counters did.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

import attrs
from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from kexie_events import volunteers
from kexie_events.database import StoreUnavailable
from kexie_events.model import Event
from kexie_events.store import deferred, flush_deferred, run

#: Sources of moves in and out that say when people were inside (paper and estimates do not).
LIVE_SOURCES = ("counted", "scanned")
#: Devices that record on site (the server, ``kexie checkin DIR``); any other came in late,
#: from an offline bundle.
ON_SITE_DEVICES = ("server", "cli")


# --- records ------------------------------------------------------------------------------


@attrs.frozen
class TicketFacts:
    """What a gate needs to know about a ticket."""

    number: int
    site: str | None
    audience: str | None
    revoked: bool


@attrs.frozen
class RecordedScan:
    """A scan already recorded under a ``scan_id``: the answer given, and what was scanned."""

    answer: dict
    code: str
    gate: str | None
    site: str | None
    by: str


@attrs.frozen
class Admission:
    """An admitted scan offered as a ticket's admission in a period (``admit_key``).

    ``ticket_site`` and ``audience`` are the ticket's: they say where and whom it counts for.
    """

    ticket: int
    admit_key: str
    scan_id: str
    at: str
    gate: str | None
    site: str | None
    ticket_site: str | None = None
    audience: str | None = None

    @property
    def counted_site(self) -> str:
        """The site the admission counts at: the gate's, else the ticket's."""
        return self.site or self.ticket_site or ""


@attrs.frozen
class Scan:
    """A row of ``qr_scans``: what a gate answered, never rewritten."""

    scan_id: str
    code: str
    ticket: int | None
    result: str
    reason: str
    admit_key: str | None
    gate: str | None
    site: str | None
    at: str
    by: str
    device: str
    received_at: str
    response: str


@attrs.frozen
class Headcount:
    """A row of ``qr_headcounts``: people counted in or out, or an undo (``corrects``)."""

    scan_id: str | None
    gate: str | None
    site: str | None
    audience: str
    delta: int
    at: str
    by: str
    device: str
    direction: str = "in"
    source: str = "counted"
    corrects: str | None = None
    ticket: int | None = None
    note: str | None = None
    recorded_at: str | None = None


@attrs.frozen
class CountRow:
    """People in one cell of the counter."""

    day: str
    slot: str
    site: str
    gate: str
    audience: str
    source: str
    direction: str
    people: int


def day_and_slot(at: str) -> tuple[str, str]:
    """The local day and 10-minute slot of a stored time: ``("2027-09-24", "09:30")``."""
    return at[:10], at[11:15] + "0"


def moment(at: str) -> dt.datetime:
    """A stored time as an aware datetime (a time stored without offset is taken as UTC)."""
    parsed = dt.datetime.fromisoformat(at)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


# --- counters -----------------------------------------------------------------------------

_COUNT = text(
    "INSERT INTO qr_counts (day, slot, site, gate, audience, source, direction, people)"
    " VALUES (:day, :slot, :site, :gate, :audience, :source, :direction, :people)"
    " ON CONFLICT (day, slot, site, gate, audience, source, direction)"
    " DO UPDATE SET people = qr_counts.people + excluded.people"
)
_TOTAL = text(
    "INSERT INTO qr_totals (site, gate, audience, source, direction, people)"
    " VALUES (:site, :gate, :audience, :source, :direction, :people)"
    " ON CONFLICT (site, gate, audience, source, direction)"
    " DO UPDATE SET people = qr_totals.people + excluded.people"
)
_INSIDE = text(
    "INSERT INTO qr_inside (day, site, people)"
    " VALUES (:day, :site, CASE WHEN :change < 0 THEN 0 ELSE :change END)"
    " ON CONFLICT (day, site) DO UPDATE SET people = CASE"
    " WHEN qr_inside.people + :change < 0 THEN 0 ELSE qr_inside.people + :change END"
)
_TALLY = text(
    "INSERT INTO qr_scan_results (result, scans) VALUES (:result, :scans)"
    " ON CONFLICT (result) DO UPDATE SET scans = qr_scan_results.scans + excluded.scans"
)
_PLACE = ("site", "gate", "audience", "source", "direction")


def _count(db: Connection, at: str, *, site, gate, audience, source, direction, people) -> None:
    """Add ``people`` to the counter's cell of ``at`` and to its total over all days (when the
    transaction commits: :func:`_pending`)."""
    day, slot = day_and_slot(at)
    place = (site or "", gate or "", audience or "", source, direction)
    cells, totals, _inside, _results = _pending(db)
    cells[(day, slot, *place)] = cells.get((day, slot, *place), 0) + int(people)
    totals[place] = totals.get(place, 0) + int(people)


def _move_inside(db: Connection, at: str, site: str | None, change: int) -> None:
    _pending(db)[2].append(((at[:10], site or ""), int(change)))


def _pending(db: Connection) -> tuple[dict, dict, list, dict]:
    """The counts this transaction adds, written just before it commits
    (:func:`kexie_events.store.deferred`): counter cells, totals, moves inside (in order:
    the floor at zero applies step by step) and scan results."""
    return deferred(db, "qr_checkin.counts", _write_counts, lambda: ({}, {}, [], {}))


def _write_counts(db: Connection, pending: tuple[dict, dict, list, dict]) -> None:
    """Write the transaction's counts, every table's rows in one sorted order, so that two
    servers' transactions take the counter rows' locks in the same order."""
    cells, totals, inside, results = pending
    for (day, slot, *place), people in sorted(cells.items()):
        if people:
            run(
                db,
                _COUNT,
                {
                    "day": day,
                    "slot": slot,
                    **dict(zip(_PLACE, place, strict=True)),
                    "people": people,
                },
            )
    for place, people in sorted(totals.items()):
        if people:
            run(db, _TOTAL, {**dict(zip(_PLACE, place, strict=True)), "people": people})
    for (day, site), change in sorted(inside, key=lambda move: move[0]):  # stable: in order
        run(db, _INSIDE, {"day": day, "site": site, "change": change})
    for result, scans in sorted(results.items()):
        run(db, _TALLY, {"result": result, "scans": scans})


def _read_counts(db: Connection) -> None:
    """Write what this transaction counted so far, before reading the counters."""
    flush_deferred(db)


def _count_admission(db: Connection, admission: Admission, sign: int) -> None:
    _count(
        db,
        admission.at,
        site=admission.counted_site,
        gate=admission.gate,
        audience=admission.audience or "others",
        source="scanned",
        direction="in",
        people=sign,
    )
    _move_inside(db, admission.at, admission.counted_site, sign)


def _count_headcount(db: Connection, entry: Headcount, sign: int) -> None:
    """Count ``entry`` (``sign`` 1) or take it back (``sign`` -1, an undo)."""
    _count(
        db,
        entry.at,
        site=entry.site,
        gate=entry.gate,
        audience=entry.audience,
        source=entry.source,
        direction=entry.direction,
        people=sign * entry.delta,
    )
    if entry.source in LIVE_SOURCES:
        change = entry.delta if entry.direction == "in" else -entry.delta
        _move_inside(db, entry.at, entry.site, sign * change)


# --- tickets ------------------------------------------------------------------------------

_LAST_NUMBER = text("SELECT COALESCE(MAX(number), 0) FROM qr_tickets")
_ADD_TICKET = text(
    "INSERT INTO qr_tickets (number, code, site, audience, name, phone, batch, issued_at,"
    " issued_by) VALUES (:number, :code, :site, :audience, :name, :phone, :batch, :issued_at,"
    " :issued_by)"
)
_REGISTERED = text(
    "SELECT number, name, phone, audience, site FROM qr_tickets WHERE name IS NOT NULL"
)
_LISTING = text(
    "SELECT t.number, t.code, t.site, t.audience, t.batch,"
    " CASE WHEN r.number IS NULL THEN 0 ELSE 1 END,"
    " CASE WHEN EXISTS (SELECT 1 FROM qr_admissions a WHERE a.ticket = t.number)"
    " THEN 1 ELSE 0 END"
    " FROM qr_tickets t LEFT JOIN qr_revocations r ON r.number = t.number ORDER BY t.number"
)
_TICKET = text(
    "SELECT t.number, t.site, t.audience, CASE WHEN r.number IS NULL THEN 0 ELSE 1 END"
    " FROM qr_tickets t LEFT JOIN qr_revocations r ON r.number = t.number"
    " WHERE t.number = :number"
)
_REVOKE = text(
    "INSERT INTO qr_revocations (number, at, by, reason) VALUES (:number, :at, :by, :reason)"
    " ON CONFLICT (number) DO NOTHING RETURNING number"
)
_REVOCATIONS = text("SELECT number, at FROM qr_revocations")
_REVOCATION_ROWS = text("SELECT number, at, by, reason FROM qr_revocations ORDER BY number")
_NUMBERS = text("SELECT number FROM qr_tickets")
_TOTALS = text("SELECT (SELECT COUNT(*) FROM qr_tickets), (SELECT COUNT(*) FROM qr_revocations)")
_PRINTABLE = text(
    "SELECT t.number, t.code, t.site, t.audience, t.name FROM qr_tickets t"
    " WHERE t.number NOT IN (SELECT number FROM qr_revocations) ORDER BY t.number"
)
_FOR_BUNDLE = text(
    "SELECT number, site, audience, batch, issued_at, issued_by FROM qr_tickets ORDER BY number"
)
_PERSONAL = text("SELECT COUNT(*) FROM qr_tickets WHERE name IS NOT NULL OR phone IS NOT NULL")
_FORGET_PERSONAL = text(
    "UPDATE qr_tickets SET name = NULL, phone = NULL WHERE name IS NOT NULL OR phone IS NOT NULL"
)


def last_ticket_number(db: Connection) -> int:
    """The highest ticket number issued, 0 before the first."""
    return db.execute(_LAST_NUMBER).scalar_one()


def add_tickets(db: Connection, tickets: list[dict]) -> None:
    """Insert tickets (``number, code, site, audience, name, phone, batch, issued_at,
    issued_by``). Numbers taken meanwhile by another server (PostgreSQL) make the transaction
    :class:`StoreUnavailable` ``busy``, so that it runs again with the next free numbers."""
    if not tickets:
        return
    try:
        db.execute(_ADD_TICKET, tickets)
    except IntegrityError as error:
        raise StoreUnavailable("busy", "ticket numbers were issued meanwhile") from error


def registered_people(db: Connection) -> dict[tuple[str, ...], int]:
    """Tickets issued to named people: ``{(name, phone, audience, site): number}``, with
    missing values as ``""``."""
    return {
        tuple(value or "" for value in person): number
        for number, *person in db.execute(_REGISTERED)
    }


def ticket_list(db: Connection) -> list[tuple]:
    """Every ticket: ``(number, code, site, audience, batch, revoked, admitted)``."""
    return [
        (n, code, site, audience, batch, bool(revoked), bool(admitted))
        for n, code, site, audience, batch, revoked, admitted in db.execute(_LISTING)
    ]


def ticket(db: Connection, number: int) -> TicketFacts | None:
    """A ticket's site, audience and whether it is revoked; ``None`` for no such ticket."""
    row = run(db, _TICKET, {"number": number}).fetchone()
    return TicketFacts(row[0], row[1], row[2], bool(row[3])) if row else None


def revoke(db: Connection, number: int, *, at: str, by: str, reason: str | None) -> bool:
    """Record that ticket ``number`` is revoked; ``False`` when it was revoked already."""
    row = {"number": number, "at": at, "by": by, "reason": reason}
    return db.execute(_REVOKE, row).fetchone() is not None


def revocations(db: Connection) -> dict[int, dt.datetime]:
    """When each revoked ticket was revoked."""
    return {number: moment(at) for number, at in db.execute(_REVOCATIONS)}


def revocation_rows(db: Connection) -> list[tuple]:
    """Every revocation as ``(number, at, by, reason)``, for a scanner bundle."""
    return [tuple(row) for row in db.execute(_REVOCATION_ROWS)]


def ticket_numbers(db: Connection) -> frozenset[int]:
    """The numbers of every ticket issued."""
    return frozenset(n for (n,) in db.execute(_NUMBERS))


def ticket_totals(db: Connection) -> tuple[int, int]:
    """``(tickets issued, tickets revoked)``."""
    issued, revoked = db.execute(_TOTALS).one()
    return issued, revoked


def printable_tickets(db: Connection) -> list[tuple]:
    """Tickets issued and not revoked, ``(number, code, site, audience, name)``, by number."""
    return [tuple(row) for row in db.execute(_PRINTABLE)]


def bundle_tickets(db: Connection) -> list[tuple]:
    """Tickets for a scanner bundle: ``(number, site, audience, batch, issued_at,
    issued_by)``, no code, name or phone."""
    return [tuple(row) for row in db.execute(_FOR_BUNDLE)]


def personal_tickets(db: Connection, *, forget: bool) -> int:
    """How many tickets carry a name or phone; with ``forget``, clear them."""
    count = db.execute(_PERSONAL).scalar_one()
    if forget and count:
        db.execute(_FORGET_PERSONAL)
    return count


# --- scans and admissions -----------------------------------------------------------------

_SCAN_BY_ID = text("SELECT response, code, gate, site, by FROM qr_scans WHERE scan_id = :scan_id")
_ADD_SCAN = text(
    "INSERT INTO qr_scans (scan_id, code, ticket, result, reason, admit_key, gate, site, at,"
    " by, device, received_at, response) VALUES (:scan_id, :code, :ticket, :result, :reason,"
    " :admit_key, :gate, :site, :at, :by, :device, :received_at, :response)"
    " ON CONFLICT (scan_id) DO NOTHING RETURNING id"
)
_ADMIT = text(
    "INSERT INTO qr_admissions (ticket, admit_key, scan_id, at, gate, site)"
    " VALUES (:ticket, :admit_key, :scan_id, :at, :gate, :site)"
    " ON CONFLICT (ticket, admit_key) DO NOTHING RETURNING ticket"
)
_ADMISSION = text(
    "SELECT a.ticket, a.admit_key, a.scan_id, a.at, a.gate, a.site, t.site, t.audience"
    " FROM qr_admissions a JOIN qr_tickets t ON t.number = a.ticket"
    " WHERE a.ticket = :ticket AND a.admit_key = :admit_key"
)
_REPLACE_ADMISSION = text(
    "UPDATE qr_admissions SET scan_id = :scan_id, at = :at, gate = :gate, site = :site"
    " WHERE ticket = :ticket AND admit_key = :admit_key AND scan_id = :replaced"
)
_ADMITTED = text("SELECT DISTINCT ticket FROM qr_admissions")


class ScanBook:
    """The event store as a gate records into it, inside one transaction (``db``).

    :class:`~kexie_plugins.qr_checkin.admission.Gatekeeper` decides with it; a scanner
    bundle offers the same methods for its own file (``bundle_format.BundleBook``).
    """

    def __init__(self, db: Connection):
        self.db = db

    def recorded(self, scan_id: str) -> RecordedScan | None:
        """The scan recorded under ``scan_id``, if any."""
        row = run(self.db, _SCAN_BY_ID, {"scan_id": scan_id}).fetchone()
        return RecordedScan(json.loads(row[0]), *row[1:]) if row else None

    def ticket(self, number: int) -> TicketFacts | None:
        """See :func:`ticket`."""
        return ticket(self.db, number)

    def admit(self, admission: Admission) -> Admission | None:
        """Make ``admission`` its ticket's admission in its period, counted; or, when the
        ticket was admitted in that period already, return that admission."""
        if run(self.db, _ADMIT, _admission_row(admission)).fetchone() is not None:
            _count_admission(self.db, admission, 1)
            return None
        return admission_of(self.db, admission.ticket, admission.admit_key)

    def record(self, scan: Scan) -> bool:
        """Record ``scan``; ``False`` when another transaction recorded its ``scan_id`` first."""
        return add_scan(self.db, scan)


def _admission_row(admission: Admission) -> dict:
    return {
        "ticket": admission.ticket,
        "admit_key": admission.admit_key,
        "scan_id": admission.scan_id,
        "at": admission.at,
        "gate": admission.gate,
        "site": admission.site,
    }


def add_scan(db: Connection, scan: Scan) -> bool:
    """Record ``scan`` and count its result; ``False`` when its ``scan_id`` is taken."""
    if run(db, _ADD_SCAN, attrs.asdict(scan)).fetchone() is None:
        return False
    results = _pending(db)[3]
    results[scan.result] = results.get(scan.result, 0) + 1
    return True


def admission_of(db: Connection, ticket: int, admit_key: str) -> Admission | None:
    """The admission of ``ticket`` in the period ``admit_key``, if any."""
    row = run(db, _ADMISSION, {"ticket": ticket, "admit_key": admit_key}).fetchone()
    return Admission(*row) if row else None


def offer_admission(db: Connection, admission: Admission) -> bool:
    """Make ``admission`` (a merged offline one) its ticket's admission if it is the earliest
    by (moment, ``scan_id``); the counters move with it. ``True`` when it won.

    The ticket's site and audience are read here, so that what is counted for it is what is
    taken back when an earlier admission replaces it. A ticket the store does not have is
    never admitted.
    """
    facts = ticket(db, admission.ticket)
    if facts is None:
        return False
    admission = attrs.evolve(admission, ticket_site=facts.site, audience=facts.audience)
    for _attempt in range(10):
        if db.execute(_ADMIT, _admission_row(admission)).fetchone() is not None:
            _count_admission(db, admission, 1)
            return True
        standing = admission_of(db, admission.ticket, admission.admit_key)
        if standing is None:
            continue  # removed meanwhile: offer again
        if (moment(admission.at), admission.scan_id) >= (
            moment(standing.at),
            standing.scan_id,
        ):
            return False
        replaced = db.execute(
            _REPLACE_ADMISSION, {**_admission_row(admission), "replaced": standing.scan_id}
        )
        if replaced.rowcount == 1:
            _count_admission(db, standing, -1)
            _count_admission(db, admission, 1)
            return True
    raise StoreUnavailable("busy", f"the admission of ticket {admission.ticket} kept changing")


def admitted_tickets(db: Connection) -> set[int]:
    """The numbers of the tickets admitted at least once."""
    return {number for (number,) in db.execute(_ADMITTED)}


# --- head counts --------------------------------------------------------------------------

_HEADCOUNT_COLUMNS = (
    "scan_id, gate, site, audience, delta, at, by, device, direction, source, corrects,"
    " ticket, note, recorded_at"
)
_HEADCOUNT = text(f"SELECT {_HEADCOUNT_COLUMNS} FROM qr_headcounts WHERE scan_id = :scan_id")
_ADD_HEADCOUNT = text(
    f"INSERT INTO qr_headcounts ({_HEADCOUNT_COLUMNS}) VALUES (:scan_id, :gate, :site,"
    " :audience, :delta, :at, :by, :device, :direction, :source, :corrects, :ticket, :note,"
    " :recorded_at) ON CONFLICT (scan_id) DO NOTHING RETURNING id"
)
_ADD_UNDO = text(
    f"INSERT INTO qr_headcounts ({_HEADCOUNT_COLUMNS}) VALUES (:scan_id, :gate, :site,"
    " :audience, :delta, :at, :by, :device, :direction, :source, :corrects, :ticket, :note,"
    " :recorded_at) ON CONFLICT (corrects) WHERE corrects IS NOT NULL DO NOTHING RETURNING id"
)
_UNDONE_BY = text("SELECT by, at FROM qr_headcounts WHERE corrects = :scan_id")
_COUNTED_HERE = text(
    "SELECT COALESCE(SUM(people), 0) FROM qr_totals WHERE site = :site AND gate = :gate"
    " AND audience = :audience AND (direction = :direction OR :direction = '')"
    " AND NOT (source = 'scanned' AND direction = 'in')"
)


def headcount(db: Connection, scan_id: str) -> Headcount | None:
    """The head count recorded under ``scan_id``, if any."""
    row = db.execute(_HEADCOUNT, {"scan_id": scan_id}).mappings().fetchone()
    return Headcount(**row) if row else None


def add_headcount(db: Connection, entry: Headcount) -> bool:
    """Record and count ``entry``; ``False`` when its ``scan_id`` is taken already."""
    if db.execute(_ADD_HEADCOUNT, attrs.asdict(entry)).fetchone() is None:
        return False
    _count_headcount(db, entry, 1)
    return True


def undone_by(db: Connection, scan_id: str) -> tuple[str, str] | None:
    """Who undid the entry ``scan_id`` and when, if it was undone."""
    row = db.execute(_UNDONE_BY, {"scan_id": scan_id}).fetchone()
    return (row[0], row[1]) if row else None


def add_undo(db: Connection, entry: Headcount, *, by: str, at: str, device: str) -> bool:
    """Take ``entry`` back: record a correcting entry of the opposite number and take it out
    of the counters (from its own day and slot, so that the two cancel out everywhere).
    ``False`` when another transaction undid it first."""
    correction = attrs.evolve(
        entry,
        scan_id=None,
        delta=-entry.delta,
        at=at,
        by=by,
        device=device,
        corrects=entry.scan_id,
        ticket=None,
        note=None,
        recorded_at=None,
    )
    if db.execute(_ADD_UNDO, attrs.asdict(correction)).fetchone() is None:
        return False
    _count_headcount(db, entry, -1)
    return True


def counted_here(
    db: Connection, *, gate: str | None, site: str | None, audience: str, direction: str = ""
) -> int:
    """People counted at a gate for an audience (in one ``direction``, or both when ``""``),
    as head counts: what a negative head count may take back."""
    _read_counts(db)
    row = {"site": site or "", "gate": gate or "", "audience": audience, "direction": direction}
    return db.execute(_COUNTED_HERE, row).scalar_one()


# --- merging offline journals -------------------------------------------------------------

_SCAN_MERGED = text(
    "SELECT 1 FROM qr_scans WHERE scan_id = :scan_id AND device = :device"
    " AND result = :result AND (ticket = :ticket OR (ticket IS NULL AND :no_ticket = 1))"
)
_SCAN_FACTS = text("SELECT device, ticket, result FROM qr_scans WHERE scan_id = :scan_id")
_HEADCOUNT_DEVICE = text("SELECT device FROM qr_headcounts WHERE scan_id = :scan_id")
_DEVICE_ADMISSIONS = text(
    "SELECT COUNT(*), COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM qr_admissions a"
    " WHERE a.ticket = s.ticket AND a.admit_key = s.admit_key AND a.scan_id = s.scan_id)"
    " THEN 0 ELSE 1 END), 0) FROM qr_scans s WHERE s.device = :device AND s.result = 'admitted'"
)


def scan_merged(db: Connection, *, scan_id: str, device: str, ticket, result: str) -> bool:
    """Whether a bundle's scan is in the store already, as the bundle has it."""
    row = {
        "scan_id": scan_id,
        "device": device,
        "result": result,
        "ticket": ticket if isinstance(ticket, int) else -1,
        "no_ticket": int(ticket is None),
    }
    return db.execute(_SCAN_MERGED, row).fetchone() is not None


def scan_facts(db: Connection, scan_id: str) -> tuple[str, int | None, str] | None:
    """``(device, ticket, result)`` of the scan recorded under ``scan_id``, if any."""
    row = db.execute(_SCAN_FACTS, {"scan_id": scan_id}).fetchone()
    return tuple(row) if row else None


def headcount_device(db: Connection, scan_id: str) -> str | None:
    """The device that recorded the head count ``scan_id``, if there is one."""
    return db.execute(_HEADCOUNT_DEVICE, {"scan_id": scan_id}).scalar()


def merge_scan(db: Connection, scan: Scan) -> bool:
    """Record a bundle's scan (left as it is when merged before); an admission is offered as
    its ticket's (:func:`offer_admission`). ``True`` when it is new."""
    if not add_scan(db, scan):
        return False
    if scan.result == "admitted" and scan.ticket is not None and scan.admit_key is not None:
        offer_admission(
            db,
            Admission(scan.ticket, scan.admit_key, scan.scan_id, scan.at, scan.gate, scan.site),
        )
    return True


def merge_headcount(db: Connection, entry: Headcount) -> bool:
    """Record and count a bundle's head count; ``False`` when it was merged before."""
    return add_headcount(db, entry)


def device_admissions(db: Connection, device: str) -> tuple[int, int]:
    """``(admitted scans of device, of those beaten by an earlier admission)``."""
    admitted, beaten = db.execute(_DEVICE_ADMISSIONS, {"device": device}).one()
    return admitted, beaten


# --- figures ------------------------------------------------------------------------------

_COUNTS = text(
    "SELECT day, slot, site, gate, audience, source, direction, people FROM qr_counts"
    " WHERE people <> 0"
)
_TOTALS_BY_PLACE = text(
    "SELECT site, gate, audience, source, direction, people FROM qr_totals WHERE people <> 0"
)
_RESULTS = text("SELECT result, scans FROM qr_scan_results")
_INSIDE_ON = text("SELECT site, people FROM qr_inside WHERE day = :day")
_ARRIVALS = text(
    "SELECT slot, SUM(people) FROM qr_counts WHERE day = :day AND direction = 'in'"
    " AND source IN ('counted', 'scanned') AND slot >= :first AND slot <= :last GROUP BY slot"
)
_UNIQUE = text("SELECT COUNT(DISTINCT ticket) FROM qr_admissions")
_LATE = text(
    "SELECT device, COUNT(*) FROM qr_scans WHERE device NOT IN :on_site"
    " GROUP BY device ORDER BY device"
).bindparams(bindparam("on_site", expanding=True))
#: Who recorded something on site: every scan, every count but those typed in later.
_ON_DUTY = (
    "SELECT by, at FROM qr_scans UNION ALL SELECT by, at FROM qr_headcounts"
    " WHERE source NOT IN ('paper', 'estimate')"
)
_CORRECTIONS = text(
    "SELECT c.at, c.by, e.at, e.by, e.gate, e.site, e.audience, e.direction, e.delta,"
    " e.source FROM qr_headcounts c JOIN qr_headcounts e ON e.scan_id = c.corrects"
    " ORDER BY c.at, c.id"
)
_STANDING = (
    "corrects IS NULL AND (scan_id IS NULL OR scan_id NOT IN"
    " (SELECT corrects FROM qr_headcounts WHERE corrects IS NOT NULL))"
)
_ADMISSION_MOVES = text(
    "SELECT a.at, COALESCE(NULLIF(a.site, ''), NULLIF(t.site, ''), '')"
    " FROM qr_admissions a JOIN qr_tickets t ON t.number = a.ticket"
)
_HEADCOUNT_MOVES = text(
    "SELECT at, COALESCE(site, ''), delta, direction FROM qr_headcounts"
    f" WHERE source IN ('counted', 'scanned') AND {_STANDING}"
)


def count_rows(db: Connection) -> list[CountRow]:
    """Every non-empty cell of the counter."""
    _read_counts(db)
    return [CountRow(*row) for row in db.execute(_COUNTS)]


def totals_by_place(db: Connection) -> list[tuple[str, str, str, str, str, int]]:
    """People by ``(site, gate, audience, source, direction)``, all days together (the
    counter's totals: a few rows, however many scans); places whose people cancel out (an undo,
    an admission replaced by an earlier one) are left out."""
    _read_counts(db)
    return [(s, g, a, src, d, int(n)) for s, g, a, src, d, n in db.execute(_TOTALS_BY_PLACE)]


def scan_results(db: Connection) -> dict[str, int]:
    """Scans by result: ``{"admitted": N, "duplicate": N, "rejected": N}`` (those recorded)."""
    _read_counts(db)
    return {result: scans for result, scans in db.execute(_RESULTS)}


def inside_on(db: Connection, day: str) -> dict[str, int]:
    """People inside each site on ``day`` (local date), by site id (``""``: no site)."""
    _read_counts(db)
    return {site: people for site, people in db.execute(_INSIDE_ON, {"day": day})}


def arrivals(db: Connection, day: str, first: str, last: str) -> dict[str, int]:
    """People arriving (admitted or counted in at a gate) per 10-minute slot of ``day``,
    from slot ``first`` to ``last`` (``"HH:MM"``)."""
    _read_counts(db)
    rows = db.execute(_ARRIVALS, {"day": day, "first": first, "last": last})
    return {slot: int(people) for slot, people in rows}


def unique_admitted(db: Connection) -> int:
    """Distinct tickets admitted."""
    return db.execute(_UNIQUE).scalar_one()


def late_scans(db: Connection) -> dict[str, int]:
    """Scans that came from offline devices, by device."""
    return {device: n for device, n in db.execute(_LATE, {"on_site": list(ON_SITE_DEVICES)})}


def on_duty(event: Event, db: Connection) -> tuple[str, ...]:
    """The people who scanned or counted on site on the event's days."""
    return volunteers.on_duty(event, db, _ON_DUTY)


def worked(db: Connection) -> tuple[tuple[str, dt.datetime, dt.datetime], ...]:
    """When each person scanned or counted on site, per minute: the same records as
    :func:`on_duty`, for volunteer hours."""
    return volunteers.worked(db, _ON_DUTY)


def corrections(db: Connection) -> list[tuple]:
    """Every undo: ``(at, by, entry_at, entry_by, gate, site, audience, direction, delta,
    source)``, oldest first."""
    return [tuple(row) for row in db.execute(_CORRECTIONS)]


def admission_moves(db: Connection) -> Iterable[tuple[str, str]]:
    """Every admission as ``(at, site)``."""
    return db.execute(_ADMISSION_MOVES)


def headcount_moves(db: Connection) -> Iterable[tuple[str, str, int, str]]:
    """Every standing head count counted at a gate or scanned at an exit, as ``(at, site,
    delta, direction)``."""
    return db.execute(_HEADCOUNT_MOVES)


def recount(db: Connection) -> dict[tuple, int]:
    """The counter as the records say it should be, counted from scratch: a check.

    Admissions are found again from the scans (the earliest admitted scan of each ticket and
    period by moment, then ``scan_id``), head counts are those that stand. Keys as in
    :func:`counter`; empty cells are left out.
    """
    totals: dict[tuple, int] = {}

    def add(key: tuple, people: int) -> None:
        totals[key] = totals.get(key, 0) + people

    winners: dict[tuple, tuple] = {}
    for ticket, admit_key, scan_id, at, gate, site, ticket_site, audience in db.execute(
        _RECOUNT_ADMISSIONS
    ):
        key = (moment(at), scan_id)
        if (ticket, admit_key) not in winners or key < winners[ticket, admit_key][0]:
            place = (site or ticket_site or "", gate or "", audience or "others")
            winners[ticket, admit_key] = (key, at, place)
    for _key, at, (site, gate, audience) in winners.values():
        add((*day_and_slot(at), site, gate, audience, "scanned", "in"), 1)
    for at, site, gate, audience, source, direction, delta in db.execute(_RECOUNT_HEADCOUNTS):
        add((*day_and_slot(at), site, gate, audience, source, direction), delta)
    return {key: people for key, people in totals.items() if people}


_RECOUNT_ADMISSIONS = text(
    "SELECT s.ticket, s.admit_key, s.scan_id, s.at, s.gate, s.site, t.site, t.audience"
    " FROM qr_scans s JOIN qr_tickets t ON t.number = s.ticket"
    " WHERE s.result = 'admitted' AND s.admit_key IS NOT NULL"
)
_RECOUNT_HEADCOUNTS = text(
    "SELECT at, COALESCE(site, ''), COALESCE(gate, ''), audience, source, direction, delta"
    f" FROM qr_headcounts WHERE {_STANDING}"
)


def counter(db: Connection) -> dict[tuple, int]:
    """The counter as kept: ``{(day, slot, site, gate, audience, source, direction): people}``
    without empty cells (compare with :func:`recount`; its totals, :func:`totals_by_place`,
    are the sums of these cells over days and slots)."""
    _read_counts(db)
    return {
        (r.day, r.slot, r.site, r.gate, r.audience, r.source, r.direction): r.people
        for r in count_rows(db)
    }
