"""Counts of every kind, through the real server: walk-ins one by one and a class at a time,
undo, exits and who is inside, paper sheets and estimates typed in later, and the report that
says how every number was obtained. Also the report's words (one word per thing), who counts
as a volunteer on duty, and checklist items shown by their text.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import text as sql

from kexie_events import volunteers

from conftest import edit, event_store

SHANGHAI = ZoneInfo("Asia/Shanghai")


def today() -> dt.date:
    return dt.datetime.now(SHANGHAI).date()


def day(offset: int) -> str:
    return (today() + dt.timedelta(days=offset)).isoformat()


def move_to_today(folder) -> None:
    """Science Day's four days become today and the next three: live records fall on day 1."""
    path = folder / "event.toml"
    text = path.read_text(encoding="utf-8")
    for index in range(4):
        text = text.replace(f"2027-09-{24 + index}", day(index))
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def science_day(make_event, run):
    """Science Day, today: the school holds 10 at once and has an exit gate; 6 school tickets."""
    folder = make_event("science-day", "zh")
    move_to_today(folder)
    edit(
        folder,
        'capacity = 1500\ngates = ["校门"]',
        'capacity = 10\ngates = ["校门", "后门出口"]\nexits = ["后门出口"]',
    )
    assert run("check", folder).exit_code == 0
    issued = run(
        "tickets",
        "issue",
        folder,
        "--count",
        "6",
        "--site",
        "minzu-primary",
        "--audience",
        "minors",
    )
    assert issued.exit_code == 0
    return folder


def login(folder, name: str, role: str = "scanner", gate: str | None = None) -> dict:
    with event_store(folder) as store:
        token = volunteers.add(store, name, role=role, by="test", site=None, gate=gate)
    return {"Authorization": f"Bearer {token}"}


def codes_of(run, folder) -> dict[int, str]:
    listing = json.loads(run("tickets", "list", folder, "--json").output)
    return {t["number"]: t["code"] for t in listing}


def report_of(run, folder) -> dict:
    result = run("report", folder, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output[: result.output.rindex("}") + 1])


class Gate:
    """A volunteer's phone talking to the real server; remembers what it recorded."""

    def __init__(self, client: httpx.Client, headers: dict, gate: str):
        self.client, self.headers, self.gate = client, headers, gate

    def scan(self, code: str) -> dict:
        body = {"code": code, "gate": self.gate, "scan_id": uuid.uuid4().hex}
        answer = self.client.post("/api/v1/checkins", json=body, headers=self.headers)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def count(self, delta: int, audience: str | None = "minors", direction: str = "in") -> str:
        scan_id = uuid.uuid4().hex
        body = {"gate": self.gate, "delta": delta, "direction": direction, "scan_id": scan_id}
        if audience:
            body["audience"] = audience
        answer = self.client.post("/api/v1/headcounts", json=body, headers=self.headers)
        assert answer.status_code == 200, answer.text
        assert answer.json()["recorded"] is True
        return scan_id

    def undo(self, scan_id: str) -> httpx.Response:
        return self.client.post("/api/v1/undo", json={"scan_id": scan_id}, headers=self.headers)

    def inside(self, site: str = "minzu-primary") -> dict:
        stats = self.client.get("/api/v1/stats", headers=self.headers).json()
        return stats["inside"]["by_site"][site]


