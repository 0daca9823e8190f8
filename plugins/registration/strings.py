"""What the public sign-up pages say, in Chinese and in English."""

from __future__ import annotations

PAGE_STRINGS = {
    "zh": {
        "lang": "zh-CN",
        "signup": "活动报名",
        "opens_at": "报名将于{when}开始，请届时再来。",
        "closed": "报名已经截止。",
        "closes_at": "报名截止时间：{when}",
        "time": "时间",
        "place": "地点",
        "choose_slot": "选择场次",
        "seats_left": "剩余{n}个名额",
        "seat_left": "剩余{n}个名额",
        "full_waitlist": "已满，可报名候补",
        "full": "已满",
        "over": "已结束",
        "optional": "（选填）",
        "party_unit": "人",
        "submit": "提交报名",
        "sending": "正在提交…",
        "preparing": "正在准备，请稍候…",
        "consent": (
            "我们收集您填写的{items}，仅用于本次活动的报名、入场验票和活动通知，不作他用；"
            "这些信息将在活动结束{days}天后（{until}前）删除。提交报名即表示您同意。"
        ),
        "items_more": "等报名信息",
        "needs_script": "请允许本页运行脚本（JavaScript）后再报名。",
        "network": "网络不通，请检查网络后重试。",
        "too_many": "提交太频繁，请{n}秒后再试。",
        "server": "服务器暂时无法处理，请稍后再试。",
        "confirmed": "报名成功",
        "confirmed_help": "入场时请向志愿者出示下面的二维码（一人一码）。",
        "waitlisted": "已进入候补名单",
        "waitlisted_help": (
            "名额已满，您在候补名单第{n}位。有名额空出时会按报名顺序递补，"
            "并为您生成门票；请收藏本页，随时回来查看。"
        ),
        "cancelled": "报名已取消",
        "cancelled_help": "这个报名已经取消，门票已作废。",
        "ticket": "门票",
        "ticket_of": "第{i}张，共{n}张",
        "number": "票号",
        "party": "人数",
        "bring": "请携带",
        "save": "保存为图片",
        "save_help": "长按下面的图片，保存到手机相册。",
        "keep_link": "请收藏本页：它是您查看门票和取消报名的唯一入口，请勿转发给他人。",
        "cancel": "取消报名",
        "cancel_confirm": "确定要取消报名吗？名额会让给候补的人，取消后不能恢复。",
        "cancel_done": "已取消。",
        "not_found": "没有找到这个报名，请检查链接是否完整。",
        "again": "返回报名页",
    },
    "en": {
        "lang": "en",
        "signup": "Sign up",
        "opens_at": "Sign-up opens on {when}; please come back then.",
        "closed": "Sign-up has closed.",
        "closes_at": "Sign-up closes: {when}",
        "time": "When",
        "place": "Where",
        "choose_slot": "Choose a time",
        "seats_left": "{n} places left",
        "seat_left": "{n} place left",
        "full_waitlist": "full: join the waiting list",
        "full": "full",
        "over": "over",
        "optional": " (optional)",
        "party_unit": "",
        "submit": "Sign up",
        "sending": "Sending…",
        "preparing": "Getting ready…",
        "consent": (
            "We collect your {items} only to sign you up, check your ticket at the gate and"
            " send you messages about this event, and delete them {days} days after it ends"
            " (by {until}). By signing up you agree."
        ),
        "items_more": " and other answers",
        "needs_script": "Please allow this page to run JavaScript to sign up.",
        "network": "No connection; check your network and try again.",
        "too_many": "Too many attempts; try again in {n} seconds.",
        "server": "The server cannot take this right now; try again shortly.",
        "confirmed": "You are signed up",
        "confirmed_help": "Show the QR code below at the gate (one code per person).",
        "waitlisted": "You are on the waiting list",
        "waitlisted_help": (
            "The event is full; you are number {n} on the waiting list. Places that come free"
            " go in order of sign-up, with a ticket; keep this page and check back."
        ),
        "cancelled": "Sign-up cancelled",
        "cancelled_help": "This sign-up is cancelled and its tickets no longer admit.",
        "ticket": "Ticket",
        "ticket_of": "{i} of {n}",
        "number": "Number",
        "party": "People",
        "bring": "Bring",
        "save": "Save as image",
        "save_help": "Press and hold the picture below to save it to your phone.",
        "keep_link": (
            "Keep this page: it is the only way to see your ticket and to cancel. Do not share it."
        ),
        "cancel": "Cancel my sign-up",
        "cancel_confirm": (
            "Cancel your sign-up? Your places go to the waiting list; this cannot be undone."
        ),
        "cancel_done": "Cancelled.",
        "not_found": "No sign-up here; check that the link is complete.",
        "again": "Back to sign-up",
    },
}
