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
from kexie_events.i18n import (
    date_text,
    decimal_text,
    duration_text,
    moment_text,
    pick,
    time_text,
    zone_text,
)
from kexie_events.model import ScheduleItem
from kexie_events.records import Document, PluginSection, ReportSection, StatusLine, Table
from kexie_plugins.observation.circumstances import (
    NAME,
    circumstances,
    event_problems,
    observed_sites,
    read_config,
    record_window,
    records,
    site_glasses_window,
    site_record,
    uncertainty,
)
from kexie_plugins.observation.eye_safety import MINUTE, GlassesOff, printed
from kexie_plugins.observation.text import (
    body_label,
    clock,
    common_day,
    degrees_text,
    glasses_advice,
    label,
    percent_text,
    place_text,
    seconds_text,
    type_label,
    when,
    window_text,
)

TEMPLATES = (Path(__file__).parent / "templates",)
#: The moments of a night the observing-times sheet lists.
NIGHT = ("sunset", "dusk", "moonrise", "moonset", "dawn", "sunrise")


class LocalEclipse(str):
    """The solar eclipse's type at the event's first observed site, with what to tell people.

    A ``str`` (``"total"``, ``"annular"``, ``"partial"``), so that a template written for the
    plain type keeps working. ``advice`` holds the eye-safety rule's sentences for every
    observed site, in the event's language: the glasses-off window inside a totality long
    enough to announce one, otherwise that glasses stay on throughout.
    """

    advice: tuple[str, ...]

    def __new__(cls, kind: str, advice: tuple[str, ...]):
        made = super().__new__(cls, kind)
        made.advice = advice
        return made


def local_type(event) -> LocalEclipse | None:
    """The solar eclipse at the observed sites, for the eclipse-glasses eye-safety sheet.

    ``None`` when the event computes no solar eclipse, or none is visible at its first site.
    """
    config = event.configs.get(NAME)
    if config is None or config.sky != "solar":
        return None
    sites = observed_sites(event, config)
    results = [(site, circumstances(event, config, site)) for site in sites]
    if not results or results[0][1] is None or not results[0][1].type:
        return None
    lang = event.lang
    advice = []
    for site, result in results:
        window = site_glasses_window(event, config, site)
        sentence = glasses_advice(
            result.type if result is not None else None,
            window,
            result.duration_s if result is not None else 0.0,
            uncertainty(result, config.delta_t is not None) if result is not None else 0.0,
            lang,
        )
        if window is not None:  # the sheet has no other word on the clock its times are on
            sentence += pick(lang, f"（时刻为{_zone_of(event)}）", f" (Times: {_zone_of(event)}.)")
        # Several sites: each sentence says which site it is for.
        if len(sites) > 1:
            sentence = f"{site.name}{pick(lang, '：', ': ')}{sentence}"
        advice.append(sentence)
    return LocalEclipse(results[0][1].type, tuple(advice))


@hookimpl
def kexie_config_section():
    """``[plugins.observation]``: what sky, from which sites, with which Delta T."""
    return PluginSection(read_config)


@hookimpl
def kexie_check_event(event, config):
    """Coordinates for every observed site; warnings when the sky does not cooperate.

    Works from ``records`` (cached in the event folder), so a second ``kexie check`` neither
    recomputes the sky nor loads the astronomy.
    """
    problems = event_problems(event, config)
    if any(p.severity == "error" for p in problems) or config.sky == "night":
        return problems
    lang = event.lang
    index_of = {site.id: index for index, site in enumerate(event.sites)}
    for site, entry in zip(observed_sites(event, config), records(event, config), strict=True):
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
                f"{site.name}食甚时太阳高度只有{altitude:.0f}°，须选择东方或西方视野开阔的场地",
                f"the Sun stands only {altitude:.0f}° high at maximum at {site.name}; choose "
                "a site with a clear horizon",
            )
            problems.append(Problem(where, message, "warning"))
        if config.sky == "solar" and entry["type"] == "total" and not entry["glasses_off"]:
            lasting = duration_text(entry["duration_s"], lang)
            message = pick(
                lang,
                f"{site.name}的全食只有约{lasting}，计入时刻可能的偏差后无法公布安全的摘镜时刻，"
                "观测镜须全程佩戴",
                f"totality at {site.name} lasts only about {lasting}, too short to announce "
                "a safe moment to take glasses off: they stay on throughout",
            )
            problems.append(Problem(where, message, "warning"))
        # What people can see: the Moon in the umbra (a penumbral phase goes unnoticed).
        first = next((n for n in ("c1", "u1", "p1") if entry.get(n)), None)
        last = next((n for n in ("c4", "u4", "p4") if entry.get(n)), None)
        for name, key, outside in (
            (first, "start", first and _at(entry, first) < event.start),
            (last, "end", last and _at(entry, last) > event.end),
        ):
            if outside:
                message = _outside_message(event, site.name, name, _at(entry, name), key)
                problems.append(Problem((key,), message, "warning"))
    return problems


