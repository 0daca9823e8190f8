"""Benchmark: the whole kit of the eclipse template with 10,000 issued tickets.

Targets (issue 4): the first build in under 15 s on a 2-core machine, and a rebuild with
nothing changed at least 5x faster than the first build. Run: ``python benchmarks/kit.py``.
"""

from __future__ import annotations

import sys

from common import make_event, timed

from kexie_events import kit
from kexie_events.eventfile import load_event
from kexie_events.plugins import Plugins
from kexie_events.store import open_event_store
from kexie_plugins.qr_checkin import tickets


def main(count: int = 10_000) -> None:
    plugins = Plugins.load()
    folder = make_event()
    event = load_event(folder, plugins)
    results: dict[str, float] = {}
    with open_event_store(event, plugins) as store:
        tickets.issue(event, store, count, by="benchmark")
        with timed("first build", results):
            built = kit.build(event, store, plugins)
        with timed("rebuild, nothing changed", results):
            kit.build(event, store, plugins)
    files = sum(1 for p in built.folder.rglob("*") if p.is_file())
    print(f"{files} files in {built.folder}")
    ratio = results["first build"] / results["rebuild, nothing changed"]
    print(f"rebuild is {ratio:.1f}x faster than the first build")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
