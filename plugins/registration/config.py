"""The ``[registration]`` section of event.toml: when, what is asked, how many seats.

```toml
[registration]
opens = 2028-12-01T09:00:00     # default: open now
closes = 2028-12-31T18:00:00    # default: the event's start
fields = ["name", "phone"]      # asked of everyone: name, phone, email, audience
party_max = 4                   # people per sign-up (1: not asked)
per_phone = 1                   # sign-ups one mobile number may hold
phone_format = "mainland"       # 11-digit mainland mobiles; "international" for others
waitlist = true                 # keep a waiting list when full
capacity = 300                  # seats per site when there are no slots (default: the site's)

[[registration.slots]]          # time slots, each with its own seats
id = "2230"                     # default: the start time, 2230 (1231-2230 on a multi-day event)
start = 2028-12-31T22:30:00
end = 2028-12-31T22:45:00
capacity = 40
site = "field"                  # needed when the event has several sites

[[registration.questions]]      # the event's own questions
id = "school"
label = "学校"
required = true
choices = ["一中", "二中"]      # optional: a choice instead of free text

[registration.email]            # optional: e-mail messages over SMTP (see notify.py)
host = "smtp.example.org"
sender = "kexie@example.org"
```
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping

import attrs

from kexie_events.fields import TableReader, suggest
from kexie_events.model import Event

NAME = "registration"
CHECKIN = "qr-checkin"
#: The standard fields an event may ask; the slot and the party size are asked when there
#: is a choice (several slots, ``party_max`` above 1).
FIELDS = ("name", "phone", "email", "audience")
DEFAULT_FIELDS = ("name", "phone")
#: A party larger than this is a group booking, for the organiser to arrange by hand.
PARTY_LIMIT = 20
SECURITY = ("starttls", "ssl", "none")
PHONE_FORMATS = ("mainland", "international")
DEFAULT_RATE = 30
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")
_RESERVED = {"name", "phone", "email", "audience", "slot", "party", "answers", "challenge"}


@attrs.frozen
class Slot:
    """Seats at one site for one time (or, without slots, for the whole event).

    Attributes:
        id: what the page sends (``"2230"``, or the site id without slots).
        label: what the page shows (``22:30–22:45``, the site's name without slots).
    """

    id: str
    label: str
    site: str
    capacity: int
    start: dt.datetime
    end: dt.datetime


@attrs.frozen
class Question:
    """One of the event's own questions; ``choices`` makes it a choice, else free text."""

    id: str
    label: str
    required: bool = False
    choices: tuple[str, ...] = ()


@attrs.frozen
class EmailSettings:
    """SMTP settings: ``[registration.email]``, each overridden by ``KEXIE_SMTP_*``.

    The password is only ever read from ``KEXIE_SMTP_PASSWORD``: event.toml is a file people
    copy and send around.
    """

    host: str | None = None
    port: int = 587
    security: str = "starttls"
    user: str | None = None
    password: str | None = attrs.field(default=None, repr=False)
    sender: str | None = None

    @property
    def configured(self) -> bool:
        """Whether e-mail can be sent: a host and a sender address are known."""
        return bool(self.host and self.sender)


@attrs.frozen
class RegistrationConfig:
    """The sign-up settings of an event, checked: ``[registration]`` as read, which the
    plugin's hooks get as ``config``."""

    opens: dt.datetime | None
    closes: dt.datetime
    fields: tuple[str, ...] = DEFAULT_FIELDS
    party_max: int = 1
    per_phone: int = 1
    phone_format: str = "mainland"
    waitlist: bool = True
    slots: tuple[Slot, ...] = ()
    questions: tuple[Question, ...] = ()
    intro: str = ""
    bring: str = ""
    notice: str = ""
    public_url: str | None = None
    per_address_per_minute: int = DEFAULT_RATE
    email: EmailSettings = EmailSettings()

    def slot(self, slot_id: str) -> Slot | None:
        """The slot with this id, or ``None``."""
        for slot in self.slots:
            if slot.id == slot_id:
                return slot
        return None

    def asks(self, field: str) -> bool:
        """Whether the page asks ``field``."""
        return field in self.fields


def read_config(
    reader: TableReader, event: Event, environ: Mapping[str, str] | None = None
) -> RegistrationConfig:
    """The settings, from the section ``reader`` reads; its problems go to ``reader`` (file,
    line and key come from the ``("registration", ...)`` paths). The SMTP settings are
    overridden by ``KEXIE_SMTP_*`` from ``environ`` (default: the process's)."""
    if not event.uses(CHECKIN):
        reader.error((), f"sign-up gives QR tickets, which need check-in: add [plugins.{CHECKIN}]")
    tz = event.tz
    opens = reader.moment("opens", tz)
    closes = reader.moment("closes", tz) or event.start
    if opens is not None and opens >= closes:
        reader.error("closes", f"sign-up closes ({closes:%Y-%m-%d %H:%M}) before it opens")
    if closes > event.end:
        reader.warning("closes", "sign-up closes after the event has ended")
    fields = reader.texts("fields", choices=FIELDS) if reader.has("fields") else DEFAULT_FIELDS
    party_max = reader.integer("party_max", 1, minimum=1)
    if party_max is not None and party_max > PARTY_LIMIT:
        reader.error("party_max", f"at most {PARTY_LIMIT} people per sign-up, got {party_max}")
        party_max = 1
    per_phone = reader.integer("per_phone", 1, minimum=1)
    if per_phone and "phone" not in fields and reader.has("per_phone"):
        reader.warning("per_phone", 'has no effect: "phone" is not in fields')
    phone_format = reader.text(
        "phone_format", "mainland" if event.lang == "zh" else "international", choices=PHONE_FORMATS
    )
    waitlist = reader.boolean("waitlist", True)
    capacity = reader.integer("capacity", minimum=1)
    slots = _slots(event, reader, capacity)
    questions = _questions(reader)
    intro = reader.text("intro", "") or ""
    bring = reader.text("bring", "") or ""
    notice = reader.text("notice", "") or ""
    public_url = reader.text("public_url")
    if public_url and not re.fullmatch(r"https?://[^\s/]+(/[^\s]*)?", public_url):
        reader.error(
            "public_url", f"expected an address like https://example.org, got {public_url!r}"
        )
        public_url = None
    rate = reader.integer("per_address_per_minute", DEFAULT_RATE, minimum=1)
    email = _email(reader, os.environ if environ is None else environ)
    return RegistrationConfig(
        opens=opens,
        closes=closes,
        fields=fields,
        party_max=party_max or 1,
        per_phone=per_phone or 1,
        phone_format=phone_format,
        waitlist=waitlist,
        slots=slots,
        questions=questions,
        intro=intro,
        bring=bring,
        notice=notice,
        public_url=public_url.rstrip("/") if public_url else None,
        per_address_per_minute=rate or DEFAULT_RATE,
        email=email,
    )


def _slots(event: Event, reader: TableReader, capacity: int | None) -> tuple[Slot, ...]:
    sites = {site.id: site for site in event.sites}
    readers = reader.tables("slots")
    if not readers:
        # No slots: one per site, for the whole event.
        result = []
        for site in event.sites:
            seats = capacity if capacity is not None else site.capacity
            if seats is None:
                reader.error(
                    "capacity",
                    f"site {site.id!r} has no capacity; give [registration] capacity or "
                    "[[registration.slots]]",
                )
                continue
            result.append(Slot(site.id, site.name, site.id, seats, event.start, event.end))
        if not event.sites:
            reader.error("slots", "the event has no sites to sign up for")
        return tuple(result)
    if capacity is not None:
        reader.warning("capacity", "has no effect: every slot has its own capacity")
    one_day = len(event.days) == 1
    result, seen = [], set()
    for slot in readers:
        start = slot.moment("start", event.tz, required=True)
        end = slot.moment("end", event.tz, required=True)
        seats = slot.integer("capacity", required=True, minimum=1)
        site = slot.text("site")
        if site is None and len(sites) == 1:
            site = next(iter(sites))
        elif site is None:
            slot.error("site", f"is required: the event has several sites ({', '.join(sites)})")
        elif site not in sites:
            slot.error("site", f"no site {site!r}{suggest(site, list(sites))}")
            site = None
        default_id = None
        if start is not None:
            default_id = f"{start:%H%M}" if one_day else f"{start:%m%d-%H%M}"
        slot_id = slot.text("id", default_id)
        if slot_id is not None and not _ID.fullmatch(slot_id):
            slot.error("id", "use up to 40 letters, digits, - and _")
            slot_id = None
        elif slot_id in seen:
            key = "id" if slot.has("id") else "start"
            slot.error(key, f"a second slot {slot_id!r}; give each slot its own id")
            slot_id = None
        label = slot.text("label")
        slot.finish()
        if start and end and start >= end:
            slot.error("end", "a slot must end after it starts")
            continue
        if start and end and (end <= event.start or start >= event.end):
            slot.warning("start", "the slot is outside the event's time")
        if None in (start, end, seats, site, slot_id):
            continue
        seen.add(slot_id)
        if label is None:
            label = f"{start:%H:%M}–{end:%H:%M}"
            if len(sites) > 1:
                label = f"{sites[site].name} {label}"
        result.append(Slot(slot_id, label, site, seats, start, end))
    return tuple(result)


def _questions(reader: TableReader) -> tuple[Question, ...]:
    result, seen = [], set()
    for question in reader.tables("questions"):
        qid = question.text("id", required=True)
        label = question.text("label", required=True)
        required = question.boolean("required", False)
        choices = question.texts("choices")
        question.finish()
        if qid is not None and (not _ID.fullmatch(qid) or qid in _RESERVED or qid in seen):
            why = "is used twice" if qid in seen else "must be a short id like school"
            if qid in _RESERVED:
                why = "is a standard field; ask it with fields = [...]"
            question.error("id", f"{qid!r} {why}")
            continue
        if qid is None or label is None:
            continue
        seen.add(qid)
        result.append(Question(qid, label, required, choices))
    return tuple(result)


def _email(reader: TableReader, environ: Mapping[str, str]) -> EmailSettings:
    section = reader.table("email")
    host = section.text("host")
    port = section.integer("port", None, minimum=1)
    security = section.text("security", None, choices=SECURITY)
    user = section.text("user")
    sender = section.text("sender")
    if section.has("password"):
        section.error(
            "password",
            "never write the password into event.toml; set KEXIE_SMTP_PASSWORD instead",
        )
    section.finish()
    if (host is None) != (sender is None):
        section.error("sender" if sender is None else "host", "e-mail needs both host and sender")
    env_port = environ.get("KEXIE_SMTP_PORT", "")
    env_security = environ.get("KEXIE_SMTP_SECURITY")
    host = environ.get("KEXIE_SMTP_HOST") or host
    security = env_security if env_security in SECURITY else security or "starttls"
    default_port = {"ssl": 465, "none": 25}.get(security, 587)
    return EmailSettings(
        host=host,
        port=int(env_port) if env_port.isdigit() else port or default_port,
        security=security,
        user=environ.get("KEXIE_SMTP_USER") or user,
        password=environ.get("KEXIE_SMTP_PASSWORD") or None,
        sender=environ.get("KEXIE_SMTP_FROM") or sender,
    )
