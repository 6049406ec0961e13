"""normalise() on the real guidance files in corpus/ and on small synthetic cases."""

from __future__ import annotations

import re
import textwrap
import unicodedata
from itertools import pairwise
from pathlib import Path

import pytest

from ingest.normalise import normalise

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
FILES = sorted(CORPUS.glob("*.txt"))
DROPPED = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
ARTEFACT_LINE = re.compile(r"^[ \u00a0]*(?:\d{1,3}|DỰ THẢO)[ \u00a0]*$", re.MULTILINE)


def _raw(prefix: str) -> str:
    return next(p for p in FILES if p.name.startswith(prefix)).read_text(encoding="utf-8")


@pytest.fixture(scope="module", params=[p.name[:3] for p in FILES])
def doc(request) -> tuple[str, str, tuple[int, ...]]:
    raw = _raw(request.param)
    norm = normalise(raw)
    return raw, norm.text, norm.to_source


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    return {p.name[:3]: normalise(p.read_text(encoding="utf-8")).text for p in FILES}


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _squash(text: str) -> str:
    return "".join(text.split())


# --- invariants on every guidance file -----------------------------------------------------------


def test_map_has_one_entry_per_char_plus_end_and_never_decreases(doc):
    raw, text, to_source = doc
    assert len(to_source) == len(text) + 1
    assert to_source[-1] == len(raw)
    assert to_source[0] >= 0
    assert all(a <= b for a, b in pairwise(to_source))


def test_text_is_nfc_of_source_without_artefact_lines_modulo_whitespace(doc):
    raw, text, _ = doc
    expected = ARTEFACT_LINE.sub("", unicodedata.normalize("NFC", raw))
    expected = expected.translate({ord(c): None for c in DROPPED})
    assert _squash(text) == _squash(expected)
    assert unicodedata.is_normalized("NFC", text)


def test_every_character_maps_back_to_the_source_it_came_from(doc):
    # A run of non-space characters sharing one source offset is one composed cluster; the source
    # from that offset up to the next mapped one is the cluster (plus whatever was dropped or
    # collapsed after it), so its NFC starts with the run.
    raw, text, to_source = doc
    i = 0
    while i < len(text):
        j = i + 1
        while j < len(text) and to_source[j] == to_source[i]:
            j += 1
        if not text[i:j].isspace():
            source = unicodedata.normalize("NFC", raw[to_source[i] : to_source[j]])
            assert source.startswith(text[i:j]), (i, text[i:j], source)
        i = j


def test_separators_map_to_the_start_of_the_whitespace_they_replace(doc):
    raw, text, to_source = doc
    for i, c in enumerate(text):
        if c in " \n":
            assert raw[to_source[i]].isspace() or raw[to_source[i]] in DROPPED


def test_lines_are_stripped_single_newline_separated(doc):
    _, text, _ = doc
    for line in _lines(text):
        assert line, "no empty lines"
        assert line == line.rstrip(" ")
        assert not line.startswith(" ")
        assert "  " not in line
        assert "\t" not in line[1:]


# --- 000 ----------------------------------------------------------------------------------------


def test_000_sentences_broken_across_blank_lines_are_rejoined(texts):
    lines = _lines(texts["000"])
    assert any(
        "cung cấp dịch vụ công chất lượng cao. Kinh tế số trở thành động lực tăng trưởng chủ yếu. Xã hội số" in line
        for line in lines
    )
    assert "Nghị quyết số 71/NQ-CP ngày 01/04/2025 của Chính phủ sửa đổi, bổ sung, cập nhật" in texts["000"]
    assert "- 100% các cơ quan nhà nước thực hiện chỉ đạo, điều hành, quản trị nội bộ trên môi trường số." in lines


