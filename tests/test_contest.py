"""The youth contest, as a county science association runs it: 300 entries from the schools,
12 judges who never score their own school, scores combined by the trimmed mean, prizes per
category, 45 entries sent on to the province, the report and the award certificates."""

from __future__ import annotations

import csv
import json
import random
from fractions import Fraction
from pathlib import Path

import docx
import openpyxl
import pytest
from test_chinese_documents import ALLOWED, MACHINE, visible_text

from conftest import edit

CATEGORIES = {"科技创新成果": 130, "科幻画": 100, "科技实践活动": 70}
# Seven of these are also judges' schools (contest-judges.csv of the template).
SCHOOLS = (
    "县第一中学",
    "县第二中学",
    "县民族中学",
    "城关镇第一小学",
    "城关镇第二小学",
    "县实验小学",
    "县职业中学",
    "绿水乡中心小学",
    "漫水乡中心小学",
    "翔凤镇中学",
    "翔凤镇中心小学",
    "高罗乡中心小学",
    "椿木营乡中学",
    "李家河镇中心小学",
    "沙道沟镇中学",
)
# Entries whose scores the test sets by hand: (scores in the judges' order), trimmed mean.
BY_HAND = {
    "C-001": ((90, 70, 85, 80, 95), Fraction(255, 3)),  # drop 95 and 70: (80+85+90)/3
    "C-002": ((88.5, 88.5, 60, 99, 75), Fraction(252, 3)),  # drop 99 and 60: 84.00
    "C-003": ((50, 100, 100, 100, 100), Fraction(100)),  # drop one 100 and 50
}


def write_entries(path: Path, rows: list[dict]) -> None:
    """The entries as the schools' forms are collected: a CSV with Chinese headers."""
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["作品名称", "类别", "学校", "学生", "指导教师"])
        for row in rows:
            writer.writerow([row["title"], row["category"], row["school"], row["pupils"], "王老师"])


def generated_entries() -> list[dict]:
    """300 entries: categories 130 / 100 / 70, spread over 15 schools."""
    rng = random.Random(17)
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    rows = []
    for category, count in CATEGORIES.items():
        for index in range(count):
            pupils = "、".join(
                rng.choice(surnames) + rng.choice("小明华丽强芳伟静磊敏")
                for _ in range(rng.randint(1, 3))
            )
            rows.append(
                {
                    "title": f"{category}作品{index + 1:03d}号",
                    "category": category,
                    "school": SCHOOLS[(index * 7 + len(rows)) % len(SCHOOLS)],
                    "pupils": pupils,
                }
            )
    return rows


@pytest.fixture
def contest(make_event, run, tmp_path):
    """A youth contest from the template with its 300 entries imported: ``(folder, entries)``
    where ``entries`` maps each code to the row it was imported from."""
    folder = make_event("youth-contest", "zh")
    rows = generated_entries()
    source = tmp_path / "作品汇总.csv"
    write_entries(source, rows)
    result = run("contest", "entries", folder, source)
    assert result.exit_code == 0, result.output
    assert "新增作品300件" in result.output
    return folder, {f"C-{n:03d}": row for n, row in enumerate(rows, 1)}


def judges_schools(folder: Path) -> dict[str, str]:
    with (folder / "contest-judges.csv").open(encoding="utf-8") as file:
        return {row["姓名"]: row["学校"] for row in csv.DictReader(file)}


def sheet_rows(folder: Path) -> list[tuple]:
    """The kit's score-entry workbook: (judge, code, title, category, score) per row."""
    sheet = openpyxl.load_workbook(folder / "kit" / "contest-score-entry.xlsx").active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("评委", "作品编号", "作品名称", "类别", "分数")
    return rows[1:]


def fill_scores(folder: Path, target: Path) -> dict[str, dict[str, float]]:
    """Judges fill in the workbook; returns what they wrote, ``{code: {judge: score}}``."""
    rng = random.Random(4)
    book = openpyxl.load_workbook(folder / "kit" / "contest-score-entry.xlsx")
    sheet = book.active
    given: dict[str, dict[str, float]] = {}
    for row in sheet.iter_rows(min_row=2):
        judge, code = row[0].value, row[1].value
        mine = given.setdefault(code, {})
        by_hand = BY_HAND.get(code)
        score = by_hand[0][len(mine)] if by_hand else rng.randint(550, 980) / 10
        row[4].value = score
        mine[judge] = score
    book.save(target)
    return given


def trimmed_mean(scores) -> Fraction:
    """Worked out the way the rules say, independently of the plugin."""
    ordered = sorted(Fraction(str(s)) for s in scores)
    return sum(ordered[1:-1], Fraction(0)) / (len(ordered) - 2)


