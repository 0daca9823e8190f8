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
from kexie_events.store import EventStore, open_event_store
from kexie_plugins.qr_checkin import ledger


def fill(store: EventStore, event, checkins: int, walkins: int) -> None:
    """Tickets, scans and walk-ins recorded through the check-in plugin's ledger, so that its
    counters hold what the report reads (as after a merge of offline bundles)."""
    rng = random.Random(1)
    sites = [(s.id, list(s.gates)) for s in event.sites]
    audiences = ["minors", "farmers", "urban_workers", "cadres", "others"]
    tickets = checkins * 9 // 10
    with store.transaction() as db:
        ledger.add_tickets(
            db,
            [
                {
                    "number": n,
                    "code": f"K1BENCH{n}",
                    "site": sites[n % len(sites)][0],
                    "audience": audiences[n % 5],
                    "name": None,
                    "phone": None,
                    "batch": "bench",
                    "issued_at": "2027-09-01T00:00:00+08:00",
                    "issued_by": "bench",
                }
                for n in range(1, tickets + 1)
            ],
        )
        for index in range(checkins):
            number = index + 1 if index < tickets else rng.randint(1, tickets)
            result = "admitted" if index < tickets else "duplicate"
            site, gates = sites[number % len(sites)]
            day = event.start.date() + dt.timedelta(days=index % len(event.days))
            moment = dt.datetime.combine(
                day, dt.time(8 + rng.randint(0, 8), rng.randint(0, 59)), tzinfo=event.tz
            ).isoformat()
            ledger.merge_scan(
                db,
                ledger.Scan(
                    scan_id=uuid.uuid4().hex,
                    code=f"K1BENCH{number}",
                    ticket=number,
                    result=result,
                    reason=result,
                    admit_key=day.isoformat(),
                    gate=gates[0],
                    site=site,
                    at=moment,
                    by="bench",
                    device="server",
                    received_at=moment,
                    response=json.dumps({"result": result}),
                ),
            )
        for i in range(walkins):
            at = dt.datetime.combine(event.start.date(), dt.time(9 + i % 8), tzinfo=event.tz)
            ledger.merge_headcount(
                db,
                ledger.Headcount(
                    scan_id=uuid.uuid4().hex,
                    gate=sites[i % len(sites)][1][0],
                    site=sites[i % len(sites)][0],
                    audience=audiences[i % 5],
                    delta=1,
                    at=at.isoformat(),
                    by="bench",
                    device="server",
                ),
            )


def main(checkins: int = 150_000, walkins: int = 50_000) -> None:
    plugins = Plugins.load()
    folder = make_event("science-day", "zh")
    event = load_event(folder, plugins)
    results: dict[str, float] = {}
    with open_event_store(event, plugins) as store:
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
        f"total {a.total} person-times, {a.duplicates} duplicates"
    )


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
