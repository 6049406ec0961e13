"""parse_structure() on the real guidance files in corpus/ (normalised first, as the pipeline does)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from itertools import pairwise
from pathlib import Path

import pytest

from ingest.model import CLAUSE_KINDS, Clause, ParsedDocument, Span, TaskRecord
from ingest.normalise import normalise
from ingest.structure import parse_structure

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
PREFIXES = ("000", "001", "002", "003", "004")

# Counted by hand in corpus/002 (rows with a task under each Roman-numeral area; the "…" rows and the
# one empty row are not tasks) and cross-checked against the raw file in test_002_rows_per_area.
ROWS_002 = {"I": 12, "II": 18, "III": 4, "IV": 11, "V": 7, "VI": 15, "VII": 8, "VIII": 10, "IX": 9, "X": 4, "XI": 2}
# Counted on corpus/004: the "+ Kết quả thực hiện" lines (one per task) under each numbered group of II.
TASKS_004 = {"1": 7, "2": 7, "3": 18, "4": 6, "5": 2, "6": 11, "7": 14, "8": 25, "9": 9}
II9_001 = (
    "Nâng cao nhận thức, tuyên truyền, truyền thông và các giải pháp khác đẩy mạnh chuyển đổi số, "
    "đảm bảo an toàn thông tin"
)


def _path(prefix: str) -> Path:
    return next(CORPUS.glob(f"{prefix}_*.txt"))


@pytest.fixture(scope="module")
def docs() -> dict[str, tuple[str, ParsedDocument]]:
    parsed = {}
    for prefix in PREFIXES:
        text = normalise(_path(prefix).read_text(encoding="utf-8")).text
        parsed[prefix] = text, parse_structure(text, prefix)
    return parsed


def _by_label(doc: ParsedDocument, label: str) -> Clause:
    return next(c for c in doc.clauses if c.label == label)


def _children(doc: ParsedDocument, parent: Clause | None) -> list[Clause]:
    pid = parent.id if parent else None
    return [c for c in doc.clauses if c.parent == pid]


def _task(doc: ParsedDocument, start: str) -> TaskRecord:
    return next(t for t in doc.tasks if t.task.text.startswith(start))


# --- invariants on every guidance document -------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
def test_clause_tree_invariants(docs, prefix):
    text, doc = docs[prefix]
    by_id = doc.by_id()
    assert len(by_id) == len(doc.clauses), "ids are unique"
    assert len({c.label for c in doc.clauses}) == len(doc.clauses), "labels are unique"
    seen: set[str] = set()
    for c in doc.clauses:
        assert c.kind in CLAUSE_KINDS
        assert 0 <= c.start < c.heading_end <= c.end <= len(text)
        assert text[c.start : c.end] == text[c.start : c.end].strip(" \n")
        assert c.title == " ".join(c.title.split()) and "**" not in c.title and len(c.title) <= 201
        if c.parent is None:
            assert c.depth == 0
        else:
            parent = by_id[c.parent]
            assert c.parent in seen, "parents come before children"
            assert parent.start <= c.start and c.end <= parent.end
            assert c.depth == parent.depth + 1
        seen.add(c.id)
    assert [c.start for c in doc.clauses] == sorted(c.start for c in doc.clauses), "document order"
    siblings: dict[str | None, list[Clause]] = defaultdict(list)
    for c in doc.clauses:
        siblings[c.parent].append(c)
    for group in siblings.values():
        for a, b in pairwise(group):
            assert a.end <= b.start, (a.id, b.id)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_character_of_text_belongs_to_a_clause(docs, prefix):
    text, doc = docs[prefix]
    covered = bytearray(len(text))
    for c in doc.clauses:
        covered[c.start : c.end] = b"\1" * (c.end - c.start)
    assert [ch for ch, hit in zip(text, covered, strict=True) if not hit and not ch.isspace()] == []


@pytest.mark.parametrize("prefix", PREFIXES)
def test_task_records_point_at_their_text(docs, prefix):
    text, doc = docs[prefix]
    by_id = doc.by_id()
    for t in doc.tasks:
        clause = by_id[t.clause_id]
        assert clause.kind in ("table_row", "task") and t.label == clause.label
        assert (t.start, t.end) == (clause.start, clause.end)
        for span in (t.task, t.result, t.lead, t.coordinating, t.deadline, t.note):
            if span is not None:
                assert text[span.start : span.end] == span.text
                assert clause.start <= span.start <= span.end <= clause.end
        assert t.task.text


# --- 000: Khung kế hoạch 2026-2030 ----------------------------------------------------------------


def test_000_parts_and_sections(docs):
    text, doc = docs["000"]
    top = _children(doc, None)
    assert [(c.id, c.title) for c in top] == [
        ("preamble", "KHUNG KẾ HOẠCH CHUYỂN ĐỔI SỐ CẤP BỘ, TỈNH GIAI ĐOẠN 2026-2030"),
        ("I", "CĂN CỨ LẬP KẾ HOẠCH"),
        ("II", "MỤC TIÊU"),
        ("III", "NHIỆM VỤ, GIẢI PHÁP"),
        ("IV", "GIẢI PHÁP"),
        ("V", "TỔ CHỨC THỰC HIỆN"),
        ("VI", "DANH MỤC NHIỆM VỤ, DỰ ÁN"),
    ]
    assert text[top[0].start : top[0].end].endswith("của Bộ Khoa học và Công nghệ)")
    assert [c.title for c in _children(doc, _by_label(doc, "Mục II"))] == [
        "Mục tiêu chung",
        "Mục tiêu, chỉ tiêu cụ thể",
    ]
    assert [(c.number, c.title) for c in _children(doc, _by_label(doc, "Mục II.2"))] == [
        ("2.1", "Phát triển Chính phủ số/ Chính quyền, nâng cao hiệu quả, hiệu lực hoạt động"),
        ("2.2", "Phát triển kinh tế số, nâng cao năng lực cạnh tranh, thúc đẩy tăng trưởng hai con số của nền kinh tế"),
        ("2.3", "Phát triển xã hội số, thu hẹp khoảng cách số"),
    ]
    assert [c.number for c in _children(doc, _by_label(doc, "Mục III"))] == [str(n) for n in range(1, 10)]
    assert len(_children(doc, _by_label(doc, "Mục I"))) == 7  # the "-" entries; two bare paragraphs between


def test_000_lettered_items_group_their_period_subheadings_and_bullets(docs):
    text, doc = docs["000"]
    items = _children(doc, _by_label(doc, "Mục II.2.1"))
    assert [(c.kind, c.number, c.title) for c in items] == [
        ("item", "a", "Cung cấp dịch vụ số bao trùm, thông minh"),
        ("item", "b", "Cơ quan nhà nước quản lý, chỉ đạo, điều hành thông minh, an toàn dựa trên dữ liệu"),
    ]
    periods = _children(doc, items[0])
    assert [(p.title, len(_children(doc, p))) for p in periods] == [
        ("Giai đoạn năm 2025-2027", 5),
        ("Giai đoạn 2028-2030", 8),
    ]
    third = _by_label(doc, "Mục II.2.1, điểm a, Giai đoạn năm 2025-2027, ý 3")
    assert third.id == "II/2/2.1/a/*1/-3" and third.kind == "bullet"
    assert text[third.start : third.end].startswith("- 100% dịch vụ công trực tuyến toàn trình thiết yếu")
    assert [len(_children(doc, p)) for p in _children(doc, items[1])] == [5, 12]


def test_000_plus_entries_nest_under_the_dash_entry_before_them(docs):
    text, doc = docs["000"]
    parent = _by_label(doc, "Mục II.2.2, ý 2")
    assert parent.title == "Phát triển doanh nghiệp số:"
    plus = _children(doc, parent)
    assert [c.label for c in plus] == ["Mục II.2.2, ý 2.1", "Mục II.2.2, ý 2.2"]
    assert text[plus[0].start : plus[0].end].startswith("- + Hỗ trợ các cửa hàng") and plus[0].number == "+"
    examples = _by_label(doc, "Mục II.2.2, ý 5")  # "… như: nông nghiệp …" then "Ví dụ:" then four "+"
    assert [c.title.split(":")[0] for c in _children(doc, examples)] == [
        "Đối với nông nghiệp",
        "Đối với du lịch",
        "Đối với thương mại",
        "Đối với công nghiệp",
    ]


def test_000_inline_enumeration_members_are_items(docs):
    text, doc = docs["000"]
    entry = _by_label(doc, "Mục III.8, ý 2")
    members = _children(doc, entry)
    assert [m.number for m in members] == ["(i)", "(ii)", "(iii)", "(IV)"]
    assert text[members[0].start : members[0].end] == "(i) đo lường trực tuyến sự phát triển của kinh tế số;"
    assert text[members[-1].end - 1] == ";" and members[-1].end == entry.end


# --- 001: Công văn 3816/BTTTT-CĐSQG --------------------------------------------------------------


def test_001_parts_and_numbered_tasks(docs):
    _, doc = docs["001"]
    assert [(c.id, c.title) for c in _children(doc, None)] == [
        ("preamble", "BỘ THÔNG TIN VÀ TRUYỀN THÔNG CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        ("I", "YÊU CẦU CHUNG"),
        ("II", "MỘT SỐ NHIỆM VỤ TRỌNG TÂM NĂM 2025"),
        ("closing", "Nơi nhận:"),
    ]
    assert [c.title for c in _children(doc, _by_label(doc, "Mục I"))] == [
        "Đánh giá kết quả triển khai năm 2024",
        "Xây dựng Kế hoạch chuyển đổi số năm 2025",
    ]
    tasks = _children(doc, _by_label(doc, "Mục II"))
    assert [(c.label, c.title) for c in tasks[:9]] == [
        ("Mục II.1", "Tăng cường công tác lãnh đạo, chỉ đạo, điều hành; kiểm tra, giám sát hoạt động chuyển đổi số"),
        ("Mục II.2", "Thể chế, chính sách số"),
        ("Mục II.3", "Hạ tầng số"),
        ("Mục II.4", "Nhân lực số"),
        ("Mục II.5", "Phát triển dữ liệu số"),
        ("Mục II.6", "An toàn thông tin mạng"),
        ("Mục II.7", "Chính phủ số"),
        ("Mục II.8", "Kinh tế số và xã hội số"),
        ("Mục II.9", II9_001),
    ]
    # The source numbers its closing paragraph "3." again after II.9: kept apart, not merged.
    assert (tasks[9].id, tasks[9].label) == ("II/3~2", "Mục II.3 (lần 2)")
    assert [len(_children(doc, c)) for c in tasks[:9]] == [0, 4, 4, 3, 5, 5, 7, 9, 3]


def test_001_preamble_and_closing_cover_letterhead_and_signature(docs):
    text, doc = docs["001"]
    preamble = _by_label(doc, "Phần mở đầu")
    assert text[preamble.start : preamble.end].startswith("BỘ THÔNG TIN VÀ TRUYỀN THÔNG")
    assert "Kính gửi:" in text[preamble.start : preamble.end]
    assert text[preamble.start : preamble.end].endswith("với một số nội dung như sau:")
    assert [c.title for c in _children(doc, preamble)] == [
        "Các bộ, cơ quan ngang bộ, cơ quan thuộc Chính phủ;",
        "Ủy ban nhân dân các tỉnh, thành phố trực thuộc trung ương.",
    ]
    closing = _by_label(doc, "Phần kết")
    assert len(_children(doc, closing)) == 6 and text[closing.start : closing.end].endswith("Phạm Đức Long")


def test_001_footnote_and_its_interrupted_sentence_stay_with_the_entry(docs):
    text, doc = docs["001"]
    entry = _by_label(doc, "Mục II.6, ý 1")
    body = text[entry.start : entry.end]
    assert "¹ Theo văn bản 2765/BTTTT-CDSQG" in body
    assert body.endswith("chưa được kết luận bảo đảm an toàn thông tin mạng chưa đưa vào sử dụng.")


# --- 002: Danh mục nhiệm vụ 2026-2030 (task table) -----------------------------------------------


def _raw_rows_per_area() -> dict[str, int]:
    """Rows with a task per area, counted on the raw file's blank-line-separated blocks."""
    counts: dict[str, int] = {}
    area = None
    for block in _path("002").read_text(encoding="utf-8").split("\n\n"):
        cells = [line.strip() for line in block.split("\n") if line.lstrip(" ").startswith("\t")]
        if len(cells) > 1 and re.fullmatch(r"[IVX]+\.", cells[0]):
            area = cells[0].rstrip(".")
            counts[area] = 0
        elif area and len(cells) > 1 and any(ch.isalpha() for ch in cells[1]):
            counts[area] += 1
    return counts


