"""Structured knowledge: deadlines, agencies, areas and legal bases, on strings cut from the corpus and
on the real ingested corpus."""

from __future__ import annotations

import json

import pytest

from assistant.drafting._agencies import lookup, split_agencies
from assistant.drafting._deadlines import parse_deadline
from assistant.drafting._frameworks import FrameworkError, Frameworks
from assistant.drafting._legal_bases import find_references, number_key
from assistant.drafting.knowledge import AREAS, KnowledgeError, resolve_area
from tests.conftest import CORPUS_DIR

DANH_MUC, KH_2025 = "danh-muc-nhiem-vu-2026-2030", "du-thao-kh-cds-qg-2025"


# --- deadlines -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "kind", "label", "end"), [
    ("Tháng 6/2025.", "month", "Tháng 6/2025", (2025, 6)),
    ("Tháng 03/2025.", "month", "Tháng 3/2025", (2025, 3)),
    ("Quý I/2025.", "quarter", "Quý I/2025", (2025, 3)),
    ("2026", "year", "2026", (2026, 12)),
    ("Thử nghiệm 2028", "year", "2028", (2028, 12)),
    ("2026-2030", "range", "2026-2030", (2030, 12)),
    ("2026 - 2030", "range", "2026-2030", (2030, 12)),
    ("Ban hành cơ chế 2026; triển khai 2026-2030", "range", "2026-2030", (2030, 12)),
    ("Thường xuyên", "recurring", "Thường xuyên", None),
    ("Nhiệm vụ thường xuyên.", "recurring", "Thường xuyên", None),
    ("Hằng năm.", "recurring", "Hằng năm", None),
    ("Hàng năm", "recurring", "Hằng năm", None),
    ("trước ngày 30/10/2025", "date", "30/10/2025", (2025, 10)),
    ("", "none", "", None),
])
def test_deadlines_are_normalised(raw, kind, label, end):
    deadline = parse_deadline(raw)
    assert (deadline.raw, deadline.kind, deadline.label, deadline.end) == (raw, kind, label, end)


def test_a_deadline_is_later_than_a_plan_only_when_it_ends_after_it():
    assert parse_deadline("Quý I/2026").later_than((2025, 12))
    assert not parse_deadline("Tháng 12/2025").later_than((2025, 12))
    assert not parse_deadline("Thường xuyên").later_than((2025, 12))


# --- agencies ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("field", "expected"), [
    ("Bộ Tư pháp, Bô Công an, Bộ KH&CN",  # 002 Lĩnh vực I, nhiệm vụ 9 (with the source's typo "Bô")
     [("Bộ Tư pháp", "Bộ Tư pháp"), ("Bô Công an", "Bộ Công an"), ("Bộ KH&CN", "Bộ Khoa học và Công nghệ")]),
    ("Ban Tuyên giáo Trung ương; các bộ, ngành, địa phương; VTV, VOV, TTXVN.",
     [("Ban Tuyên giáo Trung ương", "Ban Tuyên giáo Trung ương"),
      ("các bộ, ngành, địa phương", "Các bộ, ngành, địa phương"), ("VTV", "Đài Truyền hình Việt Nam"),
      ("VOV", "Đài Tiếng nói Việt Nam"), ("TTXVN", "Thông tấn xã Việt Nam")]),
    ("(1) Bộ Tài chính;\n(2) Bộ Ngoại giao;\n(3) Các bộ, ngành, địa phương",
     [("Bộ Tài chính", "Bộ Tài chính"), ("Bộ Ngoại giao", "Bộ Ngoại giao"),
      ("Các bộ, ngành, địa phương", "Các bộ, ngành, địa phương")]),
    ("Bộ Thông tin và Truyền thông, Bộ Quốc phòng, Bộ Công an.",
     [("Bộ Thông tin và Truyền thông", "Bộ Khoa học và Công nghệ"), ("Bộ Quốc phòng", "Bộ Quốc phòng"),
      ("Bộ Công an", "Bộ Công an")]),
    ("Bảo hiểm Xã hội Việt Nam, Bộ Công an và các địa phương Bắc Ninh, Bình Dương, An Giang.",
     [("Bảo hiểm Xã hội Việt Nam", "Bảo hiểm Xã hội Việt Nam"), ("Bộ Công an", "Bộ Công an"),
      ("các địa phương Bắc Ninh, Bình Dương, An Giang", "các địa phương Bắc Ninh, Bình Dương, An Giang")]),
    ("Bộ Công Thương, Ủy ban nhân dân các tỉnh, thành phố, Tập đoàn Điện lực Việt Nam, các doanh nghiệp viễn thông di động.",
     [("Bộ Công Thương", "Bộ Công Thương"),
      ("Ủy ban nhân dân các tỉnh, thành phố", "Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương"),
      ("Tập đoàn Điện lực Việt Nam", "Tập đoàn Điện lực Việt Nam"),
      ("các doanh nghiệp viễn thông di động", "các doanh nghiệp viễn thông di động")]),
    ("Bộ Nông nghiệp và Phát triển nông thôn.", [("Bộ Nông nghiệp và Phát triển nông thôn", "Bộ Nông nghiệp và Môi trường")]),
])
def test_agency_fields_split_into_named_agencies(field, expected):
    refs = split_agencies(field, offset=100)
    assert [(r.text, r.current) for r in refs] == expected
    assert all(field[r.start - 100 : r.end - 100] == r.text for r in refs)


