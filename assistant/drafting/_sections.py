"""The six plan sections, each following the framework that applies to the level and period
(see ``assistant.drafting._frameworks``). Every function fills a ``Builder``."""

from __future__ import annotations

import re

from assistant.drafting import _frameworks as fw
from assistant.drafting._builder import Builder, line_span, own_lines
from assistant.drafting._legal_bases import find_references
from assistant.drafting._text import jaccard, terms
from assistant.drafting.knowledge import AREAS, area_keys
from assistant.drafting.tasks import draft_tasks

K, C, X, Q = fw.KHUNG_2026, fw.CV_3816, fw.HUONG_DAN_XA, fw.KH_QG_2025
_ASIDE = re.compile(r"đồng chí|anh chị|học viên|học viện|chúng ta|\btôi\b")
_INSTRUCTION = re.compile(r"^(?:Xác định|Các nhiệm vụ|Yêu cầu|Tham khảo|Các bộ, ngành, địa phương rà soát|Mục tiêu kế hoạch"
                          r"|Tùy theo|Tuỳ theo)"
                          r"|yêu cầu bám sát|cần rõ ràng|(?:gồm|như|sau|vào):$")
_BODY = {"xa": "xã [Tên xã]", "tinh": "tỉnh [Tên tỉnh]", "bo": "[Tên bộ, ngành]"}
# Each target of this period is paired with its closest target of the other period when their content words, without the
# words every target has, overlap this much: the 50%/70% digital-signature targets score 0.78, the task
# monitoring targets 0.69; unrelated targets sharing a frame ("Tỷ lệ … đạt tối thiểu …") stay below 0.3.
_TARGET_PAIR = 0.5
_TARGET_FRAME = frozenset("tỷ tỉ lệ đạt tối thiểu phấn đấu người dân có số năm trên".split())


def _classify(text: str) -> str:
    """Framework instructions are guidance; statements a plan can take over are text."""
    return "guidance" if _INSTRUCTION.search(text) else "text"


def _no_asides(kind: str):
    return lambda text: None if _ASIDE.search(text) else kind


def _with_references(text: str) -> str | None:
    """Sentences naming a numbered legal document are bases (text); asides are dropped; the rest guidance."""
    if _ASIDE.search(text):
        return None
    return "text" if any(r.number_known for r in find_references(text)) else "guidance"


def _head(b: Builder, doc_id: str, clause_id: str, number: str, depth: int = 0) -> None:
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


def _why(b: Builder, doc_id: str, clause_id: str) -> list:
    doc, clause = b.kb.document(doc_id), b.kb.clause(doc_id, clause_id)
    return [b.cite(doc_id, *line_span(doc, clause), clause)]


# --- Căn cứ -----------------------------------------------------------------------------------------


