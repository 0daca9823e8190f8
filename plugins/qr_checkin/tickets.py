"""Issuing, importing, listing and revoking tickets in the event store."""

from __future__ import annotations

from pathlib import Path

import attrs
from sqlalchemy.engine import Connection

from kexie_events.errors import KexieError, UsageError
from kexie_events.fields import suggest
from kexie_events.i18n import pick
from kexie_events.model import AUDIENCES, Event
from kexie_events.store import EventStore, now
from kexie_events.table_import import (
    Column,
    ImportProblem,
    ImportRefused,
    header_key,
    read_table,
)
from kexie_plugins.qr_checkin import ledger
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
) -> range:
    """Issue ``count`` anonymous tickets in one transaction."""
    if count < 1:
        raise UsageError("--count must be at least 1")
    _check_site_audience(event, site, audience)
    people = [{"site": site, "audience": audience} for _ in range(count)]
    signer = signer_for(event, store)
    with store.transaction() as db:
        return _insert(event, db, signer, people, by=by)


def _insert(event: Event, db: Connection, signer: Signer, people: list[dict], *, by: str) -> range:
    """Sign and insert one ticket per person, inside the caller's transaction."""
    last = ledger.last_ticket_number(db)
    numbers = range(last + 1, last + 1 + len(people))
    codes = signer.codes(numbers)
    batch = f"{now().astimezone(event.tz):%Y%m%d-%H%M%S}-{numbers.start}"
    issued_at = now().isoformat()
    ledger.add_tickets(
        db,
        [
            {
                "number": n,
                "code": code,
                "site": p.get("site"),
                "audience": p.get("audience"),
                "name": p.get("name"),
                "phone": p.get("phone"),
                "batch": batch,
                "issued_at": issued_at,
                "issued_by": by,
            }
            for n, code, p in zip(numbers, codes, people, strict=True)
        ],
    )
    return numbers


REGISTRATION_COLUMNS = (
    Column("name", ("姓名",)),
    Column("phone", ("手机", "手机号", "手机号码", "电话", "联系电话")),
    Column("audience", ("人群", "人群类别")),
    Column("site", ("场地",)),
)
AUDIENCE_NAMES = {
    "未成年人": "minors",
    "农民": "farmers",
    "城镇劳动者": "urban_workers",
    "城镇劳动人口": "urban_workers",
    "领导干部和公务员": "cadres",
    "干部和公务员": "cadres",
    "其他": "others",
}
"""Audience groups as offices write them (the outline's Chinese names), by their ids."""


@attrs.frozen
class Registrations:
    """The people of a registration file, checked, with what to tell the user.

    Attributes:
        warnings: extra columns, total rows.
        notes: how the file was read (its encoding, the sheet).
    """

    path: Path
    people: tuple[dict, ...]
    lines: tuple[int, ...]
    warnings: tuple[str, ...]
    notes: tuple[str, ...] = ()


