"""Logins that work: links that point where phones reach the running server, a link printed
again on request, a link opened in a tab already open, and a withdrawn login that says who
withdrew it and when."""

from __future__ import annotations

import os
import re

import httpx
import pytest
from sqlalchemy import text

from kexie_events import volunteers

from conftest import event_store


@pytest.fixture
def eclipse(make_event):
    return make_event("solar-eclipse-observation", "zh")


def link_of(output: str) -> str:
    return re.search(r"link:\s+(\S+)", output)[1]


def test_a_login_link_points_at_the_running_server(eclipse, run, live_server):
    server = live_server(eclipse, https=True)
    added = run("volunteers", "add", eclipse, "李强", "--gate", "北门")
    assert added.exit_code == 0, added.output
    link = link_of(added.output)
    # The scheme and port of the server that runs, not a default.
    assert link.startswith(f"https://127.0.0.1:{server.port}/#login=")
    assert "phones cannot reach" in added.output  # it listens on this machine only
    token = link.split("#login=")[1]
    me = httpx.get(
        f"{server.url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, verify=False
    )
    assert me.json()["name"] == "李强"

    # Printed again on request (to show its QR code on the laptop's screen): the same login.
    again = run("volunteers", "link", eclipse, "李强")
    assert again.exit_code == 0, again.output
    assert link_of(again.output) == link
    assert "█" in again.output or "▀" in again.output  # the QR code, in the terminal
    board = run("volunteers", "add", eclipse, "指挥部大屏", "--role", "board")
    assert link_of(board.output).startswith(f"https://127.0.0.1:{server.port}/board#login=")

    server.stop()  # the server says it has gone: links no longer point at it
    assert not (eclipse / volunteers.SERVER_STATE_FILE).exists()
    later = run("volunteers", "link", eclipse, "李强")
    assert ":8000/#login=" in link_of(later.output)
    assert "kexie serve is not running" in later.output


def test_a_server_on_the_network_is_reached_by_its_network_address(eclipse, run):
    # What `kexie serve --host 0.0.0.0 --port 8123` announces (this process stands in for it).
    state = volunteers.Server(
        os.getpid(), "https", "0.0.0.0", 8123,
        ("https://127.0.0.1:8123/", "https://192.168.1.20:8123/"),
    )  # fmt: skip
    volunteers.announce_server(eclipse, state)
    added = run("volunteers", "add", eclipse, "王芳")
    assert link_of(added.output).startswith("https://192.168.1.20:8123/#login=")
    assert "note:" not in added.output
    # A file left by a server that was killed is ignored.
    volunteers.announce_server(eclipse, volunteers.Server(2**22 + 12345, "http", "h", 1, ()))
    assert volunteers.running_server(eclipse) is None


def test_link_refuses_what_it_cannot_print(eclipse, run):
    assert run("volunteers", "link", eclipse, "无此人").exit_code == 2
    with event_store(eclipse) as store, store.transaction() as db:
        db.execute(  # a login made by an earlier release: a random token, only its hash kept
            text(
                "INSERT INTO volunteer_tokens (name, role, token_hash, created_at, created_by)"
                " VALUES ('老张', 'scanner', 'abc', '2035-09-01T08:00:00+08:00', 'x')"
            )
        )
    old = run("volunteers", "link", eclipse, "老张")
    assert old.exit_code == 2
    assert "made before links could be printed again" in old.output
    assert (eclipse / volunteers.LOGIN_KEY_FILE).stat().st_mode & 0o777 == 0o600


def token_for(folder, name, role="scanner") -> str:
    with event_store(folder) as store:
        return volunteers.add(store, name, role=role, by="test", site=None, gate="北门")


def test_a_link_opened_in_an_open_tab_logs_in(eclipse, live_server, browser):
    from playwright.sync_api import expect

    first, second = token_for(eclipse, "李强"), token_for(eclipse, "张敏", role="lead")
    server = live_server(eclipse)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(server.url)
    expect(page.locator("#login")).to_be_visible()
    page.goto(f"{server.url}/#login={first}")  # the tab stays open: only the fragment changes
    expect(page.locator("#who")).to_have_text("李强 · 验票员")
    page.goto(f"{server.url}/#login={second}")
    expect(page.locator("#who")).to_have_text("张敏 · 负责人")
    assert "login=" not in page.url
    context.close()


def test_a_withdrawn_login_says_who_withdrew_it_and_when(eclipse, run, live_server, browser):
    from playwright.sync_api import expect

    token = token_for(eclipse, "赵磊")
    server = live_server(eclipse)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{server.url}/#login={token}")
    expect(page.locator("#who")).to_have_text("赵磊 · 验票员")
    assert run("volunteers", "revoke", eclipse, "赵磊", "--by", "张敏").exit_code == 0
    page.locator("#code").fill("000001")
    page.locator("#code").press("Enter")
    expect(page.locator("#login-note")).to_have_text(
        re.compile(r"^您的登录已于\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d被张敏收回，请联系负责人")
    )
    context.close()
    # Withdrawn under the computer's login name: when, but no account name as a person.
    other = token_for(eclipse, "王芳")
    assert run("volunteers", "revoke", eclipse, "王芳").exit_code == 0
    answer = httpx.get(f"{server.url}/api/v1/me", headers={"Authorization": f"Bearer {other}"})
    assert answer.status_code == 401
    assert re.fullmatch(
        r"您的登录已于\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d被收回，请联系负责人",
        answer.json()["error"],
    )


def test_a_withdrawn_login_in_english(make_event, run, plugins):
    from starlette.testclient import TestClient

    from kexie_events.web import create_app

    folder = make_event("solar-eclipse-observation", "en")
    with event_store(folder) as store:
        token = volunteers.add(store, "Tom", role="scanner", by="test", site=None, gate=None)
    assert run("volunteers", "revoke", folder, "Tom", "--by", "Ana Ruiz").exit_code == 0
    with TestClient(create_app(folder, plugins)) as client:
        error = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert re.fullmatch(
        r"your login was withdrawn by Ana Ruiz on \d{1,2} \w+ \d{4}, \d\d:\d\d; ask your lead",
        error["error"],
    )
