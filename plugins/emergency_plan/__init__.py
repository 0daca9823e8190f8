"""Built-in plugin ``emergency-plan``: checklists by phase, ticks, incidents, the written plan.

An event uses it with a ``[plugins.emergency-plan]`` section: ready-made checklists
(``solar-observation``, ``large-crowd``, ``minors``; ``base`` always applies), items to
``remove`` or add, contacts and evacuation routes. Open critical items of earlier phases block
the ``launch`` and ``onsite`` gates.
"""

from __future__ import annotations

from pathlib import Path

from kexie_events import hookimpl, inputs
from kexie_events.errors import KexieError
from kexie_events.i18n import pick, time_text
from kexie_events.records import (
    Attendance,
    Blocker,
    BoardTile,
    Document,
    PluginSection,
    ReportSection,
    StatusLine,
    Table,
    VolunteerAction,
)
from kexie_plugins.emergency_plan import ledger
from kexie_plugins.emergency_plan.ledger import incidents, ticked_items
from kexie_plugins.emergency_plan.plan import (
    INCIDENT_LABELS,
    INCIDENT_TYPES,
    NAME,
    PHASES,
    log_incident,
    open_critical_before,
    read_plan,
    tick,
)

TEMPLATES = (Path(__file__).parent / "templates",)
PHASE_LABELS = {
    "plan": ("筹备", "plan"),
    "materials": ("物资准备", "materials"),
    "launch": ("启动", "launch"),
    "onsite": ("现场", "on site"),
    "report": ("总结", "report"),
}


@hookimpl
def kexie_store_migrations():
    """Ticks and incidents."""
    return ledger.migrations()


@hookimpl
def kexie_config_section():
    """``[plugins.emergency-plan]``: list names, removed and added items, contacts, routes."""
    return PluginSection(read_plan)


@hookimpl
def kexie_status(event, config, store):
    """Items done per phase, and open critical ones."""
    ticked = ticked_items(store)
    for phase in PHASES:
        items = [i for i in config.items if i.phase == phase]
        if not items:
            continue
        done = sum(i.id in ticked for i in items)
        # People read the status: items by their text; the id is for commands (kexie checklist).
        critical = [i.text for i in items if i.critical and i.id not in ticked]
        level = "ok" if done == len(items) else "warning" if critical else "info"
        extra = (
            pick(
                event.lang,
                f"，未完成关键项：{'；'.join(critical)}",
                f"; critical open: {'; '.join(critical)}",
            )
            if critical
            else ""
        )
        yield StatusLine(
            pick(
                event.lang,
                f"应急检查（{PHASE_LABELS[phase][0]}）：{done}/{len(items)}",
                f"emergency checklist ({phase}): {done}/{len(items)}",
            )
            + extra,
            level,
        )


@hookimpl
def kexie_gate(event, config, store, next_phase):
    """Open critical items of earlier phases block ``launch`` and ``onsite``."""
    if next_phase not in ("launch", "onsite"):
        return
    for item in open_critical_before(config, ticked_items(store), next_phase):
        # The id appears only in the command that ticks the item, where it is needed.
        command = f"kexie checklist DIR tick {item.id}"
        yield Blocker(
            pick(
                event.lang,
                f"应急检查关键项未完成：{item.text}",
                f"critical checklist item open: {item.text}",
            ),
            hint=pick(event.lang, f"完成后勾选：{command}", f"when done: {command}"),
        )


@hookimpl
def kexie_documents(event, config, store):
    """The emergency plan (应急预案) and printable checklists."""
    lang = event.lang
    context = {
        "plan": config,
        "phase_labels": {k: pick(lang, *v) for k, v in PHASE_LABELS.items()},
        "ticked": ticked_items(store),
    }
    yield Document(
        "emergency-plan",
        pick(lang, "应急预案", "Emergency plan"),
        "emergency-plan.html",
        context=context,
        search_path=TEMPLATES,
        description=pick(
            lang,
            "组织机构、职责、处置程序、疏散路线、联络表",
            "Organisation, roles, procedures, evacuation, contacts",
        ),
        order=50,
    )
    yield Document(
        "checklists",
        pick(lang, "应急检查表", "Emergency checklists"),
        "checklists.html",
        context=context,
        search_path=TEMPLATES,
        description=pick(lang, "按阶段打印，逐项勾选", "Print per phase and tick"),
        order=51,
    )


