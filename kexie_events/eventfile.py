"""Read ``event.toml`` into an :class:`~kexie_events.model.Event`, checking every key.

Loading never stops at the first mistake: it collects every problem, pins each to its file and
line, and raises one :class:`~kexie_events.errors.EventFileError` listing them all. Plugins check
their own sections through the ``kexie_check_event`` hook, and their problems are located the
same way.
"""

from __future__ import annotations

import re
import tomllib
import zoneinfo
from pathlib import Path

import attrs

from kexie_events.errors import (
    EventFileError,
    EventFolderError,
    LocatedProblem,
    PluginError,
    Problem,
)
from kexie_events.fields import TableReader, suggest, time_zone
from kexie_events.model import (
    AUDIENCES,
    DEFAULT_RETAIN_DAYS,
    EVENT_KINDS,
    LANGUAGES,
    SCHEDULE_KINDS,
    SITE_KINDS,
    TOP_LEVEL_SECTIONS,
    Event,
    MaterialLine,
    Media,
    Member,
    Privacy,
    ReportNotes,
    ScheduleItem,
    Shift,
    Site,
    StoreSettings,
    Task,
    Volunteer,
)
from kexie_events.plugins import Plugins
from kexie_events.tomlsource import KeyLines

EVENT_FILE = "event.toml"
MAX_RETAIN_DAYS = 3650
VOLUNTEER_ROLES = ("lead", "scanner", "steward", "medical", "speaker", "other")


@attrs.frozen
class CheckedEvent:
    """An event that passed every check, with the warnings found on the way."""

    event: Event
    warnings: tuple[LocatedProblem, ...] = ()


def load_event(folder: Path | str, plugins: Plugins, *, plugin_checks: bool = True) -> Event:
    """Load and check the event in ``folder``; raise ``EventFileError`` listing every error.

    ``plugin_checks=False`` skips the plugins' checks: for commands that repair a plugin's
    own data (``kexie glasses import`` replacing a broken CSV).
    """
    return check_event(folder, plugins, plugin_checks=plugin_checks).event


def check_event(
    folder: Path | str, plugins: Plugins, *, plugin_checks: bool = True
) -> CheckedEvent:
    """Load the event and run the core's and every plugin's checks."""
    folder = Path(folder)
    text = _read_text(folder, folder / EVENT_FILE)
    event, located = check_source(folder, text, plugins, plugin_checks=plugin_checks)
    if event is None:
        raise EventFileError(located)
    return CheckedEvent(event, tuple(located))


def check_source(
    folder: Path,
    text: str,
    plugins: Plugins,
    *,
    plugin_checks: bool = True,
    report_plugin_failures: bool = False,
) -> tuple[Event | None, list[LocatedProblem]]:
    """What ``kexie check`` says of ``text`` as ``folder``'s ``event.toml``: the event (``None``
    when there is an error) and every problem with its line.

    The steps: TOML, the core's reading, each plugin's section, each plugin's
    ``kexie_check_event`` (unless ``plugin_checks`` is false). A plugin that fails raises
    :class:`~kexie_events.errors.PluginError`, or with ``report_plugin_failures`` becomes an
    error in its section (the console must neither pass a text unchecked nor lose it).
    """
    path = Path(folder) / EVENT_FILE
    text = text.removeprefix("\ufeff")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"line (\d+)", str(error))
        line = int(match.group(1)) if match else 1
        return None, [LocatedProblem(path, line, Problem((), f"not valid TOML: {error}"))]
    event, problems = parse_event(data, Path(folder), plugins.names(), plugins.disabled)
    try:
        if event is not None and not _errors(problems):
            event = plugins.read_sections(event, problems)
        if plugin_checks and event is not None and not _errors(problems):
            problems += plugins.collect("kexie_check_event", Problem, event=event)
    except PluginError as error:
        if not report_plugin_failures:
            raise
        where = event.section_path(error.plugin) if event is not None else ()
        problems.append(Problem(where, str(error)))
    lines = KeyLines(text)
    located = [LocatedProblem(path, lines.line_of(p.key), p) for p in problems]
    return (None if _errors(problems) else event), located


