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
    kexie sky next --lat .. --lon .. [--years 20].
    """


@sky.command(name="show", hidden=True)
@click.argument(
    "directory", metavar="[DIR]", required=False, type=click.Path(file_okay=False, path_type=Path)
)
@click.option("--lat", type=click.FloatRange(-90, 90), help="Latitude, degrees north.")
@click.option("--lon", type=click.FloatRange(-180, 180), help="Longitude, degrees east.")
@click.option("--elevation", type=float, default=0.0, help="Metres above sea level.")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="The day of the event.")
@click.option("--tz", "zone", default="UTC", show_default=True, help="Time zone for the times.")
@click.option(
    "--kind",
    type=click.Choice(["solar", "lunar", "night"]),
    help="What to compute at a place (default: the eclipse nearest the date).",
)
@click.option("--delta-t", type=float, help="Delta T in seconds (default: built-in model).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def show(ctx, directory, lat, lon, elevation, day, zone, kind, delta_t, as_json) -> None:
    """Circumstances per site of DIR, or at --lat/--lon on --date."""
    from kexie_plugins.observation import sky as astro
    from kexie_plugins.observation.circumstances import (
        NAME,
        glasses_window,
        observed_sites,
        record,
        site_record,
    )

    if directory is not None:
        _plugins, event, store = open_event(ctx, directory)
        store.close()
        if not event.uses(NAME):
            raise UsageError(f"the event has no [plugins.{NAME}] section")
        records = [site_record(event, s) for s in observed_sites(event)]
    else:
        if lat is None or lon is None or day is None:
            raise UsageError("give DIR, or --lat, --lon and --date")
        if not astro.covers(day.date()):
            raise UsageError(astro.range_message(day.date()))
        tz = _zone(zone)
        place = astro.Place(lat, lon, elevation)
        noon = dt.datetime.combine(day.date(), dt.time(12), tzinfo=tz)
        records = []
        for sky_kind in [kind] if kind else ["solar", "lunar"]:
            if sky_kind == "night":
                result = astro.night(place, day.date(), tz)
            elif sky_kind == "solar":
                result = astro.solar_eclipse(place, noon, tz, delta_t)
            else:
                result = astro.lunar_eclipse(place, noon, tz, delta_t)
            fixed = delta_t is not None
            window = glasses_window(result, place, fixed) if sky_kind == "solar" else None
            found = record(f"{lat:.4f},{lon:.4f}", result, sky_kind, fixed, window)
            found["kind"] = sky_kind
            if kind or (
                result is not None
                and abs((result.contacts["max"].at.date() - day.date()).days) <= 1
            ):
                records.append(found)
        if not records:
            records = [record(f"{lat:.4f},{lon:.4f}", None, "solar") | {"kind": "solar"}]
    if as_json:
        print_json(records)
        return
    for entry in records:
        click.echo(f"{entry['site']}: {entry['type'] or 'no eclipse visible'}")
        for name, contact in entry.get("contacts", {}).items():
            click.echo(
                f"  {name:4} {contact['at']}  alt {contact['altitude']:5.1f}°"
                f"  az {contact['azimuth']:5.1f}°"
            )
        if entry["type"] == "total" and "glasses_off" in entry:
            click.echo(
                f"  glasses off {entry['glasses_off']}, back on {entry['glasses_on']}"
                if entry["glasses_off"]
                else "  totality too short to announce safely: glasses stay on"
            )
        for key in (
            "magnitude",
            "obscuration",
            "duration_s",
            "umbral_magnitude",
            "sunset",
            "dusk",
            "dawn",
            "moonrise",
            "moonset",
            "moon_illumination",
        ):
            if entry.get(key) is not None:
                click.echo(f"  {key}: {entry[key]}")


@sky.command(name="next")
@click.option("--lat", type=click.FloatRange(-90, 90), required=True)
@click.option("--lon", type=click.FloatRange(-180, 180), required=True)
@click.option("--elevation", type=float, default=0.0)
@click.option("--years", type=click.IntRange(1, 24), default=20, show_default=True)
@click.option("--tz", "zone", default="UTC", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def next_command(lat, lon, elevation, years, zone, as_json) -> None:
    """The coming solar and lunar eclipses visible from a place."""
    from kexie_plugins.observation import sky as astro
    from kexie_plugins.observation.circumstances import glasses_window, record

    tz = _zone(zone)
    start = dt.datetime.now(dt.UTC)
    place = astro.Place(lat, lon, elevation)
    found = astro.upcoming(place, start, years, tz)
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
    for entry in records:
        magnitude = entry.get("magnitude", entry.get("umbral_magnitude"))
        click.echo(
            f"{entry['max'][:16]}  {entry['kind']:5} {entry['type']:9} magnitude {magnitude}"
        )