def report_of(run, folder) -> dict:
    result = run("report", folder, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output[: result.output.rindex("}") + 1])


def test_a_contest_from_entries_to_the_province(contest, run, tmp_path):
    folder, entries = contest
    judges = judges_schools(folder)
    assert len(judges) == 12

    # The kit: a score sheet per judge, none with an entry of the judge's own school.
    result = run("kit", folder)
    assert result.exit_code == 0, result.output
    rows = sheet_rows(folder)
    assert len(rows) == 300 * 5
    for judge, code, title, _category, score in rows:
        assert judges[judge] != entries[code]["school"], (judge, code)
        assert title == entries[code]["title"] and score is None
    per_judge = {j: sum(1 for r in rows if r[0] == j) for j in judges}
    assert max(per_judge.values()) - min(per_judge.values()) <= 1  # the work is shared evenly
    sheets = (folder / "kit" / "contest-score-sheets.html").read_text(encoding="utf-8")
    assert sheets.count("评委评分表</h1>") == 12
    assert "评委：王志强（县第一中学）" in sheets
    assert (folder / "kit" / "contest-score-sheets.docx").stat().st_size > 0

    # The judges' scores come back and are imported.
    filled = tmp_path / "评分.xlsx"
    given = fill_scores(folder, filled)
    result = run("contest", "scores", folder, filled)
    assert result.exit_code == 0, result.output
    assert "记录评分1500条" in result.output

    # Ranks per category follow the trimmed mean worked out here.
    listing = json.loads(run("contest", "results", folder, "--json").output)
    assert listing["unfinished"] == 0
    results = {r["code"]: r for r in listing["entries"]}
    for code, (_scores, expected) in BY_HAND.items():
        assert Fraction(results[code]["score"]).limit_denominator(1000) == expected
        assert trimmed_mean(given[code].values()) == expected
    assert results["C-003"]["rank"] == 1 and results["C-003"]["prize"] == "first"
    for category, count in CATEGORIES.items():
        mine = [c for c in entries if entries[c]["category"] == category]
        by_mean = sorted(mine, key=lambda c: -trimmed_mean(given[c].values()))
        ranked = sorted(mine, key=lambda c: (results[c]["rank"], c))
        means = [trimmed_mean(given[c].values()) for c in ranked]
        assert means == sorted(means, reverse=True)
        assert ranked[:3] == by_mean[:3]
        prizes = [results[c]["prize"] for c in ranked]
        assert prizes.count("first") >= round(count * 0.1)
        assert prizes.count("first") + prizes.count("second") + prizes.count("third") >= round(
            count * 0.6
        )

    # 45 sent on, split over the categories by their entries: 19.5, 15 and 10.5.
    result = run("contest", "select", folder, "--send", "45", "--json")
    assert result.exit_code == 0, result.output
    chosen = json.loads(result.output)["entries"]
    assert len(chosen) == 45
    per_category = {c: [e for e in chosen if e["category"] == c] for c in CATEGORIES}
    assert {c: len(v) for c, v in per_category.items()} == {
        "科技创新成果": 20,
        "科幻画": 15,
        "科技实践活动": 10,
    }
    for sent in per_category.values():
        assert [e["rank"] for e in sent] == sorted(e["rank"] for e in sent)
        assert max(e["rank"] for e in sent) == len(sent)

    # The recommendation list for the province, in the kit.
    assert run("kit", folder).exit_code == 0
    page = (folder / "kit" / "contest-recommendation.html").read_text(encoding="utf-8")
    assert "现推荐以下45件作品参加省级比赛" in page
    assert page.count("<tr>") == 46
    word = docx.Document(str(folder / "kit" / "contest-recommendation.docx"))
    assert len(word.tables[0].rows) == 46

    # The report counts what the test recorded.
    report = report_of(run, folder)
    figures = report["sections"]["contest"]
    schools = {row["school"] for row in entries.values()}
    assert figures["entries"] == 300
    assert figures["sent_on"] == 45
    assert figures["schools"] == len(schools) == 15
    assert figures["judges"] == 12
    assert figures["scores"] == 1500
    assert figures["by_category"] == CATEGORIES
    awarded = sum(1 for r in results.values() if r["prize"])
    assert sum(figures["prizes"].values()) == awarded
    html = folder / "report"
    assert run("report", folder, "--format", "html", "--out", html).exit_code == 0
    report_page = (html / "report.html").read_text(encoding="utf-8")
    assert "本届大赛共收到15所学校的参赛作品300件" in report_page
    assert "推荐45件优秀作品参加省级比赛" in report_page

    # Everything a person reads in a Chinese contest is Chinese: no ids, no machine words.
    pages = [p for p in (folder / "kit").glob("contest-*.html")] + [html / "report.html"]
    assert len(pages) == 4
    for page in pages:
        assert not set(MACHINE.findall(visible_text(page))) - ALLOWED, page.name


