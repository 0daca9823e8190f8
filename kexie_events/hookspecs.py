"""The hooks a kexie-events plugin can implement: this module is their reference.

Every hook is called with keyword arguments; an implementation may accept any subset of them,
so hooks can grow new arguments without breaking plugins. Hooks that return records return an
iterable of them (a list, a tuple, or a generator), or ``None`` for nothing.

Every hook that takes ``event`` also offers ``config``: the plugin's own section of
``event.toml``, as its ``kexie_config_section`` parser returned it (``None`` for a plugin that
declares no section). A plugin that declares its section is called only for events that have
it (see ``kexie_config_section``).
``docs/hooks.md`` is generated from these docstrings (``python -m kexie_events.hookdocs``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click

    from kexie_events.errors import Problem
    from kexie_events.model import Event, MaterialLine, ScheduleItem
    from kexie_events.plugins import Plugins
    from kexie_events.records import (
        Attendance,
        Blocker,
        BoardTile,
        Certificate,
        Document,
        EventTemplate,
        KitFile,
        MigrationScripts,
        PersonalData,
        PhaseChange,
        PluginSection,
        PublicNote,
        ReportSection,
        StatusLine,
        VolunteerAction,
    )
    from kexie_events.store import EventStore
    from kexie_plugins.registration.notify import Message, Person

hookspec = pluggy.HookspecMarker("kexie_events")
hookimpl = pluggy.HookimplMarker("kexie_events")


@hookspec
def kexie_event_templates() -> Iterable[EventTemplate]:
    """Offer ready-made events that ``kexie new DIR --template NAME`` can copy.

    A template is a folder with ``template.toml`` (``name``, ``summary_zh``, ``summary_en``) and
    ``event.zh.toml`` and/or ``event.en.toml``; other files are copied along, and files named
    ``*.zh.*`` or ``*.en.*`` only for that language. Build records with
    ``EventTemplate.from_folder(path)``. Template names must be unique across plugins.
    """


@hookspec
def kexie_cli_commands() -> Iterable[click.Command]:
    """Add commands to the ``kexie`` command line.

    Return click commands or groups; their names must not clash with the core's or another
    plugin's. Keep this hook cheap: it runs for every ``kexie`` invocation, including
    ``kexie --help``, so import heavy libraries inside the command functions.
    """


@hookspec
def kexie_store_migrations() -> Iterable[MigrationScripts]:
    """Create or change the plugin's own tables in the event store.

    Return ``MigrationScripts(owner, folder)``: a folder of Alembic revisions forming one
    branch labelled ``owner`` (see :class:`~kexie_events.records.MigrationScripts`). Every
    revision a store has not had yet runs when the store is opened, on SQLite and PostgreSQL
    alike; Alembic remembers which ran. Never edit a released revision: add the next one.
    Keep every SQL statement of the plugin in one module of its own (its ledger), and prefix
    table names with the plugin's name.
    """


@hookspec(firstresult=True)
def kexie_config_section() -> PluginSection:
    """Declare how the plugin reads its ``[plugins.NAME]`` section (see
    :class:`~kexie_events.records.PluginSection`).

    Declaring it does two things. The core parses the section once, when the event is loaded,
    reporting problems with file and line; every hook of the plugin that takes ``config`` gets
    the result. And the core calls the plugin's hooks that take ``event`` only for events that
    have its section (unless ``always``), so the plugin needs no ``event.uses(NAME)`` checks.
    ``kexie_personal_data`` is the exception: it is called for every event, so that a purge
    reaches data kept from before a section was removed. A plugin that declares nothing is
    called for every event, as before.
    """


@hookspec
def kexie_check_event(event: Event, config: Any) -> Iterable[Problem]:
    """Check the event for what this plugin needs, chiefly its own ``[plugins.NAME]`` section.

    Called by ``kexie check`` and before every command that uses the event. Return
    ``Problem(key, message, severity)`` records; ``key`` is the path in the file, e.g.
    ``("plugins", "eclipse-glasses", "stock")`` or ``("sites", 0, "lat")``, and the core turns it
    into a file and line. ``kexie_events.fields.TableReader`` reads a table and reports unknown
    keys with suggestions the way the core does. Errors stop the command; warnings are shown.

    :param event: the event as the core parsed it; ``event.plugin_config(NAME)`` is the raw
        section, or ``None`` when the event does not use the plugin.
    :param config: the plugin's own section as its ``kexie_config_section`` parser
        returned it (``None`` if it declares none).
    """


@hookspec
def kexie_status(event: Event, config: Any, store: EventStore, phase: str) -> Iterable[StatusLine]:
    """Tell the organiser where this plugin's work stands, for ``kexie status``.

    :param event: the loaded event.
    :param config: the plugin's own section as its ``kexie_config_section`` parser
        returned it (``None`` if it declares none).
    :param store: the event's store, to read what has been recorded.
    :param phase: the current phase (``plan``, ``materials``, ``launch``, ``onsite``, ``report``).
    """


@hookspec
def kexie_gate(
    event: Event, config: Any, store: EventStore, phase: str, next_phase: str
) -> Iterable[Blocker]:
    """Say what blocks the move from ``phase`` to ``next_phase``.

    Return a ``Blocker(message)`` for each reason the event may not move on yet; nothing when it
    may. A command that clears it goes in ``hint`` (``Blocker(message, hint="when done: kexie
    checklist DIR tick ...")``): the command line prints it after the message, the console
    shows its own page instead. ``kexie advance`` refuses while any plugin blocks, unless
    forced with a reason, and the override is recorded.

    :param event: the loaded event.
    :param config: the plugin's own section as its ``kexie_config_section`` parser
        returned it (``None`` if it declares none).
    :param store: the event's store.
    :param phase: the phase the event is in.
    :param next_phase: the phase it would move to.
    """


@hookspec
def kexie_phase_changed(event: Event, config: Any, store: EventStore, change: PhaseChange) -> None:
    """React to a phase change after it has been recorded.

    :param event: the loaded event.
    :param config: the plugin's own section as its ``kexie_config_section`` parser
        returned it (``None`` if it declares none).
    :param store: the event's store.
    :param change: from, to, who, when, and the override reason if the gate was forced.
    """


@hookspec
def kexie_schedule_items(event: Event, config: Any) -> Iterable[ScheduleItem]:
    """Add items to the event's schedule: the kit's calendars, the plan and the briefing.

    The organiser's own ``[[schedule]]`` items come first; plugins add theirs (eclipse contacts,
    handout windows). Give each item a stable ``id``: calendar UIDs are made from it, so a
    rebuilt kit updates entries in people's calendars instead of duplicating them.

    :param event: the loaded event.
    :param config: the plugin's own section as its ``kexie_config_section`` parser
        returned it (``None`` if it declares none).
    """


@hookspec
def kexie_materials(event: Event, config: Any) -> Iterable[MaterialLine]:
    """Add lines to the event's materials list (what to print, buy, borrow or hand out).

    :param event: the loaded event.
    :param config: the plugin's own section as its ``kexie_config_section`` parser
        returned it (``None`` if it declares none).
    """


@hookspec
def kexie_documents(
    event: Event, config: Any, store: EventStore, plugins: Plugins
) -> Iterable[Document]:
    """Add text documents to the kit, each rendered to print-ready HTML and an editable .docx.

    Templates are Jinja2 with autoescape on; they receive ``event``, ``lang``, ``schedule``
    (every schedule item, the plugins' included), ``materials`` and the record's ``context``.
    Write them in the subset of HTML the Word converter understands: ``h1``-``h3``, ``p``,
    ``ul``/``ol``/``li``, ``table``/``tr``/``th``/``td``, ``strong``, ``em``, ``br`` and
    ``<div class="page-break">``. Extend ``_base.html`` for the print layout.

    :param event: the loaded event.
    :param config: the plugin's own section as its ``kexie_config_section`` parser
        returned it (``None`` if it declares none).
    :param store: the event's store, for what has been recorded so far.
    :param plugins: the loaded plugins, for a plugin whose document gathers what the others
        grant (the certificates plugin asks every ``kexie_certificates``).
    """


@hookspec
def kexie_kit_files(event: Event, config: Any, store: EventStore) -> Iterable[KitFile]:
    """Add other files to the kit (ticket sheets, images, data files).

    :param event: the loaded event.
    :param config: the plugin's own section as its ``kexie_config_section`` parser
        returned it (``None`` if it declares none).
    :param store: the event's store.
    """


@hookspec
def kexie_web_routes(event: Event, config: Any) -> Iterable[object]:
    """Add routes to the volunteer web app (``kexie serve``).

    Return Starlette ``Route`` or ``Mount`` objects; import Starlette inside the hook. In a
    handler, ``kexie_events.web.context(request)`` gives the event, the store and the server's
    one writer. A handler that reads calls ``kexie_events.web.volunteer_of(request)`` (401 for
    no login or a withdrawn one); one that records calls ``login_of(request)`` and passes the
    login to ``await context(request).write(work, login=login)``, which runs ``work`` in the
    writer's next transaction, after confirming the login there. Prefix API paths with
    ``/api/v1/``.

    :param event: the loaded event.
    :param config: the plugin's own section as its ``kexie_config_section`` parser
        returned it (``None`` if it declares none).
    """


@hookspec
def kexie_volunteer_actions(
    event: Event, config: Any, store: EventStore
) -> Iterable[VolunteerAction]:
    """Add buttons to the volunteer page, e.g. "eclipse glasses handed out".

    A button press posts to ``/api/v1/actions/{id}`` and the core calls the record's
    ``handle`` with who, where, when and the page's data, holding the store's lock. Action ids
    must be unique across plugins. Called for every page load, so ``choices`` can reflect
    the store (the checklist items still open); it runs holding the store's lock.

    :param event: the loaded event.
    :param config: the plugin's own section as its ``kexie_config_section`` parser
        returned it (``None`` if it declares none).
    :param store: the event's store.
    """


@hookspec
def kexie_report_sections(
    event: Event, config: Any, store: EventStore, plugins: Plugins
) -> Iterable[ReportSection]:
    """Add a section to the post-event report (``kexie report``).

    Return ``ReportSection`` records whose ``figures`` hold the numbers (they appear under
    ``sections`` in ``kexie report --json``), whose ``text`` holds sentences for the summary,
    and whose ``tables`` are printed in the report and written as CSV. Every number must come
    from the store or the event file.

    :param event: the loaded event.
    :param config: the plugin's own section as its ``kexie_config_section`` parser
        returned it (``None`` if it declares none).
    :param store: the event's store.
    :param plugins: the loaded plugins, for a section that gathers what the others grant.
    """


@hookspec
def kexie_attendance(event: Event, config: Any, store: EventStore) -> Iterable[Attendance]:
    """Count who came, for the report: admissions, walk-ins, and their breakdowns.

    The report adds up the ``Attendance`` records of every plugin (the check-in plugin counts
    scans and walk-ins; a plugin for paper sign-in sheets could count those). Count from the
    store only, and never count a person twice.

    :param event: the loaded event.
    :param config: the plugin's own section as its ``kexie_config_section`` parser
        returned it (``None`` if it declares none).
    :param store: the event's store.
    """


@hookspec
def kexie_board_tiles(event: Event, config: Any, store: EventStore) -> Iterable[BoardTile]:
    """Add figures to the live board (``/board``), shown on a projector in the command tent.

    The board shows the check-in counts (people in, inside now against capacity, arrivals per
    10 minutes); plugins add tiles for what the people in charge must see from across the
    room: eclipse glasses left, open critical checklist items, incidents. Return
    ``BoardTile`` records with a short ``label``, a big ``value`` and at most a few ``detail``
    lines, all in the event's language; ``level`` turns the tile amber (``warning``) or red
    (``alert``). Called every two seconds while a board is open, holding the store's lock:
    read a little, write nothing.

    :param event: the loaded event.
    :param config: the plugin's own section as its ``kexie_config_section`` parser
        returned it (``None`` if it declares none).
    :param store: the event's store.
    """


@hookspec
def kexie_personal_data(
    event: Event, config: Any, store: EventStore, remove: bool
) -> Iterable[PersonalData]:
    """Count the personal data your plugin keeps in the store, and remove it when asked.

    Personal data is anything that names or reaches a person: registrants' names and phone
    numbers, their answers. Return one ``PersonalData`` record per kind you hold, with the
    number of records that still carry it (none: return nothing). With ``remove=True``
    (``kexie privacy purge``) delete it for good, in the store's transaction you are called in,
    and keep every count: a ticket stays a ticket, an admission stays an admission. Called for
    every event, whether or not it still uses your plugin, since its tables may hold data.

    :param event: the loaded event.
    :param config: the plugin's own section as its ``kexie_config_section`` parser
        returned it (``None`` if it declares none).
    :param store: the event's store.
    :param remove: ``False`` to count only, ``True`` to remove and return what was removed.
    """


@hookspec
def kexie_public_notes(event: Event, config: Any) -> Iterable[PublicNote]:
    """Tell the public what they need to know to come: the public notice (公告) lists it.

    Return ``PublicNote`` records, written for a member of the public in the event's language:
    how to get a ticket or sign up, what to bring, a safety rule. The notice prints them in
    ``order`` under its "please note" heading, before the general rules of conduct.

    :param event: the loaded event.
    :param config: the plugin's own section as its ``kexie_config_section`` parser
        returned it (``None`` if it declares none).
    """


@hookspec
def kexie_notify(event: Event, config: Any, person: Person, message: Message) -> str | None:
    """Send a message to a person who signed up: a confirmation, a waiting-list promotion,
    a cancellation or the reminder the day before (the ``registration`` plugin calls this).

    Every message is first written to the event's message log (``kexie registrations
    messages DIR``); then every implementation of this hook is called in turn, and each sends
    it through its own channel or lets it pass. The built-in ``registration`` plugin sends
    e-mail over SMTP when ``[registration.email]`` or ``KEXIE_SMTP_HOST`` is set; an SMS or
    WeChat plugin would send ``message.text`` to ``person.phone`` (see docs/plugins.md).
    Called after the sign-up is recorded, outside any transaction: take your time, but a
    plugin that raises has its error written to the log and the other channels still run.

    :param event: the loaded event; ``event.lang`` is the language the message is written in.
    :param config: the plugin's own section as its ``kexie_config_section`` parser
        returned it (``None`` if it declares none).
    :param person: who to reach (``kexie_plugins.registration.notify.Person``): ``name``,
        ``phone`` and ``email`` (each ``None`` when not asked or not given), and
        ``registration``, the sign-up's number.
    :param message: what to say (``kexie_plugins.registration.notify.Message``): ``kind``
        (``confirmed``, ``waitlisted``, ``promoted``, ``cancelled`` or ``reminder``),
        ``subject``, ``text`` (complete, in the event's language, short enough for an SMS
        when possible) and ``url`` (the person's own page with the ticket, a secret: send it
        to them only).
    :return: the name of your channel (``"sms"``) when you sent it; ``None`` when it is not
        for you (no address, not configured).
    """


@hookspec
def kexie_certificates(event: Event, config: Any, store: EventStore) -> Iterable[Certificate]:
    """Grant certificates: volunteer service, contest awards, training completion.

    Return one ``Certificate`` record per person (or team) and thing certified, with its words
    in the event's language, built from the store and the event file only (a quiz plugin
    grants training certificates to those who passed; a contest plugin its awards). The
    ``certificates`` plugin prints them as A4 pages in the kit (HTML and Word), each with a QR
    code signed by the event's key, and verifies those codes offline. Keep ``key`` stable: a
    rebuild must give the same certificate the same code.

    :param event: the loaded event.
    :param config: the plugin's own section as its ``kexie_config_section`` parser
        returned it (``None`` if it declares none).
    :param store: the event's store.
    """
