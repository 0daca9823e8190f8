"""The materials ledger in the event store: every SQL statement of the display-boards plugin.

One row of ``materials_records`` per entry: a quantity of an item handed out or shown at a
site on a day, with who recorded it and when.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import text

from kexie_events import volunteers
from kexie_events.model import Event
from kexie_events.records import MigrationScripts
from kexie_events.store import EventStore, now

#: The owner of the table (the plugin's name), as old stores recorded it.
OWNER = "display-boards"
MIGRATIONS = Path(__file__).parent / "migrations"

_RECORD = text(
    "INSERT INTO materials_records (item, site, day, quantity, at, by)"
    " VALUES (:item, :site, :day, :quantity, :at, :by)"
)
_TOTALS = text(
    "SELECT item, site, day, SUM(quantity) FROM materials_records GROUP BY item, site, day"
)
#: The records that tell who was on duty: every entry.
_ON_DUTY = "SELECT by, at FROM materials_records"


def migrations() -> list[MigrationScripts]:
    """The plugin's Alembic revisions (``display_boards_0001`` ...)."""
    return [MigrationScripts(OWNER, MIGRATIONS)]


def record(
    store: EventStore, item: str, site: str, day: dt.date, quantity: int, *, by: str
) -> None:
    """Record ``quantity`` of item ``item`` (its id) handed out or shown at ``site`` on ``day``."""
    with store.transaction() as db:
        db.execute(
            _RECORD,
            {
                "item": item,
                "site": site,
                "day": day.isoformat(),
                "quantity": quantity,
                "at": now().isoformat(),
                "by": by,
            },
        )


def recorded(store: EventStore) -> dict[tuple[str, str, dt.date], int]:
    """Totals per ``(item, site, day)``."""
    with store.reading() as db:
        rows = db.execute(_TOTALS).all()
    return {(item, site, dt.date.fromisoformat(day)): n for item, site, day, n in rows}


def on_duty(event: Event, store: EventStore) -> tuple[str, ...]:
    """The people who recorded materials on one of the event's days."""
    with store.reading() as db:
        return volunteers.on_duty(event, db, _ON_DUTY)
