"""Township scoring (issue 17): eight townships' lecture tours scored, ranked and rewarded.

The county science association's December 考核: every township ran one or two lecture tours
(made with ``kexie new``, each naming its township with ``unit = "..."``), typed in its sign-in
sheets with ``kexie headcount add``, and the office runs ``kexie rollup ... --by unit`` against
the year's targets file with its rubric (tests/data/scoring-targets.toml).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import edit

TARGETS = Path(__file__).parent / "data" / "scoring-targets.toml"
DAY = "2027-10-20"  # the lecture-tour template's first day

# Each township's tours, as (farmers, others) signed in on paper per tour.
TOURS = {
    "绿水乡": [(240, 360)],
    "漫水乡": [(100, 150), (50, 100)],
    "翔凤镇": [(200, 400), (100, 300)],
    "百福司镇": [(120, 280)],
    "大河镇": [(150, 350)],
    "三胡乡": [(80, 220)],
    "旧司镇": [(60, 90)],
    "革勒车镇": [(100, 333)],
}

# By hand, with the rubric: training 50 × people ÷ target (500, or 800 for 翔凤镇 and 百福司镇),
# at most 60; farmers 30 × farmers ÷ 200, at most 30; sessions 20 × sessions ÷ 6 (a tour holds 3
# sessions), at most 20; then the hand-entered bonus (绿水乡 +3, 三胡乡 -2).
EXPECTED = [
    # unit, training, farmers, sessions, bonus, total, rank
    ("翔凤镇", 60, 30, 20, 0, 110, 1),  # 1000/800 → 62.5, capped at 60; 300 farmers capped
    ("绿水乡", 60, 30, 10, 3, 103, 2),  # 600/500 → 60; 240 farmers capped at 30
    ("漫水乡", 40, 22.5, 20, 0, 82.5, 3),  # 400/500; 150/200; two tours
    ("大河镇", 50, 22.5, 10, 0, 82.5, 3),  # a tie with 漫水乡: both third, 600 yuan each
    ("革勒车镇", 43.3, 15, 10, 0, 68.3, 5),  # 433/500; the next rank after the tie is 5
    ("百福司镇", 25, 18, 10, 0, 53, 6),  # 400/800; 120/200
    ("三胡乡", 30, 12, 10, -2, 50, 7),  # 300/500; 80/200; a deduction
    ("旧司镇", 15, 9, 10, 0, 34, 8),  # 150/500; 60/200
]


@pytest.fixture
def townships(tmp_path_factory):
    """Ten lecture tours of eight townships and one the county ran itself (no unit).

    Made for each test: on PostgreSQL runs every test has a database of its own, and the
    counts must be in the one the test reads.
    """
    from click.testing import CliRunner

    from kexie_events.cli import cli
    from kexie_events.plugins import Plugins

    plugins = Plugins.load(environ={})
    runner = CliRunner()

    def run(*args):
        result = runner.invoke(cli, [str(a) for a in args], obj={"plugins": plugins})
        assert result.exit_code == 0, result.output
        return result

    root = tmp_path_factory.mktemp("townships")
    folders = []
    for unit, tours in {**TOURS, "": [(500, 500)]}.items():
        for number, (farmers, others) in enumerate(tours, 1):
            folder = root / f"{unit or '县科协'}-{number}"
            run("new", folder, "--template", "lecture-tour")
            if unit:
                edit(folder, 'kind = "lecture-tour"\n', f'kind = "lecture-tour"\nunit = "{unit}"\n')
            for audience, count in (("farmers", farmers), ("others", others)):
                run(
                    "headcount", "add", folder, "--site", "manshui", "--date", DAY,
                    "--audience", audience, "--count", count, "--by", "县科协办公室",
                )  # fmt: skip
            folders.append(folder)
    return folders


def scored(run, folders, targets=TARGETS, *more):
    return run("rollup", *folders, "--targets", targets, "--by", "unit", *more)


def test_townships_are_scored_ranked_and_rewarded_as_counted_by_hand(townships, run, tmp_path):
    result = scored(run, townships, TARGETS, "--out", tmp_path / "year", "--json")

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    units = data["units"]
    assert [
        (
            u["unit"],
            u["points"]["training"],
            u["points"]["farmers"],
            u["points"]["sessions"],
            u["points"]["bonus"],
            u["total"],
            u["rank"],
        )
        for u in units
    ] == EXPECTED
    by_unit = {u["unit"]: u for u in units}
    assert by_unit["翔凤镇"]["figures"] == {"training": 1000, "farmers": 300, "sessions": 6}
    assert by_unit["绿水乡"]["figures"] == {"training": 600, "farmers": 240, "sessions": 3}
    # The reward of a shared rank goes to every unit holding it; nothing below third.
    assert [u["reward"] for u in units] == [1000, 800, 600, 600, None, None, None, None]
    # The county's own tour counts towards the county's targets but is not ranked.
    indicators = {i["id"]: i["actual"] for i in data["indicators"]}
    assert indicators["training"] == 600 + 400 + 1000 + 400 + 500 + 300 + 150 + 433 + 1000
    assert data["scoring"]["no_unit"]["figures"]["training"] == 1000
    assert "1项活动未注明承办单位（unit），单独汇总，不参加排名：县科协-1" in result.stderr
    assert "各项得分为0" not in result.output  # every township ran something


def test_the_score_sheet_is_printed_and_written_in_word_and_excel(townships, run, tmp_path):
    import docx
    import openpyxl

    out = tmp_path / "year"
    result = scored(run, townships, TARGETS, "--out", out)

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    sheet = lines.index("××县2027年度乡镇科普工作考核得分表")
    assert lines[sheet + 1].startswith("  第1名  翔凤镇  总分110  科技培训人次60分（1000/800）")
    assert lines[sheet + 1].endswith("奖励1000元")
    assert "第3名  漫水乡  总分82.5" in lines[sheet + 3]
    assert "第3名  大河镇  总分82.5" in lines[sheet + 4]
    assert "第5名  革勒车镇  总分68.3" in lines[sheet + 5]
    assert "加减分-2" in lines[sheet + 7]

    page = (out / "scores.html").read_text(encoding="utf-8")
    assert "<h1>××县2027年度乡镇科普工作考核得分表</h1>" in page
    assert "获评省级科普示范乡镇" in page

    document = docx.Document(out / "scores.docx")
    assert document.paragraphs[0].text == "××县2027年度乡镇科普工作考核得分表"
    scores = document.tables[0]
    header = [cell.text for cell in scores.rows[0].cells]
    assert header[:2] == ["名次", "单位"] and header[-3:] == ["加减分", "总分", "奖励"]
    rows = [[cell.text for cell in row.cells] for row in scores.rows[2:]]
    assert [(row[0], row[1], row[-2], row[-1]) for row in rows[:5]] == [
        ("1", "翔凤镇", "110", "1000元"),
        ("2", "绿水乡", "103", "800元"),
        ("3", "漫水乡", "82.5", "600元"),
        ("3", "大河镇", "82.5", "600元"),
        ("5", "革勒车镇", "68.3", ""),
    ]
    assert rows[0][2:5] == ["1000", "800", "60"]  # training: actual, the town's target, points
    # The official format: 仿宋 body, the title centred (GB/T 9704, as the kit's documents).
    assert (
        document.styles["Normal"].element.rPr.rFonts.get(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"
        )
        == "仿宋"
    )

    workbook = openpyxl.load_workbook(out / "rollup.xlsx")
    assert workbook.sheetnames[0] == "考核得分"
    cells = [list(row) for row in workbook["考核得分"].iter_rows(values_only=True)]
    assert cells[0][:5] == [
        "名次",
        "单位",
        "科技培训人次完成数",
        "科技培训人次目标数",
        "科技培训人次得分",
    ]
    assert cells[1] == [1, "翔凤镇", 1000, 800, 60, 300, 200, 30, 6, 6, 20, 0, 110, 1000]
    assert [row[1] for row in cells[1:]] == [unit for unit, *_rest in EXPECTED]
    assert [row[-2] for row in cells[1:]] == [total for *_head, total, _rank in EXPECTED]
    assert (out / "scores.csv").read_text(encoding="utf-8-sig").startswith("名次,单位,")


def rubric_error(run, townships, tmp_path, old: str, new: str):
    """Run the roll-up with one line of the rubric changed; the result and that line's number."""
    text = TARGETS.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "targets.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    line = text[: text.index(old)].count("\n") + 1
    return scored(run, townships, path, "--out", tmp_path / "year"), path, line


