"""Eclipse glasses in the console: the allocations to units, and uploading a new list.

- ``GET /console/events/{id}/glasses``: the stock and the plan, and the units the glasses are
  allocated to (the event's allocations file).
- ``POST .../glasses`` (multipart: ``csrf`` first, then ``file``): ``kexie glasses import``.
  The file (CSV or Excel) is checked whole: any bad row refuses it all (422), and the page
  lists every problem by row and column, in the event's language; nothing is imported. A good
  file replaces the allocations and the page shows them (303).

The event is opened without the plugins' checks, as ``kexie glasses import`` opens it, so
that a broken allocations file can be replaced from here. The import records who made it in
the event's journal (``console.glasses_import``), and ``kexie serve`` then builds the event
anew, so the volunteers' buttons know the new units.
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from kexie_events.console.event_pages import EventPages, PageProblem, Visit, event_route
from kexie_events.table_import import MAX_SHOWN, ImportRefused

GLASSES = "eclipse-glasses"
#: The journal's record of an import made at the console (the command line makes none).
IMPORT_KIND = "console.glasses_import"


def _plan(visit: Visit):
    plan = visit.event.configs.get(GLASSES)
    if plan is None:
        raise PageProblem(404, "no_glasses")
    return plan


def glasses_page(visit: Visit, *, status: int = 200, **shown) -> Response:
    """The allocations page; ``shown`` adds an upload's ``problems`` or a form ``error``."""
    from kexie_plugins.eclipse_glasses.glasses import read_allocations

    plan = _plan(visit)
    broken = ()
    if plan.allocations_problems:
        # What the event's own file has wrong, in the event's language this time.
        path = visit.event.folder / plan.allocations_file
        broken = read_allocations(path, lang=visit.event.lang).problems
    imported = visit.request.query_params.get("imported", "")
    notice = visit.words["imported"].format(units=imported) if imported.isdigit() else ""
    return visit.render(
        "ops/glasses.html",
        status=status,
        title=visit.words["glasses_title"],
        current="glasses",
        plan=plan,
        broken=_by_row(broken),
        problems=_by_row(shown.get("problems", ())),
        error=shown.get("error", ""),
        file_name=shown.get("file_name", ""),
        notice=notice,
        shown_limit=MAX_SHOWN,
    )


def _by_row(problems) -> list:
    """Problems of the whole file first, then row by row (the page shows the first
    :data:`~kexie_events.table_import.MAX_SHOWN` and counts the rest)."""
    return sorted(problems, key=lambda p: (p.line is not None, p.line or 0))


def show_glasses(visit: Visit) -> Response:
    """``GET .../glasses``."""
    return glasses_page(visit)


def import_glasses(visit: Visit) -> Response:
    """``POST .../glasses``: check the file and make it the allocations, or list its problems."""
    from kexie_plugins.eclipse_glasses.glasses import import_allocations

    plan = _plan(visit)
    with visit.uploaded() as upload:
        if upload is None:
            return glasses_page(visit, status=422, error=visit.words["choose_file"])
        path, name = upload
        try:
            found, changed = import_allocations(visit.event, plan, path, lang=visit.event.lang)
        except ImportRefused as refused:
            return glasses_page(visit, status=422, problems=refused.problems, file_name=name)
    if changed:
        pairs = sum(unit.pairs for unit in found.units)
        data = {"file": name, "units": len(found.units), "pairs": pairs}
        visit.store.append(IMPORT_KIND, by=visit.by, data=data)
    return visit.redirect("glasses", imported=len(found.units))


def routes(pages_of: EventPages) -> list[Route]:
    """The allocations page and its upload."""
    return [
        event_route(pages_of, "glasses", show_glasses, plugin_checks=False),
        event_route(
            pages_of,
            "glasses",
            import_glasses,
            methods=("POST",),
            plugin_checks=False,
            changes_event=True,
        ),
    ]
