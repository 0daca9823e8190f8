"""One event of the console's ROOT, opened for a page the way the CLI opens it.

A console page that reads or records something loads the event file and opens the event's
store exactly as ``kexie`` commands do (:func:`~kexie_events.eventfile.load_event`,
:func:`~kexie_events.store.open_event_store`), for the length of the request. An event file
with errors is :class:`EventFileError` here too; the page shows its problems.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from kexie_events.errors import EventFileError, KexieError
from kexie_events.model import Event
from kexie_events.plugins import Plugins
from kexie_events.store import EventStore

from .root import Root, event_path

__all__ = [
    "EventFileError",
    "NoSuchEvent",
    "console_path",
    "event_folder",
    "load",
    "opened",
    "served_at",
]


class NoSuchEvent(KexieError):
    """The ROOT holds no event of that id (answered with 404)."""


def event_folder(root: Root, event_id: str) -> Path:
    """The folder of the event ``event_id``; :class:`NoSuchEvent` when ROOT has none."""
    folder = root.events().get(event_id)
    if folder is None:
        raise NoSuchEvent(event_id)
    return folder


def load(root: Root, plugins: Plugins, event_id: str) -> Event:
    """The event ``event_id``, loaded and checked as ``kexie check`` does."""
    from kexie_events.eventfile import load_event

    return load_event(event_folder(root, event_id), plugins)


@contextlib.contextmanager
def opened(root: Root, plugins: Plugins, event_id: str) -> Iterator[tuple[Event, EventStore]]:
    """The event ``event_id`` and its store, open for the ``with`` block."""
    from kexie_events.store import open_event_store

    event = load(root, plugins, event_id)
    with open_event_store(event, plugins) as store:
        yield event, store


def served_at(root: Root, event_id: str) -> str:
    """Where ``kexie serve ROOT`` serves the event's own pages (volunteers, board).

    A single event folder is served at the server's top (``""``); each event of a year folder
    at ``/e/{event_id}`` (:func:`~.root.event_path`, without its last ``/``).
    """
    return "" if root.single else event_path(event_id).rstrip("/")


def console_path(event_id: str, page: str = "") -> str:
    """The console's URL of an event's ``page``: ``/console/events/{event_id}/{page}``."""
    return f"/console/events/{quote(event_id, safe='')}/{page}"
