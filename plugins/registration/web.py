"""The public sign-up routes under ``/r/``: no login, the event's language, nothing third-party.

Pages (HTML, one style sheet and one script from ``/r/static/``, no inline script):

- ``GET /r/``: the form, with the seats left per slot.
- ``GET /r/m/{secret}``: the person's own page: the QR tickets (the same signed codes the
  volunteers scan), the place on the waiting list, cancelling. The secret is the key.

API (JSON; errors are ``{"error": text, "field" | "reason": ...}`` in the event's language):

- ``GET /r/api/v1/challenge`` → ``{"token", "bits"}`` (see :mod:`.challenge`).
- ``POST /r/api/v1/registrations`` ``{"name", "phone", "email", "audience", "slot", "party",
  "answers", "challenge": {"token", "answer"}}`` → 201 ``{"status": "confirmed" |
  "waitlisted", "ticket": {"number", "code"} | null, "tickets": [...], "position": N | null,
  "manage_url"}``; 400 naming the field; 409 with a ``reason`` (``full``, ``phone_limit``,
  ``not_open``, ``closed``, ``over``); 429 over the per-address limit.
- ``GET /r/api/v1/registrations/{secret}`` → the same answer, as it stands now.
- ``POST /r/api/v1/registrations/{secret}/cancel`` → ``{"status": "cancelled"}``.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import time
from pathlib import Path
from urllib.parse import quote

import attrs
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from kexie_events import inputs, qr
from kexie_events.i18n import count_text, date_text, moment_text, pick
from kexie_events.model import Event
from kexie_events.store import now
from kexie_events.web import WebContext, context, json_body
from kexie_plugins.qr_checkin import tickets as ticket_book
from kexie_plugins.registration import ledger, notify
from kexie_plugins.registration.challenge import ChallengeError, Challenges, challenge_key
from kexie_plugins.registration.config import RegistrationConfig, Slot
from kexie_plugins.registration.form import audiences, labels, read_form
from kexie_plugins.registration.ratelimit import RateLimit
from kexie_plugins.registration.strings import PAGE_STRINGS

STATIC = Path(__file__).parent / "static"
TEMPLATES = Path(__file__).parent / "templates"
#: Challenges may be fetched this many times as often as sign-ups (reloads, retries).
CHALLENGE_SCALE = 3
_SECRET = re.compile(r"[A-Za-z0-9_-]{16,64}")
log = logging.getLogger(__name__)


@attrs.define
class Public:
    """What the public routes share: the settings, the challenges, the rate limit, the pages."""

    event: Event
    config: RegistrationConfig
    challenges: Challenges
    limits: RateLimit
    pages: object  # a jinja2 Environment

    def window(self, at: dt.datetime) -> str:
        """``not_open``, ``open`` or ``closed``."""
        if self.config.opens is not None and at < self.config.opens:
            return "not_open"
        return "closed" if at >= self.config.closes else "open"


def _root(request: Request) -> str:
    """Where the server serves the event: ``""`` at its top, ``/e/{id}`` in a year (encoded)."""
    return quote(request.scope.get("root_path", ""))


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _refusal(status: int, message: str, reason: str, **extra) -> JSONResponse:
    return JSONResponse({"error": message, "reason": reason, **extra}, status_code=status)


def _too_many(lang: str, wait: float) -> JSONResponse:
    seconds = math.ceil(wait)
    return JSONResponse(
        {
            "error": pick(
                lang, f"提交太频繁，请{seconds}秒后再试", f"too many tries; wait {seconds} s"
            ),
            "reason": "rate_limit",
            "retry_after": seconds,
        },
        status_code=429,
        headers={"Retry-After": str(seconds)},
    )


def _deliver(ctx: WebContext, config: RegistrationConfig) -> BackgroundTask:
    """Send what the change queued, after the answer has gone out."""

    def deliver() -> None:
        try:
            notify.deliver_pending(ctx.event, ctx.store, ctx.plugins, config, run=ctx.run)
        except Exception:  # the messages stay queued; the next change or remind sends them
            log.exception("sending sign-up messages failed")

    return BackgroundTask(deliver)


def answer(ctx: WebContext, config: RegistrationConfig, registration: ledger.Registration) -> dict:
    """The API's view of a sign-up: its status, tickets (with their codes) and manage link."""
    numbers = list(registration.tickets) if registration.status == "confirmed" else []
    codes = ticket_book.signer_for(ctx.event, ctx.store).codes(numbers) if numbers else []
    tickets = [{"number": n, "code": c} for n, c in zip(numbers, codes, strict=True)]
    return {
        "status": registration.status,
        "ticket": tickets[0] if tickets else None,
        "tickets": tickets,
        "position": registration.position,
        "slot": registration.slot,
        "party": registration.party,
        "manage_url": notify.manage_url(config, registration),
    }


