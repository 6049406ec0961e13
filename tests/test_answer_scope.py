"""One reading of the question carried through the answer: the plan level and period it names, an
article it names by number, and follow-ups that change one slot (subject, level, asked field) of the
question before them. Fast tests read questions; slow ones answer them on the real index."""

from __future__ import annotations

import pytest

from assistant.core import Assistant
from assistant.engine.read import ArticleRef, Scope, other_level, read_query, scope_match, scope_of
from assistant.sessions import resolve_follow_up
from ingest.pipeline import CorpusIndex

COMMUNE_GUIDE = "huong-dan-kh-cds-cap-xa"


@pytest.mark.parametrize(("question", "levels", "periods", "article"), [
    ("Phần Tổ chức thực hiện của kế hoạch cấp tỉnh viết thế nào?", ("tỉnh",), (), None),
    ("Xã có cần đưa trung tâm điều hành thông minh vào kế hoạch không?", ("xã",), (), None),
    ("Phát triển xã hội số gồm những gì?", (), (), None),  # "xã hội" is no commune
    ("Giai đoạn 2026-2030, nhiệm vụ đo lường kinh tế số do bộ nào chủ trì?", (), ((2026, 2030),), None),
    ("Luật 20/2023/QH15 quy định gì về chữ ký số?", (), (), None),  # a year inside a number is no period
    ("Theo điểm a khoản 2 Điều 23 Luật GDĐT, chữ ký số có giá trị gì?", (), (), ArticleRef(23, 2, "a")),
    ("cap xa nam 2025 can lam gi", ("xã",), ((2025, 2025),), None),
])
def test_a_question_is_read_once_for_level_period_and_article(question, levels, periods, article):
    reading = read_query(question)
    assert (reading.levels, reading.periods, reading.article) == (levels, periods, article)


@pytest.mark.parametrize(("question", "term", "parts"), [
    ("Theo Luật Giao dịch điện tử 2023, chứng thư điện tử là gì?", "chứng thư điện tử", False),
    ("Không gian mạng được hiểu là gì theo Luật An ninh mạng?", "Không gian mạng", False),
    ("Theo Luật Công nghệ thông tin, ứng dụng công nghệ thông tin được định nghĩa thế nào?",
     "ứng dụng công nghệ thông tin", False),
    ("Dữ liệu cá nhân nhạy cảm gồm những loại thông tin nào?", "Dữ liệu cá nhân nhạy cảm", True),
    ("Nó là gì?", None, False),  # one word names no term
    ("Kế hoạch chuyển đổi số cấp xã viết thế nào?", None, False),
])
def test_a_term_asked_to_be_defined_is_read(question, term, parts):
    reading = read_query(question)
    assert (reading.term, reading.term_parts) == (term, parts)


def test_a_chunk_takes_the_scope_of_its_innermost_heading():
    guide = ["Tài liệu hướng dẫn KH CĐS cấp xã", "Mục 3. ĐỊNH HƯỚNG CHUYỂN ĐỔI SỐ GIAI ĐOẠN 2024-2025",
             "Mục 3.2. Khung kế hoạch chuyển đổi số cấp bộ, tỉnh năm 2024"]
    assert scope_of(guide, ["xã"], "2024-2025") == Scope(frozenset({"bộ", "tỉnh"}), (2024, 2024))
    assert scope_of(guide[:2], ["xã"], "2024-2025") == Scope(frozenset({"xã"}), (2024, 2025))
    # a law's year names the law, not a period it is for: it is neither for nor against "năm 2025"
    assert scope_of(["Luật An ninh mạng 2018", "Điều 1"], ["quốc gia"], None) == Scope(frozenset({"quốc gia"}), None)


def test_scope_match_is_for_against_or_silent():
    province = read_query("Kế hoạch cấp tỉnh năm 2025 gồm những gì?")
    assert scope_match(province, Scope(frozenset({"bộ", "tỉnh"}), (2025, 2025))) == 1.0
    assert scope_match(province, Scope(frozenset({"xã"}), (2024, 2025))) == 0.0  # level against, year for
    assert scope_match(province, Scope(frozenset({"xã"}), (2026, 2030))) == -1.0
    assert scope_match(province, Scope(frozenset({"quốc gia"}), None)) == 0.0  # national law: neither
    several = read_query("Quy mô kinh tế số năm 2025 và mục tiêu đến 2030, 2045?")
    assert scope_match(several, Scope(frozenset(), (2025, 2025))) == 1.0
    assert other_level(province, [Scope(frozenset({"xã"}), None)]) == "xã"
    assert other_level(province, [Scope(frozenset({"xã"}), None), Scope(frozenset({"tỉnh"}), None)]) is None


