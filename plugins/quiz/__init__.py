"""Built-in plugin ``quiz``: a written quiz at the end of each session.

An event uses it with a ``[plugins.quiz]`` section (see :mod:`kexie_plugins.quiz.settings`):
a question bank beside ``event.toml``, papers drawn per session in A/B variants, printed with
their answer keys in the kit; marks imported after each session (``kexie quiz import``); the
results per session and audience in the report (a lead may type a session's tally on the phone
page instead, :mod:`.phone`), with ``figure.quiz.papers`` and
``figure.quiz.pass_rate``; a training certificate for each named participant who passed.
See docs/quiz.md.
"""

from __future__ import annotations

import math
from pathlib import Path

from kexie_events import hookimpl
from kexie_events.i18n import count_text, date_text, decimal_text, pick
from kexie_events.records import (
    Certificate,
    Document,
    PluginSection,
    ReportSection,
    StatusLine,
    Table,
)
from kexie_events.report import audience_label
from kexie_plugins.quiz import ledger
from kexie_plugins.quiz.settings import NAME, QuizSettings, bank_problems, read_settings

TEMPLATES = (Path(__file__).parent / "templates",)


def _pass_mark(settings: QuizSettings) -> int:
    """Right answers a paper needs to pass."""
    return math.ceil(settings.pass_percent * settings.per_paper / 100)


def _percent(value: float | None) -> str:
    return "—" if value is None else decimal_text(value)


@hookimpl
def kexie_store_migrations():
    """The papers drawn and the marks imported."""
    return ledger.migrations()


@hookimpl
def kexie_config_section():
    """``[plugins.quiz]``, read into :class:`~kexie_plugins.quiz.settings.QuizSettings`."""
    return PluginSection(read_settings)


@hookimpl
def kexie_check_event(config):
    """Every problem of the bank file, each with its line or row."""
    return bank_problems(config)


@hookimpl
def kexie_status(event, config, store):
    """The bank, the papers, and the marks entered so far."""
    from kexie_plugins.quiz.results import results_of

    lang = event.lang
    found = results_of(config, store)
    total = found.total
    sessions = len(config.sessions)
    variants = "、".join(config.variants)
    plan = pick(
        lang,
        f"答卷测试：题库{len(config.questions)}道题，{sessions}场，每场{variants}卷，"
        f"每卷{config.per_paper}题",
        f"quiz: {len(config.questions)} questions in the bank, {sessions} sessions, "
        f"variants {', '.join(config.variants)} of {config.per_paper} questions",
    )
    if total.papers:
        marks = pick(
            lang,
            f"；已录入{len(found.per_session)}场{total.papers}份答卷，平均得分"
            f"{decimal_text(total.average)}%，合格率{_percent(total.pass_rate)}%。",
            f"; marks of {total.papers} papers from {len(found.per_session)} sessions, average "
            f"{decimal_text(total.average)}%, pass rate {_percent(total.pass_rate)}%.",
        )
    else:
        marks = pick(lang, "；尚未录入成绩。", "; no marks entered yet.")
    yield StatusLine(plan + marks, "warning" if config.bank_problems else "info")


@hookimpl
def kexie_documents(event, config, store):
    """The papers of every session and variant, and their answer keys."""
    from kexie_plugins.quiz.papers import papers_of, parts_of

    if config.bank_problems or not config.sessions:
        return
    lang = event.lang
    papers = papers_of(config, store)
    context = {
        "sheets": [{"paper": paper, "parts": parts_of(paper, lang)} for paper in papers],
        "pass_mark": _pass_mark(config),
        "per_paper": config.per_paper,
        "variants": config.variants,
    }
    yield Document(
        "quiz-papers",
        pick(lang, "测试试卷", "Quiz papers"),
        "quiz-papers.html",
        context=context,
        search_path=TEMPLATES,
        description=pick(
            lang,
            f"{len(config.sessions)}场，每场{'、'.join(config.variants)}卷",
            f"{len(config.sessions)} sessions, variants {', '.join(config.variants)}",
        ),
        order=70,
    )
    yield Document(
        "quiz-keys",
        pick(lang, "测试试卷参考答案", "Quiz answer keys"),
        "quiz-keys.html",
        context=context,
        search_path=TEMPLATES,
        description=pick(lang, "阅卷用，测试结束前不得外传", "For the markers only"),
        order=71,
    )


@hookimpl
def kexie_volunteer_actions(event, config):
    """The leads' quick entry of a session's tally on the phone page."""
    from kexie_plugins.quiz.phone import tally_action

    if config.sessions:
        yield tally_action(event, config)


@hookimpl
def kexie_cli_commands():
    """``kexie quiz``."""
    from kexie_plugins.quiz.commands import quiz

    return [quiz]


