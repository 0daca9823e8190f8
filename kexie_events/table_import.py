"""Strict reading of the tables people import, from CSV or Excel: every problem with its row.

A lenient reader turns a mistake into wrong data without a word: one stray quote makes a field
swallow every row after it, a comma in a name shifts the columns, a row pasted twice counts
twice, a broken formula imports as an empty phone number. Every import (``kexie tickets
import``, ``kexie glasses import``) reads its file with :func:`read_table`, which gives the same
rows whatever the office saved:

- ``.xlsx`` (Excel, WPS; ``.xlsm`` too): the first sheet unless one is named, each row numbered
  as Excel numbers it; the values formulas last gave (a cell whose formula fails, ``#REF!``, or
  was never calculated is a problem naming the cell); whole numbers as ``120``, never
  ``120.0``; dates as ``2027-08-02``. ``.xls``, ``.et``, ``.xlsb``, ``.ods`` and ``.numbers``
  are refused with "save it as .xlsx or CSV".
- CSV (RFC 4180, as Excel and WPS write it; tab-separated text too) in UTF-8 with or without
  BOM, UTF-16 with BOM (Excel's "Unicode text") or GB18030 (Excel's "CSV" on Chinese Windows,
  a superset of GBK and GB2312), detected: UTF-8 is tried first, and a file that is UTF-8 but
  for a damaged byte is reported, not guessed to be GB18030.
- A header naming the columns in English or Chinese (:class:`Column`), found in the first rows
  (a title such as "××县日食观测镜分配表" may stand above it); header names match after
  trimming spaces and making full-width forms half-width (``数量（副）`` is ``数量(副)``).
- Rows whose first cell is a total (``合计``, ``总计``, ``Total``: :data:`TOTAL_WORDS`) are
  left out with a warning: imported, a sheet's total row would count everything twice.
- A CSV value's leading apostrophe before ``=``, ``+``, ``-`` or ``@`` (how
  :mod:`kexie_events.csv_export` keeps a value from being a formula) is dropped, as Excel
  drops it.

Problems are reported with the line an editor shows for CSV (every physical line counts, blank
ones too, the first line is 1) and the row number Excel shows for a workbook:

- a quote that never closes, a quoted field running over several lines, text after a closing
  quote, a quote inside a field that does not start with one;
- NUL bytes and other control characters, line breaks in a value, text in no known encoding;
- values longer than :data:`MAX_FIELD` characters, CSV rows with more fields than the header;
- a header that lacks a required column, names one twice, or has an unknown column that looks
  like a misspelled expected one (other unknown columns are a warning: they are not imported);
- a row repeating an earlier one;
- a file over :data:`MAX_FILE_BYTES`, a table over :data:`MAX_ROWS` rows, a workbook that
  unpacks to more than :data:`MAX_UNPACKED_BYTES` (a "zip bomb" is refused before it is read).

The caller adds its own checks per row and imports nothing unless no problem was found.
"""

from __future__ import annotations

import bisect
import codecs
import datetime as dt
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Sequence
from pathlib import Path

import attrs

from kexie_events.csv_export import FORMULA_STARTS
from kexie_events.errors import UsageError
from kexie_events.fields import suggest

MAX_FIELD = 200
"""Characters a value may hold: names, phone numbers, units and counts are far shorter."""
MAX_FILE_BYTES = 50_000_000
"""Bytes an import file may have."""
MAX_ROWS = 100_000
"""Rows (lines) a table may run to: five times the largest registration list of a county."""
MAX_COLUMNS = 100
"""Columns of a sheet that are read (A to CV); an import uses a handful."""
MAX_UNPACKED_BYTES = 100_000_000
"""Bytes the parts of a workbook may unpack to, declared by the zip before anything is read."""
MAX_SHOWN = 50
"""Problems listed before the rest are summed up."""
HEADER_SEARCH = 10
"""Non-empty rows searched for the header: title rows may stand above it."""
TOTAL_WORDS = frozenset({"合计", "总计", "小计", "共计", "total", "sum"})
"""First cells of the total rows office sheets end with; such rows are not imported."""

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
REFUSED_SUFFIXES = {
    ".xls": "an old Excel workbook (.xls)",
    ".et": "a WPS workbook (.et)",
    ".ett": "a WPS template (.ett)",
    ".xlsb": "a binary Excel workbook (.xlsb)",
    ".ods": "an OpenDocument spreadsheet (.ods)",
    ".numbers": "an Apple Numbers file",
}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls and .et files
_ZIP_MAGIC = b"PK\x03\x04"

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_QUOTED_BODY = re.compile(r'[^"]*(?:""[^"]*)*')
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_SPACES = re.compile(r"\s+")