def test_collective_names_say_which_plan_levels_they_address():
    [ubnd] = split_agencies("UBND tỉnh, thành phố trực thuộc Trung ương")
    [everyone] = split_agencies("Các bộ, ngành, địa phương")
    [ministries] = split_agencies("Bộ, ngành,")
    [localities] = split_agencies("Các địa phương.")
    [communes] = split_agencies("Ủy ban nhân dân cấp xã")
    assert ubnd.levels == {"tỉnh"}
    assert everyone.levels == {"bộ", "tỉnh"}  # "địa phương" in a national document is a province
    assert ministries.levels == {"bộ"}
    assert localities.levels == {"tỉnh"}
    assert communes.levels == {"xã"}


@pytest.mark.parametrize("query", ["Bộ KH&CN", "bo khoa hoc va cong nghe", "Bộ TT&TT", "Bộ Thông tin và Truyền thông"])
def test_every_form_of_a_ministry_name_resolves_to_its_current_name(query):
    assert lookup(query).current == "Bộ Khoa học và Công nghệ"


def test_a_renamed_agency_shows_the_name_as_written_and_its_current_name():
    [ref] = split_agencies("Bộ Kế hoạch và Đầu tư.")
    assert ref.display == "Bộ Kế hoạch và Đầu tư (nay là Bộ Tài chính)"


# --- areas --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "key"), [
    ("ha tang so", "ha-tang-so"), ("Hạ tầng số", "ha-tang-so"), ("ha-tang-so", "ha-tang-so"),
    ("ATTT", "attt"), ("an toàn thông tin mạng", "attt"), ("CQS", "chinh-phu-so"), ("chính quyền số", "chinh-phu-so"),
    ("Về nhận thức số", "nhan-thuc-so"), ("kinh te so", "kinh-te-so"),
])
def test_areas_accept_vietnamese_with_or_without_diacritics_and_abbreviations(text, key):
    assert resolve_area(text) == key


def test_an_unknown_area_names_every_valid_one():
    with pytest.raises(KnowledgeError) as error:
        resolve_area("vũ trụ số")
    assert all(label in str(error.value) for label in AREAS.values())


# --- legal references in text -----------------------------------------------------------------------------


def test_a_reference_reads_number_date_issuer_and_title():
    text = ("- Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị về đột phá phát triển khoa học, công nghệ, "
            "đổi mới sáng tạo và chuyển đổi số quốc gia;")
    [ref] = find_references(text)
    assert (ref.kind, ref.number, ref.date, ref.issuer) == ("Nghị quyết", "57-NQ/TW", "2024-12-22", "Bộ Chính trị")
    assert ref.title == "về đột phá phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia"
    assert text[ref.start : ref.end] == ref.text


def test_number_variants_of_one_document_share_a_key():
    assert number_key("57-NQ/TW") == number_key("57/NQ-TW") == number_key("57- NQ/TW")


