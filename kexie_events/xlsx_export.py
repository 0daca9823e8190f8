"""Excel workbooks of the report's and the roll-up's tables, for the office's own spreadsheets.

One sheet per table, the header row bold and frozen, numbers stored as numbers (so the office
can add them up) and every text stored as text: a site name beginning with ``=`` is never a
formula. The workbook is reproducible: the same tables give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence

from kexie_events.ooxml import normalise_zip, xml_safe

_SHEET_NAME_BANNED = re.compile(r"[\[\]:*?/\\]")
_FIXED_TIME = dt.datetime(2000, 1, 1)


def sheet_name(title: str, taken: set[str]) -> str:
    """A sheet name Excel accepts (31 characters, none of ``[]:*?/\\``), unique in ``taken``."""
    base = _SHEET_NAME_BANNED.sub(" ", xml_safe(title)).strip().strip("'") or "Sheet"
    name, number = base[:31], 2
    while name.lower() in taken:
        suffix = f" ({number})"
        name, number = base[: 31 - len(suffix)] + suffix, number + 1
    taken.add(name.lower())
    return name


def workbook_bytes(tables: Iterable[tuple[str, Sequence, Iterable[Sequence]]]) -> bytes:
    """An ``.xlsx`` with one sheet per ``(title, header, rows)``."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    taken: set[str] = set()
    for title, header, rows in tables:
        sheet = workbook.create_sheet(sheet_name(title, taken))
        rows = [list(header), *map(list, rows)]
        for values in rows:
            sheet.append([_cell(value) for value in values])
            for cell, value in zip(sheet[sheet.max_row], values, strict=False):
                if isinstance(value, str):
                    cell.data_type = "s"  # text stays text, even "=1+1"
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for index in range(1, len(header) + 1):
            width = max(len(str(values[index - 1])) for values in rows if len(values) >= index)
            letter = sheet.cell(1, index).column_letter
            sheet.column_dimensions[letter].width = min(60, 4 + 2 * width)
    if not workbook.worksheets:
        workbook.create_sheet("Sheet")
    properties = workbook.properties
    properties.created = properties.modified = _FIXED_TIME
    properties.creator = "kexie-events"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return normalise_zip(buffer.getvalue())


def _cell(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    return xml_safe(str(value))
