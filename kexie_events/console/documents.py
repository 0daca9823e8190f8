"""The console's kit and report pages: build them as ``kexie kit`` and ``kexie report`` do, then
open or download what they wrote.

Mount :func:`routes` in the console's app (behind :class:`~.auth.ConsoleAuth`, which lets only
organisers of the event reach ``/console/events/{event_id}/...``):

- ``GET  /console/events/{event_id}/kit``: the kit's documents; a build's progress while one runs.
- ``POST /console/events/{event_id}/kit``: start building (a thread of its own; a second press
  while it runs shows that build). htmx gets the state fragment, a plain form a 303.
- ``GET  /console/events/{event_id}/kit/status``: the state fragment htmx polls every second.
- ``GET  /console/events/{event_id}/kit/files/{path}``: one file of the kit (HTML opens,
  Word, Excel and calendars download under their Chinese names).
- ``GET  /console/events/{event_id}/kit/zip``: the whole kit as one zip, made as it is sent.
- ``GET  /console/events/{event_id}/report``: the report's key figures and files.
- ``POST /console/events/{event_id}/report``: build it (``kexie report DIR``), 303 back.
- ``GET  /console/events/{event_id}/report/files/{path}``: one file of the report.
- ``GET  /console/events/{event_id}/report/zip``: the whole report as one zip.

Building either records who did it in the event's journal (``kit.built``, ``report.built``).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Container, Mapping
from pathlib import Path, PurePosixPath
from urllib.parse import quote

import attrs
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kexie_events.errors import EventFileError, KexieError
from kexie_events.i18n import term
from kexie_events.model import Event
from kexie_events.plugins import Plugins
from kexie_events.store import EventStore

from . import event_access, files
from .auth import organiser_of
from .day_pages import build_info, built_at, format_label, no_file, problem_lines, when
from .day_words import WORDS
from .event_access import NoSuchEvent, console_path
from .event_pages import EventPages, Visit, event_route
from .kit_builds import KitBuilds
from .root import Root

#: The journal kind recorded when the console has built the report.
REPORT_BUILT_KIND = "report.built"
KIT_FOLDER = "kit"
REPORT_FOLDER = "report"
_INDEX = "index.html"


@attrs.frozen
class Link:
    """One file of a document: the words of its link and where it is inside the folder."""

    label: str
    href: str


@attrs.frozen
class Row:
    """A document and its files (the printable page, the Word file...)."""

    title: str
    files: tuple[Link, ...]


@attrs.frozen
class Folder:
    """A folder of many files (one ticket sheet each...), downloaded with the zip.

    Attributes:
        name: its path inside the kit (``tickets/single``).
        count: how many files it holds.
        title: what it holds, in the event's language, when the build named it.
    """

    name: str
    count: int
    title: str = ""


@attrs.frozen
class Listing:
    """What a kit or report folder holds, as the page lists it.

    Attributes:
        built: when it was built, as people read it (``""`` when unknown).
        count: how many files it holds.
        rows: its documents, in the order the command wrote them.
        calendars: its calendars (the schedule, each site's, each volunteer's shifts).
        folders: its folders of many files.
    """

    built: str
    count: int
    rows: tuple[Row, ...]
    calendars: tuple[Row, ...]
    folders: tuple[Folder, ...]


def _href(path: str) -> str:
    return quote(path, safe="/")


def _rows(groups: dict[tuple[str, str], list[str]], lang: str) -> tuple[Row, ...]:
    return tuple(
        Row(title, tuple(Link(format_label(path, lang), _href(path)) for path in paths))
        for (title, _stem), paths in groups.items()
    )


def _folders(
    names: list[str], listed: Container[str] = (), titles: Mapping[str, str] | None = None
) -> tuple[Folder, ...]:
    """The folders ``names`` lie in, with how many files each holds (``listed`` ones aside).

    ``titles`` are what the build said each folder holds, keyed by its path with a final ``/``.
    """
    counts = Counter(
        name.rpartition("/")[0] for name in names if "/" in name and name not in listed
    )
    titles = titles or {}
    return tuple(
        Folder(name, count, str(titles.get(f"{name}/") or ""))
        for name, count in sorted(counts.items())
    )


def kit_listing(folder: Path, lang: str, tz) -> Listing | None:
    """The kit in ``folder`` as the page lists it; ``None`` when there is none.

    The titles come from the kit's ``build-info.json``: files of one document (``plan.html``,
    ``plan.docx``) share a row; files the kit's index does not list one by one (ticket sheets)
    are counted by folder.
    """
    from kexie_events.output import BUILD_INFO

    names = files.listing(folder)
    if not names:
        return None
    info = build_info(folder)
    titles = info.get("titles") if isinstance(info.get("titles"), dict) else {}
    folders = info.get("folders") if isinstance(info.get("folders"), dict) else {}
    groups: dict[tuple[str, str], list[str]] = {}
    for path in [p for p in titles if p in names] + sorted(set(names) - set(titles)):
        if path in (BUILD_INFO, _INDEX):
            continue
        title = titles.get(path)
        if title is None and "/" in path:
            continue  # counted with its folder below
        stem = str(PurePosixPath(path).with_suffix(""))
        groups.setdefault((title or PurePosixPath(path).name, stem), []).append(path)
    moment = built_at(folder)
    rows = _rows(groups, lang)
    calendar = [all(link.href.endswith(".ics") for link in row.files) for row in rows]
    return Listing(
        when(moment, lang, tz) if moment else "",
        len(names),
        tuple(row for row, ics in zip(rows, calendar, strict=True) if not ics),
        tuple(row for row, ics in zip(rows, calendar, strict=True) if ics),
        _folders(names, listed=titles, titles=folders),
    )


def kit_file_name(folder: Path, path: str) -> str:
    """The name a kit file is downloaded as: its document's title (活动方案.docx)."""
    titles = build_info(folder).get("titles")
    title = titles.get(path) if isinstance(titles, dict) else None
    name = PurePosixPath(path).name
    if not isinstance(title, str):
        return name
    return files.file_name(title, PurePosixPath(path).suffix, name)


