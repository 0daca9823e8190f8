"""Built-in plugin ``eclipse-glasses``: stock, allocations to units, handouts, eye safety.

An event uses it with a ``[plugins.eclipse-glasses]`` section: ``stock``, ``pairs_per_person``,
``safety_margin``, ``onsite_people`` and ``allocations`` (a CSV of name, contact, pairs).
``launch`` is blocked while the planned need exceeds the stock.
"""

from __future__ import annotations

from pathlib import Path

from kexie_events import hookimpl, inputs
from kexie_events.errors import KexieError
from kexie_events.i18n import count_text, pick
from kexie_events.model import MaterialLine
from kexie_events.records import (
    Blocker,
    BoardTile,
    Document,
    PluginSection,
    ReportSection,
    StatusLine,
    Table,
    VolunteerAction,
)
from kexie_plugins.eclipse_glasses import ledger
from kexie_plugins.eclipse_glasses.glasses import (
    NAME,
    allocation_problems,
    hand_out,
    read_plan,
)

TEMPLATES = (Path(__file__).parent / "templates",)


def _local_type(event) -> str | None:
    """The eclipse's type at the site, when the observation plugin is there to say."""
    try:
        from kexie_plugins.observation import local_type
    except ImportError:
        return None
    return local_type(event)


@hookimpl
def kexie_store_migrations():
    """The handouts table."""
    return ledger.migrations()


@hookimpl
def kexie_config_section():
    """``[plugins.eclipse-glasses]``, read into a :class:`GlassesPlan` with its allocations."""
    return PluginSection(read_plan)


@hookimpl
def kexie_check_event(config):
    """Every row of the allocations file (the section itself is checked as it is read)."""
    return allocation_problems(config)


@hookimpl
def kexie_status(event, config, store):
    """Stock, plan and what has gone out."""
    out = ledger.handed_out(store).total
    lang = event.lang
    yield StatusLine(
        pick(
            lang,
            f"观测镜：库存{config.stock}副，计划{config.need}副（配发{len(config.allocations)}个单位"
            f"{config.allocated}副，现场{config.onsite_planned}副），已发放{out}副，"
            f"剩余{config.stock - out}副。",
            f"glasses: stock {config.stock}, planned {config.need} ({config.allocated} to "
            f"{len(config.allocations)} units, {config.onsite_planned} on site), {out} handed out, "
            f"{config.stock - out} left.",
        ),
        "warning" if config.shortfall else "ok",
    )


@hookimpl
def kexie_gate(event, config, next_phase):
    """No launch while the plan needs more glasses than there are."""
    if next_phase != "launch":
        return
    if config.shortfall:
        yield Blocker(
            pick(
                event.lang,
                f"观测镜不足：计划需要{config.need}副，库存{config.stock}副，缺{config.shortfall}副",
                f"not enough eclipse glasses: the plan needs {config.need}, "
                f"the stock is {config.stock}, {config.shortfall} short",
            )
        )


@hookimpl
def kexie_materials(event, config):
    """The glasses as a material line."""
    yield MaterialLine(
        pick(event.lang, "日食观测镜（ISO 12312-2）", "Eclipse glasses (ISO 12312-2)"),
        config.stock,
        pick(event.lang, "副", "pairs"),
        note=pick(
            event.lang,
            f"配发{len(config.allocations)}个单位，余量现场发放",
            f"{len(config.allocations)} units, the rest on site",
        ),
    )


@hookimpl
def kexie_documents(event, config):
    """Distribution plan, receipts, handout plan per gate, eye-safety sheet."""
    lang = event.lang
    context = {"plan": config, "local_type": _local_type(event)}
    yield Document(
        "glasses-distribution",
        pick(lang, "观测镜配发计划", "Glasses distribution plan"),
        "glasses-distribution.html",
        context=context,
        search_path=TEMPLATES,
        description=pick(lang, "各单位配发数量", "Pairs per unit"),
        order=60,
    )
    yield Document(
        "glasses-receipts",
        pick(lang, "观测镜领取回执", "Glasses receipts"),
        "glasses-receipts.html",
        context=context,
        search_path=TEMPLATES,
        description=pick(lang, "每单位一份，领取时签字", "One per unit, signed on collection"),
        order=61,
    )
    yield Document(
        "glasses-handout",
        pick(lang, "现场发放计划", "On-site handout plan"),
        "glasses-handout.html",
        context=context,
        search_path=TEMPLATES,
        description=pick(lang, "各入口发放数量", "Pairs per gate"),
        order=62,
    )
    yield Document(
        "eye-safety",
        pick(lang, "安全观测须知", "Eye safety"),
        "eye-safety.html",
        context=context,
        search_path=TEMPLATES,
        description=pick(lang, "张贴、发放、向学生宣讲", "Post it, hand it out, teach it"),
        order=63,
    )


