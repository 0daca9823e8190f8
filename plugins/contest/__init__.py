"""Built-in plugin ``contest``: a youth science and technology innovation contest.

An event uses it with a ``[plugins.contest]`` section (see docs/contest.md): categories, the
judges and their schools, how scores combine, ties, prize shares, and how many entries are sent
on to the province. ``kexie contest entries`` imports the entries, the kit prints a score sheet
per judge (no judge gets an entry from their own school), ``kexie contest scores`` imports them,
``kexie contest select`` chooses the entries sent on; the kit then has the results and the
recommendation list, the report the counts, and the certificates plugin the award certificates.
"""

from __future__ import annotations

from pathlib import Path

from kexie_events import hookimpl
from kexie_events.errors import Problem
from kexie_events.i18n import pick
from kexie_events.records import (
    Document,
    KitFile,
    PersonalData,
    PluginSection,
    StatusLine,
)
from kexie_plugins.contest import ledger
from kexie_plugins.contest.config import NAME, read_config

TEMPLATES = (Path(__file__).parent / "templates",)


@hookimpl
def kexie_store_migrations():
    """The entries, scores and sent-on tables."""
    return ledger.migrations()


@hookimpl
def kexie_config_section():
    """``[plugins.contest]``, read into a :class:`~.config.ContestConfig`."""
    return PluginSection(read_config)


@hookimpl
def kexie_cli_commands():
    """``kexie contest``."""
    from kexie_plugins.contest.commands import contest

    return [contest]


@hookimpl
def kexie_check_event(event, config):
    """A contest needs judges before score sheets can be made."""
    if not config.judges:
        yield Problem(
            ("plugins", NAME, "judges"),
            pick(
                event.lang,
                "还没有评委：请添加 [[plugins.contest.judges]]（姓名 name、学校 school），"
                "或填写评委名单文件",
                "no judges listed: add [[plugins.contest.judges]] (name, school) or a judges file",
            ),
            "warning",
        )


@hookimpl
def kexie_status(event, config, store):
    """Entries, how far the review is, and the entries sent on."""
    from kexie_plugins.contest.ranking import review

    lang = event.lang
    results = review(config, store)
    entries = len(results.results)
    if not entries:
        yield StatusLine(
            pick(
                lang,
                "大赛：尚未导入参赛作品（kexie contest entries）",
                "contest: no entries imported yet (kexie contest entries)",
            ),
            "warning",
        )
        return
    unfinished = len(results.unfinished)
    sent = len(ledger.sent(store))
    yield StatusLine(
        pick(
            lang,
            f"大赛：参赛作品{entries}件，评委{len(config.judges)}位，评分不全{unfinished}件，"
            f"已推荐上报{sent}件",
            f"contest: {entries} entries, {len(config.judges)} judges, {unfinished} not fully "
            f"scored, {sent} sent on",
        ),
        "ok" if not unfinished else "info",
    )
    short = sum(1 for r in results.results if r.expected < config.judges_per_entry)
    if short:
        yield StatusLine(
            pick(
                lang,
                f"大赛：{short}件作品可回避后的评委不足{config.judges_per_entry}位",
                f"contest: {short} entries have fewer than {config.judges_per_entry} judges "
                "from other schools",
            ),
            "warning",
        )
    if results.conflicts:
        yield StatusLine(
            pick(
                lang,
                f"大赛：{results.conflicts}条评分来自与作品同校的评委，未予计入",
                f"contest: {results.conflicts} scores are by a judge of the entry's own school "
                "and are not counted",
            ),
            "warning",
        )


@hookimpl
def kexie_documents(event, config, store):
    """Score sheets per judge, the results with prizes, the recommendation list."""
    from kexie_plugins.contest.judging import assignments
    from kexie_plugins.contest.ranking import prize_text, review

    lang = event.lang
    entries = ledger.entries(store)
    by_code = {entry.code: entry for entry in entries}
    given = assignments(config, entries)
    sheets = [(judge, [by_code[c] for c in given[judge.name]]) for judge in config.judges]
    results = review(config, store)
    ranked = {r.entry.code: r for r in results.results}
    sent = [ranked[code] for code in ledger.sent(store) if code in ranked]
    common = {"config": config, "prize_text": lambda p: prize_text(p, lang)}
    yield Document(
        "contest-score-sheets",
        pick(lang, "评委评分表", "Judges' score sheets"),
        "contest-score-sheets.html",
        context={**common, "sheets": sheets},
        search_path=TEMPLATES,
        description=pick(
            lang,
            "每位评委一份，不含本校作品；评分可填入评分录入表后导入",
            "One per judge, without entries of their own school",
        ),
        order=70,
    )
    yield Document(
        "contest-results",
        pick(lang, "评审结果及获奖名单", "Results and prizes"),
        "contest-results.html",
        context={
            **common,
            "per_category": [(c, results.in_category(c)) for c in config.categories],
            "unfinished": results.unfinished,
        },
        search_path=TEMPLATES,
        description=pick(lang, "各类别得分、名次和奖项", "Scores, ranks and prizes per category"),
        order=71,
    )
    yield Document(
        "contest-recommendation",
        pick(lang, "推荐参加省级比赛作品名单", "Entries recommended to the province"),
        "contest-recommendation.html",
        context={**common, "sent": sent},
        search_path=TEMPLATES,
        description=pick(lang, "报送省级大赛组委会", "For the provincial contest committee"),
        order=72,
    )


@hookimpl
def kexie_kit_files(event, config, store):
    """A workbook of every judge's entries with an empty score column, ready to import."""
    import hashlib
    import json

    from kexie_events.xlsx_export import workbook_bytes
    from kexie_plugins.contest.judging import sheet_rows

    lang = event.lang
    rows = sheet_rows(config, ledger.entries(store))
    if not rows:
        return
    header = (
        pick(lang, "评委", "judge"),
        pick(lang, "作品编号", "code"),
        pick(lang, "作品名称", "title"),
        pick(lang, "类别", "category"),
        pick(lang, "分数", "score"),
    )
    key = hashlib.sha256(json.dumps([header, rows], ensure_ascii=False).encode()).hexdigest()
    yield KitFile(
        "contest-score-entry.xlsx",
        pick(lang, "评分录入表", "Score entry workbook"),
        lambda: workbook_bytes([(pick(lang, "评分", "scores"), header, rows)]),
        cache_key=key,
        description=pick(
            lang,
            "填入分数后用 kexie contest scores 导入",
            "Fill in the scores, then import it with kexie contest scores",
        ),
        count=len(rows),
        order=73,
    )


@hookimpl
def kexie_report_sections(event, config, store):
    """Entries by category and school, prizes, the entries sent on."""
    from kexie_plugins.contest.report import section

    yield section(event, config, store)


@hookimpl
def kexie_certificates(event, config, store):
    """An award certificate per prize-winning entry."""
    from kexie_plugins.contest.awards import certificates
    from kexie_plugins.contest.ranking import review

    return certificates(event, config, review(config, store))


@hookimpl
def kexie_personal_data(event, store, remove):
    """The pupils' and teachers' names on the entries."""
    named = ledger.named_entries(store)
    if not named:
        return
    if remove:
        ledger.forget_names(store)
    yield PersonalData(
        pick(event.lang, "参赛学生和指导教师姓名", "pupils' and teachers' names on entries"),
        named,
    )
