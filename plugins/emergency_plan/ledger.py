"""The emergency ledger in the event store: every SQL statement of the emergency-plan plugin.

``emergency_ticks`` keeps every tick and untick of a checklist item, with who and when; an
item's state is its latest row. ``emergency_incidents`` is the incident log.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import attrs
from sqlalchemy import text

from kexie_events import volunteers
from kexie_events.model import Event
from kexie_events.records import MigrationScripts
from kexie_events.store import EventStore

#: The owner of the tables (the plugin's name), as old stores recorded it.
OWNER = "emergency-plan"
MIGRATIONS = Path(__file__).parent / "migrations"

_LATEST_TICKS = text(
    "SELECT item, ticked, at, by FROM emergency_ticks WHERE id IN"
    " (SELECT MAX(id) FROM emergency_ticks GROUP BY item)"
)
_LATEST_TICK_OF = text(
    "SELECT ticked FROM emergency_ticks WHERE item = :item ORDER BY id DESC LIMIT 1"
)
_TICK = text(
    "INSERT INTO emergency_ticks (item, ticked, at, by, note)"
    " VALUES (:item, :ticked, :at, :by, :note)"
)
_LOG_INCIDENT = text(
    "INSERT INTO emergency_incidents (at, site, gate, type, what, done, by)"
    " VALUES (:at, :site, :gate, :type, :what, :done, :by) RETURNING id"
)
_INCIDENTS = text(
    "SELECT at, site, gate, type, what, done, by FROM emergency_incidents ORDER BY at, id"
)
#: The records that tell who was on duty: ticks and incidents.
_ON_DUTY = "SELECT by, at FROM emergency_ticks UNION ALL SELECT by, at FROM emergency_incidents"


def migrations() -> list[MigrationScripts]:
    """The plugin's Alembic revisions (``emergency_plan_0001`` ...)."""
    return [MigrationScripts(OWNER, MIGRATIONS)]


@attrs.frozen
class Incident:
    """An incident as logged.

    Attributes:
        at: when it happened, aware (as logged: in the event's time zone).
        site, gate: where, ``None`` when not said.
        type: one of :data:`~kexie_plugins.emergency_plan.plan.INCIDENT_TYPES`.
        what: what happened.
        done: what was done about it.
        by: who logged it.
    """

    at: dt.datetime
    site: str | None
    gate: str | None
    type: str
    what: str
    done: str
    by: str


@attrs.frozen
class ChecklistTick:
    """The latest tick or untick of a checklist item: its state, and who set it when.

    Attributes:
        item: the item's id.
        ticked: ``True`` when it was ticked, ``False`` when it was unticked.
        at: when, aware.
        by: who ticked or unticked it.
    """

    item: str
    ticked: bool
    at: dt.datetime
    by: str


def latest_ticks(store: EventStore) -> dict[str, ChecklistTick]:
    """Each item's latest tick or untick, by item id; items never ticked are absent."""
    with store.reading() as db:
        rows = db.execute(_LATEST_TICKS).all()
    return {
        item: ChecklistTick(item, bool(done), dt.datetime.fromisoformat(at), by)
        for item, done, at, by in rows
    }


def ticked_items(store: EventStore) -> frozenset[str]:
    """The ids of the items that are ticked now."""
    return frozenset(item for item, tick in latest_ticks(store).items() if tick.ticked)


def tick(
    store: EventStore, item: str, *, done: bool, at: dt.datetime, by: str, note: str | None
) -> bool:
    """Record ``item`` ticked (``done``) or unticked; ``False`` (and nothing recorded) when it
    is in that state already."""
    with store.transaction() as db:
        current = db.execute(_LATEST_TICK_OF, {"item": item}).scalar()
        if bool(current) == done:
            return False
        db.execute(
            _TICK,
            {"item": item, "ticked": int(done), "at": at.isoformat(), "by": by, "note": note},
        )
    return True


def log_incident(store: EventStore, incident: Incident) -> int:
    """Add ``incident`` to the log; return its number."""
    with store.transaction() as db:
        row = {**attrs.asdict(incident), "at": incident.at.isoformat()}
        return db.execute(_LOG_INCIDENT, row).scalar_one()


def incidents(store: EventStore) -> list[Incident]:
    """Every incident, oldest first."""
    with store.reading() as db:
        return [
            Incident(dt.datetime.fromisoformat(at), *rest) for at, *rest in db.execute(_INCIDENTS)
        ]


def on_duty(event: Event, store: EventStore) -> tuple[str, ...]:
    """The people who ticked an item or logged an incident on one of the event's days."""
    with store.reading() as db:
        return volunteers.on_duty(event, db, _ON_DUTY)
