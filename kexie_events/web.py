"""The volunteer web app's shell: a Starlette app with bearer-token login and plugin routes.

Plugins add routes (``kexie_web_routes``) and buttons (``kexie_volunteer_actions``); the core
authenticates volunteers, checks what is sent, sends every write through one writer
(:mod:`kexie_events.group_commit`), and answers every error as JSON in the event's language,
so a phone never sees a stack trace:

- 400: the request itself is wrong (:class:`~kexie_events.inputs.InputError`); sending it
  again will not help.
- 401: no login, or a withdrawn one. 403: the volunteer's role may not do this.
- 409: it contradicts what is recorded (:class:`~kexie_events.inputs.Conflict`, or a plugin
  refusing a button press).
- 413: the body is larger than :data:`BODY_LIMIT`, refused before it is read.
- 503: the database is busy or the disk is full; nothing was recorded, try again later.

``kexie serve`` runs the app with uvicorn, using :func:`server_options`.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import attrs
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from kexie_events import inputs, volunteers
from kexie_events.errors import KexieError
from kexie_events.group_commit import GroupCommit
from kexie_events.i18n import moment_text, pick
from kexie_events.model import Event
from kexie_events.plugins import Plugins
from kexie_events.records import ActionRequest, VolunteerAction
from kexie_events.store import EventStore, StoreUnavailable, now, open_event_store, unavailable

T = TypeVar("T")

#: Largest request body the API reads; a check-in is about 200 bytes, an incident a few KB.
BODY_LIMIT = 8 * 1024
#: How long a write waits for a busy database (another program's write to ``event.db``, a
#: deadlock between PostgreSQL servers) before the request is answered 503.
BUSY_SECONDS = 2.0
#: Seconds a client has to send a whole request (headers and body) once it connects.
REQUEST_SECONDS = 10.0

# The page is one HTML file, one script and one style sheet, all from this server: anything
# else (inline script, other hosts, framing) is refused by the browser.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; media-src 'self' blob: mediastream:; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)

_ANSWER = text(
    "SELECT request, by, status, answer FROM web_action_answers WHERE scan_id = :scan_id"
)
_KEEP_ANSWER = text(
    "INSERT INTO web_action_answers (scan_id, action, request, by, status, answer, at)"
    " VALUES (:scan_id, :action, :request, :by, :status, :answer, :at)"
)


class LoginWithdrawn(Exception):
    """A write made with a cached login found it revoked (:meth:`WebContext.write`: 401)."""


@attrs.define
class WebContext:
    """What every request handler needs: the event, its store, and the store's one writer.

    Attributes:
        writer: every write of this server goes through it (:mod:`kexie_events.group_commit`):
            batched into transactions, answered once committed. Use :meth:`run` from a worker
            thread and :meth:`write` from async code; reads use ``store.reading()`` directly.
        logins: the volunteers this server has seen (:func:`login_of`).
    """

    event: Event
    store: EventStore
    plugins: Plugins
    writer: GroupCommit
    logins: volunteers.LoginCache
    #: Called when the server shuts down (uvicorn ends a process stopped by a signal by
    #: raising the signal again, so code after ``uvicorn.run`` may never run).
    on_shutdown: list[Callable[[], None]] = attrs.field(factory=list)

    def run(self, work: Callable[[], T]) -> T:
        """Run ``work`` in the writer's next transaction and return its result once committed.

        ``work`` uses ``store.transaction()`` (then a savepoint) and ``store.reading()`` as
        usual. An exception it raises is raised here, and its writes are rolled back; a
        database that stays busy beyond the writer's patience is
        :class:`StoreUnavailable` (answered 503).
        """
        return self.writer.write_now(lambda _db: work())

    async def write(self, work: Callable[[], T], *, login: volunteers.Login | None = None) -> T:
        """:meth:`run` for async handlers: waits for the commit without taking a thread.

        With ``login`` (from :func:`login_of`), the login is confirmed in the same transaction
        before ``work`` runs: revoked since it was looked up, nothing is recorded and the
        answer is 401.
        """
        if login is None:
            return await self.writer.write(lambda _db: work())

        def confirmed(db):
            if not self.logins.confirm(db, login):
                raise LoginWithdrawn
            return work()

        try:
            return await self.writer.write(confirmed)
        except LoginWithdrawn:
            raise _refused(self, login.token_hash) from None


def context(request: Request) -> WebContext:
    """The app's :class:`WebContext`."""
    return request.app.state.kexie


