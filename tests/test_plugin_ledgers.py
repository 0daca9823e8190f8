"""The plugins' ledgers on the new storage layer (issue 14).

- A store made by the release before Alembic (tables made by the old ``Migration`` SQL, its
  versions in ``schema_migrations``) opens with every row still there, and the plugins' revisions
  make exactly the tables the old SQL made.
- Each plugin's ``kexie_store_migrations`` returns its folder of Alembic revisions.
- The registration plugin holds across servers sharing one store: seats, the per-address
  limit, the one use of a challenge token, and the sending of each message once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import sqlite3
import threading
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import text

from kexie_events import migrations
from kexie_events.eventfile import load_event
from kexie_events.records import MigrationScripts
from kexie_events.store import EventStore, open_event_store

# --- what the release before Alembic made -----------------------------------------------------

OLD_CORE = [
    (
        "core",
        1,
        """
        CREATE TABLE phase_changes (
            id INTEGER PRIMARY KEY,
            from_phase TEXT NOT NULL,
            to_phase TEXT NOT NULL,
            by TEXT NOT NULL,
            at TEXT NOT NULL,
            forced INTEGER NOT NULL DEFAULT 0,
            reason TEXT
        );
        CREATE TABLE journal (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            at TEXT NOT NULL,
            by TEXT NOT NULL,
            site TEXT,
            gate TEXT,
            data TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX journal_kind ON journal (kind, at);
        """,
    ),
    (
        "core",
        2,
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE calendar_entries (
            uid TEXT PRIMARY KEY,
            fingerprint TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            stamp TEXT NOT NULL
        );
        """,
    ),
    (
        "core",
        3,
        """
        CREATE TABLE volunteer_tokens (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            role TEXT NOT NULL,
            site TEXT,
            gate TEXT,
            token_hash TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            revoked_at TEXT,
            revoked_by TEXT
        );
        CREATE UNIQUE INDEX volunteer_tokens_active ON volunteer_tokens (name)
            WHERE revoked_at IS NULL;
        """,
    ),
    (
        "web",
        1,
        """
        CREATE TABLE web_action_answers (
            scan_id TEXT PRIMARY KEY,
            action TEXT NOT NULL,
            request TEXT NOT NULL,
            by TEXT NOT NULL,
            status INTEGER NOT NULL,
            answer TEXT NOT NULL,
            at TEXT NOT NULL
        );
        """,
    ),
]

OLD_GLASSES = (
    "eclipse-glasses",
    1,
    """
    CREATE TABLE glasses_handouts (
        id INTEGER PRIMARY KEY,
        unit TEXT,
        gate TEXT,
        site TEXT,
        pairs INTEGER NOT NULL CHECK (pairs > 0),
        at TEXT NOT NULL,
        by TEXT NOT NULL,
        note TEXT,
        CHECK ((unit IS NULL) <> (gate IS NULL))
    );
    """,
)

OLD_EMERGENCY = (
    "emergency-plan",
    1,
    """
    CREATE TABLE emergency_ticks (
        id INTEGER PRIMARY KEY,
        item TEXT NOT NULL,
        ticked INTEGER NOT NULL,
        at TEXT NOT NULL,
        by TEXT NOT NULL,
        note TEXT
    );
    CREATE TABLE emergency_incidents (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        site TEXT,
        gate TEXT,
        type TEXT NOT NULL,
        what TEXT NOT NULL,
        done TEXT NOT NULL,
        by TEXT NOT NULL
    );
    """,
)

OLD_BOARDS = (
    "display-boards",
    1,
    """
    CREATE TABLE materials_records (
        id INTEGER PRIMARY KEY,
        item TEXT NOT NULL,
        site TEXT NOT NULL,
        day TEXT NOT NULL,
        quantity INTEGER NOT NULL,
        at TEXT NOT NULL,
        by TEXT NOT NULL
    );
    """,
)

