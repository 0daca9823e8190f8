"""A Chinese kit and report show no raw ids or machine formats (issue 13).

Site and gate names, not ids; dates as 2035年9月2日, not ISO strings; whole numbers without
``.0``. File names in the kit's index are file names, and are left out.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from conftest import TEMPLATES

ALLOWED = {"ISO", "QR", "SVG", "CJK", "Word", "WPS", "PDF", "Excel", "CSV", "A4", "UTC"}
MACHINE = re.compile(r"\b[A-Za-z][A-Za-z_\-]{2,}\b|\d{4}-\d\d-\d\d\S*|\b\d+\.0\b")


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in ("style", "script")

    def handle_endtag(self, tag):
        self.hidden -= tag in ("style", "script")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(path) -> str:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return " ".join(parser.parts)


@pytest.mark.parametrize("template", TEMPLATES)
def test_chinese_documents_and_report_speak_to_people(make_event, run, template):
    folder = make_event(template, "zh")
    run("tickets", "issue", folder, "--count", "3")
    assert run("kit", folder).exit_code == 0
    assert run("report", folder, "--format", "html", "--out", folder / "report").exit_code == 0
    pages = [p for p in (folder / "kit").glob("*.html") if p.name != "index.html"]
    pages.append(folder / "report" / "report.html")
    found = {}
    for page in pages:
        machine = set(MACHINE.findall(visible_text(page))) - ALLOWED
        if machine:
            found[page.name] = sorted(machine)[:10]
    assert not found, found