def test_002_rows_per_area(docs):
    _, doc = docs["002"]
    areas = [c for c in doc.clauses if c.kind == "area"]
    rows = Counter(c.parent for c in doc.clauses if c.kind == "table_row")
    assert {a.id: rows[a.id] for a in areas} == ROWS_002 == _raw_rows_per_area()
    assert len(doc.tasks) == sum(ROWS_002.values()) == 100
    assert [a.label for a in areas[:2]] == [
        "Lĩnh vực I (Về hoàn thiện thể chế)",
        "Lĩnh vực II (Về phát triển hạ tầng số)",
    ]
    assert areas[8].title == "MỘT SỐ LĨNH VỰC CẦN ƯU TIÊN CHUYỂN ĐỔI SỐ"
    assert _children(doc, None)[0].label == "Dòng tiêu đề bảng"
    assert not [t for t in doc.tasks if not any(ch.isalpha() for ch in t.task.text)]  # "…" rows are no tasks


def test_002_named_rows(docs):
    _, doc = docs["002"]
    defence = _task(doc, "Xây dựng Hệ thống phòng vệ mạng quốc gia")
    assert (defence.label, defence.area, defence.area_number) == (
        "Lĩnh vực IV, nhiệm vụ 6",
        "IV. VỀ TẠO LẬP NIỀM TIN VÀ BẢO ĐẢM AN TOÀN, AN NINH MẠNG",
        "IV",
    )
    assert (defence.lead.text, defence.coordinating.text, defence.deadline.text) == (
        "Bộ Công an",
        "Các bộ, ngành, địa phương",
        "2026",
    )
    assert defence.result is None and defence.note.text == "" and defence.note.start == defence.note.end
    twin = _task(doc, "Thí điểm triển khai bản sao số (Digital Twin)")
    assert twin.lead.text == "Ủy ban nhân dân thành phố Đà Nẵng, Ủy ban nhân dân thành phố Huế"
    assert twin.coordinating.text == "Bộ Xây dựng, Bộ KH&CN"
    land = _task(doc, "Bố trí quỹ đất cho các Trung tâm dữ liệu")
    assert (land.lead.text, land.coordinating.text, land.deadline.text) == (
        "UBND tỉnh, thành phố trực thuộc Trung ương",
        "",
        "2026",
    )
    iot = _task(doc, "Ban hành quy định bắt buộc về tích hợp IoT")
    assert [s.text for s in (iot.lead, iot.coordinating, iot.deadline, iot.note)] == ["", "", "", ""]
    assert (
        _task(doc, "Nghiên cứu, cấp phép thử nghiệm và triển khai thương mại mạng di động 6G").deadline.text
        == "Thử nghiệm 2028"
    )


