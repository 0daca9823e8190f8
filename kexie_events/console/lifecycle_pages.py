"""The lifecycle in the console: where the event stands, moving it on, the emergency checklist.

- ``GET /console/events/{id}/lifecycle``: the phases, what each plugin reports, what blocks the
  next gate and the changes so far, as ``kexie status`` shows them.
- ``POST .../lifecycle/advance``: ``kexie advance``; refused (409) with the blockers listed
  while any plugin blocks the gate. With ``force`` it is ``kexie advance --force --reason``,
  and the reason is required (422 without it).
- ``GET .../checklists``: the emergency plan's checklist by phase, critical items marked, with
  who ticked each item and when.
- ``POST .../checklists/tick`` (``item``, ``done`` ``1`` or ``0``): ``kexie checklist tick`` or
  ``untick``. htmx gets the item's row back; a plain form is redirected to the list.

Both pages call :mod:`kexie_events.lifecycle` and the emergency plan's ``tick``, recording the
organiser as ``by``.
"""

from __future__ import annotations

import contextlib

from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from kexie_events import lifecycle
from kexie_events.console.event_pages import EventPages, PageProblem, Visit, event_route
from kexie_events.console.ops_words import phase_name, plugin_name
from kexie_events.errors import GateBlocked, KexieError
from kexie_events.i18n import date_text, moment_text

EMERGENCY_PLAN = "emergency-plan"


def lifecycle_page(visit: Visit, *, status: int = 200, **shown) -> HTMLResponse:
    """The lifecycle page; ``shown`` adds a refusal (``refused``) or form errors (``errors``)."""
    current = lifecycle.status(visit.event, visit.store, visit.plugins)
    lang = visit.lang
    by_plugin: dict[str, list] = {}
    for line in current.lines:
        by_plugin.setdefault(line.plugin, []).append(line)
    history = [
        {
            "from": phase_name(change.from_phase, lang),
            "to": phase_name(change.to_phase, lang),
            "by": change.by,
            "at": moment_text(change.at.astimezone(visit.event.tz), lang),
            "forced": change.forced,
            "reason": change.reason,
        }
        for change in reversed(current.history)
    ]
    moved = "moved" in visit.request.query_params
    return visit.render(
        "ops/lifecycle.html",
        status=status,
        title=visit.words["lifecycle_title"],
        current="lifecycle",
        phases=[
            (phase_name(phase, lang), _state(index, lifecycle.PHASES.index(current.phase)))
            for index, phase in enumerate(lifecycle.PHASES)
        ],
        phase=current.phase,
        phase_label=phase_name(current.phase, lang),
        next_label=phase_name(current.next_phase, lang) if current.next_phase else None,
        plugins=[(plugin_name(name, lang), lines) for name, lines in by_plugin.items()],
        blockers=[b.message for b in current.blockers],
        history=history,
        uses_checklist=EMERGENCY_PLAN in visit.event.configs,
        notice=visit.words["moved"].format(phase=phase_name(current.phase, lang)) if moved else "",
        refused=shown.get("refused", []),
        errors=shown.get("errors", {}),
        reason=shown.get("reason", ""),
    )


def _state(index: int, current: int) -> str:
    return "past" if index < current else "current" if index == current else "future"


def show_lifecycle(visit: Visit) -> Response:
    """``GET .../lifecycle``."""
    return lifecycle_page(visit)


def advance(visit: Visit) -> Response:
    """``POST .../lifecycle/advance``: move on one phase, or say what blocks it."""
    force = visit.field("force") == "1"
    reason = visit.field("reason")
    if force and not reason:
        errors = {"reason": visit.words["reason_required"]}
        return lifecycle_page(visit, status=422, errors=errors)
    if lifecycle.next_phase(visit.store.phase()) is None:
        return lifecycle_page(visit, status=409, refused=[visit.words["last_phase"]])
    try:
        lifecycle.advance(
            visit.event,
            visit.store,
            visit.plugins,
            by=visit.by,
            force=force,
            reason=reason if force else None,
        )
    except GateBlocked as blocked:
        refused = [b.message for b in blocked.blockers]
        return lifecycle_page(visit, status=409, refused=refused, reason=reason)
    return visit.redirect("lifecycle", moved=1)


def _checklist_plan(visit: Visit):
    plan = visit.event.configs.get(EMERGENCY_PLAN)
    if plan is None:
        raise PageProblem(404, "no_checklist")
    return plan


def _item_row(visit: Visit, item, tick) -> dict:
    """What the checklist shows of one item."""
    lang, tz = visit.lang, visit.event.tz
    return {
        "id": item.id,
        "text": item.text,
        "owner": item.owner,
        "critical": item.critical,
        "deadline": date_text(item.deadline.astimezone(tz).date(), lang) if item.deadline else "",
        "done": bool(tick and tick.ticked),
        "by": tick.by if tick else "",
        "at": moment_text(tick.at.astimezone(tz), lang) if tick else "",
    }


def _phase_counts(plan, ticks) -> dict[str, tuple[int, int]]:
    counts: dict[str, tuple[int, int]] = {}
    for item in plan.items:
        done, total = counts.get(item.phase, (0, 0))
        ticked = item.id in ticks and ticks[item.id].ticked
        counts[item.phase] = (done + ticked, total + 1)
    return counts


def show_checklists(visit: Visit) -> Response:
    """``GET .../checklists``."""
    from kexie_plugins.emergency_plan.ledger import latest_ticks

    plan = _checklist_plan(visit)
    ticks = latest_ticks(visit.store)
    counts = _phase_counts(plan, ticks)
    phases = [
        {
            "phase": phase,
            "label": phase_name(phase, visit.lang),
            "done": counts[phase][0],
            "total": counts[phase][1],
            "items": [_item_row(visit, i, ticks.get(i.id)) for i in plan.items if i.phase == phase],
        }
        for phase in lifecycle.PHASES
        if phase in counts
    ]
    return visit.render(
        "ops/checklists.html",
        title=visit.words["checklists_title"],
        current="checklists",
        phases=phases,
        notice="",
    )


def tick_item(visit: Visit) -> Response:
    """``POST .../checklists/tick``: tick or untick one item."""
    from kexie_plugins.emergency_plan.ledger import latest_ticks
    from kexie_plugins.emergency_plan.plan import tick

    plan = _checklist_plan(visit)
    item_id = visit.field("item")
    item = next((i for i in plan.items if i.id == item_id), None)
    if item is None:
        raise PageProblem(404, "no_item")
    done = visit.field("done") == "1"
    # Ticked (or unticked) already, by a second click or another organiser: so be it.
    with contextlib.suppress(KexieError):
        tick(visit.store, plan, item_id, by=visit.by, done=done)
    if not visit.htmx:
        return visit.redirect("checklists", fragment=f"item-{item_id}")
    ticks = latest_ticks(visit.store)
    done_count, total = _phase_counts(plan, ticks)[item.phase]
    return visit.render(
        "ops/_checklist_row.html",
        row=_item_row(visit, item, ticks.get(item.id)),
        phase=item.phase,
        done=done_count,
        total=total,
        swap_count=True,
    )


def routes(pages_of: EventPages) -> list[Route]:
    """The lifecycle's and the checklist's routes."""
    return [
        event_route(pages_of, "lifecycle", show_lifecycle),
        event_route(pages_of, "lifecycle/advance", advance, methods=("POST",)),
        event_route(pages_of, "checklists", show_checklists),
        event_route(pages_of, "checklists/tick", tick_item, methods=("POST",)),
    ]
