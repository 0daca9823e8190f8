"""Benchmark: the real check-in server under 50 concurrent volunteers.

Starts ``kexie serve`` in its own process on 127.0.0.1 and drives it with 50 concurrent clients
over 20,000 check-ins: 10 % duplicates and 1 % forged or revoked codes. At the end the counts
must be exact and no answer may be a 5xx. Prints throughput and p50/p99 latency.
Target (issue 3): at least 500 check-ins/s with p99 under 100 ms on a 2-core machine.
Run: ``python benchmarks/checkin_load.py [TOTAL] [CLIENTS]``.
"""

from __future__ import annotations

import asyncio
import random
import socket
import statistics
import subprocess
import sys
import time
import uuid

import httpx
from common import make_event

from kexie_events import volunteers
from kexie_events.eventfile import load_event
from kexie_events.plugins import Plugins
from kexie_events.records import Migration
from kexie_events.store import EventStore
from kexie_plugins.qr_checkin import tickets


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def plan(codes: list[str], revoked: list[str], total: int, clients: int) -> list[list[tuple]]:
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
    lanes: list[list[tuple]] = [[] for _ in range(clients)]
    for index, code in enumerate(codes[:unique]):
        lanes[index % clients].append((code, "admitted"))
    # A duplicate is sent by the client that admitted the ticket, later in its own sequence,
    # so the expected answer does not depend on how the clients interleave.
    for index in range(duplicates):
        lane = lanes[index % clients]
        first = rng.randrange(len(lane) // 2)
        code = lane[first][0]
        lane.insert(rng.randrange(first + 1, len(lane) + 1), (code, "duplicate"))
    for index, code in enumerate(bad_codes):
        lane = lanes[index % clients]
        lane.insert(rng.randrange(len(lane) + 1), (code, "rejected"))
    return lanes


async def drive(url: str, token: str, gate: str, lane: list[tuple], latencies: list, errors: list):
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
        for code, expected in lane:
            body = {"code": code, "gate": gate, "scan_id": uuid.uuid4().hex}
            start = time.perf_counter()
            response = await client.post("/api/v1/checkins", json=body)
            latencies.append(time.perf_counter() - start)
            if response.status_code >= 500:
                errors.append(response.status_code)
            elif response.json()["result"] != expected:
                errors.append(f"{code[:12]}: expected {expected}, got {response.json()}")


def main(total: int = 20_000, clients: int = 50) -> int:
    plugins = Plugins.load()
    folder = make_event(lang="en")
    event = load_event(folder, plugins)
    bad = total // 100
    unique = total - bad - total // 10
    with EventStore.open(
        event.db_path, plugins.collect("kexie_store_migrations", Migration)
    ) as store:
        tickets.issue(event, store, unique + bad, by="benchmark")
        rows = store.connection.execute("SELECT number, code FROM qr_tickets ORDER BY number")
        codes = [code for _number, code in rows]
        revoked = codes[-(bad // 2) :]
        for number in range(unique + bad - bad // 2 + 1, unique + bad + 1):
            tickets.revoke(store, number, by="benchmark")
        gates = ["north", "east", "south"]
        tokens = [
            volunteers.add(
                store,
                f"volunteer {i}",
                role="scanner",
                by="benchmark",
                site=None,
                gate=gates[i % 3],
            )
            for i in range(clients)
        ]
    lanes = plan(codes, revoked, total, clients)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "kexie_events", "serve", str(folder), "--port", str(port)],
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url + "/api/v1/me", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        latencies: list[float] = []
        errors: list = []

        async def run_all():
            await asyncio.gather(
                *(
                    drive(url, tokens[i], gates[i % 3], lanes[i], latencies, errors)
                    for i in range(clients)
                )
            )

        start = time.perf_counter()
        asyncio.run(run_all())
        elapsed = time.perf_counter() - start
        stats = httpx.get(
            url + "/api/v1/stats", headers={"Authorization": f"Bearer {tokens[0]}"}
        ).json()
    finally:
        server.terminate()
        server.wait()
    latencies.sort()
    sent = sum(len(lane) for lane in lanes)
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    print(
        f"{sent} check-ins from {clients} clients in {elapsed:.2f} s: "
        f"{sent / elapsed:.0f} check-ins/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms"
    )
    print(
        f"server counts: admitted {stats['admitted']}, duplicates {stats['duplicates']}, "
        f"rejected {stats['rejected']}"
    )
    expected = {"admitted": unique, "duplicates": total // 10, "rejected": bad}
    exact = all(stats[k] == v for k, v in expected.items())
    print(
        f"expected: {expected} -> {'exact' if exact else 'MISMATCH'}; "
        f"5xx or wrong answers: {len(errors)}"
    )
    for error in errors[:5]:
        print("  ", error)
    return 0 if exact and not errors else 1


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    sys.exit(main(*args))
