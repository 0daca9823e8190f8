"""The check-in routes of the volunteer app: the phone page and its HTTP API.

API (all need ``Authorization: Bearer TOKEN``; a board login may only read):

- ``POST /api/v1/checkins`` ``{"code", "gate", "scan_id"}`` → ``{"result", "reason", "ticket"}``;
  a retry with the same ``scan_id`` gets the first answer and records nothing new. At a gate
  marked as an exit (``exits`` in ``[[sites]]``) a real ticket answers ``out`` and counts one
  person going out.
- ``POST /api/v1/headcounts`` ``{"gate", "audience", "delta", "direction", "scan_id"}`` →
  people counted in (walk-ins) or out; leads also enter paper sheets and estimates after the
  event (``"source"``, ``"at"``, ``"note"``). The same ``scan_id`` is counted once, and no
  count goes below zero.
- ``POST /api/v1/undo`` ``{"scan_id"}`` → takes back a head count with a correcting entry.
- ``GET /api/v1/stats`` → live counts per gate, site and audience, exits, and who is inside.

Every field is checked against the event (:mod:`kexie_events.inputs`) before anything is
recorded; the core's error answers (400, 401, 403, 409, 413, 503) apply.
"""

from __future__ import annotations

from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from kexie_events import inputs
from kexie_events.i18n import pick, term
from kexie_events.model import AUDIENCES, Event
from kexie_events.store import now
from kexie_events.web import context, json_body, login_of, volunteer_of
from kexie_plugins.qr_checkin.admission import DIRECTIONS, Forbidden, Gatekeeper
from kexie_plugins.qr_checkin.config import config_of
from kexie_plugins.qr_checkin.flow import inside_now, stats
from kexie_plugins.qr_checkin.tickets import verifier_for

STATIC = Path(__file__).parent / "static"
#: Walk-ins or exits counted at once with one tap of "+N" (a school class): more is a typo.
TAP_LIMIT = 100
#: Sources a lead may enter after the event; ``counted`` is what the gates count live.
LATER_SOURCES = ("paper", "estimate")