def can_cu(b: Builder, level: str, period: str, area: str | None) -> None:
    if level == "xa":
        b.heading(X, "2/2.1/b", "I")
        b.body(X, "2/2.1/b", kind=_with_references, sentences=True)
        b.placeholder("[Căn cứ văn bản của cấp trên giao nhiệm vụ chuyển đổi số: số, ngày, trích yếu]", bullet=True)
        b.placeholder("[Căn cứ báo cáo hiện trạng chuyển đổi số của xã [Tên xã]: số, ngày]", bullet=True)
        if period == "2026-2030":
            b.note("[Văn bản cấp trên giai đoạn 2026-2030, theo Khung kế hoạch chuyển đổi số cấp bộ, tỉnh 2026-2030, Mục I:]",
                   why=_why(b, K, "I/-1"))
            b.bullets(K, "I", kind="text", depth=1, classify=_with_references)
        else:
            b.note("[Văn bản cấp trên năm 2025, theo Dự thảo Kế hoạch chuyển đổi số quốc gia năm 2025:]")
            b.body(Q, "II", kind=lambda t: "text" if _with_references(t) == "text" else None, sentences=True, depth=1)
        return
    if period == "2026-2030":
        b.heading(K, "I", "I")
        b.bullets(K, "I", kind="text", classify=_with_references)
        b.placeholder("[Các văn bản khác của [tên bộ/tỉnh] có liên quan: số, ngày, trích yếu]", bullet=True)
        b.note("[Kế hoạch năm 2025 dùng căn cứ khác (Công văn 3816/BTTTT-CĐSQG; Khung kế hoạch năm 2024): "
               "chọn giai đoạn 2025.]")
        return
    _head(b, X, f"{fw.FRAMEWORK_2024}/-1", "I")
    seen = _reference_keys(b)
    b.bullets(X, f"{fw.FRAMEWORK_2024}/-1", kind="text")
    b.note("[Các văn bản Công văn 3816/BTTTT-CĐSQG nêu làm căn cứ, ngoài các văn bản trên:]", why=_why(b, C, "I/2/-5"))
    for clause_id in ("preamble", "I/2/-5"):
        doc, clause = b.kb.document(C), b.kb.clause(C, clause_id)
        spans = own_lines(doc, clause) if clause_id == "preamble" else [line_span(doc, clause)]
        for start, end in spans:
            for ref in find_references(doc.text[start:end]):
                if ref.number_known and ref.key not in seen:
                    seen.add(ref.key)
                    b.span("text", C, start + ref.start, start + ref.end, depth=1, bullet=True)
    b.placeholder("[Các văn bản khác của [tên bộ/tỉnh] có liên quan: số, ngày, trích yếu]", bullet=True)
    b.note("[Kế hoạch giai đoạn 2026-2030 dùng căn cứ theo Khung kế hoạch chuyển đổi số cấp bộ, tỉnh 2026-2030, "
           "Mục I: chọn giai đoạn 2026-2030.]", why=_why(b, K, "I/-2"))


def _reference_keys(b: Builder) -> set[str]:
    keys = set()
    doc = b.kb.document(X)
    clause = b.kb.clause(X, f"{fw.FRAMEWORK_2024}/-1")
    for ref in find_references(doc.text[clause.start:clause.end]):
        if ref.key:
            keys.add(ref.key)
    return keys


# --- Mục tiêu ---------------------------------------------------------------------------------------


def muc_tieu(b: Builder, level: str, period: str, area: str | None) -> None:
    if level == "xa":
        b.heading(X, "2/2.2", "II")
        b.bullets(X, "2/2.2", kind="text", classify=lambda t: "guidance")
        b.placeholder("[Mục tiêu tổng quát của xã [Tên xã]]")
        b.placeholder("[Mục tiêu cụ thể, định lượng của xã [Tên xã] theo từng nội dung: hiện trạng [số liệu], "
                      "mục tiêu [số liệu]]")
        if period == "2025":
            b.note("[Chỉ tiêu quốc gia năm 2025 để tham chiếu: Dự thảo Kế hoạch chuyển đổi số quốc gia năm 2025, "
                   "Mục I, điểm b.]", why=_why(b, Q, "I/b"))
        else:
            b.note("[Chỉ tiêu cấp bộ, tỉnh giai đoạn 2026-2030 để tham chiếu: Khung kế hoạch chuyển đổi số cấp bộ, "
                   "tỉnh 2026-2030, Mục II.2.]", why=_why(b, K, "II/2"))
        return
    if period == "2026-2030":
        b.heading(K, "II", "II")
        b.bullets(K, "II", kind="text", classify=_classify)
        b.placeholder(f"[Chỉ tiêu của {_BODY[level]} cho từng nhóm: hiện trạng [số liệu]; mục tiêu giai đoạn "
                      "2025-2027 [số liệu]; giai đoạn 2028-2030 [số liệu]]")
        _contrast(b, K, "II/2", Q, "I/b",
                  "[Đối chiếu: chỉ tiêu tương ứng của năm 2025 trong Dự thảo Kế hoạch chuyển đổi số quốc gia năm 2025, "
                  "Mục I, điểm b (kế hoạch năm 2025: chọn giai đoạn 2025):]")
        return
    _head(b, X, f"{fw.FRAMEWORK_2024}/-2", "II")
    b.bullets(X, f"{fw.FRAMEWORK_2024}/-2", kind="guidance")
    b.span("guidance", C, *line_span(b.kb.document(C), b.kb.clause(C, "I/2/-5")))
    b.heading(Q, "I/a", "1", depth=1)
    b.placeholder(f"[Mục tiêu chung năm 2025 của {_BODY[level]}]")
    b.note("[Mục tiêu chung của Kế hoạch chuyển đổi số quốc gia năm 2025 (dự thảo), để tham chiếu:]")
    b.bullets(Q, "I/a", kind="text", depth=1)
    b.heading(Q, "I/b", "2", depth=1)
    b.bullets(Q, "I/b", kind="text", depth=1)
    b.placeholder(f"[Chỉ tiêu năm 2025 của {_BODY[level]}: hiện trạng năm 2024 [số liệu], mục tiêu năm 2025 [số liệu]]")
    _contrast(b, Q, "I/b", K, "II/2",
              "[Đối chiếu: chỉ tiêu tương ứng của giai đoạn 2026-2030 trong Khung kế hoạch chuyển đổi số cấp bộ, tỉnh "
              "2026-2030, Mục II.2 (kế hoạch giai đoạn đó: chọn giai đoạn 2026-2030):]")


