"""Nothing a phone sends can break or bend the records, and the server stays answerable.

Every field of the check-in API and of plugin buttons is checked against the event; bad input
is a 400 in the event's language, never a 500 and never a record. Retries are safe, walk-in
counts stay at or above zero, bodies are bounded, a busy or full database is a 503 with a
reason, and the page is served with headers that keep it to itself.
"""

from __future__ import annotations

import json
import re
import socket
import sqlite3
import threading
import uuid

import pytest
from sqlalchemy import text
from starlette.testclient import TestClient

from kexie_events import volunteers
from kexie_events.web import create_app

from conftest import edit, event_store, free_port


@pytest.fixture
def eclipse(make_event, run):
    """The Chinese eclipse event (gates 北门, 东门, 南门 at the plaza) with 30 tickets."""
    folder = make_event("solar-eclipse-observation", "zh")
    assert run("tickets", "issue", folder, "--count", "30").exit_code == 0
    return folder


def login(folder, name="李强", gate="北门", role="lead") -> dict:
    with event_store(folder) as store:
        token = volunteers.add(store, name, role=role, by="test", site=None, gate=gate)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def app(eclipse, plugins):
    return create_app(eclipse, plugins)


@pytest.fixture
def client(app):
    with TestClient(app) as client:
        yield client


def codes_of(run, folder) -> dict[int, str]:
    listing = json.loads(run("tickets", "list", folder, "--json").output)
    return {t["number"]: t["code"] for t in listing}


