"""The check-in ledger: one admission rule and one counter, kept by the database.

The earliest admission of a ticket wins wherever it was recorded (a gate online, a laptop
offline, two gates at once), the counters the live page, the board and the report read always
equal a recount from the records, and a store made by the previous release is upgraded with
the figures it showed before.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import sqlite3
import threading
import uuid
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import text

from kexie_events.eventfile import load_event
from kexie_events.group_commit import GroupCommit
from kexie_events.model import AUDIENCES
from kexie_events.plugins import Plugins
from kexie_events.store import EventStore
from kexie_plugins.qr_checkin import attendance, ledger
from kexie_plugins.qr_checkin.admission import Gatekeeper
from kexie_plugins.qr_checkin.flow import inside_now, movements, running, stats
from kexie_plugins.qr_checkin.tickets import verifier_for

from conftest import event_store

MADRID = ZoneInfo("Europe/Madrid")
DOORS = dt.datetime(2027, 8, 2, 8, 0, tzinfo=MADRID)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def event_of(folder):
    return load_event(folder, Plugins.load(environ={}))


@pytest.fixture
def eclipse(make_event, run):
    """The English eclipse (2 August 2027, Madrid, one admission per ticket), 20 tickets."""
    folder = make_event("solar-eclipse-observation", "en")
    assert run("tickets", "issue", folder, "--count", "20", "--audience", "minors").exit_code == 0
    return folder


@pytest.fixture
def laptop_clock(monkeypatch):
    """The offline laptop's clock: the morning of the event, a minute later at every scan."""
    minutes = itertools.count()
    monkeypatch.setattr(
        "kexie_plugins.qr_checkin.commands.now",
        lambda: DOORS + dt.timedelta(minutes=next(minutes)),
    )


def gatekeeper(store: EventStore, device: str = "server") -> Gatekeeper:
    return Gatekeeper(verifier_for(store), MADRID, "en", "once", device=device)


def check_in(store, number: int, gate: str, at: dt.datetime, scan_id: str | None = None) -> dict:
    return gatekeeper(store).check_in(
        store,
        code=f"{number:06d}",
        scan_id=scan_id or uuid.uuid4().hex,
        gate=gate,
        site="square",
        by="James",
        at=at,
    )


def counters_agree(store: EventStore) -> dict:
    """The counter as kept, after checking that it equals a recount from the records."""
    with store.reading() as db:
        kept, recounted = ledger.counter(db), ledger.recount(db)
        totals = {tuple(row[:5]): row[5] for row in ledger.totals_by_place(db)}
    assert kept == recounted
    summed = Counter()
    for (_day, _slot, *place), people in kept.items():
        summed[tuple(place)] += people
    assert totals == {place: people for place, people in summed.items() if people}
    return kept


# --- the admission rule ---------------------------------------------------------------------


def test_an_earlier_offline_admission_replaces_a_later_live_one_and_the_counts_move(
    eclipse, run, tmp_path, laptop_clock
):
    bundle = tmp_path / "laptop.bundle"
    assert run("bundle", eclipse, bundle, "--device", "laptop").exit_code == 0
    with event_store(eclipse) as store:
        live = check_in(store, 1, "north", DOORS + dt.timedelta(minutes=30))
        assert live["result"] == "admitted"
        before = stats(store)
        assert before["by_gate"] == {"north": {"admitted": 1, "walk_ins": 0}}
    # The laptop at the south gate let the same person in at 08:00, before the phone saw them.
    assert run("checkin", bundle, "000001", "--gate", "south").exit_code == 0
    merged = json.loads(run("journal", "merge", eclipse, bundle, "--json").output)
    assert (merged[0]["admitted_on_device"], merged[0]["counted_as_duplicates"]) == (1, 0)
    with event_store(eclipse) as store:
        after = stats(store)
        assert (after["admitted"], after["duplicates"]) == (1, 1)
        assert after["by_gate"] == {"south": {"admitted": 1, "walk_ins": 0}}
        assert after["by_site"] == {"square": {"admitted": 1, "walk_ins": 0}}
        assert inside_now(event_of(eclipse), store, DOORS)["by_site"]["square"]["inside"] == 1
        with store.reading() as db:
            winner = ledger.admission_of(db, 1, "once")
        assert (winner.gate, winner.at) == ("south", DOORS.isoformat())
        counted = counters_agree(store)
        assert counted == {("2027-08-02", "08:00", "square", "south", "minors", "scanned", "in"): 1}
        # A phone at the east gate now: a duplicate, naming the laptop's admission.
        again = check_in(store, 1, "east", DOORS + dt.timedelta(hours=1))
        assert (again["result"], again["reason"]) == (
            "duplicate",
            "already admitted at 08:00 at the south gate",
        )
    # Merging again changes nothing.
    assert run("journal", "merge", eclipse, bundle).exit_code == 0
    with event_store(eclipse) as store:
        assert stats(store)["by_gate"] == after["by_gate"]
        counters_agree(store)