class ImportRefused(UsageError):
    """An import file with problems: all of them are listed and nothing was imported."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        shown = self.problems[:MAX_SHOWN]
        more = len(self.problems) - len(shown)
        lines = [*shown, *([f"... and {more} more problems"] if more else [])]
        super().__init__("\n".join([*lines, "nothing was imported"]))


def header_key(name: str) -> str:
    """A header name as it is compared: full-width forms half-width, no spaces, any case."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", name)).casefold()


@attrs.frozen
class Column:
    """A column an import reads: its key (the English header name) and other names for it.

    ``Column("pairs", ("数量", "副数", "数量（副）"))`` accepts any of the four in a header.
    """

    key: str
    names: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """``pairs (数量, 副数, 数量（副）)``: the key with the other names a header may use."""
        return f"{self.key} ({', '.join(self.names)})" if self.names else self.key


@attrs.frozen
class ImportRow:
    """A data row: its line (CSV) or row (workbook) and its values by column key.

    Values are stripped text; an absent column gives ``""``.
    """

    line: int
    values: dict[str, str]


@attrs.frozen
class ImportTable:
    """A table as read: its rows, and what is wrong (problems) or worth saying.

    Problems and warnings are whole messages, ``PATH:LINE: text``; notes say how the file was
    read when that is not the obvious way (another encoding, one sheet of several).

    ``rows`` is empty when the file's structure is broken (quotes, NUL bytes, header): its rows
    cannot be trusted then, so only the structural problems are reported.
    """

    path: Path
    rows: tuple[ImportRow, ...]
    problems: tuple[str, ...]
    warnings: tuple[str, ...]
    notes: tuple[str, ...] = ()
    workbook: bool = False

    @property
    def row_word(self) -> str:
        """What the numbers count: ``row`` in a workbook, ``line`` in a CSV."""
        return "row" if self.workbook else "line"

    def at(self, line: int, message: str) -> str:
        """``message`` located at ``line`` of this file, as every problem is written."""
        return f"{self.path}:{line}: {message}"


@attrs.frozen
class _Record:
    """One row of the file before the header is known: raw values and what is wrong in them.

    ``cell_problems`` maps a column index to the problem of its cell (a formula error).
    """

    line: int
    values: tuple[str, ...]
    cell_problems: dict[int, str] = attrs.field(factory=dict)


@attrs.frozen
class _Source:
    """A file split into records, as the CSV or the workbook reader gives it."""

    workbook: bool
    records: list[_Record]
    problems: list[str]
    notes: list[str]
    delimiter: str = ","


