"""The console's pages for creating an event from a template and editing its ``event.toml``.

Mount :func:`routes` in the console's app (inside :class:`~.auth.ConsoleAuth`)::

    root_app(root, plugins, console_routes=tuple(editing.routes(root, plugins)))

- ``GET/POST /console/new``: a new event from a template (``kexie new``'s own function).
- ``GET /console/events/{id}/edit/``: what can be edited, and the file's current problems.
- ``GET/POST /console/events/{id}/edit/basics|sites|schedule|volunteers``: forms.
- ``GET/POST /console/events/{id}/edit/plugins/{plugin}``: one plugin section's settings.
- ``GET/POST /console/events/{id}/edit/file``: the whole file in a text editor.

Every save keeps the file's comments and layout (:mod:`.eventfile_edit`), is checked as
``kexie check`` checks before it is written, refuses a file changed since the page was
loaded, and is recorded in the event's journal with the organiser's name
(:mod:`.event_files`). A form with mistakes answers 422 with each one beside its field. A
successful save has the server serve the new definition (``request.app.state.event_apps``'s
``reload(event_id)``, see :mod:`kexie_events.server`; and ``on_saved(event_id)`` when given),
and redirects (303) back to the page.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import attrs
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from kexie_events.errors import LocatedProblem, UsageError
from kexie_events.eventfile import EVENT_FILE
from kexie_events.plugins import Plugins

from . import edit_forms, pages
from .accounts import Accounts, Organiser
from .auth import HOME, csrf_token, organiser_of
from .edit_words import WORDS
from .event_files import (
    CREATED,
    ChangedMeanwhile,
    Checked,
    EventFile,
    check_text,
    journal,
    save,
    write_atomically,
)
from .eventfile_edit import Edits, TextUnreadable, apply, shift_dates
from .problem_words import problem_text
from .root import Root

#: The path of the page that makes a new event.
NEW_PATH = "/console/new"
#: The form pages, by the last part of their path.
FORMS: dict[str, Callable[[edit_forms.Source, str], edit_forms.Form]] = {
    "basics": edit_forms.basics_form,
    "sites": edit_forms.sites_form,
    "schedule": edit_forms.schedule_form,
    "volunteers": edit_forms.volunteers_form,
}
#: Most fields one form may send (a county's volunteer list is long).
MAX_FIELDS = 20_000
#: The longest folder name a new event may have.
FOLDER_LIMIT = 64
_BAD_FOLDER = re.compile(r'[/\\:*?"<>|\x00-\x1f]')
_NO_STORE = {"Cache-Control": "no-store"}


def edit_path(event_id: str, page: str = "") -> str:
    """The path of an event's edit page (``""``: the list of them)."""
    return f"/console/events/{quote(event_id)}/edit/{page}"


def routes(
    root: Root,
    plugins: Plugins,
    *,
    accounts: Accounts | None = None,
    on_saved: Callable[[str], Any] | None = None,
) -> list[Route]:
    """The routes of creating and editing events, for the console's app.

    ``accounts`` are the ROOT's (by default the app's ``state.accounts``, which
    :func:`kexie_events.server.root_app` sets): an organizer who creates an event is given it.
    After every save, and after an event is created, the app's ``state.event_apps`` reloads
    the event when the app has one, and ``on_saved(event_id)`` is called (in a worker thread)
    when given.
    """
    pages_ = _Pages(root, plugins, accounts, on_saved)
    return [
        Route(NEW_PATH, pages_.new, methods=["GET", "POST"]),
        Route("/console/events/{event_id}/edit/", pages_.index, methods=["GET"]),
        Route("/console/events/{event_id}/edit/file", pages_.file, methods=["GET", "POST"]),
        Route(
            "/console/events/{event_id}/edit/plugins/{plugin}",
            pages_.form,
            methods=["GET", "POST"],
        ),
        Route("/console/events/{event_id}/edit/{page:str}", pages_.form, methods=["GET", "POST"]),
    ]


