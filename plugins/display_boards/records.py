"""What was actually handed out or shown, per item, site and day."""

from __future__ import annotations

import datetime as dt

from kexie_events.store import EventStore, now
from kexie_plugins.display_boards.planning import Item


def record(
    store: EventStore, item: Item, site: str, day: dt.date, quantity: int, *, by: str
) -> None:
    """Record ``quantity`` of ``item`` handed out or shown at ``site`` on ``day``."""
    with store.transaction() as db:
        db.execute(
            "INSERT INTO materials_records (item, site, day, quantity, at, by)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (item.id, site, day.isoformat(), quantity, now().isoformat(), by),
        )


def recorded(store: EventStore) -> dict[tuple[str, str, dt.date], int]:
    """Totals per (item, site, day)."""
    rows = store.connection.execute(
        "SELECT item, site, day, SUM(quantity) FROM materials_records GROUP BY item, site, day"
    )
    return {(item, site, dt.date.fromisoformat(day)): n for item, site, day, n in rows}
