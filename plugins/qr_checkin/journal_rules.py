"""What a row of an offline journal must be to enter the event store.

A scanner bundle comes back from a laptop nobody watched: its journal may have been edited by
hand, written by a laptop whose clock was wrong, or belong to another event. ``kexie journal
merge`` holds every row to the rules the live check-in API holds a scan to
(:mod:`kexie_events.inputs`), and to what the event store knows, before anything is written:

- texts (scan id, code, gate, site, volunteer, reason) are text within the API's limits, with
  no control characters and no spaces around them;
- the device is the bundle's own;
- the time is an ISO time with its offset, at most :data:`MARGIN` before the event starts or
  after it ends;
- the gate is a gate of the event, at the site recorded with it;
- an admitted or duplicate scan names a ticket of the event, which its code (a signed code or
  a typed number) identifies, with the admission key the event's rule gives at that time; an
  admitted ticket was not revoked before the scan; a rejected scan has no admission key;
- the answer recorded with a scan says the same result for the same scan id;
- a head count is for an audience group, from -100 to 100 people and not 0.

``kexie checkin`` uses :func:`outside_event` too, so a laptop whose clock is wrong refuses to
record scans that no merge would accept.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from kexie_events import inputs
from kexie_events.model import AUDIENCES, Event
from kexie_events.store import EventStore
from kexie_plugins.qr_checkin import ledger
from kexie_plugins.qr_checkin.codes import CodeError, Verifier

MARGIN = dt.timedelta(hours=24)
"""How far before its start or after its end a scan still belongs to the event.

