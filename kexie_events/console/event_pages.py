"""What every console page of one event shares: opening the event, rendering, forms, answers.

A page of one event lives under ``/console/events/{event_id}/``; ``ConsoleAuth``
(:mod:`kexie_events.console.auth`) has checked the session, the CSRF token and the
organiser's right to the event before the page runs. :func:`event_route` makes such a route
from a plain function of a :class:`Visit`: the event is loaded and its store opened as the
command line opens them (in a worker thread, so the server keeps answering), the form is
read, and a :class:`PageProblem` the function raises (no such event, an event file with
errors, a plugin the event does not use) becomes a page in the organiser's language.

Pages speak the organiser's language (:data:`~kexie_events.console.ops_words.WORDS`); what the
event and its plugins say (blockers, checklist items) stays in the event's.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote, urlencode

import attrs
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from kexie_events.console import pages
from kexie_events.console.accounts import Organiser
from kexie_events.console.auth import EVENT_PREFIX, csrf_token, organiser_of
from kexie_events.console.day_pages import problem_lines
from kexie_events.console.ops_words import WORDS
from kexie_events.console.root import Root
from kexie_events.errors import EventFileError
from kexie_events.model import Event
from kexie_events.plugins import Plugins
from kexie_events.store import EventStore

#: Largest upload a page accepts (an allocations workbook or a registration list).
UPLOAD_LIMIT = 20 * 1024 * 1024
#: Pages that show secrets (a volunteer's login link) or what just changed are not cached.
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,10}")


class PageProblem(Exception):
    """A page cannot be shown as asked: answered with a page saying why.

    Attributes:
        status: the HTTP status (404: no such event or item; 409: the event file has errors;
            413: an upload too large).
        word: the key in :data:`~kexie_events.console.ops_words.WORDS` of what to say.
        values: what the text's ``{...}`` are filled with.
        problems: lines listed under the text (an event file's errors, each with its line).
    """

    def __init__(self, status: int, word: str, problems: tuple[str, ...] = (), **values):
        self.status = status
        self.word = word
        self.values = values
        self.problems = problems
        super().__init__(f"{status} {word}")


@attrs.frozen
class EventPages:
    """Where the console finds events: the ROOT and the plugins the events are loaded with."""

    root: Root
    plugins: Plugins

    @contextlib.contextmanager
    def opened(self, event_id: str, *, plugin_checks: bool = True) -> Iterator[OpenEvent]:
        """The event ``event_id`` loaded and checked, and its store open for the block.

        ``plugin_checks=False`` skips the plugins' checks, as ``kexie glasses import`` does, so
        that a broken allocations file does not keep the page that replaces it closed. An event
        file with errors raises :class:`~kexie_events.errors.EventFileError`.
        """
        folder = self.root.events().get(event_id)
        if folder is None:
            raise PageProblem(404, "no_event")
        from kexie_events.eventfile import load_event
        from kexie_events.store import open_event_store

        event = load_event(folder, self.plugins, plugin_checks=plugin_checks)
        with open_event_store(event, self.plugins) as store:
            yield OpenEvent(event, store)


@attrs.frozen
class OpenEvent:
    """An event and its open store."""

    event: Event
    store: EventStore


@attrs.frozen
class Visit:
    """One request to a page of one event, with the event open.

    Attributes:
        organiser: who is at the console; recorded as ``by`` on what they change.
        root: the console's ROOT.
        event_id: the event's id (its folder's name).
        event, store: the event and its open store.
        plugins: the plugins the event was loaded with.
        form: the fields posted (``None`` for a GET).
        lang: the organiser's language: the pages' words.
        vocabulary: the words of the route's pages, by language.
    """

    request: Request
    organiser: Organiser
    root: Root
    event_id: str
    event: Event
    store: EventStore
    plugins: Plugins
    form: FormData | None
    lang: str
    vocabulary: dict[str, dict[str, str]] = WORDS

    @property
    def words(self) -> dict[str, str]:
        """The pages' words in the organiser's language."""
        return self.vocabulary[self.lang]

    @property
    def base(self) -> str:
        """The event's path in the console, ``/console/events/<id>`` (no final slash)."""
        return event_base(self.event_id)

    @property
    def by(self) -> str:
        """Who is acting, as the command line's ``--by`` records it."""
        return self.organiser.name

    @property
    def htmx(self) -> bool:
        """Whether htmx sent the request (it wants a fragment, not a redirect)."""
        return self.request.headers.get("hx-request") == "true"

    def field(self, name: str) -> str:
        """A posted text field, stripped; ``""`` when absent."""
        value = self.form.get(name) if self.form is not None else None
        return value.strip() if isinstance(value, str) else ""

    def fields(self) -> dict[str, str]:
        """Every posted text field as typed (the last of a repeated one); files left out."""
        if self.form is None:
            return {}
        return {name: value for name, value in self.form.items() if isinstance(value, str)}

    @contextlib.contextmanager
    def uploaded(self, name: str = "file") -> Iterator[tuple[Path, str] | None]:
        """The file uploaded in the field ``name``, saved for the block: its path and the
        name the organiser knows it by; ``None`` when no file was chosen.

        The saved file keeps the upload's suffix (``.csv``, ``.xlsx``; an old ``.xls`` too,
        so that the reader refuses it by name), under a name of its own.
        """
        upload = self.form.get(name) if self.form is not None else None
        if not isinstance(upload, UploadFile) or not upload.filename:
            yield None
            return
        known_as = Path(upload.filename).name
        suffix = Path(known_as).suffix.lower()
        suffix = suffix if _SUFFIX.fullmatch(suffix) else ""
        with tempfile.TemporaryDirectory(prefix="kexie-upload-") as folder:
            path = Path(folder) / f"upload{suffix}"
            upload.file.seek(0)
            path.write_bytes(upload.file.read())
            yield path, known_as

    def render(
        self, template: str, *, status: int = 200, headers: dict | None = None, **values
    ) -> HTMLResponse:
        """``template`` rendered with the event, the words and the CSRF token (``values``
        may replace any of them)."""
        shared = {
            "w": self.words,
            "organiser": self.organiser,
            "event": self.event,
            "event_id": self.event_id,
            "base": self.base,
            "csrf": csrf_token(self.request),
        }
        html = pages.render(template, self.lang, **{**shared, **values})
        return HTMLResponse(html, status_code=status, headers=headers or NO_STORE)

    def redirect(self, page: str, fragment: str = "", **query) -> RedirectResponse:
        """303 to ``page`` of this event (``"tickets"``), with ``query`` and ``#fragment``."""
        target = f"{self.base}/{page}"
        if query:
            target += "?" + urlencode(query)
        if fragment:
            target += "#" + fragment
        return RedirectResponse(target, status_code=303, headers=NO_STORE)


