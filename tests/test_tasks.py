"""Task tables on the real corpus: rows from upper-level records and level guidance, adapted to the
level, de-duplicated, every row cited; and `cds draft tasks`."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from assistant.cli import main
from assistant.drafting._deadlines import parse_deadline
from assistant.drafting.export import to_json
from assistant.drafting.tasks import _deadline, draft_tasks
from tests.conftest import DATASETS_DIR

pytestmark = pytest.mark.slow

XA_GUIDE = "huong-dan-kh-cds-cap-xa"


def test_a_commune_infrastructure_table_holds_the_commune_guide_items(kb):
    table = draft_tasks(kb, level="xa", period="2025", area="ha tang so")
    roles = {(r.doc_id, r.clause_id): row.role for row in table.rows for r in row.records}
    own = {(XA_GUIDE, f"2/2.3/1/1.1/-{n}") for n in range(1, 7)}
    assert {key: roles.get(key) for key in own} == dict.fromkeys(own, "chủ trì")
    # the 2024-2025 orientation is for provinces: the commune takes part where it reaches the grassroots
    assert {n: roles.get((XA_GUIDE, f"3/3.1/2/({n})")) for n in range(1, 5)} == {
        1: "phối hợp", 2: "phối hợp", 3: "phối hợp", 4: None}  # (4) is the province's data centre
    assert {row.lead for row in table.rows if row.role == "chủ trì"} == {"UBND xã [Tên xã]"}
    assert all("UBND xã [Tên xã]" in row.coordinating for row in table.rows if row.role == "phối hợp")
    assert {row.area for row in table.rows} == {"ha-tang-so"}
    assert table.rows[0].role == "chủ trì" and table.rows[-1].role == "phối hợp"  # own tasks first


def test_the_commune_guide_s_own_attt_item_is_in_the_commune_attt_list(kb):
    table = draft_tasks(kb, level="xa", period="2026-2030", area="ATTT")
    assert [(r.records[0].clause_id, r.role) for r in table.rows] == [("2/2.3/1/1.1/-4", "chủ trì")]
    assert "an toàn, an ninh mạng" in table.rows[0].task


@pytest.mark.parametrize(("level", "period"), [(lv, p) for lv in ("xa", "tinh", "bo") for p in ("2025", "2026-2030")])
def test_every_row_cites_records_that_exist_verbatim(kb, level, period):
    table = draft_tasks(kb, level=level, period=period)
    assert table.rows and [r.stt for r in table.rows] == list(range(1, len(table.rows) + 1))
    for row in table.rows:
        for ref in row.records:
            assert kb.clause(ref.doc_id, ref.clause_id).label == ref.label
        assert row.task == row.sources[0].quote
        for cite in row.sources:
            assert kb.document(cite.doc_id).text[cite.char_start : cite.char_end] == cite.quote
        assert row.source_text == "; ".join(c.citation for c in row.sources)
        end = parse_deadline(row.deadline).end
        assert end is None or end <= kb.framework(level, period).end, row.deadline
        assert row.lead_reference  # every row says where it comes from: the upstream lead, or the guidance


@pytest.mark.parametrize(("raw", "period", "shown", "source"), [
    ("Quý I/2026", "2025", "Tháng 12/2025", "Quý I/2026"),
    ("2031", "2026-2030", "2030", "2031"),
    ("Tháng 6/2025.", "2025", "Tháng 6/2025", None),
    ("Thường xuyên", "2026-2030", "Thường xuyên", None),
    ("", "2025", "[Thời hạn trong năm 2025]", None),
])
def test_deadlines_are_capped_at_the_plan_period_showing_the_upper_level_one(kb, raw, period, shown, source):
    deadline, written, normalised = _deadline(parse_deadline(raw), kb.framework("tinh", period))
    assert (deadline, written, normalised.raw) == (shown, source, raw)


def test_national_rows_are_adapted_to_the_province(kb):
    table = draft_tasks(kb, level="tinh", period="2026-2030", area="ATTT")
    [row] = [r for r in table.rows if r.task == "Xây dựng Hệ thống phòng vệ mạng quốc gia"]
    # the province is among "Các bộ, ngành, địa phương" that coordinate: Bộ Công an keeps the lead
    assert (row.role, row.lead, row.upstream_lead) == ("phối hợp", "Bộ Công an", "Bộ Công an")
    assert row.coordinating == "UBND tỉnh [Tên tỉnh]; Các bộ, ngành, địa phương"
    assert row.lead_reference == "(chủ trì theo Danh mục nhiệm vụ CĐS 2026-2030 (dự thảo), Lĩnh vực IV, nhiệm vụ 6)"
    assert (row.deadline, row.deadline_normalised.kind) == ("2026", "year")
    [led] = [r for r in draft_tasks(kb, level="tinh", period="2026-2030").rows
             if r.task.startswith("Bố trí quỹ đất cho các Trung tâm dữ liệu")]
    assert led.role == "chủ trì"  # 002 Lĩnh vực II, nhiệm vụ 4: "UBND tỉnh, thành phố trực thuộc Trung ương"
    assert (led.lead, led.upstream_lead) == ("UBND tỉnh [Tên tỉnh]", "UBND tỉnh, thành phố trực thuộc Trung ương")
    assert led.lead_reference.startswith("Cơ quan chủ trì cấp trên: UBND tỉnh, thành phố trực thuộc Trung ương (")


def test_renamed_agencies_show_their_current_name_and_the_statement_of_the_change(kb):
    table = draft_tasks(kb, level="xa", period="2025", area="ha-tang-so")
    assert any("Bộ Thông tin và Truyền thông (nay là Bộ Khoa học và Công nghệ)" in r.lead for r in table.rows)
    statement = [n for n in table.notes if n.kind == "text"]
    assert [n.text for n in statement] == ["Bộ Thông tin và Truyền thông (nay là Bộ Khoa học và công nghệ)"]
    assert statement[0].sources[0].doc_id == "khung-kh-cds-2026-2030"


def test_the_same_task_from_two_documents_is_one_row_citing_both(kb):
    table = draft_tasks(kb, level="tinh", period="2025", area="du lieu so")
    [row] = [r for r in table.rows if r.task == "Cung cấp 100% dữ liệu mở theo kế hoạch đã ban hành."]
    assert [(r.doc_id, r.clause_id) for r in row.records] == [("du-thao-kh-cds-qg-2025", "II/4/-5"),
                                                              (XA_GUIDE, "3/3.1/6/(2)")]
    assert not any(r.task == "Cung cấp dữ liệu mở;" for r in table.rows)


def test_a_ministry_plan_names_the_ministry_and_keeps_every_task_it_leads(kb):
    table = draft_tasks(kb, level="bo", period="2025", agency="Bộ Công an")
    led = {t.record.clause_id for t in kb.tasks(lead="Bộ Công an", doc_ids=["du-thao-kh-cds-qg-2025"])}
    rows = {row.records[0].clause_id: row for row in table.rows}
    assert led <= set(rows)
    assert all(rows[c].role == "chủ trì" and rows[c].lead == "Bộ Công an" for c in led)


def test_cli_tasks_prints_the_same_json_as_the_library(kb, cli_settings):
    result = CliRunner().invoke(main, ["draft", "tasks", "--area", "ha tang so", "--level", "xã", "--period", "2025",
                                       "--format", "json"], obj=cli_settings)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == json.loads(to_json(draft_tasks(kb, "xa", "2025", "ha-tang-so")))


def test_cli_rejects_an_unknown_area_listing_the_valid_ones(cli_settings):
    result = CliRunner().invoke(main, ["draft", "tasks", "--area", "vu tru so", "--level", "xa", "--period", "2025"],
                                obj=cli_settings)
    assert result.exit_code == 2
    assert "Hạ tầng số (ha-tang-so)" in result.output and "An toàn thông tin mạng (attt)" in result.output


# --- roles by level, measured against the gold rows written from the sources ------------------------------

GOLD = json.loads((DATASETS_DIR / "draft_gold.json").read_text(encoding="utf-8"))["rows"]


def gold_scores(table, level: str, period: str) -> tuple[float, float]:
    """Row precision and recall of a task table against the gold rows of its level and period.

    A row is right when one of the source clauses it merges is a gold row of the same role; a gold row
    is found when a row merges its clause with its role.
    """
    gold = {(g["doc"], g["clause"]): g["role"] for g in GOLD if g["level"] == level and g["period"] == period}
    right = [row for row in table.rows if any(gold.get((r.doc_id, r.clause_id)) == row.role for r in row.records)]
    found = {(r.doc_id, r.clause_id, row.role) for row in table.rows for r in row.records}
    return len(right) / len(table.rows), sum((*key, role) in found for key, role in gold.items()) / len(gold)


@pytest.mark.parametrize(("level", "period"), [(lv, p) for lv in ("xa", "tinh", "bo") for p in ("2025", "2026-2030")])
def test_task_tables_match_the_gold_rows_of_their_level(kb, level, period):
    precision, recall = gold_scores(draft_tasks(kb, level, period), level, period)
    assert precision >= 0.95 and recall >= 0.90, (precision, recall)


@pytest.mark.parametrize(("level", "period"), [(lv, p) for lv in ("xa", "tinh") for p in ("2025", "2026-2030")])
def test_no_commune_or_province_leads_a_row_a_central_body_leads(kb, level, period):
    items = {(t.doc_id, t.record.clause_id): t for t in kb.tasks()}
    for row in draft_tasks(kb, level, period).rows:
        record = next((items[r.doc_id, r.clause_id] for r in row.records if (r.doc_id, r.clause_id) in items), None)
        if row.role == "chủ trì" and record is not None:
            assert not any(ref.kind in ("ministry", "central") for ref in record.leads), row.task


def test_policy_law_and_visa_rows_are_never_a_locality_s_to_lead(kb):
    def role(level, clause):
        rows = draft_tasks(kb, level, "2026-2030").rows
        return next((row.role for row in rows if row.records[0].clause_id == clause), None)

    # 002 I.8 (amending business and IP law), II.14 (Cloud-first policy): led by "Các bộ, ngành, địa phương"
    assert [role("tinh", c) for c in ("I/8", "II/14")] == ["phối hợp", "phối hợp"]
    assert [role("bo", c) for c in ("I/8", "II/14")] == ["chủ trì", "chủ trì"]
    [visa] = [row for row in draft_tasks(kb, "tinh", "2026-2030").rows if row.records[0].clause_id == "V/7"]
    assert visa.role == "phối hợp" and visa.lead.startswith("Bộ Tài chính")
    assert [role("xa", c) for c in ("I/8", "II/14", "V/7")] == [None, None, None]  # no commune role at all


def test_a_ministry_is_a_partner_where_a_named_body_leads(kb):
    rows = {row.records[0].clause_id: row for row in draft_tasks(kb, "bo", "2026-2030").rows}
    for clause, lead in (("VI/8", "Văn phòng Chính phủ"), ("IV/2", "Bộ Công an")):
        assert (rows[clause].role, rows[clause].lead) == ("phối hợp", lead)
        assert rows[clause].coordinating.startswith("[Tên bộ, ngành]")