A day either side covers a night event running past midnight, a gate opened the evening before
and a laptop clock set to the wrong zone; a scan further off is a wrong clock or not this event.
"""
RESULTS = ("admitted", "duplicate", "rejected")
HEADCOUNT_LIMIT = 100
"""The most people one head-count press adds or takes back, as the live API allows."""
RESPONSE_LIMIT = 4000
"""Characters of the answer recorded with a scan (a real one is about 300)."""
REASON_LIMIT = 200

# CLI messages are English, like every other error the kexie command prints.
LANG = "en"


def admission_key(rule: str, at: dt.datetime, tz: ZoneInfo) -> str:
    """The admission period of a scan at ``at``: ``once``, or its day in the event's zone.

    The same key :class:`~kexie_plugins.qr_checkin.admission.Gatekeeper` records.
    """
    return "once" if rule == "once" else at.astimezone(tz).date().isoformat()


def outside_event(at: dt.datetime, start: dt.datetime, end: dt.datetime) -> str | None:
    """Why a scan at ``at`` cannot belong to an event from ``start`` to ``end``, or ``None``."""
    if start - MARGIN <= at <= end + MARGIN:
        return None
    local = at.astimezone(start.tzinfo)
    return (
        f"{local:%Y-%m-%d %H:%M} is more than {MARGIN.days * 24} hours outside the event "
        f"({start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} {start.tzinfo})"
    )


def parse_time(value: Any) -> dt.datetime:
    """An ISO time with its offset; :class:`~kexie_events.inputs.InputError` otherwise."""
    text = inputs.text(value, "at", lang=LANG, label="time", limit=40)
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise inputs.InputError("at", f"time {text!r} is not an ISO date and time") from None
    if moment.tzinfo is None:
        raise inputs.InputError("at", f"time {text!r} has no offset (like +08:00)")
    return moment


@attrs.frozen
class JournalRules:
    """Everything a journal row is checked against: the event, its tickets, the bundle.

    Attributes:
        sites: site ids with their gates, from ``event.toml`` as it is now.
        tickets: the numbers of every ticket in the event store.
        revoked: when each revoked ticket was revoked.
        verifier: checks signed codes with the event's public key.
        rule: the event's admission rule (``once`` or ``daily``).
        device: the bundle's device; every row must be recorded by it.
    """

    sites: Mapping[str, Sequence[str]]
    tickets: Collection[int]
    revoked: Mapping[int, dt.datetime]
    verifier: Verifier | None
    rule: str
    tz: ZoneInfo
    start: dt.datetime
    end: dt.datetime
    device: str

    @classmethod
    def of(
        cls,
        event: Event,
        store: EventStore,
        *,
        verifier: Verifier | None,
        rule: str,
        device: str,
    ) -> JournalRules:
        """The rules for a journal of ``device`` merging into ``store``."""
        with store.reading() as db:
            tickets, revoked = ledger.ticket_numbers(db), ledger.revocations(db)
        return cls(
            sites={s.id: tuple(s.gates) for s in event.sites},
            tickets=tickets,
            revoked=revoked,
            verifier=verifier,
            rule=rule,
            tz=event.tz,
            start=event.start,
            end=event.end,
            device=device,
        )

    def scan(self, row: Mapping[str, Any]) -> list[str]:
        """Every reason the scan ``row`` (a ``qr_scans`` row as a mapping) cannot be merged."""
        problems: list[str] = []
        check = _collector(problems)
        scan_id = check(inputs.scan_id, row["scan_id"], lang=LANG)
        self._device(row, problems)
        result = row["result"]
        if result not in RESULTS:
            problems.append(f"result {str(result)[:20]!r} is not one of {', '.join(RESULTS)}")
        code = check(_clean, row["code"], "code", limit=inputs.CODE_LIMIT)
        check(_clean, row["reason"], "reason", limit=REASON_LIMIT)
        check(_clean, row["by"], "by", label="volunteer", limit=inputs.NAME_LIMIT)
        at = self._time(row, problems)
        self._place(row, problems)
        ticket, key = row["ticket"], row["admit_key"]
        if ticket is not None and (not isinstance(ticket, int) or ticket not in self.tickets):
            problems.append(f"ticket {str(ticket)[:20]} is not a ticket of this event")
            ticket = None
        if result in ("admitted", "duplicate"):
            if ticket is None and row["ticket"] is None:
                problems.append(f"an {result} scan without a ticket number")
            if ticket is not None and code is not None:
                self._code_names(code, ticket, problems)
            if at is not None:
                expected = admission_key(self.rule, at, self.tz)
                if key != expected:
                    problems.append(
                        f"admission key {str(key)[:20]!r} does not follow the event's rule "
                        f"({self.rule}: {expected!r})"
                    )
            revoked = self.revoked.get(ticket) if ticket is not None else None
            if result == "admitted" and revoked is not None and at is not None and revoked <= at:
                when = revoked.astimezone(self.tz)
                problems.append(
                    f"ticket {ticket:06d} was revoked at {when:%Y-%m-%d %H:%M}, before this "
                    "admission"
                )
        elif key is not None:
            problems.append(f"a {result} scan with an admission key")
        if scan_id is not None:
            self._response(row, scan_id, problems)
        return problems

    def headcount(self, row: Mapping[str, Any]) -> list[str]:
        """Every reason the head count ``row`` (a ``qr_headcounts`` row) cannot be merged."""
        problems: list[str] = []
        check = _collector(problems)
        if row["scan_id"] is not None:
            check(inputs.scan_id, row["scan_id"], lang=LANG)
        self._device(row, problems)
        check(inputs.one_of, row["audience"], "audience", AUDIENCES, lang=LANG)
        delta = check(
            inputs.whole_number,
            row["delta"],
            "delta",
            label="count",
            lang=LANG,
            low=-HEADCOUNT_LIMIT,
            high=HEADCOUNT_LIMIT,
        )
        if delta == 0:
            problems.append("a head count of 0")
        check(_clean, row["by"], "by", label="volunteer", limit=inputs.NAME_LIMIT)
        self._time(row, problems)
        self._place(row, problems)
        return problems

    def _device(self, row: Mapping[str, Any], problems: list[str]) -> None:
        if row["device"] != self.device:
            problems.append(
                f"recorded by device {str(row['device'])[:40]!r}, not by the bundle's "
                f"{self.device!r}"
            )

    def _time(self, row: Mapping[str, Any], problems: list[str]) -> dt.datetime | None:
        at = _collector(problems)(parse_time, row["at"])
        if at is None:
            return None
        outside = outside_event(at, self.start, self.end)
        if outside:
            problems.append(f"time {outside}")
            return None
        return at

    def _place(self, row: Mapping[str, Any], problems: list[str]) -> None:
        check = _collector(problems)
        gate = check(_clean, row["gate"], "gate", limit=inputs.NAME_LIMIT)
        site = check(_clean, row["site"], "site", limit=inputs.NAME_LIMIT)
        if gate is None or site is None:
            return
        check(inputs.site_of_gate, self.sites, gate, site, lang=LANG)

    def _code_names(self, code: str, ticket: int, problems: list[str]) -> None:
        """The scanned code must be the ticket's: a typed number or a code signed for it."""
        try:
            number = inputs.ticket_number(code, lang=LANG)
            if number is None:
                if self.verifier is None:
                    raise CodeError("no tickets issued yet")
                number = self.verifier.number(code)
        except (CodeError, inputs.InputError) as error:
            problems.append(f"its code is not ticket {ticket:06d}'s: {error}")
            return
        if number != ticket:
            problems.append(f"its code is ticket {number:06d}'s, not ticket {ticket:06d}'s")

    def _response(self, row: Mapping[str, Any], scan_id: str, problems: list[str]) -> None:
        """The answer a retry would get must be this scan's answer."""
        text = row["response"]
        try:
            if not isinstance(text, str) or len(text) > RESPONSE_LIMIT:
                raise ValueError
            answer = json.loads(text)
        except ValueError:
            problems.append("the recorded answer is not the JSON a gate answers")
            return
        if (
            not isinstance(answer, dict)
            or answer.get("result") != row["result"]
            or answer.get("scan_id") != scan_id
        ):
            problems.append("the recorded answer does not match the scan")


def _clean(value: Any, field: str, *, limit: int, label: str | None = None) -> str:
    """Text as :func:`kexie_events.inputs.text` accepts it, and already without spaces around
    it: a stored value is compared as it is, so it must be the clean one."""
    text = inputs.text(value, field, lang=LANG, label=label, limit=limit)
    if text != value:
        raise inputs.InputError(field, f"{label or field} has spaces around it")
    return text


def _collector(problems: list[str]) -> Callable[..., Any]:
    """Call a check; on :class:`~kexie_events.inputs.InputError` note the message, give ``None``."""

    def check(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except inputs.InputError as error:
            problems.append(str(error))
            return None

    return check
