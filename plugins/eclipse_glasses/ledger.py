"""The glasses ledger in the event store: every SQL statement of the eclipse-glasses plugin.

One row of ``glasses_handouts`` per handout: pairs handed out at a gate (on site) or collected
by a unit (beforehand), with who and when. Stock is never stored, it is the plan's; what is
left is the stock minus every handout, and a handout that would take more than is left is
refused inside the transaction that would record it.

Two servers sharing a PostgreSQL store could each count the same pairs as left; so every
handout first takes the stock's turn (an update of its row in ``glasses_turns``), which the
other server's handout waits for until this one is committed. SQLite writers take turns
anyway.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import attrs
from sqlalchemy import text

from kexie_events import volunteers
from kexie_events.model import Event
from kexie_events.records import Attendance, MigrationScripts
from kexie_events.store import EventStore

#: The owner of the tables (the plugin's name), as old stores recorded it.
OWNER = "eclipse-glasses"
MIGRATIONS = Path(__file__).parent / "migrations"

_TAKE_TURN = text(
    "INSERT INTO glasses_turns (name, turns) VALUES ('stock', 1)"
    " ON CONFLICT (name) DO UPDATE SET turns = glasses_turns.turns + 1"
)
_PAIRS_OUT = text("SELECT COALESCE(SUM(pairs), 0) FROM glasses_handouts")
_PER_UNIT_AND_GATE = text("SELECT unit, gate, SUM(pairs) FROM glasses_handouts GROUP BY unit, gate")
_HAND_OUT = text(
    "INSERT INTO glasses_handouts (unit, gate, site, pairs, at, by)"
    " VALUES (:unit, :gate, :site, :pairs, :at, :by)"
)
#: The records that tell who was on duty: handouts at a gate (a unit's collection is not).
_ON_DUTY = "SELECT by, at FROM glasses_handouts WHERE gate IS NOT NULL"


def migrations() -> list[MigrationScripts]:
    """The plugin's Alembic revisions (``eclipse_glasses_0001`` ...)."""
    return [MigrationScripts(OWNER, MIGRATIONS)]


@attrs.frozen
class Handouts:
    """Pairs handed out so far: ``per_unit`` (collected beforehand) and ``per_gate`` (on site)."""

    per_unit: dict[str, int]
    per_gate: dict[str, int]

    @property
    def total(self) -> int:
        """Every pair handed out."""
        return sum(self.per_unit.values()) + sum(self.per_gate.values())


class OutOfStock(Exception):
    """A handout larger than what is left; nothing was recorded.

    Attributes:
        left: the pairs that are left.
    """

    def __init__(self, left: int):
        self.left = left
        super().__init__(f"{left} pairs left")


def handed_out(store: EventStore) -> Handouts:
    """Pairs handed out so far, per unit and per gate."""
    with store.reading() as db:
        rows = db.execute(_PER_UNIT_AND_GATE).all()
    return Handouts(
        per_unit={unit: pairs for unit, gate, pairs in rows if unit is not None},
        per_gate={gate: pairs for unit, gate, pairs in rows if gate is not None},
    )


def hand_out(
    store: EventStore,
    *,
    stock: int,
    pairs: int,
    at: dt.datetime,
    by: str,
    unit: str | None = None,
    gate: str | None = None,
    site: str | None = None,
) -> int:
    """Record ``pairs`` handed out at ``gate`` or collected by ``unit``; return the pairs left.

    :class:`OutOfStock` when fewer than ``pairs`` of the ``stock`` are left.
    """
    with store.transaction() as db:
        db.execute(_TAKE_TURN)
        left = stock - db.execute(_PAIRS_OUT).scalar_one()
        if pairs > left:
            raise OutOfStock(left)
        db.execute(
            _HAND_OUT,
            {
                "unit": unit,
                "gate": gate,
                "site": site,
                "pairs": pairs,
                "at": at.isoformat(),
                "by": by,
            },
        )
    return left - pairs


def volunteers_at_gates(event: Event, store: EventStore) -> Attendance:
    """The people who handed out glasses at a gate on one of the event's days, and when."""
    with store.reading() as db:
        return Attendance(
            volunteers=volunteers.on_duty(event, db, _ON_DUTY),
            worked=volunteers.worked(db, _ON_DUTY),
        )
