"""`cds search` through click's CliRunner on the real index: exact output, --json, --k, filters, errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from assistant.cli import main
from assistant.engine.retrieve import Retriever
from ingest.index import EdgeVectorStore
from ingest.pipeline import CorpusIndex
from ingest.settings import Settings
from tests.conftest import CORPUS_DIR, make_settings

pytestmark = pytest.mark.slow

QUESTION = "Nhiệm vụ xây dựng Hệ thống phòng vệ mạng quốc gia do ai chủ trì?"
TABLE_DOC = "danh-muc-nhiem-vu-2026-2030"
STATUS_VI = {"draft": "dự thảo", "in_force": "đang có hiệu lực", "amended": "đã được sửa đổi",
             "guidance": "hướng dẫn", "reference": "tài liệu tham khảo", "unknown": "chưa rõ"}


def _search(settings: Settings, *args: str) -> Result:
    return CliRunner().invoke(main, ["search", *args], obj=settings, prog_name="cds")


def _json(settings: Settings, *args: str) -> dict:
    result = _search(settings, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_prints_ranked_passages_with_document_clause_and_score(corpus_index: CorpusIndex):
    result = _search(corpus_index.settings, QUESTION, "--k", "3")
    assert result.exit_code == 0, result.output
    lines = result.stdout.split("\n")
    # The known answer, exactly as an official sees it.
    assert lines[0].startswith("1. [") and lines[0].endswith(
        "] Danh mục nhiệm vụ CĐS 2026-2030 (dự thảo) — Lĩnh vực IV, nhiệm vụ 6")
    assert lines[1] == ("   Danh mục nhiệm vụ CĐS 2026-2030 › "
                        "Lĩnh vực IV (Về tạo lập niềm tin và bảo đảm an toàn, an ninh mạng)")
    assert lines[2] == "   Xây dựng Hệ thống phòng vệ mạng quốc gia Bộ Công an Các bộ, ngành, địa phương 2026"
    assert lines[3] == ""
    # Every line of every passage: what the shared search function returns, formatted.
    expected = []
    for p in Retriever(corpus_index).search(QUESTION, k=3).passages:
        body = " ".join(p.text.split())
        expected += [f"{p.rank}. [{p.score:.4f}] {p.short_title} ({STATUS_VI[p.status]}) — {p.clause_label}",
                     f"   {p.breadcrumb}", f"   {body[:400]}{'…' if len(body) > 400 else ''}", ""]
    assert lines == [*expected, ""]


def test_json_output_shape(corpus_index: CorpusIndex):
    out = _json(corpus_index.settings, QUESTION, "--k", "4")
    assert set(out) == {"query", "passages", "timings_ms"} and out["query"] == QUESTION
    assert set(out["timings_ms"]) == {"retrieve"} and out["timings_ms"]["retrieve"] > 0
    passages = out["passages"]
    assert [p["rank"] for p in passages] == [1, 2, 3, 4]
    for p in passages:
        assert set(p) == {"rank", "score", "doc_id", "doc_title", "clause", "breadcrumb", "kind",
                          "char_start", "char_end", "text"}
        assert corpus_index.docstore.get(p["doc_id"]).text[p["char_start"] : p["char_end"]] == p["text"]
    assert [p["score"] for p in passages] == sorted((p["score"] for p in passages), reverse=True)
    top = passages[0]
    assert (top["doc_id"], top["doc_title"], top["clause"], top["kind"]) == (
        TABLE_DOC, "Danh mục nhiệm vụ chuyển đổi số giai đoạn 2026-2030", "Lĩnh vực IV, nhiệm vụ 6", "table_row")


@pytest.mark.parametrize("k", [1, 5, 12])
def test_k_sets_the_number_of_passages(corpus_index: CorpusIndex, k: int):
    assert len(_json(corpus_index.settings, "an toàn thông tin", "--k", str(k))["passages"]) == k
    text = _search(corpus_index.settings, "an toàn thông tin", "-k", str(k)).stdout
    assert [line.split(".")[0] for line in text.split("\n") if line[:1].isdigit()] == [str(i) for i in range(1, k + 1)]


def test_default_k_comes_from_the_settings(corpus_index: CorpusIndex):
    assert len(_json(corpus_index.settings, "an toàn thông tin")["passages"]) == corpus_index.settings.top_k


@pytest.mark.parametrize(("args", "holds"), [
    (("--doc", "luat-anm-2018"), lambda p, m: p["doc_id"] == "luat-anm-2018"),
    (("--doc", "luat-anm-2018", "--doc", "luat-gddt-2023"), lambda p, m: p["doc_id"] in ("luat-anm-2018", "luat-gddt-2023")),
    (("--kind", "table_row"), lambda p, m: p["kind"] == "table_row" and p["doc_id"] == TABLE_DOC),
    (("--kind", "task"), lambda p, m: p["kind"] == "task"),
    (("--status", "draft"), lambda p, m: m.status == "draft"),
    (("--level", "xã"), lambda p, m: "xã" in m.level),
    (("--level", "tỉnh", "--status", "in_force"), lambda p, m: p["doc_id"] == "cv-3816-btttt-cdsqg"),
], ids=["doc", "two-docs", "table-row", "task", "draft", "xa", "tinh-in-force"])
def test_filters(corpus_index: CorpusIndex, args: tuple[str, ...], holds):
    passages = _json(corpus_index.settings, "an toàn thông tin", "--k", "10", *args)["passages"]
    assert passages
    assert all(holds(p, corpus_index.docstore.get(p["doc_id"]).meta) for p in passages)


@pytest.mark.parametrize("mode", ["dense", "sparse", "hybrid"])
def test_mode(corpus_index: CorpusIndex, mode: str):
    passages = _json(corpus_index.settings, QUESTION, "--k", "5", "--mode", mode)["passages"]
    expected = Retriever(corpus_index).search(QUESTION, k=5, mode=mode).passages
    assert [(p["doc_id"], p["clause"]) for p in passages] == [(p.doc_id, p.clause_label) for p in expected]


def test_nothing_found(corpus_index: CorpusIndex):
    result = _search(corpus_index.settings, QUESTION, "--doc", "khong-co-tai-lieu-nay")
    assert (result.exit_code, result.stdout) == (0, "Không tìm thấy đoạn nào phù hợp.\n")
    assert _json(corpus_index.settings, QUESTION, "--doc", "khong-co-tai-lieu-nay")["passages"] == []


@pytest.mark.parametrize("query", ["", "   ", "\t\n"])
def test_an_empty_query_is_a_usage_error_in_vietnamese(corpus_index: CorpusIndex, query: str):
    result = _search(corpus_index.settings, query)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "Usage: cds search [OPTIONS] QUERY",
        "Try 'cds search --help' for help.",
        "",
        "Error: Câu tìm kiếm đang trống.",
    ]


@pytest.mark.parametrize("args", [("--k", "0"), ("--k", "51"), ("--kind", "bang"), ("--mode", "bm25")])
def test_invalid_options_are_usage_errors(corpus_index: CorpusIndex, args: tuple[str, ...]):
    result = _search(corpus_index.settings, QUESTION, *args)
    assert result.exit_code == 2 and result.stdout == "" and "Error: Invalid value" in result.stderr


def test_first_search_builds_the_index_and_keeps_stdout_clean(tmp_path: Path, embed_cache: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy2(CORPUS_DIR / "001_41e9e34997e5a555.txt", corpus / "cong-van-3816.txt")
    settings = make_settings(tmp_path / "data", embed_cache, corpus_dir=corpus)
    result = _search(settings, "phê duyệt cấp độ an toàn hệ thống thông tin", "--k", "2", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)  # the ingest report went to stderr
    assert {p["doc_id"] for p in out["passages"]} == {"cong-van-3816"}
    report = [line for line in result.stderr.splitlines() if line.startswith("Chỉ mục:")]
    assert len(report) == 1 and report[0].startswith("Chỉ mục: 1 tài liệu, ")
    assert "(thêm 1, cập nhật 0, xóa 0, không đổi 0)" in report[0]
    again = _search(settings, "phê duyệt cấp độ an toàn hệ thống thông tin", "--k", "2", "--json")
    assert again.stderr == "" and json.loads(again.stdout)["passages"] == out["passages"]
    EdgeVectorStore.open(settings.index_dir, 384).close()  # the CLI leaves it open for the process
