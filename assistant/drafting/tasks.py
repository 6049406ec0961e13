"""Task tables for a plan: rows from the upper-level task records and from the guidance for the level,
each with the role the plan's own body has in it, de-duplicated across sources, every row cited.

Roles come from the sources. A row the guidance assigns to the plan's level, or an upper-level row led
by the bodies of that level as a whole ("Các bộ, ngành, địa phương" for a province or a ministry), is
led by the plan's body. Where a named central body leads and the level takes part (as lead among
others, or as a coordinating body), the row keeps that lead and the plan's body is a partner
("phối hợp"). Rows where the level has no role are left out. In national documents "địa phương" is a
province: a commune takes part in an upper-level row only where the row reaches the grassroots
(communes, villages, households, every citizen) or the commune guide sets the same task. Making
policy, amending legal documents, tax and visa incentives are never a commune's or a province's to
lead, even where the row names localities among its leads.

>>> table = draft_tasks(kb, level="xa", period="2025", area="ha tang so")      # doctest: +SKIP
>>> table.rows[0].lead                                                          # doctest: +SKIP
'UBND xã [Tên xã]'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.drafting._agencies import REORGANISATION_2025, AgencyRef, lookup
from assistant.drafting._builder import Builder, inline_body, line_span, own_lines
from assistant.drafting._deadlines import Deadline
from assistant.drafting._frameworks import Framework, TaskRoot, local_body
from assistant.drafting._text import fold, jaccard, main_clause, terms
from assistant.drafting.models import DeadlineOut, DraftItem, RecordRef, TaskRow, TaskTable, period_vi
from assistant.drafting.knowledge import AREAS, STATUS_VI, KnowledgeBase, KnowledgeError, TaskItem, area_keys, resolve_area
from ingest.model import Clause

COLUMNS = ["STT", "Nhiệm vụ", "Kết quả dự kiến", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời hạn", "Căn cứ/Nguồn"]
FUNDING_COLUMN = "Kinh phí, nguồn vốn"
LEAD, PARTNER = "chủ trì", "phối hợp"
# Two rows of different documents, one area and one role are one task when the Jaccard overlap of their
# content words reaches this. Measured over every level and period of the corpus: the duplicates found
# score 0.39-0.56 (004 "Cung cấp 100% dữ liệu mở …" / 003 "Cung cấp dữ liệu mở" 0.56; 004 / 001 "… hệ
# thống thông tin giải quyết thủ tục hành chính" 0.39); the closest distinct pair scores 0.38 (004 "Xây
# dựng bộ tiêu chí đánh giá mức độ chuyển đổi số doanh nghiệp" / 003 "Chuyển đổi số doanh nghiệp nhỏ và vừa").
DUPLICATE_THRESHOLD = 0.39
_LEVEL_WORD = {"xa": "xã", "tinh": "tỉnh", "bo": "bộ"}
_CENTRAL = ("ministry", "central")
_GUIDANCE_LINE = re.compile(r"^(?:Xác định|Các nhiệm vụ, giải pháp|Tùy theo|Tuỳ theo|Trong xây dựng kế hoạch)")
_ADDRESSED = ((re.compile(r"^(?:dong thoi )?cac bo, nganh"), "bo"), (re.compile(r"^cac dia phuong"), "tinh xa"))
# What only the centre does (folded text): policies and mechanisms, legal documents and their
# amendment, the legal framework, mandatory regulations, tax and visa incentives (002 Lĩnh vực I, II.12,
# II.14, V.7, VI.12; 004 Mục II.1-2).
_CENTRAL_ONLY = re.compile(r"chinh sach|van ban quy pham phap luat|van ban phap luat|sua doi|hanh lang phap ly"
                           r"|ban hanh (?:hoac trinh [^.;]*)?quy dinh|quy dinh bat buoc|uu dai[^.;]*\bthue\b|thi thuc|visa")
# Where an upper-level row reaches the grassroots a commune serves (NFC lower case).
_GRASSROOTS = re.compile(r"cấp xã|các xã|tại cơ sở|truyền thông cơ sở|\bthôn\b|\blàng\b|hộ gia đình|mỗi người dân"
                         r"|người dân trưởng thành|cho người dân|trên địa bàn")


@dataclass
class _Candidate:
    doc_id: str
    clause: Clause
    start: int  # the task text
    end: int
    areas: tuple[str, ...]
    role: str
    item: TaskItem | None = None  # None: a guidance entry
    root: TaskRoot | None = None  # the guidance a guidance entry comes from
    merged: list[_Candidate] = field(default_factory=list)

    def text(self, kb: KnowledgeBase) -> str:
        return kb.document(self.doc_id).text[self.start : self.end]


def draft_tasks(kb: KnowledgeBase, level: str, period: str, area: str | None = None, agency: str | None = None,
                funding: bool = False, book: Builder | None = None) -> TaskTable:
    """Draft the task table of a plan: the rows the plan's body leads, then those it takes part in.

    :param level: "xa", "tinh" or "bo".
    :param period: a period with a framework in frameworks.json ("2025", "2026-2030").
    :param area: an area in any accepted spelling ("ha tang so", "ATTT"); None for every area.
    :param agency: keep the rows this agency leads or coordinates upstream; at level "bo" it is also the
        body that leads the rows.
    :param funding: add the "Kinh phí, nguồn vốn" column a plan's task list needs.
    :param book: number citations in this builder's sequence (a table inside a section draft).
    :raises KnowledgeError: unknown area, agency, or level and period without a framework.
    """
    framework = kb.framework(level, period)
    area_key = resolve_area(area) if area else None
    if agency and lookup(agency) is None and not kb.tasks(agency=agency):
        raise KnowledgeError(f"Không tìm thấy cơ quan {agency!r} trong các nhiệm vụ của kho tài liệu.")
    own = _guidance(kb, level, framework, LEAD)
    candidates = [c for c in _records(kb, framework, level, agency, own) if area_key is None or area_key in c.areas]
    if not agency:
        candidates += [c for c in [*own, *_guidance(kb, level, framework, PARTNER, own)]
                       if area_key is None or area_key in c.areas]
    rows = _merge(kb, candidates)
    order = list(AREAS)
    rows.sort(key=lambda c: (c.role != LEAD, order.index(_area_of(c, area_key))))
    book = book or Builder(kb, framework.start_year)
    table_rows = [_row(kb, book, i + 1, c, _area_of(c, area_key), level, framework, agency, funding)
                  for i, c in enumerate(rows)]
    title = "Danh mục nhiệm vụ" + (f" — {AREAS[area_key]}" if area_key else "")
    return TaskTable(title=title, level=level, period=period, area=area_key,
                     columns=[*COLUMNS[:-1], *([FUNDING_COLUMN] if funding else []), COLUMNS[-1]],
                     rows=table_rows, notes=_notes(kb, book, rows, framework), citations=book.citations)


def record_role(item: TaskItem, level: str, agency: str | None = None) -> str | None:
    """The role of a plan at ``level`` (of ``agency``, for a ministry) in an upper-level task record:
    "chủ trì", "phối hợp", or None when the record gives the level no role.

    A body of the level leads when the record's leads address the level as a whole and name no central
    body besides (or name the ministry itself); it is a partner when it is named among leads or
    coordinating bodies otherwise. Communes and provinces never lead what only the centre does.
    """
    entry = lookup(agency) if agency else None
    covers = _covers(level, agency)
    central = any(r.kind in _CENTRAL for r in item.leads)
    centre_only = level != "bo" and _central_only(item.record.task.text)
    if level == "xa":
        if any(covers(r) for r in item.leads) and not central and not centre_only:
            return LEAD
        localities = any(covers(r) or "tỉnh" in r.levels for r in item.leads + item.coordinating)
        return PARTNER if localities and _grassroots(item.record.task.text) else None
    itself = entry is not None and any(r.current == entry.current for r in item.leads)
    if itself or (any(covers(r) for r in item.leads) and not central and not centre_only):
        return LEAD
    return PARTNER if any(covers(r) for r in item.leads + item.coordinating) else None


def _central_only(text: str) -> bool:
    """Whether a task's main action is one only the centre takes."""
    return bool(_CENTRAL_ONLY.search(fold(main_clause(text))))


