"""The office's own spreadsheets: workbooks and the CSVs Chinese Windows writes import alike.

A county office keeps its unit lists and registrations in Excel or WPS, with a title above the
header, Chinese column names, phone numbers stored as numbers, a formula or two and a total row
at the bottom. Each of the files here was refused by the CSV-only UTF-8 reader before ("not
UTF-8", "the header must name the columns"); now each imports to the same tickets and the same
allocations, and each mistake is reported on the row Excel shows.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
import tracemalloc
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import text

from kexie_events import table_import
from kexie_events.eventfile import load_event
from kexie_events.store import open_event_store
from kexie_events.table_import import Column, read_table
from kexie_plugins.eclipse_glasses.glasses import read_allocations

from conftest import edit


def workbook(path, rows, *, title=None, sheets=(), cached=None):
    """An .xlsx of ``rows`` (a title merged over the first row, if given), as Excel saves it.

    ``cached`` gives formula cells the value Excel stores with them (openpyxl writes none):
    ``{"E5": "50"}``, or ``{"E8": "#REF!"}`` for a formula that fails.
    """
    book = Workbook()
    for name in sheets:
        book.create_sheet(name).append(["nothing here"])
    sheet = book.worksheets[0]
    sheet.title = "分配表"
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(rows[0]))
    for row in rows:
        sheet.append(row)
    book.save(path)
    if cached:
        _cache(path, cached)
    return path


def _cache(path, values):
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    for cell, value in values.items():
        kind = ' t="e"' if value.startswith("#") else ""
        xml, count = re.subn(
            rf'<c r="{cell}"([^>]*)><f>(.*?)</f><v\s*(?:/>|></v>)',
            lambda m, cell=cell, kind=kind, value=value: (
                f'<c r="{cell}"{m[1]}{kind}><f>{m[2]}</f><v>{value}</v>'
            ),
            xml,
        )
        assert count == 1, cell
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def csv_text(rows, *, title=None, delimiter=","):
    """The CSV Excel writes of the same sheet (a merged title is its first cell and commas)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    if title:
        writer.writerow([title] + [""] * (len(rows[0]) - 1))
    writer.writerows(rows)
    return buffer.getvalue()


def save(path, fmt, rows, *, title=None, cached=None, csv_rows=None):
    """``rows`` saved as ``fmt``: a workbook or one of the CSVs Excel and WPS write.

    ``csv_rows`` are the rows as text, where the workbook holds a formula or a number.
    """
    if fmt == "xlsx":
        return workbook(path.with_suffix(".xlsx"), rows, title=title, cached=cached)
    text_rows = csv_rows or rows
    if fmt == "unicode-text":  # Excel's "Unicode text": UTF-16 with a BOM, tab-separated
        data = csv_text(text_rows, title=title, delimiter="\t").encode("utf-16")
    else:
        encoding = {"utf-8": "utf-8", "utf-8-bom": "utf-8-sig", "gb18030": "gb18030"}[fmt]
        data = csv_text(text_rows, title=title).encode(encoding)
    target = path.with_suffix(".csv" if fmt != "unicode-text" else ".txt")
    target.write_bytes(data)
    return target


FORMATS = ["xlsx", "utf-8", "utf-8-bom", "gb18030", "unicode-text"]


# --- registrations --------------------------------------------------------------------------

REGISTRATIONS = [
    ["序号", "姓\u3000名", "手机", "人群类别", "场地", "备注"],
    [1, "王小明", 13910002000, "未成年人", "县行政中心广场", ""],
    [2, "李华", 13910002001.0, "农民", "plaza", "带家属"],
    [3, "张伟", None, "城镇劳动人口", None, None],
    [4, "Ana Ruiz", "600000001", "others", "县科技馆报告厅(阴雨天备用场地)", None],
]
REGISTRATIONS_TEXT = [[("" if v is None else str(v)) for v in row] for row in REGISTRATIONS]
REGISTRATIONS_TEXT[2][2] = "13910002001"
EXPECTED_PEOPLE = [
    ("王小明", "13910002000", "minors", "plaza"),
    ("李华", "13910002001", "farmers", "plaza"),
    ("张伟", None, "urban_workers", None),
    ("Ana Ruiz", "600000001", "others", "hall"),
]


