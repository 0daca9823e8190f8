"""The quiz after each session of a lecture tour: papers, keys, marks, results, certificates.

The story: a county runs the lecture-tour template (three township sessions, A and B papers
each). The kit prints the papers and keys; after each session a marker enters the marks, one
row per paper or, where only totals were kept, per-question tallies; the report's counts are
the ones the test recorded; a bad marks file is refused by row with nothing imported.
"""

from __future__ import annotations

import csv
import io
import json

import docx
import pytest

from kexie_events.eventfile import load_event
from kexie_events.records import Certificate
from kexie_events.store import open_event_store
from kexie_events.xlsx_export import workbook_bytes
from kexie_plugins.quiz.bank import Question
from kexie_plugins.quiz.papers import papers_of

from conftest import edit, line_of

SESSIONS = ("manshui-report", "lvshui-report", "xiangfeng-report")


@pytest.fixture
def tour(make_event):
    return make_event("lecture-tour", "zh")


def recorded_papers(folder, plugins) -> dict[tuple[str, str], tuple[Question, ...]]:
    """The papers as the kit printed them (what the marker's key says)."""
    event = load_event(folder, plugins)
    with open_event_store(event, plugins) as store:
        return {p.key: p.questions for p in papers_of(event.configs["quiz"], store)}


def wrong(question: Question) -> str:
    """An answer to ``question`` that the key marks wrong."""
    if question.kind == "true-false":
        return "错" if question.answer == "T" else "对"
    if question.kind == "multiple":
        return question.answer[0]  # one letter of several: all or nothing makes it wrong
    return next(letter for letter in "ABCD" if letter != question.answer)


def answers(questions, right: int) -> list[str]:
    """A paper with its first ``right`` questions right and the others wrong (one left blank)."""
    given = [q.answer_text("zh") for q in questions[:right]]
    given += [wrong(q) for q in questions[right:]]
    if right < len(questions):
        given[-1] = ""  # unanswered: marked wrong
    return given


def report_data(run, folder) -> dict:
    result = run("report", folder, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output[: result.output.rindex("}") + 1])


class Recorder:
    """What the test enters, added up the simple way, to compare with the report."""

    def __init__(self, papers):
        self.papers = papers
        self.count = self.passed = self.right = 0
        self.per_question: dict[str, list[int]] = {}

    def paper(self, session, variant, right, pass_mark=6):
        self.count += 1
        self.right += right
        self.passed += right >= pass_mark
        for n, question in enumerate(self.papers[(session, variant)]):
            counts = self.per_question.setdefault(question.id, [0, 0])
            counts[0] += 1
            counts[1] += n < right

    def tally(self, session, variant, papers, passed, correct):
        self.count += papers
        self.passed += passed
        self.right += sum(correct)
        for question, right in zip(self.papers[(session, variant)], correct, strict=True):
            counts = self.per_question.setdefault(question.id, [0, 0])
            counts[0] += papers
            counts[1] += right


