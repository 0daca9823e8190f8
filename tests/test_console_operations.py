"""Running an event from the console, as an organiser does it in the browser: moving through
the lifecycle, ticking the emergency checklist, uploading the glasses allocations, issuing and
revoking tickets, giving volunteers logins to scan off the screen; and another township's
organiser refused on every one of these pages.

The app here mounts the console's authentication and these pages, as ``kexie serve`` does."""

from __future__ import annotations

import os
import re
from html import unescape
from pathlib import Path
from urllib.parse import quote

import pytest
from openpyxl import Workbook
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.testclient import TestClient

from kexie_events import lifecycle, volunteers
from kexie_events.console.accounts import open_accounts
from kexie_events.console.auth import ConsoleAuth, console_auth_routes
from kexie_events.console.root import Root
from kexie_events.console.routes import console_pages
from kexie_events.eventfile import load_event
from kexie_events.store import open_event_store
from kexie_events.templates import create, find
from kexie_events.web import create_app
from kexie_plugins.emergency_plan.ledger import latest_ticks
from kexie_plugins.qr_checkin import ledger
from kexie_plugins.qr_checkin.tickets import listing

from conftest import console_login

HILL, GREEN = "青山镇日食观测", "绿水乡科普日"
HILL_PAGES = f"/console/events/{quote(HILL)}"


@pytest.fixture
def year(tmp_path, plugins):
    """A county's year: a solar eclipse observation and a science day, in Chinese."""
    root = tmp_path / "2027"
    create(find(plugins, "solar-eclipse-observation"), root / HILL, "zh")
    create(find(plugins, "science-day"), root / GREEN, "zh")
    return root


@pytest.fixture
def accounts(year):
    with open_accounts(year) as opened:
        yield opened


class Reloads:
    """Stands in for ``kexie serve``'s event apps: which events were to be built anew."""

    def __init__(self):
        self.events: list[str] = []

    async def reload(self, event_id: str) -> None:
        self.events.append(event_id)


@pytest.fixture
def app(year, accounts, plugins):
    app = Starlette(
        routes=[*console_auth_routes(accounts), *console_pages(Root.at(year), plugins)],
        middleware=[Middleware(ConsoleAuth, accounts=accounts)],
    )
    app.state.event_apps = Reloads()
    return app


def logged_in(app, accounts, name: str, events=(HILL,)) -> tuple[TestClient, str]:
    """A browser logged in as ``name``, given ``events``, and its CSRF token."""
    page = f"/console/events/{quote(events[0])}/lifecycle"
    return console_login(app, accounts, name, page, events=list(events))


@pytest.fixture
def organiser(app, accounts):
    """李明, who runs the eclipse observation: his browser and CSRF token."""
    return logged_in(app, accounts, "李明")


def text_of(html: str) -> str:
    """What a person reads on the page: the text without tags."""
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def store_of(folder: Path, plugins):
    return open_event_store(load_event(folder, plugins, plugin_checks=False), plugins)