_PEOPLE = text("SELECT name, phone, audience, site FROM qr_tickets ORDER BY number")


def people(folder, plugins):
    with open_event_store(load_event(folder, plugins), plugins) as store, store.reading() as db:
        return [tuple(row) for row in db.execute(_PEOPLE)]


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_same_registrations_import_alike_from_every_format(
    make_event, run, tmp_path, fmt, plugins
):
    folder = make_event("solar-eclipse-observation", "zh")
    path = save(
        tmp_path / "报名表",
        fmt,
        REGISTRATIONS,
        title="××县日食观测报名表",
        csv_rows=REGISTRATIONS_TEXT,
    )
    result = run("tickets", "import", folder, path)
    assert result.exit_code == 0, result.output
    assert "imported 4 registrations: 000001–000004" in result.output
    assert people(folder, plugins) == EXPECTED_PEOPLE
    assert f"warning: {path}:2: columns '序号', '备注' not imported" in result.output
    if fmt == "gb18030":
        assert f"note: {path}: read as GB18030" in result.output
    if fmt == "unicode-text":
        assert f'note: {path}: read as UTF-16 ("Unicode text")' in result.output


def test_a_registration_mistake_is_reported_on_the_row_excel_shows(
    make_event, run, tmp_path, plugins
):
    folder = make_event("solar-eclipse-observation", "zh")
    rows = [
        ["姓名", "手机", "人群", "场地"],
        ["王小明", 13910002000, "未成年人", "县行政中心广场"],
        [None, None, None, None],
        ["李华", 13910002001, "工人", "plaza"],
        ["王小明", 13910002000, "minors", "plaza"],
        ["赵六", None, None, "广场"],
    ]
    path = workbook(tmp_path / "报名表.xlsx", rows, title="××县日食观测报名表")
    result = run("tickets", "import", folder, path)
    assert result.exit_code == 2
    assert f"{path}:5: audience '工人' is not one of minors, farmers" in result.output
    assert "(未成年人/农民/城镇劳动者/城镇劳动人口/领导干部和公务员/干部和公务员/其他)" in (
        result.output
    )
    assert f"{path}:6: '王小明' is listed twice (first on row 3)" in result.output
    assert f"{path}:7: no site '广场'" in result.output
    assert result.output.rstrip().endswith("nothing was imported")
    assert people(folder, plugins) == []


# --- allocations of eclipse glasses ---------------------------------------------------------

UNITS = [
    ["序号", "单位名称", "联 系 人", "联系电话", "数量（副）"],
    [1, "××县第一中学", "王老师", 13910002000, 120],
    [2, "城关镇人民政府", "高主任", None, "=120-70"],
    [None, "合计", None, None, "=SUM(E3:E4)"],
]
UNITS_TEXT = [
    ["序号", "单位名称", "联 系 人", "联系电话", "数量(副)"],
    ["1", "××县第一中学", "王老师", "13910002000", "120"],
    ["2", "城关镇人民政府", "高主任", "", "50"],
    ["", "合计", "", "", "170"],
]
EXPECTED_UNITS = [("××县第一中学", "王老师 13910002000", 120), ("城关镇人民政府", "高主任", 50)]


def units(path):
    found = read_allocations(path)
    assert not found.problems, found.problems
    return [(unit.name, unit.contact, unit.pairs) for unit in found.units]


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_same_units_import_alike_from_every_format(make_event, run, tmp_path, fmt):
    folder = make_event("solar-eclipse-observation", "zh")
    path = save(
        tmp_path / "分配表",
        fmt,
        UNITS,
        title="××县日食观测镜分配表",
        cached={"E4": "50", "E5": "170"},
        csv_rows=UNITS_TEXT,
    )
    result = run("glasses", "import", folder, path)
    assert result.exit_code == 0, result.output
    assert "2 units imported" in result.output
    assert f"warning: {path}:5: '合计' is a total row; it is not imported" in result.output
    assert units(folder / "glasses-allocations.csv") == EXPECTED_UNITS
    assert run("check", folder).exit_code == 0
    again = run("glasses", "import", folder, path)
    assert "2 units: the event's allocations are already this file; nothing changed" in (
        again.output
    )


