"""Helpers shared by the benchmarks: make an event from a template, time things."""

from __future__ import annotations

import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from kexie_events.eventfile import load_event
from kexie_events.plugins import Plugins
from kexie_events.store import open_event_store
from kexie_events.templates import create, find


def make_event(template: str = "solar-eclipse-observation", lang: str = "zh") -> Path:
    """A fresh event folder in a temporary directory, as ``kexie new`` makes it.

    Its store is ``event.db``, or a schema in PostgreSQL when ``KEXIE_DATABASE_URL`` is set
    (the schema is named after the folder, which is unique).
    """
    plugins = Plugins.load()
    base = Path(tempfile.mkdtemp(prefix="kexie_bench_"))
    folder = base / base.name
    create(find(plugins, template), folder, lang)
    with open_event_store(load_event(folder, plugins), plugins) as store:
        store.set_meta("template", template)
    return folder


@contextmanager
def timed(label: str, results: dict):
    """Time a block and remember it under ``label``."""
    start = time.perf_counter()
    yield
    results[label] = time.perf_counter() - start
    print(f"{label}: {results[label]:.3f} s", flush=True)
