"""``kexie serve ROOT``: one event folder, or a county's year of them, with the console.

Each event of a year answers under ``/e/{folder}/`` and counts its own check-ins; an event made
while the server runs is served at once; a broken event file shows its errors (and the other
events carry on); the console's home lists the events an organiser may see, with their phase,
days to go and people in so far. A single event folder is served at ``/`` as before, with the
console beside it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx
import pytest
from starlette.testclient import TestClient

from kexie_events import volunteers
from kexie_events.console.accounts import open_accounts
from kexie_events.console.root import Root
from kexie_events.server import root_app
from kexie_events.templates import create, find

from conftest import edit, event_store, line_of

GREEN, HILL = "绿水乡科普日", "青山镇日食观测"
GREEN_TITLE = "××县2027年全国科普日活动"
HILL_TITLE = "××县2035年9月2日日全食大型集中观测活动"


@pytest.fixture
def year(tmp_path, plugins, run):
    """A county's year: a science day and an eclipse, each with three tickets."""
    root = tmp_path / "2027"
    create(find(plugins, "science-day"), root / GREEN, "zh")
    create(find(plugins, "solar-eclipse-observation"), root / HILL, "zh")
    for event in (GREEN, HILL):
        issued = run("tickets", "issue", root / event, "--count", "3")
        assert issued.exit_code == 0, issued.output
    return root


@pytest.fixture
def serve(plugins):
    """Serve a ROOT in-process (TestClient runs the app's startup and shutdown)."""
    clients = []

    def serve(root) -> TestClient:
        client = TestClient(root_app(Root.at(root), plugins), follow_redirects=False)
        clients.append(client.__enter__())
        return client

    yield serve
    for client in clients:
        client.__exit__(None, None, None)


def logged_in(client: TestClient, root, name: str, **account) -> TestClient:
    """``client`` logged in to the console as ``name``, a new account."""
    with open_accounts(root) as accounts:
        link = accounts.add(name, by="县科协", **account)
    answer = client.post("/console/login", data={"token": link.token})
    assert answer.status_code == 303, answer.text
    return client


def token_for(folder, name="李强", gate=None) -> dict:
    with event_store(folder) as store:
        token = volunteers.add(store, name, role="scanner", by="test", site=None, gate=gate)
    return {"Authorization": f"Bearer {token}"}


def codes_of(run, folder) -> dict[int, str]:
    listing = json.loads(run("tickets", "list", folder, "--json").output)
    return {ticket["number"]: ticket["code"] for ticket in listing}


def at(event_id: str, path: str = "") -> str:
    """The address of an event's ``path`` on a year's server."""
    return f"/e/{quote(event_id, safe='')}/{path}"


def test_the_console_lists_only_the_events_an_organiser_may_see(year, serve):
    admin = logged_in(serve(year), year, "王芳", role="admin")
    home = admin.get("/console/")
    assert home.status_code == 200
    assert GREEN_TITLE in home.text and HILL_TITLE in home.text
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    assert f"还有{(dt.date(2035, 9, 2) - today).days}天" in home.text  # days to go
    assert "筹备" in home.text  # the phase
    assert "可以进入“物资准备”阶段" in home.text
    assert f'href="/console/events/{quote(HILL, safe="")}/"' in home.text

    township = logged_in(serve(year), year, "李明", events=[GREEN])
    home = township.get("/console/")
    assert GREEN_TITLE in home.text
    assert HILL_TITLE not in home.text and HILL not in home.text
    mine = township.get(f"/console/events/{quote(GREEN)}/")
    assert mine.status_code == 200 and GREEN_TITLE in mine.text
    for event_id in (HILL, "不存在的活动"):  # the same answer: nothing learnt about others
        refused = township.get(f"/console/events/{quote(event_id)}/")
        assert refused.status_code == 403
        assert "无权查看" in refused.text and HILL_TITLE not in refused.text
    assert admin.get(f"/console/events/{quote('不存在的活动')}/").status_code == 404
    assert serve(year).get("/console/").status_code == 401  # nobody logged in


