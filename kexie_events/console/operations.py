"""Running an event from the console: the lifecycle, the checklist, glasses, tickets, volunteers.

Each page does what a ``kexie`` command does, through the same functions, and records the
organiser's name as ``by``:

======================================  ==========================================
``/console/events/{id}/lifecycle``      ``kexie status``, ``kexie advance [--force --reason]``
``/console/events/{id}/checklists``     ``kexie checklist [tick|untick]``
``/console/events/{id}/glasses``        ``kexie glasses import``
``/console/events/{id}/tickets``        ``kexie tickets issue|import|revoke|list``, the sheets
``/console/events/{id}/volunteers``     ``kexie volunteers add|revoke|list|link``
======================================  ==========================================

Mount :func:`routes` in the console's app, inside :class:`~kexie_events.console.auth.
ConsoleAuth` (which checks the session, the CSRF token and the organiser's right to the event
before any of these pages runs).
"""

from __future__ import annotations

from pathlib import Path

from starlette.routing import Route

from kexie_events.console import glasses_pages, lifecycle_pages, ticket_pages, volunteer_pages
from kexie_events.console.event_pages import EventPages
from kexie_events.console.root import Root
from kexie_events.plugins import Plugins

#: The pages, in the order the console's menu lists them.
PAGES = ("lifecycle", "checklists", "glasses", "tickets", "volunteers")


def routes(root: Root | Path | str, plugins: Plugins) -> list[Route]:
    """The routes of running the events of ``root`` (see the module's text)."""
    root = root if isinstance(root, Root) else Root.at(root)
    pages_of = EventPages(root, plugins)
    return [
        *lifecycle_pages.routes(pages_of),
        *glasses_pages.routes(pages_of),
        *ticket_pages.routes(pages_of),
        *volunteer_pages.routes(pages_of),
    ]
