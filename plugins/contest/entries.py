"""Importing the contest's entries from a CSV or Excel file: all rows or none.

An import is the whole list of entries. An entry keeps its code from one import to the next
when its category, school and title are the same; a new entry gets the next free code; an entry
no longer in the file is withdrawn (its code is never reused, and it gets it back if it
returns). An entry that judges have scored cannot be withdrawn: the scores would be lost to the
ranking without a word.
"""

from __future__ import annotations

from pathlib import Path

import attrs

from kexie_events.fields import suggest
from kexie_events.i18n import pick
from kexie_events.model import Event
from kexie_events.store import EventStore, now
from kexie_events.table_import import Column, ImportProblem, ImportRefused, read_table
from kexie_plugins.contest import ledger
from kexie_plugins.contest.config import ContestConfig, school_key

ENTRY_COLUMNS = (
    Column("title", ("作品名称", "作品", "题目", "名称")),
    Column("category", ("类别", "项目类别", "参赛类别")),
    Column("school", ("学校", "所在学校", "单位")),
    Column("pupils", ("学生", "作者", "学生姓名", "参赛学生")),
    Column("teacher", ("指导教师", "辅导教师", "教师")),
)
REQUIRED = ("title", "category", "school", "pupils")


def code_of(number: int) -> str:
    """The entry code printed on every sheet: ``C-001``, ``C-1000``."""
    return f"C-{number:03d}"


def _identity(category: str, school: str, title: str) -> tuple[str, str, str]:
    return (category, school_key(school), school_key(title))


@attrs.frozen
class EntriesImport:
    """What an import did: entries added, kept (same code), withdrawn, and the file's warnings."""

    added: int
    kept: int
    withdrawn: int
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def import_entries(
    event: Event,
    config: ContestConfig,
    store: EventStore,
    source: Path,
    *,
    by: str,
    sheet: str | None = None,
) -> EntriesImport:
    """Check every row of ``source`` and make it the contest's entries, or refuse it whole."""
    lang = event.lang
    table = read_table(
        source,
        columns=ENTRY_COLUMNS,
        required=REQUIRED,
        unique=("category", "school", "title"),
        sheet=sheet,
        lang=lang,
    )
    problems: list[str] = list(table.problems)
    rows = []
    for row in table.rows:
        values = row.values
        missing = [key for key in REQUIRED if not values[key]]
        for key in missing:
            empty = pick(
                lang,
                f"“{table.headers.get(key, key)}”是空的",
                f"{table.headers.get(key, key)!r} is empty",
            )
            problems.append(table.at(row.line, empty, key))
        if missing:
            continue
        if values["category"] not in config.categories:
            hint = suggest(values["category"], config.categories)
            unknown = pick(
                lang,
                f"没有“{values['category']}”这个类别（可选：{'、'.join(config.categories)}）",
                f"no category {values['category']!r}{hint} "
                f"(the categories: {', '.join(config.categories)})",
            )
            problems.append(table.at(row.line, unknown, "category"))
            continue
        rows.append(values)
    if not problems and not rows:
        problems.append(ImportProblem(source, None, pick(lang, "文件中没有作品", "no entries")))
    recorded = ledger.entries(store, withdrawn=True)
    known = {_identity(e.category, e.school, e.title): e for e in recorded}
    scored = {score.code for score in ledger.scores(store)}
    listed = {_identity(v["category"], v["school"], v["title"]) for v in rows}
    going = [e for key, e in known.items() if key not in listed and not e.withdrawn]
    for entry in going:
        if entry.code in scored:
            kept_scores = pick(
                lang,
                f"作品{entry.code}《{entry.title}》（{entry.school}）已有评分，不能从作品中删除",
                f"entry {entry.code} {entry.title!r} ({entry.school}) has scores already; "
                "it cannot be left out",
            )
            problems.append(ImportProblem(source, None, kept_scores))
    if problems:
        raise ImportRefused(problems)
    number = max((e.number for e in known.values()), default=0)
    added, updated = [], []
    for values in rows:
        earlier = known.get(_identity(values["category"], values["school"], values["title"]))
        fields = {key: values[key] for key in ("title", "category", "school", "pupils", "teacher")}
        if earlier is None:
            number += 1
            added.append(ledger.Entry(code_of(number), number, **fields))
        else:
            updated.append(ledger.Entry(earlier.code, earlier.number, **fields))
    ledger.save_entries(
        store, added, updated, [e.code for e in going], at=now().astimezone(event.tz), by=by
    )
    return EntriesImport(len(added), len(updated), len(going), table.warnings, table.notes)
