"""Helpers shared by the benchmarks: make an event from a template, time things."""

from __future__ import annotations

import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from kexie_events.plugins import Plugins
from kexie_events.records import Migration
from kexie_events.store import EventStore
from kexie_events.templates import create, find


def make_event(template: str = "solar-eclipse-observation", lang: str = "zh") -> Path:
    """A fresh event folder in a temporary directory, as ``kexie new`` makes it."""
    plugins = Plugins.load()
    folder = Path(tempfile.mkdtemp(prefix="kexie-bench-")) / "event"
    create(find(plugins, template), folder, lang)
    migrations = plugins.collect("kexie_store_migrations", Migration)
    with EventStore.open(folder / "event.db", migrations) as store:
        store.set_meta("template", template)
    return folder


@contextmanager
def timed(label: str, results: dict):
    """Time a block and remember it under ``label``."""
    start = time.perf_counter()
    yield
    results[label] = time.perf_counter() - start
    print(f"{label}: {results[label]:.3f} s", flush=True)
