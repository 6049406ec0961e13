"""Exports reopened with their readers: python-docx for DOCX, csv for CSV, pydantic for JSON."""

from __future__ import annotations

import csv
import io

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Pt

from assistant.drafting.draft import draft_section
from assistant.drafting.models import SectionDraft, TaskTable
from assistant.drafting.export import export, to_csv, to_json, to_markdown
from assistant.drafting.tasks import COLUMNS, draft_tasks

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def table(kb) -> TaskTable:
    return draft_tasks(kb, level="tinh", period="2026-2030")


def test_a_task_table_docx_holds_the_table_in_administrative_layout(table, tmp_path):
    path = export(table, "docx", tmp_path / "danh-muc.docx")
    document = docx.Document(str(path))
    section = document.sections[0]
    mm = [round(length.mm) for length in (section.page_width, section.page_height, section.top_margin,
                                          section.bottom_margin, section.left_margin, section.right_margin)]
    assert mm == [297, 210, 20, 20, 30, 15]  # A4 landscape for a wide table; stored in twips
    normal = document.styles["Normal"].font
    assert (normal.name, normal.size) == ("Times New Roman", Pt(13))
    [grid] = document.tables
    assert [c.text for c in grid.rows[0].cells] == COLUMNS
    assert grid.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # header repeated on every page
    roles = [row.role for row in table.rows]
    assert roles == sorted(roles, key=lambda r: r != "chủ trì")  # the plan's own tasks, then "Phối hợp thực hiện"
    groups = len({(row.role, row.area) for row in table.rows}) + len(set(roles))
    assert len(grid.rows) == 1 + groups + len(table.rows)
    assert [c.text for c in grid.rows[1].cells][0].startswith("A. NHIỆM VỤ CHỦ TRÌ")
    assert any(r.cells[0].text.startswith("B. PHỐI HỢP THỰC HIỆN") for r in grid.rows)
    widths = {name: round(cell.width.mm) for name, cell in zip(COLUMNS, grid.rows[5].cells)}
    assert widths["STT"] == 10 and widths["Nhiệm vụ"] == max(widths.values())  # fitted: STT narrow, Nhiệm vụ wide
    assert sum(widths.values()) == 252  # the width between the margins of a landscape A4 page
    first = table.rows[0]
    cells = next(r.cells for r in grid.rows if r.cells[0].text == "1")
    assert cells[1].text == first.task
    assert cells[-1].text.startswith(first.source_text)
    fonts = {run.font.name for cell in cells for p in cell.paragraphs for run in p.runs}
    assert fonts == {"Times New Roman"}


def test_a_section_docx_numbers_its_sources(kb, tmp_path):
    draft = draft_section(kb, "can-cu", "tinh", "2026-2030")
    path = export(draft, "docx", tmp_path / "can-cu.docx")
    paragraphs = [p for p in docx.Document(str(path)).paragraphs]
    heading = next(p for p in paragraphs if p.text.startswith("I. CĂN CỨ LẬP KẾ HOẠCH"))
    assert heading.runs[0].bold and heading.runs[0].font.size == Pt(14)
    nguon = [i for i, p in enumerate(paragraphs) if p.text == "Nguồn"]
    sources = paragraphs[nguon[-1] + 1 :]
    assert [p.text.split("]")[0] + "]" for p in sources] == [f"[{c.n}]" for c in draft.citations]
    assert sources[1].text.endswith(f"“{draft.citations[1].quote}”")
    # each note is a bookmark that the superscript markers link to (Word follows them like footnotes)
    bookmarks = [b.get(qn("w:name")) for p in sources for b in p._p.iter(qn("w:bookmarkStart"))]
    assert bookmarks == [f"nguon_{c.n}" for c in draft.citations]
    links = {a.get(qn("w:anchor")) for p in paragraphs for a in p._p.iter(qn("w:hyperlink"))}
    assert links == set(bookmarks)


def test_csv_has_the_columns_and_one_line_per_row(table):
    text = to_csv(table)
    assert text.startswith("\ufeff")  # so spreadsheet programs read the Vietnamese text as UTF-8
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][: len(COLUMNS)] == COLUMNS
    assert len(rows) == 1 + len(table.rows)
    assert rows[1][1] == table.rows[0].task
    role = rows[0].index("Vai trò")
    assert [r[role] for r in rows[1:]] == [row.role for row in table.rows]  # "chủ trì" / "phối hợp"
    assert rows[1][-1] == "; ".join(f"{c.doc_id}:{c.char_start}-{c.char_end}" for c in table.rows[0].sources)


def test_json_reads_back_into_the_same_model(kb, table):
    assert TaskTable.model_validate_json(to_json(table)) == table
    draft = draft_section(kb, "muc-tieu", "xa", "2025")
    assert SectionDraft.model_validate_json(to_json(draft)) == draft


def test_markdown_footnotes_quote_every_source(table):
    text = to_markdown(table)
    assert text.count("\n[^") == len(table.citations)
    assert "| STT | Nhiệm vụ | Kết quả dự kiến | Cơ quan chủ trì | Cơ quan phối hợp | Thời hạn | Căn cứ/Nguồn |" in text


def test_docx_needs_a_file_and_unknown_formats_are_refused(table):
    with pytest.raises(ValueError, match="--out"):
        export(table, "docx")
    with pytest.raises(ValueError, match="không được hỗ trợ"):
        export(table, "pdf")
