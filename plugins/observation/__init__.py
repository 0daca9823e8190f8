"""Built-in plugin ``observation``: eclipse circumstances and the night sky, per site.

An event uses it with a ``[plugins.observation]`` section. For a solar eclipse it computes the
type at each site, the contacts with the Sun's altitude and azimuth, magnitude, obscuration and
duration; for a lunar eclipse the penumbral and umbral contacts; for a night event sunset,
twilight and the Moon. The contacts become schedule items with reminders ("glasses on"), a
document of observing times, warnings in ``kexie check`` and a report section. When glasses may
come off is decided in one place, ``eye_safety``; everything here prints what it decides.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from kexie_events import hookimpl
from kexie_events.errors import Problem
from kexie_events.i18n import pick
from kexie_events.model import ScheduleItem
from kexie_events.records import Document, ReportSection, StatusLine, Table
from kexie_plugins.observation.circumstances import (
    NAME,
    circumstances,
    observed_sites,
    read_config,
    records,
    site_glasses_window,
    site_record,
    uncertainty,
)
from kexie_plugins.observation.eye_safety import MINUTE, SECOND, GlassesOff, printed

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
        if config.sky == "solar" and entry["type"] == "total" and not entry["glasses_off"]:
            seconds = round(entry["duration_s"])
            message = pick(
                lang,
                f"{site.name}的全食只有约{seconds}秒，计入时刻可能的偏差后无法公布安全的摘镜时刻，"
                "观测镜须全程佩戴",
                f"totality at {site.name} lasts only about {seconds} s, too short to announce "
                "a safe moment to take glasses off: they stay on throughout",
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


def window_text(window: GlassesOff | None, lang: str) -> str:
    """``摘镜08:33至08:34`` / ``glasses off 08:33 to 08:34``, or that glasses stay on."""
    if window is None:
        return pick(lang, "全食过短，全程戴好观测镜", "totality too short, keep glasses on")
    off, on = window.text(window.off), window.text(window.on)
    return pick(lang, f"摘镜{off}至{on}", f"glasses off {off} to {on}")


def _window_of(entry: dict) -> GlassesOff | None:
    """The glasses-off window of a site's JSON record."""
    if not entry.get("glasses_off"):
        return None
    off, on = (dt.datetime.fromisoformat(entry[k]) for k in ("glasses_off", "glasses_on"))
    # Whole minutes unless whole minutes left no time between them (eye_safety).
    return GlassesOff(off, on, seconds=bool(off.second or on.second))


def _clock(name: str, moment: dt.datetime | None, step: dt.timedelta = SECOND) -> str:
    """A contact or milestone as printed: ``08:32:56`` (to the second) or ``08:33``."""
    if moment is None:
        return ""
    shown = printed(name, moment, step)
    return f"{shown:%H:%M:%S}" if step == SECOND else f"{shown:%H:%M}"


@hookimpl
def kexie_status(event):
    """The eclipse (or night) at each observed site, with the glasses-off window of a totality.

    Eclipses come from ``records`` (the cache ``kexie check`` keeps), already rounded the way
    ``eye_safety`` prints contacts.
    """
    if not event.uses(NAME):
        return
    sky = read_config(event)[0].sky
    lang = event.lang
    sites = observed_sites(event)
    if sky == "night":
        for site in sites:
            result = circumstances(event, site)
            sunset = _clock("sunset", result.sunset, MINUTE)
            dusk = _clock("dusk", result.dusk, MINUTE)
            lit = round(result.moon_illumination * 100)
            yield StatusLine(
                pick(
                    lang,
                    f"{site.name}：日落{sunset}，天文昏影终{dusk}，月相照亮{lit}%",
                    f"{site.name}: sunset {sunset}, dark from {dusk}, Moon {lit}% lit",
                )
            )
        return
    for site, entry in zip(sites, records(event), strict=True):
        if entry["type"] is None:
            yield StatusLine(
                pick(lang, f"{site.name}：本地不可见", f"{site.name}: not visible"), "warning"
            )
            continue
        parts = [
            f"{label(n, lang)}{' ' if lang == 'en' else ''}{c['at'][11:19]}"
            for n, c in entry["contacts"].items()
        ]
        if sky == "solar" and entry["type"] == "total":
            parts.append(window_text(_window_of(entry), lang))
        times = pick(lang, "，", ", ").join(parts)
        yield StatusLine(
            pick(
                lang,
                f"{site.name}：{type_label(entry['type'], sky, lang)}，{times}",
                f"{site.name}: {type_label(entry['type'], sky, lang)}, {times}",
            )
        )


