"""What ``kexie serve ROOT`` runs: the events of a ROOT and their console, in one ASGI app.

ROOT is one event folder or a folder of event folders (a county's year; see
:mod:`kexie_events.console.root`). The console is at ``/console/`` in both cases.

- **One event:** its app (:func:`kexie_events.web.create_app`) answers every other path, as it
  always has: the volunteer page at ``/``, ``/api/v1/...``, ``/board``, the sign-up at ``/r/``.
- **A year:** each event's app answers under ``/e/{event_id}/``
  (:func:`~kexie_events.console.root.event_path`; the id is the folder's name). It is built on
  the event's first request, so an event created while the server runs is served at once.
  ``/`` leads to the console.

The apps are kept by :class:`EventApps`. An event that cannot be built (a broken
``event.toml``, a store that does not open) does not stop the server or the other events: its
URLs answer 503 saying what is wrong, with file and line (JSON under ``api/``, a page
otherwise), and the build is tried again once ``event.toml`` changes, or :data:`RETRY_SECONDS`
later. :meth:`EventApps.reload` makes an event's next request build it anew, so a change the
console makes to ``event.toml`` takes effect; the old app's writer is stopped and its store
closed once its last request is answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from urllib.parse import quote

import attrs
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from kexie_events.console import pages, problem_words
from kexie_events.console.auth import (
    EVENT_PREFIX,
    HOME,
    PREFIX,
    STATIC_PREFIX,
    Refused,
    organiser_in,
    refusal_page,
)
from kexie_events.console.database_root import usable_id
from kexie_events.console.root import EVENTS_PATH, Root, event_path
from kexie_events.database import StoreUnavailable
from kexie_events.errors import EventFileError, KexieError, LocatedProblem
from kexie_events.eventfile import EVENT_FILE
from kexie_events.plugins import Plugins
from kexie_events.web import SecurityHeaders, WebContext, create_app

#: A failed build is tried again at the next request this long after it failed, even when
#: ``event.toml`` has not changed (a database that was down may be up again).
RETRY_SECONDS = 10.0

log = logging.getLogger(__name__)

#: An app for the event in a folder, as :func:`kexie_events.web.create_app` makes it.
AppBuilder = Callable[[Path, Plugins], Starlette]


def _stamp(folder: Path) -> tuple[int, int] | None:
    """``event.toml``'s modification time and size: what says it was changed."""
    try:
        found = (folder / EVENT_FILE).stat()
    except OSError:
        return None
    return found.st_mtime_ns, found.st_size


@attrs.define(eq=False)
class Running:
    """An event's app, built and serving.

    Attributes:
        event_id: the event's folder name.
        app: the event's Starlette app.
        users: requests (and console pages) using it right now.
        retired: replaced (:meth:`EventApps.reload`): closed when the last user is done.
    """

    event_id: str
    app: Starlette
    users: int = 0
    retired: bool = False
    stopped: bool = False

    @property
    def context(self) -> WebContext:
        """The event, its store, its plugins and its writer."""
        return self.app.state.kexie

    def stop(self) -> None:
        """Shut the app down as its lifespan does when a server stops (once).

        Starlette runs the lifespan of the app it serves, not of the apps that app passes
        requests to, so :class:`EventApps` does it for each event's app.
        """
        if self.stopped:
            return
        self.stopped = True
        context = self.context
        for callback in context.on_shutdown:
            callback()
        context.writer.stop()
        context.store.close()


