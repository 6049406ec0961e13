"""Hybrid retrieval on the real corpus: questions whose answers were looked up in the documents.

A question passes when one of the top 5 passages quotes the answer, and the quoted answer lies inside
the clause that states it (so the citation built from that passage names the right clause, whatever
the chunk boundaries are).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from assistant.engine.retrieve import Passage, Retriever
from ingest.index import SearchFilters
from ingest.pipeline import CorpusIndex

pytestmark = pytest.mark.slow

K = 5


@dataclass(frozen=True)
class Case:
    question: str
    doc_id: str
    clause_id: str  # the clause stating the answer
    quote: str  # verbatim from that clause (normalised text)


CASES = [
    # 002, the task table: one row each
    Case("Nhiệm vụ xây dựng Hệ thống phòng vệ mạng quốc gia do ai chủ trì?",
         "danh-muc-nhiem-vu-2026-2030", "IV/6", "Bộ Công an"),
    Case("ai chu tri xay dung he thong phong ve mang quoc gia",  # typed without diacritics
         "danh-muc-nhiem-vu-2026-2030", "IV/6", "Xây dựng Hệ thống phòng vệ mạng quốc gia"),
    Case("Cơ quan nào chủ trì xây dựng Khung năng lực số quốc gia?",
         "danh-muc-nhiem-vu-2026-2030", "VII/1", "Bộ Giáo dục và Đào tạo"),
    Case("UBND tỉnh bố trí quỹ đất cho TTDL",  # abbreviations
         "danh-muc-nhiem-vu-2026-2030", "II/4", "Bố trí quỹ đất cho các Trung tâm dữ liệu"),
    # 004, the national plan: task blocks
    Case("Năm 2025 cơ quan nào chủ trì đánh giá mô hình ngôn ngữ lớn LLM?",
         "du-thao-kh-cds-qg-2025", "II/3/-17", "Cơ quan chủ trì tổ chức triển khai: Bộ Thông tin và Truyền thông"),
    Case("Chỉ tiêu phủ sóng 5G trong kế hoạch chuyển đổi số quốc gia năm 2025 là gì?",
         "du-thao-kh-cds-qg-2025", "II/3/-12", "số lượng trạm 5G triển khai bằng 50% số trạm 4G"),
    Case("Ai chủ trì triển khai giải pháp để 50% dân số trưởng thành có chữ ký số?",
         "du-thao-kh-cds-qg-2025", "II/9/-8", "50% dân số trưởng thành có chữ ký số hoặc chữ ký điện tử"),
    # the laws: articles
    Case("Giao dịch điện tử là gì?",
         "luat-gddt-2023", "C1/D3", "Giao dịch điện tử là giao dịch được thực hiện bằng phương tiện điện tử"),
    Case("Chữ ký điện tử được phân loại như thế nào?",
         "luat-gddt-2023", "C3/M1/D22", "Chữ ký điện tử được phân loại theo phạm vi sử dụng"),
    Case("Những hành vi nào bị nghiêm cấm về an ninh mạng?",
         "luat-anm-2018", "C1/D8", "Các hành vi bị nghiêm cấm về an ninh mạng"),
    Case("Luật An ninh mạng có hiệu lực thi hành từ ngày nào?",
         "luat-anm-2018", "C7/D43", "Luật này có hiệu lực thi hành từ ngày 01 tháng 01 năm 2019"),
    Case("Quy định về chống thư rác trong Luật Công nghệ thông tin",
         "luat-cntt-2006", "C4/M4/D70", "Chống thư rác"),
    # 003, the commune (cấp xã) guide: sections
    Case("Xã triển khai hệ thống điều hành thông minh cấp xã (COC) như thế nào?",
         "huong-dan-kh-cds-cap-xa", "2/2.3/1/1.3", "Triển khai thí điểm giai đoạn 1 của COC cấp xã"),
    Case("Kinh phí thực hiện kế hoạch chuyển đổi số cấp xã cần xác định những gì?",
         "huong-dan-kh-cds-cap-xa", "2/2.5", "xây dựng dự toán sơ bộ để đăng ký vốn thực hiện với cấp trên"),
    Case("Nhiệm vụ phát triển kinh tế số ở cấp xã gồm những gì?",
         "huong-dan-kh-cds-cap-xa", "2/2.3/2", "Tạo lập mã địa chỉ số Vpostcode"),
    Case("Nguyên tắc lập kế hoạch chuyển đổi số cấp xã",
         "huong-dan-kh-cds-cap-xa", "2/2.1", "Ở các cấp cần thành lập Ban chỉ đạo triển khai"),
    # 000, the 2026-2030 framework; 001, the 2025 guidance letter; Nghị quyết 57
    Case("Giai đoạn 2028-2030 bao nhiêu phần trăm người dân hài lòng với dịch vụ công trực tuyến?",
         "khung-kh-cds-2026-2030", "II/2/2.1/a/*2", "99% người dân, doanh nghiệp đánh giá hài lòng"),
    Case("Kế hoạch chuyển đổi số năm 2025 phải được xây dựng trên cơ sở nào?",
         "cv-3816-btttt-cdsqg", "I/2", "Kế hoạch phải được xây dựng trên cơ sở đánh giá đầy đủ, chính xác tình hình"),
    Case("Năm 2025 các bộ, ngành, địa phương cần làm gì về phê duyệt cấp độ an toàn hệ thống thông tin?",
         "cv-3816-btttt-cdsqg", "II/6", "phê duyệt cấp độ an toàn hệ thống thông tin"),
    Case("Nghị quyết 57 đặt mục tiêu kinh phí chi cho nghiên cứu phát triển đạt bao nhiêu phần trăm GDP?",
         "nq-57-nq-tw", "II/1", "Kinh phí chi cho nghiên cứu phát triển (R&D) đạt 2% GDP"),
    Case("Ai đứng đầu Ban Chỉ đạo Trung ương về phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số?",
         "nq-57-nq-tw", "IV/1", "do đồng chí Tổng Bí thư Ban Chấp hành Trung ương Đảng làm Trưởng Ban"),
]


def _answers(index: CorpusIndex, case: Case, passage: Passage) -> bool:
    """The passage quotes the answer, at a place inside the clause that states it."""
    if passage.doc_id != case.doc_id or case.quote not in passage.text:
        return False
    clause = index.docstore.get(case.doc_id).parsed.by_id()[case.clause_id]
    at = passage.start + passage.text.index(case.quote)
    return clause.start <= at < clause.end


def test_every_quote_is_verbatim_inside_its_clause(corpus_index: CorpusIndex):
    """The gold data itself: each quote is found once inside the clause it is attributed to."""
    for case in CASES:
        doc = corpus_index.docstore.get(case.doc_id)
        clause = doc.parsed.by_id()[case.clause_id]
        assert case.quote in doc.text[clause.start : clause.end], case


@pytest.mark.parametrize("case", CASES, ids=[f"{c.doc_id}:{c.clause_id}" for c in CASES])
def test_the_answering_clause_is_in_the_top_k(corpus_index: CorpusIndex, case: Case):
    passages = Retriever(corpus_index).search(case.question, k=K).passages
    assert any(_answers(corpus_index, case, p) for p in passages), [(p.doc_id, p.clause_label) for p in passages]


def test_the_002_row_example_is_ranked_first(corpus_index: CorpusIndex):
    top = Retriever(corpus_index).search(CASES[0].question, k=K).passages[0]
    assert (top.doc_id, top.kind, top.clause_id, top.clause_label) == (
        "danh-muc-nhiem-vu-2026-2030", "table_row", "IV/6", "Lĩnh vực IV, nhiệm vụ 6")
    assert "Bộ Công an" in top.text and "Các bộ, ngành, địa phương" in top.text


def test_passages_quote_the_stored_text_exactly(corpus_index: CorpusIndex):
    retriever = Retriever(corpus_index)
    for case in CASES:
        passages = retriever.search(case.question, k=K).passages
        assert [p.rank for p in passages] == list(range(1, K + 1))
        for p in passages:
            assert corpus_index.docstore.get(p.doc_id).text[p.start : p.end] == p.text


# --- filters ------------------------------------------------------------------------------------


def _meta(index: CorpusIndex, passage: Passage):
    return index.docstore.get(passage.doc_id).meta


def test_filter_by_chunk_kind(corpus_index: CorpusIndex):
    passages = Retriever(corpus_index).search(CASES[0].question, k=10, filters=SearchFilters(kinds=("task",))).passages
    assert len(passages) == 10
    assert {(p.doc_id, p.kind) for p in passages} == {("du-thao-kh-cds-qg-2025", "task")}
    assert any(p.clause_id.startswith("II/6/") for p in passages)  # 004's cyber-security tasks


def test_filter_by_level(corpus_index: CorpusIndex):
    passages = Retriever(corpus_index).search("kế hoạch chuyển đổi số cần những nội dung gì",
                                              k=10, filters=SearchFilters(levels=("xã",))).passages
    assert len(passages) == 10 and {p.doc_id for p in passages} == {"huong-dan-kh-cds-cap-xa"}


def test_filter_by_status(corpus_index: CorpusIndex):
    passages = Retriever(corpus_index).search("ứng dụng công nghệ thông tin trong cơ quan nhà nước",
                                              k=15, filters=SearchFilters(statuses=("in_force",))).passages
    assert len(passages) == 15
    assert {_meta(corpus_index, p).status for p in passages} == {"in_force"}
    assert "luat-cntt-2006" not in {p.doc_id for p in passages}  # amended, not in force as it stands


def test_filter_by_document_finds_the_article_there(corpus_index: CorpusIndex):
    passages = Retriever(corpus_index).search("thư rác", k=5, filters=SearchFilters(doc_ids=("luat-cntt-2006",))).passages
    assert {p.doc_id for p in passages} == {"luat-cntt-2006"}
    assert passages[0].clause_id == "C4/M4/D70" and passages[0].clause_label == "Điều 70"


def test_filters_combine(corpus_index: CorpusIndex):
    filters = SearchFilters(doc_kinds=("law",), statuses=("in_force",), kinds=("text",))
    passages = Retriever(corpus_index).search(CASES[7].question, k=10, filters=filters).passages
    assert len(passages) == 10
    assert {p.doc_id for p in passages} <= {"luat-gddt-2023", "luat-anm-2018"}
    assert any(_answers(corpus_index, CASES[7], p) for p in passages)


def test_a_filter_nothing_matches_returns_nothing(corpus_index: CorpusIndex):
    filters = SearchFilters(doc_ids=("khong-co-tai-lieu-nay",))
    assert Retriever(corpus_index).search(CASES[0].question, k=5, filters=filters).passages == []
