"""Who gets in: the one place that decides admitted, duplicate or rejected.

Used by the web app against the event store and by ``kexie checkin`` against a scanner bundle:
both hold the same tables. Every call is one transaction, committed before the answer is
returned, so an ``admitted`` answer is on disk.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

import attrs

from kexie_events import inputs
from kexie_events.errors import KexieError
from kexie_events.i18n import pick, time_text
from kexie_events.model import AUDIENCES
from kexie_plugins.qr_checkin.codes import CodeError, Verifier

RULES = ("once", "daily")


def site_of_gate(
    sites: Mapping[str, Sequence[str]], gate: str, site: str | None, *, lang: str = "en"
) -> str:
    """The site a scan at ``gate`` belongs to; ``ValueError`` saying why when it is unclear.

    ``sites`` maps site ids to their gates. ``site`` may be given; otherwise the gate's name
    must be used at exactly one site. (See :func:`kexie_events.inputs.site_of_gate`; the
    error is an :class:`~kexie_events.inputs.InputError`, which is a ``ValueError``.)
    """
    return inputs.site_of_gate(sites, gate, site, lang=lang)


@attrs.frozen
class Gatekeeper:
    """The settings a check-in needs, wherever it runs.

    Attributes:
        rule: ``once`` (one admission per ticket) or ``daily`` (one per day).
        device: ``server`` or the name of the offline device.
    """

    verifier: Verifier | None
    tz: ZoneInfo
    lang: str
    rule: str = "once"
    device: str = "server"

    def check_in(
        self,
        db: sqlite3.Connection,
        *,
        code: str,
        scan_id: str,
        gate: str | None,
        site: str | None,
        by: str,
        at: dt.datetime,
    ) -> dict:
        """Check ``code`` (or a typed ticket number) in; return the answer, recorded."""
        at = at.astimezone(self.tz)
        with _transaction(db):
            return self._decide(db, code, scan_id, gate, site, by, at)

    def _decide(self, db, code, scan_id, gate, site, by, at) -> dict:
        previous = db.execute(
            "SELECT response, code, gate, site, by FROM qr_scans WHERE scan_id = ?", (scan_id,)
        )
        row = previous.fetchone()
        if row:
            # A retry gets the first answer; the same id for another scan is not a retry.
            if tuple(row[1:]) != (code[:200], gate, site, by):
                raise inputs.reused_scan_id(self.lang)
            return json.loads(row[0])
        lang = self.lang
        number, reason = self._identify(db, code)
        ticket = None
        admit_key = None
        if number is not None:
            ticket_row = db.execute(
                "SELECT t.number, t.site, t.audience, r.number IS NOT NULL FROM qr_tickets t"
                " LEFT JOIN qr_revocations r ON r.number = t.number WHERE t.number = ?",
                (number,),
            ).fetchone()
            if ticket_row is None:
                reason = pick(lang, "不是本次活动的门票", "not a ticket of this event")
            else:
                ticket = {"number": ticket_row[0], "site": ticket_row[1], "audience": ticket_row[2]}
                if ticket_row[3]:
                    reason = pick(lang, "门票已作废", "revoked")
        if ticket is not None and reason is None:
            admit_key = "once" if self.rule == "once" else at.astimezone(self.tz).date().isoformat()
            first = db.execute(
                "SELECT at, gate FROM qr_scans WHERE ticket = ? AND admit_key = ?"
                " AND result = 'admitted' ORDER BY at, id LIMIT 1",
                (ticket["number"], admit_key),
            ).fetchone()
            if first:
                when = time_text(dt.datetime.fromisoformat(first[0]).astimezone(self.tz))
                result = "duplicate"
                reason = pick(
                    lang,
                    f"已于{when}在{first[1] or '入口'}入场",
                    f"already admitted at {when} at the {first[1] or 'entrance'} gate",
                )
                ticket["first_admitted_at"] = first[0]
                ticket["first_gate"] = first[1]
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
        db.execute(
            "INSERT INTO qr_scans (scan_id, code, ticket, result, reason, admit_key, gate, site,"
            " at, by, device, received_at, response) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
            " ?, ?)",
            (
                scan_id,
                code[:200],
                ticket["number"] if ticket else None,
                result,
                reason,
                admit_key,
                gate,
                site,
                at.isoformat(),
                by,
                self.device,
                dt.datetime.now(dt.UTC).isoformat(),
                json.dumps(answer, ensure_ascii=False),
            ),
        )
        return answer

    def _identify(self, db, code: str) -> tuple[int | None, str | None]:
        """The ticket number behind a scanned code or a typed number, or the reason not."""
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

    def headcount(
        self,
        db: sqlite3.Connection,
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
        with _transaction(db):
            if scan_id is not None:
                first = db.execute(
                    "SELECT gate, site, audience, delta, by, direction, source FROM qr_headcounts"
                    " WHERE scan_id = ?",
                    (scan_id,),
                ).fetchone()
                if first is not None:
                    if tuple(first) != (gate, site, audience, delta, by, direction, source):
                        raise inputs.reused_scan_id(self.lang)
                    return False
            if delta < 0:
                self._never_below_zero(db, gate, site, audience, direction, delta)
            db.execute(
                "INSERT INTO qr_headcounts (scan_id, gate, site, audience, delta, at, by, device,"
                " direction, source, note, ticket, recorded_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    scan_id,
                    gate,
                    site,
                    audience,
                    delta,
                    at.isoformat(),
                    by,
                    self.device,
                    direction,
                    source,
                    note,
                    ticket,
                    typed,
                ),
            )
        return True

    def _never_below_zero(self, db, gate, site, audience, direction, delta) -> None:
        counted = db.execute(
            "SELECT COALESCE(SUM(delta), 0) FROM qr_headcounts"
            " WHERE gate IS ? AND site IS ? AND audience = ? AND direction = ?",
            (gate, site, audience, direction),
        ).fetchone()[0]
        if counted + delta < 0:
            raise inputs.Conflict(
                pick(
                    self.lang,
                    f"这里只记录了{counted}人，不能减去{-delta}人",
                    f"only {counted} counted here; cannot take back {-delta}",
                )
            )

    def undo(
        self, db: sqlite3.Connection, *, scan_id: str, by: str, anyone: bool, at: dt.datetime
    ) -> dict:
        """Take back the head count recorded as ``scan_id`` with a correcting entry.

        Nothing is deleted: a new entry of the opposite number records who took it back and
        when, and names the entry it corrects. ``anyone`` (a lead) may undo another
        volunteer's entry; otherwise only one's own (:class:`Forbidden`). Undoing an entry
        again answers ``{"recorded": False}`` (a retry of the same undo changes nothing).
        """
        lang = self.lang
        at = at.astimezone(self.tz)
        with _transaction(db):
            row = db.execute(
                "SELECT gate, site, audience, delta, by, direction, source, corrects, at"
                " FROM qr_headcounts WHERE scan_id = ?",
                (scan_id,),
            ).fetchone()
            if row is None:
                raise LookupError(pick(lang, "没有这条记录", "no entry with this scan_id"))
            gate, site, audience, delta, owner, direction, source, corrects, when = row
            if corrects is not None:
                raise inputs.Conflict(
                    pick(lang, "这条记录本身就是更正，不能再撤销", "this entry is itself an undo")
                )
            if owner != by and not anyone:
                raise Forbidden(
                    pick(
                        lang,
                        f"只能撤销自己的记录（这条是{owner}记的），请找负责人",
                        f"you may undo only your own entries (this one is {owner}'s); ask a lead",
                    )
                )
            done = db.execute(
                "SELECT by, at FROM qr_headcounts WHERE corrects = ?", (scan_id,)
            ).fetchone()
            answer = {
                "undone": scan_id,
                "delta": -delta,
                "direction": direction,
                "audience": audience,
                "gate": gate,
                "site": site,
                "at": when,
            }
            if done is not None:
                return {**answer, "recorded": False, "by": done[0], "undone_at": done[1]}
            if -delta < 0:
                self._never_below_zero(db, gate, site, audience, direction, -delta)
            db.execute(
                "INSERT INTO qr_headcounts (scan_id, gate, site, audience, delta, at, by, device,"
                " direction, source, corrects) VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    gate,
                    site,
                    audience,
                    -delta,
                    at.isoformat(),
                    by,
                    self.device,
                    direction,
                    source,
                    scan_id,
                ),
            )
        return {**answer, "recorded": True, "by": by, "undone_at": at.isoformat()}

    def check_out(
        self,
        db: sqlite3.Connection,
        *,
        code: str,
        scan_id: str,
        gate: str,
        site: str,
        by: str,
        at: dt.datetime,
    ) -> dict:
        """A ticket scanned at an exit: one person out, recorded as a head count.

        The code is checked as at an entrance (a forged or unknown code is ``rejected`` and
        counts nothing); a real ticket answers ``out``, whether or not it was admitted (people
        get in without a scan too; the count inside never goes below zero).
        """
        lang = self.lang
        number, reason = self._identify(db, code)
        ticket = None
        if number is not None:
            found = db.execute(
                "SELECT number, site, audience FROM qr_tickets WHERE number = ?", (number,)
            ).fetchone()
            if found is None:
                reason = pick(lang, "不是本次活动的门票", "not a ticket of this event")
            else:
                ticket = {"number": found[0], "site": found[1], "audience": found[2]}
        at = at.astimezone(self.tz)
        if ticket is None:
            return {
                "result": "rejected",
                "reason": reason,
                "ticket": None,
                "scan_id": scan_id,
                "at": at.isoformat(),
            }
        self.headcount(
            db,
            audience="",
            delta=1,
            gate=gate,
            site=site,
            by=by,
            at=at,
            scan_id=scan_id,
            direction="out",
            source="scanned",
            ticket=ticket["number"],
        )
        first = db.execute(
            "SELECT at, ticket FROM qr_headcounts WHERE scan_id = ?", (scan_id,)
        ).fetchone()
        if first[1] != ticket["number"]:
            raise inputs.reused_scan_id(lang)
        return {
            "result": "out",
            "reason": pick(lang, "出场", "going out"),
            "ticket": ticket,
            "scan_id": scan_id,
            "at": first[0],
        }


class Forbidden(KexieError):
    """The volunteer's role may not do this (answered with 403)."""


