"""`cds ask` and `cds chat` through click's CliRunner on the real index: the "done when" cases, the
terminal rendering, sessions, and bad input."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner, Result

from assistant.cli import main
from assistant.schemas import NOT_IN_CORPUS, Answer
from ingest.pipeline import CorpusIndex
from ingest.settings import Settings

pytestmark = pytest.mark.slow

TASK_QUESTION = "Nhiệm vụ xây dựng Hệ thống phòng vệ mạng quốc gia do ai chủ trì, hạn khi nào?"
UNANSWERABLE = "Xã nào của tỉnh Lào Cai được chọn thí điểm chuyển đổi số đầu tiên?"
TABLE_DOC = "danh-muc-nhiem-vu-2026-2030"


def _cds(settings: Settings, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), obj=settings, prog_name="cds", input=input)


def test_done_when_task_lookup_json(corpus_index: CorpusIndex):
    result = _cds(corpus_index.settings, "ask", TASK_QUESTION, "--json")
    assert result.exit_code == 0, result.output
    answer = Answer.model_validate_json(result.stdout)
    assert answer.answerable is True and answer.mode == "extractive" and answer.question == TASK_QUESTION
    assert "Cơ quan chủ trì: Bộ Công an [1]" in answer.answer
    assert "Thời hạn hoàn thành: 2026 [1]" in answer.answer
    citation = answer.citations[0]
    assert citation.doc_id == TABLE_DOC and citation.clause.startswith("Lĩnh vực IV, nhiệm vụ")
    doc = corpus_index.docstore.get(TABLE_DOC)
    assert doc.text[citation.char_start:citation.char_end] == citation.quote
    assert "Bộ Công an" in citation.quote and "2026" in citation.quote
    assert json.loads(result.stdout)["timings_ms"]["total"] > 0


def test_done_when_unanswerable(corpus_index: CorpusIndex):
    result = _cds(corpus_index.settings, "ask", UNANSWERABLE)
    assert result.exit_code == 0, result.output
    lines = result.stdout.split("\n")
    assert lines[0] == NOT_IN_CORPUS
    assert lines[2].startswith("Các tài liệu hiện có không nêu thông tin để trả lời câu hỏi này (không tìm thấy: “Lào Cai”).")
    assert "Có thể liên quan:" in lines and "Nguồn:" not in lines
    answer = Answer.model_validate_json(_cds(corpus_index.settings, "ask", UNANSWERABLE, "--json").stdout)
    assert answer.answerable is False and answer.citations == [] and answer.passages


def test_text_output_lists_each_source_with_its_quote(corpus_index: CorpusIndex):
    result = _cds(corpus_index.settings, "ask", TASK_QUESTION)
    assert result.exit_code == 0, result.output
    lines = result.stdout.split("\n")
    answer = Answer.model_validate_json(_cds(corpus_index.settings, "ask", TASK_QUESTION, "--json").stdout)
    citation = answer.citations[0]
    sources = lines.index("Nguồn:")
    assert lines[:sources - 1] == answer.answer.split("\n")
    assert lines[sources + 1] == f"[1] {citation.citation} (dự thảo)"
    assert lines[sources + 2] == f"    “{' '.join(citation.quote.split())}”"
    assert lines[-2] == f"Lưu ý: {answer.warnings[0]}"


def test_filters_and_sessions_from_the_command_line(corpus_index: CorpusIndex):
    settings = corpus_index.settings
    only_laws = _cds(settings, "ask", "Dịch vụ tin cậy gồm những dịch vụ nào?", "--doc", "luat-gddt-2023", "--json")
    assert {c.doc_id for c in Answer.model_validate_json(only_laws.stdout).citations} == {"luat-gddt-2023"}
    first = _cds(settings, "ask", TASK_QUESTION, "--session", "cli-test-1", "--json")
    assert Answer.model_validate_json(first.stdout).session_id == "cli-test-1"
    follow = _cds(settings, "ask", "ai phối hợp?", "--session", "cli-test-1")
    assert follow.exit_code == 0, follow.output
    assert follow.stdout.startswith("(Hiểu câu hỏi là: Nhiệm vụ xây dựng Hệ thống phòng vệ mạng quốc gia: ai phối hợp?)")


@pytest.mark.parametrize(("args", "message"), [
    (["ask", "   "], "Câu hỏi đang trống: hãy nhập nội dung cần hỏi."),
    (["ask", "x" * 5000], "Câu hỏi dài 5000 ký tự, vượt giới hạn 1000 ký tự"),
    (["ask", TASK_QUESTION, "--k", "0"], "Số đoạn cần tìm (k) phải từ 1 đến 30, nhận được 0."),
    (["ask", TASK_QUESTION, "--doc", "khong-co"], "Không có tài liệu mã khong-co."),
    (["ask", TASK_QUESTION, "--session", "có dấu cách"], "Mã phiên không hợp lệ"),
])
def test_bad_input_is_a_usage_error_in_vietnamese(corpus_index: CorpusIndex, args: list[str], message: str):
    result = _cds(corpus_index.settings, *args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_chat_resolves_follow_ups_and_resumes(corpus_index: CorpusIndex):
    settings = corpus_index.settings
    result = _cds(settings, "chat", input=f"{TASK_QUESTION}\nai phối hợp?\n\n")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("Phiên mới: ")
    session = out.split("\n")[0].split()[2]
    assert out.count("Bạn: ") == 3  # two questions, then the empty line that ends the chat
    assert "(Hiểu câu hỏi là: Nhiệm vụ xây dựng Hệ thống phòng vệ mạng quốc gia: ai phối hợp?)" in out
    assert "Cơ quan phối hợp: Các bộ, ngành, địa phương [1]" in out
    resumed = _cds(settings, "chat", "--session", session, input="thời hạn?\nthoát\n")
    assert resumed.exit_code == 0, resumed.output
    assert resumed.stdout.startswith(f"Tiếp tục phiên {session} (2 lượt trước).")
    assert "Thời hạn hoàn thành: 2026 [1]" in resumed.stdout


def test_chat_reports_a_bad_question_and_goes_on(corpus_index: CorpusIndex):
    result = _cds(corpus_index.settings, "chat", input="x" * 2000 + "\nthoát\n")
    assert result.exit_code == 0
    assert "Lỗi: Câu hỏi dài 2000 ký tự" in result.output
