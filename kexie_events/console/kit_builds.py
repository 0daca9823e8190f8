"""Kit builds started from the console: one at a time per event, in the background, watched.

Building a kit takes seconds to minutes (Word files, ticket sheets), longer than a request
should wait. :meth:`KitBuilds.start` hands the build to an executor (by default a thread of
its own) and returns at once; the page then polls :meth:`KitBuilds.current` for the files done,
the total and the file being written, which :func:`kexie_events.kit.build` reports through its
``progress`` callback. A second start while a build of the same event runs returns that build.

The build is the CLI's: ``kexie kit DIR`` loads the event, opens its store and calls
:func:`kexie_events.kit.build`; so does :func:`build_kit`, and then records ``kit.built`` in the
event's journal with the organiser's name.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

import attrs

from kexie_events.database import StoreUnavailable
from kexie_events.errors import EventFileError, KexieError
from kexie_events.i18n import pick
from kexie_events.plugins import Plugins
from kexie_events.store import now

from . import event_access
from .day_pages import problem_lines
from .root import Root

#: The journal kind recorded when the console has built a kit.
BUILT_KIND = "kit.built"
log = logging.getLogger(__name__)

#: Runs a build: called with a function of no arguments, it must arrange for it to run.
Executor = Callable[[Callable[[], None]], None]


def in_a_thread(work: Callable[[], None]) -> None:
    """The default executor: ``work`` in a thread of its own.

    Not a daemon: a server stopping mid-build lets the build finish, so the kit folder is
    swapped in whole rather than left half-built beside it.
    """
    threading.Thread(target=work, name="kexie-kit-build").start()


@attrs.frozen
class KitBuild:
    """What a kit build has done so far, as a page shows it.

    Attributes:
        event_id: the event.
        by: the organiser who started it.
        started_at: when (aware).
        total: how many files the kit will have; ``None`` while the build is still gathering
            what to write.
        done: files written so far.
        current: the kit path of the file being written, if any.
        finished_at: when it ended, successfully or not; ``None`` while it runs.
        files: how many files the finished kit holds (with its index).
        error: why it failed, in the event's language (``None`` when it did not).
        detail: the error's own text, for whoever fixes the template or the event file.
    """

    event_id: str
    by: str
    started_at: dt.datetime
    total: int | None = None
    done: int = 0
    current: str | None = None
    finished_at: dt.datetime | None = None
    files: int = 0
    error: str | None = None
    detail: str | None = None

    @property
    def running(self) -> bool:
        """Whether the build has not ended yet."""
        return self.finished_at is None

    @property
    def percent(self) -> int:
        """How far along, 0 to 100 (0 until the total is known)."""
        if not self.total:
            return 0
        return min(100, round(100 * self.done / self.total))


class KitBuilds:
    """The console's kit builds, the latest per event.

    Arguments:
        root: the console's ROOT.
        plugins: the plugins the events are loaded with.
        executor: how a build is run (:func:`in_a_thread`); tests pass one that runs it at
            once, or later.
    """

    def __init__(self, root: Root, plugins: Plugins, executor: Executor = in_a_thread):
        self.root = root
        self.plugins = plugins
        self.executor = executor
        self._lock = threading.Lock()
        self._builds: dict[str, KitBuild] = {}
        self._ended: dict[str, threading.Event] = {}

    def current(self, event_id: str) -> KitBuild | None:
        """The running build of ``event_id``, else the last one since the server started."""
        with self._lock:
            return self._builds.get(event_id)

    def start(self, event_id: str, *, by: str, lang: str) -> tuple[KitBuild, bool]:
        """Start building the kit of ``event_id`` for ``by``, unless a build of it runs.

        Returns the build and whether this call started it. ``lang`` is the language of the
        error when the event file itself cannot be read.
        """
        with self._lock:
            running = self._builds.get(event_id)
            if running is not None and running.running:
                return running, False
            build = KitBuild(event_id, by, now())
            self._builds[event_id] = build
            ended = self._ended[event_id] = threading.Event()
        try:
            self.executor(lambda: self._run(event_id, by, lang, ended))
        except BaseException:
            self._finish(event_id, ended, error=pick(lang, "无法开始生成", "could not start"))
            raise
        return self.current(event_id), True

    def wait(self, event_id: str, timeout: float) -> KitBuild | None:
        """The build of ``event_id`` once it has ended, or as it is after ``timeout`` seconds."""
        with self._lock:
            ended = self._ended.get(event_id)
        if ended is not None:
            ended.wait(timeout)
        return self.current(event_id)

    def _run(self, event_id: str, by: str, lang: str, ended: threading.Event) -> None:
        try:
            files = build_kit(self.root, self.plugins, event_id, by, self._progress(event_id))
            _share(self.root, event_id, by)
        except EventFileError as error:
            lines = problem_lines(error.problems, lang)  # each with its line, in the words
            self._finish(event_id, ended, error=_event_file_message(lang), detail="\n".join(lines))
        except KexieError as error:
            self._finish(event_id, ended, error=_failed_message(lang), detail=str(error))
        except Exception as error:  # a bug: the organiser is told, the log keeps the trace
            log.exception("building the kit of %s failed", event_id)
            detail = f"{type(error).__name__}: {error}"
            self._finish(event_id, ended, error=_failed_message(lang), detail=detail)
        else:
            self._finish(event_id, ended, files=files)

    def _finish(self, event_id: str, ended: threading.Event, **outcome) -> None:
        with self._lock:
            build = self._builds[event_id]
            self._builds[event_id] = attrs.evolve(build, finished_at=now(), current=None, **outcome)
        ended.set()

    def _progress(self, event_id: str):
        """The ``progress`` callback of :func:`kexie_events.kit.build` for this build."""
        builds = self

        class Bar:
            def __init__(self, total: int):
                builds._update(event_id, total=total)

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return False

            def update(self, step: int, current: str | None = None) -> None:
                builds._update(event_id, step=step, current=current)

        return Bar

    def _update(
        self, event_id: str, *, total: int | None = None, step: int = 0, current=None
    ) -> None:
        with self._lock:
            build = self._builds[event_id]
            self._builds[event_id] = attrs.evolve(
                build,
                total=build.total if total is None else total,
                done=build.done + step,
                current=current if current is not None else build.current,
            )


def build_kit(root: Root, plugins: Plugins, event_id: str, by: str, progress=None) -> int:
    """Build the kit of ``event_id`` as ``kexie kit`` does; record who did; return its files."""
    from kexie_events import kit

    with event_access.opened(root, plugins, event_id) as (event, store):
        built = kit.build(event, store, plugins, progress=progress)
        files = len(built.entries) + 1  # and the index
        store.append(BUILT_KIND, by=by, data={"files": files})
    return files


def _share(root: Root, event_id: str, by: str) -> None:
    """A ROOT kept in a database: the kit goes there too. A database that cannot take it now
    gets it at the next refresh; the kit is built all the same."""
    try:
        root.save(event_id, by)
    except StoreUnavailable as error:
        log.warning("the kit of %s is not shared yet: %s", event_id, error)


def _event_file_message(lang: str) -> str:
    return pick(
        lang,
        "活动文件（event.toml）有错误，资料包没有生成。请先修正下面列出的问题。",
        "The event file (event.toml) has errors, so no kit was built. Fix the problems below.",
    )


def _failed_message(lang: str) -> str:
    return pick(
        lang,
        "资料包没有生成成功，原有的资料包保持不变。请根据下面的说明修正后再试一次。",
        "The kit could not be built; the previous kit is unchanged. Fix what is described"
        " below and try again.",
    )
