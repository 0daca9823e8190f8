"""Offline bundles: nothing a laptop's journal says can break or bend the event's records.

Every test here fails on the merge that copied journal rows as they were: it opened any file
read-write (turning an empty file into a database), trusted every row, and compared times as
text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import shutil
import sqlite3

import pytest
from sqlalchemy import text

from kexie_plugins.qr_checkin.admission import Gatekeeper
from kexie_plugins.qr_checkin.bundle import Bundle
from kexie_plugins.qr_checkin.tickets import verifier_for

from conftest import event_store

MADRID = dt.timezone(dt.timedelta(hours=2))  # Europe/Madrid in August
DOORS = dt.datetime(2027, 8, 2, 8, 0, tzinfo=MADRID)


@pytest.fixture
def eclipse(make_event, run):
    """The English eclipse event (2 August 2027, Madrid) with 10 tickets."""
    folder = make_event("solar-eclipse-observation", "en")
    assert run("tickets", "issue", folder, "--count", "10").exit_code == 0
    return folder


@pytest.fixture
def on_the_day(monkeypatch):
    """The laptop's clock reads the morning of the event, a second later at every scan."""
    seconds = itertools.count()
    monkeypatch.setattr(
        "kexie_plugins.qr_checkin.commands.now",
        lambda: DOORS + dt.timedelta(seconds=next(seconds)),
    )


@pytest.fixture
def laptop(eclipse, run, tmp_path, on_the_day):
    """A bundle with three admissions at the south gate and one rejected scan."""
    path = tmp_path / "laptop.bundle"
    assert run("bundle", eclipse, path, "--device", "laptop").exit_code == 0
    for number in ("000001", "000002", "000003"):
        assert run("checkin", path, number, "--gate", "south").exit_code == 0
    assert run("checkin", path, "not-a-ticket", "--gate", "south").exit_code == 1
    return path


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def store_rows(folder) -> tuple[int, int]:
    with event_store(folder) as store, store.reading() as db:
        return tuple(
            db.execute(
                text("SELECT (SELECT COUNT(*) FROM qr_scans), (SELECT COUNT(*) FROM qr_headcounts)")
            ).one()
        )


def admitted_at(folder) -> dict[int, str]:
    """The gate each admitted ticket counts at (earliest admission wins)."""
    with event_store(folder) as store, store.reading() as db:
        return {
            ticket: gate
            for ticket, gate in db.execute(text("SELECT ticket, gate FROM qr_admissions"))
        }


def tamper(path, sql: str, *params) -> None:
    db = sqlite3.connect(path)
    with db:
        db.execute(sql, params)
    db.close()


# --- files that are not bundles -------------------------------------------------------------


def _empty_sqlite(path):
    sqlite3.connect(path).execute("VACUUM").connection.close()


def _foreign_sqlite(path):
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE meta (key TEXT, value TEXT)")
    db.execute("INSERT INTO meta VALUES ('format', 'something-else')")
    db.commit()
    db.close()


def _foreign_wal_sqlite(path):
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE photos (name TEXT)")
    db.commit()
    db.close()


NOT_BUNDLES = {
    "empty file": (lambda p: p.write_bytes(b""), "an empty file"),
    "text file named .db": (lambda p: p.write_text("name,phone\n"), "not an SQLite file"),
    "random bytes": (lambda p: p.write_bytes(bytes(range(256)) * 40), "not an SQLite file"),
    "empty SQLite": (_empty_sqlite, "without its tables"),
    "foreign SQLite": (_foreign_sqlite, "not a scanner bundle"),
    "foreign SQLite in WAL mode": (_foreign_wal_sqlite, "without its tables"),
}


