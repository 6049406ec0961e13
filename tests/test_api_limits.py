"""The service's limits, over real HTTP on the session's real index: the API key before the body, the body
cap (declared and streamed), Vietnamese 400s for unreadable bodies, error bodies that stay small whatever
was sent, and an OpenAPI schema that states every limit the server enforces.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.core import Assistant
from ingest.pipeline import CorpusIndex
from ingest.settings import Settings
from live_servers import serve_api

API_KEY = "khoa-gioi-han-789"
QUESTION = "Nhiệm vụ xây dựng Hệ thống phòng vệ mạng quốc gia do ai chủ trì?"
MB = 1024 * 1024

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def limited(settings: Settings) -> Settings:
    return settings.model_copy(update={"api_key": API_KEY, "max_body_mb": 2.0, "max_file_mb": 1.0,
                                       "max_question_chars": 300, "max_k": 12})


@pytest.fixture(scope="module")
def base_url(limited: Settings, corpus_index: CorpusIndex) -> Iterator[str]:
    with serve_api(limited, corpus_index) as url:
        yield url


@pytest.fixture
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, headers={"X-API-Key": API_KEY}, timeout=120) as client:
        yield client


def _chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    """A JSON body of ``total`` bytes, sent in pieces (chunked: no Content-Length to judge it by)."""
    yield b'{"question": "'
    for _ in range(total // size):
        yield b"x" * size
    yield b'"}'


def test_the_key_is_checked_before_the_body_is_read(base_url: str) -> None:
    for body in (b"{not json", json.dumps({"question": "x" * (3 * MB)}).encode()):
        response = httpx.post(f"{base_url}/ask", content=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 401
        assert response.json() == {"detail": "Thiếu khóa API. Gửi khóa trong tiêu đề X-API-Key "
                                              "(hoặc Authorization: Bearer <khóa>)."}
    wrong = httpx.post(f"{base_url}/ask", content=b"{not json", headers={"X-API-Key": "sai"})
    assert (wrong.status_code, wrong.json()["detail"]) == (401, "Khóa API không đúng.")


def test_the_key_is_checked_behind_a_proxy_prefix_too(limited: Settings, corpus_index: CorpusIndex) -> None:
    with TestClient(create_app(limited, Assistant(limited, corpus_index)), root_path="/cds") as behind_proxy:
        assert behind_proxy.post("/cds/ask", content=b"{not json").status_code == 401
        assert behind_proxy.get("/cds/documents", headers={"X-API-Key": API_KEY}).status_code == 200


def test_a_body_over_the_limit_is_refused_with_413(client: httpx.Client) -> None:
    declared = client.post("/ask", content=json.dumps({"question": QUESTION, "junk": "x" * (3 * MB)}),
                           headers={"Content-Type": "application/json"})
    assert declared.status_code == 413
    assert declared.json()["detail"] == "Yêu cầu quá lớn: thân yêu cầu tối đa 2 MB. Hãy gửi ít nội dung hơn."
    streamed = client.post("/chat", content=_chunks(3 * MB), headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413 and "tối đa 2 MB" in streamed.json()["detail"]
    upload = client.post("/check", files={"file": ("ke-hoach.txt", b"x" * (2 * MB), "text/plain")})
    assert (upload.status_code, upload.json()["detail"]) == (413, "Tệp tải lên quá lớn: tối đa 1 MB.")
    assert client.post("/ask", json={"question": QUESTION}).json()["answerable"]  # and the service goes on


def test_a_body_within_the_limit_is_read(client: httpx.Client) -> None:
    response = client.post("/ask", content=_chunks(MB), headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and "vượt giới hạn 300 ký tự" in response.json()["detail"]


@pytest.mark.parametrize("body", [b"{not json", b'{"question": "\xff"}', b'{"question": "a",'])
def test_an_unreadable_body_gets_a_vietnamese_400(client: httpx.Client, body: bytes) -> None:
    for path in ("/ask", "/v1/chat/completions"):
        response = client.post(path, content=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 400, (path, body)
        assert response.json()["detail"].startswith("Thân yêu cầu không đọc được: cần JSON hợp lệ, mã hóa UTF-8")


def test_a_missing_body_is_named(client: httpx.Client) -> None:
    response = client.post("/ask", headers={"Content-Type": "application/json"})
    assert (response.status_code, response.json()["detail"]) == (422, "Yêu cầu không hợp lệ: thiếu thân yêu cầu JSON.")


def test_unknown_document_ids_are_summarised_not_echoed(client: httpx.Client) -> None:
    ids = [f"tai-lieu-khong-co-{n:02d}" for n in range(50)]
    response = client.post("/ask", json={"question": QUESTION, "doc_ids": ids})
    assert response.status_code == 404
    assert response.json()["detail"] == (
        "Không có tài liệu mã tai-lieu-khong-co-00, tai-lieu-khong-co-01, tai-lieu-khong-co-02, "
        "tai-lieu-khong-co-03, tai-lieu-khong-co-04 và 45 mã khác. Xem danh sách tại GET /documents.")
    too_many = client.post("/ask", json={"question": QUESTION, "doc_ids": [f"id-{n}" for n in range(150_000)]})
    assert too_many.status_code == 422 and len(too_many.content) < 300
    assert too_many.json()["detail"] == "Yêu cầu không hợp lệ: doc_ids: nhiều nhất 50 phần tử."
    long_id = client.get("/search", params={"q": "xã", "doc_id": "d" * 5000})
    assert long_id.status_code == 404 and len(long_id.content) < 300


def test_many_validation_errors_come_back_as_a_short_message(client: httpx.Client) -> None:
    messages = [{"role": "khách", "content": "x" * 20}] * 30_000
    response = client.post("/v1/chat/completions", json={"messages": messages})
    assert response.status_code == 422 and len(response.content) < 2000
    detail = response.json()["detail"]
    assert detail.startswith("Yêu cầu không hợp lệ: messages.0: 'role' phải là một trong: 'user', 'system', ")
    assert detail.endswith("và 29995 lỗi khác.")
    assert response.json()["error"]["message"] == detail  # the OpenAI clients' shape too


def test_the_schema_states_what_the_server_enforces(base_url: str) -> None:
    schema = httpx.get(f"{base_url}/openapi.json").json()
    models = schema["components"]["schemas"]
    for name in ("AskRequest", "ChatRequest"):
        fields = models[name]["properties"]
        assert (fields["question"]["minLength"], fields["question"]["maxLength"], fields["question"]["pattern"]) == (
            1, 300, r"\S")
        assert fields["k"]["anyOf"][0] == {"type": "integer", "minimum": 1, "maximum": 12}
        assert fields["mode"]["anyOf"][0]["enum"] == ["extractive"]  # no LLM configured
        assert fields["session_id"]["anyOf"][0]["pattern"] == "^[A-Za-z0-9_.:-]{1,64}$"
    search = {p["name"]: p["schema"] for p in schema["paths"]["/search"]["get"]["parameters"]}
    assert (search["q"]["minLength"], search["q"]["maxLength"], search["q"]["pattern"]) == (1, 300, r"\S")
    assert models["ChatCompletionRequest"]["properties"]["messages"]["maxItems"] == 200
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            if "requestBody" in operation:
                assert {"400", "413"} <= set(responses), (method, path)
            if "422" in responses:
                assert responses["422"]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/ErrorOut"}
            if path != "/health":
                assert "401" in responses and operation["security"], (method, path)
    assert "HTTPValidationError" not in models
