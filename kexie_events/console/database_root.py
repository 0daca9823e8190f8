"""A ROOT kept in PostgreSQL: the events' folders in the database, served from a local copy.

``kexie serve postgresql://kexie@db.county.lan/county2027`` serves every event whose folder is
in that database: put there by ``kexie db put DIR --to URL``, or made with 新建活动 / New event
in the console. The database then holds everything of a county's year: each event's store (a
schema per event), the console's accounts (schema ``kexie_console``) and, in that schema, each
event's folder: ``event.toml``, the files it names (allocations, question banks, entries), its
key files, and what the console built there (the kit, the report).

Every server keeps a copy of the folders in a working folder of its own and runs everything on
that copy exactly as on a folder of event folders (:class:`~kexie_events.console.root.Root`):

- :meth:`EventFolders.refresh` asks the database which events changed (one query) and fetches
  only their changed files. ``kexie serve`` calls it before each console request, and before
  an event's own requests at most once a second; an event whose files changed is built anew.
- :meth:`EventFolders.save` sends what changed in an event's copy (found by size and
  modification time, then SHA-256). ``kexie serve`` calls it after each console request that
  changes something, and when a kit build ends.

So two servers behind one proxy serve the same events, and a server replaced by another on a
new machine starts with every event, from the database alone.

**When two servers change one event at once.** A file changed (or created) on both keeps the
first save; the second server takes it at its next refresh, and ``kexie serve`` tells the second
organiser that their change was not saved. The console's own check (every page carries the
SHA-256 of the file it was made from, and the copy is refreshed before a page is answered)
catches the usual case earlier. A file deleted on one server and changed on the other stays,
changed.

The working folder is the server's own: a folder holding anything else is refused, so that a
refresh (which deletes the files the database no longer has) never touches a folder it did not
make. It is marked by :data:`MARKER`.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import attrs
from sqlalchemy import bindparam, text

from kexie_events import database
from kexie_events.database import StoreUnavailable
from kexie_events.errors import EventFolderError, KexieError, UsageError
from kexie_events.eventfile import EVENT_FILE
from kexie_events.store import EventStore, now

from .root import Root, agreed_lang, lang_in

log = logging.getLogger(__name__)

#: The file that marks a working folder as a copy this module made (it holds the database's
#: address, without its password).
MARKER = ".kexie-database-root"
#: The event's SQLite store is never copied: with a database ROOT the store is in PostgreSQL.
STORE_FILES = frozenset({"event.db", "event.db-wal", "event.db-shm", "event.db-journal"})
#: An event's own requests look for changes at most this often (seconds); console requests
#: look every time.
EVENT_REFRESH_INTERVAL = 1.0
#: What the copy holds (each event's revision, each file's SHA-256), in the working folder.
RECORD = ".kexie-copy.json"
#: Files fetched per query when a copy is brought up to date.
_FETCH_BATCH = 200

_REVISIONS = text("SELECT event_id, revision FROM console_event_folders")
_REVISION = text("SELECT revision FROM console_event_folders WHERE event_id = :id")
_LISTING = text("SELECT path, sha256, revision FROM console_event_files WHERE event_id = :id")
_CONTENTS = text(
    "SELECT path, sha256, mode, content FROM console_event_files"
    " WHERE event_id = :id AND path IN :paths"
).bindparams(bindparam("paths", expanding=True))
# A new folder starts at revision 0 (its first save makes it 1); ON CONFLICT: another server
# made it first, and the save goes on against theirs.
_NEW_FOLDER = text(
    "INSERT INTO console_event_folders"
    " (event_id, revision, created_at, created_by, updated_at, updated_by)"
    " VALUES (:id, 0, :at, :by, :at, :by) ON CONFLICT (event_id) DO NOTHING"
)
# Saves of one event queue here, one after the other (PostgreSQL's row lock).
_LOCK_FOLDER = text("SELECT revision FROM console_event_folders WHERE event_id = :id FOR UPDATE")
_SET_REVISION = text(
    "UPDATE console_event_folders SET revision = :rev, updated_at = :at, updated_by = :by"
    " WHERE event_id = :id"
)
_DELETE_FILE = text("DELETE FROM console_event_files WHERE event_id = :id AND path = :path")
_PUT_FILE = text(
    "INSERT INTO console_event_files (event_id, path, sha256, mode, content, revision)"
    " VALUES (:id, :path, :sha, :mode, :content, :revision)"
    " ON CONFLICT (event_id, path) DO UPDATE SET sha256 = excluded.sha256,"
    " mode = excluded.mode, content = excluded.content, revision = excluded.revision"
)


@attrs.frozen
class FileState:
    """One file of a copy, as last fetched or saved: what says whether it changed since."""

    sha256: str
    size: int
    mtime_ns: int


@attrs.define
class Copy:
    """What this server knows of one event's folder: the revision its copy is at, its files."""

    revision: int
    files: dict[str, FileState] = attrs.Factory(dict)


