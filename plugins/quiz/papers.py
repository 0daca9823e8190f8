"""Papers: the questions each session's variants ask, drawn from the bank by a seed.

A paper is drawn with its own random generator, seeded by the section's ``seed``, the session's
id and the variant: the same seed, bank and sessions give the same papers on any computer, and
adding a session leaves the others' papers as they were. Questions print grouped by kind
(single choice, multiple choice, true or false), in the bank's order within a kind.

The draw is recorded in the store the first time papers are printed or marked (see
:func:`papers_of`); from then on the recorded papers are the ones printed and marked against,
so a bank edited after the papers went out cannot change the key of a paper already sat.
"""

from __future__ import annotations

import random

import attrs

from kexie_events.model import ScheduleItem
from kexie_events.store import EventStore, now
from kexie_plugins.quiz import ledger
from kexie_plugins.quiz.bank import KINDS, Question, kind_name
from kexie_plugins.quiz.settings import QuizSettings


@attrs.frozen
class Paper:
    """One variant of one session's paper.

    Attributes:
        session: the schedule item it is sat at.
        variant: its letter (``A``).
        questions: in the order printed: question 1 first.
    """

    session: ScheduleItem
    variant: str
    questions: tuple[Question, ...]

    @property
    def key(self) -> tuple[str, str]:
        """``(session id, variant)``: what names the paper in the store and a marks file."""
        return (self.session.id, self.variant)


def draw(settings: QuizSettings, session: ScheduleItem, variant: str) -> Paper:
    """The paper the bank and seed give for ``session`` and ``variant`` (nothing recorded)."""
    bank = settings.questions
    # A string seed is hashed the same way on every platform and Python 3 version.
    chooser = random.Random(f"kexie-quiz:{settings.seed}:{session.id}:{variant}")
    chosen = set(chooser.sample(range(len(bank)), min(settings.per_paper, len(bank))))
    picked = [bank[i] for i in sorted(chosen)]
    picked.sort(key=lambda q: KINDS.index(q.kind))
    return Paper(session, variant, tuple(picked))


def papers_of(settings: QuizSettings, store: EventStore) -> list[Paper]:
    """Every session's papers, as recorded; papers not yet recorded are drawn and recorded."""
    recorded = ledger.recorded_papers(store)
    papers, new = [], []
    for session in settings.sessions:
        for variant in settings.variants:
            questions = recorded.get((session.id, variant))
            if questions is None:
                paper = draw(settings, session, variant)
                new.append(paper)
            else:
                paper = Paper(session, variant, questions)
            papers.append(paper)
    if new and settings.questions and not settings.bank_problems:
        ledger.record_papers(store, [(p.session.id, p.variant, p.questions) for p in new], at=now())
    return papers


def redraw(settings: QuizSettings, store: EventStore) -> list[Paper]:
    """Forget the recorded papers of sessions without marks and draw them again from the bank.

    For a bank changed before the papers were sat; papers already marked are kept.
    """
    ledger.forget_unmarked_papers(store)
    return papers_of(settings, store)


def differs_from_bank(settings: QuizSettings, papers: list[Paper]) -> list[Paper]:
    """The recorded papers that the bank and seed would no longer draw as they are."""
    return [
        paper
        for paper in papers
        if paper.questions != draw(settings, paper.session, paper.variant).questions
    ]


@attrs.frozen
class Part:
    """A part of a printed paper: one kind of question with its heading and numbers.

    Attributes:
        heading: ``单项选择题`` or ``Single choice``.
        questions: ``(number on the paper, question)``, numbered through the whole paper.
    """

    heading: str
    questions: tuple[tuple[int, Question], ...]


def parts_of(paper: Paper, lang: str) -> tuple[Part, ...]:
    """The paper's parts in print order (its questions are grouped by kind already)."""
    parts: dict[str, list[tuple[int, Question]]] = {}
    for number, question in enumerate(paper.questions, 1):
        parts.setdefault(question.kind, []).append((number, question))
    return tuple(Part(kind_name(kind, lang), tuple(items)) for kind, items in parts.items())