def page_strings(lang: str) -> dict[str, str]:
    """Everything the phone page says, in the event's language; counts use the glossary."""

    def t(key: str, many: bool = False) -> str:
        return term(key, lang, many=many, capital=True)

    walk_in, exit_ = term("walk_in", lang, many=True), term("exit", lang, many=True)
    zh = {
        "title": "入场验票",
        "login_help": "请打开负责人发给您的登录链接，或在下面粘贴登录码。",
        "token": "登录码",
        "log_in": "登录",
        "log_out": "退出登录",
        "gate": "入口",
        "exit_gate": "（出口）",
        "code_placeholder": "扫码或输入票号",
        "exit_placeholder": "出场扫码或输入票号",
        "check": "验票",
        "camera": "用摄像头扫码",
        "camera_stop": "关闭摄像头",
        "camera_failed": "无法打开摄像头：请在浏览器提示时允许使用摄像头",
        "camera_needs_https": "摄像头只能在 https 地址下使用：请负责人用 kexie serve --https "
        "启动，或用扫码枪、手动输入票号",
        "camera_loading": "正在打开摄像头…",
        "ready": "请扫码",
        "out": t("exit"),
        "error": "出错了",
        "queued": "已暂存",
        "queued_reason": "网络中断，已暂存在本机，恢复后自动提交",
        "queued_count": "待提交：{n} 条",
        "ticket": "票号",
        "at_this_gate": "本入口",
        "event_total": "全场合计",
        "inside": t("inside"),
        "inside_of": f"{t('inside')}（{term('capacity', lang)}{{capacity}}）",
        "lead": term("lead", lang),
        "scanner": term("scanner", lang),
        "done": "已记录",
        "refused": "未记录",
        "actions_title": "现场记录",
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
        "bad_number": f"请填写1到{TAP_LIMIT}之间的整数",
        "bad_action_number": "请填写正整数",
        "walk_ins_title": f"{walk_in}计数",
        "exits_title": f"{exit_}计数",
        "how_many": "人数",
        "counted_in": f"{walk_in} {{n}}人（{{who}}）",
        "counted_out": f"{exit_} {{n}}人",
        "undo": "撤销我的上一条",
        "undo_none": "没有可撤销的计数",
        "undone": "已撤销",
        "undone_reason": "{label}（已记一条更正）",
        "level_near": "接近容量",
        "level_full": "已满",
    }
    en = {
        "title": "Check-in",
        "login_help": "Open the login link your lead sent you, or paste your login code below.",
        "token": "Login code",
        "log_in": "Log in",
        "log_out": "Log out",
        "gate": "Gate",
        "exit_gate": " (exit)",
        "code_placeholder": "Scan or type ticket number",
        "exit_placeholder": "Scan or type a ticket going out",
        "check": "Check",
        "camera": "Scan with camera",
        "camera_stop": "Stop camera",
        "camera_failed": "The camera did not open: allow it when the browser asks",
        "camera_needs_https": "The camera works only on an https address: ask your lead to run "
        "kexie serve --https, or use a scanner or type the number",
        "camera_loading": "Opening the camera…",
        "ready": "Ready",
        "out": t("exit"),
        "error": "Error",
        "queued": "Saved",
        "queued_reason": "No network: it will be sent when the network is back",
        "queued_count": "Waiting to send: {n}",
        "ticket": "ticket",
        "at_this_gate": "this gate",
        "event_total": "event total",
        "inside": term("inside", lang),
        "inside_of": f"{term('inside', lang)} (of {{capacity}})",
        "lead": term("lead", lang),
        "scanner": term("scanner", lang),
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
        "bad_number": f"Enter a whole number from 1 to {TAP_LIMIT}",
        "bad_action_number": "Enter a whole number",
        "walk_ins_title": t("walk_in", many=True),
        "exits_title": t("exit", many=True),
        "how_many": "people",
        "counted_in": f"{{n}} {walk_in} ({{who}})",
        "counted_out": f"{{n}} {exit_}",
        "undo": "Undo my last count",
        "undo_none": "Nothing of yours to undo",
        "undone": "Undone",
        "undone_reason": "{label} (a correction is recorded)",
        "level_near": "near capacity",
        "level_full": "full",
    }
    strings = zh if lang == "zh" else en
    # The three answers to a scan and the count of walk-ins: the glossary's words.
    strings.update(
        admitted=t("admitted"),
        duplicate=t("duplicate"),
        rejected=t("rejected"),
        walk_ins=term("walk_in", lang, many=True),
        exits=term("exit", lang, many=True),
    )
    return strings


#: The page's strings per language (see :func:`page_strings`).
PAGE_STRINGS = {lang: page_strings(lang) for lang in ("zh", "en")}
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


def is_exit(event: Event, gate: str | None, site: str | None) -> bool:
    """Whether ``gate`` at ``site`` is marked as an exit in ``event.toml``."""
    return any(s.id == site and gate in s.exits for s in event.sites)


def _keeper(request: Request) -> Gatekeeper:
    """The app's gatekeeper. Made again until tickets exist, since ``kexie tickets issue`` may
    run while the server is up."""
    state = request.app.state
    keeper = getattr(state, "qr_keeper", None)
    if keeper is None or keeper.verifier is None:
        ctx = context(request)
        config = config_of(ctx.event)
        keeper = Gatekeeper(verifier_for(ctx.store), ctx.event.tz, ctx.event.lang, config.admission)
        state.qr_keeper = keeper
    return keeper


def _forbidden(lang: str, what_zh: str, what_en: str) -> HTTPException:
    return HTTPException(403, pick(lang, f"只有负责人可以{what_zh}", f"only a lead may {what_en}"))