def test_002_multi_line_cells(docs):
    _, doc = docs["002"]
    experts = _task(doc, "Có chính sách ưu đãi đặc thù để thu hút các chuyên gia công nghệ")
    assert experts.task.text.endswith(
        "làm việc:\n(1) Chính sách ưu đãi, đặc thù về thuế;\n"
        "(2) Chính sách ưu đãi đặc thù về cấp thị thực (visa);\n"
        "(3) Chính sách ưu đãi đặc thù về môi trường làm việc."
    )
    assert experts.lead.text == "(1) Bộ Tài chính;\n(2) Bộ Ngoại giao;\n(3) Các bộ, ngành, địa phương"
    bank = _task(doc, "Chuyển đổi số trong lĩnh vực ngân hàng")
    assert bank.label == "Lĩnh vực IX, nhiệm vụ 4" and bank.task.text.count("\n") == 3
    assert (bank.lead.text, bank.coordinating.text, bank.deadline.text) == (
        "Ngân hàng Nhà nước Việt Nam",
        "Bộ KH&CN, Bộ Công an, các tổ chức tín dụng",
        "2026-2030",
    )
    assert _task(doc, "Xây dựng, cập nhật và giám sát việc triển khai Khung kiến trúc tổng thể").coordinating.text == (
        "Bộ, ngành, địa phương, tổ chức, doanh nghiệp"
    )


