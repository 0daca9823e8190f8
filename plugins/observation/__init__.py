"""Built-in plugin ``observation``: eclipse circumstances and the night sky, per site.

An event uses it with a ``[plugins.observation]`` section. For a solar eclipse it computes the
type at each site, the contacts with the Sun's altitude and azimuth, magnitude, obscuration and
duration; for a lunar eclipse the penumbral and umbral contacts; for a night event sunset,
twilight and the Moon. The contacts become schedule items with reminders ("glasses on"), a
document of observing times, warnings in ``kexie check`` and a report section.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from kexie_events import hookimpl
from kexie_events.errors import Problem
from kexie_events.i18n import pick, time_text
from kexie_events.model import ScheduleItem
from kexie_events.records import Document, ReportSection, StatusLine, Table
from kexie_plugins.observation.circumstances import (
    NAME,
    circumstances,
    observed_sites,
    read_config,
    record,
    records,
    uncertainty,
)

TEMPLATES = (Path(__file__).parent / "templates",)
LABELS = {
    "c1": ("初亏", "first contact"),
    "c2": ("食既", "second contact"),
    "max": ("食甚", "maximum"),
    "c3": ("生光", "third contact"),
    "c4": ("复圆", "last contact"),
    "p1": ("半影食始", "penumbral eclipse begins"),
    "u1": ("初亏", "partial eclipse begins"),
    "u2": ("食既", "total eclipse begins"),
    "u3": ("生光", "total eclipse ends"),
    "u4": ("复圆", "partial eclipse ends"),
    "p4": ("半影食终", "penumbral eclipse ends"),
}
TYPES = {
    "total": ("全食", "total"),
    "annular": ("环食", "annular"),
    "partial": ("偏食", "partial"),
    "penumbral": ("半影月食", "penumbral"),
}


def label(name: str, lang: str) -> str:
    """The name of a contact in the event's language."""
    zh, en = LABELS[name]
    return pick(lang, zh, en)


def type_label(kind: str | None, sky: str, lang: str) -> str:
    """``日全食``, ``月偏食``, ``total solar eclipse``..."""
    if kind is None:
        return pick(lang, "本地不可见", "not visible here")
    zh, en = TYPES[kind]
    if kind == "penumbral":
        return pick(lang, zh, "penumbral lunar eclipse")
    body = pick(lang, "日" if sky == "solar" else "月", "solar" if sky == "solar" else "lunar")
    return pick(lang, f"{body}{zh}", f"{en} {body} eclipse")


def local_type(event) -> str | None:
    """The solar eclipse's type at the first observed site (for the eye-safety wording)."""
    if not event.uses(NAME) or read_config(event)[0].sky != "solar":
        return None
    sites = observed_sites(event)
    result = circumstances(event, sites[0]) if sites else None
    return result.type if result else None


@hookimpl
def kexie_check_event(event):
    """Coordinates for every observed site; warnings when the sky does not cooperate.

    Works from ``records`` (cached in the event folder), so a second ``kexie check`` neither
    recomputes the sky nor loads the astronomy.
    """
    if not event.uses(NAME):
        return []
    config, problems = read_config(event)
    if any(p.severity == "error" for p in problems) or config.sky == "night":
        return problems
    lang = event.lang
    index_of = {site.id: index for index, site in enumerate(event.sites)}
    for site, entry in zip(observed_sites(event), records(event), strict=True):
        where = ("sites", index_of[site.id])
        if entry["type"] is None:
            body = "日" if config.sky == "solar" else "月"
            message = pick(
                lang,
                f"{site.name}看不到这次{body}食",
                f"the eclipse is not visible from {site.name}",
            )
            problems.append(Problem(where, message, "warning"))
            continue
        altitude = entry["contacts"]["max"]["altitude"]
        if config.sky == "solar" and altitude < 10:
            message = pick(
                lang,
                f"食甚时太阳高度只有{altitude:.0f}°，须选择东方或西方视野开阔的场地",
                f"the Sun stands only {altitude:.0f}° high at maximum; choose a site with "
                "a clear horizon",
            )
            problems.append(Problem(where, message, "warning"))
        first = next((n for n in ("c1", "p1") if entry.get(n)), None)
        last = next((n for n in ("c4", "p4") if entry.get(n)), None)
        for name, outside, key, zh, en in (
            (
                first,
                first and dt.datetime.fromisoformat(entry[first]) < event.start,
                "start",
                "早于活动开始",
                "before the event starts",
            ),
            (
                last,
                last and dt.datetime.fromisoformat(entry[last]) > event.end,
                "end",
                "晚于活动结束",
                "after the event ends",
            ),
        ):
            if outside:
                when = dt.datetime.fromisoformat(entry[name]).strftime("%H:%M")
                message = pick(
                    lang,
                    f"{site.name}的{label(name, lang)}在{when}，{zh}",
                    f"{label(name, lang)} at {site.name} is at {when}, {en}",
                )
                problems.append(Problem((key,), message, "warning"))
    return problems