def _contrast(b: Builder, doc_id: str, clause_id: str, other_doc: str, other_clause: str, header: str) -> None:
    """Pair targets of this period with the matching targets of the other period, both verbatim."""
    mine, theirs = _targets(b, doc_id, clause_id), _targets(b, other_doc, other_clause)
    scored = sorted(((jaccard(a_terms, b_terms), i, j) for i, (_, _, a_terms) in enumerate(mine)
                     for j, (_, _, b_terms) in enumerate(theirs)), reverse=True)
    pairs, used = [], set()
    for score, i, j in scored:
        if score >= _TARGET_PAIR and i not in used:
            used.add(i)
            pairs.append((i, j))
    if not pairs:
        return
    b.note(header)
    for i, j in sorted(pairs):
        b.span("text", doc_id, *mine[i][1], depth=1, bullet=True, clause=mine[i][0])
        b.span("text", other_doc, *theirs[j][1], depth=2, bullet=True, clause=theirs[j][0])


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


# --- Nhiệm vụ và giải pháp ----------------------------------------------------------------------------


def nhiem_vu(b: Builder, level: str, period: str, area: str | None) -> None:
    if level == "xa":
        b.heading(X, fw.TASKS_XA, "III")
        b.body(X, fw.TASKS_XA, kind="guidance")
        emitted = _groups(b, X, fw.TASKS_XA, area, depth=1)
        b.placeholder("[Nhiệm vụ cụ thể của xã [Tên xã]: nội dung, kết quả dự kiến, thời gian, đơn vị thực hiện]")
        if period == "2025":
            b.note("[Định hướng giai đoạn 2024-2025 cho các địa phương (Tài liệu hướng dẫn, Mục 3.1):]")
            emitted += _groups(b, X, fw.ORIENTATION_2024_2025, area, depth=1)
        else:
            b.note("[Định hướng cấp bộ, tỉnh giai đoạn 2026-2030 (Khung kế hoạch, Mục III), để bám sát kế hoạch của "
                   "tỉnh; định hướng 2024-2025 ở Mục 3.1 của Tài liệu hướng dẫn không áp dụng cho giai đoạn này:]")
            emitted += _groups(b, K, "III", area, depth=1)
        _no_group(b, emitted, area)
        if not area:
            b.heading(X, "2/2.4", "IV")
            b.body(X, "2/2.4", kind=_no_asides("guidance"), sentences=True)
            b.placeholder("[Giải pháp thực hiện của xã [Tên xã]]")
    elif period == "2026-2030":
        b.heading(K, "III", "III")
        b.body(K, "III", kind="guidance")
        emitted = _groups(b, K, "III", area, depth=1, plan_body=_BODY[level])
        _no_group(b, emitted, area)
        if not area:
            b.heading(K, "IV", "IV")
            b.bullets(K, "IV", kind="text", depth=1, classify=_classify)
    else:
        _head(b, X, f"{fw.FRAMEWORK_2024}/-3", "III")
        emitted = _groups_2025(b, level, area)
        _no_group(b, emitted, area)
        if not area:
            b.body(C, "II/3~2", kind=lambda t: "guidance" if t.startswith("Ngoài các nội dung") else None)
            _head(b, X, f"{fw.FRAMEWORK_2024}/-4", "IV")
            b.placeholder(f"[Giải pháp của {_BODY[level]}]")
    table = draft_tasks(b.kb, level, period, area)
    b.note(f"[Nhiệm vụ cấp trên và nhiệm vụ theo hướng dẫn{' của lĩnh vực' if area else ''}: {len(table.rows)} "
           "dòng, xem phần Danh mục nhiệm vụ, dự án.]")