def _grassroots(text: str) -> bool:
    """Whether a task's main action reaches the grassroots a commune serves."""
    return bool(_GRASSROOTS.search(main_clause(text).lower()))


def _records(kb: KnowledgeBase, framework: Framework, level: str, agency: str | None,
             own: list[_Candidate]) -> list[_Candidate]:
    out: list[_Candidate] = []
    if not framework.records:
        return out  # no upper-level task list for the period (yet); kb.tasks() without documents is every one
    for item in kb.tasks(doc_ids=framework.records, agency=agency):
        role = record_role(item, level, agency)
        if role is None and level == "xa" and _echoes(kb, item.record.task.text, own):
            role = PARTNER  # the commune guide sets the same task: the commune takes part upstream
        if role is None:
            continue
        clause = kb.clause(item.doc_id, item.record.clause_id)
        out.append(_Candidate(item.doc_id, clause, item.record.task.start, item.record.task.end, item.areas, role, item))
    return out


def _echoes(kb: KnowledgeBase, text: str, own: list[_Candidate]) -> bool:
    """Whether one of the level's own guidance entries names the whole task (every content word, at
    least three: "Phát triển trường học số" in the commune's "… giáo dục số … tại các trường …")."""
    words = terms(text)
    return len(words) >= 3 and any(words <= terms(c.text(kb)) for c in own)


