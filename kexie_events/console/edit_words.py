"""What the console's pages for creating and editing events say, in Chinese and English.

:data:`WORDS` are the pages' words; :data:`FIELD_LABELS` name the values of ``event.toml``
the forms show; :data:`PLUGIN_NAMES` and :data:`PLUGIN_KEYS` name the built-in plugins and
their settings, so that a Chinese page shows 观测镜库存 rather than ``stock``. A third-party
plugin's setting is named by the comment written after it in the file, else by its key.
"""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "edit": "编辑活动",
        "overview": "活动概况",
        "basics": "名称和日期",
        "sites": "场地",
        "schedule": "日程",
        "volunteers": "志愿者和班次",
        "plugin": "插件设置",
        "plugins": "各插件的设置",
        "file": "文本编辑器",
        "file_intro": "这里是完整的活动文件（event.toml）。保存前会先检查，有问题时不会保存。",
        "new": "新建活动",
        "save": "保存",
        "check_only": "只检查，不保存",
        "saved": "已保存，服务器已使用新的活动设置。",
        "unchanged": "没有修改，活动文件没有变化。",
        "checked_ok": "检查通过，没有发现问题。（尚未保存）",
        "errors_intro": "发现{count}处问题，活动文件没有保存。请按提示修改后再保存。",
        "elsewhere": "活动文件其他部分的问题",
        "elsewhere_intro": "以下问题不在本页，需要先改正才能保存：",
        "warnings": "提示",
        "line": "第{line}行",
        "open_line": "在文本编辑器中查看第{line}行",
        "conflict_title": "活动文件已被别人修改",
        "conflict": (
            "在您打开这个页面之后，活动文件已被修改（可能是其他组织者，或有人用命令行、编辑器"
            "改过）。您的修改还没有保存。"
        ),
        "conflict_form": (
            "下面保留了您填写的内容；与文件现在不同的地方注明了文件中的值。核对后再次保存，"
            "您填写的内容就会替换这些值。"
        ),
        "conflict_file": (
            "左边是您编辑的内容，右边是文件现在的内容。请把需要保留的改动合并到左边，再保存。"
        ),
        "now_in_file": "文件中现在是：{value}",
        "now_absent": "文件中现在没有这一项",
        "your_text": "您编辑的内容",
        "file_now": "文件现在的内容",
        "remove": "删除",
        "remove_site": "删除这个场地",
        "remove_item": "删除这项日程",
        "remove_volunteer": "删除这位志愿者",
        "remove_shift": "删除这个班次",
        "add_site": "添加场地",
        "add_item": "添加日程",
        "add_volunteer": "添加志愿者",
        "add_shift": "添加班次",
        "site_n": "场地{n}",
        "item_n": "日程{n}",
        "volunteer_n": "志愿者{n}",
        "shift_n": "班次{n}",
        "shifts": "班次",
        "any_site": "（不限场地）",
        "any_gate": "（不限入口）",
        "none_chosen": "（未选择）",
        "lines_hint": "每行填一项。",
        "days": "活动日期：{days}（共{count}天）",
        "day_separator": "、",
        "in_editor_only": "以下内容结构较复杂，请在文本编辑器中修改：",
        "no_plugins": "这个活动没有插件设置。",
        "unreadable": "活动文件第{line}行的格式有误，无法用表单编辑。请先在文本编辑器中改正。",
        "not_text": (
            "活动文件不是 UTF-8 编码的文本，无法在控制台中编辑。请用文本编辑器另存为 UTF-8。"
        ),
        "no_event": "没有这个活动。",
        "required": "请填写{label}",
        "bad_integer": "请填写整数，例如 300",
        "bad_number": "请填写数字，例如 0.05",
        "bad_moment": "请填写有效的日期和时间，例如 2027-08-02 08:30",
        "bad_day": "请填写有效的日期，例如 2027-08-02",
        "bad_choice": "请从列表中选择",
        "field_error": "{label}：{message}",
        "text_label": "活动文件 event.toml",
        "problems": "问题",
        "new_intro": (
            "从模板新建一个活动。模板中的日程、班次等日期会随开始日期一起移动；"
            "建好后可以在“编辑活动”中修改各项内容。"
        ),
        "template": "模板",
        "language": "活动语言（文件、页面和材料使用的语言）",
        "lang_zh": "中文",
        "lang_en": "英文",
        "folder": "文件夹名称",
        "folder_hint": (
            "活动保存在年度文件夹中的这个子文件夹里，例如：绿水乡日食观测。创建后不能更改。"
        ),
        "title_optional": "活动名称（不填则使用模板中的名称）",
        "start_optional": "开始时间（不填则使用模板中的时间）",
        "end_optional": "结束时间（不填则按模板的活动时长）",
        "create": "创建活动",
        "created": "活动已创建。",
        "folder_taken": "已经有名为“{name}”的文件夹，请换一个名称",
        "folder_bad": '文件夹名称不能以“.”开头，不能包含 / \\ : * ? " < > | 等字符',
        "folder_long": "文件夹名称最多{limit}个字",
        "end_before_start": "结束时间必须晚于开始时间",
        "no_template": "请选择一个模板",
        "template_lang": "这个模板没有{lang}版本",
        "single_root": (
            "这个控制台管理的是一个活动文件夹，不能在这里新建活动。要在控制台中新建活动，请用"
            "年度文件夹（其中每个子文件夹是一个活动）启动 kexie serve。"
        ),
        "template_problems": "按填写的内容生成的活动文件有问题，活动没有创建：",
        "back_to_edit": "返回编辑活动",
        "breadcrumb": "位置",
        "console_home": "活动控制台",
    },
    "en": {
        "edit": "Edit the event",
        "overview": "Overview",
        "basics": "Title and dates",
        "sites": "Sites",
        "schedule": "Schedule",
        "volunteers": "Volunteers and shifts",
        "plugin": "Plugin settings",
        "plugins": "Each plugin's settings",
        "file": "Text editor",
        "file_intro": (
            "The whole event file (event.toml). It is checked before it is saved, and not"
            " saved if it has errors."
        ),
        "new": "New event",
        "save": "Save",
        "check_only": "Check without saving",
        "saved": "Saved; the server now uses the new event settings.",
        "unchanged": "Nothing was changed; the event file is as it was.",
        "checked_ok": "The check found no problems. (Not saved yet.)",
        "errors_intro": "{count} problem(s) found; the event file was not saved. Correct them"
        " and save again.",
        "elsewhere": "Problems elsewhere in the event file",
        "elsewhere_intro": "These problems are not on this page; they must be corrected before"
        " anything can be saved:",
        "warnings": "Warnings",
        "line": "line {line}",
        "open_line": "see line {line} in the text editor",
        "conflict_title": "The event file was changed by someone else",
        "conflict": (
            "The event file has changed since you opened this page (another organiser, or"
            " someone using the command line or an editor). Your changes are not saved yet."
        ),
        "conflict_form": (
            "What you entered is kept below; where the file now says something else, its value"
            " is shown. Check, then save again to put your values in their place."
        ),
        "conflict_file": (
            "On the left is your text, on the right the file as it is now. Merge the changes"
            " you want to keep into the left, then save."
        ),
        "now_in_file": "The file now says: {value}",
        "now_absent": "The file now has no value here",
        "your_text": "Your text",
        "file_now": "The file now",
        "remove": "Remove",
        "remove_site": "Remove this site",
        "remove_item": "Remove this item",
        "remove_volunteer": "Remove this volunteer",
        "remove_shift": "Remove this shift",
        "add_site": "Add a site",
        "add_item": "Add a schedule item",
        "add_volunteer": "Add a volunteer",
        "add_shift": "Add a shift",
        "site_n": "Site {n}",
        "item_n": "Item {n}",
        "volunteer_n": "Volunteer {n}",
        "shift_n": "Shift {n}",
        "shifts": "Shifts",
        "any_site": "(any site)",
        "any_gate": "(any gate)",
        "none_chosen": "(none)",
        "lines_hint": "One per line.",
        "days": "Days: {days} ({count} in all)",
        "day_separator": "; ",
        "in_editor_only": "These parts have more structure; change them in the text editor:",
        "no_plugins": "This event has no plugin settings.",
        "unreadable": "Line {line} of the event file is not valid, so the forms cannot edit"
        " it. Correct it in the text editor first.",
        "not_text": "The event file is not UTF-8 text and cannot be edited in the console."
        " Save it as UTF-8 in an editor.",
        "no_event": "There is no such event.",
        "required": "Enter {label}",
        "bad_integer": "Enter a whole number, such as 300",
        "bad_number": "Enter a number, such as 0.05",
        "bad_moment": "Enter a valid date and time, such as 2027-08-02 08:30",
        "bad_day": "Enter a valid date, such as 2027-08-02",
        "bad_choice": "Choose one from the list",
        "field_error": "{label}: {message}",
        "text_label": "The event file, event.toml",
        "problems": "Problems",
        "new_intro": (
            "Make a new event from a template. The template's schedule, shifts and other dates"
            " move with the start date; change anything afterwards under Edit the event."
        ),
        "template": "Template",
        "language": "Language of the event (its file, pages and documents)",
        "lang_zh": "Chinese",
        "lang_en": "English",
        "folder": "Folder name",
        "folder_hint": "The event is kept in this folder of the year's folder, e.g."
        " green-valley-eclipse. It cannot be changed later.",
        "title_optional": "Title (leave empty for the template's)",
        "start_optional": "Start (leave empty for the template's)",
        "end_optional": "End (leave empty to keep the template's length)",
        "create": "Create the event",
        "created": "The event was created.",
        "folder_taken": "There is a folder named {name} already; choose another name",
        "folder_bad": 'A folder name cannot start with "." or contain / \\ : * ? " < > |',
        "folder_long": "A folder name has at most {limit} characters",
        "end_before_start": "The end must be after the start",
        "no_template": "Choose a template",
        "template_lang": "This template has no {lang} version",
        "single_root": (
            "This console serves one event folder, so no event can be created here. To create"
            " events in the console, run kexie serve on a year's folder (a folder of event"
            " folders)."
        ),
        "template_problems": "The event file made from what you entered has problems; the"
        " event was not created:",
        "back_to_edit": "Back to editing",
        "breadcrumb": "You are here",
        "console_home": "Event console",
    },
}