#: The report's own files, in the order the page offers them (the CSV tables follow).
REPORT_FILES = ("report.html", "report.docx", "report.xlsx", "report.md", "report.json")


@attrs.frozen
class ReportState:
    """A report on the disk, as the page shows it.

    Attributes:
        built: when it was built, as people read it.
        figures: ``(label, number)`` of the key counts, from the report's own ``report.json``
            (the figures its files were written from).
        narrative: the report's summary sentences.
        rows: its files.
        folders: its folders (photos).
    """

    built: str
    figures: tuple[tuple[str, int], ...]
    narrative: tuple[str, ...]
    rows: tuple[Row, ...]
    folders: tuple[Folder, ...]


def report_state(folder: Path, lang: str, tz) -> ReportState | None:
    """The report in ``folder``; ``None`` when none was built."""
    import json

    names = files.listing(folder)
    if "report.json" not in names:
        return None
    try:
        data = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        attendance = data["attendance"]
        figures = (
            (WORDS[lang]["report_total"], int(attendance["total"])),
            (term("admitted", lang, capital=True), int(attendance["registered"])),
            (term("walk_in", lang, many=True, capital=True), int(attendance["walk_in"])),
            (term("duplicate", lang, many=True, capital=True), int(attendance["duplicates"])),
        )
        narrative = tuple(str(sentence) for sentence in data.get("narrative", ()))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    own = [name for name in REPORT_FILES if name in names]
    tables = [name for name in names if "/" not in name and name.endswith(".csv")]
    rows = [
        Row(WORDS[lang]["report_title"], tuple(Link(format_label(n, lang), _href(n)) for n in own))
    ]
    if tables:
        label = WORDS[lang]["report_tables"]
        rows.append(Row(label, tuple(Link(name, _href(name)) for name in tables)))
    moment = built_at(folder)
    return ReportState(
        when(moment, lang, tz) if moment else "", figures, narrative, tuple(rows), _folders(names)
    )


