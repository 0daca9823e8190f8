"""The contest ledger in the event store: every SQL statement of the contest plugin.

``contest_entries`` holds each entry with its code (``C-001``); an entry left out of a later
import is marked withdrawn rather than deleted, so that its code is never given to another
entry and comes back with it. ``contest_scores`` holds one score per judge and entry, in
tenths of a point. ``contest_sent`` is the selection sent on to the province, as last made.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import attrs
from sqlalchemy import text

from kexie_events.records import MigrationScripts
from kexie_events.store import EventStore

OWNER = "contest"
MIGRATIONS = Path(__file__).parent / "migrations"

_ALL_ENTRIES = text(
    "SELECT code, number, title, category, school, pupils, teacher, withdrawn"
    " FROM contest_entries ORDER BY number"
)
_ADD_ENTRY = text(
    "INSERT INTO contest_entries"
    " (code, number, title, category, school, pupils, teacher, withdrawn, at, by)"
    " VALUES (:code, :number, :title, :category, :school, :pupils, :teacher, 0, :at, :by)"
)
_UPDATE_ENTRY = text(
    "UPDATE contest_entries SET title = :title, category = :category, school = :school,"
    " pupils = :pupils, teacher = :teacher, withdrawn = 0, at = :at, by = :by WHERE code = :code"
)
_WITHDRAW = text("UPDATE contest_entries SET withdrawn = 1, at = :at, by = :by WHERE code = :code")
_SCORES = text("SELECT judge, code, tenths FROM contest_scores ORDER BY code, judge")
_FORGET_SCORE = text("DELETE FROM contest_scores WHERE judge = :judge AND code = :code")
_ADD_SCORE = text(
    "INSERT INTO contest_scores (judge, code, tenths, at, by)"
    " VALUES (:judge, :code, :tenths, :at, :by)"
)
_SENT = text("SELECT code FROM contest_sent ORDER BY position")
_FORGET_SENT = text("DELETE FROM contest_sent")
_ADD_SENT = text(
    "INSERT INTO contest_sent (code, position, at, by) VALUES (:code, :position, :at, :by)"
)


def migrations() -> list[MigrationScripts]:
    """The plugin's Alembic revisions (``contest_0001`` ...)."""
    return [MigrationScripts(OWNER, MIGRATIONS)]


@attrs.frozen
class Entry:
    """An entry of the contest as recorded.

    Attributes:
        code: its code on every sheet and list, ``C-001``.
        pupils: the pupils' names as the entry form gives them (``王小明、李华``).
        withdrawn: left out of the latest import of entries.
    """

    code: str
    number: int
    title: str
    category: str
    school: str
    pupils: str
    teacher: str
    withdrawn: bool = False


@attrs.frozen
class Score:
    """One judge's score of one entry."""

    judge: str
    code: str
    score: float


def entries(store: EventStore, *, withdrawn: bool = False) -> list[Entry]:
    """The entries in code order; those withdrawn only when asked for."""
    with store.reading() as db:
        rows = db.execute(_ALL_ENTRIES).all()
    found = [Entry(*row[:7], withdrawn=bool(row[7])) for row in rows]
    return found if withdrawn else [e for e in found if not e.withdrawn]


def save_entries(
    store: EventStore,
    added: Iterable[Entry],
    updated: Iterable[Entry],
    withdrawn: Iterable[str],
    *,
    at: dt.datetime,
    by: str,
) -> None:
    """Record an import of entries in one transaction: all of it or nothing."""
    stamp = {"at": at.isoformat(), "by": by}
    with store.transaction() as db:
        for entry in added:
            db.execute(_ADD_ENTRY, {**attrs.asdict(entry, filter=_no_flag), **stamp})
        for entry in updated:
            values = attrs.asdict(entry, filter=_no_flag)
            del values["number"]
            db.execute(_UPDATE_ENTRY, {**values, **stamp})
        for code in withdrawn:
            db.execute(_WITHDRAW, {"code": code, **stamp})


def _no_flag(attribute: attrs.Attribute, _value: object) -> bool:
    return attribute.name != "withdrawn"


def scores(store: EventStore) -> list[Score]:
    """Every score recorded, by entry code then judge."""
    with store.reading() as db:
        rows = db.execute(_SCORES).all()
    return [Score(judge, code, tenths / 10) for judge, code, tenths in rows]


def save_scores(store: EventStore, given: Iterable[Score], *, at: dt.datetime, by: str) -> None:
    """Record scores in one transaction; a judge's new score of an entry replaces the old."""
    stamp = {"at": at.isoformat(), "by": by}
    with store.transaction() as db:
        for score in given:
            key = {"judge": score.judge, "code": score.code}
            db.execute(_FORGET_SCORE, key)
            db.execute(_ADD_SCORE, {**key, "tenths": round(score.score * 10), **stamp})


def sent(store: EventStore) -> list[str]:
    """The codes of the entries sent on, best first, as the last selection made them."""
    with store.reading() as db:
        return [code for (code,) in db.execute(_SENT).all()]


def save_sent(store: EventStore, codes: Iterable[str], *, at: dt.datetime, by: str) -> None:
    """Make ``codes`` the selection sent on, replacing any earlier one."""
    stamp = {"at": at.isoformat(), "by": by}
    with store.transaction() as db:
        db.execute(_FORGET_SENT)
        for position, code in enumerate(codes, 1):
            db.execute(_ADD_SENT, {"code": code, "position": position, **stamp})


_NAMED = text("SELECT COUNT(*) FROM contest_entries WHERE pupils <> '' OR teacher <> ''")
_FORGET_NAMES = text("UPDATE contest_entries SET pupils = '', teacher = ''")


def named_entries(store: EventStore) -> int:
    """Entries that still carry pupils' or teachers' names."""
    with store.reading() as db:
        return db.execute(_NAMED).scalar_one()


def forget_names(store: EventStore) -> None:
    """Remove the pupils' and teachers' names, keeping every entry, score and selection."""
    with store.transaction() as db:
        db.execute(_FORGET_NAMES)
