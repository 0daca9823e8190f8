"""``[plugins.quiz]``: the bank file, the pass mark, the papers' size and variants, the sessions.

::

    [plugins.quiz]
    bank = "quiz-bank.toml"   # beside event.toml: TOML, CSV or .xlsx
    pass_percent = 60         # a paper passes at this score (percent of its questions) or more
    questions = 10            # questions on every paper
    variants = ["A", "B"]     # one paper per variant and session
    seed = 2027               # the same seed draws the same papers
    sessions = "all"          # or a list of schedule item ids; default: items of kind "session"

Problems with the section are reported at their key (the core adds file and line); problems
in the bank file are kept in the settings and reported by ``kexie check`` at the ``bank`` key,
each naming the bank's file and line or row; a bank not written yet is only a warning.
"""

from __future__ import annotations

import re

import attrs

from kexie_events.errors import Problem
from kexie_events.fields import TableReader, suggest
from kexie_events.i18n import pick
from kexie_events.model import Event, ScheduleItem
from kexie_plugins.quiz.bank import Question, read_bank

NAME = "quiz"
DEFAULT_BANK = "quiz-bank.toml"
DEFAULT_SEED = 1
MAX_QUESTIONS_PER_PAPER = 100
_VARIANT = re.compile(r"^[A-Z]$")


@attrs.frozen
class QuizSettings:
    """``[plugins.quiz]`` as read, with the bank; the plugin's hooks get it as ``config``.

    Attributes:
        bank_file: the bank's file name, relative to the event folder.
        questions: the bank's good questions.
        bank_problems: what is wrong in the bank, one message each (file and line or row).
        pass_percent: the score, in percent, at which a paper passes.
        per_paper: questions on every paper.
        variants: the variants' letters (``("A", "B")``).
        seed: the draw's seed: the same seed, bank and sessions give the same papers.
        sessions: the schedule items that end with a quiz, in schedule order.
        bank_missing: the bank file is not there yet (a warning until papers are wanted).
    """

    bank_file: str
    questions: tuple[Question, ...]
    bank_problems: tuple[str, ...]
    pass_percent: float
    per_paper: int
    variants: tuple[str, ...]
    seed: int
    sessions: tuple[ScheduleItem, ...]
    bank_missing: bool = False

    def session(self, key: str) -> ScheduleItem | None:
        """The session whose id or title is ``key`` (as a marks file writes it), or ``None``."""
        key = key.strip()
        for item in self.sessions:
            if key in (item.id, item.title):
                return item
        return None

    def passes(self, correct: int) -> bool:
        """Whether a paper with ``correct`` right answers passes."""
        return correct * 100 >= self.pass_percent * self.per_paper

    def most_passing(self, right_answers: int, papers: int) -> int:
        """The most of ``papers`` papers that can pass when ``right_answers`` answers were right
        among them all: each passing paper needs the pass mark's worth of right answers."""
        needed = next(c for c in range(self.per_paper + 1) if self.passes(c))
        return papers if needed == 0 else min(papers, right_answers // needed)


def too_many_passed(passed: int, most: int, right: int) -> tuple[str, str]:
    """Why a tally's passes cannot be, in Chinese and in English: more than its right answers
    allow (:meth:`QuizSettings.most_passing`)."""
    return (
        f"合格{passed}份不可能：各题答对份数合计{right}，最多够{most}份合格，请核对",
        f"{passed} passed cannot be: {right} right answers in all allow at most {most}",
    )


def read_settings(reader: TableReader, event: Event) -> QuizSettings:
    """The section and its bank; problems go to ``reader`` (the bank's are kept, see above)."""
    lang = event.lang
    bank_file = reader.text("bank", DEFAULT_BANK) or DEFAULT_BANK
    pass_percent = reader.number("pass_percent", 60.0, minimum=0, maximum=100)
    per_paper = reader.integer("questions", 10, minimum=1)
    if per_paper > MAX_QUESTIONS_PER_PAPER:
        reader.error("questions", f"must be at most {MAX_QUESTIONS_PER_PAPER}, got {per_paper}")
        per_paper = MAX_QUESTIONS_PER_PAPER
    variants = _variants(reader)
    seed = reader.integer("seed", DEFAULT_SEED)
    sessions = _sessions(reader, event)
    path = event.folder / bank_file
    if not path.is_file():
        questions, problems = (), (pick(lang, f"{path}：没有这个文件", f"{path}: no such file"),)
    else:
        found = read_bank(path, lang)
        questions, problems = found.questions, found.problems
    if questions and not problems and len(questions) < per_paper:
        reader.error(
            "questions",
            pick(
                lang,
                f"每份试卷{per_paper}道题，但题库只有{len(questions)}道",
                f"{per_paper} questions a paper, but the bank has only {len(questions)}",
            ),
        )
    return QuizSettings(
        bank_file,
        questions,
        tuple(problems),
        pass_percent,
        per_paper,
        variants,
        seed,
        sessions,
        not path.is_file(),
    )


def _variants(reader: TableReader) -> tuple[str, ...]:
    if not reader.has("variants"):
        return ("A", "B")
    variants = reader.texts("variants")
    good = []
    for index, letter in enumerate(variants):
        if not _VARIANT.match(letter):
            reader.error(("variants", index), f"a variant is one capital letter, got {letter!r}")
        elif letter in good:
            reader.error(("variants", index), f"variant {letter!r} is listed twice")
        else:
            good.append(letter)
    if not good:
        reader.error("variants", 'name at least one variant, like ["A", "B"]')
        return ("A",)
    return tuple(good)


def _sessions(reader: TableReader, event: Event) -> tuple[ScheduleItem, ...]:
    raw = reader.raw("sessions")
    if raw is None:
        return tuple(item for item in event.schedule if item.kind == "session")
    if raw == "all":
        return tuple(event.schedule)
    if not isinstance(raw, list):
        reader.error("sessions", f'expected "all" or a list of schedule ids, got {raw!r}')
        return ()
    ids = [item.id for item in event.schedule]
    chosen = []
    for index, value in enumerate(raw):
        if not isinstance(value, str) or value not in ids:
            hint = suggest(value, ids) if isinstance(value, str) else ""
            reader.error(("sessions", index), f"no schedule item {value!r}{hint}")
        elif value in chosen:
            reader.error(("sessions", index), f"session {value!r} is listed twice")
        else:
            chosen.append(value)
    return tuple(item for item in event.schedule if item.id in chosen)


def bank_problems(settings: QuizSettings) -> list[Problem]:
    """The bank file's problems, at the section's ``bank`` key, for ``kexie check``.

    A bank not written yet is a warning: the event is usable, only papers and marks wait for
    it (they refuse with the same message).
    """
    severity = "warning" if settings.bank_missing else "error"
    return [
        Problem(("plugins", NAME, "bank"), message, severity) for message in settings.bank_problems
    ]
