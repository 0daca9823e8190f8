"""The question bank: questions with their kind, options, answer and topic, read from a file.

A bank is a file beside ``event.toml``: TOML (``[[questions]]`` tables), CSV or Excel (one row
per question). Three kinds of question:

- ``single`` (单选): options A, B, C ... and one letter as the answer;
- ``multiple`` (多选): options and two or more letters (``ACD``); marked all or nothing;
- ``true-false`` (判断): no options; the answer is true or false (``对``/``错``, ``√``/``×``).

Every problem is reported with the bank's file and line (TOML) or row (CSV, Excel), and the
key or column, so a bad bank is fixed in one pass.
"""

from __future__ import annotations

import re
import string
import tomllib
import unicodedata
from pathlib import Path

import attrs

from kexie_events.errors import LocatedProblem
from kexie_events.fields import TableReader
from kexie_events.i18n import pick
from kexie_events.table_import import Column, read_table
from kexie_events.tomlsource import KeyLines

KINDS = ("single", "multiple", "true-false")
"""The kinds of question, in the order a paper prints them."""
KIND_NAMES = {
    "single": ("单选", "单选题", "单项选择", "单项选择题", "单项"),
    "multiple": ("多选", "多选题", "多项选择", "多项选择题", "多项"),
    "true-false": ("判断", "判断题", "是非", "是非题", "true/false", "truefalse", "tf"),
}
"""What a bank may write for each kind, besides its English name."""
LETTERS = string.ascii_uppercase[:6]
"""Option letters: at most six options (A to F)."""
TRUE_WORDS = frozenset({"对", "√", "✓", "是", "正确", "t", "true", "y", "yes", "right"})
FALSE_WORDS = frozenset({"错", "×", "✗", "x", "否", "错误", "f", "false", "n", "no", "wrong"})
MAX_QUESTIONS = 2000

BANK_COLUMNS = (
    Column("id", ("编号", "题号", "试题编号")),
    Column("kind", ("题型", "类型")),
    Column("topic", ("知识点", "主题", "类别", "分类")),
    Column("text", ("题目", "题干", "试题", "question")),
    *(Column(f"option_{letter.lower()}", (letter, f"选项{letter}")) for letter in LETTERS),
    Column("answer", ("答案", "正确答案")),
)
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
_SEPARATORS = re.compile(r"[\s,，、;；/]+")


@attrs.frozen
class Question:
    """One question of the bank.

    Attributes:
        id: the bank's number for it (``G01``), unique in the bank.
        kind: ``single``, ``multiple`` or ``true-false``.
        topic: what it tests (知识点), for the report's hardest questions.
        text: the question as printed.
        options: the options' texts, A first; empty for true/false.
        answer: the answer in canonical form: ``B``, ``ACD``, ``T`` or ``F``.
    """

    id: str
    kind: str
    topic: str
    text: str
    options: tuple[str, ...]
    answer: str

    def lettered_options(self) -> tuple[tuple[str, str], ...]:
        """``(("A", "..."), ("B", "..."))``: the options with their letters."""
        return tuple(zip(LETTERS, self.options, strict=False))

    def answer_text(self, lang: str) -> str:
        """The answer as a key prints it: ``B``, ``A、C、D`` (``ACD`` in English), ``对`` or
        ``True``."""
        if self.kind == "true-false":
            return truth_text(self.answer == "T", lang)
        return pick(lang, "、".join(self.answer), self.answer)

    def read_answer(self, raw: str, lang: str) -> str:
        """A person's answer to this question, in canonical form; ``""`` for none.

        ``ValueError`` with a message in ``lang`` when it cannot be an answer to it (a letter
        beyond the options, two letters to a single-choice question).
        """
        value = normal(raw)
        if not value:
            return ""
        if self.kind == "true-false":
            word = value.casefold()
            if word in TRUE_WORDS:
                return "T"
            if word in FALSE_WORDS:
                return "F"
            raise ValueError(
                pick(lang, f"“{raw}”不是对或错", f"{raw!r} is not true or false (对/错, T/F)")
            )
        letters = _SEPARATORS.sub("", value).upper()
        allowed = LETTERS[: len(self.options)]
        wrong = [c for c in letters if c not in allowed]
        if wrong:
            raise _not_an_option(raw, allowed, lang)
        if len(set(letters)) != len(letters):
            raise ValueError(pick(lang, f"“{raw}”中有重复的选项", f"{raw!r} repeats an option"))
        if self.kind == "single" and len(letters) > 1:
            raise ValueError(
                pick(lang, f"单选题只能选一项，这里是“{raw}”", f"one option only, got {raw!r}")
            )
        return "".join(sorted(letters))


