"""The emergency plan of one event: its checklist, what is ticked, and the incident log."""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Collection
from functools import cache
from pathlib import Path

import attrs

from kexie_events.errors import KexieError
from kexie_events.fields import TableReader, suggest
from kexie_events.i18n import pick
from kexie_events.lifecycle import PHASES
from kexie_events.model import ChecklistItem, Event
from kexie_events.store import EventStore, now
from kexie_plugins.emergency_plan import ledger

NAME = "emergency-plan"
INCIDENT_TYPES = ("heat", "eye-injury", "lost-child", "injury", "crowding", "weather", "other")
INCIDENT_LABELS = {
    "heat": ("中暑", "Heat"),
    "eye-injury": ("眼部不适", "Eye complaint"),
    "lost-child": ("儿童走失", "Lost child"),
    "injury": ("受伤", "Injury"),
    "crowding": ("拥挤", "Crowding"),
    "weather": ("恶劣天气", "Bad weather"),
    "other": ("其他", "Other"),
}


@cache
def library() -> dict:
    """The ready-made checklists and procedures shipped with the plugin."""
    return tomllib.loads((Path(__file__).parent / "checklists.toml").read_text(encoding="utf-8"))


@attrs.frozen
class Contact:
    """A name to call in an emergency."""

    role: str
    name: str
    phone: str


@attrs.frozen
class Route:
    """How people leave a site, and where they gather."""

    site: str
    route: str
    assembly_point: str = ""


@attrs.frozen
class EmergencyPlan:
    """The event's checklist (ready-made lists plus its own items), contacts and routes:
    ``[plugins.emergency-plan]`` as read, which the plugin's hooks get as ``config``."""

    lists: tuple[str, ...]
    items: tuple[ChecklistItem, ...]
    contacts: tuple[Contact, ...]
    routes: tuple[Route, ...]
    procedures: tuple[dict, ...]

    def item(self, item_id: str) -> ChecklistItem:
        """The item with this id; a clear error with a suggestion otherwise."""
        for item in self.items:
            if item.id == item_id:
                return item
        ids = [i.id for i in self.items]
        raise KexieError(f"no checklist item {item_id!r}{suggest(item_id, ids)}")


def _deadline(event: Event, phase: str, days: int) -> dt.datetime:
    anchor = event.end if phase == "report" else event.start
    if phase == "onsite" and days == 0:
        return event.start
    day = anchor.date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(17, 0), tzinfo=event.tz)


def read_plan(reader: TableReader, event: Event) -> EmergencyPlan:
    """The event's emergency plan, from the section ``reader`` reads (which keeps its
    problems)."""
    lang = event.lang
    known = library()["lists"]
    chosen = ("base", *reader.texts("checklists", choices=[k for k in known if k != "base"]))
    items: dict[str, ChecklistItem] = {}
    for list_id in chosen:
        for raw in known[list_id]["items"]:
            items[raw["id"]] = ChecklistItem(
                id=raw["id"],
                phase=raw["phase"],
                text=raw[lang],
                owner=raw[f"owner_{lang}"],
                deadline=_deadline(event, raw["phase"], raw["days"]),
                critical=raw["critical"],
            )
    for index, item_id in enumerate(reader.texts("remove")):
        if items.pop(item_id, None) is None:
            reader.error(
                ("remove", index), f"no ready-made item {item_id!r}{suggest(item_id, list(items))}"
            )
    for own in reader.tables("items"):
        item_id = own.text("id", required=True)
        if item_id in items:
            own.error("id", f"item {item_id!r} already exists; choose another id")
        phase = own.text("phase", required=True, choices=PHASES)
        item = ChecklistItem(
            id=item_id or "",
            phase=phase or "plan",
            text=own.text("text", required=True) or "",
            owner=own.text("owner", "") or "",
            deadline=own.moment("deadline", event.tz),
            critical=own.boolean("critical", False),
        )
        own.finish()
        if item_id:
            items[item_id] = item
    contacts = []
    for table in reader.tables("contacts"):
        contacts.append(
            Contact(
                table.text("role", required=True) or "",
                table.text("name", required=True) or "",
                table.text("phone", required=True) or "",
            )
        )
        table.finish()
    sites = {s.id for s in event.sites}
    routes = []
    for table in reader.tables("evacuation"):
        site = table.text("site", required=True)
        if site and site not in sites:
            table.error("site", f"no site {site!r}{suggest(site, sorted(sites))}")
        routes.append(
            Route(
                site or "",
                table.text("route", required=True) or "",
                table.text("assembly_point", "") or "",
            )
        )
        table.finish()
    routed = {route.site for route in routes}
    for site in event.sites:
        if site.id not in routed:
            reader.warning(
                "evacuation",
                pick(
                    lang,
                    f"场地“{site.name}”没有疏散路线（[[plugins.emergency-plan.evacuation]] "
                    f'site = "{site.id}"），应急预案中只能写“由场地负责人现场确定”',
                    f"site {site.id!r} ({site.name}) has no evacuation route "
                    f'([[plugins.emergency-plan.evacuation]] site = "{site.id}"); the plan can '
                    "only say the site manager will decide on the day",
                ),
            )
    if not contacts:
        reader.warning(
            (),
            pick(
                lang,
                "应急预案没有联络人（[[plugins.emergency-plan.contacts]]）",
                "the emergency plan lists no contacts",
            ),
        )
    procedures = tuple(p for p in library()["procedures"] if set(p["lists"]) & set(chosen))
    order = {phase: index for index, phase in enumerate(PHASES)}
    ordered = sorted(items.values(), key=lambda i: (order[i.phase], i.deadline or event.start))
    return EmergencyPlan(chosen, tuple(ordered), tuple(contacts), tuple(routes), procedures)


def tick(
    store: EventStore,
    plan: EmergencyPlan,
    item_id: str,
    *,
    by: str,
    done: bool = True,
    note: str | None = None,
) -> ChecklistItem:
    """Tick (or untick) an item; both are recorded with who and when."""
    item = plan.item(item_id)
    if not ledger.tick(store, item_id, done=done, at=now(), by=by, note=note):
        raise KexieError(f"{item_id!r} is already {'ticked' if done else 'open'}")
    return item


def open_critical_before(
    plan: EmergencyPlan, ticked: Collection[str], phase: str
) -> list[ChecklistItem]:
    """Critical items of phases before ``phase`` that are not ``ticked`` (ids)."""
    limit = PHASES.index(phase)
    return [
        item
        for item in plan.items
        if item.critical and PHASES.index(item.phase) < limit and item.id not in ticked
    ]


def log_incident(
    store: EventStore,
    event: Event,
    *,
    kind: str,
    what: str,
    done: str,
    by: str,
    site: str | None = None,
    gate: str | None = None,
    at: dt.datetime | None = None,
) -> int:
    """Record an incident: when, where, what happened, what was done, by whom."""
    if kind not in INCIDENT_TYPES:
        raise KexieError(
            f"incident type must be one of {', '.join(INCIDENT_TYPES)}"
            f"{suggest(kind, INCIDENT_TYPES)}"
        )
    if not what.strip() or not done.strip():
        raise KexieError("say what happened and what was done")
    if site is not None and site not in {s.id for s in event.sites}:
        raise KexieError(f"no site {site!r}")
    moment = (at or now()).astimezone(event.tz)
    incident = ledger.Incident(moment, site, gate, kind, what.strip(), done.strip(), by)
    return ledger.log_incident(store, incident)