@pytest.mark.parametrize(
    ("old", "new", "key", "message"),
    [
        (
            'indicator = "farmers"',
            'indicator = "farmer"',
            "rubric.items[1].indicator",
            "did you mean 'farmers'",
        ),
        ("cap = 60", "cap = 40", "rubric.items[0].cap", "must be at least the weight (50)"),
        ('unit = "三胡乡"', 'unit = "三湖乡"', "rubric.bonus[1].unit", "no unit '三湖乡'"),
        ("weight = 30", 'weight = "30分"', "rubric.items[1].weight", "expected a number"),
    ],
)
def test_a_rubric_error_names_file_line_and_key(townships, run, tmp_path, old, new, key, message):
    result, path, line = rubric_error(run, townships, tmp_path, old, new)

    assert result.exit_code == 2
    assert f"{path}:{line}: {key}: " in result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "year").exists()


def test_an_event_of_a_township_not_listed_is_an_error_in_its_event_file(townships, run, tmp_path):
    stray = townships[0]
    edit(stray, 'unit = "绿水乡"', 'unit = "绿水"')
    try:
        result = scored(run, townships, TARGETS, "--out", tmp_path / "year")
    finally:
        edit(stray, 'unit = "绿水"', 'unit = "绿水乡"')

    assert result.exit_code == 2
    assert f"{stray / 'event.toml'}:9: unit: unit '绿水' is not listed" in result.output