def locate(event: Event, problems: list[Problem]) -> list[LocatedProblem]:
    """Problems found after loading (in the store, say), with the line of the key they name."""
    lines = KeyLines(event.toml_path.read_text(encoding="utf-8-sig"))
    return [LocatedProblem(event.toml_path, lines.line_of(p.key), p) for p in problems]


def _errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def _read_text(folder: Path, path: Path) -> str:
    if not folder.exists():
        raise EventFolderError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise EventFolderError(f"{folder}: not a folder")
    if not path.exists():
        raise EventFolderError(
            f"{folder}: not an event folder (no {EVENT_FILE}); "
            "create one with: kexie new DIR --template NAME"
        )
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise EventFolderError(f"{path}: cannot read: {error.strerror}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise EventFolderError(f"{path}:{line}: not UTF-8 text; save the file as UTF-8") from None


def parse_event(
    data: dict,
    folder: Path,
    plugin_names: list[str] | None = None,
    disabled: frozenset[str] = frozenset(),
) -> tuple[Event | None, list[Problem]]:
    """Turn parsed TOML into an Event; return it (or None) with the problems found.

    ``plugin_names`` are the sections ``[plugins.NAME]`` may have (``None`` accepts any);
    sections of ``disabled`` plugins are ignored with a warning.
    """
    top = TableReader(data)
    problems = top.problems
    title = top.text("title", required=True)
    theme = top.text("theme", "") or ""
    kind = top.text("kind", "other", choices=EVENT_KINDS)
    lang = top.text("lang", "zh", choices=LANGUAGES)
    timezone = top.text("timezone", required=True)
    zone = _zone(top, timezone)
    start = top.moment("start", zone, required=True)
    end = top.moment("end", zone, required=True)
    if start and end and end <= start:
        top.error("end", f"must be after start ({start:%Y-%m-%d %H:%M}), got {end:%Y-%m-%d %H:%M}")
    organisers = top.texts("organisers")
    hosts = top.texts("hosts")
    unit = (top.text("unit", "") or "").strip()
    expected = top.integer("expected_attendance", 0)
    audiences = top.texts("audiences", choices=AUDIENCES)

    leading_group = tuple(
        Member(
            t.text("role", required=True) or "",
            t.text("name", required=True) or "",
            t.text("title", "") or "",
        )
        for t in _finished(top.tables("leading_group"))
    )
    tasks = tuple(
        Task(t.text("owner", required=True) or "", t.text("duty", required=True) or "")
        for t in _finished(top.tables("tasks"))
    )
    sites = _sites(top)
    site_gates = {site.id: site.gates for site in sites}
    schedule = _schedule(top, zone, site_gates, start, end)
    volunteers = _volunteers(top, zone, site_gates)
    materials = _materials(top, site_gates)
    report = _report_notes(top)
    privacy = _privacy(top)
    store = _store(top)
    plugins = _plugin_sections(top, plugin_names, disabled)
    top_level = _top_level_sections(top, plugins, plugin_names, disabled)
    top.finish()

    single_day = start and end and start.date() == end.date()
    if single_day and expected and sites and all(s.capacity is not None for s in sites):
        capacity = sum(s.capacity for s in sites)
        if expected > capacity:
            top.warning(
                "expected_attendance",
                f"{expected} people expected but the sites hold {capacity} at once",
            )

    if _errors(problems):
        return None, problems
    event = Event(
        folder=folder,
        title=title,
        theme=theme,
        kind=kind,
        lang=lang,
        timezone=timezone,
        start=start,
        end=end,
        organisers=organisers,
        hosts=hosts,
        unit=unit,
        leading_group=leading_group,
        tasks=tasks,
        expected_attendance=expected,
        audiences=audiences,
        sites=sites,
        schedule=schedule,
        volunteers=volunteers,
        materials=materials,
        report=report,
        privacy=privacy,
        store=store,
        plugins=plugins,
        top_level_sections=top_level,
    )
    return event, problems


def _finished(readers: list[TableReader]) -> list[TableReader]:
    """Yield each reader, then report its unknown keys once the caller has read it."""
    for reader in readers:
        yield reader
        reader.finish()


def _zone(top: TableReader, name: str | None) -> zoneinfo.ZoneInfo:
    if name is None:
        return zoneinfo.ZoneInfo("UTC")
    try:
        return time_zone(name)
    except ValueError as error:
        top.error("timezone", str(error))
        return zoneinfo.ZoneInfo("UTC")


def _sites(top: TableReader) -> tuple[Site, ...]:
    sites = []
    for reader in _finished(top.tables("sites")):
        site_id = reader.text("id", required=True)
        if site_id and any(s.id == site_id for s in sites):
            reader.error("id", f"site id {site_id!r} is used twice")
        if reader.has("lat") != reader.has("lon"):
            missing = "lat" if not reader.has("lat") else "lon"
            reader.error(missing, "give both lat and lon, or neither")
        lat = reader.number("lat", minimum=-90, maximum=90)
        lon = reader.number("lon", minimum=-180, maximum=180)
        gates = reader.texts("gates")
        if len(set(gates)) != len(gates):
            reader.error("gates", "a gate name is listed twice")
        exits = reader.texts("exits", choices=gates)  # an exit is one of the site's gates
        sites.append(
            Site(
                id=site_id or "",
                name=reader.text("name", required=True) or "",
                kind=reader.text("kind", "other", choices=SITE_KINDS),
                address=reader.text("address", "") or "",
                lat=lat,
                lon=lon,
                elevation=reader.number("elevation", 0.0, minimum=-500, maximum=9000),
                capacity=reader.integer("capacity"),
                gates=gates,
                exits=exits,
            )
        )
    return tuple(sites)


def _site_ref(reader: TableReader, site_gates: dict, key: str = "site") -> str | None:
    site = reader.text(key)
    if site is not None and site not in site_gates:
        known = list(site_gates)
        hint = suggest(site, known) or " (sites: " + ", ".join(known) + ")"
        reader.error(key, f"no site with id {site!r}{hint}")
    return site


def _gate_ref(reader: TableReader, site_gates: dict, site: str | None) -> str | None:
    gate = reader.text("gate")
    if gate is None:
        return None
    gates = (
        list(site_gates.get(site, ())) if site else [g for gs in site_gates.values() for g in gs]
    )
    if gate not in gates:
        where = f"site {site!r}" if site else "any site"
        reader.error("gate", f"{where} has no gate {gate!r}{suggest(gate, gates)}")
    return gate


def _slug(text: str) -> str:
    slug = re.sub(r"[^\w]+", "-", text.lower(), flags=re.UNICODE).strip("-")
    return slug or "item"


def _schedule(top, zone, site_gates, event_start, event_end) -> tuple[ScheduleItem, ...]:
    items = []
    for reader in _finished(top.tables("schedule")):
        title = reader.text("title", required=True)
        item_id = reader.text("id") or _slug(title or "")
        if any(item.id == item_id for item in items):
            reader.error(
                "id",
                f'two schedule items have the id {item_id!r}; give each a distinct id = "..."',
            )
        start = reader.moment("start", zone, required=True)
        end = reader.moment("end", zone, required=True)
        if start and end and end <= start:
            reader.error("end", f"must be after start ({start:%Y-%m-%d %H:%M})")
        if start and event_start and event_end and not (event_start <= start <= event_end):
            reader.warning("start", "falls outside the event's start and end")
        items.append(
            ScheduleItem(
                id=item_id,
                title=title or "",
                start=start,
                end=end,
                site=_site_ref(reader, site_gates),
                description=reader.text("description", "") or "",
                reminder_minutes=reader.integer("reminder_minutes"),
                kind=reader.text("kind", "session", choices=SCHEDULE_KINDS) or "session",
            )
        )
    return tuple(items)


def _volunteers(top, zone, site_gates) -> tuple[Volunteer, ...]:
    volunteers = []
    named: set[str] = set()
    for reader in _finished(top.tables("volunteers")):
        name = reader.text("name", required=True)
        if name and name.strip() in named:
            # Hours, logins and certificates go by name: two people of one name would be one.
            reader.error(
                "name", f"{name!r} is listed twice; add what tells them apart, e.g. 张伟（一中）"
            )
        named.add((name or "").strip())
        shifts = []
        for shift in _finished(reader.tables("shifts")):
            start = shift.moment("start", zone, required=True)
            end = shift.moment("end", zone, required=True)
            if start and end and end <= start:
                shift.error("end", f"must be after start ({start:%Y-%m-%d %H:%M})")
            site = _site_ref(shift, site_gates)
            shifts.append(
                Shift(
                    start=start,
                    end=end,
                    site=site,
                    gate=_gate_ref(shift, site_gates, site),
                    duty=shift.text("duty", "") or "",
                )
            )
        volunteers.append(
            Volunteer(
                name=name or "",
                role=reader.text("role", "scanner", choices=VOLUNTEER_ROLES),
                phone=reader.text("phone", "") or "",
                shifts=tuple(shifts),
                id_number=reader.text("id_number", "") or "",
            )
        )
    return tuple(volunteers)


def _materials(top, site_gates) -> tuple[MaterialLine, ...]:
    lines = []
    for reader in _finished(top.tables("materials")):
        lines.append(
            MaterialLine(
                item=reader.text("item", required=True) or "",
                quantity=reader.integer("quantity", 0, required=True),
                unit=reader.text("unit", "") or "",
                site=_site_ref(reader, site_gates),
                day=reader.day("day"),
                note=reader.text("note", "") or "",
            )
        )
    return tuple(lines)


def _report_notes(top: TableReader) -> ReportNotes:
    section = top.table("report")
    media = []
    for reader in _finished(section.tables("media")):
        media.append(
            Media(
                outlet=reader.text("outlet", required=True) or "",
                day=reader.day("date"),
                title=reader.text("title", "") or "",
                link=reader.text("link", "") or "",
            )
        )
    notes = ReportNotes(tuple(media), section.texts("highlights"), section.text("notes", "") or "")
    section.finish()
    return notes


def _privacy(top: TableReader) -> Privacy:
    section = top.table("privacy")
    days = section.integer("retain_days", DEFAULT_RETAIN_DAYS)
    if days is not None and days > MAX_RETAIN_DAYS:
        section.error("retain_days", f"at most {MAX_RETAIN_DAYS} days (ten years), got {days}")
        days = DEFAULT_RETAIN_DAYS
    section.finish()
    return Privacy(retain_days=days)


def _store(top: TableReader) -> StoreSettings:
    section = top.table("store")
    url = section.text("url", None)
    schema = section.text("schema", None)
    if url is not None and not url.startswith(("sqlite", "postgresql", "postgres:")):
        section.error("url", f"a postgresql:// URL (or leave it out for event.db), got {url!r}")
        url = None
    section.finish()
    return StoreSettings(url=url, schema=schema)


def _top_level_sections(
    top: TableReader, plugins: dict, plugin_names: list[str] | None, disabled: frozenset[str]
) -> frozenset[str]:
    """Move top-level plugin sections (``[registration]``) in with the ``[plugins.*]`` ones."""
    found = set()
    for name in TOP_LEVEL_SECTIONS:
        if not top.has(name):
            continue
        config = top.raw(name)
        if not isinstance(config, dict):
            top.error(name, f"expected a table [{name}]")
        elif name in plugins:
            top.error(name, f"[{name}] and [plugins.{name}] are the same section; keep one")
        elif name in disabled:
            top.warning(name, f"plugin {name!r} is disabled; [{name}] is ignored")
        elif plugin_names is not None and name not in plugin_names:
            top.error(name, f"[{name}] needs the {name!r} plugin, which is not installed")
        else:
            plugins[name] = config
            found.add(name)
    return frozenset(found)


def _plugin_sections(
    top: TableReader, plugin_names: list[str] | None, disabled: frozenset[str]
) -> dict[str, dict]:
    sections = top.table("plugins")
    result = {}
    for name in sections.names():
        config = sections.raw(name)
        if not isinstance(config, dict):
            sections.error(name, f"expected a table [plugins.{name}]")
            continue
        if name in disabled:
            sections.warning(name, f"plugin {name!r} is disabled; this section is ignored")
            continue
        if plugin_names is not None and name not in plugin_names:
            sections.error(
                name,
                f"unknown plugin section [plugins.{name}]"
                f"{suggest(name, plugin_names) or '; see kexie plugins for the installed ones'}",
            )
            continue
        result[name] = config
    return result