# --- 003: Hướng dẫn xây dựng kế hoạch CĐS cấp xã (decomposed Unicode in the source) ---------------


def test_003_sections_and_titles(docs):
    text, doc = docs["003"]
    assert [(c.number, c.title) for c in _children(doc, None)] == [
        ("1", "TỔNG QUAN"),
        ("2", "CÁC THÀNH PHẦN CƠ BẢN CỦA MỘT BẢN KẾ HOẠCH CHUYỂN ĐỔI SỐ, VAI TRÒ VÀ Ý NGHĨA"),
        ("3", "ĐỊNH HƯỚNG CHUYỂN ĐỔI SỐ GIAI ĐOẠN 2024-2025"),
    ]
    assert [(c.label, c.title) for c in _children(doc, _by_label(doc, "Mục 2"))] == [
        ("Mục 2.1", "Nguyên tắc, căn cứ, cơ sở lập kế hoạch"),
        ("Mục 2.2", "Mục tiêu"),
        ("Mục 2.3", "Nhiệm vụ chuyển đổi số cấp xã"),
        ("Mục 2.4", "Giải pháp"),
        ("Mục 2.5", "Kinh phí thực hiện"),
        ("Mục 2.6", "Tổ chức thực hiện"),
        ("Mục 2.7", "Danh mục nhiệm vụ, dự án"),
        ("Mục 2.8", "Một số lưu ý khi xây dựng kế hoạch"),
    ]
    assert [c.title for c in _children(doc, _by_label(doc, "Mục 2.1"))] == [
        "Nguyên tắc lập kế hoạch",
        "Căn cứ lập kế hoạch",
    ]
    assert len(_children(doc, _by_label(doc, "Mục 2.1, điểm a"))) == 9
    second = _by_label(doc, "Mục 2.1, điểm a, ý 2")
    assert text[second.start : second.end].startswith("- Kế hoạch triển khai tổng thể về chuyển đổi số cấp xã")


