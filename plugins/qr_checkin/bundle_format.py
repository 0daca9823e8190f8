"""The scanner bundle's own file: its tables, and a gate recording scans into it offline.

A bundle (``kexie-bundle-1``) is one SQLite file a laptop takes to a site with no network. It
is a file format of its own, not the event store: its tables are those of the first release
(tickets without names, codes or phones; revocations; a journal of scans and head counts), and
every bundle ever made must still be read, checked in against and merged. So its SQL is
SQLite's, here, apart from the event store's ledger.

Offline, the laptop's answer follows the same rule as the server's: a ticket is a duplicate
when the bundle's journal already admitted it in the same admission period; which admission
counts for the event is decided when the journal is merged (the earliest wins).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator

import attrs

from kexie_plugins.qr_checkin.ledger import Admission, RecordedScan, Scan, TicketFacts

FORMAT = "kexie-bundle-1"

#: The bundle's tables, as the first release made them (and the event store's first ones).
TABLES = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE qr_tickets (
    number INTEGER PRIMARY KEY,
    code TEXT UNIQUE,
    site TEXT,
    audience TEXT,
    name TEXT,
    phone TEXT,
    batch TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    issued_by TEXT NOT NULL
);
CREATE TABLE qr_revocations (
    number INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    by TEXT NOT NULL,
    reason TEXT
);
CREATE TABLE qr_scans (
    id INTEGER PRIMARY KEY,
    scan_id TEXT NOT NULL UNIQUE,
    code TEXT NOT NULL,
    ticket INTEGER,
    result TEXT NOT NULL CHECK (result IN ('admitted', 'duplicate', 'rejected')),
    reason TEXT NOT NULL,
    admit_key TEXT,
    gate TEXT,
    site TEXT,
    at TEXT NOT NULL,
    by TEXT NOT NULL,
    device TEXT NOT NULL,
    received_at TEXT NOT NULL,
    response TEXT NOT NULL
);
CREATE INDEX qr_scans_ticket ON qr_scans (ticket, admit_key, result, at);
CREATE TABLE qr_headcounts (
    id INTEGER PRIMARY KEY,
    scan_id TEXT UNIQUE,
    gate TEXT,
    site TEXT,
    audience TEXT NOT NULL,
    delta INTEGER NOT NULL,
    at TEXT NOT NULL,
    by TEXT NOT NULL,
    device TEXT NOT NULL
);
"""


def create(db: sqlite3.Connection, meta: dict[str, str], tickets, revocations) -> None:
    """Make the bundle's tables in the empty file behind ``db`` and fill them.

    ``tickets`` are ``(number, site, audience, batch, issued_at, issued_by)`` and
    ``revocations`` ``(number, at, by, reason)``.
    """
    db.executescript(TABLES)
    with db:
        db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", meta.items())
        db.executemany(
            "INSERT INTO qr_tickets (number, site, audience, batch, issued_at, issued_by)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            tickets,
        )
        db.executemany(
            "INSERT INTO qr_revocations (number, at, by, reason) VALUES (?, ?, ?, ?)",
            revocations,
        )


@contextlib.contextmanager
def recording(db: sqlite3.Connection) -> Iterator[BundleBook]:
    """One write transaction on the bundle's connection, committed when the block ends.

    A failed statement may already have ended the transaction (SQLite does that on a full
    disk), so the rollback is only issued when one is still open.
    """
    db.execute("BEGIN IMMEDIATE")
    try:
        yield BundleBook(db)
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


@attrs.frozen
class BundleBook:
    """A bundle's journal as a gate records into it (the event store's counterpart is
    :class:`~kexie_plugins.qr_checkin.ledger.ScanBook`)."""

    db: sqlite3.Connection

    def recorded(self, scan_id: str) -> RecordedScan | None:
        """The scan recorded under ``scan_id``, if any."""
        row = self.db.execute(
            "SELECT response, code, gate, site, by FROM qr_scans WHERE scan_id = ?", (scan_id,)
        ).fetchone()
        return RecordedScan(json.loads(row[0]), *row[1:]) if row else None

    def ticket(self, number: int) -> TicketFacts | None:
        """A ticket the bundle carries, with whether it was revoked when the bundle was made."""
        row = self.db.execute(
            "SELECT t.number, t.site, t.audience, r.number IS NOT NULL FROM qr_tickets t"
            " LEFT JOIN qr_revocations r ON r.number = t.number WHERE t.number = ?",
            (number,),
        ).fetchone()
        return TicketFacts(row[0], row[1], row[2], bool(row[3])) if row else None

    def admit(self, admission: Admission) -> Admission | None:
        """``None`` when the journal has not admitted the ticket in this period yet, else
        that earliest admission (the scan itself is written by :meth:`record`)."""
        first = self.db.execute(
            "SELECT scan_id, at, gate, site FROM qr_scans WHERE ticket = ? AND admit_key = ?"
            " AND result = 'admitted' ORDER BY at, scan_id LIMIT 1",
            (admission.ticket, admission.admit_key),
        ).fetchone()
        if first is None:
            return None
        return Admission(admission.ticket, admission.admit_key, *first)

    def record(self, scan: Scan) -> bool:
        """Write ``scan`` into the journal."""
        self.db.execute(
            "INSERT INTO qr_scans (scan_id, code, ticket, result, reason, admit_key, gate, site,"
            " at, by, device, received_at, response) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
            " ?, ?)",
            attrs.astuple(scan),
        )
        return True
