"""Many requests, one commit: the server's writer, which batches writes into transactions.

Every write the web app makes (a check-in, a tap, a button) is a function of a connection. It
is queued here; one thread takes whatever is queued, runs each function in a savepoint of one
transaction, commits, and only then hands every request its answer. A request whose function
raises gets that exception and leaves nothing behind; the others in the batch are unaffected.

So an answer is never given before what it says is durable (the commit is one fsync for the
whole batch on SQLite, one round trip on PostgreSQL), and the server does not take a lock per
request. When the database is busy, or PostgreSQL chose the batch to give way in a deadlock
with another server, the batch runs again, until ``patience`` runs out (then every request in
it gets :class:`~kexie_events.database.StoreUnavailable`, answered 503).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import queue
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import attrs
from sqlalchemy.engine import Connection

from kexie_events.database import retryable, unavailable
from kexie_events.store import EventStore, savepoint

T = TypeVar("T")

#: Most writes committed together; a batch fills up only under heavy load.
BATCH = 256
_STOP = object()


@attrs.define
class _Job:
    work: Callable[[Connection], Any]
    future: concurrent.futures.Future
    result: Any = None
    error: BaseException | None = None


class GroupCommit:
    """The one writer of a server process; :meth:`start` it, :meth:`stop` it at shutdown."""

    def __init__(self, store: EventStore, *, patience: float = 2.0, batch: int = BATCH):
        self.store = store
        self.patience = patience
        self.batch = batch
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def start(self) -> GroupCommit:
        """Start the writer thread."""
        self._thread = threading.Thread(target=self._loop, name="kexie-writer", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Finish what is queued, then stop the writer thread."""
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join()
            self._thread = None

    def submit(self, work: Callable[[Connection], T]) -> concurrent.futures.Future:
        """Queue ``work``; the future resolves once its batch is committed."""
        future: concurrent.futures.Future = concurrent.futures.Future()
        if threading.current_thread() is self._thread:  # work that writes more: run it inline
            with self.store.transaction() as db:
                future.set_result(work(db))
            return future
        if self._thread is None:
            raise RuntimeError("the writer is not running")
        self._queue.put(_Job(work, future))
        return future

    async def write(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` in the next batch and return its result once it is committed."""
        return await asyncio.wrap_future(self.submit(work))

    def write_now(self, work: Callable[[Connection], T]) -> T:
        """:meth:`write` for code running in a worker thread: waits for the commit."""
        return self.submit(work).result()

    def _loop(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is _STOP:
                return
            jobs = [first]
            while len(jobs) < self.batch:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is _STOP:
                    stopping = True
                    break
                jobs.append(job)
            self._commit(jobs)

    def _commit(self, jobs: list[_Job]) -> None:
        deadline = time.monotonic() + self.patience
        pause = 0.002
        while True:
            try:
                self._run_batch(jobs)
            except BaseException as error:
                if retryable(error) and time.monotonic() + pause < deadline:
                    time.sleep(pause)  # the writer waits; requests wait on their futures
                    pause = min(pause * 2, 0.1)
                    continue
                problem = unavailable(error) or error
                for job in jobs:
                    job.future.set_exception(problem)
                return
            for job in jobs:
                if job.error is not None:
                    job.future.set_exception(job.error)
                else:
                    job.future.set_result(job.result)
            return

    def _run_batch(self, jobs: list[_Job]) -> None:
        with self.store.transaction() as db:
            for job in jobs:
                job.result, job.error = None, None
                try:
                    with savepoint(db):
                        job.result = job.work(db)
                except Exception as error:
                    if unavailable(error) is not None:
                        raise  # busy, full or lost: the batch as a whole runs again or fails
                    job.error = error
