"""Drafting a plan section: Căn cứ, Mục tiêu, Nhiệm vụ và giải pháp, Kinh phí, Tổ chức thực hiện or
Danh mục nhiệm vụ, for a plan at bộ, tỉnh or xã level for 2025 or 2026-2030.

The structure follows the framework for that level and period; every heading, guidance sentence and
proposed text is verbatim from the guidance and cited; what only the drafter knows is a [placeholder].

>>> draft = draft_section(KnowledgeBase.of(index), "can-cu", level="tinh", period="2026-2030")  # doctest: +SKIP
>>> draft.items[0].text                                                                       # doctest: +SKIP
'CĂN CỨ LẬP KẾ HOẠCH'
"""

from __future__ import annotations

from assistant.drafting._builder import Builder
from assistant.drafting._sections import draft_into
from assistant.drafting.models import SECTIONS, SectionDraft
from assistant.drafting.knowledge import KnowledgeBase, KnowledgeError, resolve_area

LEVELS = ("xa", "tinh", "bo")


def draft_section(kb: KnowledgeBase, section: str, level: str, period: str, area: str | None = None) -> SectionDraft:
    """Draft one section of a plan.

    :param section: "can-cu", "muc-tieu", "nhiem-vu", "kinh-phi", "to-chuc" or "danh-muc".
    :param level: "xa", "tinh" or "bo".
    :param period: a period with a framework in the corpus's frameworks.json ("2025", "2026-2030").
    :param area: for "nhiem-vu" and "danh-muc", restrict to one area (any accepted spelling).
    :raises KnowledgeError: an unknown section, level, period or area, or a corpus without the guidance.
    """
    if section not in SECTIONS:
        raise KnowledgeError(f"Phần {section!r} không có. Các phần: {', '.join(SECTIONS)}.")
    if level not in LEVELS:
        raise KnowledgeError(f"Cấp {level!r} không có. Các cấp: {', '.join(LEVELS)}.")
    framework = kb.framework(level, period)
    area_key = resolve_area(area) if area else None
    builder = Builder(kb, framework.start_year)
    table = draft_into(builder, framework, section, level, area_key)
    return SectionDraft(section=section, title=SECTIONS[section], level=level, period=period, area=area_key,
                        framework=framework.name, items=builder.items, table=table, citations=builder.citations)
