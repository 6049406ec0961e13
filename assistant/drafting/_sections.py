"""The six plan sections, drafted from the parts the framework names for them (corpus/frameworks.json,
read by ``assistant.drafting._frameworks``). Every function fills a ``Builder``.

A section opens with the heading of its first part; further parts follow, a part with a label under
that label (material of another level the framework points to). Căn cứ lists legal documents only;
Nhiệm vụ follows the task groups (one area, or all); Mục tiêu pairs this period's targets with another
period's; Danh mục is the task table.
"""

from __future__ import annotations

import re

from assistant.drafting._builder import Builder, line_span
from assistant.drafting._frameworks import Framework, Part
from assistant.drafting._legal_bases import find_references
from assistant.drafting._text import jaccard, terms
from assistant.drafting.knowledge import AREAS, area_keys
from assistant.drafting.models import TaskTable, period_vi
from assistant.drafting.tasks import draft_tasks
from ingest.model import Clause

_ASIDE = re.compile(r"đồng chí|anh chị|học viên|học viện|chúng ta|\btôi\b")
_INSTRUCTION = re.compile(r"^(?:Xác định|Các nhiệm vụ|Yêu cầu|Tham khảo|Các bộ, ngành, địa phương rà soát|Mục tiêu kế hoạch"
                          r"|Tùy theo|Tuỳ theo|Nêu |Ở phần này)"
                          r"|yêu cầu bám sát|cần rõ ràng|(?:gồm|như|sau|vào):$")
_BODY = {"xa": "xã [Tên xã]", "tinh": "tỉnh [Tên tỉnh]", "bo": "[Tên bộ, ngành]"}
_PLACEHOLDERS = {
    "muc-tieu": ["[Mục tiêu tổng quát của {body}]",
                 "[Mục tiêu cụ thể, định lượng của {body} theo từng nhóm: hiện trạng [số liệu], mục tiêu {period} [số liệu]]"],
    "nhiem-vu": ["[Nhiệm vụ cụ thể của {body}: nội dung, kết quả dự kiến, thời gian, đơn vị thực hiện]"],
    "kinh-phi": ["[Tổng kinh phí dự kiến: [kinh phí dự kiến]]",
                 "[Nguồn kinh phí: [ngân sách nhà nước, nguồn hợp pháp khác: số liệu]]",
                 "[Kinh phí, nguồn vốn từng nhiệm vụ: xem Danh mục nhiệm vụ, dự án]"],
    "to-chuc": ["[Cơ quan, đơn vị được giao nhiệm vụ của {body}: phạm vi, trách nhiệm thực hiện]",
                "[Kiểm tra, giám sát: cơ quan thực hiện, thời gian]", "[Chế độ báo cáo: kỳ báo cáo, nơi nhận]"],
}
# Each target of this period is paired with its closest target of the other period when their content words, without the
# words every target has, overlap this much: the 50%/70% digital-signature targets score 0.78, the task
# monitoring targets 0.69; unrelated targets sharing a frame ("Tỷ lệ … đạt tối thiểu …") stay below 0.3.
_TARGET_PAIR = 0.5
_TARGET_FRAME = frozenset("tỷ tỉ lệ đạt tối thiểu phấn đấu người dân có số năm trên".split())


def draft_into(b: Builder, framework: Framework, section: str, level: str, area: str | None) -> TaskTable | None:
    """Fill ``b`` with ``section`` of a plan at ``level`` following ``framework``; the task table for Danh mục."""
    parts = framework.sections[section]
    if section == "can-cu":
        _can_cu(b, framework, parts, level)
        return None
    body = _BODY[level]
    emitted = 0
    for i, part in enumerate(parts):
        if section == "nhiem-vu" and not _has_groups(b, part):
            if not area:  # the solutions part: not one area's
                _open(b, part, i)
                b.bullets(part.doc, part.clause, kind="text", depth=_depth(part, i), classify=_classifier(b, part),
                          sentences=_training(b, part))
            continue
        _open(b, part, i)
        if section == "nhiem-vu":
            if b.kb.clause(part.doc, part.clause).kind != "bullet":  # a bullet part's text is its heading's
                b.body(part.doc, part.clause, kind=_classifier(b, part), depth=1)
            emitted += _groups(b, part, area, depth=1)
        else:
            b.bullets(part.doc, part.clause, kind="text", depth=_depth(part, i), classify=_classifier(b, part),
                      sentences=_training(b, part))
    if section == "nhiem-vu" and area and not emitted:
        b.note(f"[Khung kế hoạch không có nhóm nhiệm vụ riêng cho lĩnh vực {AREAS[area]}; xem các nhiệm vụ của lĩnh vực "
               "này trong Danh mục nhiệm vụ.]")
    for text in _PLACEHOLDERS.get(section, []):
        b.placeholder(text.format(body=body, period=period_vi(framework.period)), bullet=section != "muc-tieu")
    if section == "muc-tieu":
        _contrast(b, framework, level)
    if section == "nhiem-vu":
        table = draft_tasks(b.kb, level, framework.period, area)
        b.note(f"[Nhiệm vụ cấp trên và nhiệm vụ theo hướng dẫn{' của lĩnh vực' if area else ''}: {len(table.rows)} "
               "dòng, xem phần Danh mục nhiệm vụ, dự án.]")
    if section == "danh-muc":
        return draft_tasks(b.kb, level, framework.period, area, funding=True, book=b)
    return None


