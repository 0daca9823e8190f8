"""The check-in routes of the volunteer app: the phone page and its HTTP API.

API (all need ``Authorization: Bearer TOKEN``):

- ``POST /api/v1/checkins`` ``{"code", "gate", "scan_id"}`` → ``{"result", "reason", "ticket"}``;
  a retry with the same ``scan_id`` gets the first answer and records nothing new.
- ``POST /api/v1/headcounts`` ``{"gate", "audience", "delta"}`` → walk-ins without tickets.
- ``GET /api/v1/stats`` → live counts per gate, site and audience.
"""

from __future__ import annotations

from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from kexie_events.model import AUDIENCES, Event
from kexie_events.store import now
from kexie_events.web import context, json_body, volunteer_of
from kexie_plugins.qr_checkin.admission import Gatekeeper, site_of_gate, stats
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
        "camera_failed": "无法打开摄像头：",
        "ready": "请扫码",
        "admitted": "准予入场",
        "duplicate": "重复入场",
        "rejected": "无效门票",
        "error": "出错了",
        "queued": "已暂存",
        "queued_reason": "网络中断，恢复后自动提交",
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
        "camera_failed": "Camera failed:",
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
    },
}
TEMPLATES = Path(__file__).parent / "templates"


def _text(body: dict, key: str, *, required: bool, limit: int) -> str | None:
    value = body.get(key)
    if value is None or value == "":
        if required:
            raise HTTPException(400, f"{key} is required")
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise HTTPException(400, f"{key} must be a text of at most {limit} characters")
    return value


def _place(event: Event, volunteer, body: dict) -> tuple[str, str]:
    """The gate and site of a request, from the body or the volunteer's defaults."""
    site = _text(body, "site", required=False, limit=100)
    gate = _text(body, "gate", required=False, limit=100) or volunteer.gate
    if gate is None:
        raise HTTPException(400, "gate is required")
    try:
        return gate, site_of_gate(
            {s.id: s.gates for s in event.sites}, gate, site or volunteer.site
        )
    except ValueError as error:
        raise HTTPException(400, str(error)) from None


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
        code = _text(body, "code", required=True, limit=500)
        scan_id = _text(body, "scan_id", required=True, limit=100)
        gate, site = _place(ctx.event, volunteer, body)
        with ctx.lock:
            return _keeper(request).check_in(
                ctx.store.connection,
                code=code,
                scan_id=scan_id,
                gate=gate,
                site=site,
                by=volunteer.name,
                at=now(),
            )

    ctx = context(request)
    return JSONResponse(await run_in_threadpool(work))


async def headcounts(request: Request) -> JSONResponse:
    """``POST /api/v1/headcounts``."""
    body = await json_body(request)

    def work():
        volunteer = volunteer_of(request)
        audience = _text(body, "audience", required=True, limit=40)
        if audience not in AUDIENCES:
            raise HTTPException(400, f"audience must be one of {', '.join(AUDIENCES)}")
        delta = body.get("delta", 1)
        if not isinstance(delta, int) or isinstance(delta, bool) or not (-100 <= delta <= 100):
            raise HTTPException(400, "delta must be a whole number from -100 to 100")
        if delta == 0:
            raise HTTPException(400, "delta must not be 0")
        gate, site = _place(ctx.event, volunteer, body)
        scan_id = _text(body, "scan_id", required=False, limit=100)
        with ctx.lock:
            recorded = _keeper(request).headcount(
                ctx.store.connection,
                audience=audience,
                delta=delta,
                gate=gate,
                site=site,
                by=volunteer.name,
                at=now(),
                scan_id=scan_id,
            )
            counts = stats(ctx.store.connection)
        return {"recorded": recorded, "walk_ins": counts["walk_ins"]}

    ctx = context(request)
    return JSONResponse(await run_in_threadpool(work))


async def live_stats(request: Request) -> JSONResponse:
    """``GET /api/v1/stats``."""

    def work():
        volunteer_of(request)
        with ctx.lock:
            return stats(ctx.store.connection)

    ctx = context(request)
    return JSONResponse(await run_in_threadpool(work))


def page_route(event: Event) -> Route:
    """``GET /``: the volunteer page, rendered once in the event's language."""
    import jinja2

    from kexie_events.i18n import pick

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
