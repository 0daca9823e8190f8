"""The sign-up ledger in event.db: every SQL statement of the registration plugin is here.

A sign-up is one row of ``registration_signups``: confirmed (it holds seats and tickets),
waitlisted (in line for seats) or cancelled (its seats freed, its tickets revoked). Seats are
counted, never stored: a slot's confirmed parties add up to at most its capacity, because the
count and the insert happen in one ``BEGIN IMMEDIATE`` transaction, so two sign-ups never
see the same free seats, whatever arrives at once, from however many threads or programs.

Messages go through an outbox, ``registration_messages``: a message is queued in the same
transaction as the change it tells of (a confirmation with the sign-up, a promotion with the
cancellation that made room), and sent after the commit (see :mod:`.notify`). A message is
thus never sent for a change that was rolled back, nor lost for one that was kept.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import secrets
import sqlite3
from collections.abc import Iterable

import attrs

from kexie_events.errors import UsageError
from kexie_events.i18n import pick
from kexie_events.inputs import Conflict
from kexie_events.model import Event
from kexie_events.records import Migration, PersonalData
from kexie_events.store import EventStore, now
from kexie_plugins.qr_checkin import tickets as ticket_book
from kexie_plugins.qr_checkin.admission import ADMISSIONS
from kexie_plugins.registration.config import RegistrationConfig

OWNER = "registration"
#: Who the tickets of sign-ups are issued by, in ``kexie tickets list`` and the store.
ISSUER = "registration"
STATUSES = ("confirmed", "waitlisted", "cancelled")
KINDS = ("confirmed", "waitlisted", "promoted", "cancelled", "reminder")
#: A message still "sending" this long after it was claimed was lost with its process.
STALE_SENDING = dt.timedelta(minutes=10)

TABLES = """
CREATE TABLE registration_signups (
    id INTEGER PRIMARY KEY,
    secret TEXT NOT NULL UNIQUE,
    slot TEXT NOT NULL,
    site TEXT,
    party INTEGER NOT NULL CHECK (party >= 1),
    status TEXT NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled')),
    name TEXT,
    phone TEXT,
    email TEXT,
    audience TEXT,
    answers TEXT,
    origin TEXT,
    created_at TEXT NOT NULL,
    confirmed_at TEXT,
    waitlisted INTEGER NOT NULL DEFAULT 0,
    cancelled_at TEXT,
    cancelled_by TEXT,
    cancel_reason TEXT
);
CREATE INDEX registration_signups_slot ON registration_signups (slot, status, id);
CREATE INDEX registration_signups_phone ON registration_signups (phone, status);
CREATE TABLE registration_tickets (
    number INTEGER PRIMARY KEY,
    signup INTEGER NOT NULL REFERENCES registration_signups (id)
);
CREATE INDEX registration_tickets_signup ON registration_tickets (signup);
CREATE TABLE registration_messages (
    id INTEGER PRIMARY KEY,
    signup INTEGER NOT NULL REFERENCES registration_signups (id),
    kind TEXT NOT NULL
        CHECK (kind IN ('confirmed', 'waitlisted', 'promoted', 'cancelled', 'reminder')),
    status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    queued_at TEXT NOT NULL,
    claimed_at TEXT,
    sent_at TEXT,
    channels TEXT,
    error TEXT,
    recipient TEXT,
    subject TEXT,
    body TEXT
);
CREATE UNIQUE INDEX registration_one_reminder ON registration_messages (signup)
    WHERE kind = 'reminder';