def read_table(
    path: Path,
    *,
    columns: Sequence[Column | str],
    required: Sequence[str] = (),
    unique: Sequence[str] | None = None,
    sheet: str | None = None,
) -> ImportTable:
    """Read the CSV or ``.xlsx`` at ``path``, expecting a header naming some of ``columns``.

    Args:
        columns: the columns the import uses; others are named in a warning and not read.
        required: keys of the columns the header must have.
        unique: keys of the columns whose values identify a row; a row with the same values as
            an earlier one is a problem (default: all of ``columns``). Rows whose identifying
            values are all empty are left to the caller, which reports the empty field.
        sheet: the workbook's sheet to read (default: the first); ``UsageError`` for a CSV.
    """
    columns = [c if isinstance(c, Column) else Column(c) for c in columns]
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise UsageError(f"{path}: cannot read: {error.strerror or error}") from None
    table = ImportTable(path, (), (), ())
    if len(raw) > MAX_FILE_BYTES:
        size = f"{len(raw):,} bytes is too large for an import (at most {MAX_FILE_BYTES:,})"
        return attrs.evolve(table, problems=(f"{path}: {size}",))
    refused = _refused_format(path, raw)
    if refused:
        return attrs.evolve(table, problems=(refused,))
    if raw.startswith(_ZIP_MAGIC) or path.suffix.lower() in WORKBOOK_SUFFIXES:
        source = _workbook_records(path, raw, sheet)
    elif sheet is not None:
        raise UsageError(f"{path}: a CSV file has no sheets (--sheet {sheet!r})")
    else:
        source = _csv_records(path, raw)
    table = attrs.evolve(table, notes=tuple(source.notes), workbook=source.workbook)
    if source.problems:
        return attrs.evolve(table, problems=tuple(source.problems))
    records = [r for r in source.records if any(v.strip() for v in r.values)]
    if not records:
        return attrs.evolve(table, problems=(f"{path}: the file is empty",))
    header_record = _find_header(records, columns, required)
    records = records[records.index(header_record) + 1 :]
    header = [_column_of(value, columns) for value in header_record.values]
    problems, warnings = _check_header(
        table, header_record, header, columns, required, source.delimiter
    )
    if problems:
        return attrs.evolve(table, problems=tuple(problems), warnings=tuple(warnings))
    rows: list[ImportRow] = []
    key_columns = [c.key for c in columns] if unique is None else list(unique)
    seen: dict[tuple[str, ...], int] = {}
    unnamed: dict[int, int] = {}  # column index: first row with a value there
    names = [v.strip() for v in header_record.values]
    for record in records:
        line = record.line
        first = next(v.strip() for v in record.values if v.strip())
        if header_key(first) in TOTAL_WORDS:
            warnings.append(table.at(line, f"{first!r} is a total row; it is not imported"))
            continue
        row_problems = _check_fields(record, header, names, source.workbook, unnamed)
        if row_problems:
            problems += [table.at(line, message) for message in row_problems]
            continue
        values = {c.key: "" for c in columns}
        for key, value in zip(header, record.values, strict=False):
            if key:
                values[key] = _unprotected(value.strip(), source.workbook)
        key = tuple(values[c] for c in key_columns)
        if any(key):
            if key in seen:
                label = ", ".join(v for v in key if v)
                problems.append(
                    table.at(
                        line,
                        f"{label!r} is listed twice (first on {table.row_word} {seen[key]})",
                    )
                )
                continue
            seen[key] = line
        rows.append(ImportRow(line, values))
    for index, line in sorted(unnamed.items()):
        warnings.append(
            table.at(
                line,
                f"column {_column_name(index, True)} has values but no header; "
                "they are not imported",
            )
        )
    return attrs.evolve(table, rows=tuple(rows), problems=tuple(problems), warnings=tuple(warnings))


def is_workbook(path: Path) -> bool:
    """Whether ``path`` is (or, not existing yet, is named as) an ``.xlsx`` workbook."""
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        return True
    try:
        with path.open("rb") as file:
            return file.read(len(_ZIP_MAGIC)) == _ZIP_MAGIC
    except OSError:
        return False


def _unprotected(value: str, workbook: bool) -> str:
    """A CSV value without the apostrophe that keeps ``=``, ``+``, ``-`` or ``@`` from being a
    formula (:mod:`kexie_events.csv_export` writes it; Excel hides it)."""
    if not workbook and value.startswith("'") and value[1:2] and value[1] in FORMULA_STARTS:
        return value[1:]
    return value


def _refused_format(path: Path, raw: bytes) -> str | None:
    """Why a file in a spreadsheet format kexie does not read is refused, or ``None``."""
    what = REFUSED_SUFFIXES.get(path.suffix.lower())
    if what is None and raw.startswith(_OLE_MAGIC):
        what = "an old Excel (.xls) or WPS (.et) workbook"
    if what is None:
        return None
    return f"{path}: {what} cannot be read; save it as .xlsx or CSV"


# --- CSV ------------------------------------------------------------------------------------


@attrs.frozen
class _Field:
    value: str
    start: int  # offset of its first character (its opening quote, if quoted)


class _Lines:
    """Offsets to line numbers, counting ``\\r\\n``, ``\\r`` and ``\\n`` as editors do."""

    def __init__(self, text: str):
        self.starts = [0, *(m.end() for m in _LINE_BREAK.finditer(text))]

    def of(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)


def _csv_records(path: Path, raw: bytes) -> _Source:
    """The records of a CSV file, decoded in whichever encoding it was written in."""
    text, encoding, problem = _decode(path, raw)
    if problem:
        return _Source(False, [], [problem], [])
    notes = [f"{path}: read as {encoding}"] if encoding else []
    if "\x00" in text:  # UTF-16 text decoded: its NULs are in the text itself
        line = text[: text.index("\x00")].count("\n") + 1
        return _Source(False, [], [f"{path}:{line}: NUL bytes (\\0) in the file"], notes)
    lines = _Lines(text)
    delimiter = _delimiter(text)
    records, problems = _parse(text, lines, delimiter)
    located = [f"{path}:{line}: {message}" for line, message in problems]
    return _Source(False, records, located, notes, delimiter)