def test_000_keeps_markdown_markers_and_headings_on_their_own_lines(texts):
    lines = _lines(texts["000"])
    assert lines[:3] == [
        "**KHUNG KẾ HOẠCH**",
        "**CHUYỂN ĐỔI SỐ CẤP BỘ, TỈNH GIAI ĐOẠN 2026-2030**",
        "(Kèm theo Văn bản số /BKHCN-CĐSQG ngày / /2025 của Bộ Khoa học và Công nghệ)",
    ]
    assert "### **2.1 Phát triển Chính phủ số/ Chính quyền, nâng cao hiệu quả, hiệu lực hoạt động:**" in lines
    assert lines.count("\\* Giai đoạn năm 2025-2027") == 1
    assert "- + Hỗ trợ các cửa hàng" in texts["000"]


# --- 001 ----------------------------------------------------------------------------------------


def test_001_letterhead_and_signature_lines(texts):
    lines = _lines(texts["001"])
    assert lines[1:5] == [
        "Độc lập - Tự do - Hạnh phúc",
        "Số:3816 /BT/TTT-CĐSQG",
        "Hà Nội, ngày 14 tháng 09 năm 2024",
        "V/v Hướng dẫn các bộ, ngành, địa phương xây dựng Kế hoạch Chuyển đổi số năm 2025",
    ]
    assert lines[-3:] == ["- Lưu: VT, CĐSQG.", "**KT. BỘ TRƯỞNG THỨ TRƯỞNG**", "Phạm Đức Long"]
    assert "Trân trọng./." in lines


def test_001_footnote_that_interrupts_a_sentence_stays_a_line_of_its_own(texts):
    lines = _lines(texts["001"])
    i = lines.index("¹ Theo văn bản 2765/BTTTT-CDSQG ngày 5/7/2024 của Bộ Thông tin và Truyền thông")
    assert lines[i - 1].endswith("triển khai đầy đủ phương án bảo đảm an toàn thông")
    assert lines[i + 1].startswith("tin theo hồ sơ đề xuất cấp độ được phê duyệt;")


# --- 002 ----------------------------------------------------------------------------------------


def test_002_cells_keep_their_tab_and_deadline_cells_survive(texts):
    raw, lines = _raw("002"), _lines(texts["002"])
    for deadline in ("2026", "2026-2030", "2027", "2030", "Thường xuyên"):
        assert lines.count("\t" + deadline) == sum(line.strip(" ") == "\t" + deadline for line in raw.split("\n"))
    assert lines.count("\t2026") == 23
    assert sum(line.startswith("\t") for line in lines) == sum(
        line.lstrip(" ").startswith("\t") for line in raw.split("\n")
    )
    assert lines[:6] == [
        "\tSTT",
        "\tTên nhiệm vụ",
        "\tCơ quan chủ trì",
        "\tCơ quan phối hợp",
        "\tThời hạn hoàn thành",
        "\tLưu ý",
    ]
    assert "\t Các bộ, ngành, địa phương" not in lines and "\tCác bộ, ngành, địa phương" in lines  # NBSP cell


def test_002_wrapped_cells_are_joined_and_paragraphs_in_a_cell_stay_apart(texts):
    lines = _lines(texts["002"])
    assert "\tBộ, ngành, địa phương, tổ chức, doanh nghiệp" in lines
    assert "\tỦy ban nhân dân thành phố Đà Nẵng, Ủy ban nhân dân thành phố Huế" in lines
    i = lines.index("\tChuyển đổi số trong lĩnh vực y tế")
    assert lines[i + 1].startswith("Chuyển đổi số ngành y tế cần tập trung kiến tạo")
    assert lines[i + 3].startswith("Hoàn thiện hành lang pháp lý vững chắc")
    assert lines[i + 4] == "\tBộ Y tế"
    i = lines.index("\t(1) Bộ Tài chính;")
    assert lines[i : i + 3] == ["\t(1) Bộ Tài chính;", "(2) Bộ Ngoại giao;", "(3) Các bộ, ngành, địa phương"]


# --- 003 ----------------------------------------------------------------------------------------