OLD_REGISTRATION = (
    "registration",
    1,
    """
CREATE TABLE registration_signups (
    id INTEGER PRIMARY KEY,
    secret TEXT NOT NULL UNIQUE,
    slot TEXT NOT NULL,
    site TEXT,
    party INTEGER NOT NULL CHECK (party >= 1),
    status TEXT NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled')),
    name TEXT,
    phone TEXT,
    email TEXT,
    audience TEXT,
    answers TEXT,
    origin TEXT,
    created_at TEXT NOT NULL,
    confirmed_at TEXT,
    waitlisted INTEGER NOT NULL DEFAULT 0,
    cancelled_at TEXT,
    cancelled_by TEXT,
    cancel_reason TEXT
);
CREATE INDEX registration_signups_slot ON registration_signups (slot, status, id);
CREATE INDEX registration_signups_phone ON registration_signups (phone, status);
CREATE TABLE registration_tickets (
    number INTEGER PRIMARY KEY,
    signup INTEGER NOT NULL REFERENCES registration_signups (id)
);
CREATE INDEX registration_tickets_signup ON registration_tickets (signup);
CREATE TABLE registration_messages (
    id INTEGER PRIMARY KEY,
    signup INTEGER NOT NULL REFERENCES registration_signups (id),
    kind TEXT NOT NULL
        CHECK (kind IN ('confirmed', 'waitlisted', 'promoted', 'cancelled', 'reminder')),
    status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    queued_at TEXT NOT NULL,
    claimed_at TEXT,
    sent_at TEXT,
    channels TEXT,
    error TEXT,
    recipient TEXT,
    subject TEXT,
    body TEXT
);
CREATE UNIQUE INDEX registration_one_reminder ON registration_messages (signup)
    WHERE kind = 'reminder';
""",
)

AT = "2027-09-26T10:15:00+08:00"


def signup_row(number: int, status: str, party: int, name: str, **more) -> tuple:
    """A row of the old ``registration_signups``, in its column order."""
    cancelled = more.get("cancelled", (None, None, None))
    return (
        number,
        f"secret-{number:017d}",
        "a",
        None,
        party,
        status,
        name,
        f"1381234567{number}",
        None,
        "others",
        more.get("answers"),
        more.get("origin"),
        AT,
        more.get("confirmed"),
        more.get("waitlisted", 0),
        *cancelled,
    )


#: Rows an old store held, per plugin: ``{table: [row, ...]}`` in column order.
OLD_ROWS = {
    "eclipse-glasses": {
        "glasses_handouts": [
            (1, "第一中学", None, None, 300, AT, "王老师", None),
            (2, None, "北门", "plaza", 25, AT, "李强", "morning"),
            (3, None, "南门", "plaza", 40, "2027-09-26T11:00:00+08:00", "login:root", None),
        ]
    },
    "emergency-plan": {
        "emergency_ticks": [
            (1, "first-aid-point", 1, AT, "刘洋", None),
            (2, "first-aid-point", 0, AT, "刘洋", "wrong item"),
            (3, "evacuation-route", 1, AT, "刘洋", None),
        ],
        "emergency_incidents": [
            (1, AT, "plaza", "北门", "heat", "一名老人中暑", "送医务点", "黄丽"),
        ],
    },
    "display-boards": {
        "materials_records": [
            (1, "leaflets", "plaza", "2027-09-26", 500, AT, "周杰"),
            (2, "leaflets", "plaza", "2027-09-26", 250, AT, "周杰"),
        ]
    },
    "registration": {
        "registration_signups": [
            signup_row(1, "confirmed", 2, "张三", origin="http://127.0.0.1:8000", confirmed=AT),
            signup_row(2, "waitlisted", 1, "李四", answers='{"school": "一中"}', waitlisted=1),
            signup_row(3, "cancelled", 1, "王五", confirmed=AT, cancelled=(AT, "self", "online")),
        ],
        "registration_tickets": [(1, 1), (2, 1), (3, 3)],
        "registration_messages": [
            (1, 1, "confirmed", "sent", AT, AT, AT, "log", None, "13812345678", "报名成功", "..."),
            (2, 2, "waitlisted", "pending", AT, None, None, None, None, None, None, None),
            (3, 1, "reminder", "sent", AT, AT, AT, "log", None, None, None, None),
        ],
    },
}

OLD_SQL = {sql[0]: sql for sql in (OLD_GLASSES, OLD_EMERGENCY, OLD_BOARDS, OLD_REGISTRATION)}


def plugin_module(owner: str):
    """The plugin's package (where its hooks are)."""
    import importlib

    return importlib.import_module(f"kexie_plugins.{owner.replace('-', '_')}")