def _decode(path: Path, raw: bytes) -> tuple[str, str | None, str | None]:
    """``(text, encoding to mention or None, problem or None)``.

    UTF-8 (with or without BOM) first; UTF-16 when a BOM says so; otherwise GB18030, unless the
    file is mostly valid UTF-8 and merely damaged (a GB18030 guess would garble every name).
    """
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if raw.startswith(bom):
            try:
                return raw[len(bom) :].decode(codec), 'UTF-16 ("Unicode text")', None
            except UnicodeDecodeError:
                return "", None, f"{path}: damaged UTF-16 text; save the file as CSV UTF-8"
    if b"\x00" in raw:
        return "", None, _nul_problem(path, raw)
    try:
        return raw.decode("utf-8-sig"), None, None
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        not_utf8 = f"{path}:{line}: not UTF-8 text"
    lenient = raw.decode("utf-8", errors="replace")
    bad = lenient.count("\ufffd")
    if raw.startswith(codecs.BOM_UTF8) or sum(ord(c) > 0x7F for c in lenient) - bad > bad:
        return "", None, f"{not_utf8} (a damaged character); save the file as CSV UTF-8 again"
    try:
        return raw.decode("gb18030"), "GB18030 (Excel's CSV on Chinese Windows)", None
    except UnicodeDecodeError:
        return "", None, f"{not_utf8}, nor GB18030; save the file as CSV UTF-8"


def _nul_problem(path: Path, raw: bytes) -> str:
    """NUL bytes: a file saved as UTF-16 without a BOM is full of them, so say which lines."""
    count = raw.count(b"\x00")
    first = _offsets(raw, b"\x00", 5)
    lines = sorted({raw[:i].count(b"\n") + 1 for i in first})
    where = ", ".join(str(n) for n in lines) + (", ..." if count > len(first) else "")
    hint = (
        '; the file looks like UTF-16 ("Unicode text"): save it as CSV UTF-8'
        if count * 4 > len(raw)
        else ""
    )
    return f"{path}:{lines[0]}: NUL bytes (\\0) in the file, on lines {where}{hint}"


def _offsets(raw: bytes, byte: bytes, limit: int) -> list[int]:
    found, start = [], 0
    while len(found) < limit and (index := raw.find(byte, start)) >= 0:
        found.append(index)
        start = index + 1
    return found


def _delimiter(text: str) -> str:
    """A tab when the first lines hold more tabs than commas (Excel's "Unicode text", a table
    pasted into Notepad), else a comma."""
    head = "\n".join(line for line in text.splitlines()[: 2 * HEADER_SEARCH] if line.strip())
    return "\t" if head.count("\t") > head.count(",") else ","


def _parse(text: str, lines: _Lines, delimiter: str) -> tuple[list[_Record], list[tuple[int, str]]]:
    """Split ``text`` into records, with every quoting problem and its line."""
    unquoted = re.compile(f"[^{re.escape(delimiter)}\r\n]*")
    records: list[_Record] = []
    problems: list[tuple[int, str]] = []
    position, end = 0, len(text)
    quote_advice = 'write a quote inside a quoted field as two quotes ("")'
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
                after = unquoted.match(text, position)
                if after.group():
                    problems.append(
                        (
                            lines.of(position),
                            f"text after a closing quote ({after.group()!r}); {quote_advice}",
                        )
                    )
                    position = after.end()
                fields.append(_Field(value, start))
            else:
                match = unquoted.match(text, position)
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
                fields.append(_Field(value, start))
            if position < end and text[position] == delimiter:
                position += 1
                continue
            break
        if text.startswith("\r\n", position):
            position += 2
        elif position < end:
            position += 1
        line = lines.of(fields[0].start)
        if line > MAX_ROWS:
            problems.append((line, f"more than {MAX_ROWS:,} lines; an import holds fewer"))
            return records, problems
        records.append(_Record(line, tuple(f.value for f in fields)))
    return records, problems


# --- workbooks ------------------------------------------------------------------------------