#: Labels of the values of ``event.toml`` the forms show, by key.
FIELD_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "活动名称",
        "theme": "活动主题",
        "start": "开始时间",
        "end": "结束时间",
        "expected_attendance": "预计参加人数",
        "site.name": "场地名称",
        "site.capacity": "可同时容纳人数",
        "site.gates": "入口",
        "site.exits": "出口（上面的入口中，用来统计出场的）",
        "item.title": "项目名称",
        "item.site": "场地",
        "item.kind": "类型",
        "item.description": "说明",
        "volunteer.name": "姓名",
        "volunteer.role": "分工",
        "volunteer.phone": "电话",
        "shift.site": "场地",
        "shift.gate": "入口",
        "shift.duty": "任务",
    },
    "en": {
        "title": "Title",
        "theme": "Theme",
        "start": "Start",
        "end": "End",
        "expected_attendance": "People expected",
        "site.name": "Name",
        "site.capacity": "People it holds at once",
        "site.gates": "Gates",
        "site.exits": "Exits (the gates above where people going out are counted)",
        "item.title": "Title",
        "item.site": "Site",
        "item.kind": "Kind",
        "item.description": "Description",
        "volunteer.name": "Name",
        "volunteer.role": "Role",
        "volunteer.phone": "Phone",
        "shift.site": "Site",
        "shift.gate": "Gate",
        "shift.duty": "Duty",
    },
}

