"""qr-checkin 3: the admission rule and the live counters, kept by the database.

- ``qr_admissions``: the winning admitted scan of each ticket and admission period, the
  earliest by (time as a moment, then ``scan_id``). Its primary key is the rule: two gates
  admitting one ticket at once cannot both insert.
- ``qr_counts``: people by local day, 10-minute slot, site, gate, audience, source and
  direction; the one counter the live page, the board and the report read.
- ``qr_totals``: the same counter summed over days and slots (a few hundred rows at most),
  kept by the same statements, so that the live figures read a few rows whatever the number of
  days, slots and scans.
- ``qr_inside``: people inside each site on each local day, never below 0.
- ``qr_scan_results``: scans by result (admitted, duplicate, rejected).

All five are filled from the scans and head counts already recorded, so an upgraded store shows
the figures it showed before. Every release stored times in the event's zone, so a time's local
day and 10-minute slot are read from its text: ``2027-09-24T09:37:12+08:00`` is day
``2027-09-24``, slot ``09:30``.
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "qr_checkin_0003"
down_revision = "qr_checkin_0002"
branch_labels = None
depends_on = None

BATCH = 2000

_ADMITTED_SCANS = sa.text(
    "SELECT s.ticket, s.admit_key, s.scan_id, s.at, s.gate, s.site FROM qr_scans s"
    " JOIN qr_tickets t ON t.number = s.ticket"
    " WHERE s.result = 'admitted' AND s.admit_key IS NOT NULL"
    " ORDER BY s.ticket, s.admit_key"
)
_ADD_ADMISSION = sa.text(
    "INSERT INTO qr_admissions (ticket, admit_key, scan_id, at, gate, site)"
    " VALUES (:ticket, :admit_key, :scan_id, :at, :gate, :site)"
)
_COUNT_ADMISSIONS = sa.text(
    "INSERT INTO qr_counts (day, slot, site, gate, audience, source, direction, people)"
    " SELECT day, slot, site, gate, audience, 'scanned', 'in', COUNT(*) FROM ("
    "  SELECT substr(a.at, 1, 10) AS day, substr(a.at, 12, 4) || '0' AS slot,"
    "   COALESCE(NULLIF(a.site, ''), NULLIF(t.site, ''), '') AS site,"
    "   COALESCE(a.gate, '') AS gate, COALESCE(NULLIF(t.audience, ''), 'others') AS audience"
    "  FROM qr_admissions a JOIN qr_tickets t ON t.number = a.ticket"
    " ) AS admissions GROUP BY day, slot, site, gate, audience"
)
#: Head counts that stand: neither an undo nor undone (an entry and its undo cancel out).
_STANDING = (
    "corrects IS NULL AND (scan_id IS NULL OR scan_id NOT IN"
    " (SELECT corrects FROM qr_headcounts WHERE corrects IS NOT NULL))"
)
_COUNT_HEADCOUNTS = sa.text(
    "INSERT INTO qr_counts (day, slot, site, gate, audience, source, direction, people)"
    " SELECT day, slot, site, gate, audience, source, direction, SUM(delta) FROM ("
    "  SELECT substr(at, 1, 10) AS day, substr(at, 12, 4) || '0' AS slot,"
    "   COALESCE(site, '') AS site, COALESCE(gate, '') AS gate, audience, source, direction,"
    "   delta"
    f"  FROM qr_headcounts WHERE {_STANDING}"
    " ) AS entries GROUP BY day, slot, site, gate, audience, source, direction"
)
_TOTALS = sa.text(
    "INSERT INTO qr_totals (site, gate, audience, source, direction, people)"
    " SELECT site, gate, audience, source, direction, SUM(people) FROM qr_counts"
    " GROUP BY site, gate, audience, source, direction"
)
_MOVES = sa.text(
    "SELECT at, site, change, arriving FROM ("
    " SELECT a.at AS at, COALESCE(NULLIF(a.site, ''), NULLIF(t.site, ''), '') AS site,"
    "  1 AS change, 1 AS arriving"
    " FROM qr_admissions a JOIN qr_tickets t ON t.number = a.ticket"
    " UNION ALL"
    " SELECT at, COALESCE(site, ''),"
    "  CASE WHEN direction = 'in' THEN delta ELSE -delta END,"
    "  CASE WHEN direction = 'in' THEN 1 ELSE 0 END"
    f" FROM qr_headcounts WHERE source IN ('counted', 'scanned') AND {_STANDING}"
    ") AS moves ORDER BY at"
)
_ADD_INSIDE = sa.text("INSERT INTO qr_inside (day, site, people) VALUES (:day, :site, :people)")
_COUNT_RESULTS = sa.text(
    "INSERT INTO qr_scan_results (result, scans) SELECT result, COUNT(*) FROM qr_scans"
    " GROUP BY result"
)


def upgrade() -> None:
    op.create_table(
        "qr_admissions",
        sa.Column("ticket", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("admit_key", sa.Text, nullable=False),
        sa.Column("scan_id", sa.Text, nullable=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("gate", sa.Text),
        sa.Column("site", sa.Text),
        sa.PrimaryKeyConstraint("ticket", "admit_key"),
    )
    op.create_table(
        "qr_counts",
        sa.Column("day", sa.Text, nullable=False),
        sa.Column("slot", sa.Text, nullable=False),
        sa.Column("site", sa.Text, nullable=False, server_default=""),
        sa.Column("gate", sa.Text, nullable=False, server_default=""),
        sa.Column("audience", sa.Text, nullable=False, server_default=""),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("direction", sa.Text, nullable=False),
        sa.Column("people", sa.Integer, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("day", "slot", "site", "gate", "audience", "source", "direction"),
        sa.CheckConstraint("source IN ('scanned', 'counted', 'paper', 'estimate')"),
        sa.CheckConstraint("direction IN ('in', 'out')"),
    )
    op.create_table(
        "qr_totals",
        sa.Column("site", sa.Text, nullable=False, server_default=""),
        sa.Column("gate", sa.Text, nullable=False, server_default=""),
        sa.Column("audience", sa.Text, nullable=False, server_default=""),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("direction", sa.Text, nullable=False),
        sa.Column("people", sa.Integer, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("site", "gate", "audience", "source", "direction"),
    )
    op.create_table(
        "qr_inside",
        sa.Column("day", sa.Text, nullable=False),
        sa.Column("site", sa.Text, nullable=False, server_default=""),
        sa.Column("people", sa.Integer, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("day", "site"),
        sa.CheckConstraint("people >= 0"),
    )
    op.create_table(
        "qr_scan_results",
        sa.Column("result", sa.Text, primary_key=True),
        sa.Column("scans", sa.Integer, nullable=False),
    )
    backfill(op.get_bind())


def backfill(bind) -> None:
    """Fill the admissions, counters and tallies from the scans and head counts recorded."""
    _fill_admissions(bind)
    bind.execute(_COUNT_ADMISSIONS)
    bind.execute(_COUNT_HEADCOUNTS)
    bind.execute(_TOTALS)
    _fill_inside(bind)
    bind.execute(_COUNT_RESULTS)


def _moment(at: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(at)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _fill_admissions(bind) -> None:
    """The earliest admitted scan of each ticket and period, by moment and then scan id."""
    batch: list[dict] = []
    best: dict | None = None
    rows = bind.execute(_ADMITTED_SCANS, execution_options={"yield_per": BATCH})
    for ticket, admit_key, scan_id, at, gate, site in rows:
        row = {
            "ticket": ticket,
            "admit_key": admit_key,
            "scan_id": scan_id,
            "at": at,
            "gate": gate,
            "site": site,
        }
        if best is not None and (best["ticket"], best["admit_key"]) == (ticket, admit_key):
            if (_moment(at), scan_id) < (_moment(best["at"]), best["scan_id"]):
                best = row
            continue
        if best is not None:
            batch.append(best)
        best = row
        if len(batch) >= BATCH:
            bind.execute(_ADD_ADMISSION, batch)
            batch = []
    if best is not None:
        batch.append(best)
    if batch:
        bind.execute(_ADD_ADMISSION, batch)


def _fill_inside(bind) -> None:
    """People inside each site at the end of each local day: from 0 each day, never below 0,
    people coming in before others go out at the same moment."""
    day: str | None = None
    moves: list[tuple] = []
    inside: list[dict] = []

    def close(day: str, moves: list[tuple]) -> None:
        people: dict[str, int] = {}
        moves.sort(key=lambda move: (move[0], not move[3]))
        for _when, site, change, _arriving in moves:
            people[site] = max(0, people.get(site, 0) + change)
        inside.extend({"day": day, "site": site, "people": n} for site, n in people.items())

    rows = bind.execute(_MOVES, execution_options={"yield_per": BATCH})
    for at, site, change, arriving in rows:
        if at[:10] != day:
            if day is not None:
                close(day, moves)
            day, moves = at[:10], []
        moves.append((_moment(at), site, int(change), bool(arriving)))
    if day is not None:
        close(day, moves)
    for start in range(0, len(inside), BATCH):
        bind.execute(_ADD_INSIDE, inside[start : start + BATCH])