def _workbook_records(path: Path, raw: bytes, sheet: str | None) -> _Source:
    """The records of one sheet of an ``.xlsx``, row numbers as Excel shows them."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        return _Source(True, [], [f"{path}: not an .xlsx workbook; save it as .xlsx or CSV"], [])
    if not any(p.filename == "xl/workbook.xml" for p in parts):
        return _Source(True, [], [f"{path}: a zip file, not an Excel workbook"], [])
    unpacked = sum(p.file_size for p in parts)
    if unpacked > MAX_UNPACKED_BYTES:
        message = (
            f"{path}: the workbook unpacks to {unpacked:,} bytes; at most "
            f"{MAX_UNPACKED_BYTES:,} are read (save the sheet you import on its own)"
        )
        return _Source(True, [], [message], [])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl's remarks on styles and extensions
            return _sheet_records(path, raw, sheet)
    except UsageError:
        raise
    except Exception as error:  # any flaw of a foreign file is the file's, not a crash
        reason = f"{type(error).__name__}: {error}"[:200]
        return _Source(True, [], [f"{path}: a damaged .xlsx workbook ({reason})"], [])


def _sheet_records(path: Path, raw: bytes, sheet: str | None) -> _Source:
    from openpyxl import load_workbook

    # The file is opened twice, streaming: once for the values formulas last gave, once for
    # the formulas, so that a formula never calculated is not taken for an empty cell.
    values = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    formulas = load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    try:
        names = [worksheet.title for worksheet in values.worksheets]  # no chart sheets
        if not names:
            return _Source(True, [], [f"{path}: the workbook has no sheet"], [])
        if sheet is None:
            name = names[0]
        elif sheet in names:
            name = sheet
        else:
            hint = suggest(sheet, names) or f"; its sheets: {', '.join(names)}"
            raise UsageError(f"{path}: no sheet {sheet!r}{hint}")
        notes = []
        if sheet is None and len(names) > 1:
            notes.append(f"{path}: read the first sheet, {name!r} (choose another with --sheet)")
        value_sheet, formula_sheet = values[name], formulas[name]
        if (value_sheet.max_row or 0) > MAX_ROWS:  # the extent the sheet declares
            message = (
                f"{path}: sheet {name!r} runs to row {value_sheet.max_row:,}; at most "
                f"{MAX_ROWS:,} rows are read (delete the rows below the table, or copy the "
                "table to a new sheet)"
            )
            return _Source(True, [], [message], notes)
        # A declared extent may also be small and wrong: rows are counted as they are read,
        # and each row is padded only up to its own last cell, not to the claimed extent.
        value_sheet.reset_dimensions()
        formula_sheet.reset_dimensions()
        records = []
        rows = zip(
            value_sheet.iter_rows(),
            formula_sheet.iter_rows(),
            strict=True,
        )
        for number, (cells, formula_cells) in enumerate(rows, start=1):
            record = _record(number, cells, formula_cells)
            if record is None:
                continue
            if number > MAX_ROWS:
                message = f"{path}:{number}: more than {MAX_ROWS:,} rows; an import holds fewer"
                return _Source(True, [], [message], notes)
            records.append(record)
        return _Source(True, records, [], notes)
    finally:
        values.close()
        formulas.close()


def _record(number: int, cells: Sequence, formula_cells: Sequence) -> _Record | None:
    """Row ``number`` as text, or ``None`` when it is empty."""
    cells = cells[:MAX_COLUMNS]
    width = len(cells)
    while width and cells[width - 1].value is None and formula_cells[width - 1].value is None:
        width -= 1
    if not width:
        return None
    texts, cell_problems = [], {}
    for index in range(width):
        cell, formula = cells[index], formula_cells[index]
        if cell.data_type == "e":
            reference = f"{_column_name(index, True)}{number}"
            cell_problems[index] = (
                f"is the formula error {cell.value} (cell {reference}); correct the formula "
                "or type the value"
            )
            texts.append(str(cell.value))
        elif cell.value is None and formula.data_type == "f":
            reference = f"{_column_name(index, True)}{number}"
            cell_problems[index] = (
                f"is a formula never calculated (cell {reference}: {str(formula.value)[:40]}); "
                "open the file in Excel or WPS and save it again"
            )
            texts.append("?")
        else:
            texts.append(cell_text(cell.value))
    if not any(t.strip() for t in texts):
        return None
    return _Record(number, tuple(texts), cell_problems)


def cell_text(value: object) -> str:
    """A workbook cell's value as the text a CSV of it would hold.

    Whole numbers lose Excel's ``.0`` (``120``, ``13910002000``), dates and times are written
    the ISO way (``2027-08-02``, ``2027-08-02 08:30``), an empty cell is ``""``.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds" if value.second else "minutes")
    if isinstance(value, dt.time):
        return value.isoformat(timespec="seconds" if value.second else "minutes")
    return str(value)


# --- header and rows ------------------------------------------------------------------------


