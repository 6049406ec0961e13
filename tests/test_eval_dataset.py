"""`cds eval validate` and the dataset model, on the real datasets and broken copies of them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import main
from eval.dataset import EvalItem, load_dataset, read_dataset
from eval.documents import CorpusTexts
from eval.errors import DatasetError
from tests.conftest import DATASETS_DIR, make_settings

DEV = DATASETS_DIR / "dev.jsonl"
CALIB = DATASETS_DIR / "calib.jsonl"


@pytest.fixture
def cli_settings(tmp_path: Path):
    return make_settings(tmp_path / "data", tmp_path / "embeddings.sqlite")


def _validate(path: Path, settings) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["eval", "validate", str(path)], obj=settings)
    return result.exit_code, result.stdout, result.stderr


def _broken(tmp_path: Path, change) -> Path:
    """A copy of dev.jsonl with ``change`` applied to the parsed lines (a list of dicts, edited in place)."""
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines()]
    change(rows)
    path = tmp_path / "broken.jsonl"
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("path", [DEV, CALIB])
def test_the_project_datasets_are_valid(cli_settings, path):
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    items, quotes = len(rows), sum(len(row["evidence"]) for row in rows)
    code, out, err = _validate(path, cli_settings)
    assert (code, err) == (0, "")
    assert out == (f"{path}: hợp lệ. {items} câu hỏi; "
                   f"{quotes} trích dẫn bằng chứng đều có nguyên văn trong kho tài liệu.\n")


def _set_quote(rows):
    rows[4]["evidence"][0]["quote"] = "Một câu được bịa ra, không hề có trong bất kỳ tài liệu nào của kho."


def _drop_question(rows):
    del rows[9]["question"]


def _bad_type(rows):
    rows[2]["must_mention"] = "thứ 16"


def _duplicate_id(rows):
    rows[7]["id"] = rows[0]["id"]


@pytest.mark.parametrize("change, message", [
    (_set_quote, "dòng 5 (id 'D005'): evidence[0]: quote 'Một câu được bịa ra, không hề có trong bất kỳ tài liệu nào "
                 "của kho.' không có nguyên văn trong '004_d7ea618fb136404a.txt' (đã so sau khi chuẩn hóa Unicode "
                 "NFC và gộp khoảng trắng)"),
    (_drop_question, "dòng 10 (id 'D010'): thiếu trường bắt buộc 'question'"),
    (_bad_type, "dòng 3 (id 'D003'): trường 'must_mention' phải là danh sách, không phải str 'thứ 16'"),
    (_duplicate_id, "dòng 8 (id 'D001'): id 'D001' trùng với dòng 1"),
])
def test_broken_copies_fail_naming_the_line_and_the_problem(cli_settings, tmp_path, change, message):
    path = _broken(tmp_path, change)
    code, out, err = _validate(path, cli_settings)
    assert code == 1 and out == ""
    assert err == f"Lỗi: {path}: 1 lỗi, hãy sửa rồi thử lại:\n  {message}\n"


def test_a_quote_from_another_document_names_the_document_that_has_it(cli_settings, tmp_path):
    def swap(rows):
        rows[0]["evidence"][0]["doc"] = "003_6e63688896bb502b.txt"  # D001 quotes 004

    code, _, err = _validate(_broken(tmp_path, swap), cli_settings)
    assert code == 1
    assert "không có trong '003_6e63688896bb502b.txt' mà có trong du-thao-kh-cds-qg-2025" in err


def test_evidence_may_name_documents_by_id_path_or_file_name(cli_settings):
    corpus = CorpusTexts.load(cli_settings)
    for name in ("luat-gddt-2023", "legal/luat-20-2023-qh15-giao-dich-dien-tu.txt",
                 "luat-20-2023-qh15-giao-dich-dien-tu.txt"):
        assert corpus.resolve(name) == "luat-gddt-2023"
    assert corpus.resolve("no-such-file.txt") is None


def test_invalid_json_and_an_unknown_document_are_reported(cli_settings, tmp_path):
    path = tmp_path / "mixed.jsonl"
    good = DEV.read_text(encoding="utf-8").splitlines()[0]
    unknown_doc = json.loads(good) | {"id": "X1"}
    unknown_doc["evidence"] = [{"doc": "khong-co.txt", "quote": unknown_doc["evidence"][0]["quote"]}]
    path.write_text("\n".join([good, "{not json", "", json.dumps(unknown_doc, ensure_ascii=False), "[1, 2]"]) + "\n",
                    encoding="utf-8")
    code, _, err = _validate(path, cli_settings)
    assert code == 1
    lines = err.splitlines()
    assert lines[0] == f"Lỗi: {path}: 3 lỗi, hãy sửa rồi thử lại:"
    assert lines[1].startswith("  dòng 2: không phải JSON hợp lệ (cột 2:")
    assert lines[2].startswith("  dòng 4 (id 'X1'): evidence[0]: doc 'khong-co.txt' không phải tài liệu nào trong kho")
    assert lines[3] == "  dòng 5: phải là một đối tượng JSON {…}"


@pytest.mark.parametrize("override, problem", [
    ({"type": "other"}, "trường 'type' có giá trị 'other' không hợp lệ"),
    ({"evidence": []}, "câu hỏi loại 'factoid' cần ít nhất một evidence"),
    ({"type": "unanswerable"}, "câu hỏi loại 'unanswerable' không được có evidence hay must_mention"),
    ({"notes": "x"}, "trường 'notes' không thuộc định dạng"),
    ({"evidence": [{"doc": "a.txt", "quote": "ngắn"}]}, "trường 'evidence[0].quote': phải dài từ 25 đến 300 ký tự"),
    ({"question": 5}, "trường 'question' phải là chuỗi, không phải int 5"),
])
def test_item_model_rules(tmp_path, override, problem):
    row = json.loads(DEV.read_text(encoding="utf-8").splitlines()[0]) | override
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    items, problems = read_dataset(path)
    assert items == [] and len(problems) == 1 and problem in str(problems[0])
    with pytest.raises(DatasetError, match="1 lỗi"):
        load_dataset(path)


def test_loading_keeps_file_order_and_types():
    items = load_dataset(DEV)
    assert [i.id for i in items[:3]] == ["D001", "D002", "D003"]
    assert all(isinstance(i, EvalItem) for i in items)
    assert sum(not i.answerable for i in items) == 20
