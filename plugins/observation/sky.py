"""The sky over a site: solar and lunar eclipse circumstances, and the night for star parties.

Computed with Skyfield and the JPL ephemeris DE421 that the ``skyfield-data`` package installs,
so nothing is downloaded at run time (DE421 covers 1900-2050).

Solar eclipses: the topocentric apparent Sun and Moon as seen from the site (latitude,
longitude and elevation on the WGS84 ellipsoid). Contacts are the instants when the angular
separation of their centres equals the sum (first and last contact) or the difference (second
and third) of their apparent radii, found by sampling every 20 s and refining each crossing by
bisection to a millisecond. Radii follow the conventions of NASA's eclipse bulletins: the
Sun's radius is 959.63" at 1 au; the Moon's radius is k times the Earth's equatorial radius,
k = 0.2725076 for the outer contacts, k = 0.2722810 for the inner contacts. So do maximum
eclipse (the instant the site is nearest the shadow's axis), magnitude (the ratio of the
apparent diameters inside the umbra or antumbra) and times (Universal Time, UT1). The tests
compare them with NASA's published tables.

Lunar eclipses: geocentric. The Earth's shadow is that of a flattened Earth (0.998340 of the
equatorial radius), its umbra and penumbra radii enlarged by 2 % for the atmosphere
(Chauvenet's rule), as in NASA's catalog of lunar eclipses; the Moon's altitude at each contact
is given for the site.

Delta T (TT - UT) decides where on the Earth the shadow falls. By default it is Skyfield's
built-in model: IERS values up to the present, a long-term fit beyond. For future eclipses
Delta T is a forecast: its uncertainty grows by about a second every few years, and contact
times shift with it (somewhat more than second for second, as the path moves too), so the
announced glasses-off time is computed at both ends of that spread (``eye_safety``). Set
``delta_t`` (seconds) to fix it; the value used is recorded with every result. Instants are
returned unrounded; whoever prints them rounds them.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from functools import cache
from zoneinfo import ZoneInfo

import attrs

AU_KM = 149_597_870.700
EARTH_RADIUS_KM = 6378.137
SUN_RADIUS_KM = math.radians(959.63 / 3600) * AU_KM
K_OUTER = 0.2725076
K_INNER = 0.2722810
MOON_RADIUS_KM = 1737.4
SHADOW_ENLARGEMENT = 1.02
#: The Earth's radius across the shadow, in equatorial radii: the Earth is flattened, and the
#: shadow's section is taken at latitude 45 degrees (the Explanatory Supplement's 0.998340).
SHADOW_EARTH_RADIUS = 0.998340
STEP_SECONDS = 20
MAX_SEARCH_SECONDS = 180


#: The days the sky can be computed for: DE421 spans 1899-07-29 to 2053-10-09, and the
#: searches reach a fortnight either side of the day asked for.
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2053, 9, 1)


class OutOfRange(ValueError):
    """The day asked for lies outside the ephemeris."""


def covers(day: dt.date) -> bool:
    """Whether the sky can be computed for ``day``."""
    return FIRST_DAY <= day <= LAST_DAY


def range_message(day: dt.date) -> str:
    """Why ``day`` cannot be computed, for error messages."""
    return (
        f"{day} is outside the ephemeris: the sky can be computed from {FIRST_DAY} to "
        f"{LAST_DAY} (JPL DE421)"
    )


def _require(day: dt.date) -> None:
    if not covers(day):
        raise OutOfRange(range_message(day))


@cache
def _ephemeris():
    with warnings.catch_warnings():
        # skyfield-data warns that its IERS file is old; we use Skyfield's built-in Delta T
        # model and never read that file.
        warnings.simplefilter("ignore")
        import skyfield_data
        from skyfield.api import Loader

        loader = Loader(skyfield_data.get_skyfield_data_path(), expire=False, verbose=False)
        return loader, loader("de421.bsp")


def timescale(delta_t: float | None = None):
    """Skyfield's time scale, with a fixed Delta T in seconds when one is given."""
    loader, _eph = _ephemeris()
    return loader.timescale(delta_t=delta_t, builtin=True)