def _guidance(kb: KnowledgeBase, level: str, framework: Framework, role: str,
              own: list[_Candidate] | None = None) -> list[_Candidate]:
    """Task entries of the framework's guidance with ``role``: leaf bullets and items, and task paragraphs.

    Entries a commune takes part in (upstream guidance for localities) are kept where they reach the
    grassroots or the commune's own guidance (``own``) sets the same task.
    """
    out: list[_Candidate] = []
    for root in (r for r in framework.tasks if r.role == role):
        doc = kb.document(root.doc)
        kb.clause(root.doc, root.clause)
        clauses = {c.id: c for c in doc.parsed.clauses}
        for clause in doc.parsed.clauses:
            if not _under(clause, root.clause, clauses) or clause.id == root.clause or _inline(clause, clauses):
                continue
            areas = _areas(clause, clauses)
            if not areas:
                continue
            children = kb.children(root.doc, clause.id)
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
                if role == PARTNER and not (_grassroots(text) or _echoes(kb, text, own or [])):
                    continue
                # an entry also belongs to the areas it names itself ("… an toàn, an ninh mạng" in a
                # commune's infrastructure item is its ATTT task)
                named = tuple(k for k in area_keys(text) if k not in areas)
                out.append(_Candidate(root.doc, clause, start, end, areas + named, role, root=root))
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
    """Keep one row per task: a candidate from another document, with the same role and an area in
    common, whose content words overlap an earlier row's by ``DUPLICATE_THRESHOLD`` joins that row
    (records come first, so a record's wording is kept). Tasks of one document are never merged."""
    rows: list[_Candidate] = []
    vectors: list[frozenset[str]] = []
    for cand in candidates:
        vec = terms(cand.text(kb))
        scores = [(jaccard(vec, vectors[i]), i) for i, row in enumerate(rows)
                  if row.role == cand.role and row.doc_id != cand.doc_id
                  and all(m.doc_id != cand.doc_id for m in row.merged) and set(row.areas) & set(cand.areas)]
        score, best = max(scores, default=(0.0, -1))
        if score >= DUPLICATE_THRESHOLD:
            rows[best].merged.append(cand)
        else:
            rows.append(cand)
            vectors.append(vec)
    return rows


def _area_of(cand: _Candidate, area_key: str | None) -> str:
    return area_key or cand.areas[0]


