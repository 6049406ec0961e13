"""Coverage check of a drafted plan against the guidance for its level and period.

``check_draft`` reports: the sections the framework requires that the draft lacks (and the task
groups of its "Nhiệm vụ" part); the upper-level tasks for its level it does not hold; deadlines later
than the parent plan's (or than the upper-level task's); legal bases whose number or date contradicts
the corpus. Every finding cites the source that requires or contradicts it.

Whether the draft holds an upper-level task is decided in one place (``_holding``): a row's task cell
or a line of the draft holds the task when it has ``COVERAGE`` of the task's content words. The
missing-task check and the deadline check both use it, so a row used for one is never reported
missing by the other.

>>> report = check_draft(kb, Path("ke-hoach-cds-xa.docx"), level="xa", period="2025")   # doctest: +SKIP
>>> [f.message for f in report.findings if f.kind == "missing_section"]             # doctest: +SKIP
['Thiếu mục “Kinh phí thực hiện” (…)']
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from assistant.drafting._builder import line_span, title_span
from assistant.drafting._deadlines import parse_deadline
from assistant.drafting._frameworks import Framework
from assistant.drafting._legal_bases import find_references
from assistant.drafting._reading import Draft, read_draft
from assistant.drafting._text import fold, jaccard, main_clause, terms
from assistant.drafting.models import CheckFinding, CheckReport
from assistant.drafting.knowledge import KnowledgeBase, KnowledgeError, area_keys
from assistant.schemas import Citation
from assistant.drafting.tasks import draft_tasks
from ingest.model import Span

# An upper-level task is held by a row's task cell or a line of the draft that has this share of its content words.
COVERAGE = 0.6
# A legal reference with a number the corpus does not know is a likely wrong number when its title
# matches an indexed document of the same kind this closely.
TITLE_MATCH = 0.6
_NUMBERING = re.compile(r"^(?:phan\s+)?(?:[ivxlc]+|\d+(?:\.\d+)*|[a-z])[.):]?\s+")


@dataclass(frozen=True)
class _Unit:
    """Where a draft can hold a task: a row's task cell (with its deadline) or a line of text."""

    words: frozenset[str]
    deadline: Span | None


def check_draft(kb: KnowledgeBase, path: Path, level: str | None = None, period: str | None = None,
                max_bytes: int = 20 * 1024 * 1024) -> CheckReport:
    """Check a drafted plan.

    :param path: the draft (.docx, .md, .txt; anything ``cds ingest`` reads).
    :param level: "xa", "tinh" or "bo"; None: read from the draft's title.
    :param period: a period with a framework ("2025", "2026-2030"); None: read from the draft's title.
    :raises KnowledgeError: the level or period cannot be read from the draft and was not given, or
        has no framework.
    :raises LoadError: the file cannot be read.
    """
    draft = read_draft(path, max_bytes)
    level = level or _infer_level(draft.text)
    period = period or _infer_period(kb, draft.text)
    framework = kb.framework(level, period)
    units = [_Unit(terms(r.task.text), r.deadline) for r in draft.rows]
    units += [_Unit(terms(draft.text[a:b]), None) for a, b in draft.lines()]
    findings = [*_sections(kb, draft, framework), *_groups(kb, draft, framework),
                *_uncovered(kb, units, level, framework), *_deadlines(kb, draft, units, framework), *_legal(kb, draft)]
    counts = Counter(f.kind for f in findings)
    return CheckReport(file=str(path), level=level, period=period, framework=framework.name,
                       findings=findings, counts=dict(counts), sections_found=draft.headings())


def _holding(task: str, units: list[_Unit]) -> tuple[float, _Unit | None]:
    """The unit of the draft that holds ``task`` best, with the share of the words of the task's main
    clause it has (the details after it may be left out); (0, None) when none has ``COVERAGE`` of them
    (and at least two)."""
    wanted = terms(main_clause(task))
    best: tuple[float, _Unit | None] = (0.0, None)
    for unit in units:
        shared = len(wanted & unit.words)
        if shared >= max(2, COVERAGE * len(wanted)) and shared / len(wanted) > best[0]:
            best = shared / len(wanted), unit
    return best


def _infer_level(text: str) -> str:
    """The level the title names (its first line; else the opening text)."""
    title = next((line for line in text.split("\n") if line.strip()), "")
    for head in (fold(title), fold(text[:600])):
        for level, pattern in (("xa", r"\b(?:cap xa|xa|phuong|thi tran)\b"),
                               ("tinh", r"\b(?:cap tinh|tinh|thanh pho)\b"), ("bo", r"\b(?:cap bo|bo|nganh)\b")):
            if re.search(pattern, head):
                return level
    raise KnowledgeError("Không xác định được cấp của bản kế hoạch từ tiêu đề; hãy chỉ rõ bằng --level xa|tinh|bo.")


def _infer_period(kb: KnowledgeBase, text: str) -> str:
    head = " ".join(text[:600].split())
    for period in sorted(kb.frameworks.periods(), key=len, reverse=True):  # ranges before single years
        if re.search(r"\s*[-–]\s*".join(map(re.escape, period.split("-"))), head):
            return period
    raise KnowledgeError("Không xác định được giai đoạn của bản kế hoạch từ tiêu đề; hãy chỉ rõ bằng "
                         f"--period ({', '.join(kb.frameworks.periods())}).")