def read_registrations(
    event: Event, path: Path, *, sheet: str | None = None, lang: str = "en"
) -> Registrations:
    """Read a registration CSV or workbook (name, phone, audience, site, or 姓名, 手机, 人群,
    场地); ``ImportRefused`` lists every problem with its line, in ``lang`` (see
    :mod:`kexie_events.table_import`).

    An audience may be written by its id or its Chinese name (``未成年人``), a site by its id or
    its name.
    """
    table = read_table(
        path, columns=REGISTRATION_COLUMNS, required=("name",), sheet=sheet, lang=lang
    )
    problems = list(table.problems)
    # Sites by id or name, audiences by id or Chinese name, compared as header names are.
    sites = {header_key(s.name): s.id for s in event.sites}
    sites |= {header_key(s.id): s.id for s in event.sites}
    audiences = {header_key(a): a for a in AUDIENCES}
    audiences |= {header_key(n): a for n, a in AUDIENCE_NAMES.items()}
    people, lines, seen = [], [], {}
    for row in table.rows:
        name, phone = row.values["name"], row.values["phone"] or None
        site, audience = row.values["site"] or None, row.values["audience"] or None
        if not name:
            problems.append(table.at(row.line, pick(lang, "姓名是空的", "name is empty"), "name"))
        if site and header_key(site) not in sites:
            names = [*(s.id for s in event.sites), *(s.name for s in event.sites)]
            no_site = pick(
                lang,
                f"没有场地“{site}”；场地有：{'、'.join(s.name for s in event.sites)}",
                f"no site {site!r}{suggest(site, names)}",
            )
            problems.append(table.at(row.line, no_site, "site"))
        elif site:
            site = sites[header_key(site)]
        if audience and header_key(audience) not in audiences:
            unknown = pick(
                lang,
                f"人群“{audience}”不是以下之一：{'、'.join(AUDIENCE_NAMES)}",
                f"audience {audience!r} is not one of {', '.join(AUDIENCES)} "
                f"({'/'.join(AUDIENCE_NAMES)})"
                f"{suggest(audience, [*AUDIENCES, *AUDIENCE_NAMES])}",
            )
            problems.append(table.at(row.line, unknown, "audience"))
        elif audience:
            audience = audiences[header_key(audience)]
        person = {"name": name, "phone": phone, "site": site, "audience": audience}
        if _identity(person) in seen:  # the same person, written once by id, once by name
            first = seen[_identity(person)]
            twice = pick(
                lang,
                f"“{name}”重复出现（首次出现在{table.row_text(first)}）",
                f"{name!r} is listed twice (first on {table.row_word} {first})",
            )
            problems.append(table.at(row.line, twice, "name"))
        seen.setdefault(_identity(person), row.line)
        people.append(person)
        lines.append(row.line)
    if problems:
        raise ImportRefused(problems)
    if not people:
        empty = pick(lang, "文件中没有报名记录", "no registrations in the file")
        raise ImportRefused([ImportProblem(path, None, empty)])
    return Registrations(path, tuple(people), tuple(lines), table.warnings, table.notes)


def import_registrations(
    event: Event, store: EventStore, registrations: Registrations, *, by: str, lang: str = "en"
) -> range:
    """Issue one ticket per registration, in one transaction; none at all when any of them
    was imported before (the same name, phone, audience and site as an existing ticket)."""
    signer = signer_for(event, store)
    with store.transaction() as db:
        existing = ledger.registered_people(db)
        problems = [
            ImportProblem(
                registrations.path,
                line,
                pick(
                    lang,
                    f"“{person['name']}”已经导入过（票号{existing[_identity(person)]:06d}）",
                    f"{person['name']!r} was imported before "
                    f"(ticket {existing[_identity(person)]:06d})",
                ),
            )
            for line, person in zip(registrations.lines, registrations.people, strict=True)
            if _identity(person) in existing
        ]
        if problems:
            raise ImportRefused(problems)
        return _insert(event, db, signer, list(registrations.people), by=by)


def _identity(person: dict) -> tuple[str, ...]:
    """What makes two registrations the same: every column (empty and missing are equal)."""
    return tuple(person[column.key] or "" for column in REGISTRATION_COLUMNS)


def listing(store: EventStore) -> list[Ticket]:
    """Every ticket with its status (valid, revoked, admitted)."""
    with store.reading() as db:
        rows = ledger.ticket_list(db)
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
        if ledger.ticket(db, number) is None:
            raise UsageError(f"no ticket number {number}")
        if not ledger.revoke(db, number, at=now().isoformat(), by=by, reason=reason):
            raise UsageError(f"ticket {number} is already revoked")


def admitted(store: EventStore) -> set[int]:
    """The numbers of the tickets admitted at least once (the registration plugin tells each
    sign-up how many of its people came)."""
    with store.reading() as db:
        return ledger.admitted_tickets(db)
