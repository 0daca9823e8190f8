"""The console's HTML pages: one Jinja2 environment over ``templates/``, words in two languages.

Pages are rendered on the server with autoescaping; every page extends ``_layout.html``. The
words of every page are in :data:`WORDS`.
"""

from __future__ import annotations

import functools
from pathlib import Path

TEMPLATES = Path(__file__).parent / "templates"

#: What the console's pages say, by language.
WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "html_lang": "zh-CN",
        "console": "活动控制台",
        "login_title": "登录活动控制台",
        "hello": "{name}，您好",
        "login_intro": "这是您的一次性登录链接。点击下面的按钮登录；登录后这个链接就不能再用了。",
        "login_button": "登录",
        "need_login_title": "请先登录",
        "need_login": (
            "请打开管理员发给您的登录链接。每个链接只能使用一次；如需新的链接，请联系管理员。"
        ),
        "logged_out": "您已退出登录。",
        "link_unknown_title": "登录链接无效",
        "link_unknown": "这个链接不完整或有误。请检查是否完整复制了链接，或请管理员发一个新链接。",
        "link_used_title": "登录链接已经用过",
        "link_used": "每个登录链接只能使用一次，这个链接已经用过了。请联系管理员重新发一个链接。",
        "link_expired_title": "登录链接已过期",
        "link_expired": "登录链接的有效期为7天，这个链接已经过期。请联系管理员重新发一个链接。",
        "link_withdrawn_title": "登录链接已作废",
        "link_withdrawn": "管理员已为您发了新的登录链接，这个旧链接不再有效。请使用最新的链接。",
        "link_revoked_title": "账号已注销",
        "link_revoked": "您的控制台账号已被注销，不能再登录。如有疑问请联系管理员。",
        "forbidden_title": "无权查看",
        "forbidden": "您没有查看这个活动的权限，或者这个活动不存在。",
        "csrf_title": "操作未执行",
        "csrf": (
            "这个操作不是从控制台的页面提交的，或者页面已经过期，因此没有执行。"
            "请回到控制台，刷新页面后再试一次。"
        ),
        "too_large_title": "提交的内容过大",
        "too_large": "提交的内容超过了上限，没有执行。",
        "unavailable_db_title": "暂时无法连接数据库",
        "unavailable_db": "控制台暂时无法连接数据库，这次操作没有执行。请稍后刷新页面再试。",
        "unsent_title": "修改暂未同步",
        "unsent": (
            "这次修改已在这台服务器上完成，但暂时无法连接数据库，还没有同步；数据库恢复后会自动"
            "同步。在此之前，其他服务器上看不到这次修改。"
        ),
        "conflict_title": "修改没有保存",
        "conflict": (
            "另一位组织者几乎同时修改了这个活动，先保存的修改已保留，您这次的修改没有保存。"
            "请重新打开页面，核对内容后再修改一次。"
        ),
        "back": "返回控制台",
        "logout": "退出登录",
        # the home page and an event's page
        "skip": "跳到正文",
        "events_title": "活动一览",
        "signed_in_as": "{name}（{role}）",
        "role_admin": "管理员",
        "role_organizer": "组织者",
        "other_language": "English",
        "other_language_name": "切换为英文界面",
        "no_events": "还没有您可以查看的活动。",
        "unit": "主办单位",
        "when": "时间",
        "countdown": "距开始",
        "phase": "阶段",
        "people_in": "入场人数",
        "ahead": "还有{n}天",
        "ahead_one": "明天开始",
        "today": "今天开始",
        "under_way": "正在进行",
        "ended": "已结束",
        "phase_plan": "筹备",
        "phase_materials": "物资准备",
        "phase_launch": "启动",
        "phase_onsite": "现场",
        "phase_report": "总结",
        "phases_title": "活动阶段",
        "current_phase": "（当前阶段）",
        "blocked": "进入“{phase}”阶段之前还需要：",
        "more_blockers": "还有{n}项，请看活动页面",
        "not_blocked": "可以进入“{phase}”阶段。",
        "last_phase": "已是最后一个阶段。",
        "counts": "凭票入场{admitted}人次，无票入场{walk_ins}人次，共{total}人次",
        "no_checkin": "未使用扫码验票",
        "broken": "活动文件有错误，这个活动暂时无法使用：",
        "broken_other": "这个活动暂时无法打开：",
        "pages_title": "活动页面",
        "volunteer_page": "志愿者验票页",
        "board": "现场看板",
        "signup_page": "公众报名页",
        "status_title": "各项情况",
        "level_ok": "正常",
        "level_info": "提示",
        "level_warning": "注意",
        "back_home": "返回活动一览",
        "new_event": "新建活动",
        "rollup_link": "年度汇总",
        "event_pages": "本活动的页面",
        "nav_overview": "概况",
        "nav_edit": "修改活动",
        "nav_lifecycle": "阶段",
        "nav_checklists": "应急检查",
        "nav_glasses": "观测镜",
        "nav_tickets": "门票",
        "nav_volunteers": "志愿者",
        "nav_kit": "资料包",
        "nav_onsite": "活动当天",
        "nav_report": "总结报告",
        "no_such_page_title": "没有这个页面",
        "no_such_page": "这个地址上没有页面，请检查地址，或从活动控制台进入。",
        "no_such_event": "没有这个活动。",
        # an event the server cannot serve (its volunteer page, API and sign-up)
        "unavailable_title": "这个活动暂时无法打开",
        "unavailable_file": "活动文件（event.toml）有错误，改正后刷新本页即可。",
        "unavailable_other": "活动暂时无法打开，请通知负责人。",
        "unavailable_bug": "服务器内部错误（{kind}），请通知负责人。",
        "file_line": "{file} 第{line}行",
    },
    "en": {
        "html_lang": "en",
        "console": "Event console",
        "login_title": "Log in to the event console",
        "hello": "Hello, {name}",
        "login_intro": (
            "This is your one-time login link. Press the button to log in; the link cannot be"
            " used again afterwards."
        ),
        "login_button": "Log in",
        "need_login_title": "Please log in",
        "need_login": (
            "Open the login link your administrator gave you. Each link works once; ask your"
            " administrator for a new one."
        ),
        "logged_out": "You have logged out.",
        "link_unknown_title": "This login link is not valid",
        "link_unknown": (
            "The link is incomplete or mistyped. Check that it was copied whole, or ask your"
            " administrator for a new one."
        ),
        "link_used_title": "This login link has been used",
        "link_used": "Each login link works once, and this one has been used. Ask your"
        " administrator for a new one.",
        "link_expired_title": "This login link has expired",
        "link_expired": "Login links work for 7 days, and this one has expired. Ask your"
        " administrator for a new one.",
        "link_withdrawn_title": "This login link was replaced",
        "link_withdrawn": "Your administrator has given you a newer login link, so this one no"
        " longer works. Use the newest link.",
        "link_revoked_title": "This account was closed",
        "link_revoked": "Your console account has been closed and cannot log in. Ask your"
        " administrator if this is a mistake.",
        "forbidden_title": "Not allowed",
        "forbidden": "You may not see this event, or there is no such event.",
        "csrf_title": "Nothing was done",
        "csrf": (
            "This request did not come from a console page, or the page was out of date, so"
            " nothing was done. Go back to the console, reload the page and try again."
        ),
        "too_large_title": "Too much was sent",
        "too_large": "What was sent is larger than the limit; nothing was done.",
        "unavailable_db_title": "The database cannot be reached",
        "unavailable_db": (
            "The console cannot reach the database just now, so nothing was done. Reload the"
            " page in a moment and try again."
        ),
        "unsent_title": "Not yet shared",
        "unsent": (
            "The change was made on this server, but the database cannot be reached just now,"
            " so it is not shared yet; it will be once the database is back. Until then, other"
            " servers do not show it."
        ),
        "conflict_title": "Not saved",
        "conflict": (
            "Another organiser changed this event at almost the same moment. The change saved"
            " first was kept, and yours was not saved. Open the page again, check it, and make"
            " your change once more."
        ),
        "back": "Back to the console",
        "logout": "Log out",
        # the home page and an event's page
        "skip": "Skip to the content",
        "events_title": "Events",
        "signed_in_as": "{name} ({role})",
        "role_admin": "admin",
        "role_organizer": "organizer",
        "other_language": "中文",
        "other_language_name": "Switch to Chinese",
        "no_events": "There are no events you may see yet.",
        "unit": "Organised by",
        "when": "When",
        "countdown": "Starts",
        "phase": "Phase",
        "people_in": "People in",
        "ahead": "in {n} days",
        "ahead_one": "tomorrow",
        "today": "today",
        "under_way": "under way",
        "ended": "ended",
        "phase_plan": "Planning",
        "phase_materials": "Materials",
        "phase_launch": "Launch",
        "phase_onsite": "On site",
        "phase_report": "Report",
        "phases_title": "Phases",
        "current_phase": " (current phase)",
        "blocked": "Before moving on to {phase}:",
        "more_blockers": "{n} more on the event's page",
        "not_blocked": "Ready to move on to {phase}.",
        "last_phase": "This is the last phase.",
        "counts": "{admitted} admitted, {walk_ins} walk-ins, {total} in all",
        "no_checkin": "no ticket check-in",
        "broken": "The event file has errors; this event cannot be used until they are fixed:",
        "broken_other": "This event cannot be opened:",
        "pages_title": "The event's pages",
        "volunteer_page": "Volunteers' check-in page",
        "board": "Live board",
        "signup_page": "Public sign-up page",
        "status_title": "Status",
        "level_ok": "OK",
        "level_info": "Note",
        "level_warning": "Attention",
        "back_home": "Back to the events",
        "new_event": "New event",
        "rollup_link": "The year's roll-up",
        "event_pages": "This event's pages",
        "nav_overview": "Overview",
        "nav_edit": "Edit",
        "nav_lifecycle": "Phases",
        "nav_checklists": "Checklist",
        "nav_glasses": "Glasses",
        "nav_tickets": "Tickets",
        "nav_volunteers": "Volunteers",
        "nav_kit": "Kit",
        "nav_onsite": "On the day",
        "nav_report": "Report",
        "no_such_page_title": "No such page",
        "no_such_page": "There is no page at this address. Check it, or start from the console.",
        "no_such_event": "There is no such event.",
        # an event the server cannot serve (its volunteer page, API and sign-up)
        "unavailable_title": "This event cannot be opened now",
        "unavailable_file": "The event file (event.toml) has errors; reload this page once"
        " they are fixed.",
        "unavailable_other": "The event cannot be opened now; tell the organiser.",
        "unavailable_bug": "Internal error ({kind}); tell the organiser.",
        "file_line": "{file} line {line}",
    },
}


#: The pages of one event, in the order the organiser's work goes, with the plugin each needs
#: (``None``: every event has it). Every page of an event shows them (``_event_nav.html``).
EVENT_PAGES = (
    ("overview", "", None),
    ("edit", "edit/", None),
    ("lifecycle", "lifecycle", None),
    ("checklists", "checklists", "emergency-plan"),
    ("glasses", "glasses", "eclipse-glasses"),
    ("tickets", "tickets", "qr-checkin"),
    ("volunteers", "volunteers", None),
    ("kit", "kit", None),
    ("onsite", "onsite", None),
    ("report", "report", None),
)


@functools.cache
def environment():
    """The Jinja2 environment of the console's templates (autoescaped; made once, so each
    template is compiled once)."""
    import jinja2

    made = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    made.globals["EVENT_PAGES"] = EVENT_PAGES
    return made


def render(template: str, lang: str, **values) -> str:
    """``template`` rendered in ``lang``, with ``lang`` and its :data:`WORDS` as ``t``."""
    return environment().get_template(template).render(lang=lang, t=WORDS[lang], **values)