def _not_an_option(raw: str, allowed: str, lang: str) -> ValueError:
    return ValueError(
        pick(
            lang,
            f"“{raw}”不是选项（可选{'、'.join(allowed)}）",
            f"{raw!r} is not among the options {', '.join(allowed)}",
        )
    )


def truth_text(value: bool, lang: str) -> str:
    """``对``/``错`` or ``True``/``False``."""
    return pick(lang, "对" if value else "错", "True" if value else "False")


def kind_name(kind: str, lang: str) -> str:
    """``单项选择题`` or ``Single choice``: the heading of a paper's part."""
    zh, en = {
        "single": ("单项选择题", "Single choice"),
        "multiple": ("多项选择题", "Multiple choice"),
        "true-false": ("判断题", "True or false"),
    }[kind]
    return pick(lang, zh, en)


def normal(text: str) -> str:
    """Text as compared: full-width forms half-width (``Ａ`` is ``A``), no outer spaces."""
    return unicodedata.normalize("NFKC", str(text)).strip()


def _kind_of(raw: str) -> str | None:
    word = normal(raw).casefold().replace(" ", "")
    for kind in KINDS:
        if word == kind or word in KIND_NAMES[kind]:
            return kind
    return None


@attrs.frozen
class BankFile:
    """A bank as read: its questions and every problem, each naming file and line or row."""

    questions: tuple[Question, ...]
    problems: tuple[str, ...]


def read_bank(path: Path, lang: str) -> BankFile:
    """The questions of the bank at ``path`` (TOML, CSV or ``.xlsx``), checked one by one."""
    if path.suffix.lower() == ".toml":
        return _read_toml(path, lang)
    return _read_table(path, lang)


class _Checker:
    """What every question is checked for, whichever file it comes from."""

    def __init__(self, lang: str):
        self.lang = lang
        self.seen: set[str] = set()

    def question(self, values: dict, options: list[str], report) -> Question | None:
        """A question from its fields; ``report(column, message)`` for each problem."""
        lang = self.lang
        before = report.count
        qid = normal(values.get("id", ""))
        if not qid:
            report("id", pick(lang, "缺少题目编号", "the question's id is missing"))
        elif not _ID.match(qid):
            report(
                "id",
                pick(
                    lang,
                    f"编号“{qid}”只能用字母、数字、点、连字符和下划线",
                    f"id {qid!r}: use letters, digits, '.', '-' and '_'",
                ),
            )
        elif qid in self.seen:
            report("id", pick(lang, f"编号“{qid}”重复", f"id {qid!r} is used twice"))
        self.seen.add(qid)
        kind = _kind_of(values.get("kind") or "")
        if kind is None:
            report(
                "kind",
                pick(
                    lang,
                    f"题型“{values.get('kind', '')}”应为单选、多选或判断",
                    f"kind {values.get('kind', '')!r}: expected single, multiple or true-false",
                ),
            )
        # Only trimmed: NFKC would turn Chinese punctuation (，？（）) half-width on the paper.
        text = str(values.get("text", "")).strip()
        if not text:
            report("text", pick(lang, "题目是空的", "the question's text is empty"))
        topic = normal(values.get("topic", ""))
        options = [str(o).strip() for o in options]
        while options and not options[-1]:
            options.pop()
        if kind == "true-false" and options:
            report("options", pick(lang, "判断题不设选项", "a true/false question has no options"))
        elif kind in ("single", "multiple"):
            least = 2 if kind == "single" else 3
            if len(options) < least:
                report(
                    "options",
                    pick(
                        lang,
                        f"至少要有{least}个选项",
                        f"at least {least} options are needed",
                    ),
                )
            elif not all(options):
                report("options", pick(lang, "选项之间有空项", "an option is empty"))
        answer = ""
        raw_answer = values.get("answer")
        if isinstance(raw_answer, bool):
            raw_answer = "T" if raw_answer else "F"
        raw_answer = normal(raw_answer or "")
        if not raw_answer:
            report("answer", pick(lang, "缺少答案", "the answer is missing"))
        elif kind is not None:
            question = Question(qid, kind, topic, text, tuple(options), "")
            try:
                answer = question.read_answer(raw_answer, lang)
            except ValueError as error:
                report("answer", str(error))
            else:
                if kind == "multiple" and len(answer) < 2:
                    report(
                        "answer",
                        pick(
                            lang,
                            f"多选题的答案至少有两项，这里是“{raw_answer}”",
                            f"a multiple-choice answer has two letters or more, got {raw_answer!r}",
                        ),
                    )
        if report.count > before:
            return None
        return Question(qid, kind, topic, text, tuple(options), answer)


