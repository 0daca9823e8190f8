"""Volunteer hours: per volunteer and day, from the shifts and from what each one recorded.

The rule, for every shift in ``[[volunteers.shifts]]``:

- **Recorded**: when the volunteer recorded something within the shift (a scan or a count at
  a gate, under the name of their login), the hours are the span from their first to their last
  record within the shift, rounded *up* to a quarter hour (at least one quarter hour, so a
  single scan counts), and never more than the shift's own length (to the nearest quarter
  hour). Records before the shift starts or after it ends do not count.
- **Planned**: when the volunteer recorded nothing within the shift (stewards, medical staff
  and speakers have nothing to scan), the shift's length counts, marked as planned so that the
  organiser sees which hours nobody recorded; ``recorded_only`` leaves such shifts out.

A day's hours are the sum of the shifts that start on that day (in the event's time zone).
Records without a shift (a volunteer missing from the event file) count for nobody: hours go
to the people the event file names, with their identity number as given (``id_number``).

The export is the table the national volunteer systems import: name, identity number, date
(``2026-08-12``: the machines read it, so it stays in that form), hours (a number such as
``8.5``) and activity (the event's title).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence

import attrs

from kexie_events.i18n import pick
from kexie_events.model import Event, Shift
from kexie_events.records import Attendance

QUARTER = dt.timedelta(minutes=15)

RECORDED = "recorded"
PLANNED = "planned"


@attrs.frozen
class ShiftHours:
    """The hours one shift counts for.

    Attributes:
        shift: the shift as the event file gives it.
        hours: a multiple of 0.25.
        basis: ``recorded`` (first to last record) or ``planned`` (nothing was recorded).
        first, last: the volunteer's first and last record within the shift, if any.
    """

    shift: Shift
    hours: float
    basis: str
    first: dt.datetime | None = None
    last: dt.datetime | None = None


@attrs.frozen
class VolunteerDay:
    """One line of the export: a volunteer's hours on one day.

    Attributes:
        name, id_number: as the event file gives them.
        day: the local date the shifts start on.
        hours: the sum of the day's shifts.
        activity: what the hours were served for (the event's title).
        shifts: how each shift was counted.
    """

    name: str
    id_number: str
    day: dt.date
    hours: float
    activity: str
    shifts: tuple[ShiftHours, ...]

    @property
    def planned(self) -> bool:
        """Whether some of the day's hours come from the schedule alone (nothing recorded)."""
        return any(s.basis == PLANNED for s in self.shifts)


def _quarters_up(span: dt.timedelta) -> int:
    return max(1, math.ceil(span / QUARTER))


def _quarters_nearest(span: dt.timedelta) -> int:
    return max(1, math.floor(span / QUARTER + 0.5))


def shift_hours(shift: Shift, recorded: Sequence[dt.datetime]) -> ShiftHours:
    """The hours ``shift`` counts for, given every time its volunteer recorded something."""
    within = [t for t in recorded if shift.start <= t <= shift.end]
    cap = _quarters_nearest(shift.end - shift.start)
    if not within:
        return ShiftHours(shift, cap / 4, PLANNED)
    first, last = min(within), max(within)
    return ShiftHours(shift, min(_quarters_up(last - first), cap) / 4, RECORDED, first, last)


def hours(
    event: Event,
    recorded: Mapping[str, Sequence[dt.datetime]],
    *,
    recorded_only: bool = False,
) -> list[VolunteerDay]:
    """Every volunteer's hours per day, by the rule of this module, by name then day.

    ``recorded`` maps a name (as the records give it) to the aware times of that person's
    records. With ``recorded_only``, shifts in which nothing was recorded count for nothing.
    """
    days: list[VolunteerDay] = []
    for volunteer in sorted(event.volunteers, key=lambda v: v.name):
        times = recorded.get(volunteer.name.strip(), ())
        by_day: dict[dt.date, list[ShiftHours]] = {}
        for shift in sorted(volunteer.shifts, key=lambda s: s.start):
            counted = shift_hours(shift, times)
            if recorded_only and counted.basis == PLANNED:
                continue
            by_day.setdefault(shift.start.astimezone(event.tz).date(), []).append(counted)
        for day, shifts in sorted(by_day.items()):
            days.append(
                VolunteerDay(
                    name=volunteer.name,
                    id_number=volunteer.id_number,
                    day=day,
                    hours=sum(s.hours for s in shifts),
                    activity=event.title,
                    shifts=tuple(shifts),
                )
            )
    return days


def recorded_times(event: Event, store, plugins) -> dict[str, list[dt.datetime]]:
    """Who recorded something in the store and when: ``{name: [aware times]}``.

    The times are what the plugins report as ``Attendance.worked`` (the check-in plugin's scans
    and gate counts, the glasses handed out at a gate; entries typed in later from paper or
    estimated are not someone's work at that moment).
    """
    found: dict[str, list[dt.datetime]] = {}
    for record in plugins.collect("kexie_attendance", Attendance, event=event, store=store):
        for name, first, last in record.worked:
            found.setdefault(name, []).extend((first, last) if last != first else (first,))
    return found


def event_hours(event: Event, store, plugins, *, recorded_only: bool = False) -> list[VolunteerDay]:
    """The event's volunteer hours per volunteer and day, from its file and its store."""
    return hours(event, recorded_times(event, store, plugins), recorded_only=recorded_only)


def hours_text(value: float) -> str:
    """``8.5``, ``2``, ``0.25``: hours as a plain number."""
    return f"{value:g}"


def table(lang: str, days: Iterable[VolunteerDay]) -> tuple[tuple[str, ...], list[tuple]]:
    """The export's header and rows, as the national volunteer systems import them."""
    header = tuple(
        pick(lang, zh, en)
        for zh, en in (
            ("姓名", "Name"),
            ("证件号码", "ID number"),
            ("服务日期", "Date"),
            ("服务时长（小时）", "Hours"),
            ("活动名称", "Activity"),
        )
    )
    rows = [(d.name, d.id_number, d.day.isoformat(), d.hours, d.activity) for d in days]
    return header, rows


def export_bytes(lang: str, days: Iterable[VolunteerDay], suffix: str) -> bytes:
    """The export as a ``.csv`` or ``.xlsx`` file's bytes."""
    header, rows = table(lang, days)
    if suffix == ".csv":
        from kexie_events.csv_export import csv_bytes

        return csv_bytes(header, rows)
    from kexie_events.xlsx_export import workbook_bytes

    return workbook_bytes([(pick(lang, "志愿服务时长", "Volunteer hours"), header, rows)])


def as_json(days: Iterable[VolunteerDay]) -> dict:
    """``{"volunteers": [{"name", "id_number", "hours", "days": [...]}]}`` for ``--json``."""
    people: dict[str, dict] = {}
    for day in days:
        person = people.setdefault(
            day.name, {"name": day.name, "id_number": day.id_number, "hours": 0.0, "days": []}
        )
        person["hours"] += day.hours
        person["days"].append(
            {
                "date": day.day.isoformat(),
                "hours": day.hours,
                "activity": day.activity,
                "shifts": [
                    {
                        "start": s.shift.start.isoformat(),
                        "end": s.shift.end.isoformat(),
                        "hours": s.hours,
                        "basis": s.basis,
                        "first": s.first.isoformat() if s.first else None,
                        "last": s.last.isoformat() if s.last else None,
                    }
                    for s in day.shifts
                ],
            }
        )
    return {"volunteers": list(people.values())}
