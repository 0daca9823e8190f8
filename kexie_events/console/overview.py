"""What the console shows of an event: dates, days to go, phase, blockers and live counts.

The facts are read from the event's app on the running server (:mod:`kexie_events.server`):
the console and the volunteers' phones share one store, and the counts are the counters the
phones and the board read. An event that cannot be served shows what is wrong with it instead.
"""

from __future__ import annotations

import datetime as dt
import tomllib

import attrs

from kexie_events import lifecycle
from kexie_events.console.root import DEFAULT_LANG
from kexie_events.eventfile import EVENT_FILE
from kexie_events.i18n import moment_text, time_text
from kexie_events.model import LANGUAGES
from kexie_events.records import Blocker, StatusLine
from kexie_events.server import Broken, Running, Served, problem_text
from kexie_events.store import now

#: How an event stands in time, for :class:`Countdown`.
COUNTDOWN_KINDS = ("ahead", "today", "under_way", "ended")


@attrs.frozen
class Countdown:
    """How far away the event is.

    Attributes:
        kind: ``ahead`` (``days`` to go), ``today`` (it starts today), ``under_way`` (it
            started on an earlier day and has not ended) or ``ended``.
        days: whole days until the day it starts (``ahead`` only; else 0).
    """

    kind: str
    days: int = 0


def countdown(start: dt.datetime, end: dt.datetime, at: dt.datetime) -> Countdown:
    """Where ``at`` stands against an event from ``start`` to ``end`` (days by the calendar of
    the event's time zone)."""
    at = at.astimezone(start.tzinfo)
    if at >= end:
        return Countdown("ended")
    days = (start.date() - at.date()).days
    if days > 0:
        return Countdown("ahead", days)
    return Countdown("today" if days == 0 else "under_way")


@attrs.frozen
class Counts:
    """People in so far, from the check-in counters.

    Attributes:
        admitted: admitted with a ticket scanned at an entrance.
        walk_ins: came in without a scan (counted at a gate, paper sheets, estimates).
    """

    admitted: int
    walk_ins: int

    @property
    def total(self) -> int:
        """Everyone who came in."""
        return self.admitted + self.walk_ins


@attrs.frozen
class Summary:
    """An event as the console lists it.

    Attributes:
        id: its folder's name.
        title: its title.
        unit: who organises it (主办单位; else 承办单位), ``""`` when the file names none.
        when: its dates and times, in the event's language.
        countdown: how far away it is.
        phase: its lifecycle phase (:data:`~kexie_events.lifecycle.PHASES`).
        next_phase: the phase after it, ``None`` in the last.
        blockers: what blocks the move to ``next_phase``.
        lines: what each plugin reports (``kexie status``).
        counts: people in so far; ``None`` when the event does not use check-in.
        registration: whether the event has a public sign-up page.
    """

    id: str
    title: str
    unit: str
    when: str
    countdown: Countdown
    phase: str
    next_phase: str | None
    blockers: tuple[Blocker, ...]
    lines: tuple[StatusLine, ...]
    counts: Counts | None
    registration: bool
    start: dt.datetime

    broken = False


@attrs.frozen
class BrokenSummary:
    """An event the server cannot serve, as the console lists it.

    Attributes:
        id: its folder's name.
        title: its title when the file can be read that far, else its id.
        problems: the event file's errors, each with its line and key.
        error: what went wrong otherwise (a store that does not open), else ``""``.
    """

    id: str
    title: str
    problems: tuple[str, ...]
    error: str

    broken = True


def summary(served: Served, at: dt.datetime | None = None) -> Summary | BrokenSummary:
    """What the console shows of an event (``at``: now, unless given)."""
    if isinstance(served, Broken):
        return broken_summary(served)
    with served.context.store.reading_together():  # one round trip each, not one per plugin
        return running_summary(served, at or now())


def running_summary(served: Running, at: dt.datetime) -> Summary:
    """The facts of an event the server serves."""
    context = served.context
    event, store, plugins = context.event, context.store, context.plugins
    status = lifecycle.status(event, store, plugins)
    return Summary(
        id=served.event_id,
        title=event.title,
        unit=("、" if event.lang == "zh" else ", ").join(event.organisers or event.hosts),
        when=dates_text(event.start, event.end, event.lang),
        countdown=countdown(event.start, event.end, at),
        phase=status.phase,
        next_phase=status.next_phase,
        blockers=status.blockers,
        lines=status.lines,
        counts=live_counts(context),
        registration="registration" in event.configs,
        start=event.start,
    )


def broken_summary(served: Broken) -> BrokenSummary:
    """What is wrong with an event the server cannot serve.

    The title and language are read from the file without checking it, when it parses.
    """
    data = _file_data(served)
    lang = data.get("lang") if data.get("lang") in LANGUAGES else DEFAULT_LANG
    title = data.get("title")
    if not (isinstance(title, str) and title.strip()):
        title = served.event_id
    problems = tuple(problem_text(problem, lang) for problem in served.problems)
    error = "" if problems else str(served.error) or type(served.error).__name__
    return BrokenSummary(served.event_id, title, problems, error)


def live_counts(context) -> Counts | None:
    """People in so far, from the counters the phones and the board read (check-in only)."""
    if "qr-checkin" not in context.event.configs:
        return None
    from kexie_plugins.qr_checkin.flow import stats

    found = stats(context.store)
    return Counts(found["admitted"], found["walk_ins"])


def dates_text(start: dt.datetime, end: dt.datetime, lang: str) -> str:
    """``2027年9月24日 08:30–17:00``; over several days ``… – 2027年9月25日 17:00``."""
    if start.date() == end.date():
        return f"{moment_text(start, lang)}–{time_text(end)}"
    return f"{moment_text(start, lang)} – {moment_text(end, lang)}"


def ordered(summaries: list[Summary | BrokenSummary]) -> list[Summary | BrokenSummary]:
    """The console's order: events that cannot be served first (they need fixing), then
    those not yet over, soonest first, then those that have ended, latest first."""

    def key(item):
        if item.broken:
            return (0, 0.0, item.id)
        stamp = item.start.timestamp()
        if item.countdown.kind == "ended":
            return (2, -stamp, item.id)
        return (1, stamp, item.id)

    return sorted(summaries, key=key)


def _file_data(served: Broken) -> dict:
    try:
        return tomllib.loads((served.folder / EVENT_FILE).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}
