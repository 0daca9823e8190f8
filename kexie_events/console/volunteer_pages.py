"""Volunteers' logins in the console: giving them, taking them back, showing one as a QR code.

- ``GET /console/events/{id}/volunteers``: the volunteers who can log in, and the form to add
  one (``kexie volunteers list``).
- ``POST .../volunteers/add`` (``name``, ``role``, ``site``, ``gate``): ``kexie volunteers
  add``; then the new login is shown.
- ``POST .../volunteers/revoke`` (``name``): ``kexie volunteers revoke``; the login stops
  working at once.
- ``GET .../volunteers/login?name=...``: ``kexie volunteers link``: the login link and its QR
  code on the screen, for the volunteer to scan with their phone. Never cached.

Where the link points (:func:`login_link`): the server the organiser's browser reached, at the
event's own pages on it (``/e/{id}/`` for an event of a year's folder). When the browser came
from this computer (``127.0.0.1``) a phone cannot use that address, so the address the running
``kexie serve`` announces for phones is taken instead, and without one the page says how to
start the server so that phones reach it.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import unquote

import attrs
from starlette.responses import Response
from starlette.routing import Route

from kexie_events import inputs
from kexie_events import volunteers as logins
from kexie_events.console.event_access import served_at
from kexie_events.console.event_pages import EventPages, PageProblem, Visit, event_route
from kexie_events.console.ops_words import role_name
from kexie_events.inputs import NAME_LIMIT


@attrs.frozen
class LoginLink:
    """Where a volunteer's login link points.

    Attributes:
        url: the link (the token is after ``#login=``, so it never reaches a server's log).
        local: the link names this computer (``127.0.0.1``): a phone cannot open it.
    """

    url: str
    local: bool

    @property
    def readable(self) -> str:
        """The link as a person reads it: an event's Chinese name in its own letters, not
        ``%E7%BB%BF...`` (browsers and chat apps accept either; the QR code carries ``url``)."""
        return unquote(self.url)


def _is_local(host: str) -> bool:
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def login_link(visit: Visit, role: str, token: str) -> LoginLink:
    """The link that logs a volunteer in on their phone (see the module's text)."""
    page = "board" if role == "board" else ""
    url = visit.request.url
    local = _is_local(url.hostname or "")
    if local:
        server = logins.running_server(visit.event.folder)
        if server is not None and server.phone_url:
            base = server.phone_url.rstrip("/") + "/"
            return LoginLink(f"{base}{page}#login={token}", False)
    base = f"{url.scheme}://{url.netloc}{served_at(visit.root, visit.event_id)}/"
    return LoginLink(f"{base}{page}#login={token}", local)


def _sites(visit: Visit) -> list[dict]:
    return [{"id": s.id, "name": s.name, "gates": list(s.gates)} for s in visit.event.sites]


def volunteers_page(visit: Visit, *, status: int = 200, **shown) -> Response:
    """The list and the form; ``shown`` adds ``errors`` by field and the ``values`` typed."""
    sites = {site.id: site.name for site in visit.event.sites}
    active = [
        {
            "name": v.name,
            "role": role_name(v.role, visit.lang),
            "site": sites.get(v.site, v.site or ""),
            "gate": v.gate or "",
        }
        for v in logins.active(visit.store)
    ]
    planned = [v.name for v in visit.event.volunteers]
    revoked = visit.request.query_params.get("revoked", "")
    return visit.render(
        "ops/volunteers.html",
        status=status,
        title=visit.words["volunteers_title"],
        current="volunteers",
        notice=visit.words["login_revoked"].format(name=revoked) if revoked else "",
        active=active,
        planned=[name for name in planned if name not in {v["name"] for v in active}],
        roles=[(role, role_name(role, visit.lang)) for role in logins.ROLES],
        sites=_sites(visit),
        errors=shown.get("errors", {}),
        values=shown.get("values", {"role": "scanner"}),
        name_limit=NAME_LIMIT,
    )


def show_volunteers(visit: Visit) -> Response:
    """``GET .../volunteers``."""
    return volunteers_page(visit)


def add(visit: Visit) -> Response:
    """``POST .../volunteers/add``: a new login, then its link and QR code."""
    words = visit.words
    values = {key: visit.field(key) for key in ("name", "role", "site", "gate")}
    errors = {}
    name = values["name"]
    try:  # the same check the login's name gets, in the organiser's language
        inputs.text(name, "name", lang=visit.lang, label=words["volunteer_name"], limit=NAME_LIMIT)
    except inputs.InputError as refused:
        errors["name"] = str(refused)
    else:
        if name in {v.name for v in logins.active(visit.store)}:
            errors["name"] = words["volunteer_has_login"].format(name=name)
    if values["role"] not in logins.ROLES:
        errors["role"] = words["choose_from_list"]
    site = values["site"] or None
    gate = values["gate"] or None
    sites = visit.event.sites
    if site is not None and site not in {s.id for s in sites}:
        errors["site"] = words["choose_from_list"]
    elif gate is not None and gate not in {
        g for s in sites if site in (None, s.id) for g in s.gates
    }:
        errors["gate"] = words["gate_not_at_site"]
    if errors:
        return volunteers_page(visit, status=422, errors=errors, values=values)
    logins.add(visit.store, name, role=values["role"], by=visit.by, site=site, gate=gate)
    return visit.redirect("volunteers/login", name=name)


def revoke(visit: Visit) -> Response:
    """``POST .../volunteers/revoke``: the login stops working at once."""
    name = visit.field("name")
    if name not in {v.name for v in logins.active(visit.store)}:
        raise PageProblem(404, "no_login", name=name)
    logins.revoke(visit.store, name, by=visit.by)
    return visit.redirect("volunteers", revoked=name)


def show_login(visit: Visit) -> Response:
    """``GET .../volunteers/login?name=...``: the login link and its QR code."""
    from kexie_events import qr
    from kexie_events.errors import KexieError

    name = visit.request.query_params.get("name", "")
    if name not in {v.name for v in logins.active(visit.store)}:
        raise PageProblem(404, "no_login", name=name)
    try:
        volunteer, token = logins.token_of(visit.store, name)
    except KexieError:
        raise PageProblem(409, "login_not_shown", name=name) from None
    link = login_link(visit, volunteer.role, token)
    sites = {site.id: site.name for site in visit.event.sites}
    return visit.render(
        "ops/volunteer_login.html",
        title=visit.words["login_title"].format(name=volunteer.name),
        current="volunteers",
        notice="",
        volunteer=volunteer,
        role=role_name(volunteer.role, visit.lang),
        site=sites.get(volunteer.site, volunteer.site or ""),
        link=link,
        scan_this=visit.words["scan_this_board" if volunteer.role == "board" else "scan_this"],
        qr_svg=qr.svg(link.url, size="18rem", version=None),
    )


def routes(pages_of: EventPages) -> list[Route]:
    """The volunteers' page, its forms and the login display."""
    return [
        event_route(pages_of, "volunteers", show_volunteers),
        event_route(pages_of, "volunteers/add", add, methods=("POST",)),
        event_route(pages_of, "volunteers/revoke", revoke, methods=("POST",)),
        event_route(pages_of, "volunteers/login", show_login),
    ]