@attrs.frozen
class _Shown:
    """The problems a page shows, in the organiser's words.

    Attributes:
        fields: ``(text, line)`` of errors, by field name.
        field_warnings: ``(text, line)`` of warnings, by field name.
        groups: ``(text, line)`` of errors of a whole site, item or volunteer, by group name.
        elsewhere: ``(line, text, is_warning)`` of problems away from the form's fields.
    """

    fields: Mapping[str, list[tuple[str, int]]] = attrs.field(factory=dict)
    field_warnings: Mapping[str, list[tuple[str, int]]] = attrs.field(factory=dict)
    groups: Mapping[str, list[tuple[str, int]]] = attrs.field(factory=dict)
    elsewhere: Sequence[tuple[int, str, bool]] = ()


class _Pages:
    """The handlers, sharing the ROOT, the plugins, the accounts and the reload hook."""

    def __init__(self, root: Root, plugins: Plugins, accounts: Accounts | None, on_saved):
        self.root = root
        self.plugins = plugins
        self.accounts = accounts
        self.on_saved = on_saved

    # --- helpers -------------------------------------------------------------------------

    def _folder(self, event_id: str) -> Path | None:
        return self.root.events().get(event_id)

    def _render(self, request: Request, template: str, status: int = 200, **values) -> Response:
        organiser = organiser_of(request)
        lang = organiser.lang
        html = pages.render(
            template,
            lang,
            w=WORDS[lang],
            csrf=csrf_token(request),
            organiser=organiser,
            **values,
        )
        return HTMLResponse(html, status_code=status, headers=_NO_STORE)

    def _missing(self, request: Request, message_key: str, status: int = 404) -> Response:
        lang = organiser_of(request).lang
        words = WORDS[lang]
        html = pages.render(
            "refused.html", lang, title=words[message_key], message=words[message_key], back=HOME
        )
        return HTMLResponse(html, status_code=status, headers=_NO_STORE)

    async def _read(self, folder: Path) -> EventFile | None:
        try:
            return await run_in_threadpool(EventFile.read, folder)
        except UnicodeDecodeError:
            return None

    def _shown(
        self,
        placed: edit_forms.Placed | None,
        problems: Sequence[LocatedProblem],
        names: Mapping[str, str],
        lang: str,
    ) -> _Shown:

        def said(located: LocatedProblem) -> tuple[str, int]:
            return problem_text(located.problem, lang, names), located.line

        if placed is None:
            elsewhere = [(p.line, said(p)[0], p.problem.severity == "warning") for p in problems]
            return _Shown(elsewhere=elsewhere)
        fields: dict[str, list] = {}
        warnings: dict[str, list] = {}
        for name, located in placed.by_field.items():
            for one in located:
                target = warnings if one.problem.severity == "warning" else fields
                target.setdefault(name, []).append(said(one))
        groups = {name: [said(p) for p in located] for name, located in placed.by_group.items()}
        elsewhere = [
            (p.line, said(p)[0], p.problem.severity == "warning") for p in placed.elsewhere
        ]
        return _Shown(fields, warnings, groups, elsewhere)

    async def _saved(self, request: Request, event_id: str) -> None:
        """Have the server serve the event's new definition."""
        apps = getattr(request.app.state, "event_apps", None)
        if apps is not None:
            await apps.reload(event_id)
        if self.on_saved is not None:
            await run_in_threadpool(self.on_saved, event_id)

    def _accounts(self, request: Request) -> Accounts:
        return self.accounts or request.app.state.accounts

    # --- the list of edit pages ---------------------------------------------------------------

    async def index(self, request: Request) -> Response:
        """``GET /console/events/{id}/edit/``: the pages, and what the check says now."""
        event_id = request.path_params["event_id"]
        folder = self._folder(event_id)
        if folder is None:
            return self._missing(request, "no_event")
        lang = organiser_of(request).lang
        file = await self._read(folder)
        if file is None:
            return self._missing(request, "not_text", 200)
        checked = await run_in_threadpool(check_text, folder, file.text, self.plugins)
        try:
            source = edit_forms.Source.of(file.text)
        except TextUnreadable as error:
            source, unreadable = None, error.line
        else:
            unreadable = None
        sections = [
            (name, edit_forms.plugin_title(name, lang))
            for name, _path in (source.plugin_sections() if source else [])
        ]
        problems = [*checked.errors, *checked.warnings]
        shown = self._shown(None, problems, source.site_names() if source else {}, lang)
        return self._render(
            request,
            "edit/index.html",
            event_id=event_id,
            title=source.title if source else event_id,
            sections=sections,
            shown=shown,
            unreadable=unreadable,
            created="created" in request.query_params,
            path=lambda page="": edit_path(event_id, page),
        )

    # --- the forms ---------------------------------------------------------------------------

    async def form(self, request: Request) -> Response:
        """``GET/POST /console/events/{id}/edit/{page}`` and ``.../edit/plugins/{plugin}``."""
        event_id = request.path_params["event_id"]
        plugin = request.path_params.get("plugin")
        page = "plugins/" + plugin if plugin else request.path_params["page"]
        folder = self._folder(event_id)
        if folder is None or (plugin is None and page not in FORMS):
            return self._missing(request, "no_event")
        organiser = organiser_of(request)
        lang = organiser.lang
        given = None
        if request.method == "POST":
            data = await request.form(max_fields=MAX_FIELDS)
            given = {key: [str(v) for v in data.getlist(key)] for key in data}
        file = await self._read(folder)
        if file is None:
            return self._missing(request, "not_text", 200)
        try:
            source = edit_forms.Source.of(file.text)
        except TextUnreadable as error:
            return self._render(
                request,
                "edit/unreadable.html",
                status=200 if given is None else 409,
                event_id=event_id,
                title=event_id,
                line=error.line,
                path=lambda p="": edit_path(event_id, p),
            )

        def build(of: edit_forms.Source) -> edit_forms.Form | None:
            return edit_forms.plugin_form(of, plugin, lang) if plugin else FORMS[page](of, lang)

        form = build(source)
        if form is None:
            return self._missing(request, "no_event")

        def show(status: int, **values) -> Response:
            given = values.setdefault("given", None)
            entered = values.setdefault("entered", {})
            shown = values["shown"]
            values.setdefault("now", {})
            values.setdefault("conflict", False)
            values.setdefault("notice", "")
            values.setdefault("base", file.digest)
            summary = _summary(form, entered, shown)
            elsewhere = sum(not warning for _line, _text, warning in shown.elsewhere)
            return self._render(
                request,
                "edit/form.html",
                status=status,
                event_id=event_id,
                title=source.title,
                form=form,
                page=page,
                path=lambda p="": edit_path(event_id, p),
                opened=lambda group: edit_forms.typed_in(group, given),
                summary=summary,
                error_count=len(summary) + len(shown.groups) + elsewhere,
                **values,
            )

        if given is None:
            checked = await run_in_threadpool(check_text, folder, file.text, self.plugins)
            problems = [*checked.errors, *checked.warnings]
            placed = edit_forms.place_problems(form, problems, source, Edits())
            notice = {"1": "saved", "0": "unchanged"}.get(request.query_params.get("saved", ""))
            shown = self._shown(placed, problems, source.site_names(), lang)
            return show(200, shown=shown, notice=notice or "")

        submission = edit_forms.read_submission(form, given, lang)
        entered = {name: list(errors) for name, errors in submission.errors.items()}
        base = (given.get("base") or [""])[0]
        if base != file.digest:
            return show(
                409,
                given=given,
                entered=entered,
                now=_now_in_file(form, submission, given, lang),
                conflict=True,
                shown=_Shown(),
            )
        if submission.errors:
            return show(422, given=given, entered=entered, shown=_Shown())
        candidate = apply(file.text, submission.edits)
        if candidate == file.text:
            return RedirectResponse(f"{request.url.path}?saved=0", status_code=303)
        record = {"page": page, "changed": list(submission.changed)}
        try:
            checked = await run_in_threadpool(
                lambda: save(
                    folder,
                    candidate,
                    base=base,
                    plugins=self.plugins,
                    by=organiser.name,
                    record=record,
                )
            )
        except ChangedMeanwhile as changed:
            # Beside each field, what the file says now (when the forms can still read it).
            try:
                newer = build(edit_forms.Source.of(changed.current.text))
            except TextUnreadable:
                newer = None
            now = {}
            if newer is not None:
                form = newer
                submission = edit_forms.read_submission(form, given, lang)
                now = _now_in_file(form, submission, given, lang)
            return show(
                409,
                given=given,
                now=now,
                conflict=True,
                base=changed.current.digest,
                shown=_Shown(),
            )
        if not checked.ok:
            placed = edit_forms.place_problems(form, checked.errors, source, submission.edits)
            shown = self._shown(placed, (), source.site_names(), lang)
            return show(422, given=given, shown=shown)
        await self._saved(request, event_id)
        return RedirectResponse(f"{request.url.path}?saved=1", status_code=303)

    # --- the text editor ---------------------------------------------------------------------

    async def file(self, request: Request) -> Response:
        """``GET/POST /console/events/{id}/edit/file``: the whole file, checked before saved."""
        event_id = request.path_params["event_id"]
        folder = self._folder(event_id)
        if folder is None:
            return self._missing(request, "no_event")
        organiser = organiser_of(request)
        lang = organiser.lang
        file = await self._read(folder)
        if file is None:
            return self._missing(request, "not_text", 200)
        names = _site_names(file.text)

        def show(status: int, text: str, **values) -> Response:
            values.setdefault("problems", [])
            values.setdefault("notice", "")
            values.setdefault("current", None)
            values.setdefault("diff", "")
            values.setdefault("base", file.digest)
            return self._render(
                request,
                "edit/file.html",
                status=status,
                event_id=event_id,
                title=_title(file.text) or event_id,
                text=text.removeprefix("\ufeff"),
                current_text=(values.get("current") or "").removeprefix("\ufeff"),
                line_count=text.count("\n") + 1,
                path=lambda p="": edit_path(event_id, p),
                **values,
            )

        def listed(checked: Checked) -> list[tuple[int, str, bool]]:
            return [
                (p.line, problem_text(p.problem, lang, names), p.problem.severity == "warning")
                for p in [*checked.errors, *checked.warnings]
            ]

        if request.method == "GET":
            checked = await run_in_threadpool(check_text, folder, file.text, self.plugins)
            notice = {"1": "saved", "0": "unchanged"}.get(request.query_params.get("saved", ""))
            return show(200, file.text, problems=listed(checked), notice=notice or "")

        data = await request.form()
        text = _as_in_file(str(data.get("text", "")), file.text)
        base = str(data.get("base", ""))
        if data.get("action") == "check":
            checked = await run_in_threadpool(check_text, folder, text, self.plugins)
            notice = "checked_ok" if checked.ok else ""
            status = 200 if checked.ok else 422
            return show(status, text, problems=listed(checked), notice=notice, base=base)
        if base != file.digest:
            return show(409, text, current=file.text, diff=_diff(file.text, text, lang))
        if text == file.text:
            return RedirectResponse(f"{request.url.path}?saved=0", status_code=303)
        try:
            checked = await run_in_threadpool(
                lambda: save(
                    folder,
                    text,
                    base=base,
                    plugins=self.plugins,
                    by=organiser.name,
                    record={"page": "file"},
                )
            )
        except ChangedMeanwhile as changed:
            current = changed.current
            return show(
                409,
                text,
                current=current.text,
                base=current.digest,
                diff=_diff(current.text, text, lang),
            )
        if not checked.ok:
            return show(422, text, problems=listed(checked), base=base)
        await self._saved(request, event_id)
        return RedirectResponse(f"{request.url.path}?saved=1", status_code=303)

    # --- a new event -------------------------------------------------------------------------

    async def new(self, request: Request) -> Response:
        """``GET/POST /console/new``: an event from a template, in a folder of the year's."""
        organiser = organiser_of(request)
        lang = organiser.lang
        if self.root.single:
            return self._missing(request, "single_root", 404)
        from kexie_events.templates import available

        templates = await run_in_threadpool(available, self.plugins)
        fields = _new_fields(lang, list(templates))
        choices = [
            (name, *_template_words(template.summary.get(lang, ""), lang), template.languages)
            for name, template in templates.items()
        ]

        def show(status: int, **values) -> Response:
            values.setdefault("given", {"lang": [lang]})
            values.setdefault("entered", {})
            values.setdefault("elsewhere", [])
            return self._render(
                request,
                "edit/new.html",
                status=status,
                fields=fields,
                templates=choices,
                shown=_Shown(),
                now={},
                path=lambda p="": "",
                opened=lambda group: False,
                **values,
            )

        if request.method == "GET":
            return show(200)
        data = await request.form()
        given = {key: [str(v) for v in data.getlist(key)] for key in data}
        entered: dict[str, list[str]] = {}
        values = {}
        for field in fields.values():
            try:
                values[field.name] = field.read(given.get(field.name, ()), lang)
            except edit_forms.FieldError as error:
                entered[field.name] = [str(error)]
        words = WORDS[lang]
        template = templates.get(values.get("template") or "")
        if template is None:
            entered.setdefault("template", [words["no_template"]])
        elif values.get("lang") not in template.languages:
            named = words["lang_" + values["lang"]] if values.get("lang") else ""
            entered.setdefault("lang", [words["template_lang"].format(lang=named)])
        folder_name = values.get("folder") or ""
        if folder_name and "folder" not in entered:
            mistake = self._folder_mistake(folder_name, words)
            if mistake:
                entered["folder"] = [mistake]
        start, end = values.get("start"), values.get("end")
        if start and end and end <= start:
            entered.setdefault("end", [words["end_before_start"]])
        if entered:
            return show(422, given=given, entered=entered)

        accounts = self._accounts(request)
        made = await run_in_threadpool(
            lambda: self._create(organiser, accounts, template, values["lang"], folder_name, values)
        )
        if isinstance(made, str):
            return show(422, given=given, entered={"folder": [made]})
        if isinstance(made, list):
            by_field = {}
            elsewhere = []
            for line, key, text in made:
                if key in ("title", "start", "end"):
                    by_field.setdefault(key, []).append(text)
                else:
                    elsewhere.append((line, text))
            return show(422, given=given, entered=by_field, elsewhere=elsewhere)
        await self._saved(request, folder_name)
        return RedirectResponse(edit_path(folder_name) + "?created", status_code=303)

    def _folder_mistake(self, name: str, words: Mapping[str, str]) -> str:
        if name.startswith(".") or _BAD_FOLDER.search(name) or name in (".", ".."):
            return words["folder_bad"]
        if len(name) > FOLDER_LIMIT:
            return words["folder_long"].format(limit=FOLDER_LIMIT)
        if (self.root.folder / name).exists():
            return words["folder_taken"].format(name=name)
        return ""

    def _create(
        self,
        organiser: Organiser,
        accounts: Accounts,
        template,
        lang: str,
        name: str,
        values: dict,
    ):
        """Make the event: the event's text is tried in a hidden folder first, so a mistake
        leaves nothing behind; then ``kexie new``'s own function makes it, and the text with
        the organiser's title and dates replaces the template's.

        Returns the new event's folder; a message when the folder is taken meanwhile; or
        the check's problems as ``(line, key, text)``.
        """
        from kexie_events.templates import create

        words = WORDS[organiser.lang]
        staging = Path(tempfile.mkdtemp(prefix=".new-", dir=self.root.folder))
        try:
            tried = staging / name
            create(template, tried, lang)
            text = _with_title_and_dates(
                (tried / EVENT_FILE).read_text(encoding="utf-8"),
                values.get("title"),
                values.get("start"),
                values.get("end"),
            )
            checked = check_text(tried, text, self.plugins)
            if not checked.ok:
                names = _site_names(text)
                return [
                    (
                        p.line,
                        p.problem.key[0] if len(p.problem.key) == 1 else "",
                        problem_text(p.problem, organiser.lang, names),
                    )
                    for p in checked.errors
                ]
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        folder = self.root.folder / name
        try:
            _create_as_the_cli_does(self.plugins, folder, template.name, lang)
        except UsageError:
            return words["folder_taken"].format(name=name)
        path = folder / EVENT_FILE
        write_atomically(path, text.encode("utf-8"))
        checked = check_text(folder, text, self.plugins)
        journal(
            checked.event,
            self.plugins,
            CREATED,
            by=organiser.name,
            data={"template": template.name, "lang": lang, "folder": name},
        )
        if not organiser.is_admin:
            known = self.root.events()
            events = {event for event in organiser.events if event in known} | {name}
            accounts.set_events(organiser.name, sorted(events), by=organiser.name)
        return folder