@pytest.mark.parametrize("kind", NOT_BUNDLES)
@pytest.mark.parametrize("command", ["merge", "checkin"])
def test_a_file_that_is_not_a_bundle_is_refused_and_left_as_it_was(
    eclipse, run, tmp_path, kind, command
):
    make, message = NOT_BUNDLES[kind]
    (tmp_path / "usb").mkdir()
    path = tmp_path / "usb" / "scans.db"
    make(path)
    before = digest(path)
    if command == "merge":
        result = run("journal", "merge", eclipse, path)
    else:
        result = run("checkin", path, "000001", "--gate", "north")
    assert result.exit_code == 2, result.output
    assert f"Error: {path}: " in result.output and message in result.output
    assert "Traceback" not in result.output
    assert digest(path) == before
    assert [p.name for p in path.parent.iterdir()] == ["scans.db"]  # no -wal, no -shm


@pytest.mark.parametrize("command", ["merge", "checkin"])
def test_a_damaged_bundle_is_refused_and_left_as_it_was(eclipse, run, laptop, command):
    data = laptop.read_bytes()
    laptop.write_bytes(data[: len(data) // 2])  # the USB stick was pulled while copying
    before = digest(laptop)
    if command == "merge":
        result = run("journal", "merge", eclipse, laptop)
    else:
        result = run("checkin", laptop, "000004", "--gate", "south")
    assert result.exit_code == 2, result.output
    assert f"Error: {laptop}: a damaged SQLite file, not readable" in result.output
    assert digest(laptop) == before
    assert not list(laptop.parent.glob("laptop.bundle-*"))


@pytest.mark.sqlite_only("the event's store is an event.db in the folder")
def test_the_event_database_itself_is_not_a_bundle(eclipse, run):
    db = eclipse / "event.db"
    before = digest(db)
    result = run("journal", "merge", eclipse, db)
    assert result.exit_code == 2
    assert "not a scanner bundle (an event's event.db?)" in result.output
    assert digest(db) == before


def test_scans_left_in_the_write_ahead_log_are_merged_without_touching_it(
    eclipse, run, laptop, tmp_path
):
    """A laptop loses power right after admitting ticket 4: the scan is only in the -wal."""
    opened = Bundle.open(laptop)
    opened.db.execute("PRAGMA wal_autocheckpoint=0")
    opened.keeper.check_in(
        opened.db,
        code="000004",
        scan_id="power-cut",
        gate="south",
        site="square",
        by="Ana",
        at=DOORS + dt.timedelta(minutes=30),
    )
    rescued = tmp_path / "rescued"
    rescued.mkdir()
    shutil.copy(laptop, rescued / "laptop.bundle")
    shutil.copy(f"{laptop}-wal", rescued / "laptop.bundle-wal")
    opened.db.close()
    files = {p.name: digest(p) for p in rescued.iterdir()}
    result = run("journal", "merge", eclipse, rescued / "laptop.bundle", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)[0]["new_scans"] == 5
    assert admitted_at(eclipse)[4] == "south"
    assert {p.name: digest(p) for p in rescued.iterdir()} == files  # no -shm, nothing changed


# --- rows that must not get in --------------------------------------------------------------


BAD_ROWS = {
    "a gate the event does not have": (
        "UPDATE qr_scans SET gate = 'west' WHERE ticket = 2",
        "site 'square' has no gate 'west'",
    ),
    "a site the event does not have": (
        "UPDATE qr_scans SET site = 'moon' WHERE ticket = 2",
        "no site 'moon'",
    ),
    "a gate at another site than recorded": (
        "UPDATE qr_scans SET gate = 'main' WHERE ticket = 2",
        "site 'square' has no gate 'main'",
    ),
    "a time outside the event": (
        "UPDATE qr_scans SET at = '2027-07-20T08:00:00+02:00', admit_key = 'once' WHERE ticket = 2",
        "2027-07-20 08:00 is more than 24 hours outside the event",
    ),
    "a time without an offset": (
        "UPDATE qr_scans SET at = '2027-08-02T08:00:00' WHERE ticket = 2",
        "has no offset",
    ),
    "a forged device": (
        "UPDATE qr_scans SET device = 'server' WHERE ticket = 2",
        "recorded by device 'server', not by the bundle's 'laptop'",
    ),
    "an admission key against the rule": (
        "UPDATE qr_scans SET admit_key = '2027-08-02' WHERE ticket = 2",
        "admission key '2027-08-02' does not follow the event's rule (once: 'once')",
    ),
    "a ticket the event never issued": (
        "UPDATE qr_scans SET ticket = 99, code = '000099' WHERE ticket = 2",
        "ticket 99 is not a ticket of this event",
    ),
    "a code that is another ticket's": (
        "UPDATE qr_scans SET code = '000007' WHERE ticket = 2",
        "its code is ticket 000007's, not ticket 000002's",
    ),
    "an admitted scan without a ticket": (
        "UPDATE qr_scans SET result = 'admitted' WHERE ticket IS NULL",
        "an admitted scan without a ticket number",
    ),
    "a control character": (
        "UPDATE qr_scans SET by = 'Ana' || char(27) || '[2J' WHERE ticket = 2",
        "volunteer contains control characters",
    ),
    "a text far over the limit": (
        "UPDATE qr_scans SET gate = printf('%.300c', 'x') WHERE ticket = 2",
        "gate must be at most 100 characters",
    ),
    "an answer that says something else": (
        "UPDATE qr_scans SET result = 'rejected', admit_key = NULL WHERE ticket = 2",
        "the recorded answer does not match the scan",
    ),
    "a head count out of bounds": (
        "INSERT INTO qr_headcounts (scan_id, gate, site, audience, delta, at, by, device)"
        " VALUES ('hc-1', 'south', 'square', 'minors', 1000000, '2027-08-02T09:00:00+02:00',"
        " 'Ana', 'laptop')",
        "count must be from -100 to 100",
    ),
    "a head count taking back people never counted": (
        "INSERT INTO qr_headcounts (scan_id, gate, site, audience, delta, at, by, device)"
        " VALUES ('hc-1', 'south', 'square', 'minors', -5, '2027-08-02T09:00:00+02:00',"
        " 'Ana', 'laptop')",
        "head counts at south for minors would come to -5, below 0",
    ),
    "a head count for no audience group": (
        "INSERT INTO qr_headcounts (scan_id, gate, site, audience, delta, at, by, device)"
        " VALUES ('hc-1', 'south', 'square', 'aliens', 3, '2027-08-02T09:00:00+02:00',"
        " 'Ana', 'laptop')",
        "no audience 'aliens'",
    ),
    "another event's ticket key": (
        f"UPDATE meta SET value = '{'ab' * 32}' WHERE key = 'qr_public_key'",
        "the bundle was made with another ticket key than the event's",
    ),
}


@pytest.mark.parametrize("case", BAD_ROWS)
def test_a_bundle_with_one_bad_row_is_refused_whole(eclipse, run, laptop, tmp_path, case):
    sql, reason = BAD_ROWS[case]
    bad = tmp_path / "bad.bundle"
    shutil.copy(laptop, bad)
    tamper(bad, sql)
    before = store_rows(eclipse)
    result = run("journal", "merge", eclipse, bad)
    assert result.exit_code == 2, result.output
    assert f"Error: {bad}: refused (laptop):" in result.output
    assert reason in result.output
    assert result.output.rstrip().endswith("nothing was merged")
    assert store_rows(eclipse) == before  # not even the good rows
    # The untouched bundle merges, and merging it again changes nothing.
    assert run("journal", "merge", eclipse, laptop).exit_code == 0
    assert run("journal", "merge", eclipse, laptop).exit_code == 0
    assert store_rows(eclipse) == (before[0] + 4, before[1])
    assert admitted_at(eclipse) == {1: "south", 2: "south", 3: "south"}


def test_the_refusal_names_the_rows(eclipse, run, laptop, tmp_path):
    bad = tmp_path / "bad.bundle"
    shutil.copy(laptop, bad)
    tamper(bad, "UPDATE qr_scans SET gate = 'west' WHERE id IN (2, 3)")
    result = run("journal", "merge", eclipse, bad)
    assert "  scan row 2: site 'square' has no gate 'west'" in result.output
    assert "  scan row 3: site 'square' has no gate 'west'" in result.output
    assert "scan row 1:" not in result.output


def test_a_ticket_revoked_after_the_bundle_was_made_counts_as_let_in(
    eclipse, run, tmp_path, on_the_day
):
    path = tmp_path / "laptop.bundle"
    run("bundle", eclipse, path, "--device", "laptop")
    run("tickets", "revoke", eclipse, "5", "--reason", "lost")  # the laptop does not know
    assert run("checkin", path, "000005", "--gate", "south").exit_code == 0
    result = run("journal", "merge", eclipse, path)
    assert result.exit_code == 0, result.output
    assert "1 admitted with tickets revoked after the bundle was made" in result.output
    assert admitted_at(eclipse) == {5: "south"}


def test_an_admission_of_a_ticket_the_bundle_knew_was_revoked_is_refused(
    eclipse, run, tmp_path, on_the_day
):
    run("tickets", "revoke", eclipse, "5", "--reason", "lost")
    path = tmp_path / "laptop.bundle"
    run("bundle", eclipse, path, "--device", "laptop")
    refused = run("checkin", path, "000005", "--gate", "south")
    assert refused.exit_code != 0  # the laptop itself refuses it
    assert run("checkin", path, "000006", "--gate", "south").exit_code == 0
    # A bundle edited to say the revoked ticket was let in is refused whole.
    tamper(path, "UPDATE qr_scans SET result = 'admitted', ticket = 5 WHERE ticket = 6")
    result = run("journal", "merge", eclipse, path)
    assert result.exit_code == 2
    assert "ticket 000005 was revoked at " in result.output
    assert admitted_at(eclipse) == {}


def test_several_bundles_merge_all_or_nothing(eclipse, run, laptop, tmp_path):
    bad = tmp_path / "bad.bundle"
    shutil.copy(laptop, bad)
    tamper(bad, "UPDATE meta SET value = 'tablet' WHERE key = 'device'")
    before = store_rows(eclipse)
    result = run("journal", "merge", eclipse, laptop, bad)
    assert result.exit_code == 2
    assert "recorded by device 'laptop', not by the bundle's 'tablet'" in result.output
    assert store_rows(eclipse) == before


def test_earliest_admission_is_by_the_clock_not_by_how_the_time_is_written(
    eclipse, run, laptop, tmp_path
):
    """The gate at the north admits ticket 1 at 08:10 Madrid time (06:10 UTC). The laptop's row
    says 07:30+01:00, which is 06:30 UTC: later, though it reads earlier as text."""
    with event_store(eclipse) as store:
        keeper = Gatekeeper(verifier_for(store), MADRID, "en", "once")
        keeper.check_in(
            store,
            code="000001",
            scan_id="phone-1",
            gate="north",
            site="square",
            by="James",
            at=DOORS + dt.timedelta(minutes=10),
        )
    tamper(laptop, "UPDATE qr_scans SET at = '2027-08-02T07:30:00+01:00' WHERE ticket = 1")
    assert run("journal", "merge", eclipse, laptop).exit_code == 0
    assert admitted_at(eclipse)[1] == "north"


# --- the laptop side ------------------------------------------------------------------------


def test_a_laptop_with_a_wrong_clock_records_nothing(eclipse, run, tmp_path):
    path = tmp_path / "laptop.bundle"
    run("bundle", eclipse, path, "--device", "laptop")
    result = run("checkin", path, "000001", "--gate", "south")  # today, not 2 August 2027
    assert result.exit_code == 2
    assert "not recorded: this computer's clock says " in result.output
    assert "more than 24 hours outside the event" in result.output
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM qr_scans").fetchone() == (0,)


def test_what_checkin_records_is_clean(eclipse, run, tmp_path, on_the_day):
    path = tmp_path / "laptop.bundle"
    run("bundle", eclipse, path, "--device", "laptop")
    result = run("checkin", path, "000001", "--gate", "south", "--by", "Ana\x1b[2J")
    assert result.exit_code == 2
    assert "--by contains control characters" in result.output
    assert run("checkin", path, " 000001 ", "--gate", "south", "--by", " Ana ").exit_code == 0
    assert run("journal", "merge", eclipse, path).exit_code == 0


@pytest.mark.parametrize("device", ["server", "cli", "lap\ntop"])
def test_a_bundle_cannot_take_a_name_the_event_uses_itself(eclipse, run, tmp_path, device):
    result = run("bundle", eclipse, tmp_path / "b.bundle", "--device", device)
    assert result.exit_code == 2
    assert not (tmp_path / "b.bundle").exists()


# --- writing a bundle where a file already is -----------------------------------------------
#
# `kexie bundle DIR OUT` replaces OUT only when it is an earlier bundle of the event whose
# scans are all in the event: a derived file. Anything else is left as it was, with the reason.


def _other_events_bundle(path, run, make_event):
    other = make_event("solar-eclipse-observation", "zh")
    assert run("tickets", "issue", other, "--count", "2").exit_code == 0
    assert run("bundle", other, path, "--device", "tablet").exit_code == 0


NOT_OURS = {
    "a text file": (
        lambda path, run, make_event: path.write_text("name,phone\n"),
        "not a scanner bundle (not an SQLite file)",
    ),
    "another program's SQLite file": (
        lambda path, run, make_event: _foreign_sqlite(path),
        "not a scanner bundle",
    ),
    "a bundle of another event": (_other_events_bundle, "a scanner bundle of another event"),
}


@pytest.mark.parametrize("kind", NOT_OURS)
def test_a_bundle_is_not_written_over_a_file_it_did_not_make(
    eclipse, run, make_event, tmp_path, kind
):
    make, reason = NOT_OURS[kind]
    (tmp_path / "usb").mkdir()
    out = tmp_path / "usb" / "laptop.db"
    make(out, run, make_event)
    before = digest(out)
    result = run("bundle", eclipse, out, "--device", "laptop")
    assert result.exit_code == 2, result.output
    assert reason in result.output
    assert "it was left as it is: name another file for the new bundle" in result.output
    assert digest(out) == before
    assert [p.name for p in out.parent.iterdir()] == ["laptop.db"]  # nothing left behind


@pytest.mark.sqlite_only("the event's store is an event.db in the folder")
def test_the_event_database_is_never_overwritten_by_a_bundle(eclipse, run):
    result = run("bundle", eclipse, eclipse / "event.db", "--device", "laptop")
    assert result.exit_code == 2
    assert "not a scanner bundle (an event's event.db?); it was left as it is" in result.output
    assert len(json.loads(run("tickets", "list", eclipse, "--json").output)) == 10


def test_a_bundle_holding_scans_never_merged_is_not_overwritten(eclipse, run, laptop):
    before = digest(laptop)
    result = run("bundle", eclipse, laptop, "--device", "laptop")
    assert result.exit_code == 2
    assert (
        f"{laptop} holds 4 scans from 'laptop' not merged into the event yet, so it was not "
        f"overwritten: merge it first (kexie journal merge DIR {laptop}), or name another file"
    ) in result.output
    assert digest(laptop) == before
    assert run("journal", "merge", eclipse, laptop).exit_code == 0
    assert admitted_at(eclipse) == {1: "south", 2: "south", 3: "south"}


def test_a_scan_only_in_the_write_ahead_log_keeps_the_bundle(eclipse, run, laptop):
    """Merged this morning, then one more admission the laptop has not yet moved into the file."""
    assert run("journal", "merge", eclipse, laptop).exit_code == 0
    opened = Bundle.open(laptop)
    opened.db.execute("PRAGMA wal_autocheckpoint=0")
    opened.keeper.check_in(
        opened.db,
        code="000004",
        scan_id="late",
        gate="south",
        site="square",
        by="Ana",
        at=DOORS + dt.timedelta(minutes=30),
    )
    try:
        result = run("bundle", eclipse, laptop, "--device", "laptop")
    finally:
        opened.db.close()
    assert result.exit_code == 2
    assert "holds 1 scan from 'laptop' not merged into the event yet" in result.output
    assert run("journal", "merge", eclipse, laptop).exit_code == 0
    assert admitted_at(eclipse)[4] == "south"


def test_a_merged_bundle_of_the_event_is_replaced_by_a_fresh_one(eclipse, run, laptop, tmp_path):
    """The laptop's bundle is merged; five more tickets are issued; the bundle is made again.

    The old bundle's write-ahead log lies beside it (the laptop lost power after a scan that was
    merged from a copy): it must go with the old file, or SQLite would read it into the new one.
    """
    opened = Bundle.open(laptop)
    opened.db.execute("PRAGMA wal_autocheckpoint=0")
    opened.keeper.check_in(
        opened.db,
        code="000004",
        scan_id="power-cut",
        gate="south",
        site="square",
        by="Ana",
        at=DOORS + dt.timedelta(minutes=30),
    )
    usb = tmp_path / "usb"
    usb.mkdir()
    shutil.copy(laptop, usb / "laptop.bundle")
    shutil.copy(f"{laptop}-wal", usb / "laptop.bundle-wal")
    opened.db.close()
    old = usb / "laptop.bundle"
    assert run("journal", "merge", eclipse, old).exit_code == 0
    assert run("tickets", "issue", eclipse, "--count", "5").exit_code == 0
    result = run("bundle", eclipse, old, "--device", "laptop")
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"bundle for laptop: {old} (15 tickets; it replaces the earlier bundle, all merged)\n"
    )
    assert sorted(p.name for p in usb.iterdir()) == ["laptop.bundle"]
    with sqlite3.connect(old) as db:
        assert db.execute("SELECT COUNT(*) FROM qr_tickets").fetchone() == (15,)
        assert db.execute("SELECT COUNT(*) FROM qr_scans").fetchone() == (0,)
    assert run("checkin", old, "000015", "--gate", "south").exit_code == 0


def test_a_file_made_while_the_bundle_is_written_is_not_overwritten(
    eclipse, run, tmp_path, monkeypatch
):
    """Checking OUT first is not enough: writing the bundle takes a while."""
    from kexie_plugins.qr_checkin import bundle

    out = tmp_path / "laptop.bundle"
    fill = bundle._fill

    def slow_fill(*args, **kwargs):
        count = fill(*args, **kwargs)
        out.write_text("copied here meanwhile")
        return count

    monkeypatch.setattr(bundle, "_fill", slow_fill)
    result = run("bundle", eclipse, out, "--device", "laptop")
    assert result.exit_code == 2
    assert f"{out} appeared while the bundle was written; it was left as it is" in result.output
    assert out.read_text() == "copied here meanwhile"
    assert [p.name for p in tmp_path.iterdir() if "laptop" in p.name] == ["laptop.bundle"]


def test_a_file_named_like_the_unfinished_bundle_is_left_alone(eclipse, run, tmp_path):
    """The bundle used to be written to OUT.partial whatever was there."""
    out = tmp_path / "laptop.bundle"
    mine = tmp_path / "laptop.bundle.partial"
    mine.write_text("my notes")
    assert run("bundle", eclipse, out, "--device", "laptop").exit_code == 0
    assert mine.read_text() == "my notes"
    assert sorted(p.name for p in tmp_path.iterdir() if "laptop" in p.name) == [
        "laptop.bundle",
        "laptop.bundle.partial",
    ]