def _row(kb: KnowledgeBase, book: Builder, stt: int, cand: _Candidate, area: str, level: str, framework: Framework,
         agency: str | None, funding: bool) -> TaskRow:
    doc = kb.document(cand.doc_id)
    sources = [book.cite(c.doc_id, c.start, c.end, c.clause) for c in [cand, *cand.merged]]
    main = next((c for c in [cand, *cand.merged] if c.item), None)
    entry = lookup(agency) if agency else None
    local = local_body(level, entry.current if entry else agency)
    if main is None:
        upstream = cand.root.upstream if cand.root else None
        cite = sources[0].citation
        lead_ref = f"Nhiệm vụ giao cho {_LEVEL_WORD[level]} theo: {cite}" if upstream is None else _upstream_ref(
            cand.role, upstream, cite)
        lead = local if cand.role == LEAD else upstream
        coordinating = "[Cơ quan phối hợp]" if cand.role == LEAD else local
        result, deadline, deadline_source, normalised = "[Kết quả dự kiến]", _deadline_placeholder(framework), None, None
    else:
        item = main.item
        cite = sources[[cand, *cand.merged].index(main)]
        upstream = "; ".join(r.display for r in item.leads) or "[nguồn không ghi]"
        lead_ref = _upstream_ref(cand.role, upstream, cite.citation)
        # a collective ("Các bộ, ngành, địa phương") stays: it names the other ministries and provinces too
        others = [r.display for r in item.coordinating if not (entry and r.current == entry.current)]
        if cand.role == LEAD:
            lead, coordinating = local, "; ".join(others) if others else "[Cơ quan phối hợp]"
        else:
            lead, coordinating = upstream, "; ".join([local, *others])
        record = item.record
        result = record.result.text if record.result and record.result.text else "[Kết quả dự kiến]"
        deadline, deadline_source, normalised = _deadline(item.deadline, framework)
    labels = [cite.citation for cite in sources]
    return TaskRow(
        stt=stt, area=area, area_label=AREAS[area], task=doc.text[cand.start : cand.end], result=result,
        lead=lead, upstream_lead=upstream, lead_reference=lead_ref, role=cand.role, coordinating=coordinating,
        deadline=deadline, deadline_source=deadline_source, deadline_normalised=normalised,
        source_text="; ".join(labels), sources=sources,
        records=[RecordRef(doc_id=c.doc_id, clause_id=c.clause.id, label=c.clause.label) for c in [cand, *cand.merged]],
        funding="[Kinh phí dự kiến, nguồn vốn]" if funding else None)


def _upstream_ref(role: str, upstream: str, cite: str) -> str:
    """Where the row's lead comes from; a partner row shows the upstream lead itself, so only its source."""
    return f"Cơ quan chủ trì cấp trên: {upstream} ({cite})" if role == LEAD else f"(chủ trì theo {cite})"


def _covers(level: str, agency: str | None):
    """A predicate: whether an upper-level agency reference stands for the plan's own body."""
    word = _LEVEL_WORD[level]
    entry = lookup(agency) if agency else None

    def covers(ref: AgencyRef) -> bool:
        return word in ref.levels or (entry is not None and ref.current == entry.current)

    return covers


def _deadline(deadline: Deadline, framework: Framework) -> tuple[str, str | None, DeadlineOut]:
    """The row's deadline: the upper-level one, capped at the end of the plan's period."""
    out = DeadlineOut(raw=deadline.raw, kind=deadline.kind, label=deadline.label, year=deadline.year,
                      quarter=deadline.quarter, month=deadline.month, end_year=deadline.end_year)
    written = deadline.raw.strip().rstrip(".").strip()
    if deadline.kind == "none":
        return _deadline_placeholder(framework), None, out
    end = framework.end
    if deadline.later_than(end):
        capped = f"Tháng 12/{end[0]}" if "-" not in framework.period else str(end[0])
        return capped, written, out
    return written, None, out


def _deadline_placeholder(framework: Framework) -> str:
    return f"[Thời hạn trong {period_vi(framework.period)}]"


def _notes(kb: KnowledgeBase, book: Builder, rows: list[_Candidate], framework: Framework) -> list[DraftItem]:
    """Remarks the table needs: merged or renamed agencies, draft sources, where the other periods stand."""
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
    if any(c.role == PARTNER for c in rows):
        notes.append(DraftItem(kind="note", text="[Các dòng “phối hợp”: cơ quan cấp trên chủ trì (ghi ở cột Cơ quan "
                                                 "chủ trì), cơ quan của kế hoạch này phối hợp thực hiện.]"))
    others = [f.period for f in kb.frameworks.other_periods(framework.levels[0], framework.period)]
    if others:
        notes.append(DraftItem(kind="note", text=f"[Bảng này dành cho kế hoạch {period_vi(framework.period)}; nhiệm vụ "
                                                 f"giai đoạn khác theo nguồn khác: chọn giai đoạn {', '.join(others)}.]"))
    return notes
