"""Word tables as tables: each row one citable clause with its cells bound to their column names.

The .docx is built here from real rows of the corpus's task list (002, Lĩnh vực I and II): a plan whose
Mục II holds a task table (a group-heading row merged across, lead and partner agencies merged down
where 002 repeats them) and whose Phụ lục I holds a second table. It goes through the real loader,
normaliser, structure parser and chunker; the slow test indexes it with the real embedder and asks.
"""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from assistant.core import Assistant
from assistant.engine.retrieve import Retriever
from ingest.chunk import chunk_document
from ingest.load import load_file
from ingest.model import TaskRecord
from ingest.normalise import normalise
from ingest.pipeline import CorpusIndex
from ingest.settings import REPO_ROOT
from ingest.structure import parse_structure
from ingest.tables import column_names, row_cells
from tests.conftest import make_settings

MAX_BYTES = 20 * 1024 * 1024
COLUMNS = ("STT", "Tên nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời hạn hoàn thành")


def _tasks_002() -> tuple[TaskRecord, ...]:
    path = REPO_ROOT / "corpus" / "002_85c061df2a6c5805.txt"
    return parse_structure(normalise(load_file(path, MAX_BYTES).text).text, "002").tasks


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _fields(task: TaskRecord) -> list[str]:
    return [_one_line(span.text) for span in (task.task, task.lead, task.coordinating, task.deadline)]


def _build_plan(path: Path, area_1: list[TaskRecord], area_2: list[TaskRecord]) -> Path:
    document = docx.Document()
    document.add_paragraph("KẾ HOẠCH CHUYỂN ĐỔI SỐ GIAI ĐOẠN 2026-2030")
    document.add_paragraph("I. MỤC TIÊU")
    document.add_paragraph("Hoàn thiện thể chế và phát triển hạ tầng số theo Danh mục nhiệm vụ chuyển đổi số.")
    document.add_paragraph("II. NHIỆM VỤ")
    document.add_paragraph("Các nhiệm vụ cụ thể như sau:")
    table = document.add_table(rows=2 + len(area_1), cols=len(COLUMNS))
    for column, name in enumerate(COLUMNS):
        table.cell(0, column).text = name
    table.cell(1, 0).merge(table.cell(1, len(COLUMNS) - 1)).text = "I. VỀ HOÀN THIỆN THỂ CHẾ"
    for i, task in enumerate(area_1):
        for column, value in enumerate([str(i + 1), *_fields(task)]):
            table.cell(2 + i, column).text = value
    for column in (2, 3):  # 002 repeats the agencies of tasks 4-5 and 7-8: one merged cell each in Word
        for first in (5, 8):
            table.cell(first, column).merge(table.cell(first + 1, column)).text = _fields(area_1[first - 2])[column - 1]
    document.add_paragraph("Các cơ quan chủ trì báo cáo kết quả thực hiện trước ngày 15 tháng 12 hằng năm.")
    document.add_paragraph("III. TỔ CHỨC THỰC HIỆN")
    document.add_paragraph("Giao Sở Khoa học và Công nghệ theo dõi, đôn đốc thực hiện Kế hoạch.")
    document.add_paragraph("PHỤ LỤC I")
    document.add_paragraph("DANH MỤC NHIỆM VỤ PHÁT TRIỂN HẠ TẦNG SỐ")
    appendix = document.add_table(rows=1 + len(area_2), cols=4)
    for column, name in enumerate(("STT", "Tên nhiệm vụ", "Cơ quan chủ trì", "Thời hạn hoàn thành")):
        appendix.cell(0, column).text = name
    for i, task in enumerate(area_2):
        task_text, lead, _, deadline = _fields(task)
        for column, value in enumerate((str(i + 1), task_text, lead, deadline)):
            appendix.cell(1 + i, column).text = value
    document.save(path)
    return path


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[TaskRecord], list[TaskRecord]]:
    tasks = _tasks_002()
    area_1 = [t for t in tasks if t.area_number == "I"][:9]
    area_2 = [t for t in tasks if t.area_number == "II" and t.lead.text.strip()][:4]
    assert _fields(area_1[3])[1:3] == _fields(area_1[4])[1:3] and _fields(area_1[6])[1:3] == _fields(area_1[7])[1:3]
    path = _build_plan(tmp_path_factory.mktemp("plan") / "ke-hoach-cds-2026-2030.docx", area_1, area_2)
    return path, area_1, area_2


def _row_line(number: int, stt: int, task: TaskRecord) -> str:
    task_text, lead, coordinating, deadline = _fields(task)
    return (f"Dòng {number} — STT: {stt}; Tên nhiệm vụ: {task_text}; Cơ quan chủ trì: {lead}; "
            f"Cơ quan phối hợp: {coordinating}; Thời hạn hoàn thành: {deadline}")