def test_a_later_offline_admission_leaves_the_earlier_live_one(
    eclipse, run, tmp_path, laptop_clock
):
    bundle = tmp_path / "laptop.bundle"
    assert run("bundle", eclipse, bundle, "--device", "laptop").exit_code == 0
    with event_store(eclipse) as store:
        assert check_in(store, 2, "north", DOORS - dt.timedelta(minutes=5))["result"] == "admitted"
    assert run("checkin", bundle, "000002", "--gate", "south").exit_code == 0
    merged = json.loads(run("journal", "merge", eclipse, bundle, "--json").output)
    assert merged[0]["counted_as_duplicates"] == 1
    with event_store(eclipse) as store:
        assert stats(store)["by_gate"] == {"north": {"admitted": 1, "walk_ins": 0}}
        counters_agree(store)


def test_a_tie_is_broken_by_the_scan_id_everywhere(eclipse):
    """Two admissions at the same moment (two laptops' clocks agree to the second): the smaller
    scan id wins, in the live rule, the merge and the recount alike."""
    with event_store(eclipse) as store, store.transaction() as db:
        for scan_id, gate in (("b-scan", "north"), ("a-scan", "south")):
            ledger.offer_admission(
                db, ledger.Admission(3, "once", scan_id, DOORS.isoformat(), gate, "square")
            )
        assert ledger.admission_of(db, 3, "once").scan_id == "a-scan"
        assert ledger.counter(db) == {
            ("2027-08-02", "08:00", "square", "south", "minors", "scanned", "in"): 1
        }


def test_a_retry_with_the_same_scan_id_gets_the_first_answer(eclipse):
    with event_store(eclipse) as store:
        first = check_in(store, 4, "north", DOORS, scan_id="phone-7-0001")
        retry = check_in(store, 4, "north", DOORS + dt.timedelta(seconds=3), scan_id="phone-7-0001")
        assert retry == first
        assert (stats(store)["admitted"], stats(store)["duplicates"]) == (1, 0)
        from kexie_events.inputs import Conflict

        with pytest.raises(Conflict):
            check_in(store, 5, "north", DOORS, scan_id="phone-7-0001")


