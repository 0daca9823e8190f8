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


def decimal_text(value: float, places: int = 1) -> str:
    """A measure to at most ``places`` decimals, without a useless ``.0``: ``31``, ``18.3``.

    For figures that are rounded to be read (altitudes, percentages, seconds); a figure whose
    digits carry meaning as they are (a magnitude such as ``1.0254``) is printed as it is.
    """
    text = f"{value:.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def duration_text(seconds: float, lang: str) -> str:
    """``1分13秒`` or ``1 min 13 s`` (``45秒``, ``45 s`` under a minute), to the second."""
    minutes, rest = divmod(round(seconds), 60)
    if lang == "zh":
        return f"{minutes}分{rest}秒" if minutes else f"{rest}秒"
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


#: Time zones that keep Beijing time (the Chinese mainland's one zone and its old aliases).
BEIJING_ZONES = frozenset(
    {"Asia/Shanghai", "PRC", "Asia/Chongqing", "Asia/Chungking", "Asia/Harbin"}
)


def _offset_text(moment: dt.datetime, padded: bool) -> str:
    """``UTC+8``, ``UTC+5:30``, ``UTC-3`` (``padded``: ``UTC+08:00``)."""
    offset = moment.utcoffset() or dt.timedelta()
    sign = "-" if offset < dt.timedelta() else "+"
    minutes = abs(offset) // dt.timedelta(minutes=1)
    hours, minutes = divmod(minutes, 60)
    if padded:
        return f"UTC{sign}{hours:02d}:{minutes:02d}"
    return f"UTC{sign}{hours}" + (f":{minutes:02d}" if minutes else "")


def zone_text(moment: dt.datetime, lang: str) -> str:
    """The clock ``moment`` is read on, as a person says it.

    Chinese: ``北京时间`` for China's zone, otherwise ``当地时间（UTC+2）`` with the offset in
    force at ``moment`` (summer time included). English: ``Europe/Madrid, UTC+02:00``.
    """
    zone = getattr(moment.tzinfo, "key", None)
    if lang == "zh":
        if zone in BEIJING_ZONES:
            return "北京时间"
        return f"当地时间（{_offset_text(moment, padded=False)}）"
    offset = _offset_text(moment, padded=True)
    return f"{zone}, {offset}" if zone and zone != "UTC" else offset


#: One word for each thing a volunteer, an organiser and a reader of the report see, in both
#: languages: the phone page, the live board, ``kexie status``, the report's tables and its
#: narrative all take their words from here, so that the page's 无票入场 is the report's 无票入场.
#: Each entry is (Chinese, English singular, English plural).
GLOSSARY: dict[str, tuple[str, str, str]] = {
    "admitted": ("凭票入场", "admitted", "admitted"),
    "walk_in": ("无票入场", "walk-in", "walk-ins"),
    "duplicate": ("重复扫码", "duplicate scan", "duplicate scans"),
    "rejected": ("无效票", "rejected", "rejected"),
    "volunteer": ("志愿者", "volunteer", "volunteers"),
    "exit": ("出场", "exit", "exits"),
    "inside": ("场内人数", "inside now", "inside now"),
    "capacity": ("容量", "capacity", "capacity"),
    "counted": ("现场计数", "counted at the gate", "counted at the gates"),
    "paper": ("纸质签到补录", "paper sign-in sheet", "paper sign-in sheets"),
    "estimate": ("估算", "estimate", "estimates"),
    "correction": ("更正", "correction", "corrections"),
    "lead": ("负责人", "lead", "leads"),
    "scanner": ("验票员", "scanner", "scanners"),
}


def term(key: str, lang: str, *, many: bool = False, capital: bool = False) -> str:
    """The glossary's word for ``key`` (see :data:`GLOSSARY`) in the event's language.

    ``many`` gives the English plural (Chinese has one form); ``capital`` starts an English
    word with a capital letter, for a heading or an answer on its own.
    """
    zh, one, several = GLOSSARY[key]
    if lang == "zh":
        return zh
    word = several if many else one
    return word[:1].upper() + word[1:] if capital else word