def test_a_tour_of_three_sessions_from_papers_to_report(tour, run, plugins, tmp_path):
    status = run("status", tour).output
    assert "答卷测试：题库16道题，3场，每场A、B卷，每卷10题；尚未录入成绩。" in status

    # The kit prints the papers and keys, in HTML and Word; the draw is recorded.
    assert run("kit", tour).exit_code == 0
    papers = recorded_papers(tour, plugins)
    assert sorted(papers) == sorted((s, v) for s in SESSIONS for v in "AB")
    assert all(len(questions) == 10 for questions in papers.values())
    printed = (tour / "kit" / "quiz-papers.html").read_text(encoding="utf-8")
    first = papers[("manshui-report", "A")][0]
    assert "测试试卷（A卷）" in printed and "测试试卷（B卷）" in printed
    assert "场次：漫水乡报告会：《纲要》专题报告和专家讲座　　日期：2027年10月20日" in printed
    assert f"1. {first.text}（　　）" in printed
    assert "本卷共10题，每题1分，满分10分，6分及格。" in printed
    keys = docx.Document(str(tour / "kit" / "quiz-keys.docx"))
    key_text = "\n".join(p.text for p in keys.paragraphs)
    assert "三、绿水乡报告会：《纲要》专题报告和专家讲座（A卷）" in key_text
    first_key = [cell.text for cell in keys.tables[0].rows[1].cells]
    assert first_key[:3] == ["1", "单项选择题", first.answer_text("zh")]

    recorder = Recorder(papers)
    # Manshui: one row per paper, with names.
    manshui = tmp_path / "manshui.csv"
    scores = [
        ("张伟", "A", 10),
        ("李娜", "A", 6),
        ("王强", "A", 3),
        ("赵敏", "B", 7),
        ("刘洋", "B", 5),
    ]
    rows = [["场次", "卷别", "姓名", *map(str, range(1, 11))]]
    for name, variant, right in scores:
        rows.append(
            ["manshui-report", variant, name, *answers(papers[("manshui-report", variant)], right)]
        )
        recorder.paper("manshui-report", variant, right)
    write_csv(manshui, rows)
    result = run("quiz", "import", tour, manshui)
    assert result.exit_code == 0, result.output
    assert "5 papers imported (papers) for 1 session" in result.output

    # Lvshui: only totals were kept.
    lvshui = tmp_path / "lvshui.csv"
    tallies = [
        ("A", 40, 30, [38, 35, 2, 30, 28, 25, 33, 36, 39, 31]),
        ("B", 35, 20, [30, 29, 27, 20, 18, 33, 25, 22, 31, 26]),
    ]
    rows = [["session", "variant", "papers", "passed", *map(str, range(1, 11))]]
    for variant, count, passed, correct in tallies:
        rows.append(["绿水乡报告会：《纲要》专题报告和专家讲座", variant, count, passed, *correct])
        recorder.tally("lvshui-report", variant, count, passed, correct)
    write_csv(lvshui, rows)
    assert run("quiz", "import", tour, lvshui).exit_code == 0

    # Xiangfeng: a workbook, one row per paper with its audience; one paper has no name.
    xiangfeng = tmp_path / "xiangfeng.xlsx"
    entered = [("陈静", "A", "农民", 8), ("", "A", "农民", 4), ("周杰", "B", "领导干部和公务员", 9)]
    entered.append(("吴敏", "B", "领导干部和公务员", 6))
    sheet = []
    for name, variant, audience, right in entered:
        given = answers(papers[("xiangfeng-report", variant)], right)
        sheet.append(("xiangfeng-report", variant, name, audience, *given))
        recorder.paper("xiangfeng-report", variant, right)
    header = ("场次", "卷别", "姓名", "人群", *(f"第{n}题" for n in range(1, 11)))
    xiangfeng.write_bytes(workbook_bytes([("成绩", header, sheet)]))
    assert run("quiz", "import", tour, xiangfeng).exit_code == 0

    # Importing a file again replaces its session's marks: nothing is counted twice.
    assert run("quiz", "import", tour, manshui).exit_code == 0

    quiz = report_data(run, tour)["sections"]["quiz"]
    assert recorder.count == 5 + 75 + 4
    assert quiz["papers"] == recorder.count
    assert quiz["passed"] == recorder.passed == 3 + 50 + 3
    assert quiz["pass_rate"] == round(100 * recorder.passed / recorder.count, 1) == 66.7
    assert quiz["average_score"] == round(100 * recorder.right / (recorder.count * 10), 1)
    assert quiz["per_session"] == {"manshui-report": 5, "lvshui-report": 75, "xiangfeng-report": 4}
    assert quiz["pass_rate_per_session"]["manshui-report"] == 60.0

    report = (tour / "report" / "report.html").read_text(encoding="utf-8")
    assert "3场报告会后共收回测试答卷84份" in report
    rates = {qid: (right / asked, qid) for qid, (asked, right) in recorder.per_question.items()}
    hardest_id = min(rates.values())[1]
    hardest = next(q for qs in papers.values() for q in qs if q.id == hardest_id)
    assert f"答对率最低的是“{hardest.text}”" in report
    assert "农民" in report and "领导干部和公务员" in report

    status = run("status", tour).output
    assert "已录入3场84份答卷" in status and "合格率66.7%" in status

    # A training certificate for each named participant who passed: tallies certify no one.
    event = load_event(tour, plugins)
    with open_event_store(event, plugins) as store:
        certificates = plugins.collect("kexie_certificates", Certificate, event=event, store=store)
    quiz_certificates = [c for c in certificates if c.plugin == "quiz"]
    assert sorted(c.holder for c in quiz_certificates) == sorted(
        ["张伟", "李娜", "赵敏", "陈静", "周杰", "吴敏"]
    )
    zhang = next(c for c in quiz_certificates if c.holder == "张伟")
    assert zhang.kind == "training" and zhang.key == "manshui-report:张伟"
    assert "经测试成绩合格" in zhang.text and ("测试成绩", "100%") in zhang.details