def _create_as_the_cli_does(plugins: Plugins, folder: Path, template: str, lang: str) -> None:
    """``kexie new FOLDER --template NAME --lang LANG``: the CLI's own function (copies the
    template, checks it, makes the store and notes the template in it)."""
    import click

    from kexie_events.cli import cli, create_event

    with click.Context(cli, obj={"plugins": plugins}) as context:
        create_event(context, folder, template, lang)


def _with_title_and_dates(
    text: str, title: str | None, start: dt.datetime | None, end: dt.datetime | None
) -> str:
    """A template's text with the organiser's title and dates: every date of the template
    moves with the start, and the end keeps the template's length unless given."""
    source = edit_forms.Source.of(text)
    old_start = source.moment(source.data.get("start"))
    old_end = source.moment(source.data.get("end"))
    values: dict = {}
    if title:
        values[("title",)] = title
    if start is not None and isinstance(old_start, dt.datetime):
        text = shift_dates(text, (start.date() - old_start.date()).days)
        values[("start",)] = start
        length = old_end - old_start if isinstance(old_end, dt.datetime) else dt.timedelta(0)
        values[("end",)] = end or start + length
    elif end is not None:
        values[("end",)] = end
    return apply(text, Edits(values))


def _new_fields(lang: str, templates: Sequence[str]) -> dict[str, edit_forms.Field]:
    words = WORDS[lang]
    languages = (("zh", words["lang_zh"]), ("en", words["lang_en"]))
    named = tuple((name, name) for name in templates)
    fields = (
        edit_forms.Field(("template",), "choice", words["template"], required=True, choices=named),
        edit_forms.Field(("lang",), "choice", words["language"], required=True, choices=languages),
        edit_forms.Field(
            ("folder",), "text", words["folder"], required=True, hint=words["folder_hint"]
        ),
        edit_forms.Field(("title",), "text", words["title_optional"]),
        edit_forms.Field(("start",), "moment", words["start_optional"]),
        edit_forms.Field(("end",), "moment", words["end_optional"]),
    )
    return {field.name: field for field in fields}