def test_advancing_is_refused_with_the_blockers_until_the_critical_items_are_ticked(
    organiser, year, plugins
):
    browser, csrf = organiser
    page = browser.get(f"{HILL_PAGES}/lifecycle")
    assert page.status_code == 200
    assert "当前阶段：筹备" in text_of(page.text)
    assert "没有未完成的事项，可以进入“物资准备”阶段" in text_of(page.text)

    moved = browser.post(f"{HILL_PAGES}/lifecycle/advance", data={"csrf": csrf})
    assert moved.status_code == 303
    page = browser.get(moved.headers["location"])
    assert "活动已进入“物资准备”阶段" in page.text

    # materials → launch: the plan's open critical items block it.
    refused = browser.post(f"{HILL_PAGES}/lifecycle/advance", data={"csrf": csrf})
    assert refused.status_code == 409
    shown = text_of(refused.text)
    assert "没有进入“启动”阶段，因为：" in shown
    assert "应急检查关键项未完成：核验日食观测镜符合ISO 12312-2标准，查验检测报告" in shown
    # The terminal command and the item's id are for the command line, not this page.
    assert "kexie" not in shown and "certified-glasses" not in shown
    with store_of(year / HILL, plugins) as store:
        assert store.phase() == "materials"

    checklist = browser.get(f"{HILL_PAGES}/checklists")
    critical = re.findall(
        r'<tr id="item-([\w-]+)" class="open critical">.*?</tr>', checklist.text, re.S
    )
    plan = load_event(year / HILL, plugins).configs["emergency-plan"]
    plan_items = {i.id for i in plan.items if i.phase == "plan" and i.critical}
    assert plan_items <= set(critical)
    for number, item in enumerate(sorted(plan_items)):
        form = {"csrf": csrf, "item": item, "done": "1"}
        if number % 2:  # htmx: the row comes back, ticked, with the phase's count
            answer = browser.post(
                f"{HILL_PAGES}/checklists/tick", data=form, headers={"HX-Request": "true"}
            )
            assert answer.status_code == 200
            assert answer.text.startswith(f'<tr id="item-{item}" class="done critical">')
            assert "李明于" in answer.text and "勾选" in answer.text
            assert 'id="count-plan" hx-swap-oob="true"' in answer.text
        else:  # a plain form: back to the list, at the item
            answer = browser.post(f"{HILL_PAGES}/checklists/tick", data=form)
            assert answer.status_code == 303
            assert answer.headers["location"].endswith(f"/checklists#item-{item}")
    checklist = text_of(browser.get(f"{HILL_PAGES}/checklists").text)
    assert f"筹备 已完成{len(plan_items)}/11" in checklist

    moved = browser.post(f"{HILL_PAGES}/lifecycle/advance", data={"csrf": csrf})
    assert moved.status_code == 303
    with store_of(year / HILL, plugins) as store:
        assert store.phase() == "launch"
        changes = store.phase_changes()
        ticks = latest_ticks(store)
    assert [(c.from_phase, c.to_phase, c.by, c.forced) for c in changes] == [
        ("plan", "materials", "李明", False),
        ("materials", "launch", "李明", False),
    ]
    assert {t.by for t in ticks.values()} == {"李明"} and set(ticks) == plan_items
    history = text_of(browser.get(f"{HILL_PAGES}/lifecycle").text)
    assert "物资准备 → 启动 李明" in history


def test_unticking_an_item_is_recorded_too(organiser, year, plugins):
    browser, csrf = organiser
    form = {"csrf": csrf, "item": "certified-glasses"}
    browser.post(f"{HILL_PAGES}/checklists/tick", data={**form, "done": "1"})
    # A second click on a button the page still showed changes nothing.
    assert (
        browser.post(f"{HILL_PAGES}/checklists/tick", data={**form, "done": "1"}).status_code == 303
    )
    answer = browser.post(
        f"{HILL_PAGES}/checklists/tick", data={**form, "done": "0"}, headers={"HX-Request": "true"}
    )
    assert 'class="open critical"' in answer.text
    assert "李明于" in answer.text and "取消勾选" in answer.text
    unknown = browser.post(f"{HILL_PAGES}/checklists/tick", data={**form, "item": "no-such"})
    assert unknown.status_code == 404
    assert "检查清单中没有这一项" in unknown.text


def test_forcing_a_gate_needs_a_reason_and_records_it(organiser, year, plugins):
    browser, csrf = organiser
    browser.post(f"{HILL_PAGES}/lifecycle/advance", data={"csrf": csrf})  # to materials

    page = browser.get(f"{HILL_PAGES}/lifecycle").text
    assert 'id="reason"' in page  # blocked: the form to move on anyway is there

    missing = browser.post(
        f"{HILL_PAGES}/lifecycle/advance", data={"csrf": csrf, "force": "1", "reason": "  "}
    )
    assert missing.status_code == 422
    assert 'aria-describedby="reason-error"' in missing.text
    assert '<p class="field-error" id="reason-error">请写明强制进入下一阶段的理由。</p>' in (
        missing.text
    )
    with store_of(year / HILL, plugins) as store:
        assert store.phase() == "materials"

    reason = "县应急管理局已书面确认安全预案，检测报告周一补交"
    forced = browser.post(
        f"{HILL_PAGES}/lifecycle/advance", data={"csrf": csrf, "force": "1", "reason": reason}
    )
    assert forced.status_code == 303
    with store_of(year / HILL, plugins) as store:
        change = store.phase_changes()[-1]
    assert (change.to_phase, change.by, change.forced, change.reason) == (
        "launch",
        "李明",
        True,
        reason,
    )
    history = text_of(browser.get(f"{HILL_PAGES}/lifecycle").text)
    assert f"强制 {reason}" in history


