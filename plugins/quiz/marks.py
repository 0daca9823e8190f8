"""Marks after a session: a CSV or Excel file read strictly, marked against the recorded papers.

Two shapes of file, told apart by their header:

- one row per paper: ``session``, ``variant``, optionally ``name``, ``audience`` and
  ``paper`` (its number), then the answers ``1``, ``2`` ... (``B``, ``ACD``, ``对``); each
  answer is marked against the key, a multiple-choice answer all or nothing, an empty cell
  wrong;
- per-question tallies, when only totals were kept: ``session``, ``variant``, ``papers``,
  optionally ``audience`` and ``passed``, then per question the papers that answered it right.

Every problem names its row and column; a file with any problem imports nothing. An import
replaces the marks of the sessions it names (see :func:`import_marks`).
"""

from __future__ import annotations

import re
from pathlib import Path

import attrs

from kexie_events.errors import UsageError
from kexie_events.fields import suggest
from kexie_events.i18n import pick
from kexie_events.model import AUDIENCES, Event
from kexie_events.report import AUDIENCE_LABELS
from kexie_events.store import EventStore, now
from kexie_events.table_import import Column, ImportProblem, ImportRefused, ImportTable, read_table
from kexie_plugins.quiz import ledger
from kexie_plugins.quiz.bank import normal
from kexie_plugins.quiz.papers import Paper, papers_of
from kexie_plugins.quiz.settings import MAX_QUESTIONS_PER_PAPER, QuizSettings, too_many_passed

QUESTION_COLUMNS = tuple(
    Column(f"q{n}", (str(n), f"第{n}题", f"题{n}")) for n in range(1, MAX_QUESTIONS_PER_PAPER + 1)
)
MARKS_COLUMNS = (
    Column("session", ("场次", "报告会", "培训场次")),
    Column("variant", ("卷别", "试卷", "AB卷")),
    Column("name", ("姓名",)),
    Column("audience", ("人群", "人群类别")),
    Column("paper", ("试卷编号", "编号")),
    Column("papers", ("份数", "答卷份数", "试卷份数")),
    Column("passed", ("合格份数", "及格份数", "合格人数")),
    *QUESTION_COLUMNS,
)
#: The outline's Chinese names of the audience groups, and their ids, as a file may write them.
AUDIENCE_WORDS = {
    **{zh: key for key, (zh, _en) in AUDIENCE_LABELS.items()},
    **{en: key for key, (_zh, en) in AUDIENCE_LABELS.items()},
    **{key: key for key in AUDIENCES},
    "干部和公务员": "cadres",
    "城镇劳动人口": "urban_workers",
}
_WHOLE = re.compile(r"^[0-9]{1,7}$")


@attrs.frozen
class MarksFile:
    """A marks file as read: its rows as results, the sessions it names, what is wrong."""

    results: tuple[ledger.Result, ...]
    sessions: tuple[str, ...]
    problems: tuple[str, ...]
    warnings: tuple[str, ...]
    tallies: bool


def read_marks(
    event: Event, settings: QuizSettings, papers: list[Paper], path: Path, sheet: str | None = None
) -> MarksFile:
    """The marks in ``path``, every row checked against the session's recorded paper."""
    lang = event.lang
    table = read_table(
        path,
        columns=MARKS_COLUMNS,
        required=("session", "variant"),
        unique=(),  # two anonymous papers may well carry the same answers
        sheet=sheet,
        lang=lang,
    )
    tallies = "papers" in table.headers
    problems = list(table.problems)
    by_key = {paper.key: paper for paper in papers}
    check = _RowChecker(event, settings, table, by_key, tallies, problems)
    results = [r for r in (check.row(row.line, row.values) for row in table.rows) if r]
    sessions = tuple(dict.fromkeys(r.session for r in results))
    if not problems and not results:
        problems.append(
            ImportProblem(path, None, pick(lang, "文件中没有成绩", "no marks in the file"))
        )
    return MarksFile(tuple(results), sessions, tuple(problems), table.warnings, tallies)