def test_003_decomposed_source_comes_out_composed_and_readable(texts):
    assert not unicodedata.is_normalized("NFC", _raw("003"))
    lines = _lines(texts["003"])
    assert lines[:2] == ["1. TỔNG QUAN", "Kế hoạch là gì?"]
    assert any(
        "kế hoạch là tập hợp những công việc, những hoạt động được sắp xếp theo trình tự nhất định" in line
        for line in lines
    )
    assert "2. CÁC THÀNH PHẦN CƠ BẢN CỦA MỘT BẢN KẾ HOẠCH CHUYỂN ĐỔI SỐ, VAI TRÒ VÀ Ý NGHĨA" in lines
    assert "3.1. Hướng dẫn nhiệm vụ, giải pháp trong xây dựng kế hoạch chuyển đổi số giai đoạn 2024-2025" in lines


def test_003_title_lines_without_punctuation_are_not_glued_to_the_next_paragraph(texts):
    lines = _lines(texts["003"])
    i = lines.index("Xác định mục tiêu tổng quát")
    assert lines[i + 1].startswith("Hướng dẫn thí điểm Chuyển đổi số tại một số làng/xã")
    assert "(2) Mỗi người dân trưởng thành có một điện thoại thông minh" in lines
    assert "-+Quyết định số 964/QĐ-TTg ngày 10 tháng 8 năm 2022 của Thủ tướng Chính phủ phê duyệt" in texts["003"]


def test_003_offsets_point_at_the_decomposed_clusters():
    # 003 writes "ỹ" (9 times) and "ỏ" (5 times) as a letter plus a combining mark.
    raw = _raw("003")
    norm = normalise(raw)
    assert not any(unicodedata.combining(c) for c in norm.text)
    clusters = [i for i, c in enumerate(norm.text) if norm.to_source[i + 1] - norm.to_source[i] == 2 and c in "ỹỏ"]
    assert len(clusters) == 14
    i = norm.text.index("kỹ năng số cho công chức")
    start, end = norm.source_span(i, i + len("kỹ năng số cho công chức"))
    assert raw[start:end] == "ky\u0303 năng số cho công chức"


# --- 004 ----------------------------------------------------------------------------------------


def test_004_page_numbers_and_running_header_are_removed(texts):
    text, lines = texts["004"], _lines(texts["004"])
    assert "DỰ THẢO" not in text
    assert not [line for line in lines if line.isdigit()]
    assert "Xã hội số:\n- Mỗi người dân có 01 định danh số.\n- Tỷ lệ dân số trưởng thành" in text
    assert (
        "+ Cơ quan phối hợp: Các bộ, ngành có liên quan.\n+ Thời hạn hoàn thành: Thường xuyên.\n3. Hạ tầng số" in text
    )
    assert (
        "+ Kết quả thực hiện: Chương trình hỗ trơ được triển khai.\n"
        "+ Cơ quan chủ trì tổ chức triển khai: Bộ Văn hóa, Thể thao và Du lịch." in text
    )


def test_004_hard_wrapped_paragraphs_are_rejoined(texts):
    lines = _lines(texts["004"])
    assert (
        "- Đẩy mạnh, tạo đột phá chuyển đổi số quốc gia trong năm 2025, tạo tiền đề, nền tảng triển khai "
        "Chương trình hành động của Chính phủ thực hiện Nghị quyết số 57-NQ/TW của Bộ Chính trị." in lines
    )
    assert "- Tỷ lệ Make in Vietnam trong tổng doanh thu công nghiệp số Việt Nam: 34,5%." in lines
    assert any("về nội dung Nghị quyết 57- NQ/TW theo hướng" in line for line in lines)  # hyphen kept
    task = next(line for line in lines if line.startswith("- Hoàn thành việc triển khai các nhiệm vụ phục vụ"))
    assert "(2) Định danh địa điểm; (3) Xây dựng sàn giao dịch" in task and task.endswith(
        "(11) Mô hình điểm tại các tỉnh, thành phố có đảo."
    )
    assert "+ Cơ quan phối hợp:" in lines


# --- synthetic cases ----------------------------------------------------------------------------