def _bearer_token(request: Request) -> str:
    """The request's bearer token; 401 when there is none."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(
            401,
            pick(
                context(request).event.lang,
                "请用负责人发给您的登录链接登录",
                "log in with your volunteer link",
            ),
            headers={"WWW-Authenticate": "Bearer"},
        )
    return token


def _refused(ctx: WebContext, token_hash: str) -> HTTPException:
    """The 401 for a token with no working login: withdrawn (by whom, when) or never valid."""
    revoked = volunteers.revocation_of(ctx.store, token_hash)
    message = (
        withdrawn_message(ctx.event, revoked)
        if revoked
        else pick(ctx.event.lang, "登录码无效（可能输错了）", "this login is not valid (mistyped?)")
    )
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})


def _may_record(request: Request, volunteer: volunteers.Volunteer) -> None:
    if volunteer.role in volunteers.READ_ONLY_ROLES and request.method not in ("GET", "HEAD"):
        # A board token is on a screen in a public place: it may look, never record.
        raise HTTPException(
            403,
            pick(
                context(request).event.lang,
                "看板登录只能查看，不能记录",
                "a board login can only look, not record",
            ),
        )


def volunteer_of(request: Request) -> volunteers.Volunteer:
    """The volunteer behind the request's bearer token, read from the store; 401 when there is
    none or it is bad."""
    ctx = context(request)
    token = _bearer_token(request)
    volunteer = volunteers.authenticate(ctx.store, token)
    if volunteer is None:
        raise _refused(ctx, volunteers.token_hash(token))
    _may_record(request, volunteer)
    return volunteer


def login_of(request: Request) -> volunteers.Login:
    """:func:`volunteer_of` for a request that records, without a read when this server has
    seen the token before: pass the login to :meth:`WebContext.write`, which confirms it in
    the transaction that records (so a revocation holds at once, on every server)."""
    ctx = context(request)
    token = _bearer_token(request)
    login = ctx.logins.find(token)
    if login is None:
        raise _refused(ctx, volunteers.token_hash(token))
    _may_record(request, login.volunteer)
    return login


def withdrawn_message(event: Event, revoked: volunteers.Revocation) -> str:
    """The 401 message of a withdrawn login: who withdrew it and when, in the event's language.

    The computer's login name (``login:root``) is an account, not a person: it is left out.
    """
    lang = event.lang
    moment = revoked.at.astimezone(event.tz)
    when = moment_text(moment, lang)
    if volunteers.is_person(revoked.by):
        return pick(
            lang,
            f"您的登录已于{when}被{revoked.by}收回，请联系负责人",
            f"your login was withdrawn by {revoked.by} on {when}; ask your lead",
        )
    return pick(
        lang,
        f"您的登录已于{when}被收回，请联系负责人",
        f"your login was withdrawn on {when}; ask your lead",
    )


async def json_body(request: Request) -> dict:
    """The request's JSON object; 400 when the body is not one (whatever is wrong with it)."""
    lang = context(request).event.lang
    try:
        raw = await request.body()
    except ClientDisconnect:
        raise HTTPException(400, pick(lang, "请求没有发完", "the request was cut off")) from None
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        # RecursionError: "[[[[...]]]]" nested deeper than Python's stack.
        raise HTTPException(400, pick(lang, "请求内容不是JSON", "the body must be JSON")) from None
    if not isinstance(body, dict):
        raise HTTPException(
            400, pick(lang, "请求内容必须是JSON对象", "the body must be a JSON object")
        )
    return body


def _actions(ctx: WebContext) -> dict[str, VolunteerAction]:
    found = ctx.plugins.collect(
        "kexie_volunteer_actions",
        VolunteerAction,
        unique_by="id",
        event=ctx.event,
        store=ctx.store,
    )
    return {action.id: action for action in found}


