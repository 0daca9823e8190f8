"""The sky over a site: solar and lunar eclipse circumstances, and the night for star parties.

Computed with Skyfield and the JPL ephemeris DE421 that the ``skyfield-data`` package installs,
so nothing is downloaded at run time (see ``FIRST_DAY`` and ``LAST_DAY``).

An eclipse is searched for within five hours of the new or full moon (``syzygies``). Skyfield
computes the apparent positions every ten minutes, and every other instant is read off the
polynomial through the nearest of them (``track``: micrometres off, a thousand times cheaper).

Solar eclipses: the topocentric apparent Sun and Moon as seen from the site (latitude,
longitude and elevation on the WGS84 ellipsoid). Contacts are the instants when the angular
separation of their centres equals the sum (first and last contact) or the difference (second
and third) of their apparent radii: the functions are sampled every 20 s, their least value
found between the samples (so a totality of a few seconds is not stepped over), and each
crossing refined to a millisecond. Radii follow the conventions of NASA's eclipse bulletins: the
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

from kexie_events.i18n import date_text

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


def range_message(day: dt.date, lang: str = "en") -> str:
    """Why ``day`` cannot be computed, for error messages (in ``lang``)."""
    if lang == "zh":
        return (
            f"{date_text(day, lang)}超出星历表的范围：天象只能推算"
            f"{date_text(FIRST_DAY, lang)}至{date_text(LAST_DAY, lang)}之间的日期（JPL DE421）"
        )
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


def locate(place: Place) -> tuple:
    """The ephemeris, the place on the WGS84 ellipsoid, and the place as an observer."""
    from skyfield.api import wgs84

    _loader, eph = _ephemeris()
    topos = wgs84.latlon(place.lat, place.lon, elevation_m=place.elevation)
    return eph, topos, eph["earth"] + topos


def _instants(ts, seconds):
    """Skyfield times for seconds of TT since J2000 (a float or an array)."""
    return ts.tt_jd(2451545.0, seconds / 86400.0)


def sample_times(ts, seconds):
    """Skyfield times for the samples of a track, whose Earth orientation uses IAU 2000B.

    The IAU 2000B nutation agrees with the full 2000A within a milliarcsecond, three
    centimetres on the ground or a twentieth of a millisecond of the Moon's shadow, at a tenth
    of the cost (2000A was a fifth of an eclipse's).
    """
    from skyfield.nutationlib import iau2000b_radians

    t = _instants(ts, seconds)
    t._nutation_angles_radians = iau2000b_radians(t)
    return t


NEW_MOON, FULL_MOON = 0, 2


def geocentric(ts, seconds) -> tuple:
    """The Sun's and the Moon's geometric positions from the Earth's centre, km, (3, n) arrays.

    Cheap (no light time, aberration or Earth rotation): good for finding new and full moons
    and for ruling lunations out, never for a time that is printed.
    """
    _loader, eph = _ephemeris()
    t = _instants(ts, seconds)
    earth = eph["earth"].at(t).position.km
    return eph["sun"].at(t).position.km - earth, eph["moon"].at(t).position.km - earth


def angle(a, b):
    """The angle between vectors (3, n arrays, or 3-vectors), radians."""
    from skyfield.functions import angle_between

    return angle_between(a, b)


#: The mean synodic month in days, and a mean new moon in seconds of TT since J2000 (Meeus,
#: Astronomical Algorithms, chapter 49: JDE 2451550.09766). The true new and full moons lie
#: within about 15 hours of the mean ones.
SYNODIC_MONTH = 29.530588861
MEAN_NEW_MOON = (2451550.09766 - 2451545.0) * 86400.0


def syzygies(
    ts, first: float, last: float, phase: int, within: float | None = None
) -> list[tuple[float, float]]:
    """New moons (``NEW_MOON``) or full moons (``FULL_MOON``) between two instants.

    Each is ``(seconds, separation)``: the instant, to within five minutes, when the Moon seen
    from the Earth's centre passes nearest the Sun (new) or the point opposite it (full), and
    that least separation in radians. Near a node that instant is within minutes of greatest
    eclipse, so the eclipse searches centre on it. Instants are seconds of TT since J2000.
    With ``within`` (radians), only those whose separation is below it are returned.
    """
    import numpy as np

    def separation(seconds):
        sun, moon = geocentric(ts, seconds.ravel())
        between = angle(sun, moon)
        return (between if phase == NEW_MOON else np.pi - between).reshape(seconds.shape)

    def closest(centres, half, step):
        """Per centre, the sample of ``centre +- half`` (every ``step``) nearest the Sun."""
        offsets = np.arange(-half, half + step / 2, step)
        grid = centres[:, None] + offsets[None, :]
        values = separation(grid)
        best = np.argmin(values, axis=1)
        rows = np.arange(len(centres))
        return grid[rows, best], values[rows, best]

    month = SYNODIC_MONTH * 86400.0
    origin = MEAN_NEW_MOON + (month / 2 if phase == FULL_MOON else 0.0)
    numbers = np.arange(np.floor((first - origin) / month), np.ceil((last - origin) / month) + 1)
    # Every two hours within a day of the mean new or full moon, then every ten minutes.
    found, values = closest(origin + numbers * month, 24 * 3600.0, 7200.0)
    if within is not None:
        # A two-hour sample lies at most an hour from the least separation, in which the
        # Moon moves less than 0.6 degrees relative to the Sun.
        keep = values < within + np.radians(0.6)
        found = found[keep]
    if not len(found):
        return []
    found, values = closest(found, 3600.0, 600.0)
    return [
        (float(s), float(v))
        for s, v in zip(found, values, strict=True)
        if first <= s <= last and (within is None or v < within)
    ]


def _nearest_syzygy(ts, around: dt.datetime, phase: int) -> float:
    """The new or full moon nearest ``around``, as seconds of TT since J2000."""
    middle = tt_seconds(ts.from_datetime(around))
    found = syzygies(ts, middle - 16 * 86400.0, middle + 16 * 86400.0, phase)
    return min((s for s, _separation in found), key=lambda s: abs(s - middle))


#: Pieces a bracket is cut into at each step of ``_roots`` and ``_minimum``: one evaluation of
#: an array of instants costs little more than one of a single instant.
PIECES = 16


def _roots(function, lows, highs, tolerance: float = 1e-3):
    """The roots of ``function`` in brackets ``lows[i]..highs[i]`` (seconds), to ``tolerance``.

    Each bracket holds one sign change. All are cut into ``PIECES`` at once, the piece with
    the change kept, until they are shorter than ``tolerance``; a root is the middle of its
    last piece. ``function`` takes an array of instants.
    """
    import numpy as np

    lows, highs = np.asarray(lows, dtype=float), np.asarray(highs, dtype=float)
    if not len(lows):
        return lows
    steps = np.linspace(0.0, 1.0, PIECES + 1)
    rows = np.arange(len(lows))
    while (highs - lows).max() > tolerance:
        points = lows[:, None] + (highs - lows)[:, None] * steps[None, :]
        signs = np.signbit(function(points.ravel()).reshape(points.shape))
        changes = signs[:, 1:] != signs[:, :-1]
        # A bracket whose change vanished in rounding keeps its last piece.
        piece = np.where(changes.any(axis=1), np.argmax(changes, axis=1), -1)
        lows = np.where(piece >= 0, points[rows, np.maximum(piece, 0)], lows)
        highs = np.where(piece >= 0, points[rows, np.maximum(piece, 0) + 1], lows + tolerance / 2)
    return (lows + highs) / 2


def _minimum(function, low: float, high: float, tolerance: float = 1e-2) -> float:
    """The instant ``function`` (of an array of instants) is least between ``low`` and
    ``high``, to ``tolerance``: the bracket is cut into ``PIECES``, and the two pieces around
    the least value kept, until it is shorter than ``tolerance``. For a function with one
    minimum in the bracket."""
    import numpy as np

    steps = np.linspace(0.0, 1.0, PIECES + 1)
    while high - low > tolerance:
        points = low + (high - low) * steps
        least = int(np.argmin(function(points)))
        low, high = points[max(least - 1, 0)], points[min(least + 1, PIECES)]
    return float((low + high) / 2)


def _dip(
    function, grid, values, lowest: int, least: float | None = None
) -> tuple[float | None, float | None, bool]:
    """When ``function`` goes below zero around its least value, and comes back.

    ``values`` is ``function`` on ``grid`` and ``lowest`` the index of the least separation,
    within a step of the function's least value. That value is sought between the samples
    (or given as ``least``), so a dip shorter than the grid's step (a few seconds of totality
    at the edge of the path, a graze) is found wherever the grid falls. Returns ``(down, up,
    dipped)``: the crossings (``None`` for one beyond the grid) and whether the function went
    below zero at all.
    """
    import numpy as np

    if least is None:
        low, high = grid[max(lowest - 1, 0)], grid[min(lowest + 1, len(grid) - 1)]
        least = _minimum(function, low, high)
    if function(least) >= 0 and values.min() >= 0:
        return None, None, False
    # On each side, the last sample still above zero brackets the one crossing there.
    before = np.nonzero((grid < least) & (values > 0))[0]
    after = np.nonzero((grid > least) & (values > 0))[0]
    lows, highs = [], []
    if len(before):
        lows.append(grid[before[-1]])
        highs.append(least)
    if len(after):
        lows.append(least)
        highs.append(grid[after[0]])
    found = [float(root) for root in _roots(function, lows, highs)]
    down = found.pop(0) if len(before) else None
    up = found.pop(0) if len(after) else None
    return down, up, True


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


#: Hours either side of the new or full moon searched for the eclipse; the track the
#: positions are read from reaches a little further, for the search of maximum.
SEARCH_HOURS = 5
TRACK_HOURS = 5.5


def track_span(centre: float) -> tuple[float, float]:
    """The span of a track around ``centre``, on whole steps of ``track.STEP``.

    Grids and tracks sit on multiples of their steps counted from J2000, not on the estimate
    of the new moon: any estimate of the same new moon then gives the same samples and the
    same 20-second grid, and so the same contacts, whoever found the new moon.
    """
    from kexie_plugins.observation.track import STEP

    anchor = round(centre / STEP) * STEP
    return anchor - TRACK_HOURS * 3600, anchor + TRACK_HOURS * 3600


def _search_grid(centre: float):
    """The 20-second grid the crossings and the maximum are looked for on."""
    import numpy as np

    from kexie_plugins.observation.track import STEP

    anchor = round(centre / STEP) * STEP
    half = SEARCH_HOURS * 3600
    return np.arange(anchor - half, anchor + half, STEP_SECONDS, dtype=float)


def altaz_degrees(vectors) -> tuple:
    """Altitude and azimuth in degrees of vectors in the horizon frame (x north, y east)."""
    import numpy as np

    x, y, z = vectors
    altitude = np.degrees(np.arctan2(z, np.hypot(x, y)))
    azimuth = np.degrees(np.arctan2(y, x)) % 360.0
    return altitude, azimuth


class _SolarGeometry:
    """Topocentric apparent Sun and Moon around a new moon, read off a ``track.Track``."""

    def __init__(self, place: Place, ts, centre: float):
        from skyfield.functions import mxv

        from kexie_plugins.observation.track import Track, samples

        eph, topos, observer = locate(place)
        times = samples(*track_span(centre))
        t = sample_times(ts, times)
        here = observer.at(t)
        sun = here.observe(eph["sun"]).apparent().position.km
        moon = here.observe(eph["moon"]).apparent().position.km
        horizon = mxv(topos.rotation_at(t), sun)
        self.track = Track(times, {"sun": sun, "moon": moon, "sun_horizon": horizon})

    def at(self, seconds):
        """(separation, sun radius, moon outer radius, moon inner radius) in radians."""
        import numpy as np

        found = self.track.at(seconds)
        sun, moon = found["sun"], found["moon"]
        sun_km, moon_km = np.linalg.norm(sun, axis=0), np.linalg.norm(moon, axis=0)
        separation = angle(sun, moon)
        r_sun = np.arcsin(SUN_RADIUS_KM / sun_km)
        r_outer = np.arcsin(K_OUTER * EARTH_RADIUS_KM / moon_km)
        r_inner = np.arcsin(K_INNER * EARTH_RADIUS_KM / moon_km)
        values = (separation, r_sun, r_outer, r_inner)
        # One instant gives plain floats for the root finders; a grid stays an array.
        return values if np.ndim(separation) else tuple(float(v) for v in values)

    def axis_distance(self, seconds):
        """Kilometres from the observer to the shadow's axis, the line from the Sun's centre
        through the Moon's; the local maximum is the instant this is least."""
        import numpy as np

        found = self.track.at(seconds)
        sun, moon = found["sun"], found["moon"]
        axis = (moon - sun) / np.linalg.norm(moon - sun, axis=0)
        along = np.sum(moon * axis, axis=0)
        return np.linalg.norm(moon - along * axis, axis=0)

    def altaz(self, seconds):
        """The Sun's altitude and azimuth, degrees (floats, or arrays for an array)."""
        return altaz_degrees(self.track.at(seconds)["sun_horizon"])


