"""Markdown and citations for chosen answer blocks.

Every line ends in [n]; [n] is a citation whose quote is the exact span of the document the line
comes from (a run of consecutive units, or a whole task record), so a reader can check every word.
Blocks are grouped by document, documents and the blocks of a document in the order of their scores;
units inside a block stay in source order.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.engine._qtype import QuestionType
from assistant.engine._units import DocUnits, Unit
from assistant.schemas import Citation
from ingest.tables import column_names, row_cells

_FIELD_NAMES = (("task", "Nhiệm vụ"), ("result", "Kết quả thực hiện"), ("lead", "Cơ quan chủ trì"),
                ("coordinating", "Cơ quan phối hợp"), ("deadline", "Thời hạn hoàn thành"), ("note", "Lưu ý"))
_LAW_KINDS = ("law",)
_STANDING = {"draft": " (dự thảo)", "unknown": " (chưa rõ tình trạng)", "expired": " (hết hiệu lực)"}


@dataclass(frozen=True)
class Block:
    """Consecutive or related units of one document that answer one part of the question."""

    doc: DocUnits
    units: tuple[Unit, ...]  # source order
    kind: str  # "task" (one TaskRecord unit) or "text"
    score: float
    period: str | None

    def covers(self, unit: Unit) -> bool:
        return any(u.seq == unit.seq for u in self.units)

    def contains(self, other: "Block") -> bool:
        return other.doc is self.doc and {u.seq for u in other.units} <= {u.seq for u in self.units}


@dataclass(frozen=True)
class Rendered:
    markdown: str
    citations: list[Citation]
    warnings: list[str]


def render(blocks: list[Block], qtype: QuestionType) -> Rendered:
    """Markdown with [n] markers and the citations they resolve to."""
    order: dict[str, float] = {}
    for block in blocks:
        order.setdefault(block.doc.doc.meta.id, -block.score)
    # A document of known standing is quoted before one nobody vouches for, whatever their scores.
    ordered = sorted(blocks, key=lambda b: (_unvouched(b.doc.doc.meta), order[b.doc.doc.meta.id], -b.score))
    citations: list[Citation] = []
    sections = []
    for block in ordered:
        # A .docx table row shows every column it has; another task its record's fields.
        lines = _row_lines(block, citations) or (
            _task_lines(block, citations) if block.kind == "task" else _text_lines(block, citations))
        header = _header(block, qtype)
        if len(lines) == 1:
            sections.append(f"{header} {lines[0][1]}")
        else:
            sections.append(header + "\n" + "\n".join(f"{'  ' * depth}- {line}" for depth, line in lines))
    return Rendered("\n\n".join(sections), citations, _warnings(ordered))


def _header(block: Block, qtype: QuestionType) -> str:
    meta = block.doc.doc.meta
    title = meta.short_title + _STANDING.get(meta.status or "unknown", "")
    label = _label(block.doc, block.units[0].start, block.units[-1].end)
    if qtype.shape == "compare" and block.period and block.period not in label:
        return f"**Theo {title}, {label} (giai đoạn {block.period}):**"
    if meta.kind in _LAW_KINDS and label.startswith(("Điều", "khoản", "điểm")):
        return f"**Theo {label} {title}:**"  # cited as lawyers do: "khoản 2 Điều 23 Luật …"
    return f"**Theo {title}, {label}:**"


def _text_lines(block: Block, citations: list[Citation]) -> list[tuple[int, str]]:
    """(indent depth, text ending in its [n]) per clause's run of units."""
    lines: list[tuple[int, str]] = []
    base = block.doc.clauses[block.units[0].clause_id].depth if block.units[0].clause_id in block.doc.clauses else 0
    for run in _runs(block.units):
        n = _cite(block.doc, run[0].start, run[-1].end, citations)
        groups: list[list[Unit]] = []
        for unit in run:
            if groups and groups[-1][-1].clause_id == unit.clause_id and unit.kind != "heading" \
                    and groups[-1][-1].kind != "heading":
                groups[-1].append(unit)
            else:
                groups.append([unit])
        for group in groups:
            clause = block.doc.clauses.get(group[0].clause_id)
            depth = max(0, (clause.depth if clause else 0) - base)
            text = " ".join(" ".join(u.text.split()) for u in group)
            if group[0].kind == "heading":
                text = f"**{text}**"
            lines.append((depth, f"{text} [{n}]"))
    return lines