@attrs.frozen
class Saved:
    """What :meth:`EventFolders.save` sent.

    Attributes:
        event_id: the event.
        revision: the folder's revision in the database afterwards.
        written: the paths sent.
        deleted: the paths deleted in the database.
        conflicts: paths another server had changed (or created) since this copy was made:
            theirs was kept, and this copy now has it.
    """

    event_id: str
    revision: int
    written: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()


class EventFolders:
    """The events' folders in a database, and this server's copy of them in ``workdir``.

    What the copy holds is recorded in ``workdir/``:data:`RECORD` (each event's revision and
    each file's SHA-256), so a server that restarts sends what changed while it was away (a
    save the database refused while it was down) instead of overwriting it.

    Thread-safe: the server's requests and a kit build may save and refresh at once; one sync
    runs at a time. ``copying=False`` reads the database only (the ids of its events, their
    files): for commands that need no copy.
    """

    def __init__(
        self, store: EventStore, workdir: Path, *, copying: bool = True, held: int | None = None
    ):
        self.store = store
        self.workdir = workdir
        self.copying = copying
        self._held = held  # the lock on the working folder (hold_workdir), let go at close
        self._lock = threading.RLock()
        self._checked: dict[str, float] = {}
        recalled = _recalled(workdir / RECORD) if copying else {}
        #: Whether the record could be read (or there was nothing to record): without it, an
        #: event folder of the copy that the database does not have cannot be told apart from
        #: one deleted in the database meanwhile.
        self.record_trusted = recalled is not None or not _event_folders(workdir)
        self._copies: dict[str, Copy] = recalled or {}
        #: Events whose changes the database could not take (it was down): sent first at the
        #: next refresh.
        self.unsent: set[str] = set()

    def close(self) -> None:
        """Close the connection to the database and let go of the working folder."""
        self.store.close()
        if self._held is not None:
            os.close(self._held)
            self._held = None

    def ids(self) -> list[str]:
        """The ids of the events in the database (those that can be folders), sorted."""
        with self.store.reading() as db:
            return sorted(row.event_id for row in db.execute(_REVISIONS) if usable_id(row.event_id))

    def text(self, event_id: str, path: str) -> str | None:
        """The text of one file of an event in the database (``None`` when it has none)."""
        with self.store.reading() as db:
            rows = list(db.execute(_CONTENTS, {"id": event_id, "paths": [path]}))
        return bytes(rows[0].content).decode("utf-8-sig", "replace") if rows else None

    def start(self, by: str) -> None:
        """Send what changed in the copy while no server ran, then bring it up to date.

        Without a trustworthy record, an event folder the database does not have is set aside
        (renamed ``.set-aside-ID-TIME``: kept, but neither served nor sent), since it may be
        one deleted in the database meanwhile.
        """
        with self._lock:
            known = None if self.record_trusted else set(self.ids())
            for child in _event_folders(self.workdir):
                if known is not None and child.name not in known:
                    aside = child.with_name(f".set-aside-{child.name}-{int(time.time())}")
                    child.rename(aside)
                    log.warning("%s: not in the database, the copy's record lost: set aside as %s",
                                child.name, aside.name)  # fmt: skip
                    continue
                saved = self.save(child.name, by)
                if saved is not None and saved.conflicts:
                    log.warning(
                        "%s: changed here and elsewhere, the database's kept: %s",
                        child.name,
                        ", ".join(saved.conflicts),
                    )
            self.refresh()

    def refresh(self, event_id: str | None = None) -> set[str]:
        """Bring the copy up to date with the database: every event, or only ``event_id``.

        Returns the ids of the events whose files changed (or that are gone).
        """
        if event_id is not None and not usable_id(event_id):
            return set()
        with self._lock:
            for unsent in sorted(self.unsent):  # what the database could not take before
                self.save(unsent, "kexie serve")
            with self.store.reading() as db:
                if event_id is None:
                    found = {row.event_id: row.revision for row in db.execute(_REVISIONS)}
                else:
                    revision = db.execute(_REVISION, {"id": event_id}).scalar()
                    found = {} if revision is None else {event_id: revision}
            changed = set()
            for found_id, revision in found.items():
                if not usable_id(found_id):
                    log.warning("not an event folder's name, left out: %r", found_id)
                    continue
                copy = self._copies.get(found_id)
                if copy is None or copy.revision != revision:
                    try:
                        self._fetch(found_id)
                    except KexieError as error:  # one event's copy must not stop the others
                        log.warning("%s: not brought up to date: %s", found_id, error)
                        continue
                    changed.add(found_id)
            gone = [event_id] if event_id is not None else list(self._copies)
            for gone_id in gone:
                if gone_id not in found and gone_id in self._copies:
                    self._forget(gone_id)
                    changed.add(gone_id)
            self._checked[event_id or ""] = time.monotonic()
            if changed:
                self._remember()
            return changed

    def due(self, event_id: str) -> bool:
        """Whether ``event_id`` was last looked at :data:`EVENT_REFRESH_INTERVAL` ago or more
        (an event's own requests refresh only then: check-ins come fast)."""
        checked = max(self._checked.get(event_id, -1e9), self._checked.get("", -1e9))
        return time.monotonic() - checked >= EVENT_REFRESH_INTERVAL

    def save(self, event_id: str, by: str) -> Saved | None:
        """Send what changed in ``event_id``'s copy to the database; ``None`` when nothing did.

        A folder new to the database is added; ``by`` is recorded as who changed it last. A
        file that another server changed or created since this copy was made is not sent:
        theirs is kept and fetched (:attr:`Saved.conflicts` names it).
        """
        if not usable_id(event_id):
            return None
        folder = self.workdir / event_id
        with self._lock:
            if folder.is_symlink() or not (folder / EVENT_FILE).is_file():
                return None  # not an event (yet): nothing to send
            copy = self._copies.get(event_id) or Copy(revision=0)
            changed, removed, states = _changes(folder, copy)
            if not changed and not removed and event_id in self._copies:
                copy.files.update(states)
                return None
            try:
                saved = self._send(event_id, by, copy, changed, removed)
            except StoreUnavailable:
                self.unsent.add(event_id)  # sent at the next refresh; the copy keeps it
                raise
            self.unsent.discard(event_id)
            copy.files.update({p: state for p, state in states.items() if p not in saved.conflicts})
            for path in (*removed, *saved.conflicts):
                copy.files.pop(path, None)  # a conflict's file is fetched below: theirs
            self._copies[event_id] = copy
            self._fetch(event_id)  # what another server changed meanwhile, and theirs kept
            self._remember()
            return saved

    def _send(self, event_id: str, by: str, copy: Copy, changed: dict, removed: list[str]) -> Saved:
        """One transaction of :meth:`save`: the files that may be sent, sent."""
        at = now().isoformat()
        conflicts, written, deleted = [], [], []
        with self.store.transaction() as db:
            db.execute(_NEW_FOLDER, {"id": event_id, "at": at, "by": by})
            current = db.execute(_LOCK_FOLDER, {"id": event_id}).scalar()
            theirs = {row.path: row for row in db.execute(_LISTING, {"id": event_id})}
            revision = current + 1
            for path, sent in changed.items():
                other, sha = theirs.get(path), sent[1]
                if other is not None and other.sha256 == sha:
                    continue  # the database has it already (a record lost, say): no change
                if other is not None and (path not in copy.files or other.revision > copy.revision):
                    conflicts.append(path)  # theirs came first: kept
                    continue
                _put_file(db, event_id, path, sent, revision)
                written.append(path)
            for path in removed:
                other = theirs.get(path)
                if other is not None and other.revision <= copy.revision:
                    db.execute(_DELETE_FILE, {"id": event_id, "path": path})
                    deleted.append(path)
            if written or deleted:
                db.execute(_SET_REVISION, {"id": event_id, "at": at, "by": by, "rev": revision})
            else:
                revision = current
        return Saved(event_id, revision, tuple(sorted(written)), tuple(deleted), tuple(conflicts))

    def save_all(self, by: str) -> list[Saved]:
        """:meth:`save` every event folder of the copy; what was sent."""
        saved = []
        for child in _event_folders(self.workdir):
            found = self.save(child.name, by)
            if found is not None:
                saved.append(found)
        return saved

    def put(self, folder: Path, event_id: str, by: str) -> Saved:
        """Add the event folder ``folder`` to the database as ``event_id`` (straight from that
        folder, not through the copy). Refused when the database has an event of that id."""
        if not usable_id(event_id):
            raise UsageError(f"{event_id!r} cannot be an event's name")
        with self._lock:
            changed, _removed, _states = _changes(folder, Copy(revision=0))
            at = now().isoformat()
            with self.store.transaction() as db:
                made = db.execute(_NEW_FOLDER, {"id": event_id, "at": at, "by": by}).rowcount
                if not made:
                    raise UsageError(f"{event_id}: the database already has an event of this name")
                for path, sent in changed.items():
                    _put_file(db, event_id, path, sent, 1)
                db.execute(_SET_REVISION, {"id": event_id, "at": at, "by": by, "rev": 1})
            return Saved(event_id, 1, tuple(sorted(changed)))

    def get(self, event_id: str, target: Path) -> list[str]:
        """Write ``event_id``'s folder from the database into ``target`` (a new folder); the
        paths written."""
        with self.store.reading() as db:
            if not usable_id(event_id) or db.execute(_REVISION, {"id": event_id}).scalar() is None:
                raise UsageError(f"{event_id}: no event of this name in the database")
            paths = [row.path for row in db.execute(_LISTING, {"id": event_id})]
        target.mkdir(parents=True)
        written = []
        for row in self._contents(event_id, paths):
            _write(target, row.path, bytes(row.content), row.mode)
            written.append(row.path)
        return sorted(written)

    def _contents(self, event_id: str, paths: list[str]) -> Iterator:
        """The rows (path, mode, content) of ``paths`` of the event, :data:`_FETCH_BATCH` a
        query."""
        for start in range(0, len(paths), _FETCH_BATCH):
            batch = paths[start : start + _FETCH_BATCH]
            with self.store.reading() as db:
                yield from db.execute(_CONTENTS, {"id": event_id, "paths": batch})

    def _fetch(self, event_id: str) -> None:
        """Make the copy of ``event_id`` what the database holds (under the lock).

        A file of the copy that was never fetched nor sent (made while no server ran and not
        sent yet) is left as it is: only what the copy had from the database is replaced.
        """
        folder = self.workdir / event_id
        copy = self._copies.get(event_id) or Copy(revision=0)
        with self.store.reading() as db:
            revision = db.execute(_REVISION, {"id": event_id}).scalar()
            listing = {row.path: row.sha256 for row in db.execute(_LISTING, {"id": event_id})}
        if revision is None:
            return
        if folder.is_symlink():
            raise KexieError(f"{folder}: a link, not a folder of the copy; remove it")
        wanted = sorted(
            path
            for path, sha in listing.items()
            if path not in copy.files or copy.files[path].sha256 != sha
        )
        folder.mkdir(parents=True, exist_ok=True)
        for row in self._contents(event_id, wanted):
            try:
                state = _write(folder, row.path, bytes(row.content), row.mode)
            except (KexieError, OSError) as error:  # that file only, not the event
                log.warning("%s: %r not copied: %s", event_id, row.path, error)
                continue
            copy.files[row.path] = state
        for path in [path for path in copy.files if path not in listing]:
            _remove(folder, path)
            del copy.files[path]
        copy.revision = revision
        self._copies[event_id] = copy

    def _forget(self, event_id: str) -> None:
        """The event is no longer in the database: its copy goes (only ever inside the copy)."""
        self._copies.pop(event_id, None)
        folder = self.workdir / event_id
        if usable_id(event_id) and not folder.is_symlink() and folder.parent == self.workdir:
            shutil.rmtree(folder, ignore_errors=True)

    def _remember(self) -> None:
        """Write what the copy holds to :data:`RECORD` (whole, then renamed over the old)."""
        record = {
            event_id: {
                "revision": copy.revision,
                "files": {p: [f.sha256, f.size, f.mtime_ns] for p, f in copy.files.items()},
            }
            for event_id, copy in self._copies.items()
        }
        path = self.workdir / RECORD
        temporary = path.with_name(f"{RECORD}.{os.getpid()}.part")
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(record, ensure_ascii=False))
            handle.flush()
            os.fsync(handle.fileno())  # a power cut leaves the old record or the new, whole
        os.replace(temporary, path)


