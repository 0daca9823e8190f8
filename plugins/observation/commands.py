"""``kexie sky``: eclipse circumstances and the night sky for an event or any place."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from kexie_events.cli import DefaultCommandGroup, open_event, print_json
from kexie_events.errors import UsageError
from kexie_events.fields import time_zone


class SkyGroup(DefaultCommandGroup):
    """``kexie sky DIR``, ``kexie sky --lat ...`` and ``kexie sky next ...``."""

    default = "show"


def _zone(name: str) -> ZoneInfo:
    try:
        return time_zone(name)
    except ValueError as error:
        raise UsageError(str(error)) from None


@click.group(cls=SkyGroup)
def sky() -> None:
    """Eclipse circumstances and the night sky, per site or for any place.

    kexie sky DIR [--json]; kexie sky --lat .. --lon .. --date YYYY-MM-DD [--tz ..] [--json];
    kexie sky next --lat .. --lon .. [--years 20] [--from YYYY-MM-DD].
    """


@sky.command(name="show", hidden=True)
@click.argument(
    "directory", metavar="[DIR]", required=False, type=click.Path(file_okay=False, path_type=Path)
)
@click.option("--lat", type=click.FloatRange(-90, 90), help="Latitude, degrees north.")
@click.option("--lon", type=click.FloatRange(-180, 180), help="Longitude, degrees east.")
@click.option("--elevation", type=float, default=0.0, help="Metres above sea level.")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="The day to look at.")
@click.option("--tz", "zone", default="UTC", show_default=True, help="Time zone for the times.")
@click.option(
    "--kind",
    type=click.Choice(["solar", "lunar", "night"]),
    help="What to compute at a place (default: any solar or lunar eclipse on the day).",
)
@click.option("--delta-t", type=float, help="Delta T in seconds (default: built-in model).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def show(ctx, directory, lat, lon, elevation, day, zone, kind, delta_t, as_json) -> None:
    """Circumstances per site of DIR, or at --lat/--lon on --date (that day only)."""
    from kexie_plugins.observation import sky as astro
    from kexie_plugins.observation.circumstances import (
        NAME,
        observed_sites,
        site_record,
    )
    from kexie_plugins.observation.text import place_text

    if directory is not None:
        _plugins, event, store = open_event(ctx, directory)
        store.close()
        config = event.configs.get(NAME)
        if config is None:
            raise UsageError(f"the event has no [plugins.{NAME}] section")
        sites = observed_sites(event, config)
        records = [site_record(event, config, s) for s in sites]
        sky_kind = config.sky
        for entry in records:
            entry["kind"] = sky_kind
        lang, names, tz = event.lang, {s.id: s.name for s in sites}, event.tz
    else:
        if lat is None or lon is None or day is None:
            raise UsageError("give DIR, or --lat, --lon and --date")
        if not astro.covers(day.date()):
            raise UsageError(astro.range_message(day.date()))
        place, tz = astro.Place(lat, lon, elevation), _zone(zone)
        records = _on_day(place, day.date(), tz, kind, delta_t)
        lang, names = "en", {records[0]["site"]: place_text(lat, lon, "en")}
    if as_json:
        print_json(records)
        return
    for entry in records:
        for line in _lines(entry, names.get(entry["site"], entry["site"]), lang, tz):
            click.echo(line)


def _on_day(place, day: dt.date, tz: ZoneInfo, kind: str | None, delta_t) -> list[dict]:
    """The records for ``kexie sky --lat .. --date``: the eclipses of that day only.

    An eclipse counts for the day when any part of it, first contact to last, falls on that
    date in ``tz`` (a lunar eclipse across midnight counts for both days). With no eclipse,
    one record says so (``type`` null).
    """
    from kexie_plugins.observation import sky as astro
    from kexie_plugins.observation.circumstances import glasses_window, record

    site = f"{place.lat:.4f},{place.lon:.4f}"
    noon = dt.datetime.combine(day, dt.time(12), tzinfo=tz)
    fixed = delta_t is not None
    records = []
    for sky_kind in [kind] if kind else ["solar", "lunar"]:
        if sky_kind == "night":
            found = record(site, astro.night(place, day, tz), "night")
        else:
            compute = astro.solar_eclipse if sky_kind == "solar" else astro.lunar_eclipse
            result = compute(place, noon, tz, delta_t)
            if result is None or not _falls_on(result, day):
                continue
            window = glasses_window(result, place, fixed) if sky_kind == "solar" else None
            found = record(site, result, sky_kind, fixed, window)
        records.append(found | {"kind": sky_kind})
    if not records:
        sky_kind = kind or "solar"
        records = [record(site, None, sky_kind) | {"kind": sky_kind}]
    return records


def _falls_on(result, day: dt.date) -> bool:
    """Whether any part of the eclipse, first contact to last, falls on ``day`` (its zone)."""
    moments = [contact.at for contact in result.contacts.values()]
    return min(moments).date() <= day <= max(moments).date()


def _lines(entry: dict, site: str, lang: str, tz: ZoneInfo) -> list[str]:
    """``kexie sky`` for people: a site's record in the event's language, times in ``tz``
    with their date and clock (``北京时间``), no identifiers or ISO strings."""
    from kexie_events.i18n import date_text, decimal_text, duration_text, pick, zone_text
    from kexie_plugins.observation.circumstances import record_window
    from kexie_plugins.observation.eye_safety import MINUTE, printed
    from kexie_plugins.observation.text import (
        body_label,
        common_day,
        degrees_text,
        label,
        percent_text,
        type_label,
        when,
        window_text,
    )

    def at(text: str) -> dt.datetime:
        return dt.datetime.fromisoformat(text).astimezone(tz)

    sky_kind = entry["kind"]
    colon = pick(lang, "：", ": ")
    if sky_kind == "night":
        moments = {
            k: printed(k, at(entry[k]), MINUTE)
            for k in ("sunset", "dusk", "moonrise", "moonset", "dawn", "sunrise")
            if entry.get(k)
        }
        zone = zone_text(next(iter(moments.values())), lang) if moments else ""
        lines = [f"{site}{colon}{pick(lang, f'夜空（{zone}）', f'the night ({zone})')}"]
        for name, moment in sorted(moments.items(), key=lambda item: item[1]):
            lines.append(f"  {label(name, lang)}{colon}{when(moment, lang, seconds=False)}")
        lit = percent_text(entry["moon_illumination"])
        lines.append(f"  {pick(lang, '月面照亮比例', 'Moon lit')}{colon}{lit}")
        return lines
    if entry["type"] is None:
        return [f"{site}{colon}{pick(lang, '本地看不到日食或月食', 'no eclipse to see here')}"]
    moments = {n: at(c["at"]) for n, c in entry["contacts"].items()}
    day = common_day(moments.values())
    clock = zone_text(moments["max"], lang)
    heading = f"{date_text(day, lang)}{pick(lang, '，', ', ')}{clock}" if day else clock
    kind = type_label(entry["type"], sky_kind, lang)
    lines = [f"{site}{colon}{pick(lang, f'{kind}（{heading}）', f'{kind} ({heading})')}"]
    body = body_label(sky_kind, lang)
    for name, contact in entry["contacts"].items():
        altitude, azimuth = degrees_text(contact["altitude"]), degrees_text(contact["azimuth"])
        lines.append(
            pick(
                lang,
                f"  {label(name, lang)}  {when(moments[name], lang, day)}  "
                f"{body}高度{altitude}，方位{azimuth}",
                f"  {label(name, lang)}  {when(moments[name], lang, day)}  "
                f"{body} at {altitude}, azimuth {azimuth}",
            )
        )
    if sky_kind == "solar":
        if entry["type"] == "total":
            window = record_window(entry)
            if window is not None:
                window = type(window)(
                    at(entry["glasses_off"]), at(entry["glasses_on"]), window.seconds
                )
            lines.append(f"  {window_text(window, lang)}")
        figures = [
            pick(lang, f"食分{entry['magnitude']}", f"magnitude {entry['magnitude']}"),
            pick(lang, "遮蔽面积", "obscuration ") + percent_text(entry["obscuration"]),
        ]
        if entry["duration_s"]:
            central = pick(
                lang,
                "全食持续" if entry["type"] == "total" else "环食持续",
                "totality " if entry["type"] == "total" else "annularity ",
            )
            figures.append(central + duration_text(entry["duration_s"], lang))
    else:
        figures = [
            pick(lang, "本影食分", "umbral magnitude ") + str(entry["umbral_magnitude"]),
            pick(lang, "半影食分", "penumbral magnitude ") + str(entry["penumbral_magnitude"]),
        ]
    figures.append(
        pick(lang, "ΔT＝", "ΔT = ") + decimal_text(entry["delta_t"]) + pick(lang, "秒", " s")
    )
    lines.append("  " + pick(lang, "，", ", ").join(figures))
    return lines


def _years_after(start: dt.datetime, years: int) -> dt.datetime:
    """The same day and time ``years`` later (28 February for 29 February)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)