"""

MIGRATIONS = (Migration(OWNER, 1, TABLES),)

_COLUMNS = (
    "s.id, s.secret, s.slot, s.site, s.party, s.status, s.name, s.phone, s.email, s.audience,"
    " s.answers, s.origin, s.created_at, s.cancelled_at, s.waitlisted,"
    " (SELECT group_concat(t.number) FROM registration_tickets t WHERE t.signup = s.id),"
    " CASE WHEN s.status = 'waitlisted' THEN (SELECT COUNT(*) FROM registration_signups w"
    "  WHERE w.slot = s.slot AND w.status = 'waitlisted' AND w.id <= s.id) END"
)


class Refused(Conflict):
    """A sign-up or cancellation the ledger will not record; answered 409 with ``reason``.

    Attributes:
        reason: ``full``, ``phone_limit`` or ``cancelled``, for programs.
    """

    def __init__(self, reason: str, message: str):
        self.reason = reason
        super().__init__(message)


@attrs.frozen
class Form:
    """A sign-up as the page sends it, already checked against the event."""

    slot: str
    party: int = 1
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    audience: str | None = None
    answers: dict = attrs.field(factory=dict)


@attrs.frozen
class Registration:
    """One sign-up as recorded.

    Attributes:
        id: the sign-up's number (``kexie registrations cancel DIR ID``).
        secret: the key in the person's manage link.
        tickets: the numbers of its QR tickets (confirmed sign-ups; kept when cancelled).
        position: its place on its slot's waiting list, 1 first; ``None`` unless waitlisted.
        origin: the address the person signed up at (``http://host:port``), for their link.
        from_waitlist: whether it waited on the list first (promoted, or still waiting).
    """

    id: int
    secret: str
    slot: str
    site: str | None
    party: int
    status: str
    name: str | None
    phone: str | None
    email: str | None
    audience: str | None
    answers: dict
    origin: str | None
    created_at: dt.datetime
    cancelled_at: dt.datetime | None
    from_waitlist: bool
    tickets: tuple[int, ...]
    position: int | None


@attrs.frozen
class Change:
    """What a sign-up or a cancellation did: the sign-up, and who moved up from the list."""

    registration: Registration
    promoted: tuple[int, ...] = ()


@attrs.frozen
class SlotCounts:
    """A slot's sign-ups by status; ``*_people`` count seats (a party of 3 is 3)."""

    confirmed: int = 0
    confirmed_people: int = 0
    waitlisted: int = 0
    waitlisted_people: int = 0
    cancelled: int = 0


@attrs.frozen
class PendingMessage:
    """A message claimed for sending: its id, the sign-up it is for and what it tells."""

    id: int
    signup: int
    kind: str


@attrs.frozen
class LoggedMessage:
    """One line of the message log (``kexie registrations messages``)."""

    id: int
    signup: int
    kind: str
    status: str
    queued_at: str
    sent_at: str | None
    channels: str | None
    error: str | None
    recipient: str | None
    subject: str | None


def _registration(row: tuple) -> Registration:
    (rid, secret, slot, site, party, status, name, phone, email, audience, answers, origin) = row[
        :12
    ]
    created, cancelled, from_waitlist, numbers, position = row[12:]
    return Registration(
        id=rid,
        secret=secret,
        slot=slot,
        site=site,
        party=party,
        status=status,
        name=name,
        phone=phone,
        email=email,
        audience=audience,
        answers=json.loads(answers) if answers else {},
        origin=origin,
        created_at=dt.datetime.fromisoformat(created),
        cancelled_at=dt.datetime.fromisoformat(cancelled) if cancelled else None,
        from_waitlist=bool(from_waitlist),
        tickets=tuple(sorted(int(n) for n in numbers.split(","))) if numbers else (),
        position=position,
    )


def _load(db: sqlite3.Connection, where: str, params: tuple) -> list[Registration]:
    rows = db.execute(f"SELECT {_COLUMNS} FROM registration_signups s WHERE {where}", params)
    return [_registration(row) for row in rows]


def get(store: EventStore, signup: int) -> Registration | None:
    """The sign-up with this number, or ``None``."""
    found = _load(store.connection, "s.id = ?", (signup,))
    return found[0] if found else None


def find(store: EventStore, secret: str) -> Registration | None:
    """The sign-up whose manage link carries ``secret``, or ``None``."""
    found = _load(store.connection, "s.secret = ?", (secret,))
    return found[0] if found else None


def listing(store: EventStore) -> list[Registration]:
    """Every sign-up, in the order they came."""
    return _load(store.connection, "1 ORDER BY s.id", ())


def _seats_taken(db: sqlite3.Connection, slot: str) -> int:
    return db.execute(
        "SELECT COALESCE(SUM(party), 0) FROM registration_signups"
        " WHERE slot = ? AND status = 'confirmed'",
        (slot,),
    ).fetchone()[0]


def _queue(db: sqlite3.Connection, signup: int, kind: str, at: dt.datetime) -> None:
    db.execute(
        "INSERT INTO registration_messages (signup, kind, status, queued_at)"
        " VALUES (?, ?, 'pending', ?)",
        (signup, kind, at.isoformat()),
    )


def _confirm(
    event: Event,
    store: EventStore,
    db: sqlite3.Connection,
    signup: int,
    party: int,
    site: str | None,
    audience: str | None,
    at: dt.datetime,
) -> None:
    """Give a sign-up its seats: one ticket per person, inside the caller's transaction."""
    numbers = ticket_book.issue(event, store, party, by=ISSUER, site=site, audience=audience)
    db.executemany(
        "INSERT INTO registration_tickets (number, signup) VALUES (?, ?)",
        [(number, signup) for number in numbers],
    )
    db.execute(
        "UPDATE registration_signups SET status = 'confirmed', confirmed_at = ? WHERE id = ?",
        (at.isoformat(), signup),
    )


def _promote(
    event: Event,
    store: EventStore,
    db: sqlite3.Connection,
    config: RegistrationConfig,
    slot_id: str,
    at: dt.datetime,
) -> list[int]:
    """Move waiting parties up, in the order they signed up, while seats are free.

    A party larger than the free seats keeps its place and waits for more; a smaller one
    behind it that fits moves up, so freed seats are not left empty.
    """
    slot = config.slot(slot_id)
    if slot is None:
        return []
    free = slot.capacity - _seats_taken(db, slot_id)
    promoted: list[int] = []
    if free <= 0:
        return promoted
    waiting = db.execute(
        "SELECT id, party, site, audience FROM registration_signups"
        " WHERE slot = ? AND status = 'waitlisted' ORDER BY id",
        (slot_id,),
    ).fetchall()
    for signup, party, site, audience in waiting:
        if party > free:
            continue
        _confirm(event, store, db, signup, party, site, audience, at)
        _queue(db, signup, "promoted", at)
        promoted.append(signup)
        free -= party
        if free == 0:
            break
    return promoted


def sign_up(
    event: Event,
    store: EventStore,
    config: RegistrationConfig,
    form: Form,
    *,
    origin: str | None,
    at: dt.datetime | None = None,
) -> Change:
    """Record a sign-up: confirmed with tickets when its party fits, else on the waiting
    list, else :class:`Refused` (``full``, or ``phone_limit`` when the phone number already
    holds ``per_phone`` sign-ups). One transaction: the seats counted are the seats taken."""
    at = at or now()
    lang = event.lang
    slot = config.slot(form.slot)
    if slot is None:
        raise UsageError(f"no slot {form.slot!r}")
    with store.transaction() as db:
        if form.phone is not None:
            (held,) = db.execute(
                "SELECT COUNT(*) FROM registration_signups"
                " WHERE phone = ? AND status != 'cancelled'",
                (form.phone,),
            ).fetchone()
            if held >= config.per_phone:
                raise Refused(
                    "phone_limit",
                    pick(
                        lang,
                        f"这个手机号已经报过名（每个手机号限报{config.per_phone}次）；"
                        "如需更改，请打开报名成功时收到的链接取消后重新报名",
                        f"this phone number has already signed up ({config.per_phone} allowed);"
                        " to change it, cancel with the link you got and sign up again",
                    ),
                )
        # Seats freed since (a cancellation, a larger capacity) go to those waiting first.
        promoted = _promote(event, store, db, config, slot.id, at)
        free = slot.capacity - _seats_taken(db, slot.id)
        if form.party <= free:
            status = "confirmed"
        elif config.waitlist:
            status = "waitlisted"
        else:
            raise Refused(
                "full",
                pick(
                    lang,
                    f"{slot.label}的名额已满" + (f"（只剩{free}个）" if free > 0 else ""),
                    f"{slot.label} is full"
                    + (
                        f" (only {free} {'place' if free == 1 else 'places'} left)"
                        if free > 0
                        else ""
                    ),
                ),
            )
        cursor = db.execute(
            "INSERT INTO registration_signups (secret, slot, site, party, status, name, phone,"
            " email, audience, answers, origin, created_at, waitlisted)"
            " VALUES (?, ?, ?, ?, 'waitlisted', ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                secrets.token_urlsafe(18),
                slot.id,
                slot.site,
                form.party,
                form.name,
                form.phone,
                form.email,
                form.audience,
                json.dumps(form.answers, ensure_ascii=False) if form.answers else None,
                origin,
                at.isoformat(),
                int(status == "waitlisted"),
            ),
        )
        signup = cursor.lastrowid
        if status == "confirmed":
            _confirm(event, store, db, signup, form.party, slot.site, form.audience, at)
        _queue(db, signup, status, at)
        [registration] = _load(db, "s.id = ?", (signup,))
    return Change(registration, tuple(promoted))