#: The last year Skyfield's built-in Delta T comes from measurements rather than a fit.
MEASURED_UNTIL = 2025
#: Rough growth of the Delta T forecast's uncertainty: the rate of change of Delta T has itself
#: wandered by about half a second per year over recent decades.
UNCERTAINTY_PER_YEAR = 0.5


def delta_t_uncertainty(year: int, fixed: bool) -> float:
    """Seconds by which a forecast Delta T (and so a contact time) may be off in ``year``."""
    if fixed:
        return 0.0
    return round(max(0, year - MEASURED_UNTIL) * UNCERTAINTY_PER_YEAR, 1)


@attrs.frozen
class Place:
    """Where the observers stand: WGS84 degrees and metres above sea level."""

    lat: float
    lon: float
    elevation: float = 0.0


@attrs.frozen
class Contact:
    """An instant of an eclipse and where the Sun (or Moon) stands then, in degrees."""

    name: str
    at: dt.datetime
    altitude: float
    azimuth: float


@attrs.frozen
class SolarEclipse:
    """A solar eclipse as seen from one place.

    Attributes:
        type: ``total``, ``annular`` or ``partial`` (``None`` when the Moon misses the Sun here).
        contacts: ``c1``, ``c2``, ``max``, ``c3``, ``c4`` (``c2`` and ``c3`` only when central).
        magnitude: fraction of the Sun's diameter covered at maximum.
        obscuration: fraction of the Sun's area covered at maximum.
        duration_s: length of totality or annularity, seconds (0 when not central).
        sun_below_horizon: whether the Sun is below the horizon for part of the eclipse.
        delta_t: the Delta T used, seconds.
    """

    type: str | None
    contacts: dict[str, Contact]
    magnitude: float
    obscuration: float
    duration_s: float
    sun_below_horizon: bool
    visible: bool
    delta_t: float


@attrs.frozen
class LunarEclipse:
    """A lunar eclipse, with the Moon's altitude at the site at each contact.

    Attributes:
        type: ``total``, ``partial`` or ``penumbral``.
        contacts: ``p1``, ``u1``, ``u2``, ``max``, ``u3``, ``u4``, ``p4`` (those that occur).
        visible: whether the Moon is above the horizon at the site for part of it.
    """

    type: str | None
    contacts: dict[str, Contact]
    umbral_magnitude: float
    penumbral_magnitude: float
    visible: bool
    delta_t: float


@attrs.frozen
class Night:
    """One night at a site, for meteor showers and star parties (times may be None)."""

    date: dt.date
    sunset: dt.datetime | None
    dusk: dt.datetime | None
    dawn: dt.datetime | None
    sunrise: dt.datetime | None
    moonrise: dt.datetime | None
    moonset: dt.datetime | None
    moon_phase: float
    moon_illumination: float


def _observer(place: Place):
    from skyfield.api import wgs84

    _loader, eph = _ephemeris()
    return eph, eph["earth"] + wgs84.latlon(place.lat, place.lon, elevation_m=place.elevation)


def _phase_times(ts, start: dt.datetime, end: dt.datetime, phase: int) -> list:
    from skyfield import almanac

    _loader, eph = _ephemeris()
    times, phases = almanac.find_discrete(
        ts.from_datetime(start), ts.from_datetime(end), almanac.moon_phases(eph)
    )
    return [t for t, p in zip(times, phases, strict=True) if p == phase]


def _nearest_phase(ts, around: dt.datetime, phase: int):
    found = _phase_times(ts, around - dt.timedelta(days=16), around + dt.timedelta(days=16), phase)
    return min(found, key=lambda t: abs((t.utc_datetime() - around).total_seconds()))


