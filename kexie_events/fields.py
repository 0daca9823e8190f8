"""Read a TOML table into typed values, collecting problems instead of stopping at the first.

A reader learns which keys a table may have from the keys the code asks for; whatever is left
in the table afterwards is unknown and reported with the nearest known key as a suggestion. The
core reads ``event.toml`` with it and plugins read their own ``[plugins.NAME]`` sections with it,
so every error, the core's or a plugin's, has the same shape::

    reader = TableReader(config, ("plugins", "eclipse-glasses"))
    stock = reader.integer("stock", required=True, minimum=0)
    ratio = reader.number("pairs_per_person", default=1.0, minimum=0)
    reader.finish()
    problems = reader.problems
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from kexie_events.errors import Problem

Path = tuple[str | int, ...]
_MISSING = object()


def suggest(word: str, choices: Sequence[str]) -> str:
    """``", did you mean 'x'?"`` for the nearest choice, or an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f", did you mean {close[0]!r}?" if close else ""


def time_zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name``; ``ValueError`` saying what was expected when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        hint = suggest(name, sorted(available_timezones()))
        raise ValueError(f"unknown time zone {name!r}{hint or ', e.g. Asia/Shanghai'}") from None


def _kind(value: Any) -> str:
    names = {
        bool: "a true/false value",
        int: "a whole number",
        float: "a number",
        str: "a text",
        list: "a list",
        dict: "a table",
        dt.datetime: "a date and time",
        dt.date: "a date",
        dt.time: "a time",
    }
    return names.get(type(value), type(value).__name__)


