"""The organiser's logistics: eclipse glasses, display boards and materials, the emergency plan.

Each plugin is driven the way an organiser would: the event file, the gates, the records, the
documents, the report section.
"""

from __future__ import annotations

import json
import re

import docx
import pytest
from sqlalchemy import text
from starlette.testclient import TestClient

from kexie_events import volunteers
from kexie_events.eventfile import check_event, load_event
from kexie_events.records import BoardTile, ReportSection
from kexie_events.store import open_event_store
from kexie_events.web import create_app

from conftest import edit, event_store, line_of


def sections(folder, plugins) -> dict[str, ReportSection]:
    event = load_event(folder, plugins)
    with open_event_store(event, plugins) as store:
        found = plugins.collect("kexie_report_sections", ReportSection, event=event, store=store)
    return {section.id: section for section in found}


def login(folder, plugins, name="李强", gate=None, role="scanner") -> dict:
    with event_store(folder, plugins) as store:
        token = volunteers.add(store, name, role=role, by="test", site=None, gate=gate)
    return {"Authorization": f"Bearer {token}"}


# --- eclipse glasses ---------------------------------------------------------------------------


@pytest.fixture
def eclipse(make_event):
    return make_event("solar-eclipse-observation", "zh")


def test_glasses_plan_from_the_template(eclipse, run):
    status = run("status", eclipse).output
    assert "观测镜：库存10000副，计划10000副（配发104个单位6850副，现场3150副）" in status


def test_bad_allocation_rows_are_reported_by_line_and_nothing_is_imported(eclipse, run, tmp_path):
    before = (eclipse / "glasses-allocations.csv").read_bytes()
    bad = tmp_path / "units.csv"
    bad.write_text(
        "name,contact,pairs\n县一中,王老师,200\n,李老师,100\n县二中,,many\n县一中,张老师,50\n",
        encoding="utf-8",
    )
    result = run("glasses", "import", eclipse, bad)
    assert result.exit_code == 2
    assert f"{bad}:3: the unit's name is empty" in result.output
    assert f"{bad}:4: pairs for '县二中' must be a whole number, got 'many'" in result.output
    assert f"{bad}:5: '县一中' is listed twice (first on line 2)" in result.output
    assert "nothing was imported" in result.output
    assert (eclipse / "glasses-allocations.csv").read_bytes() == before
    (eclipse / "glasses-allocations.csv").write_bytes(bad.read_bytes())
    check = run("check", eclipse)
    assert check.exit_code == 2
    line = line_of(eclipse, "allocations = ")
    assert f"event.toml:{line}: plugins.eclipse-glasses.allocations: {eclipse}" in check.output
    good = tmp_path / "good.csv"
    good.write_text("name,contact,pairs\n县一中,王老师,200\n县二中,李老师,150\n", encoding="utf-8")
    assert run("glasses", "import", eclipse, good).output == "2 units imported\n"
    assert "配发2个单位350副" in run("status", eclipse).output


def test_launch_waits_until_there_are_enough_glasses(eclipse, run, register):
    edit(eclipse, "onsite_people = 3000", "onsite_people = 4000")
    register_all_ticked(eclipse, run)
    run("advance", eclipse)
    result = run("advance", eclipse)
    assert result.exit_code == 1
    assert "[eclipse-glasses] 观测镜不足：计划需要11050副，库存10000副，缺1050副" in result.output
    edit(eclipse, "stock = 10000", "stock = 11050")
    assert run("advance", eclipse).exit_code == 0


def register_all_ticked(folder, run):
    """Tick every checklist item so that only the plugin under test can block a gate."""
    items = json.loads(run("checklist", folder, "--json").output)
    for item in items:
        assert run("checklist", folder, "tick", item["id"]).exit_code == 0


def test_handouts_never_take_the_stock_below_zero(eclipse, run, plugins):
    edit(eclipse, "stock = 10000", "stock = 7000")
    result = run("glasses", "handout", eclipse, "--unit", "××县第一中学", "--pairs", "6800")
    assert result.exit_code == 0
    assert "200 left" in result.output
    refused = run("glasses", "handout", eclipse, "--gate", "北门", "--pairs", "201")
    assert refused.exit_code == 1
    assert "库存不足：只剩200副，不能发放201副" in refused.output
    headers = login(eclipse, plugins, gate="北门")
    with TestClient(create_app(eclipse, plugins)) as client:
        me = client.get("/api/v1/me", headers=headers).json()
        assert "glasses" in [a["id"] for a in me["actions"]]
        ok = client.post("/api/v1/actions/glasses", json={"pairs": 150}, headers=headers)
        assert ok.json() == {"ok": True, "message": "已登记150副（北门），剩余50副"}
        no = client.post("/api/v1/actions/glasses", json={"pairs": 51}, headers=headers)
        assert no.status_code == 409
        assert no.json()["message"] == "库存不足：只剩50副，不能发放51副"
    section = sections(eclipse, plugins)["eclipse-glasses"]
    assert section.figures["handed_out"] == 6950
    assert section.figures["remaining"] == 50
    assert section.figures["per_gate"] == {"北门": 150}
    assert section.figures["per_unit"] == {"××县第一中学": 6800}
    assert section.text == (
        "共发放日食观测镜6950副（向1个单位配发6800副，现场发放150副），剩余50副。",
    )
    with event_store(eclipse, plugins) as store, store.reading() as db:
        rows = db.execute(text("SELECT by, gate, at FROM glasses_handouts")).all()
    assert all(by and at.endswith("+08:00") for by, _gate, at in rows)


