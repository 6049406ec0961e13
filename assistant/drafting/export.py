"""Exports of drafts and task tables: Markdown, CSV, JSON and DOCX (``assistant.drafting._docx``).

Markdown marks sources as footnotes ("[^3]") whose definitions give the document, clause and quote;
everything the drafter must fill in stays in [square brackets]; framework guidance is a quoted italic
line, so it is never mistaken for plan text.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from assistant.drafting.models import (LEVELS_VI, CheckReport, DraftItem, LegalBasisMark, SectionDraft, TaskRow,
                                      TaskTable, period_vi)
from assistant.schemas import Citation
from assistant.drafting.tasks import FUNDING_COLUMN

FORMATS = ("md", "json", "csv", "docx")


def title_of(doc: SectionDraft | TaskTable) -> str:
    """The bracketed title of an export: what it is, for which plan (not a statement of the sources)."""
    return f"[Bản nháp: {doc.title} — kế hoạch chuyển đổi số {LEVELS_VI[doc.level]}, {period_vi(doc.period)}]"


def to_json(doc: SectionDraft | TaskTable | CheckReport) -> str:
    """The JSON the API returns for the same request."""
    return doc.model_dump_json(indent=2)


# --- Markdown -------------------------------------------------------------------------------------------


def to_markdown(doc: SectionDraft | TaskTable) -> str:
    """A draft or a table as Markdown, with footnotes for its sources."""
    lines = [f"# {title_of(doc)}", ""]
    if isinstance(doc, SectionDraft):
        lines += [f"> [Khung áp dụng: {doc.framework}]", ""]
        for item in doc.items:
            lines += _md_item(item)
        if doc.table is not None:
            lines += ["", *_md_table(doc.table)]
        citations = doc.citations
    else:
        lines += _md_table(doc)
        citations = doc.citations
    lines += ["", *(_md_footnote(c) for c in citations)]
    return "\n".join(lines).rstrip() + "\n"


def _marks(sources: list[Citation]) -> str:
    return "".join(f"[^{c.n}]" for c in sources)


def _md_item(item: DraftItem) -> list[str]:
    refs = _marks(item.sources)
    if item.kind == "heading":
        number = _number(item.number)
        if item.depth == 0:
            return ["", f"## {number}{item.text} {refs}".rstrip(), ""]
        if item.number:
            return ["", f"{'#' * min(6, item.depth + 2)} {number}{item.text} {refs}".rstrip(), ""]
        return ["", f"**{item.text}** {refs}".rstrip(), ""]
    indent = "  " * item.depth if item.bullet or item.kind in ("placeholder",) else ""
    if item.kind == "guidance":
        return [f"> *{item.text}* {refs}".rstrip(), ""]
    if item.kind == "note":
        return [f"> {item.text} {refs}".rstrip(), ""]
    bases = " ".join(basis_label(m) for m in item.bases)
    body = f"{item.text} {refs} {bases}".rstrip()
    return [f"{indent}- {body}"] if item.bullet else ["", body, ""]


def basis_label(mark: LegalBasisMark) -> str:
    """A legal document's particulars, bracketed: "[Quyết định 749/QĐ-TTg; ngày 03/06/2020; Thủ tướng Chính
    phủ; chưa có trong kho tài liệu; hết thời kỳ áp dụng (đến năm 2025)]"."""
    date = "ngày " + "/".join(reversed(mark.date.split("-"))) if mark.date else "ngày: chưa rõ"
    status = mark.status or ("có trong kho tài liệu" if mark.in_corpus else "chưa có trong kho tài liệu")
    if mark.in_corpus and "kho tài liệu" not in status:
        status += " (có trong kho tài liệu)"
    return f"[{mark.label}; {date}; {mark.issuer or 'cơ quan ban hành: chưa rõ'}; {status}]"


def _number(number: str | None) -> str:
    if not number:
        return ""
    return f"{number}) " if number.isalpha() and number.islower() else f"{number}. "


ROLE_GROUPS = {"chủ trì": "A. NHIỆM VỤ CHỦ TRÌ THỰC HIỆN",
               "phối hợp": "B. PHỐI HỢP THỰC HIỆN (cơ quan cấp trên chủ trì, ghi ở cột Cơ quan chủ trì)"}