def test_crlf_and_blank_lines_between_halves_of_a_sentence():
    norm = normalise("Kinh tế\r\n\r\nsố trở thành động lực.\r\n")
    assert norm.text == "Kinh tế số trở thành động lực."
    assert tuple(norm.to_source[:8]) == (0, 1, 2, 3, 4, 5, 6, 7)  # the space stands where "\r\n\r\n" began
    assert norm.to_source[8] == 11
    assert norm.to_source[-1] == len("Kinh tế\r\n\r\nsố trở thành động lực.\r\n")


def test_decomposed_letters_are_composed_and_mapped_to_their_cluster():
    raw = "Vie\u0302\u0323t Nam"
    norm = normalise(raw)
    assert norm.text == "Việt Nam"
    assert tuple(norm.to_source) == (0, 1, 2, 5, 6, 7, 8, 9, 10)


def test_unicode_spaces_become_spaces_and_invisible_characters_go():
    norm = normalise("Chuyển\u00a0đổi\u2003số\u200b và dữ\u00adliệu\ufeff")
    assert norm.text == "Chuyển đổi số và dữliệu"
    assert norm.to_source[norm.text.index("l")] == len("Chuyển\u00a0đổi\u2003số\u200b và dữ\u00ad")


def test_other_line_separators_break_lines():
    norm = normalise("Mục tiêu:\f- ý một;\u2028- ý hai;\vtiếp theo\u2029- ý ba.")
    assert norm.text == "Mục tiêu:\n- ý một;\n- ý hai; tiếp theo\n- ý ba."


def test_lone_page_number_between_halves_of_a_sentence():
    norm = normalise("Các bộ, ngành hoàn thành nhiệm vụ\n\n12\n\nđúng hạn.")
    assert norm.text == "Các bộ, ngành hoàn thành nhiệm vụ đúng hạn."
    assert norm.to_source[norm.text.index(" đúng")] == len("Các bộ, ngành hoàn thành nhiệm vụ")


def test_running_header_inside_a_sentence():
    assert normalise("tạo tiền\nDỰ THẢO\n đề, nền tảng.").text == "tạo tiền đề, nền tảng."


def test_numbers_that_are_content_are_kept():
    assert normalise("\tSTT\n\t12\n\t2026").text == "\tSTT\n\t12\n\t2026"
    assert normalise("1. Mở đầu\n\n2\n\n2. Nội dung").text == "1. Mở đầu\n2. Nội dung"
    assert normalise("Năm\n2025").text == "Năm 2025"


def test_cell_continuation_lines_have_no_tab():
    norm = normalise(" \tTên nhiệm vụ\n\tBộ, ngành, \ntổ chức\n\tNội dung một.\nNội dung hai.")
    assert norm.text == "\tTên nhiệm vụ\n\tBộ, ngành, tổ chức\n\tNội dung một.\nNội dung hai."


def test_empty_input():
    assert normalise("").text == ""
    assert tuple(normalise(" \n\n").to_source) == (3,)


def test_a_wrapped_pdf_article_keeps_its_title_apart_from_its_unnumbered_first_paragraph():
    """PDF extraction wraps every line; "Điều 8. <title>" must not swallow the sentence that follows."""
    law = (CORPUS / "legal" / "luat-20-2023-qh15-giao-dich-dien-tu.txt").read_text(encoding="utf-8")
    part = law[law.index("Điều 8. Giá trị pháp lý") : law.index("Điều 12.")]
    wrapped = "\n".join(line for paragraph in part.split("\n\n") for line in textwrap.wrap(paragraph, 90))
    lines = normalise(wrapped).text.split("\n")
    assert lines[0] == "Điều 8. Giá trị pháp lý của thông điệp dữ liệu"
    assert lines[1].startswith("Thông tin trong thông điệp dữ liệu không bị phủ nhận") and lines[1].endswith("dữ liệu.")
    # a title wrapped onto a lower-case line is still one line
    title = normalise("Điều 5. Bảo đảm an toàn thông tin mạng và an ninh mạng\ntrong giao dịch điện tử\n1. Cơ quan").text
    assert title.split("\n")[0] == "Điều 5. Bảo đảm an toàn thông tin mạng và an ninh mạng trong giao dịch điện tử"
