"""Personal data: how long it is kept, and removing it for good (``kexie privacy``).

China's Personal Information Protection Law asks that personal information be kept no longer
than its purpose needs. Registrants' names and phones serve the event; ``[privacy]
retain_days`` (30 by default) says how many days after the end they are kept. ``kexie check``
warns once that time is past and some are left; ``kexie privacy purge`` removes them, keeps
every count, and records who purged and when.
"""

from __future__ import annotations

import datetime as dt

from kexie_events.errors import Problem
from kexie_events.i18n import date_text
from kexie_events.model import Event
from kexie_events.plugins import Plugins
from kexie_events.records import PersonalData
from kexie_events.store import EventStore, JournalEntry

PURGE_KIND = "privacy.purge"


def held(event: Event, store: EventStore, plugins: Plugins) -> list[PersonalData]:
    """The personal data the plugins still hold in the store."""
    found = plugins.collect(
        "kexie_personal_data", PersonalData, event=event, store=store, remove=False
    )
    return [record for record in found if record.records]


def purge(event: Event, store: EventStore, plugins: Plugins, *, by: str) -> list[PersonalData]:
    """Remove every plugin's personal data in one transaction, record it, then erase traces."""
    with store.transaction():
        removed = plugins.collect(
            "kexie_personal_data", PersonalData, event=event, store=store, remove=True
        )
        removed = [record for record in removed if record.records]
        store.append(
            PURGE_KIND,
            by=by,
            data={"removed": {f"{r.plugin}: {r.what}": r.records for r in removed}},
        )
    store.erase_freed_space()
    return removed


def purges(store: EventStore) -> list[JournalEntry]:
    """Every recorded purge, oldest first."""
    return store.entries(PURGE_KIND)


def overdue(event: Event, store: EventStore, plugins: Plugins, today: dt.date) -> Problem | None:
    """A warning when personal data is still held past ``[privacy] retain_days``."""
    until = event.privacy.kept_until(event.end)
    if today <= until:
        return None
    left = held(event, store, plugins)
    if not left:
        return None
    if event.lang == "zh":
        what = "；".join(f"{r.what}（{r.records}条）" for r in left)
        message = (
            f"个人信息只应保存到活动结束后{event.privacy.retain_days}天"
            f"（{date_text(until, 'zh')}），现仍保存着：{what}。"
            "请用 kexie privacy purge DIR 删除"
        )
    else:
        what = "; ".join(f"{r.what} ({r.records})" for r in left)
        message = (
            f"personal data is kept {event.privacy.retain_days} days after the event, until "
            f"{until:%Y-%m-%d}, and is still held: {what}; "
            "remove it with: kexie privacy purge DIR"
        )
    return Problem(("privacy", "retain_days"), message, "warning")
