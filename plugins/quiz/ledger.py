"""The quiz ledger in the event store: every SQL statement of the quiz plugin.

``quiz_papers`` holds the papers as drawn, one row per question of each session's variant, the
question kept whole (text, options, answer) so that marks are checked against what was
printed. ``quiz_results`` holds the marks: one row per paper (``papers = 1``, with its
answers and, when given, the person's name) or per tally (``papers`` sat, ``correct`` per
question, ``passed`` when the tally says). An import replaces a session's rows in one
transaction, so importing the same file twice counts it once.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import attrs
from sqlalchemy import bindparam, text

from kexie_events.records import MigrationScripts, PersonalData
from kexie_events.store import EventStore
from kexie_plugins.quiz.bank import Question

OWNER = "quiz"
MIGRATIONS = Path(__file__).parent / "migrations"

_PAPERS = text(
    "SELECT session, variant, position, question FROM quiz_papers"
    " ORDER BY session, variant, position"
)
_RECORD_QUESTION = text(
    "INSERT INTO quiz_papers (session, variant, position, question, drawn_at)"
    " VALUES (:session, :variant, :position, :question, :drawn_at)"
)
_PAPER_RECORDED = text(
    "SELECT COUNT(*) FROM quiz_papers WHERE session = :session AND variant = :variant"
)
_FORGET_UNMARKED = text(
    "DELETE FROM quiz_papers WHERE session NOT IN (SELECT session FROM quiz_results)"
)
_DELETE_SESSIONS = text("DELETE FROM quiz_results WHERE session IN :sessions").bindparams(
    bindparam("sessions", expanding=True)
)
_DELETE_VARIANT = text(
    "DELETE FROM quiz_results WHERE session = :session AND variant = :variant AND source = :source"
)
_VARIANT_SOURCES = text(
    "SELECT DISTINCT source FROM quiz_results WHERE session = :session AND variant = :variant"
)
_ADD_RESULT = text(
    "INSERT INTO quiz_results (session, variant, audience, name, papers, passed, correct,"
    " answers, source, line, imported_at, by)"
    " VALUES (:session, :variant, :audience, :name, :papers, :passed, :correct, :answers,"
    " :source, :line, :imported_at, :by)"
)
_RESULTS = text(
    "SELECT session, variant, audience, name, papers, passed, correct, answers, line"
    " FROM quiz_results ORDER BY session, id"
)
_NAMES = text("SELECT COUNT(*) FROM quiz_results WHERE name IS NOT NULL")
_FORGET_NAMES = text("UPDATE quiz_results SET name = NULL WHERE name IS NOT NULL")


def migrations() -> list[MigrationScripts]:
    """The plugin's Alembic revisions (``quiz_0001`` ...)."""
    return [MigrationScripts(OWNER, MIGRATIONS)]


def _question_json(question: Question) -> str:
    return json.dumps(attrs.asdict(question), ensure_ascii=False, sort_keys=True)


def _question_of(data: str) -> Question:
    fields = json.loads(data)
    fields["options"] = tuple(fields["options"])
    return Question(**fields)


def recorded_papers(store: EventStore) -> dict[tuple[str, str], tuple[Question, ...]]:
    """The papers recorded so far: ``{(session, variant): questions in order}``."""
    with store.reading() as db:
        rows = db.execute(_PAPERS).all()
    papers: dict[tuple[str, str], list[Question]] = {}
    for session, variant, _position, question in rows:
        papers.setdefault((session, variant), []).append(_question_of(question))
    return {key: tuple(questions) for key, questions in papers.items()}


def record_papers(
    store: EventStore, papers: Iterable[tuple[str, str, Sequence[Question]]], at: dt.datetime
) -> None:
    """Record papers as drawn, each unless one is recorded for its session and variant already
    (two builds at once record it once)."""
    with store.transaction() as db:
        for session, variant, questions in papers:
            recorded = db.execute(_PAPER_RECORDED, {"session": session, "variant": variant})
            if recorded.scalar_one():
                continue
            for position, question in enumerate(questions, 1):
                db.execute(
                    _RECORD_QUESTION,
                    {
                        "session": session,
                        "variant": variant,
                        "position": position,
                        "question": _question_json(question),
                        "drawn_at": at.isoformat(),
                    },
                )


def forget_unmarked_papers(store: EventStore) -> None:
    """Forget the recorded papers of every session that has no marks yet."""
    with store.transaction() as db:
        db.execute(_FORGET_UNMARKED)


@attrs.frozen
class Result:
    """A row of marks: one paper (``papers == 1`` with ``answers``) or a tally.

    Attributes:
        correct: right answers per question of the paper, question 1 first.
        passed: papers that passed; ``None`` for a tally that did not say.
        answers: a paper's answers as marked (canonical), ``None`` for a tally.
        line: the row of the imported file.
    """

    session: str
    variant: str
    audience: str | None
    name: str | None
    papers: int
    passed: int | None
    correct: tuple[int, ...]
    answers: tuple[str, ...] | None = None
    line: int = 0


def _add(db, result: Result, *, source: str, at: dt.datetime, by: str) -> None:
    db.execute(
        _ADD_RESULT,
        {
            "session": result.session,
            "variant": result.variant,
            "audience": result.audience,
            "name": result.name,
            "papers": result.papers,
            "passed": result.passed,
            "correct": json.dumps(list(result.correct)),
            "answers": None
            if result.answers is None
            else json.dumps(list(result.answers), ensure_ascii=False),
            "source": source,
            "line": result.line,
            "imported_at": at.isoformat(),
            "by": by,
        },
    )


def replace_results(
    store: EventStore,
    sessions: Iterable[str],
    results: Iterable[Result],
    *,
    source: str,
    at: dt.datetime,
    by: str,
) -> None:
    """Make ``results`` the marks of ``sessions``, all in one transaction: the sessions' earlier
    marks go, so that importing a file again replaces what it imported before."""
    sessions = sorted(set(sessions))
    with store.transaction() as db:
        if sessions:
            db.execute(_DELETE_SESSIONS, {"sessions": sessions})
        for result in results:
            _add(db, result, source=source, at=at, by=by)


def replace_variant_results(
    store: EventStore, result: Result, *, source: str, at: dt.datetime, by: str
) -> bool:
    """Make ``result`` the ``source`` entry of its session's variant (a tally typed on the
    phone), replacing that source's earlier entry, in one transaction. Marks from any other
    source (an imported file) are left whole and nothing is recorded: ``False`` then."""
    keys = {"session": result.session, "variant": result.variant}
    with store.transaction() as db:
        if set(db.execute(_VARIANT_SOURCES, keys).scalars()) - {source}:
            return False
        db.execute(_DELETE_VARIANT, {**keys, "source": source})
        _add(db, result, source=source, at=at, by=by)
    return True


def results(store: EventStore) -> list[Result]:
    """Every row of marks, session by session in the order imported."""
    with store.reading() as db:
        rows = db.execute(_RESULTS).all()
    return [
        Result(
            session,
            variant,
            audience,
            name,
            papers,
            passed,
            tuple(json.loads(correct)),
            None if answers is None else tuple(json.loads(answers)),
            line,
        )
        for session, variant, audience, name, papers, passed, correct, answers, line in rows
    ]


def personal_data(store: EventStore, remove: bool) -> list[PersonalData]:
    """Names on marked papers; removed, the marks stay (a paper stays a paper)."""
    with store.transaction() as db:
        count = db.execute(_NAMES).scalar_one()
        if remove and count:
            db.execute(_FORGET_NAMES)
    return [PersonalData("quiz participants' names", count)] if count else []