def test_a_judge_cannot_score_their_own_school_and_nothing_is_imported(contest, run, tmp_path):
    folder, entries = contest
    own = next(c for c, row in entries.items() if row["school"] == "县第一中学")
    other = next(c for c, row in entries.items() if row["school"] == "绿水乡中心小学")
    sheet = tmp_path / "评分.csv"
    sheet.write_text(
        "评委,作品编号,分数\n"
        f"李秀英,{other},88\n"
        f"王志强,{own},95\n"  # line 3: his own school
        "李秀英,C-999,80\n"  # line 4: no such entry
        f"李秀英,{own},101\n"  # line 5: out of range
        f"无名氏,{other},80\n",  # line 6: not a judge
        encoding="utf-8",
    )
    result = run("contest", "scores", folder, sheet)
    assert result.exit_code == 2
    assert f"{sheet}:3: 评委王志强与作品{own}同属县第一中学，应当回避，不能评分" in result.output
    assert f"{sheet}:4: 没有编号为“C-999”的作品" in result.output
    assert f"{sheet}:5: 分数应为0至100之间的数" in result.output
    assert f"{sheet}:6: 评委名单中没有“无名氏”" in result.output
    assert "nothing was imported" in result.output
    assert "Traceback" not in result.output
    listing = json.loads(run("contest", "results", folder, "--json").output)
    assert all(entry["scores"] == 0 for entry in listing["entries"])


def test_bad_entry_rows_are_named_and_nothing_is_imported(make_event, run, tmp_path):
    folder = make_event("youth-contest", "zh")
    source = tmp_path / "作品.csv"
    source.write_text(
        "作品名称,类别,学校,学生,指导教师\n"
        "智能浇花器,科技创新成果,县第一中学,王小明,李老师\n"
        "未来城市,科幻画作品,县实验小学,张华,\n"  # line 3: no such category
        "水质检测,科技实践活动,,刘洋,\n",  # line 4: no school
        encoding="utf-8",
    )
    result = run("contest", "entries", folder, source)
    assert result.exit_code == 2
    assert f"{source}:3: 没有“科幻画作品”这个类别" in result.output
    assert f"{source}:4: “学校”是空的" in result.output
    listing = json.loads(run("contest", "results", folder, "--json").output)
    assert listing["entries"] == []


def test_entry_codes_stay_with_their_entries(make_event, run, tmp_path):
    folder = make_event("youth-contest", "zh")
    rows = generated_entries()[:5]
    source = tmp_path / "作品.csv"
    write_entries(source, rows)
    assert run("contest", "entries", folder, source).exit_code == 0
    # The second form is withdrawn and a late one added: every other entry keeps its code.
    late = {**rows[0], "title": "迟交的作品"}
    write_entries(source, [rows[0], *rows[2:], late])
    result = run("contest", "entries", folder, source)
    assert result.exit_code == 0, result.output
    assert "新增作品1件，沿用编号4件，撤回1件" in result.output
    listing = json.loads(run("contest", "results", folder, "--json").output)
    codes = {e["title"]: e["code"] for e in listing["entries"]}
    assert codes[rows[2]["title"]] == "C-003" and codes["迟交的作品"] == "C-006"
    assert rows[1]["title"] not in codes


@pytest.fixture
def scored(contest, run, tmp_path):
    """The contest with its kit built and every judge's scores imported:
    ``(folder, entries, scores)``."""
    folder, entries = contest
    assert run("kit", folder).exit_code == 0
    given = fill_scores(folder, tmp_path / "评分.xlsx")
    assert run("contest", "scores", folder, tmp_path / "评分.xlsx").exit_code == 0
    return folder, entries, given


def test_quotas_per_category_from_the_event_file(scored, run):
    folder, _entries, _given = scored
    edit(folder, "send = 45", 'send = { "科技创新成果" = 5, "科幻画" = 3, "科技实践活动" = 2 }')
    result = run("contest", "select", folder, "--json")
    assert result.exit_code == 0, result.output
    chosen = json.loads(result.output)["entries"]
    assert [(e["category"], e["rank"]) for e in chosen] == [
        *(("科技创新成果", rank) for rank in range(1, 6)),
        *(("科幻画", rank) for rank in range(1, 4)),
        *(("科技实践活动", rank) for rank in range(1, 3)),
    ]
    assert report_of(run, folder)["sections"]["contest"]["sent_on"] == 10


