"""Benchmark: every console page over a county's year of 50 events, through a real server.

Makes a year folder of 50 events (the five templates in both languages, each with tickets
issued, some of them scanned, and volunteers), an admin account, and starts ``kexie serve
ROOT`` on 127.0.0.1. Logs in through the one-time link as a browser would, then asks for
each console page of every event several times and prints, per page, the median, the 95th
percentile and the slowest answer.

Baseline in the same run: the console's stylesheet (a static file through the same server and
middleware), so the figures can be read against what the server costs for nothing at all.

Issue 15's target: every page answers in under 200 ms on a year of 50 events on this machine.

With ``--database postgresql://...`` (an empty database) the year is put in that database
(``kexie db put``) and the server serves the database as its ROOT, working on a copy of the
events' folders that it refreshes before every console request.

Run: ``python benchmarks/console_pages.py [--events 50] [--rounds 5] [--database URL]``.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from kexie_events import volunteers
from kexie_events.console.accounts import open_accounts
from kexie_events.console.database_root import put_event
from kexie_events.console.root import Root, opened
from kexie_events.eventfile import load_event
from kexie_events.plugins import Plugins
from kexie_events.store import now, open_event_store
from kexie_events.templates import create, find
from kexie_plugins.qr_checkin import tickets
from kexie_plugins.qr_checkin.admission import Gatekeeper
from kexie_plugins.qr_checkin.tickets import verifier_for

TEMPLATES = (
    "solar-eclipse-observation",
    "science-day",
    "lecture-tour",
    "lunar-eclipse-night",
    "meteor-shower-night",
)
#: Pages of one event, after ``/console/events/{id}``.
EVENT_PAGES = (
    "/",
    "/edit/",
    "/edit/basics",
    "/edit/file",
    "/lifecycle",
    "/checklists",
    "/glasses",
    "/tickets",
    "/volunteers",
    "/kit",
    "/onsite",
    "/report",
)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_year(count: int) -> Path:
    """A year folder of ``count`` events with tickets, scans and volunteers."""
    plugins = Plugins.load()
    root = Path(tempfile.mkdtemp(prefix="kexie_year_"))
    rng = random.Random(5)
    for index in range(count):
        template = TEMPLATES[index % len(TEMPLATES)]
        lang = "zh" if index % 3 else "en"
        folder = root / f"event-{index:02d}"
        create(find(plugins, template), folder, lang)
        event = load_event(folder, plugins)
        with open_event_store(event, plugins) as store:
            store.set_meta("template", template)
            numbers = tickets.issue(event, store, 300, by="benchmark")
            for name in ("Li Na", "Wang Fang", "Zhang Wei"):
                volunteers.add(store, name, role="scanner", by="benchmark", site=None, gate=None)
            keeper = Gatekeeper(verifier_for(store), event.tz, event.lang)
            gates = [(site.id, gate) for site in event.sites for gate in site.gates]
            for number in rng.sample(list(numbers), 120):
                site, gate = gates[number % len(gates)] if gates else (None, None)
                keeper.check_in(
                    store,
                    code=str(number),
                    scan_id=f"bench-{number}",
                    gate=gate,
                    site=site,
                    by="Li Na",
                    at=now(),
                )
    return root


def wait_ready(process: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server exited while starting")
        try:
            httpx.get(f"http://127.0.0.1:{port}/console/static/console.css", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("the server did not start")


def timings(client: httpx.Client, paths: list[str], rounds: int) -> list[float]:
    """Seconds each GET took, every path ``rounds`` times; a non-200 answer stops the run."""
    found = []
    for _ in range(rounds):
        for path in paths:
            started = time.perf_counter()
            answer = client.get(path)
            found.append(time.perf_counter() - started)
            if answer.status_code != 200:
                raise RuntimeError(f"GET {path} answered {answer.status_code}")
    return found


def line(label: str, seconds: list[float], baseline: float) -> str:
    ordered = sorted(seconds)
    p50 = statistics.median(ordered) * 1000
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000
    return (
        f"{label:<28} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  max {ordered[-1] * 1000:6.1f} ms"
        f"  ({len(ordered)} answers; p50 x{p50 / baseline:.0f} the static file)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database", metavar="URL", help="serve the year from this database")
    args = parser.parse_args()

    started = time.perf_counter()
    root = make_year(args.events)
    print(f"made {args.events} events in {time.perf_counter() - started:.1f} s")
    served, options = str(root), []
    if args.database:
        started = time.perf_counter()
        served, workdir = args.database, Path(tempfile.mkdtemp(prefix="kexie_copy_")) / "copy"
        for folder in sorted(root.iterdir()):
            put_event(folder, args.database, Plugins.load(), "benchmark")
        print(f"put them in the database in {time.perf_counter() - started:.1f} s")
        options = ["--workdir", str(workdir)]
    with opened(served, copying=False) as accounts_root, open_accounts(accounts_root) as accounts:
        link = accounts.add("Chen Jing", role="admin", by="benchmark")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "kexie_events", "serve", served, "--port", str(port), *options],
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(process, port)
        with httpx.Client(base_url=base, headers={"Origin": base}, timeout=30) as client:
            client.post("/console/login", data={"token": link.token})
            if "kexie_console" not in client.cookies:
                raise RuntimeError("the login link did not log in")
            first = time.perf_counter()
            client.get("/console/")
            print(
                f"first view of the home (every event opened): {time.perf_counter() - first:.2f} s"
            )
            static = timings(client, ["/console/static/console.css"], 50)
            baseline = statistics.median(static) * 1000
            print(line("static file (baseline)", static, baseline))
            print(
                line(
                    "/console/ (50 events)",
                    timings(client, ["/console/"], args.rounds * 4),
                    baseline,
                )
            )
            ids = sorted(Root.at(root).events())
            slowest = 0.0
            for page in EVENT_PAGES:
                paths = [f"/console/events/{event_id}{page}" for event_id in ids]
                # A page of a plugin an event does not use (glasses at a science day) is 404.
                paths = [path for path in paths if client.get(path).status_code != 404]
                seconds = timings(client, paths, args.rounds)
                slowest = max(slowest, statistics.median(seconds))
                print(line(f"events/{{id}}{page} ({len(paths)})", seconds, baseline))
            print(
                f"slowest page's median: {slowest * 1000:.1f} ms (target: every page under 200 ms)"
            )
    finally:
        process.terminate()
        process.wait()
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