def test_units_are_written_in_the_kind_of_file_the_event_keeps(make_event, run, tmp_path):
    """A workbook imported into the event's CSV, a CSV into an event that keeps a workbook:
    the units read back the same, a phone written "+86 ..." included."""
    folder = make_event("solar-eclipse-observation", "zh")
    rows = [["单位", "联系人", "手机", "副数"], ["一中", "", "+86 13910002000", 120]]
    path = workbook(tmp_path / "分配表.xlsx", rows)
    assert run("glasses", "import", folder, path).exit_code == 0
    expected = [("一中", "+86 13910002000", 120)]
    assert units(folder / "glasses-allocations.csv") == expected
    # Written so that Excel shows it as text, not as a formula: '+86 ...
    assert "一中,'+86 13910002000,120" in (folder / "glasses-allocations.csv").read_text("utf-8")
    edit(folder, 'allocations = "glasses-allocations.csv"', 'allocations = "分配表.xlsx"')
    csv_path = tmp_path / "分配表.csv"
    csv_path.write_text(csv_text([[str(v) for v in row] for row in rows]), encoding="gb18030")
    result = run("glasses", "import", folder, csv_path)
    assert result.exit_code == 0, result.output
    assert units(folder / "分配表.xlsx") == expected
    assert run("check", folder).exit_code == 0


def test_a_unit_mistake_is_reported_on_the_row_excel_shows(make_event, run, tmp_path):
    """A title, a blank row, the header on row 3; the bad cells are on rows 6 and 8."""
    folder = make_event("solar-eclipse-observation", "zh")
    before = (folder / "glasses-allocations.csv").read_bytes()
    rows = [
        [None, None, None],
        ["单位", "联系人", "副数"],
        ["一中", "王老师", 120],
        ["二中", "李老师", 80],
        ["三中", "张老师", "十"],
        ["四中", "刘老师\n13910002000", 60],
        ["五中", "陈老师", "=E99"],
    ]
    path = workbook(
        tmp_path / "分配表.xlsx", rows, title="××县日食观测镜分配表", cached={"C8": "#REF!"}
    )
    result = run("glasses", "import", folder, path)
    assert result.exit_code == 2
    assert f"{path}:6: pairs for '三中' must be a whole number, got '十'" in result.output
    assert f"{path}:7: contact (cell B7) holds a line break; put the text on one line" in (
        result.output
    )
    assert f"{path}:8: pairs is the formula error #REF! (cell C8)" in result.output
    assert (folder / "glasses-allocations.csv").read_bytes() == before
    # The same sheet as CSV: the same line numbers.
    text = [["" if v is None else str(v) for v in row] for row in rows[:5]]
    csv_path = tmp_path / "分配表.csv"
    csv_path.write_text(csv_text(text, title="××县日食观测镜分配表"), encoding="gb18030")
    result = run("glasses", "import", folder, csv_path)
    assert f"{csv_path}:6: pairs for '三中' must be a whole number, got '十'" in result.output


def test_a_formula_never_calculated_is_not_taken_for_an_empty_cell(make_event, run, tmp_path):
    """A workbook made by a program, not saved by Excel: its formulas have no value yet."""
    folder = make_event("solar-eclipse-observation", "zh")
    rows = [["姓名", "手机"], ["王小明", '=TEXT(13910002000,"0")']]
    path = workbook(tmp_path / "报名表.xlsx", rows)
    result = run("tickets", "import", folder, path)
    assert result.exit_code == 2
    assert f"{path}:2: phone is a formula never calculated (cell B2: " in result.output
    assert "open the file in Excel or WPS and save it again" in result.output


