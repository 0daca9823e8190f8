"""The console's page for the day of the event: the live figures, paper counts and incidents.

Mount :func:`routes` in the console's app (behind :class:`~.auth.ConsoleAuth`):

- ``GET  /console/events/{event_id}/onsite``: links to the event's volunteer page and live
  board, the live figures, and the forms to enter a paper sign-in sheet and log an incident,
  each with what was entered so far.
- ``GET  /console/events/{event_id}/onsite/counts``: the live figures alone (htmx asks for them
  every 5 seconds); the numbers of ``GET /api/v1/stats``, read by the same function.
- ``POST /console/events/{event_id}/onsite/paper``: what ``kexie headcount add DIR`` records
  (a head count with its source, ``paper`` or ``estimate``, on the day it happened).
- ``POST /console/events/{event_id}/onsite/incidents``: what ``kexie incident add DIR`` records.

Both forms check every field as the phone's API and the CLI check them (:mod:`kexie_events.inputs`,
messages in the event's language), answer 422 with each problem beside its field when one is
wrong (nothing recorded), and otherwise record with the organiser's name as ``by`` and go back
to the page (303).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter

from starlette.responses import Response
from starlette.routing import Route

from kexie_events import inputs
from kexie_events.errors import KexieError
from kexie_events.i18n import count_text, date_text, pick, term, time_text
from kexie_events.model import AUDIENCES, Event
from kexie_events.plugins import Plugins
from kexie_events.store import EventStore, now
from kexie_plugins.emergency_plan.plan import INCIDENT_LABELS, INCIDENT_TYPES
from kexie_plugins.emergency_plan.plan import NAME as EMERGENCY_PLAN
from kexie_plugins.emergency_plan.plan import log_incident as log_event_incident
from kexie_plugins.qr_checkin.config import NAME as QR_CHECKIN

from . import event_access
from .day_pages import when
from .day_words import WORDS
from .event_access import console_path
from .event_pages import EventPages, Visit, event_route
from .root import Root

#: The head count sources an organiser types in after the event (``kexie headcount add``).
PAPER_SOURCES = ("paper", "estimate")
#: Who recorded an entry typed in the console, as the store keeps it (``device``).
DEVICE = "console"
#: How often the live figures are asked for again, in seconds.
REFRESH_SECONDS = 5


def live_figures(event: Event, store: EventStore, lang: str) -> dict:
    """The figures of ``GET /api/v1/stats`` (the same function reads them), ready to show."""
    from kexie_plugins.qr_checkin.web import live_counts

    counts = live_counts(event, store)
    inside = counts["inside"]
    sites = []
    for site in event.sites:
        came = counts["by_site"].get(site.id, {"admitted": 0, "walk_ins": 0})
        here = inside["by_site"].get(site.id, {"inside": 0, "capacity": None, "level": "ok"})
        sites.append(
            {
                "name": site.name,
                "total": count_text(came["admitted"] + came["walk_ins"], lang),
                "inside": count_text(here["inside"], lang),
                "capacity": count_text(here["capacity"], lang) if here["capacity"] else "",
                "level": here["level"],
            }
        )
    figures = [
        (WORDS[lang]["total"], counts["total"]),
        (term("admitted", lang, capital=True), counts["admitted"]),
        (term("walk_in", lang, many=True, capital=True), counts["walk_ins"]),
        (term("inside", lang, capital=True), inside["total"]),
        (term("exit", lang, many=True, capital=True), counts["exits"]["total"]),
        (term("duplicate", lang, many=True, capital=True), counts["duplicates"]),
        (term("rejected", lang, capital=True), counts["rejected"]),
    ]
    return {
        "figures": [(label, count_text(number, lang)) for label, number in figures],
        "sites": sites,
        "updated": time_text(now().astimezone(event.tz)),
    }


def paper_counts(event: Event, store: EventStore, lang: str) -> list[dict]:
    """People entered from paper sheets and estimates, by day, site, gate, audience and source
    (what is left after any entry taken back)."""
    from kexie_events.report import audience_label
    from kexie_plugins.qr_checkin import ledger

    with store.reading() as db:
        rows = ledger.count_rows(db)
    people: Counter = Counter()
    for row in rows:
        if row.source in PAPER_SOURCES and row.direction == "in":
            people[(row.day, row.site, row.gate, row.audience, row.source)] += row.people
    names = {site.id: site.name for site in event.sites}
    return [
        {
            "date": date_text(dt.date.fromisoformat(day), lang),
            "site": names.get(site, site),
            "gate": gate,
            "audience": audience_label(audience, lang),
            "source": term(source, lang),
            "people": count_text(number, lang),
        }
        for (day, site, gate, audience, source), number in sorted(people.items())
        if number
    ]


def incident_rows(event: Event, store: EventStore, lang: str) -> list[dict]:
    """The incidents logged so far, oldest first, as the page lists them."""
    from kexie_plugins.emergency_plan.ledger import incidents

    names = {site.id: site.name for site in event.sites}
    return [
        {
            "at": when(row.at, lang, event.tz),
            "type": pick(lang, *INCIDENT_LABELS.get(row.type, (row.type, row.type))),
            "place": " · ".join(filter(None, [names.get(row.site or "", row.site), row.gate])),
            "what": row.what,
            "done": row.done,
            "by": row.by,
        }
        for row in incidents(store)
    ]


class FormProblems(Exception):
    """Fields of a form that cannot be recorded as they are: ``{field: message}``."""

    def __init__(self, problems: dict[str, str]):
        self.problems = problems
        super().__init__("; ".join(problems.values()))


def _whole_number(value: str, field: str, *, lang: str, label: str) -> int:
    """A count typed in a form (``12``, full-width ``１２``) as the number ``inputs`` checks."""
    typed = value.strip().translate(inputs.FULL_WIDTH_DIGITS)
    if typed == "":
        return inputs.whole_number(None, field, lang=lang, label=label)
    if not (typed.isascii() and typed.isdigit()):
        raise inputs.InputError(
            field, pick(lang, f"{label}必须是整数", f"{label} must be a whole number")
        )
    return inputs.whole_number(int(typed), field, lang=lang, label=label)


class _Checks:
    """Runs a form's checks (:mod:`kexie_events.inputs`) one by one and keeps every problem,
    not only the first, each under its field.

    ``names`` maps site ids to the sites' names: a page names a site as people know it.
    """

    def __init__(self, names: dict[str, str]):
        self.names = names
        self.problems: dict[str, str] = {}

    def __call__(self, check, value, field: str, **options):
        """``check(value, field, **options)``, or ``None`` and the problem kept."""
        try:
            return check(value, field, **options)
        except inputs.InputError as error:
            self._keep(error, field)
            return None

    def place(self, event: Event, gate: str | None, site: str) -> tuple[str | None, str]:
        """The checked gate and site (:func:`kexie_events.inputs.place`)."""
        try:
            return inputs.place(event, gate, site)
        except inputs.InputError as error:
            self._keep(error, "gate")
            return None, site

    def _keep(self, error: inputs.InputError, field: str) -> None:
        message = str(error)
        for site_id, name in self.names.items():
            message = message.replace(f"“{site_id}”", f"“{name}”")
        self.problems.setdefault(error.field or field, message)

    def finish(self) -> None:
        """:class:`FormProblems` when any check failed."""
        if self.problems:
            raise FormProblems(self.problems)


def record_paper_count(event: Event, store: EventStore, form: dict[str, str], by: str) -> None:
    """Check a paper sheet's fields and record it as ``kexie headcount add`` does.

    :class:`FormProblems` names every field that is wrong (in the event's language); nothing
    is recorded then.
    """
    from kexie_plugins.qr_checkin.admission import Gatekeeper

    lang = event.lang
    check = _Checks({site.id: site.name for site in event.sites})
    site = check(
        inputs.one_of,
        form.get("site"),
        "site",
        options=[site.id for site in event.sites],
        lang=lang,
        label=pick(lang, "场地", "site"),
    )
    at = check(
        inputs.event_moment,
        form.get("date", "").strip()[:10],  # a day, never a time of it
        "date",
        event=event,
        label=pick(lang, "日期", "date"),
    )
    audience = check(
        inputs.one_of,
        form.get("audience"),
        "audience",
        options=AUDIENCES,
        lang=lang,
        label=pick(lang, "人群", "audience group"),
    )
    count = check(
        _whole_number, form.get("count", ""), "count", lang=lang, label=pick(lang, "人数", "people")
    )
    source = check(
        inputs.one_of,
        form.get("source") or "paper",
        "source",
        options=PAPER_SOURCES,
        lang=lang,
        label=pick(lang, "来源", "source"),
    )
    note = check(
        inputs.text,
        form.get("note"),
        "note",
        lang=lang,
        label=pick(lang, "说明", "note"),
        required=False,
    )
    gate = None
    if site is not None:
        gate, site = check.place(event, form.get("gate") or None, site)
    check.finish()
    keeper = Gatekeeper(None, event.tz, lang, device=DEVICE)
    keeper.headcount(
        store,
        audience=audience,
        delta=count,
        gate=gate,
        site=site,
        by=by,
        at=at,
        scan_id=f"{source}-{uuid.uuid4().hex[:12]}",
        source=source,
        note=note,
    )


def log_incident(event: Event, store: EventStore, form: dict[str, str], by: str) -> None:
    """Check an incident's fields and log it as ``kexie incident add`` does.

    :class:`FormProblems` names every field that is wrong; nothing is logged then.
    """
    lang = event.lang
    check = _Checks({site.id: site.name for site in event.sites})
    kind = check(
        inputs.one_of,
        form.get("type"),
        "type",
        options=INCIDENT_TYPES,
        lang=lang,
        label=pick(lang, "事件类型", "incident type"),
    )
    what, done = (
        check(inputs.text, form.get(key), key, lang=lang, label=label)
        for key, label in (
            ("what", pick(lang, "发生了什么", "what happened")),
            ("done", pick(lang, "如何处置", "what was done")),
        )
    )
    site = None
    if form.get("site"):
        site = check(
            inputs.one_of,
            form.get("site"),
            "site",
            options=[site.id for site in event.sites],
            lang=lang,
            label=pick(lang, "场地", "site"),
        )
    gate = check(
        inputs.text,
        form.get("gate"),
        "gate",
        lang=lang,
        label=pick(lang, "入口或位置", "gate or place"),
        limit=inputs.NAME_LIMIT,
        required=False,
    )
    at = check(
        inputs.event_moment, form.get("at"), "at", event=event, label=pick(lang, "时间", "time")
    )
    check.finish()
    log_event_incident(
        store, event, kind=kind, what=what, done=done, by=by, site=site, gate=gate, at=at
    )


def _default_moment(event: Event) -> str:
    """Now, for a ``datetime-local`` field, when today is a day of the event; else nothing."""
    moment = now().astimezone(event.tz)
    return moment.strftime("%Y-%m-%dT%H:%M") if moment.date() in event.days else ""


class _Pages:
    """The handlers of :func:`routes`."""

    def __init__(self, root: Root):
        self.root = root

    def _values(self, visit: Visit) -> dict:
        from kexie_events.report import audience_label

        event, store, lang = visit.event, visit.store, visit.lang
        checkin = QR_CHECKIN in event.configs
        emergency = EMERGENCY_PLAN in event.configs
        prefix = event_access.served_at(self.root, visit.event_id)
        today = now().astimezone(event.tz).date()
        incident_types = [(t, pick(lang, *INCIDENT_LABELS[t])) for t in INCIDENT_TYPES]
        words = visit.words

        def options(*choices, first: str | None = None) -> list[dict]:
            head = [("", first)] if first is not None else []
            return [{"label": "", "choices": [*head, *choices]}]

        sites = [(site.id, site.name) for site in event.sites]
        return {
            "base": console_path(visit.event_id),
            "event_title": event.title,
            "event_plugins": tuple(event.plugins),
            "current": "onsite",
            "volunteer_url": f"{prefix}/",
            "board_url": f"{prefix}/board",
            "checkin": checkin,
            "emergency": emergency,
            "live": live_figures(event, store, lang) if checkin else None,
            "refresh": REFRESH_SECONDS,
            "paper_rows": paper_counts(event, store, lang) if checkin else [],
            "incidents": incident_rows(event, store, lang) if emergency else [],
            "site_options": options(*sites, first=words["choose"]),
            "day_options": options(
                *((day.isoformat(), date_text(day, lang)) for day in event.days),
                first=words["choose"],
            ),
            "audience_options": options(
                *((a, audience_label(a, lang)) for a in AUDIENCES), first=words["choose"]
            ),
            "gate_options": [
                *options(first=words["any_gate"]),
                *(
                    {"label": site.name, "choices": [(gate, gate) for gate in site.gates]}
                    for site in event.sites
                    if site.gates
                ),
            ],
            "source_options": options(*((s, term(s, lang)) for s in PAPER_SOURCES)),
            "incident_type_options": options(*incident_types, first=words["choose"]),
            "incident_site_options": options(*sites, first=words["any_site"]),
            "paper": {
                "site": event.sites[0].id if len(event.sites) == 1 else "",
                "date": today.isoformat() if today in event.days else "",
                "source": "paper",
            },
            "incident": {"at": _default_moment(event)},
            "paper_problems": {},
            "incident_problems": {},
            "recorded": "",
        }

    def _page(self, visit: Visit, status: int = 200, **changes) -> Response:
        """The day's page, with ``changes`` (a form as typed, its problems) laid over."""
        values = self._values(visit)
        for key, value in changes.items():
            if isinstance(value, dict) and isinstance(values.get(key), dict):
                values[key] = {**values[key], **value}
            else:
                values[key] = value
        return visit.render("onsite/onsite.html", status=status, **values)

    def onsite_page(self, visit: Visit) -> Response:
        recorded = visit.request.query_params.get("recorded", "")
        messages = {"paper": "paper_recorded", "incident": "incident_recorded"}
        message = visit.words[messages[recorded]] if recorded in messages else ""
        return self._page(visit, recorded=message)

    def counts(self, visit: Visit) -> Response:
        checkin = QR_CHECKIN in visit.event.configs
        live = live_figures(visit.event, visit.store, visit.lang) if checkin else None
        return visit.render(
            "onsite/_counts.html",
            live=live,
            base=console_path(visit.event_id),
            refresh=REFRESH_SECONDS,
        )

    def add_paper(self, visit: Visit) -> Response:
        form = visit.fields()
        try:
            if QR_CHECKIN not in visit.event.configs:
                raise FormProblems({"form": visit.words["no_checkin"]})
            record_paper_count(visit.event, visit.store, form, visit.by)
        except FormProblems as problems:
            return self._page(visit, 422, paper=form, paper_problems=problems.problems)
        except KexieError as error:
            return self._page(visit, 422, paper=form, paper_problems={"form": str(error)})
        return visit.redirect("onsite", "paper", recorded="paper")

    def add_incident(self, visit: Visit) -> Response:
        form = visit.fields()
        try:
            if EMERGENCY_PLAN not in visit.event.configs:
                raise FormProblems({"form": visit.words["no_emergency"]})
            log_incident(visit.event, visit.store, form, visit.by)
        except FormProblems as problems:
            return self._page(visit, 422, incident=form, incident_problems=problems.problems)
        except KexieError as error:
            return self._page(visit, 422, incident=form, incident_problems={"form": str(error)})
        return visit.redirect("onsite", "incidents", recorded="incident")


def routes(root: Root, plugins: Plugins) -> list[Route]:
    """The routes of the day's page (see the module's text) for the events of ``root``."""
    handlers = _Pages(root)
    events = EventPages(root, plugins)

    def page(path: str, handler, method: str = "GET") -> Route:
        return event_route(events, path, handler, methods=(method,), words=WORDS)

    return [
        page("onsite", handlers.onsite_page),
        page("onsite/counts", handlers.counts),
        page("onsite/paper", handlers.add_paper, "POST"),
        page("onsite/incidents", handlers.add_incident, "POST"),
    ]
