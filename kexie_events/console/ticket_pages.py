"""Tickets in the console: issuing, importing registrations, revoking, the list, the sheets.

- ``GET /console/events/{id}/tickets[?page=N]``: the counts, the forms, the printable sheets
  and the tickets, :data:`PAGE_SIZE` a page.
- ``POST .../tickets/issue`` (``count``, ``site``, ``audience``): ``kexie tickets issue``.
- ``POST .../tickets/import`` (multipart: ``csrf``, ``file``): ``kexie tickets import``, one
  ticket per registration; a file with any bad row is refused whole, its problems by row.
- ``POST .../tickets/revoke`` (``number``, ``reason``): ``kexie tickets revoke``.
- ``GET .../tickets/sheets/{n}``: the n-th file of A4 sheets, the same file the kit prints
  (``tickets/sheets-00n.html``: 500 valid tickets, ten a page).

A form with a mistake comes back with the mistake beside its field (422) and nothing done;
everything done is recorded with the organiser as ``by``.
"""

from __future__ import annotations

import math

from starlette.responses import Response
from starlette.routing import Route

from kexie_events.console.event_pages import NO_STORE, EventPages, PageProblem, Visit, event_route
from kexie_events.model import AUDIENCES
from kexie_events.table_import import MAX_ROWS, MAX_SHOWN, ImportRefused

QR_CHECKIN = "qr-checkin"
PAGE_SIZE = 100
#: Most tickets issued at once: as many as an import may hold.
MOST_AT_ONCE = MAX_ROWS


def _uses_tickets(visit: Visit) -> None:
    if QR_CHECKIN not in visit.event.configs:
        raise PageProblem(404, "no_tickets")


def number_text(number: int) -> str:
    """A ticket's number as printed on it: ``000123``."""
    return f"{number:06d}"


def tickets_page(visit: Visit, *, status: int = 200, **shown) -> Response:
    """The tickets page; ``shown`` adds ``errors`` by field, the ``values`` typed, or an
    import's ``problems``."""
    from kexie_events.report import audience_label
    from kexie_plugins.qr_checkin import ledger
    from kexie_plugins.qr_checkin.sheets import PER_FILE
    from kexie_plugins.qr_checkin.tickets import listing

    _uses_tickets(visit)
    lang, event = visit.lang, visit.event
    found = listing(visit.store)
    with visit.store.reading() as db:
        reasons = {number: (by, reason) for number, _at, by, reason in ledger.revocation_rows(db)}
    printable = [t.number for t in found if t.status != "revoked"]  # as the sheets print them
    pages = max(1, math.ceil(len(found) / PAGE_SIZE))
    page = _page_number(visit.request.query_params.get("page", ""), pages)
    sites = {site.id: site.name for site in event.sites}
    shown_tickets = [
        {
            "number": number_text(ticket.number),
            "site": sites.get(ticket.site, ticket.site) if ticket.site else visit.words["any_site"],
            "audience": (
                audience_label(ticket.audience, lang)
                if ticket.audience
                else visit.words["any_audience"]
            ),
            "status": visit.words[f"ticket_{ticket.status}"],
            "revoked": reasons.get(ticket.number),
        }
        for ticket in found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    ]
    sheets = [
        (index, number_text(part[0]), number_text(part[-1]), len(part))
        for index, part in enumerate(
            (printable[i : i + PER_FILE] for i in range(0, len(printable), PER_FILE)), start=1
        )
    ]
    counts = {
        "issued": len(found),
        "valid": sum(t.status != "revoked" for t in found),
        "revoked": sum(t.status == "revoked" for t in found),
        "admitted": sum(t.status == "admitted" for t in found),
    }
    return visit.render(
        "ops/tickets.html",
        status=status,
        title=visit.words["tickets_title"],
        current="tickets",
        notice=_notice(visit),
        counts=counts,
        tickets=shown_tickets,
        page=page,
        pages=pages,
        sheets=sheets,
        sites=list(sites.items()),
        audiences=[(key, audience_label(key, lang)) for key in AUDIENCES],
        errors=shown.get("errors", {}),
        values=shown.get("values", {}),
        problems=sorted(shown.get("problems", ()), key=lambda p: (p.line is not None, p.line or 0)),
        file_name=shown.get("file_name", ""),
        shown_limit=MAX_SHOWN,
        most=MOST_AT_ONCE,
    )


def _page_number(text: str, pages: int) -> int:
    return min(max(int(text), 1), pages) if text.isdigit() else 1


def _notice(visit: Visit) -> str:
    query, words = visit.request.query_params, visit.words
    if query.get("issued", "").count("-") == 1:
        first, last = query["issued"].split("-")
        return words["issued"].format(first=first, last=last)
    if query.get("revoked", "").isdigit():
        return words["revoked_ticket"].format(number=query["revoked"])
    return ""


