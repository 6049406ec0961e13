"""Coverage check of a drafted plan against the guidance for its level and period.

``check_draft`` reports: the sections the framework requires that the draft lacks (and the task
groups of its "Nhiệm vụ" part); the upper-level tasks for its level it does not cover; deadlines later
than the parent plan's (or than the upper-level task's); legal bases whose number or date contradicts
the corpus. Every finding cites the source that requires or contradicts it.

>>> report = check_draft(kb, Path("ke-hoach-cds-xa.docx"), level="xa", period="2025")   # doctest: +SKIP
>>> [f.message for f in report.findings if f.kind == "missing_section"]             # doctest: +SKIP
['Thiếu mục “Kinh phí thực hiện” (…)']
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from assistant.drafting import _frameworks as fw
from assistant.drafting._builder import line_span, title_span
from assistant.drafting._deadlines import parse_deadline
from assistant.drafting._legal_bases import find_references
from assistant.drafting._reading import Draft, read_draft
from assistant.drafting._text import fold, jaccard, terms
from assistant.drafting.models import CheckFinding, CheckReport
from assistant.drafting.knowledge import KnowledgeBase, KnowledgeError, area_keys
from assistant.schemas import Citation
from assistant.drafting.tasks import DUPLICATE_THRESHOLD, draft_tasks

# An upper-level task counts as covered when a line of the draft holds this share of its content words.
COVERAGE = 0.6
# A legal reference with a number the corpus does not know is a likely wrong number when its title
# matches an indexed document of the same kind this closely.
TITLE_MATCH = 0.6


@dataclass(frozen=True)
class _Required:
    title: str  # as the framework names it
    pattern: str  # on the folded start of a draft heading
    doc_id: str
    clause_id: str


_X24 = fw.FRAMEWORK_2024
_REQUIRED = {
    "2026-2030": (
        _Required("Căn cứ lập kế hoạch", r"can cu", fw.KHUNG_2026, "I"),
        _Required("Mục tiêu", r"muc tieu", fw.KHUNG_2026, "II"),
        _Required("Nhiệm vụ, giải pháp", r"nhiem vu", fw.KHUNG_2026, "III"),
        _Required("Giải pháp", r"(?:nhiem vu, )?giai phap", fw.KHUNG_2026, "IV"),
        _Required("Tổ chức thực hiện", r"to chuc thuc hien", fw.KHUNG_2026, "V"),
        _Required("Danh mục nhiệm vụ, dự án", r"danh muc", fw.KHUNG_2026, "VI"),
    ),
    "2025": (
        _Required("Đánh giá kết quả triển khai năm 2024", r"danh gia", fw.CV_3816, "I/1"),
        _Required("Căn cứ lập kế hoạch", r"can cu", fw.HUONG_DAN_XA, f"{_X24}/-1"),
        _Required("Mục tiêu", r"muc tieu", fw.HUONG_DAN_XA, f"{_X24}/-2"),
        _Required("Nhiệm vụ", r"nhiem vu", fw.HUONG_DAN_XA, f"{_X24}/-3"),
        _Required("Giải pháp", r"(?:nhiem vu, )?giai phap", fw.HUONG_DAN_XA, f"{_X24}/-4"),
        _Required("Kinh phí thực hiện", r"kinh phi", fw.HUONG_DAN_XA, f"{_X24}/-5"),
        _Required("Tổ chức thực hiện", r"to chuc thuc hien", fw.HUONG_DAN_XA, f"{_X24}/-6"),
        _Required("Danh mục nhiệm vụ, dự án", r"danh muc", fw.HUONG_DAN_XA, f"{_X24}/-7"),
    ),
    "xa": (
        _Required("Căn cứ lập kế hoạch", r"(?:nguyen tac, )?can cu", fw.HUONG_DAN_XA, "2/2.1/b"),
        _Required("Mục tiêu", r"muc tieu", fw.HUONG_DAN_XA, "2/2.2"),
        _Required("Nhiệm vụ", r"nhiem vu", fw.HUONG_DAN_XA, "2/2.3"),
        _Required("Giải pháp", r"(?:nhiem vu, )?giai phap", fw.HUONG_DAN_XA, "2/2.4"),
        _Required("Kinh phí thực hiện", r"kinh phi", fw.HUONG_DAN_XA, "2/2.5"),
        _Required("Tổ chức thực hiện", r"to chuc thuc hien", fw.HUONG_DAN_XA, "2/2.6"),
        _Required("Danh mục nhiệm vụ, dự án", r"danh muc", fw.HUONG_DAN_XA, "2/2.7"),
    ),
}
_NUMBERING = re.compile(r"^(?:phan\s+)?(?:[ivxlc]+|\d+(?:\.\d+)*|[a-z])[.):]?\s+")


def check_draft(kb: KnowledgeBase, path: Path, level: str | None = None, period: str | None = None,
                max_bytes: int = 20 * 1024 * 1024) -> CheckReport:
    """Check a drafted plan.

    :param path: the draft (.docx, .md, .txt; anything ``cds ingest`` reads).
    :param level: "xa", "tinh" or "bo"; None: read from the draft's title.
    :param period: "2025" or "2026-2030"; None: read from the draft's title.
    :raises KnowledgeError: the level or period cannot be read from the draft and was not given.
    :raises LoadError: the file cannot be read.
    """
    draft = read_draft(path, max_bytes)
    level = level or _infer_level(draft.text)
    period = period or _infer_period(draft.text)
    findings = [*_sections(kb, draft, level, period), *_groups(kb, draft, level, period),
                *_uncovered(kb, draft, level, period), *_deadlines(kb, draft, level, period), *_legal(kb, draft)]
    counts = Counter(f.kind for f in findings)
    return CheckReport(file=str(path), level=level, period=period, framework=fw.framework_name(level, period),
                       findings=findings, counts=dict(counts), sections_found=draft.headings())


def _infer_level(text: str) -> str:
    head = fold(text[:600])
    for level, pattern in (("xa", r"\b(?:cap xa|xa|phuong|thi tran)\b"), ("tinh", r"\b(?:cap tinh|tinh|thanh pho)\b"),
                           ("bo", r"\b(?:cap bo|bo|nganh)\b")):
        if re.search(pattern, head):
            return level
    raise KnowledgeError("Không xác định được cấp của bản kế hoạch từ tiêu đề; hãy chỉ rõ bằng --level xa|tinh|bo.")


def _infer_period(text: str) -> str:
    head = text[:600]
    if re.search(r"2026\s*[-–]\s*2030", head):
        return "2026-2030"
    if "2025" in head:
        return "2025"
    raise KnowledgeError("Không xác định được giai đoạn của bản kế hoạch từ tiêu đề; hãy chỉ rõ bằng "
                         "--period 2025 hoặc --period 2026-2030.")


def _heading_keys(draft: Draft) -> list[str]:
    return [_NUMBERING.sub("", " ".join(fold(t).split())) for t in draft.headings()]


def _sections(kb: KnowledgeBase, draft: Draft, level: str, period: str) -> list[CheckFinding]:
    headings = _heading_keys(draft)
    findings = []
    for req in _REQUIRED["xa" if level == "xa" else period]:
        if any(re.match(req.pattern, h) for h in headings):
            continue
        cite = _clause_citation(kb, req.doc_id, req.clause_id)
        findings.append(CheckFinding(kind="missing_section", expected=req.title, sources=[cite],
                                     message=f"Thiếu mục “{req.title}” mà {cite.citation} yêu cầu."))
    return findings


def _groups(kb: KnowledgeBase, draft: Draft, level: str, period: str) -> list[CheckFinding]:
    """Task groups of the framework with no heading of the same area in the draft."""
    covered = {key for title in draft.headings() for key in area_keys(title)}
    if level == "xa":
        doc_id, groups = fw.HUONG_DAN_XA, [c for c in kb.children(fw.HUONG_DAN_XA, fw.TASKS_XA) if c.kind == "section"]
    elif period == "2026-2030":
        doc_id, groups = fw.KHUNG_2026, [c for c in kb.children(fw.KHUNG_2026, "III") if c.kind == "section"]
    else:
        doc_id, groups = fw.HUONG_DAN_XA, [c for c in kb.children(fw.HUONG_DAN_XA, f"{_X24}/-3") if c.kind == "bullet"]
    doc = kb.document(doc_id)
    findings = []
    for group in groups:
        start, end = title_span(doc, group) if group.kind == "section" else line_span(doc, group)
        name = doc.text[start:end].split(":", 1)[0]
        keys = set(area_keys(name)) | {k for sub in kb.children(doc_id, group.id) if sub.kind == "section"
                                       for k in area_keys(sub.title)}
        if keys & covered:
            continue
        cite = kb.citation(doc_id, start, start + len(name), group)
        findings.append(CheckFinding(kind="missing_group", expected=name, sources=[cite],
                                     message=f"Phần nhiệm vụ chưa có nhóm “{name}” ({cite.citation})."))
    return findings


def _uncovered(kb: KnowledgeBase, draft: Draft, level: str, period: str) -> list[CheckFinding]:
    """Upper-level task records of the level that no line of the draft covers."""
    lines = [terms(draft.text[a:b]) for a, b in draft.lines()]
    findings = []
    for row in draft_tasks(kb, level, period).rows:
        if row.lead_reference is None:
            continue  # guidance for the level, not an upper-level task
        wanted = terms(row.task)
        if any(len(wanted & line) >= max(2, COVERAGE * len(wanted)) for line in lines):
            continue
        short = row.task if len(row.task) <= 160 else row.task[:157].rsplit(" ", 1)[0] + "…"
        findings.append(CheckFinding(kind="uncovered_task", expected=row.task, sources=row.sources[:1],
                                     message=f"Chưa có nhiệm vụ cấp trên: “{short}” ({row.sources[0].citation})."))
    return findings


def _deadlines(kb: KnowledgeBase, draft: Draft, level: str, period: str) -> list[CheckFinding]:
    limit = fw.plan_end(period)
    limit_label = "31/12/2025" if period == "2025" else "năm 2030"
    records = [t for t in kb.tasks(doc_ids=fw.record_docs(period)) if t.deadline.end is not None]
    findings = []
    spans = [(r.deadline, r.task.text) for r in draft.rows] + [(s, None) for s in draft.deadline_lines]
    for span, task in spans:
        deadline = parse_deadline(re.split(r"\n|<br>", span.text)[0])  # further lines may quote the upper level
        line = draft.line_number(span.start)
        if deadline.later_than(limit):
            findings.append(CheckFinding(
                kind="late_deadline", draft_text=span.text, draft_line=line, expected=f"không muộn hơn {limit_label}",
                message=f"Dòng {line}: thời hạn “{span.text}” muộn hơn thời hạn của kế hoạch ({limit_label})."))
            continue
        match = _upper_record(task, records) if task else None
        if match is not None and deadline.later_than(match.deadline.end):
            cite = kb.citation(match.doc_id, match.record.start, match.record.end,
                               kb.clause(match.doc_id, match.record.clause_id))
            findings.append(CheckFinding(
                kind="late_deadline", draft_text=span.text, draft_line=line, expected=match.deadline.label,
                sources=[cite], message=f"Dòng {line}: thời hạn “{span.text}” muộn hơn thời hạn của nhiệm vụ cấp trên "
                                        f"“{match.deadline.label}” ({cite.citation})."))
    return findings


def _upper_record(task: str, records):
    vec = terms(task)
    scored = [(jaccard(vec, terms(t.record.task.text)), t) for t in records]
    score, best = max(scored, key=lambda s: s[0], default=(0.0, None))
    return best if score >= DUPLICATE_THRESHOLD else None


def _legal(kb: KnowledgeBase, draft: Draft) -> list[CheckFinding]:
    """Legal references whose date differs from the corpus, or whose number the corpus gives otherwise."""
    findings = []
    for ref in find_references(draft.text):
        if not ref.number_known:
            continue
        line = draft.line_number(ref.start)
        base = kb.legal_base(ref)
        if base is not None:
            if ref.date and base.dates and ref.date not in base.dates:
                cite = _mention_citation(kb, base, with_date=True)
                findings.append(CheckFinding(
                    kind="legal_mismatch", draft_text=ref.text, draft_line=line, expected=_vi_date(base.date),
                    sources=[cite], message=f"Dòng {line}: {ref.kind} số {ref.number} ghi ngày {_vi_date(ref.date)}, "
                                            f"nhưng {cite.citation} ghi ngày {_vi_date(base.date)}."))
            continue
        similar = _same_title(kb, ref)
        if similar is not None:
            cite = _mention_citation(kb, similar, with_date=False)
            findings.append(CheckFinding(
                kind="legal_mismatch", draft_text=ref.text, draft_line=line, expected=similar.number, sources=[cite],
                message=f"Dòng {line}: {ref.kind} số {ref.number} không có trong kho tài liệu; văn bản cùng trích "
                        f"yếu trong {cite.citation} có số {similar.number}."))
    return findings


def _same_title(kb: KnowledgeBase, ref):
    if not ref.title:
        return None
    wanted = terms(ref.title)
    best = max(((jaccard(wanted, terms(b.title)), b) for b in kb.legal_bases.values()
                if b.title and b.kind == ref.kind and b.number), key=lambda s: s[0], default=(0.0, None))
    return best[1] if best[0] >= TITLE_MATCH else None


def _mention_citation(kb: KnowledgeBase, base, with_date: bool) -> Citation:
    doc_id, ref = next(((d, r) for d, r in base.mentions if r.date or not with_date), base.mentions[0])
    return kb.citation(doc_id, ref.start, ref.end)


def _clause_citation(kb: KnowledgeBase, doc_id: str, clause_id: str) -> Citation:
    doc, clause = kb.document(doc_id), kb.clause(doc_id, clause_id)
    start, end = title_span(doc, clause) if clause.kind == "section" else line_span(doc, clause)
    return kb.citation(doc_id, start, end, clause)


def _vi_date(iso: str | None) -> str:
    if not iso:
        return "(không ghi)"
    year, month, day = iso.split("-")
    return f"{day}/{month}/{year}"
