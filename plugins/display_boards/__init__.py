"""Built-in plugin ``display-boards``: boards, wall charts, leaflets, readers and banners.

An event uses it with a ``[plugins.display-boards]`` section: ``[[items]]`` (fixed
``quantity`` or ``per_person``, print ``batch``, ``ordered``), ``[[boards]]`` with topics and a
``[[rotation]]`` of which boards stand where on which day. ``launch`` is blocked while an
item's ordered quantity is below its plan.
"""

from __future__ import annotations

from pathlib import Path

from kexie_events import hookimpl, inputs
from kexie_events.errors import KexieError
from kexie_events.i18n import date_text, pick
from kexie_events.model import MaterialLine
from kexie_events.records import (
    Attendance,
    Blocker,
    Document,
    PluginSection,
    ReportSection,
    StatusLine,
    Table,
    VolunteerAction,
)
from kexie_plugins.display_boards import ledger
from kexie_plugins.display_boards.planning import NAME, read_plan

TEMPLATES = (Path(__file__).parent / "templates",)


@hookimpl
def kexie_store_migrations():
    """Quantities handed out or shown."""
    return ledger.migrations()


@hookimpl
def kexie_config_section():
    """``[plugins.display-boards]``: items, boards and the rotation, checked as they are read."""
    return PluginSection(read_plan)


@hookimpl
def kexie_status(event, config, store):
    """Ordered against plan, item by item."""
    short = [i for i in config.items if i.ordered < i.order_quantity]
    lang = event.lang
    if short:
        names = (
            "、".join(i.name for i in short) if lang == "zh" else ", ".join(i.name for i in short)
        )
        yield StatusLine(
            pick(lang, f"物资未订足：{names}", f"not yet ordered in full: {names}"), "warning"
        )
    else:
        yield StatusLine(
            pick(
                lang,
                f"物资{len(config.items)}项均已按计划订制",
                f"all {len(config.items)} material items ordered",
            ),
            "ok",
        )


@hookimpl
def kexie_gate(event, config, next_phase):
    """No launch while an item is ordered below plan."""
    if next_phase != "launch":
        return
    for item in config.items:
        if item.ordered < item.order_quantity:
            yield Blocker(
                pick(
                    event.lang,
                    f"{item.name}：已订{item.ordered}，计划{item.order_quantity}",
                    f"{item.name}: {item.ordered} ordered, plan {item.order_quantity}",
                )
            )


@hookimpl
def kexie_materials(event, config):
    """One line per item, site and day."""
    for item in config.items:
        for (site, day), quantity in sorted(item.per_site_day.items()):
            yield MaterialLine(item.name, quantity, item.unit, site=site, day=day, note=item.size)


@hookimpl
def kexie_documents(event, config):
    """Print order, packing lists per site, board rotation and transport plan."""
    lang = event.lang
    context = {"plan": config}
    yield Document(
        "print-order",
        pick(lang, "印制清单", "Print order"),
        "print-order.html",
        context=context,
        search_path=TEMPLATES,
        description=pick(lang, "品名、数量、规格、批量", "Item, quantity, size, batch"),
        order=40,
    )
    yield Document(
        "packing-lists",
        pick(lang, "分场地装箱单", "Packing lists"),
        "packing-lists.html",
        context=context,
        search_path=TEMPLATES,
        description=pick(lang, "每个场地每天带什么", "What goes to each site, each day"),
        order=41,
    )
    if config.boards:
        yield Document(
            "board-rotation",
            pick(lang, "展板轮展和运输计划", "Board rotation"),
            "board-rotation.html",
            context=context,
            search_path=TEMPLATES,
            description=pick(
                lang, "哪天哪些展板在哪里，怎么运", "Which boards stand where, and how they move"
            ),
            order=42,
        )


@hookimpl
def kexie_volunteer_actions(event, config):
    """Volunteers record leaflets and readers handed out at their site."""
    lang = event.lang

    label = pick(lang, "数量", "quantity")

    def handle(call):
        # The web app has checked the fields already; checked again for any other caller.
        choice = inputs.one_of(
            call.data.get("choice"),
            "choice",
            (i.id for i in config.items),
            lang=lang,
            label=pick(lang, "物资", "item"),
        )
        item = config.item(choice)
        quantity = inputs.whole_number(
            call.data.get("quantity"), "quantity", lang=lang, label=label
        )
        if not call.site:
            raise KexieError(pick(lang, "请先选择场地", "choose your site first"))
        if call.site not in {s.id for s in call.event.sites}:
            raise inputs.InputError(
                "site", pick(lang, f"没有场地“{call.site}”", f"no site {call.site!r}")
            )
        day = call.at.astimezone(call.event.tz).date()
        ledger.record(call.store, item.id, call.site, day, quantity, by=call.volunteer.name)
        return pick(lang, f"已登记{item.name}{quantity}", f"{quantity} {item.name} recorded")

    choices = tuple((i.id, i.name) for i in config.items)
    yield VolunteerAction(
        "materials",
        pick(lang, "登记资料发放", "Materials handed out"),
        handle,
        fields=("quantity",),
        choices=choices,
        has_choices=True,
        labels={"quantity": label},
    )


@hookimpl
def kexie_attendance(event, store):
    """Who recorded materials handed out on the event's days (volunteers on duty only)."""
    return [Attendance(volunteers=ledger.on_duty(event, store))]


@hookimpl
def kexie_cli_commands():
    """``kexie materials``."""
    from kexie_plugins.display_boards.commands import materials

    return [materials]


@hookimpl
def kexie_report_sections(event, config, store):
    """Planned against handed out, per item, site and day."""
    lang = event.lang
    done = ledger.recorded(store)
    per_item = {}
    rows = []
    for item in config.items:
        actual = {k: v for k, v in done.items() if k[0] == item.id}
        per_item[item.id] = {
            "name": item.name,
            "planned": item.planned,
            "handed_out": sum(actual.values()),
        }
        keys = sorted(set(item.per_site_day) | {(s, d) for _i, s, d in actual})
        for site, day in keys:
            rows.append(
                (
                    item.name,
                    event.site(site).name,
                    date_text(day, lang),
                    item.per_site_day.get((site, day), 0),
                    actual.get((item.id, site, day), 0),
                )
            )
    parts = [f"{v['name']}{v['handed_out']}" for v in per_item.values() if v["handed_out"]]
    text = (
        (
            pick(
                lang,
                "发放和展示各类资料：" + "、".join(parts) + "。",
                "Materials handed out or shown: " + ", ".join(parts) + ".",
            ),
        )
        if parts
        else ()
    )
    table = Table(
        pick(lang, "计划与实际", "Planned and actual"),
        tuple(
            pick(lang, zh, en)
            for zh, en in (
                ("物资", "Item"),
                ("场地", "Site"),
                ("日期", "Day"),
                ("计划", "Planned"),
                ("实际", "Actual"),
            )
        ),
        tuple(rows),
    )
    yield ReportSection(
        NAME,
        pick(lang, "展板和宣传资料", "Display boards and materials"),
        {"items": per_item},
        text,
        (table,),
        order=25,
    )