#: The head counts that stand: an undone entry and the entry that undid it cancel out, and are
#: left out of every breakdown (both stay in the table, and in the report's corrections).
STANDING = (
    "corrects IS NULL AND (scan_id IS NULL OR scan_id NOT IN"
    " (SELECT corrects FROM qr_headcounts WHERE corrects IS NOT NULL))"
)

#: ``in``: people arriving; ``out``: people leaving (at an exit).
DIRECTIONS = ("in", "out")
#: How a number was obtained; ``paper`` and ``estimate`` are entered after the event.
SOURCES = ("counted", "scanned", "paper", "estimate")
LATER_SOURCES = ("paper", "estimate")


@contextlib.contextmanager
def _transaction(db: sqlite3.Connection):
    """One write transaction on a bare connection (the event store's or a bundle's).

    A failed statement may already have ended the transaction (SQLite does that on a full
    disk), so the rollback is only issued when one is still open.
    """
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


ADMISSIONS = """
SELECT s.ticket, s.gate, s.site, s.at, s.device, t.audience, t.site AS ticket_site
FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY ticket, admit_key ORDER BY at, scan_id) AS rank
    FROM qr_scans WHERE result = 'admitted'
) s JOIN qr_tickets t ON t.number = s.ticket
WHERE s.rank = 1
"""


