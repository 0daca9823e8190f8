"""The console's home (``/console/``) and each event's page (``/console/events/{event_id}/``).

The home lists the events the organiser may see (an admin: all of them), each with its dates,
days to go, phase, what blocks the next phase and the people in so far; an event whose file
is broken shows its errors instead. An event's page shows the same facts, every plugin's
status line, and links to the event's volunteer page, board and sign-up page.

The facts come from the events' apps on the running server
(:class:`~kexie_events.server.EventApps`), see :mod:`.overview`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from kexie_events.console import overview, pages
from kexie_events.console.auth import EVENT_PREFIX, HOME, csrf_token, organiser_of, require_event
from kexie_events.lifecycle import PHASES
from kexie_events.server import EventApps

_NO_STORE = {"Cache-Control": "no-store"}
#: The home page shows this many of an event's blockers; its own page shows them all.
HOME_BLOCKERS = 3


def console_url(event_id: str) -> str:
    """The console's page of an event: ``/console/events/{event_id}/`` (percent-encoded)."""
    return f"{EVENT_PREFIX}{quote(event_id, safe='')}/"


def home_routes(apps: EventApps, event_url: Callable[[str], str]) -> list[Route]:
    """The home page and the event pages.

    Arguments:
        apps: the events' apps on this server.
        event_url: where the server serves an event's own pages (``/`` for a single event,
            ``/e/{event_id}/`` in a year), ending in ``/``.
    """

    def render(request: Request, template: str, **values) -> str:
        organiser = organiser_of(request)
        return pages.render(
            template,
            organiser.lang,
            organiser=organiser,
            csrf=csrf_token(request),
            phases=PHASES,
            console_url=console_url,
            event_url=event_url,
            **values,
        )

    async def home(request: Request) -> HTMLResponse:
        organiser = organiser_of(request)
        ids = [i for i in await run_in_threadpool(apps.root.events) if organiser.may_see(i)]
        summaries = overview.ordered(await _summaries(apps, ids))
        html = render(request, "home.html", events=summaries, gate_limit=HOME_BLOCKERS)
        return HTMLResponse(html, headers=_NO_STORE)

    async def event_page(request: Request) -> HTMLResponse:
        event_id = request.path_params["event_id"]
        organiser = require_event(request, event_id)
        found = await _summaries(apps, [event_id])
        if not found:
            words = pages.WORDS[organiser.lang]
            html = pages.render(
                "refused.html",
                organiser.lang,
                title=words["no_such_page_title"],
                message=words["no_such_event"],
                back=HOME,
            )
            return HTMLResponse(html, status_code=404, headers=_NO_STORE)
        html = render(request, "event.html", event=found[0], gate_limit=None)
        return HTMLResponse(html, headers=_NO_STORE)

    return [
        Route(HOME, home, methods=["GET"]),
        Route(EVENT_PREFIX + "{event_id}/", event_page, methods=["GET"]),
    ]


async def _summaries(apps: EventApps, ids: list[str]) -> list:
    """The summaries of the events ``ids`` (those that exist), read with their apps held."""
    async with contextlib.AsyncExitStack() as held:
        served = [await held.enter_async_context(apps.using(event_id)) for event_id in ids]
        found = [item for item in served if item is not None]
        return await run_in_threadpool(lambda: [overview.summary(item) for item in found])
