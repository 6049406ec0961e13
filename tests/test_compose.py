"""Extractive answers on the real corpus: units, question types, each answer shape, verbatim quotes.

The pure tests cut the corpus files themselves; the slow ones ask the real Assistant over the real
index (``corpus_index``) questions written from reading the documents.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.core import Assistant
from assistant.engine._qtype import classify
from assistant.engine._units import document_units
from assistant.engine.select import _period
from assistant.schemas import Answer
from eval.dataset import load_dataset
from ingest.corpus import scan_corpus
from ingest.docstore import StoredDocument
from ingest.load import load_file
from ingest.normalise import normalise
from ingest.pipeline import CorpusIndex
from ingest.structure import parse_structure
from tests.conftest import CORPUS_DIR, DATASETS_DIR

TABLE_DOC = "danh-muc-nhiem-vu-2026-2030"
PLAN_DOC = "du-thao-kh-cds-qg-2025"
FRAMEWORK_DOC = "khung-kh-cds-2026-2030"
COMMUNE_DOC = "huong-dan-kh-cds-cap-xa"
MARKER = re.compile(r"\[(\d+)\]")


def _stored_documents() -> list[StoredDocument]:
    entries, _ = scan_corpus(CORPUS_DIR)
    docs = []
    for entry in entries:
        loaded = load_file(entry.path, 20 * 1024 * 1024)
        norm = normalise(loaded.text)
        meta = entry.resolved_meta(norm.text)
        docs.append(StoredDocument(meta=meta, norm=norm, parsed=parse_structure(norm.text, meta.id),
                                   source_text=loaded.text, format=loaded.format, node_ids=()))
    return docs


@pytest.mark.parametrize("doc", _stored_documents(), ids=lambda d: d.meta.id)
def test_units_are_verbatim_ordered_and_inside_their_clause(doc: StoredDocument):
    units = document_units(doc)
    assert len(units.units) > 50
    previous_end = 0
    for i, unit in enumerate(units.units):
        assert unit.seq == i
        assert unit.text == doc.text[unit.start:unit.end] and unit.text == unit.text.strip()
        assert unit.start >= previous_end, "units overlap"
        clause = units.clauses[unit.clause_id]
        assert clause.start <= unit.start and unit.end <= clause.end
        previous_end = unit.end
    # Every task record is one unit, whole.
    assert {u.clause_id for u in units.units if u.kind == "task"} == {t.clause_id for t in doc.parsed.tasks}


def test_units_keep_list_items_apart_and_headings_whole():
    doc = next(d for d in _stored_documents() if d.meta.id == COMMUNE_DOC)
    units = document_units(doc)
    texts = [u.text for u in units.units]
    assert "(1) Mỗi người dân có một danh tính số" in texts
    assert "(8) Phát triển làng số." in texts
    heading = next(u for u in units.units if u.text == "11. Xã hội số")
    assert heading.kind == "heading"


@pytest.mark.parametrize(("question", "shape", "fields"), [
    ("Nhiệm vụ xây dựng Hệ thống phòng vệ mạng quốc gia do ai chủ trì, hạn khi nào?", "task", ("lead", "deadline")),
    ("Nhiem vu nay ai phoi hop?", "task", ("coordinating",)),
    # "cơ quan nào" after "phối hợp" asks the partner; with "chủ trì" both
    ("Cơ quan phối hợp của nhiệm vụ này là những cơ quan nào?", "task", ("coordinating",)),
    ("Nhiệm vụ này do cơ quan nào chủ trì, phối hợp?", "task", ("lead", "coordinating")),
    ("Quy mô kinh tế số năm 2025 là bao nhiêu % GDP?", "factoid", ()),
    ("Dịch vụ tin cậy gồm những dịch vụ nào?", "list", ()),
    ("Các nghị quyết nào được nêu trong phần căn cứ lập KH CĐS cấp tỉnh?", "list", ()),  # "các X nào": plural
    ("Nghị quyết nào được nêu trong phần căn cứ lập KH CĐS cấp tỉnh?", "factoid", ()),
    ("Khi viết mục 'Tổ chức thực hiện' cần làm rõ những nội dung gì?", "howto", ()),
    ("So sánh chỉ tiêu năm 2025 với giai đoạn 2028-2030", "compare", ()),
    ("Chỉ tiêu giai đoạn 2026-2030 đến năm 2030 là gì?", "factoid", ()),  # one period, not a comparison
    # two periods the question joins are compared; one that is only context is not
    ("Quy mô kinh tế số năm 2025 là bao nhiêu % GDP, còn mục tiêu cho năm 2030 là bao nhiêu?", "compare", ()),
    ("muc tieu 5G nam 2025 va nam 2030 la bao nhieu?", "compare", ()),
    ("Khi xây dựng KH CĐS năm 2025, phần đánh giá kết quả năm 2024 phải làm như thế nào?", "howto", ()),
    # the year of a document number names no period: no comparison of 2017 with 2006
    ("Luật số 21/2017/QH14 đã sửa đổi, bổ sung những điều nào của Luật Công nghệ thông tin 2006?", "list", ()),
    # a way of doing, typed with or without diacritics; "khoảng cách số" is no way
    ("Cách xác định mục tiêu cụ thể khi lập KH CĐS cấp xã?", "howto", ()),
    ("cach thuc lay y kien gop y du thao ke hoach?", "howto", ()),
    ("Làm sao để nhiệm vụ trong kế hoạch bảo đảm tính khả thi?", "howto", ()),
    ("Thu hẹp khoảng cách số giữa thành thị và nông thôn đến năm 2030 là bao nhiêu?", "factoid", ()),
    ("Phân biệt chữ ký điện tử và chữ ký số?", "compare", ()),
    ("Doanh nghiệp có tư cách pháp nhân cần điều kiện gì?", "factoid", ()),
    ("Quy cách hồ sơ điện tử gồm những gì?", "list", ()),
    ("Theo cách hiểu của Luật GDĐT 2023, dữ liệu là gì?", "factoid", ()),
    ("Mọi tổ chức, không phân biệt quy mô, có nghĩa vụ gì?", "factoid", ()),
    # "do AI tạo ra": made by artificial intelligence, not "do ai" (by whom)
    ("Nội dung do AI tạo ra phải gắn nhãn thế nào?", "howto", ()),
    ("Nhiệm vụ ứng dụng AI do ai chủ trì?", "task", ("lead",)),
])
def test_question_types(question: str, shape: str, fields: tuple[str, ...]):
    qtype = classify(question)
    assert qtype.shape == shape
    assert qtype.fields == fields


@pytest.mark.parametrize(("question", "asks"), [
    ("Kinh phí bảo vệ an ninh mạng của cơ quan nhà nước lấy từ nguồn nào, còn hệ thống thông tin của các tổ chức "
     "khác thì ai chi trả?", 2),
    ("Giấy phép cung cấp dịch vụ tin cậy có giá trị mấy năm, ai cấp?", 2),
    ("Tỷ lệ A là bao nhiêu % và tỷ lệ B là bao nhiêu %?", 2),
    ("Tổ chức cung cấp dịch vụ tin cậy phải duy trì kênh tiếp nhận thông tin trong khung thời gian nào?", 1),
    ("Hệ thống AI rủi ro cao là gì?", 1),  # "AI" is artificial intelligence, not "who"
    ("luc luong chuyen trach phai bao truoc it nhat bao nhieu gio?", 1),
    ("may chu dat o dau thi phai bao nhieu gio?", 1),  # typed plain, "may", "dau" are also "máy", "đầu"
])
def test_a_question_counts_the_things_it_asks(question: str, asks: int):
    assert classify(question).asks == asks


@pytest.fixture(scope="module")
def assistant(corpus_index: CorpusIndex) -> Assistant:
    return Assistant(corpus_index.settings, corpus_index)


def _ask(assistant: Assistant, question: str) -> Answer:
    answer = assistant.ask(question)
    assert answer.answerable, answer.answer
    _check_citations(assistant, answer)
    return answer


def _check_citations(assistant: Assistant, answer: Answer) -> None:
    """Every quote verbatim at its offsets; every [n] resolves; every citation is used; n = 1..N."""
    for c in answer.citations:
        doc = assistant.index.docstore.get(c.doc_id)
        assert doc.text[c.char_start:c.char_end] == c.quote
        assert 0 <= c.source_start <= c.source_end <= len(doc.source_text)
    numbers = [c.n for c in answer.citations]
    assert numbers == list(range(1, len(numbers) + 1))
    used = {int(n) for n in MARKER.findall(answer.answer)}
    assert used == set(numbers)


def _lines(answer: Answer) -> list[str]:
    return answer.answer.split("\n")


@pytest.mark.slow
def test_task_lookup_gives_lead_coordinating_and_deadline_of_the_002_row(assistant: Assistant):
    answer = _ask(assistant, "Nhiệm vụ xây dựng Hệ thống phòng vệ mạng quốc gia do ai chủ trì, hạn khi nào?")
    record = next(t for t in assistant.index.docstore.get(TABLE_DOC).parsed.tasks
                  if t.task.text == "Xây dựng Hệ thống phòng vệ mạng quốc gia")
    assert _lines(answer) == [
        f"**Theo Danh mục nhiệm vụ CĐS 2026-2030 (dự thảo), {record.label}:**",
        "- Nhiệm vụ: Xây dựng Hệ thống phòng vệ mạng quốc gia [1]",
        "- Cơ quan chủ trì: Bộ Công an [1]",
        "- Cơ quan phối hợp: Các bộ, ngành, địa phương [1]",
        "- Thời hạn hoàn thành: 2026 [1]",
    ]
    citation = answer.citations[0]
    assert (citation.doc_id, citation.clause, citation.status) == (TABLE_DOC, record.label, "draft")
    assert citation.char_start <= record.task.start and record.deadline.end <= citation.char_end
    assert citation.citation == f"Danh mục nhiệm vụ CĐS 2026-2030, {record.label}"
    assert any("dự thảo" in w for w in answer.warnings)


@pytest.mark.slow
def test_task_lookup_in_the_004_plan_renders_every_field(assistant: Assistant):
    answer = _ask(assistant, "Nhiệm vụ cấp phép thí điểm dịch vụ vệ tinh tầm thấp do ai chủ trì, ai phối hợp và hạn khi nào?")
    body = _lines(answer)[1:]
    assert body == [
        "- Nhiệm vụ: Cấp phép thí điểm dịch vụ vệ tinh tầm thấp. [1]",
        "- Kết quả thực hiện: Quyết định của cấp có thẩm quyền [1]",
        "- Cơ quan chủ trì: Bộ Thông tin và Truyền thông. [1]",
        "- Cơ quan phối hợp: Bộ Tư pháp, Bộ Công an, Bộ Quốc phòng và các doanh nghiệp viễn thông. [1]",
        "- Thời hạn hoàn thành: Tháng 12/2025. [1]",
    ]
    assert answer.citations[0].doc_id == PLAN_DOC


@pytest.mark.slow
def test_a_list_question_returns_every_item_in_order(assistant: Assistant):
    answer = _ask(assistant, "Dịch vụ tin cậy gồm những dịch vụ nào theo Luật Giao dịch điện tử?")
    assert _lines(answer)[:5] == [
        "**Theo khoản 1 Điều 28 Luật Giao dịch điện tử 2023:**",
        "- **1. Dịch vụ tin cậy bao gồm:** [1]",
        "  - a) Dịch vụ cấp dấu thời gian; [1]",
        "  - b) Dịch vụ chứng thực thông điệp dữ liệu; [1]",
        "  - c) Dịch vụ chứng thực chữ ký số công cộng. [1]",
    ]
    assert answer.citations[0].citation == "khoản 1 Điều 28 Luật Giao dịch điện tử 2023"


@pytest.mark.slow
def test_a_list_of_numbered_tasks_is_complete(assistant: Assistant):
    answer = _ask(assistant, "Theo định hướng 2024-2025, ở nhóm Kinh tế số địa phương thực hiện những nhiệm vụ nào?")
    text = answer.answer
    items = ["(1) Đo lường kinh tế số", "(2) Phát triển kinh tế số ngành, lĩnh vực",
             "(3) Chuyển đổi số doanh nghiệp nhỏ và vừa"]
    positions = [text.index(item) for item in items]
    assert positions == sorted(positions)
    assert answer.citations[0].doc_id == COMMUNE_DOC


@pytest.mark.slow
def test_howto_returns_the_sections_guidance_in_order(assistant: Assistant):
    answer = _ask(assistant, "Khi viết mục 'Kinh phí thực hiện' trong kế hoạch chuyển đổi số cấp xã cần lưu ý gì?")
    doc = assistant.index.docstore.get(COMMUNE_DOC)
    section = next(c for c in doc.parsed.clauses if c.title == "Kinh phí thực hiện" and c.kind == "section")
    expected = [" ".join(u.text.split()) for u in document_units(doc).subtree(section.id)]
    positions = [answer.answer.index(text) for text in expected]
    assert positions == sorted(positions)
    assert answer.citations[0].clause == section.label


@pytest.mark.slow
def test_a_comparison_shows_each_period_labelled(assistant: Assistant):
    answer = _ask(assistant, "So sánh chỉ tiêu tỷ lệ dân số trưởng thành có chữ ký số giai đoạn 2025-2027 "
                             "và giai đoạn 2028-2030 theo khung kế hoạch")
    lines = _lines(answer)

    def source_of(figure: str) -> str:  # the "**Theo …:**" line the figure's quote is under
        at = next(i for i, line in enumerate(lines) if figure in line)
        return next(line for line in reversed(lines[:at + 1]) if line.startswith("**Theo "))

    early = source_of("50% dân số trưởng thành có chữ ký số")
    late = source_of("70% dân số trưởng thành có chữ ký số")
    assert "Giai đoạn năm 2025-2027" in early and "Khung KH CĐS cấp bộ, tỉnh 2026-2030" in early
    assert "Giai đoạn 2028-2030" in late and "Khung KH CĐS cấp bộ, tỉnh 2026-2030" in late
    assert {c.doc_id for c in answer.citations} == {FRAMEWORK_DOC}


@pytest.mark.slow
def test_a_factoid_quotes_the_figure_and_flags_the_draft(assistant: Assistant):
    answer = _ask(assistant, "Quy mô kinh tế số năm 2025 theo dự thảo kế hoạch quốc gia là bao nhiêu % GDP?")
    assert answer.answer == ("**Theo Dự thảo KH CĐS quốc gia 2025 (dự thảo), Mục I, điểm b, ý 4:** "
                             "Quy mô kinh tế số: 20,5% GDP. [1]")
    assert answer.warnings == ["Dự thảo KH CĐS quốc gia 2025 là dự thảo: nội dung có thể thay đổi khi văn bản "
                               "được ban hành."]


@pytest.mark.slow
def test_an_amended_law_carries_its_status_note(assistant: Assistant):
    answer = _ask(assistant, "Theo Luật Công nghệ thông tin 2006, Chính phủ quy định những gì về cơ sở dữ liệu quốc gia?")
    assert any(c.doc_id == "luat-cntt-2006" for c in answer.citations)
    assert any(w.startswith("Luật Công nghệ thông tin 2006 đã được sửa đổi, bổ sung") for w in answer.warnings)


@pytest.mark.slow
@pytest.mark.parametrize("dataset", ["calib.jsonl", "dev.jsonl"])
def test_every_quote_of_every_answer_is_verbatim(assistant: Assistant, dataset: str):
    answered = 0
    for item in load_dataset(Path(DATASETS_DIR) / dataset):
        answer = assistant.ask(item.question)
        _check_citations(assistant, answer)
        assert answer.answerable == bool(answer.citations)
        answered += answer.answerable
    assert answered > 0


@pytest.mark.slow
def test_llm_mode_without_a_backend_stays_extractive(assistant: Assistant):
    assert assistant.settings.llm_backend == "none"
    question = "Quy mô kinh tế số năm 2025 theo dự thảo kế hoạch quốc gia là bao nhiêu % GDP?"
    answer = assistant.ask(question, mode="llm")
    assert answer.mode == "extractive"
    assert answer.answer == assistant.ask(question, mode="extractive").answer


@pytest.mark.slow
def test_a_counted_list_is_one_enumeration_whole(assistant: Assistant):
    """'… 4 chính sách nào …' asks for one list of four items, not four separate quotes."""
    answer = _ask(assistant, "Về thể chế số giai đoạn 2024-2025, địa phương cần ban hành 4 chính sách nào?")
    for item in ("(1) Chính sách cung cấp và sử dụng dịch vụ công trực tuyến toàn trình",
                 "(2) Chính sách tỷ lệ chi tối thiểu", "(3) Chính sách chuyển đổi số doanh nghiệp nhỏ và vừa",
                 "(4) Chính sách thuê chuyên gia chuyển đổi số"):
        assert item in answer.answer
    assert len(answer.citations) == 1 and answer.citations[0].doc_id == COMMUNE_DOC


@pytest.mark.slow
def test_eight_counted_tasks_are_not_eight_quotes(assistant: Assistant):
    answer = _ask(assistant, "Nhóm xã hội số có 8 nhiệm vụ nào địa phương phải làm trong giai đoạn 2024-2025?")
    assert answer.citations[0].doc_id == COMMUNE_DOC
    assert "(1) Mỗi người dân có một danh tính số" in answer.answer and "(8) Phát triển làng số" in answer.answer
    assert len(answer.citations) <= 2


@pytest.mark.slow
def test_a_two_period_question_quotes_one_source_per_period(assistant: Assistant):
    """Each further source must answer a period the question names that no quote covers yet: the 2025
    plan beside the 2026-2030 framework, not a third text that also speaks of 2030."""
    answer = _ask(assistant, "Mục tiêu về IPv6 năm 2025 và đến năm 2030 là gì?")
    assert [c.doc_id for c in answer.citations] == [FRAMEWORK_DOC, PLAN_DOC]
    assert "90-100%" in answer.answer


@pytest.mark.slow
def test_a_document_numbers_year_is_no_period_of_its_clause(assistant: Assistant):
    """'… theo quy định tại Nghị định số 47/2024/NĐ-CP' is a 2025 guidance clause, not one for 2024: blocks
    read their period as the question reader reads periods."""
    docs, _ = assistant.composer._corpus()
    letter = docs["cv-3816-btttt-cdsqg"]
    unit = next(u for u in letter.units if "47/2024" in (letter.clauses[u.clause_id].title or ""))
    assert _period(letter, unit) == "2025"


@pytest.mark.slow
def test_a_factoid_asking_one_thing_quotes_one_clause_and_one_asking_two_quotes_both(assistant: Assistant):
    """A near tie in the same text is a second answer only when the question asks a second thing."""
    one = _ask(assistant, "Tổ chức cung cấp dịch vụ tin cậy phải duy trì kênh tiếp nhận thông tin, cung cấp dịch "
                          "vụ trong khung thời gian nào?")
    assert [c.clause for c in one.citations] == ["khoản 2 Điều 30"]
    assert "24 giờ trong ngày và 07 ngày trong tuần" in one.answer
    two = _ask(assistant, "Kinh phí bảo vệ an ninh mạng của cơ quan nhà nước lấy từ nguồn nào, còn hệ thống thông "
                          "tin của các tổ chức khác thì ai chi trả?")
    assert sorted(c.clause for c in two.citations) == ["khoản 1 Điều 35", "khoản 2 Điều 35"]
    assert "ngân sách nhà nước bảo đảm" in two.answer and "tự bảo đảm" in two.answer


@pytest.mark.slow
def test_a_law_s_point_is_quoted_after_the_lead_in_that_names_who_must_act(assistant: Assistant):
    answer = _ask(assistant, "Khi xảy ra sự cố lộ, lọt dữ liệu thông tin người sử dụng, ai phải lập tức đưa ra giải "
                             "pháp ứng phó và thông báo đến người sử dụng?")
    assert [c.clause for c in answer.citations[:2]] == ["khoản 1 Điều 41", "điểm c khoản 1 Điều 41"]
    assert answer.citations[0].quote.startswith("1. Doanh nghiệp cung cấp dịch vụ trên không gian mạng tại Việt Nam")


@pytest.mark.slow
def test_a_term_defined_by_a_named_law_is_answered_with_its_definition_whatever_its_gloss(assistant: Assistant):
    answer = _ask(assistant, "Chứng thư điện tử (electronic certificate) được Luật Giao dịch điện tử định nghĩa thế nào?")
    assert [c.clause for c in answer.citations] == ["khoản 5 Điều 3"]
    assert "Chứng thư điện tử là giấy phép, giấy chứng nhận" in answer.answer


@pytest.mark.slow
def test_each_ask_of_a_two_ask_how_to_question_is_answered_from_its_own_search(assistant: Assistant):
    """The words of the 5G ask filled the ranking; the signature ask, searched on its own, brings the law's clause."""
    answer = _ask(assistant, "Khung KH CĐS cấp bộ, tỉnh 2026-2030 đặt chỉ tiêu phủ sóng 5G thế nào, và chữ ký số được "
                             "Luật Giao dịch điện tử 2023 định nghĩa thế nào?")
    assert {c.doc_id for c in answer.citations} == {"khung-kh-cds-2026-2030", "luat-gddt-2023"}
    assert "5G phủ sóng 99% dân số" in answer.answer
    assert any(c.doc_id == "luat-gddt-2023" and "Chữ ký số là" in c.quote for c in answer.citations)
