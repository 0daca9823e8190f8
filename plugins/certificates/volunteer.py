"""Volunteer-service certificates, granted from the event's volunteer hours."""

from __future__ import annotations

import datetime as dt

from kexie_events import volunteer_hours
from kexie_events.i18n import date_text, pick
from kexie_events.records import Certificate
from kexie_plugins.certificates.config import NAME, VOLUNTEER_KIND, CertificatesConfig


def _days_text(days: list[dt.date], lang: str) -> str:
    """``2026年8月12日`` or ``2026年8月12日至8月14日期间`` (English alike)."""
    first, last = days[0], days[-1]
    if first == last:
        return date_text(first, lang)
    if lang == "zh":
        same_year = first.year == last.year
        tail = f"{last.month}月{last.day}日" if same_year else date_text(last, lang)
        return f"{date_text(first, lang)}至{tail}期间"
    return f"between {date_text(first, lang)} and {date_text(last, lang)}"


def certificates(event, config: CertificatesConfig, store, plugins) -> list[Certificate]:
    """One certificate per volunteer with hours (at least ``volunteer_min_hours``)."""
    lang = event.lang
    days = volunteer_hours.event_hours(event, store, plugins, recorded_only=config.recorded_only)
    per_person: dict[str, list[volunteer_hours.VolunteerDay]] = {}
    for day in days:
        per_person.setdefault(day.name, []).append(day)
    issued = config.issued or event.end.astimezone(event.tz).date()
    granted = []
    for name, served in sorted(per_person.items()):
        total = sum(d.hours for d in served)
        if total <= 0 or total < config.volunteer_min_hours:
            continue
        amount = volunteer_hours.hours_text(total)
        when = _days_text([d.day for d in served], lang)
        text = pick(
            lang,
            f"于{when}参加“{event.title}”志愿服务，累计服务{amount}小时。特发此证，以资鼓励。",
            f"served as a volunteer at {event.title} {'on ' if len(served) == 1 else ''}"
            f"{when}, for {amount} hours in all. With our thanks.",
        )
        granted.append(
            Certificate(
                kind=VOLUNTEER_KIND,
                key=f"volunteer:{name}",
                holder=name,
                title=pick(lang, "志愿服务证书", "Certificate of Volunteer Service"),
                text=text,
                issued=issued,
                details=(
                    (pick(lang, "活动", "Event"), event.title),
                    (pick(lang, "服务日期", "Days served"), when),
                    (pick(lang, "服务时长", "Hours"), pick(lang, f"{amount}小时", f"{amount} h")),
                ),
                plugin=NAME,
            )
        )
    return granted