@hookimpl
def kexie_volunteer_actions(event, config, store):
    """Leads tick checklist items; every volunteer can log an incident."""
    ticked = ticked_items(store)
    lang = event.lang
    open_items = tuple(
        (i.id, f"{'★' if i.critical else ''}{i.text}") for i in config.items if i.id not in ticked
    )

    item_label = pick(lang, "检查项", "checklist item")
    labels = {
        "what": pick(lang, "发生了什么", "What happened"),
        "done": pick(lang, "如何处置", "What was done"),
    }

    def do_tick(call):
        # The web app has checked the fields already; checked again for any other caller.
        item_id = inputs.one_of(
            call.data.get("choice"),
            "choice",
            (i.id for i in config.items),
            lang=lang,
            label=item_label,
        )
        if item_id in ticked_items(call.store):
            raise KexieError(pick(lang, "这一项已经勾选过了", "this item is already ticked"))
        item = tick(call.store, config, item_id, by=call.volunteer.name)
        return pick(lang, f"已勾选：{item.text}", f"ticked: {item.text}")

    def do_incident(call):
        kind = inputs.one_of(
            call.data.get("choice"),
            "choice",
            INCIDENT_TYPES,
            lang=lang,
            label=pick(lang, "事件类型", "incident type"),
        )
        what, done = (
            inputs.text(call.data.get(key), key, lang=lang, label=labels[key])
            for key in ("what", "done")
        )
        log_incident(
            call.store,
            call.event,
            kind=kind,
            what=what,
            done=done,
            by=call.volunteer.name,
            site=call.site,
            gate=call.gate,
            at=call.at,
        )
        return pick(lang, "事件已登记", "incident logged")

    yield VolunteerAction(
        "checklist-tick",
        pick(lang, "勾选应急检查项", "Tick checklist item"),
        do_tick,
        roles=("lead",),
        choices=open_items,
        has_choices=True,
    )
    yield VolunteerAction(
        "incident",
        pick(lang, "登记突发事件", "Log an incident"),
        do_incident,
        choices=tuple((t, pick(lang, *INCIDENT_LABELS[t])) for t in INCIDENT_TYPES),
        text_fields=("what", "done"),
        labels=labels,
        has_choices=True,
    )


@hookimpl
def kexie_attendance(event, store):
    """Who ticked checklist items or logged incidents on the event's days (volunteers only)."""
    return [Attendance(volunteers=ledger.on_duty(event, store))]


@hookimpl
def kexie_board_tiles(event, config, store):
    """Open critical items due by now, and the incidents logged, for the live board."""
    lang = event.lang
    ticked = ticked_items(store)
    due = PHASES.index(store.phase())
    open_items = [
        i
        for i in config.items
        if i.critical and PHASES.index(i.phase) <= due and i.id not in ticked
    ]
    yield BoardTile(
        "critical-open",
        pick(lang, "未完成关键项", "Critical items open"),
        str(len(open_items)),
        tuple(f"★{i.text}" for i in open_items[:BOARD_LINES])
        + (
            (pick(lang, f"……另有{more}项", f"… and {more} more"),)
            if (more := len(open_items) - BOARD_LINES) > 0
            else ()
        ),
        "alert" if open_items else "ok",
        order=30,
    )
    logged = incidents(store)
    latest = []
    for entry in reversed(logged[-BOARD_LINES:]):
        where = entry.gate or entry.site or ""
        what = entry.what if len(entry.what) <= 24 else entry.what[:23] + "…"
        kind = pick(lang, *INCIDENT_LABELS[entry.type])
        when = time_text(entry.at.astimezone(event.tz))
        latest.append(f"{when} {kind} {where} {what}".replace("  ", " "))
    yield BoardTile(
        "incidents",
        pick(lang, "突发事件", "Incidents"),
        str(len(logged)),
        tuple(latest),
        "warning" if logged else "ok",
        order=40,
    )