def _at(entry: dict, name: str) -> dt.datetime:
    """A time of a site's JSON record (already rounded as ``eye_safety`` prints it)."""
    return dt.datetime.fromisoformat(entry[name])


def _outside_message(event, site: str, name: str, moment: dt.datetime, key: str) -> str:
    """``县行政中心广场的初亏在2035年9月2日 07:24:41，早于活动开始（08:00）``: the
    contact's date and time to the second, and the start or end of the event it misses."""
    lang = event.lang
    bound = event.start if key == "start" else event.end
    moment = moment.astimezone(bound.tzinfo)
    edge = time_text(bound) if bound.date() == moment.date() else moment_text(bound, lang)
    contact = label(name, lang)
    day, time = date_text(moment.date(), lang), f"{moment:%H:%M:%S}"
    if key == "start":
        return pick(
            lang,
            f"{site}的{contact}在{day} {time}，早于活动开始（{edge}）",
            f"{contact} at {site} is on {day} at {time}, before the event starts ({edge})",
        )
    return pick(
        lang,
        f"{site}的{contact}在{day} {time}，晚于活动结束（{edge}）",
        f"{contact} at {site} is on {day} at {time}, after the event ends ({edge})",
    )


@hookimpl
def kexie_status(event, config):
    """The eclipse (or night) at each observed site, with the glasses-off window of a totality.

    Eclipses come from ``records`` (the cache ``kexie check`` keeps), already rounded the way
    ``eye_safety`` prints contacts.
    """
    sky = config.sky
    lang = event.lang
    sites = observed_sites(event, config)
    if sky == "night":
        for site in sites:
            result = circumstances(event, config, site)
            sunset = clock("sunset", result.sunset, MINUTE)
            dusk = clock("dusk", result.dusk, MINUTE)
            lit = percent_text(result.moon_illumination)
            yield StatusLine(
                pick(
                    lang,
                    f"{site.name}：日落{sunset}，天文昏影终{dusk}，月面照亮比例{lit}",
                    f"{site.name}: sunset {sunset}, dark from {dusk}, Moon {lit} lit",
                )
            )
        return
    for site, entry in zip(sites, records(event, config), strict=True):
        if entry["type"] is None:
            body = "日" if sky == "solar" else "月"
            yield StatusLine(
                pick(
                    lang,
                    f"{site.name}：本地看不到这次{body}食",
                    f"{site.name}: the eclipse is not visible here",
                ),
                "warning",
            )
            continue
        moments = {n: dt.datetime.fromisoformat(c["at"]) for n, c in entry["contacts"].items()}
        day = common_day(moments.values())
        parts = [
            f"{label(n, lang)}{' ' if lang == 'en' else ''}{when(moment, lang, day)}"
            for n, moment in moments.items()
        ]
        if sky == "solar" and entry["type"] == "total":
            parts.append(window_text(record_window(entry), lang))
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
def kexie_schedule_items(event, config):
    """Contacts as schedule items with reminders; the night's milestones for night events.

    Times follow ``eye_safety``: the totality item runs from the announced glasses-off time to
    the glasses-on time and its alarm rings as it starts, never before second contact; the
    glasses-on item and its alarm come at or before third contact. Other times are rounded to
    the nearest minute (first contact, which asks for glasses on, down).
    """
    lang = event.lang
    for site in observed_sites(event, config):
        result = circumstances(event, config, site)
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
        window = site_glasses_window(event, config, site)
        titles = _contact_titles(result.type, window, lang) if config.sky == "solar" else {}
        for name, contact in result.contacts.items():
            description = pick(
                lang,
                f"精确时刻{clock(name, contact.at)}（ΔT＝{seconds_text(result.delta_t, lang)}）",
                f"at {clock(name, contact.at)} (ΔT = {seconds_text(result.delta_t, lang)})",
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


def _sheet_rows(event, config) -> list[dict]:
    """Per observed site, what the observing-times sheet prints, already worded."""
    lang = event.lang
    rows = []
    for site in observed_sites(event, config):
        result = circumstances(event, config, site)
        row = {
            "site": site,
            "position": place_text(site.lat, site.lon, lang),
            "elevation": decimal_text(site.elevation, 0),
            "result": result,
        }
        if config.sky == "night":
            moments = [(n, getattr(result, n)) for n in NIGHT]
            moments = sorted(((n, m) for n, m in moments if m), key=lambda item: item[1])
            row["times"] = [
                (label(n, lang), when(printed(n, m, MINUTE), lang, seconds=False))
                for n, m in moments
            ]
            row["moon_lit"] = percent_text(result.moon_illumination)
            rows.append(row)
            continue
        if result is None or not result.visible:
            rows.append(row)
            continue
        shown = {n: printed(n, c.at) for n, c in result.contacts.items()}
        day = common_day(shown.values())
        row["day"] = day
        row["contacts"] = [
            (
                label(n, lang),
                when(shown[n], lang, day),
                degrees_text(c.altitude),
                degrees_text(c.azimuth),
            )
            for n, c in result.contacts.items()
        ]
        spread = uncertainty(result, config.delta_t is not None)
        row["spread"] = seconds_text(spread, lang) if spread else ""
        row["delta_t"] = seconds_text(result.delta_t, lang)
        if config.sky == "solar":
            row["obscuration"] = percent_text(result.obscuration)
            row["duration"] = duration_text(result.duration_s, lang) if result.duration_s else ""
            row["advice"] = glasses_advice(
                result.type,
                site_glasses_window(event, config, site),
                result.duration_s,
                spread,
                lang,
            )
        rows.append(row)
    return rows


def _sheet_description(sky: str, lang: str) -> str:
    """What the observing-times sheet holds, for the kit's index."""
    if sky == "night":
        return pick(
            lang,
            "各场地日落、天文昏影终、月出月落等时刻",
            "Sunset, dusk, moonrise and dawn per site",
        )
    body = body_label(sky, lang)
    return pick(
        lang,
        f"各场地{'日' if sky == 'solar' else '月'}食各阶段的时刻、{body}高度和方位、食分",
        f"Contacts per site, with {body}'s altitude and azimuth, and the magnitude",
    )


def _zone_of(event) -> str:
    """The clock the event's times are on: ``北京时间``, ``Europe/Madrid, UTC+02:00``."""
    return zone_text(event.start.astimezone(event.tz), event.lang)


@hookimpl
def kexie_documents(event, config):
    """The observing times per site, with the eye-safety rule for the local type."""
    yield Document(
        "observing-times",
        pick(event.lang, "观测时刻表", "Observing times"),
        "sky.html",
        context={
            "rows": _sheet_rows(event, config),
            "zone": _zone_of(event),
            "sky": config.sky,
            "body": body_label(config.sky, event.lang),
            "type_label": lambda kind: type_label(kind, config.sky, event.lang),
        },
        search_path=TEMPLATES,
        description=_sheet_description(config.sky, event.lang),
        order=15,
    )


@hookimpl
def kexie_cli_commands():
    """``kexie sky``."""
    from kexie_plugins.observation.commands import sky

    return [sky]


def _summary(record: dict, sky: str, lang: str) -> str:
    """The narrative's sentence: ``本地日全食，食分1.0254，全食持续73秒。``"""
    kind = type_label(record["type"], sky, lang)
    if sky == "lunar":
        magnitude = record["umbral_magnitude"]
        return pick(
            lang,
            f"本地{kind}，本影食分{magnitude}。",
            f"Locally a {kind}, umbral magnitude {magnitude}.",
        )
    text = pick(
        lang,
        f"本地{kind}，食分{record['magnitude']}",
        f"Locally a {kind}, magnitude {record['magnitude']}",
    )
    if record["duration_s"]:
        seconds = round(record["duration_s"])
        central = "全食" if record["type"] == "total" else "环食"
        text += pick(
            lang,
            f"，{central}持续{seconds}秒",
            f", {duration_text(seconds, lang)} of "
            f"{'totality' if record['type'] == 'total' else 'annularity'}",
        )
    return text + pick(lang, "。", ".")


def _report_table(event, config, records: list[dict]) -> Table:
    """Per site: the type, when it began, peaked and ended, and its magnitude; for a night,
    sunset, dusk, dawn and the Moon. Times as people read them, with their date and clock."""
    lang, sky = event.lang, config.sky
    names = {s.id: s.name for s in event.sites}
    if sky == "night":
        nights = [circumstances(event, config, site) for site in observed_sites(event, config)]
        keys = ("sunset", "dusk", "dawn")
        moments = {
            k: [printed(k, getattr(n, k), MINUTE) if getattr(n, k) else None for n in nights]
            for k in keys
        }
        rows = tuple(
            (
                names[r["site"]],
                *(when(moments[k][i], lang, seconds=False) if moments[k][i] else "" for k in keys),
                percent_text(nights[i].moon_illumination),
            )
            for i, r in enumerate(records)
        )
        header = (
            pick(lang, "场地", "Site"),
            *(label(k, lang).capitalize() for k in keys),
            pick(lang, "月面照亮比例", "Moon lit"),
        )
        title = pick(lang, f"各场地观测条件（{_zone_of(event)}）", f"Per site ({_zone_of(event)})")
        return Table(title, header, rows)
    keys = ("c1", "max", "c4") if sky == "solar" else ("u1", "max", "u4")
    parsed = [{k: dt.datetime.fromisoformat(r[k]) for k in keys if r.get(k)} for r in records]
    day = common_day(m for found in parsed for m in found.values())
    magnitude = "magnitude" if sky == "solar" else "umbral_magnitude"
    rows = tuple(
        (
            names[r["site"]],
            type_label(r["type"], sky, lang),
            *(when(found[k], lang, day) if k in found else "" for k in keys),
            r.get(magnitude) if r["type"] else "",
        )
        for r, found in zip(records, parsed, strict=True)
    )
    header = (
        pick(lang, "场地", "Site"),
        pick(lang, "类型", "Type"),
        *(label(k, lang).capitalize() for k in keys),
        pick(lang, "食分", "Magnitude")
        if sky == "solar"
        else pick(lang, "本影食分", "Umbral magnitude"),
    )
    zone = _zone_of(event)
    if day is not None:
        title = pick(
            lang,
            f"各场地观测条件（{date_text(day, lang)}，{zone}）",
            f"Per site ({date_text(day, lang)}, {zone})",
        )
    else:
        title = pick(lang, f"各场地观测条件（{zone}）", f"Per site ({zone})")
    return Table(title, header, rows)


@hookimpl
def kexie_report_sections(event, config):
    """Observing conditions: what the sky offered at each site."""
    lang = event.lang
    records = [site_record(event, config, site) for site in observed_sites(event, config)]
    text = []
    if config.sky != "night" and records and records[0]["type"]:
        text.append(_summary(records[0], config.sky, lang))
        if config.sky == "solar":
            records[0]["duration_rounded_s"] = round(records[0]["duration_s"])
    yield ReportSection(
        NAME,
        pick(lang, "观测条件", "Observing conditions"),
        {"sky": config.sky, "sites": records},
        tuple(text),
        (_report_table(event, config, records),),
        order=10,
    )
