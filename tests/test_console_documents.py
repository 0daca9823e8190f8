"""The kit, the report and the year's roll-up in the console, as an organiser uses them: build
the kit and watch its progress, open and download its documents and the whole kit as a zip,
build the report, roll the year up against an uploaded targets file; and what is refused: files
outside the kit, events the organiser may not see.

The app here mounts the console's authentication and these pages, as ``kexie serve`` does."""

from __future__ import annotations

import io
import json
import re
import threading
import zipfile
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.testclient import TestClient

from kexie_events import hookimpl
from kexie_events.console import documents, files, rollup_pages
from kexie_events.console.accounts import open_accounts
from kexie_events.console.auth import ConsoleAuth, console_auth_routes
from kexie_events.console.kit_builds import KitBuilds
from kexie_events.console.root import Root
from kexie_events.output import files_under
from kexie_events.records import KitFile
from kexie_events.templates import create, find

from conftest import console_login, edit, event_store

GREEN, HILL = "绿水乡科普日", "青山镇日食观测"
KIT = f"/console/events/{quote(GREEN)}/kit"
REPORT = f"/console/events/{quote(GREEN)}/report"


def run_now(work):
    """An executor that builds at once, in the request: the page then shows the kit built."""
    work()


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
def executor():
    """How the app's kit builds run; a test may replace ``executor.run``."""

    class Chosen:
        run = staticmethod(run_now)

        def __call__(self, work):
            self.run(work)

    return Chosen()


@pytest.fixture
def builds(year, plugins, executor):
    return KitBuilds(Root.at(year), plugins, executor=executor)


@pytest.fixture
def app(year, plugins, accounts, builds):
    root = Root.at(year)
    return Starlette(
        routes=[
            *console_auth_routes(accounts),
            *documents.routes(root, plugins, builds=builds),
            *rollup_pages.routes(root, plugins),
        ],
        middleware=[Middleware(ConsoleAuth, accounts=accounts)],
    )


def logged_in(app, accounts, name: str, **add) -> tuple[TestClient, str]:
    """A browser logged in as ``name`` (a new account), and its CSRF token."""
    return console_login(app, accounts, name, "/console/rollup", **add)


@pytest.fixture
def organiser(app, accounts):
    return logged_in(app, accounts, "王芳", events=[GREEN])


class SlowSheet:
    """A plugin whose kit file waits until the test lets it go: a build caught half-way."""

    def __init__(self):
        self.reached = threading.Event()
        self.release = threading.Event()

    @hookimpl
    def kexie_kit_files(self, event):
        def produce():
            self.reached.set()
            assert self.release.wait(60), "the test never let the build finish"
            return b"sheet"

        yield KitFile(
            "sheets/wait.txt",
            "Slow sheet",
            produce,
            listed=False,
            folder_title="签到表（每张一个文件）",
        )


