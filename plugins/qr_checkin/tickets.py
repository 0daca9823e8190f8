"""Issuing, importing, listing and revoking tickets in the event store."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import attrs

from kexie_events.errors import KexieError, UsageError
from kexie_events.fields import suggest
from kexie_events.model import AUDIENCES, Event
from kexie_events.store import EventStore, now
from kexie_plugins.qr_checkin.codes import Signer, Verifier, load_or_create_signer

PUBLIC_KEY = "qr_public_key"


@attrs.frozen
class Ticket:
    """A ticket as ``kexie tickets list`` shows it (the name and phone stay in the store)."""

    number: int
    code: str
    site: str | None
    audience: str | None
    batch: str
    status: str


def signer_for(event: Event, store: EventStore) -> Signer:
    """The event's signer; the public key is also kept in the store for scanners."""
    signer = load_or_create_signer(event.folder)
    public = signer.public_bytes.hex()
    stored = store.meta(PUBLIC_KEY)
    if stored is None:
        store.set_meta(PUBLIC_KEY, public)
    elif stored != public:
        raise KexieError(
            f"{event.folder}/ticket-signing.key does not match the key the tickets were "
            "issued with; restore the original key file"
        )
    return signer


def verifier_for(store: EventStore) -> Verifier | None:
    """A verifier from the public key in the store, or ``None`` before any ticket exists."""
    public = store.meta(PUBLIC_KEY)
    return Verifier(bytes.fromhex(public)) if public else None


def _check_site_audience(event: Event, site: str | None, audience: str | None) -> None:
    sites = [s.id for s in event.sites]
    if site is not None and site not in sites:
        raise UsageError(
            f"no site {site!r}{suggest(site, sites) or '; sites: ' + ', '.join(sites)}"
        )
    if audience is not None and audience not in AUDIENCES:
        raise UsageError(
            f"no audience {audience!r}{suggest(audience, AUDIENCES)}; "
            f"audiences: {', '.join(AUDIENCES)}"
        )


def issue(
    event: Event,
    store: EventStore,
    count: int,
    *,
    by: str,
    site: str | None = None,
    audience: str | None = None,
    people: list[dict] | None = None,
) -> range:
    """Issue ``count`` tickets (or one per person in ``people``) in one transaction."""
    if people is None:
        if count < 1:
            raise UsageError("--count must be at least 1")
        _check_site_audience(event, site, audience)
        people = [{"site": site, "audience": audience} for _ in range(count)]
    signer = signer_for(event, store)
    with store.transaction() as db:
        last = db.execute("SELECT COALESCE(MAX(number), 0) FROM qr_tickets").fetchone()[0]
        numbers = range(last + 1, last + 1 + len(people))
        codes = signer.codes(numbers)
        batch = f"{now().astimezone(event.tz):%Y%m%d-%H%M%S}-{numbers.start}"
        issued_at = now().isoformat()
        db.executemany(
            "INSERT INTO qr_tickets (number, code, site, audience, name, phone, batch,"
            " issued_at, issued_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    n,
                    code,
                    p.get("site"),
                    p.get("audience"),
                    p.get("name"),
                    p.get("phone"),
                    batch,
                    issued_at,
                    by,
                )
                for n, code, p in zip(numbers, codes, people, strict=True)
            ],
        )
    return numbers


def read_registrations(event: Event, path: Path) -> list[dict]:
    """Read a registration CSV (name, phone, audience, site); every bad row is reported."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise UsageError(f"{path}: cannot read: {error.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text; save the CSV as UTF-8") from None
    reader = csv.DictReader(io.StringIO(text))
    expected = ["name", "phone", "audience", "site"]
    header = [h.strip() for h in reader.fieldnames or []]
    unknown = [h for h in header if h not in expected]
    if "name" not in header or unknown:
        hint = "; ".join(f"unknown column {h!r}{suggest(h, expected)}" for h in unknown)
        raise UsageError(
            f"{path}:1: expected columns {', '.join(expected)}" + (f"; {hint}" if hint else "")
        )
    sites = {s.id for s in event.sites}
    people, problems = [], []
    for line, row in enumerate(reader, start=2):
        row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
        name, site, audience = row.get("name"), row.get("site") or None, row.get("audience") or None
        if not name:
            problems.append(f"{path}:{line}: name is empty")
        if site and site not in sites:
            problems.append(f"{path}:{line}: no site {site!r}{suggest(site, sorted(sites))}")
        if audience and audience not in AUDIENCES:
            problems.append(
                f"{path}:{line}: audience {audience!r} is not one of {', '.join(AUDIENCES)}"
                f"{suggest(audience, AUDIENCES)}"
            )
        people.append(
            {"name": name, "phone": row.get("phone") or None, "site": site, "audience": audience}
        )
    if problems:
        raise UsageError("\n".join(problems) + "\nnothing was imported")
    if not people:
        raise UsageError(f"{path}: no registrations in the file")
    return people


def listing(store: EventStore) -> list[Ticket]:
    """Every ticket with its status (valid, revoked, admitted)."""
    rows = store.connection.execute(
        "SELECT t.number, t.code, t.site, t.audience, t.batch,"
        " r.number IS NOT NULL,"
        " EXISTS (SELECT 1 FROM qr_scans s WHERE s.ticket = t.number AND s.result = 'admitted')"
        " FROM qr_tickets t LEFT JOIN qr_revocations r ON r.number = t.number ORDER BY t.number"
    )
    return [
        Ticket(
            n,
            code,
            site,
            audience,
            batch,
            "revoked" if revoked else "admitted" if admitted else "valid",
        )
        for n, code, site, audience, batch, revoked, admitted in rows
    ]


def revoke(store: EventStore, number: int, *, by: str, reason: str | None = None) -> None:
    """Revoke a ticket; every gate and every later bundle rejects it."""
    with store.transaction() as db:
        if not db.execute("SELECT 1 FROM qr_tickets WHERE number = ?", (number,)).fetchone():
            raise UsageError(f"no ticket number {number}")
        if db.execute("SELECT 1 FROM qr_revocations WHERE number = ?", (number,)).fetchone():
            raise UsageError(f"ticket {number} is already revoked")
        db.execute(
            "INSERT INTO qr_revocations VALUES (?, ?, ?, ?)",
            (number, now().isoformat(), by, reason),
        )