class _Report:
    def __init__(self, sink):
        self.sink = sink
        self.count = 0

    def __call__(self, column: str, message: str) -> None:
        self.count += 1
        self.sink(column, message)


def _read_toml(path: Path, lang: str) -> BankFile:
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = tomllib.loads(text)
    except OSError as error:
        return BankFile((), (f"{path}: {error.strerror or error}",))
    except UnicodeDecodeError:
        return BankFile((), (pick(lang, f"{path}：不是 UTF-8 文本", f"{path}: not UTF-8 text"),))
    except tomllib.TOMLDecodeError as error:
        return BankFile((), (f"{path}: {error}",))
    lines = KeyLines(text)
    reader = TableReader(data)
    checker = _Checker(lang)
    questions = []
    for table in reader.tables("questions", required=True):
        values = {key: table.raw(key) for key in ("id", "kind", "topic", "text", "answer")}
        for key in ("id", "kind", "topic", "text"):
            if values[key] is not None and not isinstance(values[key], str):
                table.error(key, "expected a text in quotes")
                values[key] = ""
        options = table.texts("options")
        values = {k: ("" if v is None else v) for k, v in values.items()}

        def sink(column: str, message: str, table=table) -> None:
            table.error(column, message)

        question = checker.question(values, list(options), _Report(sink))
        table.finish()
        if question is not None:
            questions.append(question)
    reader.finish()
    problems = [str(LocatedProblem(path, lines.line_of(p.key), p)) for p in reader.problems]
    return _finish(path, questions, problems, lang)


def _read_table(path: Path, lang: str) -> BankFile:
    table = read_table(
        path,
        columns=BANK_COLUMNS,
        required=("id", "kind", "text", "answer"),
        unique=("id",),
        lang=lang,
    )
    problems = list(table.problems)
    checker = _Checker(lang)
    questions = []
    for row in table.rows:
        options = [row.values[f"option_{letter.lower()}"] for letter in LETTERS]

        def sink(column: str, message: str, line=row.line) -> None:
            key = "option_a" if column == "options" else column
            problems.append(table.at(line, message, key))

        question = checker.question(row.values, options, _Report(sink))
        if question is not None:
            questions.append(question)
    return _finish(path, questions, problems, lang)


def _finish(path: Path, questions: list[Question], problems: list, lang: str) -> BankFile:
    if not questions and not problems:
        problems.append(pick(lang, f"{path}：题库中没有题目", f"{path}: the bank has no questions"))
    if len(questions) > MAX_QUESTIONS:
        problems.append(
            pick(
                lang,
                f"{path}：题库有{len(questions)}道题，最多{MAX_QUESTIONS}道",
                f"{path}: {len(questions)} questions; a bank holds at most {MAX_QUESTIONS}",
            )
        )
    return BankFile(tuple(questions), tuple(str(p) for p in problems))