def _slot_view(public: Public, slot: Slot, counts: dict, at: dt.datetime) -> dict:
    lang, t = public.event.lang, PAGE_STRINGS[public.event.lang]
    taken = counts.get(slot.id, ledger.SlotCounts()).confirmed_people
    left = max(0, slot.capacity - taken)
    if at >= slot.end:
        state, note = "over", t["over"]
    elif left:
        key = "seat_left" if left == 1 else "seats_left"
        state, note = "open", t[key].format(n=count_text(left, lang))
    elif public.config.waitlist:
        state, note = "waitlist", t["full_waitlist"]
    else:
        state, note = "full", t["full"]
    return {
        "id": slot.id,
        "label": slot.label,
        "when": notify.when_text(slot, public.event),
        "state": state,
        "note": note,
    }


def _consent(event: Event, config: RegistrationConfig) -> str:
    lang, t = event.lang, PAGE_STRINGS[event.lang]
    names = labels(lang)
    asked = [names[f] for f in ("name", "phone", "email", "audience") if config.asks(f)]
    if lang == "zh":
        items = "、".join(asked) or "报名信息"
    elif asked:
        items = ", ".join(asked[:-1]) + (" and " if len(asked) > 1 else "") + asked[-1]
    else:
        items = "answers"
    if asked and config.questions:
        items += t["items_more"]
    until = event.privacy.kept_until(event.end)
    return t["consent"].format(
        items=items, days=event.privacy.retain_days, until=date_text(until, lang)
    )


def _audience_options(event: Event) -> list[tuple[str, str]]:
    from kexie_events.report import audience_label

    labels = [(a, audience_label(a, event.lang)) for a in audiences(event)]
    return [(a, label[:1].upper() + label[1:]) for a, label in labels]