@attrs.frozen
class Broken:
    """An event whose app could not be built.

    Attributes:
        event_id: the event's folder name.
        folder: the event's folder.
        error: what went wrong: a :class:`~kexie_events.errors.KexieError` for what the
            organiser can fix (:class:`~kexie_events.errors.EventFileError` for the file),
            anything else for a bug.
        stamp: ``event.toml``'s modification time and size when it was tried.
        tried_at: when it was tried (``time.monotonic()``).
    """

    event_id: str
    folder: Path
    error: Exception
    stamp: tuple[int, int] | None
    tried_at: float

    @property
    def problems(self) -> list[LocatedProblem]:
        """The event file's errors, each with its line and key (empty for other failures)."""
        if isinstance(self.error, EventFileError):
            return [p for p in self.error.problems if p.problem.severity == "error"]
        return []

    @property
    def expected(self) -> bool:
        """Whether the failure is the organiser's to fix (503) rather than a bug (500)."""
        return isinstance(self.error, KexieError)

    def stale(self) -> bool:
        """Whether it is worth building again: the file changed, or it is time to retry."""
        return (
            _stamp(self.folder) != self.stamp or time.monotonic() - self.tried_at >= RETRY_SECONDS
        )


Served = Running | Broken


class EventApps:
    """The apps of a ROOT's events, by event id, each built when first asked for.

    Ask with :meth:`using` (an ``async with``); it answers ``None`` for an id that is not one
    of ROOT's events, a :class:`Broken` for an event that cannot be built, and a
    :class:`Running` app otherwise.
    """

    def __init__(self, root: Root, plugins: Plugins, build: AppBuilder = create_app):
        self.root = root
        self.plugins = plugins
        self._build = build
        self._served: dict[str, Served] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def build_now(self, event_id: str) -> Served | None:
        """Build the event's app here and now, without an event loop (before serving)."""
        folder = self.root.events().get(event_id)
        if folder is None:
            return None
        self._served[event_id] = self._attempt(event_id, folder)
        return self._served[event_id]

    @contextlib.asynccontextmanager
    async def using(self, event_id: str) -> AsyncIterator[Served | None]:
        """The event's app, built if need be, held open until the block ends."""
        served = await self._get(event_id)
        if not isinstance(served, Running):
            yield served
            return
        served.users += 1
        try:
            yield served
        finally:
            served.users -= 1
            if served.retired and served.users == 0:
                await run_in_threadpool(served.stop)

    async def reload(self, event_id: str) -> None:
        """Build the event's app anew at its next request (its ``event.toml`` was changed).

        The app serving now stops taking requests; its writer is stopped and its store closed
        once the requests it is answering are answered.
        """
        async with self._lock(event_id):
            served = self._served.pop(event_id, None)
        if isinstance(served, Running):
            served.retired = True
            if served.users == 0:
                await run_in_threadpool(served.stop)

    async def aclose(self) -> None:
        """Stop every app's writer and close its store (the server is stopping)."""
        await run_in_threadpool(self.close)

    def close(self) -> None:
        """:meth:`aclose` for code without an event loop; doing it twice does nothing more."""
        served, self._served = self._served, {}
        for app in served.values():
            if isinstance(app, Running):
                app.retired = True
                app.stop()

    def _lock(self, event_id: str) -> asyncio.Lock:
        return self._locks.setdefault(event_id, asyncio.Lock())

    async def _get(self, event_id: str) -> Served | None:
        served = self._served.get(event_id)
        if isinstance(served, Running) or (isinstance(served, Broken) and not served.stale()):
            return served
        async with self._lock(event_id):  # one build at a time, however many requests wait
            served = self._served.get(event_id)
            if isinstance(served, Running):
                return served
            if isinstance(served, Broken) and not served.stale():
                return served
            folder = (await run_in_threadpool(self.root.events)).get(event_id)
            if folder is None:
                self._served.pop(event_id, None)
                return None
            served = await run_in_threadpool(self._attempt, event_id, folder)
            self._served[event_id] = served
            return served

    def _attempt(self, event_id: str, folder: Path) -> Served:
        stamp = _stamp(folder)
        try:
            return Running(event_id, self._build(folder, self.plugins))
        except Exception as error:  # a broken event must not take the server down
            if not isinstance(error, KexieError):
                log.exception("cannot serve the event %s", event_id)
            return Broken(event_id, folder, error, stamp, time.monotonic())