def cancel(
    event: Event,
    store: EventStore,
    config: RegistrationConfig,
    signup: int,
    *,
    by: str,
    reason: str | None = None,
    at: dt.datetime | None = None,
) -> Change:
    """Cancel a sign-up: revoke its tickets, free its seats, and move the waiting list up,
    all in one transaction; the person and everyone promoted get a message."""
    at = at or now()
    with store.transaction() as db:
        row = db.execute(
            "SELECT status, slot FROM registration_signups WHERE id = ?", (signup,)
        ).fetchone()
        if row is None:
            raise UsageError(f"no sign-up number {signup}")
        status, slot = row
        if status == "cancelled":
            raise Refused(
                "cancelled",
                pick(event.lang, "这个报名已经取消了", f"sign-up {signup} is already cancelled"),
            )
        db.execute(
            "UPDATE registration_signups SET status = 'cancelled', cancelled_at = ?,"
            " cancelled_by = ?, cancel_reason = ? WHERE id = ?",
            (at.isoformat(), by, reason, signup),
        )
        numbers = [
            number
            for (number,) in db.execute(
                "SELECT number FROM registration_tickets WHERE signup = ?", (signup,)
            )
        ]
        for number in numbers:
            # Revoked already, by hand: the seat is free all the same.
            with contextlib.suppress(UsageError):
                ticket_book.revoke(store, number, by=by, reason="sign-up cancelled")
        promoted = _promote(event, store, db, config, slot, at)
        _queue(db, signup, "cancelled", at)
        [registration] = _load(db, "s.id = ?", (signup,))
    return Change(registration, tuple(promoted))