@hookimpl
def kexie_report_sections(event, config, store):
    """Papers, average score and pass rate per session and audience; the hardest questions."""
    from kexie_plugins.quiz.results import results_of

    lang = event.lang
    found = results_of(config, store)
    total = found.total
    figures = {
        "papers": total.papers,
        "pass_rate": total.pass_rate or 0.0,
        "passed": total.passed,
        "average_score": total.average,
        "sessions": len(config.sessions),
        "sessions_marked": len(found.per_session),
        "per_session": {item.id: tally.papers for item, tally in found.per_session},
        "pass_rate_per_session": {
            item.id: tally.pass_rate or 0.0 for item, tally in found.per_session
        },
    }
    text = ()
    if total.papers:
        sentence = pick(
            lang,
            f"{len(found.per_session)}场报告会后共收回测试答卷{count_text(total.papers, lang)}份，"
            f"平均得分{decimal_text(total.average)}%，合格率{_percent(total.pass_rate)}%"
            f"（{_pass_mark(config)}分及格）。",
            f"{count_text(total.papers, lang)} quiz papers were marked after "
            f"{len(found.per_session)} sessions: average score {decimal_text(total.average)}%, "
            f"pass rate {_percent(total.pass_rate)}% ({_pass_mark(config)} of "
            f"{config.per_paper} to pass).",
        )
        if found.hardest:
            hardest = found.hardest[0]
            topic = hardest.question.topic
            sentence += pick(
                lang,
                f"答对率最低的是“{hardest.question.text}”"
                + (f"（{topic}）" if topic else "")
                + f"，答对率{decimal_text(hardest.rate)}%。",
                f" The hardest question was “{hardest.question.text}”"
                + (f" ({topic})" if topic else "")
                + f", answered right by {decimal_text(hardest.rate)}%.",
            )
        text = (sentence,)
    per_session = Table(
        pick(lang, "各场测试成绩", "Results per session"),
        (
            pick(lang, "场次", "Session"),
            pick(lang, "日期", "Date"),
            pick(lang, "答卷（份）", "Papers"),
            pick(lang, "平均得分（%）", "Average (%)"),
            pick(lang, "合格（份）", "Passed"),
            pick(lang, "合格率（%）", "Pass rate (%)"),
        ),
        tuple(
            (
                item.title,
                date_text(item.start.date(), lang),
                tally.papers,
                decimal_text(tally.average),
                tally.passed,
                _percent(tally.pass_rate),
            )
            for item, tally in found.per_session
        ),
    )
    per_audience = Table(
        pick(lang, "各场分人群测试成绩", "Results per session and audience"),
        (
            pick(lang, "场次", "Session"),
            pick(lang, "人群", "Audience"),
            pick(lang, "答卷（份）", "Papers"),
            pick(lang, "平均得分（%）", "Average (%)"),
            pick(lang, "合格率（%）", "Pass rate (%)"),
        ),
        tuple(
            (
                item.title,
                audience_label(audience, lang),
                tally.papers,
                decimal_text(tally.average),
                _percent(tally.pass_rate),
            )
            for item, audience, tally in found.per_audience
        ),
    )
    hardest = Table(
        pick(lang, "答对率最低的题目", "Hardest questions"),
        (
            pick(lang, "题目", "Question"),
            pick(lang, "知识点", "Topic"),
            pick(lang, "作答（份）", "Papers"),
            pick(lang, "答对率（%）", "Right (%)"),
        ),
        tuple(
            (q.question.text, q.question.topic, q.asked, decimal_text(q.rate))
            for q in found.hardest
        ),
    )
    tables = tuple(t for t in (per_session, per_audience, hardest) if t.rows)
    yield ReportSection(NAME, pick(lang, "答卷测试", "Quiz"), figures, text, tables, order=40)


@hookimpl
def kexie_certificates(event, config, store):
    """A training certificate for each named participant whose paper passed."""
    from kexie_plugins.quiz.results import results_of

    lang = event.lang
    for session, name, score in results_of(config, store).named_passed:
        day = session.start.date()
        yield Certificate(
            "training",
            f"{session.id}:{name}",
            name,
            pick(lang, "培训合格证书", "Certificate of Training"),
            pick(
                lang,
                f"{name}同志于{date_text(day, lang)}参加{event.title}（{session.title}），"
                f"经测试成绩合格，特发此证。",
                f"{name} took part in {event.title} ({session.title}) on "
                f"{date_text(day, lang)} and passed its quiz.",
            ),
            session.end.date(),
            (
                (pick(lang, "场次", "Session"), session.title),
                (pick(lang, "测试成绩", "Quiz score"), f"{decimal_text(score)}%"),
            ),
        )


@hookimpl
def kexie_personal_data(store, remove):
    """Names on the marked papers."""
    return ledger.personal_data(store, remove)