def _template_words(summary: str, lang: str) -> tuple[str, str]:
    """A template's summary as its name and the rest: ``日全食大型集中观测活动：广场约3000人…``."""
    separator = "：" if lang == "zh" else ": "
    name, _sep, rest = summary.partition(separator)
    return name, rest


def _summary(
    form: edit_forms.Form, entered: Mapping[str, list[str]], shown: _Shown
) -> list[tuple[str, str, str]]:
    """Each field with a mistake, for the list at the top: ``(html id, label, message)``."""
    found = []
    for field in form.fields():
        checked = [text for text, _line in shown.fields.get(field.name, ())]
        messages = [*entered.get(field.name, ()), *checked]
        if messages:
            found.append((field.html_id, field.label, messages[0]))
    return found


def _now_in_file(
    form: edit_forms.Form,
    submission: edit_forms.Submission,
    given: Mapping[str, Sequence[str]],
    lang: str,
) -> dict[str, str]:
    """After a conflict: beside each field the organiser set otherwise, what the file says."""
    words = WORDS[lang]
    notes = {}
    for field in form.fields():
        if edit_forms.NEW in field.path or field.name in submission.errors:
            continue
        try:
            typed = field.read(given.get(field.name, ()), lang)
        except edit_forms.FieldError:
            continue
        if field.changes(typed):
            notes[field.name] = (
                words["now_absent"]
                if field.value is None
                else words["now_in_file"].format(value=field.said(field.value, lang))
            )
    return notes


def _as_in_file(typed: str, current: str) -> str:
    """The text from the browser (which sends lines ending in CRLF, and no byte-order mark) with
    the file's line ends and byte-order mark."""
    text = typed.replace("\r\n", "\n")
    if "\r\n" in current:
        text = text.replace("\n", "\r\n")
    if current.startswith("\ufeff") and not text.startswith("\ufeff"):
        text = "\ufeff" + text
    return text


def _diff(current: str, typed: str, lang: str) -> str:
    """What the organiser's text changes in the file as it is now (a unified diff)."""
    mine = "您编辑的内容" if lang == "zh" else "your text"
    now = "文件现在的内容" if lang == "zh" else "the file now"
    lines = difflib.unified_diff(
        current.splitlines(keepends=True), typed.splitlines(keepends=True), now, mine
    )
    return "".join(lines)


def _site_names(text: str) -> dict[str, str]:
    try:
        return edit_forms.Source.of(text).site_names()
    except TextUnreadable:
        return {}


def _title(text: str) -> str:
    try:
        return edit_forms.Source.of(text).title
    except TextUnreadable:
        return ""