def _describe(action: VolunteerAction) -> dict:
    return {
        "id": action.id,
        "label": action.label,
        "fields": list(action.fields),
        "text_fields": list(action.text_fields),
        "choices": [list(choice) for choice in action.choices],
        "labels": dict(action.labels),
        "plugin": action.plugin,
        "limits": {"count": [1, inputs.MAX_COUNT], "text": inputs.TEXT_LIMIT},
    }


async def me(request: Request) -> JSONResponse:
    """``GET /api/v1/me``: who is logged in, and the buttons they may press."""

    def work() -> dict:
        volunteer = volunteer_of(request)
        ctx = context(request)
        found = list(_actions(ctx).values())
        actions = [
            _describe(a)
            for a in found
            if volunteer.role in a.roles and not (a.has_choices and not a.choices)
        ]
        return {**attrs.asdict(volunteer), "actions": actions}

    return JSONResponse(await run_in_threadpool(work))


def _action_data(action: VolunteerAction, body: dict, lang: str) -> dict[str, Any]:
    """The fields of a button press, each checked by the kind the action declares."""
    allowed = {*action.fields, *action.text_fields, *(("choice",) if action.has_choices else ())}
    inputs.only_keys(body, allowed, lang=lang)
    data: dict[str, Any] = {}
    for field in action.fields:
        label = action.labels.get(field) or pick(lang, "数量", field)
        data[field] = inputs.whole_number(body.get(field), field, lang=lang, label=label)
    for field in action.text_fields:
        label = action.labels.get(field) or pick(lang, "填写的内容", field)
        value = inputs.text(body.get(field), field, lang=lang, label=label, required=False)
        if value is not None:
            data[field] = value
    if action.has_choices:
        label = pick(lang, "选项", "choice")
        data["choice"] = inputs.text(
            body.get("choice"), "choice", lang=lang, label=label, limit=inputs.NAME_LIMIT
        )
    return data


async def run_action(request: Request) -> JSONResponse:
    """``POST /api/v1/actions/{id}``: a plugin button; the plugin answers with a message.

    Every field is checked against what the action declares before the plugin sees it. With
    a ``scan_id`` the press is recorded once: a retry gets the first answer, and the same
    ``scan_id`` with other content is a 409.
    """
    body = await json_body(request)

    def work() -> JSONResponse:
        volunteer = volunteer_of(request)
        ctx = context(request)
        event, lang = ctx.event, ctx.event.lang
        scan_id = inputs.scan_id(body.pop("scan_id", None), lang=lang, required=False)
        gate = body.pop("gate", None)
        site = body.pop("site", None)
        gate, site = inputs.place(
            event,
            volunteer.gate if gate in (None, "") else gate,
            volunteer.site if site in (None, "") else site,
        )

        def attempt() -> tuple[int, dict]:
            action = _actions(ctx).get(request.path_params["action"])
            if action is None:
                raise HTTPException(404, pick(lang, "没有这个操作", "no such action"))
            if volunteer.role not in action.roles:
                role = pick(lang, "验票员" if volunteer.role == "scanner" else "负责人", "")
                raise HTTPException(
                    403,
                    pick(
                        lang, f"{role}不能做这项操作", f"the {volunteer.role} role may not do this"
                    ),
                )
            data = _action_data(action, body, lang)
            request_key = json.dumps(
                {"action": action.id, "gate": gate, "site": site, "data": data},
                ensure_ascii=False,
                sort_keys=True,
            )
            with ctx.store.transaction() as db:
                if scan_id is not None:
                    first = db.execute(_ANSWER, {"scan_id": scan_id}).fetchone()
                    if first is not None:
                        if (first[0], first[1]) != (request_key, volunteer.name):
                            raise inputs.reused_scan_id(lang)
                        return first[2], json.loads(first[3])
                if action.has_choices:
                    inputs.one_of(
                        data["choice"],
                        "choice",
                        (value for value, _label in action.choices),
                        lang=lang,
                        label=pick(lang, "选项", "choice"),
                    )
                call = ActionRequest(event, ctx.store, volunteer, gate, site, data, now())
                try:
                    with ctx.store.transaction():  # a savepoint: a refusal leaves nothing
                        message = action.handle(call)
                    status, answer = 200, {"ok": True, "message": str(message)}
                except (inputs.InputError, StoreUnavailable):
                    raise
                except KexieError as error:
                    if unavailable(error) is not None:
                        raise
                    status, answer = 409, {"ok": False, "message": str(error)}
                if scan_id is not None:
                    db.execute(
                        _KEEP_ANSWER,
                        {
                            "scan_id": scan_id,
                            "action": action.id,
                            "request": request_key,
                            "by": volunteer.name,
                            "status": status,
                            "answer": json.dumps(answer, ensure_ascii=False),
                            "at": call.at.isoformat(),
                        },
                    )
            return status, answer

        status, answer = ctx.run(attempt)
        return JSONResponse(answer, status_code=status)

    return await run_in_threadpool(work)


