"""Who gets in: the one place that decides admitted, duplicate or rejected, and what a head
count or an undo may record.

Used by the web app and ``kexie checkin DIR`` against the event store (through its ledger,
:mod:`~kexie_plugins.qr_checkin.ledger`) and by ``kexie checkin BUNDLE`` against a scanner
bundle (:mod:`~kexie_plugins.qr_checkin.bundle_format`): the decision is the same, only where it
is recorded differs. Every call is one transaction, committed before the answer is returned, so
an ``admitted`` answer is on disk.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from zoneinfo import ZoneInfo

import attrs
from sqlalchemy.engine import Connection

from kexie_events import inputs
from kexie_events.database import StoreUnavailable, translated
from kexie_events.errors import KexieError
from kexie_events.i18n import pick, time_text
from kexie_events.model import AUDIENCES
from kexie_events.store import EventStore
from kexie_plugins.qr_checkin import bundle_format, ledger
from kexie_plugins.qr_checkin.codes import CodeError, Verifier
from kexie_plugins.qr_checkin.journal_rules import admission_key

RULES = ("once", "daily")
#: ``in``: people arriving; ``out``: people leaving (at an exit).
DIRECTIONS = ("in", "out")
#: How a number was obtained; ``paper`` and ``estimate`` are entered after the event.
SOURCES = ("counted", "scanned", "paper", "estimate")
LATER_SOURCES = ("paper", "estimate")

#: What a code says: the ticket number it carries, or why it carries none.
Identified = tuple[int | None, str | None]


def site_of_gate(
    sites: Mapping[str, Sequence[str]], gate: str, site: str | None, *, lang: str = "en"
) -> str:
    """The site a scan at ``gate`` belongs to; ``ValueError`` saying why when it is unclear.

    ``sites`` maps site ids to their gates. ``site`` may be given; otherwise the gate's name
    must be used at exactly one site. (See :func:`kexie_events.inputs.site_of_gate`; the
    error is an :class:`~kexie_events.inputs.InputError`, which is a ``ValueError``.)
    """
    return inputs.site_of_gate(sites, gate, site, lang=lang)


class Forbidden(KexieError):
    """The volunteer's role may not do this (answered with 403)."""


@contextlib.contextmanager
def _writing(store: EventStore) -> Iterator[Connection]:
    """The transaction a check-in, head count or undo is recorded in.

    Inside a transaction already (the server's writer runs each request in a savepoint of its
    own, which an exception rolls back), that one, without a savepoint more per scan; else a
    transaction of its own. Driver errors (a full disk, a busy database) are
    :class:`StoreUnavailable`, so that the server's writer gives up the batch as a whole
    (SQLite may have ended it already).
    """
    with translated():
        if store.active is not None:
            yield store.active
            return
        with store.transaction() as db:
            yield db


@contextlib.contextmanager
def _book(where: EventStore | sqlite3.Connection) -> Iterator:
    """A transaction on the event store (its ledger) or on a scanner bundle's connection."""
    if isinstance(where, sqlite3.Connection):
        with bundle_format.recording(where) as book:
            yield book
        return
    with _writing(where) as db:
        yield ledger.ScanBook(db)


