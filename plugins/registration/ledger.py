"""The sign-up ledger in the event store: every SQL statement of the registration plugin.

A sign-up is one row of ``registration_signups``: confirmed (it holds seats and tickets),
waitlisted (in line for seats) or cancelled (its seats freed, its tickets revoked). Seats are
counted, never stored: a slot's confirmed parties add up to at most its capacity, because the
count and the insert happen in one transaction that first takes the sign-ups' turn (an update
of their row in ``registration_turns``). Whatever arrives at once, from however many threads,
programs or servers sharing a PostgreSQL store, the next sign-up or cancellation waits for the
turn until the one holding it is committed, so two never see the same free seats.

Messages go through an outbox, ``registration_messages``: a message is queued in the same
transaction as the change it tells of (a confirmation with the sign-up, a promotion with the
cancellation that made room), and sent after the commit (see :mod:`.notify`). A message is
thus never sent for a change that was rolled back, nor lost for one that was kept; claiming
it for sending is one update, so two servers never send the same message.

The public pages' per-address limit counts requests per client and minute in
``registration_rate_hits``, and the challenge tokens already used are kept in
``registration_challenges``, so that the limits and the one use of a token hold across
every server of the event.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path

import attrs
from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from kexie_events.errors import UsageError
from kexie_events.i18n import pick
from kexie_events.inputs import Conflict
from kexie_events.model import Event
from kexie_events.records import MigrationScripts, PersonalData
from kexie_events.store import EventStore, now
from kexie_plugins.qr_checkin import tickets as ticket_book
from kexie_plugins.registration.config import RegistrationConfig

#: The owner of the tables (the plugin's name), as old stores recorded it.
OWNER = "registration"
MIGRATIONS = Path(__file__).parent / "migrations"
#: Who the tickets of sign-ups are issued by, in ``kexie tickets list`` and the store.
ISSUER = "registration"
STATUSES = ("confirmed", "waitlisted", "cancelled")
KINDS = ("confirmed", "waitlisted", "promoted", "cancelled", "reminder")
#: A message still "sending" this long after it was claimed was lost with its process.
STALE_SENDING = dt.timedelta(minutes=10)

_SIGNUP_COLUMNS = (
    "s.id, s.secret, s.slot, s.site, s.party, s.status, s.name, s.phone, s.email, s.audience,"
    " s.answers, s.origin, s.created_at, s.cancelled_at, s.waitlisted,"
    " CASE WHEN s.status = 'waitlisted' THEN (SELECT COUNT(*) FROM registration_signups w"
    "  WHERE w.slot = s.slot AND w.status = 'waitlisted' AND w.id <= s.id) END"
)
_SIGNUP = text(f"SELECT {_SIGNUP_COLUMNS} FROM registration_signups s WHERE s.id = :id")
_SIGNUP_OF_SECRET = text(
    f"SELECT {_SIGNUP_COLUMNS} FROM registration_signups s WHERE s.secret = :secret"
)
_SIGNUPS = text(f"SELECT {_SIGNUP_COLUMNS} FROM registration_signups s ORDER BY s.id")
_TICKETS_OF = text(
    "SELECT signup, number FROM registration_tickets WHERE signup = :signup ORDER BY number"
)
_TICKETS = text("SELECT signup, number FROM registration_tickets ORDER BY number")

_TAKE_TURN = text(
    "INSERT INTO registration_turns (name, turns) VALUES ('signups', 1)"
    " ON CONFLICT (name) DO UPDATE SET turns = registration_turns.turns + 1"
)
_SEATS_TAKEN = text(
    "SELECT COALESCE(SUM(party), 0) FROM registration_signups"
    " WHERE slot = :slot AND status = 'confirmed'"
)
_HELD_BY_PHONE = text(
    "SELECT COUNT(*) FROM registration_signups WHERE phone = :phone AND status <> 'cancelled'"
)
_WAITING = text(
    "SELECT id, party, site, audience FROM registration_signups"
    " WHERE slot = :slot AND status = 'waitlisted' ORDER BY id"
)
_ADD_SIGNUP = text(
    "INSERT INTO registration_signups (secret, slot, site, party, status, name, phone, email,"
    " audience, answers, origin, created_at, waitlisted)"
    " VALUES (:secret, :slot, :site, :party, 'waitlisted', :name, :phone, :email, :audience,"
    " :answers, :origin, :created_at, :waitlisted) RETURNING id"
)
_ADD_TICKET = text("INSERT INTO registration_tickets (number, signup) VALUES (:number, :signup)")
_CONFIRM = text(
    "UPDATE registration_signups SET status = 'confirmed', confirmed_at = :at WHERE id = :id"
)
_STATUS_AND_SLOT = text("SELECT status, slot FROM registration_signups WHERE id = :id")
_CANCEL = text(
    "UPDATE registration_signups SET status = 'cancelled', cancelled_at = :at,"
    " cancelled_by = :by, cancel_reason = :reason WHERE id = :id"
)
_TICKET_NUMBERS_OF = text(
    "SELECT number FROM registration_tickets WHERE signup = :signup ORDER BY number"
)
_SLOT_COUNTS = text(
    "SELECT slot, status, COUNT(*), SUM(party) FROM registration_signups GROUP BY slot, status"
)
_CONFIRMED_TICKETS = text(
    "SELECT s.id, t.number FROM registration_signups s"
    " JOIN registration_tickets t ON t.signup = s.id WHERE s.status = 'confirmed'"
)

_QUEUE = text(
    "INSERT INTO registration_messages (signup, kind, status, queued_at)"
    " VALUES (:signup, :kind, 'pending', :at)"
)
_CLAIM = text(
    "UPDATE registration_messages SET status = 'sending', claimed_at = :at"
    " WHERE status = 'pending' OR (status = 'sending' AND claimed_at < :stale)"
    " RETURNING id, signup, kind"
)
_DELIVERED = text(
    "UPDATE registration_messages SET status = :status, sent_at = :sent_at,"
    " channels = :channels, error = :error, recipient = :recipient, subject = :subject,"
    " body = :body WHERE id = :id"
)
_QUEUE_REMINDERS = text(
    "INSERT INTO registration_messages (signup, kind, status, queued_at)"
    " SELECT id, 'reminder', 'pending', :at FROM registration_signups"
    " WHERE status = 'confirmed' AND slot IN :slots ORDER BY id"
    " ON CONFLICT DO NOTHING"
).bindparams(bindparam("slots", expanding=True))
_MESSAGE_LOG = text(
    "SELECT id, signup, kind, status, queued_at, sent_at, channels, error, recipient, subject"
    " FROM registration_messages ORDER BY id"
)

_PERSONAL_SIGNUPS = (
    "name IS NOT NULL OR phone IS NOT NULL OR email IS NOT NULL OR answers IS NOT NULL"
)
_PERSONAL_MESSAGES = (
    "recipient IS NOT NULL OR subject IS NOT NULL OR body IS NOT NULL OR error IS NOT NULL"
)
_COUNT_PERSONAL_SIGNUPS = text(
    f"SELECT COUNT(*) FROM registration_signups WHERE {_PERSONAL_SIGNUPS}"
)
_COUNT_PERSONAL_MESSAGES = text(
    f"SELECT COUNT(*) FROM registration_messages WHERE {_PERSONAL_MESSAGES}"
)
_CLEAR_SIGNUPS = text(
    "UPDATE registration_signups SET name = NULL, phone = NULL, email = NULL, answers = NULL"
    f" WHERE {_PERSONAL_SIGNUPS}"
)
_CLEAR_MESSAGES = text(
    "UPDATE registration_messages SET recipient = NULL, subject = NULL, body = NULL,"
    f" error = NULL WHERE {_PERSONAL_MESSAGES}"
)

_COUNT_HIT = text(
    "INSERT INTO registration_rate_hits (kind, client, minute, hits)"
    " VALUES (:kind, :client, :minute, 1)"
    " ON CONFLICT (kind, client, minute) DO UPDATE SET hits = registration_rate_hits.hits + 1"
    " RETURNING hits"
)
_HITS = text(
    "SELECT hits FROM registration_rate_hits"
    " WHERE kind = :kind AND client = :client AND minute = :minute"
)
_UNCOUNT_HIT = text(
    "UPDATE registration_rate_hits SET hits = hits - 1"
    " WHERE kind = :kind AND client = :client AND minute = :minute"
)
_FORGET_HITS = text("DELETE FROM registration_rate_hits WHERE minute < :minute")
_COUNT_ADDRESSES = text("SELECT COUNT(DISTINCT client) FROM registration_rate_hits")
_FORGET_ADDRESSES = text("DELETE FROM registration_rate_hits")
_SPEND_CHALLENGE = text(
    "INSERT INTO registration_challenges (nonce, expires) VALUES (:nonce, :expires)"
    " ON CONFLICT (nonce) DO NOTHING"
)
_FORGET_CHALLENGES = text("DELETE FROM registration_challenges WHERE expires < :now")


def migrations() -> list[MigrationScripts]:
    """The plugin's Alembic revisions (``registration_0001`` ...)."""
    return [MigrationScripts(OWNER, MIGRATIONS)]


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