def write_csv(path, rows) -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def test_a_bad_marks_file_is_refused_by_row_and_nothing_is_imported(tour, run, plugins, tmp_path):
    assert run("kit", tour).exit_code == 0
    papers = recorded_papers(tour, plugins)
    key = papers[("manshui-report", "A")]
    good = answers(key, 8)
    bad = tmp_path / "marks.csv"
    single = next(n for n, q in enumerate(key, 1) if q.kind == "single")
    beyond = good.copy()
    beyond[single - 1] = "E"
    write_csv(
        bad,
        [
            ["session", "variant", "name", *map(str, range(1, 11))],
            ["manshui-report", "A", "张伟", *good],
            ["manshui", "A", "李娜", *good],
            ["manshui-report", "C", "王强", *good],
            ["manshui-report", "A", "赵敏", *beyond],
            ["manshui-report", "A", "张伟", *good],
        ],
    )
    result = run("quiz", "import", tour, bad)
    assert result.exit_code == 2
    assert f"{bad}:3: 没有“manshui”这一场" in result.output
    assert f"{bad}:4: 卷别“C”应为A、B" in result.output
    assert f"{bad}:5: 第{single}题：“E”不是选项（可选A、B、C、D）" in result.output
    assert f"{bad}:6: “张伟”在同一场中重复出现（首次出现在第2行）" in result.output
    assert "nothing was imported" in result.output
    assert "Traceback" not in result.output
    assert report_data(run, tour)["sections"]["quiz"]["papers"] == 0

    tally = tmp_path / "tally.csv"
    write_csv(
        tally,
        [
            ["session", "variant", "papers", "passed", *map(str, range(1, 11))],
            ["manshui-report", "A", "30", "31", *["20"] * 10],
            ["manshui-report", "B", "30", "", *["20"] * 9, "40"],
            ["lvshui-report", "A", "30", "30", *["12"] * 10],
        ],
    )
    result = run("quiz", "import", tour, tally)
    assert result.exit_code == 2
    assert f"{tally}:2: 合格份数31多于份数30" in result.output
    assert f"{tally}:3: 第10题答对40份，多于份数30" in result.output
    # 120 right answers in all: at most 20 papers reach the 6 a pass needs.
    assert f"{tally}:4: 合格30份不可能：各题答对份数合计120，最多够20份合格" in result.output
    assert report_data(run, tour)["sections"]["quiz"]["papers"] == 0


def test_the_same_seed_draws_the_same_papers(make_event, tmp_path, plugins, run):
    first = make_event("lecture-tour", "zh")
    second = make_event("lecture-tour", "en")
    drawn = run("quiz", "papers", first).output
    assert drawn == run("quiz", "papers", first).output
    # The English bank has the same ids in the same order: the same seed draws the same ids.
    assert run("quiz", "papers", second).output == drawn
    edit(second, "seed = 2027", "seed = 7")
    assert run("quiz", "papers", second, "--redraw").output != drawn


def test_section_and_bank_errors_name_file_line_and_key(tour, run):
    edit(tour, "pass_percent = 60", "pass_percent = 120")
    result = run("check", tour)
    assert result.exit_code == 2
    line = line_of(tour, "pass_percent")
    assert f"event.toml:{line}: plugins.quiz.pass_percent: must be at most 100" in result.output
    edit(tour, "pass_percent = 120", "pass_percent = 60")
    bank = tour / "quiz-bank.toml"
    text = bank.read_text(encoding="utf-8")
    bank.write_text(text.replace('answer = "ABD"', 'answer = "AE"'), encoding="utf-8")
    result = run("check", tour)
    assert result.exit_code == 2
    bad_line = next(
        n for n, row in enumerate(bank.read_text().splitlines(), 1) if 'answer = "AE"' in row
    )
    assert f"quiz-bank.toml:{bad_line}: questions[8].answer: “AE”不是选项" in result.output