async def checkins(request: Request) -> JSONResponse:
    """``POST /api/v1/checkins``: a ticket at an entrance, or at an exit (one person out).

    The code's signature is checked here; the decision and the record are one write of the
    server's writer (:meth:`~kexie_events.web.WebContext.write`), answered once committed.
    """
    body = await json_body(request)
    ctx = context(request)
    login = login_of(request)
    volunteer = login.volunteer
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
    keeper = _keeper(request)
    check = keeper.check_out if is_exit(ctx.event, gate, site) else keeper.check_in
    identified, at = keeper.identify(code), now()
    answer = await ctx.write(
        lambda: check(
            ctx.store,
            code=code,
            scan_id=scan_id,
            gate=gate,
            site=site,
            by=volunteer.name,
            at=at,
            identified=identified,
        ),
        login=login,
    )
    return JSONResponse(answer)


def _headcount_fields(event: Event, volunteer, body: dict) -> dict:
    """The checked fields of a head count: people in or out, counted now or entered later."""
    lang = event.lang
    inputs.only_keys(
        body,
        ("audience", "delta", "gate", "site", "scan_id", "direction", "source", "at", "note"),
        lang=lang,
    )
    direction = inputs.one_of(
        body.get("direction", "in"),
        "direction",
        DIRECTIONS,
        lang=lang,
        label=pick(lang, "方向（in 入场 / out 出场）", "direction"),
    )
    source = inputs.one_of(
        body.get("source", "counted"),
        "source",
        ("counted", *LATER_SOURCES),
        lang=lang,
        label=pick(lang, "来源", "source"),
    )
    later = source in LATER_SOURCES
    if later and volunteer.role != "lead":
        raise _forbidden(lang, "补录纸质签到表或估算人数", "enter paper sheets or estimates")
    if later and direction != "in":
        raise inputs.InputError(
            "direction", pick(lang, "补录只记入场人数", "paper and estimates count people in")
        )
    audience = body.get("audience")
    if direction == "out" and audience in (None, ""):
        audience = ""  # people going out are counted, not sorted into groups
    else:
        audience = inputs.one_of(
            audience, "audience", AUDIENCES, lang=lang, label=pick(lang, "人群", "audience")
        )
    label = pick(lang, "人数", "delta")
    if later:
        delta = inputs.whole_number(body.get("delta"), "delta", lang=lang, label=label)
        at = inputs.event_moment(
            body.get("at"), "at", event=event, label=pick(lang, "补录的日期", "at")
        )
        gate, site = inputs.place(event, body.get("gate"), body.get("site"))
        if site is None:
            raise inputs.InputError("site", pick(lang, "请填写场地", "site is required"))
    else:
        delta = inputs.whole_number(
            body.get("delta", 1), "delta", lang=lang, label=label, low=-TAP_LIMIT, high=TAP_LIMIT
        )
        if delta == 0:
            raise inputs.InputError("delta", pick(lang, "人数不能为0", "delta must not be 0"))
        if body.get("at") not in (None, ""):
            raise inputs.InputError(
                "at",
                pick(
                    lang,
                    "只有补录（纸质签到表、估算）才能指定时间",
                    "at is only for paper sheets and estimates",
                ),
            )
        at = now()
        gate, site = _place(event, volunteer, body)
    note = inputs.text(
        body.get("note"), "note", lang=lang, label=pick(lang, "备注", "note"), required=False
    )
    return {
        "audience": audience,
        "delta": delta,
        "gate": gate,
        "site": site,
        "direction": direction,
        "source": source,
        "note": note,
        "at": at,
        "scan_id": inputs.scan_id(body.get("scan_id"), lang=lang, required=False),
    }


