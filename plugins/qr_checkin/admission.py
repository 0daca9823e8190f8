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
    ) -> bool:
        """Record walk-ins without tickets; ``False`` when ``scan_id`` was already recorded.

        A negative ``delta`` takes back walk-ins counted by mistake; it never takes the count
        of its gate, site and audience below zero (:class:`~kexie_events.inputs.Conflict`),
        so no total can go below zero either. The same ``scan_id`` with other content is a
        ``Conflict`` too.
        """
        if audience not in AUDIENCES:
            raise ValueError(f"audience must be one of {', '.join(AUDIENCES)}")
        at = at.astimezone(self.tz)
        with _transaction(db):
            if scan_id is not None:
                first = db.execute(
                    "SELECT gate, site, audience, delta, by FROM qr_headcounts WHERE scan_id = ?",
                    (scan_id,),
                ).fetchone()
                if first is not None:
                    if tuple(first) != (gate, site, audience, delta, by):
                        raise inputs.reused_scan_id(self.lang)
                    return False
            if delta < 0:
                counted = db.execute(
                    "SELECT COALESCE(SUM(delta), 0) FROM qr_headcounts"
                    " WHERE gate IS ? AND site IS ? AND audience = ?",
                    (gate, site, audience),
                ).fetchone()[0]
                if counted + delta < 0:
                    raise inputs.Conflict(
                        pick(
                            self.lang,
                            f"这里只记录了{counted}人，不能减去{-delta}人",
                            f"only {counted} counted here; cannot take back {-delta}",
                        )
                    )
            db.execute(
                "INSERT INTO qr_headcounts (scan_id, gate, site, audience, delta, at, by, device)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (scan_id, gate, site, audience, delta, at.isoformat(), by, self.device),
            )
        return True


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
    """Live counts: admissions (earliest wins), duplicates, rejections and walk-ins."""
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
    }

    def add(table: str, key: str | None, field: str, amount: int) -> None:
        bucket = counts[table].setdefault(key or "", {"admitted": 0, "walk_ins": 0})
        bucket[field] += amount

    for _ticket, gate, site, _at, _device, audience, ticket_site in admissions:
        add("by_gate", gate, "admitted", 1)
        add("by_site", site or ticket_site, "admitted", 1)
        add("by_audience", audience or "others", "admitted", 1)
    for gate, site, audience, total in db.execute(
        "SELECT gate, site, audience, SUM(delta) FROM qr_headcounts GROUP BY gate, site, audience"
    ):
        counts["walk_ins"] += total
        add("by_gate", gate, "walk_ins", total)
        add("by_site", site, "walk_ins", total)
        add("by_audience", audience, "walk_ins", total)
    counts["total"] = admitted + counts["walk_ins"]
    return counts
