"""Changes to the text of ``event.toml`` that keep everything else as the organiser wrote it.

The console's forms change a few values of a file that people also edit by hand, so a save
must not rewrite the rest: comments, blank lines, the order of keys and tables, the way each
number and date is written all stay. :mod:`tomlkit` keeps them; this module is what the
console asks of it, as pure functions from text to text (nothing here reads files or knows
about the web).

Values are addressed by their path in the file, as problems are (``("sites", 0, "capacity")``,
:class:`kexie_events.errors.Problem`). A value set to what it already is leaves its text
untouched, so a form saved with nothing changed gives back the file byte for byte.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Collection, Iterator, Mapping
from typing import Any

import attrs
import tomlkit
import tomlkit.exceptions
from tomlkit.container import Container
from tomlkit.items import AoT, Array, Item, Table

from kexie_events.errors import KexieError

Path = tuple[str | int, ...]
#: What :func:`shift_dates` moves: every date and date-time value.
_DATES = (dt.date, dt.datetime)
_BOM = "\ufeff"


class TextUnreadable(KexieError):
    """The text is not TOML that can be edited value by value.

    Attributes:
        line, column: where the reader stopped (1-based).
        reason: what the reader said (in English, from tomlkit).
    """

    exit_code = 2

    def __init__(self, line: int, column: int, reason: str):
        self.line = line
        self.column = column
        self.reason = reason
        super().__init__(f"line {line}, column {column}: {reason}")


@attrs.frozen
class Edits:
    """What to change in one save.

    Attributes:
        values: the new value by path; ``None`` removes the key. Indexes are the file's as it
            was read.
        added: tables to append to an array of tables (``[[sites]]``), by the array's path; the
            array is made when the file has none yet.
        removed: indexes of tables to take out of an array of tables, by the array's path
            (indexes as the file was read).
    """

    values: Mapping[Path, Any] = attrs.field(factory=dict)
    added: Mapping[Path, list[Mapping[str, Any]]] = attrs.field(factory=dict)
    removed: Mapping[Path, Collection[int]] = attrs.field(factory=dict)


def digest(data: bytes) -> str:
    """The SHA-256 of a file's bytes: what a form carries to notice a change made meanwhile."""
    return hashlib.sha256(data).hexdigest()


def parse(text: str) -> tomlkit.TOMLDocument:
    """The document of ``text``, keeping its layout; :class:`TextUnreadable` when it is not
    TOML."""
    try:
        return tomlkit.parse(text.removeprefix(_BOM))
    except tomlkit.exceptions.ParseError as error:
        reason = str(error).split(" at line ")[0]
        raise TextUnreadable(error.line, error.col, reason) from None


def render(document: tomlkit.TOMLDocument, like: str) -> str:
    """The document's text, with the byte-order mark and line ends of the text ``like``."""
    text = document.as_string()
    if "\r\n" in like:
        # Keys tomlkit adds end in "\n"; a file written on Windows keeps "\r\n" throughout.
        text = re.sub(r"(?<!\r)\n", "\r\n", text)
    return _BOM + text if like.startswith(_BOM) else text


def value_at(document: Mapping, path: Path, default: Any = None) -> Any:
    """The plain value at ``path`` (dicts, lists, str, int, datetime...), or ``default``."""
    node: Any = document
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return default
    return node.unwrap() if isinstance(node, Item | Container) else node


def comment_at(document: Mapping, path: Path) -> str:
    """The comment written after the value at ``path`` on its line (without ``#``), or ``""``.

    Organisers and templates explain settings so (``stock = 10000  # 已采购的观测镜（副）``); the
    console shows it as the field's hint.
    """
    node: Any = document
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return ""
    trivia = getattr(node, "trivia", None)
    comment = trivia.comment if trivia is not None else ""
    return comment.lstrip("#").strip()


def same_value(current: Any, new: Any) -> bool:
    """Whether writing ``new`` where ``current`` is would change nothing a reader sees.

    ``1`` and ``1.0`` are the same; ``true`` and ``1`` are not.
    """
    if isinstance(current, bool) != isinstance(new, bool):
        return False
    if isinstance(current, dt.datetime) != isinstance(new, dt.datetime):
        return False
    return current == new


def apply(text: str, edits: Edits) -> str:
    """``text`` with ``edits`` made, everything else as it was.

    Values go in first (at the indexes the text has), then the added tables at the ends of
    their arrays, then the removed tables go (the innermost arrays first, so that a
    volunteer's shift is taken out before the volunteer). :class:`TextUnreadable` when the
    text is not TOML; :class:`KeyError` for a path into a table the text does not have.
    """
    document = parse(text)
    for path, value in edits.values.items():
        _set(document, path, value)
    for path, tables in edits.added.items():
        for values in tables:
            _append(document, path, values)
    for path in sorted(edits.removed, key=len, reverse=True):
        array = _node(document, path)
        for index in sorted(set(edits.removed[path]), reverse=True):
            del array[index]
        if not len(array):
            del _node(document, path[:-1])[path[-1]]
    return render(document, text)


def shift_dates(text: str, days: int) -> str:
    """``text`` with every date and date-time value moved by ``days`` days.

    A template's schedule, shifts, handouts and sign-up dates move with the event when it is
    given other dates, so they stay where they were in the event's day.
    """
    if not days:
        return text
    document = parse(text)
    delta = dt.timedelta(days=days)
    for container, key, value in _walk(document):
        if isinstance(value, _DATES):
            container[key] = _moved(value, delta)
    return render(document, text)


def _moved(value: dt.date, delta: dt.timedelta) -> dt.date:
    if isinstance(value, dt.datetime):
        return dt.datetime.combine(value.date() + delta, value.timetz())
    return dt.date.fromordinal(value.toordinal() + delta.days)


def _walk(node: Any) -> Iterator[tuple[Any, str | int, Any]]:
    """Every (container, key, value) below ``node``, depth first."""
    if isinstance(node, Mapping):
        pairs = list(node.items())
    elif isinstance(node, list | AoT | Array):
        pairs = list(enumerate(node))
    else:
        return
    for key, value in pairs:
        yield node, key, value
        yield from _walk(value)


def _node(document: Any, path: Path) -> Any:
    node = document
    for part in path:
        node = node[part]
    return node


def _set(document: Any, path: Path, value: Any) -> None:
    table = _node(document, path[:-1])
    key = path[-1]
    if value is None:
        if key in table:
            del table[key]
        return
    if key in table and same_value(value_at(table, (key,)), value):
        return
    table[key] = value


def _append(document: Any, path: Path, values: Mapping[str, Any]) -> None:
    parent = _node(document, path[:-1])
    key = path[-1]
    if key not in parent:
        parent[key] = tomlkit.aot()
    parent[key].append(_table(values))


def _table(values: Mapping[str, Any]) -> Table:
    """A table to append to an array of tables, laid out as people write them: its values,
    its own arrays of tables (a new volunteer's shifts) after them, a blank line at the end."""
    table = tomlkit.table()
    nested = {}
    for key, value in values.items():
        if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            nested[key] = value
        elif value is not None:
            table[key] = value
    if not nested:
        table.add(tomlkit.nl())
    for key, tables in nested.items():
        array = tomlkit.aot()
        for inner in tables:
            array.append(_table(inner))
        table[key] = array
    return table