def slot_counts(store: EventStore) -> dict[str, SlotCounts]:
    """Sign-ups per slot by status (slots nobody signed up for are absent)."""
    counts: dict[str, dict] = {}
    for slot, status, signups, people in store.connection.execute(
        "SELECT slot, status, COUNT(*), SUM(party) FROM registration_signups GROUP BY slot, status"
    ):
        bucket = counts.setdefault(slot, {})
        bucket[status] = signups
        if status != "cancelled":
            bucket[f"{status}_people"] = people
    return {slot: SlotCounts(**values) for slot, values in counts.items()}


def attendance(store: EventStore) -> dict[int, tuple[int, int]]:
    """Per confirmed sign-up: ``(tickets, tickets admitted)``; the check-in plugin decides
    who was admitted (:data:`~kexie_plugins.qr_checkin.admission.ADMISSIONS`)."""
    db = store.connection
    admitted = {row[0] for row in db.execute(ADMISSIONS)}
    result: dict[int, list[int]] = {}
    for signup, number in db.execute(
        "SELECT s.id, t.number FROM registration_signups s"
        " JOIN registration_tickets t ON t.signup = s.id WHERE s.status = 'confirmed'"
    ):
        counts = result.setdefault(signup, [0, 0])
        counts[0] += 1
        counts[1] += number in admitted
    return {signup: (total, came) for signup, (total, came) in result.items()}


# --- messages ---------------------------------------------------------------------------------


