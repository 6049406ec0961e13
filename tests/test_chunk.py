"""Chunking and parsing that no document can break: every chunk within the limit and pointing back into
its source, every non-space character in some chunk, outline depth bounded, on the real corpus, on
generated adversarial outlines and on documents hypothesis makes up."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.chunk import chunk_document, coverage
from ingest.load import load_file
from ingest.model import ParsedDocument
from ingest.normalise import normalise
from ingest.structure import parse_structure
from ingest.settings import REPO_ROOT
from tests.conftest import CORPUS_DIR, SHARED_NEWDOCS

CORPUS_FILES = sorted(p for p in CORPUS_DIR.rglob("*.txt"))
# Documents outside the corpus: the loaders' fixtures (.doc) and, where shared/ holds it, the new-document set.
OTHER_FILES = sorted(p for folder in (SHARED_NEWDOCS, REPO_ROOT / "tests" / "data") if folder.is_dir()
                     for p in folder.iterdir() if p.suffix in (".txt", ".docx", ".doc"))
LAW_CNTT = CORPUS_DIR / "legal" / "luat-67-2006-qh11-cong-nghe-thong-tin.txt"


def _check(text: str, max_chars: int = 1400) -> tuple[ParsedDocument, list]:
    """Parse and chunk ``text``; assert the invariants every document must meet."""
    text = normalise(text).text
    parsed = parse_structure(text, "doc")
    by_id = parsed.by_id()
    assert len(by_id) == len(parsed.clauses), "clause ids are unique"
    for clause in parsed.clauses:
        assert 0 <= clause.start <= clause.end <= len(text)
        if clause.parent is not None:
            parent = by_id[clause.parent]
            assert parent.start <= clause.start and clause.end <= parent.end
            assert clause.depth == parent.depth + 1
    chunks = chunk_document("doc", "Tài liệu", text, parsed, max_chars)
    for chunk in chunks:
        assert chunk.text == text[chunk.start : chunk.end]
        assert 0 < len(chunk.text) <= max_chars
        assert not chunk.fields_text or len(chunk.fields_text) <= max_chars
        assert len(" › ".join(chunk.breadcrumb)) <= 400
    assert coverage(text, chunks) == 1.0
    return parsed, chunks


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
@pytest.mark.parametrize("max_chars", [300, 1400])
def test_real_corpus_chunks_are_bounded_and_cover_every_character(path: Path, max_chars: int):
    _, chunks = _check(path.read_text(encoding="utf-8"), max_chars)
    assert all(c.clause_id for c in chunks)  # every chunk is cited by a clause of the document


@pytest.mark.parametrize("path", OTHER_FILES, ids=lambda p: p.name)
def test_documents_outside_the_corpus_lose_nothing_either(path: Path):
    _check(load_file(path, 20 * 2**20).text)


def test_coverage_counts_non_space_characters_outside_every_chunk():
    text = "ab  cd\nef"
    parsed = parse_structure(text, "doc")
    chunks = chunk_document("doc", "T", text, parsed, 100)
    assert coverage(text, chunks) == 1.0
    assert coverage(text, []) == 0.0
    assert coverage(text, [chunks[0].__class__(**{**chunks[0].__dict__, "start": 0, "end": 2, "text": "ab"})]) == 2 / 6
    assert coverage("   ", []) == 1.0


def test_a_lower_cased_law_loses_nothing_and_no_chunk_exceeds_the_limit():
    """Without capitals the article headings are not recognised; the text must still all be chunked."""
    parsed, chunks = _check(LAW_CNTT.read_text(encoding="utf-8").lower())
    assert len(chunks) > 50


def test_restarting_numbering_under_many_appendices_stays_shallow():
    """The shape that once raised RecursionError: "1." restarting under a hundred "Phụ lục N" headings."""
    parts = [f"Phụ lục {n}\nDANH MỤC SỐ {n}\n" + "\n".join(
        f"{i}. Nội dung thứ {i} của phụ lục {n}.\n- ý một\n+ ý hai" for i in range(1, 6)) for n in range(1, 150)]
    parsed, chunks = _check("KẾ HOẠCH\n" + "\n".join(parts))
    appendices = [c for c in parsed.clauses if c.number.startswith("Phụ lục")]
    assert len(appendices) == 149 and all(c.depth == 0 for c in appendices)
    assert appendices[1].label == "Phụ lục 2" and appendices[1].title == "DANH MỤC SỐ 2"
    assert max(c.depth for c in parsed.clauses) <= 4
    assert "Phụ lục 7, mục 3" in {c.label for c in parsed.clauses}
    assert "Phụ lục 7" in {c.clause_label for c in chunks}


@pytest.mark.parametrize("shape", ["restart", "ladder", "mixed"])
def test_deep_generated_outlines_are_bounded(shape: str):
    if shape == "restart":  # a numbered list that restarts at 1 after every bullet
        lines = [line for i in range(3000) for line in (f"1. Mục {i}", "- gạch đầu dòng", "+ ý con")]
    elif shape == "ladder":  # every marker scheme opening a list under the previous one, over and over
        lines = [line for i in range(500) for line in
                 (f"{i % 9 + 1}. Mục", "a) điểm", "(1) ý", "- gạch", "+ cộng", "• chấm", "* sao", "1) số")]
    else:  # dotted numbers ever deeper
        lines = [".".join(["1"] * (i % 30 + 1)) + " Tiểu mục sâu" for i in range(2000)]
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(400)  # far below the document's nesting if it were unbounded
    try:
        parsed, _ = _check("TIÊU ĐỀ\n" + "\n".join(lines))
    finally:
        sys.setrecursionlimit(limit)
    assert max(c.depth for c in parsed.clauses) <= 13


@pytest.mark.parametrize("text", [
    "chuyển đổi số " * 20_000,  # one 280k-character line
    "x" * 50_000,  # no space to cut at
    "\n".join(["Điều 1. Một"] * 5),  # article numbers that do not run upwards
    "**\n##\n- \n+\n(1)\n1)\nPHỤ LỤC\nNơi nhận:\n",  # markers with no text
])
def test_degenerate_texts_are_chunked_whole(text: str):
    _check(text)


def test_appendix_and_signature_blocks_land_where_they_belong():
    text = "\n".join([
        "KẾ HOẠCH", "Chuyển đổi số năm 2025",
        "I. MỤC TIÊU", "1. Mục tiêu chung", "Nội dung mục tiêu.",
        "III. TỔ CHỨC THỰC HIỆN", "3. Văn phòng", "Theo dõi, tổng hợp kết quả.",
        "Nơi nhận:", "- Như trên;", "- Lưu: VT.",
        "KT. BỘ TRƯỞNG", "THỨ TRƯỞNG", "Nguyễn Văn A",
        "PHỤ LỤC I", "DANH MỤC NHIỆM VỤ TRỌNG TÂM",
        "1) Rà soát hạ tầng số của xã.", "2) Tập huấn kỹ năng số cho người dân.",
    ])
    parsed, chunks = _check(text)
    by_label = {c.label: c for c in parsed.clauses}
    last = by_label["Mục III.3"]
    assert text[last.start : last.end] == "3. Văn phòng\nTheo dõi, tổng hợp kết quả."
    closing = by_label["Phần kết"]
    assert closing.parent is None and "KT. BỘ TRƯỞNG" in text[closing.start : closing.end]
    appendix = by_label["Phụ lục I"]
    assert appendix.parent is None and appendix.title == "DANH MỤC NHIỆM VỤ TRỌNG TÂM"
    item = by_label["Phụ lục I, 2)"]
    assert item.parent == appendix.id and text[item.start : item.end].startswith("2) Tập huấn")
    assert not any("KT. BỘ TRƯỞNG" in c.text and "Theo dõi" in c.text for c in chunks)


def test_a_signature_line_without_recipients_also_closes_the_body():
    text = "I. NỘI DUNG\n1. Việc một\nLàm ngay.\nTM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH\nTrần Văn B"
    parsed, _ = _check(text)
    by_label = {c.label: c for c in parsed.clauses}
    assert text[by_label["Mục I.1"].start : by_label["Mục I.1"].end] == "1. Việc một\nLàm ngay."
    assert by_label["Phần kết"].parent is None


def test_a_decree_keeps_its_signature_and_appendix_out_of_the_last_article():
    articles = "\n".join(f"Điều {n}. Điều khoản {n}\n1. Khoản một của điều {n}.\n2. Khoản hai." for n in range(1, 6))
    text = "\n".join([
        "CHÍNH PHỦ", "NGHỊ ĐỊNH", "Quy định thử", articles,
        "Nơi nhận:", "- Ban Bí thư Trung ương Đảng;", "TM. CHÍNH PHỦ", "THỦ TƯỚNG",
        "Phụ lục II", "MẪU BÁO CÁO", "1. Tên cơ quan báo cáo", "2. Kỳ báo cáo",
    ])
    parsed, _ = _check(text)
    by_label = {c.label: c for c in parsed.clauses}
    article = by_label["Điều 5"]
    assert text[article.start : article.end].endswith("2. Khoản hai.")
    assert by_label["Phần kết"].parent is None
    appendix = by_label["Phụ lục II"]
    assert appendix.parent is None and appendix.title == "MẪU BÁO CÁO"
    assert text[appendix.start : appendix.end].endswith("2. Kỳ báo cáo")


def test_a_sentence_starting_with_phu_luc_is_not_an_appendix():
    parsed, _ = _check("I. CĂN CỨ\nPhụ lục kèm theo kế hoạch này gồm các biểu mẫu báo cáo.\nII. NỘI DUNG\n1. Việc")
    assert not any(c.number.startswith("Phụ lục") for c in parsed.clauses)


_FRAGMENTS = st.sampled_from([
    "I.", "II.", "IV.", "1.", "2.", "1.1", "2.3.1", "3..", "a)", "đ)", "(1)", "(ii)", "1)", "-", "+", "•", "*",
    "\\*", "**", "## ", "Phần I", "PHỤ LỤC", "Phụ lục 2", "Nơi nhận:", "KT. BỘ TRƯỞNG", "Điều 1.", "Điều 7.",
    "Chương I", "Mục 1", "", "\t",
])
_WORDS = st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặ AĐÔƯ.;:,()\t", max_size=80)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_FRAGMENTS, _WORDS), max_size=60), st.sampled_from([200, 500, 1400]))
def test_any_outline_parses_and_chunks_within_bounds(lines: list[tuple[str, str]], max_chars: int):
    _check("\n".join(f"{marker} {words}" for marker, words in lines), max_chars)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=3000), st.sampled_from([200, 1400]))
def test_any_text_at_all_parses_and_chunks_within_bounds(text: str, max_chars: int):
    _check(text, max_chars)


def test_a_table_in_a_decree_is_cut_into_rows_and_ends_where_its_rows_end():
    """The loader writes a .docx table as a title line and one line a row; inside an article or an
    appendix of a decree each row is a clause of its own, never merged into a whole-section chunk."""
    articles = "\n".join(f"Điều {n}. Điều {n}\n1. Nội dung khoản một của điều {n}." for n in range(2, 5))
    text = "\n".join([
        "THÔNG TƯ", "Quy định danh mục dịch vụ", "Điều 1. Danh mục",
        "1. Danh mục dịch vụ gồm:",
        "Bảng 1: STT | Tên dịch vụ | Quy chuẩn",
        "Dòng 1 — STT: 1; Tên dịch vụ: Dịch vụ truy nhập Internet băng rộng cố định; Quy chuẩn: QCVN 34:2019",
        "Dòng 2 — STT: 2; Tên dịch vụ: Dịch vụ điện thoại di động mặt đất; Quy chuẩn: QCVN 36:2022",
        "2. Danh mục được rà soát hằng năm.",
        articles,
        "Nơi nhận:", "- Như trên;", "KT. BỘ TRƯỞNG",
        "PHỤ LỤC", "MẪU BÁO CÁO",
        "Bảng 1: Nội dung | Thời hạn",
        "Dòng 1 — Nội dung: Báo cáo quý; Thời hạn: ngày 15 tháng cuối quý",
    ])
    parsed, chunks = _check(text)
    by_label = {c.label: c for c in parsed.clauses}
    row = by_label["khoản 1 Điều 1, bảng 1, dòng 2"]
    assert row.kind == "table_row" and text[row.start : row.end].endswith("QCVN 36:2022")
    assert by_label["khoản 1 Điều 1, bảng 1"].kind == "area"
    assert text[by_label["khoản 2 Điều 1"].start:].startswith("2. Danh mục được rà soát")
    assert by_label["Phụ lục, bảng 1, dòng 1"].kind == "table_row"
    row_chunks = [c for c in chunks if c.kind == "table_row"]
    assert [c.clause_label for c in row_chunks] == ["khoản 1 Điều 1, bảng 1, dòng 1", "khoản 1 Điều 1, bảng 1, dòng 2",
                                                    "Phụ lục, bảng 1, dòng 1"]
