"""An event's ``event.toml`` as the console reads, checks and saves it.

A save from the console is held to three rules:

- **Checked before it is written.** The text is put through what ``kexie check`` runs (the
  core's reading and every plugin's section and checks) while it is still only text; a text
  with errors is never written, so the server and the CLI never read a broken file that the
  console made.
- **No lost update.** A page carries the :func:`~.eventfile_edit.digest` of the file it was
  made from; when the file on disk has changed since (someone ran an editor or the CLI, or
  another organiser saved), the save is refused with :class:`ChangedMeanwhile`.
- **Whole or not at all, and recorded.** The new file is written beside the old one and
  renamed over it, and the save is recorded in the event's journal (kind :data:`EDITED`,
  or :data:`CREATED` for an event made from a template) with the organiser's name.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
from pathlib import Path

import attrs

from kexie_events.errors import LocatedProblem
from kexie_events.eventfile import EVENT_FILE, check_source
from kexie_events.model import Event
from kexie_events.plugins import Plugins

from .eventfile_edit import digest

#: The journal's kind for a save of ``event.toml`` from the console.
EDITED = "eventfile.edited"
#: The journal's kind for an event made from a template in the console.
CREATED = "eventfile.created"

_locks: dict[Path, threading.Lock] = {}
_locks_lock = threading.Lock()


@attrs.frozen
class EventFile:
    """``event.toml`` as read from the disk.

    Attributes:
        path: the file.
        text: its text (a byte-order mark kept, if it had one).
        digest: the SHA-256 of its bytes.
    """

    path: Path
    text: str
    digest: str

    @classmethod
    def read(cls, folder: Path) -> EventFile:
        """The event file of ``folder``; ``OSError`` or ``UnicodeDecodeError`` when unreadable."""
        path = folder / EVENT_FILE
        data = path.read_bytes()
        return cls(path, data.decode("utf-8"), digest(data))


@attrs.frozen
class Checked:
    """What the check of a text found.

    Attributes:
        errors: what stops the text from being saved, each with its line.
        warnings: what is shown and let through.
        event: the event the text describes (``None`` when it has errors).
    """

    errors: tuple[LocatedProblem, ...] = ()
    warnings: tuple[LocatedProblem, ...] = ()
    event: Event | None = None

    @property
    def ok(self) -> bool:
        """Whether the text may be saved."""
        return not self.errors


class ChangedMeanwhile(Exception):
    """The file on disk is not the one the page was made from: nothing was saved.

    Attributes:
        current: the file as it is now.
    """

    def __init__(self, current: EventFile):
        self.current = current
        super().__init__(f"{current.path} changed since the page was loaded")


def check_text(folder: Path, text: str, plugins: Plugins) -> Checked:
    """What ``kexie check`` would say of ``text`` as ``folder``'s ``event.toml``, unsaved
    (:func:`kexie_events.eventfile.check_source`; a plugin's failure is an error)."""
    event, located = check_source(folder, text, plugins, report_plugin_failures=True)
    errors = tuple(p for p in located if p.problem.severity == "error")
    warnings = tuple(p for p in located if p.problem.severity == "warning")
    return Checked(errors, warnings, event)


def save(
    folder: Path,
    text: str,
    *,
    base: str,
    plugins: Plugins,
    by: str,
    record: dict | None = None,
) -> Checked:
    """Write ``text`` as ``folder``'s ``event.toml`` if it passes the check.

    ``base`` is the digest of the file the page was made from. Returns the check's result:
    with errors, nothing was written. :class:`ChangedMeanwhile` when the file is no longer
    ``base``. A save is recorded in the event's journal as :data:`EDITED` by ``by``, with
    ``record`` (what the page says was changed) and the digests before and after.
    """
    checked = check_text(folder, text, plugins)
    if not checked.ok:
        return checked
    data = text.encode("utf-8")
    with _lock(folder):
        current = EventFile.read(folder)
        if current.digest != base:
            raise ChangedMeanwhile(current)
        if current.text == text:
            return checked
        write_atomically(current.path, data)
    journal(
        checked.event,
        plugins,
        EDITED,
        by=by,
        data={**(record or {}), "before": base, "after": digest(data)},
    )
    return checked


def journal(event: Event, plugins: Plugins, kind: str, *, by: str, data: dict) -> None:
    """Record ``kind`` in ``event``'s journal, by ``by`` (opening its store, creating it if
    needed)."""
    from kexie_events.store import open_event_store

    with open_event_store(event, plugins) as store:
        store.append(kind, by=by, data=data)


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` by ``data`` whole: written beside it, flushed, renamed over it.

    The file keeps its permissions; a reader sees the old file or the new, never half of one.
    """
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(OSError):
            shutil.copymode(path, temporary)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _lock(folder: Path) -> threading.Lock:
    """One lock per event folder: two organisers saving at once do not both pass the check
    of the digest."""
    key = folder.resolve()
    with _locks_lock:
        return _locks.setdefault(key, threading.Lock())