def test_every_kind_of_count_adds_up_by_source_site_day_and_direction(
    science_day, run, live_server
):
    codes = codes_of(run, science_day)
    huang = login(science_day, "黄丽", gate="校门")
    liu = login(science_day, "刘洋", gate="集镇广场")
    zhou = login(science_day, "周杰", role="lead")
    chen = login(science_day, "陈静", gate="校门")
    server = live_server(science_day)
    with httpx.Client(base_url=server.url, timeout=10) as client:
        school = Gate(client, huang, "校门")
        exit_ = Gate(client, huang, "后门出口")
        town = Gate(client, liu, "集镇广场")
        lead = Gate(client, zhou, "校门")

        assert [school.scan(codes[n])["result"] for n in (1, 2, 3, 4)] == ["admitted"] * 4
        assert school.scan(codes[1])["result"] == "duplicate"
        school.count(1)
        school.count(1)
        class_of_45 = school.count(45)  # a school class entering together...
        undone = school.undo(class_of_45)  # ...was the wrong gate: taken back
        assert undone.status_code == 200 and undone.json()["recorded"] is True
        assert school.undo(class_of_45).json()["recorded"] is False  # a retry changes nothing
        town_farmers = town.count(3, "farmers")

        # Only one's own entries, unless one is a lead; nothing is deleted either way.
        refused = town.undo(school.count(1))
        assert refused.status_code == 403
        assert refused.json()["error"].startswith("只能撤销自己的记录（这条是黄丽记的）")
        assert lead.undo(town_farmers).status_code == 200
        assert lead.undo(class_of_45).json()["recorded"] is False
        assert school.undo("no-such-entry").status_code == 404

        # Going out: a ticket scanned at the exit, and a tap for two more.
        out = exit_.scan(codes[1])
        assert (out["result"], out["reason"], out["ticket"]["number"]) == ("out", "出场", 1)
        exit_.count(2, audience=None, direction="out")
        # Inside the school: 4 admitted + 1 + 1 + 1 walk-ins - 1 - 2 out.
        assert school.inside() == {"inside": 4, "capacity": 10, "level": "ok"}
        school.count(5)
        assert school.inside() == {"inside": 9, "capacity": 10, "level": "near"}
        school.count(1)
        assert school.inside() == {"inside": 10, "capacity": 10, "level": "full"}

        # The town counted nobody in (the farmers were taken back): ten going out leave it
        # at 0, never below, and two arriving after make 2.
        town.count(10, audience=None, direction="out")
        assert town.inside("dahe-town")["inside"] == 0
        town.count(2, "farmers")
        assert town.inside("dahe-town")["inside"] == 2

        # Paper sheets and estimates, entered by a lead, on the day they happened.
        for body in (
            {"site": "dahe-town", "audience": "farmers", "delta": 120, "source": "paper",
             "at": day(2), "note": "大河镇签到表3页"},
            {"site": "chengguan-community", "audience": "others", "delta": 300,
             "source": "estimate", "at": f"{day(1)}T10:30"},
        ):  # fmt: skip
            answer = client.post("/api/v1/headcounts", json=body, headers=zhou)
            assert answer.status_code == 200, answer.text
        scanner_paper = client.post(
            "/api/v1/headcounts",
            json={"site": "dahe-town", "audience": "farmers", "delta": 5, "source": "paper",
                  "at": day(2)},
            headers=huang,
        )  # fmt: skip
        assert scanner_paper.status_code == 403
        stats = client.get("/api/v1/stats", headers=chen).json()
        incident = client.post(
            "/api/v1/actions/incident",
            json={"choice": "lost-child", "what": "走失男孩", "done": "已找到家长",
                  "gate": "校门", "scan_id": "incident-1"},
            headers=chen,
        )  # fmt: skip
        assert incident.status_code == 200, incident.text

    # A paper sheet typed in on the computer (named), and a laptop's scan under its login name.
    paper = run(
        "headcount", "add", science_day, "--site", "lvshui-village", "--date", day(3),
        "--audience", "farmers", "--count", "80", "--by", "王会计",
    )  # fmt: skip
    assert paper.exit_code == 0, paper.output
    laptop = run("checkin", science_day, codes[5], "--gate", "校门")
    assert laptop.exit_code == 0, laptop.output
    ticked = run("checklist", science_day, "tick", "crowd-order", env={"KEXIE_USER": "赵老师"})
    assert ticked.exit_code == 0, ticked.output

    # What the live counts said before the laptop's scan and the office's sheet...
    assert stats["admitted"] == 4 and stats["duplicates"] == 1
    assert stats["walk_ins"] == 1 + 1 + 1 + 5 + 1 + 2 + 120 + 300  # corrections net out
    assert stats["exits"] == {
        "total": 1 + 2 + 10,
        "by_gate": {"后门出口": 3, "集镇广场": 10},
        "by_site": {"minzu-primary": 3, "dahe-town": 10},
    }

    # ...and what the report says, by source, site, day and with the corrections listed.
    a = report_of(run, science_day)["attendance"]
    counted = 1 + 1 + 45 - 45 + 3 - 3 + 1 + 5 + 1 + 2
    assert a["by_source"] == {"scanned": 5, "counted": counted, "paper": 120 + 80, "estimate": 300}
    assert sum(a["by_source"].values()) == a["total"] == 5 + counted + 200 + 300
    assert (a["registered"], a["walk_in"]) == (5, counted + 500)
    assert a["by_day"] == {day(0): 5 + counted, day(1): 300, day(2): 120, day(3): 80}
    assert a["by_site"] == {
        "minzu-primary": 5 + 1 + 1 + 1 + 5 + 1,
        "dahe-town": 2 + 120,
        "chengguan-community": 300,
        "lvshui-village": 80,
    }
    assert sum(a["by_hour"].values()) == 5 + counted  # a sheet has no hour
    assert [(c["by"], c["entry_by"], c["delta"], c["direction"]) for c in a["corrections"]] == [
        ("黄丽", "黄丽", 45, "in"),
        ("周杰", "刘洋", 3, "in"),
    ]
    # Full at 10, and the laptop's scan afterwards made it 11: the peak is what happened.
    assert a["peak_inside"]["minzu-primary"]["inside"] == 11
    assert a["peak_inside"]["minzu-primary"]["level"] == "full"
    # The --json contract: the same keys in the same order, times as ISO text with the offset.
    assert list(a) == [
        "total", "unique", "registered", "walk_in", "duplicates", "rejected", "by_site",
        "by_day", "by_gate", "by_hour", "by_audience", "late_uploads", "volunteers_on_duty",
        "volunteers", "by_source", "corrections", "peak_inside",
    ]  # fmt: skip
    assert [list(c) for c in a["corrections"]] == 2 * [
        ["at", "by", "entry_at", "entry_by", "gate", "site", "audience", "direction", "delta",
         "source"]
    ]  # fmt: skip
    assert all(
        dt.datetime.fromisoformat(c[key]).utcoffset() == dt.timedelta(hours=8)
        for c in a["corrections"]
        for key in ("at", "entry_at")
    )
    peak = a["peak_inside"]["minzu-primary"]
    assert list(peak) == ["inside", "at", "capacity", "level"] and peak["capacity"] == 10
    assert dt.datetime.fromisoformat(peak["at"]).utcoffset() == dt.timedelta(hours=8)
    # People who worked on site: not the laptop's login name, not the clerk typing sheets.
    assert a["volunteers"] == sorted(["黄丽", "刘洋", "周杰", "陈静", "赵老师"])
    assert a["volunteers_on_duty"] == 5
    with event_store(science_day) as store, store.reading() as db:
        by = db.execute(sql("SELECT by FROM qr_scans WHERE device = 'cli'")).one()
        rows = db.execute(sql("SELECT COUNT(*) FROM qr_headcounts")).scalar_one()
    assert by[0].startswith("login:")  # recorded, marked as the computer's account
    assert rows == 16  # 14 entries and 2 correcting entries: nothing deleted

    html = (science_day / "report" / "report.html").read_text(encoding="utf-8")
    assert "人次的来源" in html and "纸质签到补录" in html and "估算" in html
    assert "更正记录（撤销的记录）" in html
    assert re.search(r"场内人数最多时为11人（县民族小学，\d{4}年\d+月\d+日 \d\d:\d\d）", html)


