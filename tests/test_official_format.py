"""Chinese documents in the official format (GB/T 9704-2012), in Word and in print (issue 13)."""

from __future__ import annotations

import re

import docx
import pytest
from click.testing import CliRunner
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from kexie_events.cli import cli
from kexie_events.plugins import Plugins
from kexie_events.templates import create, find

W_COLOR = qn("w:color")


@pytest.fixture(scope="module")
def eclipse_kit(tmp_path_factory):
    """One Chinese eclipse kit for the module: building it is the slow part."""
    folder = tmp_path_factory.mktemp("official") / "eclipse"
    plugins = Plugins.load(environ={})
    create(find(plugins, "solar-eclipse-observation"), folder, "zh")
    result = CliRunner().invoke(cli, ["kit", str(folder)], obj={"plugins": plugins})
    assert result.exit_code == 0, result.output
    return folder / "kit"


def east_asian(style) -> str:
    return style.element.rPr.rFonts.get(qn("w:eastAsia"))


@pytest.mark.parametrize("name", ["plan", "notice", "emergency-plan"])
def test_word_files_follow_the_official_format(eclipse_kit, name):
    document = docx.Document(str(eclipse_kit / f"{name}.docx"))
    styles = document.styles

    body = styles["Normal"]
    assert east_asian(body) == "仿宋" and body.font.size == Pt(16)
    assert body.paragraph_format.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert body.paragraph_format.line_spacing == Pt(28)
    assert east_asian(styles["Title"]) == "方正小标宋简体" and styles["Title"].font.size == Pt(22)
    assert east_asian(styles["Heading 1"]) == "黑体" and not styles["Heading 1"].font.bold
    assert east_asian(styles["Heading 2"]) == "楷体"

    section = document.sections[0]
    assert abs(section.top_margin - Mm(37)) < Mm(0.5)
    assert abs(section.left_margin - Mm(28)) < Mm(0.5)
    assert abs(section.page_width - section.left_margin - section.right_margin - Mm(156)) < Mm(1)
    assert abs(section.page_height - section.top_margin - section.bottom_margin - Mm(225)) < Mm(1)

    # Everything black: no theme colour, no blue heading.
    for style in (body, styles["Title"], styles["Heading 1"], styles["Heading 2"]):
        colour = style.element.rPr.find(W_COLOR)
        assert colour is not None and colour.get(W_COLOR.replace("color", "val")) == "000000"
        assert colour.get(qn("w:themeColor")) is None
    used = {p.style.name for p in document.paragraphs}
    assert used <= {
        "Normal",
        "Title",
        "Heading 1",
        "Heading 2",
        "Signature",
        "List Bullet",
        "List Number",
    }, used

    # Page numbers "— 1 —": odd pages on the right, even pages on the left.
    assert document.settings.odd_and_even_pages_header_footer
    odd, even = section.footer.paragraphs[0], section.even_page_footer.paragraphs[0]
    assert odd.alignment == WD_ALIGN_PARAGRAPH.RIGHT and even.alignment == WD_ALIGN_PARAGRAPH.LEFT
    for footer in (odd, even):
        assert footer.text.startswith("— ") and footer.text.endswith(" —")
        assert footer._p.find(qn("w:fldSimple")).get(qn("w:instr")) == "PAGE"

    # 落款: the issuing body and the date, right-aligned at the end, room above for the seal.
    signature = [p for p in document.paragraphs if p.style.name == "Signature"]
    assert [p.text for p in signature] == ["××县全民科学素质工作领导小组", "　　年　　月　　日"]
    assert signature[0].paragraph_format.space_before >= Pt(56)
    assert styles["Signature"].paragraph_format.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert document.paragraphs[-1].text == "　　年　　月　　日"


def test_sign_in_sheets_repeat_their_heading_row_in_word(eclipse_kit):
    document = docx.Document(str(eclipse_kit / "signin.docx"))
    for table in document.tables:
        first, second = table.rows[0]._tr, table.rows[1]._tr
        assert first.trPr is not None and first.trPr.find(qn("w:tblHeader")) is not None
        assert second.trPr is None or second.trPr.find(qn("w:tblHeader")) is None
        assert table.rows[0].cells[1].text == "姓名"
        assert len(table.rows) == 26


def test_english_word_files_are_black_and_plain(make_event, run):
    folder = make_event("science-day", "en")
    assert run("kit", folder).exit_code == 0
    document = docx.Document(str(folder / "kit" / "plan.docx"))
    for name in ("Title", "Heading 1", "Heading 2"):
        colour = document.styles[name].element.rPr.find(W_COLOR)
        assert colour.get(qn("w:val")) == "000000"
    assert abs(document.sections[0].page_width - Mm(210)) < Mm(0.5)


def test_print_view_uses_the_official_fonts_and_one_sign_in_sheet_a_page(eclipse_kit, browser):
    page = browser.new_page()
    page.goto((eclipse_kit / "plan.html").as_uri())
    styles = page.evaluate(
        """() => Object.fromEntries(['h1', 'h2', 'p'].map(tag => {
            const style = getComputedStyle(document.querySelector(tag));
            return [tag, [style.fontFamily, style.fontSize, style.lineHeight, style.color]];
        }))"""
    )
    assert styles["h1"][0].startswith('"Kexie Title"') and styles["h1"][1] == "29.3333px"
    assert styles["h2"][0].startswith('"Kexie Heading"')
    assert styles["p"][0].startswith('"Kexie Body"')
    assert styles["p"][1:] == ["21.3333px", "37.3333px", "rgb(0, 0, 0)"]  # 16 pt on 28 pt
    session = page.context.new_cdp_session(page)
    session.send("DOM.enable")
    session.send("CSS.enable")
    root = session.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    for selector, wanted in (("h1", "Serif CJK"), ("h2", "Sans CJK"), ("p", "Serif CJK")):
        node = session.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        fonts = session.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        assert any(wanted in f["familyName"] for f in fonts), (selector, fonts)

    page.goto((eclipse_kit / "signin.html").as_uri())
    sheets = page.locator("table.signin").count()
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == sheets == 2
    assert page.locator("table.signin thead th").count() == 6 * sheets
    page.close()