def report_name(event: Event, lang: str) -> str:
    """The report's title as its files are named: ``{活动名称}总结``."""
    return WORDS[lang]["report_file_name"].format(title=event.title)


def build_report(event: Event, store: EventStore, plugins: Plugins, by: str) -> int:
    """``kexie report DIR``: every format written into the event's report folder, the build
    recorded in the journal with ``by``; how many files were written."""
    from kexie_events import report

    gathered = report.gather(event, store, plugins)
    written = report.write(gathered, event.folder / REPORT_FOLDER, report.FORMATS)
    store.append(REPORT_BUILT_KIND, by=by, data={"files": len(written)})
    return len(written)


class _Pages:
    """The handlers of :func:`routes`."""

    def __init__(self, root: Root, plugins: Plugins, builds: KitBuilds):
        self.root = root
        self.plugins = plugins
        self.builds = builds
        self._report_locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()

    def _folder(self, event_id: str) -> Path:
        return event_access.event_folder(self.root, event_id)

    async def _event(self, event_id: str) -> Event:
        """The event, for the name its downloads carry."""
        return await run_in_threadpool(event_access.load, self.root, self.plugins, event_id)

    # --- the kit ------------------------------------------------------------------------

    def _kit_values(self, visit: Visit, **extra) -> dict:
        build = self.builds.current(visit.event_id)
        event = visit.event
        return {
            **_event_values(visit, "kit"),
            "build": build,
            "started": when(build.started_at, visit.lang, event.tz) if build else "",
            "kit": kit_listing(event.folder / KIT_FOLDER, visit.lang, event.tz),
            "already": False,
            **extra,
        }

    def kit_page(self, visit: Visit) -> Response:
        already = "already" in visit.request.query_params
        return visit.render("docs/kit.html", **self._kit_values(visit, already=already))

    def start_kit(self, visit: Visit) -> Response:
        _build, started = self.builds.start(visit.event_id, by=visit.by, lang=visit.event.lang)
        if visit.htmx:
            return visit.render(
                "docs/_kit_state.html", **self._kit_values(visit, already=not started)
            )
        return visit.redirect("kit", **({} if started else {"already": ""}))

    def kit_status(self, visit: Visit) -> Response:
        return visit.render("docs/_kit_state.html", **self._kit_values(visit))

    async def kit_file(self, request: Request) -> Response:
        return await self._file(request, KIT_FOLDER, kit_file_name)

    async def kit_zip(self, request: Request) -> Response:
        return await self._zip(request, KIT_FOLDER, "kit_zip", lambda event, lang: event.title)

    async def _file(self, request: Request, folder_name: str, name_of) -> Response:
        """A file of the event's ``folder_name`` folder, downloaded as ``name_of(folder,
        path)`` names it; 404 for anything else (outside the folder, no such file)."""
        lang = organiser_of(request).lang

        def find() -> tuple[Path, str] | None:
            folder = self._folder(request.path_params["event_id"]) / folder_name
            found = files.inside(folder, request.path_params["path"])
            return None if found is None else (found, name_of(folder, request.path_params["path"]))

        try:
            found = await run_in_threadpool(find)
        except NoSuchEvent:
            found = None
        if found is None:
            return no_file(lang)
        return files.file_response(*found)

    async def _zip(self, request: Request, folder_name: str, word: str, title_of) -> Response:
        """The event's ``folder_name`` folder as one zip, named by ``WORDS[word]`` with the
        title ``title_of(event, lang)`` gives (the event's id when its file is broken)."""
        lang = organiser_of(request).lang
        event_id = request.path_params["event_id"]
        try:
            folder = self._folder(event_id) / folder_name
        except NoSuchEvent:
            return no_file(lang)
        names = await run_in_threadpool(files.listing, folder)
        if not names:
            return no_file(lang)
        try:
            title = title_of(await self._event(event_id), lang)
        except EventFileError:
            title = event_id  # what is on the disk is still there to take away
        fallback = f"{folder_name}.zip"
        name = files.file_name(WORDS[lang][word].format(title=title), "", fallback)
        return files.zip_response(folder, names, name, fallback)

    # --- the report ---------------------------------------------------------------------

    def _report_values(self, visit: Visit) -> dict:
        folder = visit.event.folder / REPORT_FOLDER
        return {
            **_event_values(visit, "report"),
            "report": report_state(folder, visit.lang, visit.event.tz),
            "error": None,
            "detail": None,
            "problems": [],
        }

    def report_page(self, visit: Visit) -> Response:
        return visit.render("docs/report.html", **self._report_values(visit))

    def build_report(self, visit: Visit) -> Response:
        try:
            with self._report_lock(visit.event_id):  # one build of an event at a time
                build_report(visit.event, visit.store, self.plugins, visit.by)
        except KexieError as error:
            values = self._report_values(visit)
            values.update(
                error=visit.words["report_failed"],
                detail=str(error),
                problems=problem_lines(getattr(error, "problems", ()), visit.lang),
            )
            return visit.render("docs/report.html", status=422, **values)
        return visit.redirect("report")

    def _report_lock(self, event_id: str) -> threading.Lock:
        with self._locks_lock:
            return self._report_locks.setdefault(event_id, threading.Lock())

    async def report_zip(self, request: Request) -> Response:
        return await self._zip(request, REPORT_FOLDER, "report_zip", report_name)

    async def report_file(self, request: Request) -> Response:
        lang = organiser_of(request).lang
        try:
            title = report_name(await self._event(request.path_params["event_id"]), lang)
        except (NoSuchEvent, EventFileError):
            title = ""  # the files on the disk are served under their own names

        def name_of(folder: Path, path: str) -> str:
            name = PurePosixPath(path).name
            if path not in REPORT_FILES:
                return name
            return files.file_name(title, PurePosixPath(path).suffix, name)

        return await self._file(request, REPORT_FOLDER, name_of)