def test_glasses_documents_in_the_kit(eclipse, run):
    assert run("kit", eclipse).exit_code == 0
    kit = eclipse / "kit"
    distribution = (kit / "glasses-distribution.html").read_text()
    assert distribution.count("<tr><td>") == 105  # 104 units and the total
    assert "向104个学校、机关和乡镇单位免费配发6850副" in distribution
    receipts = docx.Document(str(kit / "glasses-receipts.docx"))
    text = "\n".join(p.text for p in receipts.paragraphs)
    assert text.count("日食观测镜领取回执") == 104
    assert "领取单位：××县第一中学" in text
    handout = (kit / "glasses-handout.html").read_text()
    assert '<td>北门</td><td class="num">1050</td>' in handout
    safety = (kit / "eye-safety.html").read_text()
    assert "ISO 12312-2" in safety
    assert "严禁透过未加装合格太阳滤光膜的望远镜、双筒镜" in safety


# --- display boards and printed materials ------------------------------------------------------


@pytest.fixture
def science_day(make_event):
    return make_event("science-day", "zh")


def test_print_order_and_rotation_for_the_science_day(science_day, run, plugins):
    checked = check_event(science_day, plugins)
    assert [p for p in checked.warnings if p.problem.key[:2] == ("plugins", "display-boards")] == []
    plan = checked.event.configs["display-boards"]
    quantities = {i.id: (i.planned, i.order_quantity) for i in plan.items}
    assert quantities == {
        "boards": (90, 90),
        "wall-charts": (200, 200),
        "leaflets": (30000, 30000),
        "readers": (1200, 1200),
    }
    leaflets = next(i for i in plan.items if i.id == "leaflets")
    assert sum(leaflets.per_site_day.values()) == 30000
    moves = [(m.day.isoformat(), m.source, m.target, len(m.boards)) for m in plan.moves()]
    assert moves == [
        ("2027-09-24", None, "minzu-primary", 90),
        ("2027-09-25", "minzu-primary", "chengguan-community", 90),
        ("2027-09-26", "chengguan-community", "dahe-town", 45),
        ("2027-09-26", "chengguan-community", "lvshui-village", 45),
        ("2027-09-27", "dahe-town", "county-middle", 45),
        ("2027-09-27", "lvshui-village", "county-middle", 45),
    ]
    assert run("kit", science_day).exit_code == 0
    rotation = (science_day / "kit" / "board-rotation.html").read_text()
    assert '<td>库房</td><td>县民族小学</td><td class="num">90</td>' in rotation
    packing = docx.Document(str(science_day / "kit" / "packing-lists.docx"))
    assert len(packing.tables) == 5  # one per site and day


def test_board_needed_at_two_sites_on_one_day_is_an_error(science_day, run):
    edit(science_day, 'boards = ["B46-B90"]', 'boards = ["B40-B90"]')
    result = run("check", science_day)
    assert result.exit_code == 2
    assert "board B40 is needed at dahe-town and at lvshui-village on 2027-09-26" in result.output


def test_a_day_without_boards_is_flagged(science_day, run):
    edit(
        science_day,
        'day = 2027-09-25\nsite = "chengguan-community"',
        'day = 2027-09-25\nsite = "minzu-primary"',
    )
    result = run("check", science_day)
    assert result.exit_code == 0
    assert "site 'chengguan-community' has no boards on 2027-09-25" in result.output


def test_launch_waits_for_the_print_order(science_day, run):
    edit(science_day, "ordered = 30000", "ordered = 20000")
    register_all_ticked(science_day, run)
    run("advance", science_day)
    result = run("advance", science_day)
    assert result.exit_code == 1
    assert "[display-boards] 科技资料（宣传单）：已订20000，计划30000" in result.output