# --- answers for errors -----------------------------------------------------------------------


def _lang(request: Request) -> str:
    return context(request).event.lang


async def _http_error(request: Request, error: HTTPException) -> JSONResponse:
    return JSONResponse(
        {"error": error.detail}, status_code=error.status_code, headers=error.headers
    )


async def _input_error(request: Request, error: inputs.InputError) -> JSONResponse:
    return JSONResponse({"error": str(error), "field": error.field}, status_code=400)


async def _conflict(request: Request, error: inputs.Conflict) -> JSONResponse:
    return JSONResponse({"error": str(error)}, status_code=409)


def _unavailable_answer(lang: str, problem: StoreUnavailable) -> JSONResponse:
    reasons = {
        "busy": pick(
            lang,
            "数据库正忙（有其他程序在写入），暂未记录，请稍后重试",
            "the event database is busy (another program is writing); try again shortly",
        ),
        "full": pick(
            lang,
            "服务器磁盘已满，暂时无法记录，请通知负责人",
            "the server's disk is full; nothing can be recorded; tell the lead",
        ),
        "broken": pick(
            lang,
            "服务器无法写入数据库，请通知负责人",
            "the server cannot write to the event database; tell the lead",
        ),
    }
    return JSONResponse(
        {"error": reasons[problem.kind], "retry": True},
        status_code=503,
        headers={"Retry-After": "2" if problem.kind == "busy" else "30"},
    )


async def _store_unavailable(request: Request, error: StoreUnavailable) -> JSONResponse:
    return _unavailable_answer(_lang(request), error)


async def _crash(request: Request, error: Exception) -> JSONResponse:
    lang = _lang(request)
    problem = unavailable(error)
    if problem is not None:  # a plugin route that used the store without ``run``
        return _unavailable_answer(lang, problem)
    return JSONResponse(
        {"error": pick(lang, "服务器内部错误", "internal error") + f" ({type(error).__name__})"},
        status_code=500,
    )


# --- middleware ---------------------------------------------------------------------------------