def test_the_last_phase_has_no_next(organiser, year, plugins):
    browser, csrf = organiser
    with store_of(year / HILL, plugins) as store:
        event = load_event(year / HILL, plugins)
        for _ in range(4):
            lifecycle.advance(event, store, plugins, by="县科协", force=True, reason="测试")
    page = browser.get(f"{HILL_PAGES}/lifecycle")
    assert "已是最后阶段" in page.text and 'name="force"' not in page.text
    again = browser.post(f"{HILL_PAGES}/lifecycle/advance", data={"csrf": csrf})
    assert again.status_code == 409
    assert "没有下一阶段" in again.text


def workbook(path: Path, rows: list[tuple]) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(("××县日食观测镜分配表",))
    sheet.append(("单位名称", "联系人", "电话", "数量"))
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_an_allocations_workbook_replaces_the_list_and_one_with_a_bad_row_is_refused_whole(
    app, organiser, year, plugins, tmp_path
):
    browser, csrf = organiser
    allocations = year / HILL / "glasses-allocations.csv"
    before = allocations.read_bytes()

    bad = workbook(
        tmp_path / "分配表.xlsx",
        [("县一中", "王老师", "13910002000", 300), ("县二中", "李老师", "", "三百")],
    )
    refused = browser.post(
        f"{HILL_PAGES}/glasses",
        data={"csrf": csrf},
        files={"file": ("分配表.xlsx", bad.read_bytes(), XLSX)},
    )
    assert refused.status_code == 422
    shown = text_of(refused.text)
    assert "“分配表.xlsx”没有导入" in shown
    assert "第4行 数量 “县二中”的数量应为整数，这里是“三百”" in shown
    assert str(tmp_path) not in refused.text and "/tmp" not in shown
    assert allocations.read_bytes() == before  # nothing imported
    assert app.state.event_apps.events == []

    good = workbook(
        tmp_path / "分配表.xlsx",
        [("县一中", "王老师", "13910002000", 300), ("县二中", "李老师", "", 250)],
    )
    imported = browser.post(
        f"{HILL_PAGES}/glasses",
        data={"csrf": csrf},
        files={"file": ("分配表.xlsx", good.read_bytes(), XLSX)},
    )
    assert imported.status_code == 303
    assert app.state.event_apps.events == [HILL]  # the server's event knows the new units
    page = browser.get(imported.headers["location"])
    shown = text_of(page.text)
    assert "已导入2个单位的配发清单" in shown
    assert "县一中 王老师 13910002000 300" in shown and "县二中 李老师 250" in shown
    assert "合计 550" in shown
    # The event's own file is a CSV: the units are written into it, as kexie glasses import does.
    assert allocations.read_text(encoding="utf-8-sig").splitlines() == [
        "name,contact,pairs",
        "县一中,王老师 13910002000,300",
        "县二中,李老师,250",
    ]
    with store_of(year / HILL, plugins) as store:
        (entry,) = store.entries("console.glasses_import")
    assert entry.by == "李明"
    assert entry.data == {"file": "分配表.xlsx", "units": 2, "pairs": 550}

    empty = browser.post(f"{HILL_PAGES}/glasses", data={"csrf": csrf})
    assert empty.status_code == 422
    assert '<p class="field-error" id="file-error">请选择要上传的文件。</p>' in empty.text