def tt_seconds(t) -> float:
    """Seconds of TT since J2000, the variable the root finders work in."""
    return (t.whole - 2451545.0) * 86400.0 + t.tt_fraction * 86400.0


#: J2000.0, the origin of the seconds the root finders work in (a TT instant).
J2000 = dt.datetime(2000, 1, 1, 12, tzinfo=dt.UTC)


def _universal_time(ts, seconds: float) -> dt.datetime:
    """The instant in Universal Time (UT1 = TT - Delta T), to the microsecond.

    This is the "UT" of NASA's eclipse tables, and the best forecast of civil time: leap
    seconds keep UTC within 0.9 s of UT1.
    """
    delta_t = float(_instants(ts, seconds).delta_t)
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
    _require(around.date())
    ts = timescale(delta_t)
    return solar_eclipse_at(place, ts, _nearest_syzygy(ts, around, NEW_MOON), zone)


def solar_eclipse_at(place: Place, ts, new_moon: float, zone: ZoneInfo) -> SolarEclipse | None:
    """The solar eclipse seen from ``place`` around ``new_moon`` (seconds of TT since J2000,
    as ``syzygies`` gives it), with the time scale ``ts``; ``None`` when the Moon misses."""
    import numpy as np

    geometry = _SolarGeometry(place, ts, new_moon)
    grid = _search_grid(new_moon)
    separation, r_sun, r_outer, r_inner = geometry.at(grid)
    outer = separation - (r_sun + r_outer)
    lowest = int(np.argmin(separation))
    if not _dip(lambda t: (lambda g: g[0] - g[1] - g[2])(geometry.at(t)), grid, outer, lowest)[2]:
        return None
    # Maximum eclipse is when the observer is nearest the shadow's axis (the convention of
    # NASA's tables); for a shallow partial eclipse that is up to half a minute away from the
    # least angular separation of the centres, so search generously around the latter.
    best = _minimum(
        geometry.axis_distance,
        grid[lowest] - MAX_SEARCH_SECONDS,
        grid[lowest] + MAX_SEARCH_SECONDS,
    )
    s_min, rs, ro, ri = geometry.at(best)
    # Inside the umbra or antumbra the magnitude is the ratio of the apparent diameters.
    central = s_min < abs(rs - ri)
    magnitude = ri / rs if central else (rs + ro - s_min) / (2 * rs)
    kind, contacts_at = "partial", {}
    c1, c4, _touched = _dip(
        lambda t: (lambda g: g[0] - g[1] - g[2])(geometry.at(t)), grid, outer, lowest
    )
    contacts_at.update({n: t for n, t in (("c1", c1), ("c4", c4)) if t is not None})
    inner = separation - np.abs(r_sun - r_inner)
    c2, c3, central_here = _dip(
        lambda t: (lambda g: g[0] - np.abs(g[1] - g[3]))(geometry.at(t)), grid, inner, lowest
    )
    if central_here:
        kind = "total" if ri > rs else "annular"
        if c2 is not None and c3 is not None:
            contacts_at["c2"], contacts_at["c3"] = c2, c3
    contacts_at["max"] = best
    obscuration = _overlap_fraction(rs, ro, s_min)
    contacts = {}
    for name in ("c1", "c2", "max", "c3", "c4"):
        if name in contacts_at:
            alt, az = geometry.altaz(contacts_at[name])
            contacts[name] = Contact(
                name, _moment(ts, contacts_at[name], zone), float(alt), float(az)
            )
    # The Sun's altitude through the eclipse: forty samples inside it, and the contacts.
    inside = grid[outer < 0]
    sampled = np.array([*inside[:: max(len(inside) // 40, 1)], *contacts_at.values()])
    altitudes = geometry.altaz(sampled)[0]
    below = bool(altitudes.min() < 0)
    visible = bool(altitudes.max() > 0)
    duration = contacts_at["c3"] - contacts_at["c2"] if "c2" in contacts_at else 0.0
    return SolarEclipse(
        type=kind if visible else None,
        contacts=contacts,
        magnitude=round(float(magnitude), 4),
        obscuration=round(float(obscuration), 4),
        duration_s=round(float(duration), 1),
        sun_below_horizon=below,
        visible=visible,
        delta_t=float(_instants(ts, best).delta_t),
    )


class _LunarGeometry:
    """The Earth's shadow and the Moon around a full moon, read off a ``track.Track``.

    The shadow is geocentric; the Moon's altitude and azimuth are for the place.
    """

    def __init__(self, place: Place, ts, centre: float):
        from skyfield.functions import mxv

        from kexie_plugins.observation.track import Track, samples

        eph, topos, observer = locate(place)
        times = samples(*track_span(centre))
        t = sample_times(ts, times)
        earth = eph["earth"].at(t)
        sun = earth.observe(eph["sun"]).apparent().position.km
        moon = earth.observe(eph["moon"]).apparent().position.km
        seen = observer.at(t).observe(eph["moon"]).apparent().position.km
        horizon = mxv(topos.rotation_at(t), seen)
        self.track = Track(times, {"sun": sun, "moon": moon, "moon_horizon": horizon})

    def at(self, seconds):
        """(separation of the Moon from the shadow's axis, umbra radius, penumbra radius,
        Moon radius) in radians: arrays for an array of instants, floats for one."""
        import numpy as np

        found = self.track.at(seconds)
        sun_xyz, moon_xyz = found["sun"], found["moon"]
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
        values = (separation, umbra, penumbra, r_moon)
        return values if np.ndim(separation) else tuple(float(v) for v in values)

    def altaz(self, seconds):
        """The Moon's altitude and azimuth at the place, degrees."""
        return altaz_degrees(self.track.at(seconds)["moon_horizon"])


def lunar_eclipse(
    place: Place, around: dt.datetime, zone: ZoneInfo, delta_t: float | None = None
) -> LunarEclipse | None:
    """The lunar eclipse at the full moon nearest ``around``; ``None`` if the Moon misses."""
    _require(around.date())
    ts = timescale(delta_t)
    return lunar_eclipse_at(place, ts, _nearest_syzygy(ts, around, FULL_MOON), zone)


def lunar_eclipse_at(place: Place, ts, full_moon: float, zone: ZoneInfo) -> LunarEclipse | None:
    """The lunar eclipse around ``full_moon`` (seconds of TT since J2000), with the Moon's
    altitude at ``place``; ``None`` when the Moon misses the penumbra."""
    import numpy as np

    geometry = _LunarGeometry(place, ts, full_moon)
    grid = _search_grid(full_moon)
    shadow = geometry.at(grid)
    separation = shadow[0]
    lowest = int(np.argmin(separation))

    def dip(edge, least=None):
        """Where the Moon's centre comes within ``edge(shadow)`` of the shadow's axis."""
        return _dip(
            lambda t: (lambda g: g[0] - edge(g))(geometry.at(t)),
            grid,
            separation - edge(shadow),
            lowest,
            least,
        )

    penumbral_phase = dip(lambda g: g[2] + g[3])
    if not penumbral_phase[2]:
        return None
    best = _minimum(
        lambda s: geometry.at(s)[0],
        grid[max(lowest - 1, 0)],
        grid[min(lowest + 1, len(grid) - 1)],
    )
    s_min, u, p, r = geometry.at(best)
    umbral = (u + r - s_min) / (2 * r)
    penumbral = (p + r - s_min) / (2 * r)
    kind = "total" if umbral >= 1 else "partial" if umbral > 0 else "penumbral"
    instants = {"max": best}

    for (down, up, _dipped), names in (
        (penumbral_phase, ("p1", "p4")),
        # The shadow's radii barely change in hours: these dip where the separation is least.
        (dip(lambda g: g[1] + g[3], best), ("u1", "u4")),  # the Moon's edge meets the umbra
        (dip(lambda g: g[1] - g[3], best), ("u2", "u3")),  # the whole Moon inside it
    ):
        if down is not None and up is not None:
            instants[names[0]], instants[names[1]] = down, up
    contacts = {}
    for name in ("p1", "u1", "u2", "max", "u3", "u4", "p4"):
        if name in instants:
            alt, az = geometry.altaz(instants[name])
            contacts[name] = Contact(name, _moment(ts, instants[name], zone), float(alt), float(az))
    return LunarEclipse(
        type=kind,
        contacts=contacts,
        umbral_magnitude=round(umbral, 4),
        penumbral_magnitude=round(penumbral, 4),
        visible=max(c.altitude for c in contacts.values()) > 0,
        delta_t=float(_instants(ts, best).delta_t),
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