def test_award_certificates_for_the_prize_winners(scored, run):
    folder, entries, given = scored
    with (folder / "event.toml").open("a", encoding="utf-8") as file:
        file.write('\n[plugins.certificates]\nissuer = "××县科学技术协会"\n')
    listing = json.loads(run("certificates", "list", folder, "--json").output)
    awards = [c for c in listing["certificates"] if c["kind"] == "contest-award"]
    results = json.loads(run("contest", "results", folder, "--json").output)["entries"]
    assert len(awards) == sum(1 for r in results if r["prize"])
    best = next(c for c in awards if c["key"] == "entry:C-003")
    assert best["holder"] == entries["C-003"]["pupils"]
    assert f"《{entries['C-003']['title']}》" in best["text"] and "荣获一等奖" in best["text"]
    assert given["C-003"]
    again = json.loads(run("certificates", "list", folder, "--json").output)["certificates"]
    assert {c["code"] for c in again} == {c["code"] for c in listing["certificates"]}


def test_errors_in_the_contest_section_name_the_line_and_key(make_event, run):
    folder = make_event("youth-contest", "zh")
    edit(folder, 'rule = "trimmed-mean"', 'rule = "average"')
    result = run("check", folder)
    assert result.exit_code == 2
    assert "event.toml:" in result.output
    assert "plugins.contest.rule: expected one of 'trimmed-mean', 'mean', 'median'" in result.output
    assert "Traceback" not in result.output


def test_a_bad_judges_file_is_reported_by_row(make_event, run):
    folder = make_event("youth-contest", "zh")
    with (folder / "contest-judges.csv").open("a", encoding="utf-8") as file:
        file.write("陈建国,县科技馆\n")  # line 14: a judge listed twice
    result = run("check", folder)
    assert result.exit_code == 2
    assert "plugins.contest.judges:" in result.output
    assert "contest-judges.csv:14" in result.output


def test_the_english_template(make_event, run, tmp_path):
    folder = make_event("youth-contest", "en")
    source = tmp_path / "entries.csv"
    source.write_text(
        "title,category,school,pupils,teacher\n"
        "Rain gauge,Innovation project,County No. 1 Middle School,Wang Ming,Ms Li\n",
        encoding="utf-8",
    )
    result = run("contest", "entries", folder, source)
    assert result.exit_code == 0, result.output
    assert "1 entries added" in result.output
    assert run("kit", folder).exit_code == 0
    sheets = (folder / "kit" / "contest-score-sheets.html").read_text(encoding="utf-8")
    assert "Judge: Wang Zhiqiang" in sheets
    # His own school's entry is not on his sheet; it is on the others'.
    part = sheets.split("Judge: Wang Zhiqiang")[1].split("Judge:")[0]
    assert "Rain gauge" not in part
    assert sheets.count("Rain gauge") == 5
    recommendation = (folder / "kit" / "contest-recommendation.html").read_text(encoding="utf-8")
    assert "The list is not decided yet" in recommendation


def test_select_waits_for_every_score(contest, run, tmp_path):
    folder, _entries = contest
    assert run("kit", folder).exit_code == 0
    filled = tmp_path / "评分.xlsx"
    fill_scores(folder, filled)
    book = openpyxl.load_workbook(filled)
    book.active["E2"].value = None  # one judge has not scored their first entry yet
    book.save(filled)
    result = run("contest", "scores", folder, filled)
    assert result.exit_code == 0, result.output
    assert "1行未填分数，已跳过" in result.output
    result = run("contest", "select", folder, "--send", "45")
    assert result.exit_code == 2
    assert "评审尚未完成：1件作品的评分不全（C-001）" in result.output
    assert "作品300件，评委12位，评分不全1件，已推荐上报0件" in run("status", folder).output


def test_pupils_names_are_purged_and_the_counts_stay(contest, run):
    folder, _entries = contest
    assert "参赛学生和指导教师姓名" in run("privacy", "status", folder).output
    assert run("privacy", "purge", folder, "--yes", "--by", "档案员").exit_code == 0
    listing = json.loads(run("contest", "results", folder, "--json").output)["entries"]
    assert len(listing) == 300
    assert {(e["pupils"], e["teacher"]) for e in listing} == {("", "")}
    assert report_of(run, folder)["sections"]["contest"]["entries"] == 300


def test_an_invisible_character_does_not_make_a_judges_school_another():
    """A school name pasted from a web page may carry a zero-width space or a soft hyphen:
    it is still the judge's school, so the judge is never given that entry."""
    from kexie_plugins.contest.config import school_key

    for spelt in ("县第一中学\u200b", "县第一\u00ad中学", "\ufeff县第一中学", "县第一中学 "):
        assert school_key(spelt) == school_key("县第一中学"), repr(spelt)