@hookimpl
def kexie_status(event):
    """The eclipse (or night) at each observed site."""
    if not event.uses(NAME):
        return
    sky = read_config(event)[0].sky
    for site in observed_sites(event):
        result = circumstances(event, site)
        if sky == "night":
            yield StatusLine(
                pick(
                    event.lang,
                    f"{site.name}：日落{time_text(result.sunset)}，天文昏影终{time_text(result.dusk)}，"
                    f"月相照亮{round(result.moon_illumination * 100)}%",
                    f"{site.name}: sunset {time_text(result.sunset)}, dark from "
                    f"{time_text(result.dusk)}, Moon {round(result.moon_illumination * 100)}% lit",
                )
            )
            continue
        if result is None or not result.visible:
            yield StatusLine(
                pick(event.lang, f"{site.name}：本地不可见", f"{site.name}: not visible"), "warning"
            )
            continue
        times = pick(event.lang, "，", ", ").join(
            f"{label(n, event.lang)}{' ' if event.lang == 'en' else ''}{c.at:%H:%M:%S}"
            for n, c in result.contacts.items()
        )
        yield StatusLine(
            f"{site.name}：{type_label(result.type, sky, event.lang)}，{times}"
            if event.lang == "zh"
            else f"{site.name}: {type_label(result.type, sky, event.lang)}, {times}"
        )


def _minute(moment: dt.datetime) -> dt.datetime:
    return moment.replace(second=0, microsecond=0)


@hookimpl
def kexie_schedule_items(event):
    """Contacts as schedule items with reminders; the night's milestones for night events."""
    if not event.uses(NAME):
        return
    config = read_config(event)[0]
    lang = event.lang
    for site in observed_sites(event):
        result = circumstances(event, site)
        if config.sky == "night":
            for key, zh, en in (
                ("dusk", "天文昏影终，开始观测", "Dark sky: observing starts"),
                ("moonrise", "月出", "Moonrise"),
                ("moonset", "月落", "Moonset"),
                ("dawn", "天文晨光始，观测结束", "Dawn: observing ends"),
            ):
                moment = getattr(result, key)
                if moment and event.start <= moment <= event.end:
                    yield ScheduleItem(
                        f"sky-{site.id}-{key}",
                        pick(lang, zh, en),
                        _minute(moment),
                        _minute(moment) + dt.timedelta(minutes=1),
                        site=site.id,
                        reminder_minutes=15,
                    )
            continue
        if result is None or not result.visible:
            continue
        contacts = result.contacts
        for name, contact in contacts.items():
            title = label(name, lang)
            description = pick(
                lang,
                f"精确时刻{contact.at:%H:%M:%S}（ΔT={result.delta_t:.1f}秒）",
                f"at {contact.at:%H:%M:%S} (ΔT {result.delta_t:.1f} s)",
            )
            reminder = None
            if config.sky == "solar":
                if name == "c1":
                    title += pick(lang, "：戴好观测镜", ": glasses on")
                    reminder = config.glasses_on_minutes
                elif name == "c2" and result.type == "total":
                    title += pick(lang, "：全食开始，可以摘下观测镜", ": totality, glasses off")
                    reminder = 1
                elif name == "c3" and result.type == "total":
                    title += pick(lang, "：立即戴回观测镜", ": glasses back on now")
                    reminder = 1
            start = _minute(contact.at)
            yield ScheduleItem(
                f"sky-{site.id}-{name}",
                title,
                start,
                start + dt.timedelta(minutes=1),
                site=site.id,
                description=description,
                reminder_minutes=reminder,
            )