def _column_of(name: str, columns: Sequence[Column]) -> str | None:
    """The key of the column a header cell names, or ``None``."""
    key = header_key(name)
    return next(
        (c.key for c in columns for n in (c.key, *c.names) if header_key(n) == key and key), None
    )


def _find_header(
    records: list[_Record], columns: Sequence[Column], required: Sequence[str]
) -> _Record:
    """The header: the first row naming every required column; title rows may stand above it.

    When none does, the row naming the most columns, so that the problem points at it.
    """
    candidates = records[:HEADER_SEARCH]
    known = [{_column_of(v, columns) for v in r.values} - {None} for r in candidates]
    for record, keys in zip(candidates, known, strict=True):
        if keys and all(k in keys for k in required):
            return record
    most = max(range(len(candidates)), key=lambda i: (len(known[i]), -i))
    return candidates[most] if known[most] else records[0]


def _check_header(
    table: ImportTable,
    record: _Record,
    header: list[str | None],
    columns: Sequence[Column],
    required: Sequence[str],
    delimiter: str,
) -> tuple[list[str], list[str]]:
    line, names = record.line, [v.strip() for v in record.values]
    separator = next((c for c in ";\t|" if len(names) == 1 and c in names[0]), None)
    if separator and separator != delimiter:  # a spreadsheet set up for another country
        message = f"the columns are separated by {separator!r}; save the file with commas (CSV)"
        return [table.at(line, message)], []
    problems, warnings = [], []
    by_key = {c.key: c for c in columns}
    missing = [by_key[k] for k in required if k not in header]
    unknown = [n for n, key in zip(names, header, strict=True) if n and key is None]
    missing_names = [n for c in missing for n in (c.key, *c.names)]
    misspelled = {n: suggest(n, missing_names) for n in unknown if suggest(n, missing_names)}
    expected = ", ".join(c.key for c in columns)
    if missing:
        hints = "".join(f"; unknown column {n!r}{hint}" for n, hint in misspelled.items())
        problems.append(
            table.at(
                line,
                f"the header must name the columns {expected}"
                f" ({', '.join(required)} required); missing: "
                f"{', '.join(c.label for c in missing)}{hints}",
            )
        )
    for key in dict.fromkeys(k for k in header if k and header.count(k) > 1):
        twice = " and ".join(repr(n) for n, k in zip(names, header, strict=True) if k == key)
        problems.append(table.at(line, f"the header names the column {key} twice ({twice})"))
    ignored = [n for n in unknown if n not in misspelled]
    if ignored:
        listed = ", ".join(repr(n) for n in ignored)
        warnings.append(
            table.at(
                line,
                f"column{'s' if len(ignored) > 1 else ''} {listed} not imported "
                f"(the columns used are {expected})",
            )
        )
    return problems, warnings


def _column_name(index: int, workbook: bool) -> str:
    """A column as the user sees it: ``C`` in a workbook, ``column 3`` in a CSV."""
    if not workbook:
        return f"column {index + 1}"
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _check_fields(
    record: _Record,
    header: list[str | None],
    names: list[str],
    workbook: bool,
    unnamed: dict[int, int],
) -> list[str]:
    """Problems of one data row: too many fields, and in the imported columns values too long,
    holding control characters or line breaks, or cells whose formula failed.

    Values in a workbook's columns without a header are noted in ``unnamed`` (a warning); in
    a CSV they mean the columns have shifted, which is a problem.
    """
    problems = []
    extra = record.values[len(header) :]
    if not workbook and any(v.strip() for v in extra):
        problems.append(
            f"{len(record.values)} fields, the header has {len(header)}: is there a comma "
            "in a name? put such a field in quotes"
        )
    for index, raw in enumerate(record.values):
        key = header[index] if index < len(header) else None
        value = raw.strip()
        if key is None:
            named = index < len(names) and names[index]
            if value and not named and workbook:
                unnamed.setdefault(index, record.line)
            elif value and not named and index < len(header):
                problems.append(f"a value in column {index + 1}, which the header does not name")
            continue
        where = f"{key} (cell {_column_name(index, True)}{record.line})" if workbook else key
        if index in record.cell_problems:
            problems.append(f"{key} {record.cell_problems[index]}")
            continue
        if len(value) > MAX_FIELD:
            problems.append(f"{where} has {len(value):,} characters; at most {MAX_FIELD}")
        if "\n" in value or "\r" in value:
            problems.append(f"{where} holds a line break; put the text on one line")
        control = _CONTROL.search(value)
        if control:
            problems.append(f"{where} holds the control character U+{ord(control.group()):04X}")
    return problems
