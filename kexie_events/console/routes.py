"""Every page of the console beyond its home and its login, in one list for ``kexie serve``.

Each area keeps its own routes: creating and editing events (:mod:`.editing`), running one
(:mod:`.operations`: the lifecycle, checklists, glasses, tickets, volunteers), its documents and
report (:mod:`.documents`), the day itself (:mod:`.onsite`) and the year's roll-up
(:mod:`.rollup_pages`). :func:`~kexie_events.server.root_app` mounts these under the console's
middleware, which checks the session, the CSRF token and the organiser's right to each event
before any of them runs.
"""

from __future__ import annotations

from starlette.routing import Route

from kexie_events.console.root import Root
from kexie_events.plugins import Plugins


def console_pages(root: Root, plugins: Plugins) -> list[Route]:
    """The routes of every console page of ``root``'s events."""
    from kexie_events.console import documents, editing, onsite, operations, rollup_pages

    return [
        *editing.routes(root, plugins),
        *operations.routes(root, plugins),
        *documents.routes(root, plugins),
        *onsite.routes(root, plugins),
        *rollup_pages.routes(root, plugins),
    ]