def scripts_of(owner: str) -> list[MigrationScripts]:
    """What the plugin's ``kexie_store_migrations`` hook returns."""
    return list(plugin_module(owner).kexie_store_migrations())


def old_store(path: Path, owner: str) -> Path:
    """An ``event.db`` as the release before Alembic left it, with the plugin's rows in it."""
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE schema_migrations (owner TEXT NOT NULL, version INTEGER NOT NULL,"
        " applied_at TEXT NOT NULL, PRIMARY KEY (owner, version))"
    )
    for name, version, sql in [*OLD_CORE, OLD_SQL[owner]]:
        db.executescript(sql)
        db.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", (name, version, AT))
    db.execute("INSERT INTO meta VALUES ('event_id', 'abc123')")
    for table, rows in OLD_ROWS[owner].items():
        marks = ", ".join("?" for _ in rows[0])
        db.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
    db.commit()
    db.close()
    return path


def rows_of(store: EventStore, table: str) -> list[tuple]:
    with store.reading() as db:
        return [tuple(row) for row in db.execute(text(f"SELECT * FROM {table} ORDER BY 1"))]


def shape(path: Path, table: str) -> dict:
    """What a table is in an SQLite file: columns, checks, indexes and foreign keys.

    The primary key's NOT NULL is left out: SQLite's ``INTEGER PRIMARY KEY`` is the row id
    whichever way it is written.
    """
    db = sqlite3.connect(path)
    try:
        columns = [
            (name, kind, bool(notnull) and not pk, default, pk)
            for _cid, name, kind, notnull, default, pk in db.execute(f"PRAGMA table_info({table})")
        ]
        (sql,) = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()
        indexes = {}
        for _seq, name, unique, origin, partial in db.execute(f"PRAGMA index_list({table})"):
            if origin == "pk":
                continue
            keys = [row[2] for row in db.execute(f"PRAGMA index_info({name})")]
            where = None
            if partial:
                (index_sql,) = db.execute(
                    "SELECT sql FROM sqlite_master WHERE name = ?", (name,)
                ).fetchone()
                where = " ".join(index_sql.split(" WHERE ", 1)[1].split())
            key = name if origin == "c" else f"{origin}:{','.join(keys)}"
            indexes[key] = (bool(unique), keys, where)
        foreign = sorted(
            (row[2], row[3], row[4]) for row in db.execute(f"PRAGMA foreign_key_list({table})")
        )
    finally:
        db.close()
    return {
        "columns": columns,
        "checks": sorted(checks(sql)),
        "indexes": indexes,
        "foreign_keys": foreign,
    }


def checks(sql: str) -> list[str]:
    """The CHECK expressions of a CREATE TABLE, whitespace made single."""
    found = []
    for match in re.finditer(r"CHECK\s*\(", sql):
        depth, start = 1, match.end()
        index = start
        while depth:
            depth += {"(": 1, ")": -1}.get(sql[index], 0)
            index += 1
        found.append(" ".join(sql[start : index - 1].split()))
    return found


PLUGINS = ["eclipse-glasses", "emergency-plan", "display-boards", "registration"]


# --- the hooks ----------------------------------------------------------------------------------


@pytest.mark.parametrize("owner", PLUGINS)
def test_each_plugin_gives_its_alembic_folder_as_one_branch(owner):
    [scripts] = scripts_of(owner)
    assert isinstance(scripts, MigrationScripts)
    assert scripts.owner == owner
    assert Path(scripts.folder).is_dir()
    assert not (Path(scripts.folder) / "__init__.py").exists()
    directory = migrations.scripts([scripts])
    first = directory.get_revision(migrations.revision_id(owner, 1))
    assert first.down_revision is None
    assert first.branch_labels == {owner}
    assert first.dependencies == "core_0001"
    own = [r for r in directory.walk_revisions() if r.revision.startswith(first.revision[:-4])]
    numbers = sorted(int(r.revision[-4:]) for r in own)
    assert numbers == list(range(1, len(own) + 1))  # 0001, 0002 ... nothing skipped


# --- stores made by the release before Alembic -----------------------------------------------


