"""The folder a console serves: one event folder, or a folder of event folders (a county's year).

An event's id in the console is its folder's name: ``绿水乡-2027``, ``science-day``. The list is
read from the disk each time it is asked for, so an event created while the server runs is
there at once.
"""

from __future__ import annotations

import contextlib
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import quote

import attrs

from kexie_events.errors import EventFolderError
from kexie_events.eventfile import EVENT_FILE
from kexie_events.model import LANGUAGES

#: The language of a ROOT whose events do not agree on one, or that has none yet.
DEFAULT_LANG = "zh"
#: A year's server serves each event under this path, by its id: ``/e/{event_id}/``.
EVENTS_PATH = "/e/"


def event_path(event_id: str) -> str:
    """Where a year's server serves the event ``event_id``: ``/e/绿水乡科普日/`` (in a URL,
    percent-encoded: ``/e/%E7%BB%BF.../``)."""
    return f"{EVENTS_PATH}{quote(event_id, safe='')}/"


@attrs.frozen
class Root:
    """A console's ROOT.

    Attributes:
        folder: the folder given on the command line.
    """

    folder: Path

    @classmethod
    def at(cls, folder: Path | str, workdir: Path | None = None, *, copying: bool = True) -> Root:
        """The ROOT at ``folder``; :class:`EventFolderError` when it is not a folder.

        ``folder`` may be a PostgreSQL database's address (``postgresql://...``): its events'
        folders are kept in the database, and this process works on a copy in ``workdir``
        (:class:`~kexie_events.console.database_root.DatabaseRoot`), or, without
        ``copying``, reads the database only.
        """
        from .database_root import DatabaseRoot, is_database_url

        if is_database_url(str(folder)):
            return DatabaseRoot.open(str(folder), workdir, copying=copying)
        folder = Path(folder)
        if not folder.exists():
            raise EventFolderError(f"{folder}: no such folder")
        if not folder.is_dir():
            raise EventFolderError(f"{folder}: not a folder")
        return cls(folder)

    @property
    def single(self) -> bool:
        """Whether ROOT is itself an event folder (rather than a folder of them)."""
        return (self.folder / EVENT_FILE).is_file()

    def events(self) -> dict[str, Path]:
        """Every event's folder by its id (the folder's name), sorted by id.

        ROOT itself when it is an event folder; otherwise each sub-folder holding an
        ``event.toml`` (hidden folders, such as a kit being built, are not events).
        """
        if self.single:
            folder = self.folder.resolve()
            return {folder.name: folder}
        found = {
            child.name: child
            for child in self.folder.iterdir()
            if not child.name.startswith(".") and (child / EVENT_FILE).is_file()
        }
        return dict(sorted(found.items()))

    @property
    def label(self) -> str:
        """ROOT as messages name it: the folder."""
        return str(self.folder)

    @property
    def database_url(self) -> str | None:
        """The database ROOT is (``None``: a folder)."""
        return None

    @property
    def kept_elsewhere(self) -> bool:
        """Whether the events' folders are kept elsewhere (a database) and copied here, so
        that a server must :meth:`refresh` before and :meth:`save` after what it does."""
        return False

    def due(self, event_id: str) -> bool:
        """Whether an event's own request should :meth:`refresh` it first (never, here)."""
        return False

    def refresh(self, event_id: str | None = None) -> set[str]:
        """Bring the events' folders up to date where they are kept elsewhere; the ids of the
        events that changed. A folder on this disk is always up to date: nothing to do."""
        return set()

    def save(self, event_id: str | None, by: str) -> list:
        """Keep what changed in an event's folder (every event's, for ``None``) where the
        folders are kept; what was sent. A folder on this disk keeps it already."""
        return []

    def close(self) -> None:
        """Let go of what the ROOT holds open (nothing, for a folder)."""

    @property
    def lang(self) -> str:
        """The language the events are written in, when they agree; else Chinese.

        Read from each ``event.toml``'s ``lang`` without checking the rest of the file: a
        broken event file must not keep organisers out of the console where they would fix it.
        """
        return agreed_lang(_lang_of(folder / EVENT_FILE) for folder in self.events().values())


@contextlib.contextmanager
def opened(
    root: Path | str, workdir: Path | None = None, *, copying: bool = True
) -> Iterator[Root]:
    """:meth:`Root.at`, closed when the block ends (a database ROOT holds a connection)."""
    found = Root.at(root, workdir, copying=copying)
    try:
        yield found
    finally:
        found.close()


def _lang_of(path: Path) -> str | None:
    try:
        return lang_in(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError):
        return None


def agreed_lang(langs: Iterable[str | None]) -> str:
    """The language the events' files agree on (``None``: a file that says none of ours);
    :data:`DEFAULT_LANG` when they do not agree, or there are none."""
    found = set(langs)
    found.discard(None)
    return found.pop() if len(found) == 1 else DEFAULT_LANG


def lang_in(text: str) -> str | None:
    """The ``lang`` an event file's text says (Chinese when it says none); ``None`` when the
    text is not TOML or names no language of ours."""
    try:
        lang = tomllib.loads(text).get("lang", DEFAULT_LANG)
    except tomllib.TOMLDecodeError:
        return None
    return lang if lang in LANGUAGES else None
