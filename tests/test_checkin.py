"""Volunteers check people in at the gates: signed tickets, the HTTP API, offline bundles."""

from __future__ import annotations

import csv
import json
import uuid

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from kexie_events import hookimpl, volunteers
from kexie_events.errors import KexieError
from kexie_events.eventfile import load_event
from kexie_events.plugins import Plugins
from kexie_events.records import VolunteerAction
from kexie_events.web import create_app, volunteer_of
from kexie_plugins.qr_checkin.codes import CODE_LENGTH, CodeError, Signer, Verifier

from conftest import event_store


@pytest.fixture
def eclipse(make_event, run):
    """The English eclipse event with 20 tickets for schools (minors) and 5 for officials."""
    folder = make_event("solar-eclipse-observation", "en")
    assert run("tickets", "issue", folder, "--count", "20", "--audience", "minors").exit_code == 0
    assert run("tickets", "issue", folder, "--count", "5", "--audience", "cadres").exit_code == 0
    return folder


def copy_event(source, target):
    """A copy of the event folder and its store: ``event.db`` comes with the folder, a
    PostgreSQL store is copied into the copy's own schema."""
    import shutil

    from kexie_events import store_copy
    from kexie_events.store import plugin_migrations

    shutil.copytree(source, target)
    plugins = Plugins.load(environ={})
    location = load_event(target, plugins).store_location
    if location.backend == "postgresql":
        with event_store(source) as store:
            store_copy.copy(store, location, plugin_migrations(plugins))
    return target


def codes_of(run, folder) -> dict[int, str]:
    listing = json.loads(run("tickets", "list", folder, "--json").output)
    return {t["number"]: t["code"] for t in listing}


def login(folder, name="James Carter", gate="north", role="scanner") -> dict:
    with event_store(folder) as store:
        token = volunteers.add(store, name, role=role, by="test", site=None, gate=gate)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def client(eclipse, plugins):
    with TestClient(create_app(eclipse, plugins)) as client:
        yield client


def scan(client, headers, code, gate="north", scan_id=None):
    body = {"code": code, "gate": gate, "scan_id": scan_id or uuid.uuid4().hex}
    return client.post("/api/v1/checkins", json=body, headers=headers)


# --- codes -----------------------------------------------------------------------------------


def test_codes_are_opaque_signed_and_fit_a_small_qr():
    signer = Signer(b"\x01" * 32)
    code = signer.code(42)
    assert len(code) == CODE_LENGTH == 114
    assert code.startswith("K1")
    assert set(code[2:]) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")  # QR alphanumeric mode
    assert Verifier(signer.public_bytes).number(code) == 42
    forged = code[:-10] + ("A" if code[-10] != "A" else "B") + code[-9:]
    with pytest.raises(CodeError, match="forged"):
        Verifier(signer.public_bytes).number(forged)
    other_event = Signer(b"\x02" * 32)
    with pytest.raises(CodeError, match="not a ticket of this event"):
        Verifier(other_event.public_bytes).number(code)
    with pytest.raises(CodeError, match="not a ticket code"):
        Verifier(signer.public_bytes).number("https://example.com")


def test_codes_printed_by_earlier_releases_still_scan_and_new_ones_are_the_same():
    """Tickets already printed were signed with OpenSSL (the ``cryptography`` package); the
    codes are checked and made with libsodium now: both must agree, code for code."""
    import base64
    import hashlib
    import struct

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.from_private_bytes(b"\x07" * 32)
    public = key.public_key().public_bytes_raw()
    tag = hashlib.sha256(public).digest()[:2]

    def printed_by_release_0_1(number: int) -> str:
        payload = struct.pack(">I2s", number, tag)
        return "K1" + base64.b32encode(payload + key.sign(payload)).decode()

    signer = Signer(b"\x07" * 32)
    assert signer.public_bytes == public
    for number in (0, 1, 4321, 2**32 - 1):
        old = printed_by_release_0_1(number)
        assert Verifier(public).number(old) == number
        assert signer.code(number) == old
    # Not base32 in any of the ways int() would otherwise accept: digits 0, 1, 8, 9, "_", " ".
    genuine = printed_by_release_0_1(5)
    for bad in ("0", "1", "8", "_", " "):
        with pytest.raises(CodeError, match="not a ticket code"):
            Verifier(public).number(genuine[:60] + bad + genuine[61:])


