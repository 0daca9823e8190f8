"""Quick entry on the phone page: a lead types a session's tally right after marking.

The lead picks the session and variant, types how many papers were sat and how many passed,
and the papers that got each question right, in the order of the paper ("8 7 9 5 ...").
The tally is checked as a marks file's tally row is (no count above the papers, one count per
question) and replaces what was entered on the phone for that session and variant before, so
a corrected entry never counts twice. Marks imported from a file are never touched from the
phone: a tally for a session and variant that has them is refused. A file imported later for
the session replaces the phone's entries.
"""

from __future__ import annotations

import re

from kexie_events import inputs
from kexie_events.errors import KexieError
from kexie_events.i18n import pick
from kexie_events.inputs import InputError
from kexie_events.records import ActionRequest, VolunteerAction
from kexie_plugins.quiz import ledger
from kexie_plugins.quiz.papers import papers_of
from kexie_plugins.quiz.settings import QuizSettings, too_many_passed

ACTION_ID = "quiz-tally"
#: What the entry is recorded as coming from, in place of a file's name.
SOURCE = "phone"
_COUNTS = re.compile(r"[\s,，、;；/]+")
_WHOLE = re.compile(r"[0-9]{1,7}")


def _choice(session_id: str, variant: str) -> str:
    return f"{session_id}|{variant}"


def tally_action(event, settings: QuizSettings) -> VolunteerAction:
    """The lead's button: a session and variant to choose, the counts to type."""
    lang = event.lang
    choices = tuple(
        (
            _choice(session.id, variant),
            pick(lang, f"{session.title}（{variant}卷）", f"{session.title} (paper {variant})"),
        )
        for session in settings.sessions
        for variant in settings.variants
    )
    labels = {
        "papers": pick(lang, "答卷份数", "papers sat"),
        "passed": pick(lang, "合格份数", "papers passed"),
        "right": pick(lang, "每题答对份数，按题号顺序，用空格隔开", "right per question, in order"),
    }

    def handle(call: ActionRequest) -> str:
        return record_tally(call, settings, labels)

    return VolunteerAction(
        ACTION_ID,
        pick(lang, "录入答卷成绩", "Enter quiz marks"),
        handle,
        roles=("lead",),
        fields=("papers",),
        text_fields=("passed", "right"),
        choices=choices,
        has_choices=True,
        labels=labels,
    )


def _count(raw: str, field: str, label: str, papers: int, lang: str) -> int:
    """A count typed with the digits 0-9 (full-width as a Chinese input method types them);
    ``²`` or Arabic-Indic digits, which ``str.isdigit`` accepts, are refused."""
    raw = raw.translate(inputs.FULL_WIDTH_DIGITS)
    if not _WHOLE.fullmatch(raw):
        raise InputError(field, pick(lang, f"{label}必须是整数", f"{label} must be a whole number"))
    value = int(raw)
    if value > papers:
        raise InputError(
            field,
            pick(
                lang, f"{label}{value}多于答卷份数{papers}", f"{label}: {value} of {papers} papers"
            ),
        )
    return value


def record_tally(call: ActionRequest, settings: QuizSettings, labels: dict[str, str]) -> str:
    """Check the lead's tally against the session's paper and record it; the message to show."""
    lang = call.event.lang
    if settings.bank_problems or settings.bank_missing:
        raise KexieError(
            pick(lang, "题库有误或缺失，请先在控制台修正", "the question bank needs fixing first")
        )
    papers = {_choice(p.session.id, p.variant): p for p in papers_of(settings, call.store)}
    wanted = inputs.one_of(
        call.data.get("choice"),
        "choice",
        papers,
        lang=lang,
        label=pick(lang, "场次和卷别", "session and paper"),
    )
    paper = papers[wanted]
    count = call.data["papers"]
    passed_text = call.data.get("passed")
    if passed_text is None:
        raise InputError("passed", pick(lang, f"请填写{labels['passed']}", "passed is required"))
    passed = _count(passed_text, "passed", labels["passed"], count, lang)
    right = [part for part in _COUNTS.split(call.data.get("right") or "") if part]
    questions = len(paper.questions)
    if len(right) != questions:
        raise InputError(
            "right",
            pick(
                lang,
                f"这份试卷有{questions}道题，填了{len(right)}个数",
                f"the paper has {questions} questions; {len(right)} counts given",
            ),
        )
    correct = tuple(
        _count(value, "right", pick(lang, f"第{n}题答对份数", f"question {n}"), count, lang)
        for n, value in enumerate(right, start=1)
    )
    most = settings.most_passing(sum(correct), count)
    if passed > most:
        raise InputError("passed", pick(lang, *too_many_passed(passed, most, sum(correct))))
    result = ledger.Result(
        paper.session.id, paper.variant, None, None, count, passed, correct, None, 0
    )
    if not ledger.replace_variant_results(
        call.store, result, source=SOURCE, at=call.at, by=call.volunteer.name
    ):
        raise KexieError(
            pick(
                lang,
                "这一场的成绩已由文件导入，不能在手机上覆盖；如需更正，请修改文件后重新导入",
                "marks for this paper were imported from a file; correct the file and import it",
            )
        )
    return pick(
        lang,
        f"已录入：{paper.session.title}{paper.variant}卷{count}份，合格{passed}份",
        f"recorded: {paper.session.title}, paper {paper.variant}: {count} sat, {passed} passed",
    )
