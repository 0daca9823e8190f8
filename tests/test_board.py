"""The live board on a projector: it updates itself, turns amber and red, keeps the last numbers
with "offline since" when the server is gone, and its login may look but never record."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from kexie_events import hookimpl, volunteers
from kexie_events.records import BoardTile

from conftest import edit, event_store


def token_for(folder, name: str, role: str, gate: str | None = None) -> str:
    with event_store(folder) as store:
        return volunteers.add(store, name, role=role, by="test", site=None, gate=gate)


@pytest.fixture
def eclipse(make_event, run):
    """The Chinese eclipse; the backup hall holds 10 people."""
    folder = make_event("solar-eclipse-observation", "zh")
    edit(folder, "capacity = 300", "capacity = 10")
    assert run("tickets", "issue", folder, "--count", "3").exit_code == 0
    return folder


def projector(browser, url: str, token: str):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.goto(f"{url}/board#login={token}")
    return context, page


def tap(client, token, gate, delta, direction="in"):
    body = {"gate": gate, "delta": delta, "direction": direction, "scan_id": uuid.uuid4().hex}
    if direction == "in":
        body["audience"] = "others"
    answer = client.post(
        "/api/v1/headcounts", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200, answer.text


def test_the_board_updates_itself_and_keeps_the_last_numbers_when_offline(
    eclipse, live_server, browser
):
    from playwright.sync_api import expect

    board = token_for(eclipse, "指挥部大屏", "board")
    scanner = token_for(eclipse, "李强", "scanner", gate="北门")
    server = live_server(eclipse)
    context, page = projector(browser, server.url, board)
    blocked = []
    page.on("console", lambda m: "Content Security Policy" in m.text and blocked.append(m.text))
    expect(page.locator("#total")).to_have_text("0")
    assert "login=" not in page.url
    hall = page.locator(".site").filter(has_text="县科技馆报告厅")
    expect(hall).to_have_class("site level-ok")

    with httpx.Client(base_url=server.url, timeout=10) as client:
        tap(client, scanner, "北门", 12)
        tap(client, scanner, "正门", 9)  # the hall: 9 of 10
    # No reload: the board asks again within 3 seconds.
    expect(page.locator("#total")).to_have_text("21", timeout=3000)
    expect(page.locator("#walk-ins")).to_have_text("21")
    expect(page.locator("#inside")).to_have_text("21")
    expect(hall).to_have_class("site level-near")
    expect(hall).to_contain_text("场内人数 9 / 10 · 接近容量")
    expect(page.locator(".bar b").last).to_have_text("21")  # this 10 minutes' arrivals
    with httpx.Client(base_url=server.url, timeout=10) as client:
        tap(client, scanner, "正门", 1)
    expect(hall).to_have_class("site level-full", timeout=3000)
    expect(hall).to_contain_text("已满")
    tiles = page.locator(".tile")
    expect(tiles.filter(has_text="观测镜剩余（副）")).to_contain_text("10000")
    expect(tiles.filter(has_text="未完成关键项")).to_have_class(re.compile("alert"))
    expect(tiles.filter(has_text="突发事件")).to_contain_text("0")
    expect(page.locator("#offline")).to_be_hidden()

    server.stop()
    offline = page.locator("#offline")
    expect(offline).to_be_visible(timeout=6000)
    expect(offline).to_have_text(re.compile(r"连不上服务器，自 \d\d:\d\d 起显示的是最后收到的数字"))
    expect(page.locator("#total")).to_have_text("22")  # the last numbers stay
    assert blocked == []
    context.close()


def test_a_board_login_looks_and_records_nothing(eclipse, live_server, browser):
    from playwright.sync_api import expect

    board = token_for(eclipse, "办公室电视", "board")
    server = live_server(eclipse)
    headers = {"Authorization": f"Bearer {board}"}
    with httpx.Client(base_url=server.url, timeout=10) as client:
        assert client.get("/api/v1/board", headers=headers).status_code == 200
        assert client.get("/api/v1/stats", headers=headers).status_code == 200
        for path, body in (
            ("/api/v1/checkins", {"code": "1", "gate": "北门", "scan_id": "a"}),
            ("/api/v1/headcounts", {"gate": "北门", "audience": "others", "delta": 1}),
            ("/api/v1/undo", {"scan_id": "a"}),
            ("/api/v1/actions/glasses", {"pairs": 5, "gate": "北门"}),
        ):
            answer = client.post(path, json=body, headers=headers)
            assert answer.status_code == 403, path
    # The phone page, opened with a board login, shows the board instead.
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{server.url}/#login={board}")
    expect(page).to_have_url(f"{server.url}/board")
    expect(page.locator("#total")).to_have_text("0")
    context.close()


def test_the_english_board(make_event, run, live_server, browser):
    from playwright.sync_api import expect

    folder = make_event("solar-eclipse-observation", "en")
    board = token_for(folder, "Command tent", "board")
    server = live_server(folder)
    context, page = projector(browser, server.url, board)
    expect(page.locator("#total")).to_have_text("0")
    expect(page.locator(".figure").first).to_contain_text("In so far (person-times)")
    expect(page.locator(".tile").filter(has_text="Glasses left (pairs)")).to_be_visible()
    server.stop()
    expect(page.locator("#offline")).to_have_text(
        re.compile(r"Offline since \d\d:\d\d: these are the last numbers received"), timeout=6000
    )
    context.close()


def test_hook_kexie_board_tiles(eclipse, plugins, register):
    from starlette.testclient import TestClient

    from kexie_events.web import create_app

    class Weather:
        @hookimpl
        def kexie_board_tiles(self, event, store):
            return [BoardTile("clouds", "云量", "20%", ("09:30 预计转晴",), "warning", order=1)]

    register(Weather(), "weather-board")
    token = token_for(eclipse, "大屏", "board")
    with TestClient(create_app(eclipse, plugins)) as client:
        data = client.get("/api/v1/board", headers={"Authorization": f"Bearer {token}"}).json()
    assert data["tiles"][0] == {
        "id": "clouds",
        "label": "云量",
        "value": "20%",
        "detail": ["09:30 预计转晴"],
        "level": "warning",
    }
    ids = [tile["id"] for tile in data["tiles"]]
    assert ids == ["clouds", "glasses-left", "critical-open", "incidents"]
