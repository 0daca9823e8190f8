"""Built-in plugin ``documents``: the text documents every event needs.

The activity plan (活动方案), the public notice (公告), the volunteer briefing with roster and
shifts, the materials list per site, and a paper sign-in sheet (签到表) for when phones fail.
"""

from __future__ import annotations

from pathlib import Path

from kexie_events import hookimpl
from kexie_events.i18n import pick
from kexie_events.records import Document

TEMPLATES = (Path(__file__).parent / "templates",)
SIGNIN_ROWS = 25


def _site_days(event):
    """(site, day) pairs the schedule uses, or every site on every day when it says nothing."""
    pairs = sorted({(item.site, item.start.date()) for item in event.schedule if item.site})
    if pairs:
        return pairs
    return [(site.id, day) for site in event.sites for day in event.days]


@hookimpl
def kexie_documents(event):
    """The five documents of every kit."""
    lang = event.lang
    yield Document(
        "plan",
        pick(lang, "活动方案", "Activity plan"),
        "plan.html",
        search_path=TEMPLATES,
        description=pick(
            lang,
            "主题、时间、地点、组织、分工、日程、物资、安全",
            "Theme, time, place, organisation, tasks, schedule, materials, safety",
        ),
        order=10,
    )
    yield Document(
        "notice",
        pick(lang, "公告", "Public notice"),
        "notice.html",
        search_path=TEMPLATES,
        description=pick(lang, "向社会公开发布", "To publish before the event"),
        order=20,
    )
    yield Document(
        "briefing",
        pick(lang, "志愿者工作手册", "Volunteer briefing"),
        "briefing.html",
        search_path=TEMPLATES,
        description=pick(lang, "花名册、排班和岗位职责", "Roster, shifts and duties"),
        order=30,
    )
    yield Document(
        "materials",
        pick(lang, "物资清单", "Materials list"),
        "materials.html",
        search_path=TEMPLATES,
        description=pick(lang, "按场地列出数量", "Quantities per site"),
        order=40,
    )
    yield Document(
        "signin",
        pick(lang, "签到表", "Paper sign-in sheet"),
        "signin.html",
        search_path=TEMPLATES,
        context={"pages": _site_days(event), "rows": SIGNIN_ROWS},
        description=pick(lang, "手机无法使用时的纸质备用", "Fallback when phones fail"),
        order=45,
    )