def _groups(b: Builder, doc_id: str, root: str, area: str | None, depth: int, plan_body: str | None = None) -> int:
    """The task groups under ``root`` (all, or those of ``area``), each with its heading and contents."""
    emitted = 0
    for child in b.kb.children(doc_id, root):
        if child.kind != "section":
            continue
        keys = area_keys(child.title)
        if area and area not in keys:
            subgroups = [c for c in b.kb.children(doc_id, child.id) if c.kind == "section" and area in area_keys(c.title)]
            if not subgroups:
                continue
            b.heading(doc_id, child.id, child.number, depth=depth)
            for sub in subgroups:
                b.heading(doc_id, sub.id, sub.number, depth=depth + 1)
                b.bullets(doc_id, sub.id, kind="text", depth=depth + 1, classify=_classify)
            emitted += 1
            continue
        b.heading(doc_id, child.id, child.number, depth=depth)
        b.bullets(doc_id, child.id, kind="text", depth=depth, classify=_classify)
        if plan_body:
            b.placeholder(f"[Nhiệm vụ cụ thể của {plan_body}: nội dung, dự kiến kết quả, thời gian, đơn vị thực hiện]")
        emitted += 1
    return emitted


def _groups_2025(b: Builder, level: str, area: str | None) -> int:
    """Bộ/tỉnh 2025: the ten groups of the 2024 framework, filled from Công văn 3816 (and, for provinces,
    the 2024-2025 orientation for localities)."""
    used: set[str] = set()
    emitted = 0
    groups = [c for c in b.kb.children(X, f"{fw.FRAMEWORK_2024}/-3") if c.kind == "bullet"]
    for number, group in enumerate(groups, start=1):
        doc = b.kb.document(X)
        start, end = line_span(doc, group)
        head = doc.text[start:end].split(":", 1)[0]
        keys = area_keys(head)
        if area and area not in keys:
            continue
        _head(b, X, group.id, str(number), depth=1)
        b.bullets(X, group.id, kind="guidance", depth=1)
        for part in b.kb.children(C, "II"):
            if part.kind == "section" and set(area_keys(part.title)) & set(keys) and part.id not in used:
                used.add(part.id)
                b.bullets(C, part.id, kind="text", depth=1, classify=_classify)
            elif part.kind == "section" and set(area_keys(part.title)) & set(keys):
                b.note(f"[Nội dung của nhóm này trong Công văn 3816 nằm chung ở Mục II.{part.number} ({part.title}), "
                       "đã nêu ở trên.]", depth=1)
        if level == "tinh":
            for part in b.kb.children(X, fw.ORIENTATION_2024_2025):
                if part.kind == "section" and set(area_keys(part.title)) & set(keys):
                    b.note(f"[Định hướng giai đoạn 2024-2025 cho các địa phương (Tài liệu hướng dẫn, Mục 3.1.{part.number}):]",
                           depth=1)
                    b.bullets(X, part.id, kind="text", depth=2, classify=_classify)
        b.placeholder(f"[Nhiệm vụ cụ thể năm 2025 của {_BODY[level]} cho nhóm này]", depth=1)
        emitted += 1
    return emitted


