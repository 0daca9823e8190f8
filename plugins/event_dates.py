"""Built-in plugin ``event-dates``: where the event stands in time.

It reports how far off the event is, and keeps the ``report`` phase closed until the event has
ended: a summary written before the last visitor has gone would miss people.
"""

from __future__ import annotations

from kexie_events import hookimpl
from kexie_events.i18n import moment_text, pick
from kexie_events.records import Blocker, StatusLine
from kexie_events.store import now


@hookimpl
def kexie_status(event):
    """Say whether the event is ahead, under way, or over."""
    lang = event.lang
    current = now().astimezone(event.tz)
    if current < event.start:
        days = (event.start.date() - current.date()).days
        yield StatusLine(
            pick(
                lang,
                f"活动将于{moment_text(event.start, lang)}开始，距今{days}天。",
                f"The event starts on {moment_text(event.start, lang)}, in {days} days.",
            )
        )
    elif current <= event.end:
        yield StatusLine(
            pick(
                lang,
                f"活动正在进行，至{moment_text(event.end, lang)}结束。",
                f"The event is under way until {moment_text(event.end, lang)}.",
            ),
            level="ok",
        )
    else:
        yield StatusLine(
            pick(
                lang,
                f"活动已于{moment_text(event.end, lang)}结束。",
                f"The event ended on {moment_text(event.end, lang)}.",
            ),
            level="ok",
        )


@hookimpl
def kexie_gate(event, next_phase):
    """Keep the report closed until the event is over."""
    if next_phase == "report" and now() < event.end:
        yield Blocker(
            pick(
                event.lang,
                f"活动至{moment_text(event.end, event.lang)}才结束，结束后再进入总结阶段。",
                f"The event runs until {moment_text(event.end, event.lang)}; "
                "report once it is over.",
            )
        )
