"""``kexie kit``: turn the event into a folder of documents, calendars and printables.

The kit is built in a sibling folder and swapped in only when every file was written, so a
failed build leaves the previous kit whole; ``--out`` may only replace a kit (see ``output``).
Output is deterministic: the same event and store give byte-identical files, except
``build-info.json``. Files a plugin marks with a cache key (ticket sheets) are reused from
``.kit-cache/`` when the key has not changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import attrs
import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from kexie_events import calendar, output
from kexie_events.errors import KexieError
from kexie_events.i18n import count_text, date_text, moment_text, pick, time_text
from kexie_events.model import Event, MaterialLine, ScheduleItem
from kexie_events.plugins import Plugins
from kexie_events.records import Document, KitFile, PublicNote
from kexie_events.store import EventStore

CORE_TEMPLATES = Path(__file__).parent / "kit_templates"
CACHE_FOLDER = ".kit-cache"
DOCX_CONVERTER = "docx-2"  # bump when docx_writer changes its output


class KitBuildError(KexieError):
    """A document could not be built; the previous kit is untouched."""


@attrs.frozen
class KitEntry:
    """A file written into the kit, as the index lists it."""

    path: str
    title: str
    description: str = ""
    count: int | None = None
    order: int = 100
    plugin: str = ""
    listed: bool = True
    folder_title: str = ""

    @property
    def folder(self) -> str:
        """The folder the file lies in, with its final ``/`` (``tickets/single/``)."""
        return self.path.rpartition("/")[0] + "/"


@attrs.frozen
class Kit:
    """What a build produced: where, which files, and the counts the index shows."""

    folder: Path
    entries: tuple[KitEntry, ...]
    schedule: tuple[ScheduleItem, ...]
    materials: tuple[MaterialLine, ...]


def full_schedule(event: Event, plugins: Plugins) -> list[ScheduleItem]:
    """The organiser's schedule plus every plugin's items, in time order; ids must be unique."""
    items = list(event.schedule)
    ids = {item.id for item in items}
    for item in plugins.collect("kexie_schedule_items", ScheduleItem, event=event):
        if item.id in ids:
            raise KitBuildError(f"two schedule items have the id {item.id!r}")
        ids.add(item.id)
        items.append(item)
    return sorted(items, key=lambda item: (item.start, item.id))


def public_notes(event: Event, plugins: Plugins) -> list[PublicNote]:
    """What every plugin tells the public to know before coming, in order."""
    notes = plugins.collect("kexie_public_notes", PublicNote, event=event)
    return sorted(notes, key=lambda note: note.order)


def all_materials(event: Event, plugins: Plugins) -> list[MaterialLine]:
    """The organiser's material lines followed by every plugin's."""
    return [*event.materials, *plugins.collect("kexie_materials", MaterialLine, event=event)]


class _Job:
    """One file to write: a path, a way to make its bytes, and a cache key if it has one.

    ``key`` is a string, or a callable returning one (a Word file is keyed by its HTML, known
    only once the HTML is rendered). A ``personal`` file is readable by its owner only.
    """

    def __init__(
        self,
        entry: KitEntry,
        make: Callable[[], bytes],
        key: str | Callable[[], str] | None = None,
        personal: bool = False,
    ):
        self.entry = entry
        self.make = make
        self.key = key
        self.personal = personal


def build(
    event: Event,
    store: EventStore,
    plugins: Plugins,
    out: Path | None = None,
    *,
    progress: Callable[[int], object] | None = None,
) -> Kit:
    """Build the kit into ``out`` (default ``EVENT/kit``), atomically.

    ``progress``, when given, is called with the number of files to write and must return a
    context manager whose ``update(n, current_item)`` is called with each file's kit path:
    with 0 before the file is written and with 1 once it is (click.progressbar fits).
    """
    out = Path(out) if out else event.folder / "kit"
    schedule = full_schedule(event, plugins)
    materials = all_materials(event, plugins)
    documents = plugins.collect(
        "kexie_documents", Document, unique_by="id", event=event, store=store, plugins=plugins
    )
    files = plugins.collect("kexie_kit_files", KitFile, unique_by="path", event=event, store=store)
    cache = _Cache(event.folder / CACHE_FOLDER)
    renderer = _Renderer(event, store, plugins, schedule, materials)

    jobs: list[_Job] = []
    for document in sorted(documents, key=lambda d: (d.order, d.id)):
        jobs.extend(renderer.document_jobs(document))
    jobs.extend(_calendar_jobs(event, store, schedule))
    for file in sorted(files, key=lambda f: (f.order, f.path)):
        entry = KitEntry(
            file.path,
            file.title,
            file.description,
            file.count,
            file.order,
            file.plugin,
            listed=file.listed,
            folder_title=file.folder_title,
        )
        jobs.append(_Job(entry, file.produce, file.cache_key, personal=file.personal))
    paths = Counter(job.entry.path for job in jobs)
    duplicates = sorted(path for path, count in paths.items() if count > 1)
    if duplicates:
        raise KitBuildError(f"two kit files would be written to {duplicates[0]}")

    entries = tuple(job.entry for job in jobs)
    kit = Kit(out, entries, tuple(schedule), tuple(materials))
    jobs.append(_Job(KitEntry("index.html", "index"), lambda: renderer.index(kit)))

    # The titles let a reader of the folder (the console) name each document without a build.
    titles = {entry.path: entry.title for entry in entries if entry.listed}
    folders = {e.folder: e.folder_title for e in entries if not e.listed and e.folder_title}
    with output.building(
        out,
        "kexie kit",
        protect=(event.folder,),
        legacy=_kit_of_old_release,
        files=len(jobs),
        titles=titles,
        folders=folders,
    ) as staging:
        _write_all(jobs, staging, cache, progress)
    cache.prune()
    return kit


def _write_all(jobs: list[_Job], folder: Path, cache: _Cache, progress) -> None:
    bar = progress(len(jobs)) if progress else None
    made: set[Path] = set()
    with bar if bar is not None else _nothing():
        for job in jobs:
            if bar is not None:
                bar.update(0, job.entry.path)
            target = folder / job.entry.path
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            if job.key is None:
                target.write_bytes(job.make())
                if job.personal:
                    target.chmod(0o600)
            else:
                key = job.key() if callable(job.key) else job.key
                cache.put(target, f"{job.entry.path}\0{key}", job.make, personal=job.personal)
            if bar is not None:
                bar.update(1, job.entry.path)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _kit_of_old_release(folder: Path) -> bool:
    """A kit built before ``build-info.json`` named its maker (release 0.x kept only these keys)."""
    try:
        info = json.loads((folder / output.BUILD_INFO).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(info, dict) and set(info) == {"built_at", "kexie_events", "files"}


class _Cache:
    """Cached kit files by key, kept beside the event for fast rebuilds.

    A cached file is hard-linked into the new kit (copied where links are not possible). Cache
    files are read-only, so an editor writing into a kit file in place cannot corrupt them.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self.used: set[str] = set()

    def put(
        self, target: Path, key: str, make: Callable[[], bytes], *, personal: bool = False
    ) -> None:
        """Write ``target`` from the cache, making and caching its bytes on a miss.

        A ``personal`` file (names on tickets) is readable by its owner only, in the cache too.
        """
        name = hashlib.sha256(key.encode()).hexdigest()
        self.used.add(name)
        cached = self.folder / name
        if not cached.exists():
            self.folder.mkdir(exist_ok=True)
            temporary = cached.with_suffix(".tmp")
            temporary.write_bytes(make())
            temporary.chmod(0o400 if personal else 0o444)
            os.replace(temporary, cached)
        try:
            os.link(cached, target)
        except OSError:
            shutil.copyfile(cached, target)

    def drop_personal(self) -> int:
        """Remove cached files that name people (kept read-only for the owner); return how many."""
        dropped = 0
        if self.folder.is_dir():
            for path in self.folder.iterdir():
                if stat.S_IMODE(path.stat().st_mode) == 0o400:
                    path.unlink()
                    dropped += 1
        return dropped

    def prune(self) -> None:
        """Forget cached files no longer used by this kit."""
        if self.folder.is_dir():
            for path in self.folder.iterdir():
                if path.name not in self.used:
                    path.unlink()


