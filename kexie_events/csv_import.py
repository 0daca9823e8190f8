"""Strict reading of the CSV files people import: every problem with its line, or nothing.

A lenient CSV reader turns a mistake into wrong data without a word: one stray quote makes a
field swallow every row after it, a comma in a name shifts the columns, a row pasted twice
counts twice. Every import (``kexie tickets import``, ``kexie glasses import``) reads its file
with :func:`read_table`, which knows the CSV rules (RFC 4180, as Excel and WPS write them) and
reports, with the line number an editor shows (every physical line counts, blank ones too, the
first line of the file is 1):

- a quote that never closes, a quoted field running over several lines, text after a closing
  quote, a quote inside a field that does not start with one;
- NUL bytes and other control characters, text that is not UTF-8;
- fields longer than :data:`MAX_FIELD` characters, rows with more fields than the header;
- a header that lacks a required column, names one twice, or has an unknown column that looks
  like a misspelled expected one (other unknown columns are a warning: they are not imported);
- a row repeating an earlier one.

The caller adds its own checks per row and imports nothing unless no problem was found.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from pathlib import Path

import attrs

from kexie_events.errors import UsageError
from kexie_events.fields import suggest

MAX_FIELD = 200
"""Characters a field may hold: names, phone numbers, units and counts are far shorter."""
MAX_FILE_BYTES = 50_000_000
"""Bytes an import file may have: 50 MB is some 500,000 registrations."""
MAX_SHOWN = 50
"""Problems listed before the rest are summed up."""

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_UNQUOTED = re.compile(r"[^,\r\n]*")
_QUOTED_BODY = re.compile(r'[^"]*(?:""[^"]*)*')
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


class ImportRefused(UsageError):
    """An import file with problems: all of them are listed and nothing was imported."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        shown = self.problems[:MAX_SHOWN]
        more = len(self.problems) - len(shown)
        lines = [*shown, *([f"... and {more} more problems"] if more else [])]
        super().__init__("\n".join([*lines, "nothing was imported"]))


@attrs.frozen
class CsvRow:
    """A data row: the line it starts on and its values by column (stripped; absent is ``""``)."""

    line: int
    values: dict[str, str]


@attrs.frozen
class CsvTable:
    """A CSV file as read: its rows, and what is wrong (errors) or worth saying (warnings).

    Problems and warnings are whole messages, ``PATH:LINE: text``.

    ``rows`` is empty when the file's structure is broken (quotes, NUL bytes, header): its rows
    cannot be trusted then, so only the structural problems are reported.
    """

    path: Path
    rows: tuple[CsvRow, ...]
    problems: tuple[str, ...]
    warnings: tuple[str, ...]

    def at(self, line: int, message: str) -> str:
        """``message`` located at ``line`` of this file, as every problem is written."""
        return f"{self.path}:{line}: {message}"


@attrs.frozen
class _Field:
    value: str
    start: int  # offset of its first character (its opening quote, if quoted)
    quoted: bool


class _Lines:
    """Offsets to line numbers, counting ``\\r\\n``, ``\\r`` and ``\\n`` as editors do."""

    def __init__(self, text: str):
        self.starts = [0, *(m.end() for m in _LINE_BREAK.finditer(text))]

    def of(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)


def read_table(
    path: Path,
    *,
    columns: Sequence[str],
    required: Sequence[str] = (),
    unique: Sequence[str] | None = None,
) -> CsvTable:
    """Read the CSV at ``path``, expecting a header naming some of ``columns``.

    Args:
        columns: the columns the import uses; others are named in a warning and not read.
        required: columns the header must have.
        unique: the columns whose values identify a row; a row with the same values as an
            earlier one is a problem (default: all of ``columns``). Rows whose identifying
            values are all empty are left to the caller, which reports the empty field.
    """
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise UsageError(f"{path}: cannot read: {error.strerror or error}") from None
    table = CsvTable(path, (), (), ())
    if len(raw) > MAX_FILE_BYTES:
        return attrs.evolve(
            table,
            problems=(
                f"{path}: {len(raw):,} bytes is too large for an import "
                f"(at most {MAX_FILE_BYTES:,})",
            ),
        )
    if b"\x00" in raw:
        return attrs.evolve(table, problems=tuple(_nul_problems(path, raw)))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        return attrs.evolve(
            table,
            problems=(f"{path}:{line}: not UTF-8 text; save the file as CSV UTF-8",),
        )
    lines = _Lines(text)
    records, problems = _parse(text, lines)
    problems = [table.at(line, message) for line, message in problems]
    if problems:
        return attrs.evolve(table, problems=tuple(problems))
    records = [r for r in records if any(f.value.strip() for f in r)]
    if not records:
        return attrs.evolve(table, problems=(f"{path}: the file is empty",))
    header_fields, *data = records
    header_line = lines.of(header_fields[0].start)
    header = [f.value.strip() for f in header_fields]
    problems, warnings = _check_header(table, header_line, header, columns, required)
    if problems:
        return attrs.evolve(table, problems=tuple(problems), warnings=tuple(warnings))
    rows = []
    key_columns = list(columns if unique is None else unique)
    seen: dict[tuple[str, ...], int] = {}
    for fields in data:
        line = lines.of(fields[0].start)
        row_problems = _check_fields(fields, header, lines)
        if row_problems:
            problems += [table.at(n, message) for n, message in row_problems]
            continue
        values = {c: "" for c in columns}
        for name, field in zip(header, fields, strict=False):
            if name in values:
                values[name] = field.value.strip()
        key = tuple(values[c] for c in key_columns)
        if any(key):
            if key in seen:
                label = ", ".join(v for v in key if v)
                problems.append(
                    table.at(line, f"{label!r} is listed twice (first on line {seen[key]})")
                )
                continue
            seen[key] = line
        rows.append(CsvRow(line, values))
    return CsvTable(path, tuple(rows), tuple(problems), tuple(warnings))