def test_003_numbered_lists_restart_inside_dotted_sections(docs):
    _, doc = docs["003"]
    groups = _children(doc, _by_label(doc, "Mục 2.3"))
    assert [(c.label, c.title) for c in groups] == [
        ("Mục 2.3.1", "Đẩy mạnh xây dựng Chính quyền số"),
        ("Mục 2.3.2", "Phát triển Kinh tế số"),
        ("Mục 2.3.3", "Phát triển Xã hội số"),
    ]
    assert [c.title for c in _children(doc, groups[0])] == [
        "Phát triển Hạ tầng số",
        "Đào tạo, nâng cao nhận thức",
        "Triển khai hệ thống điều hành thông minh cấp xã (COC)",
    ]
    assert _by_label(doc, "Mục 2.3.1.1").number == "1.1"
    assert [c.title for c in _children(doc, _by_label(doc, "Mục 3.1"))][:4] == [
        "Thể chế số",
        "Hạ tầng số",
        "Nhân lực số",
        "Nhận thức số",
    ]
    assert len(_children(doc, _by_label(doc, "Mục 3.1"))) == 12


def test_003_own_line_enumerations_and_parts(docs):
    text, doc = docs["003"]
    member = _by_label(doc, "Mục 2.2, ý 1, (2)")
    assert text[member.start : member.end] == "(2) Triển khai các ứng dụng phục vụ cho xây dựng Chính quyền số;"
    assert len(_children(doc, _by_label(doc, "Mục 3.1.11"))) == 8
    parts = _children(doc, _by_label(doc, "Mục 3.2"))
    assert [(p.number, p.title) for p in parts] == [
        ("Phần I", "Đánh giá kết quả thực hiện năm 2023, cụ thể"),
        ("Phần II", "Nội dung kế hoạch năm 2024, cụ thể"),
    ]
    assert len(_children(doc, _by_label(doc, "Mục 3.2, Phần II, ý 1"))) == 13  # the "+" legal bases


# --- 004: Dự thảo Kế hoạch CĐS quốc gia năm 2025 (task blocks) -------------------------------------