def test_rows_bind_every_cell_to_its_column_and_merged_cells_are_carried_down(plan):
    path, area_1, area_2 = plan
    lines = load_file(path, MAX_BYTES).text.split("\n")
    first = lines.index("Bảng 1: " + " | ".join(COLUMNS))  # the header row names the columns, it is no row
    assert lines[first + 1] == "Dòng 1 — I. VỀ HOÀN THIỆN THỂ CHẾ"
    assert lines[first + 2 : first + 11] == [_row_line(i + 2, i + 1, task) for i, task in enumerate(area_1)]
    assert "Cơ quan chủ trì: Bộ KH&CN; Cơ quan phối hợp: Các bộ, ngành, địa phương" in lines[first + 6]  # merged down
    second = lines.index("Bảng 2: STT | Tên nhiệm vụ | Cơ quan chủ trì | Thời hạn hoàn thành")
    assert lines[second - 2 : second] == ["PHỤ LỤC I", "DANH MỤC NHIỆM VỤ PHÁT TRIỂN HẠ TẦNG SỐ"]
    task_text, lead, _, deadline = _fields(area_2[2])
    assert lines[second + 3] == (f"Dòng 3 — STT: 3; Tên nhiệm vụ: {task_text}; Cơ quan chủ trì: {lead}; "
                                 f"Thời hạn hoàn thành: {deadline}")


def test_each_row_is_one_clause_cited_by_section_table_and_row(plan):
    path, area_1, area_2 = plan
    text = normalise(load_file(path, MAX_BYTES).text).text
    clauses = parse_structure(text, "ke-hoach").clauses
    rows = [c for c in clauses if c.kind == "table_row"]
    assert len(rows) == 1 + len(area_1) + len(area_2)  # header rows are not rows
    by_label = {c.label: c for c in clauses}
    assert by_label["Mục II, bảng 1"].kind == "area" and by_label["Mục II, bảng 1"].parent == "II"
    assert text[by_label["Mục II, bảng 1, dòng 5"].start : by_label["Mục II, bảng 1, dòng 5"].end] == _row_line(5, 4, area_1[3])
    appendix_row = by_label["Phụ lục I, bảng 2, dòng 3"]
    assert _one_line(area_2[2].task.text) in text[appendix_row.start : appendix_row.end]
    assert all(c.parent and c.parent.endswith(("table-1", "table-2")) for c in rows)
    after = text.index("Các cơ quan chủ trì báo cáo kết quả")  # the paragraph after the table is Mục II's own
    assert [c.label for c in clauses if c.start <= after < c.end] == ["Mục II"]


def test_a_question_about_one_row_finds_a_chunk_holding_that_whole_row(plan):
    path, area_1, _ = plan
    text = normalise(load_file(path, MAX_BYTES).text).text
    parsed = parse_structure(text, "ke-hoach")
    row = next(c for c in parsed.clauses if c.label == "Mục II, bảng 1, dòng 5")
    chunks = chunk_document("ke-hoach", "Kế hoạch CĐS", text, parsed, max_chars=1400)
    [chunk] = [c for c in chunks if c.start <= row.start and row.end <= c.end]
    assert (chunk.kind, chunk.clause_label) == ("table_row", "Mục II, bảng 1, dòng 5")
    assert "Xây dựng Nghị định hướng dẫn chi tiết Luật Chuyển đổi số" in chunk.text
    assert "Mục II, bảng 1" in " › ".join(chunk.breadcrumb)  # the table's title goes with every row


def test_row_lines_outside_a_table_and_a_caption_without_rows_are_plain_text():
    text = ("I. NHIỆM VỤ\nDòng 3 — đoạn văn mở đầu bằng chữ Dòng.\nBảng 1: Danh mục chỉ tiêu\nKết quả năm 2025.\n"
            "Bảng 2: STT | Chỉ tiêu\nDòng 1 — STT: 1; Chỉ tiêu: 100% hồ sơ trực tuyến\nII. TỔ CHỨC THỰC HIỆN")
    clauses = parse_structure(text, "bang").clauses
    assert [(c.kind, c.label) for c in clauses] == [
        ("section", "Mục I"), ("area", "Mục I, bảng 1"), ("area", "Mục I, bảng 2"), ("table_row", "Mục I, bảng 2, dòng 1"),
        ("section", "Mục II")]
    caption = clauses[1]
    assert text[caption.start : caption.end] == "Bảng 1: Danh mục chỉ tiêu"  # the next paragraph is Mục I's own


def test_a_task_table_s_rows_are_task_records_with_their_fields(plan):
    """A table naming a task and its lead is a task table: every row with a task is a record whose
    fields are the row's cells (as in 002), grouped by the row merged over it."""
    path, area_1, area_2 = plan
    text = normalise(load_file(path, MAX_BYTES).text).text
    parsed = parse_structure(text, "ke-hoach")
    rows = {c.id: c for c in parsed.clauses if c.kind == "table_row"}
    assert len(parsed.tasks) == len(area_1) + len(area_2)  # the group-heading row is no task
    assert all(t.clause_id in rows and t.doc_id == "ke-hoach" for t in parsed.tasks)
    for record, source in zip(parsed.tasks, [*area_1, *area_2]):
        task, lead, coordinating, deadline = _fields(source)
        assert [record.task.text, record.lead.text, record.deadline.text] == [task, lead, deadline]
        for span in (record.task, record.lead, record.deadline):
            assert text[span.start : span.end] == span.text
        assert record.result is None and record.note is None  # columns the tables do not have
    first, appendix = parsed.tasks[0], parsed.tasks[len(area_1)]
    assert (first.area_number, first.area, first.label) == ("I", "I. VỀ HOÀN THIỆN THỂ CHẾ", "Mục II, bảng 1, dòng 2")
    assert first.coordinating.text == _fields(area_1[0])[2]
    assert appendix.coordinating is None and appendix.label == "Phụ lục I, bảng 2, dòng 1"