class SecurityHeaders:
    """Adds ``headers`` (by default :data:`SECURITY_HEADERS`) to every response that does not
    set them itself (pure ASGI, no body buffering)."""

    def __init__(self, app, headers: tuple[tuple[bytes, bytes], ...] = SECURITY_HEADERS):
        self.app = app
        self.headers = headers

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                own = message.get("headers", ())
                named = {name.lower() for name, _value in own}
                added = [header for header in self.headers if header[0] not in named]
                message = {**message, "headers": [*own, *added]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Refuses request bodies over ``limit`` bytes with 413, without reading them whole.

    A declared ``Content-Length`` over the limit is answered before a byte of the body is
    read; a body sent in chunks is counted as it arrives and refused at the first byte over.
    """

    def __init__(self, app, limit: int = BODY_LIMIT, lang: str = "en"):
        self.app = app
        self.limit = limit
        self.lang = lang

    def _message(self) -> str:
        kb = self.limit // 1024
        return pick(self.lang, f"请求内容过大（上限{kb} KB）", f"the body is larger than {kb} KB")

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            answer = JSONResponse({"error": self._message()}, status_code=413)
            answer.headers["Connection"] = "close"
            return await answer(scope, receive, send)
        received = 0

        async def counted():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise HTTPException(413, self._message(), headers={"Connection": "close"})
            return message

        await self.app(scope, counted, send)


#: Largest request head (request line and headers) the server reads.
HEADER_LIMIT = 8 * 1024


def server_options(request_seconds: float = REQUEST_SECONDS) -> dict[str, Any]:
    """uvicorn settings for the volunteers' server: bounded connections, sizes and times.

    - ``limit_concurrency``: more open connections than this are answered 503 at once.
    - ``timeout_keep_alive``: an idle kept-alive connection is closed after 5 s.
    - ``http``: uvicorn's httptools protocol (HTTP parsed in C: the server spends its time on
      check-ins, not on headers), plus a deadline: a connection whose request (headers and
      body) has not fully arrived ``request_seconds`` after it began is closed, so slow or
      silent clients cannot hold connections open; and a request head larger than
      :data:`HEADER_LIMIT` is answered 431 and the connection closed.
    """
    return {
        "limit_concurrency": 200,
        "timeout_keep_alive": 5,
        "http": _deadline_protocol(request_seconds),
    }


def _deadline_protocol(request_seconds: float) -> type:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class DeadlineProtocol(HttpToolsProtocol):
        """uvicorn's httptools protocol, plus a deadline for receiving each request and a limit
        on the size of its head."""

        _deadline = None
        _receiving = False
        _head_bytes: int | None = 0  # bytes of the request head so far; None once it is read
        _tail = b""  # the last bytes of the head so far: its end may straddle two reads

        def _arm(self) -> None:
            self._disarm()
            self._receiving = True
            self._deadline = self.loop.call_later(request_seconds, self._expire)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _expire(self) -> None:
            self._deadline = None
            if self._receiving and not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            if self._head_bytes is not None:
                # Only the head counts: a client may send the body in the same read (a form
                # of 15 KB saved in the console's text editor), and the body has its own limit.
                seen = self._tail + data
                end = seen.find(b"\r\n\r\n")
                self._head_bytes += len(data) if end < 0 else max(0, end + 4 - len(self._tail))
                self._tail = seen[-3:]
                if self._head_bytes > HEADER_LIMIT and not self.transport.is_closing():
                    self.transport.write(
                        b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
                        b"content-length: 0\r\nconnection: close\r\n\r\n"
                    )
                    self.transport.close()
                    return
            super().data_received(data)

        def on_message_begin(self) -> None:
            if not self._receiving:
                self._arm()  # the next request on a kept-alive connection begins
            self._head_bytes, self._tail = 0, b""
            super().on_message_begin()

        def on_headers_complete(self) -> None:
            self._head_bytes = None
            super().on_headers_complete()

        def on_message_complete(self) -> None:
            self._receiving = False
            self._disarm()
            self._head_bytes, self._tail = 0, b""  # what comes next is the next request's head
            super().on_message_complete()

        def connection_lost(self, exc) -> None:
            self._disarm()
            super().connection_lost(exc)

    return DeadlineProtocol


def create_app(folder: Path | str, plugins: Plugins) -> Starlette:
    """The app for the event in ``folder``: core routes plus every plugin's."""
    from kexie_events.eventfile import load_event

    event = load_event(folder, plugins)
    store = open_event_store(event, plugins)
    writer = GroupCommit(store, patience=BUSY_SECONDS).start()
    routes = [
        Route("/api/v1/me", me),
        Route("/api/v1/actions/{action}", run_action, methods=["POST"]),
    ]
    for _plugin, result in plugins.call_each("kexie_web_routes", event=event):
        routes.extend(result or ())

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        for callback in app.state.kexie.on_shutdown:
            callback()
        writer.stop()
        store.close()

    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(BodyLimit, limit=BODY_LIMIT, lang=event.lang),
        ],
        exception_handlers={
            HTTPException: _http_error,
            inputs.InputError: _input_error,
            inputs.Conflict: _conflict,
            StoreUnavailable: _store_unavailable,
            Exception: _crash,
        },
        lifespan=lifespan,
    )
    app.state.kexie = WebContext(event, store, plugins, writer, volunteers.LoginCache(store))
    return app