def _depth(part: Part, index: int) -> int:
    return 0 if index == 0 or (part.number and part.number.isupper()) else 1


def _open(b: Builder, part: Part, index: int) -> None:
    """The part's label (a note citing the clause) and heading."""
    if part.label:
        b.note(f"[{part.label.rstrip(':')}:]", why=[_cite_title(b, part)])
        if not part.number:
            return
    clause = b.kb.clause(part.doc, part.clause)
    if clause.kind == "bullet":
        _head(b, part.doc, part.clause, part.number, _depth(part, index))
    elif clause.kind != "paragraph":
        b.heading(part.doc, part.clause, part.number, _depth(part, index))


def _cite_title(b: Builder, part: Part):
    doc, clause = b.kb.document(part.doc), b.kb.clause(part.doc, part.clause)
    if clause.kind == "paragraph":
        return b.cite(part.doc, clause.start, clause.heading_end if clause.heading_end > clause.start else clause.end,
                      clause)
    return b.cite(part.doc, *line_span(doc, clause), clause)


def _training(b: Builder, part: Part) -> bool:
    return b.kb.document(part.doc).meta.kind == "training"


def _classifier(b: Builder, part: Part):
    """How a part's lines are read: a training document (manifest kind) explains, a framework proposes."""
    return _explains if _training(b, part) else _classify


def _classify(text: str) -> str | None:
    """Framework instructions are guidance; statements a plan can take over are text; asides to trainees go."""
    if _ASIDE.search(text):
        return None
    return "guidance" if _INSTRUCTION.search(text) else "text"


def _explains(text: str) -> str | None:
    """Training material explains how to write a section: all guidance (asides to trainees dropped)."""
    return None if _ASIDE.search(text) else "guidance"


def _head(b: Builder, doc_id: str, clause_id: str, number: str | None, depth: int = 0) -> None:
    """Heading from a framework bullet "Mục tiêu: Xác định …": the words before the colon, then the rest as guidance."""
    doc, clause = b.kb.document(doc_id), b.kb.clause(doc_id, clause_id)
    start, end = line_span(doc, clause)
    colon = doc.text.find(":", start, end)
    b.heading_span(doc_id, start, colon if colon > 0 else end, number, depth)
    if colon > 0 and end > colon + 1:
        rest = colon + 1
        while doc.text[rest] == " ":
            rest += 1
        b.span("guidance", doc_id, rest, end, depth=depth)


# --- Căn cứ -----------------------------------------------------------------------------------------


def _can_cu(b: Builder, framework: Framework, parts: list[Part], level: str) -> None:
    """Legal documents only, each once, with number, date, issuer and status; a document whose programme
    ends before the plan's period is left out, unless a framework of the period itself names it (flagged)."""
    seen: set[str] = set()
    left_out: list[str] = []
    for i, part in enumerate(parts):
        if i == 0:
            clause = b.kb.clause(part.doc, part.clause)
            if clause.kind == "bullet":
                _head(b, part.doc, part.clause, part.number)
            else:
                b.heading(part.doc, part.clause, part.number)
        elif part.label:
            b.note(f"[{part.label.rstrip(':')}:]", why=[_cite_title(b, part)])
        current = _covers_period(b, part.doc, framework)
        doc, clause = b.kb.document(part.doc), b.kb.clause(part.doc, part.clause)
        for ref in find_references(doc.text[clause.start : clause.end]):
            identity = ref.key or ref.text
            if not (ref.number or ref.name) or identity in seen:
                continue
            seen.add(identity)
            mark = b.mark(ref)
            if mark.expired and not current:
                left_out.append(f"{mark.label} (đến năm {mark.until})")
                continue
            start = clause.start + ref.start
            b.span("text", part.doc, start, start + len(ref.text), depth=1 if part.label else 0, bullet=True)
    b.placeholder("[Căn cứ văn bản của cấp trên giao nhiệm vụ chuyển đổi số: số, ngày, trích yếu]", bullet=True)
    b.placeholder(f"[Các văn bản khác của {_BODY[level]} có liên quan: số, ngày, trích yếu]", bullet=True)
    if left_out:
        b.note(f"[Không dùng làm căn cứ cho kế hoạch {period_vi(framework.period)} vì đã hết thời kỳ áp dụng: "
               f"{'; '.join(left_out)}.]")