def test_a_correction_is_an_entry_and_a_board_login_records_nothing(science_day, plugins):
    from starlette.testclient import TestClient

    from kexie_events.web import create_app

    huang = login(science_day, "黄丽", gate="校门")
    board = login(science_day, "大屏", role="board")
    with TestClient(create_app(science_day, plugins)) as client:
        tap = {"gate": "校门", "audience": "minors", "delta": 2, "scan_id": "tap-1"}
        assert client.post("/api/v1/headcounts", json=tap, headers=huang).status_code == 200
        undo = client.post("/api/v1/undo", json={"scan_id": "tap-1"}, headers=huang)
        assert undo.status_code == 200
        with event_store(science_day) as store, store.reading() as db:
            (correction,) = db.execute(
                sql(
                    "SELECT scan_id, corrects, delta, by FROM qr_headcounts"
                    " WHERE corrects IS NOT NULL"
                )
            ).all()
        assert correction == (None, "tap-1", -2, "黄丽")
        again = client.post("/api/v1/undo", json={"scan_id": "tap-1"}, headers=huang).json()
        assert again["recorded"] is False
        for path, body in (
            ("/api/v1/headcounts", dict(tap, scan_id="tap-2")),
            ("/api/v1/checkins", {"code": "000001", "gate": "校门", "scan_id": "s-1"}),
            ("/api/v1/undo", {"scan_id": "tap-1"}),
            ("/api/v1/actions/incident", {"choice": "heat", "what": "x", "done": "y"}),
        ):
            refused = client.post(path, json=body, headers=board)
            assert (refused.status_code, refused.json()["error"]) == (
                403,
                "看板登录只能查看，不能记录",
            ), path
        assert client.get("/api/v1/stats", headers=board).json()["walk_ins"] == 0
        late = {"site": "dahe-town", "audience": "farmers", "delta": 5, "source": "paper"}
        lead = login(science_day, "刘洋", role="lead")
        outside = client.post("/api/v1/headcounts", json=dict(late, at="2027-01-05"), headers=lead)
        assert outside.status_code == 400
        assert outside.json()["error"].startswith("补录的日期不在活动日期内（")
        live_with_at = client.post(
            "/api/v1/headcounts", json=dict(tap, scan_id="tap-3", at=day(0)), headers=huang
        )
        assert live_with_at.status_code == 400