# --- what is read, and how -----------------------------------------------------------------


def test_workbook_cells_read_as_the_text_a_csv_would_hold(tmp_path):
    import datetime as dt

    rows = [
        ["name", "count", "ratio", "phone", "day", "time"],
        ["a", 120.0, 1.5, 13910002000, dt.datetime(2027, 8, 2), dt.datetime(2027, 8, 2, 8, 30)],
    ]
    table = read_table(workbook(tmp_path / "t.xlsx", rows), columns=rows[0])
    assert table.rows[0].values == {
        "name": "a",
        "count": "120",
        "ratio": "1.5",
        "phone": "13910002000",
        "day": "2027-08-02",
        "time": "2027-08-02 08:30",
    }


def test_the_first_sheet_is_read_unless_another_is_named(make_event, run, tmp_path):
    folder = make_event("solar-eclipse-observation", "zh")
    path = workbook(tmp_path / "报名.xlsx", [["姓名"], ["王小明"]], sheets=["汇总"])
    result = run("tickets", "import", folder, path)
    assert result.exit_code == 0
    assert f"note: {path}: read the first sheet, '分配表' (choose another with --sheet)" in (
        result.output
    )
    result = run("tickets", "import", folder, path, "--sheet", "汇总表")
    assert result.exit_code == 2
    assert f"{path}: no sheet '汇总表', did you mean '汇总'?" in result.output
    result = run("tickets", "import", folder, path, "--sheet", "汇总")
    assert result.exit_code == 2
    assert "the header must name the columns name, phone, audience, site" in result.output
    assert "missing: name (姓名)" in result.output
    csv_path = tmp_path / "报名.csv"
    csv_path.write_text("姓名\n王小明\n", encoding="utf-8")
    result = run("tickets", "import", folder, csv_path, "--sheet", "汇总")
    assert result.exit_code == 2
    assert f"{csv_path}: a CSV file has no sheets (--sheet '汇总')" in result.output


