"""The coverage check on drafts written here: a deliberately incomplete one reports its gaps; a plan
assembled from the drafter's own output reports none; `cds check`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.drafting._reading import read_draft
from assistant.drafting.check import check_draft
from assistant.cli import main
from assistant.drafting.draft import draft_section
from assistant.drafting.models import SECTIONS
from assistant.drafting.export import export, to_json, to_markdown
from assistant.drafting.knowledge import KnowledgeError

pytestmark = pytest.mark.slow

INCOMPLETE = """\
# KẾ HOẠCH CHUYỂN ĐỔI SỐ XÃ AN BÌNH NĂM 2025

## I. CĂN CỨ LẬP KẾ HOẠCH

- Căn cứ Nghị quyết số 57-NQ/TW ngày 22/12/2023 của Bộ Chính trị về đột phá phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia;
- Căn cứ Quyết định số 794/QĐ-TTg ngày 03/6/2020 của Thủ tướng Chính phủ phê duyệt Chương trình Chuyển đổi số quốc gia đến năm 2025, định hướng đến năm 2030;

## II. MỤC TIÊU

Phát triển chính quyền số của xã.

## III. NHIỆM VỤ

### 1. Hạ tầng số

| STT | Nhiệm vụ | Cơ quan chủ trì | Thời hạn |
|---|---|---|---|
| 1 | Rà soát, xóa các vùng lõm sóng trên địa bàn | UBND xã | Tháng 6/2026 |
| 2 | Xây dựng kế hoạch và triển khai hạ tầng 5G, IoT trong các khu công nghiệp, cụm công nghiệp | UBND xã | Tháng 12/2025 |

