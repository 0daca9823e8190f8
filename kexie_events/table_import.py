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

Messages are in English unless ``lang="zh"`` is given (the console shows a Chinese event's
problems in Chinese). Each problem is an :class:`ImportProblem`: the text the command line
prints, which also keeps its row, its column and its message apart for a page listing them.
"""

from __future__ import annotations

import bisect
import codecs
import datetime as dt
import difflib
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
from kexie_events.i18n import pick

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
    ".xls": ("an old Excel workbook (.xls)", "旧版 Excel 工作簿（.xls）"),
    ".et": ("a WPS workbook (.et)", "WPS 表格文件（.et）"),
    ".ett": ("a WPS template (.ett)", "WPS 表格模板（.ett）"),
    ".xlsb": ("a binary Excel workbook (.xlsb)", "Excel 二进制工作簿（.xlsb）"),
    ".ods": ("an OpenDocument spreadsheet (.ods)", "OpenDocument 电子表格（.ods）"),
    ".numbers": ("an Apple Numbers file", "Apple Numbers 文件"),
}
"""Spreadsheet formats that are not read, by suffix: what the file is, in English and Chinese."""
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls and .et files
_ZIP_MAGIC = b"PK\x03\x04"

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_QUOTED_BODY = re.compile(r'[^"]*(?:""[^"]*)*')
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_SPACES = re.compile(r"\s+")


class ImportProblem(str):
    """A problem or warning of an import file, as the command line prints it
    (``PATH:LINE: message``, or ``PATH: message`` for the whole file), keeping its parts for
    a page that lists problems by row.

    It is text, so everything that prints, joins or compares problems keeps doing so.

    Attributes:
        line: the line (CSV) or row (workbook) it is on; ``None`` when it is about the file.
        column: the column it is about, as the file's header names it; ``None`` when it is
            about a whole row.
        message: the text without the file and the line.
    """

    line: int | None
    column: str | None
    message: str

    def __new__(cls, path: Path, line: int | None, message: str, column: str | None = None):
        where = str(path) if line is None else f"{path}:{line}"
        problem = super().__new__(cls, f"{where}: {message}")
        problem.line, problem.column, problem.message = line, column, message
        return problem


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

    def title(self, lang: str) -> str:
        """The column's name in ``lang``: its key, or in Chinese its first Chinese name."""
        chinese = next((n for n in self.names if not n.isascii()), self.key)
        return pick(lang, chinese, self.key)


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
    lang: str = "en"
    headers: dict[str, str] = attrs.field(factory=dict)
    """Each column's header as the file writes it (``{"pairs": "数量"}``), by key."""

    @property
    def row_word(self) -> str:
        """What the numbers count: ``row`` in a workbook, ``line`` in a CSV (``行`` in
        Chinese, which says both)."""
        return pick(self.lang, "行", "row" if self.workbook else "line")

    def at(self, line: int, message: str, column: str | None = None) -> ImportProblem:
        """``message`` located at ``line`` of this file (and the column with the key
        ``column``), as every problem is written."""
        header = self.headers.get(column, column) if column else None
        return ImportProblem(self.path, line, message, header)

    def row_text(self, line: int) -> str:
        """``line 5`` / ``row 5`` / ``第5行``: where a row is, in the table's language."""
        return pick(self.lang, f"第{line}行", f"{self.row_word} {line}")


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
    lang: str = "en",
) -> ImportTable:
    """Read the CSV or ``.xlsx`` at ``path``, expecting a header naming some of ``columns``.

    Args:
        columns: the columns the import uses; others are named in a warning and not read.
        required: keys of the columns the header must have.
        unique: keys of the columns whose values identify a row; a row with the same values as
            an earlier one is a problem (default: all of ``columns``). Rows whose identifying
            values are all empty are left to the caller, which reports the empty field.
        sheet: the workbook's sheet to read (default: the first); ``UsageError`` for a CSV.
        lang: the language of the problems, warnings and notes (``"en"`` or ``"zh"``).
    """
    columns = [c if isinstance(c, Column) else Column(c) for c in columns]
    try:
        raw = path.read_bytes()
    except OSError as error:
        reason = error.strerror or error
        message = pick(lang, f"{path}：无法读取：{reason}", f"{path}: cannot read: {reason}")
        raise UsageError(message) from None
    table = ImportTable(path, (), (), (), lang=lang)
    if len(raw) > MAX_FILE_BYTES:
        size = pick(
            lang,
            f"文件有{len(raw):,}字节，超过了导入文件的上限（{MAX_FILE_BYTES:,}字节）",
            f"{len(raw):,} bytes is too large for an import (at most {MAX_FILE_BYTES:,})",
        )
        return attrs.evolve(table, problems=(ImportProblem(path, None, size),))
    refused = _refused_format(path, raw, lang)
    if refused:
        return attrs.evolve(table, problems=(refused,))
    if raw.startswith(_ZIP_MAGIC) or path.suffix.lower() in WORKBOOK_SUFFIXES:
        source = _workbook_records(path, raw, sheet, lang)
    elif sheet is not None:
        raise UsageError(
            pick(
                lang,
                f"{path}：CSV 文件没有工作表（--sheet {sheet!r}）",
                f"{path}: a CSV file has no sheets (--sheet {sheet!r})",
            )
        )
    else:
        source = _csv_records(path, raw, lang)
    table = attrs.evolve(table, notes=tuple(source.notes), workbook=source.workbook)
    if source.problems:
        return attrs.evolve(table, problems=tuple(source.problems))
    records = [r for r in source.records if any(v.strip() for v in r.values)]
    if not records:
        empty = pick(lang, "文件是空的", "the file is empty")
        return attrs.evolve(table, problems=(ImportProblem(path, None, empty),))
    header_record = _find_header(records, columns, required)
    records = records[records.index(header_record) + 1 :]
    header = [_column_of(value, columns) for value in header_record.values]
    names = [v.strip() for v in header_record.values]
    headers = {key: name for key, name in zip(header, names, strict=True) if key}
    table = attrs.evolve(table, headers=headers)
    problems, warnings = _check_header(
        table, header_record, header, columns, required, source.delimiter
    )
    if problems:
        return attrs.evolve(table, problems=tuple(problems), warnings=tuple(warnings))
    rows: list[ImportRow] = []
    key_columns = [c.key for c in columns] if unique is None else list(unique)
    seen: dict[tuple[str, ...], int] = {}
    unnamed: dict[int, int] = {}  # column index: first row with a value there
    for record in records:
        line = record.line
        first = next(v.strip() for v in record.values if v.strip())
        if header_key(first) in TOTAL_WORDS:
            total = pick(
                lang, f"“{first}”是合计行，不导入", f"{first!r} is a total row; it is not imported"
            )
            warnings.append(table.at(line, total))
            continue
        row_problems = _check_fields(record, header, names, source.workbook, unnamed, lang)
        if row_problems:
            problems += [table.at(line, message, key) for key, message in row_problems]
            continue
        values = {c.key: "" for c in columns}
        for key, value in zip(header, record.values, strict=False):
            if key:
                values[key] = _unprotected(value.strip(), source.workbook)
        key = tuple(values[c] for c in key_columns)
        if any(key):
            if key in seen:
                label = ", ".join(v for v in key if v)
                twice = pick(
                    lang,
                    f"“{label}”重复出现（首次出现在{table.row_text(seen[key])}）",
                    f"{label!r} is listed twice (first on {table.row_word} {seen[key]})",
                )
                column = key_columns[0] if len(key_columns) == 1 else None
                problems.append(table.at(line, twice, column))
                continue
            seen[key] = line
        rows.append(ImportRow(line, values))
    for index, line in sorted(unnamed.items()):
        letter = _column_name(index, True, lang)
        unheaded = pick(
            lang,
            f"{letter}列有数据但没有表头，这些数据不导入",
            f"column {letter} has values but no header; they are not imported",
        )
        warnings.append(table.at(line, unheaded))
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


