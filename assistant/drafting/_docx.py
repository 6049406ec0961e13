"""DOCX export in the layout of Vietnamese administrative documents: A4, Times New Roman 13 (headings
14 bold), margins top/bottom 20 mm, left 30 mm, right 15 mm; tables with a header row repeated on every
page and sources in a "Căn cứ/Nguồn" column; sections with [n] markers and a numbered "Nguồn" list."""

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
from assistant.drafting.export import row_cells, title_of
from assistant.schemas import Citation

FONT = "Times New Roman"
BODY_PT = 13
HEADING_PT = 14
SOURCES_HEADING = "Nguồn"


def write_docx(doc: SectionDraft | TaskTable, path: Path) -> None:
    """Write ``doc`` to ``path`` (.docx)."""
    document = docx.Document()
    _page(document, landscape=isinstance(doc, TaskTable))
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
    if sources:
        _run(paragraph, "".join(f"[{c.n}]" for c in sources), superscript=True)


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
        status = "có trong kho tài liệu" if mark.in_corpus else "chưa có trong kho tài liệu"
        _run(paragraph, f" [{status}: {mark.label}]", italic=True)


def _table(document: docx.document.Document, table: TaskTable) -> None:
    grid = document.add_table(rows=1, cols=len(table.columns))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    header = grid.rows[0]
    _repeat_header(header)
    for cell, name in zip(header.cells, table.columns):
        paragraph = cell.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(paragraph, name, bold=True)
    area = None
    for row in table.rows:
        if row.area != area:
            area = row.area
            cells = grid.add_row().cells
            _run(cells[0].merge(cells[-1]).paragraphs[0], row.area_label, bold=True)
        cells = grid.add_row().cells
        for i, (cell, text) in enumerate(zip(cells, row_cells(row, table))):
            paragraph = cell.paragraphs[0]
            for j, line in enumerate(text.split("\n")):
                if j:
                    paragraph = cell.add_paragraph()
                _run(paragraph, line, italic=j > 0, highlight=line.startswith("["))
            if i == len(cells) - 1:
                _marks(paragraph, row.sources)
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
    if not citations:
        return
    document.add_heading(level=2).add_run(SOURCES_HEADING)
    for c in citations:
        paragraph = document.add_paragraph()
        _run(paragraph, f"[{c.n}] {c.citation}: ", bold=True)
        _run(paragraph, f"“{' '.join(c.quote.split())}”", italic=True)
