"""Which guidance applies to a plan of a given level and period, by document id and clause id.

* 2026-2030, bộ/tỉnh: the 2026-2030 framework (000) and the 2026-2030 task table (002);
* 2025, bộ/tỉnh: the 2025 guidance letter (001), the 2024 framework it refers to (003 Mục 3.2), the
  2024-2025 orientation for localities (003 Mục 3.1) and the national 2025 plan (004);
* xã: the commune-level guide (003 Mục 2), with the upper-level task records of the period.
"""

from __future__ import annotations

KHUNG_2026 = "khung-kh-cds-2026-2030"  # 000
CV_3816 = "cv-3816-btttt-cdsqg"  # 001
DANH_MUC_2026 = "danh-muc-nhiem-vu-2026-2030"  # 002
HUONG_DAN_XA = "huong-dan-kh-cds-cap-xa"  # 003
KH_QG_2025 = "du-thao-kh-cds-qg-2025"  # 004

FRAMEWORK_2024 = "3/3.2/part-II"  # 003: "Phần II: Nội dung kế hoạch năm 2024"
ORIENTATION_2024_2025 = "3/3.1"  # 003: tasks for localities, 2024-2025
TASKS_XA = "2/2.3"  # 003: "Nhiệm vụ chuyển đổi số cấp xã"


def framework_name(level: str, period: str) -> str:
    """The guidance a plan's structure follows, in Vietnamese."""
    if level == "xa":
        return "Tài liệu hướng dẫn xây dựng kế hoạch chuyển đổi số cấp xã (Mục 2)"
    if period == "2026-2030":
        return "Khung kế hoạch chuyển đổi số cấp bộ, tỉnh giai đoạn 2026-2030"
    return ("Công văn 3816/BTTTT-CĐSQG (kế hoạch năm 2025) và Khung kế hoạch chuyển đổi số cấp bộ, tỉnh năm 2024 "
            "(Tài liệu hướng dẫn KH CĐS cấp xã, Mục 3.2)")


def record_docs(period: str) -> tuple[str, ...]:
    """Documents whose task records are the upper-level tasks of a plan of ``period``."""
    return (KH_QG_2025,) if period == "2025" else (DANH_MUC_2026,)


def guidance_roots(level: str, period: str) -> tuple[tuple[str, str], ...]:
    """(doc id, clause id) of the guidance whose entries become task rows at ``level`` for ``period``."""
    if level == "xa":
        return ((HUONG_DAN_XA, TASKS_XA), (HUONG_DAN_XA, ORIENTATION_2024_2025)) if period == "2025" \
            else ((HUONG_DAN_XA, TASKS_XA),)
    if period == "2026-2030":
        return ((KHUNG_2026, "III"),)
    return ((CV_3816, "II"), (HUONG_DAN_XA, ORIENTATION_2024_2025)) if level == "tinh" else ((CV_3816, "II"),)


def plan_end(period: str) -> tuple[int, int]:
    """The last month of a plan of ``period``: "2025" -> (2025, 12), "2026-2030" -> (2030, 12)."""
    return int(period.split("-")[-1]), 12


def local_body(level: str, agency: str | None = None) -> str:
    """The body that leads a task at ``level``, with the name the drafter fills in."""
    if level == "xa":
        return "UBND xã [Tên xã]"
    if level == "tinh":
        return "UBND tỉnh [Tên tỉnh]"
    return agency or "[Tên bộ, ngành]"
