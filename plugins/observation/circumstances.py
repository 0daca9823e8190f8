"""What the observation plugin knows about an event: its section, and the sky per site.

Results are cached in the process by place, date and Delta T: ``kexie kit`` asks for the same
circumstances from several hooks.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache
from zoneinfo import ZoneInfo

import attrs

from kexie_events.errors import Problem
from kexie_events.fields import TableReader, suggest
from kexie_events.i18n import pick
from kexie_events.model import Event, Site
from kexie_plugins.observation import sky as astro
from kexie_plugins.observation.eye_safety import GlassesOff, glasses_off, printed

NAME = "observation"
KINDS = {"solar-eclipse": "solar", "lunar-eclipse": "lunar", "night-sky": "night"}


@attrs.frozen
class ObservationConfig:
    """The section's settings: ``[plugins.observation]`` as read, which the plugin's hooks get
    as ``config``.

    Attributes:
        sky: ``solar``, ``lunar`` or ``night``; by default from the event's kind.
        delta_t: Delta T in seconds, or ``None`` for Skyfield's built-in model.
        sites: the site ids observed from; every site by default.
        glasses_on_minutes: minutes before first contact to remind people to put glasses on.
    """

    sky: str
    delta_t: float | None
    sites: tuple[str, ...]
    glasses_on_minutes: int = 5


def read_config(reader: TableReader, event: Event) -> ObservationConfig:
    """The section's settings, from the section ``reader`` reads (which keeps its problems)."""
    sky = reader.text("sky", KINDS.get(event.kind, "night"), choices=("solar", "lunar", "night"))
    delta_t = reader.number("delta_t", minimum=-100, maximum=500)
    ids = [s.id for s in event.sites]
    chosen = reader.texts("sites") or tuple(ids)
    for index, site_id in enumerate(reader.texts("sites")):
        if site_id not in ids:
            reader.error(("sites", index), f"no site {site_id!r}{suggest(site_id, ids)}")
    minutes = reader.integer("glasses_on_minutes", 5)
    return ObservationConfig(sky, delta_t, tuple(c for c in chosen if c in ids), minutes)


def event_problems(event: Event, config: ObservationConfig) -> list[Problem]:
    """What keeps the sky from being computed: event dates outside the ephemeris, observed
    sites without coordinates."""
    problems = []
    outside = [(k, m.date()) for k, m in (("start", event.start), ("end", event.end))]
    outside = [(key, day) for key, day in outside if not astro.covers(day)]
    if outside:  # one message is enough for an event that starts and ends out of range
        key, day = outside[0]
        problems.append(Problem((key,), astro.range_message(day, event.lang)))
    for index, site in enumerate(event.sites):
        if site.id in config.sites and not site.has_coordinates:
            problems.append(
                Problem(
                    ("plugins", NAME, "sites", index, "lat"),
                    pick(
                        event.lang,
                        f"要推算天象，观测场地“{site.name}”须填写纬度（lat）和经度（lon）",
                        "the observation plugin needs lat and lon for every observed site",
                    ),
                )
            )
    return problems


def observed_sites(event: Event, config: ObservationConfig) -> list[Site]:
    """The sites the event observes from that have coordinates."""
    return [s for s in event.sites if s.id in config.sites and s.has_coordinates]


@lru_cache(maxsize=256)
def _compute(
    sky: str,
    lat: float,
    lon: float,
    elevation: float,
    around: str,
    zone: str,
    delta_t: float | None,
):
    place = astro.Place(lat, lon, elevation)
    moment = dt.datetime.fromisoformat(around)
    tz = ZoneInfo(zone)
    if sky == "solar":
        return astro.solar_eclipse(place, moment, tz, delta_t)
    if sky == "lunar":
        return astro.lunar_eclipse(place, moment, tz, delta_t)
    return astro.night(place, moment.astimezone(tz).date(), tz)


def _around(event: Event, sky: str) -> str:
    """The instant the sky is computed near: the event's start for a night, else its middle."""
    around = event.start if sky == "night" else event.start + (event.end - event.start) / 2
    return around.isoformat()


def circumstances(event: Event, config: ObservationConfig, site: Site):
    """The eclipse (or night) seen from ``site`` during the event; ``None`` for no eclipse."""
    return _compute(
        config.sky,
        site.lat,
        site.lon,
        site.elevation,
        _around(event, config.sky),
        event.timezone,
        config.delta_t,
    )


CACHE_FILE = ".sky-cache.json"
CACHE_VERSION = "sky-5"  # bump when the computation changes its results


def records(event: Event, config: ObservationConfig) -> list[dict]:
    """The JSON record of every observed site, from ``DIR/.sky-cache.json`` when it is current.

    The cache is keyed by everything the sky depends on (place, date, time zone, Delta T), so
    an edited coordinate or date is simply computed again.
    """
    path = event.folder / CACHE_FILE
    try:
        cache = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cache = {}
    around = _around(event, config.sky)
    found, changed = [], False
    for site in observed_sites(event, config):
        key = json.dumps(
            [
                CACHE_VERSION,
                config.sky,
                site.id,
                site.lat,
                site.lon,
                site.elevation,
                around,
                event.timezone,
                config.delta_t,
            ]
        )
        if key not in cache:
            cache[key] = site_record(event, config, site)
            changed = True
        found.append(cache[key])
    if changed:
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(cache, ensure_ascii=False, indent=1), encoding="utf-8")
        temporary.replace(path)
    return found