def _refused_format(path: Path, raw: bytes, lang: str) -> ImportProblem | None:
    """Why a file in a spreadsheet format kexie does not read is refused, or ``None``."""
    names = REFUSED_SUFFIXES.get(path.suffix.lower())
    if names is None and raw.startswith(_OLE_MAGIC):
        names = (
            "an old Excel (.xls) or WPS (.et) workbook",
            "旧版 Excel（.xls）或 WPS（.et）工作簿",
        )
    if names is None:
        return None
    english, chinese = names
    return ImportProblem(
        path,
        None,
        pick(
            lang,
            f"无法读取{chinese}，请另存为 .xlsx 或 CSV 文件",
            f"{english} cannot be read; save it as .xlsx or CSV",
        ),
    )


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


def _csv_records(path: Path, raw: bytes, lang: str) -> _Source:
    """The records of a CSV file, decoded in whichever encoding it was written in."""
    text, encoding, problem = _decode(path, raw, lang)
    if problem:
        return _Source(False, [], [problem], [])
    notes = [ImportProblem(path, None, pick(lang, f"按{encoding}编码读取", f"read as {encoding}"))]
    notes = notes if encoding else []
    if "\x00" in text:  # UTF-16 text decoded: its NULs are in the text itself
        line = text[: text.index("\x00")].count("\n") + 1
        nul = pick(lang, "文件中有空字符（\\0）", "NUL bytes (\\0) in the file")
        return _Source(False, [], [ImportProblem(path, line, nul)], notes)
    lines = _Lines(text)
    delimiter = _delimiter(text)
    records, problems = _parse(text, lines, delimiter, lang)
    located = [ImportProblem(path, line, message) for line, message in problems]
    return _Source(False, records, located, notes, delimiter)