def _bisect(function, low: float, high: float, tolerance: float = 1e-3) -> float:
    """The root of ``function`` between ``low`` and ``high`` (Julian seconds), to ``tolerance``."""
    f_low = function(low)
    while high - low > tolerance:
        middle = (low + high) / 2
        f_middle = function(middle)
        if (f_middle < 0) == (f_low < 0):
            low, f_low = middle, f_middle
        else:
            high = middle
    return (low + high) / 2


def _golden_minimum(function, low: float, high: float, tolerance: float = 1e-2) -> float:
    ratio = (math.sqrt(5) - 1) / 2
    a, b = low, high
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    fc, fd = function(c), function(d)
    while b - a > tolerance:
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - ratio * (b - a)
            fc = function(c)
        else:
            a, c, fc = c, d, fd
            d = a + ratio * (b - a)
            fd = function(d)
    return (a + b) / 2


def _overlap_fraction(r_sun: float, r_moon: float, distance: float) -> float:
    """Fraction of the Sun's disc area covered by the Moon's disc."""
    if distance >= r_sun + r_moon:
        return 0.0
    if distance <= abs(r_moon - r_sun):
        return 1.0 if r_moon >= r_sun else (r_moon / r_sun) ** 2
    a = r_sun**2 * math.acos((distance**2 + r_sun**2 - r_moon**2) / (2 * distance * r_sun))
    b = r_moon**2 * math.acos((distance**2 + r_moon**2 - r_sun**2) / (2 * distance * r_moon))
    c = 0.5 * math.sqrt(
        (-distance + r_sun + r_moon)
        * (distance + r_sun - r_moon)
        * (distance - r_sun + r_moon)
        * (distance + r_sun + r_moon)
    )
    return (a + b - c) / (math.pi * r_sun**2)


class _SolarGeometry:
    """Topocentric separation and radii of the Sun and Moon at given instants."""

    def __init__(self, place: Place, ts):
        self.ts = ts
        eph, self.observer = _observer(place)
        self.sun, self.moon = eph["sun"], eph["moon"]

    def at(self, seconds):
        """(separation, sun radius, moon outer radius, moon inner radius) in radians."""
        t = self.ts.tt_jd(2451545.0, seconds / 86400.0)
        here = self.observer.at(t)
        sun = here.observe(self.sun).apparent()
        moon = here.observe(self.moon).apparent()
        separation = sun.separation_from(moon).radians
        sun_km, moon_km = sun.distance().km, moon.distance().km
        import numpy as np

        r_sun = np.arcsin(SUN_RADIUS_KM / sun_km)
        r_outer = np.arcsin(K_OUTER * EARTH_RADIUS_KM / moon_km)
        r_inner = np.arcsin(K_INNER * EARTH_RADIUS_KM / moon_km)
        values = (separation, r_sun, r_outer, r_inner)
        # One instant gives plain floats for the root finders; a grid stays an array.
        return values if np.ndim(separation) else tuple(float(v) for v in values)

    def axis_distance(self, seconds: float) -> float:
        """Kilometres from the observer to the shadow's axis, the line from the Sun's centre
        through the Moon's; the local maximum is the instant this is least."""
        import numpy as np

        t = self.ts.tt_jd(2451545.0, seconds / 86400.0)
        here = self.observer.at(t)
        sun = here.observe(self.sun).apparent().position.km
        moon = here.observe(self.moon).apparent().position.km
        axis = (moon - sun) / np.linalg.norm(moon - sun)
        return float(np.linalg.norm(moon - np.dot(moon, axis) * axis))

    def altaz(self, seconds: float) -> tuple[float, float]:
        t = self.ts.tt_jd(2451545.0, seconds / 86400.0)
        alt, az, _ = self.observer.at(t).observe(self.sun).apparent().altaz()
        return alt.degrees, az.degrees


def _seconds(t) -> float:
    """Seconds of TT since J2000, the variable the root finders work in."""
    return (t.whole - 2451545.0) * 86400.0 + t.tt_fraction * 86400.0


