"""Checking what phones, buttons and bundles send, before any of it is recorded.

Records are append-only, so a bad value that gets in stays in: an unknown site or a quantity
of 10^30 breaks ``kexie report`` for good. Every value that comes from outside (the check-in
API, plugin buttons, offline bundles) goes through these checks first. Each check either
returns the clean value or raises :class:`InputError` with a message in the event's language
that names the field by its human label, never by its key.

The checks are strict on purpose: ``true`` is not a number, ``"5"`` is not a number, ``²`` is
not a digit, and text never carries control characters (they hide in reports and CSV files).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kexie_events.errors import KexieError
from kexie_events.i18n import date_text, pick

#: The most any one press of a button may record (pairs, leaflets, people): more is a typo.
MAX_COUNT = 100_000
#: Longest free text (an incident description) in characters.
TEXT_LIMIT = 500
#: Longest name (a gate, a site id, a volunteer) in characters.
NAME_LIMIT = 100
#: Longest scanned code; a ticket code is 114 characters.
CODE_LIMIT = 200

# Scan ids are made by phones and laptops (a UUID, "phone-7-000123", "village:12"): plain
# ASCII keeps them safe in logs, file names and CSV files.
_SCAN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,99}")
# Bidirectional overrides can make a report line read differently from what is stored.
_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Full-width digits are what a Chinese input method types in full-width mode.
#: Full-width digits, as a Chinese input method types them, to 0-9.
FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


class InputError(KexieError, ValueError):
    """A value sent to kexie cannot be recorded as it is; the message says which and why.

    It is a ``ValueError`` too, so callers that already catch ``ValueError`` keep working.
    The web app answers it with 400; the CLI exits 2.

    Attributes:
        field: the key of the offending value (``"gate"``, ``"pairs"``), for programs.
    """

    exit_code = 2

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


class Conflict(KexieError):
    """The request contradicts what is already recorded (answered with 409).

    Examples: a retry whose ``scan_id`` is known but whose code, gate or volunteer differs;
    taking back walk-ins that were never counted.
    """


def reused_scan_id(lang: str) -> Conflict:
    """The 409 for a ``scan_id`` that comes back with other content than the first time."""
    return Conflict(
        pick(
            lang,
            "这个记录编号已用于另一条不同的记录（票码、入口或验票员不同），本次未记录",
            "this scan_id was already used for a different record (another code, gate or"
            " volunteer); nothing was recorded",
        )
    )


def _label(field: str, label: str | None) -> str:
    return label or field


def whole_number(
    value: Any,
    field: str,
    *,
    lang: str,
    label: str | None = None,
    low: int = 1,
    high: int = MAX_COUNT,
) -> int:
    """``value`` as an int from ``low`` to ``high``; booleans, floats and strings are refused."""
    name = _label(field, label)
    if value is None:
        raise InputError(field, pick(lang, f"请填写{name}", f"{name} is required"))
    if not isinstance(value, int) or isinstance(value, bool):
        raise InputError(field, pick(lang, f"{name}必须是整数", f"{name} must be a whole number"))
    if not low <= value <= high:
        raise InputError(
            field,
            pick(
                lang,
                f"{name}必须在{low}到{high}之间",
                f"{name} must be from {low:,} to {high:,}",
            ),
        )
    return value


def text(
    value: Any,
    field: str,
    *,
    lang: str,
    label: str | None = None,
    limit: int = TEXT_LIMIT,
    required: bool = True,
) -> str | None:
    """``value`` as text without surrounding spaces, at most ``limit`` characters.

    Missing, ``null`` and blank text is ``None`` when not ``required``. Control characters,
    line breaks, lone surrogates and bidirectional overrides are refused.
    """
    name = _label(field, label)
    if isinstance(value, str):
        value = value.strip()
    if value is None or value == "":
        if required:
            raise InputError(field, pick(lang, f"请填写{name}", f"{name} is required"))
        return None
    if not isinstance(value, str):
        raise InputError(field, pick(lang, f"{name}必须是文字", f"{name} must be text"))
    if len(value) > limit:
        raise InputError(
            field,
            pick(lang, f"{name}最多{limit}个字", f"{name} must be at most {limit} characters"),
        )
    if value.isascii() and value.isprintable():
        return value  # no control characters: the usual case, checked without a loop
    for char in value:
        if char in _BIDI or unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp"):
            raise InputError(
                field,
                pick(lang, f"{name}含有不可见的控制字符", f"{name} contains control characters"),
            )
    return value


def one_of(
    value: Any,
    field: str,
    options: Iterable[str],
    *,
    lang: str,
    label: str | None = None,
) -> str:
    """``value`` when it is one of ``options`` (exact match)."""
    name = _label(field, label)
    options = list(options)
    if value is None or value == "":
        raise InputError(field, pick(lang, f"请选择{name}", f"choose the {name}"))
    if not isinstance(value, str) or value not in options:
        shown = value if isinstance(value, str) and len(value) <= NAME_LIMIT else "?"
        raise InputError(
            field,
            pick(lang, f"{name}无效：“{shown}”不在可选范围内", f"no {name} {shown!r}"),
        )
    return value


def scan_id(value: Any, *, lang: str, required: bool = True) -> str | None:
    """A retry-safe id made by the sending device: 1-100 ASCII letters, digits and ``._:@-``."""
    if value is None or value == "":
        if required:
            raise InputError("scan_id", pick(lang, "缺少记录编号", "scan_id is required"))
        return None
    if not isinstance(value, str) or not _SCAN_ID.fullmatch(value):
        raise InputError(
            "scan_id",
            pick(
                lang,
                "记录编号无效（应为1到100个英文字母、数字或 ._:@-）",
                "scan_id must be 1-100 ASCII letters, digits or ._:@-",
            ),
        )
    return value


def ticket_number(code: str, *, lang: str) -> int | None:
    """The ticket number a volunteer typed (``000123``, full-width ``１２３``), or ``None``.

    ``None`` means "not a typed number: treat it as a scanned code". Other digits that are
    not 0-9 (``²``, ``①``, Arabic-Indic) are refused: ``int()`` would read some of them
    and ``str.isdigit`` accepts them, so they must never reach either.
    """
    typed = code.strip()
    if not typed.isascii():
        typed = typed.translate(FULL_WIDTH_DIGITS)
    if typed.isascii():
        if typed.isdigit() and len(typed) <= 9:
            return int(typed)
        return None
    if any(not char.isascii() and char.isnumeric() for char in typed):
        raise InputError(
            "code",
            pick(
                lang,
                "票号只能用数字0-9填写",
                "type ticket numbers with the digits 0-9",
            ),
        )
    return None


def site_of_gate(
    sites: Mapping[str, Sequence[str]], gate: str, site: str | None, *, lang: str = "en"
) -> str:
    """The site a record at ``gate`` belongs to; :class:`InputError` saying why when unclear.

    ``sites`` maps site ids to their gates. ``site`` may be given; otherwise the gate's name
    must be used at exactly one site.
    """
    if site is not None:
        if site not in sites:
            raise InputError("site", pick(lang, f"没有场地“{site}”", f"no site {site!r}"))
        if gate not in sites[site]:
            raise InputError(
                "gate",
                pick(lang, f"场地“{site}”没有入口“{gate}”", f"site {site!r} has no gate {gate!r}"),
            )
        return site
    found = [s for s, gates in sites.items() if gate in gates]
    if not found:
        known = sorted({g for gates in sites.values() for g in gates})
        raise InputError(
            "gate",
            pick(
                lang,
                f"没有入口“{gate}”；本活动的入口：{'、'.join(known)}",
                f"no gate {gate!r}; gates: {', '.join(known)}",
            ),
        )
    if len(found) > 1:
        raise InputError(
            "site",
            pick(
                lang,
                f"入口“{gate}”在多个场地都有，请注明场地",
                f"gate {gate!r} is at several sites; give the site",
            ),
        )
    return found[0]


def place(
    event: Any,
    gate: Any,
    site: Any,
    *,
    required: bool = False,
) -> tuple[str | None, str | None]:
    """The checked ``(gate, site)`` of a record at ``event``; either may be ``None``.

    A gate must exist and fixes the site (``site`` is needed only when the gate's name is used
    at several sites); a site alone must exist. With ``required``, a gate must be given.
    """
    lang = event.lang
    gate_label, site_label = pick(lang, "入口", "gate"), pick(lang, "场地", "site")
    gate = text(gate, "gate", lang=lang, label=gate_label, limit=NAME_LIMIT, required=required)
    site = text(site, "site", lang=lang, label=site_label, limit=NAME_LIMIT, required=False)
    sites = {s.id: tuple(s.gates) for s in event.sites}
    if gate is not None:
        return gate, site_of_gate(sites, gate, site, lang=lang)
    if site is not None and site not in sites:
        raise InputError("site", pick(lang, f"没有场地“{site}”", f"no site {site!r}"))
    return None, site


def event_moment(value: Any, field: str, *, event: Any, label: str | None = None) -> dt.datetime:
    """When something happened during ``event``: an aware time on one of the event's days.

    ``value`` is ISO text: a date (``2035-09-02``, taken as 12:00 that day: a paper sheet
    covers the day, not an hour), a local time (``2035-09-02T10:30``, in the event's zone) or
    a time with its offset (converted). A time outside the event's days is refused.
    """
    lang = event.lang
    name = _label(field, label)
    value = text(value, field, lang=lang, label=name, limit=40)
    try:
        if len(value) == 10:
            moment = dt.datetime.combine(dt.date.fromisoformat(value), dt.time(12), event.tz)
        else:
            moment = dt.datetime.fromisoformat(value)
            moment = (
                moment.replace(tzinfo=event.tz) if moment.tzinfo is None else moment
            ).astimezone(event.tz)
    except ValueError:
        raise InputError(
            field,
            pick(
                lang,
                f"{name}格式不对，应写成“2035-09-02”或“2035-09-02T10:30”",
                f"{name} must look like 2035-09-02 or 2035-09-02T10:30",
            ),
        ) from None
    if moment.date() not in event.days:
        first, last = event.days[0], event.days[-1]
        raise InputError(
            field,
            pick(
                lang,
                f"{name}不在活动日期内（{date_text(first, lang)}至{date_text(last, lang)}）",
                f"{name} is not a day of the event ({first} to {last})",
            ),
        )
    return moment


def only_keys(body: Mapping[str, Any], allowed: Iterable[str], *, lang: str) -> None:
    """Refuse keys nobody reads: a misspelt field must not be silently dropped."""
    extra = sorted(set(body) - set(allowed))
    if extra:
        shown = ", ".join(repr(k)[:40] for k in extra[:5])
        raise InputError(
            extra[0], pick(lang, f"无法识别的字段：{shown}", f"unknown field(s): {shown}")
        )