def _zone_label(event) -> str:
    """``Asia/Shanghai, UTC+08:00``: the zone the sheet's times are in, with its offset."""
    offset = event.start.astimezone(event.tz).strftime("%z")
    return f"{event.timezone}, UTC{offset[:3]}:{offset[3:]}"


@hookimpl
def kexie_documents(event):
    """The observing times per site, with the eye-safety rule for the local type."""
    if not event.uses(NAME):
        return
    config = read_config(event)[0]
    rows = []
    for site in observed_sites(event):
        result = circumstances(event, site)
        rows.append((site, result))
    yield Document(
        "observing-times",
        pick(event.lang, "观测时刻表", "Observing times"),
        "sky.html",
        context={
            "rows": rows,
            "zone": _zone_label(event),
            "sky": config.sky,
            "uncertainty": lambda result: uncertainty(result, config.delta_t is not None),
            "labels": {k: label(k, event.lang) for k in LABELS},
            "type_label": lambda kind: type_label(kind, config.sky, event.lang),
        },
        search_path=TEMPLATES,
        description=pick(
            event.lang,
            "各场地的接触时刻、太阳高度、食分",
            "Contacts, altitudes and magnitude per site",
        ),
        order=15,
    )


@hookimpl
def kexie_cli_commands():
    """``kexie sky``."""
    from kexie_plugins.observation.commands import sky

    return [sky]


@hookimpl
def kexie_report_sections(event):
    """Observing conditions: what the sky offered at each site."""
    if not event.uses(NAME):
        return
    config = read_config(event)[0]
    lang = event.lang
    records = [
        record(site.id, circumstances(event, site), config.sky) for site in observed_sites(event)
    ]
    text = []
    if config.sky == "solar" and records and records[0]["type"]:
        first = records[0]
        text.append(
            pick(
                lang,
                f"本地{type_label(first['type'], 'solar', lang)}，食分{first['magnitude']}"
                + (f"，全食持续{round(first['duration_s'])}秒" if first["duration_s"] else "")
                + "。",
                f"Locally a {type_label(first['type'], 'solar', lang)}, magnitude "
                f"{first['magnitude']}"
                + (f", {round(first['duration_s'])} s of totality" if first["duration_s"] else "")
                + ".",
            )
        )
        first["duration_rounded_s"] = round(first["duration_s"])
    names = {s.id: s.name for s in event.sites}
    table_rows = tuple(
        (
            names[r["site"]],
            type_label(r["type"], config.sky, lang)
            if config.sky != "night"
            else pick(lang, "夜空", "night"),
            *(
                r.get(k) or ""
                for k in (
                    ("c1", "max", "c4")
                    if config.sky == "solar"
                    else ("p1", "max", "p4")
                    if config.sky == "lunar"
                    else ("sunset", "dusk", "dawn")
                )
            ),
        )
        for r in records
    )
    header = (
        pick(lang, "场地", "Site"),
        pick(lang, "类型", "Type"),
        *(
            pick(lang, "开始", "Begins"),
            pick(lang, "食甚/中间", "Middle"),
            pick(lang, "结束", "Ends"),
        ),
    )
    yield ReportSection(
        NAME,
        pick(lang, "观测条件", "Observing conditions"),
        {"sky": config.sky, "sites": records},
        tuple(text),
        (Table(pick(lang, "各场地观测条件", "Per site"), header, table_rows),),
        order=10,
    )
