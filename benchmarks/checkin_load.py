"""Benchmark: real ``kexie serve`` processes under many gates, with every phone polling stats.

Starts one or more ``kexie serve`` processes on 127.0.0.1 (SQLite, or PostgreSQL with
``--database-url``), and drives them with ``--clients`` concurrent volunteers spread over every
gate of every site of the event: 10 % duplicates (the same ticket again, sometimes at another
gate on another server) and 1 % forged or revoked codes. Meanwhile ``--pollers`` phones each ask
``GET /api/v1/stats`` every 3 seconds. At the end the counts on every server must be exact and
no answer may be a 5xx.

Two runs in the same process, so the figures compare like with like:

1. **baseline**: an empty store and nobody polling;
2. **loaded**: the store already holding ``--preload`` scans (a Science Day's worth) and the
   phones polling.

Each prints check-ins/s, p50 and p99 latency (the client is included: it runs on this machine
too), the stats answers' latency, and the loaded/baseline ratios.

Issue 14's target on a 2-core machine: SQLite, one server, 50 clients, 50 phones polling over
200,000 scans: at least 1,500 check-ins/s with p99 under 100 ms; PostgreSQL with two servers:
exact counts, figures side by side.

Run: ``python benchmarks/checkin_load.py [--total 20000] [--clients 50] [--pollers 50]
[--preload 200000] [--servers 1] [--template science-day] [--database-url URL]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import attrs
from common import make_event

from kexie_events import volunteers
from kexie_events.eventfile import load_event
from kexie_events.plugins import Plugins
from kexie_events.store import open_event_store
from kexie_plugins.qr_checkin import ledger, tickets

POLL_SECONDS = 3.0


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Client:
    """A kept-alive HTTP/1.1 connection with as little work per request as a client can do,
    so that the figures measure the server, not the load generator."""

    def __init__(self, port: int, token: str):
        self.port = port
        self.auth = f"Authorization: Bearer {token}\r\n".encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        payload = json.dumps(body).encode() if body is not None else b""
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
        ).encode()
        self.writer.write(head + self.auth + b"\r\n" + payload)
        headers = await self.reader.readuntil(b"\r\n\r\n")
        status = int(headers[9:12])
        length = 0
        close = False
        for line in headers.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        data = await self.reader.readexactly(length)
        if close:
            await self.close()
        return status, json.loads(data) if data else {}

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None


@attrs.define
class Run:
    """What one run measured."""

    name: str
    sent: int = 0
    seconds: float = 0.0
    latencies: list[float] = attrs.field(factory=list)
    #: CPU seconds the server processes used during the run (None where /proc is missing).
    server_cpu: float | None = None
    polls: list[float] = attrs.field(factory=list)
    errors: list[str] = attrs.field(factory=list)
    counts: list[dict] = attrs.field(factory=list)

    @property
    def rate(self) -> float:
        return self.sent / self.seconds

    @staticmethod
    def percentile(values: list[float], share: float) -> float:
        ordered = sorted(values)
        return ordered[max(0, int(len(ordered) * share) - 1)] * 1000 if ordered else 0.0

    def line(self) -> str:
        p50 = statistics.median(self.latencies) * 1000
        p99 = self.percentile(self.latencies, 0.99)
        polls = (
            f"; stats p50 {statistics.median(self.polls) * 1000:.1f} ms, "
            f"p99 {self.percentile(self.polls, 0.99):.1f} ms over {len(self.polls)} polls"
            if self.polls
            else ""
        )
        cpu = (
            f"; server CPU {self.server_cpu / self.sent * 1e6:.0f} µs per check-in"
            if self.server_cpu is not None
            else ""
        )
        return (
            f"{self.name}: {self.sent} check-ins in {self.seconds:.2f} s: {self.rate:.0f}/s, "
            f"p50 {p50:.1f} ms, p99 {p99:.1f} ms{polls}{cpu}"
        )


def plan(codes: list[str], revoked: list[str], total: int, lanes: int) -> list[list[tuple]]:
    """Per client, the scans to send in order: (code, expected result)."""
    bad = total // 100
    duplicates = total // 10
    unique = total - bad - duplicates
    rng = random.Random(7)
    forged = []
    for code in codes[unique : unique + bad - len(revoked[: bad // 2])]:
        flip = "A" if code[-8] != "A" else "B"
        forged.append(code[:-8] + flip + code[-7:])
    bad_codes = revoked[: bad // 2] + forged[: bad - bad // 2]
    plans: list[list[tuple]] = [[] for _ in range(lanes)]
    for index, code in enumerate(codes[:unique]):
        plans[index % lanes].append((code, "admitted"))
    # A duplicate is sent by the client that admitted the ticket, later in its own sequence,
    # so the expected answer does not depend on how the clients interleave.
    for index in range(duplicates):
        lane = plans[index % lanes]
        first = rng.randrange(len(lane) // 2)
        lane.insert(rng.randrange(first + 1, len(lane) + 1), (lane[first][0], "duplicate"))
    for index, code in enumerate(bad_codes):
        lane = plans[index % lanes]
        lane.insert(rng.randrange(len(lane) + 1), (code, "rejected"))
    return plans


def prepare(template: str, total: int, clients: int, preload: int) -> tuple:
    """An event with tickets, logins, and ``preload`` scans already recorded."""
    plugins = Plugins.load()
    folder = make_event(template, lang="en")
    event = load_event(folder, plugins)
    bad = total // 100
    unique = total - bad - total // 10
    gates = [(site.id, gate) for site in event.sites for gate in site.gates]
    with open_event_store(event, plugins) as store:
        issued = tickets.issue(event, store, unique + bad + preload, by="benchmark")
        with store.reading() as db:
            codes = [row[1] for row in ledger.printable_tickets(db)][: unique + bad]
        revoked = codes[-(bad // 2) :]
        for number in range(unique + bad - bad // 2 + 1, unique + bad + 1):
            tickets.revoke(store, number, by="benchmark")
        tokens = [
            volunteers.add(
                store,
                f"volunteer {i}",
                role="scanner",
                by="benchmark",
                site=gates[i % len(gates)][0],
                gate=gates[i % len(gates)][1],
            )
            for i in range(clients)
        ]
        if preload:
            started = time.perf_counter()
            fill(event, store, issued[unique + bad :], gates)
            print(f"preloaded {preload} scans in {time.perf_counter() - started:.1f} s")
    return folder, codes, revoked, tokens, gates


def fill(event, store, numbers: range, gates: list[tuple[str, str]]) -> None:
    """Record one admitted scan per ticket in ``numbers``, as merged bundles would."""
    doors = event.start.astimezone(event.tz)
    rng = random.Random(3)
    chunk = 10_000
    for first in range(0, len(numbers), chunk):
        with store.transaction() as db:
            for number in numbers[first : first + chunk]:
                site, gate = gates[number % len(gates)]
                at = (doors + dt_seconds(rng.randrange(8 * 3600))).isoformat()
                scan_id = uuid.uuid4().hex
                ledger.merge_scan(
                    db,
                    ledger.Scan(
                        scan_id=scan_id,
                        code=str(number),
                        ticket=number,
                        result="admitted",
                        reason="admitted",
                        admit_key="once" if len(event.days) == 1 else at[:10],
                        gate=gate,
                        site=site,
                        at=at,
                        by="earlier volunteer",
                        device="earlier-laptop",
                        received_at=at,
                        response="{}",
                    ),
                )


def dt_seconds(seconds: int):
    import datetime as dt

    return dt.timedelta(seconds=seconds)


def cpu_seconds(processes: list[subprocess.Popen]) -> float | None:
    """CPU time (user and system) the processes have used so far, from ``/proc``: a figure
    that other programs on the machine disturb far less than throughput."""
    total = 0
    try:
        for process in processes:
            fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    except OSError:
        return None
    return total / os.sysconf("SC_CLK_TCK")


def start_servers(folder: Path, count: int) -> list[tuple[subprocess.Popen, int]]:
    servers = []
    for _ in range(count):
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "kexie_events", "serve", str(folder), "--port", str(port)],
            stdout=subprocess.DEVNULL,
        )
        servers.append((process, port))
    for process, port in servers:
        asyncio.run(wait_ready(process, port))
    return servers


async def wait_ready(process: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("a server exited while starting")
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.05)
    raise RuntimeError("a server did not start")


async def drive(run: Run, ports: list[int], tokens, gates, lanes, pollers: int) -> None:
    finished = asyncio.Event()

    async def volunteer(index: int, lane: list[tuple]) -> None:
        client = Client(ports[index % len(ports)], tokens[index])
        site, gate = gates[index % len(gates)]
        for code, expected in lane:
            body = {"code": code, "gate": gate, "site": site, "scan_id": uuid.uuid4().hex}
            start = time.perf_counter()
            status, answer = await client.request("POST", "/api/v1/checkins", body)
            run.latencies.append(time.perf_counter() - start)
            if status >= 500 or answer.get("result") != expected:
                run.errors.append(f"{status} {code[:12]}: expected {expected}, got {answer}")
        await client.close()

    async def phone(index: int) -> None:
        client = Client(ports[index % len(ports)], tokens[index % len(tokens)])
        await asyncio.sleep(random.random() * POLL_SECONDS)
        while not finished.is_set():
            start = time.perf_counter()
            status, _ = await client.request("GET", "/api/v1/stats")
            run.polls.append(time.perf_counter() - start)
            if status >= 500:
                run.errors.append(f"stats answered {status}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(finished.wait(), POLL_SECONDS)
        await client.close()

    phones = [asyncio.create_task(phone(i)) for i in range(pollers)]
    start = time.perf_counter()
    await asyncio.gather(*(volunteer(i, lane) for i, lane in enumerate(lanes)))
    run.seconds = time.perf_counter() - start
    finished.set()
    await asyncio.gather(*phones)
    run.sent = sum(len(lane) for lane in lanes)
    for port in ports:
        _status, stats = await Client(port, tokens[0]).request("GET", "/api/v1/stats")
        run.counts.append(stats)


def measure(name: str, args, preload: int, pollers: int) -> tuple[Run, bool]:
    folder, codes, revoked, tokens, gates = prepare(
        args.template, args.total, args.clients, preload
    )
    lanes = plan(codes, revoked, args.total, args.clients)
    run = Run(name)
    servers = start_servers(folder, args.servers)
    processes = [process for process, _port in servers]
    try:
        before = cpu_seconds(processes)
        asyncio.run(drive(run, [port for _p, port in servers], tokens, gates, lanes, pollers))
        after = cpu_seconds(processes)
        if before is not None and after is not None:
            run.server_cpu = after - before
    finally:
        for process, _port in servers:
            process.terminate()
            process.wait()
    bad = args.total // 100
    expected = {
        "admitted": args.total - bad - args.total // 10 + preload,
        "duplicates": args.total // 10,
        "rejected": bad,
    }
    exact = all(
        all(stats.get(key) == value for key, value in expected.items()) for stats in run.counts
    )
    print(run.line())
    print(
        f"  counts on {len(run.counts)} server(s): "
        + "; ".join(
            f"admitted {s.get('admitted')}, duplicates {s.get('duplicates')}, "
            f"rejected {s.get('rejected')}"
            for s in run.counts
        )
        + f" -> {'exact' if exact else 'MISMATCH, expected ' + str(expected)}; "
        f"5xx or wrong answers: {len(run.errors)}"
    )
    for error in run.errors[:5]:
        print("   ", error)
    return run, exact and not run.errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--total", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--pollers", type=int, default=50)
    parser.add_argument("--preload", type=int, default=200_000)
    parser.add_argument("--servers", type=int, default=1)
    parser.add_argument("--template", default="science-day")
    parser.add_argument("--database-url", help="PostgreSQL URL; SQLite (event.db) without it")
    args = parser.parse_args()
    if args.database_url:
        os.environ["KEXIE_DATABASE_URL"] = args.database_url
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"{backend}, {args.servers} server process(es), {args.clients} clients, "
        f"template {args.template}; loaded run: {args.preload} scans stored, "
        f"{args.pollers} phones polling stats every {POLL_SECONDS:g} s"
    )
    baseline, ok_baseline = measure("baseline", args, preload=0, pollers=0)
    loaded, ok_loaded = measure("loaded", args, preload=args.preload, pollers=args.pollers)
    p99 = Run.percentile
    print(
        f"loaded/baseline: throughput x{loaded.rate / baseline.rate:.2f}, "
        f"p99 x{p99(loaded.latencies, 0.99) / p99(baseline.latencies, 0.99):.2f}"
    )
    return 0 if ok_baseline and ok_loaded else 1


if __name__ == "__main__":
    sys.exit(main())