def environment(lang: str, folders: list[Path]):
    """A sandboxed Jinja2 environment over ``folders`` then the core's, with the kit's filters.

    Templates from an event folder are the organiser's (or anyone's who sent them the folder),
    so they run in Jinja's sandbox: reaching for ``__globals__`` or a class's internals is a
    ``SecurityError``, and no template is read from outside the template folders. Autoescape is
    on and undefined names are errors, so a template typo fails the build with its name and
    line instead of printing nothing.
    """
    env = SandboxedEnvironment(
        loader=_ConfinedLoader([str(f) for f in [*folders, CORE_TEMPLATES]]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        date=lambda d: date_text(d, lang),
        # exact: a time set to the second (eclipse glasses off) is printed with its seconds.
        moment=lambda m: moment_text(m, lang, exact=True),
        time=lambda m: time_text(m, exact=True),
        count=lambda n: count_text(n, lang),
        cn_number=cn_number,
    )
    env.globals.update(pick=lambda zh, en: pick(lang, zh, en))
    return env


class _ConfinedLoader(jinja2.FileSystemLoader):
    """A file loader that refuses a template whose real path lies outside its folders.

    Jinja already refuses ``..`` in a name; this also refuses a symbolic link in a template
    folder that points elsewhere (``templates/plan.html -> ~/.ssh/id_rsa``).
    """

    def get_source(self, environment, template):
        source, filename, uptodate = super().get_source(environment, template)
        real = os.path.realpath(filename)
        roots = [os.path.realpath(folder) for folder in self.searchpath]
        if not any(os.path.commonpath([real, root]) == root for root in roots):
            raise KitBuildError(
                f"template {template!r} ({filename}) points outside the template folders, "
                f"to {real}; refused"
            )
        return source, filename, uptodate


class _Renderer:
    """Jinja2 rendering of documents with the template lookup order of the kit."""

    def __init__(self, event, store, plugins, schedule, materials):
        self.event = event
        self.schedule = schedule
        self.materials = materials
        self.notes = public_notes(event, plugins)
        self.store = store
        self.folders = [event.folder / "templates"]
        template_name = store.meta("template")
        if template_name:
            from kexie_events.templates import available

            template = available(plugins).get(template_name)
            if template is not None:
                self.folders.append(Path(str(template.folder)) / "templates")

    def environment(self, search_path: tuple[Path, ...]):
        return environment(self.event.lang, [*self.folders, *search_path])

    def context(self, extra: dict) -> dict:
        sites = {site.id: site for site in self.event.sites}
        return {
            "event": self.event,
            "lang": self.event.lang,
            "schedule": self.schedule,
            "materials": self.materials,
            "public_notes": self.notes,
            "sites": sites,
            **extra,
        }

    def render(self, document: Document) -> str:
        env = self.environment(document.search_path)
        stem, _, suffix = document.template.rpartition(".")
        names = [f"{stem}.{self.event.lang}.{suffix}", document.template]
        # Folder order beats language order: the organiser's notice.html replaces the
        # plugin's notice.zh.html.
        folders = [*self.folders, *document.search_path]
        names.sort(
            key=lambda n: next(
                (i for i, f in enumerate(folders) if (f / n).is_file()), len(folders)
            )
        )
        try:
            template = env.select_template(names)
            return template.render(self.context({"title": document.title, **document.context}))
        except jinja2.TemplateSyntaxError as error:
            where = f"{error.filename or error.name}, line {error.lineno}"
            raise KitBuildError(f"document {document.id!r}: {where}: {error.message}") from None
        except jinja2.TemplateNotFound as error:
            raise KitBuildError(
                f"document {document.id!r}: no template {error.name!r} in "
                + ", ".join(str(f) for f in [*self.folders, *document.search_path])
            ) from None
        except KitBuildError:
            raise
        except SecurityError as error:
            raise KitBuildError(
                f"document {document.id!r}: {_template_place(error, names[-1])}: the template "
                f"reaches for what templates may not use ({error})"
            ) from None
        except Exception as error:
            raise KitBuildError(
                f"document {document.id!r}: {_template_place(error, names[-1])}: "
                f"{type(error).__name__}: {error}"
            ) from None

    def document_jobs(self, document: Document) -> list[_Job]:
        rendered: dict[str, str] = {}

        def html_text() -> str:
            if "html" not in rendered:
                rendered["html"] = self.render(document)
            return rendered["html"]

        def docx() -> bytes:
            from kexie_events.docx_writer import html_to_docx

            return html_to_docx(html_text(), title=document.title, lang=self.event.lang)

        def docx_key() -> str:
            # Converting to Word is the slow part; the same HTML gives the same Word file.
            data = f"{DOCX_CONVERTER}\0{document.title}\0{self.event.lang}\0{html_text()}"
            return hashlib.sha256(data.encode()).hexdigest()

        entry = KitEntry(
            f"{document.id}.html",
            document.title,
            document.description,
            order=document.order,
            plugin=document.plugin,
        )
        jobs = [_Job(entry, lambda: html_text().encode())]
        if document.docx:
            jobs.append(_Job(attrs.evolve(entry, path=f"{document.id}.docx"), docx, docx_key))
        return jobs

    def index(self, kit: Kit) -> bytes:
        env = self.environment(())
        counts = {
            "volunteers": len(self.event.volunteers),
            "schedule": len(kit.schedule),
            "materials": len(kit.materials),
            "sites": len(self.event.sites),
        }
        context = self.context(
            {
                "title": pick(self.event.lang, "活动资料包", "Event kit"),
                "entries": [e for e in kit.entries if e.listed],
                "folders": _folders(kit.entries),
                "counts": counts,
            }
        )
        return env.get_template("index.html").render(context).encode()


def _folders(entries: tuple[KitEntry, ...]) -> list[tuple[str, str, int]]:
    """The folders of files not listed one by one: path, what it holds, how many files."""
    counts = Counter(entry.folder for entry in entries if not entry.listed)
    titles = {entry.folder: entry.folder_title for entry in entries if not entry.listed}
    return [(folder, titles[folder] or folder, count) for folder, count in sorted(counts.items())]


def _template_place(error: Exception, default: str) -> str:
    """``FILE, line N`` of the innermost template frame of a rendering error, if any."""
    tb = error.__traceback__
    place = f"template {default}"
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".html"):
            place = f"template {filename}, line {tb.tb_lineno}"
        tb = tb.tb_next
    return place