def test_materials_handed_out_per_site_and_day(science_day, run, plugins):
    assert (
        run(
            "materials",
            "record",
            science_day,
            "leaflets",
            "--quantity",
            "2500",
            "--site",
            "dahe-town",
            "--day",
            "2027-09-26",
        ).exit_code
        == 0
    )
    wrong = run(
        "materials", "record", science_day, "leaflet", "--quantity", "1", "--site", "dahe-town"
    )
    assert wrong.exit_code == 2 and "did you mean 'leaflets'?" in wrong.output
    headers = login(science_day, plugins, name="黄丽", gate="集镇广场")
    import datetime as dt

    moment = dt.datetime(2027, 9, 26, 3, 0, tzinfo=dt.UTC)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("kexie_events.web.now", lambda: moment)
        with TestClient(create_app(science_day, plugins)) as client:
            body = {"choice": "readers", "quantity": 120, "site": "dahe-town"}
            answer = client.post("/api/v1/actions/materials", json=body, headers=headers)
    assert answer.json() == {"ok": True, "message": "已登记《纲要》读本120"}
    section = sections(science_day, plugins)["display-boards"]
    assert section.figures["items"]["leaflets"]["handed_out"] == 2500
    assert section.figures["items"]["readers"]["handed_out"] == 120
    table = section.tables[0]
    row = next(r for r in table.rows if r[0] == "科技资料（宣传单）" and r[1] == "大河镇集镇")
    assert row[2] == "2027年9月26日" and row[4] == 2500


# --- emergency plan ----------------------------------------------------------------------------


def test_checklist_ticks_are_recorded_and_unticking_too(eclipse, run, plugins):
    items = json.loads(run("checklist", eclipse, "--json").output)
    ids = [i["id"] for i in items]
    assert {
        "certified-glasses",
        "no-unfiltered-optics",
        "lost-children-point",
        "teacher-supervision",
        "risk-assessment",
    } <= set(ids)
    assert (
        run("checklist", eclipse, "tick", "risk-assessment", "--by", "县应急局 赵").exit_code == 0
    )
    assert (
        run("checklist", eclipse, "untick", "risk-assessment", "--by", "县科协 钱").exit_code == 0
    )
    again = run("checklist", eclipse, "untick", "risk-assessment")
    assert again.exit_code == 1 and "already open" in again.output
    typo = run("checklist", eclipse, "tick", "risk-asessment")
    assert "did you mean 'risk-assessment'?" in typo.output
    with event_store(eclipse, plugins) as store, store.reading() as db:
        rows = db.execute(text("SELECT item, ticked, by FROM emergency_ticks ORDER BY id")).all()
    assert rows == [("risk-assessment", 1, "县应急局 赵"), ("risk-assessment", 0, "县科协 钱")]
    # The list says the latest: unticked, by whom, and when (with the offset, as recorded).
    listed = {i["id"]: i for i in json.loads(run("checklist", eclipse, "--json").output)}
    latest = listed["risk-assessment"]
    assert (latest["done"], latest["by"]) == (False, "县科协 钱")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", latest["at"])
    assert (listed["certified-glasses"]["at"], listed["certified-glasses"]["by"]) == (None, None)


def test_critical_items_of_earlier_phases_block_launch_and_onsite(eclipse, run):
    assert run("advance", eclipse).exit_code == 0  # plan → materials: not gated by checklists
    blocked = run("advance", eclipse)
    assert blocked.exit_code == 1
    assert "应急检查关键项未完成：核验日食观测镜符合ISO 12312-2标准" in blocked.output
    assert "kexie checklist DIR tick certified-glasses" in blocked.output  # the id, for the command
    assert "briefing" not in blocked.output  # a launch item does not block the launch
    items = json.loads(run("checklist", eclipse, "--json").output)
    for item in items:
        if item["phase"] == "plan" and item["critical"]:
            run("checklist", eclipse, "tick", item["id"])
    assert run("advance", eclipse).exit_code == 0
    blocked = run("advance", eclipse)
    assert blocked.exit_code == 1
    assert "eye-safety-teaching" in blocked.output
    for item in items:
        if item["phase"] == "launch":
            run("checklist", eclipse, "tick", item["id"])
    assert run("advance", eclipse).exit_code == 0


def test_own_items_and_removed_items(eclipse, run):
    with (eclipse / "event.toml").open("a", encoding="utf-8") as f:
        f.write(
            '\n[[plugins.emergency-plan.items]]\nid = "drone-ban"\nphase = "plan"\n'
            'text = "向公安报备禁飞无人机"\ncritical = true\n'
        )
    edit(
        eclipse,
        'checklists = ["solar-observation", "large-crowd", "minors"]',
        'checklists = ["solar-observation", "large-crowd", "minors"]\n'
        'remove = ["traffic-plan", "volunteer-insuranse"]',
    )
    result = run("check", eclipse)
    assert result.exit_code == 2
    assert "no ready-made item 'volunteer-insuranse', did you mean 'volunteer-insurance'?" in (
        result.output
    )
    edit(eclipse, '"volunteer-insuranse"', '"volunteer-insurance"')
    ids = [i["id"] for i in json.loads(run("checklist", eclipse, "--json").output)]
    assert "drone-ban" in ids and "traffic-plan" not in ids and "volunteer-insurance" not in ids