def _decode(path: Path, raw: bytes, lang: str) -> tuple[str, str | None, ImportProblem | None]:
    """``(text, encoding to mention or None, problem or None)``.

    UTF-8 (with or without BOM) first; UTF-16 when a BOM says so; otherwise GB18030, unless the
    file is mostly valid UTF-8 and merely damaged (a GB18030 guess would garble every name).
    """
    save_utf8 = pick(lang, "请另存为“CSV UTF-8”格式", "save the file as CSV UTF-8")
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if raw.startswith(bom):
            try:
                named = pick(lang, "UTF-16（“Unicode 文本”）", 'UTF-16 ("Unicode text")')
                return raw[len(bom) :].decode(codec), named, None
            except UnicodeDecodeError:
                damaged = pick(lang, "UTF-16 文本已损坏", "damaged UTF-16 text")
                return (
                    "",
                    None,
                    ImportProblem(path, None, f"{damaged}{_semicolon(lang)}{save_utf8}"),
                )
    if b"\x00" in raw:
        return "", None, _nul_problem(path, raw, lang)
    try:
        return raw.decode("utf-8-sig"), None, None
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        not_utf8 = pick(lang, "不是 UTF-8 文本", "not UTF-8 text")
    lenient = raw.decode("utf-8", errors="replace")
    bad = lenient.count("\ufffd")
    if raw.startswith(codecs.BOM_UTF8) or sum(ord(c) > 0x7F for c in lenient) - bad > bad:
        damaged = pick(
            lang,
            f"{not_utf8}（有损坏的字符），请重新另存为“CSV UTF-8”格式",
            f"{not_utf8} (a damaged character); save the file as CSV UTF-8 again",
        )
        return "", None, ImportProblem(path, line, damaged)
    try:
        gb = pick(
            lang,
            "GB18030（中文 Windows 上 Excel 的 CSV）",
            "GB18030 (Excel's CSV on Chinese Windows)",
        )
        return raw.decode("gb18030"), gb, None
    except UnicodeDecodeError:
        neither = pick(lang, f"{not_utf8}，也不是 GB18030", f"{not_utf8}, nor GB18030")
        return "", None, ImportProblem(path, line, f"{neither}{_semicolon(lang)}{save_utf8}")


def _semicolon(lang: str) -> str:
    return pick(lang, "；", "; ")


def _nul_problem(path: Path, raw: bytes, lang: str) -> ImportProblem:
    """NUL bytes: a file saved as UTF-16 without a BOM is full of them, so say which lines."""
    count = raw.count(b"\x00")
    first = _offsets(raw, b"\x00", 5)
    lines = sorted({raw[:i].count(b"\n") + 1 for i in first})
    where = pick(lang, "、", ", ").join(str(n) for n in lines)
    where += pick(lang, "……", ", ...") if count > len(first) else ""
    hint = (
        pick(
            lang,
            "；文件看来是 UTF-16（“Unicode 文本”），请另存为“CSV UTF-8”格式",
            '; the file looks like UTF-16 ("Unicode text"): save it as CSV UTF-8',
        )
        if count * 4 > len(raw)
        else ""
    )
    message = pick(
        lang,
        f"文件中有空字符（\\0），在第{where}行{hint}",
        f"NUL bytes (\\0) in the file, on lines {where}{hint}",
    )
    return ImportProblem(path, lines[0], message)


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