def _heading_keys(draft: Draft) -> list[str]:
    return [_NUMBERING.sub("", " ".join(fold(t).split())) for t in draft.headings()]


def _sections(kb: KnowledgeBase, draft: Draft, framework: Framework) -> list[CheckFinding]:
    headings = _heading_keys(draft)
    findings = []
    for req in framework.required:
        words = " ".join(fold(req.heading).split())
        if any(h.startswith(words) or f", {words}" in h for h in headings):
            continue
        cite = _clause_citation(kb, req.doc, req.clause)
        findings.append(CheckFinding(kind="missing_section", expected=req.title, sources=[cite],
                                     message=f"Thiếu mục “{req.title}” mà {cite.citation} yêu cầu."))
    return findings


def _groups(kb: KnowledgeBase, draft: Draft, framework: Framework) -> list[CheckFinding]:
    """Task groups of the framework with no heading of the same area in the draft."""
    covered = {key for title in draft.headings() for key in area_keys(title)}
    doc_id = framework.groups.doc
    doc = kb.document(doc_id)
    kb.clause(doc_id, framework.groups.clause)
    findings = []
    for group in kb.children(doc_id, framework.groups.clause):
        if group.kind not in ("section", "bullet"):
            continue
        start, end = title_span(doc, group) if group.kind == "section" else line_span(doc, group)
        name = doc.text[start:end].split(":", 1)[0]
        keys = set(area_keys(name)) | {k for sub in kb.children(doc_id, group.id) if sub.kind == "section"
                                       for k in area_keys(sub.title)}
        if not keys or keys & covered:
            continue
        cite = kb.citation(doc_id, start, start + len(name), group)
        findings.append(CheckFinding(kind="missing_group", expected=name, sources=[cite],
                                     message=f"Phần nhiệm vụ chưa có nhóm “{name}” ({cite.citation})."))
    return findings


def _uncovered(kb: KnowledgeBase, units: list[_Unit], level: str, framework: Framework) -> list[CheckFinding]:
    """Upper-level tasks of the level (rows with an upstream lead) that the draft does not hold."""
    findings = []
    for row in draft_tasks(kb, level, framework.period).rows:
        if row.upstream_lead is None or _holding(row.task, units)[1] is not None:
            continue  # guidance for the level itself, or held by the draft
        short = row.task if len(row.task) <= 160 else row.task[:157].rsplit(" ", 1)[0] + "…"
        findings.append(CheckFinding(kind="uncovered_task", expected=row.task, sources=row.sources[:1],
                                     message=f"Chưa có nhiệm vụ cấp trên: “{short}” ({row.sources[0].citation})."))
    return findings


def _deadlines(kb: KnowledgeBase, draft: Draft, units: list[_Unit], framework: Framework) -> list[CheckFinding]:
    limit = framework.end
    limit_label = f"31/12/{limit[0]}" if "-" not in framework.period else f"năm {limit[0]}"
    records = [t for t in kb.tasks(doc_ids=framework.records) if t.deadline.end is not None] if framework.records else []
    rows = [u for u in units if u.deadline is not None]
    held: dict[int, tuple[tuple[float, float], object]] = {}  # id(unit) -> (score, record): each row's upper-level task
    for record in records:
        share, unit = _holding(record.record.task.text, rows)
        if unit is None:
            continue
        score = share, jaccard(terms(record.record.task.text), unit.words)  # of two held tasks, the row's own
        if score > held.get(id(unit), ((0.0, 0.0), None))[0]:
            held[id(unit)] = score, record
    findings = []
    spans = [(u.deadline, held.get(id(u), (None, None))[1]) for u in rows] + [(s, None) for s in draft.deadline_lines]
    for span, match in spans:
        if span.text.startswith("["):
            continue  # a placeholder for the drafter, not a deadline
        deadline = parse_deadline(re.split(r"\n|<br>", span.text)[0])  # further lines may quote the upper level
        line = draft.line_number(span.start)
        if deadline.later_than(limit):
            findings.append(CheckFinding(
                kind="late_deadline", draft_text=span.text, draft_line=line, expected=f"không muộn hơn {limit_label}",
                message=f"Dòng {line}: thời hạn “{span.text}” muộn hơn thời hạn của kế hoạch ({limit_label})."))
        elif match is not None and deadline.later_than(match.deadline.end):
            findings.append(_late_upstream(kb, span, line, match))
    return findings


def _late_upstream(kb: KnowledgeBase, span: Span, line: int, match) -> CheckFinding:
    cite = kb.citation(match.doc_id, match.record.start, match.record.end,
                       kb.clause(match.doc_id, match.record.clause_id))
    return CheckFinding(kind="late_deadline", draft_text=span.text, draft_line=line, expected=match.deadline.label,
                        sources=[cite], message=f"Dòng {line}: thời hạn “{span.text}” muộn hơn thời hạn của nhiệm vụ "
                                                f"cấp trên “{match.deadline.label}” ({cite.citation}).")


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