def test_written_dates_blank_numbers_and_named_laws_are_read():
    [dated] = find_references("Quyết định số 749/QĐ-TTg ngày 03 tháng 6 năm 2020 của Thủ tướng Chính phủ")
    [blank] = find_references("Quyết định số ...../QĐ-TTg, ngày ....tháng... năm 2025 của Thủ tướng Chính phủ")
    [law] = find_references("Luật Công nghệ thông tin số 67/2006/QH11 ban hành trước ngày")
    [named] = find_references("- Luật Chuyển đổi số;")
    assert dated.date == "2020-06-03"
    assert not blank.number_known and blank.key is None
    assert (law.name, law.number) == ("Công nghệ thông tin", "67/2006/QH11")
    assert (named.name, named.number, named.key) == ("Chuyển đổi số", None, "luật:chuyen doi so")


def test_common_nouns_are_not_references():
    assert find_references("Luật này quy định về giao dịch điện tử; các quyết định của cơ quan") == []


# --- the ingested corpus -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_rows_of_002_per_area_match_the_document(kb):
    counts = {}
    for item in kb.tasks(doc_ids=[DANH_MUC]):
        counts[item.record.area_number] = counts.get(item.record.area_number, 0) + 1
    assert counts == {"I": 12, "II": 18, "III": 4, "IV": 11, "V": 7, "VI": 15, "VII": 8, "VIII": 10, "IX": 9,
                      "X": 4, "XI": 2}
    assert all(item.areas for item in kb.tasks(doc_ids=[DANH_MUC, KH_2025]))


@pytest.mark.slow
def test_filtering_by_lead_agency_finds_exactly_the_rows_it_leads(kb):
    # Counted in the documents: 002 has 14 rows whose lead cell is "Bộ Công an"; 004 names it in the
    # lead field of 7 tasks, twice after "Bộ Thông tin và Truyền thông, Bộ Quốc phòng," and once first of eight.
    led = kb.tasks(lead="Bộ Công an")
    assert [t.label for t in led if t.doc_id == DANH_MUC] == [
        "Lĩnh vực I, nhiệm vụ 10", "Lĩnh vực II, nhiệm vụ 8", "Lĩnh vực III, nhiệm vụ 1", "Lĩnh vực III, nhiệm vụ 2",
        *(f"Lĩnh vực IV, nhiệm vụ {n}" for n in range(1, 8)), "Lĩnh vực V, nhiệm vụ 6", "Lĩnh vực VI, nhiệm vụ 2",
        "Lĩnh vực VIII, nhiệm vụ 7"]
    assert [t.label for t in led if t.doc_id == KH_2025] == [
        "Mục II.2 (Thể chế số), nhiệm vụ 4", "Mục II.3 (Hạ tầng số), nhiệm vụ 6",
        "Mục II.6 (An toàn, an ninh mạng), nhiệm vụ 1", "Mục II.6 (An toàn, an ninh mạng), nhiệm vụ 2",
        "Mục II.6 (An toàn, an ninh mạng), nhiệm vụ 4", "Mục II.8 (Kinh tế số), nhiệm vụ 10",
        "Mục II.9 (Xã hội số), nhiệm vụ 7"]
    assert len(kb.tasks(agency="Bộ Công an")) > len(led)  # it also coordinates


@pytest.mark.slow
def test_a_filter_by_agency_finds_every_form_of_its_name(kb):
    # 002 writes "Bộ KH&CN"; 004 writes "Bộ Khoa học và Công nghệ" and, for the same ministry before the
    # 2025 merger, "Bộ Thông tin và Truyền thông".
    forms = [kb.tasks(lead=q) for q in ("Bộ KH&CN", "Bộ Khoa học và Công nghệ", "Bộ Thông tin và Truyền thông")]
    assert forms[0] == forms[1] == forms[2]
    written = {r.text for t in forms[0] for r in t.leads if r.current == "Bộ Khoa học và Công nghệ"}
    assert {"Bộ KH&CN", "Bộ Khoa học và Công nghệ", "Bộ Thông tin và Truyền thông"} <= written


