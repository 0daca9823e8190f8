"""How the observation plugin words the sky for people, in the event's language.

One word for each thing, wherever it is printed (the observing-times sheet, the report, the
schedule, ``kexie check``, ``kexie status``, ``kexie sky``, the eye-safety sheet): the names of
the contacts, the types of eclipse, when glasses may come off, and times as a person reads
them: ``2035年9月2日 08:33:32`` with the clock they are on (``北京时间``), never an ISO string.
"""

from __future__ import annotations

import datetime as dt

from kexie_events.i18n import date_text, decimal_text, duration_text, pick
from kexie_plugins.observation.eye_safety import SECOND, GlassesOff, printed

LABELS = {
    "c1": ("初亏", "first contact"),
    "c2": ("食既", "second contact"),
    "max": ("食甚", "maximum"),
    "c3": ("生光", "third contact"),
    "c4": ("复圆", "last contact"),
    "p1": ("半影食始", "penumbral eclipse begins"),
    "u1": ("初亏", "partial eclipse begins"),
    "u2": ("食既", "total eclipse begins"),
    "u3": ("生光", "total eclipse ends"),
    "u4": ("复圆", "partial eclipse ends"),
    "p4": ("半影食终", "penumbral eclipse ends"),
    "sunset": ("日落", "sunset"),
    "dusk": ("天文昏影终", "astronomical dusk ends"),
    "moonrise": ("月出", "moonrise"),
    "moonset": ("月落", "moonset"),
    "dawn": ("天文晨光始", "astronomical dawn begins"),
    "sunrise": ("日出", "sunrise"),
}
TYPES = {
    "total": ("全食", "total"),
    "annular": ("环食", "annular"),
    "partial": ("偏食", "partial"),
    "penumbral": ("半影月食", "penumbral"),
}


def label(name: str, lang: str) -> str:
    """The name of a contact or of a moment of the night, in the event's language."""
    zh, en = LABELS[name]
    return pick(lang, zh, en)


def type_label(kind: str | None, sky: str, lang: str) -> str:
    """``日全食``, ``月偏食``, ``total solar eclipse``... (``本地看不到`` for ``None``)."""
    if kind is None:
        return pick(lang, "本地看不到", "not visible here")
    zh, en = TYPES[kind]
    if kind == "penumbral":
        return pick(lang, zh, "penumbral lunar eclipse")
    body = pick(lang, "日" if sky == "solar" else "月", "solar" if sky == "solar" else "lunar")
    return pick(lang, f"{body}{zh}", f"{en} {body} eclipse")


def body_label(sky: str, lang: str) -> str:
    """Whose height and direction the tables give: ``太阳``/``the Sun`` or the Moon."""
    return pick(lang, "太阳", "the Sun") if sky == "solar" else pick(lang, "月亮", "the Moon")


def clock(name: str, moment: dt.datetime | None, step: dt.timedelta = SECOND) -> str:
    """A contact or milestone as printed: ``08:32:56`` (to the second) or ``08:33``."""
    if moment is None:
        return ""
    shown = printed(name, moment, step)
    return f"{shown:%H:%M:%S}" if step == SECOND else f"{shown:%H:%M}"


def when(moment: dt.datetime, lang: str, day: dt.date | None = None, seconds: bool = True) -> str:
    """A time to the second (or minute), with its date unless it falls on ``day``.

    ``08:33:32``, ``2035年9月2日 08:33:32`` or ``2 September 2035, 08:33:32``: the moment as
    given (already rounded as ``eye_safety.printed`` rounds it).
    """
    time = f"{moment:%H:%M:%S}" if seconds else f"{moment:%H:%M}"
    if day is not None and moment.date() == day:
        return time
    return f"{date_text(moment.date(), lang)}{pick(lang, ' ', ', ')}{time}"


def common_day(moments) -> dt.date | None:
    """The one date all ``moments`` fall on, or ``None`` when they span two (a lunar eclipse
    across midnight): then each time is printed with its date."""
    days = {m.date() for m in moments if m is not None}
    return days.pop() if len(days) == 1 else None