def test_the_kit_is_built_with_a_progress_bar_and_downloaded_as_one_zip(
    app, organiser, year, register, executor, builds
):
    slow = register(SlowSheet(), "slow-sheet")
    executor.run = lambda work: threading.Thread(target=work).start()
    browser, csrf = organiser
    page = browser.get(KIT)
    assert page.status_code == 200
    assert "还没有生成过资料包" in page.text
    assert '<button type="submit">生成资料包</button>' in page.text

    # The button (htmx): the build starts in the background and the state comes back at once.
    started = browser.post(KIT, data={"csrf": csrf}, headers={"HX-Request": "true"})
    assert started.status_code == 200
    assert "正在生成资料包" in started.text
    assert 'hx-trigger="every 1s"' in started.text
    try:
        assert slow.reached.wait(60)
        status = browser.get(f"{KIT}/status").text
        assert 'hx-trigger="every 1s"' in status  # still polling
        total = int(status.split('max="')[1].split('"')[0])
        done = int(status.split('value="')[1].split('"')[0])
        assert 0 < done < total
        assert f"已完成 {done} / {total} 个文件" in status
        assert "正在生成：sheets/wait.txt" in status
        assert "由王芳于" in status

        # A second press while it builds shows that build; no second one starts.
        again = browser.post(KIT, data={"csrf": csrf})
        assert again.status_code == 303
        assert "资料包已经在生成中" in browser.get(again.headers["location"]).text
    finally:
        slow.release.set()
    finished = builds.wait(GREEN, timeout=120)
    assert not finished.running and finished.error is None

    status = browser.get(f"{KIT}/status").text
    assert "hx-trigger" not in status  # polling stops
    assert "资料包已生成" in status
    assert ">活动方案</th>" in status
    assert f'href="{KIT}/files/plan.html"' in status
    assert f'href="{KIT}/files/plan.docx"' in status
    assert ">签到表（每张一个文件）</th>" in status  # the folder as the build named it
    assert "文件夹“sheets”：1个文件，在压缩包里" in status

    whole = browser.get(f"{KIT}/zip")
    assert whole.status_code == 200
    assert whole.headers["content-type"] == "application/zip"
    assert "filename*=UTF-8''" in whole.headers["content-disposition"]
    name = unquote(whole.headers["content-disposition"].split("UTF-8''")[1])
    assert name.endswith("资料包.zip")
    kit = year / GREEN / "kit"
    with zipfile.ZipFile(io.BytesIO(whole.content)) as archive:
        assert sorted(archive.namelist()) == sorted(files_under(kit))
        assert archive.read("sheets/wait.txt") == b"sheet"
        assert archive.read("plan.docx") == (kit / "plan.docx").read_bytes()

    with event_store(year / GREEN) as store:
        assert [entry.by for entry in store.entries("kit.built")] == ["王芳"]


def test_documents_open_in_the_browser_or_download_under_their_chinese_names(app, organiser):
    browser, csrf = organiser
    assert browser.post(KIT, data={"csrf": csrf}).status_code == 303

    page = browser.get(f"{KIT}/files/plan.html")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["content-disposition"].startswith("inline;")
    assert page.headers["content-security-policy"].startswith("sandbox")  # no scripts run

    word = browser.get(f"{KIT}/files/plan.docx")
    assert word.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    disposition = word.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="plan.docx"; ')
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "活动方案.docx"
    assert word.content[:2] == b"PK"

    calendar = browser.get(f"{KIT}/files/calendars/schedule.ics")
    assert calendar.headers["content-type"] == "text/calendar; charset=utf-8"
    assert calendar.headers["content-disposition"].startswith("attachment;")
    assert calendar.text.startswith("BEGIN:VCALENDAR")


def test_no_file_outside_the_kit_is_served(app, organiser, year, tmp_path):
    browser, csrf = organiser
    browser.post(KIT, data={"csrf": csrf})
    kit = year / GREEN / "kit"
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the console")
    (kit / "escape.txt").symlink_to(secret)
    (kit / "events.toml").symlink_to(year / GREEN / "event.toml")

    for path in (
        "%2e%2e/event.toml",
        "..%2f..%2f..%2fsecret.txt",
        "calendars/%2e%2e/%2e%2e/event.toml",
        "%2Fetc%2Fpasswd",
        "/etc/passwd",
        "escape.txt",
        "events.toml",
        "calendars",
        "",
    ):
        answer = browser.get(f"{KIT}/files/{path}")
        assert answer.status_code == 404, path
        assert answer.text == "没有这个文件。"
    # The zip leaves the links out too.
    with zipfile.ZipFile(io.BytesIO(browser.get(f"{KIT}/zip").content)) as archive:
        assert not {"escape.txt", "events.toml"} & set(archive.namelist())

    # The check itself, with what a URL cannot carry.
    assert files.inside(kit, "plan.html") == (kit / "plan.html").resolve()
    for path in ("../event.toml", str(secret), "escape.txt", "a\\..\\..\\event.toml", "x\0"):
        assert files.inside(kit, path) is None, path
    (year / GREEN / "linked-kit").symlink_to(kit)
    assert files.inside(year / GREEN / "linked-kit", "plan.html") is None


