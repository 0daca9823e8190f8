"""Turn the kit's document HTML into an editable Word file.

Documents are written once, as Jinja2 templates producing HTML; this converter reads the subset
of HTML they use (headings, paragraphs, lists, tables, bold, italics, line and page breaks) and
writes the same content with python-docx, so an organiser who overrides a template changes both
the printed page and the Word file. Anything else is kept as plain text. The output is
byte-for-byte reproducible: fixed document properties and fixed zip entry times.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from html.parser import HTMLParser
from pathlib import Path

from kexie_events.docx_styles import SEAL_ROOM, SIGNATURE, TABLE_TEXT
from kexie_events.ooxml import normalise_zip, xml_safe

_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
_BLOCKS = {"h1", "h2", "h3", "p", "li", "td", "th", "caption"}
_SKIP = {"style", "script", "head", "title", "nav", "svg"}
_FIXED_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


class _Converter(HTMLParser):
    def __init__(self, document, lang: str, base: Path | None = None):
        super().__init__(convert_charrefs=True)
        self.doc = document
        self.lang = lang
        self.base = base
        self.paragraph = None
        self.bold = 0
        self.italic = 0
        self.skip = 0
        self.lists: list[str] = []
        self.table = None
        self.row = None
        self.row_cells: list = []
        self.cell_index = 0
        self.in_header_row = False

    # --- tags --------------------------------------------------------------------------------

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if tag in _SKIP or "no-docx" in classes:
            self.skip += 1
            return
        if self.skip:
            return
        if "page-break" in classes:
            from docx.enum.text import WD_BREAK

            self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        if tag in ("ul", "ol"):
            self.lists.append(tag)
        elif tag == "table":
            self.table = []
        elif tag == "tr" and self.table is not None:
            self.table.append([])
        elif tag in ("td", "th") and self.table is not None and self.table:
            span = int(dict(attrs).get("colspan") or 1)
            self.table[-1].append({"header": tag == "th", "runs": [], "span": span})
        elif tag in ("h1", "h2", "h3"):
            self.paragraph = self.doc.add_heading(level=int(tag[1]) - 1 if tag != "h1" else 0)
            if "center" in classes or tag == "h1":
                from docx.enum.text import WD_ALIGN_PARAGRAPH

                self.paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif tag == "p" and "signature" in classes:
            self.paragraph = self.doc.add_paragraph(style=SIGNATURE)
            if "first" in classes:
                self.paragraph.paragraph_format.space_before = SEAL_ROOM
        elif tag == "p":
            self.paragraph = self.doc.add_paragraph()
            if "right" in classes:
                from docx.enum.text import WD_ALIGN_PARAGRAPH

                self.paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        elif tag == "li":
            style = "List Number" if self.lists and self.lists[-1] == "ol" else "List Bullet"
            self.paragraph = self.doc.add_paragraph(style=style)
        elif tag in ("strong", "b"):
            self.bold += 1
        elif tag in ("em", "i"):
            self.italic += 1
        elif tag == "br":
            self._text("\n")
        elif tag == "img" and self.base is not None:
            self._picture(dict(attrs).get("src") or "")

    def handle_endtag(self, tag):
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        elif tag == "table" and self.table is not None:
            self._write_table(self.table)
            self.table = None
        elif tag in ("strong", "b"):
            self.bold = max(0, self.bold - 1)
        elif tag in ("em", "i"):
            self.italic = max(0, self.italic - 1)
        elif tag in _BLOCKS:
            self.paragraph = None

    def handle_data(self, data):
        if self.skip:
            return
        # HTML collapses ASCII white space only: the full-width blanks left for a date in a
        # notice (　　年　　月　　日) must stay.
        text = " ".join(_HTML_SPACE.split(data)).strip(" ")
        if _HTML_SPACE.match(data[:1]) and text:
            text = " " + text
        if _HTML_SPACE.match(data[-1:]) and text:
            text += " "
        if text:
            self._text(text)

    # --- writing -----------------------------------------------------------------------------

    def _text(self, text: str) -> None:
        text = xml_safe(text)
        if self.table is not None:
            if self.table and self.table[-1]:
                self.table[-1][-1]["runs"].append((text, bool(self.bold), bool(self.italic)))
            return
        if self.paragraph is None:
            if not text.strip():
                return
            self.paragraph = self.doc.add_paragraph()
        run = self.paragraph.add_run(text)
        run.bold = bool(self.bold) or None
        run.italic = bool(self.italic) or None

    def _picture(self, src: str) -> None:
        from docx.shared import Cm

        path = (self.base / src).resolve()
        # Only pictures inside the document's own folder: a template cannot pull in other files.
        if not path.is_relative_to(self.base.resolve()):
            return
        if path.is_file() and path.suffix.lower() in (".png", ".jpg", ".jpeg", ".gif", ".bmp"):
            try:
                self.doc.add_picture(str(path), width=Cm(7.5))
            except Exception:
                # A damaged photo must not cost the organiser the whole report.
                self.doc.add_paragraph(f"[{path.name}]")
            self.paragraph = None

    def _write_table(self, rows: list[list[dict]]) -> None:
        rows = [row for row in rows if row]
        if not rows:
            return
        width = max(sum(cell["span"] for cell in row) for row in rows)
        table = self.doc.add_table(rows=0, cols=width)
        table.style = "Table Grid"
        # The paragraph style's id, looked up once: python-docx looks a style up by name by
        # scanning every style, which for a score sheet's 8,000 cells took most of the build.
        text_style = self.doc.styles[TABLE_TEXT].style_id
        heading = True
        for row in rows:
            # Fill row by row: python-docx's table.cell(r, c) rescans the whole table each time.
            added = table.add_row()
            heading = heading and all(cell["header"] for cell in row)
            if heading:
                _repeat_on_every_page(added)
            cells = added.cells
            column = 0
            for cell in row:
                target = cells[column]
                if cell["span"] > 1:
                    target = target.merge(cells[min(column + cell["span"], width) - 1])
                paragraph = target.paragraphs[0]
                paragraph._p.style = text_style  # as paragraph.style = TABLE_TEXT does
                for text, bold, italic in cell["runs"]:
                    run = paragraph.add_run(text.strip("\n"))
                    run.bold = (bold or cell["header"]) or None
                    run.italic = italic or None
                column += cell["span"]


def _repeat_on_every_page(row) -> None:
    """Mark a table's heading row to be printed again at the top of every page it runs onto."""
    from docx.oxml import OxmlElement

    marker = OxmlElement("w:tblHeader")
    row._tr.get_or_add_trPr().append(marker)


def html_to_docx(html: str, *, title: str, lang: str, base: Path | None = None) -> bytes:
    """Convert a kit document's HTML to the bytes of a reproducible ``.docx``.

    ``base`` is the folder that relative image paths (``<img src>``) start from.
    """
    import docx

    from kexie_events import docx_styles

    document = docx.Document()
    docx_styles.apply(document, lang)
    properties = document.core_properties
    properties.title = xml_safe(title)
    properties.author = "kexie-events"
    properties.language = "zh-CN" if lang == "zh" else "en"
    properties.created = properties.modified = properties.last_printed = _FIXED_TIME
    properties.revision = 1
    _Converter(document, lang, base).feed(html)
    buffer = io.BytesIO()
    document.save(buffer)
    return normalise_zip(buffer.getvalue())
