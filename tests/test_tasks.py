"""Task tables on the real corpus: rows from upper-level records and level guidance, adapted to the
level, de-duplicated, every row cited; and `cds draft tasks`."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from assistant.drafting import _frameworks as fw
from assistant.drafting._deadlines import parse_deadline
from assistant.cli import main
from assistant.drafting.export import to_json
from assistant.drafting.tasks import _deadline, draft_tasks

pytestmark = pytest.mark.slow

XA_GUIDE = "huong-dan-kh-cds-cap-xa"


def test_a_commune_infrastructure_table_holds_the_commune_guide_items(kb):
    table = draft_tasks(kb, level="xa", period="2025", area="ha tang so")
    cited = {(r.doc_id, r.clause_id) for row in table.rows for r in row.records}
    expected = {f"2/2.3/1/1.1/-{n}" for n in range(1, 7)} | {f"3/3.1/2/({n})" for n in range(1, 5)}
    assert {(XA_GUIDE, clause) for clause in expected} <= cited
    assert {row.lead for row in table.rows} == {"UBND xã [Tên xã]"}
    assert {row.area for row in table.rows} == {"ha-tang-so"}


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
        assert end is None or end <= fw.plan_end(period), row.deadline


@pytest.mark.parametrize(("raw", "period", "shown", "source"), [
    ("Quý I/2026", "2025", "Tháng 12/2025", "Quý I/2026"),
    ("2031", "2026-2030", "2030", "2031"),
    ("Tháng 6/2025.", "2025", "Tháng 6/2025", None),
    ("Thường xuyên", "2026-2030", "Thường xuyên", None),
    ("", "2025", "[Thời hạn trong năm 2025]", None),
])
def test_deadlines_are_capped_at_the_plan_period_showing_the_upper_level_one(raw, period, shown, source):
    deadline, written, normalised = _deadline(parse_deadline(raw), period)
    assert (deadline, written, normalised.raw) == (shown, source, raw)


def test_national_rows_are_adapted_to_the_province(kb):
    table = draft_tasks(kb, level="tinh", period="2026-2030", area="ATTT")
    [row] = [r for r in table.rows if r.task == "Xây dựng Hệ thống phòng vệ mạng quốc gia"]
    assert row.lead == "UBND tỉnh [Tên tỉnh]"
    assert row.lead_reference == ("Cơ quan chủ trì cấp trên: Bộ Công an (Danh mục nhiệm vụ CĐS 2026-2030 (dự thảo), "
                                  "Lĩnh vực IV, nhiệm vụ 6)")
    assert row.role == "phối hợp"  # the province is among "Các bộ, ngành, địa phương" that coordinate
    assert (row.deadline, row.deadline_normalised.kind) == ("2026", "year")
    [led] = [r for r in draft_tasks(kb, level="tinh", period="2026-2030").rows
             if r.task.startswith("Bố trí quỹ đất cho các Trung tâm dữ liệu")]
    assert led.role == "chủ trì"  # 002 Lĩnh vực II, nhiệm vụ 4: "UBND tỉnh, thành phố trực thuộc Trung ương"


def test_renamed_agencies_show_their_current_name_and_the_statement_of_the_change(kb):
    table = draft_tasks(kb, level="xa", period="2025", area="ha-tang-so")
    assert any("Bộ Thông tin và Truyền thông (nay là Bộ Khoa học và Công nghệ)" in r.coordinating for r in table.rows)
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