def test_004_tasks_per_area(docs):
    _, doc = docs["004"]
    assert Counter(t.area_number for t in doc.tasks) == TASKS_004
    assert len(doc.tasks) == 99
    areas = _children(doc, _by_label(doc, "Mục II"))
    assert [a.title for a in areas] == [
        "Về nhận thức số",
        "Thể chế số",
        "Hạ tầng số",
        "Dữ liệu số",
        "Nhân lực số",
        "An toàn, an ninh mạng",
        "Chính phủ số",
        "Kinh tế số",
        "Xã hội số",
    ]
    assert not [c for c in doc.clauses if c.kind == "task" and not c.id.startswith("II/")]
    complete = [
        t for t in doc.tasks if all(s is not None and s.text for s in (t.result, t.lead, t.coordinating, t.deadline))
    ]
    assert len(complete) == 83
    assert sum(t.coordinating is None for t in doc.tasks) == 10
    assert sum(t.coordinating is not None and t.coordinating.text == "" for t in doc.tasks) == 6


def test_004_task_records(docs):
    text, doc = docs["004"]
    first = doc.tasks[0]
    assert (first.label, first.area, first.area_number, first.note) == (
        "Mục II.1 (Về nhận thức số), nhiệm vụ 1",
        "1. Về nhận thức số",
        "1",
        None,
    )
    assert first.task.text == (
        "Xây dựng, trình Thủ tướng Chính phủ ban hành và tổ chức triển khai chương trình tuyên truyền thường "
        "xuyên, sâu rộng về nội dung Nghị quyết 57- NQ/TW theo hướng: đa đạng hóa các hình thức, cụ thể hóa "
        "nội dung và có mục tiêu cụ thể."
    )
    assert [first.result.text, first.lead.text, first.coordinating.text, first.deadline.text] == [
        "Quyết định của Thủ tướng Chính phủ.",
        "Bộ Thông tin và Truyền thông.",
        "Ban Tuyên giáo Trung ương; các bộ, ngành, địa phương; VTV, VOV, TTXVN.",
        "Tháng 6/2025.",
    ]
    third = _by_label(doc, "Mục II.1 (Về nhận thức số), nhiệm vụ 3")
    assert third.kind == "task" and text[third.start : third.end].endswith("+ Thời hạn hoàn thành: Tháng 6/2025.")
    assert [c.label.rsplit(", ", 1)[1] for c in _children(doc, third)] == [
        "Kết quả thực hiện",
        "Cơ quan chủ trì",
        "Cơ quan phối hợp",
        "Thời hạn hoàn thành",
    ]
    fourth = _task(doc, "Xây dựng, ban hành văn bản làm rõ định nghĩa")
    assert fourth.coordinating is None and fourth.deadline.text == "Tháng 3/2025."


def test_004_field_variants_empty_fields_and_page_breaks(docs):
    text, doc = docs["004"]
    criteria = _task(doc, "Xây dựng bộ tiêu chí để xác định Doanh nghiệp công nghệ số ngang tầm")
    assert criteria.coordinating == Span("", criteria.coordinating.start, criteria.coordinating.start)
    assert text[: criteria.coordinating.start].endswith("+ Cơ quan phối hợp:")
    project06 = _task(
        doc, "Hoàn thành việc triển khai các nhiệm vụ phục vụ chuyển đổi số, bảo đảm kết nối với Đề án 06"
    )
    assert project06.lead.text.startswith("Bộ Công an, Bộ Lao động Thương binh và Xã hội,")  # "+ Cơ quan chủ trì:"
    members = _children(doc, _by_label(doc, project06.label))[:11]
    assert [m.number for m in members] == [f"({n})" for n in range(1, 12)]
    assert text[members[2].start : members[2].end] == (
        "(3) Xây dựng sàn giao dịch việc làm quốc gia; Nền tảng hợp đồng lao động điện tử;"
    )
    norms = _task(doc, "Hoàn thiện định mức kinh tế kỹ thuật")  # page number "6" sat between its last fields
    assert (norms.coordinating.text, norms.deadline.text) == ("Các bộ, ngành có liên quan.", "Thường xuyên.")
    assert _task(doc, "Xây dựng, triển khai Đề án chuyển đổi số trong lĩnh vực Văn hóa").lead.text == (
        "Bộ Văn hóa, Thể thao và Du lịch."
    )


def test_004_goals_are_ordinary_bullets(docs):
    _, doc = docs["004"]
    goals = _by_label(doc, "Mục I, điểm b")
    assert goals.title == "Mục tiêu cụ thể năm 2025"
    assert {c.kind for c in _children(doc, goals)} == {"bullet"} and len(_children(doc, goals)) == 23
    assert len(_children(doc, _by_label(doc, "Mục III"))) == 2