def test_private_key_is_kept_private(eclipse):
    key = eclipse / "ticket-signing.key"
    assert key.stat().st_mode & 0o777 == 0o600
    assert len(key.read_bytes()) == 32


# --- tickets ---------------------------------------------------------------------------------


def test_tickets_list_and_revoke(eclipse, run):
    listing = json.loads(run("tickets", "list", eclipse, "--json").output)
    assert [t["number"] for t in listing] == list(range(1, 26))
    assert {t["audience"] for t in listing[:20]} == {"minors"}
    assert listing[0]["status"] == "valid"
    assert run("tickets", "revoke", eclipse, "7", "--reason", "lost").exit_code == 0
    again = run("tickets", "revoke", eclipse, "7")
    assert again.exit_code == 2 and "already revoked" in again.output
    assert json.loads(run("tickets", "list", eclipse, "--json").output)[6]["status"] == "revoked"


def test_import_registrations_all_or_nothing(eclipse, run, tmp_path):
    good = tmp_path / "registrations.csv"
    with good.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["name", "phone", "audience", "site"])
        writer.writerow(["Ana Ruiz", "600000001", "others", "square"])
        writer.writerow(["Pablo Ruiz", "", "minors", "square"])
    result = run("tickets", "import", eclipse, good)
    assert result.exit_code == 0, result.output
    assert "imported 2 registrations: 000026–000027" in result.output
    listing = json.loads(run("tickets", "list", eclipse, "--json").output)
    assert "Ana" not in json.dumps(listing)  # names never leave the store in listings or codes
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "name,phone,audience,site\nA,1,others,square\n,2,others,square\nC,3,farmer,squar\n",
        encoding="utf-8",
    )
    result = run("tickets", "import", eclipse, bad)
    assert result.exit_code == 2
    assert f"{bad}:3: name is empty" in result.output
    assert f"{bad}:4: audience 'farmer' is not one of" in result.output
    assert "did you mean 'farmers'?" in result.output
    assert f"{bad}:4: no site 'squar', did you mean 'square'?" in result.output
    assert "nothing was imported" in result.output
    assert len(json.loads(run("tickets", "list", eclipse, "--json").output)) == 27


# --- the API -------------------------------------------------------------------------------


def test_admitted_then_duplicate_with_time_and_gate(client, eclipse, run):
    headers = login(eclipse)
    code = codes_of(run, eclipse)[3]
    first = scan(client, headers, code).json()
    assert first["result"] == "admitted"
    assert first["ticket"] == {"number": 3, "site": None, "audience": "minors"}
    second = scan(client, headers, code, gate="east").json()
    assert second["result"] == "duplicate"
    hhmm = first["at"][11:16]
    assert second["reason"] == f"already admitted at {hhmm} at the north gate"


def test_retry_with_the_same_scan_id_records_nothing_new(client, eclipse, run):
    headers = login(eclipse)
    code = codes_of(run, eclipse)[4]
    first = scan(client, headers, code, scan_id="phone-1-0001").json()
    retry = scan(client, headers, code, scan_id="phone-1-0001").json()
    assert retry == first
    stats = client.get("/api/v1/stats", headers=headers).json()
    assert (stats["admitted"], stats["duplicates"]) == (1, 0)


def test_typed_ticket_number_is_checked_like_a_scan(client, eclipse):
    headers = login(eclipse)
    assert scan(client, headers, "000012").json()["result"] == "admitted"
    answer = scan(client, headers, "999").json()
    assert (answer["result"], answer["reason"]) == ("rejected", "not a ticket of this event")