@hookimpl
def kexie_volunteer_actions(event, config):
    """Volunteers record glasses handed out at their gate."""
    lang = event.lang

    label = pick(lang, "发放副数", "pairs")

    def record(call):
        # The web app has checked the fields already; checked again for any other caller.
        pairs = inputs.whole_number(call.data.get("pairs"), "pairs", lang=lang, label=label)
        if not call.gate:
            raise KexieError(pick(lang, "请先选择入口", "choose your gate first"))
        left = hand_out(
            call.event,
            call.store,
            config,
            pairs,
            by=call.volunteer.name,
            gate=call.gate,
            site=call.site,
        )
        return pick(
            lang,
            f"已登记{pairs}副（{call.gate}），剩余{left}副",
            f"{pairs} pairs recorded at {call.gate}; {left} left",
        )

    yield VolunteerAction(
        "glasses",
        pick(lang, "发放观测镜", "Glasses handed out"),
        record,
        fields=("pairs",),
        labels={"pairs": label},
    )


@hookimpl
def kexie_attendance(event, store):
    """Who handed out glasses at a gate on the event's days, and when (volunteers on duty only)."""
    return [ledger.volunteers_at_gates(event, store)]


@hookimpl
def kexie_board_tiles(event, config, store):
    """Pairs of glasses left, for the live board: amber under a tenth of the stock, red at 0."""
    lang = event.lang
    given = ledger.handed_out(store).total
    left = config.stock - given
    level = "alert" if left <= 0 else "warning" if left < config.stock / 10 else "ok"
    yield BoardTile(
        "glasses-left",
        pick(lang, "观测镜剩余（副）", "Glasses left (pairs)"),
        count_text(left, lang),
        (
            pick(
                lang,
                f"库存{count_text(config.stock, lang)}副，已发放{count_text(given, lang)}副",
                f"{count_text(given, lang)} of {count_text(config.stock, lang)} handed out",
            ),
        ),
        level,
        order=20,
    )


@hookimpl
def kexie_cli_commands():
    """``kexie glasses``."""
    from kexie_plugins.eclipse_glasses.commands import glasses

    return [glasses]


@hookimpl
def kexie_report_sections(event, config, store):
    """Pairs per unit and gate, on-site total, remaining stock, shortfall."""
    lang = event.lang
    out = ledger.handed_out(store)
    onsite = sum(out.per_gate.values())
    collected = sum(out.per_unit.values())
    figures = {
        "stock": config.stock,
        "planned": config.need,
        "allocated": config.allocated,
        "units": len(config.allocations),
        "collected_by_units": collected,
        "onsite": onsite,
        "handed_out": out.total,
        "remaining": config.stock - out.total,
        "shortfall": config.shortfall,
        "per_gate": out.per_gate,
        "per_unit": out.per_unit,
    }
    units_collected = sum(1 for a in config.allocations if out.per_unit.get(a.name))
    zh, en = [], []
    if collected:
        zh.append(f"向{units_collected}个单位配发{collected}副")
        en.append(f"{collected} to {units_collected} units")
    if onsite:
        zh.append(f"现场发放{onsite}副")
        en.append(f"{onsite} on site")
    left = config.stock - out.total
    text = ()
    if out.total:
        text = (
            pick(
                lang,
                f"共发放日食观测镜{out.total}副（{'，'.join(zh)}），剩余{left}副。",
                f"{out.total} pairs of eclipse glasses were handed out "
                f"({' and '.join(en)}); {left} are left.",
            ),
        )
    unit_rows = tuple((a.name, a.pairs, out.per_unit.get(a.name, 0)) for a in config.allocations)
    gate_rows = tuple(
        (g, planned, out.per_gate.get(g, 0)) for g, planned in config.per_gate.items()
    )
    tables = (
        Table(
            pick(lang, "各单位领取", "Per unit"),
            (
                pick(lang, "单位", "Unit"),
                pick(lang, "计划", "Planned"),
                pick(lang, "领取", "Collected"),
            ),
            unit_rows,
        ),
        Table(
            pick(lang, "各入口发放", "Per gate"),
            (
                pick(lang, "入口", "Gate"),
                pick(lang, "计划", "Planned"),
                pick(lang, "发放", "Handed out"),
            ),
            gate_rows,
        ),
    )
    yield ReportSection(
        NAME, pick(lang, "日食观测镜", "Eclipse glasses"), figures, text, tables, order=20
    )


@hookimpl
def kexie_public_notes(event, config):
    """The eye-safety rule and how to get glasses, for the public notice."""
    from kexie_plugins.eclipse_glasses.notice import public_notes

    return public_notes(event, config, _local_type(event))
