"""The check-in routes of the volunteer app: the phone page and its HTTP API.

API (all need ``Authorization: Bearer TOKEN``):

- ``POST /api/v1/checkins`` ``{"code", "gate", "scan_id"}`` → ``{"result", "reason", "ticket"}``;
  a retry with the same ``scan_id`` gets the first answer and records nothing new.
- ``POST /api/v1/headcounts`` ``{"gate", "audience", "delta", "scan_id"}`` → walk-ins
  without tickets; the same ``scan_id`` is counted once, and no count goes below zero.
- ``GET /api/v1/stats`` → live counts per gate, site and audience.

Every field is checked against the event (:mod:`kexie_events.inputs`) before anything is
recorded; the core's error answers (400, 401, 409, 413, 503) apply.
"""

from __future__ import annotations

from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from kexie_events import inputs
from kexie_events.i18n import pick
from kexie_events.model import AUDIENCES, Event
from kexie_events.store import now
from kexie_events.web import context, json_body, volunteer_of
from kexie_plugins.qr_checkin.admission import Gatekeeper, stats
from kexie_plugins.qr_checkin.config import read_config
from kexie_plugins.qr_checkin.tickets import verifier_for

STATIC = Path(__file__).parent / "static"
PAGE_STRINGS = {
    "zh": {
        "title": "入场验票",
        "login_help": "请打开负责人发给您的登录链接，或在下面粘贴登录码。",
        "token": "登录码",
        "log_in": "登录",
        "log_out": "退出登录",
        "gate": "入口",
        "code_placeholder": "扫码或输入票号",
        "check": "验票",
        "camera": "用摄像头扫码",
        "camera_failed": "无法打开摄像头（请允许使用摄像头，并用 https 地址打开本页）",
        "ready": "请扫码",
        "admitted": "准予入场",
        "duplicate": "重复入场",
        "rejected": "无效门票",
        "error": "出错了",
        "queued": "已暂存",
        "queued_reason": "网络中断，已暂存在本机，恢复后自动提交",
        "queued_count": "待提交：{n} 条",
        "ticket": "票号",
        "at_this_gate": "本入口",
        "event_total": "全场合计",
        "walk_ins": "无票入场",
        "walk_ins_title": "无票入场计数",
        "lead": "负责人",
        "scanner": "验票员",
        "done": "已记录",
        "refused": "未记录",
        "actions_title": "现场登记",
        "sending": "正在提交…",
        "server_trouble": "服务器暂时无法记录，已暂存在本机，稍后自动重试",
        "unexpected": "没有收到服务器的正常答复，已暂存在本机，稍后自动重试",
        "login_withdrawn": "您的登录已被收回，请联系负责人。",
        "kept_for_lead": "本机保留着{n}条未提交的记录，负责人在本机登录后会自动提交。",
        "waiting_for_lead": "其中{n}条是其他志愿者的记录，需负责人在本机登录后提交。",
        "offline_start": "暂时连不上服务器，稍后自动重试。",
        "notices_title": "稍后提交的结果",
        "notice_format": "{time} {label}：{title}，{reason}",
        "clear": "清除",
        "bad_number": "请填写正整数",
    },
    "en": {
        "title": "Check-in",
        "login_help": "Open the login link your lead sent you, or paste your login code below.",
        "token": "Login code",
        "log_in": "Log in",
        "log_out": "Log out",
        "gate": "Gate",
        "code_placeholder": "Scan or type ticket number",
        "check": "Check",
        "camera": "Scan with camera",
        "camera_failed": "The camera did not open (allow it, and open this page over https)",
        "ready": "Ready",
        "admitted": "Admitted",
        "duplicate": "Already in",
        "rejected": "Not valid",
        "error": "Error",
        "queued": "Saved",
        "queued_reason": "No network: it will be sent when the network is back",
        "queued_count": "Waiting to send: {n}",
        "ticket": "ticket",
        "at_this_gate": "this gate",
        "event_total": "event total",
        "walk_ins": "walk-ins",
        "walk_ins_title": "Walk-ins without a ticket",
        "lead": "lead",
        "scanner": "scanner",
        "done": "Recorded",
        "refused": "Not recorded",
        "actions_title": "On-site records",
        "sending": "Sending…",
        "server_trouble": "The server cannot record right now: kept on this phone, sent again soon",
        "unexpected": "No proper answer from the server: kept on this phone, sent again soon",
        "login_withdrawn": "Your login was withdrawn; ask your lead.",
        "kept_for_lead": "{n} records are kept on this phone; a lead logging in here sends them.",
        "waiting_for_lead": "{n} are another volunteer's and wait for a lead to log in here.",
        "offline_start": "Cannot reach the server; trying again shortly.",
        "notices_title": "Results of records sent later",
        "notice_format": "{time} {label}: {title} — {reason}",
        "clear": "Clear",
        "bad_number": "Enter a whole number",
    },
}
TEMPLATES = Path(__file__).parent / "templates"