def test_an_exit_must_be_one_of_the_sites_gates(science_day, run):
    edit(science_day, 'exits = ["后门出口"]', 'exits = ["后门"]')
    result = run("check", science_day)
    assert result.exit_code == 2
    assert "exits[0]" in result.output and "'后门'" in result.output


# --- Part of issue 13: one word for each thing, people on duty, checklist items by text -------


def test_the_page_status_and_report_use_the_same_words(science_day, run, live_server):
    huang = login(science_day, "黄丽", gate="校门")
    server = live_server(science_day)
    with httpx.Client(base_url=server.url, timeout=10) as client:
        page = client.get("/").text
        Gate(client, huang, "校门").count(3)
        Gate(client, huang, "校门").scan(codes_of(run, science_day)[1])
    words = json.loads(
        re.search(r'<script id="page-data" type="application/json">(.*?)</script>', page)[1]
    )["t"]
    assert (words["admitted"], words["walk_ins"]) == ("凭票入场", "无票入场")
    assert (words["duplicate"], words["rejected"]) == ("重复扫码", "无效票")
    status = run("status", science_day).output
    report = report_of(run, science_day)
    html = (science_day / "report" / "report.html").read_text(encoding="utf-8")
    markdown = (science_day / "report" / "report.md").read_text(encoding="utf-8")
    page_text = page + json.dumps(words, ensure_ascii=False)
    for text in (page_text, status, html, markdown, " ".join(report["narrative"])):
        assert "无票入场" in text
    for text in (page_text, status, html, markdown):
        for synonym in ("现场登记（无票）", "现场登记3", "重复入场", "无效门票", "已入场"):
            assert synonym not in text, synonym
    assert "凭票入场1人次，无票入场3人次" in status
    assert "其中凭票入场1人次、无票入场3人次" in report["narrative"][1]
    for word in ("凭票入场人次", "无票入场人次", "重复扫码", "无效票", "在岗志愿者"):
        assert word in html and word in markdown


def test_a_checklist_item_is_shown_by_its_text_and_its_id_only_in_the_command(make_event, run):
    folder = make_event("solar-eclipse-observation", "zh")
    items = {i["id"]: i for i in json.loads(run("checklist", folder, "--json").output)}
    status = run("status", folder).output
    critical_plan = [i for i in items.values() if i["phase"] == "plan" and i["critical"]]
    assert critical_plan[0]["text"] in status
    assert run("advance", folder).exit_code == 0
    blocked = run("advance", folder).output
    text = items["certified-glasses"]["text"]
    assert (
        f"应急检查关键项未完成：{text}（完成后勾选：kexie checklist DIR tick certified-glasses）"
        in (blocked)
    )
    result = run("report", folder)
    assert result.exit_code == 0, result.output
    html = (folder / "report" / "report.html").read_text(encoding="utf-8")
    section = html[html.index("未完成事项") :]
    for item_id in items:
        assert item_id not in section and item_id not in status
    assert f"★{text}" in section
    assert "<th>序号</th><th>阶段</th><th>检查事项</th>" in section


# --- On the phone: every tap answers, the gate list by site, undo ----------------------------

# Records the tones the page plays (the volunteer hears them; the test reads them).
TONES = """
window.__tones = [];
window.AudioContext = function () {
  return {
    currentTime: 0, destination: {},
    createGain: function () {
      return { connect: function () {}, gain: { setValueAtTime: function () {} } };
    },
    createOscillator: function () {
      var osc = { frequency: {}, connect: function () {}, stop: function () {},
                  start: function () { window.__tones.push(osc.frequency.value); } };
      return osc;
    }
  };
};
"""