def test_forged_revoked_and_garbage_are_rejected_with_reasons(client, eclipse, run):
    headers = login(eclipse)
    codes = codes_of(run, eclipse)
    run("tickets", "revoke", eclipse, "9")
    assert scan(client, headers, codes[9]).json()["reason"] == "revoked"
    forged = codes[10][:-5] + ("B" if codes[10][-5] == "A" else "A") + codes[10][-4:]
    answer = scan(client, headers, forged).json()
    assert answer["result"] == "rejected"
    assert answer["reason"].startswith("forged")
    garbage = scan(client, headers, "'; DROP TABLE qr_scans; --").json()
    assert (garbage["result"], garbage["reason"]) == ("rejected", "not a ticket code")
    stats = client.get("/api/v1/stats", headers=headers).json()
    assert stats["rejected"] == 3


def test_no_or_bad_token_is_401(client):
    body = {"code": "x", "gate": "north", "scan_id": "1"}
    assert client.post("/api/v1/checkins", json=body).status_code == 401
    bad = {"Authorization": "Bearer not-a-token"}
    assert client.post("/api/v1/checkins", json=body, headers=bad).status_code == 401
    assert client.get("/api/v1/stats", headers=bad).status_code == 401


def test_revoked_volunteer_is_locked_out(client, eclipse, run):
    headers = login(eclipse, name="Tom Evans")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert run("volunteers", "revoke", eclipse, "Tom Evans").exit_code == 0
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_a_login_revoked_while_the_server_runs_records_nothing_more(client, eclipse, run):
    """The server remembers who a token is after its first check-in; a revocation made
    elsewhere (here the CLI) must still stop the very next write, and say who withdrew it."""
    headers = login(eclipse, name="Tom Evans")
    codes = codes_of(run, eclipse)
    assert scan(client, headers, codes[1]).json()["result"] == "admitted"
    walk_in = {"gate": "north", "audience": "others", "delta": 1, "scan_id": uuid.uuid4().hex}
    assert client.post("/api/v1/headcounts", json=walk_in, headers=headers).status_code == 200
    lead = login(eclipse, name="Li Na", role="lead")
    before = client.get("/api/v1/stats", headers=lead).json()

    assert run("volunteers", "revoke", eclipse, "Tom Evans", "--by", "Wang Fang").exit_code == 0
    refused = [
        scan(client, headers, codes[2]),
        client.post("/api/v1/headcounts", json={**walk_in, "scan_id": "2"}, headers=headers),
        client.post("/api/v1/undo", json={"scan_id": walk_in["scan_id"]}, headers=headers),
    ]
    assert [answer.status_code for answer in refused] == [401, 401, 401]
    assert all("Wang Fang" in answer.json()["error"] for answer in refused)
    assert client.get("/api/v1/stats", headers=lead).json() == before
    # A new login for the same person works at once.
    again = login(eclipse, name="Tom Evans")
    assert scan(client, again, codes[2]).json()["result"] == "admitted"


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        json.dumps(["a list"]),
        json.dumps({"gate": "north", "scan_id": "1"}),
        json.dumps({"code": 5, "gate": "north", "scan_id": "1"}),
        json.dumps({"code": "x", "gate": "nowhere", "scan_id": "1"}),
        json.dumps({"code": "x", "gate": "north"}),
        json.dumps({"code": "x" * 600, "gate": "north", "scan_id": "1"}),
    ],
)
def test_malformed_bodies_are_400_never_500(client, eclipse, body):
    headers = {**login(eclipse), "Content-Type": "application/json"}
    response = client.post("/api/v1/checkins", content=body, headers=headers)
    assert response.status_code == 400
    assert "error" in response.json()


def test_walk_ins_and_live_stats_per_gate_site_audience(client, eclipse, run):
    headers = login(eclipse)
    codes = codes_of(run, eclipse)
    scan(client, headers, codes[1], gate="north")
    scan(client, headers, codes[21], gate="east")
    scan(client, headers, codes[1], gate="south")
    for audience, delta in [("farmers", 1), ("farmers", 1), ("others", 3), ("others", -1)]:
        body = {"gate": "south", "audience": audience, "delta": delta}
        assert client.post("/api/v1/headcounts", json=body, headers=headers).status_code == 200
    bad = {"gate": "south", "audience": "aliens", "delta": 1}
    assert client.post("/api/v1/headcounts", json=bad, headers=headers).status_code == 400
    stats = client.get("/api/v1/stats", headers=headers).json()
    assert stats["admitted"] == 2
    assert stats["duplicates"] == 1
    assert stats["walk_ins"] == 4
    assert stats["total"] == 6
    assert stats["by_gate"]["north"] == {"admitted": 1, "walk_ins": 0}
    assert stats["by_gate"]["south"] == {"admitted": 0, "walk_ins": 4}
    assert stats["by_site"]["square"] == {"admitted": 2, "walk_ins": 4}
    assert stats["by_audience"]["minors"]["admitted"] == 1
    assert stats["by_audience"]["cadres"]["admitted"] == 1
    assert stats["by_audience"]["farmers"]["walk_ins"] == 2