def _event_values(visit: Visit, current: str) -> dict:
    """What the kit's and report's templates show of the event, and which page this is."""
    return {
        "base": console_path(visit.event_id),
        "event_title": visit.event.title,
        "event_plugins": tuple(visit.event.plugins),
        "current": current,
    }


def routes(root: Root, plugins: Plugins, *, builds: KitBuilds | None = None) -> list[Route]:
    """The kit's and the report's routes (see the module's text) for the events of ``root``.

    ``builds`` runs the kit builds (default: each in a thread of its own); pass your own
    :class:`~.kit_builds.KitBuilds` to choose the executor, or to watch builds.
    """
    handlers = _Pages(root, plugins, builds or KitBuilds(root, plugins))
    events = EventPages(root, plugins)
    prefix = "/console/events/{event_id}"

    def page(path: str, handler, method: str = "GET") -> Route:
        return event_route(events, path, handler, methods=(method,), words=WORDS)

    return [
        page("kit", handlers.kit_page),
        page("kit", handlers.start_kit, "POST"),
        page("kit/status", handlers.kit_status),
        Route(f"{prefix}/kit/zip", handlers.kit_zip, methods=["GET"]),
        Route(f"{prefix}/kit/files/{{path:path}}", handlers.kit_file, methods=["GET"]),
        page("report", handlers.report_page),
        page("report", handlers.build_report, "POST"),
        Route(f"{prefix}/report/zip", handlers.report_zip, methods=["GET"]),
        Route(f"{prefix}/report/files/{{path:path}}", handlers.report_file, methods=["GET"]),
    ]
