"""The kit's calendars: ``.ics`` files that organisers, sites and volunteers import.

UIDs are made from stable ids (schedule item ids, volunteer and shift positions) and the event's
own id, so importing a rebuilt kit updates entries instead of duplicating them. The store keeps
a fingerprint of every entry: when an entry changes its SEQUENCE goes up and its DTSTAMP moves
to the time of the change; when nothing changed both stay, so a rebuild is byte-identical.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import attrs

from kexie_events.model import Event
from kexie_events.store import EventStore, now


@attrs.frozen
class Entry:
    """One calendar entry before it gets its SEQUENCE and DTSTAMP."""

    uid: str
    summary: str
    start: dt.datetime
    end: dt.datetime
    location: str = ""
    geo: tuple[float, float] | None = None
    description: str = ""
    alarm_minutes: int | None = None
    alarm_text: str = ""

    def fingerprint(self) -> str:
        """A hash of everything a calendar user would see change."""
        data = attrs.asdict(self)
        data["start"], data["end"] = self.start.isoformat(), self.end.isoformat()
        blob = json.dumps(data, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()


@attrs.frozen
class Versioned:
    """An entry with the SEQUENCE and DTSTAMP the store assigned it."""

    entry: Entry
    sequence: int
    stamp: dt.datetime


def version(store: EventStore, entries: list[Entry]) -> list[Versioned]:
    """Give every entry its SEQUENCE and DTSTAMP, raising SEQUENCE for changed entries."""
    known = store.calendar_entries()
    result, changes = [], []
    moment = now().replace(microsecond=0)
    for entry in entries:
        fingerprint = entry.fingerprint()
        previous = known.get(entry.uid)
        if previous and previous[0] == fingerprint:
            sequence, stamp = previous[1], dt.datetime.fromisoformat(previous[2])
        else:
            sequence = previous[1] + 1 if previous else 0
            stamp = moment
            changes.append((entry.uid, fingerprint, sequence, stamp.isoformat()))
            known[entry.uid] = (fingerprint, sequence, stamp.isoformat())
        result.append(Versioned(entry, sequence, stamp))
    if changes:
        store.save_calendar_entries(changes)
    return result


def render(event: Event, name: str, entries: list[Versioned]) -> bytes:
    """An iCalendar file with a VTIMEZONE for the event's zone and one VEVENT per entry."""
    import icalendar

    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//kexie-events//kexie-events//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", event.timezone)
    for versioned in sorted(entries, key=lambda v: (v.entry.start, v.entry.uid)):
        entry = versioned.entry
        vevent = icalendar.Event()
        vevent.add("uid", entry.uid)
        vevent.add("sequence", versioned.sequence)
        vevent.add("dtstamp", versioned.stamp.astimezone(dt.UTC))
        vevent.add("dtstart", entry.start)
        vevent.add("dtend", entry.end)
        vevent.add("summary", entry.summary)
        if entry.location:
            vevent.add("location", entry.location)
        if entry.geo:
            vevent.add("geo", entry.geo)
        if entry.description:
            vevent.add("description", entry.description)
        if entry.alarm_minutes is not None:
            alarm = icalendar.Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", entry.alarm_text or entry.summary)
            alarm.add("trigger", dt.timedelta(minutes=-entry.alarm_minutes))
            vevent.add_component(alarm)
        calendar.add_component(vevent)
    calendar.add_missing_timezones()
    return calendar.to_ical()
