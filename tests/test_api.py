"""The HTTP service, called over real HTTP: the app runs under uvicorn on the session's real index.

The app is configured with an API key, one CORS origin and tighter limits than the defaults, so
every rule is exercised: 4xx bodies carry a Vietnamese ``detail`` and the service keeps serving.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from assistant.cli import main
from assistant.schemas import NOT_IN_CORPUS, Answer
from conftest import CORPUS_DIR, make_settings
from ingest.pipeline import CorpusIndex
from ingest.settings import Settings
from live_servers import free_port, serve_api

API_KEY = "khoa-thu-nghiem-123"
ORIGIN = "https://cds.example.gov.vn"
TASK_QUESTION = "Nhiệm vụ xây dựng Hệ thống phòng vệ mạng quốc gia do ai chủ trì, hạn khi nào?"
MISSING_QUESTION = "Xã nào của tỉnh Lào Cai được chọn thí điểm chuyển đổi số đầu tiên?"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def api_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"api_key": API_KEY, "cors_origins": [ORIGIN], "max_question_chars": 300,
                                       "max_k": 12})


@pytest.fixture(scope="module")
def base_url(api_settings: Settings, corpus_index: CorpusIndex) -> Iterator[str]:
    with serve_api(api_settings, corpus_index) as url:
        yield url


@pytest.fixture
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, headers={"X-API-Key": API_KEY}, timeout=120) as client:
        yield client


def _sse(response: httpx.Response) -> list[tuple[str, str]]:
    """(event, data) pairs of a text/event-stream body."""
    events, event, data = [], "message", []
    for line in response.iter_lines():
        if not line:
            if data:
                events.append((event, "\n".join(data)))
            event, data = "message", []
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
    return events


# --- answers ---------------------------------------------------------------------------------------

def test_ask_answers_with_citations_that_resolve_into_the_document_text(client: httpx.Client) -> None:
    response = client.post("/ask", json={"question": TASK_QUESTION, "k": 8})
    assert response.status_code == 200
    answer = Answer.model_validate(response.json())
    assert answer.answerable and answer.mode == "extractive"
    assert "Bộ Công an" in answer.answer and "2026" in answer.answer
    assert answer.citations and any(c.doc_id == "danh-muc-nhiem-vu-2026-2030" for c in answer.citations)
    texts = {}
    for c in answer.citations:
        if c.doc_id not in texts:
            texts[c.doc_id] = client.get(f"/documents/{c.doc_id}").json()["text"]
        assert texts[c.doc_id][c.char_start : c.char_end] == c.quote
        assert f"[{c.n}]" in answer.answer


def test_ask_refuses_what_the_documents_do_not_say(client: httpx.Client) -> None:
    answer = Answer.model_validate(client.post("/ask", json={"question": MISSING_QUESTION}).json())
    assert not answer.answerable and answer.answer.startswith(NOT_IN_CORPUS)
    assert answer.citations == [] and answer.passages


def test_ask_filters_by_document(client: httpx.Client) -> None:
    body = {"question": "Mục tiêu chuyển đổi số năm 2025", "doc_ids": ["du-thao-kh-cds-qg-2025"]}
    answer = Answer.model_validate(client.post("/ask", json=body).json())
    assert answer.passages and {p.doc_id for p in answer.passages} == {"du-thao-kh-cds-qg-2025"}


def test_chat_keeps_a_session_and_resolves_a_follow_up(client: httpx.Client) -> None:
    first = Answer.model_validate(client.post("/chat", json={"question": TASK_QUESTION}).json())
    assert first.session_id and first.answerable
    follow = Answer.model_validate(client.post("/chat", json={"question": "ai phối hợp?",
                                                              "session_id": first.session_id}).json())
    assert follow.session_id == first.session_id
    assert follow.resolved_question and follow.resolved_question != "ai phối hợp?"
    assert follow.answerable and "phối hợp" in follow.answer.lower()


@pytest.mark.parametrize("how", ["body", "accept"])
def test_chat_streams_tokens_then_citations_then_the_answer(client: httpx.Client, how: str) -> None:
    body = {"question": TASK_QUESTION, "stream": how == "body"}
    headers = {"Accept": "text/event-stream"} if how == "accept" else {}
    with client.stream("POST", "/chat", json=body, headers=headers) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = _sse(response)
    names = [e for e, _ in events]
    assert names[-2:] == ["citations", "done"] and set(names[:-2]) == {"token"} and len(names) > 3
    done = Answer.model_validate_json(events[-1][1])
    assert "".join(json.loads(d) for e, d in events if e == "token") == done.answer
    assert json.loads(events[-2][1]) == [c.model_dump() for c in done.citations]
    assert done.session_id and done.answerable


# --- search and documents --------------------------------------------------------------------------

def test_search_returns_passages_with_offsets(client: httpx.Client) -> None:
    response = client.get("/search", params={"q": "phòng vệ mạng quốc gia", "k": 3,
                                              "doc_id": "danh-muc-nhiem-vu-2026-2030"})
    assert response.status_code == 200
    result = response.json()
    assert 1 <= len(result["passages"]) <= 3 and result["timings_ms"]["retrieve"] > 0
    text = client.get("/documents/danh-muc-nhiem-vu-2026-2030").json()["text"]
    for hit in result["passages"]:
        assert hit["doc_id"] == "danh-muc-nhiem-vu-2026-2030"
        assert text[hit["char_start"] : hit["char_end"]] == hit["text"]


def test_documents_list_the_corpus(client: httpx.Client, corpus_index: CorpusIndex) -> None:
    documents = client.get("/documents").json()
    manifest = json.loads((CORPUS_DIR / "manifest.json").read_text(encoding="utf-8"))["documents"]
    assert {d["id"] for d in documents} == {row["id"] for row in manifest}
    assert sum(d["n_chunks"] for d in documents) == corpus_index.store.count()
    cv = next(d for d in documents if d["id"] == "cv-3816-btttt-cdsqg")
    assert (cv["number"], cv["issuer"], cv["date"], cv["status"]) == (
        "3816/BTTTT-CĐSQG", "Bộ Thông tin và Truyền thông", "2024-09-14", "in_force")


def test_a_document_has_its_clause_tree_and_task_fields_as_offsets(client: httpx.Client) -> None:
    doc = client.get("/documents/danh-muc-nhiem-vu-2026-2030").json()
    text, clauses = doc["text"], {c["id"]: c for c in doc["clauses"]}
    assert clauses and doc["tasks"]
    for clause in clauses.values():
        assert 0 <= clause["start"] <= clause["heading_end"] <= clause["end"] <= len(text)
        assert clause["parent"] is None or clause["parent"] in clauses
    row = next(t for t in doc["tasks"] if t["task"]["text"] == "Xây dựng Hệ thống phòng vệ mạng quốc gia")
    assert (row["lead"]["text"], row["deadline"]["text"]) == ("Bộ Công an", "2026")
    for field in ("task", "lead", "coordinating", "deadline"):
        assert text[row[field]["start"] : row[field]["end"]] == row[field]["text"]
    assert row["clause_id"] in clauses


def test_health_is_open_and_describes_the_index(base_url: str, corpus_index: CorpusIndex) -> None:
    health = httpx.get(f"{base_url}/health").json()
    assert health == {"status": "ok", "documents": len(corpus_index.docstore.documents()),
                      "chunks": corpus_index.store.count(), "embedder": corpus_index.embedder.name,
                      "index_backend": "qdrant-edge", "llm_backend": "none", "llm_model": None}


def test_openapi_docs_are_open_and_in_vietnamese(base_url: str) -> None:
    assert httpx.get(f"{base_url}/docs").status_code == 200
    schema = httpx.get(f"{base_url}/openapi.json").json()
    assert {"/ask", "/chat", "/search", "/documents", "/documents/{doc_id}", "/health", "/v1/chat/completions",
            "/v1/models"} <= set(schema["paths"])
    assert schema["paths"]["/ask"]["post"]["summary"] == "Hỏi một câu, nhận câu trả lời có trích dẫn"
    assert {"APIKeyHeader", "HTTPBearer"} <= set(schema["components"]["securitySchemes"])


# --- rules and errors ------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "path", "kwargs", "code", "detail"), [
    ("post", "/ask", {"json": {"question": "x" * 301}}, 422, "vượt giới hạn 300 ký tự"),
    ("post", "/ask", {"json": {"question": TASK_QUESTION, "k": 13}}, 422, "phải từ 1 đến 12, nhận được 13"),
    ("post", "/ask", {"json": {"question": TASK_QUESTION, "k": 0}}, 422, "k: phải lớn hơn hoặc bằng 1"),
    ("post", "/ask", {"json": {"question": "   "}}, 422, "Câu hỏi đang trống"),
    ("post", "/ask", {"json": {}}, 422, "question: thiếu trường bắt buộc"),
    ("post", "/ask", {"content": b"{not json", "headers": {"Content-Type": "application/json"}}, 400, "JSON hợp lệ"),
    ("post", "/ask", {"content": b"\xff\xfe", "headers": {"Content-Type": "application/json"}}, 400, "UTF-8"),
    ("post", "/ask", {"json": {"question": TASK_QUESTION, "doc_ids": ["khong-co"]}}, 404,
     "Không có tài liệu mã khong-co"),
    ("post", "/ask", {"json": {"question": TASK_QUESTION, "k": "5"}}, 422, "k: phải là số nguyên"),
    ("post", "/chat", {"json": {"question": TASK_QUESTION, "stream": 0}}, 422, "stream: phải là true hoặc false"),
    ("post", "/chat", {"json": {"question": "x" * 301, "stream": True}}, 422, "vượt giới hạn 300 ký tự"),
    ("get", "/search", {"params": {"q": "chuyển đổi số", "k": 50}}, 422, "phải từ 1 đến 12, nhận được 50"),
    ("get", "/search", {"params": {"q": "x" * 301}}, 422, "vượt giới hạn 300 ký tự"),
    ("post", "/chat", {"json": {"question": TASK_QUESTION, "session_id": "có dấu cách"}}, 422,
     "session_id: không đúng định dạng"),
    ("post", "/chat", {"json": {"question": TASK_QUESTION, "session_id": "chua-tung-mo"}}, 404,
     "Không có phiên hội thoại này"),
    ("post", "/chat", {"json": {"question": TASK_QUESTION, "mode": "llm"}}, 422, "chưa cấu hình mô hình ngôn ngữ"),
    ("get", "/search", {}, 422, "q: thiếu trường bắt buộc"),
    ("get", "/search", {"params": {"q": "  "}}, 422, "Nội dung tìm kiếm đang trống"),
    ("get", "/documents/khong-co", {}, 404, "Không có tài liệu mã “khong-co”"),
    ("get", "/khong-co-duong-dan", {}, 404, "Không có đường dẫn này"),
    ("get", "/ask", {}, 405, "không nhận phương thức"),
])
def test_bad_requests_get_vietnamese_4xx(client: httpx.Client, method: str, path: str, kwargs: dict, code: int,
                                          detail: str) -> None:
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == code
    assert detail in response.json()["detail"]


@pytest.mark.parametrize(("headers", "code"), [
    ({}, 401), ({"X-API-Key": "sai-khoa"}, 401), ({"Authorization": "Bearer sai-khoa"}, 401),
    ({"Authorization": f"Bearer {API_KEY}"}, 200), ({"X-API-Key": API_KEY}, 200),
])
def test_api_key_is_required_except_for_health_and_docs(base_url: str, headers: dict, code: int) -> None:
    for path in ("/documents", "/v1/models", "/search?q=xã"):
        response = httpx.get(f"{base_url}{path}", headers=headers)
        assert response.status_code == code, path
        if code == 401:
            assert "khóa api" in response.json()["detail"].lower()
    assert httpx.get(f"{base_url}/health", headers=headers).status_code == 200


def test_cors_preflight_allows_the_configured_origin_only(base_url: str) -> None:
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,x-api-key"}
    allowed = httpx.options(f"{base_url}/ask", headers={"Origin": ORIGIN, **preflight})
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == ORIGIN
    assert "x-api-key" in allowed.headers["access-control-allow-headers"].lower()
    refused = httpx.options(f"{base_url}/ask", headers={"Origin": "https://evil.example", **preflight})
    assert refused.status_code == 400 and "access-control-allow-origin" not in refused.headers
    simple = httpx.get(f"{base_url}/health", headers={"Origin": ORIGIN})
    assert simple.headers["access-control-allow-origin"] == ORIGIN


def test_the_service_stays_up_after_bad_requests(client: httpx.Client) -> None:
    for _ in range(3):
        client.post("/ask", json={"question": "x" * 5000})
        client.post("/ask", content=b"\xff\xfe", headers={"Content-Type": "application/json"})
        client.get("/documents/%00")
    assert client.get("/health").json()["status"] == "ok"
    assert client.post("/ask", json={"question": TASK_QUESTION}).json()["answerable"]


# --- cds serve ---------------------------------------------------------------------------------------

def test_serve_rejects_an_incomplete_llm_configuration(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, tmp_path / "e.sqlite", llm_backend="openai")
    result = CliRunner().invoke(main, ["serve"], obj=settings)
    assert result.exit_code == 2 and "CDS_LLM_BASE_URL" in result.output


def test_cds_serve_prints_its_urls_and_serves(tmp_path: Path, embed_cache: Path, corpus_index: CorpusIndex) -> None:
    port = free_port()
    env = {**os.environ, "CDS_DATA_DIR": str(tmp_path / "data"), "CDS_EMBED_CACHE": str(embed_cache),
           "CDS_CORPUS_DIR": str(CORPUS_DIR), "PYTHONUNBUFFERED": "1"}
    cds = Path(sys.executable).parent / "cds"
    process = subprocess.Popen([str(cds), "serve", "--port", str(port)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 600
        while True:
            assert process.poll() is None, process.stdout.read()
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).json()
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "cds serve did not start within 10 minutes"
                time.sleep(1)
        assert health["documents"] == len(corpus_index.docstore.documents())
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0]
    assert f"Dịch vụ trợ lý CĐS đang chạy tại http://127.0.0.1:{port}" in output
    assert f"http://127.0.0.1:{port}/docs" in output