def _nul_problems(path: Path, raw: bytes) -> list[str]:
    """NUL bytes: a file saved as UTF-16 ("Unicode text") is full of them, so say which lines."""
    count = raw.count(b"\x00")
    first = _offsets(raw, b"\x00", 5)
    lines = sorted({raw[:i].count(b"\n") + 1 for i in first})
    where = ", ".join(str(n) for n in lines) + (", ..." if count > len(first) else "")
    hint = (
        '; the file looks like UTF-16 ("Unicode text"): save it as CSV UTF-8'
        if count * 4 > len(raw)
        else ""
    )
    return [f"{path}:{lines[0]}: NUL bytes (\\0) in the file, on lines {where}{hint}"]


def _offsets(raw: bytes, byte: bytes, limit: int) -> list[int]:
    found, start = [], 0
    while len(found) < limit and (index := raw.find(byte, start)) >= 0:
        found.append(index)
        start = index + 1
    return found


def _parse(text: str, lines: _Lines) -> tuple[list[list[_Field]], list[tuple[int, str]]]:
    """Split ``text`` into records of fields, with every quoting problem and its line."""
    records: list[list[_Field]] = []
    problems: list[tuple[int, str]] = []
    position, end = 0, len(text)
    while position < end:
        fields: list[_Field] = []
        while True:
            start = position
            if position < end and text[position] == '"':
                body = _QUOTED_BODY.match(text, position + 1)
                close = body.end()
                if close >= end:
                    problems.append(
                        (
                            lines.of(start),
                            "this quote never closes, so the rest of the file would be one "
                            "field; remove the stray quote, or close it",
                        )
                    )
                    return records, problems
                value = body.group().replace('""', '"')
                first, last = lines.of(start), lines.of(close)
                if first != last:
                    problems.append(
                        (
                            first,
                            f"the quoted field opened here runs on to line {last}: a quote "
                            "is missing or stray (a field may not hold a line break)",
                        )
                    )
                position = close + 1
                after = _UNQUOTED.match(text, position)
                if after.group():
                    problems.append(
                        (
                            lines.of(position),
                            f"text after a closing quote ({after.group()!r}); write a quote "
                            'inside a quoted field as two quotes ("")',
                        )
                    )
                    position = after.end()
                fields.append(_Field(value, start, quoted=True))
            else:
                match = _UNQUOTED.match(text, position)
                value = match.group()
                if '"' in value:
                    problems.append(
                        (
                            lines.of(start),
                            f"stray quote in {value.strip()!r}; if the text holds a quote, "
                            'put the whole field in quotes and write the quote twice ("")',
                        )
                    )
                position = match.end()
                fields.append(_Field(value, start, quoted=False))
            if position < end and text[position] == ",":
                position += 1
                continue
            break
        if text.startswith("\r\n", position):
            position += 2
        elif position < end:
            position += 1
        records.append(fields)
    return records, problems


def _check_header(
    table: CsvTable,
    line: int,
    header: list[str],
    columns: Sequence[str],
    required: Sequence[str],
) -> tuple[list[str], list[str]]:
    separator = next((c for c in ";\t|" if len(header) == 1 and c in header[0]), None)
    if separator:  # a spreadsheet set up for another country separates with ';'
        message = f"the columns are separated by {separator!r}; save the file with commas (CSV)"
        return [table.at(line, message)], []
    problems, warnings = [], []
    missing = [c for c in required if c not in header]
    unknown = [h for h in header if h and h not in columns]
    misspelled = {h: suggest(h, missing) for h in unknown if suggest(h, missing)}
    twice = sorted({h for h in header if h and header.count(h) > 1})
    expected = ", ".join(columns)
    if missing:
        hints = "".join(f"; unknown column {h!r}{hint}" for h, hint in misspelled.items())
        problems.append(
            table.at(
                line,
                f"the header must name the columns {expected}"
                f" ({', '.join(required)} required); missing: {', '.join(missing)}{hints}",
            )
        )
    for name in twice:
        problems.append(table.at(line, f"the header names the column {name!r} twice"))
    ignored = [h for h in unknown if h not in misspelled]
    if ignored:
        names = ", ".join(repr(h) for h in ignored)
        warnings.append(
            table.at(
                line,
                f"column{'s' if len(ignored) > 1 else ''} {names} not imported "
                f"(the columns used are {expected})",
            )
        )
    return problems, warnings


def _check_fields(fields: list[_Field], header: list[str], lines: _Lines) -> list[tuple[int, str]]:
    """Problems of one data row's fields: too many, too long, control characters."""
    problems = []
    line = lines.of(fields[0].start)
    if len(fields) > len(header):
        extra = [f.value.strip() for f in fields[len(header) :]]
        if any(extra):
            problems.append(
                (
                    line,
                    f"{len(fields)} fields, the header has {len(header)}: is there a comma in "
                    "a name? put such a field in quotes",
                )
            )
    for index, field in enumerate(fields):
        name = header[index] if index < len(header) and header[index] else f"column {index + 1}"
        if index < len(header) and not header[index] and field.value.strip():
            problems.append(
                (line, f"a value in column {index + 1}, which the header does not name")
            )
        if len(field.value.strip()) > MAX_FIELD:
            problems.append(
                (
                    line,
                    f"{name} has {len(field.value.strip()):,} characters; at most {MAX_FIELD}",
                )
            )
        control = _CONTROL.search(field.value)
        if control:
            problems.append(
                (line, f"{name} holds the control character U+{ord(control.group()):04X}")
            )
    return problems
