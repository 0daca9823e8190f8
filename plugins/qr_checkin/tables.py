"""The check-in tables, shared by the event store and the offline scanner bundle.

Scans are append-only: what a gate answered is never rewritten. Who counts as admitted is
derived: the earliest ``admitted`` scan of a ticket (per admission period) wins, so journals
merged from offline devices in any order give the same counts.
"""

from __future__ import annotations

from kexie_events.records import Migration

OWNER = "qr-checkin"

TICKETS = """
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
"""

SCANS = """
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

# Head counts of every kind (docs/checkin.md, "Counts of every kind"): people going out
# (``direction``), how a number was obtained (``source``: counted at a gate, a ticket scanned
# at an exit, a paper sign-in sheet or an estimate typed in later), the entry an undo takes back
# (``corrects``: nothing is deleted), the ticket scanned at an exit, a note, and when an entry
# made after the fact was typed (``recorded_at``; ``at`` is when it happened). Bundles keep the
# version-1 columns; what they merge is an entry counted at a gate.
COUNTS = """
ALTER TABLE qr_headcounts ADD COLUMN direction TEXT NOT NULL DEFAULT 'in'
    CHECK (direction IN ('in', 'out'));
ALTER TABLE qr_headcounts ADD COLUMN source TEXT NOT NULL DEFAULT 'counted'
    CHECK (source IN ('counted', 'scanned', 'paper', 'estimate'));
ALTER TABLE qr_headcounts ADD COLUMN corrects TEXT;
ALTER TABLE qr_headcounts ADD COLUMN ticket INTEGER;
ALTER TABLE qr_headcounts ADD COLUMN note TEXT;
ALTER TABLE qr_headcounts ADD COLUMN recorded_at TEXT;
CREATE UNIQUE INDEX qr_headcounts_corrects ON qr_headcounts (corrects) WHERE corrects IS NOT NULL;
CREATE INDEX qr_headcounts_at ON qr_headcounts (at);
"""

MIGRATIONS = (Migration(OWNER, 1, TICKETS + SCANS), Migration(OWNER, 2, COUNTS))