@pytest.mark.parametrize(("follow_up", "previous", "resolved"), [
    ("vậy còn phủ sóng 5G thì sao?", "Chỉ tiêu phủ sóng 4G năm 2025 là bao nhiêu?",
     "Chỉ tiêu phủ sóng 5G năm 2025 là bao nhiêu?"),
    ("còn Trung tâm dữ liệu quốc gia?", "Nhiệm vụ xây dựng Hệ thống phòng vệ mạng quốc gia do ai chủ trì?",
     "Trung tâm dữ liệu quốc gia do ai chủ trì?"),
    ("còn cấp tỉnh thì sao?", "Kế hoạch CĐS cấp xã gồm những nội dung gì?", "Kế hoạch CĐS cấp tỉnh gồm những nội dung gì?"),
    ("hạn hoàn thành khi nào?", "Nhiệm vụ xây dựng Hệ thống phòng vệ mạng quốc gia do ai chủ trì?",
     "Nhiệm vụ xây dựng Hệ thống phòng vệ mạng quốc gia: hạn hoàn thành khi nào?"),
])
def test_a_follow_up_replaces_one_slot_of_the_question_before(follow_up, previous, resolved):
    assert resolve_follow_up(follow_up, [previous]) == resolved


@pytest.fixture(scope="module")
def assistant(corpus_index: CorpusIndex) -> Assistant:
    return Assistant(corpus_index.settings, corpus_index)


@pytest.mark.slow
def test_an_article_named_by_number_is_answered_with_that_article(assistant: Assistant):
    answer = assistant.ask("Theo Luật Giao dịch điện tử 2023, khoản 2 Điều 23 quy định gì?")
    assert answer.answerable and answer.citations[0].clause == "khoản 2 Điều 23"
    assert answer.answer.startswith("**Theo khoản 2 Điều 23 Luật Giao dịch điện tử 2023:**")
    assert answer.citations[0].quote.startswith("2. Chữ ký điện tử chuyên dùng bảo đảm an toàn hoặc chữ ký số")
    typed_plain = assistant.ask("Theo luat giao dich dien tu 2023, khoan 2 dieu 23 quy dinh gi?")  # read as restored
    assert typed_plain.citations[0].clause == "khoản 2 Điều 23"


@pytest.mark.slow
def test_an_article_named_only_as_a_reference_is_not_the_answer(assistant: Assistant):
    answer = assistant.ask("Theo Luật An ninh mạng, doanh nghiệp viễn thông phải xóa thông tin vi phạm Điều 16 "
                           "chậm nhất trong bao lâu kể từ khi có yêu cầu?")
    assert answer.answerable and answer.citations[0].clause != "Điều 16"
    assert "24 giờ" in answer.answer


@pytest.mark.slow
def test_an_article_the_named_law_lacks_is_refused(assistant: Assistant):
    answer = assistant.ask("Điều 45 Luật An ninh mạng quy định gì?")  # the law has 43 articles
    assert not answer.answerable and "Điều 45" in answer.answer


@pytest.mark.slow
def test_a_question_naming_a_level_is_answered_from_that_level(assistant: Assistant):
    answer = assistant.ask("Phần Tổ chức thực hiện của kế hoạch cấp tỉnh viết thế nào?")
    assert answer.answerable
    assert (answer.citations[0].doc_id, answer.citations[0].clause) == ("khung-kh-cds-2026-2030", "Mục V")
    assert "Lưu ý" not in answer.answer


@pytest.mark.slow
@pytest.mark.parametrize(("question", "source"), [
    ("Soạn nhanh mục 'Nhân lực số' cho KH CĐS năm 2025 của một bộ, bám theo hướng dẫn của Bộ TT&TT.",
     ("cv-3816-btttt-cdsqg", "Mục II.4")),
    ("Mục 'Nhân lực số' trong KH CĐS cấp bộ giai đoạn 2026-2030 cần những nội dung gì?",
     ("khung-kh-cds-2026-2030", "Mục III.4")),
])
def test_a_named_section_is_the_one_of_the_period_asked(assistant: Assistant, question: str, source: tuple[str, str]):
    """Both the 2025 guidance and the 2026-2030 framework have a section "Nhân lực số"."""
    answer = assistant.ask(question)
    assert answer.answerable and (answer.citations[0].doc_id, answer.citations[0].clause) == source


