"""Who is at the console: login by one-time link, session cookies, CSRF, the events one may see.

Mount it in a Starlette app with the routes and the middleware::

    accounts = open_accounts(root)
    app = Starlette(
        routes=[*console_auth_routes(accounts), ...console pages...],
        middleware=[Middleware(ConsoleAuth, accounts=accounts)],
    )

:class:`ConsoleAuth` checks every request under ``/console/`` before any route sees it, so a
page cannot forget to:

- **Log in.** Everything but the login page and the files under :data:`STATIC_PREFIX`
  (stylesheet, scripts) needs a session (the cookie
  :data:`SESSION_COOKIE`: HttpOnly, SameSite=Strict, Path=/console, Secure over https, which
  uvicorn's ``--trust-proxy`` handling makes true behind a TLS proxy). No session, or one that
  has ended: 401 and a page that says how to log in.
- **Refuse forged requests.** A POST, PUT, PATCH or DELETE must carry the session's CSRF token
  (:func:`csrf_token`): the form field ``csrf`` (in a ``multipart/form-data`` form, the first
  field) or the header ``X-CSRF-Token`` (htmx: ``hx-headers``). A browser's
  ``Sec-Fetch-Site`` must say ``same-origin``; without it, an ``Origin`` must name this host.
  Otherwise 403 and nothing is done. The login POST has no session yet: it is held to the
  origin check only.
- **Keep organisers to their events.** A path under :data:`EVENT_PREFIX`
  (``/console/events/{event_id}/...``) is refused with 403 unless the organiser may see that
  event; the answer is the same for an event that does not exist. Pages elsewhere call
  :func:`require_event` for each event they show.

Routes then read the organiser with :func:`organiser_of`. A login link opened with GET only
shows a button (chat apps fetch links to preview them, which must not use them up); the POST
uses the link, starts a session and redirects (303) to ``/console/``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from urllib.parse import parse_qsl, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from kexie_events.console import pages
from kexie_events.console.accounts import (
    LOGIN_PATH,
    SESSION_LIFETIME,
    Accounts,
    LinkRefused,
    Organiser,
)
from kexie_events.console.root import DEFAULT_LANG
from kexie_events.database import StoreUnavailable
from kexie_events.model import LANGUAGES

#: Every path of the console starts so; the session cookie is sent for these paths only.
PREFIX = "/console"
#: The console's home, where a login leads.
HOME = "/console/"
LOGOUT_PATH = "/console/logout"
LANGUAGE_PATH = "/console/language"
#: Paths under it name an event first: ``/console/events/{event_id}/...``.
EVENT_PREFIX = "/console/events/"
#: The console's stylesheet and scripts: served to anyone (the login page is styled too).
STATIC_PREFIX = "/console/static/"
SESSION_COOKIE = "kexie_console"
#: The form field and the header that carry the CSRF token.
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"
#: Largest URL-encoded form read to find its CSRF token (the event file's text editor posts
#: the whole file); a multipart upload is not read beyond its first field.
FORM_LIMIT = 1024 * 1024
#: Methods that change something: they need the CSRF token.
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_STATE_KEY = "kexie_organiser"
_CSRF_PURPOSE = b"kexie-console-csrf"
# The first part of a multipart body is read up to this size to find the CSRF field.
_FIRST_PART_LIMIT = 8 * 1024
_NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


class Refused(Exception):
    """A console request answered with a page saying why, in the reader's language.

    Raised by :func:`organiser_of` and :func:`require_event`; :class:`ConsoleAuth` turns it
    into the page (handlers need not catch it).

    Attributes:
        status: 401 (no login), 403 (not allowed, or a forged request), 400 or 410 (a login
            link that does not work), 413 (a form too large to check), 409 (another server
            changed the event at the same moment), 503 (the database cannot be reached, or
            a change made here is not shared yet).
        kind: which page: ``need_login``, ``forbidden``, ``csrf``, ``too_large``,
            ``conflict``, ``unavailable_db``, ``unsent`` or ``link_<reason>``.
        lang: the page's language, when known (else the ROOT's).
    """

    def __init__(self, status: int, kind: str, lang: str | None = None):
        self.status = status
        self.kind = kind
        self.lang = lang
        super().__init__(f"{status} {kind}")


def csrf_for(session_id: str) -> str:
    """The CSRF token of a session: derived from its secret id, so it changes with every login
    and one session's token is worthless in another's."""
    mac = hmac.new(session_id.encode(), _CSRF_PURPOSE, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def csrf_token(request: Request) -> str:
    """The CSRF token for forms and htmx requests of this request's session.

    Put it in every form as ``<input type="hidden" name="csrf" value="...">`` (first, in a
    file upload's form) or send it as the ``X-CSRF-Token`` header.
    """
    organiser_of(request)  # only a logged-in request has one
    return csrf_for(request.cookies[SESSION_COOKIE])


def organiser_in(scope) -> Organiser | None:
    """The organiser :class:`ConsoleAuth` let through for the request of ``scope``, if any."""
    return scope.get("state", {}).get(_STATE_KEY)


def organiser_of(request: Request) -> Organiser:
    """The organiser logged in for this request; :class:`Refused` (401) when none is.

    :class:`ConsoleAuth` has checked the session before the route runs.
    """
    organiser = organiser_in(request.scope)
    if organiser is None:
        raise Refused(401, "need_login")
    return organiser


def require_event(request: Request, event_id: str) -> Organiser:
    """The organiser, when they may see the event ``event_id``; :class:`Refused` (403) if not.

    The refusal is the same whether or not the event exists: an organiser learns nothing
    about other townships' events.
    """
    organiser = organiser_of(request)
    if not organiser.may_see(event_id):
        raise Refused(403, "forbidden", organiser.lang)
    return organiser


#: The refusals whose page leads back to the console's home.
_BACK_HOME = ("forbidden", "csrf", "too_large", "conflict", "unsent")


def refusal_page(refused: Refused, lang: str) -> HTMLResponse:
    """The page that answers ``refused``, in ``refused.lang`` or else ``lang``."""
    lang = refused.lang or lang
    words = pages.WORDS[lang]
    back = HOME if refused.kind in _BACK_HOME else None
    html = pages.render(
        "refused.html",
        lang,
        title=words[f"{refused.kind}_title"],
        message=words[refused.kind],
        back=back,
    )
    return HTMLResponse(html, status_code=refused.status, headers=_NO_STORE)


def _link_refusal(refused: LinkRefused) -> Refused:
    status = 400 if refused.reason == "unknown" else 410
    return Refused(status, f"link_{refused.reason}", refused.lang)


def _same_origin(request: Request) -> bool:
    """Whether a browser says the request comes from a page of this site.

    ``Sec-Fetch-Site`` (every current browser sends it) decides when present; older browsers
    send ``Origin``. A request with neither is not from a browser (no cookie to ride on).
    """
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site in ("same-origin", "none")  # "none": typed or bookmarked by the user
    origin = request.headers.get("origin")
    if origin is None:
        return True
    host = request.headers.get("host", "")
    return origin != "null" and urlsplit(origin).netloc.lower() == host.lower()


def _in_console(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


class ConsoleAuth:
    """ASGI middleware checking every request under ``/console/`` (see the module's text).

    Other paths pass untouched. A route's :class:`Refused` is answered with its page too.

    Arguments:
        accounts: the ROOT's accounts.
        event_prefix: paths under it begin with an event id the organiser must be allowed to
            see (``None`` to leave every check to :func:`require_event`).
    """

    def __init__(self, app, accounts: Accounts, event_prefix: str | None = EVENT_PREFIX):
        self.app = app
        self.accounts = accounts
        self.event_prefix = event_prefix

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not _in_console(scope["path"]):
            return await self.app(scope, receive, send)
        if scope["path"].startswith(STATIC_PREFIX) and scope["method"] in ("GET", "HEAD"):
            return await self.app(scope, receive, send)  # public files, no session needed
        request = Request(scope)
        lang = None
        try:
            unsafe = request.method in UNSAFE_METHODS
            if unsafe and not _same_origin(request):
                raise Refused(403, "csrf")
            if scope["path"] == LOGIN_PATH:
                return await self.app(scope, receive, send)
            session_id = request.cookies.get(SESSION_COOKIE, "")
            try:
                organiser = await run_in_threadpool(self.accounts.session, session_id)
            except StoreUnavailable:
                raise Refused(503, "unavailable_db") from None
            if organiser is None:
                raise Refused(401, "need_login")
            lang = organiser.lang
            if unsafe:
                given, receive = await _csrf_given(request, receive)
                if not hmac.compare_digest(given.encode(), csrf_for(session_id).encode()):
                    raise Refused(403, "csrf", lang)
            scope.setdefault("state", {})[_STATE_KEY] = organiser
            if self.event_prefix and scope["path"].startswith(self.event_prefix):
                require_event(request, scope["path"][len(self.event_prefix) :].split("/")[0])
        except Refused as refused:
            try:
                lang = lang or await run_in_threadpool(self._root_lang)
            except StoreUnavailable:
                lang = DEFAULT_LANG
            return await refusal_page(refused, lang)(scope, receive, send)
        await self._guarded(scope, receive, send, lang)

    async def _guarded(self, scope, receive, send, lang: str) -> None:
        """Run the route; a :class:`Refused` it raises before answering becomes its page."""
        started = False

        async def watched(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Refused as refused:
            if started:
                raise
            await refusal_page(refused, lang)(scope, receive, send)
        except StoreUnavailable:
            if started:
                raise
            await refusal_page(Refused(503, "unavailable_db"), lang)(scope, receive, send)

    def _root_lang(self) -> str:
        return self.accounts.lang


async def _csrf_given(request: Request, receive):
    """The CSRF token the request carries, and a ``receive`` that gives the route the whole
    body again (what was read to find the token, then the rest)."""
    header = request.headers.get(CSRF_HEADER.lower())
    if header:
        return header, receive
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        body, more = await _read(receive, FORM_LIMIT, None)
        if more or len(body) > FORM_LIMIT:
            raise Refused(413, "too_large")
        fields = parse_qsl(body.decode("latin-1"), keep_blank_values=True)
        given = next((value for key, value in fields if key == CSRF_FIELD), "")
        return given, _replay(body, more, receive)
    if kind == "multipart/form-data":
        boundary = _boundary(request.headers.get("content-type", ""))
        if boundary is None:
            return "", receive
        delimiter = b"\r\n--" + boundary
        body, more = await _read(receive, _FIRST_PART_LIMIT, delimiter)
        return _first_field(body, boundary, CSRF_FIELD), _replay(body, more, receive)
    return "", receive


async def _read(receive, limit: int, until: bytes | None) -> tuple[bytes, bool]:
    """The body's first bytes: all of it, or up to ``until`` found past the start, or past
    ``limit``; and whether more is to come."""
    chunks: list[bytes] = []
    size, more = 0, True
    while more and size <= limit:
        message = await receive()
        if message["type"] != "http.request":
            raise Refused(403, "csrf")  # the client went away
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        more = message.get("more_body", False)
        if until is not None and until in b"".join(chunks):
            break
    return b"".join(chunks), more


def _replay(body: bytes, more: bool, receive):
    """A ``receive`` that gives ``body`` first, then whatever ``receive`` gives."""
    pending = True

    async def replayed():
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": more}
        return await receive()

    return replayed


_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)
_FIELD_NAME = re.compile(rb'content-disposition:\s*form-data;\s*name="([^"]*)"', re.IGNORECASE)


def _boundary(content_type: str) -> bytes | None:
    found = _BOUNDARY.search(content_type)
    return found[1].encode("latin-1") if found else None


def _first_field(body: bytes, boundary: bytes, name: str) -> str:
    """The value of a multipart body's first part when it is the field ``name``, else ``""``."""
    opening = b"--" + boundary + b"\r\n"
    if not body.startswith(opening):
        return ""
    head_end = body.find(b"\r\n\r\n", len(opening))
    if head_end < 0:
        return ""
    named = _FIELD_NAME.search(body[len(opening) : head_end])
    if named is None or named[1] != name.encode():
        return ""
    value_end = body.find(b"\r\n--" + boundary, head_end + 4)
    if value_end < 0:
        return ""
    return body[head_end + 4 : value_end].decode("latin-1")


def _session_cookie(response: Response, request: Request, session_id: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path=PREFIX,
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )


async def _form(request: Request) -> dict[str, str]:
    """The fields of a small URL-encoded form (the login, logout and language buttons)."""
    body = await request.body()
    if len(body) > FORM_LIMIT:
        raise Refused(413, "too_large")
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


def console_auth_routes(accounts: Accounts) -> list[Route]:
    """The routes of logging in and out, and of choosing the console's language.

    - ``GET /console/login?token=...``: whose link it is and a button (uses nothing up);
      without a token, how to log in. A link that does not work: its page, 400 or 410.
    - ``POST /console/login`` (``token``): uses the link, sets the session cookie, 303 to
      ``/console/``. A session this browser had ends.
    - ``POST /console/logout``: ends the session, clears the cookie, 303 to the login page.
    - ``POST /console/language`` (``lang``: ``zh`` or ``en``): remembered on the account;
      303 back to ``/console/``.
    """

    async def login_page(request: Request) -> Response:
        token = request.query_params.get("token", "")
        if not token:
            lang = await run_in_threadpool(lambda: accounts.lang)
            html = pages.render(
                "login.html",
                lang,
                organiser=None,
                logged_out="out" in request.query_params,
            )
            return HTMLResponse(html, headers=_NO_STORE)
        try:
            organiser = await run_in_threadpool(accounts.link_holder, token)
        except LinkRefused as refused:
            if refused.reason == "used":
                # A link opened again in a browser it already logged in: go on to the console.
                session_id = request.cookies.get(SESSION_COOKIE, "")
                current = await run_in_threadpool(accounts.session, session_id)
                if current is not None and current.name == refused.name:
                    return RedirectResponse(HOME, status_code=303, headers=_NO_STORE)
            return refusal_page(_link_refusal(refused), refused.lang)
        html = pages.render(
            "login.html", organiser.lang, organiser=organiser, token=token, login_path=LOGIN_PATH
        )
        return HTMLResponse(html, headers=_NO_STORE)

    async def login(request: Request) -> Response:
        token = (await _form(request)).get("token", "")
        try:
            session = await run_in_threadpool(accounts.redeem, token)
        except LinkRefused as refused:
            return refusal_page(_link_refusal(refused), refused.lang)
        previous = request.cookies.get(SESSION_COOKIE)
        if previous:  # one browser, one session: the one it had ends
            await run_in_threadpool(accounts.end_session, previous)
        response = RedirectResponse(HOME, status_code=303, headers=_NO_STORE)
        _session_cookie(response, request, session.id)
        return response

    async def logout(request: Request) -> Response:
        await run_in_threadpool(accounts.end_session, request.cookies.get(SESSION_COOKIE, ""))
        response = RedirectResponse(f"{LOGIN_PATH}?out", status_code=303, headers=_NO_STORE)
        response.delete_cookie(
            SESSION_COOKIE,
            path=PREFIX,
            secure=request.url.scheme == "https",
            httponly=True,
            samesite="strict",
        )
        return response

    async def language(request: Request) -> Response:
        organiser = organiser_of(request)
        lang = (await _form(request)).get("lang", "")
        if lang in LANGUAGES:
            await run_in_threadpool(
                lambda: accounts.set_lang(organiser.name, lang, by=organiser.name)
            )
        return RedirectResponse(HOME, status_code=303, headers=_NO_STORE)

    return [
        Route(LOGIN_PATH, login_page, methods=["GET"]),
        Route(LOGIN_PATH, login, methods=["POST"]),
        Route(LOGOUT_PATH, logout, methods=["POST"]),
        Route(LANGUAGE_PATH, language, methods=["POST"]),
    ]