def test_a_failed_build_says_why_and_keeps_the_kit_there_was(app, organiser, year):
    browser, csrf = organiser
    browser.post(KIT, data={"csrf": csrf})
    before = sorted(files_under(year / GREEN / "kit"))
    templates = year / GREEN / "templates"
    templates.mkdir()
    (templates / "plan.html").write_text("{% if %}", encoding="utf-8")

    browser.post(KIT, data={"csrf": csrf})
    page = browser.get(KIT).text
    assert "资料包没有生成成功，原有的资料包保持不变" in page
    assert "plan.html, line 1" in page  # the detail, for whoever fixes the template
    assert ">活动方案</th>" in page  # the kit there was is still offered
    assert sorted(files_under(year / GREEN / "kit")) == before


def test_an_event_file_broken_while_the_kit_is_asked_for_is_listed_in_chinese(builds, year):
    edit(year / GREEN, "title = ", "title = 2027 # ")  # a number where the title goes
    builds.start(GREEN, by="王芳", lang="zh")
    failed = builds.current(GREEN)
    assert failed.error.startswith("活动文件（event.toml）有错误，资料包没有生成")
    assert re.fullmatch(r"event\.toml 第\d+行，title：应填写文字（加英文引号）\S*", failed.detail)


def test_the_kit_build_reports_each_file_it_writes(year, plugins):
    from kexie_events import kit
    from kexie_events.eventfile import load_event

    calls = []

    class Bar:
        def __init__(self, total):
            calls.append(("total", total))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def update(self, step, current=None):
            calls.append((step, current))

    event = load_event(year / GREEN, plugins)
    with event_store(year / GREEN) as store:
        built = kit.build(event, store, plugins, progress=Bar)
    total = calls[0][1]
    assert total == len(built.entries) + 1
    assert calls[1:3] == [(0, built.entries[0].path), (1, built.entries[0].path)]
    assert sum(step for step, _ in calls[1:]) == total
    info = json.loads((year / GREEN / "kit" / "build-info.json").read_text(encoding="utf-8"))
    assert info["titles"]["plan.html"] == "活动方案"


def test_the_report_is_built_and_its_page_shows_the_figures_of_its_files(app, organiser, year):
    browser, csrf = organiser
    assert "还没有生成过总结报告" in browser.get(REPORT).text
    built = browser.post(REPORT, data={"csrf": csrf})
    assert built.status_code == 303
    page = browser.get(REPORT).text
    figures = json.loads((year / GREEN / "report" / "report.json").read_text())["attendance"]
    for label, key in (("总人次", "total"), ("凭票入场", "registered"), ("无票入场", "walk_in")):
        assert (
            f'<span class="label">{label}</span><span class="value">{figures[key]}</span>' in page
        )
    assert '<span class="label">重复扫码</span>' in page

    word = browser.get(f"{REPORT}/files/report.docx")
    assert word.status_code == 200
    name = unquote(word.headers["content-disposition"].split("UTF-8''")[1])
    assert name == "××县2027年全国科普日活动总结.docx"
    excel = browser.get(f"{REPORT}/files/report.xlsx")
    assert excel.headers["content-type"].endswith("spreadsheetml.sheet")
    html = browser.get(f"{REPORT}/files/report.html")
    assert html.headers["content-disposition"].startswith("inline;")
    with zipfile.ZipFile(io.BytesIO(browser.get(f"{REPORT}/zip").content)) as archive:
        assert sorted(archive.namelist()) == sorted(files_under(year / GREEN / "report"))
    with event_store(year / GREEN) as store:
        assert [entry.by for entry in store.entries("report.built")] == ["王芳"]


TARGETS = """\
title = "2027年度科普工作目标"
year = 2027

[[targets]]
id = "people"
name = "参与人次"
measure = "attendance"
target = 20000

[[targets]]
id = "events"
name = "活动场次"
measure = "events"
target = 4
"""


def upload(browser, csrf, text: str | bytes, events=(GREEN,), name="目标.toml"):
    """The roll-up form: the CSRF field first, as the console's forms put it."""
    data = text.encode() if isinstance(text, str) else text
    fields = [("csrf", (None, csrf)), *(("event", (None, e)) for e in events)]
    fields.append(("targets", (name, data, "application/toml")))
    return browser.post("/console/rollup", files=fields)