@pytest.mark.slow
def test_a_repealed_article_is_answered_with_the_clause_that_repealed_it(assistant: Assistant):
    answer = assistant.ask("Điều 58 Luật CNTT 2006 về cơ sở dữ liệu quốc gia hiện còn hiệu lực không?")
    assert answer.answerable
    assert [(c.doc_id, c.clause) for c in answer.citations] == [("luat-cntt-2006", "Điều 58"),
                                                                 ("luat-gddt-2023", "khoản 4 Điều 51")]
    assert "Bãi bỏ Điều 58 và Điều 59 của Luật Công nghệ thông tin" in answer.answer


@pytest.mark.slow
def test_a_commune_question_answered_from_a_national_plan_says_so(assistant: Assistant):
    answer = assistant.ask("Cấp xã phải đạt tỷ lệ hồ sơ trực tuyến toàn trình bao nhiêu?")
    assert answer.answerable and answer.citations[0].doc_id == "du-thao-kh-cds-qg-2025"
    assert answer.answer.startswith("*Lưu ý: nội dung trích đầu tiên dưới đây thuộc Dự thảo KH CĐS quốc gia 2025 "
                                    "(cấp quốc gia), không phải nội dung riêng cho cấp xã.*")


@pytest.mark.slow
def test_a_period_prefers_that_periods_task_row(assistant: Assistant):
    answer = assistant.ask("Giai đoạn 2026-2030 nhiệm vụ đo lường kinh tế số do bộ nào chủ trì?")
    assert answer.answerable and "Cơ quan chủ trì: Bộ Tài chính" in answer.answer
    assert COMMUNE_GUIDE not in {c.doc_id for c in answer.citations}  # its orientation is for 2024-2025


@pytest.mark.slow
def test_follow_ups_switch_subject_level_and_field(assistant: Assistant):
    session = assistant.new_session()
    assistant.ask("Chỉ tiêu phủ sóng 4G năm 2025 là bao nhiêu?", session_id=session)
    five_g = assistant.ask("vậy còn phủ sóng 5G thì sao?", session_id=session)
    assert five_g.resolved_question == "Chỉ tiêu phủ sóng 5G năm 2025 là bao nhiêu?"
    assert "Phủ sóng 5G toàn quốc" in five_g.citations[0].quote

    session = assistant.new_session()
    commune = assistant.ask("Kế hoạch CĐS cấp xã gồm những nội dung gì?", session_id=session)
    assert commune.citations[0].doc_id == COMMUNE_GUIDE
    province = assistant.ask("còn cấp tỉnh thì sao?", session_id=session)
    first = province.citations[0]
    # from a province-level text: the 2026-2030 framework, Công văn 3816, or the guide's "cấp bộ, tỉnh" section
    assert first.doc_id != COMMUNE_GUIDE or first.clause.startswith("Mục 3.2"), (first.doc_id, first.clause)

    session = assistant.new_session()
    assistant.ask("Nhiệm vụ xây dựng Hệ thống phòng vệ mạng quốc gia do ai chủ trì?", session_id=session)
    deadline = assistant.ask("hạn hoàn thành khi nào?", session_id=session)
    assert deadline.citations[0].clause == "Lĩnh vực IV, nhiệm vụ 6"
    assert "Thời hạn hoàn thành: 2026" in deadline.answer


@pytest.mark.slow
def test_a_document_cited_by_kind_and_number_is_named(assistant: Assistant):
    lexicon = assistant.composer.lexicon
    assert "nq-57-nq-tw" in lexicon.query("Nghị quyết 57 đặt mục tiêu gì cho kinh tế số?").named_docs
    assert "cv-3816-btttt-cdsqg" in lexicon.query("CV 3816 yêu cầu đánh giá kết quả năm 2024 thế nào?").named_docs
    assert lexicon.query("Tỷ lệ 57% dịch vụ công trực tuyến là của năm nào?").named_docs == ()


@pytest.mark.slow
@pytest.mark.parametrize(("question", "clause"), [
    ("Theo Luật Giao dịch điện tử 2023, chứng thư điện tử là gì?", "khoản 5 Điều 3"),
    ("Không gian mạng được hiểu là gì theo Luật An ninh mạng?", "khoản 3 Điều 2"),
    ("Theo Luật Công nghệ thông tin, ứng dụng công nghệ thông tin được định nghĩa thế nào?", "khoản 5 Điều 4"),
])
def test_a_term_is_answered_with_the_clause_that_defines_it(assistant: Assistant, question: str, clause: str):
    answer = assistant.ask(question)
    assert answer.answerable and answer.citations[0].clause == clause