def _parse(
    text: str, lines: _Lines, delimiter: str, lang: str
) -> tuple[list[_Record], list[tuple[int, str]]]:
    """Split ``text`` into records, with every quoting problem and its line."""
    unquoted = re.compile(f"[^{re.escape(delimiter)}\r\n]*")
    records: list[_Record] = []
    problems: list[tuple[int, str]] = []
    position, end = 0, len(text)
    quote_advice = pick(
        lang,
        '引号括起的内容中的引号要写成两个（""）',
        'write a quote inside a quoted field as two quotes ("")',
    )
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
                            pick(
                                lang,
                                "这个引号没有配对的结束引号，文件其余部分会被当作一个字段；"
                                "请删除多余的引号，或补上结束引号",
                                "this quote never closes, so the rest of the file would be one "
                                "field; remove the stray quote, or close it",
                            ),
                        )
                    )
                    return records, problems
                value = body.group().replace('""', '"')
                first, last = lines.of(start), lines.of(close)
                if first != last:
                    problems.append(
                        (
                            first,
                            pick(
                                lang,
                                f"从这里开始的引号字段一直延续到第{last}行：缺少引号或有多余的"
                                "引号（一个字段中不能换行）",
                                f"the quoted field opened here runs on to line {last}: a quote "
                                "is missing or stray (a field may not hold a line break)",
                            ),
                        )
                    )
                position = close + 1
                after = unquoted.match(text, position)
                if after.group():
                    problems.append(
                        (
                            lines.of(position),
                            pick(
                                lang,
                                f"结束引号后还有文字（“{after.group()}”）；{quote_advice}",
                                f"text after a closing quote ({after.group()!r}); {quote_advice}",
                            ),
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
                            pick(
                                lang,
                                f"“{value.strip()}”中有多余的引号；如果内容本身含有引号，"
                                '请用引号括起整个字段，并把其中的引号写成两个（""）',
                                f"stray quote in {value.strip()!r}; if the text holds a quote, "
                                'put the whole field in quotes and write the quote twice ("")',
                            ),
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
            problems.append((line, _too_many_rows(lang, "lines")))
            return records, problems
        records.append(_Record(line, tuple(f.value for f in fields)))
    return records, problems


def _too_many_rows(lang: str, what: str) -> str:
    return pick(
        lang,
        f"超过{MAX_ROWS:,}行，导入的表格应少于这个行数",
        f"more than {MAX_ROWS:,} {what}; an import holds fewer",
    )


# --- workbooks ------------------------------------------------------------------------------


def _workbook_records(path: Path, raw: bytes, sheet: str | None, lang: str) -> _Source:
    """The records of one sheet of an ``.xlsx``, row numbers as Excel shows them."""

    def refused(message: str) -> _Source:
        return _Source(True, [], [ImportProblem(path, None, message)], [])

    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        return refused(
            pick(
                lang,
                "不是 .xlsx 工作簿，请另存为 .xlsx 或 CSV 文件",
                "not an .xlsx workbook; save it as .xlsx or CSV",
            )
        )
    if not any(p.filename == "xl/workbook.xml" for p in parts):
        return refused(
            pick(lang, "这是 zip 压缩文件，不是 Excel 工作簿", "a zip file, not an Excel workbook")
        )
    unpacked = sum(p.file_size for p in parts)
    if unpacked > MAX_UNPACKED_BYTES:
        return refused(
            pick(
                lang,
                f"工作簿解压后有{unpacked:,}字节，最多读取{MAX_UNPACKED_BYTES:,}字节"
                "（请把要导入的工作表单独另存为一个文件）",
                f"the workbook unpacks to {unpacked:,} bytes; at most "
                f"{MAX_UNPACKED_BYTES:,} are read (save the sheet you import on its own)",
            )
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl's remarks on styles and extensions
            return _sheet_records(path, raw, sheet, lang)
    except UsageError:
        raise
    except Exception as error:  # any flaw of a foreign file is the file's, not a crash
        reason = f"{type(error).__name__}: {error}"[:200]
        return refused(
            pick(
                lang,
                f".xlsx 工作簿已损坏（{reason}）",
                f"a damaged .xlsx workbook ({reason})",
            )
        )


def _sheet_records(path: Path, raw: bytes, sheet: str | None, lang: str) -> _Source:
    from openpyxl import load_workbook

    # The file is opened twice, streaming: once for the values formulas last gave, once for
    # the formulas, so that a formula never calculated is not taken for an empty cell.
    values = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    formulas = load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    try:
        names = [worksheet.title for worksheet in values.worksheets]  # no chart sheets
        if not names:
            no_sheet = pick(lang, "工作簿中没有工作表", "the workbook has no sheet")
            return _Source(True, [], [ImportProblem(path, None, no_sheet)], [])
        if sheet is None:
            name = names[0]
        elif sheet in names:
            name = sheet
        else:
            raise UsageError(
                pick(
                    lang,
                    f"{path}：没有名为“{sheet}”的工作表；工作表有：{'、'.join(names)}",
                    f"{path}: no sheet {sheet!r}"
                    f"{suggest(sheet, names) or '; its sheets: ' + ', '.join(names)}",
                )
            )
        notes = []
        if sheet is None and len(names) > 1:
            first = pick(
                lang,
                f"读取了第一个工作表“{name}”",
                f"read the first sheet, {name!r} (choose another with --sheet)",
            )
            notes.append(ImportProblem(path, None, first))
        value_sheet, formula_sheet = values[name], formulas[name]
        if (value_sheet.max_row or 0) > MAX_ROWS:  # the extent the sheet declares
            message = pick(
                lang,
                f"工作表“{name}”延伸到第{value_sheet.max_row:,}行，最多读取{MAX_ROWS:,}行"
                "（请删除表格下方的行，或把表格复制到一个新工作表）",
                f"sheet {name!r} runs to row {value_sheet.max_row:,}; at most "
                f"{MAX_ROWS:,} rows are read (delete the rows below the table, or copy the "
                "table to a new sheet)",
            )
            return _Source(True, [], [ImportProblem(path, None, message)], notes)
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
            record = _record(number, cells, formula_cells, lang)
            if record is None:
                continue
            if number > MAX_ROWS:
                message = _too_many_rows(lang, "rows")
                return _Source(True, [], [ImportProblem(path, number, message)], notes)
            records.append(record)
        return _Source(True, records, [], notes)
    finally:
        values.close()
        formulas.close()


def _record(number: int, cells: Sequence, formula_cells: Sequence, lang: str) -> _Record | None:
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
            cell_problems[index] = pick(
                lang,
                f"是公式错误 {cell.value}（单元格 {reference}），请改正公式或直接填写数值",
                f"is the formula error {cell.value} (cell {reference}); correct the formula "
                "or type the value",
            )
            texts.append(str(cell.value))
        elif cell.value is None and formula.data_type == "f":
            reference = f"{_column_name(index, True)}{number}"
            shown = str(formula.value)[:40]
            cell_problems[index] = pick(
                lang,
                f"是从未计算过的公式（单元格 {reference}：{shown}），"
                "请用 Excel 或 WPS 打开文件后重新保存",
                f"is a formula never calculated (cell {reference}: {shown}); "
                "open the file in Excel or WPS and save it again",
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
    lang = table.lang
    line, names = record.line, [v.strip() for v in record.values]
    separator = next((c for c in ";\t|" if len(names) == 1 and c in names[0]), None)
    if separator and separator != delimiter:  # a spreadsheet set up for another country
        message = pick(
            lang,
            f"各列之间用“{separator}”分隔，请用逗号分隔另存为 CSV 文件",
            f"the columns are separated by {separator!r}; save the file with commas (CSV)",
        )
        return [table.at(line, message)], []
    problems, warnings = [], []
    by_key = {c.key: c for c in columns}
    missing = [by_key[k] for k in required if k not in header]
    unknown = [n for n, key in zip(names, header, strict=True) if n and key is None]
    missing_names = [n for c in missing for n in (c.key, *c.names)]
    near = {n: _nearest(n, missing_names) for n in unknown}
    misspelled = {n: found for n, found in near.items() if found}
    if missing:
        if lang == "zh":
            hints = "".join(f"；不认识的列“{n}”，是否应为“{m}”？" for n, m in misspelled.items())
            message = (
                f"表头应写明这些列：{'、'.join(c.title(lang) for c in columns)}"
                f"（必须有：{'、'.join(by_key[k].title(lang) for k in required)}）；"
                f"缺少：{'、'.join(c.title(lang) for c in missing)}{hints}"
            )
        else:
            hints = "".join(
                f"; unknown column {n!r}, did you mean {m!r}?" for n, m in misspelled.items()
            )
            message = (
                f"the header must name the columns {', '.join(c.key for c in columns)}"
                f" ({', '.join(required)} required); missing: "
                f"{', '.join(c.label for c in missing)}{hints}"
            )
        problems.append(table.at(line, message))
    for key in dict.fromkeys(k for k in header if k and header.count(k) > 1):
        same = [n for n, k in zip(names, header, strict=True) if k == key]
        problems.append(
            table.at(
                line,
                pick(
                    lang,
                    f"表头中“{by_key[key].title(lang)}”列出现了两次（"
                    f"{'和'.join(f'“{n}”' for n in same)}）",
                    f"the header names the column {key} twice "
                    f"({' and '.join(repr(n) for n in same)})",
                ),
            )
        )
    ignored = [n for n in unknown if n not in misspelled]
    if ignored:
        used = pick(lang, "、", ", ").join(c.title(lang) for c in columns)
        message = pick(
            lang,
            f"{'、'.join(f'“{n}”' for n in ignored)}列不导入（导入的列是：{used}）",
            f"column{'s' if len(ignored) > 1 else ''} {', '.join(repr(n) for n in ignored)} "
            f"not imported (the columns used are {used})",
        )
        warnings.append(table.at(line, message))
    return problems, warnings


def _nearest(word: str, choices: Sequence[str]) -> str | None:
    """The choice ``word`` looks like a misspelling of (as :func:`~kexie_events.fields.suggest`
    finds it), or ``None``."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)  # as fields.suggest
    return close[0] if close else None


def _column_name(index: int, workbook: bool, lang: str = "en") -> str:
    """A column as the user sees it: ``C`` in a workbook, ``column 3`` (``第3列``) in a CSV."""
    if not workbook:
        return pick(lang, f"第{index + 1}列", f"column {index + 1}")
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _check_fields(
    record: _Record,
    header: list[str | None],
    names: list[str],
    workbook: bool,
    unnamed: dict[int, int],
    lang: str,
) -> list[tuple[str | None, str]]:
    """Problems of one data row, each with the key of its column (``None``: the whole row):
    too many fields, and in the imported columns values too long, holding control characters
    or line breaks, or cells whose formula failed.

    Values in a workbook's columns without a header are noted in ``unnamed`` (a warning); in
    a CSV they mean the columns have shifted, which is a problem.
    """
    problems: list[tuple[str | None, str]] = []
    extra = record.values[len(header) :]
    if not workbook and any(v.strip() for v in extra):
        problems.append(
            (
                None,
                pick(
                    lang,
                    f"这一行有{len(record.values)}个字段，表头只有{len(header)}列："
                    "名称中是否有逗号？请用引号括起这样的字段",
                    f"{len(record.values)} fields, the header has {len(header)}: is there a "
                    "comma in a name? put such a field in quotes",
                ),
            )
        )
    for index, raw in enumerate(record.values):
        key = header[index] if index < len(header) else None
        value = raw.strip()
        if key is None:
            named = index < len(names) and names[index]
            if value and not named and workbook:
                unnamed.setdefault(index, record.line)
            elif value and not named and index < len(header):
                problems.append(
                    (
                        None,
                        pick(
                            lang,
                            f"第{index + 1}列有数据，但表头没有写明这一列",
                            f"a value in column {index + 1}, which the header does not name",
                        ),
                    )
                )
            continue
        cell = f"{_column_name(index, True)}{record.line}"
        if lang == "zh":
            where = f"“{names[index]}”" + (f"（单元格 {cell}）" if workbook else "")
        else:
            where = f"{key} (cell {cell})" if workbook else key
        if index in record.cell_problems:
            named = f"“{names[index]}”" if lang == "zh" else f"{key} "
            problems.append((key, f"{named}{record.cell_problems[index]}"))
            continue
        if len(value) > MAX_FIELD:
            problems.append(
                (
                    key,
                    pick(
                        lang,
                        f"{where}有{len(value):,}个字符，最多{MAX_FIELD}个",
                        f"{where} has {len(value):,} characters; at most {MAX_FIELD}",
                    ),
                )
            )
        if "\n" in value or "\r" in value:
            problems.append(
                (
                    key,
                    pick(
                        lang,
                        f"{where}中有换行，请写在一行内",
                        f"{where} holds a line break; put the text on one line",
                    ),
                )
            )
        control = _CONTROL.search(value)
        if control:
            code = f"U+{ord(control.group()):04X}"
            problems.append(
                (
                    key,
                    pick(
                        lang,
                        f"{where}中有控制字符 {code}",
                        f"{where} holds the control character {code}",
                    ),
                )
            )
    return problems