def stats(db: sqlite3.Connection) -> dict:
    """Live counts: admissions (earliest wins), duplicates, rejections, walk-ins and exits.

    ``walk_ins`` are the people who came in without a ticket scan, however they were counted
    (at a gate, or from a paper sheet or an estimate entered later); ``exits`` are the people
    counted going out, per gate and site.
    """
    admissions = db.execute(ADMISSIONS).fetchall()
    results = dict(db.execute("SELECT result, COUNT(*) FROM qr_scans GROUP BY result").fetchall())
    admitted = len(admissions)
    duplicates = results.get("duplicate", 0) + results.get("admitted", 0) - admitted
    counts = {
        "admitted": admitted,
        "duplicates": duplicates,
        "rejected": results.get("rejected", 0),
        "walk_ins": 0,
        "total": admitted,
        "by_gate": {},
        "by_site": {},
        "by_audience": {},
        "exits": {"total": 0, "by_gate": {}, "by_site": {}},
    }

    def add(table: str, key: str | None, field: str, amount: int) -> None:
        bucket = counts[table].setdefault(key or "", {"admitted": 0, "walk_ins": 0})
        bucket[field] += amount

    for _ticket, gate, site, _at, _device, audience, ticket_site in admissions:
        add("by_gate", gate, "admitted", 1)
        add("by_site", site or ticket_site, "admitted", 1)
        add("by_audience", audience or "others", "admitted", 1)
    exits = counts["exits"]
    for gate, site, audience, direction, total in db.execute(
        "SELECT gate, site, audience, direction, SUM(delta) FROM qr_headcounts"
        " GROUP BY gate, site, audience, direction"
    ):
        if direction == "out":
            exits["total"] += total
            for table, key in (("by_gate", gate), ("by_site", site)):
                exits[table][key or ""] = exits[table].get(key or "", 0) + total
            continue
        counts["walk_ins"] += total
        if gate is not None:  # a paper sheet may name no gate
            add("by_gate", gate, "walk_ins", total)
        add("by_site", site, "walk_ins", total)
        add("by_audience", audience, "walk_ins", total)
    counts["total"] = admitted + counts["walk_ins"]
    return counts
