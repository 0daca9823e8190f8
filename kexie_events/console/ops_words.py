"""What the console's pages for running an event say, in Chinese and English.

The pages of the lifecycle, the checklist, the glasses, the tickets and the volunteers
(:mod:`~kexie_events.console.operations`) take their words from :data:`WORDS` in the
organiser's language; :func:`phase_name`, :func:`plugin_name` and :func:`role_name` name the
things the event's records call by their ids.
"""

from __future__ import annotations

from kexie_events.i18n import pick

PHASE_NAMES = {
    "plan": ("筹备", "Planning"),
    "materials": ("物资准备", "Materials"),
    "launch": ("启动", "Launch"),
    "onsite": ("现场", "On site"),
    "report": ("总结", "Report"),
}
PLUGIN_NAMES = {
    "event-dates": ("活动日期", "Event dates"),
    "documents": ("活动文件", "Documents"),
    "qr-checkin": ("验票入场", "Ticket check-in"),
    "eclipse-glasses": ("日食观测镜", "Eclipse glasses"),
    "display-boards": ("展板与宣传品", "Display boards and print"),
    "emergency-plan": ("应急预案", "Emergency plan"),
    "observation": ("天象观测", "Sky observation"),
    "registration": ("公众报名", "Public sign-up"),
}
ROLE_NAMES = {
    "scanner": ("验票员", "Scanner"),
    "lead": ("负责人", "Lead"),
    "board": ("大屏（只读）", "Board (read only)"),
}


def phase_name(phase: str, lang: str) -> str:
    """A lifecycle phase as organisers call it: ``筹备``, ``Materials``."""
    return pick(lang, *PHASE_NAMES[phase])


def plugin_name(plugin: str, lang: str) -> str:
    """What a built-in plugin is about (``验票入场``); another plugin by its own name."""
    return pick(lang, *PLUGIN_NAMES[plugin]) if plugin in PLUGIN_NAMES else plugin


def role_name(role: str, lang: str) -> str:
    """A volunteer login's role: ``验票员``, ``Lead``."""
    return pick(lang, *ROLE_NAMES[role]) if role in ROLE_NAMES else role


