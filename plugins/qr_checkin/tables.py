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

MIGRATIONS = (Migration(OWNER, 1, TICKETS + SCANS),)
