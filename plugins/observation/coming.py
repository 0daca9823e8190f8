"""The eclipses coming at a place: which new and full moons can give one seen from there.

``kexie sky next`` looks up to decades ahead: some 500 new and full moons for twenty years.
Computing every one in full, as ``kexie sky --date`` computes one, costs tens of milliseconds
each; most are nowhere near an eclipse, and most eclipses are not seen from a given place. So:

1. ``sky.syzygies`` finds the new and full moons on cheap geocentric positions, and keeps
   those where the Moon passes near enough to the Sun (or the Earth's umbra) for an eclipse
   somewhere on the Earth;
2. for each of those, positions every ten minutes, still cheap (geometric, and the faster
   IAU 2000B nutation for the place's position), rule out the eclipses that are not seen from
   the place: the Sun below the horizon whenever the Moon overlaps it, or the Moon below the
   horizon whenever it is in the umbra. The margins err on the side of keeping;
3. the rest are computed in full (``sky.solar_eclipse_at``, ``sky.lunar_eclipse_at``): the
   same computation, on the same grid, as ``kexie sky --date``; the rule below decides.

What counts as seen from the place (``SOLAR_RULE``, ``LUNAR_RULE``): a solar eclipse of any
type, partial or better, with the Sun above the horizon for part of it; a lunar eclipse in the
umbra (partial or total: a penumbral eclipse is too faint to notice), with the Moon above the
horizon for part of the umbral phase.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np

from kexie_plugins.observation import sky
from kexie_plugins.observation.track import STEP, samples

#: How ``kexie sky next`` says which eclipses it lists.
SOLAR_RULE = "partial or better, Sun above the horizon"
LUNAR_RULE = "umbral, Moon above the horizon"

#: Angular margin of the cheap tests (radians), twice what they can be off by: the ten-minute
#: sampling (the Moon moves up to 0.045 degrees relative to the Sun in five minutes), geometric
#: instead of apparent positions (20 arcseconds of aberration for the shadow's axis), and the
#: Moon's radius seen from the Earth's centre, up to 0.005 degrees less than from the place.
MARGIN = np.radians(0.1)
#: Altitude margin (degrees): the Sun or Moon climbs up to 1.25 degrees in five minutes, and
#: the Moon seen from the Earth's centre stands up to a degree higher than from the place.
ALTITUDE_MARGIN = 2.5
#: The contacts of a lunar eclipse's umbral phase.
UMBRAL_PHASE = ("u1", "u2", "max", "u3", "u4")


def seen(eclipse) -> bool:
    """Whether ``eclipse`` (computed in full) is one ``kexie sky next`` lists."""
    if eclipse is None or not eclipse.type:
        return False
    if isinstance(eclipse, sky.SolarEclipse):
        return eclipse.visible
    umbral = [c.altitude for n, c in eclipse.contacts.items() if n in UMBRAL_PHASE]
    return eclipse.type in ("partial", "total") and max(umbral, default=-90.0) > 0


def _limits(sun: np.ndarray, moon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Separations below which an eclipse may happen somewhere on the Earth, radians.

    For the Sun: the Moon seen from anywhere on the Earth is displaced by up to its
    horizontal parallax, so it may touch the Sun when the geocentric separation is below the
    sum of the radii and that parallax. For the Moon: the umbra's radius plus the Moon's, as
    ``sky`` computes them.
    """
    sun_km, moon_km = np.linalg.norm(sun, axis=0), np.linalg.norm(moon, axis=0)
    parallax_moon = np.arcsin(sky.EARTH_RADIUS_KM / moon_km)
    parallax_sun = np.arcsin(sky.EARTH_RADIUS_KM / sun_km)
    r_sun = np.arcsin(sky.SUN_RADIUS_KM / sun_km)
    r_moon = np.arcsin(sky.K_OUTER * sky.EARTH_RADIUS_KM / moon_km)
    umbra = sky.SHADOW_ENLARGEMENT * (
        sky.SHADOW_EARTH_RADIUS * parallax_moon + parallax_sun - r_sun
    )
    return parallax_moon + r_sun + r_moon, umbra + np.arcsin(sky.MOON_RADIUS_KM / moon_km)