def test_console_pages_allow_only_their_own_scripts_and_styles(year, serve, run):
    """Text from an event file or an upload cannot run in an organiser's session: the console
    refuses inline script and style, and a kit document keeps its own sandboxed policy."""
    client = logged_in(serve(year), year, "县科协办公室", role="admin")

    def console(event_id: str, page: str = "") -> str:
        return f"/console/events/{quote(event_id, safe='')}/{page}"

    for path in ("/console/", console(GREEN), console(GREEN, "kit"), console(HILL, "edit/file")):
        answer = client.get(path)
        assert answer.status_code == 200, path
        policy = answer.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "style-src 'self'" in policy, path
        assert "unsafe-inline" not in policy and "<style" not in answer.text, path
        assert answer.headers["x-frame-options"] == "DENY"
    assert run("kit", year / GREEN).exit_code == 0
    document = client.get(console(GREEN, "kit/files/index.html"))
    assert document.status_code == 200
    assert "sandbox" in document.headers["content-security-policy"]


def test_the_home_leads_to_a_new_event_and_the_roll_up(year, serve):
    client = logged_in(serve(year), year, "县科协办公室", role="admin")
    home = client.get("/console/").text
    assert 'href="/console/new"' in home and "新建活动" in home
    assert 'href="/console/rollup"' in home and "年度汇总" in home
    assert client.get("/console/new").status_code == 200


def test_an_event_page_shows_its_facts_and_links_to_its_own_pages(year, serve):
    admin = logged_in(serve(year), year, "王芳", role="admin")
    page = admin.get(f"/console/events/{quote(HILL)}/")
    assert page.status_code == 200
    text = page.text
    assert f"<h1>{HILL_TITLE}</h1>" in text
    assert "××县全民科学素质工作领导小组" in text  # who organises it
    assert "2035年9月2日 06:30–10:30" in text
    assert 'aria-current="step"' in text  # the phase it is in, for a screen reader too
    assert "已发放门票3张" in text  # what the plugins report, as kexie status does
    assert f'href="{at(HILL)}"' in text  # the volunteers' page on this server
    assert f'href="{at(HILL, "board")}"' in text


def test_each_event_of_a_year_is_served_under_its_folder_name(year, serve, run):
    client = serve(year)
    assert client.get("/").headers["location"] == "/console/"
    assert client.get(f"/e/{quote(HILL)}").status_code == 308  # the page's links need the /
    page = client.get(at(HILL))
    assert page.status_code == 200 and HILL_TITLE in page.text
    assert 'src="static/qr-checkin/checkin.js"' in page.text  # relative: works under /e/{id}/
    assert client.get(at(HILL, "static/qr-checkin/checkin.js")).status_code == 200
    assert GREEN_TITLE in client.get(at(GREEN, "board")).text

    hill, green = token_for(year / HILL, gate="北门"), token_for(year / GREEN, gate="校门")
    code = codes_of(run, year / HILL)[1]
    body = {"code": code, "gate": "北门", "scan_id": uuid.uuid4().hex}
    answer = client.post(at(HILL, "api/v1/checkins"), json=body, headers=hill)
    assert answer.status_code == 200 and answer.json()["result"] == "admitted"
    assert client.get(at(HILL, "api/v1/stats"), headers=hill).json()["admitted"] == 1
    assert client.get(at(GREEN, "api/v1/stats"), headers=green).json()["admitted"] == 0
    # A login of one event is nothing in another, and neither is its ticket.
    assert client.get(at(GREEN, "api/v1/me"), headers=hill).status_code == 401
    other = {"code": code, "gate": "校门", "scan_id": uuid.uuid4().hex}
    refused = client.post(at(GREEN, "api/v1/checkins"), json=other, headers=green).json()
    assert refused["result"] == "rejected"

    admin = logged_in(client, year, "王芳", role="admin")
    assert "凭票入场1人次" in admin.get(f"/console/events/{quote(HILL)}/").text
    assert client.get(at("没有这个活动", "api/v1/me")).status_code == 404