@pytest.mark.sqlite_only("an old release's store is an SQLite file")
@pytest.mark.parametrize("owner", PLUGINS)
def test_an_old_store_opens_with_every_row_still_there(owner, tmp_path):
    path = old_store(tmp_path / "event.db", owner)
    with EventStore.open(path, scripts_of(owner)) as store:
        for table, rows in OLD_ROWS[owner].items():
            assert rows_of(store, table) == rows
        assert store.event_id == "abc123"
        with store.reading() as db:
            stamped = set(db.execute(text("SELECT version_num FROM alembic_version")).scalars())
        heads = set(migrations.scripts(scripts_of(owner)).get_heads())
        assert stamped == heads
    # Opened again, nothing runs twice and nothing changes.
    with EventStore.open(path, scripts_of(owner)) as store:
        for table, rows in OLD_ROWS[owner].items():
            assert rows_of(store, table) == rows


@pytest.mark.sqlite_only("compares the tables in two SQLite files")
@pytest.mark.parametrize("owner", PLUGINS)
def test_the_revisions_make_exactly_the_tables_the_old_sql_made(owner, tmp_path):
    old = old_store(tmp_path / "old.db", owner)
    EventStore.open(tmp_path / "new.db", scripts_of(owner)).close()
    for table in OLD_ROWS[owner]:
        assert shape(tmp_path / "new.db", table) == shape(old, table), table


@pytest.mark.sqlite_only("an old release's store is an SQLite file")
def test_an_old_glasses_store_goes_on_counting_the_stock(tmp_path):
    from kexie_plugins.eclipse_glasses import ledger

    path = old_store(tmp_path / "event.db", "eclipse-glasses")
    with EventStore.open(path, scripts_of("eclipse-glasses")) as store:
        before = ledger.handed_out(store)
        assert (before.per_unit, before.per_gate) == ({"第一中学": 300}, {"北门": 25, "南门": 40})
        at = dt.datetime.fromisoformat(AT)
        left = ledger.hand_out(store, stock=400, pairs=35, at=at, by="李强", gate="北门")
        assert left == 0
        with pytest.raises(ledger.OutOfStock) as short:
            ledger.hand_out(store, stock=400, pairs=1, at=at, by="李强", gate="北门")
        assert short.value.left == 0
        assert rows_of(store, "glasses_handouts")[-1][0] == 4


@pytest.mark.sqlite_only("an old release's store is an SQLite file")
def test_an_old_emergency_store_keeps_its_ticks_and_incidents(tmp_path):
    from kexie_plugins.emergency_plan import ledger

    path = old_store(tmp_path / "event.db", "emergency-plan")
    with EventStore.open(path, scripts_of("emergency-plan")) as store:
        at = dt.datetime.fromisoformat(AT)
        assert ledger.latest_ticks(store) == {
            "first-aid-point": ledger.ChecklistTick("first-aid-point", False, at, "刘洋"),
            "evacuation-route": ledger.ChecklistTick("evacuation-route", True, at, "刘洋"),
        }
        assert ledger.ticked_items(store) == {"evacuation-route"}
        [incident] = ledger.incidents(store)
        assert (incident.type, incident.what, incident.by) == ("heat", "一名老人中暑", "黄丽")
        assert incident.at == at and incident.at.utcoffset() == dt.timedelta(hours=8)
        assert not ledger.tick(store, "evacuation-route", done=True, at=at, by="刘洋", note=None)
        assert ledger.tick(store, "first-aid-point", done=True, at=at, by="刘洋", note=None)
        number = ledger.log_incident(
            store, ledger.Incident(at, None, None, "other", "走失", "找到", "黄丽")
        )
        assert number == 2
        assert ledger.incidents(store)[-1].at == at  # stored as text, read back as a time


