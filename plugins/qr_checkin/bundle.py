"""Offline scanning: a scanner bundle for a laptop with no network, and merging its journal.

A bundle is one SQLite file with the event's public key, the ticket numbers with their site
and audience, the revocations, and an empty journal: no private key, no names, no phone numbers.
``kexie checkin`` records into the bundle's own journal; ``kexie journal merge`` copies the
journals into the event store. Scans are identified by ``scan_id``, so merging twice adds
nothing, and who counts as admitted is derived (earliest admission wins), so the order of
merges does not matter.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from zoneinfo import ZoneInfo

import attrs

from kexie_events.errors import KexieError, UsageError
from kexie_events.model import Event
from kexie_events.store import EventStore, now
from kexie_plugins.qr_checkin.admission import Gatekeeper
from kexie_plugins.qr_checkin.codes import Verifier
from kexie_plugins.qr_checkin.config import read_config
from kexie_plugins.qr_checkin.tables import SCANS, TICKETS
from kexie_plugins.qr_checkin.tickets import PUBLIC_KEY


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    return db


def write(event: Event, store: EventStore, out: Path, *, device: str) -> int:
    """Write a bundle for ``device`` to ``out``; return how many tickets it holds."""
    if out.exists():
        raise UsageError(f"{out} already exists; choose a new file for each device")
    public = store.meta(PUBLIC_KEY)
    if public is None:
        raise KexieError("no tickets issued yet: kexie tickets issue DIR --count N")
    partial = out.with_name(out.name + ".partial")
    db = _connect(partial)
    try:
        db.executescript("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);")
        db.executescript(TICKETS + SCANS)
        meta = {
            "format": "kexie-bundle-1",
            "event_id": store.event_id,
            "event_title": event.title,
            PUBLIC_KEY: public,
            "admission": read_config(event)[0].admission,
            "timezone": event.timezone,
            "lang": event.lang,
            "device": device,
            "created_at": now().isoformat(),
            "sites": json.dumps({s.id: list(s.gates) for s in event.sites}, ensure_ascii=False),
        }
        with db:
            db.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
            tickets = store.connection.execute(
                "SELECT number, site, audience, batch, issued_at, issued_by FROM qr_tickets"
            ).fetchall()
            db.executemany(
                "INSERT INTO qr_tickets (number, site, audience, batch, issued_at, issued_by)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                tickets,
            )
            db.executemany(
                "INSERT INTO qr_revocations VALUES (?, ?, ?, ?)",
                store.connection.execute("SELECT * FROM qr_revocations").fetchall(),
            )
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()
    for suffix in ("-wal", "-shm"):
        Path(str(partial) + suffix).unlink(missing_ok=True)
    partial.rename(out)
    return len(tickets)


@attrs.frozen
class Bundle:
    """An opened bundle: its connection, its gatekeeper, and the event's sites and gates."""

    db: sqlite3.Connection
    keeper: Gatekeeper
    meta: dict
    sites: dict[str, list[str]]

    @classmethod
    def open(cls, path: Path) -> Bundle:
        """Open a bundle file written by :func:`write`."""
        try:
            db = _connect(path)
            meta = dict(db.execute("SELECT key, value FROM meta"))
        except sqlite3.DatabaseError:
            raise UsageError(f"{path}: not a scanner bundle") from None
        if meta.get("format") != "kexie-bundle-1":
            raise UsageError(f"{path}: not a scanner bundle")
        keeper = Gatekeeper(
            Verifier(bytes.fromhex(meta[PUBLIC_KEY])),
            ZoneInfo(meta["timezone"]),
            meta["lang"],
            meta["admission"],
            device=meta["device"],
        )
        return cls(db, keeper, meta, json.loads(meta["sites"]))


@attrs.frozen
class MergeResult:
    """What one bundle's journal brought into the event store."""

    device: str
    new_scans: int
    already_merged: int
    admitted_on_device: int
    counted_as_duplicates: int
    new_headcounts: int


def merge(store: EventStore, path: Path) -> MergeResult:
    """Copy a bundle's journal into the event store (idempotent, order-independent)."""
    bundle = Bundle.open(path)
    try:
        if bundle.meta["event_id"] != store.event_id:
            raise UsageError(f"{path} belongs to another event ({bundle.meta['event_title']})")
        device = bundle.meta["device"]
        scans = bundle.db.execute(
            "SELECT scan_id, code, ticket, result, reason, admit_key, gate, site, at, by, device,"
            " response FROM qr_scans ORDER BY id"
        ).fetchall()
        headcounts = bundle.db.execute(
            "SELECT id, scan_id, gate, site, audience, delta, at, by, device FROM qr_headcounts"
        ).fetchall()
    finally:
        bundle.db.close()
    received = now().isoformat()
    with store.transaction() as db:
        before = db.execute("SELECT COUNT(*) FROM qr_scans").fetchone()[0]
        db.executemany(
            "INSERT OR IGNORE INTO qr_scans (scan_id, code, ticket, result, reason, admit_key,"
            " gate, site, at, by, device, received_at, response)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(*row[:11], received, row[11]) for row in scans],
        )
        new_scans = db.execute("SELECT COUNT(*) FROM qr_scans").fetchone()[0] - before
        before = db.execute("SELECT COUNT(*) FROM qr_headcounts").fetchone()[0]
        db.executemany(
            "INSERT OR IGNORE INTO qr_headcounts (scan_id, gate, site, audience, delta, at, by,"
            " device) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(scan_id or f"{device}:{id_}", *rest) for id_, scan_id, *rest in headcounts],
        )
        new_headcounts = db.execute("SELECT COUNT(*) FROM qr_headcounts").fetchone()[0] - before
        admitted, beaten = db.execute(
            "SELECT COUNT(*), SUM(EXISTS (SELECT 1 FROM qr_scans o WHERE o.ticket = s.ticket"
            " AND o.admit_key = s.admit_key AND o.result = 'admitted'"
            " AND (o.at < s.at OR (o.at = s.at AND o.scan_id < s.scan_id))))"
            " FROM qr_scans s WHERE s.device = ? AND s.result = 'admitted'",
            (device,),
        ).fetchone()
    return MergeResult(
        device, new_scans, len(scans) - new_scans, admitted, beaten or 0, new_headcounts
    )