#: J2000.0, the origin of the seconds the root finders work in (a TT instant).
J2000 = dt.datetime(2000, 1, 1, 12, tzinfo=dt.UTC)


def _universal_time(ts, seconds: float) -> dt.datetime:
    """The instant in Universal Time (UT1 = TT - Delta T), to the microsecond.

    This is the "UT" of NASA's eclipse tables, and the best forecast of civil time: leap
    seconds keep UTC within 0.9 s of UT1.
    """
    delta_t = float(ts.tt_jd(2451545.0, seconds / 86400.0).delta_t)
    return J2000 + dt.timedelta(seconds=seconds - delta_t)


def _moment(ts, seconds: float, zone: ZoneInfo) -> dt.datetime:
    """The instant in Universal Time, in ``zone``, unrounded.

    Whoever prints it rounds it (``eye_safety.printed``): second contact up, third down, so
    that no printed time of totality begins before it or ends after it.
    """
    return _universal_time(ts, seconds).astimezone(zone)


def solar_eclipse(
    place: Place, around: dt.datetime, zone: ZoneInfo, delta_t: float | None = None
) -> SolarEclipse | None:
    """The solar eclipse at the new moon nearest ``around``, as seen from ``place``.

    ``None`` when no eclipse is visible from the place at that new moon.
    """
    import numpy as np

    _require(around.date())
    ts = timescale(delta_t)
    new_moon = _nearest_phase(ts, around, 0)
    geometry = _SolarGeometry(place, ts)
    centre = _seconds(new_moon)
    grid = np.arange(centre - 5 * 3600, centre + 5 * 3600, STEP_SECONDS, dtype=float)
    separation, r_sun, r_outer, r_inner = geometry.at(grid)
    outer = separation - (r_sun + r_outer)
    if outer.min() >= 0:
        return None
    lowest = int(np.argmin(separation))
    # Maximum eclipse is when the observer is nearest the shadow's axis (the convention of
    # NASA's tables); for a shallow partial eclipse that is up to half a minute away from the
    # least angular separation of the centres, so search generously around the latter.
    best = _golden_minimum(
        geometry.axis_distance,
        grid[lowest] - MAX_SEARCH_SECONDS,
        grid[lowest] + MAX_SEARCH_SECONDS,
    )
    s_min, rs, ro, ri = geometry.at(best)
    # Inside the umbra or antumbra the magnitude is the ratio of the apparent diameters.
    central = s_min < abs(rs - ri)
    magnitude = ri / rs if central else (rs + ro - s_min) / (2 * rs)
    kind, contacts_at = "partial", {}

    def crossings(values, function):
        signs = np.signbit(values)
        found = []
        for index in np.nonzero(signs[1:] != signs[:-1])[0]:
            found.append(_bisect(function, grid[index], grid[index + 1]))
        return found

    outer_roots = crossings(outer, lambda s: (lambda g: g[0] - g[1] - g[2])(geometry.at(s)))
    if len(outer_roots) >= 1 and outer[0] > 0:
        contacts_at["c1"] = outer_roots[0]
    if len(outer_roots) >= 1 and outer[-1] > 0:
        contacts_at["c4"] = outer_roots[-1]
    inner = separation - np.abs(r_sun - r_inner)
    if inner.min() < 0:
        kind = "total" if ri > rs else "annular"
        roots = crossings(inner, lambda s: (lambda g: g[0] - abs(g[1] - g[3]))(geometry.at(s)))
        if roots:
            contacts_at["c2"], contacts_at["c3"] = roots[0], roots[-1]
    contacts_at["max"] = best
    obscuration = _overlap_fraction(rs, ro, s_min)
    contacts = {}
    for name in ("c1", "c2", "max", "c3", "c4"):
        if name in contacts_at:
            alt, az = geometry.altaz(contacts_at[name])
            contacts[name] = Contact(name, _moment(ts, contacts_at[name], zone), alt, az)
    altitudes = [float(a) for a in _sun_altitudes(geometry, contacts_at, grid, outer)]
    below = min(altitudes) < 0
    visible = max(altitudes) > 0
    duration = contacts_at["c3"] - contacts_at["c2"] if "c2" in contacts_at else 0.0
    return SolarEclipse(
        type=kind if visible else None,
        contacts=contacts,
        magnitude=round(float(magnitude), 4),
        obscuration=round(float(obscuration), 4),
        duration_s=round(float(duration), 1),
        sun_below_horizon=below,
        visible=visible,
        delta_t=float(ts.tt_jd(2451545.0, best / 86400.0).delta_t),
    )