def _registration(row, numbers: Iterable[int]) -> Registration:
    (rid, secret, slot, site, party, status, name, phone, email, audience, answers, origin) = row[
        :12
    ]
    created, cancelled, from_waitlist, position = row[12:]
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
        tickets=tuple(sorted(numbers)),
        position=position,
    )


def _one(db: Connection, query, params: dict) -> Registration | None:
    row = db.execute(query, params).fetchone()
    if row is None:
        return None
    numbers = [number for _signup, number in db.execute(_TICKETS_OF, {"signup": row[0]})]
    return _registration(row, numbers)


def get(store: EventStore, signup: int) -> Registration | None:
    """The sign-up with this number, or ``None``."""
    with store.reading() as db:
        return _one(db, _SIGNUP, {"id": signup})


def find(store: EventStore, secret: str) -> Registration | None:
    """The sign-up whose manage link carries ``secret``, or ``None``."""
    with store.reading() as db:
        return _one(db, _SIGNUP_OF_SECRET, {"secret": secret})


def listing(store: EventStore) -> list[Registration]:
    """Every sign-up, in the order they came."""
    with store.reading() as db:
        rows = db.execute(_SIGNUPS).all()
        numbers: dict[int, list[int]] = {}
        for signup, number in db.execute(_TICKETS):
            numbers.setdefault(signup, []).append(number)
    return [_registration(row, numbers.get(row[0], ())) for row in rows]


