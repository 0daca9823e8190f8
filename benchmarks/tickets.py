"""Benchmark: printing 10,000 tickets, and QR rendering against a naive qrcode loop.

Targets (issue 3): the 10,000 tickets print in under 10 s on a 2-core machine, and our QR
rendering is at least 8x faster per code than ``qrcode.make(...)`` to SVG, both measured here
in the same run. Run: ``python benchmarks/tickets.py [COUNT]``.
"""

from __future__ import annotations

import sys
import time

from common import make_event, timed

from kexie_events import qr
from kexie_events.eventfile import load_event
from kexie_events.plugins import Plugins
from kexie_events.store import open_event_store
from kexie_plugins.qr_checkin import tickets
from kexie_plugins.qr_checkin.sheets import TicketPrinter, kit_files, valid_rows


def main(count: int = 10_000) -> None:
    import qrcode
    from qrcode.image.svg import SvgPathImage

    plugins = Plugins.load()
    folder = make_event()
    event = load_event(folder, plugins)
    results: dict[str, float] = {}
    with open_event_store(event, plugins) as store:
        with timed(f"issue and sign {count} tickets", results):
            tickets.issue(event, store, count, by="benchmark")
        rows = valid_rows(store)
        files = kit_files(event, store)
        with timed(f"print {count} tickets (sheets + single SVGs, all cores)", results):
            total = sum(len(f.produce()) for f in files)
        print(f"  {len(files)} files, {total / 1e6:.1f} MB")

    sample = [row[1] for row in rows[:300]]
    start = time.perf_counter()
    for code in sample:
        qrcode.make(code, image_factory=SvgPathImage).to_string()
    naive = (time.perf_counter() - start) / len(sample)
    start = time.perf_counter()
    for code in sample:
        qr.svg(code)
    ours = (time.perf_counter() - start) / len(sample)
    print(
        f"QR per code, one core: naive qrcode.make to SVG {naive * 1000:.2f} ms, "
        f"ours {ours * 1000:.2f} ms, ratio {naive / ours:.1f}x"
    )
    printer = TicketPrinter(event, rows[:2000])
    start = time.perf_counter()
    printer.paths  # noqa: B018 - draws every QR code on all cores
    parallel = (time.perf_counter() - start) / 2000
    print(f"QR per code, all cores: {parallel * 1000:.3f} ms, ratio {naive / parallel:.1f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