def test_incidents_from_the_cli_and_the_phone(eclipse, run, plugins):
    assert (
        run(
            "incident",
            "add",
            eclipse,
            "--type",
            "heat",
            "--site",
            "plaza",
            "--gate",
            "北门",
            "--what",
            "一名老人中暑",
            "--done",
            "送医疗点处置后好转",
            "--at",
            "2035-09-02 09:40",
            "--by",
            "陈静",
        ).exit_code
        == 0
    )
    headers = login(eclipse, plugins, name="赵磊", gate="南门")
    lead = login(eclipse, plugins, name="张敏", role="lead")
    with TestClient(create_app(eclipse, plugins)) as client:
        body = {
            "choice": "lost-child",
            "what": "男孩（约6岁）与家长走散",
            "done": "广播寻人，10分钟后找到",
        }
        ok = client.post("/api/v1/actions/incident", json=body, headers=headers)
        assert ok.json()["ok"] is True
        mine = [a["id"] for a in client.get("/api/v1/me", headers=headers).json()["actions"]]
        assert "checklist-tick" not in mine  # only leads tick
        actions = client.get("/api/v1/me", headers=lead).json()["actions"]
        tick = next(a for a in actions if a["id"] == "checklist-tick")
        incident = next(
            a
            for a in client.get("/api/v1/me", headers=headers).json()["actions"]
            if a["id"] == "incident"
        )
        assert incident["labels"] == {"what": "发生了什么", "done": "如何处置"}
        assert ["risk-assessment", "★完成活动安全风险评估，明确主要风险、防范措施和责任人"] in (
            tick["choices"]
        )
        done = client.post(
            "/api/v1/actions/checklist-tick", json={"choice": "risk-assessment"}, headers=lead
        )
        assert done.json()["message"].startswith("已勾选：完成活动安全风险评估")
    incidents = json.loads(run("incident", "list", eclipse, "--json").output)
    by_type = {i["type"]: i for i in incidents}
    assert set(by_type) == {"heat", "lost-child"}
    assert by_type["heat"]["at"] == "2035-09-02T09:40:00+08:00"
    assert (by_type["heat"]["site"], by_type["heat"]["gate"]) == ("plaza", "北门")
    assert (by_type["lost-child"]["by"], by_type["lost-child"]["gate"]) == ("赵磊", "南门")
    section = sections(eclipse, plugins)["emergency-plan"]
    assert section.figures["incidents"] == 2
    assert section.figures["done"] == 1
    assert section.text[1] == "现场共登记突发事件2起（中暑1起、儿童走失1起），处置情况见下表。"
    heat = next(row for row in section.tables[-1].rows if row[2] == "中暑")
    assert heat[:2] == ("09:40", "plaza 北门")  # the time of day, local
    event = load_event(eclipse, plugins)
    with open_event_store(event, plugins) as store:
        tiles = plugins.collect("kexie_board_tiles", BoardTile, event=event, store=store)
    board = next(tile for tile in tiles if tile.id == "incidents")
    assert board.value == "2"
    assert board.detail[0] == "09:40 中暑 北门 一名老人中暑"  # the newest first


def test_emergency_plan_document_follows_the_checklists(eclipse, run):
    run("kit", eclipse)
    plan = (eclipse / "kit" / "emergency-plan.html").read_text()
    for title in ("拥挤踩踏", "中暑和突发疾病", "恶劣天气", "眼部不适", "儿童走失"):
        assert title in plan
    assert "行政中心北侧停车场" in plan
    assert "<td>志愿者负责人</td><td>张敏</td><td>138 0000 0001</td>" in plan
    checklists = docx.Document(str(eclipse / "kit" / "checklists.docx"))
    assert len(checklists.tables) == 4  # plan, launch, onsite, report
    lecture = eclipse.parent / "lt"
    run("new", lecture, "--template", "lecture-tour")
    run("kit", lecture)
    assert "眼部不适" not in (lecture / "kit" / "emergency-plan.html").read_text()


def test_hook_kexie_report_sections(eclipse, run, plugins):
    run("glasses", "handout", eclipse, "--gate", "东门", "--pairs", "30")
    found = sections(eclipse, plugins)
    assert set(found) == {"eclipse-glasses", "display-boards", "emergency-plan", "observation"}
    assert all(s.plugin == s.id for s in found.values())
    assert found["eclipse-glasses"].figures["onsite"] == 30