Thời hạn hoàn thành: Quý I/2026.
"""


@pytest.fixture
def incomplete(tmp_path: Path) -> Path:
    path = tmp_path / "ke-hoach-xa.md"
    path.write_text(INCOMPLETE, encoding="utf-8")
    return path


def test_an_incomplete_draft_is_told_its_gaps(kb, incomplete):
    report = check_draft(kb, incomplete)
    assert (report.level, report.period) == ("xa", "2025")  # read from the title
    by_kind = {}
    for finding in report.findings:
        by_kind.setdefault(finding.kind, []).append(finding)
    assert [f.expected for f in by_kind["missing_section"]] == [
        "Giải pháp", "Kinh phí thực hiện", "Tổ chức thực hiện", "Danh mục nhiệm vụ, dự án"]
    assert by_kind["missing_section"][1].sources[0].clause == "Mục 2.5"
    assert [f.expected for f in by_kind["missing_group"]] == ["Phát triển Kinh tế số", "Phát triển Xã hội số"]
    late = {(f.draft_text, f.draft_line) for f in by_kind["late_deadline"]}
    assert late == {("Tháng 6/2026", 18), ("Quý I/2026.", 21)}
    legal = {f.draft_text.split(" ngày")[0]: f for f in by_kind["legal_mismatch"]}
    assert legal["Nghị quyết số 57-NQ/TW"].expected == "22/12/2024"
    assert legal["Quyết định số 794/QĐ-TTg"].expected == "749/QĐ-TTg"
    uncovered = {f.expected for f in by_kind["uncovered_task"]}
    assert any(t.startswith("Bảo đảm 100% thôn, bản đã có điện lưới quốc gia") for t in uncovered)  # 004 II.3.11
    assert "Cung cấp 100% dữ liệu mở theo kế hoạch đã ban hành." not in uncovered  # the province's, not a commune's


def test_a_deadline_later_than_the_upper_level_task_is_reported(kb, tmp_path):
    path = tmp_path / "ke-hoach.md"
    row = ("| 3 | Đảm bảo các bộ, ngành, địa phương phải có Trung tâm giám sát điều hành thông minh để kết nối vào "
           "Trung tâm của Chính phủ | UBND xã | Tháng 9/2025 |\n")
    path.write_text(INCOMPLETE.replace("| 1 | Rà soát", row + "| 1 | Rà soát"), encoding="utf-8")
    [finding] = [f for f in check_draft(kb, path).findings if f.kind == "late_deadline" and f.draft_text == "Tháng 9/2025"]
    assert finding.expected == "Quý I/2025"  # 004 Mục II.3, nhiệm vụ 16
    assert finding.sources[0].clause == "Mục II.3 (Hạ tầng số), nhiệm vụ 16"


def test_a_plan_assembled_from_the_drafts_lacks_no_section_task_or_basis(kb, tmp_path):
    path = tmp_path / "ke-hoach-tinh-2026-2030.md"
    parts = [to_markdown(draft_section(kb, section, "tinh", "2026-2030")) for section in SECTIONS]
    path.write_text("# KẾ HOẠCH CHUYỂN ĐỔI SỐ TỈNH [TÊN TỈNH] GIAI ĐOẠN 2026-2030\n\n" + "\n".join(parts), encoding="utf-8")
    report = check_draft(kb, path)
    assert (report.level, report.period) == ("tinh", "2026-2030")
    assert [f.message for f in report.findings] == []


@pytest.mark.parametrize("level", ["xa", "tinh", "bo"])
@pytest.mark.parametrize("period", ["2025", "2026-2030"])
def test_every_level_s_assembled_plan_holds_its_upstream_rows(kb, tmp_path, level, period):
    path = tmp_path / f"ke-hoach-{level}-{period}.md"
    title = {"xa": "XÃ [TÊN XÃ]", "tinh": "TỈNH [TÊN TỈNH]", "bo": "BỘ [TÊN BỘ]"}[level]
    parts = [to_markdown(draft_section(kb, section, level, period)) for section in SECTIONS]
    path.write_text(f"# KẾ HOẠCH CHUYỂN ĐỔI SỐ {title} {period}\n\n" + "\n".join(parts), encoding="utf-8")
    report = check_draft(kb, path)
    assert (report.level, report.period) == (level, period)
    assert [f.message for f in report.findings if f.kind in ("uncovered_task", "late_deadline", "missing_group")] == []


def test_a_row_the_deadline_check_matches_is_never_reported_missing(kb, tmp_path):
    # 002 VIII.5 (Làng số) and I.3 (Khung kiến trúc số cấp tỉnh), written as a province drafter would, one late
    path = tmp_path / "ke-hoach-tinh.md"
    header = "| STT | Nhiệm vụ | Cơ quan chủ trì | Thời hạn |\n|---|---|---|---|\n"
    # one row per table: the normaliser joins a table row to the next line when the row does not end a sentence
    path.write_text("# KẾ HOẠCH CHUYỂN ĐỔI SỐ TỈNH AN BÌNH GIAI ĐOẠN 2026-2030\n\n## III. NHIỆM VỤ\n\n" + header +
                    "| 1 | Triển khai sáng kiến về Làng số nhằm thúc đẩy thương mại điện tử nông sản, phát triển nông "
                    "nghiệp thông minh, khám chữa bệnh từ xa | UBND tỉnh | 2026-2030 |\n\n" + header +
                    "| 2 | Xây dựng Khung kiến trúc số cấp tỉnh, bao gồm cả nội dung cho cấp xã | UBND tỉnh | 2027 |\n",
                    encoding="utf-8")
    report = check_draft(kb, path)
    late = [f for f in report.findings if f.kind == "late_deadline"]
    assert [(f.draft_text, f.expected) for f in late] == [("2027", "2026")]
    missing = {f.expected for f in report.findings if f.kind == "uncovered_task"}
    assert not any(t.startswith(("Triển khai sáng kiến về Làng số", "Xây dựng Khung kiến trúc số cấp tỉnh"))
                   for t in missing)


def test_deadlines_are_read_from_a_docx_table(kb, tmp_path):
    table = draft_section(kb, "danh-muc", "xa", "2025")
    path = export(table, "docx", tmp_path / "danh-muc-xa-2025.docx")
    rows = read_draft(path, max_bytes=10 * 1024 * 1024).rows
    assert [r.deadline.text for r in rows] == [r.deadline for r in table.table.rows]
    report = check_draft(kb, path, level="xa", period="2025")
    assert report.counts.get("uncovered_task", 0) == 0
    assert report.counts.get("late_deadline", 0) == 0


def test_level_and_period_must_be_given_when_the_title_says_neither(kb, tmp_path):
    path = tmp_path / "ghi-chu.txt"
    path.write_text("Ghi chú\n\nMột vài ý.\n", encoding="utf-8")
    with pytest.raises(KnowledgeError):
        check_draft(kb, path)


def test_cli_check_prints_the_report_and_its_json(kb, cli_settings, incomplete):
    runner = CliRunner()
    text = runner.invoke(main, ["check", str(incomplete)], obj=cli_settings)
    assert text.exit_code == 1, text.output  # problems found: scripts see a failure
    assert "Thiếu mục bắt buộc (4):" in text.stdout
    assert "Căn cứ pháp lý có số hiệu hoặc ngày không khớp kho tài liệu (2):" in text.stdout
    conclusion = text.stdout.rstrip("\n").split("\n")[-1]
    assert conclusion.startswith("Kết luận: ") and "(thiếu mục bắt buộc: 4;" in conclusion
    assert conclusion.endswith("căn cứ pháp lý có số hiệu hoặc ngày không khớp kho tài liệu: 2).")
    as_json = runner.invoke(main, ["check", str(incomplete), "--json", "--level", "xa", "--period", "2025"],
                            obj=cli_settings)
    assert as_json.exit_code == 1, as_json.output
    assert json.loads(as_json.stdout) == json.loads(to_json(check_draft(kb, incomplete, "xa", "2025")))
    assert as_json.stderr.rstrip("\n").split("\n")[-1] == conclusion