def _covers_period(b: Builder, doc_id: str, framework: Framework) -> bool:
    """Whether a document is guidance for the plan's period (its manifest period reaches it)."""
    period = b.kb.document(doc_id).meta.period or ""
    years = [int(y) for y in re.findall(r"\d{4}", period)]
    return bool(years) and max(years) >= framework.start_year


# --- Nhiệm vụ -----------------------------------------------------------------------------------------


def _group_heads(b: Builder, part: Part) -> list[tuple[Clause, tuple[str, ...]]]:
    """The task groups under a part with their areas: sections with an area title, or bullets whose
    head names one ("+ Hạ tầng số: Xác định …")."""
    doc = b.kb.document(part.doc)
    out = []
    for child in b.kb.children(part.doc, part.clause):
        if child.kind == "section":
            keys = area_keys(child.title) + tuple(k for sub in b.kb.children(part.doc, child.id)
                                                  if sub.kind == "section" for k in area_keys(sub.title))
        elif child.kind == "bullet":
            start, end = line_span(doc, child)
            keys = area_keys(doc.text[start:end].split(":", 1)[0])
        else:
            continue
        if keys:
            out.append((child, keys))
    return out


def _has_groups(b: Builder, part: Part) -> bool:
    return bool(_group_heads(b, part))


def _groups(b: Builder, part: Part, area: str | None, depth: int) -> int:
    """The task groups of a part (all, or those of ``area``), each with its heading and contents."""
    emitted = 0
    for number, (group, keys) in enumerate(_group_heads(b, part), start=1):
        if area and area not in keys:
            continue
        if group.kind == "bullet":  # the 2024 framework's "+ Hạ tầng số: …" groups, numbered in order
            _head(b, part.doc, group.id, str(number), depth)
            b.bullets(part.doc, group.id, kind="guidance", depth=depth)
        else:
            b.heading(part.doc, group.id, group.number, depth=depth)
            subgroups = [c for c in b.kb.children(part.doc, group.id) if c.kind == "section"]
            if area and area not in area_keys(group.title) and subgroups:
                for sub in (s for s in subgroups if area in area_keys(s.title)):
                    b.heading(part.doc, sub.id, sub.number, depth=depth + 1)
                    b.bullets(part.doc, sub.id, kind="text", depth=depth + 1, classify=_classify)
            else:
                b.bullets(part.doc, group.id, kind="text", depth=depth, classify=_classify)
        emitted += 1
    return emitted


# --- Mục tiêu -----------------------------------------------------------------------------------------


def _contrast(b: Builder, framework: Framework, level: str) -> None:
    """Pair this period's targets with the matching targets of another period's framework, both verbatim."""
    if framework.targets is None:
        return
    for other in b.kb.frameworks.other_periods(level, framework.period):
        if other.targets is None:
            continue
        mine, theirs = _targets(b, framework.targets.doc, framework.targets.clause), \
            _targets(b, other.targets.doc, other.targets.clause)
        scored = sorted(((jaccard(a, c), i, j) for i, (_, _, a) in enumerate(mine)
                         for j, (_, _, c) in enumerate(theirs)), reverse=True)
        pairs, used = [], set()
        for score, i, j in scored:
            if score >= _TARGET_PAIR and i not in used:
                used.add(i)
                pairs.append((i, j))
        if not pairs:
            continue
        b.note(f"[Đối chiếu: chỉ tiêu tương ứng của {period_vi(other.period)} ({other.name}; kế hoạch "
               f"{period_vi(other.period)}: chọn giai đoạn {other.period}):]")
        for i, j in sorted(pairs):
            b.span("text", framework.targets.doc, *mine[i][1], depth=1, bullet=True, clause=mine[i][0])
            b.span("text", other.targets.doc, *theirs[j][1], depth=2, bullet=True, clause=theirs[j][0])


def _targets(b: Builder, doc_id: str, clause_id: str):
    """(clause, span, content words) of every leaf bullet under a clause."""
    doc = b.kb.document(doc_id)
    root = b.kb.clause(doc_id, clause_id)
    leaves = [c for c in doc.parsed.clauses if c.kind == "bullet" and root.start <= c.start < root.end
              and not b.kb.children(doc_id, c.id)]
    out = []
    for clause in leaves:
        start, end = line_span(doc, clause)
        out.append((clause, (start, end), terms(doc.text[start:end]) - _TARGET_FRAME))
    return out