def test_scoring_needs_a_rubric(townships, run, tmp_path):
    result = run("rollup", *townships[:2], "--by", "unit", "--out", tmp_path / "year")
    assert result.exit_code == 2
    assert "[rubric]" in result.output and "Traceback" not in result.output


def test_the_documented_target_file_reads_as_documented(tmp_path):
    from kexie_events.rollup import read_targets

    guide = (Path(__file__).parents[1] / "docs" / "report.md").read_text(encoding="utf-8")
    section = guide.split("### Scoring units (kexie rollup --by unit)", 1)[1]
    path = tmp_path / "targets.toml"
    path.write_text(section.split("```toml\n", 1)[1].split("```", 1)[0], encoding="utf-8")

    targets = read_targets(path)

    assert [unit.name for unit in targets.units] == ["绿水乡", "翔凤镇"]
    assert [(i.indicator, i.weight, i.cap) for i in targets.rubric.items] == [
        ("training", 50, 60),
        ("farmers", 30, 30),
        ("lectures", 20, 20),
    ]
    assert targets.rubric.reward(1) == 1000 and targets.rubric.reward(4) is None


def test_a_township_with_no_event_scores_nothing_and_is_named(townships, run, tmp_path):
    without = [folder for folder in townships if not folder.name.startswith("旧司镇")]

    result = scored(run, without, TARGETS, "--out", tmp_path / "year", "--json")

    assert result.exit_code == 0, result.output
    last = json.loads(result.stdout)["units"][-1]
    assert (last["unit"], last["total"], last["rank"]) == ("旧司镇", 0, 8)
    assert "旧司镇：本次汇总中没有该单位承办的活动，各项得分为0" in result.output


def test_nothing_to_score_without_units(townships, run, tmp_path):
    county = [folder for folder in townships if folder.name.startswith("县科协")]
    text = TARGETS.read_text(encoding="utf-8")
    path = tmp_path / "targets.toml"
    # The rubric without the [[units]] list and its bonus items, for the county's own tour.
    path.write_text(
        text.split("# 各乡镇", 1)[0]
        + "[rubric]"
        + text.split("[rubric]", 1)[1].split("[[rubric.bonus]]")[0],
        encoding="utf-8",
    )

    result = scored(run, county, path, "--out", tmp_path / "year")

    assert result.exit_code == 2
    assert "nothing to score: no event names its unit" in result.output