def test_daily_admission_lets_a_ticket_in_once_a_day(make_event, run, plugins, monkeypatch):
    import datetime as dt

    folder = make_event("science-day", "zh")
    run("tickets", "issue", folder, "--count", "2")
    code = codes_of(run, folder)[1]
    headers = login(folder, name="黄丽", gate="校门")
    days = iter(
        [dt.datetime(2027, 9, 24, 1, 0, tzinfo=dt.UTC)] * 2
        + [dt.datetime(2027, 9, 25, 1, 0, tzinfo=dt.UTC)]
    )
    monkeypatch.setattr("kexie_plugins.qr_checkin.web.now", lambda: next(days))
    with TestClient(create_app(folder, plugins)) as client:
        results = [scan(client, headers, code, gate="校门").json() for _ in range(3)]
    assert [r["result"] for r in results] == ["admitted", "duplicate", "admitted"]
    assert results[1]["reason"] == "已于09:00在校门入场"


# --- offline -------------------------------------------------------------------------------


@pytest.fixture
def on_the_day(monkeypatch):
    """Offline scans happen on the event's morning (a merge refuses other days), a second
    apart, so that which scan came first is known."""
    import datetime as dt
    import itertools

    seconds = itertools.count()
    doors = dt.datetime(2027, 8, 2, 6, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(
        "kexie_plugins.qr_checkin.commands.now",
        lambda: doors + dt.timedelta(seconds=next(seconds)),
    )


def test_offline_bundle_checks_in_and_merges_idempotently(
    eclipse, run, tmp_path, plugins, on_the_day
):
    codes = codes_of(run, eclipse)
    laptop, tablet = tmp_path / "laptop.bundle", tmp_path / "tablet.bundle"
    assert run("bundle", eclipse, laptop, "--device", "laptop").exit_code == 0
    assert run("bundle", eclipse, tablet, "--device", "tablet").exit_code == 0
    assert b"PRIVATE" not in laptop.read_bytes() and b"Ana" not in laptop.read_bytes()
    run("tickets", "revoke", eclipse, "2")  # after the bundles were made
    # The tablet admits ticket 1 first; the laptop admits it later; both offline.
    assert run("checkin", tablet, codes[1], "--gate", "north").exit_code == 0
    assert run("checkin", laptop, codes[1], "--gate", "south").exit_code == 0
    assert run("checkin", laptop, codes[3], "--gate", "south").exit_code == 0
    denied = run("checkin", laptop, codes[3], "--gate", "south", "--json")
    assert denied.exit_code == 1
    assert json.loads(denied.output)["result"] == "duplicate"
    forged = codes[4][:-3] + ("A" if codes[4][-3] != "A" else "B") + codes[4][-2:]
    assert run("checkin", laptop, forged, "--gate", "south").exit_code == 1

    def merged_stats(order):
        folder = copy_event(eclipse, tmp_path / f"copy-{'-'.join(p.stem for p in order)}")
        for path in order:
            assert run("journal", "merge", folder, path).exit_code == 0
        assert run("journal", "merge", folder, *order).exit_code == 0  # twice: adds nothing
        with TestClient(create_app(folder, plugins)) as client:
            return client.get("/api/v1/stats", headers=login(folder)).json()

    one, other = merged_stats([laptop, tablet]), merged_stats([tablet, laptop])
    assert one == other
    assert one["admitted"] == 2  # tickets 1 and 3
    assert one["duplicates"] == 2  # the laptop's later ticket 1, and ticket 3 again
    assert one["rejected"] == 1
    assert one["by_gate"]["north"]["admitted"] == 1  # the earliest admission of ticket 1 wins


def test_merge_reports_late_scans_by_device(eclipse, run, tmp_path, on_the_day):
    codes = codes_of(run, eclipse)
    bundle = tmp_path / "b.bundle"
    run("bundle", eclipse, bundle, "--device", "village-laptop")
    run("checkin", eclipse, codes[5], "--gate", "north")  # the server side admits it first
    run("checkin", bundle, codes[5], "--gate", "south")
    result = json.loads(run("journal", "merge", eclipse, bundle, "--json").output)
    assert result == [
        {
            "device": "village-laptop",
            "new_scans": 1,
            "already_merged": 0,
            "admitted_on_device": 1,
            "counted_as_duplicates": 1,
            "new_headcounts": 0,
            "revoked_later": 0,
        }
    ]


def test_bundle_of_another_event_is_refused(eclipse, make_event, run, tmp_path):
    other = make_event("science-day", "en")
    run("tickets", "issue", other, "--count", "1")
    bundle = tmp_path / "other.bundle"
    run("bundle", other, bundle)
    result = run("journal", "merge", eclipse, bundle)
    assert result.exit_code == 2
    assert "belongs to another event" in result.output


# --- hooks ---------------------------------------------------------------------------------


class Flyers:
    """A plugin adding a route and a button, as the logistics plugins do."""

    @hookimpl
    def kexie_web_routes(self):
        from starlette.responses import JSONResponse

        async def hello(request):
            return JSONResponse({"hello": volunteer_of(request).name})

        return [Route("/api/v1/hello", hello)]

    @hookimpl
    def kexie_volunteer_actions(self, event):
        def handle(call):
            pairs = call.data.get("pairs", 1)
            if pairs > 100:
                raise KexieError("only 100 pairs left")
            call.store.append(
                "glasses", by=call.volunteer.name, gate=call.gate, data={"pairs": pairs}
            )
            return f"{pairs} pairs recorded at {call.gate}"

        return [
            VolunteerAction("flyers", "Flyers handed out", handle, fields=("pairs",)),
            VolunteerAction("close-gate", "Close the gate", lambda call: "closed", roles=("lead",)),
        ]


def test_hook_kexie_web_routes(eclipse, plugins, register):
    register(Flyers(), "flyers")
    headers = login(eclipse)
    with TestClient(create_app(eclipse, plugins)) as client:
        assert client.get("/api/v1/hello", headers=headers).json() == {"hello": "James Carter"}
        assert client.get("/api/v1/hello").status_code == 401


def test_hook_kexie_volunteer_actions(eclipse, plugins, register):
    register(Flyers(), "flyers")
    scanner, lead = login(eclipse), login(eclipse, name="Maria Lopez", role="lead")
    with TestClient(create_app(eclipse, plugins)) as client:
        mine = client.get("/api/v1/me", headers=scanner).json()["actions"]
        flyers = next(a for a in mine if a["id"] == "flyers")
        assert (flyers["label"], flyers["fields"], flyers["plugin"]) == (
            "Flyers handed out",
            ["pairs"],
            "flyers",
        )
        assert "close-gate" not in [a["id"] for a in mine]
        leads = client.get("/api/v1/me", headers=lead).json()["actions"]
        assert "close-gate" in [a["id"] for a in leads]
        ok = client.post("/api/v1/actions/flyers", json={"pairs": 30}, headers=scanner)
        assert ok.json() == {"ok": True, "message": "30 pairs recorded at north"}
        refused = client.post("/api/v1/actions/flyers", json={"pairs": 300}, headers=scanner)
        assert refused.status_code == 409
        assert refused.json()["message"] == "only 100 pairs left"
        forbidden = client.post("/api/v1/actions/close-gate", json={}, headers=scanner)
        assert forbidden.status_code == 403
    with event_store(eclipse) as store:
        [entry] = store.entries("glasses")
    assert (entry.by, entry.gate, entry.data) == ("James Carter", "north", {"pairs": 30})
