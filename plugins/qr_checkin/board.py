"""The live board: one page for a projector or a TV in the command tent, read from 10 metres.

``GET /board`` is the page; ``GET /api/v1/board`` its figures, polled every two seconds:
people in so far (by site and gate), inside now against capacity, arrivals per 10 minutes, and
the tiles other plugins add (``kexie_board_tiles``: glasses left, open critical checklist
items, incidents). Any login may read it; a login made with ``--role board`` may do nothing
else (the core answers its every POST with 403), so the token on a public screen records
nothing.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route

from kexie_events.i18n import count_text, pick, term, time_text
from kexie_events.model import Event
from kexie_events.records import BoardTile
from kexie_events.store import now
from kexie_events.web import context, volunteer_of
from kexie_plugins.qr_checkin.flow import arrivals, inside_now, stats

TEMPLATES = Path(__file__).parent / "templates"
#: How often the board asks for new figures, in milliseconds (the issue asks for 3 s at most).
POLL_MS = 2000


def board_strings(lang: str) -> dict[str, str]:
    """Everything the board says, in the event's language."""
    strings = {
        "title": pick(lang, "现场实时看板", "Live board"),
        "total": pick(lang, "累计入场（人次）", "In so far (person-times)"),
        "admitted": term("admitted", lang, capital=True),
        "walk_ins": term("walk_in", lang, many=True, capital=True),
        "exits": term("exit", lang, many=True, capital=True),
        "inside": term("inside", lang, capital=True),
        "by_site": pick(lang, "各场地", "By site"),
        "arrivals": pick(lang, "每10分钟入场人次", "Arrivals per 10 minutes"),
        "updated": pick(lang, "更新于 {time}", "updated {time}"),
        "offline": pick(
            lang,
            "连不上服务器，自 {time} 起显示的是最后收到的数字",
            "Offline since {time}: these are the last numbers received",
        ),
        "login_help": pick(
            lang,
            "请打开负责人发给您的看板登录链接，或在下面粘贴登录码。",
            "Open the board login link from your lead, or paste the login code below.",
        ),
        "token": pick(lang, "登录码", "Login code"),
        "log_in": pick(lang, "登录", "Log in"),
        "login_withdrawn": pick(lang, "登录已被收回", "The login was withdrawn"),
        "level_near": pick(lang, "接近容量", "near capacity"),
        "level_full": pick(lang, "已满", "full"),
        "exit_gate": pick(lang, "（出口）", " (exit)"),
    }
    return strings


def figures(event: Event, store, plugins) -> dict:
    """What the board shows, as JSON: ``GET /api/v1/board``."""
    moment = now()
    counts = stats(store)
    inside = inside_now(event, store, moment)
    lang = event.lang
    sites = []
    for site in event.sites:
        in_site = counts["by_site"].get(site.id, {"admitted": 0, "walk_ins": 0})
        gates = []
        for gate in site.gates:
            # A gate's name may recur at another site: by_gate adds those up, so a gate is
            # shown with its own site's figures only when its name is the site's alone.
            shared = sum(gate in other.gates for other in event.sites) > 1
            bucket = counts["by_gate"].get(gate, {"admitted": 0, "walk_ins": 0})
            gates.append(
                {
                    "gate": gate,
                    "exit": gate in site.exits,
                    "in": None if shared else bucket["admitted"] + bucket["walk_ins"],
                    "out": None if shared else counts["exits"]["by_gate"].get(gate, 0),
                }
            )
        sites.append(
            {
                "id": site.id,
                "name": site.name,
                "total": in_site["admitted"] + in_site["walk_ins"],
                "exits": counts["exits"]["by_site"].get(site.id, 0),
                **inside["by_site"].get(site.id, {"inside": 0, "capacity": None, "level": "ok"}),
                "gates": gates,
            }
        )
    tiles = sorted(
        plugins.collect("kexie_board_tiles", BoardTile, unique_by="id", event=event, store=store),
        key=lambda tile: (tile.order, tile.id),
    )
    local = moment.astimezone(event.tz)
    return {
        "at": local.isoformat(),
        "clock": time_text(local),
        "total": counts["total"],
        "total_text": count_text(counts["total"], lang),
        "admitted": counts["admitted"],
        "walk_ins": counts["walk_ins"],
        "exits": counts["exits"]["total"],
        "inside": inside["total"],
        "sites": sites,
        "arrivals": arrivals(event, store, moment),
        "tiles": [
            {
                "id": tile.id,
                "label": tile.label,
                "value": tile.value,
                "detail": list(tile.detail),
                "level": tile.level,
            }
            for tile in tiles
        ],
    }


def board_data(request: Request) -> JSONResponse:
    """``GET /api/v1/board``: the board's figures, for any login (read from the counters;
    Starlette runs it in a worker thread)."""
    volunteer_of(request)
    ctx = context(request)
    figures_now = figures(ctx.event, ctx.store, ctx.plugins)
    return JSONResponse(figures_now, headers={"Cache-Control": "no-store"})


def board_route(event: Event) -> Route:
    """``GET /board``: the page, rendered once in the event's language (figures come by JS)."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True)
    strings = board_strings(event.lang)
    html = env.get_template("board.html").render(
        event=event, t=strings, data={"t": strings, "poll": POLL_MS}
    )

    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})

    return Route("/board", page)


def routes(event: Event) -> list:
    """The board's page and its figures."""
    return [board_route(event), Route("/api/v1/board", board_data)]