def _event_folders(workdir: Path) -> list[Path]:
    """The folders of the copy that may be events (usable names, real folders), sorted."""
    if not workdir.is_dir():
        return []
    return sorted(
        child
        for child in workdir.iterdir()
        if usable_id(child.name) and not child.is_symlink() and child.is_dir()
    )


def _recalled(path: Path) -> dict[str, Copy] | None:
    """What a copy held when its server last wrote :data:`RECORD`; ``None`` when there is no
    record, or it cannot be read."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        return {
            event_id: Copy(
                int(entry["revision"]),
                {p: FileState(str(f[0]), int(f[1]), int(f[2])) for p, f in entry["files"].items()},
            )
            for event_id, entry in record.items()
            if usable_id(event_id)
        }
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        log.warning("%s: unreadable; the copy is checked against the database", path)
        return None


def usable_id(event_id: str) -> bool:
    """Whether ``event_id`` can be a folder of the copy: not empty, not hidden (so not ``.``
    nor ``..``), no separator. A row written by hand, or a forged path, might not be."""
    return bool(event_id) and not event_id.startswith(".") and not re.search(r"[/\\\0]", event_id)


def _changes(
    folder: Path, copy: Copy
) -> tuple[dict[str, tuple[bytes, str, int]], list[str], dict[str, FileState]]:
    """What changed in ``folder`` since ``copy``: the files to send (content, SHA-256, mode),
    the paths gone, and the state of every file found."""
    changed, states = {}, {}
    for path, found in _files(folder).items():
        known = copy.files.get(path)
        if known is not None and (known.size, known.mtime_ns) == (found.st_size, found.st_mtime_ns):
            states[path] = known
            continue
        content = (folder / path).read_bytes()
        sha = hashlib.sha256(content).hexdigest()
        states[path] = FileState(sha, found.st_size, found.st_mtime_ns)
        if known is None or known.sha256 != sha:
            changed[path] = (content, sha, stat.S_IMODE(found.st_mode))
    removed = [path for path in copy.files if path not in states]
    return changed, removed, states


def _files(folder: Path) -> dict[str, os.stat_result]:
    """The files of an event folder that belong in the database, by path (with ``/``).

    Hidden files and folders (a kit being built, the server's announcement) and the SQLite
    store are left out, and so is anything that is not a regular file: a symbolic link, to a
    file or a folder, is never followed out of the folder.
    """
    found = {}
    for directory, folders, names in os.walk(folder):
        folders[:] = [name for name in folders if not name.startswith(".")]
        for name in names:
            if name.startswith(".") or name in STORE_FILES:
                continue
            path = Path(directory) / name
            status = path.lstat()
            if stat.S_ISREG(status.st_mode):
                found[path.relative_to(folder).as_posix()] = status
    return found


def _inside(folder: Path, path: str) -> Path:
    """``folder / path``, refused (:class:`KexieError`) unless every folder on the way is a
    real folder inside ``folder``: no ``..``, no absolute path, no symbolic link followed."""
    parts = Path(path).parts
    if not parts or Path(path).is_absolute() or any(p in ("", ".", "..") for p in parts):
        raise KexieError(f"{path}: not a path inside an event folder")
    here = folder
    for part in parts[:-1]:
        here = here / part
        if here.is_symlink() or (here.exists() and not here.is_dir()):
            raise KexieError(f"{here}: a link or a file where the copy needs a folder")
    return folder / path


def _write(folder: Path, path: str, content: bytes, mode: int) -> FileState:
    """Write one file of the copy whole (beside it, then renamed over it), with its mode."""
    target = _inside(folder, path)
    target.parent.mkdir(parents=True, exist_ok=True)
    # A short name of its own: the file's name may be as long as the file system allows.
    temporary = target.with_name(f".kexie-{os.getpid()}-{secrets.token_hex(4)}.part")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode & 0o777)
    try:
        with open(descriptor, "wb") as handle:
            handle.write(content)
        os.chmod(temporary, mode & 0o777)
        os.replace(temporary, target)  # replaces a link itself, never what it points to
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    found = target.stat()
    return FileState(hashlib.sha256(content).hexdigest(), found.st_size, found.st_mtime_ns)


def _remove(folder: Path, path: str) -> None:
    """Delete one file of the copy (a link is removed itself; nothing through a link)."""
    try:
        _inside(folder, path).unlink()
    except FileNotFoundError:
        pass
    except (KexieError, OSError) as error:
        log.warning("%r not removed: %s", path, error)


def _put_file(db, event_id: str, path: str, sent: tuple[bytes, str, int], revision: int) -> None:
    """Write one file of an event into the database (``sent``: content, SHA-256, mode)."""
    content, sha, mode = sent
    values = {"id": event_id, "path": path, "sha": sha, "mode": mode, "content": content}
    db.execute(_PUT_FILE, {**values, "revision": revision})


def _store_events_in(url: str, *, serving: bool) -> None:
    """Every event of a database ROOT keeps its store in that database: ``KEXIE_DATABASE_URL``
    must not name another, and a process that serves the events has it set to this one (the
    events' stores are opened as every command opens them)."""
    given = os.environ.get(database.URL_VARIABLE)
    if given and database.driver_url(given) != database.driver_url(url):
        if database.without_password(given) == database.without_password(url):
            raise UsageError(
                f"{database.URL_VARIABLE} and ROOT name the same database with different"
                " passwords; give the password in one place only (or in ~/.pgpass)"
            )
        raise UsageError(
            f"{database.URL_VARIABLE} names another database"
            f" ({database.without_password(given)}) than ROOT ({database.without_password(url)})"
        )
    if serving:
        os.environ[database.URL_VARIABLE] = url


def is_database_url(text: str) -> bool:
    """Whether a ROOT given on the command line is a PostgreSQL database's address."""
    return str(text).startswith(("postgresql://", "postgres://", "postgresql+psycopg://"))


def default_workdir(url: str) -> Path:
    """Where a server keeps its copy of a database's events when ``--workdir`` is not given:
    ``~/.cache/kexie-events/<database>-<hash>`` (``$XDG_CACHE_HOME`` when set)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    address = database.without_password(url)
    name = database.schema_name(address.rsplit("/", 1)[-1] or "kexie")
    digest = hashlib.sha256(address.encode()).hexdigest()[:10]
    return base / "kexie-events" / f"{name}-{digest}"


def prepare_workdir(workdir: Path, url: str) -> Path:
    """Make ``workdir`` (or take it again) as this database's copy; refuse any other folder.

    A folder that exists must be empty or marked as a copy of the same database: a refresh
    deletes what the database no longer holds, and must never do that in an organiser's own
    folder.
    """
    address = database.without_password(url)
    marker = workdir / MARKER
    if workdir.exists():
        if not workdir.is_dir():
            raise EventFolderError(f"{workdir}: not a folder")
        if marker.is_file():
            if marker.read_text(encoding="utf-8").strip() != address:
                raise UsageError(
                    f"{workdir}: this working folder holds the events of another database"
                    f" ({marker.read_text(encoding='utf-8').strip()}); give another --workdir"
                )
            return workdir
        if any(workdir.iterdir()):
            raise UsageError(
                f"{workdir}: the working folder must be empty or one kexie serve made; this one"
                " holds other files, which a refresh could delete"
            )
    workdir.mkdir(parents=True, exist_ok=True)
    os.chmod(workdir, 0o700)  # key files are copied here
    marker.write_text(address + "\n", encoding="utf-8")
    return workdir


def hold_workdir(workdir: Path) -> int:
    """Take the working folder for this process (a lock on :data:`MARKER`, let go when the
    returned descriptor is closed); :class:`UsageError` when another server has it: two
    servers on one copy would each take the other's changes for their own."""
    descriptor = os.open(workdir / MARKER, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        raise UsageError(
            f"{workdir}: another kexie serve works in this folder; give each server its own"
            " --workdir"
        ) from None
    return descriptor


def _open_store(url: str, folder: Path | None = None) -> EventStore:
    """The console's schema of the database at ``url``, or an error naming the database as
    the organiser wrote it (without its password)."""
    from .accounts import MIGRATIONS, SCHEMA

    try:
        return EventStore.open(database.postgresql(url, SCHEMA, folder), [MIGRATIONS])
    except KexieError as error:
        found = database.unavailable(error)
        detail = found.detail if found is not None else str(error)
        raise KexieError(
            f"{database.without_password(url)}: cannot reach the database: {detail}"
        ) from error


@attrs.frozen
class DatabaseRoot(Root):
    """A ROOT kept in a PostgreSQL database, served from this server's copy in ``folder``.

    It is a year's folder for everything else (:attr:`single` is false): the events are the
    copy's sub-folders, kept up to date by :attr:`folders`. Opened without a copy
    (``copying=False``, for commands such as ``kexie organizers``), it lists the database's
    events and reads their language from the database, and writes nothing to the disk.

    Attributes:
        url: the database's address, as given.
        folders: the events' folders in the database and the copy.
    """

    url: str = attrs.field(kw_only=True)
    folders: EventFolders = attrs.field(kw_only=True, eq=False, repr=False)

    @classmethod
    def open(cls, url: str, workdir: Path | None = None, *, copying: bool = True) -> DatabaseRoot:
        """The ROOT of the database at ``url``; with ``copying``, its copy in ``workdir``
        brought up to date (what changed in the copy while no server ran is sent first)."""
        if not is_database_url(url):
            raise UsageError(f"{url}: not a postgresql:// address")
        _store_events_in(url, serving=copying)
        folder = Path(workdir) if workdir else default_workdir(url)
        held = None
        if copying:
            prepare_workdir(folder, url)
            held = hold_workdir(folder)
        try:
            store = _open_store(url, folder)
        except BaseException:
            if held is not None:
                os.close(held)
            raise
        folders = EventFolders(store, folder, copying=copying, held=held)
        root = cls(folder, url=url, folders=folders)
        try:
            if copying:
                folders.start("kexie serve")
        except BaseException:
            folders.close()
            raise
        return root

    @property
    def single(self) -> bool:
        """Never: a database holds a year's events."""
        return False

    @property
    def kept_elsewhere(self) -> bool:
        """Always: the folders are the database's, copied here."""
        return True

    @property
    def label(self) -> str:
        """The database's address, without its password."""
        return database.without_password(self.url)

    @property
    def database_url(self) -> str:
        """The database's address."""
        return self.url

    def events(self) -> dict[str, Path]:
        """Every event's folder of the copy by its id; without a copy, the database's events
        (their folders do not exist)."""
        if self.folders.copying:
            return super().events()
        return {event_id: self.folder / event_id for event_id in self.folders.ids()}

    @property
    def lang(self) -> str:
        """As :attr:`Root.lang`; without a copy, read from the events' files in the database."""
        if self.folders.copying:
            return super().lang
        texts = (self.folders.text(i, EVENT_FILE) or "" for i in self.folders.ids())
        return agreed_lang(lang_in(text) for text in texts)

    def due(self, event_id: str) -> bool:
        """See :meth:`EventFolders.due`."""
        return self.folders.due(event_id)

    def refresh(self, event_id: str | None = None) -> set[str]:
        """See :meth:`EventFolders.refresh`."""
        return self.folders.refresh(event_id)

    def save(self, event_id: str | None, by: str) -> list[Saved]:
        """See :meth:`EventFolders.save`; ``None`` saves every event of the copy. What was
        sent, event by event."""
        if event_id is None:
            return self.folders.save_all(by)
        saved = self.folders.save(event_id, by)
        return [] if saved is None else [saved]

    def close(self) -> None:
        """Close the connection to the database."""
        self.folders.close()


def folders_in(url: str) -> EventFolders:
    """The events' folders of the database at ``url`` without a copy (for ``kexie db put`` and
    ``kexie db get``); close it when done."""
    if not is_database_url(url):
        raise UsageError(f"{url}: not a postgresql:// address")
    return EventFolders(_open_store(url), Path("."), copying=False)


@attrs.frozen
class Put:
    """What :func:`put_event` did: the event's id, the files sent, the store's tables copied
    (``None`` when there was nothing to copy), and whether the store was in that database
    already (else it had never been opened, and is made there at first use)."""

    event_id: str
    files: tuple[str, ...]
    tables: list | None
    already_there: bool = False


def put_event(folder: Path, url: str, plugins, by: str) -> Put:
    """Put the event folder ``folder`` into the database at ``url``, for ``kexie serve URL``.

    The event file is checked first. Its store goes along: an ``event.db`` (or a store in
    another database) is copied into the event's schema there and compared row by row, as
    ``kexie db copy`` does; a store already in that schema stays. The folder's files follow
    (not ``event.db``, nor hidden files). An event of the same id in the database is refused,
    and so is a schema that already holds tables; nothing is written then.
    """
    from kexie_events import store_copy
    from kexie_events.eventfile import load_event
    from kexie_events.store import open_event_store, plugin_migrations

    folder = Path(folder)
    event = load_event(folder, plugins)
    event_id = folder.resolve().name
    target = database.postgresql(url, event.store.schema or event_id, folder)
    source = event.store_location
    folders = folders_in(url)
    try:
        if event_id in folders.ids():
            raise UsageError(f"{event_id}: the database already has an event of this name")
        tables = None
        same = source.url == target.url and source.schema == target.schema
        if not same and (source.path is None or source.path.exists()):
            with open_event_store(event, plugins) as store:
                tables = store_copy.copy(store, target, plugin_migrations(plugins))
        saved = folders.put(folder, event_id, by)
    finally:
        folders.close()
    return Put(event_id, saved.written, tables, already_there=same)
