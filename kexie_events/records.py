"""Small typed records that plugins return from hooks.

The core checks them in one place (``Plugins.collect``): the type, and a duplicate name where a
name must be unique. The ``plugin`` field is filled in by the core with the name of the plugin
that returned the record; a plugin leaves it empty.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import attrs
from attrs import frozen


@frozen
class EventTemplate:
    """A ready-made event that ``kexie new`` can copy.

    Attributes:
        name: what ``--template`` takes, e.g. ``solar-eclipse-observation``.
        folder: holds ``event.zh.toml`` and/or ``event.en.toml`` plus any assets.
        summary: one line per language, ``{"zh": "...", "en": "..."}``.
        languages: the languages it comes in.
    """

    name: str
    folder: Path | Traversable
    summary: dict[str, str] = attrs.field(factory=dict)
    languages: tuple[str, ...] = ()
    plugin: str = ""

    @classmethod
    def from_folder(cls, folder: Path | Traversable) -> EventTemplate:
        """Read ``template.toml`` (name and summaries) from a template folder."""
        meta = tomllib.loads(folder.joinpath("template.toml").read_text(encoding="utf-8"))
        languages = tuple(
            lang for lang in ("zh", "en") if folder.joinpath(f"event.{lang}.toml").is_file()
        )
        return cls(
            name=meta["name"],
            folder=folder,
            summary={k.removeprefix("summary_"): v for k, v in meta.items() if k != "name"},
            languages=languages,
        )


@frozen
class StatusLine:
    """Something a plugin wants the organiser to see in ``kexie status``.

    Attributes:
        text: one line, in the event's language.
        level: ``info``, ``ok`` or ``warning``.
    """

    text: str
    level: str = attrs.field(
        default="info", validator=attrs.validators.in_(("info", "ok", "warning"))
    )
    plugin: str = ""


@frozen
class Blocker:
    """A reason the event may not move on to the next phase yet.

    Attributes:
        message: what is missing and what to do about it, in the event's language.
        plugin: the plugin that reports it (filled in by the core).
        hint: the command that clears it, for the terminal (``完成后勾选：kexie checklist DIR
            tick ...``); the console shows its own page for it instead.
    """

    message: str
    plugin: str = ""
    hint: str = ""

    @property
    def text(self) -> str:
        """The message with its hint, as the command line prints it."""
        if not self.hint:
            return self.message
        if self.message.isascii():
            return f"{self.message} ({self.hint})"
        return f"{self.message}（{self.hint}）"


@frozen
class PluginSection:
    """How a plugin reads its section of ``event.toml``: declared once, parsed once by the core.

    ``read(reader, event)`` gets a :class:`~kexie_events.fields.TableReader` over the section
    (its problems carry the section's path, so they are reported with file and line like the
    core's) and the event, and returns the plugin's typed settings (an attrs record, say). The
    core calls :meth:`~kexie_events.fields.TableReader.finish` afterwards, so unknown keys are
    reported with "did you mean". The result is handed to every hook of the plugin that names a
    ``config`` argument. ``read`` must only read the section (and files it names, when
    missing ones are an error); checks against the store or the other plugins belong in
    ``kexie_check_event``.

    Attributes:
        read: the parser, as above.
        always: the plugin acts on every event, with or without its section (read then gets
            an empty section). Otherwise the core calls the plugin's event hooks only for events
            that have its section.
    """

    read: Callable[[Any, Any], Any]
    always: bool = False


@frozen
class MigrationScripts:
    """A folder of Alembic revision scripts: one owner's tables in the event store.

    The owner's revisions form one Alembic branch, labelled with the owner's name: the first
    has ``down_revision = None`` and ``branch_labels = (OWNER,)``, each next one names the one
    before. Revision ids are ``<owner>_<NNNN>`` (``-`` becomes ``_``), the form
    :func:`kexie_events.migrations.revision_id` gives. Write tables with ``op.create_table`` and
    SQLAlchemy types so that they work on SQLite and PostgreSQL alike; prefix table names with
    the plugin's name. Never edit a released revision: add the next one.

    Attributes:
        owner: usually the plugin's name.
        folder: the folder holding the revision ``.py`` files (ship it in the wheel).
    """

    owner: str
    folder: Path


@frozen
class PhaseChange:
    """A move from one lifecycle phase to the next, as recorded in the store.

    Attributes:
        by: who moved the event on.
        at: when, aware.
        reason: why the gate was overridden; ``None`` when nothing blocked it.
    """

    from_phase: str
    to_phase: str
    by: str
    at: dt.datetime
    forced: bool = False
    reason: str | None = None


@frozen
class Document:
    """A text document of the kit, rendered from a Jinja2 template to HTML and ``.docx``.

    The template is looked up in the event folder's ``templates/`` first, then in the event
    template's, then in ``search_path`` (the plugin's own folder), so an organiser can replace
    any document by dropping a file of the same name into ``templates/``.

    Attributes:
        id: file name stem in the kit, e.g. ``plan`` gives ``plan.html`` and ``plan.docx``.
        title: shown in the kit's index, in the event's language.
        template: template file name, e.g. ``plan.html``.
        context: extra variables for the template (``event`` and ``lang`` are always there).
        search_path: folders holding the plugin's templates.
        docx: also write an editable Word file.
        order: position in the kit's index (lower first).
    """

    id: str
    title: str
    template: str
    context: dict = attrs.field(factory=dict)
    search_path: tuple[Path, ...] = ()
    description: str = ""
    docx: bool = True
    order: int = 100
    plugin: str = ""


@frozen
class KitFile:
    """A file of the kit that is not a text document: ticket sheets, images, data.

    Attributes:
        path: relative path inside the kit, e.g. ``tickets/sheets.html``.
        produce: called with no arguments, returns the file's bytes.
        cache_key: when given, a rebuild with the same key reuses the previous bytes without
            calling ``produce`` (make it a hash of everything the file depends on).
        count: what the index shows next to the file (``10000`` tickets), if anything.
        listed: ``False`` for files too many to list one by one (a single ticket each); the
            index shows one line per folder of them.
        folder_title: for a file not listed, what its folder holds, in the event's language
            ("单张门票"); the index and the console name the folder so.
        personal: the file names people (a ticket with its holder's name): it is written
            readable by its owner only.
    """

    path: str
    title: str
    produce: Callable[[], bytes]
    cache_key: str | None = None
    description: str = ""
    count: int | None = None
    order: int = 100
    listed: bool = True
    folder_title: str = ""
    personal: bool = False
    plugin: str = ""


@frozen
class ActionRequest:
    """What a volunteer's button press carries to the plugin that handles it.

    Attributes:
        volunteer: who pressed it (``kexie_events.volunteers.Volunteer``).
        gate, site: where, as the page sent it (the volunteer's defaults otherwise).
        data: the JSON body the page sent, minus ``gate`` and ``site``.
        at: when the server received it, aware.
    """

    event: Any
    store: Any
    volunteer: Any
    gate: str | None
    site: str | None
    data: dict
    at: dt.datetime


@frozen
class VolunteerAction:
    """A button on the volunteer page, handled by a plugin (e.g. "glasses handed out").

    Attributes:
        id: URL-safe name; the page posts to ``/api/v1/actions/{id}``.
        label: the button's text in the event's language.
        handle: called with an :class:`ActionRequest`; returns the message to show. Raise
            ``kexie_events.errors.KexieError`` to refuse with a message (answered as 409).
        roles: volunteer roles that see and may press the button.
        fields: names of whole-number inputs shown next to the button (e.g. ``("pairs",)``).
        text_fields: names of text inputs (e.g. ``("what_was_done",)``).
        choices: ``(value, label)`` pairs of a drop-down sent as ``choice``; an action with an
            empty ``choices`` is hidden (nothing to choose).
        has_choices: whether the action uses ``choices`` at all.
        labels: placeholder text per field name, in the event's language.
    """

    id: str
    label: str
    handle: Callable[[ActionRequest], str]
    roles: tuple[str, ...] = ("scanner", "lead")
    fields: tuple[str, ...] = ()
    text_fields: tuple[str, ...] = ()
    choices: tuple[tuple[str, str], ...] = ()
    has_choices: bool = False
    labels: dict[str, str] = attrs.field(factory=dict)
    plugin: str = ""


@frozen
class Table:
    """A table in a report section: a title, column headings and rows of plain values."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple, ...]


@frozen
class ReportSection:
    """A plugin's part of the post-event report.

    Attributes:
        id: the key under ``sections`` in ``kexie report --json``; usually the plugin's name.
        title: the section heading in the event's language.
        figures: the section's numbers as plain JSON data; the report's narrative and the
            ``--json`` output use only these and the store's counts.
        text: sentences for the narrative, in the event's language, built from ``figures``.
        tables: tables shown in the HTML, Word and Markdown report and written as CSV.
    """

    id: str
    title: str
    figures: dict
    text: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    order: int = 100
    plugin: str = ""


def _aware(_record: object, attribute: attrs.Attribute, value: dt.datetime) -> None:
    """A record's time must say its offset: the store keeps aware times only."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{attribute.name} must be an aware datetime, got {value!r}")


@frozen
class Correction:
    """An entry taken back with an undo: the correction, and the entry it takes back.

    The entry and its correcting entry both stay in the store; the report lists them and leaves
    both out of its figures.

    Attributes:
        at: when the entry was taken back, aware.
        by: who took it back.
        entry_at: when the entry taken back had been made, aware.
        entry_by: who had made it.
        gate, site: where its people were counted, ``None`` when it did not say.
        audience: the audience group it counted (``others`` for people going out).
        direction: ``in`` or ``out``.
        delta: how many people it counted.
        source: how they were counted: ``counted``, ``paper`` or ``estimate``.
    """

    at: dt.datetime = attrs.field(validator=_aware)
    by: str
    entry_at: dt.datetime = attrs.field(validator=_aware)
    entry_by: str
    gate: str | None
    site: str | None
    audience: str
    direction: str
    delta: int
    source: str


@frozen
class PeakInside:
    """The most people inside one site at once, and when that was first reached.

    Attributes:
        site: the site's id.
        inside: how many people were inside.
        at: when, aware (in the event's time zone).
        capacity: the site's capacity, ``None`` when the event file gives none.
        level: ``ok``, ``near`` or ``full``, as the live page and the board would have shown.
    """

    site: str
    inside: int
    at: dt.datetime = attrs.field(validator=_aware)
    capacity: int | None = None
    level: str = attrs.field(default="ok", validator=attrs.validators.in_(("ok", "near", "full")))


@frozen
class Attendance:
    """Attendance figures a plugin counted; the report adds up those of every plugin.

    Person-times (人次): one person admitted on two days counts twice. Every ``by_*`` mapping
    gives person-times (admissions plus walk-ins) per key.

    Attributes:
        admitted: admissions with a ticket, the earliest scan of each ticket and day counting.
        unique: distinct ticket holders admitted.
        walk_in: people counted at the gates without a ticket.
        duplicates, rejected: scans turned away.
        late: scans that came in late from offline devices, per device.
        volunteers: names of the people who recorded something on site on the event's days
            (the report keeps those ``kexie_events.volunteers.is_person`` accepts); a plugin
            may return an ``Attendance`` with only these, for work that is not attendance.
        worked: when those people recorded something: ``(name, first, last)`` spans (aware
            times), as :func:`kexie_events.volunteers.worked` reads them; volunteer hours
            count the first and last record of each shift from these.
        by_source: person-times by how they were obtained: ``scanned``, ``counted``,
            ``paper``, ``estimate``; sums to ``admitted + walk_in``.
        corrections: entries taken back with an undo.
        peak_inside: the most people inside at once, one record per site.
    """

    admitted: int = 0
    unique: int = 0
    walk_in: int = 0
    duplicates: int = 0
    rejected: int = 0
    by_site: dict[str, int] = attrs.field(factory=dict)
    by_day: dict[str, int] = attrs.field(factory=dict)
    by_gate: dict[str, int] = attrs.field(factory=dict)
    by_hour: dict[str, int] = attrs.field(factory=dict)
    by_audience: dict[str, int] = attrs.field(factory=dict)
    late: dict[str, int] = attrs.field(factory=dict)
    volunteers: tuple[str, ...] = ()
    worked: tuple[tuple[str, dt.datetime, dt.datetime], ...] = ()
    by_source: dict[str, int] = attrs.field(factory=dict)
    corrections: tuple[Correction, ...] = ()
    peak_inside: tuple[PeakInside, ...] = ()
    plugin: str = ""


@frozen
class BoardTile:
    """A figure on the live board (``/board``), readable from across a room.

    Attributes:
        id: unique across plugins (``glasses-left``).
        label: a short heading in the event's language (``观测镜剩余``).
        value: the big figure, as it is shown (``2,340``, ``3``).
        detail: a few short lines under it (the open items, the latest incidents).
        level: ``ok``, ``warning`` (amber) or ``alert`` (red).
        order: place among the tiles (lower first).
    """

    id: str
    label: str
    value: str
    detail: tuple[str, ...] = ()
    level: str = attrs.field(
        default="ok", validator=attrs.validators.in_(("ok", "warning", "alert"))
    )
    order: int = 100
    plugin: str = ""


@frozen
class PersonalData:
    """Personal data a plugin keeps in the store, as ``kexie privacy`` counts and purges it.

    Attributes:
        what: what it is, in words for the organiser ("ticket holders' names and phones").
        records: how many records hold some of it (before a purge), or had it removed.
    """

    what: str
    records: int
    plugin: str = ""


@frozen
class PublicNote:
    """Something a member of the public needs to know to come, for the public notice (公告).

    Attributes:
        text: one or two sentences in the event's language (how to get a ticket, what to bring,
            a safety rule).
        order: place among the notes (lower first); safety rules come first.
    """

    text: str
    order: int = 100
    plugin: str = ""


@frozen
class Certificate:
    """A certificate a plugin grants to one person: the ``certificates`` plugin prints and signs it.

    The certificates plugin turns every record into an A4 page (HTML and Word) carrying a QR
    code signed with the event's key; ``kexie certificates verify CODE`` later says whether a
    code is genuine and what it certifies. Everything printed comes from these fields, in the
    event's language, so a plugin decides the words and the certificates plugin the form.

    Attributes:
        kind: what is certified: ``volunteer-service``, ``contest-award`` or ``training``
            (a plugin may add its own, URL-safe).
        key: the certificate's identity within the plugin, stable across rebuilds (e.g.
            ``volunteer:张三`` or ``entry:C-017``); with the plugin's name and ``kind`` it
            names exactly one certificate of the event.
        holder: the person's name as printed (for a team, the names joined as printed).
        title: the heading, e.g. "志愿服务证书" or "Certificate of Volunteer Service".
        text: the certifying sentence(s), complete, e.g. "于2026年8月12日……志愿服务，累计8.5小时。"
        issued: the date printed and signed.
        details: label → value lines the verification page shows (hours, award, score), in
            the event's language; they are part of what the signature covers.
    """

    kind: str
    key: str
    holder: str
    title: str
    text: str
    issued: dt.date
    details: tuple[tuple[str, str], ...] = ()
    plugin: str = ""