def cn_number(number: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二: numbering of sections in Chinese official documents."""
    digits = "零一二三四五六七八九"
    if number < 10:
        return digits[number]
    tens, ones = divmod(number, 10)
    return (digits[tens] if tens > 1 else "") + "十" + (digits[ones] if ones else "")


def _calendar_jobs(event: Event, store: EventStore, schedule: list[ScheduleItem]) -> list[_Job]:
    event_id = store.event_id
    sites = {site.id: site for site in event.sites}
    lang = event.lang

    def entry_for(item: ScheduleItem) -> calendar.Entry:
        site = sites.get(item.site) if item.site else None
        return calendar.Entry(
            uid=f"{item.id}.{event_id}@kexie-events",
            summary=item.title,
            start=item.start,
            end=item.end,
            location=", ".join(filter(None, [site.name, site.address])) if site else "",
            geo=(site.lat, site.lon) if site and site.has_coordinates else None,
            description=item.description,
            alarm_minutes=item.reminder_minutes,
        )

    schedule_entries = [entry_for(item) for item in schedule]
    shift_entries: dict[str, list[calendar.Entry]] = {}
    for number, volunteer in enumerate(event.volunteers, start=1):
        key = f"volunteer-{number:02d}"
        shift_entries[key] = []
        for index, shift in enumerate(volunteer.shifts, start=1):
            site = sites.get(shift.site) if shift.site else None
            where = " · ".join(filter(None, [site.name if site else "", shift.gate or ""]))
            summary = pick(lang, "志愿服务", "Volunteer shift")
            if shift.duty:
                summary += pick(lang, "：", ": ") + shift.duty
            shift_entries[key].append(
                calendar.Entry(
                    uid=f"shift-{number}-{index}.{event_id}@kexie-events",
                    summary=summary,
                    start=shift.start,
                    end=shift.end,
                    location=", ".join(filter(None, [where, site.address if site else ""])),
                    geo=(site.lat, site.lon) if site and site.has_coordinates else None,
                    description=f"{event.title} — {volunteer.name}",
                    alarm_minutes=60,
                    alarm_text=pick(
                        lang,
                        f"{time_text(shift.start)}到岗：{where}",
                        f"On duty at {time_text(shift.start)}: {where}",
                    ),
                )
            )
    every = schedule_entries + [e for entries in shift_entries.values() for e in entries]
    versioned = {v.entry.uid: v for v in calendar.version(store, every)}

    def job(path: str, title: str, entries: list[calendar.Entry], description: str) -> _Job:
        chosen = [versioned[e.uid] for e in entries]
        entry = KitEntry(path, title, description, count=len(chosen), order=50)
        return _Job(entry, lambda: calendar.render(event, title, chosen))

    jobs = [
        job(
            "calendars/schedule.ics",
            pick(lang, "活动日程（全部）", "Full schedule"),
            schedule_entries,
            pick(lang, "导入手机或电脑日历", "Import into any calendar"),
        )
    ]
    for site in event.sites:
        mine = [
            e for e, item in zip(schedule_entries, schedule, strict=True) if item.site == site.id
        ]
        jobs.append(
            job(
                f"calendars/site-{site.id}.ics",
                f"{site.name}",
                mine,
                pick(lang, "本场地日程", "This site's schedule"),
            )
        )
    for number, volunteer in enumerate(event.volunteers, start=1):
        key = f"volunteer-{number:02d}"
        jobs.append(
            job(
                f"calendars/{key}.ics",
                volunteer.name,
                shift_entries[key],
                pick(lang, "志愿者排班（含到岗提醒）", "Shifts, with reminders"),
            )
        )
    return jobs


def forget_personal(event: Event) -> int:
    """After a privacy purge: drop cached kit files that print names (rebuilt without them)."""
    return _Cache(event.folder / CACHE_FOLDER).drop_personal()