def _seats_taken(db: Connection, slot: str) -> int:
    return db.execute(_SEATS_TAKEN, {"slot": slot}).scalar_one()


def _queue(db: Connection, signup: int, kind: str, at: dt.datetime) -> None:
    db.execute(_QUEUE, {"signup": signup, "kind": kind, "at": at.isoformat()})


def _confirm(
    event: Event,
    store: EventStore,
    db: Connection,
    signup: int,
    party: int,
    site: str | None,
    audience: str | None,
    at: dt.datetime,
) -> None:
    """Give a sign-up its seats: one ticket per person, inside the caller's transaction."""
    numbers = ticket_book.issue(event, store, party, by=ISSUER, site=site, audience=audience)
    db.execute(_ADD_TICKET, [{"number": number, "signup": signup} for number in numbers])
    db.execute(_CONFIRM, {"at": at.isoformat(), "id": signup})


def _promote(
    event: Event,
    store: EventStore,
    db: Connection,
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
    for signup, party, site, audience in db.execute(_WAITING, {"slot": slot_id}).all():
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
    holds ``per_phone`` sign-ups). One transaction, holding the sign-ups' turn: the seats
    counted are the seats taken."""
    at = at or now()
    lang = event.lang
    slot = config.slot(form.slot)
    if slot is None:
        raise UsageError(f"no slot {form.slot!r}")
    with store.transaction() as db:
        db.execute(_TAKE_TURN)
        if form.phone is not None:
            held = db.execute(_HELD_BY_PHONE, {"phone": form.phone}).scalar_one()
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
        signup = db.execute(
            _ADD_SIGNUP,
            {
                "secret": secrets.token_urlsafe(18),
                "slot": slot.id,
                "site": slot.site,
                "party": form.party,
                "name": form.name,
                "phone": form.phone,
                "email": form.email,
                "audience": form.audience,
                "answers": json.dumps(form.answers, ensure_ascii=False) if form.answers else None,
                "origin": origin,
                "created_at": at.isoformat(),
                "waitlisted": int(status == "waitlisted"),
            },
        ).scalar_one()
        if status == "confirmed":
            _confirm(event, store, db, signup, form.party, slot.site, form.audience, at)
        _queue(db, signup, status, at)
        registration = _one(db, _SIGNUP, {"id": signup})
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
    all in one transaction holding the sign-ups' turn; the person and everyone promoted get
    a message."""
    at = at or now()
    with store.transaction() as db:
        db.execute(_TAKE_TURN)
        row = db.execute(_STATUS_AND_SLOT, {"id": signup}).fetchone()
        if row is None:
            raise UsageError(f"no sign-up number {signup}")
        status, slot = row
        if status == "cancelled":
            raise Refused(
                "cancelled",
                pick(event.lang, "这个报名已经取消了", f"sign-up {signup} is already cancelled"),
            )
        db.execute(_CANCEL, {"at": at.isoformat(), "by": by, "reason": reason, "id": signup})
        for number in db.execute(_TICKET_NUMBERS_OF, {"signup": signup}).scalars().all():
            # Revoked already, by hand: the seat is free all the same.
            with contextlib.suppress(UsageError):
                ticket_book.revoke(store, number, by=by, reason="sign-up cancelled")
        promoted = _promote(event, store, db, config, slot, at)
        _queue(db, signup, "cancelled", at)
        registration = _one(db, _SIGNUP, {"id": signup})
    return Change(registration, tuple(promoted))


