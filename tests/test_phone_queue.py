"""The phone page never throws a record away: scans, walk-in taps and buttons wait on the phone.

Chromium against the real server: the network cut and restored, an answer lost on its way
back, a locked database, a withdrawn login. Every record is sent until the server has it, and
is counted exactly once. The event is Chinese, and so is everything the volunteer reads.
"""

from __future__ import annotations

import json
import re
import sqlite3

import pytest
from sqlalchemy import text

from kexie_events import volunteers

from conftest import event_store

SLOW = 30_000  # ms: retries back off up to 15 s; expect() polls the page until then


@pytest.fixture
def eclipse(make_event, run):
    folder = make_event("solar-eclipse-observation", "zh")
    assert run("tickets", "issue", folder, "--count", "10").exit_code == 0
    return folder


def token_for(folder, name, role="scanner", gate="北门") -> str:
    with event_store(folder) as store:
        return volunteers.add(store, name, role=role, by="test", site=None, gate=gate)


def codes_of(run, folder) -> dict[int, str]:
    listing = json.loads(run("tickets", "list", folder, "--json").output)
    return {t["number"]: t["code"] for t in listing}


def rows(folder, sql: str) -> list[tuple]:
    with event_store(folder) as store, store.reading() as db:
        return [tuple(row) for row in db.execute(text(sql))]