def routes(event: Event, config: RegistrationConfig) -> list:
    """Every public route of the sign-up."""
    import jinja2

    pages = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True, trim_blocks=True
    )
    public = Public(
        event,
        config,
        Challenges(challenge_key(event.folder)),
        RateLimit(config.per_address_per_minute),
        pages,
    )
    lang, t = event.lang, PAGE_STRINGS[event.lang]
    sites = {site.id: site for site in event.sites}

    def render(template: str, root: str, **values) -> str:
        """``template`` for a server that serves the event at ``root`` (``""``, ``/e/{id}``)."""
        return pages.get_template(template).render(
            event=event, config=config, t=t, names=labels(lang), root=root, **values
        )

    async def signup_page(request: Request) -> HTMLResponse:
        ctx = context(request)
        root = _root(request)

        def work() -> str:
            at = now()
            counts = ledger.slot_counts(ctx.store)
            return render(
                "signup.html",
                root,
                window=public.window(at),
                opens=moment_text(config.opens.astimezone(event.tz), lang) if config.opens else "",
                closes=moment_text(config.closes.astimezone(event.tz), lang),
                slots=[_slot_view(public, slot, counts, at) for slot in config.slots],
                audiences=_audience_options(event),
                consent=_consent(event, config),
                place=notify.place_text(event, config.slots[0].site) if len(sites) == 1 else "",
                event_when=notify.when_text(None, event),
            )

        return HTMLResponse(await run_in_threadpool(work), headers={"Cache-Control": "no-store"})

    async def manage_page(request: Request) -> HTMLResponse:
        ctx = context(request)
        secret = request.path_params["secret"]
        root = _root(request)

        def work() -> tuple[int, str]:
            try:
                registration = _find(ctx, secret)
            except HTTPException:
                return 404, render("manage.html", root, registration=None)
            view = answer(ctx, config, registration)
            slot = config.slot(registration.slot)
            tickets = []
            for index, ticket in enumerate(view["tickets"], start=1):
                modules = qr.matrix(ticket["code"])
                tickets.append(
                    {
                        **ticket,
                        "svg": qr.svg(ticket["code"], size="100%"),
                        "modules": "".join("1" if m else "0" for row in modules for m in row),
                        "side": len(modules),
                        "of": t["ticket_of"].format(i=index, n=len(view["tickets"])),
                    }
                )
            return 200, render(
                "manage.html",
                root,
                registration=registration,
                tickets=tickets,
                when=notify.when_text(slot, event),
                place=notify.place_text(event, registration.site),
                slot_label=slot.label if slot else registration.slot,
            )

        status, html = await run_in_threadpool(work)
        return HTMLResponse(
            html,
            status_code=status,
            headers={"Cache-Control": "no-store", "X-Robots-Tag": "noindex"},
        )

    async def over_limit(request: Request, kind: str, scale: int = 1) -> JSONResponse | None:
        """The 429 answer when the client's address is over its limit for ``kind``."""
        ctx, address = context(request), _address(request)
        wait = await ctx.write(lambda: public.limits.hit(ctx.store, kind, address, scale=scale))
        return _too_many(lang, wait) if wait else None

    async def challenge(request: Request) -> JSONResponse:
        refused = await over_limit(request, "challenge", CHALLENGE_SCALE)
        if refused:
            return refused
        return JSONResponse(public.challenges.issue(), headers={"Cache-Control": "no-store"})

    def _unmet(expired: bool) -> inputs.InputError:
        return inputs.InputError(
            "challenge",
            pick(
                lang,
                "页面停留太久，请重新提交" if expired else "页面需要刷新，请重新提交",
                "the page waited too long; send it again"
                if expired
                else "reload the page and send it again",
            ),
        )

    async def register(request: Request) -> JSONResponse:
        refused = await over_limit(request, "signup")
        if refused:
            return refused
        ctx = context(request)
        at = now()
        window = public.window(at)
        if window != "open":
            message = (
                pick(lang, "报名还没有开始", "sign-up has not opened yet")
                if window == "not_open"
                else pick(lang, "报名已经截止", "sign-up has closed")
            )
            return _refusal(409, message, window)
        body = await json_body(request)
        form = read_form(event, config, body)
        slot = config.slot(form.slot)
        if at >= slot.end:
            over = pick(lang, f"{slot.label}已经结束", f"{slot.label} is over")
            return _refusal(409, over, "over")
        sent = body.get("challenge")
        sent = sent if isinstance(sent, dict) else {}
        try:
            proof = public.challenges.check(sent.get("token"), sent.get("answer"))
        except ChallengeError as error:
            raise _unmet(expired=str(error) == "expired") from None
        first_use = await ctx.write(
            lambda: ledger.spend_challenge(ctx.store, proof.nonce, proof.expires, int(time.time()))
        )
        if not first_use:
            raise _unmet(expired=False)
        base = request.base_url  # with the path the event is served at (/e/{id}), encoded
        origin = str(base.replace(path=quote(base.path))).rstrip("/")

        def work() -> dict:
            change = ctx.run(
                lambda: ledger.sign_up(event, ctx.store, config, form, origin=origin, at=at)
            )
            return answer(ctx, config, change.registration)

        try:
            result = await run_in_threadpool(work)
        except ledger.Refused as refused:
            return _refusal(409, str(refused), refused.reason)
        return JSONResponse(result, status_code=201, background=_deliver(ctx, config))

    def _find(ctx: WebContext, secret: str) -> ledger.Registration:
        found = None
        if _SECRET.fullmatch(secret):
            found = ledger.find(ctx.store, secret)
        if found is None:
            raise HTTPException(404, t["not_found"])
        return found

    async def show(request: Request) -> JSONResponse:
        ctx = context(request)

        def work() -> dict:
            registration = _find(ctx, request.path_params["secret"])
            return answer(ctx, config, registration)

        return JSONResponse(await run_in_threadpool(work), headers={"Cache-Control": "no-store"})

    async def cancel(request: Request) -> JSONResponse:
        refused = await over_limit(request, "cancel")
        if refused:
            return refused
        ctx = context(request)

        def work() -> dict:
            registration = _find(ctx, request.path_params["secret"])
            ctx.run(
                lambda: ledger.cancel(
                    event, ctx.store, config, registration.id, by="self", reason="cancelled online"
                )
            )
            return {"status": "cancelled"}

        try:
            result = await run_in_threadpool(work)
        except ledger.Refused as refused:
            return _refusal(409, str(refused), refused.reason)
        return JSONResponse(result, background=_deliver(ctx, config))

    async def to_page(request: Request) -> RedirectResponse:
        return RedirectResponse(f"{_root(request)}/r/", status_code=308)

    return [
        Route("/r", to_page),
        Route("/r/", signup_page),
        Route("/r/m/{secret}", manage_page),
        Mount("/r/static", app=StaticFiles(directory=str(STATIC)), name="registration-static"),
        Route("/r/api/v1/challenge", challenge),
        Route("/r/api/v1/registrations", register, methods=["POST"]),
        Route("/r/api/v1/registrations/{secret}", show),
        Route("/r/api/v1/registrations/{secret}/cancel", cancel, methods=["POST"]),
    ]
