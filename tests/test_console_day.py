"""An organiser's whole day in the console, in Chromium against a real ``kexie serve`` (issue 15).

甲, a township's organiser in a county's year, logs in from the link ``kexie organizers add``
prints, creates a Chinese solar-eclipse event, corrects the mistakes the edit forms show beside
their fields, uploads the glasses allocations, issues tickets, adds a scanner and a board login,
ticks the critical checklist items and moves the event on to the day, builds and downloads the
kit, watches the board count a ticket checked in on the volunteers' page, and builds the report.
乙, the organiser of another township's event, is refused every console URL of 甲's event.

Nothing is done from a shell or written to a store directly; the only setup is the year's folder
and the two accounts. ``KEXIE_UPDATE_SCREENSHOTS=1`` also writes docs/images/console-day-*.png.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import openpyxl
import pytest

from kexie_events.templates import create, find

DOCS_IMAGES = Path(__file__).parent.parent / "docs" / "images"
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

OWN = "青山镇科普日"  # 甲's township's earlier event: a year's organizer is given at least one
OTHER = "绿水乡科普日"  # another township's event: 乙's, which 甲 may not see
ECLIPSE = "青山镇日食观测"  # the event 甲 creates
ECLIPSE_TITLE = "××县2035年9月2日日全食大型集中观测活动"


@pytest.fixture
def year(tmp_path, plugins) -> Path:
    """A county's year with one science day of each township."""
    root = tmp_path / "2035"
    for event in (OWN, OTHER):
        create(find(plugins, "science-day"), root / event, "zh")
    return root


@pytest.fixture
def allocations(tmp_path) -> Path:
    """The glasses allocations as a county office keeps them: an Excel workbook."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "配发清单"
    sheet.append(["单位名称", "联系人", "电话", "数量"])
    sheet.append(["县第一中学", "王老师", "13800000001", 1200])
    sheet.append(["县第二中学", "李老师", "13800000002", 800])
    sheet.append(["城关镇人民政府", "赵主任", "13800000003", 300])
    path = tmp_path / "观测镜配发清单.xlsx"
    workbook.save(path)
    return path


def login_link(run, root: Path, name: str, event: str) -> str:
    """The one-time link ``kexie organizers add`` prints for a new organizer of ``event``."""
    result = run("organizers", "add", root, name, "--events", event, "--by", "县科协")
    assert result.exit_code == 0, result.output
    return re.search(r"链接: (\S+)", result.output).group(1)


class Screenshots:
    """The main steps at laptop size: kept with the test's files, and with
    ``KEXIE_UPDATE_SCREENSHOTS=1`` written (small) into docs/images for docs/console.md."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.taken = 0

    def take(self, page, name: str) -> None:
        from PIL import Image

        self.taken += 1
        file_name = f"console-day-{self.taken}-{name}.png"
        picture = Image.open(io.BytesIO(page.screenshot()))
        assert picture.size == (LAPTOP["width"], LAPTOP["height"])
        picture.save(self.folder / file_name)
        if os.environ.get("KEXIE_UPDATE_SCREENSHOTS"):
            picture.convert("RGB").quantize(colors=64).save(DOCS_IMAGES / file_name, optimize=True)


def watched(context, problems: list[str]):
    """A new page of ``context`` whose script errors and refused content (the CSP) are kept."""
    page = context.new_page()

    def refused(message) -> None:
        if "Content Security Policy" in message.text:
            problems.append(message.text)

    page.on("console", refused)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return page


