"""The volunteer web app's shell: a Starlette app with bearer-token login and plugin routes.

Plugins add routes (``kexie_web_routes``) and buttons (``kexie_volunteer_actions``); the core
authenticates volunteers, serialises writes to the store, and answers every error as JSON, so
a phone never sees a stack trace. ``kexie serve`` runs it with uvicorn.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

import attrs
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from kexie_events import volunteers
from kexie_events.errors import KexieError
from kexie_events.model import Event
from kexie_events.plugins import Plugins
from kexie_events.records import ActionRequest, Migration, VolunteerAction
from kexie_events.store import EventStore, now


@attrs.define
class WebContext:
    """What every request handler needs: the event, its store, and the write lock.

    Attributes:
        lock: hold it around every use of ``store``; the connection is shared by threads.
    """

    event: Event
    store: EventStore
    plugins: Plugins
    lock: threading.Lock = attrs.field(factory=threading.Lock)


def context(request: Request) -> WebContext:
    """The app's :class:`WebContext`."""
    return request.app.state.kexie


def volunteer_of(request: Request) -> volunteers.Volunteer:
    """The volunteer behind the request's bearer token; 401 when there is none or it is bad."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(401, "log in with your volunteer link")
    ctx = context(request)
    with ctx.lock:
        volunteer = volunteers.authenticate(ctx.store, token.strip())
    if volunteer is None:
        raise HTTPException(401, "this login is not valid (revoked or mistyped)")
    return volunteer


async def json_body(request: Request) -> dict:
    """The request's JSON object; 400 when the body is not one."""
    try:
        body = await request.json()
    except ValueError:
        raise HTTPException(400, "the body must be JSON") from None
    if not isinstance(body, dict):
        raise HTTPException(400, "the body must be a JSON object")
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
    }


async def me(request: Request) -> JSONResponse:
    """``GET /api/v1/me``: who is logged in, and the buttons they may press."""

    def work() -> dict:
        volunteer = volunteer_of(request)
        ctx = context(request)
        with ctx.lock:
            found = list(_actions(ctx).values())
        actions = [
            _describe(a)
            for a in found
            if volunteer.role in a.roles and not (a.has_choices and not a.choices)
        ]
        return {**attrs.asdict(volunteer), "actions": actions}

    return JSONResponse(await run_in_threadpool(work))


async def run_action(request: Request) -> JSONResponse:
    """``POST /api/v1/actions/{id}``: a plugin button; the plugin answers with a message."""
    body = await json_body(request)

    def work() -> JSONResponse:
        volunteer = volunteer_of(request)
        ctx = context(request)
        with ctx.lock:
            action = _actions(ctx).get(request.path_params["action"])
            if action is None:
                raise HTTPException(404, "no such action")
            if volunteer.role not in action.roles:
                raise HTTPException(403, f"the {volunteer.role} role may not do this")
            gate = body.pop("gate", None) or volunteer.gate
            site = body.pop("site", None) or volunteer.site
            call = ActionRequest(ctx.event, ctx.store, volunteer, gate, site, body, now())
            try:
                message = action.handle(call)
            except KexieError as error:
                return JSONResponse({"ok": False, "message": str(error)}, status_code=409)
        return JSONResponse({"ok": True, "message": message})

    return await run_in_threadpool(work)


async def _http_error(request: Request, error: HTTPException) -> JSONResponse:
    return JSONResponse({"error": error.detail}, status_code=error.status_code)


async def _crash(request: Request, error: Exception) -> JSONResponse:
    return JSONResponse({"error": f"internal error: {type(error).__name__}"}, status_code=500)


def create_app(folder: Path | str, plugins: Plugins) -> Starlette:
    """The app for the event in ``folder``: core routes plus every plugin's."""
    from kexie_events.eventfile import load_event

    event = load_event(folder, plugins)
    store = EventStore.open(event.db_path, plugins.collect("kexie_store_migrations", Migration))
    routes = [
        Route("/api/v1/me", me),
        Route("/api/v1/actions/{action}", run_action, methods=["POST"]),
    ]
    for _plugin, result in plugins.call_each("kexie_web_routes", event=event):
        routes.extend(result or ())

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        with app.state.kexie.lock:
            store.close()

    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: _http_error, Exception: _crash},
        lifespan=lifespan,
    )
    app.state.kexie = WebContext(event, store, plugins)
    return app