@sky.command(name="next")
@click.option("--lat", type=click.FloatRange(-90, 90), required=True)
@click.option("--lon", type=click.FloatRange(-180, 180), required=True)
@click.option("--elevation", type=float, default=0.0)
@click.option("--years", type=click.IntRange(1, 100), default=20, show_default=True)
@click.option(
    "--from", "since", type=click.DateTime(["%Y-%m-%d"]), help="First day (default: today)."
)
@click.option("--tz", "zone", default="UTC", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def next_command(lat, lon, elevation, years, since, zone, as_json) -> None:
    """The coming solar and lunar eclipses visible from a place.

    Solar eclipses of any type with the Sun above the horizon for part of them; lunar
    eclipses with the Moon in the umbra and above the horizon for part of that.
    """
    from kexie_events.i18n import date_text, zone_text
    from kexie_plugins.observation import coming
    from kexie_plugins.observation import sky as astro
    from kexie_plugins.observation.circumstances import glasses_window, record
    from kexie_plugins.observation.text import place_text

    tz = _zone(zone)
    if since is not None:
        start = dt.datetime.combine(since.date(), dt.time(), tzinfo=tz)
    else:
        start = dt.datetime.now(tz)
    if not astro.covers(start.date()):
        raise UsageError(astro.range_message(start.date()))
    end = _years_after(start, years)
    last = dt.datetime.combine(astro.LAST_DAY, dt.time(), tzinfo=tz)
    place = astro.Place(lat, lon, elevation)
    found = coming.upcoming(place, start, min(end, last), tz)
    records = []
    for eclipse in found:
        kind = "solar" if isinstance(eclipse, astro.SolarEclipse) else "lunar"
        window = glasses_window(eclipse, place, False) if kind == "solar" else None
        records.append(
            record(f"{lat:.4f},{lon:.4f}", eclipse, kind, False, window) | {"kind": kind}
        )
    if as_json:
        print_json(records)
        return
    solar = sum(1 for entry in records if entry["kind"] == "solar")
    lunar = len(records) - solar
    noun = "eclipse" if len(records) == 1 else "eclipses"
    click.echo(
        f"{len(records)} {noun} visible from {place_text(lat, lon, 'en')} between "
        f"{date_text(start.date(), 'en')} and {date_text(min(end, last).date(), 'en')}: "
        f"{solar} solar ({coming.SOLAR_RULE}), {lunar} lunar ({coming.LUNAR_RULE})."
    )
    if end > last:
        click.echo(
            f"Nothing after {date_text(astro.LAST_DAY, 'en')} is listed: the ephemeris "
            "(JPL DE421) ends there."
        )
    for entry in records:
        moment = dt.datetime.fromisoformat(entry["max"])
        magnitude = entry.get("magnitude", entry.get("umbral_magnitude"))
        clock = zone_text(moment, "en").rsplit(", ", 1)[-1]
        click.echo(
            f"{moment:%Y-%m-%d %H:%M} {clock}  {entry['kind']:5} {entry['type']:8} "
            f"magnitude {magnitude}"
        )