def test_a_table_without_a_lead_column_has_no_task_records():
    text = ("I. CHỈ TIÊU\nBảng 1: STT | Nhiệm vụ | Chỉ tiêu\n"
            "Dòng 1 — STT: 1; Nhiệm vụ: Cung cấp dịch vụ công trực tuyến; Chỉ tiêu: 100% hồ sơ trực tuyến")
    parsed = parse_structure(text, "chi-tieu")
    assert [c.kind for c in parsed.clauses] == ["section", "area", "table_row"] and parsed.tasks == ()


_NAME = st.text(st.sampled_from("aăâbcdđeêghiklmnoôơpqrstuưvxyAĐT /,()"), min_size=1, max_size=12).map(str.strip).filter(bool)
_VALUE = st.text(st.sampled_from("aàáạbcdđeêhkmnoôơtuư0123456789 ,.:/()%-;"), max_size=40).filter(
    lambda v: v.strip() and "; " not in v and v == v.strip())


@given(st.lists(st.tuples(_NAME, st.one_of(st.none(), _VALUE)), min_size=1, max_size=6, unique_by=lambda c: c[0]))
def test_a_row_line_reads_back_into_the_cells_the_loader_wrote(cells):
    names = [name for name, _ in cells]
    written = [(name, value) for name, value in cells if value is not None]  # the loader leaves out empty cells
    line = "Dòng 7 — " + "; ".join(f"{name}: {value}" for name, value in written)
    assume(not any(f"{name}: " in value for _, value in written for name in names))
    read = row_cells(line, names)
    assert [(cell.name, line[cell.start : cell.end]) for cell in read] == written
    assert column_names("Bảng 3: " + " | ".join(names)) == names


def test_a_real_decision_s_task_appendix_reads_row_by_row(newdocs_dir: Path):
    """QĐ 982/QĐ-TTg (the new-document set): group rows merged across all but the number column."""
    path = newdocs_dir / "qd-982-qd-ttg-2026-doanh-nghiep-cong-nghe-so.docx"
    lines = load_file(path, MAX_BYTES).text.split("\n")
    first = lines.index("Bảng 1: TT | Nhiệm vụ, giải pháp | Cơ quan chủ trì | Cơ quan phối hợp | Sản phẩm | "
                        "Thời gian thực hiện")
    assert lines[first + 1] == "Dòng 1 — TT: 1.; Rà soát, hoàn thiện thể chế"
    [green_lane] = [line for line in lines if "Luồng xanh" in line]
    assert green_lane.startswith("Dòng ") and "; Cơ quan chủ trì: " in green_lane
    text = normalise("\n".join(lines)).text
    [record] = [t for t in parse_structure(text, "qd-982").tasks if "Luồng xanh" in t.task.text]
    assert record.lead.text and record.lead.text in green_lane and record.deadline.text in green_lane
    assert record.area_number and record.area.startswith(f"{record.area_number}. ")  # its group row, "5. …"


@pytest.mark.slow
def test_the_row_is_retrieved_and_cited_through_the_real_index(plan, tmp_path: Path, embed_cache: Path):
    path, _, _ = plan
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / path.name).write_bytes(path.read_bytes())
    settings = make_settings(tmp_path / "data", embed_cache, corpus_dir=corpus)
    index = CorpusIndex.open(settings)
    question = "Cơ quan nào chủ trì xây dựng Nghị định hướng dẫn chi tiết Luật Chuyển đổi số?"
    try:
        index.refresh(progress=False)
        top = Retriever(index).search(question, k=3).passages[0]
        answer = Assistant(settings, index).ask(question)
    finally:
        index.close()
    assert (top.kind, top.clause_label) == ("table_row", "Mục II, bảng 1, dòng 5")
    assert "Cơ quan chủ trì: Bộ KH&CN" in top.text
    assert answer.answerable  # the row, a task record, is quoted whole and cited by its row
    assert answer.citations[0].clause == "Mục II, bảng 1, dòng 5"
    assert "Xây dựng Nghị định hướng dẫn chi tiết Luật Chuyển đổi số; Cơ quan chủ trì: Bộ KH&CN" in answer.citations[0].quote
    # shown as the row's fields, one column a line, each citing the row
    assert "\n- Cơ quan chủ trì: Bộ KH&CN [1]" in answer.answer