def test_an_event_made_while_the_server_runs_is_served_at_once(year, serve, plugins):
    client = logged_in(serve(year), year, "王芳", role="admin")
    assert client.get(at("观星夜")).status_code == 404
    create(find(plugins, "meteor-shower-night"), year / "观星夜", "zh")
    page = client.get(at("观星夜"))
    assert page.status_code == 200
    assert client.get(at("观星夜", "api/v1/me")).status_code == 401  # its API, asking for a login
    assert f"/console/events/{quote('观星夜', safe='')}/" in client.get("/console/").text


def test_a_broken_event_file_shows_its_error_and_the_rest_carry_on(year, serve):
    edit(year / GREEN, f'title = "{GREEN_TITLE}"', "title = 12")
    line = line_of(year / GREEN, "title = 12")
    client = serve(year)
    page = client.get(at(GREEN))
    assert page.status_code == 503
    assert f"event.toml 第{line}行 title：应填写文字" in page.text
    api = client.get(at(GREEN, "api/v1/me"))
    assert api.status_code == 503 and api.json()["retry"] is True
    assert f"第{line}行" in api.json()["error"]
    assert client.get(at(GREEN, "r/")).status_code == 503  # every URL of it
    assert client.get(at(HILL)).status_code == 200  # the other event is served

    admin = logged_in(client, year, "王芳", role="admin")
    home = admin.get("/console/")
    assert home.status_code == 200 and HILL_TITLE in home.text
    assert "活动文件有错误" in home.text and f"event.toml 第{line}行 title" in home.text
    assert admin.get(f"/console/events/{quote(GREEN)}/").status_code == 200

    edit(year / GREEN, "title = 12", f'title = "{GREEN_TITLE}"')  # fixed: served again
    assert client.get(at(GREEN)).status_code == 200
    assert GREEN_TITLE in admin.get("/console/").text


def test_reload_serves_the_changed_event_file(year, serve):
    client = serve(year)
    assert HILL_TITLE in client.get(at(HILL)).text
    edit(year / HILL, f'title = "{HILL_TITLE}"', 'title = "青山镇日全食观测"')
    assert HILL_TITLE in client.get(at(HILL)).text  # built once, until told
    client.portal.call(client.app.apps.reload, HILL)
    assert "青山镇日全食观测" in client.get(at(HILL)).text


def test_an_event_that_fails_to_open_answers_500_and_the_others_carry_on(year, plugins):
    from kexie_events.web import create_app

    def build(folder, plugins):
        if folder.name == GREEN:
            raise RuntimeError("a plugin's bug")
        return create_app(folder, plugins)

    app = root_app(Root.at(year), plugins, build=build)
    with TestClient(app, follow_redirects=False) as client:
        page = client.get(at(GREEN))
        assert page.status_code == 500
        assert "服务器内部错误（RuntimeError）" in page.text and "bug" not in page.text
        assert client.get(at(HILL)).status_code == 200
        admin = logged_in(client, year, "王芳", role="admin")
        assert "这个活动暂时无法打开" in admin.get("/console/").text


def test_a_reload_waits_for_the_requests_the_old_app_is_answering(year, serve):
    client = serve(year)
    apps = client.app.apps

    async def reload_while_in_use():
        async with apps.using(HILL) as old:
            await apps.reload(HILL)
            assert not old.stopped  # still answering its request
            async with apps.using(HILL) as new:
                assert new is not old  # the next request gets the new app
        return old, new

    old, new = client.portal.call(reload_while_in_use)
    assert old.stopped and not new.stopped