class _RowChecker:
    """Checks one row at a time, reporting each problem at its row and column."""

    def __init__(self, event, settings, table: ImportTable, papers, tallies, problems):
        self.lang = event.lang
        self.event = event
        self.settings = settings
        self.table = table
        self.papers = papers
        self.tallies = tallies
        self.problems = problems
        self.seen: dict[tuple, int] = {}
        self.missing_reported: set[int] = set()
        self.numbered = [
            n for n in range(1, MAX_QUESTIONS_PER_PAPER + 1) if f"q{n}" in table.headers
        ]

    def error(self, line: int, column: str | None, zh: str, en: str) -> None:
        self.problems.append(self.table.at(line, pick(self.lang, zh, en), column))

    def row(self, line: int, values: dict[str, str]) -> ledger.Result | None:
        before = len(self.problems)
        session = self._session(line, values["session"])
        variant = self._variant(line, values["variant"])
        audience = self._audience(line, values["audience"])
        paper = self.papers.get((session.id, variant)) if session and variant else None
        if paper is None:
            return None
        if self.tallies:
            result = self._tally(line, values, paper, audience)
        else:
            result = self._paper(line, values, paper, audience)
        return result if len(self.problems) == before else None

    def _session(self, line, raw):
        session = self.settings.session(raw)
        if session is None:
            names = [s.id for s in self.settings.sessions]
            if not raw:
                self.error(line, "session", "场次是空的", "the session is empty")
            else:
                hint = suggest(raw, names) or "; " + ", ".join(names)
                self.error(
                    line,
                    "session",
                    f"没有“{raw}”这一场（可填写：{'、'.join(names)}）",
                    f"no quiz session {raw!r}{hint}",
                )
        return session

    def _variant(self, line, raw):
        variant = normal(raw).upper().removesuffix("卷")
        if variant not in self.settings.variants:
            shown = "、".join(self.settings.variants)
            self.error(
                line,
                "variant",
                f"卷别“{raw}”应为{shown}",
                f"variant {raw!r}: expected {', '.join(self.settings.variants)}",
            )
            return None
        return variant

    def _audience(self, line, raw):
        if not raw:
            return None
        audience = AUDIENCE_WORDS.get(normal(raw))
        if audience is None:
            self.error(
                line,
                "audience",
                f"人群“{raw}”应为未成年人、农民、城镇劳动者、领导干部和公务员或其他",
                f"audience {raw!r}: expected one of {', '.join(AUDIENCES)}",
            )
        return audience

    def _columns_present(self, line: int, paper: Paper) -> bool:
        """Whether the header has a column for every question of ``paper`` (said once)."""
        count = len(paper.questions)
        absent = [n for n in range(1, count + 1) if n not in self.numbered]
        if not absent:
            return True
        if count not in self.missing_reported:
            self.missing_reported.add(count)
            self.error(
                line,
                None,
                f"试卷有{count}道题，表头缺少第{'、'.join(str(n) for n in absent)}题",
                f"the papers have {count} questions; the header has no column "
                f"for question {', '.join(str(n) for n in absent)}",
            )
        return False

    def _beyond_the_paper(self, line, values, count) -> None:
        # Spare columns are harmless while empty (a sheet made for longer papers).
        for n in self.numbered:
            if n > count and values[f"q{n}"]:
                self.error(
                    line,
                    f"q{n}",
                    f"试卷只有{count}道题，第{n}题应为空",
                    f"the paper has {count} questions; question {n} must be empty",
                )

    def _paper(self, line, values, paper: Paper, audience) -> ledger.Result | None:
        if not self._columns_present(line, paper):
            return None
        for column in ("papers", "passed"):
            if values[column]:
                self.error(line, column, "逐份录入时此列应为空", "must be empty for a paper row")
        self._beyond_the_paper(line, values, len(paper.questions))
        answers, correct = [], []
        for n, question in enumerate(paper.questions, 1):
            raw = values[f"q{n}"]
            try:
                answer = question.read_answer(raw, self.lang)
            except ValueError as error:
                self.problems.append(
                    self.table.at(
                        line, pick(self.lang, f"第{n}题：", f"question {n}: ") + str(error), f"q{n}"
                    )
                )
                continue
            answers.append(answer)
            correct.append(1 if answer == question.answer else 0)
        name = normal(values["name"]) or None
        number = normal(values["paper"])
        identity = (paper.session.id, "name", name) if name else None
        if number:
            identity = (paper.session.id, "paper", number)
        if identity is not None:
            if identity in self.seen:
                what = name if identity[1] == "name" else number
                first = self.table.row_text(self.seen[identity])
                self.error(
                    line,
                    "name" if identity[1] == "name" else "paper",
                    f"“{what}”在同一场中重复出现（首次出现在{first}）",
                    f"{what!r} appears twice for the same session (first on {first})",
                )
            self.seen.setdefault(identity, line)
        if len(correct) != len(paper.questions):
            return None
        score = sum(correct)
        return ledger.Result(
            paper.session.id,
            paper.variant,
            audience,
            name,
            1,
            1 if self.settings.passes(score) else 0,
            tuple(correct),
            tuple(answers),
            line,
        )

    def _whole(self, line, values, column, label_zh, label_en) -> int | None:
        raw = values[column]
        if not _WHOLE.match(raw):
            self.error(
                line,
                column,
                f"{label_zh}应为整数，这里是“{raw}”",
                f"{label_en} must be a whole number, got {raw!r}",
            )
            return None
        return int(raw)

    def _tally(self, line, values, paper: Paper, audience) -> ledger.Result | None:
        if not self._columns_present(line, paper):
            return None
        if values["name"] or values["paper"]:
            column = "name" if values["name"] else "paper"
            self.error(line, column, "汇总行不填姓名或编号", "a tally row names no one")
        self._beyond_the_paper(line, values, len(paper.questions))
        papers = self._whole(line, values, "papers", "份数", "papers")
        if papers == 0:
            self.error(line, "papers", "份数至少为1", "papers must be at least 1")
            papers = None
        passed = None
        if values["passed"]:
            passed = self._whole(line, values, "passed", "合格份数", "passed")
            if papers is not None and passed is not None and passed > papers:
                self.error(
                    line,
                    "passed",
                    f"合格份数{passed}多于份数{papers}",
                    f"{passed} passed of {papers} papers",
                )
        correct = []
        for n in range(1, len(paper.questions) + 1):
            count = self._whole(line, values, f"q{n}", f"第{n}题答对份数", f"question {n}")
            if count is not None and papers is not None and count > papers:
                self.error(
                    line,
                    f"q{n}",
                    f"第{n}题答对{count}份，多于份数{papers}",
                    f"question {n}: {count} right of {papers} papers",
                )
            correct.append(count)
        key = (paper.session.id, paper.variant, audience)
        if key in self.seen:
            first = self.table.row_text(self.seen[key])
            self.error(
                line,
                "variant",
                f"同一场、同一卷别和人群的汇总重复出现（首次出现在{first}）",
                f"a second tally for the same session, variant and audience (first on {first})",
            )
        self.seen.setdefault(key, line)
        if papers is None or None in correct:
            return None
        most = self.settings.most_passing(sum(correct), papers)
        if passed is not None and passed > most:
            self.error(line, "passed", *too_many_passed(passed, most, sum(correct)))
            return None
        return ledger.Result(
            paper.session.id,
            paper.variant,
            audience,
            None,
            papers,
            passed,
            tuple(correct),
            None,
            line,
        )


def import_marks(
    event: Event,
    settings: QuizSettings,
    store: EventStore,
    path: Path,
    *,
    by: str,
    sheet: str | None = None,
) -> MarksFile:
    """Check the marks file and, when nothing is wrong, make its rows the marks of the sessions
    it names, replacing what was imported for them before, in one transaction.

    :class:`ImportRefused` lists every problem when any is found; nothing is imported then.
    """
    if settings.bank_problems:
        raise UsageError("\n".join(settings.bank_problems))
    papers = papers_of(settings, store)
    found = read_marks(event, settings, papers, path, sheet)
    if found.problems:
        raise ImportRefused(found.problems)
    ledger.replace_results(store, found.sessions, found.results, source=path.name, at=now(), by=by)
    return found
