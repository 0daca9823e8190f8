"""The report's and the roll-up's tables as Excel workbooks (issue 13)."""

from __future__ import annotations

import csv
import io
import json

import openpyxl


def test_report_workbook_has_a_sheet_per_table_with_numbers_as_numbers(make_event, run):
    folder = make_event("science-day", "zh")
    run("tickets", "issue", folder, "--count", "4", "--audience", "minors")
    for number in (1, 2, 3):
        assert run("checkin", folder, f"{number:06d}", "--gate", "校门").exit_code == 0
    run(
        "incident",
        "add",
        folder,
        "--type",
        "other",
        "--what",
        "=1+1 走失儿童",
        "--done",
        "已交还家长",
        "--at",
        "2027-09-24 10:00",
    )
    result = run("report", folder, "--format", "csv,xlsx", "--json")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)

    workbook = openpyxl.load_workbook(folder / "report" / "report.xlsx")
    totals = dict(workbook.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert workbook.sheetnames[0] == "参与情况" and totals["参与总人次"] == 3  # a number
    assert "按入场日期" in " ".join(workbook.sheetnames) or len(workbook.sheetnames) >= 3
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.bold for cell in sheet[1])
    numbers = [
        cell.value
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(min_row=2)
        for cell in row
        if isinstance(cell.value, int | float)
    ]
    assert figures["attendance"]["total"] == 3
    assert 3 in numbers
    texts = [
        cell
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(min_row=2)
        for cell in row
        if isinstance(cell.value, str) and "走失儿童" in cell.value
    ]
    assert texts and all(cell.data_type == "s" for cell in texts)

    # The same tables as the CSV files, cell for cell.
    by_title = {sheet.title: sheet for sheet in workbook.worksheets}
    csv_rows = sorted(
        tuple(row)
        for path in (folder / "report").glob("*.csv")
        for row in csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig")))
    )
    xlsx_rows = sorted(
        tuple("" if v is None else str(v) for v in row)
        for sheet in by_title.values()
        for row in sheet.iter_rows(values_only=True)
    )
    assert [r for r in xlsx_rows if "走失儿童" not in " ".join(r)] == [
        r for r in csv_rows if "走失儿童" not in " ".join(r)
    ]


def test_rollup_workbook(make_event, run, tmp_path):
    folder = make_event("science-day", "en")
    run("tickets", "issue", folder, "--count", "2")
    assert run("checkin", folder, "000001", "--gate", "gate").exit_code == 0
    out = tmp_path / "year"
    result = run("rollup", folder, "--out", out, "--format", "xlsx")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["build-info.json", "rollup.xlsx"]
    workbook = openpyxl.load_workbook(out / "rollup.xlsx")
    events = workbook["Events"]
    assert events.freeze_panes == "A2"
    header, row = list(events.iter_rows(values_only=True))[:2]
    assert header[-1] == "Person-times" and row[-1] == 1
    assert run("rollup", folder, "--out", out, "--format", "pdf").exit_code == 2