@pytest.mark.slow
def test_every_record_has_a_normalised_deadline_and_agencies_pointing_into_its_document(kb):
    for item in kb.task_items:
        assert item.deadline.kind != "unknown", item.label
        for ref in item.leads + item.coordinating:
            assert item.doc.text[ref.start : ref.end] == ref.text
    empty = [t.label for t in kb.task_items if t.deadline.kind == "none"]
    assert empty == ["Lĩnh vực II, nhiệm vụ 5"]  # "Ban hành quy định bắt buộc về tích hợp IoT": every cell empty


@pytest.mark.slow
def test_legal_bases_link_to_the_corpus_and_keep_every_mention(kb):
    nq57 = kb.legal_bases["57nqtw"]
    assert (nq57.corpus_doc_id, nq57.date, nq57.issuer) == ("nq-57-nq-tw", "2024-12-22", "Bộ Chính trị")
    assert "57/NQ-TW" in {r.number for _, r in nq57.mentions}  # 000 Mục III.8 writes it this way
    assert {d for d, _ in nq57.mentions} == {"khung-kh-cds-2026-2030", KH_2025, "nq-57-nq-tw"}
    assert kb.legal_bases["672006qh11"].corpus_doc_id == "luat-cntt-2006"
    assert kb.legal_bases["202023qh15"].corpus_doc_id == "luat-gddt-2023"
    assert kb.legal_bases["luật:chuyen doi so"].corpus_doc_id is None  # named by 000, not in the corpus
    assert kb.legal_bases["512005qh11"].corpus_doc_id is None  # the 2005 law, repealed by the 2023 one
    for base in kb.legal_bases.values():
        for doc_id, ref in base.mentions:
            assert kb.document(doc_id).text[ref.start : ref.end] == ref.text


@pytest.mark.slow
def test_the_ministry_merger_is_cited_where_the_corpus_states_it(kb):
    change = kb.agency_changes["Bộ Thông tin và Truyền thông"]
    doc_id, start, end = change.evidence
    assert kb.document(doc_id).text[start:end] == "Bộ Thông tin và Truyền thông (nay là Bộ Khoa học và công nghệ)"
    assert kb.agency_changes["Bộ Kế hoạch và Đầu tư"].evidence is None  # stated outside the corpus


# --- frameworks (corpus metadata) ----------------------------------------------------------------------


def test_the_frameworks_file_names_every_level_and_period():
    frameworks = Frameworks.load(CORPUS_DIR)
    assert frameworks.periods() == ["2025", "2026-2030"]
    names = {frameworks.get(lv, p).name for lv in ("xa", "tinh", "bo") for p in frameworks.periods()}  # none missing
    assert "Khung kế hoạch chuyển đổi số cấp bộ, tỉnh giai đoạn 2026-2030" in names
    assert frameworks.get("tinh", "2026-2030").records == [DANH_MUC]
    assert frameworks.get("xa", "2025").end == (2025, 12)


@pytest.mark.parametrize(("edit", "field"), [
    (lambda raw: raw["frameworks"][2].pop("groups"), "frameworks[2].groups"),
    (lambda raw: raw["frameworks"][0].update(period="năm sau"), "frameworks[0].period"),
    (lambda raw: raw["frameworks"][4]["sections"].pop("can-cu"), "frameworks[4]: Value error, sections lacks can-cu"),
    (lambda raw: raw["frameworks"][0]["tasks"][1].pop("upstream"), "frameworks[0].tasks[1]"),
])
def test_an_invalid_frameworks_file_names_the_file_and_the_field(tmp_path, edit, field):
    raw = json.loads((CORPUS_DIR / "frameworks.json").read_text(encoding="utf-8"))
    edit(raw)
    (tmp_path / "frameworks.json").write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(FrameworkError) as error:
        Frameworks.load(tmp_path)
    assert str(error.value).startswith(f"{tmp_path / 'frameworks.json'}: invalid field ")
    assert field in str(error.value)


def test_a_missing_or_broken_frameworks_file_says_what_to_do(tmp_path):
    with pytest.raises(FrameworkError, match="file not found"):
        Frameworks.load(tmp_path)
    (tmp_path / "frameworks.json").write_text("{", encoding="utf-8")
    with pytest.raises(FrameworkError, match=r"not valid JSON \(line 1"):
        Frameworks.load(tmp_path)