#: The choices of the forms' lists, by what is chosen.
CHOICE_LABELS: dict[str, dict[str, dict[str, str]]] = {
    "zh": {
        "role": {
            "lead": "负责人",
            "scanner": "验码签到",
            "steward": "引导服务",
            "medical": "医疗救护",
            "speaker": "讲解",
            "other": "其他",
        },
        "kind": {"session": "单独计为一场", "part": "活动中的一个环节"},
    },
    "en": {
        "role": {
            "lead": "Lead",
            "scanner": "Scanning tickets",
            "steward": "Steward",
            "medical": "First aid",
            "speaker": "Speaker",
            "other": "Other",
        },
        "kind": {"session": "A session of its own", "part": "A part of a session"},
    },
}

#: The built-in plugins' names, as the plugins' settings page titles them.
PLUGIN_NAMES: dict[str, dict[str, str]] = {
    "zh": {
        "qr-checkin": "扫码入场",
        "eclipse-glasses": "日食观测镜",
        "display-boards": "展板和宣传品",
        "emergency-plan": "应急预案",
        "observation": "天象观测",
        "registration": "公众报名",
        "documents": "活动文件",
        "event-dates": "活动日期",
    },
    "en": {
        "qr-checkin": "QR check-in",
        "eclipse-glasses": "Eclipse glasses",
        "display-boards": "Display boards and handouts",
        "emergency-plan": "Emergency plan",
        "observation": "Sky observation",
        "registration": "Public sign-up",
        "documents": "Documents",
        "event-dates": "Event dates",
    },
}