def slot_counts(store: EventStore) -> dict[str, SlotCounts]:
    """Sign-ups per slot by status (slots nobody signed up for are absent)."""
    counts: dict[str, dict] = {}
    with store.reading() as db:
        rows = db.execute(_SLOT_COUNTS).all()
    for slot, status, signups, people in rows:
        bucket = counts.setdefault(slot, {})
        bucket[status] = signups
        if status != "cancelled":
            bucket[f"{status}_people"] = people
    return {slot: SlotCounts(**values) for slot, values in counts.items()}


def attendance(store: EventStore) -> dict[int, tuple[int, int]]:
    """Per confirmed sign-up: ``(tickets, tickets admitted)``; the check-in plugin decides
    who was admitted."""
    admitted = ticket_book.admitted(store)
    with store.reading() as db:
        rows = db.execute(_CONFIRMED_TICKETS).all()
    result: dict[int, list[int]] = {}
    for signup, number in rows:
        counts = result.setdefault(signup, [0, 0])
        counts[0] += 1
        counts[1] += number in admitted
    return {signup: (total, came) for signup, (total, came) in result.items()}


# --- messages ---------------------------------------------------------------------------------


def claim_messages(store: EventStore, at: dt.datetime | None = None) -> list[PendingMessage]:
    """Take the messages waiting to be sent (and those a crashed process left half-sent).

    One update claims them, so a message is claimed by one sender, whichever server it runs in.
    """
    at = at or now()
    stale = (at - STALE_SENDING).isoformat()
    with store.transaction() as db:
        rows = db.execute(_CLAIM, {"at": at.isoformat(), "stale": stale}).all()
    return sorted((PendingMessage(*row) for row in rows), key=lambda message: message.id)


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
            _DELIVERED,
            {
                "status": "failed" if errors else "sent",
                "sent_at": (at or now()).isoformat(),
                "channels": ", ".join(channels),
                "error": "; ".join(errors) or None,
                "recipient": recipient,
                "subject": subject,
                "body": body,
                "id": message,
            },
        )