def phone(browser, url: str, token: str | None = None):
    """A phone-sized page of its own (its own storage), logged in with ``token``."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{url}/#login={token}" if token else url)
    return context, page


def scan(page, code: str) -> None:
    page.locator("#code").fill(code)
    page.locator("#code").press("Enter")


def test_offline_scans_taps_and_buttons_are_sent_once_when_the_network_returns(
    eclipse, run, live_server, browser
):
    from playwright.sync_api import expect

    code = codes_of(run, eclipse)[7]
    server = live_server(eclipse)
    context, page = phone(browser, server.url, token_for(eclipse, "李强"))
    blocked = []
    page.on("console", lambda m: "Content Security Policy" in m.text and blocked.append(m.text))
    expect(page.locator("#who")).to_have_text("李强 · 验票员")

    context.set_offline(True)
    scan(page, code)
    expect(page.locator("#answer-title")).to_have_text("已暂存")
    expect(page.locator("#answer-reason")).to_have_text("网络中断，已暂存在本机，恢复后自动提交")
    farmers = page.locator("button.walkin[data-audience='farmers']")
    farmers.click()
    farmers.click()
    glasses = page.locator(".action").filter(has=page.get_by_role("button", name="发放观测镜"))
    glasses.locator("input[name=pairs]").fill("5")
    glasses.get_by_role("button").click()
    scan(page, "²")  # typed by mistake: refused by the server once it can answer
    expect(page.locator("#queue")).to_have_text("待提交：5 条")

    context.set_offline(False)
    expect(page.locator("#queue")).to_be_hidden(timeout=SLOW)
    expect(page.locator("#count-walkins")).to_have_text("2")
    expect(page.locator("#count-total")).to_have_text("3")
    notices = page.locator("#notice-list li")
    expect(notices).to_have_count(1)
    expect(notices).to_contain_text("²：未记录，票号只能用数字0-9填写")
    assert "Failed to fetch" not in page.content()
    assert blocked == []  # the page runs under its Content-Security-Policy

    assert rows(eclipse, "SELECT ticket, result, gate, by FROM qr_scans") == [
        (7, "admitted", "北门", "李强")
    ]
    assert rows(eclipse, "SELECT audience, delta FROM qr_headcounts") == [("farmers", 1)] * 2
    assert rows(eclipse, "SELECT gate, pairs, by FROM glasses_handouts") == [("北门", 5, "李强")]
    context.close()


def test_an_answer_lost_on_the_way_back_is_sent_again_and_counted_once(
    eclipse, run, live_server, browser
):
    from playwright.sync_api import expect

    code = codes_of(run, eclipse)[3]
    server = live_server(eclipse)
    context, page = phone(browser, server.url, token_for(eclipse, "李强"))
    expect(page.locator("#who")).to_have_text("李强 · 验票员")
    sent = {"taps": 0, "scans": 0}

    def lose_the_first_answer(route):
        sent["taps"] += 1
        if sent["taps"] == 1:
            route.fetch()  # the server records the tap...
            route.abort()  # ...and its answer never reaches the phone
        else:
            route.continue_()

    def a_proxy_fails_first(route):
        sent["scans"] += 1
        if sent["scans"] == 1:
            route.fulfill(status=502, content_type="text/html", body="<h1>Bad Gateway</h1>")
        else:
            route.continue_()

    page.route("**/api/v1/headcounts", lose_the_first_answer)
    page.route("**/api/v1/checkins", a_proxy_fails_first)

    page.locator("button.walkin[data-audience='minors']").click()
    expect(page.locator("#answer-title")).to_have_text("已暂存")
    expect(page.locator("#queue")).to_be_hidden(timeout=SLOW)
    expect(page.locator("#count-walkins")).to_have_text("1")
    assert sent["taps"] == 2
    assert rows(eclipse, "SELECT audience, delta FROM qr_headcounts") == [("minors", 1)]

    scan(page, code)
    expect(page.locator("#answer-reason")).to_have_text(
        "服务器暂时无法记录，已暂存在本机，稍后自动重试"
    )
    expect(page.locator("#queue")).to_be_hidden(timeout=SLOW)
    expect(page.locator("#count-total")).to_have_text("2")
    assert rows(eclipse, "SELECT ticket, result FROM qr_scans") == [(3, "admitted")]
    assert "Failed to fetch" not in page.content()
    context.close()


@pytest.mark.sqlite_only("another program holds the write lock of event.db")
def test_a_locked_database_keeps_records_on_the_phone_until_it_is_free(
    eclipse, run, live_server, browser
):
    from playwright.sync_api import expect

    code = codes_of(run, eclipse)[4]
    server = live_server(eclipse)
    context, page = phone(browser, server.url, token_for(eclipse, "李强"))
    expect(page.locator("#who")).to_have_text("李强 · 验票员")
    other = sqlite3.connect(eclipse / "event.db", isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another program writing, e.g. kexie journal merge
    try:
        scan(page, code)
        expect(page.locator("#answer-title")).to_have_text("已暂存", timeout=SLOW)
        expect(page.locator("#answer-reason")).to_have_text(
            "数据库正忙（有其他程序在写入），暂未记录，请稍后重试"
        )
        page.locator("button.walkin[data-audience='others']").click()
        expect(page.locator("#queue")).to_have_text("待提交：2 条")
    finally:
        other.execute("ROLLBACK")
        other.close()
    expect(page.locator("#queue")).to_be_hidden(timeout=SLOW)
    expect(page.locator("#count-total")).to_have_text("2")
    assert rows(eclipse, "SELECT ticket, result FROM qr_scans") == [(4, "admitted")]
    assert rows(eclipse, "SELECT audience, delta FROM qr_headcounts") == [("others", 1)]
    context.close()


def test_a_withdrawn_login_keeps_the_queue_for_a_lead_to_send(eclipse, run, live_server, browser):
    from playwright.sync_api import expect

    code = codes_of(run, eclipse)[5]
    scanner = token_for(eclipse, "赵磊", gate="南门")
    other_scanner = token_for(eclipse, "王芳", gate="东门")
    lead = token_for(eclipse, "张敏", role="lead")
    server = live_server(eclipse)
    context, page = phone(browser, server.url, scanner)
    expect(page.locator("#who")).to_have_text("赵磊 · 验票员")
    assert run("volunteers", "revoke", eclipse, "赵磊").exit_code == 0

    scan(page, code)
    note = page.locator("#login-note")
    expect(note).to_have_text(
        re.compile(
            r"您的登录已于.+被收回，请联系负责人 "
            r"本机保留着1条未提交的记录，负责人在本机登录后会自动提交。"
        )
    )
    expect(page.locator("#app")).to_be_hidden()

    # Another scanner logging in here does not send 赵磊's records...
    page.locator("#token").fill(other_scanner)
    page.locator("#login-form button").click()
    expect(page.locator("#who")).to_have_text("王芳 · 验票员")
    expect(page.locator("#queue")).to_have_text(
        "待提交：1 条 其中1条是其他志愿者的记录，需负责人在本机登录后提交。"
    )
    assert rows(eclipse, "SELECT COUNT(*) FROM qr_scans") == [(0,)]

    # ...a lead does.
    page.locator("#logout").click()
    page.locator("#token").fill(lead)
    page.locator("#login-form button").click()
    expect(page.locator("#who")).to_have_text("张敏 · 负责人")
    expect(page.locator("#queue")).to_be_hidden(timeout=SLOW)
    expect(page.locator("#count-total")).to_have_text("1")
    assert rows(eclipse, "SELECT ticket, result, gate, by FROM qr_scans") == [
        (5, "admitted", "南门", "张敏")
    ]
    context.close()