def test_an_english_tour_prints_english_papers(make_event, run):
    folder = make_event("lecture-tour", "en")
    assert "quiz: 16 questions in the bank, 3 sessions" in run("status", folder).output
    assert run("kit", folder).exit_code == 0
    printed = (folder / "kit" / "quiz-papers.html").read_text(encoding="utf-8")
    assert "Quiz paper A" in printed and "Single choice" in printed
    assert "10 questions, one point each (6 to pass)" in printed
    keys = (folder / "kit" / "quiz-keys.html").read_text(encoding="utf-8")
    assert "(paper B)" in keys and ("True" in keys or "False" in keys)


def test_a_lead_enters_a_sessions_tally_on_the_phone(tour, run, plugins):
    """The lead types 绿水乡's A-paper tally on the phone page right after marking; a wrong
    count is refused in Chinese, a scanner has no such button, a correction replaces."""
    from starlette.testclient import TestClient

    from kexie_events import volunteers
    from kexie_events.web import create_app

    from conftest import event_store

    questions = len(recorded_papers(tour, plugins)[("lvshui-report", "A")])
    with event_store(tour) as store:
        lead = volunteers.add(store, "李强", role="lead", by="test", site=None, gate=None)
        scanner = volunteers.add(store, "周杰", role="scanner", by="test", site=None, gate=None)
    as_lead = {"Authorization": f"Bearer {lead}"}
    tally = "/api/v1/actions/quiz-tally"
    with TestClient(create_app(tour, plugins)) as client:
        me = client.get("/api/v1/me", headers=as_lead).json()
        [button] = [a for a in me["actions"] if a["id"] == "quiz-tally"]
        assert button["label"] == "录入答卷成绩"
        title = "绿水乡报告会：《纲要》专题报告和专家讲座"
        assert f"{title}（A卷）" in [label for _value, label in button["choices"]]
        scanner_me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {scanner}"})
        assert "quiz-tally" not in [a["id"] for a in scanner_me.json()["actions"]]

        short = {"choice": "lvshui-report|A", "papers": 40, "passed": "30", "right": "30 31"}
        refused = client.post(tally, json=short, headers=as_lead)
        assert refused.status_code == 400
        assert refused.json()["error"] == f"这份试卷有{questions}道题，填了2个数"
        too_many = {**short, "passed": "41", "right": " ".join(["20"] * questions)}
        assert "合格份数41多于答卷份数40" in client.post(tally, json=too_many, headers=as_lead).text

        odd = {**short, "passed": "²", "right": " ".join(["20"] * questions)}
        assert "合格份数必须是整数" in client.post(tally, json=odd, headers=as_lead).text
        # 20 right per question: 200 right answers, at most 33 papers with the 6 a pass needs.
        impossible = {**short, "passed": "35", "right": " ".join(["20"] * questions)}
        refused = client.post(tally, json=impossible, headers=as_lead)
        assert refused.status_code == 400
        assert refused.json()["error"] == (
            "合格35份不可能：各题答对份数合计200，最多够33份合格，请核对"
        )
        first = {**short, "passed": "３０", "right": " ".join(["30"] * questions)}
        answer = client.post(tally, json=first, headers=as_lead)
        assert answer.status_code == 200, answer.text
        assert f"已录入：{title}A卷40份，合格30份" in answer.text
        corrected = {**first, "papers": 42, "passed": "35"}
        assert client.post(tally, json=corrected, headers=as_lead).status_code == 200

        # Marks imported from a file are never overwritten from a phone.
        paper = recorded_papers(tour, plugins)[("manshui-report", "A")]
        marks = tour / "manshui.csv"
        header = ["session", "variant", "name", *(str(n) for n in range(1, len(paper) + 1))]
        row = ["manshui-report", "A", "赵敏", *(q.answer_text("zh") for q in paper)]
        marks.write_text(",".join(header) + "\n" + ",".join(row) + "\n", encoding="utf-8")
        assert run("quiz", "import", tour, marks).exit_code == 0
        over = {**first, "choice": "manshui-report|A"}
        refused = client.post(tally, json=over, headers=as_lead)
        assert refused.status_code == 409
        assert "这一场的成绩已由文件导入" in refused.text

    figures = report_data(run, tour)["sections"]["quiz"]
    assert figures["papers"] == 43  # the correction replaced the first entry; 赵敏's paper
    assert figures["passed"] == 36
