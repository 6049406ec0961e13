"""Task tables for a plan: rows from the upper-level task records and from the guidance for the level,
adapted to the level, de-duplicated across sources, every row cited.

>>> table = draft_tasks(kb, level="xa", period="2025", area="ha tang so")      # doctest: +SKIP
>>> table.rows[0].lead                                                          # doctest: +SKIP
'UBND xã [Tên xã]'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.drafting import _frameworks as fw
from assistant.drafting._agencies import REORGANISATION_2025, AgencyRef, lookup
from assistant.drafting._builder import Builder, inline_body, line_span, own_lines
from assistant.drafting._deadlines import Deadline
from assistant.drafting._text import fold, jaccard, terms
from assistant.drafting.models import DeadlineOut, DraftItem, RecordRef, TaskRow, TaskTable, period_vi
from assistant.drafting.knowledge import AREAS, STATUS_VI, KnowledgeBase, KnowledgeError, TaskItem, area_keys, resolve_area
from ingest.model import Clause

COLUMNS = ["STT", "Nhiệm vụ", "Kết quả dự kiến", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời hạn", "Căn cứ/Nguồn"]
FUNDING_COLUMN = "Kinh phí, nguồn vốn"
# Two rows of different documents and one area are one task when the Jaccard overlap of their content
# words reaches this. Measured over every level and period of the corpus: the duplicates found score
# 0.39-0.56 (004 "Cung cấp 100% dữ liệu mở …" / 003 "Cung cấp dữ liệu mở" 0.56; 004 / 001 "… hệ thống
# thông tin giải quyết thủ tục hành chính" 0.39); the closest distinct pair scores 0.38 (004 "Xây dựng bộ
# tiêu chí đánh giá mức độ chuyển đổi số doanh nghiệp" / 003 "Chuyển đổi số doanh nghiệp nhỏ và vừa").
DUPLICATE_THRESHOLD = 0.39
_LEVEL_WORD = {"xa": "xã", "tinh": "tỉnh", "bo": "bộ"}
_GUIDANCE_LINE = re.compile(r"^(?:Xác định|Các nhiệm vụ, giải pháp|Tùy theo|Tuỳ theo|Trong xây dựng kế hoạch)")
_ADDRESSED = ((re.compile(r"^(?:dong thoi )?cac bo, nganh"), "bo"), (re.compile(r"^cac dia phuong"), "tinh xa"))


@dataclass
class _Candidate:
    doc_id: str
    clause: Clause
    start: int  # the task text
    end: int
    areas: tuple[str, ...]
    item: TaskItem | None = None  # None: a guidance entry
    merged: list[_Candidate] = field(default_factory=list)

    def words(self, kb: KnowledgeBase) -> frozenset[str]:
        return terms(kb.document(self.doc_id).text[self.start : self.end])


def draft_tasks(kb: KnowledgeBase, level: str, period: str, area: str | None = None, agency: str | None = None,
                funding: bool = False, book: Builder | None = None) -> TaskTable:
    """Draft the task table of a plan.

    :param level: "xa", "tinh" or "bo".
    :param period: "2025" or "2026-2030".
    :param area: an area in any accepted spelling ("ha tang so", "ATTT"); None for every area.
    :param agency: keep the rows this agency leads or coordinates upstream; at level "bo" it is also the
        body that leads the rows.
    :param funding: add the "Kinh phí, nguồn vốn" column a plan's task list needs.
    :param book: number citations in this builder's sequence (a table inside a section draft).
    :raises KnowledgeError: unknown area or agency.
    """
    area_key = resolve_area(area) if area else None
    if agency and lookup(agency) is None and not kb.tasks(agency=agency):
        raise KnowledgeError(f"Không tìm thấy cơ quan {agency!r} trong các nhiệm vụ của kho tài liệu.")
    records = [t for t in kb.tasks(doc_ids=fw.record_docs(period), area=area_key, agency=agency)
               if _applies(t, level, agency)]
    candidates = [_Candidate(t.doc_id, kb.clause(t.doc_id, t.record.clause_id), t.record.task.start,
                             t.record.task.end, t.areas, t) for t in records]
    if not agency:
        candidates += [c for c in _guidance(kb, level, period) if area_key is None or area_key in c.areas]
    rows = _merge(kb, candidates)
    order = list(AREAS)
    rows.sort(key=lambda c: order.index(_area_of(c, area_key)))
    book = book or Builder(kb)
    table_rows = [_row(kb, book, i + 1, c, _area_of(c, area_key), level, period, agency, funding)
                  for i, c in enumerate(rows)]
    title = "Danh mục nhiệm vụ" + (f" — {AREAS[area_key]}" if area_key else "")
    return TaskTable(title=title, level=level, period=period, area=area_key,
                     columns=[*COLUMNS[:-1], *([FUNDING_COLUMN] if funding else []), COLUMNS[-1]],
                     rows=table_rows, notes=_notes(kb, book, rows, period), citations=book.citations)


def _applies(item: TaskItem, level: str, agency: str | None) -> bool:
    """Whether an upper-level record is a task of a plan at ``level``.

    tỉnh: a locality leads or coordinates it; xã: localities in general lead it (a record addressed to
    provinces only is the province's); bộ: ministries lead or coordinate it, or the given ministry does.
    """
    word = _LEVEL_WORD[level]
    if level == "xa":
        return any(word in r.levels for r in item.leads)
    if level == "bo" and agency:
        return True  # already filtered to the agency's records
    return any(word in r.levels for r in item.leads + item.coordinating)


def _guidance(kb: KnowledgeBase, level: str, period: str) -> list[_Candidate]:
    """Task entries of the guidance for the level: leaf bullets and items, and task paragraphs."""
    out: list[_Candidate] = []
    for doc_id, root in fw.guidance_roots(level, period):
        doc = kb.document(doc_id)
        clauses = {c.id: c for c in doc.parsed.clauses}
        for clause in doc.parsed.clauses:
            if not _under(clause, root, clauses) or clause.id == root or _inline(clause, clauses):
                continue
            areas = _areas(clause, clauses)
            if not areas:
                continue
            children = kb.children(doc_id, clause.id)
            spans: list[tuple[int, int]] = []
            if clause.kind in ("bullet", "item"):
                start, end = line_span(doc, clause)
                if not (children and doc.text[end - 1] == ":"):  # "- Phát triển doanh nghiệp số:" heads its items
                    spans.append((start, end))
            else:
                spans += [s for s in [inline_body(doc, clause)] if s and not children]
                spans += [(a, b) for a, b in own_lines(doc, clause) if doc.text[b - 1] != ":"]  # not lead-ins
            parent = clauses.get(clause.parent) if clause.parent else None
            addressed = doc.text[slice(*line_span(doc, parent))] if parent and parent.kind == "bullet" else ""
            for start, end in spans:
                text = doc.text[start:end]
                if _GUIDANCE_LINE.match(text) or not _addressed_to(text, level) or not _addressed_to(addressed, level):
                    continue
                out.append(_Candidate(doc_id, clause, start, end, areas))
    return out


def _inline(clause: Clause, clauses: dict[str, Clause]) -> bool:
    """Whether the clause sits on its parent's first line ("+ Ban hành 4 chính sách (1) …; (2) …")."""
    parent = clauses.get(clause.parent) if clause.parent else None
    return parent is not None and clause.start < parent.heading_end


def _under(clause: Clause, root: str, clauses: dict[str, Clause]) -> bool:
    node: Clause | None = clause
    while node is not None:
        if node.id == root:
            return True
        node = clauses.get(node.parent) if node.parent else None
    return False


def _areas(clause: Clause, clauses: dict[str, Clause]) -> tuple[str, ...]:
    """The areas of the nearest enclosing group heading that names one."""
    node: Clause | None = clause
    while node is not None:
        if node.kind == "section" and (keys := area_keys(node.title)):
            return keys
        node = clauses.get(node.parent) if node.parent else None
    return ()


def _addressed_to(text: str, level: str) -> bool:
    """Entries that open with whom they address ("Các bộ, ngành triển khai …") apply to that level only."""
    folded = fold(text)
    return all(level in levels.split() for pattern, levels in _ADDRESSED if pattern.match(folded))


def _merge(kb: KnowledgeBase, candidates: list[_Candidate]) -> list[_Candidate]:
    """Keep one row per task: a candidate from another document, in the same area, whose content words
    overlap an earlier row's by ``DUPLICATE_THRESHOLD`` joins that row (records come first, so a
    record's wording is kept). Tasks of one document are never merged: each is its own row there."""
    rows: list[_Candidate] = []
    vectors: list[frozenset[str]] = []
    for cand in candidates:
        vec = cand.words(kb)
        scores = [(jaccard(vec, vectors[i]), i) for i, row in enumerate(rows)
                  if row.doc_id != cand.doc_id and all(m.doc_id != cand.doc_id for m in row.merged)
                  and set(row.areas) & set(cand.areas)]
        score, best = max(scores, default=(0.0, -1))
        if score >= DUPLICATE_THRESHOLD:
            rows[best].merged.append(cand)
        else:
            rows.append(cand)
            vectors.append(vec)
    return rows


def _area_of(cand: _Candidate, area_key: str | None) -> str:
    return area_key or cand.areas[0]


def _row(kb: KnowledgeBase, book: Builder, stt: int, cand: _Candidate, area: str, level: str, period: str,
         agency: str | None, funding: bool) -> TaskRow:
    doc = kb.document(cand.doc_id)
    sources = [book.cite(c.doc_id, c.start, c.end, c.clause) for c in [cand, *cand.merged]]
    main = next((c for c in [cand, *cand.merged] if c.item), None)
    entry = lookup(agency) if agency else None
    local = fw.local_body(level, entry.current if entry else agency)
    if main is None:
        lead, lead_ref, role, coordinating = local, None, "chủ trì", "[Cơ quan phối hợp]"
        result, deadline, deadline_source, normalised = "[Kết quả dự kiến]", _deadline_placeholder(period), None, None
    else:
        item = main.item
        cite = sources[[cand, *cand.merged].index(main)]
        covers = _covers(level, agency)
        role = "chủ trì" if any(covers(r) for r in item.leads) else "phối hợp"
        upper = "; ".join(r.display for r in item.leads) or "[nguồn không ghi]"
        lead, lead_ref = local, f"Cơ quan chủ trì cấp trên: {upper} ({cite.citation})"
        others = [r.display for r in item.coordinating if not covers(r)]
        coordinating = "; ".join(others) if others else "[Cơ quan phối hợp]"
        record = item.record
        result = record.result.text if record.result and record.result.text else "[Kết quả dự kiến]"
        deadline, deadline_source, normalised = _deadline(item.deadline, period)
    labels = [cite.citation for cite in sources]
    return TaskRow(
        stt=stt, area=area, area_label=AREAS[area], task=doc.text[cand.start : cand.end], result=result,
        lead=lead, lead_reference=lead_ref, role=role, coordinating=coordinating, deadline=deadline,
        deadline_source=deadline_source, deadline_normalised=normalised, source_text="; ".join(labels),
        sources=sources, records=[RecordRef(doc_id=c.doc_id, clause_id=c.clause.id, label=c.clause.label)
                                  for c in [cand, *cand.merged]],
        funding="[Kinh phí dự kiến, nguồn vốn]" if funding else None)


def _covers(level: str, agency: str | None):
    """A predicate: whether an upper-level agency reference stands for the plan's own body."""
    word = _LEVEL_WORD[level]
    entry = lookup(agency) if agency else None

    def covers(ref: AgencyRef) -> bool:
        return word in ref.levels or (entry is not None and ref.current == entry.current)

    return covers


def _deadline(deadline: Deadline, period: str) -> tuple[str, str | None, DeadlineOut]:
    """The row's deadline: the upper-level one, capped at the end of the plan's period."""
    out = DeadlineOut(raw=deadline.raw, kind=deadline.kind, label=deadline.label, year=deadline.year,
                      quarter=deadline.quarter, month=deadline.month, end_year=deadline.end_year)
    written = deadline.raw.strip().rstrip(".").strip()
    if deadline.kind == "none":
        return _deadline_placeholder(period), None, out
    end = fw.plan_end(period)
    if deadline.later_than(end):
        capped = f"Tháng 12/{end[0]}" if period == "2025" else str(end[0])
        return capped, written, out
    return written, None, out


def _deadline_placeholder(period: str) -> str:
    return "[Thời hạn trong năm 2025]" if period == "2025" else "[Thời hạn trong giai đoạn 2026-2030]"


def _notes(kb: KnowledgeBase, book: Builder, rows: list[_Candidate], period: str) -> list[DraftItem]:
    """Remarks the table needs: merged or renamed agencies, draft sources, where the other period stands."""
    notes: list[DraftItem] = []
    named = {r.entry.name for c in rows for m in [c, *c.merged] if m.item
             for r in m.item.leads + m.item.coordinating if r.entry and r.entry.successor}
    for name in sorted(named):
        change = kb.agency_changes[name]
        if change.evidence:
            doc_id, start, end = change.evidence
            quote = kb.document(doc_id).text[start:end]
            notes.append(DraftItem(kind="text", text=quote, sources=[book.cite(doc_id, start, end)]))
        else:
            notes.append(DraftItem(kind="note", text=f"[{change.name} nay là {change.current}: theo "
                                                      f"{REORGANISATION_2025}.]"))
    drafts = sorted({kb.document(m.doc_id).meta.short_title for c in rows for m in [c, *c.merged]
                     if kb.document(m.doc_id).meta.status == "draft"})
    if drafts:
        notes.append(DraftItem(kind="note", text=f"[Nguồn là {STATUS_VI['draft']}: {', '.join(drafts)}; "
                                                 "cần đối chiếu với văn bản được ban hành chính thức.]"))
    other = "2026-2030" if period == "2025" else "2025"
    notes.append(DraftItem(kind="note", text=f"[Bảng này dành cho kế hoạch {period_vi(period)}; nhiệm vụ "
                                             f"{period_vi(other)} theo nguồn khác: chọn giai đoạn {other}.]"))
    return notes