def _task_lines(block: Block, citations: list[Citation]) -> list[tuple[int, str]]:
    unit = block.units[0]
    record = block.doc.tasks[unit.clause_id]
    n = _cite(block.doc, unit.start, unit.end, citations)
    lines = []
    for attr, name in _FIELD_NAMES:
        span = getattr(record, attr)
        if span is None or attr == "note" and not span.text.strip():
            continue
        value = " ".join(span.text.split()) or "(để trống)"
        lines.append((0, f"{name}: {value} [{n}]"))
    return lines


def _row_lines(block: Block, citations: list[Citation]) -> list[tuple[int, str]] | None:
    """One table row (a .docx/HTML/.doc table as the loaders write it: "Dòng 3 — Cột: giá trị; …") as
    one line per column; None for anything else."""
    units = block.units
    clause = block.doc.clauses.get(units[0].clause_id)
    if clause is None or clause.kind != "table_row" or any(u.clause_id != clause.id for u in units):
        return None
    table = block.doc.clauses.get(clause.parent)
    text = block.doc.doc.text
    names = column_names(text[table.start:table.heading_end]) if table is not None else []
    line = text[clause.start:clause.end]
    cells = {cell.name: cell for cell in row_cells(line, names)}
    if len(cells) < 2:
        return None
    n = _cite(block.doc, units[0].start, units[-1].end, citations)
    return [(0, f"{name}: {' '.join(line[cells[name].start:cells[name].end].split()) or '(để trống)'} [{n}]")
            for name in names if name in cells]


def _runs(units: tuple[Unit, ...]) -> list[list[Unit]]:
    """Maximal runs of consecutive units within one top-level clause."""
    runs: list[list[Unit]] = []
    for unit in units:
        if runs and runs[-1][-1].seq + 1 == unit.seq and runs[-1][-1].top_id == unit.top_id:
            runs[-1].append(unit)
        else:
            runs.append([unit])
    return runs


def _cite(doc: DocUnits, start: int, end: int, citations: list[Citation]) -> int:
    for c in citations:
        if c.doc_id == doc.doc.meta.id and c.char_start == start and c.char_end == end:
            return c.n
    meta = doc.doc.meta
    label = _label(doc, start, end)
    source_start, source_end = doc.doc.norm.source_span(start, end)
    citation = f"{label} {meta.short_title}" if meta.kind in _LAW_KINDS else f"{meta.short_title}, {label}"
    n = len(citations) + 1
    citations.append(Citation(
        n=n, doc_id=meta.id, doc_title=meta.title, short_title=meta.short_title, status=meta.status or "unknown",
        clause=label, citation=citation, quote=doc.doc.text[start:end], char_start=start, char_end=end,
        source_start=source_start, source_end=source_end,
    ))
    return n


def _label(doc: DocUnits, start: int, end: int) -> str:
    clause = doc.deepest(start, end)
    return clause.label if clause is not None else "Đoạn không đánh số"


def _warnings(blocks: list[Block]) -> list[str]:
    warnings = []
    for meta in dict((b.doc.doc.meta.id, b.doc.doc.meta) for b in blocks).values():
        if meta.status == "draft":
            warnings.append(f"{meta.short_title} là dự thảo: nội dung có thể thay đổi khi văn bản được ban hành.")
        elif meta.status == "amended":
            note = f" {meta.notes}" if meta.notes else ""
            warnings.append(f"{meta.short_title} đã được sửa đổi, bổ sung; cần đối chiếu văn bản hợp nhất.{note}")
        elif meta.status == "expired":
            warnings.append(f"{meta.short_title} đã hết hiệu lực: chỉ dùng để tham khảo.")
        elif _unvouched(meta):
            warnings.append(f"{meta.short_title} chưa rõ số hiệu, cơ quan ban hành và tình trạng hiệu lực: "
                            "cần kiểm tra nguồn gốc văn bản trước khi sử dụng.")
    for block in blocks:
        confidence = block.doc.doc.ocr_confidence(block.units[0].start, block.units[-1].end)
        if confidence is not None:
            warnings.append(f"Đoạn trích từ {block.doc.doc.meta.short_title} được nhận dạng từ bản quét (OCR, độ tin "
                            f"cậy {confidence:.0f}%): cần đối chiếu với bản gốc trước khi sử dụng.")
    return list(dict.fromkeys(warnings))


def _unvouched(meta) -> bool:
    """A document whose status nobody recorded (an anonymous file added without metadata)."""
    return (meta.status or "unknown") == "unknown"