def test_every_tap_answers_in_the_big_box_with_colour_words_and_sound(
    make_event, run, live_server, browser
):
    from playwright.sync_api import expect

    folder = make_event("solar-eclipse-observation", "zh")
    edit(
        folder,
        'gates = ["北门", "东门", "南门"]',
        'gates = ["北门", "东门", "南门", "西出口"]\nexits = ["西出口"]',
    )
    assert run("tickets", "issue", folder, "--count", "3").exit_code == 0
    code = codes_of(run, folder)[1]
    token = login(folder, "张敏", role="lead", gate="北门")["Authorization"].split()[1]
    server = live_server(folder)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    context.add_init_script(TONES)
    page = context.new_page()
    page.goto(f"{server.url}/#login={token}")
    expect(page.locator("#who")).to_have_text("张敏 · 负责人")
    box, title, reason = (
        page.locator("#answer"),
        page.locator("#answer-title"),
        page.locator("#answer-reason"),
    )

    def tones():
        return page.evaluate("window.__tones.splice(0)")

    def answered(kind, words, detail, tone):
        expect(box).to_have_class(f"answer {kind}")
        expect(title).to_have_text(words)
        expect(reason).to_have_text(detail)
        page.wait_for_function("window.__tones.length > 0")
        assert tones()[0] == tone

    # The gate list is grouped by site.
    groups = page.locator("#gate optgroup")
    expect(groups).to_have_count(2)
    assert groups.nth(0).get_attribute("label") == "县行政中心广场"
    expect(groups.nth(0).locator("option")).to_have_text(["北门", "东门", "南门", "西出口（出口）"])
    expect(groups.nth(1).locator("option")).to_have_text(["正门"])

    page.locator("button.walkin[data-audience='farmers']").click()
    answered("admitted", "已记录", "无票入场 1人（农民）", 880)
    page.locator("#many").fill("45")
    page.locator("button.walkin-many[data-audience='minors']").click()  # a class of 45
    answered("admitted", "已记录", "无票入场 45人（未成年人）", 880)
    expect(page.locator("#count-walkins")).to_have_text("46")
    page.locator("#many").fill("0")
    page.locator("button.walkin-many[data-audience='minors']").click()
    answered("error", "未记录", "请填写1到100之间的整数", 220)

    page.locator("#undo").click()  # the class was counted at the wrong gate
    answered("admitted", "已撤销", "无票入场 45人（未成年人）（已记一条更正）", 880)
    expect(page.locator("#count-walkins")).to_have_text("1")
    page.locator("#undo").click()
    answered("admitted", "已撤销", "无票入场 1人（农民）（已记一条更正）", 880)
    expect(page.locator("#count-walkins")).to_have_text("0")
    page.locator("#undo").click()
    answered("idle", "没有可撤销的计数", "", 220)

    def press(label, **fields):
        action = page.locator(".action").filter(has=page.get_by_role("button", name=label))
        for name, value in fields.items():
            field = action.locator(f"[name={name}]")
            if field.evaluate("e => e.tagName") == "SELECT":
                field.select_option(label=value)
            else:
                field.fill(value)
        action.get_by_role("button").click()

    press("发放观测镜", pairs="30")
    answered("admitted", "已记录", "已登记30副（北门），剩余9970副", 880)
    press("发放观测镜", pairs="99999")
    answered("error", "未记录", "库存不足：只剩9970副，不能发放99999副", 220)
    press("登记资料发放", choice="日食科普宣传单", quantity="200")
    answered("admitted", "已记录", "已登记日食科普宣传单200", 880)
    press("登记突发事件", choice="中暑", what="一名老人头晕", done="扶到医疗点休息")
    answered("admitted", "已记录", "事件已登记", 880)
    tick = page.locator(".action").filter(has=page.get_by_role("button", name="勾选应急检查项"))
    item = tick.locator("select option").first.text_content()
    tick.get_by_role("button").click()
    answered("admitted", "已记录", f"已勾选：{item.lstrip('★')}", 880)

    # At the exit: no walk-ins; a ticket goes out.
    page.locator("#gate").select_option(label="西出口（出口）")
    expect(page.locator("#walkins-section")).to_be_hidden()
    page.locator("#code").fill(code)
    page.locator("#code").press("Enter")
    answered("admitted", "出场", "票号 1", 880)
    page.locator("button.exit").click()
    answered("admitted", "已记录", "出场 1人", 880)

    context.set_offline(True)  # no network: it waits on the phone, and says so
    page.locator("button.exit").click()
    expect(box).to_have_class("answer queued")
    expect(title).to_have_text("已暂存")
    context.set_offline(False)
    expect(page.locator("#queue")).to_be_hidden(timeout=30_000)
    assert "Failed to fetch" not in page.content()
    context.close()
    with event_store(folder) as store, store.reading() as db:
        exits = db.execute(
            sql("SELECT SUM(delta) FROM qr_headcounts WHERE direction = 'out'")
        ).one()
        walk_ins = db.execute(
            sql("SELECT SUM(delta) FROM qr_headcounts WHERE direction = 'in'")
        ).one()
        handed = db.execute(sql("SELECT SUM(pairs) FROM glasses_handouts")).one()
    assert (exits[0], walk_ins[0], handed[0]) == (3, 0, 30)