@pytest.mark.sqlite_only("an old release's store is an SQLite file")
def test_an_old_registration_store_keeps_its_signups_tickets_and_messages(tmp_path):
    from kexie_plugins.registration import ledger

    path = old_store(tmp_path / "event.db", "registration")
    with EventStore.open(path, scripts_of("registration")) as store:
        signups = ledger.listing(store)
        assert [(r.id, r.status, r.tickets, r.position) for r in signups] == [
            (1, "confirmed", (1, 2), None),
            (2, "waitlisted", (), 1),
            (3, "cancelled", (3,), None),
        ]
        assert signups[1].answers == {"school": "一中"}
        assert ledger.find(store, f"secret-{2:017d}").name == "李四"
        counts = ledger.slot_counts(store)["a"]
        assert (counts.confirmed_people, counts.waitlisted, counts.cancelled) == (2, 1, 1)
        # The reminder sent before the upgrade is not queued again.
        assert ledger.queue_reminders(store, ["a"]) == 0
        [claimed] = ledger.claim_messages(store)
        assert (claimed.id, claimed.signup, claimed.kind) == (2, 2, "waitlisted")


# --- several servers on one store -------------------------------------------------------------


def test_two_servers_never_hand_out_more_glasses_than_the_stock(make_event, plugins, server_store):
    from kexie_plugins.eclipse_glasses import ledger

    event = load_event(make_event("solar-eclipse-observation", "zh"), plugins)
    stores = [server_store(event), server_store(event)]
    at = dt.datetime.fromisoformat(AT)
    start = threading.Barrier(8)

    def volunteer(index: int) -> None:
        start.wait()
        for _ in range(12):
            with contextlib.suppress(ledger.OutOfStock):
                ledger.hand_out(
                    stores[index % 2], stock=200, pairs=3, at=at, by="李强", gate="北门"
                )

    threads = [threading.Thread(target=volunteer, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert ledger.handed_out(stores[0]).total == 198  # 66 handouts of 3; a 67th would be 201


# --- registration: several servers on one store ------------------------------------------------

SIGNUP_SECTION = """
[registration]
opens = 2020-01-01T09:00:00
closes = 2028-12-31T18:00:00
fields = ["name", "phone", "audience"]
party_max = 4
per_phone = 1
waitlist = true

[[registration.slots]]
id = "a"
start = 2028-12-31T23:30:00
end = 2028-12-31T23:45:00
capacity = {capacity}
"""


@pytest.fixture
def signup_event(make_event, plugins):
    """An event with one open sign-up slot: ``(folder, event, config)``."""

    def make(capacity: int):
        folder = make_event("lunar-eclipse-night", "zh")
        path = folder / "event.toml"
        toml = path.read_text(encoding="utf-8")
        toml = toml[: toml.index("\n# 网上预约报名")] + SIGNUP_SECTION.format(capacity=capacity)
        path.write_text(toml, encoding="utf-8")
        event = load_event(folder, plugins)
        return folder, event, event.configs["registration"]

    return make


@pytest.fixture
def server_store(plugins):
    """Open an event's store as one server does (its own engine); closed after the test."""
    opened: list[EventStore] = []

    def open_for(event) -> EventStore:
        opened.append(open_event_store(event, plugins))
        return opened[-1]

    yield open_for
    for store in opened:
        store.close()


def test_two_servers_on_one_store_never_give_the_same_seats(signup_event, server_store):
    from kexie_plugins.registration import ledger

    _folder, event, config = signup_event(capacity=15)
    servers = [server_store(event), server_store(event)]  # two engines, as two processes have
    outcomes: list[str] = []
    start = threading.Barrier(8)

    def phone(index: int) -> None:
        store = servers[index % 2]
        start.wait()
        for i in range(index, 40, 8):
            form = ledger.Form(slot="a", name=f"观众{i}", phone=f"139{i:08d}", audience="others")
            change = ledger.sign_up(event, store, config, form, origin=None)
            outcomes.append(change.registration.status)

    threads = [threading.Thread(target=phone, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Counter(outcomes) == {"confirmed": 15, "waitlisted": 25}
    signups = ledger.listing(servers[0])
    tickets = [n for r in signups for n in r.tickets]
    assert len(tickets) == len(set(tickets)) == 15
    assert sorted(r.position for r in signups if r.position) == list(range(1, 26))


def test_the_address_limit_holds_across_servers(signup_event, server_store):
    from kexie_plugins.registration.ratelimit import RateLimit

    _folder, event, _config = signup_event(capacity=5)
    one, two = server_store(event), server_store(event)
    first, second = RateLimit(3), RateLimit(3)  # each server has its own
    at = 1_800_000_010.0  # 10 s into a minute
    assert [
        first.hit(one, "signup", "10.0.0.7", at=at),
        second.hit(two, "signup", "10.0.0.7", at=at + 1),
        first.hit(one, "signup", "10.0.0.7", at=at + 2),
    ] == [0, 0, 0]
    wait = second.hit(two, "signup", "10.0.0.7", at=at + 3)
    assert 0 < wait <= 60
    assert second.hit(two, "signup", "10.0.0.8", at=at + 3) == 0  # another address
    assert second.hit(two, "challenge", "10.0.0.7", at=at + 3) == 0  # another kind
    # Two minutes on, the limit is whole again and the old minutes are gone from the store.
    assert first.hit(one, "signup", "10.0.0.7", at=at + 120) == 0
    with one.reading() as db:
        minutes = db.execute(text("SELECT DISTINCT minute FROM registration_rate_hits")).scalars()
        assert set(minutes) == {int((at + 120) // 60)}


def test_racing_requests_through_two_servers_get_exactly_the_limit(signup_event, server_store):
    from kexie_plugins.registration.ratelimit import RateLimit

    _folder, event, _config = signup_event(capacity=5)
    stores = [server_store(event), server_store(event)]
    limits = [RateLimit(10), RateLimit(10)]
    waits: list[float] = []
    start = threading.Barrier(6)

    def client(index: int) -> None:
        start.wait()
        for i in range(5):
            at = 1_800_000_010.0 + i / 10
            waits.append(limits[index % 2].hit(stores[index % 2], "signup", "10.0.0.7", at=at))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(wait == 0 for wait in waits) == 10


def test_the_window_slides_over_the_minute_before():
    from kexie_plugins.registration.ratelimit import wait_seconds

    # 3 allowed; 3 came in the last seconds of the minute before.
    assert wait_seconds(3, previous=3, current=1, into=1.0) > 0
    assert wait_seconds(3, previous=3, current=1, into=30.0) == 0  # half of them have slid out
    # Refused now, let through once the wait has passed.
    wait = wait_seconds(3, previous=3, current=1, into=1.0)
    assert wait_seconds(3, previous=3, current=1, into=1.0 + wait + 0.01) == 0
    # Over the limit within one minute: told to wait, never more than a minute.
    assert 0 < wait_seconds(3, previous=0, current=4, into=5.0) <= 60
    assert wait_seconds(3, previous=0, current=3, into=5.0) == 0


def test_a_challenge_token_is_good_once_whichever_server_checks_it(signup_event, server_store):
    from kexie_plugins.registration import ledger
    from kexie_plugins.registration.challenge import Challenges, challenge_key, solve

    folder, event, _config = signup_event(capacity=5)
    one, two = server_store(event), server_store(event)
    # Both servers derive the same key from the event's folder: a token of one is good at both.
    issued = Challenges(challenge_key(folder), bits=4).issue()
    answer = solve(issued["token"], 4)
    proof = Challenges(challenge_key(folder), bits=4).check(issued["token"], answer)
    now = proof.expires - 60
    assert ledger.spend_challenge(one, proof.nonce, proof.expires, now)
    assert not ledger.spend_challenge(two, proof.nonce, proof.expires, now)
    # Once expired it is forgotten (and refused as expired before it gets here).
    assert ledger.spend_challenge(two, "other", proof.expires, now)
    assert ledger.spend_challenge(two, "later", proof.expires + 10, proof.expires + 1)
    with one.reading() as db:
        kept = db.execute(text("SELECT nonce FROM registration_challenges")).scalars().all()
    assert kept == ["later"]


def test_each_message_is_claimed_by_one_sender(signup_event, server_store):
    from kexie_plugins.registration import ledger

    _folder, event, config = signup_event(capacity=30)
    one, two = server_store(event), server_store(event)
    for i in range(30):
        form = ledger.Form(slot="a", name=f"观众{i}", phone=f"139{i:08d}", audience="others")
        ledger.sign_up(event, one, config, form, origin=None)
    claimed: list[int] = []
    start = threading.Barrier(6)

    def sender(store: EventStore) -> None:
        start.wait()
        for _ in range(5):
            claimed.extend(m.id for m in ledger.claim_messages(store))

    threads = [threading.Thread(target=sender, args=((one, two)[i % 2],)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed) == list(range(1, 31))