def uncertainty(result, fixed: bool) -> float:
    """Seconds by which the eclipse's times may be off for want of a measured Delta T."""
    return astro.delta_t_uncertainty(result.contacts["max"].at.year, fixed)


def glasses_window(result, place: astro.Place, fixed: bool) -> GlassesOff | None:
    """When glasses may come off at ``place``: only in totality, on the safe side of the forecast.

    A forecast Delta T may be off by ``uncertainty`` seconds either way, which moves both the
    contacts and the edge of the path; so the eclipse is computed again at both ends of that
    spread, and the window lies inside totality in all three. ``None`` for a partial or annular
    eclipse, and for a totality too short to announce safely.
    """
    if result is None or result.type != "total" or "c2" not in result.contacts:
        return None
    spread = uncertainty(result, fixed)
    forecasts = [result]
    if spread:
        around = result.contacts["max"].at.isoformat()
        forecasts += [
            _compute("solar", place.lat, place.lon, place.elevation, around, "UTC", delta_t)
            for delta_t in (result.delta_t - spread, result.delta_t + spread)
        ]
    if any(f is None or f.type != "total" or "c2" not in f.contacts for f in forecasts):
        return None  # within the spread this place may miss totality altogether
    zone = result.contacts["c2"].at.tzinfo
    return glasses_off(
        (f.contacts["c2"].at.astimezone(zone) for f in forecasts),
        (f.contacts["c3"].at.astimezone(zone) for f in forecasts),
    )


def site_glasses_window(event: Event, config: ObservationConfig, site: Site) -> GlassesOff | None:
    """``glasses_window`` for an observed site of the event (``None`` unless a solar event)."""
    if config.sky != "solar":
        return None
    place = astro.Place(site.lat, site.lon, site.elevation)
    return glasses_window(circumstances(event, config, site), place, config.delta_t is not None)


def site_record(event: Event, config: ObservationConfig, site: Site) -> dict:
    """The JSON record of one observed site of the event, with its glasses-off window."""
    return record(
        site.id,
        circumstances(event, config, site),
        config.sky,
        config.delta_t is not None,
        site_glasses_window(event, config, site),
    )


def record_window(entry: dict) -> GlassesOff | None:
    """The glasses-off window of a site's JSON record (``record``), ``None`` without one."""
    if not entry.get("glasses_off"):
        return None
    off, on = (dt.datetime.fromisoformat(entry[k]) for k in ("glasses_off", "glasses_on"))
    # Whole minutes unless whole minutes left no time between them (eye_safety).
    return GlassesOff(off, on, seconds=bool(off.second or on.second))


def record(
    site_id: str,
    result,
    sky: str,
    fixed_delta_t: bool = False,
    window: GlassesOff | None = None,
) -> dict:
    """The JSON record of one site (the ``kexie sky --json`` contract).

    Times are to the second as ``eye_safety.printed`` rounds them (second contact up, first
    and third down). A solar record has ``glasses_off`` and ``glasses_on``: ``window``, the
    announced glasses-off time and glasses-on time, or ``null`` when glasses stay on.
    """

    def iso(moment, name=""):
        return None if moment is None else printed(name, moment).isoformat()

    if sky == "night":
        return {
            "site": site_id,
            "type": "night",
            "date": result.date.isoformat(),
            **{
                key: iso(getattr(result, key))
                for key in ("sunset", "dusk", "dawn", "sunrise", "moonrise", "moonset")
            },
            "moon_phase": result.moon_phase,
            "moon_illumination": result.moon_illumination,
        }
    if result is None:
        base = {"site": site_id, "type": None}
        names = (
            ("c1", "c2", "max", "c3", "c4")
            if sky == "solar"
            else ("p1", "u1", "u2", "max", "u3", "u4", "p4")
        )
        extra = ("glasses_off", "glasses_on") if sky == "solar" else ()
        return {**base, **dict.fromkeys(names + extra)}
    contacts = {
        name: {
            "at": iso(c.at, name),
            "altitude": round(c.altitude, 1),
            "azimuth": round(c.azimuth, 1),
        }
        for name, c in result.contacts.items()
    }
    if sky == "solar":
        return {
            "site": site_id,
            "type": result.type,
            **{
                n: iso(result.contacts[n].at, n) if n in result.contacts else None
                for n in ("c1", "c2", "max", "c3", "c4")
            },
            "glasses_off": iso(window.off) if window else None,
            "glasses_on": iso(window.on) if window else None,
            "magnitude": result.magnitude,
            "obscuration": result.obscuration,
            "duration_s": result.duration_s,
            "sun_alt_max": round(result.contacts["max"].altitude, 1),
            "sun_below_horizon": result.sun_below_horizon,
            "delta_t": round(result.delta_t, 1),
            "delta_t_uncertainty_s": uncertainty(result, fixed_delta_t),
            "contacts": contacts,
        }
    return {
        "site": site_id,
        "type": result.type if result.visible else None,
        **{
            n: iso(result.contacts[n].at) if n in result.contacts else None
            for n in ("p1", "u1", "u2", "max", "u3", "u4", "p4")
        },
        "umbral_magnitude": result.umbral_magnitude,
        "penumbral_magnitude": result.penumbral_magnitude,
        "moon_alt_max": round(result.contacts["max"].altitude, 1),
        "delta_t": round(result.delta_t, 1),
        "contacts": contacts,
    }
