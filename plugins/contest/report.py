"""The contest's part of the report: entries by category and school, prizes, the entries sent on.

Figures (``figure.contest.KEY`` in a targets file; keep these names stable):

- ``entries``: entries in the contest (withdrawn ones not counted);
- ``sent_on``: entries sent on to the province, as the last ``kexie contest select`` chose;
- ``schools``: schools with at least one entry;
- ``judges``: judges on the panel;
- ``scores``: judges' scores counted;
- ``unfinished``: entries some assigned judge has not scored yet;
- ``prizes``: ``{"first": n, "second": n, "third": n}``;
- ``by_category``: entries per category.
"""

from __future__ import annotations

from kexie_events.i18n import pick
from kexie_events.records import ReportSection, Table
from kexie_plugins.contest import ledger
from kexie_plugins.contest.config import NAME, ContestConfig
from kexie_plugins.contest.ranking import PRIZES, Results, prize_text, review


def figures(config: ContestConfig, results: Results, sent: list[str]) -> dict:
    """The section's numbers (see the module's docstring)."""
    entries = [r.entry for r in results.results]
    return {
        "entries": len(entries),
        "sent_on": len(sent),
        "schools": len({e.school for e in entries}),
        "judges": len(config.judges),
        "scores": sum(len(r.scores) for r in results.results),
        "unfinished": len(results.unfinished),
        "prizes": {p: sum(1 for r in results.results if r.prize == p) for p in PRIZES},
        "by_category": {c: sum(1 for e in entries if e.category == c) for c in config.categories},
    }


def _narrative(numbers: dict, lang: str) -> tuple[str, ...]:
    if not numbers["entries"]:
        return ()
    prizes = numbers["prizes"]
    parts = [f"{c}{n}件" for c, n in numbers["by_category"].items() if n]
    parts_en = [f"{n} {c}" for c, n in numbers["by_category"].items() if n]
    text = [
        pick(
            lang,
            f"本届大赛共收到{numbers['schools']}所学校的参赛作品{numbers['entries']}件"
            f"（{'、'.join(parts)}），由{numbers['judges']}位评委评审，评出一等奖{prizes['first']}件、"
            f"二等奖{prizes['second']}件、三等奖{prizes['third']}件。",
            f"The contest received {numbers['entries']} entries from {numbers['schools']} "
            f"schools ({', '.join(parts_en)}). {numbers['judges']} judges reviewed them and "
            f"awarded {prizes['first']} first, {prizes['second']} second and "
            f"{prizes['third']} third prizes.",
        )
    ]
    if numbers["sent_on"]:
        text.append(
            pick(
                lang,
                f"推荐{numbers['sent_on']}件优秀作品参加省级比赛。",
                f"{numbers['sent_on']} entries were sent on to the provincial contest.",
            )
        )
    if numbers["unfinished"]:
        text.append(
            pick(
                lang,
                f"尚有{numbers['unfinished']}件作品评分不全。",
                f"{numbers['unfinished']} entries still lack some of their scores.",
            )
        )
    return tuple(text)


def section(event, config: ContestConfig, store) -> ReportSection:
    """The report section, with its figures, sentences and tables."""
    lang = event.lang
    results = review(config, store)
    sent = ledger.sent(store)
    numbers = figures(config, results, sent)
    sent_set = set(sent)
    prize_heads = tuple(prize_text(p, lang) for p in PRIZES)
    category_rows = []
    for category in config.categories:
        mine = [r for r in results.results if r.entry.category == category]
        category_rows.append(
            (
                category,
                len(mine),
                len({r.entry.school for r in mine}),
                *(sum(1 for r in mine if r.prize == p) for p in PRIZES),
                sum(1 for r in mine if r.entry.code in sent_set),
            )
        )
    schools: dict[str, list] = {}
    for r in results.results:
        schools.setdefault(r.entry.school, []).append(r)
    school_rows = sorted(
        (
            (
                school,
                len(mine),
                sum(1 for r in mine if r.prize),
                sum(1 for r in mine if r.entry.code in sent_set),
            )
            for school, mine in schools.items()
        ),
        key=lambda row: (-row[1], row[0]),
    )
    by_code = {r.entry.code: r for r in results.results}
    sent_rows = tuple(
        (
            position,
            code,
            by_code[code].entry.title,
            by_code[code].entry.category,
            by_code[code].entry.school,
            by_code[code].score_text,
            prize_text(by_code[code].prize, lang),
        )
        for position, code in enumerate(sent, 1)
        if code in by_code
    )
    tables = (
        Table(
            pick(lang, "各类别作品", "Entries by category"),
            (
                pick(lang, "类别", "Category"),
                pick(lang, "作品", "Entries"),
                pick(lang, "学校", "Schools"),
                *prize_heads,
                pick(lang, "推荐上报", "Sent on"),
            ),
            tuple(category_rows),
        ),
        Table(
            pick(lang, "各学校作品", "Entries by school"),
            (
                pick(lang, "学校", "School"),
                pick(lang, "作品", "Entries"),
                pick(lang, "获奖", "Prizes"),
                pick(lang, "推荐上报", "Sent on"),
            ),
            tuple(school_rows),
        ),
        Table(
            pick(lang, "推荐参加省级比赛的作品", "Entries sent on to the province"),
            (
                pick(lang, "序号", "No."),
                pick(lang, "编号", "Code"),
                pick(lang, "作品名称", "Title"),
                pick(lang, "类别", "Category"),
                pick(lang, "学校", "School"),
                pick(lang, "得分", "Score"),
                pick(lang, "奖项", "Prize"),
            ),
            sent_rows,
        ),
    )
    return ReportSection(
        NAME,
        pick(lang, "青少年科技创新大赛", "Youth science and technology innovation contest"),
        numbers,
        _narrative(numbers, lang),
        tables,
        order=40,
    )