WORDS: dict[str, dict[str, str]] = {
    "zh": {
        # every page of an event
        "event_pages": "活动的页面",
        "back_to_event": "返回活动页面",
        "action": "操作",
        "by": "操作人",
        "when": "时间",
        "site": "场地",
        "gate": "入口",
        "any_site": "不限场地",
        "choose_from_list": "请从列表中选择",
        "choose_file": "请选择要上传的文件。",
        # what stops a page
        "no_event_title": "没有这个活动",
        "no_event": "控制台中没有这个活动，可能已被移走或改名。",
        "event_file_broken_title": "活动文件有错误",
        "edit_event_file": "修改活动文件",
        "event_file_broken": (
            "活动文件中有{count}处错误，改正之前无法打开这个页面。错误如下，请修改活动文件。"
        ),
        "upload_too_large_title": "文件太大",
        "upload_too_large": "上传的文件超过了{limit}MB的上限，没有导入。",
        "no_checklist_title": "没有应急检查清单",
        "no_checklist": "这个活动没有使用应急预案，因此没有检查清单。",
        "no_item_title": "没有这一项",
        "no_item": "检查清单中没有这一项，可能活动文件已经修改。请返回检查清单刷新后再试。",
        "no_glasses_title": "没有观测镜计划",
        "no_glasses": "这个活动没有使用日食观测镜插件。",
        "no_tickets_title": "没有门票",
        "no_tickets": "这个活动没有使用验票入场插件，因此没有门票。",
        "no_sheet_title": "没有这一份打印页",
        "no_sheet": "没有这一份门票打印页，可能门票已经变动。请返回门票页面刷新后再试。",
        "no_login_title": "没有这个登录",
        "no_login": "“{name}”目前没有可用的登录，可能已被注销。",
        "login_not_shown_title": "无法再次显示登录码",
        "login_not_shown": (
            "“{name}”的登录是在旧版本中创建的，无法再次显示。请注销这个登录，再重新添加。"
        ),
        # lifecycle
        "lifecycle_title": "活动阶段",
        "phase_now": "当前阶段：{phase}",
        "phase_past": "（已完成）",
        "moved": "活动已进入“{phase}”阶段。",
        "next_gate": "进入“{phase}”阶段",
        "blocked_by": "以下事项尚未完成，暂时不能进入下一阶段：",
        "nothing_blocks": "没有未完成的事项，可以进入“{phase}”阶段。",
        "open_checklist": "打开应急检查清单，勾选已完成的事项",
        "advance_to": "进入“{phase}”阶段",
        "advance_refused": "没有进入“{phase}”阶段，因为：",
        "not_moved": "活动阶段没有改变：",
        "force_heading": "强制进入下一阶段",
        "force_intro": (
            "如果确有必要在上述事项完成前进入下一阶段，请写明理由。"
            "理由将与您的姓名和时间一起记入阶段变更记录。"
        ),
        "reason_label": "强制进入的理由",
        "reason_required": "请写明强制进入下一阶段的理由。",
        "force_button": "强制进入“{phase}”阶段",
        "last_phase_heading": "已是最后阶段",
        "last_phase": "活动已在最后一个阶段（总结），没有下一阶段。",
        "plugin_status": "各项工作情况",
        "level_ok": "正常",
        "level_info": "提示",
        "level_warning": "注意",
        "history": "阶段变更记录",
        "change": "变更",
        "forced_reason": "强制进入的理由",
        "forced": "强制",
        "no_history": "活动还没有变更过阶段。",
        # checklists
        "checklists_title": "应急检查清单",
        "checklist_intro": (
            "完成一项就勾选一项。标有“关键”的事项未完成时，活动不能进入启动和现场阶段。"
        ),
        "done_of": "已完成{done}/{total}",
        "item_state": "状态",
        "item": "事项",
        "owner": "负责单位",
        "deadline": "完成期限",
        "ticked_by": "勾选记录",
        "critical": "关键",
        "state_done": "已完成",
        "state_open": "未完成",
        "tick": "勾选",
        "untick": "取消勾选",
        "tick_item": "勾选：{item}",
        "untick_item": "取消勾选：{item}",
        "tick_record": "{by}于{at}勾选",
        "untick_record": "{by}于{at}取消勾选",
        # glasses
        "glasses_title": "日食观测镜",
        "glasses_plan": "库存与计划",
        "stock": "库存",
        "allocated": "配发给单位",
        "onsite_planned": "现场发放计划",
        "need": "计划合计",
        "pairs": "{count}副",
        "units_pairs": "{units}个单位，{count}副",
        "shortfall": "观测镜不足：还缺{count}副。",
        "upload_allocations": "上传配发清单",
        "upload_intro": (
            "上传各单位的观测镜配发清单（Excel 工作簿或 CSV 文件），它将替换现有的清单。"
            "文件中只要有一行有误，就整份不导入，并列出每一处错误。"
        ),
        "allocations_file": "配发清单文件",
        "allocations_help": "表头写明：单位名称、联系人、电话、数量（单位名称和数量必填）。",
        "upload_button": "检查并导入",
        "upload_refused": "“{name}”没有导入，请改正以下问题后重新上传：",
        "problems_by_row": "各行的问题",
        "row": "行",
        "column": "列",
        "problem": "问题",
        "row_number": "第{line}行",
        "more_problems": "另有{count}处问题未列出。",
        "imported": "已导入{units}个单位的配发清单。",
        "current_allocations": "现有配发清单",
        "current_file_broken": "现有的配发清单文件有错误，请上传改正后的文件：",
        "unit": "单位",
        "contact": "联系人",
        "pairs_heading": "数量（副）",
        "total": "合计",
        "no_allocations": "还没有配发清单。",
        # tickets
        "tickets_title": "门票",
        "count_issued": "已发放",
        "count_valid": "有效",
        "count_revoked": "已作废",
        "count_admitted": "已入场",
        "issue_heading": "发放门票",
        "ticket_count": "张数",
        "audience": "人群",
        "any_audience": "不限人群",
        "issue_button": "发放",
        "count_range": "请填写1到{most}之间的整数。",
        "issued": "已发放门票，票号{first}至{last}。",
        "revoke_heading": "作废门票",
        "ticket_number": "票号",
        "revoke_reason": "作废原因",
        "revoke_reason_help": "例如：遗失补发、重复发放、活动取消。",
        "revoke_button": "作废",
        "ticket_number_needed": "请填写票号（数字）。",
        "no_such_ticket": "没有票号为{number}的门票。",
        "already_revoked": "票号{number}的门票已经作废。",
        "revoke_reason_needed": "请写明作废原因。",
        "revoked_ticket": "票号{number}的门票已作废，各入口将拒绝这张票。",
        "import_heading": "按报名名单发放门票",
        "import_intro": (
            "上传报名名单（Excel 工作簿或 CSV 文件），每人发放一张门票。"
            "文件中只要有一行有误，就整份不导入。"
        ),
        "registrations_file": "报名名单文件",
        "registrations_help": "表头写明：姓名、手机、人群、场地（姓名必填）。",
        "import_button": "检查并发放",
        "sheets_heading": "打印门票",
        "sheets_intro": "A4纸，每页10张，沿虚线裁切。与活动资料包中的门票打印页相同。",
        "sheet_link": "下载门票打印页：{first}至{last}（{count}张）",
        "no_sheets": "还没有可打印的门票。",
        "ticket_list": "门票列表",
        "ticket_state": "状态",
        "ticket_valid": "有效",
        "ticket_revoked": "已作废",
        "ticket_admitted": "已入场",
        "revoked_by": "（{by}：{reason}）",
        "pages_nav": "翻页",
        "previous_page": "上一页",
        "next_page": "下一页",
        "page_of": "第{page}页，共{pages}页",
        "no_tickets_yet": "还没有发放门票。",
        # volunteers
        "volunteers_title": "志愿者登录",
        "active_logins": "可以登录的志愿者",
        "volunteer_name": "姓名",
        "role": "岗位",
        "show_login": "显示登录二维码",
        "revoke_login": "注销登录",
        "revoke_login_of": "注销{name}的登录",
        "no_logins": "还没有志愿者登录。",
        "add_volunteer": "添加志愿者登录",
        "planned_help": "可以从活动文件中的志愿者名单中选择。",
        "role_help": "验票员：在入口扫码；负责人：还可以更正计数；大屏：只显示实时数据，不能记录。",
        "no_gate": "不指定入口",
        "add_button": "添加并显示登录二维码",
        "volunteer_has_login": "{name}已经有登录。如需新的登录，请先注销原来的登录。",
        "gate_not_at_site": "所选场地没有这个入口。",
        "login_revoked": "{name}的登录已注销，立即失效。",
        "login_title": "{name}的登录二维码",
        "qr_label": "{name}的登录二维码",
        "scan_this": "请志愿者用手机相机扫描这个二维码，即可登录验票页面。",
        "scan_this_board": "用连接大屏的电脑或平板扫描（或打开下面的链接），即可显示现场看板。",
        "login_link": "登录链接",
        "link_help": "也可以把这个链接发给志愿者本人。链接就是登录凭证，请勿转发给他人。",
        "link_is_local": (
            "这个链接指向本机，志愿者的手机打不开。请用 kexie serve 目录 --host 0.0.0.0"
            " --https 启动服务，再从局域网地址打开控制台。"
        ),
        "back_to_volunteers": "返回志愿者列表",
    },
    "en": {
        # every page of an event
        "event_pages": "The event's pages",
        "back_to_event": "Back to the event",
        "action": "Action",
        "by": "By",
        "when": "When",
        "site": "Site",
        "gate": "Gate",
        "any_site": "Any site",
        "choose_from_list": "Choose one from the list.",
        "choose_file": "Choose the file to upload.",
        # what stops a page
        "no_event_title": "No such event",
        "no_event": "The console has no such event; it may have been moved or renamed.",
        "event_file_broken_title": "The event file has errors",
        "edit_event_file": "Correct the event file",
        "event_file_broken": (
            "The event file has {count} error(s), listed below; this page opens once they are"
            " corrected in the event file."
        ),
        "upload_too_large_title": "The file is too large",
        "upload_too_large": "The file is larger than {limit} MB; nothing was imported.",
        "no_checklist_title": "No emergency checklist",
        "no_checklist": "This event does not use the emergency plan, so it has no checklist.",
        "no_item_title": "No such item",
        "no_item": (
            "The checklist has no such item; the event file may have changed. Go back to the"
            " checklist, reload it and try again."
        ),
        "no_glasses_title": "No glasses plan",
        "no_glasses": "This event does not use the eclipse glasses plugin.",
        "no_tickets_title": "No tickets",
        "no_tickets": "This event does not use ticket check-in, so it has no tickets.",
        "no_sheet_title": "No such sheet",
        "no_sheet": (
            "There is no such ticket sheet; the tickets may have changed. Go back to the"
            " tickets, reload the page and try again."
        ),
        "no_login_title": "No such login",
        "no_login": "{name} has no working login; it may have been revoked.",
        "login_not_shown_title": "This login cannot be shown again",
        "login_not_shown": (
            "The login of {name} was made by an older version and cannot be shown again."
            " Revoke it and add a new one."
        ),
        # lifecycle
        "lifecycle_title": "Phases",
        "phase_now": "Current phase: {phase}",
        "phase_past": " (done)",
        "moved": "The event has moved on to {phase}.",
        "next_gate": "Moving on to {phase}",
        "blocked_by": "These are not done yet, so the event cannot move on:",
        "nothing_blocks": "Nothing is left to do; the event can move on to {phase}.",
        "open_checklist": "Open the emergency checklist to tick what is done",
        "advance_to": "Move on to {phase}",
        "advance_refused": "The event did not move on to {phase}, because:",
        "not_moved": "The phase did not change:",
        "force_heading": "Move on anyway",
        "force_intro": (
            "If the event must move on before these are done, say why. The reason is recorded"
            " with your name and the time among the phase changes."
        ),
        "reason_label": "Why the event moves on anyway",
        "reason_required": "Say why the event moves on although something blocks it.",
        "force_button": "Move on to {phase} anyway",
        "last_phase_heading": "This is the last phase",
        "last_phase": "The event is in its last phase (report); there is no next one.",
        "plugin_status": "How each part stands",
        "level_ok": "OK",
        "level_info": "Note",
        "level_warning": "Attention",
        "history": "Phase changes",
        "change": "Change",
        "forced_reason": "Reason for moving on anyway",
        "forced": "Forced",
        "no_history": "The event has not changed phase yet.",
        # checklists
        "checklists_title": "Emergency checklist",
        "checklist_intro": (
            "Tick each item when it is done. While a critical item is open, the event cannot"
            " move on to launch or on site."
        ),
        "done_of": "{done} of {total} done",
        "item_state": "State",
        "item": "Item",
        "owner": "Owner",
        "deadline": "Due",
        "ticked_by": "Record",
        "critical": "Critical",
        "state_done": "Done",
        "state_open": "Open",
        "tick": "Tick",
        "untick": "Untick",
        "tick_item": "Tick: {item}",
        "untick_item": "Untick: {item}",
        "tick_record": "ticked by {by}, {at}",
        "untick_record": "unticked by {by}, {at}",
        # glasses
        "glasses_title": "Eclipse glasses",
        "glasses_plan": "Stock and plan",
        "stock": "Stock",
        "allocated": "Allocated to units",
        "onsite_planned": "Handed out on site",
        "need": "Planned in all",
        "pairs": "{count} pairs",
        "units_pairs": "{units} units, {count} pairs",
        "shortfall": "Not enough glasses: {count} pairs short.",
        "upload_allocations": "Upload the allocations",
        "upload_intro": (
            "Upload the units' allocations (an Excel workbook or a CSV file); it replaces the"
            " current list. If any row is wrong, nothing is imported and every problem is"
            " listed."
        ),
        "allocations_file": "Allocations file",
        "allocations_help": "Header: name, contact, phone, pairs (name and pairs required).",
        "upload_button": "Check and import",
        "upload_refused": "{name} was not imported. Correct these problems and upload it again:",
        "problems_by_row": "Problems by row",
        "row": "Row",
        "column": "Column",
        "problem": "Problem",
        "row_number": "{line}",
        "more_problems": "{count} more problems are not listed.",
        "imported": "The allocations of {units} units were imported.",
        "current_allocations": "Current allocations",
        "current_file_broken": "The current allocations file has errors; upload a corrected one:",
        "unit": "Unit",
        "contact": "Contact",
        "pairs_heading": "Pairs",
        "total": "Total",
        "no_allocations": "No allocations yet.",
        # tickets
        "tickets_title": "Tickets",
        "count_issued": "Issued",
        "count_valid": "Valid",
        "count_revoked": "Revoked",
        "count_admitted": "Admitted",
        "issue_heading": "Issue tickets",
        "ticket_count": "How many",
        "audience": "Audience",
        "any_audience": "Any audience",
        "issue_button": "Issue",
        "count_range": "Give a whole number from 1 to {most}.",
        "issued": "Tickets issued: {first} to {last}.",
        "revoke_heading": "Revoke a ticket",
        "ticket_number": "Ticket number",
        "revoke_reason": "Reason",
        "revoke_reason_help": "For example: lost and replaced, issued twice, cancelled.",
        "revoke_button": "Revoke",
        "ticket_number_needed": "Give the ticket's number (digits).",
        "no_such_ticket": "There is no ticket number {number}.",
        "already_revoked": "Ticket {number} is already revoked.",
        "revoke_reason_needed": "Say why the ticket is revoked.",
        "revoked_ticket": "Ticket {number} is revoked; every gate rejects it from now on.",
        "import_heading": "Issue tickets from a registration list",
        "import_intro": (
            "Upload a registration list (an Excel workbook or a CSV file); everyone on it gets a"
            " ticket. If any row is wrong, nothing is imported."
        ),
        "registrations_file": "Registration list",
        "registrations_help": "Header: name, phone, audience, site (name required).",
        "import_button": "Check and issue",
        "sheets_heading": "Print the tickets",
        "sheets_intro": "A4, ten a page, cut on the marks: the same sheets as in the kit.",
        "sheet_link": "Download ticket sheets {first} to {last} ({count} tickets)",
        "no_sheets": "No tickets to print yet.",
        "ticket_list": "All tickets",
        "ticket_state": "State",
        "ticket_valid": "Valid",
        "ticket_revoked": "Revoked",
        "ticket_admitted": "Admitted",
        "revoked_by": " ({by}: {reason})",
        "pages_nav": "Pages",
        "previous_page": "Previous page",
        "next_page": "Next page",
        "page_of": "Page {page} of {pages}",
        "no_tickets_yet": "No tickets issued yet.",
        # volunteers
        "volunteers_title": "Volunteer logins",
        "active_logins": "Volunteers who can log in",
        "volunteer_name": "Name",
        "role": "Role",
        "show_login": "Show login QR code",
        "revoke_login": "Revoke login",
        "revoke_login_of": "Revoke the login of {name}",
        "no_logins": "No volunteer logins yet.",
        "add_volunteer": "Add a volunteer login",
        "planned_help": "You can pick a name from the event file's volunteers.",
        "role_help": (
            "Scanner: scans at a gate; lead: may also correct counts; board: shows the live"
            " figures and records nothing."
        ),
        "no_gate": "No gate",
        "add_button": "Add and show the login QR code",
        "volunteer_has_login": "{name} already has a login. Revoke it first to give a new one.",
        "gate_not_at_site": "The chosen site has no such gate.",
        "login_revoked": "The login of {name} is revoked and stops working at once.",
        "login_title": "Login QR code of {name}",
        "qr_label": "Login QR code of {name}",
        "scan_this": "The volunteer scans this code with their phone's camera to log in.",
        "scan_this_board": (
            "Scan this code (or open the link below) on the computer or tablet driving the big"
            " screen to show the live board."
        ),
        "login_link": "Login link",
        "link_help": (
            "You can also send this link to the volunteer. The link is the login: do not pass"
            " it on to anyone else."
        ),
        "link_is_local": (
            "This link points at this computer; a volunteer's phone cannot open it. Start the"
            " server with kexie serve DIR --host 0.0.0.0 --https and open the console at its"
            " network address."
        ),
        "back_to_volunteers": "Back to the volunteers",
    },
}
