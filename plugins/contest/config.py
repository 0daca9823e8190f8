"""``[plugins.contest]`` as read: categories, judges, the combining rule, ties, awards, quotas.

The section is read once when the event loads. Judges are listed in the section
(``[[plugins.contest.judges]]`` with ``name`` and ``school``) or in a CSV or Excel file beside
``event.toml`` (``judges = "judges.csv"``, columns name and school); a bad row of that file is
reported with the file, its line and its column, at the section's ``judges`` key.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import attrs

from kexie_events.fields import TableReader, suggest
from kexie_events.i18n import pick
from kexie_events.model import Event
from kexie_events.table_import import Column, ImportProblem, read_table

NAME = "contest"

DEFAULT_CATEGORIES = {
    "zh": ("科技创新成果", "科幻画", "科技实践活动"),
    "en": ("Innovation project", "Science-fiction painting", "Science practice activity"),
}
"""The three categories of a youth science and technology innovation contest."""

RULES = ("trimmed-mean", "mean", "median")
"""How the judges' scores of an entry combine into its score."""
TIES = ("untrimmed-mean", "shared")
"""How entries with the same combined score are ordered (see :mod:`.ranking`)."""
AWARD_KEYS = ("first", "second", "third")
MAX_SCORE = 1000


def same_school(a: str, b: str) -> bool:
    """Whether two school names name the same school: full-width forms, spaces and case aside."""
    return bool(a) and school_key(a) == school_key(b)


def school_key(name: str) -> str:
    """A school name as compared: ``县一中``, ``县一中 `` and ``县一中`` with an invisible
    zero-width or soft-hyphen character (format characters, Unicode category Cf) are the same
    school, so no judge scores their own school's entry through a stray character."""
    visible = "".join(c for c in name if unicodedata.category(c) != "Cf")
    return "".join(unicodedata.normalize("NFKC", visible).split()).casefold()


@attrs.frozen
class Judge:
    """An expert on the review panel and the school they belong to ("" for none)."""

    name: str
    school: str = ""


@attrs.frozen
class ContestConfig:
    """The contest's settings, which the plugin's hooks get as ``config``.

    Attributes:
        categories: the categories entries are filed under, in the order they are listed.
        rule: ``trimmed-mean`` (drop the highest and the lowest score when there are at least
            three), ``mean`` or ``median``.
        tie: ``untrimmed-mean`` (equal scores are ordered by the mean of all their scores, then
            by their best single score; only what is still equal shares a rank) or ``shared``.
        judges_per_entry: how many judges score each entry.
        score_min, score_max: the range a score must lie in.
        send: entries sent on to the province in all, split over the categories in
            proportion to their entries; ``None`` when ``quotas`` says it per category.
        quotas: entries sent on per category, when given so.
        awards: the share of each category's entries that wins each prize
            (``first``, ``second``, ``third``).
        judges: the review panel, in the order listed.
        judges_file: the file the judges came from, when not the section.
    """

    categories: tuple[str, ...]
    rule: str
    tie: str
    judges_per_entry: int
    score_min: float
    score_max: float
    send: int | None
    quotas: dict[str, int]
    awards: dict[str, float]
    judges: tuple[Judge, ...]
    judges_file: str | None = None

    def judge(self, name: str) -> Judge | None:
        """The judge called ``name``, if there is one."""
        return next((j for j in self.judges if j.name == name), None)


JUDGE_COLUMNS = (Column("name", ("姓名", "评委", "评委姓名")), Column("school", ("学校", "单位")))


def read_judges_file(path: Path, lang: str) -> tuple[tuple[Judge, ...], list[str]]:
    """Judges from a CSV or workbook (name, school): the judges and every problem by row."""
    if not path.exists():
        return (), [ImportProblem(path, None, pick(lang, "没有这个文件", "no such file"))]
    table = read_table(path, columns=JUDGE_COLUMNS, required=("name",), unique=("name",), lang=lang)
    judges, problems = [], list(table.problems)
    for row in table.rows:
        if not row.values["name"]:
            empty = pick(lang, "评委姓名是空的", "the judge's name is empty")
            problems.append(table.at(row.line, empty, "name"))
        else:
            judges.append(Judge(row.values["name"], row.values["school"]))
    return tuple(judges), problems


def _judges(reader: TableReader, event: Event) -> tuple[tuple[Judge, ...], str | None]:
    value = reader.raw("judges")
    if isinstance(value, str):
        file_name = reader.text("judges")
        judges, problems = read_judges_file(event.folder / file_name, event.lang)
        for problem in problems:
            reader.error("judges", problem)
        return judges, file_name
    judges = []
    for table in reader.tables("judges"):
        name = table.text("name", required=True)
        school = table.text("school", "") or ""
        table.finish()
        if name in {j.name for j in judges}:
            table.error("name", f"judge {name!r} is listed twice")
        elif name:
            judges.append(Judge(name, school))
    return tuple(judges), None


def _awards(reader: TableReader) -> dict[str, float]:
    table = reader.table("awards")
    defaults = {"first": 0.1, "second": 0.2, "third": 0.3}
    awards = {
        key: table.number(key, share, minimum=0, maximum=1) for key, share in defaults.items()
    }
    table.finish()
    if sum(awards.values()) > 1:
        reader.error("awards", f"the shares add up to {sum(awards.values()):g}, more than 1")
    return awards


def _send(reader: TableReader, categories: tuple[str, ...]) -> tuple[int | None, dict[str, int]]:
    value = reader.raw("send")
    if isinstance(value, dict):
        table = reader.table("send")
        quotas = {}
        for category in table.names():
            count = table.integer(category)
            if category not in categories:
                table.error(category, f"no category {category!r}{suggest(category, categories)}")
            elif count is not None:
                quotas[category] = count
        return None, quotas
    return reader.integer("send", 0), {}


def read_config(reader: TableReader, event: Event) -> ContestConfig:
    """Read ``[plugins.contest]``; problems go to ``reader`` with their key."""
    categories = reader.texts("categories") or DEFAULT_CATEGORIES[event.lang]
    if len(set(categories)) != len(categories):
        reader.error("categories", "a category is listed twice")
    rule = reader.text("rule", "trimmed-mean", choices=RULES)
    tie = reader.text("tie", "untrimmed-mean", choices=TIES)
    per_entry = reader.integer("judges_per_entry", 5, minimum=1)
    low = reader.number("score_min", 0, minimum=0, maximum=MAX_SCORE)
    high = reader.number("score_max", 100, minimum=1, maximum=MAX_SCORE)
    if low >= high:
        reader.error("score_max", f"must be more than score_min ({low:g}), got {high:g}")
    send, quotas = _send(reader, categories)
    awards = _awards(reader)
    judges, judges_file = _judges(reader, event)
    if judges and per_entry > len(judges):
        reader.error(
            "judges_per_entry", f"{per_entry} judges per entry, but only {len(judges)} judges"
        )
    return ContestConfig(
        categories=tuple(categories),
        rule=rule,
        tie=tie,
        judges_per_entry=per_entry,
        score_min=low,
        score_max=high,
        send=send,
        quotas=quotas,
        awards=awards,
        judges=judges,
        judges_file=judges_file,
    )