def test_the_sign_up_page_of_an_event_of_a_year_works_under_its_path(tmp_path, plugins, serve):
    create(find(plugins, "lunar-eclipse-night"), tmp_path / "月食之夜", "zh")
    client = serve(tmp_path)
    assert client.get(at("月食之夜", "r")).headers["location"] == at("月食之夜", "r/")
    page = client.get(at("月食之夜", "r/"))
    assert page.status_code == 200
    assets = re.findall(r'(?:href|src)="(/e/[^"]+/r/static/[^"]+)"', page.text)
    assert len(assets) == 2
    for asset in assets:
        assert client.get(asset).status_code == 200
    assert f'data-base="{at("月食之夜", "r/")}"' in page.text  # where its script sends


def test_one_event_folder_is_served_at_the_top_with_the_console(make_event, serve, run):
    folder = make_event("solar-eclipse-observation", "zh")
    assert run("tickets", "issue", folder, "--count", "2").exit_code == 0
    client = serve(folder)
    page = client.get("/")
    assert page.status_code == 200 and HILL_TITLE in page.text
    assert client.get("/static/qr-checkin/checkin.css").status_code == 200
    assert client.get("/api/v1/me").status_code == 401
    headers = token_for(folder, gate="北门")
    body = {"code": codes_of(run, folder)[2], "gate": "北门", "scan_id": uuid.uuid4().hex}
    assert client.post("/api/v1/checkins", json=body, headers=headers).json()["result"] == (
        "admitted"
    )
    assert client.get("/e/x/").status_code == 404  # nothing of a year's here

    admin = logged_in(client, folder, "王芳", role="admin")
    home = admin.get("/console/")
    assert home.status_code == 200 and HILL_TITLE in home.text
    assert "凭票入场1人次" in home.text
    event = admin.get(f"/console/events/{quote(folder.name)}/")
    assert 'href="/"' in event.text and 'href="/board"' in event.text


def test_serve_prints_the_console_and_every_event_and_links_find_the_year(year, run, monkeypatch):
    import uvicorn

    edit(year / GREEN, f'title = "{GREEN_TITLE}"', "title = 12")
    seen = {}

    def running(app, **options):
        seen["event"] = volunteers.running_server(year / HILL)
        seen["year"] = volunteers.running_server(year)

    monkeypatch.setattr(uvicorn, "run", running)
    result = run("serve", year, "--port", "8123")
    assert result.exit_code == 0, result.output
    assert "活动控制台：\n  http://127.0.0.1:8123/console/" in result.output
    assert f"{HILL_TITLE}: http://127.0.0.1:8123/e/{quote(HILL, safe='')}/" in result.output
    line = line_of(year / GREEN, "title = 12")
    assert f"{GREEN}: 活动文件有错误" in result.output
    assert f"event.toml 第{line}行 title" in result.output
    # kexie volunteers add|link for an event of the year point at its path on the year's server
    assert seen["event"].urls == (f"http://127.0.0.1:8123/e/{quote(HILL, safe='')}/",)
    assert seen["year"].urls == ("http://127.0.0.1:8123/",)  # the console's login links
    assert volunteers.running_server(year) is None  # withdrawn when it stopped


def test_a_volunteer_checks_in_on_the_page_of_one_event_of_a_year(year, run, live_server, browser):
    from playwright.sync_api import expect

    headers = token_for(year / HILL, gate="北门")
    token = headers["Authorization"].split()[1]
    code = codes_of(run, year / HILL)[3]
    server = live_server(year)
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    page.goto(f"{server.url}{at(HILL)}#login={token}")
    expect(page.locator("#who")).to_have_text("李强 · 验票员")
    page.locator("#code").fill(code)
    page.locator("#code").press("Enter")
    expect(page.locator("#answer-title")).to_have_text("凭票入场")
    expect(page.locator("#count-total")).to_have_text("1")
    with httpx.Client(base_url=server.url, headers=headers) as client:
        assert client.get(at(HILL, "api/v1/stats")).json()["admitted"] == 1
    assert page.evaluate("localStorage.getItem('kexie-token')") is None  # kept per event
    page.close()