def _sun_altitudes(geometry, contacts_at, grid, outer):
    inside = grid[outer < 0]
    step = max(len(inside) // 40, 1)
    return [geometry.altaz(s)[0] for s in [*inside[::step], *contacts_at.values()]]


def lunar_eclipse(
    place: Place, around: dt.datetime, zone: ZoneInfo, delta_t: float | None = None
) -> LunarEclipse | None:
    """The lunar eclipse at the full moon nearest ``around``; ``None`` if the Moon misses."""
    import numpy as np

    _require(around.date())
    ts = timescale(delta_t)
    full_moon = _nearest_phase(ts, around, 2)
    eph, observer = _observer(place)
    earth, sun, moon = eph["earth"], eph["sun"], eph["moon"]
    centre = _seconds(full_moon)

    def geometry(seconds):
        t = ts.tt_jd(2451545.0, seconds / 86400.0)
        here = earth.at(t)
        sun_pos = here.observe(sun).apparent()
        moon_pos = here.observe(moon).apparent()
        sun_xyz, moon_xyz = sun_pos.position.km, moon_pos.position.km
        sun_km = np.linalg.norm(sun_xyz, axis=0)
        moon_km = np.linalg.norm(moon_xyz, axis=0)
        cosine = -np.sum(sun_xyz * moon_xyz, axis=0) / (sun_km * moon_km)
        separation = np.arccos(np.clip(cosine, -1, 1))
        parallax_moon = SHADOW_EARTH_RADIUS * np.arcsin(EARTH_RADIUS_KM / moon_km)
        parallax_sun = np.arcsin(EARTH_RADIUS_KM / sun_km)
        r_sun = np.arcsin(SUN_RADIUS_KM / sun_km)
        r_moon = np.arcsin(MOON_RADIUS_KM / moon_km)
        umbra = SHADOW_ENLARGEMENT * (parallax_moon + parallax_sun - r_sun)
        penumbra = SHADOW_ENLARGEMENT * (parallax_moon + parallax_sun + r_sun)
        return separation, umbra, penumbra, r_moon

    grid = np.arange(centre - 5 * 3600, centre + 5 * 3600, STEP_SECONDS, dtype=float)
    separation, umbra, penumbra, r_moon = geometry(grid)
    if (separation - penumbra - r_moon).min() >= 0:
        return None
    lowest = int(np.argmin(separation))
    best = _golden_minimum(
        lambda s: float(geometry(s)[0]),
        grid[max(lowest - 1, 0)],
        grid[min(lowest + 1, len(grid) - 1)],
    )
    s_min, u, p, r = (float(v) for v in geometry(best))
    umbral = (u + r - s_min) / (2 * r)
    penumbral = (p + r - s_min) / (2 * r)
    kind = "total" if umbral >= 1 else "partial" if umbral > 0 else "penumbral"
    instants = {"max": best}

    def roots(offset, names):
        def function(s):
            g = geometry(s)
            return float(g[0] - offset(g))

        values = separation - offset((separation, umbra, penumbra, r_moon))
        signs = np.signbit(values)
        found = [
            _bisect(function, grid[i], grid[i + 1]) for i in np.nonzero(signs[1:] != signs[:-1])[0]
        ]
        if len(found) == 2:
            instants[names[0]], instants[names[1]] = found

    roots(lambda g: g[2] + g[3], ("p1", "p4"))
    roots(lambda g: g[1] + g[3], ("u1", "u4"))
    roots(lambda g: g[1] - g[3], ("u2", "u3"))
    contacts = {}
    altitudes = []
    for name in ("p1", "u1", "u2", "max", "u3", "u4", "p4"):
        if name in instants:
            t = ts.tt_jd(2451545.0, instants[name] / 86400.0)
            alt, az, _ = observer.at(t).observe(moon).apparent().altaz()
            altitudes.append(alt.degrees)
            contacts[name] = Contact(
                name, _moment(ts, instants[name], zone), alt.degrees, az.degrees
            )
    return LunarEclipse(
        type=kind,
        contacts=contacts,
        umbral_magnitude=round(umbral, 4),
        penumbral_magnitude=round(penumbral, 4),
        visible=max(altitudes) > 0,
        delta_t=float(ts.tt_jd(2451545.0, best / 86400.0).delta_t),
    )


def night(place: Place, day: dt.date, zone: ZoneInfo) -> Night:
    """Sunset, astronomical dusk and dawn, sunrise, moonrise and moonset, moon phase."""
    from skyfield import almanac
    from skyfield.api import wgs84

    _require(day)
    ts = timescale()
    _loader, eph = _ephemeris()
    topos = wgs84.latlon(place.lat, place.lon, elevation_m=place.elevation)
    noon = dt.datetime.combine(day, dt.time(12), tzinfo=zone)
    start, end = ts.from_datetime(noon), ts.from_datetime(noon + dt.timedelta(days=1))

    def events(function):
        times, values = almanac.find_discrete(start, end, function)
        return [
            (t.utc_datetime().astimezone(zone), int(v)) for t, v in zip(times, values, strict=True)
        ]

    sun = events(almanac.sunrise_sunset(eph, topos))
    twilight = events(almanac.dark_twilight_day(eph, topos))
    moon = events(almanac.risings_and_settings(eph, eph["moon"], topos))

    def first(found, value):
        return next((t for t, v in found if v == value), None)

    midnight = ts.from_datetime(noon + dt.timedelta(hours=12))
    phase = almanac.moon_phase(eph, midnight).degrees
    illumination = almanac.fraction_illuminated(eph, "moon", midnight)
    dusk = next((t for t, v in twilight if v == 0), None)
    dawn = next((t for t, v in reversed(twilight) if v == 1), None)
    return Night(
        day,
        first(sun, 0),
        dusk,
        dawn,
        first(sun, 1),
        first(moon, 1),
        first(moon, 0),
        round(float(phase), 1),
        round(float(illumination), 3),
    )


def upcoming(place: Place, start: dt.datetime, years: int, zone: ZoneInfo) -> list:
    """Solar and lunar eclipses visible from ``place`` in the coming ``years``, in order."""
    from skyfield import almanac

    ts = timescale()
    _loader, eph = _ephemeris()
    _require(start.date())
    end = min(
        start + dt.timedelta(days=round(365.25 * years)),
        dt.datetime.combine(LAST_DAY, dt.time(), tzinfo=dt.UTC),
    )
    times, phases = almanac.find_discrete(
        ts.from_datetime(start), ts.from_datetime(end), almanac.moon_phases(eph)
    )
    earth, moon = eph["earth"], eph["moon"]
    found = []
    for t, phase in zip(times, phases, strict=True):
        if phase not in (0, 2):
            continue
        # Only lunations near a node can give an eclipse: the Moon's ecliptic latitude.
        latitude = earth.at(t).observe(moon).apparent().ecliptic_latlon()[0].degrees
        moment = t.utc_datetime()
        if phase == 0 and abs(latitude) < 1.6:
            eclipse = solar_eclipse(place, moment, zone)
        elif phase == 2 and abs(latitude) < 1.2:
            eclipse = lunar_eclipse(place, moment, zone)
        else:
            continue
        if eclipse is not None and eclipse.visible and eclipse.type:
            found.append(eclipse)
    return found