def candidates(ts, first: float, last: float) -> list[tuple[float, int]]:
    """New and full moons between two instants (seconds of TT since J2000) that may give an
    eclipse somewhere on the Earth (umbral, for the Moon): ``(instant, phase)``, in order."""
    found = [
        (seconds, separation, phase)
        for phase in (sky.NEW_MOON, sky.FULL_MOON)
        # An eclipse needs the Moon within about 1.6 degrees of the Sun or of the umbra's
        # centre: nothing further than 2 degrees needs a closer look.
        for seconds, separation in sky.syzygies(ts, first, last, phase, within=np.radians(2))
    ]
    if not found:
        return []
    sun, moon = sky.geocentric(ts, np.array([seconds for seconds, _s, _p in found]))
    solar, lunar = _limits(sun, moon)
    return sorted(
        (seconds, phase)
        for (seconds, separation, phase), s_limit, l_limit in zip(found, solar, lunar, strict=True)
        if separation < (s_limit if phase == sky.NEW_MOON else l_limit) + MARGIN
    )


def _maybe_seen(place: sky.Place, ts, found: list[tuple[float, int]]) -> list[bool]:
    """For each candidate: whether it may be seen from ``place`` (never False if it is)."""
    if not found:
        return []
    _eph, topos, _observer = sky.locate(place)
    windows = [samples(*sky.track_span(seconds), STEP) for seconds, _phase in found]
    times = np.concatenate(windows)
    t = sky.sample_times(ts, times)
    sun, moon = sky.geocentric(ts, times)
    site = topos.at(t).position.km
    rotation = topos.rotation_at(t)
    _solar_limit, lunar_limit = _limits(sun, moon)
    here_sun, here_moon = sun - site, moon - site
    sun_altitude = sky.altaz_degrees(np.einsum("ijn,jn->in", rotation, here_sun))[0]
    moon_altitude = sky.altaz_degrees(np.einsum("ijn,jn->in", rotation, moon))[0]
    sun_km = np.linalg.norm(here_sun, axis=0)
    moon_km = np.linalg.norm(here_moon, axis=0)
    # Seen from the place: the Sun and Moon overlap when their separation is below the sum
    # of their radii. The Moon is in the umbra when its separation from the point opposite
    # the Sun (geocentric, like the shadow) is below the umbra's radius plus its own.
    overlap = sky.angle(here_sun, here_moon) - (
        np.arcsin(sky.SUN_RADIUS_KM / sun_km)
        + np.arcsin(sky.K_OUTER * sky.EARTH_RADIUS_KM / moon_km)
    )
    in_umbra = np.pi - sky.angle(sun, moon) - lunar_limit
    result, offset = [], 0
    for window, (_seconds, phase) in zip(windows, found, strict=True):
        part = slice(offset, offset + len(window))
        offset += len(window)
        if phase == sky.NEW_MOON:
            hit = (overlap[part] < MARGIN) & (sun_altitude[part] > -ALTITUDE_MARGIN)
        else:
            hit = (in_umbra[part] < MARGIN) & (moon_altitude[part] > -ALTITUDE_MARGIN)
        result.append(bool(hit.any()))
    return result


def upcoming(place: sky.Place, start: dt.datetime, end: dt.datetime, zone: ZoneInfo) -> list:
    """The solar and lunar eclipses seen from ``place`` (see ``seen``) with their maximum
    between ``start`` and ``end``, computed in full, in order of maximum."""
    if not sky.covers(start.date()):
        raise sky.OutOfRange(sky.range_message(start.date()))
    last_day = dt.datetime.combine(sky.LAST_DAY, dt.time(), tzinfo=dt.UTC)
    end = min(end, last_day)
    ts = sky.timescale()
    first = sky.tt_seconds(ts.from_datetime(start))
    last = sky.tt_seconds(ts.from_datetime(end))
    # A little beyond each end: an eclipse whose maximum lies inside may belong to a new or
    # full moon a few hours outside.
    found = candidates(ts, first - 86400.0, last + 86400.0)
    eclipses = []
    for (seconds, phase), maybe in zip(found, _maybe_seen(place, ts, found), strict=True):
        if not maybe:
            continue
        if phase == sky.NEW_MOON:
            eclipse = sky.solar_eclipse_at(place, ts, seconds, zone)
        else:
            eclipse = sky.lunar_eclipse_at(place, ts, seconds, zone)
        if seen(eclipse) and start <= eclipse.contacts["max"].at <= end:
            eclipses.append(eclipse)
    return sorted(eclipses, key=lambda e: e.contacts["max"].at)