class TableReader:
    """Typed access to one TOML table, remembering problems and which keys were read.

    Attributes:
        path: where the table is in the file, e.g. ``("sites", 2)``.
        problems: shared list of problems; sub-readers append to their parent's list.
    """

    def __init__(self, data: Any, path: Path = (), problems: list[Problem] | None = None):
        self.path = path
        self.problems: list[Problem] = [] if problems is None else problems
        if not isinstance(data, dict):
            self.error((), f"expected a table, got {_kind(data)}")
            data = {}
        self._data: dict[str, Any] = data
        self._known: list[str] = []

    # --- reporting -------------------------------------------------------------------------

    def error(self, key: Path | str, message: str) -> None:
        """Record an error at ``key`` (relative to this table)."""
        self.problems.append(Problem(self._at(key), message))

    def warning(self, key: Path | str, message: str) -> None:
        """Record a warning at ``key`` (relative to this table)."""
        self.problems.append(Problem(self._at(key), message, severity="warning"))

    def _at(self, key: Path | str) -> Path:
        return self.path + ((key,) if isinstance(key, str) else tuple(key))

    def finish(self) -> None:
        """Report every key of the table that nothing asked for."""
        for key in self._data:
            if key not in self._known:
                self.error(key, f"unknown key {key!r}{suggest(key, self._known)}")

    # --- raw access ------------------------------------------------------------------------

    def has(self, key: str) -> bool:
        """Whether the table sets ``key`` (and marks it as known)."""
        self._known.append(key)
        return key in self._data

    def raw(self, key: str, default: Any = None, *, required: bool = False) -> Any:
        """The value as parsed, unchecked."""
        self._known.append(key)
        if key not in self._data:
            if required:
                self.error(key, "is required")
            return default
        return self._data[key]

    def _typed(self, key, types, expected, default, required) -> Any:
        value = self.raw(key, _MISSING, required=required)
        if value is _MISSING:
            return default
        if isinstance(value, bool) and bool not in types:
            self.error(key, f"expected {expected}, got {value!r}")
            return default
        if not isinstance(value, types):
            self.error(key, f"expected {expected}, got {_kind(value)} {value!r}")
            return default
        return value

    # --- typed access ----------------------------------------------------------------------

    def text(
        self,
        key: str,
        default: str | None = None,
        *,
        required: bool = False,
        choices: Sequence[str] | None = None,
    ) -> str | None:
        """A non-empty string, optionally one of ``choices``."""
        value = self._typed(key, (str,), "a text in quotes", default, required)
        if value is default:
            return value
        if not value.strip():
            self.error(key, "must not be empty")
            return default
        if choices is not None and value not in choices:
            options = ", ".join(repr(c) for c in choices)
            self.error(key, f"expected one of {options}, got {value!r}{suggest(value, choices)}")
            return default
        return value

    def integer(
        self, key: str, default: int | None = None, *, required: bool = False, minimum: int = 0
    ) -> int | None:
        """A whole number, at least ``minimum`` (counts are never negative)."""
        value = self._typed(key, (int,), "a whole number", default, required)
        if value is not default and value < minimum:
            self.error(key, f"must be at least {minimum}, got {value}")
            return default
        return value

    def number(
        self,
        key: str,
        default: float | None = None,
        *,
        required: bool = False,
        minimum: float | None = None,
        maximum: float | None = None,
    ) -> float | None:
        """An int or float within the given bounds."""
        value = self._typed(key, (int, float), "a number", default, required)
        if value is default:
            return value
        if minimum is not None and value < minimum:
            self.error(key, f"must be at least {minimum}, got {value}")
            return default
        if maximum is not None and value > maximum:
            self.error(key, f"must be at most {maximum}, got {value}")
            return default
        return float(value)

    def boolean(self, key: str, default: bool = False) -> bool:
        """``true`` or ``false``."""
        return self._typed(key, (bool,), "true or false", default, False)

    def texts(
        self, key: str, *, required: bool = False, choices: Sequence[str] | None = None
    ) -> tuple[str, ...]:
        """A list of strings, each optionally one of ``choices``."""
        value = self._typed(key, (list,), 'a list of texts like ["a", "b"]', None, required)
        if value is None:
            return ()
        items = []
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.error((key, index), f"expected a non-empty text, got {item!r}")
            elif choices is not None and item not in choices:
                options = ", ".join(repr(c) for c in choices)
                self.error(
                    (key, index),
                    f"expected one of {options}, got {item!r}{suggest(item, choices)}",
                )
            else:
                items.append(item)
        return tuple(items)

    def moment(self, key: str, zone: ZoneInfo, *, required: bool = False) -> dt.datetime | None:
        """A date and time, made aware in ``zone`` unless it carries its own offset."""
        value = self._typed(
            key,
            (dt.datetime,),
            "a date and time like 2027-08-02T08:30:00",
            None,
            required,
        )
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=zone)
        return value.astimezone(zone)

    def day(self, key: str, *, required: bool = False) -> dt.date | None:
        """A calendar date like 2027-08-02."""
        value = self._typed(key, (dt.date,), "a date like 2027-08-02", None, required)
        if isinstance(value, dt.datetime):
            self.error(key, f"expected a date like 2027-08-02 without a time, got {value}")
            return None
        return value

    # --- nested tables ---------------------------------------------------------------------

    def table(self, key: str, *, required: bool = False) -> TableReader:
        """A sub-table as a reader sharing this reader's problem list."""
        value = self.raw(key, _MISSING, required=required)
        if value is _MISSING:
            value = {}
        return TableReader(value, self._at(key), self.problems)

    def tables(self, key: str, *, required: bool = False) -> list[TableReader]:
        """An array of tables (``[[key]]``) as readers."""
        value = self.raw(key, _MISSING, required=required)
        if value is _MISSING:
            return []
        if not isinstance(value, list):
            self.error(key, f"expected a list of tables ([[{key}]]), got {_kind(value)}")
            return []
        return [
            TableReader(item, self._at((key, index)), self.problems)
            for index, item in enumerate(value)
        ]

    def names(self) -> list[str]:
        """The keys the table actually has (for tables whose keys are names, not fields)."""
        return list(self._data)
