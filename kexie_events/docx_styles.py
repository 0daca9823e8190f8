"""The page and styles of the kit's Word files: GB/T 9704-2012 for Chinese documents.

Chinese offices sign and file documents in the national format for official documents (党政机关
公文格式): A4 with a 156 × 225 mm text block (top margin 37 mm, left 28 mm), the title in
小标宋 二号 (22 pt), the body in 仿宋 三号 (16 pt) on a fixed 28 pt line (22 lines a page),
first-level headings "一、" in 黑体, second-level "（一）" in 楷体, page numbers "— 1 —" in
宋体 四号 at the outer bottom corner, and all text black. The print view of the same document
(``kit_templates/_base.html``) uses the same fonts and measures.

Word names one East Asian font per style; where a machine lacks it (a Linux laptop with only
Noto CJK), Word and LibreOffice substitute by the font table's hints, which name the usual
alternative (``altName``) and the GB2312 character set, so text never prints as empty boxes.
English documents get the same A4 page and black text with a serif body.
"""

from __future__ import annotations

from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

BLACK = RGBColor(0, 0, 0)

# GB/T 9704 fonts, each with the alternative a machine without it should use.
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体"
NUMBER_FONT = "宋体"
ALTERNATIVES = {
    TITLE_FONT: "宋体",
    BODY_FONT: "仿宋_GB2312",
    HEADING_FONT: "SimHei",
    SUBHEADING_FONT: "楷体_GB2312",
    NUMBER_FONT: "SimSun",
}
LATIN_FONT = "Times New Roman"

BODY_SIZE = Pt(16)  # 三号
TITLE_SIZE = Pt(22)  # 二号
TABLE_SIZE = Pt(12)  # 小四
PAGE_NUMBER_SIZE = Pt(14)  # 四号
LINE = Pt(28)  # 225 mm / 22 lines, rounded down as offices do
SEAL_ROOM = LINE * 2  # above the issuing body, where the seal goes
TABLE_TEXT = "Table Text"
SIGNATURE = "Signature"


def apply(document, lang: str) -> None:
    """Give ``document`` the page, styles and page numbers of its language's format."""
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    if lang == "zh":
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        section.footer_distance = Mm(25)
        _official_styles(document)
        _page_numbers(document)
        _font_table(document)
    else:
        section.top_margin = section.bottom_margin = Mm(25)
        section.left_margin = section.right_margin = Mm(22)
        _plain_styles(document)


def _official_styles(document) -> None:
    styles = document.styles
    body = _set(styles["Normal"], BODY_FONT, BODY_SIZE)
    body.paragraph_format.first_line_indent = BODY_SIZE * 2
    _exact_lines(body)
    title = _set(styles["Title"], TITLE_FONT, TITLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER)
    _exact_lines(title, Pt(36))
    for name, font in (("Heading 1", HEADING_FONT), ("Heading 2", SUBHEADING_FONT)):
        heading = _set(styles[name], font, BODY_SIZE)
        heading.paragraph_format.first_line_indent = BODY_SIZE * 2
        _exact_lines(heading)
    for name in ("List Bullet", "List Number"):
        _exact_lines(_set(styles[name], BODY_FONT, BODY_SIZE))
    table_text = _paragraph_style(document, TABLE_TEXT, BODY_FONT, TABLE_SIZE)
    table_text.paragraph_format.first_line_indent = Pt(0)
    table_text.paragraph_format.line_spacing = 1.0
    signature = _paragraph_style(document, SIGNATURE, BODY_FONT, BODY_SIZE)
    signature.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    signature.paragraph_format.first_line_indent = Pt(0)
    # 成文日期右空四字; the issuing body stands centred above it, about two characters in.
    signature.paragraph_format.right_indent = BODY_SIZE * 2
    _exact_lines(signature)


def _plain_styles(document) -> None:
    styles = document.styles
    _set(styles["Normal"], "SimSun", Pt(11), latin="Georgia")
    _set(styles["Title"], "SimHei", Pt(20), latin="Georgia", align=WD_ALIGN_PARAGRAPH.CENTER)
    _set(styles["Heading 1"], "SimHei", Pt(14), latin="Georgia", bold=True)
    _set(styles["Heading 2"], "SimHei", Pt(12), latin="Georgia", bold=True)
    table_text = _paragraph_style(document, TABLE_TEXT, "SimSun", Pt(10))
    table_text.font.name = "Georgia"
    _paragraph_style(
        document, SIGNATURE, "SimSun", Pt(11)
    ).paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _set(style, east_asian: str, size, *, latin: str = LATIN_FONT, bold=False, align=None):
    """Fonts, size, weight and colour of ``style``, with the template's theme colours gone."""
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asian)
    style.font.size = size
    style.font.bold = bold
    style.font.color.rgb = BLACK
    ppr = style.element.get_or_add_pPr()
    for border in ppr.findall(qn("w:pBdr")):
        ppr.remove(border)
    style.paragraph_format.space_before = Pt(0)
    style.paragraph_format.space_after = Pt(0)
    if align is not None:
        style.paragraph_format.alignment = align
    return style


def _exact_lines(style, height=LINE) -> None:
    style.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    style.paragraph_format.line_spacing = height


def _paragraph_style(document, name: str, east_asian: str, size):
    style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = document.styles["Normal"]
    return _set(style, east_asian, size)


def _page_numbers(document) -> None:
    """ "— 1 —" at the bottom: odd pages on the right, even pages on the left, a character in."""
    document.settings.odd_and_even_pages_header_footer = True
    section = document.sections[0]
    for footer, align in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        paragraph.alignment = align
        paragraph.paragraph_format.first_line_indent = Pt(0)
        paragraph.paragraph_format.line_spacing = 1.0
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            paragraph.paragraph_format.right_indent = PAGE_NUMBER_SIZE
        else:
            paragraph.paragraph_format.left_indent = PAGE_NUMBER_SIZE
        _number_run(paragraph.add_run("— "))
        _page_field(paragraph)
        _number_run(paragraph.add_run(" —"))


def _number_run(run):
    run.font.size = PAGE_NUMBER_SIZE
    run.font.name = NUMBER_FONT
    run.font.color.rgb = BLACK
    run.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), NUMBER_FONT)
    return run


def _page_field(paragraph) -> None:
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = _number_run(paragraph.add_run("1"))
    run.element.getparent().remove(run.element)
    field.append(run.element)
    paragraph._p.append(field)


def _font_table(document) -> None:
    """Hints in the font table: the alternative and the GB2312 character set of each font."""
    part = document.part
    font_part = next(
        (rel.target_part for rel in part.rels.values() if rel.reltype.endswith("/fontTable")),
        None,
    )
    if font_part is None:
        return
    from docx.oxml import parse_xml

    root = parse_xml(font_part.blob)
    for name, alternative in ALTERNATIVES.items():
        font = OxmlElement("w:font")
        font.set(qn("w:name"), name)
        alt = OxmlElement("w:altName")
        alt.set(qn("w:val"), alternative)
        charset = OxmlElement("w:charset")
        charset.set(qn("w:val"), "86")
        family = OxmlElement("w:family")
        family.set(qn("w:val"), "modern" if name == HEADING_FONT else "roman")
        font.extend([alt, charset, family])
        root.append(font)
    from lxml import etree

    font_part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