def test_the_year_is_rolled_up_against_an_uploaded_targets_file(app, accounts):
    browser, csrf = logged_in(app, accounts, "县科协", role="admin")
    page = browser.get("/console/rollup").text
    assert f'value="{GREEN}" checked' in page and f'value="{HILL}" checked' in page

    answer = upload(browser, csrf, TARGETS, events=(GREEN, HILL))
    assert answer.status_code == 303, answer.text
    page = browser.get("/console/rollup").text
    assert "汇总结果：2027年度科普工作目标" in page
    assert "共2项活动" in page
    assert '<th scope="row">活动场次</th><td class="num">4</td><td class="num">2</td>' in page
    assert '<td class="num">50%</td>' in page

    excel = browser.get("/console/rollup/files/rollup.xlsx")
    assert excel.status_code == 200
    name = unquote(excel.headers["content-disposition"].split("UTF-8''")[1])
    assert name == "2027年度科普工作目标.xlsx"


def test_a_bad_targets_file_is_shown_with_its_lines_and_keys(app, accounts, year):
    browser, csrf = logged_in(app, accounts, "县科协", role="admin")
    broken = TARGETS.replace('measure = "events"', 'measure = "events-held"')
    answer = upload(browser, csrf, broken)
    assert answer.status_code == 422
    assert "指标文件有1处错误，没有汇总" in answer.text
    assert "目标.toml 第13行，targets[1].measure：无法识别的统计口径“events-held”" in answer.text
    assert 'aria-describedby="rollup-targets-hint rollup-targets-problem"' in answer.text

    not_toml = upload(browser, csrf, TARGETS.replace("year = 2027", "year = "))
    assert not_toml.status_code == 422
    assert "目标.toml 第2行" in not_toml.text
    gbk = upload(browser, csrf, TARGETS.encode("gbk"))
    assert gbk.status_code == 422
    assert "不是 UTF-8 编码的文本" in gbk.text
    assert not (year / "rollups").exists()  # nothing was rolled up


def test_an_organiser_rolls_up_only_the_events_they_may_see(app, accounts, organiser, year):
    browser, csrf = organiser
    page = browser.get("/console/rollup").text
    assert GREEN in page and HILL not in page
    assert upload(browser, csrf, TARGETS, events=(GREEN, HILL)).status_code == 403
    assert not (year / "rollups").exists()
    assert upload(browser, csrf, TARGETS, events=(GREEN,)).status_code == 303
    assert "共1项活动" in browser.get("/console/rollup").text

    # The admin's roll-up of every event is not the organiser's to see or download.
    admin, admin_csrf = logged_in(app, accounts, "县科协", role="admin")
    assert upload(admin, admin_csrf, TARGETS, events=(GREEN, HILL)).status_code == 303
    assert "共2项活动" in admin.get("/console/rollup").text
    assert "共1项活动" in browser.get("/console/rollup").text
    # Once the organiser may no longer see an event of their roll-up, it is gone from view.
    accounts.set_events("王芳", [HILL], by="县科协")
    assert "汇总结果" not in browser.get("/console/rollup").text
    assert browser.get("/console/rollup/files/rollup.xlsx").status_code == 404


def test_every_kit_and_report_route_refuses_an_organiser_of_another_event(app, accounts):
    browser, csrf = logged_in(app, accounts, "李明", events=[HILL])
    for event_id in (GREEN, "没有这个活动"):
        base = f"/console/events/{quote(event_id)}"
        for path in (
            "kit",
            "kit/status",
            "kit/zip",
            "kit/files/plan.html",
            "report",
            "report/zip",
            "report/files/report.html",
        ):
            answer = browser.get(f"{base}/{path}")
            assert answer.status_code == 403, path
            assert "您没有查看这个活动的权限" in answer.text
        for path in ("kit", "report"):
            assert browser.post(f"{base}/{path}", data={"csrf": csrf}).status_code == 403, path
    assert not Path(accounts.root.folder / GREEN / "kit").exists()