async def headcounts(request: Request) -> JSONResponse:
    """``POST /api/v1/headcounts``: walk-ins, exits, and (leads) paper sheets and estimates."""
    body = await json_body(request)
    ctx = context(request)
    login = login_of(request)
    volunteer = login.volunteer
    fields = _headcount_fields(ctx.event, volunteer, body)
    keeper = _keeper(request)
    recorded = await ctx.write(
        lambda: keeper.headcount(ctx.store, by=volunteer.name, **fields), login=login
    )
    # Read apart from the write: were it retried with the write, a retry could count twice.
    counts = await run_in_threadpool(stats, ctx.store)
    return JSONResponse(
        {"recorded": recorded, "walk_ins": counts["walk_ins"], "exits": counts["exits"]["total"]}
    )


async def undo(request: Request) -> JSONResponse:
    """``POST /api/v1/undo`` ``{"scan_id"}``: take back one's own head count (a lead: anyone's).

    Nothing is deleted: a correcting entry records who took it back and when.
    """
    body = await json_body(request)
    ctx = context(request)
    login = login_of(request)
    volunteer = login.volunteer
    lang = ctx.event.lang
    inputs.only_keys(body, ("scan_id",), lang=lang)
    scan_id = inputs.scan_id(body.get("scan_id"), lang=lang)
    keeper, at = _keeper(request), now()
    try:
        answer = await ctx.write(
            lambda: keeper.undo(
                ctx.store,
                scan_id=scan_id,
                by=volunteer.name,
                anyone=volunteer.role == "lead",
                at=at,
            ),
            login=login,
        )
    except Forbidden as error:
        raise HTTPException(403, str(error)) from None
    except LookupError as error:
        raise HTTPException(404, str(error)) from None
    return JSONResponse(answer)


def live_counts(event: Event, store) -> dict:
    """``GET /api/v1/stats``: :func:`~kexie_plugins.qr_checkin.flow.stats` and who is inside
    each site now, from the counters (milliseconds, however many scans there are)."""
    return {**stats(store), "inside": inside_now(event, store, now())}


def live_stats(request: Request) -> JSONResponse:
    """``GET /api/v1/stats`` (a read: Starlette runs it in a worker thread)."""
    volunteer_of(request)
    ctx = context(request)
    return JSONResponse(live_counts(ctx.event, ctx.store))


def audience_labels(lang: str) -> dict[str, str]:
    """Short names of the audience groups for buttons."""
    return {
        "minors": pick(lang, "未成年人", "Minors"),
        "farmers": pick(lang, "农民", "Farmers"),
        "urban_workers": pick(lang, "城镇劳动者", "Urban workers"),
        "cadres": pick(lang, "干部和公务员", "Officials"),
        "others": pick(lang, "其他", "Others"),
    }


def page_route(event: Event) -> Route:
    """``GET /``: the volunteer page, rendered once in the event's language."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True)
    labels = audience_labels(event.lang)
    strings = PAGE_STRINGS[event.lang]
    # The gate list, grouped by site; a gate's name may recur at another site.
    sites = [
        {
            "id": site.id,
            "name": site.name,
            "gates": [
                {
                    "gate": gate,
                    "exit": gate in site.exits,
                    "label": gate + (strings["exit_gate"] if gate in site.exits else ""),
                }
                for gate in site.gates
            ],
        }
        for site in event.sites
        if site.gates
    ]
    html = env.get_template("page.html").render(
        event=event,
        audiences=[(a, labels[a]) for a in AUDIENCES],
        sites=sites,
        t=strings,
        limit=TAP_LIMIT,
        page_data={"t": strings, "sites": sites, "labels": labels, "limit": TAP_LIMIT},
    )

    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})

    return Route("/", page)


def routes(event: Event) -> list:
    """Every route of the check-in app, the live board's included."""
    from kexie_plugins.qr_checkin.board import routes as board_routes

    return [
        page_route(event),
        Mount("/static/qr-checkin", app=StaticFiles(directory=str(STATIC)), name="qr-static"),
        Route("/api/v1/checkins", checkins, methods=["POST"]),
        Route("/api/v1/headcounts", headcounts, methods=["POST"]),
        Route("/api/v1/undo", undo, methods=["POST"]),
        Route("/api/v1/stats", live_stats),
        *board_routes(event),
    ]
