"""Logging in to the console from a link, and what the server refuses: forged requests, ended
sessions, and one township's organiser looking at another township's event.

The app here mounts the console's authentication and a stand-in page per event, as the
console mounts its real pages."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qsl

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from kexie_events.console.accounts import open_accounts
from kexie_events.console.auth import (
    ConsoleAuth,
    console_auth_routes,
    csrf_token,
    organiser_of,
    require_event,
)
from kexie_events.templates import create, find

from conftest import console_login, csrf_in

GREEN, HILL = "绿水乡科普日", "青山镇日食观测"


@pytest.fixture
def year(tmp_path, plugins):
    root = tmp_path / "2027"
    create(find(plugins, "science-day"), root / GREEN, "zh")
    create(find(plugins, "solar-eclipse-observation"), root / HILL, "zh")
    return root


@pytest.fixture
def accounts(year):
    with open_accounts(year) as opened:
        yield opened


@pytest.fixture
def notes():
    """What the stand-in event pages recorded: (event, organiser, note)."""
    return []


@pytest.fixture
def app(accounts, notes):
    async def home(request: Request) -> HTMLResponse:
        organiser = organiser_of(request)
        return HTMLResponse(
            f'<p>{organiser.name}</p><form method="post">'
            f'<input type="hidden" name="csrf" value="{csrf_token(request)}"></form>'
        )

    async def event_page(request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"event {request.path_params['event_id']}")

    async def add_note(request: Request) -> PlainTextResponse:
        organiser = organiser_of(request)
        body = await request.body()  # the route still gets the whole body
        kind = request.headers.get("content-type", "")
        if kind.startswith("multipart/"):
            note = body.decode()
        else:
            note = dict(parse_qsl(body.decode()))["note"]
        notes.append((request.path_params["event_id"], organiser.name, note))
        return PlainTextResponse("recorded")

    async def summary(request: Request) -> PlainTextResponse:
        # A page outside /console/events/ that shows one event checks for itself.
        event_id = request.query_params["event"]
        require_event(request, event_id)
        return PlainTextResponse(f"summary of {event_id}")

    return Starlette(
        routes=[
            *console_auth_routes(accounts),
            Route("/console/", home),
            Route("/console/summary", summary),
            Route("/console/events/{event_id}/", event_page),
            Route("/console/events/{event_id}/notes", add_note, methods=["POST"]),
        ],
        middleware=[Middleware(ConsoleAuth, accounts=accounts)],
    )


def client(app, base_url: str = "http://testserver") -> TestClient:
    return TestClient(app, base_url=base_url, follow_redirects=False)


def logged_in(app, accounts, name: str, **add) -> tuple[TestClient, str]:
    """A browser logged in as ``name`` (a new account), and its CSRF token."""
    return console_login(app, accounts, name, **add)


def csrf_of(browser: TestClient) -> str:
    return csrf_in(browser.get("/console/").text)


def test_an_organiser_logs_in_from_the_link(app, accounts):
    link = accounts.add("李明", events=[GREEN], by="县科协")
    browser = client(app, "https://testserver")
    # Opening the link, as a chat app's preview does, twice: it shows a button, uses nothing.
    for _ in range(2):
        page = browser.get(link.path)
        assert page.status_code == 200
        assert "李明，您好" in page.text
        assert '<button type="submit">登录</button>' in page.text
        assert page.headers["cache-control"] == "no-store"
        assert "set-cookie" not in page.headers
    assert browser.get("/console/").status_code == 401

    answer = browser.post("/console/login", data={"token": link.token})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("kexie_console=")
    flags = {flag.strip().lower() for flag in cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/console", "secure"} <= flags
    home = browser.get("/console/")
    assert home.status_code == 200
    assert "<p>李明</p>" in home.text

    # The link is used up: another browser gets a page saying so.
    used = client(app).post("/console/login", data={"token": link.token})
    assert used.status_code == 410
    assert "登录链接已经用过" in used.text
    assert "set-cookie" not in used.headers
    # Opened again in the browser it logged in, it leads to the console.
    assert browser.get(link.path).headers["location"] == "/console/"


def test_a_plain_http_login_has_no_secure_flag_but_a_proxy_for_https_gives_it(app, accounts):
    link = accounts.add("李明", events=[GREEN], by="县科协")
    plain = client(app).post("/console/login", data={"token": link.token})
    assert "secure" not in plain.headers["set-cookie"].lower()

    # Behind a TLS proxy, as kexie serve --trust-proxy runs (uvicorn's proxy headers).
    proxied = client(ProxyHeadersMiddleware(app, trusted_hosts="*"))
    link = accounts.new_link("李明", by="县科协")
    answer = proxied.post(
        "/console/login", data={"token": link.token}, headers={"X-Forwarded-Proto": "https"}
    )
    assert answer.status_code == 303
    assert "secure" in answer.headers["set-cookie"].lower()


@pytest.mark.parametrize(
    ("reason", "status", "words"),
    [
        ("unknown", 400, "登录链接无效"),
        ("used", 410, "登录链接已经用过"),
        ("expired", 410, "登录链接已过期"),
        ("withdrawn", 410, "登录链接已作废"),
        ("revoked", 410, "账号已注销"),
    ],
)
def test_a_link_that_does_not_work_says_why(app, accounts, reason, status, words):
    link = accounts.add("李明", events=[GREEN], by="县科协")
    token = link.token
    if reason == "unknown":
        token = token[:20]  # cut off when copied
    elif reason == "used":
        accounts.redeem(token)
    elif reason == "expired":
        moment = dt.datetime.now(dt.UTC) + dt.timedelta(days=8)
        accounts.clock = lambda: moment
    elif reason == "withdrawn":
        accounts.new_link("李明", by="县科协")
    else:
        accounts.revoke("李明", by="县科协")
    browser = client(app)
    for answer in (
        browser.get(f"/console/login?token={token}"),
        browser.post("/console/login", data={"token": token}),
    ):
        assert answer.status_code == status
        assert words in answer.text
        assert "set-cookie" not in answer.headers


def test_the_pages_speak_the_organisers_language(app, accounts):
    browser, csrf = logged_in(app, accounts, "李明", events=[GREEN])
    assert "无权查看" in browser.get(f"/console/events/{HILL}/").text
    chosen = browser.post("/console/language", data={"csrf": csrf, "lang": "en"})
    assert chosen.status_code == 303
    assert accounts.organiser("李明").lang == "en"
    assert "Not allowed" in browser.get(f"/console/events/{HILL}/").text
    # Before a login, the ROOT's language: its events are in Chinese.
    assert "请先登录" in client(app).get("/console/").text


def test_a_change_needs_the_sessions_csrf_token(app, accounts, notes):
    browser, csrf = logged_in(app, accounts, "李明", events=[GREEN])
    _other, other_csrf = logged_in(app, accounts, "张伟", events=[GREEN])
    where = f"/console/events/{GREEN}/notes"

    missing = browser.post(where, data={"note": "无令牌"})
    assert missing.status_code == 403
    assert "操作未执行" in missing.text
    stolen = browser.post(where, data={"note": "别人的令牌", "csrf": other_csrf})
    assert stolen.status_code == 403
    assert browser.post(where, data={"note": "空", "csrf": ""}).status_code == 403
    assert notes == []

    assert browser.post(where, data={"note": "表单", "csrf": csrf}).text == "recorded"
    htmx = browser.post(where, data={"note": "htmx"}, headers={"X-CSRF-Token": csrf})
    assert htmx.text == "recorded"
    upload = browser.post(where, data={"csrf": csrf}, files={"sheet": ("a.csv", b"1,2\n")})
    assert upload.text == "recorded"
    # A file upload's form carries the token first: it is not looked for behind the file.
    late = (
        f'--b\r\nContent-Disposition: form-data; name="sheet"; filename="a.csv"\r\n\r\n1,2\r\n'
        f'--b\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{csrf}\r\n--b--\r\n'
    )
    refused = browser.post(
        where, content=late, headers={"Content-Type": "multipart/form-data; boundary=b"}
    )
    assert refused.status_code == 403
    assert [note[:2] for note in notes] == [(GREEN, "李明")] * 3
    assert notes[0][2] == "表单"
    assert notes[1][2] == "htmx"
    assert 'name="sheet"' in notes[2][2] and "1,2" in notes[2][2]  # the whole body


def test_a_form_too_large_to_check_is_refused(app, accounts, notes, monkeypatch):
    from kexie_events.console import auth

    browser, csrf = logged_in(app, accounts, "李明", events=[GREEN])
    monkeypatch.setattr(auth, "FORM_LIMIT", 1000)
    where = f"/console/events/{GREEN}/notes"
    answer = browser.post(where, data={"csrf": csrf, "note": "长" * 1000})
    assert answer.status_code == 413
    assert "提交的内容过大" in answer.text
    assert notes == []


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site", "Origin": "http://testserver"},
    ],
)
def test_a_request_from_another_site_is_refused(app, accounts, notes, headers):
    browser, csrf = logged_in(app, accounts, "李明", events=[GREEN])
    where = f"/console/events/{GREEN}/notes"
    answer = browser.post(where, data={"note": "伪造", "csrf": csrf}, headers=headers)
    assert answer.status_code == 403
    assert notes == []
    # The same from the console's own page goes through.
    same = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
    assert browser.post(where, data={"note": "本站", "csrf": csrf}, headers=same).status_code == 200

    # Logging a victim in to someone else's account from another site is refused too.
    link = accounts.add("张伟", events=[GREEN], by="县科协")
    forged = client(app).post("/console/login", data={"token": link.token}, headers=headers)
    assert forged.status_code == 403
    assert accounts.link_holder(link.token).name == "张伟"  # not used up


def test_logging_out_ends_the_session(app, accounts):
    browser, csrf = logged_in(app, accounts, "李明", events=[GREEN])
    session_id = browser.cookies["kexie_console"]
    assert browser.post("/console/logout").status_code == 403  # without the token
    out = browser.post("/console/logout", data={"csrf": csrf})
    assert out.status_code == 303
    assert out.headers["location"] == "/console/login?out"
    assert 'kexie_console=""' in out.headers["set-cookie"]
    assert "您已退出登录" in browser.get(out.headers["location"]).text
    # The session is over on the server, not only forgotten by the browser.
    stale = client(app)
    stale.cookies.set("kexie_console", session_id)
    assert stale.get("/console/").status_code == 401


def test_a_revoked_organiser_is_refused_at_once(app, accounts):
    browser, csrf = logged_in(app, accounts, "李明", events=[GREEN])
    assert browser.get(f"/console/events/{GREEN}/").status_code == 200
    accounts.revoke("李明", by="王芳")
    for answer in (
        browser.get(f"/console/events/{GREEN}/"),
        browser.get("/console/"),
        browser.post(f"/console/events/{GREEN}/notes", data={"note": "x", "csrf": csrf}),
    ):
        assert answer.status_code == 401
        assert "请先登录" in answer.text


def test_an_organiser_sees_only_their_events_and_cannot_tell_others_exist(app, accounts, notes):
    browser, csrf = logged_in(app, accounts, "李明", events=[GREEN])
    assert browser.get(f"/console/events/{GREEN}/").text == f"event {GREEN}"
    assert browser.get(f"/console/summary?event={GREEN}").status_code == 200

    other = browser.get(f"/console/events/{HILL}/")
    unknown = browser.get("/console/events/白云村/")
    assert other.status_code == unknown.status_code == 403
    assert other.text == unknown.text  # nothing tells an existing event from a made-up one
    assert HILL not in other.text
    summary_other = browser.get(f"/console/summary?event={HILL}")
    summary_unknown = browser.get("/console/summary?event=白云村")
    assert summary_other.status_code == summary_unknown.status_code == 403
    assert summary_other.text == summary_unknown.text == other.text
    posted = browser.post(f"/console/events/{HILL}/notes", data={"note": "x", "csrf": csrf})
    assert posted.status_code == 403
    assert notes == []

    admin, admin_csrf = logged_in(app, accounts, "王芳", role="admin")
    for event in (GREEN, HILL):
        assert admin.get(f"/console/events/{event}/").status_code == 200
        note = {"note": "检查", "csrf": admin_csrf}
        assert admin.post(f"/console/events/{event}/notes", data=note).status_code == 200
    assert [n[:2] for n in notes] == [(GREEN, "王芳"), (HILL, "王芳")]


def test_nothing_but_the_login_page_opens_without_a_login(app, accounts):
    browser = client(app)
    for path in ("/console/", f"/console/events/{GREEN}/", "/console/summary?event=x"):
        answer = browser.get(path)
        assert answer.status_code == 401
        assert "请打开管理员发给您的登录链接" in answer.text
    posted = browser.post(f"/console/events/{GREEN}/notes", data={"note": "x"})
    assert posted.status_code == 401
    forged = client(app)
    forged.cookies.set("kexie_console", "made-up")
    assert forged.get("/console/").status_code == 401
    assert browser.get("/console/login").status_code == 200


def test_a_database_that_does_not_answer_gets_a_page_saying_so(app, accounts, monkeypatch):
    from kexie_events.database import StoreUnavailable

    browser, _csrf = logged_in(app, accounts, "王芳", role="admin")

    def down(_session_id):
        raise StoreUnavailable("broken", "connection refused")

    monkeypatch.setattr(accounts, "session", down)
    answer = browser.get("/console/")
    assert answer.status_code == 503
    assert "暂时无法连接数据库" in answer.text and "Traceback" not in answer.text
