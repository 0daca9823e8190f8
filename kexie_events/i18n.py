"""Two languages, chosen per event: words, dates and numbers as each language writes them."""

from __future__ import annotations

import datetime as dt


def pick(lang: str, zh: str, en: str) -> str:
    """The Chinese or the English text, by the event's language."""
    return zh if lang == "zh" else en


def date_text(day: dt.date, lang: str) -> str:
    """``2027年8月2日`` or ``2 August 2027``."""
    if lang == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {day:%B %Y}"


def time_text(moment: dt.datetime | dt.time, exact: bool = False) -> str:
    """``08:30``: both languages use the 24-hour clock in event documents.

    A clock reading cuts the seconds off (a check-in at 08:30:40 happened "at 08:30"). With
    ``exact``, a moment that is not on a whole minute keeps its seconds (``08:33:04``): kit
    documents print schedule times so, because a time set to the second (when eclipse glasses
    may come off) must never be shown earlier than it is.
    """
    if exact and (moment.second or moment.microsecond):
        return f"{moment:%H:%M:%S}"
    return f"{moment:%H:%M}"


def moment_text(moment: dt.datetime, lang: str, exact: bool = False) -> str:
    """``2027年8月2日 08:30`` or ``2 August 2027, 08:30`` (``exact`` as in ``time_text``)."""
    separator = " " if lang == "zh" else ", "
    return f"{date_text(moment.date(), lang)}{separator}{time_text(moment, exact)}"


def count_text(number: int, lang: str) -> str:
    """``3,000`` in English; Chinese official prose writes ``3000``."""
    return str(number) if lang == "zh" else f"{number:,}"
