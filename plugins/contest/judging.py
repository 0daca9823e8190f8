"""Which judge scores which entry, and importing the judges' score sheets.

No judge scores an entry from their own school: such a judge is never assigned it, and a
score sheet that gives one anyway is refused. Each entry gets ``judges_per_entry`` judges,
taken in turn from those with the fewest entries so far (the listed order breaks ties), so
the work is spread evenly and the same entries and judges always give the same sheets.
Entries are assigned in code order, so entries added later leave earlier sheets as they were.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import attrs

from kexie_events.fields import suggest
from kexie_events.i18n import decimal_text, pick
from kexie_events.model import Event
from kexie_events.store import EventStore, now
from kexie_events.table_import import Column, ImportProblem, ImportRefused, read_table
from kexie_plugins.contest import ledger
from kexie_plugins.contest.config import ContestConfig, Judge, same_school

SCORE_COLUMNS = (
    Column("judge", ("评委", "评委姓名")),
    Column("code", ("作品编号", "编号")),
    Column("score", ("分数", "得分", "评分")),
    # Printed on the sheets so that a judge can see what they score; not read back.
    Column("title", ("作品名称",)),
    Column("category", ("类别",)),
)
_SCORE = re.compile(r"[0-9]+(\.[0-9])?")


def assignments(config: ContestConfig, entries: Sequence[ledger.Entry]) -> dict[str, list[str]]:
    """The entry codes each judge scores, ``{judge name: [code, ...]}`` in code order."""
    load = {judge.name: 0 for judge in config.judges}
    given: dict[str, list[str]] = {judge.name: [] for judge in config.judges}
    order = {judge.name: index for index, judge in enumerate(config.judges)}
    for entry in entries:
        free = [j for j in config.judges if not same_school(j.school, entry.school)]
        free.sort(key=lambda j: (load[j.name], order[j.name]))
        for judge in free[: config.judges_per_entry]:
            load[judge.name] += 1
            given[judge.name].append(entry.code)
    return given


def judges_of(config: ContestConfig, entries: Sequence[ledger.Entry]) -> dict[str, list[str]]:
    """The judges assigned to each entry, ``{code: [judge name, ...]}``."""
    per_entry: dict[str, list[str]] = {entry.code: [] for entry in entries}
    for judge, codes in assignments(config, entries).items():
        for code in codes:
            per_entry[code].append(judge)
    return per_entry


def sheet_rows(config: ContestConfig, entries: Sequence[ledger.Entry]) -> list[tuple]:
    """Rows of the score-entry workbook: judge, code, title, category, and an empty score."""
    by_code = {entry.code: entry for entry in entries}
    return [
        (judge, code, by_code[code].title, by_code[code].category, "")
        for judge, codes in assignments(config, entries).items()
        for code in codes
    ]


@attrs.frozen
class ScoresImport:
    """What a score import recorded: scores, those that replaced earlier ones, blank rows."""

    recorded: int
    replaced: int
    blank: int
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def _judge_problem(config: ContestConfig, name: str, lang: str) -> str:
    names = [j.name for j in config.judges]
    return pick(
        lang,
        f"评委名单中没有“{name}”",
        f"no judge {name!r} on the panel{suggest(name, names)}",
    )


def import_scores(
    event: Event,
    config: ContestConfig,
    store: EventStore,
    source: Path,
    *,
    by: str,
    sheet: str | None = None,
) -> ScoresImport:
    """Check every row of a score sheet (judge, entry code, score) and record them, or none.

    Refused, row by row: a judge not on the panel, an entry code that is not an entry, a score
    that is not a number with at most one decimal or is out of range, and a judge scoring an
    entry from their own school. A row with no score yet is skipped (a sheet may come back
    half filled); a score for an entry the judge was not assigned is recorded with a warning.
    """
    lang = event.lang
    table = read_table(
        source,
        columns=SCORE_COLUMNS,
        required=("judge", "code", "score"),
        unique=("judge", "code"),
        sheet=sheet,
        lang=lang,
    )
    entries = {entry.code: entry for entry in ledger.entries(store)}
    assigned = judges_of(config, list(entries.values()))
    problems: list[str] = list(table.problems)
    warnings: list[str] = list(table.warnings)
    found: list[ledger.Score] = []
    blank = 0
    low, high = decimal_text(config.score_min), decimal_text(config.score_max)
    for row in table.rows:
        name, code, raw = row.values["judge"], row.values["code"].upper(), row.values["score"]
        judge: Judge | None = config.judge(name)
        entry = entries.get(code)
        if judge is None:
            problems.append(table.at(row.line, _judge_problem(config, name, lang), "judge"))
        if entry is None:
            unknown = pick(lang, f"没有编号为“{code}”的作品", f"no entry {code!r}")
            problems.append(table.at(row.line, unknown, "code"))
        if judge is None or entry is None:
            continue
        if same_school(judge.school, entry.school):
            own = pick(
                lang,
                f"评委{judge.name}与作品{code}同属{entry.school}，应当回避，不能评分",
                f"judge {judge.name} is from {entry.school}, the school of entry {code}, "
                "and may not score it",
            )
            problems.append(table.at(row.line, own, "judge"))
            continue
        if not raw:
            blank += 1
            continue
        value = float(raw) if _SCORE.fullmatch(raw) else None
        if value is None or not config.score_min <= value <= config.score_max:
            bad = pick(
                lang,
                f"分数应为{low}至{high}之间的数（最多一位小数），这里是“{raw}”",
                f"the score must be a number from {low} to {high} "
                f"(at most one decimal), got {raw!r}",
            )
            problems.append(table.at(row.line, bad, "score"))
            continue
        if judge.name not in assigned.get(code, ()):
            unassigned = pick(
                lang,
                f"作品{code}不在评委{judge.name}的评分表上，分数仍予记录",
                f"entry {code} is not on {judge.name}'s sheet; the score is recorded all the same",
            )
            warnings.append(table.at(row.line, unassigned, "code"))
        found.append(ledger.Score(judge.name, code, value))
    if not problems and not found:
        empty = pick(lang, "文件中没有分数", "no scores in the file")
        problems.append(ImportProblem(source, None, empty))
    if problems:
        raise ImportRefused(problems)
    earlier = {(s.judge, s.code) for s in ledger.scores(store)}
    replaced = sum(1 for s in found if (s.judge, s.code) in earlier)
    ledger.save_scores(store, found, at=now().astimezone(event.tz), by=by)
    return ScoresImport(len(found), replaced, blank, tuple(warnings), table.notes)