def place_text(lat: float, lon: float, lang: str) -> str:
    """``北纬40.4567°，东经115.9750°`` or ``40.4567° N, 115.9750° E``."""
    north = pick(lang, "北纬", "N") if lat >= 0 else pick(lang, "南纬", "S")
    east = pick(lang, "东经", "E") if lon >= 0 else pick(lang, "西经", "W")
    if lang == "zh":
        return f"{north}{abs(lat):.4f}°，{east}{abs(lon):.4f}°"
    return f"{abs(lat):.4f}° {north}, {abs(lon):.4f}° {east}"


def degrees_text(value: float) -> str:
    """An altitude or azimuth: ``31°``, ``18.3°``."""
    return f"{decimal_text(value, 1)}°"


def percent_text(fraction: float) -> str:
    """``100%`` for a total eclipse, ``99.9%`` (never ``100%``) for anything short of it."""
    text = decimal_text(fraction * 100, 1)
    return f"{'99.9' if fraction < 1 and text == '100' else text}%"


def seconds_text(seconds: float, lang: str) -> str:
    """A spread or a Delta T in seconds: ``5秒``, ``69.3秒``, ``5 s``."""
    return f"{decimal_text(seconds, 1)}{pick(lang, '秒', ' s')}"


def window_text(window: GlassesOff | None, lang: str) -> str:
    """``摘镜08:33至08:34`` / ``glasses off 08:33 to 08:34``, or that glasses stay on."""
    if window is None:
        return pick(lang, "全食过短，全程戴好观测镜", "totality too short, keep glasses on")
    off, on = window.text(window.off), window.text(window.on)
    return pick(lang, f"摘镜{off}至{on}", f"glasses off {off} to {on}")


def glasses_advice(
    kind: str | None, window: GlassesOff | None, duration_s: float, spread: float, lang: str
) -> str:
    """What to do with eclipse glasses at a site, as the eye-safety rule decides it.

    ``kind`` is the local type of the solar eclipse, ``window`` the announced glasses-off
    window (``None`` when glasses stay on), ``spread`` the seconds by which the forecast may
    be off (0 with a fixed Delta T). The observing-times sheet and the eclipse-glasses plugin's
    eye-safety sheet both print this sentence, so they cannot disagree.
    """
    if kind == "total" and window is not None:
        off, on = window.text(window.off), window.text(window.on)
        text = pick(
            lang,
            f"观测镜全程佩戴，只有在{off}至{on}之间（全食阶段之内）才可以摘下；{on}立即戴回。",
            f"Glasses on throughout; off only from {off} to {on}, inside totality, and back "
            f"on at {on}.",
        )
        if spread:
            text += pick(
                lang,
                f"这两个时刻已考虑到预报时刻约{seconds_text(spread, lang)}的可能偏差，"
                "比食既稍晚、比生光稍早。",
                f" Both allow for the forecast times being off by about "
                f"{seconds_text(spread, lang)}: a little after second contact, a little "
                "before third.",
            )
        return text
    if kind == "total":
        return pick(
            lang,
            f"本地全食只有约{duration_text(duration_s, lang)}，计入时刻可能的偏差后无法公布"
            "安全的摘镜时刻：观测镜自始至终不得摘下。",
            f"Totality lasts only about {duration_text(duration_s, lang)} here, too short to "
            "announce a safe moment: keep the glasses on from start to end.",
        )
    if kind in ("partial", "annular"):
        return pick(
            lang,
            f"本地看到的是{type_label(kind, 'solar', lang)}，太阳始终没有被完全遮住："
            "从开始到结束，观测镜一刻也不能摘下。",
            f"Here the eclipse is {TYPES[kind][1]}: the Sun is never completely covered, so "
            "keep the glasses on from start to end.",
        )
    return pick(lang, "本地看不到这次日食。", "The eclipse is not visible here.")