def waits_for_a_lock(store: EventStore, seconds: float = 30) -> bool:
    """Whether a PostgreSQL session of ``store``'s database comes to wait for a row lock (the
    hot path runs its statements on the driver, past SQLAlchemy's events), within ``seconds``."""
    import time

    deadline = time.monotonic() + seconds
    query = text(
        "SELECT COUNT(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    while time.monotonic() < deadline:  # a condition polled under a deadline
        with store.reading(snapshot=False) as db:
            if db.execute(query).scalar():
                return True
        time.sleep(0.01)
    return False


def test_the_same_scan_arriving_at_two_servers_at_once_is_recorded_once(eclipse):
    """One server's transaction holds the scan, uncommitted, when another server's writer
    records the same ``scan_id``: that writer waits, gives way, runs again, and answers what the
    first server answered."""
    with event_store(eclipse) as first, event_store(eclipse) as second:
        writer = GroupCommit(second, patience=30).start()
        reached = threading.Event()

        def waiting(_connection, _cursor, statement, *_args):
            if statement.startswith(("INSERT INTO qr_admissions", "BEGIN IMMEDIATE")):
                reached.set()

        sqlalchemy_event.listen(second.engine, "before_cursor_execute", waiting)
        try:
            with first.transaction():
                answer = check_in(first, 6, "north", DOORS, scan_id="twice")
                # The phone sent it again to the other server (it got no answer in time).
                pending = writer.submit(
                    lambda _db: check_in(second, 6, "north", DOORS, scan_id="twice")
                )
                assert (
                    reached.wait(30) if second.backend == "sqlite" else waits_for_a_lock(second)
                ), "the second server never reached the database"
            assert pending.result(timeout=30) == answer
        finally:
            sqlalchemy_event.remove(second.engine, "before_cursor_execute", waiting)
            writer.stop()
        with first.reading() as db:
            assert ledger.scan_results(db) == {"admitted": 1}
        counters_agree(first)


def test_two_gates_on_two_servers_admit_each_ticket_once(eclipse):
    """Every ticket is scanned at the north gate by one server and at the south gate by another,
    at the same time: each is admitted once and a duplicate once, and the counts are exact."""
    with event_store(eclipse) as one, event_store(eclipse) as two:
        writers = [GroupCommit(one, patience=30).start(), GroupCommit(two, patience=30).start()]
        start = threading.Barrier(2)
        answers: dict[str, list[str]] = {"north": [], "south": []}

        def gate(writer: GroupCommit, store: EventStore, name: str) -> None:
            start.wait()
            futures = [
                writer.submit(lambda _db, n=n: check_in(store, n, name, DOORS))
                for n in range(1, 21)
            ]
            answers[name] = [future.result(timeout=60)["result"] for future in futures]

        threads = [
            threading.Thread(target=gate, args=(writers[0], one, "north")),
            threading.Thread(target=gate, args=(writers[1], two, "south")),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        for writer in writers:
            writer.stop()
        results = Counter(answers["north"] + answers["south"])
        assert results == {"admitted": 20, "duplicate": 20}
        assert all(
            sorted((a, b)) == ["admitted", "duplicate"]
            for a, b in zip(answers["north"], answers["south"], strict=True)
        )
        figures = stats(one)
        assert (figures["admitted"], figures["duplicates"]) == (20, 20)
        counters_agree(one)


# --- one counter ----------------------------------------------------------------------------


def test_the_counters_equal_a_recount_after_every_kind_of_record(
    eclipse, run, tmp_path, laptop_clock
):
    bundle = tmp_path / "laptop.bundle"
    assert run("bundle", eclipse, bundle, "--device", "laptop").exit_code == 0
    for number in ("000010", "000011", "000011", "nonsense"):
        run("checkin", bundle, number, "--gate", "east")
    # A walk-in counted on the laptop, as an older scanner app recorded them.
    db = sqlite3.connect(bundle)
    with db:
        db.execute(
            "INSERT INTO qr_headcounts (scan_id, gate, site, audience, delta, at, by, device)"
            " VALUES ('laptop-tap-1', 'east', 'square', 'farmers', 4, ?, 'Ana', 'laptop')",
            ((DOORS + dt.timedelta(minutes=12)).isoformat(),),
        )
    db.close()
    run("tickets", "revoke", eclipse, "12")
    with event_store(eclipse) as store:
        keeper = gatekeeper(store)
        minute = itertools.count(30)  # the phone at the north gate from 08:30

        def at() -> dt.datetime:
            return DOORS + dt.timedelta(minutes=next(minute))

        # Ticket 10 again (the laptop let it in at 08:00), ticket 12 revoked, ticket 1 twice.
        for number in (10, 1, 2, 3, 12, 1):
            check_in(store, number, "north", at())
        tap = {"gate": "north", "site": "square", "by": "James"}
        keeper.headcount(store, audience="others", delta=30, at=at(), scan_id="class", **tap)
        keeper.headcount(store, audience="others", delta=2, at=at(), scan_id="pair", **tap)
        keeper.headcount(store, audience="others", delta=-1, at=at(), scan_id="oops", **tap)
        keeper.undo(store, scan_id="class", by="James", anyone=False, at=at())
        keeper.headcount(
            store, audience="", delta=3, at=at(), scan_id="out-1", direction="out", **tap
        )
        keeper.check_out(
            store, code="000002", scan_id="out-2", gate="north", site="square", by="James", at=at()
        )
        keeper.undo(store, scan_id="out-1", by="James", anyone=False, at=at())
        keeper.headcount(
            store,
            audience="farmers",
            delta=80,
            gate=None,
            site="hall",
            by="Clerk",
            at=DOORS,
            scan_id="sheet-1",
            source="paper",
        )
        keeper.headcount(
            store,
            audience="others",
            delta=200,
            gate=None,
            site="hall",
            by="Clerk",
            at=DOORS,
            scan_id="guess-1",
            source="estimate",
        )
    assert run("journal", "merge", eclipse, bundle).exit_code == 0
    with event_store(eclipse) as store:
        counters_agree(store)
        figures = stats(store)
        # Tickets 1, 2, 3 and the laptop's 10 (earlier than the phone's) and 11.
        assert figures["admitted"] == 5
        assert figures["duplicates"] == 3  # 1 again, 10 again (later than the laptop), 11 again
        assert figures["rejected"] == 2  # the revoked ticket, the laptop's nonsense
        assert figures["walk_ins"] == 2 - 1 + 4 + 80 + 200  # the class of 30 was undone
        assert figures["exits"]["total"] == 1  # the ticket at the exit; the tap of 3 undone
        # Who is inside the square now: admissions and live counts in and out, in order.
        event = event_of(eclipse)
        with store.reading() as db:
            moves = movements(ledger.admission_moves(db), ledger.headcount_moves(db))
        by_replay: dict[str, int] = {}
        for move, number in running(moves, MADRID):
            by_replay[move[1]] = number
        assert inside_now(event, store, DOORS)["by_site"]["square"]["inside"] == 5 + 1 + 4 - 1
        assert by_replay["square"] == 5 + 1 + 4 - 1
        report = attendance.count(event, store)
        assert report.by_source == {
            "scanned": 5,
            "counted": 2 - 1 + 4,
            "paper": 80,
            "estimate": 200,
        }
        assert report.by_gate == {"north": 3 + 1, "east": 2 + 4, "": 280}


def derived(store: EventStore) -> dict:
    """Everything the ledger derives from the records: admissions, counters, tallies."""
    queries = {
        "admissions": "SELECT ticket, admit_key, scan_id, at, gate, site FROM qr_admissions",
        "counts": "SELECT day, slot, site, gate, audience, source, direction, people"
        " FROM qr_counts WHERE people <> 0",
        "totals": "SELECT site, gate, audience, source, direction, people FROM qr_totals"
        " WHERE people <> 0",
        "inside": "SELECT day, site, people FROM qr_inside",
        "results": "SELECT result, scans FROM qr_scan_results",
    }
    with store.reading() as db:
        return {name: sorted(map(tuple, db.execute(text(sql)))) for name, sql in queries.items()}


def test_the_upgrade_derives_what_live_counting_kept(eclipse, run, tmp_path, laptop_clock):
    """The revision that made the counters fills them from the records; on either backend it
    gives exactly what counting as the records came in gave."""
    import importlib.util
    from pathlib import Path

    import kexie_plugins.qr_checkin as plugin

    bundle = tmp_path / "laptop.bundle"
    assert run("bundle", eclipse, bundle, "--device", "laptop").exit_code == 0
    for number in ("000001", "000002", "000002", "bad"):
        run("checkin", bundle, number, "--gate", "east")
    with event_store(eclipse) as store:
        keeper = gatekeeper(store)
        for minutes, number in enumerate((1, 3, 4, 5, 3)):
            check_in(store, number, "north", DOORS + dt.timedelta(minutes=20 + minutes))
        tap = {"gate": "north", "site": "square", "by": "James", "audience": "others"}
        keeper.headcount(store, delta=12, at=DOORS + dt.timedelta(minutes=40), scan_id="t1", **tap)
        keeper.headcount(store, delta=5, at=DOORS + dt.timedelta(minutes=41), scan_id="t2", **tap)
        keeper.undo(store, scan_id="t2", by="James", anyone=False, at=DOORS + dt.timedelta(hours=1))
        keeper.headcount(
            store,
            **{**tap, "audience": ""},
            delta=2,
            at=DOORS + dt.timedelta(minutes=50),
            scan_id="t3",
            direction="out",
        )
    assert run("journal", "merge", eclipse, bundle).exit_code == 0
    path = Path(plugin.__file__).parent / "migrations" / "qr_checkin_0003.py"
    spec = importlib.util.spec_from_file_location("qr_checkin_0003", path)
    revision = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(revision)
    with event_store(eclipse) as store:
        kept = derived(store)
        assert (
            kept["admissions"]
            and kept["counts"]
            and kept["inside"] == [("2027-08-02", "square", 2 + 3 + 12 - 2)]
        )
        with store.transaction() as db:
            for table in (
                "qr_admissions",
                "qr_counts",
                "qr_totals",
                "qr_inside",
                "qr_scan_results",
            ):
                db.execute(text(f"DELETE FROM {table}"))
            revision.backfill(db)
        assert derived(store) == kept


# --- a store made by the previous release ---------------------------------------------------

# The tables as the previous release made them (its Migration SQL), core and check-in.
OLD_SCHEMA = """
CREATE TABLE schema_migrations (owner TEXT NOT NULL, version INTEGER NOT NULL,
    applied_at TEXT NOT NULL, PRIMARY KEY (owner, version));
CREATE TABLE phase_changes (id INTEGER PRIMARY KEY, from_phase TEXT NOT NULL,
    to_phase TEXT NOT NULL, by TEXT NOT NULL, at TEXT NOT NULL,
    forced INTEGER NOT NULL DEFAULT 0, reason TEXT);
CREATE TABLE journal (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, at TEXT NOT NULL,
    by TEXT NOT NULL, site TEXT, gate TEXT, data TEXT NOT NULL DEFAULT '{}');
CREATE INDEX journal_kind ON journal (kind, at);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE calendar_entries (uid TEXT PRIMARY KEY, fingerprint TEXT NOT NULL,
    sequence INTEGER NOT NULL, stamp TEXT NOT NULL);
CREATE TABLE volunteer_tokens (id INTEGER PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL,
    site TEXT, gate TEXT, token_hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL,
    created_by TEXT NOT NULL, revoked_at TEXT, revoked_by TEXT);
CREATE UNIQUE INDEX volunteer_tokens_active ON volunteer_tokens (name) WHERE revoked_at IS NULL;
CREATE TABLE web_action_answers (scan_id TEXT PRIMARY KEY, action TEXT NOT NULL,
    request TEXT NOT NULL, by TEXT NOT NULL, status INTEGER NOT NULL, answer TEXT NOT NULL,
    at TEXT NOT NULL);
CREATE TABLE qr_tickets (
    number INTEGER PRIMARY KEY,
    code TEXT UNIQUE,
    site TEXT,
    audience TEXT,
    name TEXT,
    phone TEXT,
    batch TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    issued_by TEXT NOT NULL
);
CREATE TABLE qr_revocations (
    number INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    by TEXT NOT NULL,
    reason TEXT
);
CREATE TABLE qr_scans (
    id INTEGER PRIMARY KEY,
    scan_id TEXT NOT NULL UNIQUE,
    code TEXT NOT NULL,
    ticket INTEGER,
    result TEXT NOT NULL CHECK (result IN ('admitted', 'duplicate', 'rejected')),
    reason TEXT NOT NULL,
    admit_key TEXT,
    gate TEXT,
    site TEXT,
    at TEXT NOT NULL,
    by TEXT NOT NULL,
    device TEXT NOT NULL,
    received_at TEXT NOT NULL,
    response TEXT NOT NULL
);
CREATE INDEX qr_scans_ticket ON qr_scans (ticket, admit_key, result, at);
CREATE TABLE qr_headcounts (
    id INTEGER PRIMARY KEY,
    scan_id TEXT UNIQUE,
    gate TEXT,
    site TEXT,
    audience TEXT NOT NULL,
    delta INTEGER NOT NULL,
    at TEXT NOT NULL,
    by TEXT NOT NULL,
    device TEXT NOT NULL
);
ALTER TABLE qr_headcounts ADD COLUMN direction TEXT NOT NULL DEFAULT 'in'
    CHECK (direction IN ('in', 'out'));
ALTER TABLE qr_headcounts ADD COLUMN source TEXT NOT NULL DEFAULT 'counted'
    CHECK (source IN ('counted', 'scanned', 'paper', 'estimate'));
ALTER TABLE qr_headcounts ADD COLUMN corrects TEXT;
ALTER TABLE qr_headcounts ADD COLUMN ticket INTEGER;
ALTER TABLE qr_headcounts ADD COLUMN note TEXT;
ALTER TABLE qr_headcounts ADD COLUMN recorded_at TEXT;
CREATE UNIQUE INDEX qr_headcounts_corrects ON qr_headcounts (corrects) WHERE corrects IS NOT NULL;
CREATE INDEX qr_headcounts_at ON qr_headcounts (at);
INSERT INTO schema_migrations VALUES ('core', 1, 'x'), ('core', 2, 'x'), ('core', 3, 'x'),
    ('web', 1, 'x'), ('qr-checkin', 1, 'x'), ('qr-checkin', 2, 'x');
INSERT INTO meta VALUES ('event_id', 'an-old-event');
"""

# How the previous release counted (admission.py, attendance.py and flow.py as they were).
OLD_ADMISSIONS = """
SELECT s.ticket, s.gate, s.site, s.at, s.device, t.audience, t.site AS ticket_site
FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY ticket, admit_key ORDER BY at, scan_id) AS rank
    FROM qr_scans WHERE result = 'admitted'
) s JOIN qr_tickets t ON t.number = s.ticket
WHERE s.rank = 1
"""
OLD_STANDING = (
    "corrects IS NULL AND (scan_id IS NULL OR scan_id NOT IN"
    " (SELECT corrects FROM qr_headcounts WHERE corrects IS NOT NULL))"
)
SITE_GATES = {
    "minzu-primary": ["校门"],
    "chengguan-community": ["广场入口"],
    "dahe-town": ["集镇广场"],
    "lvshui-village": ["村委会"],
    "county-middle": ["东门", "西门"],
}


def fill_like_the_previous_release(path, rng: random.Random, scans: int) -> None:
    """An ``event.db`` of the previous release, with tickets, scans and head counts."""
    db = sqlite3.connect(path)
    db.executescript(OLD_SCHEMA)
    sites = [*SITE_GATES, None]
    db.executemany(
        "INSERT INTO qr_tickets (number, code, site, audience, batch, issued_at, issued_by)"
        " VALUES (?, ?, ?, ?, 'b', '2027-09-01T10:00:00+08:00', 'test')",
        [
            (n, f"code-{n}", rng.choice(sites), rng.choice([*AUDIENCES, None]))
            for n in range(1, 401)
        ],
    )
    db.execute("INSERT INTO qr_revocations VALUES (7, '2027-09-01T10:00:00+08:00', 'test', NULL)")

    def moment() -> str:
        day, hour = rng.randint(24, 27), rng.randint(8, 17)
        return f"2027-09-{day}T{hour:02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 2):02d}+08:00"

    def place() -> tuple[str, str]:
        site = rng.choice(list(SITE_GATES))
        return rng.choice(SITE_GATES[site]), site

    rows = []
    for index in range(scans):
        gate, site = place()
        at = moment()
        ticket = rng.randint(1, 420)
        result = "rejected" if ticket > 400 else rng.choice(["admitted"] * 3 + ["duplicate"])
        rows.append(
            (
                f"{rng.getrandbits(48):012x}-{index}",
                f"{ticket:06d}",
                ticket if ticket <= 400 else None,
                result,
                "r",
                at[:10] if result != "rejected" else None,
                gate,
                site,
                at,
                rng.choice(["黄丽", "刘洋", "周杰"]),
                rng.choice(["server"] * 4 + ["cli", "laptop"]),
                at,
                json.dumps({"result": result}),
            )
        )
    db.executemany(
        "INSERT INTO qr_scans (scan_id, code, ticket, result, reason, admit_key, gate, site, at,"
        " by, device, received_at, response) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    counts = []
    for index in range(scans // 4):
        gate, site = place()
        direction = rng.choice(["in"] * 4 + ["out"])
        source = rng.choice(
            ["counted", "counted", "paper", "estimate"]
            if direction == "in"
            else ["counted", "scanned"]
        )
        counts.append(
            (
                f"tap-{index}",
                None if source == "paper" and rng.random() < 0.5 else gate,
                site,
                rng.choice(AUDIENCES) if direction == "in" else "",
                rng.choice([1, 1, 2, 3, 45, -1]),
                moment(),
                "刘洋",
                "server",
                direction,
                source,
            )
        )
    db.executemany(
        "INSERT INTO qr_headcounts (scan_id, gate, site, audience, delta, at, by, device,"
        " direction, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        counts,
    )
    undone = rng.sample(counts, len(counts) // 10)
    db.executemany(
        "INSERT INTO qr_headcounts (scan_id, gate, site, audience, delta, at, by, device,"
        " direction, source, corrects) VALUES (NULL, ?, ?, ?, ?, ?, '周杰', 'server', ?, ?, ?)",
        [(c[1], c[2], c[3], -c[4], c[5], c[8], c[9], c[0]) for c in undone],
    )
    db.commit()
    db.close()


def without_empty(figures: dict) -> dict:
    """Live figures without places where nobody is counted (shown as 0 either way)."""
    return {
        **figures,
        **{
            table: {
                key: bucket
                for key, bucket in figures[table].items()
                if bucket["admitted"] or bucket["walk_ins"]
            }
            for table in ("by_gate", "by_site", "by_audience")
        },
    }


def figures_of_the_previous_release(path) -> tuple[dict, dict]:
    """``(stats, report attendance)`` as the previous release computed them, from its SQL."""
    db = sqlite3.connect(path)
    admissions = db.execute(OLD_ADMISSIONS).fetchall()
    results = dict(db.execute("SELECT result, COUNT(*) FROM qr_scans GROUP BY result").fetchall())
    live: dict = {"by_gate": {}, "by_site": {}, "by_audience": {}}
    exits: dict = {"total": 0, "by_gate": Counter(), "by_site": Counter()}
    report = {key: Counter() for key in ("site", "day", "gate", "hour", "audience", "source")}

    def add(table, key, field, amount):
        bucket = live[table].setdefault(key or "", {"admitted": 0, "walk_ins": 0})
        bucket[field] += amount

    for _ticket, gate, site, at, _device, audience, ticket_site in admissions:
        add("by_gate", gate, "admitted", 1)
        add("by_site", site or ticket_site, "admitted", 1)
        add("by_audience", audience or "others", "admitted", 1)
        moment = dt.datetime.fromisoformat(at).astimezone(SHANGHAI)
        for key, value in (
            ("site", site or ticket_site or ""),
            ("day", moment.date().isoformat()),
            ("gate", gate or ""),
            ("hour", f"{moment:%H}:00"),
            ("audience", audience or "others"),
            ("source", "scanned"),
        ):
            report[key][value] += 1
    walk_ins = 0
    for gate, site, audience, direction, total in db.execute(
        "SELECT gate, site, audience, direction, SUM(delta) FROM qr_headcounts"
        " GROUP BY gate, site, audience, direction"
    ):
        if direction == "out":
            exits["total"] += total
            exits["by_gate"][gate or ""] += total
            exits["by_site"][site or ""] += total
            continue
        walk_ins += total
        if gate is not None:
            add("by_gate", gate, "walk_ins", total)
        add("by_site", site, "walk_ins", total)
        add("by_audience", audience, "walk_ins", total)
    for gate, site, audience, delta, at, source in db.execute(
        "SELECT gate, site, audience, delta, at, source FROM qr_headcounts"
        f" WHERE direction = 'in' AND {OLD_STANDING}"
    ):
        moment = dt.datetime.fromisoformat(at).astimezone(SHANGHAI)
        for key, value in (
            ("site", site or ""),
            ("day", moment.date().isoformat()),
            ("gate", gate or ""),
            ("audience", audience),
            ("source", source),
        ):
            report[key][value] += delta
        if source not in ("paper", "estimate"):
            report["hour"][f"{moment:%H}:00"] += delta
    late = dict(
        db.execute(
            "SELECT device, COUNT(*) FROM qr_scans WHERE device NOT IN ('server', 'cli')"
            " GROUP BY device"
        ).fetchall()
    )
    undone = db.execute("SELECT COUNT(*) FROM qr_headcounts WHERE corrects IS NOT NULL")
    undone = undone.fetchone()[0]
    db.close()
    admitted = len(admissions)
    before = {
        "admitted": admitted,
        "duplicates": results.get("duplicate", 0) + results.get("admitted", 0) - admitted,
        "rejected": results.get("rejected", 0),
        "walk_ins": walk_ins,
        "total": admitted + walk_ins,
        **without_empty(live),
        "exits": {
            "total": exits["total"],
            "by_gate": {k: v for k, v in exits["by_gate"].items() if v},
            "by_site": {k: v for k, v in exits["by_site"].items() if v},
        },
    }
    attended = {
        "admitted": admitted,
        "unique": len({row[0] for row in admissions}),
        "walk_in": sum(report["source"].values()) - admitted,
        **{
            f"by_{key}": {k: v for k, v in sorted(counter.items()) if v}
            for key, counter in report.items()
            if key != "source"
        },
        "by_source": {s: report["source"][s] for s in attendance.SOURCES},
        "late": late,
        "corrections": undone,
    }
    return before, attended


@pytest.mark.sqlite_only("makes an event.db as the previous release did, with sqlite3")
def test_a_store_of_the_previous_release_is_upgraded_with_the_same_figures(make_event, run):
    folder = make_event("science-day", "zh")
    fill_like_the_previous_release(folder / "event.db", random.Random(14), scans=4000)
    before, attended = figures_of_the_previous_release(folder / "event.db")
    with sqlite3.connect(folder / "event.db") as db:
        rows_before = db.execute(
            "SELECT (SELECT COUNT(*) FROM qr_scans), (SELECT COUNT(*) FROM qr_headcounts)"
        ).fetchone()
    with event_store(folder) as store:
        with store.reading() as db:
            rows = db.execute(
                text("SELECT (SELECT COUNT(*) FROM qr_scans), (SELECT COUNT(*) FROM qr_headcounts)")
            ).one()
        assert tuple(rows) == rows_before  # not a row lost
        assert without_empty(stats(store)) == before
        report = attendance.count(event_of(folder), store)
        assert {
            "admitted": report.admitted,
            "unique": report.unique,
            "walk_in": report.walk_in,
            "by_site": report.by_site,
            "by_day": report.by_day,
            "by_gate": report.by_gate,
            "by_hour": report.by_hour,
            "by_audience": report.by_audience,
            "by_source": report.by_source,
            "late": report.late,
            "corrections": len(report.corrections),
        } == attended
        counters_agree(store)
        # Who was inside at the end of each day: the counter, and a replay of the records.
        with store.reading() as db:
            moves = movements(ledger.admission_moves(db), ledger.headcount_moves(db))
            replayed: dict[tuple[str, str], int] = {}
            for move, number in running(moves, SHANGHAI):
                replayed[move[0].astimezone(SHANGHAI).date().isoformat(), move[1]] = number
            for (day, site), number in replayed.items():
                assert ledger.inside_on(db, day).get(site, 0) == number, (day, site)
    # The upgraded store goes on counting: a scan now adds one, in the report too.
    assert run("checkin", folder, "000008", "--gate", "校门").exit_code == 0
    result = json.loads(run("report", folder, "--json").output.rsplit("\n", 2)[0])
    assert result["attendance"]["registered"] == before["admitted"] + 1
    assert result["attendance"]["walk_in"] == attended["walk_in"]
