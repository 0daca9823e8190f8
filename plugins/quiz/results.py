"""Results: papers, average score and pass rate per session and audience; the hardest questions.

Every question counts one point; a paper's score is its right answers as a percentage of its
questions. The pass rate counts only papers whose pass is known: every paper entered one by
one, and the tallies that say how many passed (a tally without ``passed`` adds to the papers
and the average, not to the pass rate).
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from kexie_events.model import ScheduleItem
from kexie_events.store import EventStore
from kexie_plugins.quiz import ledger
from kexie_plugins.quiz.bank import Question
from kexie_plugins.quiz.settings import QuizSettings

HARDEST_SHOWN = 5


@attrs.frozen
class Tally:
    """Marks added up over some papers.

    Attributes:
        papers: papers sat.
        right: right answers over all of them.
        asked: questions over all of them (papers times questions a paper).
        passed: papers that passed, of ``judged`` whose pass is known.
    """

    papers: int = 0
    right: int = 0
    asked: int = 0
    passed: int = 0
    judged: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            *(a + b for a, b in zip(attrs.astuple(self), attrs.astuple(other), strict=True))
        )

    @property
    def average(self) -> float:
        """The average score in percent (0 without papers)."""
        return round(100 * self.right / self.asked, 1) if self.asked else 0.0

    @property
    def pass_rate(self) -> float | None:
        """Papers passed in percent of those whose pass is known; ``None`` when none is."""
        return round(100 * self.passed / self.judged, 1) if self.judged else None


@attrs.frozen
class QuestionTally:
    """How one question of the bank fared on every paper that asked it."""

    question: Question
    asked: int
    right: int

    @property
    def rate(self) -> float:
        """Right answers in percent of the papers that asked it."""
        return round(100 * self.right / self.asked, 1) if self.asked else 0.0


@attrs.frozen
class Results:
    """The quiz's results.

    Attributes:
        total: every paper marked.
        per_session: each session with marks, in schedule order, with its tally.
        per_audience: ``(session, audience, tally)`` for the papers that name their audience.
        hardest: the questions answered right least often, the hardest first.
        named_passed: ``(session, name, score in percent)`` of each named paper that passed.
    """

    total: Tally
    per_session: tuple[tuple[ScheduleItem, Tally], ...]
    per_audience: tuple[tuple[ScheduleItem, str, Tally], ...]
    hardest: tuple[QuestionTally, ...]
    named_passed: tuple[tuple[ScheduleItem, str, float], ...]


def _tally(result: ledger.Result) -> Tally:
    judged = 0 if result.passed is None else result.papers
    return Tally(
        result.papers,
        sum(result.correct),
        result.papers * len(result.correct),
        result.passed or 0,
        judged,
    )


def results_of(settings: QuizSettings, store: EventStore) -> Results:
    """The results of every marked paper in the store."""
    # The recorded papers only: reading the results must not draw (and record) papers.
    return add_up(settings, ledger.recorded_papers(store), ledger.results(store))


def add_up(
    settings: QuizSettings,
    papers: dict[tuple[str, str], tuple[Question, ...]],
    rows: Iterable[ledger.Result],
) -> Results:
    """Add ``rows`` up per session and audience, and per question of the ``papers`` (each
    paper's questions by session and variant)."""
    sessions = {item.id: item for item in settings.sessions}
    per_session: dict[str, Tally] = {}
    per_audience: dict[tuple[str, str], Tally] = {}
    per_question: dict[str, list[int]] = {}
    questions: dict[str, Question] = {}
    named = []
    for row in rows:
        if row.session not in sessions:  # a session since taken out of the section
            continue
        tally = _tally(row)
        per_session[row.session] = per_session.get(row.session, Tally()) + tally
        if row.audience:
            key = (row.session, row.audience)
            per_audience[key] = per_audience.get(key, Tally()) + tally
        for question, right in zip(
            papers.get((row.session, row.variant), ()), row.correct, strict=False
        ):
            counts = per_question.setdefault(question.id, [0, 0])
            counts[0] += row.papers
            counts[1] += right
            questions[question.id] = question
        if row.name and row.passed:
            score = round(100 * sum(row.correct) / len(row.correct), 1) if row.correct else 0.0
            named.append((sessions[row.session], row.name, score))
    order = [item.id for item in settings.sessions]
    total = sum(per_session.values(), Tally())
    hardest = sorted(
        (
            QuestionTally(questions[qid], asked, right)
            for qid, (asked, right) in per_question.items()
        ),
        key=lambda q: (q.rate, q.question.id),
    )
    return Results(
        total,
        tuple((sessions[s], per_session[s]) for s in order if s in per_session),
        tuple(
            (sessions[s], audience, per_audience[(s, audience)])
            for s in order
            for (session, audience) in sorted(per_audience)
            if session == s
        ),
        tuple(hardest[:HARDEST_SHOWN]),
        tuple(named),
    )