def _place(event: Event, volunteer, body: dict) -> tuple[str, str]:
    """The checked gate and site of a request, from the body or the volunteer's defaults."""
    gate, site = body.get("gate"), body.get("site")
    return inputs.place(
        event,
        volunteer.gate if gate in (None, "") else gate,
        volunteer.site if site in (None, "") else site,
        required=True,
    )


def _keeper(request: Request) -> Gatekeeper:
    """The app's gatekeeper; call it holding the lock. Made again until tickets exist, since
    ``kexie tickets issue`` may run while the server is up."""
    state = request.app.state
    keeper = getattr(state, "qr_keeper", None)
    if keeper is None or keeper.verifier is None:
        ctx = context(request)
        config = read_config(ctx.event)[0]
        keeper = Gatekeeper(verifier_for(ctx.store), ctx.event.tz, ctx.event.lang, config.admission)
        state.qr_keeper = keeper
    return keeper


async def checkins(request: Request) -> JSONResponse:
    """``POST /api/v1/checkins``."""
    body = await json_body(request)

    def work():
        volunteer = volunteer_of(request)
        lang = ctx.event.lang
        inputs.only_keys(body, ("code", "gate", "site", "scan_id"), lang=lang)
        code = inputs.text(
            body.get("code"),
            "code",
            lang=lang,
            label=pick(lang, "票码或票号", "code"),
            limit=inputs.CODE_LIMIT,
        )
        inputs.ticket_number(code, lang=lang)  # "²" or "①" typed as a number: 400, not 500
        scan_id = inputs.scan_id(body.get("scan_id"), lang=lang)
        gate, site = _place(ctx.event, volunteer, body)
        return ctx.run(
            lambda: _keeper(request).check_in(
                ctx.store.connection,
                code=code,
                scan_id=scan_id,
                gate=gate,
                site=site,
                by=volunteer.name,
                at=now(),
            )
        )

    ctx = context(request)
    return JSONResponse(await run_in_threadpool(work))


async def headcounts(request: Request) -> JSONResponse:
    """``POST /api/v1/headcounts``."""
    body = await json_body(request)

    def work():
        volunteer = volunteer_of(request)
        lang = ctx.event.lang
        inputs.only_keys(body, ("audience", "delta", "gate", "site", "scan_id"), lang=lang)
        audience = inputs.one_of(
            body.get("audience"),
            "audience",
            AUDIENCES,
            lang=lang,
            label=pick(lang, "人群", "audience"),
        )
        delta = inputs.whole_number(
            body.get("delta", 1),
            "delta",
            lang=lang,
            label=pick(lang, "人数", "delta"),
            low=-100,
            high=100,
        )
        if delta == 0:
            raise inputs.InputError("delta", pick(lang, "人数不能为0", "delta must not be 0"))
        gate, site = _place(ctx.event, volunteer, body)
        scan_id = inputs.scan_id(body.get("scan_id"), lang=lang, required=False)

        recorded = ctx.run(
            lambda: _keeper(request).headcount(
                ctx.store.connection,
                audience=audience,
                delta=delta,
                gate=gate,
                site=site,
                by=volunteer.name,
                at=now(),
                scan_id=scan_id,
            )
        )
        # Counted apart: were this read retried with the write, a retry could count twice.
        walk_ins = ctx.run(lambda: stats(ctx.store.connection))["walk_ins"]
        return {"recorded": recorded, "walk_ins": walk_ins}

    ctx = context(request)
    return JSONResponse(await run_in_threadpool(work))


async def live_stats(request: Request) -> JSONResponse:
    """``GET /api/v1/stats``."""

    def work():
        volunteer_of(request)
        return ctx.run(lambda: stats(ctx.store.connection))

    ctx = context(request)
    return JSONResponse(await run_in_threadpool(work))


def page_route(event: Event) -> Route:
    """``GET /``: the volunteer page, rendered once in the event's language."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True)
    labels = {
        "minors": pick(event.lang, "未成年人", "Minors"),
        "farmers": pick(event.lang, "农民", "Farmers"),
        "urban_workers": pick(event.lang, "城镇劳动者", "Urban workers"),
        "cadres": pick(event.lang, "干部和公务员", "Officials"),
        "others": pick(event.lang, "其他", "Others"),
    }
    gates = sorted({gate for site in event.sites for gate in site.gates})
    html = env.get_template("page.html").render(
        event=event,
        audiences=[(a, labels[a]) for a in AUDIENCES],
        gates=gates,
        t=PAGE_STRINGS[event.lang],
    )

    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})

    return Route("/", page)


def routes(event: Event) -> list:
    """Every route of the check-in app."""
    return [
        page_route(event),
        Mount("/static/qr-checkin", app=StaticFiles(directory=str(STATIC)), name="qr-static"),
        Route("/api/v1/checkins", checkins, methods=["POST"]),
        Route("/api/v1/headcounts", headcounts, methods=["POST"]),
        Route("/api/v1/stats", live_stats),
    ]