def test_an_english_score_sheet(make_event, run, tmp_path):
    import docx

    folders = []
    for unit, farmers in (("Greenwater", 300), ("Manshui", 200)):
        folder = make_event("lecture-tour", "en").rename(tmp_path / unit)
        edit(folder, 'kind = "lecture-tour"\n', f'kind = "lecture-tour"\nunit = "{unit}"\n')
        added = run(
            "headcount", "add", folder, "--site", "manshui", "--date", DAY,
            "--audience", "farmers", "--count", farmers, "--by", "office",
        )  # fmt: skip
        assert added.exit_code == 0, added.output
        folders.append(folder)
    targets = tmp_path / "targets.toml"
    targets.write_text(
        'title = "County targets 2027"\n\n'
        '[[targets]]\nid = "trained"\nname = "People trained"\nmeasure = "attendance"\n'
        "target = 1000\n\n"
        "[rubric]\nrewards = [1000, 800]\n\n"
        '[[rubric.items]]\nindicator = "trained"\nweight = 100\ncap = 120\ntarget = 250\n',
        encoding="utf-8",
    )

    result = scored(run, folders, targets, "--out", tmp_path / "year")

    assert result.exit_code == 0, result.output
    assert "  1. Greenwater  total 120  People trained 120 (300/250)  reward 1,000 yuan" in (
        result.stdout.splitlines()
    )
    assert "  2. Manshui  total 80  People trained 80 (200/250)  reward 800 yuan" in (
        result.stdout.splitlines()
    )
    document = docx.Document(tmp_path / "year" / "scores.docx")
    assert document.paragraphs[0].text == "County targets 2027: unit scores"
    assert "2 units scored on the events they ran: 1 measure worth 100 points" in (
        document.paragraphs[1].text
    )


@pytest.fixture
def county_office(townships, plugins, tmp_path):
    """The county office's console over the townships' year, logged in as an admin."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware

    from kexie_events.console import rollup_pages
    from kexie_events.console.accounts import open_accounts
    from kexie_events.console.auth import ConsoleAuth, console_auth_routes
    from kexie_events.console.root import Root

    from conftest import console_login

    root = Root.at(townships[0].parent)
    with open_accounts(root) as accounts:
        app = Starlette(
            routes=[*console_auth_routes(accounts), *rollup_pages.routes(root, plugins)],
            middleware=[Middleware(ConsoleAuth, accounts=accounts)],
        )
        browser, csrf = console_login(app, accounts, "县科协", "/console/rollup", role="admin")
        yield browser, csrf, [folder.name for folder in townships]


def roll_up_in_the_console(county_office, text: str):
    browser, csrf, events = county_office
    fields = [("csrf", (None, csrf)), *(("event", (None, e)) for e in events)]
    fields.append(("targets", ("2027年度指标.toml", text.encode(), "application/toml")))
    return browser.post("/console/rollup", files=fields)


def test_the_console_scores_the_townships_when_the_targets_file_has_a_rubric(county_office):
    import re
    from html import unescape

    browser = county_office[0]
    made = roll_up_in_the_console(county_office, TARGETS.read_text(encoding="utf-8"))
    assert made.status_code == 303, made.text
    page = unescape(browser.get("/console/rollup").text)
    rows = re.findall(r"<tr><td[^>]*>(第\d名)</td><th scope=\"row\">([^<]+)</th>(.*?)</tr>", page)
    assert [(rank, unit) for rank, unit, _cells in rows] == [
        (f"第{rank}名", unit) for unit, *_points, rank in EXPECTED
    ]
    first = re.findall(r'<td class="num">([^<]*)</td>', rows[0][2])
    assert first[-2:] == ["110", "1000元"]  # 翔凤镇: the total, and the first prize
    assert "考核得分表：网页（可打印）" in page
    assert browser.get("/console/rollup/files/scores.docx").status_code == 200


def test_a_rubric_error_is_shown_in_chinese_in_the_console(county_office):
    text = TARGETS.read_text(encoding="utf-8")
    refused = roll_up_in_the_console(
        county_office, text.replace('unit = "三胡乡"', 'unit = "三湖乡"', 1)
    )
    assert refused.status_code == 422
    assert "本次汇总的活动中没有单位“三湖乡”，是不是“三胡乡”？" in refused.text
    capped = roll_up_in_the_console(county_office, text.replace("cap = 60", "cap = 40", 1))
    assert "封顶分不能低于权重分（50分），这里是40" in capped.text
