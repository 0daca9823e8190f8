"""The event as the organiser describes it: frozen attrs records, built by ``eventfile``.

Everything here is a value. What happens later (tickets, check-ins, phase changes) lives in the
store, not in these records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs
from attrs import field, frozen

#: The four key groups of the national science-literacy outline, plus everyone else.
AUDIENCES = ("minors", "farmers", "urban_workers", "cadres", "others")

#: Kinds of event the templates and plugins know; ``other`` for anything else.
EVENT_KINDS = (
    "solar-eclipse",
    "lunar-eclipse",
    "night-sky",
    "science-day",
    "science-week",
    "lecture-tour",
    "training",
    "report-meeting",
    "contest",
    "caravan",
    "other",
)

SITE_KINDS = ("plaza", "school", "community", "village", "hall", "museum", "field", "other")

LANGUAGES = ("zh", "en")


@frozen
class Site:
    """A place where (part of) the event happens.

    Attributes:
        id: short identifier used elsewhere in the file (``site = "plaza"``).
        kind: plaza, school, community, village, hall, museum, field or other.
        lat, lon: WGS84 degrees; ``None`` when the organiser gave none.
        elevation: metres above sea level.
        capacity: how many people the site holds at once; ``None`` when unknown.
        gates: names of the entrances where volunteers check people in.
        exits: the gates (among ``gates``) where volunteers count people going out; a ticket
            scanned there counts one person out instead of checking one in.
    """

    id: str
    name: str
    kind: str = "other"
    address: str = ""
    lat: float | None = None
    lon: float | None = None
    elevation: float = 0.0
    capacity: int | None = None
    gates: tuple[str, ...] = ()
    exits: tuple[str, ...] = ()

    @property
    def has_coordinates(self) -> bool:
        """Whether both latitude and longitude are known."""
        return self.lat is not None and self.lon is not None


@frozen
class Member:
    """A member of the leading group (领导小组): role in the group, name, and office."""

    role: str
    name: str
    title: str = ""


@frozen
class Task:
    """One line of the division of tasks (任务分工): who does what."""

    owner: str
    duty: str


@frozen
class ScheduleItem:
    """Something that happens at a time, possibly at one site.

    Attributes:
        id: stable identifier; calendars derive their UIDs from it.
        start, end: aware datetimes in the event's time zone.
        site: a site id, or ``None`` for the whole event.
        reminder_minutes: minutes before ``start`` to remind people, or ``None``.
        kind: ``"session"`` for a meeting that counts as one session (场次: a lecture, a
            training, a launch ceremony), ``"part"`` for a part of one (a quiz, remarks, a
            break); the roll-up's ``sessions`` counts sessions only.
    """

    id: str
    title: str
    start: dt.datetime
    end: dt.datetime
    site: str | None = None
    description: str = ""
    reminder_minutes: int | None = None
    kind: str = "session"


@frozen
class MaterialLine:
    """A quantity of something to print, buy, borrow or hand out.

    Attributes:
        item: what it is (``leaflets``, ``eclipse glasses``).
        quantity: how many ``unit``.
        site: a site id, or ``None`` when not tied to a site.
        day: the day it is needed on, or ``None``.
    """

    item: str
    quantity: int = field(validator=attrs.validators.ge(0))
    unit: str = ""
    site: str | None = None
    day: dt.date | None = None
    note: str = ""


@frozen
class ChecklistItem:
    """A task that must be ticked off before a phase may end.

    Attributes:
        phase: the lifecycle phase whose gate it belongs to.
        critical: a critical item left open blocks the gates after its phase.
    """

    id: str
    phase: str
    text: str
    owner: str = ""
    deadline: dt.datetime | None = None
    critical: bool = False


@frozen
class Shift:
    """A volunteer's stint: when, where, at which gate, doing what."""

    start: dt.datetime
    end: dt.datetime
    site: str | None = None
    gate: str | None = None
    duty: str = ""


@frozen
class Volunteer:
    """A member of the volunteer team with their shifts.

    Attributes:
        id_number: the identity number as the organiser typed it (ID card, passport), for the
            hours exported to the national volunteer systems; personal data kept in the event
            file only, never in the store.
    """

    name: str
    role: str = "scanner"
    phone: str = ""
    shifts: tuple[Shift, ...] = ()
    id_number: str = ""


@frozen
class Media:
    """A report of the event in the press, on TV or online."""

    outlet: str
    day: dt.date | None = None
    title: str = ""
    link: str = ""


@frozen
class ReportNotes:
    """What only the organiser knows, for the summary: coverage, highlights, notes."""

    media: tuple[Media, ...] = ()
    highlights: tuple[str, ...] = ()
    notes: str = ""


SCHEDULE_KINDS = ("session", "part")
# Plugins whose section is a top-level table of event.toml, because organisers think of it as
# part of the event rather than of a plugin: ``[registration]`` is ``[plugins.registration]``.
TOP_LEVEL_SECTIONS = ("registration",)
DEFAULT_RETAIN_DAYS = 30