def grouped(table: TaskTable) -> list[tuple[str, str | TaskRow]]:
    """The table's lines in order: ("role", title) where the role changes, ("area", label) where the area
    changes, ("row", row). Shared by Markdown and DOCX."""
    lines: list[tuple[str, str | TaskRow]] = []
    role = area = None
    for row in table.rows:
        if row.role != role:
            role, area = row.role, None
            lines.append(("role", ROLE_GROUPS[role]))
        if row.area != area:
            area = row.area
            lines.append(("area", row.area_label))
        lines.append(("row", row))
    return lines


def _md_table(table: TaskTable) -> list[str]:
    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    for kind, value in grouped(table):
        if kind == "row":
            lines.append("| " + " | ".join(_cell(c) for c in row_cells(value, table, marks=True)) + " |")
        else:
            label = f"**{value}**" if kind == "role" else f"*{value}*"
            lines.append(f"| | {label} |" + " |" * (len(table.columns) - 2))
    for note in table.notes:
        lines += ["", f"> {note.text} {_marks(note.sources)}".rstrip()]
    return lines


def row_cells(row: TaskRow, table: TaskTable, marks: bool = False) -> list[str]:
    """The cells of a row in the table's column order (shared by Markdown, CSV and DOCX)."""
    lead = row.lead + (f"\n{row.lead_reference}" if row.lead_reference else "")
    deadline = row.deadline + (f"\n(Thời hạn cấp trên: {row.deadline_source})" if row.deadline_source else "")
    task = row.task + (" " + _marks(row.sources[:1]) if marks else "")
    source = row.source_text + (" " + _marks(row.sources) if marks else "")
    cells = [str(row.stt), task, row.result, lead, row.coordinating, deadline]
    if FUNDING_COLUMN in table.columns:
        cells.append(row.funding or "")
    return [*cells, source]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def _md_footnote(c: Citation) -> str:
    quote = " ".join(c.quote.split())
    return f"[^{c.n}]: {c.citation} (ký tự {c.char_start}–{c.char_end}): “{quote}”"


# --- CSV -----------------------------------------------------------------------------------------------


def to_csv(doc: SectionDraft | TaskTable) -> str:
    """CSV (UTF-8 with BOM, so spreadsheet programs read Vietnamese): a table's rows, or a draft's items."""
    out = io.StringIO()
    writer = csv.writer(out)
    table = doc if isinstance(doc, TaskTable) else doc.table
    if isinstance(doc, SectionDraft):
        writer.writerow(["STT", "Loại", "Nội dung", "Nguồn", "Trích dẫn"])
        for i, item in enumerate(doc.items, start=1):
            writer.writerow([i, item.kind, item.text, "; ".join(c.citation for c in item.sources),
                             "; ".join(_locator(c) for c in item.sources)])
        if table is not None:
            writer.writerow([])
    if table is not None:
        writer.writerow([*table.columns, "Lĩnh vực", "Vai trò", "Cơ quan chủ trì cấp trên", "Thời hạn cấp trên",
                         "Trích dẫn"])
        for row in table.rows:
            cells = row_cells(row, table)
            cells[3] = row.lead
            cells[5] = row.deadline
            writer.writerow([*cells, row.area_label, row.role, row.lead_reference or "", row.deadline_source or "",
                             "; ".join(_locator(c) for c in row.sources)])
    return "\ufeff" + out.getvalue()


def _locator(c: Citation) -> str:
    return f"{c.doc_id}:{c.char_start}-{c.char_end}"


# --- files -----------------------------------------------------------------------------------------------


def export(doc: SectionDraft | TaskTable, fmt: str, path: Path | None = None) -> str | Path:
    """Render ``doc`` as ``fmt``; text formats return the text (and write it when ``path`` is given),
    DOCX needs ``path`` and returns it.

    :raises ValueError: an unknown format, or DOCX without a path.
    """
    if fmt not in FORMATS:
        raise ValueError(f"Định dạng {fmt!r} không được hỗ trợ; chọn một trong: {', '.join(FORMATS)}.")
    if fmt == "docx":
        if path is None:
            raise ValueError("Định dạng docx cần đường dẫn tệp (--out).")
        from assistant.drafting._docx import write_docx

        write_docx(doc, path)
        return path
    text = {"md": to_markdown, "json": to_json, "csv": to_csv}[fmt](doc)
    if path is not None:
        path.write_text(text, encoding="utf-8")
    return text
