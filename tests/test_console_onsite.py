"""The day of the event in the console, as an organiser uses it: the links to the board and the
volunteer page, the live figures, paper sign-in sheets typed in and incidents logged, and the
report built afterwards counting them; and what is refused.

The app here mounts the console's authentication and these pages, as ``kexie serve`` does."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.testclient import TestClient

from kexie_events.console import documents, onsite
from kexie_events.console.accounts import open_accounts
from kexie_events.console.auth import ConsoleAuth, console_auth_routes
from kexie_events.console.kit_builds import KitBuilds
from kexie_events.console.root import Root
from kexie_events.eventfile import load_event
from kexie_events.plugins import Plugins
from kexie_events.templates import create, find
from kexie_plugins.emergency_plan.ledger import incidents
from kexie_plugins.qr_checkin.web import live_counts

from conftest import console_login, csrf_in, event_store

GREEN, HILL = "绿水乡日食观测", "青山镇科普日"
ONSITE = f"/console/events/{quote(GREEN)}/onsite"
DAY = "2035-09-02"  # the eclipse template's day


@pytest.fixture
def year(tmp_path, plugins):
    root = tmp_path / "2035"
    create(find(plugins, "solar-eclipse-observation"), root / GREEN, "zh")
    create(find(plugins, "science-day"), root / HILL, "zh")
    return root


def console(folder, plugins, accounts) -> Starlette:
    root = Root.at(folder)
    return Starlette(
        routes=[
            *console_auth_routes(accounts),
            *onsite.routes(root, plugins),
            *documents.routes(root, plugins, builds=KitBuilds(root, plugins, lambda work: work())),
        ],
        middleware=[Middleware(ConsoleAuth, accounts=accounts)],
    )


@pytest.fixture
def accounts(year):
    with open_accounts(year) as opened:
        yield opened


@pytest.fixture
def app(year, plugins, accounts):
    return console(year, plugins, accounts)


def logged_in(app, accounts, name: str, page: str = ONSITE, **add) -> tuple[TestClient, str]:
    """A browser logged in as ``name`` (a new account), and its CSRF token (from ``page``)."""
    return console_login(app, accounts, name, page, **add)


@pytest.fixture
def organiser(app, accounts):
    return logged_in(app, accounts, "王芳", events=[GREEN])


def problems_of(page: str) -> dict[str, str]:
    """Each field's problem as the page shows it beside the field, by the field's id."""
    return dict(re.findall(r'<p class="problem" id="([\w-]+)-problem">([^<]*)</p>', page))


def test_the_day_page_links_the_board_and_shows_the_live_figures(organiser, year, plugins):
    browser, _csrf = organiser
    page = browser.get(ONSITE)
    assert page.status_code == 200
    assert f'href="/e/{quote(GREEN)}/board">现场实时看板</a>' in page.text
    assert f'href="/e/{quote(GREEN)}/">志愿者验票页面</a>' in page.text
    assert f'hx-get="{ONSITE}/counts" hx-trigger="every 5s"' in page.text
    assert '<script src="/console/static/htmx.min.js" defer></script>' in page.text

    counts = browser.get(f"{ONSITE}/counts").text
    with event_store(year / GREEN) as store:
        api = live_counts(load_event(year / GREEN, plugins), store)  # GET /api/v1/stats
    figures = dict(re.findall(r'"label">([^<]+)</span><span class="value">(\d+)<', counts))
    assert figures["累计入场（人次）"] == str(api["total"])
    assert figures["凭票入场"] == str(api["admitted"])
    assert figures["无票入场"] == str(api["walk_ins"])
    assert figures["场内人数"] == str(api["inside"]["total"])
    assert '<th scope="row">县行政中心广场</th>' in counts


def test_a_single_event_folder_is_served_at_the_top(tmp_path, plugins):
    folder = tmp_path / "日食"
    create(find(plugins, "solar-eclipse-observation"), folder, "zh")
    with open_accounts(folder) as accounts:
        app = console(folder, plugins, accounts)
        link = accounts.add("王芳", role="admin", by="县科协")
        browser = TestClient(app, follow_redirects=False)
        browser.post("/console/login", data={"token": link.token})
        page = browser.get(f"/console/events/{quote('日食')}/onsite").text
    assert 'href="/board">现场实时看板</a>' in page
    assert 'href="/">志愿者验票页面</a>' in page


def test_paper_counts_and_incidents_are_recorded_and_the_report_counts_them(
    organiser, year, plugins
):
    browser, csrf = organiser
    answer = browser.post(
        f"{ONSITE}/paper",
        data={
            "csrf": csrf,
            "site": "plaza",
            "date": DAY,
            "audience": "farmers",
            "count": "37",
            "gate": "北门",
            "source": "paper",
            "note": "第3页签到表",
        },
    )
    assert answer.status_code == 303
    page = browser.get(answer.headers["location"]).text
    assert "签到人数已记录" in page
    assert (
        "<td>2035年9月2日</td><td>县行政中心广场</td><td>北门</td><td>农民</td>"
        '<td>纸质签到补录</td><td class="num">37</td>'
    ) in page
    # Typed as a Chinese input method types it: full-width digits.
    browser.post(
        f"{ONSITE}/paper",
        data={"csrf": csrf, "site": "hall", "date": DAY, "audience": "minors", "count": "１３"},
    )

    logged = browser.post(
        f"{ONSITE}/incidents",
        data={
            "csrf": csrf,
            "type": "heat",
            "at": f"{DAY}T10:30",
            "site": "plaza",
            "gate": "医疗点",
            "what": "一名老人中暑",
            "done": "扶到阴凉处休息，已恢复",
        },
    )
    assert logged.status_code == 303
    page = browser.get(logged.headers["location"]).text
    assert "突发事件已登记" in page
    assert (
        "<td>2035年9月2日 10:30</td><td>中暑</td><td>县行政中心广场 · 医疗点</td>"
        "<td>一名老人中暑</td><td>扶到阴凉处休息，已恢复</td><td>王芳</td>"
    ) in page
    counts = browser.get(f"{ONSITE}/counts").text
    assert '"label">无票入场</span><span class="value">50<' in counts

    with event_store(year / GREEN) as store:
        (incident,) = incidents(store)
    assert (incident.by, incident.type, incident.site) == ("王芳", "heat", "plaza")

    report = f"/console/events/{quote(GREEN)}/report"
    assert browser.post(report, data={"csrf": csrf}).status_code == 303
    built = json.loads((year / GREEN / "report" / "report.json").read_text(encoding="utf-8"))
    attendance = built["attendance"]
    assert attendance["walk_in"] == 50
    assert attendance["by_source"]["paper"] == 50
    assert attendance["by_site"] == {"hall": 13, "plaza": 37}
    assert "王芳" in attendance["volunteers"]
    assert built["sections"]["emergency-plan"]["incidents"] == 1
    page = browser.get(report).text
    assert '<span class="label">无票入场</span><span class="value">50</span>' in page


def test_a_wrong_entry_comes_back_with_each_problem_beside_its_field(organiser, year, plugins):
    browser, csrf = organiser
    answer = browser.post(
        f"{ONSITE}/paper",
        data={
            "csrf": csrf,
            "site": "plaza",
            "date": "2035-09-03",
            "audience": "",
            "count": "三十",
            "gate": "正门",
            "note": "第3页",
        },
    )
    assert answer.status_code == 422
    assert problems_of(answer.text) == {
        "paper-date": "日期不在活动日期内（2035年9月2日至2035年9月2日）",
        "paper-audience": "请选择人群",
        "paper-count": "人数必须是整数",
        "paper-gate": "场地“县行政中心广场”没有入口“正门”",
    }
    assert 'aria-describedby="paper-count-problem" aria-invalid="true"' not in answer.text
    assert re.search(r'id="paper-count"[^>]*aria-invalid="true"', answer.text)
    assert re.search(r'id="paper-count"[^>]*aria-describedby="paper-count-problem"', answer.text)
    assert 'value="三十"' in answer.text  # kept as typed
    assert "有4处需要修改" in answer.text

    wrong = browser.post(
        f"{ONSITE}/incidents",
        data={"csrf": csrf, "type": "alien", "at": "", "what": " ", "done": "已处理"},
    )
    assert wrong.status_code == 422
    assert problems_of(wrong.text) == {
        "incident-type": "事件类型无效：“alien”不在可选范围内",
        "incident-at": "请填写时间",
        "incident-what": "请填写发生了什么",
    }

    with event_store(year / GREEN) as store:
        assert incidents(store) == []
        assert live_counts(load_event(year / GREEN, plugins), store)["walk_ins"] == 0


def test_an_event_without_an_emergency_plan_logs_no_incidents(tmp_path):
    plugins = Plugins.load(environ={"KEXIE_DISABLE_PLUGINS": "emergency-plan"})
    folder = tmp_path / "日食"
    create(find(plugins, "solar-eclipse-observation"), folder, "zh")
    with open_accounts(folder) as accounts:
        app = console(folder, plugins, accounts)
        link = accounts.add("王芳", role="admin", by="县科协")
        browser = TestClient(app, follow_redirects=False)
        browser.post("/console/login", data={"token": link.token})
        base = f"/console/events/{quote('日食')}/onsite"
        page = browser.get(base).text
        assert "本活动没有启用应急预案" in page
        assert 'action="' + base + '/incidents"' not in page
        answer = browser.post(
            f"{base}/incidents",
            data={"csrf": csrf_in(page), "type": "heat", "at": f"{DAY}T10:00", "what": "x"},
        )
    assert answer.status_code == 422
    assert "本活动没有启用应急预案" in answer.text


def test_every_route_of_the_day_refuses_an_organiser_of_another_event(app, accounts, year):
    own = f"/console/events/{quote(HILL)}/onsite"
    browser, csrf = logged_in(app, accounts, "李明", own, events=[HILL])
    for event_id in (GREEN, "没有这个活动"):
        base = f"/console/events/{quote(event_id)}/onsite"
        for path in (base, f"{base}/counts"):
            answer = browser.get(path)
            assert answer.status_code == 403, path
            assert "您没有查看这个活动的权限" in answer.text
        for path in (f"{base}/paper", f"{base}/incidents"):
            data = {"csrf": csrf, "site": "plaza", "date": DAY, "audience": "farmers"}
            assert browser.post(path, data={**data, "count": "5"}).status_code == 403, path
    with event_store(year / GREEN) as store:
        assert incidents(store) == []