def claim_messages(store: EventStore, at: dt.datetime | None = None) -> list[PendingMessage]:
    """Take the messages waiting to be sent (and those a crashed process left half-sent)."""
    at = at or now()
    stale = (at - STALE_SENDING).isoformat()
    with store.transaction() as db:
        rows = db.execute(
            "SELECT id, signup, kind FROM registration_messages WHERE status = 'pending'"
            " OR (status = 'sending' AND claimed_at < ?) ORDER BY id",
            (stale,),
        ).fetchall()
        db.executemany(
            "UPDATE registration_messages SET status = 'sending', claimed_at = ? WHERE id = ?",
            [(at.isoformat(), row[0]) for row in rows],
        )
    return [PendingMessage(*row) for row in rows]


def record_delivery(
    store: EventStore,
    message: int,
    *,
    channels: Iterable[str],
    errors: Iterable[str],
    recipient: str | None,
    subject: str,
    body: str,
    at: dt.datetime | None = None,
) -> None:
    """Write what became of a message: sent (every channel that ran took it) or failed."""
    errors = list(errors)
    with store.transaction() as db:
        db.execute(
            "UPDATE registration_messages SET status = ?, sent_at = ?, channels = ?, error = ?,"
            " recipient = ?, subject = ?, body = ? WHERE id = ?",
            (
                "failed" if errors else "sent",
                (at or now()).isoformat(),
                ", ".join(channels),
                "; ".join(errors) or None,
                recipient,
                subject,
                body,
                message,
            ),
        )


def queue_reminders(store: EventStore, slots: Iterable[str], at: dt.datetime | None = None) -> int:
    """Queue the reminder of every confirmed sign-up in ``slots`` that has not had one."""
    at = at or now()
    slots = list(slots)
    if not slots:
        return 0
    marks = ", ".join("?" for _ in slots)
    with store.transaction() as db:
        cursor = db.execute(
            "INSERT OR IGNORE INTO registration_messages (signup, kind, status, queued_at)"
            f" SELECT id, 'reminder', 'pending', ? FROM registration_signups"
            f" WHERE status = 'confirmed' AND slot IN ({marks}) ORDER BY id",
            (at.isoformat(), *slots),
        )
        return cursor.rowcount


def message_log(store: EventStore) -> list[LoggedMessage]:
    """Every message, oldest first."""
    rows = store.connection.execute(
        "SELECT id, signup, kind, status, queued_at, sent_at, channels, error, recipient,"
        " subject FROM registration_messages ORDER BY id"
    )
    return [LoggedMessage(*row) for row in rows]


# --- personal data ----------------------------------------------------------------------------

WHAT_SIGNUPS = "sign-ups' names, phones, e-mail addresses and answers"
WHAT_MESSAGES = "messages sent to people who signed up"


def personal_data(store: EventStore, remove: bool) -> list[PersonalData]:
    """Count the sign-ups and messages that name or reach a person; with ``remove``, clear
    those fields and keep every row, so every count stays."""
    with store.transaction() as db:
        (signups,) = db.execute(
            "SELECT COUNT(*) FROM registration_signups WHERE name IS NOT NULL"
            " OR phone IS NOT NULL OR email IS NOT NULL OR answers IS NOT NULL"
        ).fetchone()
        (messages,) = db.execute(
            "SELECT COUNT(*) FROM registration_messages WHERE recipient IS NOT NULL"
            " OR subject IS NOT NULL OR body IS NOT NULL OR error IS NOT NULL"
        ).fetchone()
        if remove:
            db.execute(
                "UPDATE registration_signups SET name = NULL, phone = NULL, email = NULL,"
                " answers = NULL WHERE name IS NOT NULL OR phone IS NOT NULL"
                " OR email IS NOT NULL OR answers IS NOT NULL"
            )
            db.execute(
                "UPDATE registration_messages SET recipient = NULL, subject = NULL,"
                " body = NULL, error = NULL WHERE recipient IS NOT NULL"
                " OR subject IS NOT NULL OR body IS NOT NULL OR error IS NOT NULL"
            )
    found = [(WHAT_SIGNUPS, signups), (WHAT_MESSAGES, messages)]
    return [PersonalData(what, count) for what, count in found if count]