@frozen
class Privacy:
    """How long personal data (registrants' names and phones) is kept: ``[privacy]``.

    Attributes:
        retain_days: days after the event's end until ``kexie privacy purge`` is due.
    """

    retain_days: int = DEFAULT_RETAIN_DAYS

    def kept_until(self, end: dt.datetime) -> dt.date:
        """The last day personal data of an event ending at ``end`` may be kept."""
        return end.date() + dt.timedelta(days=self.retain_days)


@frozen
class StoreSettings:
    """Where the event's store is: ``[store]``; see :mod:`kexie_events.database`.

    Attributes:
        url: a PostgreSQL URL, or ``None`` for ``event.db`` beside ``event.toml`` (the
            environment variable ``KEXIE_DATABASE_URL`` wins over both).
        schema: the event's schema in that database; the folder's name when ``None``.
    """

    url: str | None = None
    schema: str | None = None


@frozen
class Event:
    """One event: what ``event.toml`` says, validated and typed.

    Attributes:
        folder: the event folder (``event.toml`` and ``event.db`` live here).
        kind: one of :data:`EVENT_KINDS`.
        lang: ``"zh"`` or ``"en"``: the language of every document and page.
        timezone: IANA name, e.g. ``"Asia/Shanghai"``; all times are aware in it.
        organisers: 主办单位; hosts: 承办单位.
        unit: the unit that ran the event (``"绿水乡"``): the roll-up's ``--by unit`` scores
            units against each other; empty when the file names none.
        expected_attendance: people expected over the whole event.
        audiences: the audience groups the event addresses (see :data:`AUDIENCES`).
        materials: what the organiser lists by hand (arches, banners); plugins add their own.
        privacy: how long personal data is kept (``[privacy]``).
        store: where the store is (``[store]``).
        plugins: the raw ``[plugins.NAME]`` tables.
        configs: each used plugin's section as the plugin parsed it (``kexie_config_section``),
            by plugin name; hooks receive their plugin's as ``config``.
        top_level_sections: plugins whose section stands at the top of the file instead
            (``[registration]``); see :data:`TOP_LEVEL_SECTIONS`.
    """

    folder: Path
    title: str
    start: dt.datetime
    end: dt.datetime
    timezone: str
    kind: str = "other"
    lang: str = "zh"
    theme: str = ""
    organisers: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    unit: str = ""
    leading_group: tuple[Member, ...] = ()
    tasks: tuple[Task, ...] = ()
    expected_attendance: int = 0
    audiences: tuple[str, ...] = ()
    sites: tuple[Site, ...] = ()
    schedule: tuple[ScheduleItem, ...] = ()
    volunteers: tuple[Volunteer, ...] = ()
    materials: tuple[MaterialLine, ...] = ()
    report: ReportNotes = field(factory=ReportNotes)
    privacy: Privacy = field(factory=Privacy)
    store: StoreSettings = field(factory=StoreSettings)
    plugins: Mapping[str, Mapping[str, Any]] = field(factory=dict)
    configs: Mapping[str, Any] = field(factory=dict)
    top_level_sections: frozenset[str] = frozenset()

    @property
    def tz(self) -> ZoneInfo:
        """The event's time zone."""
        return ZoneInfo(self.timezone)

    @property
    def days(self) -> tuple[dt.date, ...]:
        """Every calendar day the event covers, in its own time zone."""
        first, last = self.start.date(), self.end.date()
        return tuple(first + dt.timedelta(days=n) for n in range((last - first).days + 1))

    def site(self, site_id: str) -> Site:
        """The site with this id; ``KeyError`` when there is none."""
        for site in self.sites:
            if site.id == site_id:
                return site
        raise KeyError(site_id)

    def uses(self, plugin: str) -> bool:
        """Whether the event has a ``[plugins.NAME]`` section: plugins act only on those."""
        return plugin in self.plugins

    def plugin_config(self, name: str) -> Mapping[str, Any] | None:
        """The ``[plugins.NAME]`` table, or ``None`` when the event does not use that plugin."""
        return self.plugins.get(name)

    def section_path(self, name: str) -> tuple[str, ...]:
        """Where plugin ``name``'s section is in the file: ``("plugins", name)``, or
        ``(name,)`` for a plugin whose section stands at the top (``[registration]``)."""
        return (name,) if name in self.top_level_sections else ("plugins", name)

    @property
    def db_path(self) -> Path:
        """Where the event's SQLite store is, when it has one (see :attr:`store_location`)."""
        return self.folder / "event.db"

    @property
    def store_location(self):
        """Where the event's store is: ``event.db``, or its schema in a PostgreSQL database."""
        from kexie_events.database import locate

        return locate(self.folder, self.store.url, self.store.schema)

    @property
    def toml_path(self) -> Path:
        """Where the organiser's event file lives."""
        return self.folder / "event.toml"
