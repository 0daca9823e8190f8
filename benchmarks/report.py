"""Benchmark: the post-event report over 200,000 check-ins and walk-ins.

Target (issue 6): the report (figures, every format) builds in under 5 s on a 2-core machine.
The store is filled directly with SQL so that setting up is quick; the report reads it as it
would after a real event. Run: ``python benchmarks/report.py [CHECKINS] [WALKIN_ROWS]``.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
import uuid

from common import make_event, timed

from kexie_events import report
from kexie_events.eventfile import load_event
from kexie_events.plugins import Plugins
from kexie_events.records import Migration
from kexie_events.store import EventStore


def fill(store: EventStore, event, checkins: int, walkins: int) -> None:
    rng = random.Random(1)
    sites = [(s.id, list(s.gates)) for s in event.sites]
    audiences = ["minors", "farmers", "urban_workers", "cadres", "others"]
    tickets = checkins * 9 // 10
    with store.transaction() as db:
        db.executemany(
            "INSERT INTO qr_tickets (number, code, site, audience, batch, issued_at, issued_by)"
            " VALUES (?, ?, ?, ?, 'bench', '2027-09-01T00:00:00+08:00', 'bench')",
            (
                (n, f"K1BENCH{n}", sites[n % len(sites)][0], audiences[n % 5])
                for n in range(1, tickets + 1)
            ),
        )
        rows = []
        for index in range(checkins):
            number = index + 1 if index < tickets else rng.randint(1, tickets)
            result = "admitted" if index < tickets else "duplicate"
            site, gates = sites[number % len(sites)]
            day = event.start.date() + dt.timedelta(days=index % len(event.days))
            moment = dt.datetime.combine(
                day, dt.time(8 + rng.randint(0, 8), rng.randint(0, 59)), tzinfo=event.tz
            )
            answer = json.dumps({"result": result})
            rows.append(
                (
                    uuid.uuid4().hex,
                    f"K1BENCH{number}",
                    number,
                    result,
                    result,
                    day.isoformat(),
                    gates[0],
                    site,
                    moment.isoformat(),
                    "bench",
                    "server",
                    moment.isoformat(),
                    answer,
                )
            )
        db.executemany(
            "INSERT INTO qr_scans (scan_id, code, ticket, result, reason, admit_key, gate, site,"
            " at, by, device, received_at, response) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
        db.executemany(
            "INSERT INTO qr_headcounts (scan_id, gate, site, audience, delta, at, by, device)"
            " VALUES (?, ?, ?, ?, 1, ?, 'bench', 'server')",
            (
                (
                    uuid.uuid4().hex,
                    sites[i % len(sites)][1][0],
                    sites[i % len(sites)][0],
                    audiences[i % 5],
                    dt.datetime.combine(
                        event.start.date(), dt.time(9 + i % 8), tzinfo=event.tz
                    ).isoformat(),
                )
                for i in range(walkins)
            ),
        )


def main(checkins: int = 150_000, walkins: int = 50_000) -> None:
    plugins = Plugins.load()
    folder = make_event("science-day", "zh")
    event = load_event(folder, plugins)
    results: dict[str, float] = {}
    migrations = plugins.collect("kexie_store_migrations", Migration)
    with EventStore.open(event.db_path, migrations) as store:
        with timed(f"fill the store: {checkins} check-ins, {walkins} walk-in rows", results):
            fill(store, event, checkins, walkins)
        with timed("gather the figures", results):
            gathered = report.gather(event, store, plugins)
    with timed("write html, docx, md, csv", results):
        written = report.write(gathered, folder / "report", report.FORMATS)
    total = results["gather the figures"] + results["write html, docx, md, csv"]
    a = gathered.attendance
    print(
        f"report over {checkins + walkins} records: {total:.2f} s, {len(written)} files; "
        f"total {a['total']} person-times, {a['duplicates']} duplicates"
    )


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