def show_tickets(visit: Visit) -> Response:
    """``GET .../tickets``."""
    return tickets_page(visit)


def issue(visit: Visit) -> Response:
    """``POST .../tickets/issue``: issue anonymous tickets."""
    from kexie_plugins.qr_checkin import tickets as ticket_book

    _uses_tickets(visit)
    words = visit.words
    values = {key: visit.field(key) for key in ("count", "site", "audience")}
    errors = {}
    count = int(values["count"]) if values["count"].isdigit() else 0
    if not 1 <= count <= MOST_AT_ONCE:
        errors["count"] = words["count_range"].format(most=MOST_AT_ONCE)
    site = values["site"] or None
    if site is not None and site not in {s.id for s in visit.event.sites}:
        errors["site"] = words["choose_from_list"]
    audience = values["audience"] or None
    if audience is not None and audience not in AUDIENCES:
        errors["audience"] = words["choose_from_list"]
    if errors:
        return tickets_page(visit, status=422, errors=errors, values=values)
    numbers = ticket_book.issue(
        visit.event, visit.store, count, by=visit.by, site=site, audience=audience
    )
    issued = f"{number_text(numbers.start)}-{number_text(numbers.stop - 1)}"
    return visit.redirect("tickets", issued=issued)


def import_registrations(visit: Visit) -> Response:
    """``POST .../tickets/import``: one ticket per registration of the uploaded file."""
    from kexie_plugins.qr_checkin import tickets as ticket_book

    _uses_tickets(visit)
    lang = visit.event.lang
    with visit.uploaded() as upload:
        if upload is None:
            errors = {"file": visit.words["choose_file"]}
            return tickets_page(visit, status=422, errors=errors)
        path, name = upload
        try:
            people = ticket_book.read_registrations(visit.event, path, lang=lang)
            numbers = ticket_book.import_registrations(
                visit.event, visit.store, people, by=visit.by, lang=lang
            )
        except ImportRefused as refused:
            return tickets_page(visit, status=422, problems=refused.problems, file_name=name)
    issued = f"{number_text(numbers.start)}-{number_text(numbers.stop - 1)}"
    return visit.redirect("tickets", issued=issued)


def revoke(visit: Visit) -> Response:
    """``POST .../tickets/revoke``: every gate rejects the ticket from now on."""
    from kexie_plugins.qr_checkin import ledger
    from kexie_plugins.qr_checkin import tickets as ticket_book

    _uses_tickets(visit)
    words = visit.words
    values = {"number": visit.field("number"), "reason": visit.field("reason")}
    errors = {}
    number = int(values["number"]) if values["number"].isdigit() else None
    if number is None:
        errors["number"] = words["ticket_number_needed"]
    else:
        with visit.store.reading() as db:
            facts = ledger.ticket(db, number)
        if facts is None:
            errors["number"] = words["no_such_ticket"].format(number=number_text(number))
        elif facts.revoked:
            errors["number"] = words["already_revoked"].format(number=number_text(number))
    if not values["reason"]:
        errors["reason"] = words["revoke_reason_needed"]
    if errors:
        return tickets_page(visit, status=422, errors=errors, values=values)
    ticket_book.revoke(visit.store, number, by=visit.by, reason=values["reason"])
    return visit.redirect("tickets", revoked=number_text(number))


def sheet(visit: Visit) -> Response:
    """``GET .../tickets/sheets/{n}``: one file of printable sheets, as the kit writes it."""
    from kexie_plugins.qr_checkin.sheets import PER_FILE, TicketPrinter, valid_rows

    _uses_tickets(visit)
    index = visit.request.path_params["index"]
    rows = valid_rows(visit.store)
    part = rows[(index - 1) * PER_FILE : index * PER_FILE] if index >= 1 else []
    if not part:
        raise PageProblem(404, "no_sheet")
    body = TicketPrinter(visit.event, part).sheet_file(part)
    name = f"tickets-{number_text(part[0][0])}-{number_text(part[-1][0])}.html"
    headers = {**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, media_type="text/html; charset=utf-8", headers=headers)


def routes(pages_of: EventPages) -> list[Route]:
    """The tickets page, its forms and the sheets."""
    return [
        event_route(pages_of, "tickets", show_tickets),
        event_route(pages_of, "tickets/issue", issue, methods=("POST",)),
        event_route(pages_of, "tickets/import", import_registrations, methods=("POST",)),
        event_route(pages_of, "tickets/revoke", revoke, methods=("POST",)),
        event_route(pages_of, "tickets/sheets/{index:int}", sheet),
    ]