@attrs.frozen
class Gatekeeper:
    """The settings a check-in needs, wherever it runs.

    Attributes:
        rule: ``once`` (one admission per ticket) or ``daily`` (one per day).
        device: ``server``, ``cli`` or the name of the offline device.
    """

    verifier: Verifier | None
    tz: ZoneInfo
    lang: str
    rule: str = "once"
    device: str = "server"

    def identify(self, code: str) -> Identified:
        """The ticket number behind a scanned code or a typed number, or the reason not.

        Checking a signature is the slow part of a check-in; the web app does it before the
        scan joins the writer's queue.
        """
        typed = inputs.ticket_number(code, lang=self.lang)
        if typed is not None:
            return typed, None
        text = code.strip()
        if self.verifier is None:
            return None, pick(self.lang, "本次活动尚未发放门票", "no tickets issued yet")
        try:
            return self.verifier.number(text), None
        except CodeError as error:
            reasons = {
                "not a ticket code": "不是有效的门票码",
                "not a ticket of this event": "不是本次活动的门票",
                "forged: the signature does not match this event's key": "伪造的门票码（签名不符）",
            }
            return None, pick(self.lang, reasons.get(str(error), str(error)), str(error))

    def check_in(
        self,
        where: EventStore | sqlite3.Connection,
        *,
        code: str,
        scan_id: str,
        gate: str | None,
        site: str | None,
        by: str,
        at: dt.datetime,
        identified: Identified | None = None,
    ) -> dict:
        """Check ``code`` (or a typed ticket number) in; return the answer, recorded.

        ``where`` is the event store or a scanner bundle's connection. ``identified`` is
        :meth:`identify`'s answer for ``code`` when the caller has it already. A retry with
        the same ``scan_id`` gets the first answer; the same ``scan_id`` for another scan is a
        :class:`~kexie_events.inputs.Conflict`.
        """
        at = at.astimezone(self.tz)
        number, reason = identified if identified is not None else self.identify(code)
        with _book(where) as book:
            return self._decide(book, code, number, reason, scan_id, gate, site, by, at)

    def _decide(self, book, code, number, reason, scan_id, gate, site, by, at) -> dict:
        first = book.recorded(scan_id)
        if first is not None:
            # A retry gets the first answer; the same id for another scan is not a retry.
            if (first.code, first.gate, first.site, first.by) != (code[:200], gate, site, by):
                raise inputs.reused_scan_id(self.lang)
            return first.answer
        lang = self.lang
        ticket = None
        admit_key = None
        if number is not None:
            facts = book.ticket(number)
            if facts is None:
                reason = pick(lang, "不是本次活动的门票", "not a ticket of this event")
            else:
                ticket = {"number": facts.number, "site": facts.site, "audience": facts.audience}
                if facts.revoked:
                    reason = pick(lang, "门票已作废", "revoked")
        if ticket is not None and reason is None:
            admit_key = admission_key(self.rule, at, self.tz)
            earlier = book.admit(
                ledger.Admission(
                    ticket["number"],
                    admit_key,
                    scan_id,
                    at.isoformat(),
                    gate,
                    site,
                    ticket["site"],
                    ticket["audience"],
                )
            )
            if earlier is not None:
                when = time_text(dt.datetime.fromisoformat(earlier.at).astimezone(self.tz))
                result = "duplicate"
                reason = pick(
                    lang,
                    f"已于{when}在{earlier.gate or '入口'}入场",
                    f"already admitted at {when} at the {earlier.gate or 'entrance'} gate",
                )
                ticket["first_admitted_at"] = earlier.at
                ticket["first_gate"] = earlier.gate
            else:
                result = "admitted"
                reason = pick(lang, "准予入场", "admitted")
        else:
            result = "rejected"
        answer = {
            "result": result,
            "reason": reason,
            "ticket": ticket,
            "scan_id": scan_id,
            "at": at.isoformat(),
        }
        scan = ledger.Scan(
            scan_id=scan_id,
            code=code[:200],
            ticket=ticket["number"] if ticket else None,
            result=result,
            reason=reason,
            admit_key=admit_key,
            gate=gate,
            site=site,
            at=at.isoformat(),
            by=by,
            device=self.device,
            received_at=dt.datetime.now(dt.UTC).isoformat(),
            response=json.dumps(answer, ensure_ascii=False),
        )
        if not book.record(scan):
            # Another server recorded this scan_id while this one decided: run again, and the
            # retry answers what that server answered.
            raise StoreUnavailable("busy", f"scan {scan_id} was recorded meanwhile")
        return answer

    def headcount(
        self,
        store: EventStore,
        *,
        audience: str,
        delta: int,
        gate: str | None,
        site: str | None,
        by: str,
        at: dt.datetime,
        scan_id: str | None = None,
        direction: str = "in",
        source: str = "counted",
        note: str | None = None,
        ticket: int | None = None,
    ) -> bool:
        """Record people counted without a ticket scan; ``False`` when ``scan_id`` was known.

        ``direction`` is ``in`` (walk-ins) or ``out`` (people leaving; ``audience`` is then
        ``""`` unless known). ``source`` says how the number was obtained: ``counted`` at a
        gate, ``scanned`` (a ticket at an exit), or ``paper`` and ``estimate`` entered after
        the event, for which ``at`` is when it happened and the time of typing is kept apart.

        A negative ``delta`` takes back people counted by mistake; it never takes the count of
        its gate, site, audience and direction below zero
        (:class:`~kexie_events.inputs.Conflict`), so no total can go below zero either. The
        same ``scan_id`` with other content is a ``Conflict`` too.
        """
        if audience not in AUDIENCES and not (direction == "out" and audience == ""):
            raise ValueError(f"audience must be one of {', '.join(AUDIENCES)}")
        if direction not in DIRECTIONS or source not in SOURCES:
            raise ValueError(f"direction {direction!r} or source {source!r} unknown")
        at = at.astimezone(self.tz)
        typed = dt.datetime.now(self.tz).isoformat() if source in LATER_SOURCES else None
        entry = ledger.Headcount(
            scan_id=scan_id,
            gate=gate,
            site=site,
            audience=audience,
            delta=delta,
            at=at.isoformat(),
            by=by,
            device=self.device,
            direction=direction,
            source=source,
            ticket=ticket,
            note=note,
            recorded_at=typed,
        )
        with _writing(store) as db:
            return self._count(db, entry)

    def _count(self, db, entry: ledger.Headcount) -> bool:
        if entry.scan_id is not None:
            first = ledger.headcount(db, entry.scan_id)
            if first is not None:
                mine = (entry.gate, entry.site, entry.audience, entry.delta, entry.by)
                if (first.gate, first.site, first.audience, first.delta, first.by) != mine or (
                    first.direction,
                    first.source,
                ) != (entry.direction, entry.source):
                    raise inputs.reused_scan_id(self.lang)
                return False
        if entry.delta < 0:
            self._never_below_zero(db, entry, entry.delta)
        if not ledger.add_headcount(db, entry):
            raise StoreUnavailable("busy", f"head count {entry.scan_id} was recorded meanwhile")
        return True

    def _never_below_zero(self, db, entry: ledger.Headcount, delta: int) -> None:
        counted = ledger.counted_here(
            db,
            gate=entry.gate,
            site=entry.site,
            audience=entry.audience,
            direction=entry.direction,
        )
        if counted + delta < 0:
            raise inputs.Conflict(
                pick(
                    self.lang,
                    f"这里只记录了{counted}人，不能减去{-delta}人",
                    f"only {counted} counted here; cannot take back {-delta}",
                )
            )

    def undo(
        self, store: EventStore, *, scan_id: str, by: str, anyone: bool, at: dt.datetime
    ) -> dict:
        """Take back the head count recorded as ``scan_id`` with a correcting entry.

        Nothing is deleted: a new entry of the opposite number records who took it back and
        when, and names the entry it corrects. ``anyone`` (a lead) may undo another
        volunteer's entry; otherwise only one's own (:class:`Forbidden`). Undoing an entry
        again answers ``{"recorded": False}`` (a retry of the same undo changes nothing).
        """
        lang = self.lang
        at = at.astimezone(self.tz)
        with _writing(store) as db:
            entry = ledger.headcount(db, scan_id)
            if entry is None:
                raise LookupError(pick(lang, "没有这条记录", "no entry with this scan_id"))
            if entry.corrects is not None:
                raise inputs.Conflict(
                    pick(lang, "这条记录本身就是更正，不能再撤销", "this entry is itself an undo")
                )
            if entry.by != by and not anyone:
                raise Forbidden(
                    pick(
                        lang,
                        f"只能撤销自己的记录（这条是{entry.by}记的），请找负责人",
                        f"you may undo only your own entries (this one is {entry.by}'s); "
                        "ask a lead",
                    )
                )
            answer = {
                "undone": scan_id,
                "delta": -entry.delta,
                "direction": entry.direction,
                "audience": entry.audience,
                "gate": entry.gate,
                "site": entry.site,
                "at": entry.at,
            }
            done = ledger.undone_by(db, scan_id)
            if done is not None:
                return {**answer, "recorded": False, "by": done[0], "undone_at": done[1]}
            if -entry.delta < 0:
                self._never_below_zero(db, entry, -entry.delta)
            if not ledger.add_undo(db, entry, by=by, at=at.isoformat(), device=self.device):
                raise StoreUnavailable("busy", f"{scan_id} was undone meanwhile")
        return {**answer, "recorded": True, "by": by, "undone_at": at.isoformat()}

    def check_out(
        self,
        store: EventStore,
        *,
        code: str,
        scan_id: str,
        gate: str,
        site: str,
        by: str,
        at: dt.datetime,
        identified: Identified | None = None,
    ) -> dict:
        """A ticket scanned at an exit: one person out, recorded as a head count.

        The code is checked as at an entrance (a forged or unknown code is ``rejected`` and
        counts nothing); a real ticket answers ``out``, whether or not it was admitted (people
        get in without a scan too; the count inside never goes below zero).
        """
        lang = self.lang
        number, reason = identified if identified is not None else self.identify(code)
        at = at.astimezone(self.tz)
        with _writing(store) as db:
            ticket = None
            if number is not None:
                found = ledger.ticket(db, number)
                if found is None:
                    reason = pick(lang, "不是本次活动的门票", "not a ticket of this event")
                else:
                    ticket = {
                        "number": found.number,
                        "site": found.site,
                        "audience": found.audience,
                    }
            if ticket is None:
                return {
                    "result": "rejected",
                    "reason": reason,
                    "ticket": None,
                    "scan_id": scan_id,
                    "at": at.isoformat(),
                }
            entry = ledger.Headcount(
                scan_id=scan_id,
                gate=gate,
                site=site,
                audience="",
                delta=1,
                at=at.isoformat(),
                by=by,
                device=self.device,
                direction="out",
                source="scanned",
                ticket=ticket["number"],
            )
            self._count(db, entry)
            first = ledger.headcount(db, scan_id)
            if first.ticket != ticket["number"]:
                raise inputs.reused_scan_id(lang)
        return {
            "result": "out",
            "reason": pick(lang, "出场", "going out"),
            "ticket": ticket,
            "scan_id": scan_id,
            "at": first.at,
        }
