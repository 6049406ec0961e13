"""DOCX export in the layout of Vietnamese administrative documents: A4, Times New Roman 13 (headings
14 bold), margins top/bottom 20 mm, left 30 mm, right 15 mm; tables with column widths fitted to their
content (STT narrow, Nhiệm vụ wide), a header row repeated on every page, rows grouped by role and area,
and sources in a "Căn cứ/Nguồn" column; superscript [n] markers linked to a numbered "Nguồn" list of
notes (document, clause, verbatim quote)."""

from __future__ import annotations

from pathlib import Path

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from assistant.drafting.models import DraftItem, SectionDraft, TaskTable
from assistant.drafting.export import basis_label, grouped, row_cells, title_of
from assistant.schemas import Citation

FONT = "Times New Roman"
BODY_PT = 13
HEADING_PT = 14
SOURCES_HEADING = "Nguồn"


def write_docx(doc: SectionDraft | TaskTable, path: Path) -> None:
    """Write ``doc`` to ``path`` (.docx)."""
    document = docx.Document()
    _page(document, landscape=isinstance(doc, TaskTable) or doc.table is not None)  # wide tables
    _styles(document)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(title, title_of(doc), bold=True, size=HEADING_PT)
    if isinstance(doc, SectionDraft):
        _run(document.add_paragraph(), f"[Khung áp dụng: {doc.framework}]", italic=True)
        for item in doc.items:
            _item(document, item)
        if doc.table is not None:
            _table(document, doc.table)
    else:
        _table(document, doc)
    _sources(document, doc.citations)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))


def _page(document: docx.document.Document, landscape: bool) -> None:
    section = document.sections[0]
    width, height = Mm(210), Mm(297)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        width, height = height, width
    section.page_width, section.page_height = width, height
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)


def _styles(document: docx.document.Document) -> None:
    for name, size, bold in (("Normal", BODY_PT, False), ("Heading 1", HEADING_PT, True),
                             ("Heading 2", HEADING_PT, True), ("Heading 3", BODY_PT, True), ("Heading 4", BODY_PT, True)):
        style = document.styles[name]
        style.font.name, style.font.size, style.font.bold = FONT, Pt(size), bold
        style.font.italic = False
        style.font.color.rgb = None
        fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(attr), FONT)


def _run(paragraph, text: str, bold: bool = False, italic: bool = False, size: int = BODY_PT,
         superscript: bool = False, highlight: bool = False):
    run = paragraph.add_run(text)
    run.font.name, run.font.size, run.bold, run.italic = FONT, Pt(size), bold, italic
    run.font.superscript = superscript
    if highlight:
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    return run


def _marks(paragraph, sources: list[Citation]) -> None:
    """Superscript "[n]" markers, each a link to its numbered note in the source list."""
    for c in sources:
        link = OxmlElement("w:hyperlink")
        link.set(qn("w:anchor"), _anchor(c.n))
        run = _run(paragraph, f"[{c.n}]", superscript=True)
        run._r.addprevious(link)
        link.append(run._r)


def _anchor(n: int) -> str:
    return f"nguon_{n}"


def _item(document: docx.document.Document, item: DraftItem) -> None:
    if item.kind == "heading":
        level = 1 if item.depth == 0 else min(4, item.depth + 1)
        paragraph = document.add_heading(level=level)
        number = f"{item.number}{')' if item.number and item.number.isalpha() and item.number.islower() else '.'} " \
            if item.number else ""
        _run(paragraph, number + item.text, bold=True, size=HEADING_PT if level <= 2 else BODY_PT)
        _marks(paragraph, item.sources)
        return
    paragraph = document.add_paragraph(style="List Bullet" if item.bullet else None)
    paragraph.paragraph_format.left_indent = Mm(7 * item.depth) if item.depth else None
    if item.kind == "guidance":
        _run(paragraph, item.text, italic=True)
    elif item.kind in ("placeholder", "note"):
        _run(paragraph, item.text, italic=item.kind == "note", highlight=item.kind == "placeholder")
    else:
        _run(paragraph, item.text)
    _marks(paragraph, item.sources)
    for mark in item.bases:
        _run(paragraph, f" {basis_label(mark)}", italic=True)


# Column widths in millimetres on a landscape A4 page (252 mm between the margins); "Nhiệm vụ" takes the rest.
_WIDTHS_MM = {"STT": 10, "Kết quả dự kiến": 38, "Cơ quan chủ trì": 36, "Cơ quan phối hợp": 30, "Thời hạn": 20,
              "Kinh phí, nguồn vốn": 22, "Căn cứ/Nguồn": 40}
_TEXT_WIDTH_MM = 252


def column_widths(columns: list[str]) -> list[int]:
    """Each column's width in millimetres: fitted to its content, "Nhiệm vụ" the widest."""
    fixed = sum(_WIDTHS_MM.get(c, 0) for c in columns)
    return [_WIDTHS_MM.get(c, _TEXT_WIDTH_MM - fixed) for c in columns]


def _table(document: docx.document.Document, table: TaskTable) -> None:
    grid = document.add_table(rows=1, cols=len(table.columns))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    widths = [Mm(w) for w in column_widths(table.columns)]
    for column, width in zip(grid.columns, widths):
        column.width = width
    header = grid.rows[0]
    _repeat_header(header)
    for cell, name in zip(header.cells, table.columns):
        paragraph = cell.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(paragraph, name, bold=True)
    for kind, value in grouped(table):
        cells = grid.add_row().cells
        if kind != "row":
            _run(cells[0].merge(cells[-1]).paragraphs[0], value, bold=True, italic=kind == "area")
            continue
        for i, (cell, text) in enumerate(zip(cells, row_cells(value, table))):
            paragraph = cell.paragraphs[0]
            for j, line in enumerate(text.split("\n")):
                if j:
                    paragraph = cell.add_paragraph()
                _run(paragraph, line, italic=j > 0, highlight=line.startswith("["))
            if i == len(cells) - 1:
                _marks(paragraph, value.sources)
    for row in grid.rows:  # Word lays a table out by its cells' widths
        for cell, width in zip(row.cells, widths):
            cell.width = width
    for note in table.notes:
        paragraph = document.add_paragraph()
        _run(paragraph, note.text, italic=True)
        _marks(paragraph, note.sources)


def _repeat_header(row) -> None:
    """Mark the row as a header row, repeated at the top of every page the table spans."""
    properties = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    properties.append(flag)


def _sources(document: docx.document.Document, citations: list[Citation]) -> None:
    """The numbered source notes: "[n] document, clause: “quote”", each bookmarked for its markers."""
    if not citations:
        return
    document.add_heading(level=2).add_run(SOURCES_HEADING)
    for c in citations:
        paragraph = document.add_paragraph()
        start = OxmlElement("w:bookmarkStart")
        start.set(qn("w:id"), str(c.n))
        start.set(qn("w:name"), _anchor(c.n))
        end = OxmlElement("w:bookmarkEnd")
        end.set(qn("w:id"), str(c.n))
        paragraph._p.append(start)
        _run(paragraph, f"[{c.n}] {c.citation}: ", bold=True)
        _run(paragraph, f"“{' '.join(c.quote.split())}”", italic=True)
        paragraph._p.append(end)