def chinese(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


def scan(client, headers, code, gate="北门", scan_id=None):
    body = {"code": code, "gate": gate, "scan_id": scan_id or uuid.uuid4().hex}
    return client.post("/api/v1/checkins", json=body, headers=headers)


def counts(folder) -> tuple[int, int, int]:
    """Rows in the scans, walk-ins and glasses handouts tables."""
    with event_store(folder) as store, store.reading() as db:
        return tuple(
            db.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
            for table in ("qr_scans", "qr_headcounts", "glasses_handouts")
        )


# --- typed numbers, nesting, types ---------------------------------------------------------


def test_other_digits_typed_as_a_ticket_number_are_a_clear_400(client, eclipse):
    headers = login(eclipse)
    for typed in ("²", "①", "١٢", "12³"):  # str.isdigit() says yes to all of them
        answer = scan(client, headers, typed)
        assert answer.status_code == 400, typed
        assert answer.json()["error"] == "票号只能用数字0-9填写"
    assert counts(eclipse)[0] == 0
    # Full-width digits are what a Chinese input method types: they are the number.
    answer = scan(client, headers, "００００１２").json()
    assert (answer["result"], answer["ticket"]["number"]) == ("admitted", 12)


def test_deeply_nested_json_is_a_400(client, eclipse):
    headers = {**login(eclipse), "Content-Type": "application/json"}
    nested = '{"code": ' + "[" * 3000 + "]" * 3000 + ', "gate": "北门", "scan_id": "n1"}'
    for path in ("/api/v1/checkins", "/api/v1/headcounts", "/api/v1/actions/glasses"):
        answer = client.post(path, content=nested, headers=headers)
        assert answer.status_code == 400, path
        assert chinese(answer.json()["error"])


WRONG = [
    ("/api/v1/checkins", {"code": ["K1"], "gate": "北门", "scan_id": "w1"}),
    ("/api/v1/checkins", {"code": "12", "gate": ["北门"], "scan_id": "w2"}),
    ("/api/v1/checkins", {"code": "12", "gate": "北门", "scan_id": 7}),
    ("/api/v1/checkins", {"code": "12", "gate": "北门", "scan_id": "bad id with spaces"}),
    ("/api/v1/checkins", {"code": "12", "gate": "北门", "site": 3, "scan_id": "w3"}),
    ("/api/v1/checkins", {"code": "12\x00", "gate": "北门", "scan_id": "w4"}),
    ("/api/v1/checkins", {"code": "12", "gate": "北门", "scan_id": "w5", "extra": 1}),
    ("/api/v1/headcounts", {"gate": "北门", "audience": "farmers", "delta": True}),
    ("/api/v1/headcounts", {"gate": "北门", "audience": "farmers", "delta": 1.0}),
    ("/api/v1/headcounts", {"gate": "北门", "audience": "farmers", "delta": "1"}),
    ("/api/v1/headcounts", {"gate": "北门", "audience": ["farmers"], "delta": 1}),
    ("/api/v1/headcounts", {"gate": "北门", "audience": "farmers", "scan_id": {"a": 1}}),
    ("/api/v1/actions/glasses", {"pairs": True}),
    ("/api/v1/actions/glasses", {"pairs": "5"}),
    ("/api/v1/actions/glasses", {"pairs": 2.5}),
    ("/api/v1/actions/glasses", {"pairs": None}),
    ("/api/v1/actions/glasses", {"pairs": 5, "gate": ["北门"]}),
    ("/api/v1/actions/glasses", {"pairs": 5, "gate": "西门"}),
    ("/api/v1/actions/glasses", {"pairs": 5, "site": {"id": "plaza"}}),
    ("/api/v1/actions/glasses", {"pairs": 5, "unit": "××县第一中学"}),
    ("/api/v1/actions/materials", {"choice": {"id": "leaflets"}, "quantity": 5}),
    ("/api/v1/actions/materials", {"choice": "leaflets", "quantity": [5]}),
    ("/api/v1/actions/incident", {"choice": ["heat"], "what": "中暑", "done": "送医"}),
    ("/api/v1/actions/incident", {"choice": "heat", "what": 5, "done": "送医"}),
    ("/api/v1/actions/checklist-tick", {"choice": "no-such-item"}),
]


@pytest.mark.parametrize(
    ("path", "body"), WRONG, ids=[f"{p[8:]}-{i}" for i, (p, _) in enumerate(WRONG)]
)
def test_wrong_types_and_unknown_places_are_400_in_the_events_language(client, eclipse, path, body):
    headers = login(eclipse)
    answer = client.post(path, json=body, headers=headers)
    assert answer.status_code == 400, answer.text
    assert chinese(answer.json()["error"]), answer.json()
    assert counts(eclipse) == (0, 0, 0)


# --- the records stay sound -------------------------------------------------------------------


def test_unknown_site_or_huge_quantity_never_reaches_the_records(client, eclipse, run):
    """Today these are recorded, and then ``kexie report`` fails for good."""
    headers = login(eclipse)
    bad = [
        ("/api/v1/actions/materials", {"choice": "leaflets", "quantity": 5, "site": "nowhere"}),
        ("/api/v1/actions/materials", {"choice": "leaflets", "quantity": 10**30}),
        ("/api/v1/actions/materials", {"choice": "leaflets", "quantity": 1_000_000}),
        ("/api/v1/actions/materials", {"choice": "leaflets", "quantity": -5}),
        ("/api/v1/actions/glasses", {"pairs": 10**20}),
        ("/api/v1/headcounts", {"gate": "北门", "audience": "farmers", "delta": 10**20}),
    ]
    for path, body in bad:
        answer = client.post(path, json=body, headers=headers)
        assert answer.status_code == 400, (body, answer.text)
    ok = client.post(
        "/api/v1/actions/materials", json={"choice": "leaflets", "quantity": 300}, headers=headers
    )
    assert ok.json() == {"ok": True, "message": "已登记日食科普宣传单300"}
    assert run("report", eclipse, "--json").exit_code == 0


def test_free_text_has_a_length_limit_and_no_control_characters(client, eclipse, run):
    headers = login(eclipse, name="赵磊", role="scanner", gate="南门")
    for what in ("\x1b[31m晕倒", "走失\u202e", "a\nb", "字" * 501):
        body = {"choice": "lost-child", "what": what, "done": "广播寻人"}
        answer = client.post("/api/v1/actions/incident", json=body, headers=headers)
        assert answer.status_code == 400
        assert answer.json()["error"] in (
            "发生了什么含有不可见的控制字符",
            "发生了什么最多500个字",
        )
    missing = client.post(
        "/api/v1/actions/incident", json={"choice": "heat", "what": "中暑"}, headers=headers
    )
    assert (missing.status_code, missing.json()["error"]) == (400, "请填写如何处置")
    assert json.loads(run("incident", "list", eclipse, "--json").output) == []


def test_a_known_scan_id_with_other_content_is_409(client, eclipse, run):
    codes = codes_of(run, eclipse)
    li, zhao = login(eclipse), login(eclipse, name="赵磊", role="scanner")
    first = scan(client, li, codes[1], scan_id="phone-1-0001")
    assert first.json()["result"] == "admitted"
    assert scan(client, li, codes[1], scan_id="phone-1-0001").json() == first.json()
    for headers, code, gate in [
        (li, codes[2], "北门"),
        (li, codes[1], "东门"),
        (zhao, codes[1], "北门"),
    ]:
        answer = scan(client, headers, code, gate=gate, scan_id="phone-1-0001")
        assert answer.status_code == 409
        assert answer.json()["error"].startswith("这个记录编号已用于另一条不同的记录")
    assert counts(eclipse)[0] == 1


def test_walk_ins_are_counted_once_per_scan_id_and_never_below_zero(client, eclipse):
    headers = login(eclipse)

    def tap(delta, scan_id=None, audience="farmers", gate="北门"):
        body = {"gate": gate, "audience": audience, "delta": delta}
        if scan_id:
            body["scan_id"] = scan_id
        return client.post("/api/v1/headcounts", json=body, headers=headers)

    assert tap(1, "tap-1").json() == {"recorded": True, "walk_ins": 1, "exits": 0}
    assert tap(1, "tap-1").json() == {"recorded": False, "walk_ins": 1, "exits": 0}
    assert tap(2, "tap-1").status_code == 409
    taken = tap(-2)
    assert (taken.status_code, taken.json()["error"]) == (409, "这里只记录了1人，不能减去2人")
    assert tap(-1, audience="minors").status_code == 409  # nothing counted for minors
    assert tap(-1, gate="东门").status_code == 409  # nor at the east gate
    assert tap(-1).json() == {"recorded": True, "walk_ins": 0, "exits": 0}
    stats = client.get("/api/v1/stats", headers=headers).json()
    assert stats["walk_ins"] == 0
    assert all(bucket["walk_ins"] >= 0 for bucket in stats["by_gate"].values())


def test_a_button_press_with_a_scan_id_is_recorded_once(eclipse, plugins):
    edit(eclipse, "stock = 10000", "stock = 100")
    headers = login(eclipse)
    press = {"pairs": 30, "scan_id": "phone-1-0002"}
    with TestClient(create_app(eclipse, plugins)) as client:
        first = client.post("/api/v1/actions/glasses", json=press, headers=headers)
        assert first.json() == {"ok": True, "message": "已登记30副（北门），剩余70副"}
        again = client.post("/api/v1/actions/glasses", json=press, headers=headers)
        assert again.json() == first.json()
        other = client.post("/api/v1/actions/glasses", json={**press, "pairs": 31}, headers=headers)
        assert other.status_code == 409
        refused = {"pairs": 80, "scan_id": "phone-1-0003"}
        for _ in range(2):  # a refusal is the first answer too
            answer = client.post("/api/v1/actions/glasses", json=refused, headers=headers)
            assert (answer.status_code, answer.json()["message"]) == (
                409,
                "库存不足：只剩70副，不能发放80副",
            )
    assert counts(eclipse)[2] == 1


def test_withdrawn_and_mistyped_logins_are_told_apart(client, eclipse, run):
    headers = login(eclipse, name="赵磊", role="scanner")
    assert run("volunteers", "revoke", eclipse, "赵磊", "--by", "张敏").exit_code == 0
    revoked = client.get("/api/v1/me", headers=headers)
    assert revoked.status_code == 401
    assert re.fullmatch(
        r"您的登录已于\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d被张敏收回，请联系负责人",
        revoked.json()["error"],
    )
    wrong = client.get("/api/v1/me", headers={"Authorization": "Bearer mistyped"})
    assert (wrong.status_code, wrong.json()["error"]) == (401, "登录码无效（可能输错了）")


# --- bodies and connections --------------------------------------------------------------------


def test_bodies_over_the_limit_are_413_and_not_recorded(client, eclipse, run):
    headers = {**login(eclipse), "Content-Type": "application/json"}
    code = codes_of(run, eclipse)[3]
    padded = json.dumps({"code": code, "gate": "北门", "scan_id": "big-1"}) + " " * 9000
    answer = client.post("/api/v1/checkins", content=padded, headers=headers)
    assert answer.status_code == 413
    assert answer.json()["error"] == "请求内容过大（上限8 KB）"

    def chunks():  # no Content-Length: counted as it arrives
        yield padded[:5000].encode()
        yield padded[5000:].encode()

    chunked = client.post("/api/v1/checkins", content=chunks(), headers=headers)
    assert chunked.status_code == 413
    assert counts(eclipse)[0] == 0


@pytest.fixture
def server(app):
    """The app under uvicorn in this process with the serve settings and a 1 s request deadline."""
    import time

    import uvicorn

    from kexie_events.web import server_options

    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", **server_options(1.0)
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:  # readiness: a condition polled under a deadline
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    yield port
    server.should_exit = True
    thread.join(timeout=30)


def raw(port: int, data: bytes) -> bytes:
    """Send ``data`` and read until the server closes the connection (30 s at most)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(data)
        received = b""
        while chunk := sock.recv(4096):
            received += chunk
        return received


def test_a_huge_declared_body_is_refused_before_it_is_sent(server, eclipse):
    headers = login(eclipse)["Authorization"].encode()
    answer = raw(
        server,
        b"POST /api/v1/checkins HTTP/1.1\r\nHost: x\r\nAuthorization: "
        + headers
        + b"\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n",
    )
    assert answer.startswith(b"HTTP/1.1 413")


def test_slow_and_silent_connections_are_closed(server):
    # Half a request line, then nothing: closed once the request deadline passes.
    assert raw(server, b"GET /api/v1/stats HT") == b""
    # Headers, then a body that never comes.
    stalled = b"POST /api/v1/checkins HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{"
    assert raw(server, stalled) == b""
    # A whole request still gets its answer.
    assert (
        raw(server, b"GET /api/v1/stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")[:12]
        == b"HTTP/1.1 401"
    )


def test_a_request_head_beyond_8_kb_is_refused(server):
    head = b"GET /api/v1/stats HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 9000 + b"\r\n\r\n"
    assert raw(server, head).startswith(b"HTTP/1.1 431")
    fits = (
        b"GET /api/v1/stats HTTP/1.1\r\nX-Padding: "
        + b"a" * 4000
        + b"\r\nConnection: close\r\n\r\n"
    )
    assert raw(server, fits).startswith(b"HTTP/1.1 401")


def test_a_body_sent_with_its_head_does_not_count_as_head(server):
    """A form of 15 KB (the console's text editor saving event.toml) often arrives in the same
    read as its headers; only the head is held to 8 KB."""
    body = b"text=" + b"a" * 15000
    request = (
        b"POST /api/v1/checkins HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    answer = raw(server, request)
    assert not answer.startswith(b"HTTP/1.1 431"), answer[:60]
    assert answer.startswith((b"HTTP/1.1 401", b"HTTP/1.1 413"))


# --- a busy or full database ---------------------------------------------------------------------


def on_every_connection(store, pragma: str):
    """Run ``pragma`` on each SQLite connection the store hands out; returns the listener."""
    from sqlalchemy import event

    def listener(dbapi_connection, _record, _proxy):
        dbapi_connection.execute(f"PRAGMA {pragma}")

    event.listen(store.engine, "checkout", listener)
    return listener


def stop_listening(store, listener) -> None:
    """Remove ``listener`` and close the idle connections it changed."""
    from sqlalchemy import event

    event.remove(store.engine, "checkout", listener)
    store.engine.pool.dispose()


@pytest.mark.sqlite_only("another program holds the write lock of event.db")
def test_a_locked_database_is_a_503_with_a_reason_and_reads_go_on(app, client, eclipse, run):
    headers = login(eclipse)
    code = codes_of(run, eclipse)[5]
    ctx = app.state.kexie
    ctx.writer.patience = 0.2
    impatient = on_every_connection(ctx.store, "busy_timeout = 50")
    other = sqlite3.connect(eclipse / "event.db", isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another program writing, e.g. kexie journal merge
    try:
        busy = scan(client, headers, code, scan_id="locked-1")
        assert busy.status_code == 503
        assert busy.json()["error"] == "数据库正忙（有其他程序在写入），暂未记录，请稍后重试"
        assert busy.headers["retry-after"] == "2"
        assert client.get("/api/v1/me", headers=headers).status_code == 200
        assert client.get("/api/v1/stats", headers=headers).json()["admitted"] == 0
    finally:
        other.execute("ROLLBACK")
        other.close()
        stop_listening(ctx.store, impatient)
    assert scan(client, headers, code, scan_id="locked-1").json()["result"] == "admitted"


@pytest.mark.sqlite_only("another program holds the write lock of event.db")
def test_reads_go_on_while_a_check_in_waits_for_the_database(app, client, eclipse, run):
    from sqlalchemy import event

    headers = login(eclipse)
    code = codes_of(run, eclipse)[6]
    ctx = app.state.kexie
    ctx.writer.patience = 60
    tried = threading.Event()

    def begun(_connection, _cursor, statement, *_args):
        if statement.startswith("BEGIN IMMEDIATE"):
            tried.set()

    event.listen(ctx.store.engine, "before_cursor_execute", begun)
    other = sqlite3.connect(eclipse / "event.db", isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    results = {}
    writer = threading.Thread(
        target=lambda: results.setdefault("scan", scan(client, headers, code, scan_id="wait-1"))
    )
    try:
        writer.start()
        assert tried.wait(30), "the check-in never reached the database"
        # The check-in is now waiting for the other program; everyone else goes on.
        assert client.get("/api/v1/stats", headers=headers).status_code == 200
        assert client.get("/api/v1/board", headers=headers).status_code == 200
        assert writer.is_alive()
    finally:
        other.execute("ROLLBACK")
        other.close()
    writer.join(30)
    event.remove(ctx.store.engine, "before_cursor_execute", begun)
    assert results["scan"].json()["result"] == "admitted"


@pytest.mark.sqlite_only("fills the disk under event.db")
def test_a_full_disk_is_a_503_and_nothing_is_left_half_done(app, client, eclipse):
    headers = login(eclipse)
    store = app.state.kexie.store
    with store.reading() as db:
        pages = db.exec_driver_sql("PRAGMA page_count").scalar()
    full_disk = on_every_connection(store, f"max_page_count = {pages}")
    answers = []
    try:
        for number in range(1, 31):  # until the last free page is used up
            answers.append(scan(client, headers, f"{number:06d}"))
            if answers[-1].status_code != 200:
                break
    finally:
        stop_listening(store, full_disk)
    full = answers[-1]
    assert full.status_code == 503
    assert full.json()["error"] == "服务器磁盘已满，暂时无法记录，请通知负责人"
    # Sent again (a new scan_id, as a retry after a reload might): admitted, not "duplicate",
    # so the failed attempt left nothing behind, and the counters did not count it.
    again = scan(client, headers, f"{len(answers):06d}").json()
    assert again["result"] == "admitted"
    stats = client.get("/api/v1/stats", headers=headers).json()
    assert stats["admitted"] == len(answers)


# --- headers, the page, and kexie serve -------------------------------------------------------


def test_the_page_and_the_api_send_security_headers(client, eclipse):
    import html.parser

    page = client.get("/")
    api = client.get("/api/v1/stats")
    for response in (page, api):
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["x-frame-options"] == "DENY"

    scripts = []

    class Scripts(html.parser.HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == "script":
                scripts.append(dict(attrs))
            assert not any(name.startswith("on") for name, _ in attrs), (tag, attrs)

    Scripts().feed(page.text)
    assert scripts, "the page has its script"
    for attributes in scripts:  # code only from files; a JSON data block is not run
        assert "src" in attributes or attributes.get("type") == "application/json"


def test_serve_warns_that_tokens_cross_the_wifi_in_clear_text(eclipse, run, monkeypatch):
    import uvicorn

    started = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: started.append(options))
    result = run("serve", eclipse, "--host", "0.0.0.0")
    assert result.exit_code == 0, result.output
    assert "登录码会以明文经过无线网络" in result.output
    options = started[-1]
    assert options["limit_concurrency"] and options["timeout_keep_alive"] <= 10
    assert options["http"].__name__ == "DeadlineProtocol"
    local = run("serve", eclipse, "--host", "127.0.0.1")
    assert local.exit_code == 0 and "明文" not in local.output
    secure = run("serve", eclipse, "--host", "0.0.0.0", "--https")
    assert secure.exit_code == 0 and "明文" not in secure.output
