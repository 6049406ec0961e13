"""Sessions through the HTTP service, on the session's real index: ids the server issues, a conversation
read back and deleted, ids a client makes up refused unless the settings admit them."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.core import Assistant
from assistant.schemas import Answer
from ingest.pipeline import CorpusIndex
from ingest.settings import Settings
from live_servers import serve_api

TASK_QUESTION = "Nhiệm vụ xây dựng Hệ thống phòng vệ mạng quốc gia do ai chủ trì, hạn khi nào?"
UNKNOWN = ("Không có phiên hội thoại này (phiên đã hết hạn, đã bị xóa hoặc chưa từng được mở). "
           "Bỏ trống session_id để mở phiên mới.")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(settings: Settings, corpus_index: CorpusIndex) -> Iterator[httpx.Client]:
    with serve_api(settings, corpus_index) as url:
        with httpx.Client(base_url=url, timeout=120) as client:
            yield client


def test_a_session_is_opened_used_read_and_deleted(client: httpx.Client) -> None:
    opened = client.post("/sessions")
    assert opened.status_code == 201
    session = opened.json()
    sid = session["session_id"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", sid) and session["turns"] == []
    assert session["expires_at"] - session["last_used"] == pytest.approx(24 * 3600)

    first = Answer.model_validate(client.post("/chat", json={"question": TASK_QUESTION, "session_id": sid}).json())
    follow = Answer.model_validate(client.post("/ask", json={"question": "ai phối hợp?", "session_id": sid}).json())
    assert first.session_id == follow.session_id == sid
    assert follow.resolved_question == "Nhiệm vụ xây dựng Hệ thống phòng vệ mạng quốc gia: ai phối hợp?"

    read = client.get(f"/sessions/{sid}").json()
    assert [t["question"] for t in read["turns"]] == [TASK_QUESTION, "ai phối hợp?"]
    assert Answer.model_validate(read["turns"][1]["answer"]) == follow
    assert read["last_used"] >= session["last_used"]

    assert client.delete(f"/sessions/{sid}").status_code == 204
    for response in (client.get(f"/sessions/{sid}"), client.delete(f"/sessions/{sid}"),
                     client.post("/chat", json={"question": "thời hạn?", "session_id": sid})):
        assert (response.status_code, response.json()["detail"]) == (404, UNKNOWN)


def test_chat_without_a_session_gets_a_fresh_unguessable_one(client: httpx.Client) -> None:
    ids = {client.post("/chat", json={"question": TASK_QUESTION}).json()["session_id"] for _ in range(2)}
    assert len(ids) == 2 and all(re.fullmatch(r"[A-Za-z0-9_-]{32}", i) for i in ids)


def test_a_made_up_id_is_refused_unless_the_settings_admit_it(client: httpx.Client, settings: Settings,
                                                              corpus_index: CorpusIndex) -> None:
    response = client.post("/chat", json={"question": TASK_QUESTION, "session_id": "phien-cua-toi"})
    assert (response.status_code, response.json()["detail"]) == (404, UNKNOWN)
    assert client.get("/sessions/phien-cua-toi").status_code == 404

    admitting = settings.model_copy(update={"allow_client_session_ids": True})
    with TestClient(create_app(admitting, Assistant(admitting, corpus_index))) as open_client:
        answer = open_client.post("/chat", json={"question": TASK_QUESTION, "session_id": "phien-cua-toi"}).json()
        assert answer["session_id"] == "phien-cua-toi" and answer["answerable"]
        assert len(open_client.get("/sessions/phien-cua-toi").json()["turns"]) == 1