def test_a_broken_csv_is_named_by_line_and_an_old_workbook_is_refused(organiser, tmp_path):
    browser, csrf = organiser
    csv = "单位名称,联系人,数量\n县一中,王老师,120\n县一中,张老师,80\n,赵老师,30\n".encode()
    refused = browser.post(
        f"{HILL_PAGES}/glasses",
        data={"csrf": csrf},
        files={"file": ("units.csv", csv, "text/csv")},
    )
    assert refused.status_code == 422
    shown = text_of(refused.text)
    assert "第3行 单位名称 “县一中”重复出现（首次出现在第2行）" in shown
    assert "第4行 单位名称 单位名称是空的" in shown

    old = browser.post(
        f"{HILL_PAGES}/glasses",
        data={"csrf": csrf},
        files={"file": ("units.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "x")},
    )
    assert old.status_code == 422
    assert "无法读取旧版 Excel 工作簿（.xls），请另存为 .xlsx 或 CSV 文件" in old.text


def test_tickets_issued_revoked_listed_and_printed(organiser, year, plugins):
    browser, csrf = organiser
    issued = browser.post(
        f"{HILL_PAGES}/tickets/issue",
        data={"csrf": csrf, "count": "20", "site": "plaza", "audience": "minors"},
    )
    assert issued.status_code == 303
    page = text_of(browser.get(issued.headers["location"]).text)
    assert "已发放门票，票号000001至000020" in page
    assert "000007 县行政中心广场 未成年人 有效" in page

    revoked = browser.post(
        f"{HILL_PAGES}/tickets/revoke", data={"csrf": csrf, "number": "7", "reason": "遗失补发"}
    )
    assert revoked.status_code == 303
    page = text_of(browser.get(revoked.headers["location"]).text)
    assert "票号000007的门票已作废" in page
    assert "000007 县行政中心广场 未成年人 已作废 （李明：遗失补发）" in page
    assert "已发放 20 有效 19 已作废 1" in page

    again = browser.post(
        f"{HILL_PAGES}/tickets/revoke", data={"csrf": csrf, "number": "000007", "reason": "x"}
    )
    assert again.status_code == 422
    assert '<p class="field-error" id="number-error">票号000007的门票已经作废。</p>' in again.text
    nothing = browser.post(f"{HILL_PAGES}/tickets/revoke", data={"csrf": csrf, "number": "99"})
    assert nothing.status_code == 422
    assert "没有票号为000099的门票。" in nothing.text and "请写明作废原因。" in nothing.text
    wrong = browser.post(f"{HILL_PAGES}/tickets/issue", data={"csrf": csrf, "count": "0"})
    assert wrong.status_code == 422
    assert 'id="count" name="count"' in wrong.text and 'aria-invalid="true"' in wrong.text
    assert "请填写1到100000之间的整数。" in wrong.text

    sheets = browser.get(f"{HILL_PAGES}/tickets")
    link = re.search(r'href="([^"]+/tickets/sheets/1)" download>([^<]+)<', sheets.text)
    assert link[2] == "下载门票打印页：000001至000020（19张）"
    sheet = browser.get(link[1])
    assert sheet.status_code == 200
    assert sheet.headers["content-disposition"] == (
        'attachment; filename="tickets-000001-000020.html"'
    )
    assert sheet.text.count('<div class="ticket">') == 19
    assert "票号 000006" in sheet.text and "票号 000007" not in sheet.text
    assert browser.get(f"{HILL_PAGES}/tickets/sheets/2").status_code == 404

    with store_of(year / HILL, plugins) as store, store.reading() as db:
        assert ledger.revocation_rows(db)[0][2:] == ("李明", "遗失补发")

    browser.post(f"{HILL_PAGES}/tickets/issue", data={"csrf": csrf, "count": "1"})
    page = text_of(browser.get(f"{HILL_PAGES}/tickets").text)
    assert "000021 不限场地 不限人群 有效" in page  # a ticket for anyone, anywhere, says so


def test_tickets_are_listed_a_hundred_a_page(organiser):
    browser, csrf = organiser
    browser.post(f"{HILL_PAGES}/tickets/issue", data={"csrf": csrf, "count": "150"})
    first = text_of(browser.get(f"{HILL_PAGES}/tickets").text)
    assert "000100" in first and "000101" not in first and "第1页，共2页" in first
    second = text_of(browser.get(f"{HILL_PAGES}/tickets?page=2").text)
    assert "000101" in second and "000150" in second and "000100" not in second


def test_registrations_are_imported_one_ticket_each_or_not_at_all(organiser, tmp_path):
    browser, csrf = organiser
    people = "姓名,手机,人群,场地\n王小明,13900000001,未成年人,县行政中心广场\n李红,,农民,广场\n"
    refused = browser.post(
        f"{HILL_PAGES}/tickets/import",
        data={"csrf": csrf},
        files={"file": ("报名.csv", people.encode(), "text/csv")},
    )
    assert refused.status_code == 422
    assert "第3行 场地 没有场地“广场”" in text_of(refused.text)
    assert "还没有发放门票" in refused.text

    people = people.replace(",广场", ",plaza")
    imported = browser.post(
        f"{HILL_PAGES}/tickets/import",
        data={"csrf": csrf},
        files={"file": ("报名.csv", people.encode(), "text/csv")},
    )
    assert imported.status_code == 303
    page = text_of(browser.get(imported.headers["location"]).text)
    assert "票号000001至000002" in page and "000002 县行政中心广场 农民 有效" in page
    twice = browser.post(
        f"{HILL_PAGES}/tickets/import",
        data={"csrf": csrf},
        files={"file": ("报名.csv", people.encode(), "text/csv")},
    )
    assert "第2行 “王小明”已经导入过（票号000001）" in text_of(twice.text)


def token_of_link(link: str) -> str:
    return link.split("#login=")[1]


def test_a_volunteer_logs_in_with_the_link_shown_and_a_revoked_login_stops(
    organiser, year, plugins
):
    browser, csrf = organiser
    page = browser.get(f"{HILL_PAGES}/volunteers")
    assert '<option value="张敏">' in page.text  # the event file's volunteers are offered

    added = browser.post(
        f"{HILL_PAGES}/volunteers/add",
        data={"csrf": csrf, "name": "张敏", "role": "scanner", "site": "plaza", "gate": "北门"},
    )
    assert added.status_code == 303
    shown = browser.get(added.headers["location"])
    assert shown.status_code == 200 and shown.headers["cache-control"] == "no-store"
    assert "张敏的登录二维码" in shown.text
    assert re.search(r'<div role="img" aria-label="张敏的登录二维码"><svg [^>]*viewBox', shown.text)
    link = unescape(re.search(r'id="login-link" class="link" value="([^"]+)"', shown.text)[1])
    # A year's events are served under /e/<id>/ on the server the organiser's browser reached;
    # the link is shown as people read it, and the QR code carries it percent-encoded.
    assert link.startswith(f"http://testserver/e/{HILL}/#login=")
    assert "%E" not in link

    phone = TestClient(create_app(year / HILL, plugins))
    bearer = {"Authorization": f"Bearer {token_of_link(link)}"}
    with phone:
        me = phone.get("/api/v1/me", headers=bearer)
        assert me.status_code == 200
        assert me.json()["name"] == "张敏" and me.json()["gate"] == "北门"

        listed = text_of(browser.get(f"{HILL_PAGES}/volunteers").text)
        assert "张敏 验票员 县行政中心广场 北门" in listed
        twice = browser.post(
            f"{HILL_PAGES}/volunteers/add", data={"csrf": csrf, "name": "张敏", "role": "lead"}
        )
        assert twice.status_code == 422
        assert "张敏已经有登录" in twice.text

        revoked = browser.post(
            f"{HILL_PAGES}/volunteers/revoke", data={"csrf": csrf, "name": "张敏"}
        )
        assert revoked.status_code == 303
        assert "张敏的登录已注销" in browser.get(revoked.headers["location"]).text
        assert phone.get("/api/v1/me", headers=bearer).status_code == 401
    gone = browser.get(f"{HILL_PAGES}/volunteers/login?name={quote('张敏')}")
    assert gone.status_code == 404


def test_a_volunteer_form_with_mistakes_comes_back_with_them(organiser):
    browser, csrf = organiser
    answer = browser.post(
        f"{HILL_PAGES}/volunteers/add",
        data={"csrf": csrf, "name": " ", "role": "boss", "site": "hall", "gate": "北门"},
    )
    assert answer.status_code == 422
    assert '<p class="field-error" id="name-error">请填写姓名</p>' in answer.text
    assert '<p class="field-error" id="role-error">请从列表中选择</p>' in answer.text
    assert '<p class="field-error" id="gate-error">所选场地没有这个入口。</p>' in answer.text
    assert re.search(r'<select id="gate" name="gate" aria-describedby="gate-error"', answer.text)


def test_a_single_event_folder_gives_links_to_the_top_of_the_server(tmp_path, plugins):
    folder = tmp_path / "science-day"
    create(find(plugins, "science-day"), folder, "en")
    with open_accounts(folder) as accounts:
        app = Starlette(
            routes=[*console_auth_routes(accounts), *console_pages(Root.at(folder), plugins)],
            middleware=[Middleware(ConsoleAuth, accounts=accounts)],
        )
        browser, csrf = logged_in(app, accounts, "Li Ming", events=("science-day",))
        added = browser.post(
            "/console/events/science-day/volunteers/add",
            data={"csrf": csrf, "name": "Wang Fang", "role": "board"},
        )
        shown = browser.get(added.headers["location"]).text
    link = unescape(re.search(r'class="link" value="([^"]+)"', shown)[1])
    assert link.startswith("http://testserver/board#login=")
    assert "to show the live board" in shown and "log in" not in shown  # a board shows, not scans


def test_opened_on_the_servers_own_computer_the_link_takes_the_address_phones_reach(
    app, accounts, year
):
    """The console opened at 127.0.0.1 on the laptop running ``kexie serve YEAR --host
    0.0.0.0``: the link names the laptop's network address, and the event's path on it."""
    urls = ("https://127.0.0.1:8000/", "https://192.168.1.20:8000/")
    server = volunteers.Server(os.getpid(), "https", "0.0.0.0", 8000, urls, year=True)
    volunteers.announce_server(year, server)
    link = accounts.add("李明", events=[HILL], by="县科协")
    browser = TestClient(app, base_url="https://127.0.0.1:8000", follow_redirects=False)
    browser.post("/console/login", data={"token": link.token})
    page = browser.get(f"{HILL_PAGES}/volunteers")
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    added = browser.post(
        f"{HILL_PAGES}/volunteers/add", data={"csrf": csrf, "name": "张敏", "role": "scanner"}
    )
    shown = browser.get(added.headers["location"]).text
    link = unescape(re.search(r'class="link" value="([^"]+)"', shown)[1])
    assert link.startswith(f"https://192.168.1.20:8000/e/{HILL}/#login=")
    assert "手机打不开" not in shown

    volunteers.withdraw_server(year, os.getpid())
    shown = browser.get(added.headers["location"]).text
    assert "https://127.0.0.1:8000/e/" in shown
    assert "这个链接指向本机，志愿者的手机打不开" in shown


def every_route(app) -> list[tuple[str, str]]:
    """(method, path) of every page of the console, for the eclipse observation."""
    found = []
    for route in app.routes:
        if not route.path.startswith("/console/events/"):
            continue
        path = route.path.replace("{event_id}", quote(HILL))
        path = re.sub(r"\{\w+(:(\w+))?\}", lambda m: "1" if m[2] == "int" else "x", path)
        found += [(method, path) for method in sorted(route.methods - {"HEAD"})]
    return found


def test_every_page_refuses_an_organiser_of_another_event(app, accounts, year, plugins):
    routes = every_route(app)
    assert len(routes) == 35  # every page of an event, kit and report files included
    other, csrf = logged_in(app, accounts, "王芳", events=(GREEN,))
    for method, path in routes:
        for tried in ("GET", "POST"):
            answer = other.request(tried, path, data={"csrf": csrf, "count": "5", "name": "x"})
            assert answer.status_code == 403, (method, tried, path)
            assert "您没有查看这个活动的权限" in answer.text
    with store_of(year / HILL, plugins) as store:
        assert store.phase() == "plan"
        assert listing(store) == []


def test_a_post_without_the_csrf_token_does_nothing(organiser, year, plugins):
    browser, _csrf = organiser
    for path, form in (
        ("lifecycle/advance", {}),
        ("tickets/issue", {"count": "5"}),
        ("volunteers/add", {"name": "张敏", "role": "scanner"}),
        ("checklists/tick", {"item": "certified-glasses", "done": "1"}),
    ):
        answer = browser.post(f"{HILL_PAGES}/{path}", data=form)
        assert answer.status_code == 403, path
        assert "操作未执行" in answer.text
    with store_of(year / HILL, plugins) as store:
        assert store.phase() == "plan" and volunteers.active(store) == []


def test_an_admin_asking_for_an_event_that_is_not_there_gets_a_page_saying_so(app, accounts):
    link = accounts.add("县科协", role="admin", by="县科协")
    browser = TestClient(app, follow_redirects=False)
    browser.post("/console/login", data={"token": link.token})
    answer = browser.get(f"/console/events/{quote('没有的活动')}/tickets")
    assert answer.status_code == 404
    assert "控制台中没有这个活动" in answer.text
    science = browser.get(f"/console/events/{quote(GREEN)}/glasses")
    assert science.status_code == 404
    assert "这个活动没有使用日食观测镜插件" in science.text


def test_an_event_file_with_errors_is_said_to_have_them(organiser, year):
    browser, _csrf = organiser
    toml = year / HILL / "event.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("capacity = 4000", 'capacity = "多"'))
    line = next(
        number
        for number, text in enumerate(toml.read_text(encoding="utf-8").splitlines(), 1)
        if 'capacity = "多"' in text
    )
    for page in ("tickets", "kit", "report", "onsite"):
        answer = browser.get(f"{HILL_PAGES}/{page}")
        assert answer.status_code == 409, page
        assert "活动文件中有1处错误" in answer.text
        # The error itself, with its line, and the way to correct it.
        assert f"event.toml 第{line}行" in answer.text
        assert f'href="{HILL_PAGES}/edit/file"' in answer.text


def test_pages_speak_the_organisers_language(app, accounts):
    browser, csrf = logged_in(app, accounts, "Li Ming")
    browser.post("/console/language", data={"csrf": csrf, "lang": "en"})
    page = browser.get(f"{HILL_PAGES}/lifecycle").text
    assert "Current phase: Planning" in page
    # What the plugins say stays in the event's language.
    assert "已发放门票0张" in page
