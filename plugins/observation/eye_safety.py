"""When a crowd may take its eclipse glasses off: the one rule every printed time follows.

Schedule items, calendar events and their alarms, the observing-times sheet, ``kexie status``
and ``kexie sky`` all take their times from here, so they cannot disagree:

- "Glasses off" is never announced before second contact (C2), "glasses on" never after third
  contact (C3). C2 is rounded up and C3 down, to the minute when that still leaves time between
  them, otherwise to the second; when that leaves less than ten seconds (a crowd cannot take
  its glasses off and back on in less), there is no glasses-off time at all.
- A forecast's C2 and C3 move with Delta T, so the caller passes C2 and C3 as computed for every
  Delta T within the forecast's spread: the window starts at the latest C2 and ends at the
  earliest C3 among them.
- Only a total eclipse has a glasses-off time. Partial and annular eclipses have none.
- Any other time that asks people to put their glasses on (first contact) is rounded down; the
  remaining times to the nearest minute (the schedule) or second (tables of contacts).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

import attrs

MINUTE = dt.timedelta(minutes=1)
SECOND = dt.timedelta(seconds=1)
#: A crowd cannot take its glasses off and put them back in a few seconds: a shorter window
#: is not announced at all, and the glasses stay on.
SHORTEST_WINDOW = dt.timedelta(seconds=10)


def _excess(moment: dt.datetime, step: dt.timedelta) -> dt.timedelta:
    """How far ``moment`` lies past the last whole ``step`` of its own wall clock."""
    if step == MINUTE:
        return dt.timedelta(seconds=moment.second, microseconds=moment.microsecond)
    if step == SECOND:
        return dt.timedelta(microseconds=moment.microsecond)
    raise ValueError(f"cannot round to {step}")


def round_down(moment: dt.datetime, step: dt.timedelta) -> dt.datetime:
    """``moment`` cut to the whole ``step`` (a minute or a second) at or before it."""
    return moment - _excess(moment, step)


def round_up(moment: dt.datetime, step: dt.timedelta) -> dt.datetime:
    """The whole ``step`` at or after ``moment``."""
    excess = _excess(moment, step)
    return moment - excess + step if excess else moment


def round_nearest(moment: dt.datetime, step: dt.timedelta) -> dt.datetime:
    """The nearest whole ``step``; a half rounds up."""
    excess = _excess(moment, step)
    return moment - excess + (step if 2 * excess >= step else dt.timedelta())


#: How each contact is rounded when printed: towards the safe side for the ones that tell
#: people what to do with their glasses (c1 "glasses on", c2 "off", c3 "back on").
_ROUNDING: dict[str, Callable[[dt.datetime, dt.timedelta], dt.datetime]] = {
    "c1": round_down,
    "c2": round_up,
    "c3": round_down,
}


def printed(name: str, moment: dt.datetime, step: dt.timedelta = SECOND) -> dt.datetime:
    """A solar contact (``c1``...``c4``, ``max``) or any other instant, as it is printed.

    ``step`` is a second for tables of contacts and a minute for the public schedule. Names
    other than ``c1``, ``c2`` and ``c3`` (lunar contacts, the night's milestones) are rounded to
    the nearest ``step``.
    """
    return _ROUNDING.get(name, round_nearest)(moment, step)


@attrs.frozen
class GlassesOff:
    """The part of totality that is announced: glasses off at ``off``, back on at ``on``.

    Attributes:
        off: the announced glasses-off time, at or after every forecast of second contact.
        on: the announced glasses-on time, at or before every forecast of third contact.
        seconds: whether the times must be printed to the second (whole minutes would leave
            no time between them).
    """

    off: dt.datetime
    on: dt.datetime
    seconds: bool

    def text(self, moment: dt.datetime) -> str:
        """``08:33`` or ``08:33:04``: a time of this window with the precision it needs."""
        return f"{moment:%H:%M:%S}" if self.seconds else f"{moment:%H:%M}"


def glasses_off(
    second_contacts: Iterable[dt.datetime], third_contacts: Iterable[dt.datetime]
) -> GlassesOff | None:
    """The announced glasses-off window of a total eclipse, or ``None`` when there is none.

    ``second_contacts`` and ``third_contacts`` are C2 and C3 (aware, in the zone the window
    is printed in) as computed for each Delta T within the forecast's spread; a single pair
    for a fixed Delta T. ``None`` when whole seconds leave less than :data:`SHORTEST_WINDOW`
    between the latest C2 and the earliest C3: then glasses stay on.
    """
    start, end = max(second_contacts), min(third_contacts)
    for step in (MINUTE, SECOND):
        off, on = round_up(start, step), round_down(end, step)
        if on - off >= SHORTEST_WINDOW:
            return GlassesOff(off, on, seconds=step == SECOND)
    return None