def _contact_titles(kind: str | None, window: GlassesOff | None, lang: str) -> dict[str, str]:
    """What the schedule tells people at the contacts of a solar eclipse, by the local type.

    Only a total eclipse with a glasses-off window says glasses may come off. The ring of an
    annular eclipse is as dangerous to look at as a partial phase, so its contacts say so.
    """
    titles = {"c1": pick(lang, "：戴好观测镜", ": glasses on")}
    if kind == "total" and window:
        titles["c2"] = pick(lang, "：全食开始，可以摘下观测镜", ": totality, glasses off")
        titles["c3"] = pick(lang, "：立即戴回观测镜", ": glasses back on now")
    elif kind == "total":
        titles["c2"] = pick(
            lang, "：全食过短，全程戴好观测镜", ": totality too short, keep glasses on"
        )
    elif kind == "annular":
        titles["c2"] = pick(
            lang, "：环食开始，继续戴好观测镜", ": annularity begins, keep glasses on"
        )
        titles["c3"] = pick(
            lang, "：环食结束，继续戴好观测镜", ": annularity ends, keep glasses on"
        )
    return titles


@hookimpl
def kexie_schedule_items(event):
    """Contacts as schedule items with reminders; the night's milestones for night events.

    Times follow ``eye_safety``: the totality item runs from the announced glasses-off time to
    the glasses-on time and its alarm rings as it starts, never before second contact; the
    glasses-on item and its alarm come at or before third contact. Other times are rounded to
    the nearest minute (first contact, which asks for glasses on, down).
    """
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
                    start = printed(key, moment, MINUTE)
                    yield ScheduleItem(
                        f"sky-{site.id}-{key}",
                        pick(lang, zh, en),
                        start,
                        start + MINUTE,
                        site=site.id,
                        reminder_minutes=15,
                    )
            continue
        if result is None or not result.visible:
            continue
        window = site_glasses_window(event, site)
        titles = _contact_titles(result.type, window, lang) if config.sky == "solar" else {}
        for name, contact in result.contacts.items():
            description = pick(
                lang,
                f"精确时刻{_clock(name, contact.at)}（ΔT={result.delta_t:.1f}秒）",
                f"at {_clock(name, contact.at)} (ΔT {result.delta_t:.1f} s)",
            )
            start = printed(name, contact.at, MINUTE)
            end, reminder = start + MINUTE, None
            if config.sky == "solar" and name == "c1":
                reminder = config.glasses_on_minutes
            elif config.sky == "solar" and name in ("c2", "c3") and window:
                # Each alarm rings as its item starts: glasses off at or after C2, back on at
                # or before C3. An alarm a minute ahead would say "glasses off" before totality.
                start = window.off if name == "c2" else window.on
                end = window.on if name == "c2" else window.on + MINUTE
                reminder = 0
                description += pick(lang, "；", "; ") + window_text(window, lang)
            yield ScheduleItem(
                f"sky-{site.id}-{name}",
                label(name, lang) + titles.get(name, ""),
                start,
                end,
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
    rows = [
        (site, circumstances(event, site), site_glasses_window(event, site))
        for site in observed_sites(event)
    ]
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
            "clock": _clock,
            "to_the_minute": lambda name, moment: printed(name, moment, MINUTE),
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
    records = [site_record(event, site) for site in observed_sites(event)]
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