#: Lines of detail a board tile shows (readable from across the room).
BOARD_LINES = 3


@hookimpl
def kexie_cli_commands():
    """``kexie checklist`` and ``kexie incident``."""
    from kexie_plugins.emergency_plan.commands import COMMANDS

    return COMMANDS


@hookimpl
def kexie_report_sections(event, config, store):
    """Completion per phase, open items, incidents."""
    lang = event.lang
    ticked = ticked_items(store)
    per_phase = {}
    for phase in PHASES:
        items = [i for i in config.items if i.phase == phase]
        if items:
            per_phase[phase] = {"items": len(items), "done": sum(i.id in ticked for i in items)}
    open_items = [i.id for i in config.items if i.id not in ticked]
    logged = incidents(store)
    by_type = {
        kind: n for kind in INCIDENT_TYPES if (n := sum(1 for i in logged if i.type == kind))
    }
    total = len(config.items)
    done = total - len(open_items)
    figures = {
        "items": total,
        "done": done,
        "by_phase": per_phase,
        "open": open_items,
        "incidents": len(logged),
        "incidents_by_type": by_type,
    }
    if logged:
        kinds = "、".join(f"{INCIDENT_LABELS[k][0]}{n}起" for k, n in by_type.items())
        kinds_en = ", ".join(f"{n} {INCIDENT_LABELS[k][1].lower()}" for k, n in by_type.items())
        incident_text = pick(
            lang,
            f"现场共登记突发事件{len(logged)}起（{kinds}），处置情况见下表。",
            f"{len(logged)} incidents were logged ({kinds_en}); see the table.",
        )
    else:
        incident_text = pick(lang, "活动期间未登记突发事件。", "No incidents were logged.")
    text = (
        pick(
            lang,
            f"应急检查表共{total}项，已完成{done}项。",
            f"{done} of {total} emergency checklist items were done.",
        ),
        incident_text,
    )
    tables = [
        Table(
            pick(lang, "各阶段完成情况", "Checklist by phase"),
            (pick(lang, "阶段", "Phase"), pick(lang, "项数", "Items"), pick(lang, "完成", "Done")),
            tuple(
                (pick(lang, *PHASE_LABELS[p]), v["items"], v["done"]) for p, v in per_phase.items()
            ),
        ),
    ]
    if open_items:
        # Items by their text (★ critical), numbered as on the printed checklist; ids stay
        # in the figures, for programs.
        in_print = [i for phase in PHASE_LABELS for i in config.items if i.phase == phase]
        numbers = {item.id: number for number, item in enumerate(in_print, start=1)}
        tables.append(
            Table(
                pick(lang, "未完成事项", "Open items"),
                (
                    pick(lang, "序号", "No."),
                    pick(lang, "阶段", "Phase"),
                    pick(lang, "检查事项", "Item"),
                ),
                tuple(
                    (
                        numbers[i.id],
                        pick(lang, *PHASE_LABELS[i.phase]),
                        f"{'★' if i.critical else ''}{i.text}",
                    )
                    for i in in_print
                    if i.id in open_items
                ),
            )
        )
    if logged:
        tables.append(
            Table(
                pick(lang, "突发事件登记", "Incidents"),
                tuple(
                    pick(lang, zh, en)
                    for zh, en in (
                        ("时间", "When"),
                        ("地点", "Where"),
                        ("类型", "Type"),
                        ("情况", "What happened"),
                        ("处置", "What was done"),
                        ("登记人", "By"),
                    )
                ),
                tuple(
                    (
                        time_text(i.at.astimezone(event.tz)),
                        " ".join(filter(None, [i.site, i.gate])),
                        pick(lang, *INCIDENT_LABELS[i.type]),
                        i.what,
                        i.done,
                        i.by,
                    )
                    for i in logged
                ),
            )
        )
    yield ReportSection(
        NAME, pick(lang, "安全保障", "Safety"), figures, text, tuple(tables), order=30
    )