@pytest.mark.parametrize(
    "name, content",
    [
        ("单位.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500)),
        ("单位.et", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500)),
        ("单位.numbers", b"PK\x03\x04" + bytes(100)),
        ("单位.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500)),  # an .xls renamed
    ],
)
def test_other_spreadsheet_formats_are_refused_with_what_to_do(
    make_event, run, tmp_path, name, content
):
    folder = make_event("solar-eclipse-observation", "zh")
    path = tmp_path / name
    path.write_bytes(content)
    result = run("glasses", "import", folder, path)
    assert result.exit_code == 2
    assert f"{path}: " in result.output and "cannot be read; save it as .xlsx or CSV" in (
        result.output
    )


def test_a_damaged_utf8_file_is_not_guessed_to_be_gb18030(make_event, run, tmp_path, plugins):
    folder = make_event("solar-eclipse-observation", "zh")
    data = bytearray("姓名,手机\n王小明,13910002000\n李华,13910002001\n".encode())
    data[data.index("李".encode())] = 0xFF  # one byte lost its way
    path = tmp_path / "报名.csv"
    path.write_bytes(bytes(data))
    result = run("tickets", "import", folder, path)
    assert result.exit_code == 2
    assert f"{path}:3: not UTF-8 text (a damaged character)" in result.output
    assert people(folder, plugins) == []


# --- files too large to read ----------------------------------------------------------------


def _huge_sheet(path, rows, *, dimension=True):
    """A workbook whose sheet has ``rows`` rows (each a number), written part by part."""
    book = Workbook()
    book.active.append(["name", "pairs"])
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename != "xl/worksheets/sheet1.xml":
                out.writestr(info, data)
                continue
            head, tail = data.decode().split("<sheetData>")
            tail = tail.split("</sheetData>")[1]
            if dimension:
                head = head.replace('<dimension ref="A1:B1"/>', f'<dimension ref="A1:B{rows}"/>')
            else:
                head = head.replace('<dimension ref="A1:B1"/>', "")
            with out.open("xl/worksheets/sheet1.xml", "w") as sheet:
                sheet.write(
                    (
                        head + '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>name</t>'
                        '</is></c><c r="B1" t="inlineStr"><is><t>pairs</t></is></c></row>'
                    ).encode()
                )
                for start in range(2, rows + 1, 50_000):
                    sheet.write(
                        "".join(
                            f'<row r="{n}"><c r="B{n}"><v>1</v></c></row>'
                            for n in range(start, min(start + 50_000, rows + 1))
                        ).encode()
                    )
                sheet.write(("</sheetData>" + tail).encode())
    return path


def test_a_sheet_of_a_million_rows_is_refused_before_it_is_read(make_event, run, tmp_path):
    folder = make_event("solar-eclipse-observation", "zh")
    before = (folder / "glasses-allocations.csv").read_bytes()
    path = _huge_sheet(tmp_path / "分配表.xlsx", 1_048_576)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = run("glasses", "import", folder, path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.exit_code == 2
    assert (
        f"{path}: sheet 'Sheet' runs to row 1,048,576; at most 100,000 rows are read"
    ) in result.output
    assert result.output.rstrip().endswith("nothing was imported")
    assert peak < 30_000_000 and time.perf_counter() - started < 10
    assert (folder / "glasses-allocations.csv").read_bytes() == before


def test_rows_are_counted_when_the_sheet_hides_its_size(make_event, run, tmp_path, monkeypatch):
    """A sheet without its declared extent is refused at the first row over the limit."""
    monkeypatch.setattr(table_import, "MAX_ROWS", 1_000)
    folder = make_event("solar-eclipse-observation", "zh")
    path = _huge_sheet(tmp_path / "分配表.xlsx", 5_000, dimension=False)
    result = run("glasses", "import", folder, path)
    assert result.exit_code == 2
    assert f"{path}:1001: more than 1,000 rows; an import holds fewer" in result.output


def test_a_workbook_that_unpacks_to_a_huge_size_is_refused_unread(tmp_path):
    path = tmp_path / "bomb.xlsx"
    book = Workbook()
    book.save(path)
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/padding.xml", "w") as part,
    ):
        for _ in range(101):
            part.write(b" " * 1_000_000)
    assert path.stat().st_size < 1_000_000
    table = read_table(path, columns=[Column("name")])
    assert len(table.problems) == 1 and not table.rows
    assert table.problems[0].startswith(f"{path}: the workbook unpacks to 101,0")
    assert "at most 100,000,000 are read" in table.problems[0]


def test_header_names_in_either_language(tmp_path):
    path = tmp_path / "units.csv"
    path.write_text(" 单位名称 ,联\u3000系\u3000人,数量（副）,Contact\n一中,王老师,120,x\n")
    table = read_table(
        path,
        columns=[
            Column("name", ("单位名称",)),
            Column("contact", ("联系人",)),
            Column("pairs", ("数量(副)",)),
        ],
    )
    assert table.problems == (
        f"{path}:1: the header names the column contact twice ('联\\u3000系\\u3000人' and "
        "'Contact')",
    )
    path.write_text(" 单位名称 ,联\u3000系\u3000人,数量（副）\n一中,王老师,120\n")
    table = read_table(
        path,
        columns=[
            Column("name", ("单位名称",)),
            Column("contact", ("联系人",)),
            Column("pairs", ("数量(副)",)),
        ],
    )
    assert [row.values for row in table.rows] == [
        {"name": "一中", "contact": "王老师", "pairs": "120"}
    ]


def test_tickets_import_json_lists_the_sites_by_id(make_event, run, tmp_path):
    """Site names in the file become the event's site ids on the tickets."""
    folder = make_event("solar-eclipse-observation", "zh")
    path = tmp_path / "报名.csv"
    path.write_text("姓名,场地\n王小明,县行政中心广场\n", encoding="gb18030")
    assert run("tickets", "import", folder, path).exit_code == 0
    listed = json.loads(run("tickets", "list", folder, "--json").output)
    assert [t["site"] for t in listed] == ["plaza"]