#: The built-in plugins' settings, by plugin and key.
PLUGIN_KEYS: dict[str, dict[str, dict[str, str]]] = {
    "zh": {
        "qr-checkin": {
            "admission": "入场规则（once：全程一次；daily：每天一次）",
            "ticket_note": "入场码上的提示",
            "notice": "验票页面的通知",
        },
        "eclipse-glasses": {
            "stock": "已采购的观测镜（副）",
            "pairs_per_person": "每人发放（副）",
            "safety_margin": "现场预留比例（如 0.05 即 5%）",
            "onsite_people": "现场领取观测镜的人数",
            "allocations": "配发清单文件",
        },
        "display-boards": {"no_boards": "不设展板的场地"},
        "emergency-plan": {
            "checklists": "使用的检查清单",
            "remove": "不适用、要去掉的检查项",
        },
        "observation": {
            "sky": "观测对象（solar：日食；lunar：月食；night：夜空）",
            "sites": "计算天象时刻的场地",
            "glasses_on_minutes": "全食结束前几分钟提醒戴回观测镜",
            "delta_t": "ΔT（秒，留空使用内置模型）",
        },
        "registration": {
            "opens": "开始报名时间",
            "closes": "截止报名时间",
            "capacity": "每个场地可报名人数",
            "party_max": "每次报名最多人数",
            "per_phone": "每个手机号可报名次数",
            "phone_format": "手机号格式",
            "waitlist": "名额满后允许候补",
            "fields": "报名时填写的信息",
            "intro": "报名页说明",
            "bring": "提醒携带",
            "notice": "报名须知",
            "public_url": "公开报名网址",
            "per_address_per_minute": "每个网络地址每分钟可提交次数",
        },
    },
    "en": {
        "qr-checkin": {
            "admission": "Admission (once: once for the whole event; daily: once a day)",
            "ticket_note": "Note on the tickets",
            "notice": "Notice on the check-in page",
        },
        "eclipse-glasses": {
            "stock": "Glasses bought (pairs)",
            "pairs_per_person": "Pairs per person",
            "safety_margin": "Margin kept on site (0.05 is 5%)",
            "onsite_people": "People taking glasses on site",
            "allocations": "Allocations file",
        },
        "display-boards": {"no_boards": "Sites without boards"},
        "emergency-plan": {
            "checklists": "Checklists used",
            "remove": "Checklist items that do not apply",
        },
        "observation": {
            "sky": "What is observed (solar, lunar, night)",
            "sites": "Sites the sky is computed for",
            "glasses_on_minutes": "Minutes before totality ends to put glasses back on",
            "delta_t": "ΔT in seconds (empty: the built-in model)",
        },
        "registration": {
            "opens": "Sign-up opens",
            "closes": "Sign-up closes",
            "capacity": "Places per site",
            "party_max": "People per sign-up at most",
            "per_phone": "Sign-ups per phone number",
            "phone_format": "Phone number format",
            "waitlist": "Waiting list when full",
            "fields": "What the form asks",
            "intro": "Introduction on the sign-up page",
            "bring": "What to bring",
            "notice": "Notice",
            "public_url": "Public address of the sign-up page",
            "per_address_per_minute": "Sign-ups per network address per minute",
        },
    },
}