class RootApp:
    """The ASGI app ``kexie serve ROOT`` runs: the console, and the events (see the module).

    Arguments:
        root: the ROOT served.
        apps: its events' apps.
        console: the console's app (every path under ``/console``).
        on_shutdown: called when the server stops, after the events' apps are closed.
    """

    def __init__(
        self,
        root: Root,
        apps: EventApps,
        console,
        on_shutdown: Callable[[], None] | None = None,
    ):
        self.root = root
        self.apps = apps
        self.console = console
        self.on_shutdown = on_shutdown
        self._single = root.single
        self._single_id = next(iter(root.events())) if self._single else None
        self._lang = root.lang  # for pages that belong to no event (read once: it costs)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            return await self._lifespan(receive, send)
        path = scope["path"]
        if path == PREFIX or path.startswith(PREFIX + "/"):
            if self.root.kept_elsewhere and not path.startswith(STATIC_PREFIX):
                return await self._console_kept_elsewhere(scope, receive, send)
            return await self.console(scope, receive, send)
        if self._single:
            return await self._event(self._single_id, scope, receive, send)
        if path == "/":
            return await _answer(RedirectResponse(HOME, status_code=303), scope, receive, send)
        if not path.startswith(EVENTS_PATH):
            return await _answer(self._not_found(scope), scope, receive, send)
        event_id, slash, _rest = path[len(EVENTS_PATH) :].partition("/")
        if not event_id:
            return await _answer(self._not_found(scope), scope, receive, send)
        if not slash:  # /e/{id}: the page's relative links need /e/{id}/
            target = scope.get("root_path", "") + quote(path) + "/"
            if scope.get("query_string"):
                target += "?" + scope["query_string"].decode("latin-1")
            return await _answer(RedirectResponse(target, status_code=308), scope, receive, send)
        prefix = EVENTS_PATH + event_id
        inner = {**scope, "root_path": scope.get("root_path", "") + prefix}
        await self._event(event_id, inner, receive, send)

    async def _console_kept_elsewhere(self, scope, receive, send) -> None:
        """A console request on a ROOT kept in a database: the copy is brought up to date
        first, and what the request changed is saved before its answer leaves, so that the
        next request, on whichever server, sees it.

        When another server changed the same files first, theirs is kept and the answer is
        replaced by a 409 page saying this change was not saved. A save the database cannot
        take (it is down) is kept in the copy and sent at the next refresh; the answer is then a
        503 page saying so. A refused request (no login) saves nothing.
        """
        await self._refresh(None)
        if scope.get("method") in ("GET", "HEAD"):
            return await self.console(scope, receive, send)
        event_id = _console_event_id(scope["path"])
        answer = {"started": False, "replaced": False}

        async def send_after_saving(message) -> None:
            if message["type"] == "http.response.start" and not answer["started"]:
                answer["started"] = True
                organiser = organiser_in(scope)
                if organiser is not None:
                    refused = await self._save(event_id, organiser.name)
                    if refused is not None:
                        answer["replaced"] = True
                        page = refusal_page(refused, organiser.lang)
                        return await page(scope, receive, send)
            if not answer["replaced"]:  # a replaced answer's own body is dropped
                await send(message)

        await self.console(scope, receive, send_after_saving)

    async def _save(self, event_id: str | None, by: str) -> Refused | None:
        """Save the event's copy (every event's, for ``None``). What to answer instead of the
        page's own answer: a 409 when the change met another server's (those events are built
        anew: their copies now have theirs), a 503 when the database could not take it."""
        try:
            saved = await run_in_threadpool(self.root.save, event_id, by)
        except StoreUnavailable as error:
            log.warning("not saved to the database, sent at the next refresh: %s", error)
            return Refused(503, "unsent")
        clashed = [found.event_id for found in saved if found.conflicts]
        for changed_id in clashed:
            await self.apps.reload(changed_id)
        return Refused(409, "conflict") if clashed else None

    async def _refresh(self, event_id: str | None) -> None:
        """Fetch what changed in the database; build anew the events whose files changed.

        A database that does not answer leaves the copy as it is: the request goes on, and
        the event's own store (in the same database) answers 503 if it must.
        """
        try:
            changed = await run_in_threadpool(self.root.refresh, event_id)
        except StoreUnavailable as error:
            log.warning("the events' folders were not refreshed: %s", error)
            return
        for changed_id in changed:
            await self.apps.reload(changed_id)

    async def _event(self, event_id: str, scope, receive, send) -> None:
        if self.root.kept_elsewhere and self.root.due(event_id):
            await self._refresh(event_id)
        async with self.apps.using(event_id) as served:
            if isinstance(served, Running):
                return await served.app(scope, receive, send)
            if served is None:
                return await _answer(self._not_found(scope), scope, receive, send)
            answer = await run_in_threadpool(unavailable_answer, served, _wants_json(scope))
            await _answer(answer, scope, receive, send)

    def _not_found(self, scope) -> Response:
        lang = self._lang
        if _wants_json(scope):
            return JSONResponse({"error": pages.WORDS[lang]["no_such_page"]}, status_code=404)
        html = pages.render(
            "refused.html",
            lang,
            title=pages.WORDS[lang]["no_such_page_title"],
            message=pages.WORDS[lang]["no_such_page"],
            back=HOME,
        )
        return HTMLResponse(html, status_code=404)

    async def _lifespan(self, receive, send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def aclose(self) -> None:
        """Close every event's app, then run :attr:`on_shutdown` (once)."""
        await run_in_threadpool(self.close)

    def close(self) -> None:
        """:meth:`aclose` without an event loop (after the server has stopped)."""
        self.apps.close()
        on_shutdown, self.on_shutdown = self.on_shutdown, None
        if on_shutdown is not None:
            on_shutdown()


async def _answer(response: Response, scope, receive, send) -> None:
    if scope["type"] == "websocket":  # no event serves websockets
        await send({"type": "websocket.close", "code": 1008})
        return
    await response(scope, receive, send)


def _console_event_id(path: str) -> str | None:
    """The event a console path is about (``/console/events/{id}/...``), else ``None``."""
    if not path.startswith(EVENT_PREFIX):
        return None
    event_id = path[len(EVENT_PREFIX) :].partition("/")[0]  # ASGI paths come decoded
    return event_id if usable_id(event_id) else None


def _wants_json(scope) -> bool:
    """Whether the request is the API's (answered in JSON) rather than a page's."""
    path = scope["path"][len(scope.get("root_path", "")) :]
    return "/api/" in path


def unavailable_answer(broken: Broken, as_json: bool) -> Response:
    """What an event that cannot be built answers: 503 saying what to fix (500 for a bug).

    The event file's errors are listed with their lines. Other failures (a database that
    does not answer) are only named here: these pages are public, and the console shows the
    organisers the details.
    """
    lang = Root(broken.folder).lang
    words = pages.WORDS[lang]
    lines = [problem_text(p, lang) for p in broken.problems]
    if broken.problems:
        reason = words["unavailable_file"]
    elif broken.expected:
        reason = words["unavailable_other"]
    else:
        reason = words["unavailable_bug"].format(kind=type(broken.error).__name__)
    status = 503 if broken.expected else 500
    headers = {"Retry-After": "10", "Cache-Control": "no-store"}
    if as_json:
        message = " ".join([reason, *lines])
        return JSONResponse({"error": message, "retry": True}, status_code=status, headers=headers)
    html = pages.render(
        "unavailable.html", lang, title=words["unavailable_title"], reason=reason, lines=lines
    )
    return HTMLResponse(html, status_code=status, headers=headers)


def problem_text(problem: LocatedProblem, lang: str) -> str:
    """``event.toml 第5行 title：应填写文字（加英文引号）`` (``event.toml line 5, title:
    expected a text in quotes, ...``): where, and what is wrong in the reader's language."""
    key = problem.problem.dotted_key
    where = pages.WORDS[lang]["file_line"].format(file=Path(problem.path).name, line=problem.line)
    if key:
        where = f"{where} {key}" if lang == "zh" else f"{where}, {key}"
    message = problem_words.problem_text(problem.problem, lang)
    return f"{where}{'：' if lang == 'zh' else ': '}{message}"


#: The console's stylesheet and scripts.
CONSOLE_STATIC = Path(__file__).parent / "console" / "static"

#: The console's pages are served with this policy: their styles and scripts come from
#: ``/console/static/`` only (no inline script or style, no other host), so text an event
#: file or an upload carries cannot run in an organiser's session. A page that sets its own
#: policy (a kit document opened in the browser: sandboxed) keeps it.
CONSOLE_HEADERS = (
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        b"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)


def root_app(
    root: Root,
    plugins: Plugins,
    *,
    build: AppBuilder = create_app,
    console_routes: tuple | None = None,
    on_shutdown: Callable[[], None] | None = None,
) -> RootApp:
    """Everything ``kexie serve ROOT`` serves, wired: the events' apps and the console.

    The console's accounts are ``ROOT/console.db``
    (:func:`~kexie_events.console.accounts.open_accounts`). Its routes find the events' apps
    as ``request.app.state.event_apps`` (an :class:`EventApps`: ``await
    request.app.state.event_apps.reload(event_id)`` after changing an event's file).
    ``console_routes`` are the console's pages (by default all of them,
    :func:`~kexie_events.console.routes.console_pages`); ``on_shutdown`` runs when the server
    stops.
    """
    from starlette.middleware import Middleware
    from starlette.routing import Mount
    from starlette.staticfiles import StaticFiles

    from kexie_events.console.accounts import open_accounts
    from kexie_events.console.auth import ConsoleAuth, console_auth_routes

    # The console's pages read the events' apps (this module): imported here, not at the top.
    from kexie_events.console.home import home_routes

    single = root.single

    def event_url(event_id: str) -> str:
        return "/" if single else event_path(event_id)

    if console_routes is None:
        from kexie_events.console.routes import console_pages

        console_routes = tuple(console_pages(root, plugins))
    accounts = open_accounts(root)
    apps = EventApps(root, plugins, build)
    console = Starlette(
        routes=[
            *console_auth_routes(accounts),
            *home_routes(apps, event_url),
            *console_routes,
            Mount(STATIC_PREFIX.rstrip("/"), app=StaticFiles(directory=str(CONSOLE_STATIC))),
        ],
        middleware=[
            Middleware(SecurityHeaders, headers=CONSOLE_HEADERS),
            Middleware(ConsoleAuth, accounts=accounts),
        ],
    )
    console.state.event_apps = apps
    console.state.accounts = accounts

    def stopped() -> None:
        accounts.close()
        if on_shutdown is not None:
            on_shutdown()

    return RootApp(root, apps, console, on_shutdown=stopped)


def year_lines(root: Root, plugins: Plugins, base: str, lang: str) -> list[str]:
    """What ``kexie serve YEAR`` prints of each event: its title and address on the server at
    ``base`` (and its sign-up page's), or its event file's errors."""
    from kexie_events.eventfile import load_event
    from kexie_events.i18n import pick

    lines = []
    for event_id, folder in root.events().items():
        try:
            event = load_event(folder, plugins)
        except EventFileError as error:
            lines.append(
                f"{event_id}: "
                + pick(lang, "活动文件有错误，修正后即可使用：", "its event file has errors:")
            )
            lines += [
                f"  {problem_text(p, lang)}"
                for p in error.problems
                if p.problem.severity == "error"
            ]
            continue
        except KexieError as error:
            lines.append(f"{event_id}: {error}")
            continue
        page = base.rstrip("/") + event_path(event_id)
        lines.append(f"{event.title}: {page}")
        if event.uses("registration"):
            lines.append("  " + pick(lang, "公众报名页：", "public sign-up page: ") + f"{page}r/")
    return lines