def queue_reminders(store: EventStore, slots: Iterable[str], at: dt.datetime | None = None) -> int:
    """Queue the reminder of every confirmed sign-up in ``slots`` that has not had one."""
    at = at or now()
    slots = list(slots)
    if not slots:
        return 0
    with store.transaction() as db:
        return db.execute(_QUEUE_REMINDERS, {"at": at.isoformat(), "slots": slots}).rowcount


def message_log(store: EventStore) -> list[LoggedMessage]:
    """Every message, oldest first."""
    with store.reading() as db:
        return [LoggedMessage(*row) for row in db.execute(_MESSAGE_LOG)]


# --- the public pages' limits -----------------------------------------------------------------


def count_request(
    store: EventStore,
    kind: str,
    client: str,
    minute: int,
    judge: Callable[[int, int], float],
    *,
    forget_before: int | None = None,
) -> float:
    """Count a request of ``client`` in ``minute`` (minutes since 1970) and return
    ``judge(previous, current)``: 0 to let it through, else the seconds to wait.

    ``previous`` is the client's count in the minute before, ``current`` its count in this
    one, this request included; a request refused is not counted. With ``forget_before``,
    the counts of minutes before it are deleted first.
    """
    key = {"kind": kind, "client": client}
    with store.transaction() as db:
        if forget_before is not None:
            db.execute(_FORGET_HITS, {"minute": forget_before})
        current = db.execute(_COUNT_HIT, {**key, "minute": minute}).scalar_one()
        previous = db.execute(_HITS, {**key, "minute": minute - 1}).scalar() or 0
        wait = judge(previous, current)
        if wait:
            db.execute(_UNCOUNT_HIT, {**key, "minute": minute})
    return wait


def spend_challenge(store: EventStore, nonce: str, expires: int, now_seconds: int) -> bool:
    """Record the challenge token ``nonce`` as used; ``False`` when it was used before.

    Tokens past their expiry (seconds since 1970) are forgotten: they are refused anyway.
    """
    with store.transaction() as db:
        db.execute(_FORGET_CHALLENGES, {"now": now_seconds})
        return db.execute(_SPEND_CHALLENGE, {"nonce": nonce, "expires": expires}).rowcount == 1


# --- personal data ----------------------------------------------------------------------------

WHAT_SIGNUPS = "sign-ups' names, phones, e-mail addresses and answers"
WHAT_MESSAGES = "messages sent to people who signed up"
WHAT_ADDRESSES = "network addresses the sign-up page was used from (kept a minute or two)"


def personal_data(store: EventStore, remove: bool) -> list[PersonalData]:
    """Count the sign-ups and messages that name or reach a person, and the client addresses
    the rate limit holds; with ``remove``, clear those fields (keeping every sign-up and
    message, so every count stays) and forget the addresses."""
    with store.transaction() as db:
        signups = db.execute(_COUNT_PERSONAL_SIGNUPS).scalar_one()
        messages = db.execute(_COUNT_PERSONAL_MESSAGES).scalar_one()
        addresses = db.execute(_COUNT_ADDRESSES).scalar_one()
        if remove:
            db.execute(_CLEAR_SIGNUPS)
            db.execute(_CLEAR_MESSAGES)
            db.execute(_FORGET_ADDRESSES)
    found = [(WHAT_SIGNUPS, signups), (WHAT_MESSAGES, messages), (WHAT_ADDRESSES, addresses)]
    return [PersonalData(what, count) for what, count in found if count]