def event_base(event_id: str) -> str:
    """The console's path of an event: ``/console/events/<id, percent-encoded>``."""
    return EVENT_PREFIX + quote(event_id, safe="")


def event_route(
    pages_of: EventPages,
    path: str,
    handler: Callable[[Visit], Response],
    *,
    methods: tuple[str, ...] = ("GET",),
    plugin_checks: bool = True,
    changes_event: bool = False,
    words: dict[str, dict[str, str]] = WORDS,
) -> Route:
    """The route ``/console/events/{event_id}/<path>`` answered by ``handler(visit)``.

    ``handler`` runs in a worker thread with the event open; a :class:`PageProblem` it raises
    is answered with its page. A POST's form is read first (an upload larger than
    :data:`UPLOAD_LIMIT` is refused with 413 before it is read).

    ``changes_event``: what ``handler`` does changes what the event is made of (a file its
    plugins read when it is loaded), so after it succeeds ``kexie serve`` builds the event's
    app anew (``request.app.state.event_apps``, when the app has them).

    ``words``: the vocabulary the handler's pages are written with (``visit.words``).
    An event file with errors is answered 409 with each error and its line.
    """

    async def endpoint(request: Request) -> Response:
        organiser = organiser_of(request)
        event_id = request.path_params["event_id"]
        form = None
        try:
            if request.method == "POST":
                length = request.headers.get("content-length", "")
                if length.isdigit() and int(length) > UPLOAD_LIMIT:
                    raise PageProblem(413, "upload_too_large", limit=UPLOAD_LIMIT // 2**20)
                form = await request.form(max_files=1, max_fields=50)

            def work() -> Response:
                with pages_of.opened(event_id, plugin_checks=plugin_checks) as opened:
                    visit = Visit(
                        request,
                        organiser,
                        pages_of.root,
                        event_id,
                        opened.event,
                        opened.store,
                        pages_of.plugins,
                        form,
                        organiser.lang,
                        words,
                    )
                    return handler(visit)

            try:
                response = await run_in_threadpool(work)
            finally:
                if form is not None:
                    await form.close()
            apps = getattr(request.app.state, "event_apps", None)
            if changes_event and response.status_code < 400 and apps is not None:
                await apps.reload(event_id)
            return response
        except EventFileError as error:
            lines = tuple(problem_lines(error.problems, organiser.lang))
            broken = PageProblem(409, "event_file_broken", lines, count=len(lines))
            return problem_page(request, organiser, event_id, broken)
        except PageProblem as problem:
            return problem_page(request, organiser, event_id, problem)

    return Route(f"{EVENT_PREFIX}{{event_id}}/{path}", endpoint, methods=list(methods))


def problem_page(
    request: Request, organiser: Organiser, event_id: str, problem: PageProblem
) -> HTMLResponse:
    """The page answering ``problem``, in the organiser's language."""
    words = WORDS[organiser.lang]
    html = pages.render(
        "ops/problem.html",
        organiser.lang,
        w=words,
        organiser=organiser,
        csrf=csrf_token(request),
        title=words[f"{problem.word}_title"],
        message=words[problem.word].format(**problem.values),
        problems=problem.problems,
        base=event_base(event_id),
    )
    return HTMLResponse(html, status_code=problem.status, headers=NO_STORE)