def _no_group(b: Builder, emitted: int, area: str | None) -> None:
    if area and not emitted:
        b.note(f"[Khung kế hoạch không có nhóm nhiệm vụ riêng cho lĩnh vực {AREAS[area]}; xem các nhiệm vụ của lĩnh vực "
               "này trong Danh mục nhiệm vụ.]")


# --- Kinh phí, tổ chức thực hiện, danh mục --------------------------------------------------------------


def kinh_phi(b: Builder, level: str, period: str, area: str | None) -> None:
    if level == "xa":
        b.heading(X, "2/2.5", "V")
        b.body(X, "2/2.5", kind="guidance", sentences=True, trim=r",?\s*và tôi tin")
    elif period == "2026-2030":
        b.heading(K, "IV", "IV")
        b.heading(K, "IV/5", "5", depth=1)
        b.body(K, "IV/5", kind="text", depth=1)
        b.body(K, "VI", kind="guidance", depth=1)
        b.note("[Khung 2026-2030 không có mục Kinh phí riêng: nguồn lực tài chính ở Mục IV.5, nguồn kinh phí từng "
               "nhiệm vụ ở Mục VI (Danh mục nhiệm vụ, dự án).]")
    else:
        _head(b, X, f"{fw.FRAMEWORK_2024}/-5", "V")
        b.heading_span(X, *line_span(b.kb.document(X), b.kb.clause(X, "3/3.2/part-I/-3")), None, depth=1)
        b.body(X, "3/3.2/part-I/-3", kind="guidance", depth=1)
        b.placeholder(f"[Tình hình bố trí kinh phí năm 2024 của {_BODY[level]}: [số liệu]]", depth=1)
    b.placeholder("[Tổng kinh phí dự kiến: [kinh phí dự kiến]]", bullet=True)
    b.placeholder("[Nguồn kinh phí: [ngân sách nhà nước, nguồn hợp pháp khác: số liệu]]", bullet=True)
    b.placeholder("[Kinh phí, nguồn vốn từng nhiệm vụ: xem Danh mục nhiệm vụ, dự án]", bullet=True)


def to_chuc(b: Builder, level: str, period: str, area: str | None) -> None:
    if level == "xa":
        b.heading(X, "2/2.6", "VI")
        b.body(X, "2/2.6", kind=_no_asides("guidance"), sentences=True)
        why = _why(b, X, "2/2.1/a/-1")
        b.placeholder("[Ban Chỉ đạo chuyển đổi số xã [Tên xã]: thành phần, nhiệm vụ]", bullet=True, why=why)
    elif period == "2026-2030":
        b.heading(K, "V", "V")
        b.body(K, "V", kind="guidance")
    else:
        _head(b, X, f"{fw.FRAMEWORK_2024}/-6", "VI")
        b.bullets(Q, "III", kind="text")
        b.body(C, "II/3~2", kind=lambda t: "guidance" if "ban hành Kế hoạch" in t else None, sentences=True)
    b.placeholder(f"[Cơ quan, đơn vị được giao nhiệm vụ của {_BODY[level]}: phạm vi, trách nhiệm thực hiện]", bullet=True)
    b.placeholder("[Kiểm tra, giám sát: cơ quan thực hiện, thời gian]", bullet=True)
    b.placeholder("[Chế độ báo cáo: kỳ báo cáo, nơi nhận]", bullet=True)


def danh_muc(b: Builder, level: str, period: str, area: str | None):
    if level == "xa":
        b.heading(X, "2/2.7", "VII")
        b.body(X, "2/2.7", kind="guidance")
    elif period == "2026-2030":
        b.heading(K, "VI", "VI")
        b.body(K, "VI", kind="guidance")
    else:
        _head(b, X, f"{fw.FRAMEWORK_2024}/-7", "VII")
    return draft_tasks(b.kb, level, period, area, funding=True, book=b)


SECTION_BUILDERS = {"can-cu": can_cu, "muc-tieu": muc_tieu, "nhiem-vu": nhiem_vu, "kinh-phi": kinh_phi,
                    "to-chuc": to_chuc, "danh-muc": danh_muc}