def test_an_organisers_whole_day_in_the_console(
    year, allocations, run, live_server, browser, tmp_path
):
    from playwright.sync_api import expect

    server = live_server(year)
    jia_link = login_link(run, year, "甲", OWN)
    yi_link = login_link(run, year, "乙", OTHER)
    assert jia_link.startswith(f"{server.url}/console/login?token=")  # the running server's
    event_path = f"/console/events/{ECLIPSE}/"
    folder = year / ECLIPSE
    shots = Screenshots(tmp_path)
    problems: list[str] = []

    jia = browser.new_context(viewport=LAPTOP, locale="zh-CN")
    visited: list[str] = []  # every console URL of the eclipse 甲's browser asked for

    def note(request) -> None:
        if unquote(urlsplit(request.url).path).startswith(event_path):
            visited.append(request.url)

    jia.on("request", note)
    page = watched(jia, problems)

    # 1. The link shows whose it is and a button; the button logs in.
    page.goto(jia_link)
    expect(page.get_by_text("甲，您好")).to_be_visible()
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{server.url}/console/")
    expect(page.get_by_text("甲（组织者）")).to_be_visible()
    listed = page.content()
    assert OTHER not in listed and quote(OTHER) not in listed  # nor linked
    assert page.goto(f"{server.url}/console/events/{quote(OTHER)}/").status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("无权查看")

    # 2. A Chinese solar-eclipse event from the template (the home has no link to this page).
    page.goto(f"{server.url}/console/new")
    page.get_by_label("日全食大型集中观测活动").check()
    page.get_by_label("中文").check()
    page.get_by_label("文件夹名称").fill(ECLIPSE)
    shots.take(page, "new")
    page.get_by_role("button", name="创建活动").click()
    expect(page.get_by_text("活动已创建。")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"编辑活动：{ECLIPSE_TITLE}")
    assert 'lang = "zh"' in (folder / "event.toml").read_text(encoding="utf-8")
    page.goto(f"{server.url}/console/")
    page.get_by_role("link", name=ECLIPSE_TITLE).click()  # listed on the home, and 甲's
    expect(page.get_by_role("heading", level=1)).to_have_text(ECLIPSE_TITLE)
    tabs = page.get_by_role("navigation", name="本活动的页面")

    # 3. Mistakes are shown beside their fields and nothing is saved; corrected, they are saved.
    def save() -> None:
        page.get_by_role("button", name="保存").click()

    def event_file() -> str:
        return (folder / "event.toml").read_text(encoding="utf-8")

    tabs.get_by_role("link", name="修改活动").click()
    page.get_by_role("link", name="名称和日期").click()
    end = page.get_by_label("结束时间")
    end.fill("2035-09-02T05:30")  # before the start: found by the check kexie check runs
    save()
    expect(end).to_have_attribute("aria-invalid", "true")
    expect(end).to_have_accessible_description(re.compile("^必须晚于开始时间"))
    expect(page.get_by_role("alert")).to_contain_text("结束时间：必须晚于开始时间")
    assert "end = 2035-09-02T10:30:00" in event_file()
    end.fill("2035-09-02T11:00")
    save()
    expect(page.get_by_text("已保存")).to_be_visible()
    expect(end).not_to_have_attribute("aria-invalid", "true")
    assert "end = 2035-09-02T11:00:00" in event_file()

    page.get_by_role("link", name="返回编辑活动").click()
    page.get_by_role("link", name="场地", exact=True).click()
    capacity = page.get_by_role("group", name="县行政中心广场").get_by_label("可同时容纳人数")
    capacity.fill("四千")  # not a number: refused before the check
    save()
    expect(capacity).to_have_attribute("aria-invalid", "true")
    expect(capacity).to_have_accessible_description("请填写整数，例如 300")
    expect(page.get_by_role("alert")).to_contain_text("可同时容纳人数：请填写整数")
    assert "capacity = 4000" in event_file()
    shots.take(page, "error")
    capacity.fill("4500")
    save()
    expect(page.get_by_text("已保存")).to_be_visible()
    assert "capacity = 4500" in event_file()

    # 4. The glasses allocations from a workbook.
    tabs.get_by_role("link", name="观测镜").click()
    page.get_by_label("配发清单文件").set_input_files(allocations)
    page.get_by_role("button", name="检查并导入").click()
    expect(page.get_by_text("已导入3个单位的配发清单。")).to_be_visible()
    units = page.locator("section").filter(has=page.get_by_role("heading", name="现有配发清单"))
    expect(units.get_by_role("row")).to_have_count(5)  # header, three units, total
    expect(units.get_by_role("row", name="县第一中学")).to_contain_text("1200")
    expect(units.get_by_role("row", name="合计")).to_contain_text("2300")
    shots.take(page, "glasses")

    # 5. Tickets.
    tabs.get_by_role("link", name="门票").click()
    page.get_by_label("张数").fill("5")
    page.get_by_role("button", name="发放", exact=True).click()
    expect(page.get_by_text("已发放门票，票号000001至000005。")).to_be_visible()
    expect(page.get_by_role("row", name="000003")).to_contain_text("有效")

    # 6. A scanner at the north gate and a board; each login's link read off its page.
    def add_login(name: str, role: str, gate: str | None = None) -> str:
        tabs.get_by_role("link", name="志愿者").click()
        page.get_by_label("姓名").fill(name)
        page.get_by_label("岗位").select_option(label=role)
        if gate:
            page.get_by_label("入口").select_option(gate)
        page.get_by_role("button", name="添加并显示登录二维码").click()
        expect(page.get_by_role("heading", name=f"{name}的登录二维码")).to_be_visible()
        expect(page.get_by_role("img", name=re.compile(name))).to_be_visible()  # the QR code
        return page.get_by_label("登录链接").input_value()

    scanner = add_login("李强", "验票员", gate="北门")
    assert scanner.startswith(f"{server.url}/e/{ECLIPSE}/#login=")  # readable, as typed
    shots.take(page, "volunteer-login")
    board_link = add_login("指挥部大屏", "大屏（只读）")
    assert board_link.startswith(f"{server.url}/e/{ECLIPSE}/board#login=")
    tabs.get_by_role("link", name="志愿者").click()
    expect(page.get_by_role("row", name="李强")).to_contain_text("验票员")
    expect(page.get_by_role("row", name="指挥部大屏")).to_contain_text("大屏（只读）")

    # 7. Through every phase to the day: the checklist's critical items are what block.
    tabs.get_by_role("link", name="阶段").click()
    expect(page.get_by_text("没有未完成的事项，可以进入“物资准备”阶段。")).to_be_visible()
    page.get_by_role("button", name="进入“物资准备”阶段").click()
    expect(page.get_by_text("活动已进入“物资准备”阶段。")).to_be_visible()
    expect(page.locator(".blockers li").first).to_contain_text("应急检查关键项未完成")
    page.get_by_role("link", name="打开应急检查清单，勾选已完成的事项").click()
    open_critical = page.locator("tr.critical.open")
    left = open_critical.count()
    assert left == 21
    while left:
        open_critical.first.get_by_role("button", name=re.compile("^勾选：")).click()
        left -= 1
        expect(open_critical).to_have_count(left)  # the row changes in place
    expect(page.locator("#count-launch")).to_have_text("已完成5/5")
    for phase in ("启动", "现场"):
        tabs.get_by_role("link", name="阶段").click()
        expect(page.get_by_text(f"没有未完成的事项，可以进入“{phase}”阶段。")).to_be_visible()
        page.get_by_role("button", name=f"进入“{phase}”阶段").click()
        expect(page.get_by_text(f"活动已进入“{phase}”阶段。")).to_be_visible()
    expect(page.locator('[aria-current="step"]')).to_have_text("现场")
    expect(page.get_by_role("row", name="启动 → 现场")).to_contain_text("甲")
    expect(page.locator(".blockers")).to_contain_text("结束后再进入总结阶段")  # not before 11:00
    shots.take(page, "lifecycle")

    # 8. The kit, built in the background, downloaded as one zip.
    tabs.get_by_role("link", name="资料包").click()
    page.get_by_role("button", name="生成资料包").click()
    download_all = page.get_by_role("link", name="全部下载（压缩包）")
    expect(download_all).to_be_visible(timeout=60_000)
    expect(page.get_by_role("row", name="活动方案")).to_be_visible()
    shots.take(page, "kit")
    with page.expect_download() as download:
        download_all.click()
    assert download.value.suggested_filename == f"{ECLIPSE_TITLE}资料包.zip"
    with zipfile.ZipFile(download.value.path()) as kit:
        assert {"plan.html", "plan.docx"} <= set(kit.namelist())
        assert ECLIPSE_TITLE in kit.read("plan.html").decode("utf-8")

    # 9. The board on the projector, the volunteers' page on a phone: ticket 3 typed in.
    projector = browser.new_context(viewport=LAPTOP, locale="zh-CN")
    board = watched(projector, problems)
    board.goto(board_link)
    expect(board.locator("#total")).to_have_text("0")
    phone_context = browser.new_context(viewport=PHONE, is_mobile=True, locale="zh-CN")
    phone = watched(phone_context, problems)
    phone.goto(scanner)
    expect(phone.locator("#who")).to_have_text("李强 · 验票员")
    phone.locator("#code").fill("3")
    phone.locator("#code").press("Enter")
    expect(phone.locator("#answer-title")).to_have_text("凭票入场")
    expect(board.locator("#total")).to_have_text("1", timeout=10_000)  # no reload
    expect(board.locator("#admitted")).to_have_text("1")
    shots.take(board, "board")
    phone_context.close()
    projector.close()

    # 10. The report: its figures on the page, in its Excel workbook and on its printable page.
    tabs.get_by_role("link", name="总结报告").click()
    page.get_by_role("button", name="生成总结报告").click()
    figures = page.locator(".figures li")
    expect(figures.filter(has_text="凭票入场").locator(".value")).to_have_text("1")
    expect(figures.filter(has_text="总人次").locator(".value")).to_have_text("1")
    expect(figures.filter(has_text="无票入场").locator(".value")).to_have_text("0")
    shots.take(page, "report")
    with page.expect_download() as download:
        page.get_by_role("link", name="活动总结报告：Excel").click()
    workbook = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    sources = list(workbook["人次的来源"].iter_rows(values_only=True))
    assert ("凭票入场", 1) in sources
    page.get_by_role("link", name="活动总结报告：网页（可打印）").click()
    admitted = page.get_by_role("row", name="凭票入场人次")
    expect(admitted).to_have_text(re.compile(r"^凭票入场人次\s*1$"))
    assert problems == []
    jia.close()

    # 11. 乙 is refused every console URL of 甲's event that 甲's browser asked for.
    pages = {unquote(urlsplit(url).path).removeprefix(event_path) for url in visited}
    assert {"", "edit/", "glasses", "tickets/issue", "kit/zip", "report/files/report.xlsx"} <= pages
    yi = browser.new_context(viewport=LAPTOP, locale="zh-CN")
    page = yi.new_page()
    page.goto(yi_link)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_text("乙（组织者）")).to_be_visible()
    assert ECLIPSE_TITLE not in page.content()
    for url in dict.fromkeys(visited):
        answer = yi.request.get(url, max_redirects=0)
        assert answer.status == 403, url
        assert "无权查看" in answer.text() and ECLIPSE_TITLE not in answer.text(), url
    yi.close()
