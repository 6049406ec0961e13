"""Conversations: follow-up resolution, the SQLite store, and a session that survives a restart."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from assistant.core import Assistant
from assistant.schemas import Answer, Timings
from assistant.sessions import SessionStore, Turn, resolve_follow_up
from ingest.pipeline import CorpusIndex

TASK_QUESTION = "Nhiệm vụ xây dựng Hệ thống phòng vệ mạng quốc gia do ai chủ trì, hạn khi nào?"
TARGET_QUESTION = "Theo khung kế hoạch, chỉ tiêu tỷ lệ dân số trưởng thành có chữ ký số giai đoạn 2025-2027 là bao nhiêu?"


@pytest.mark.parametrize(("follow_up", "previous", "resolved"), [
    ("ai phối hợp?", TASK_QUESTION, "Nhiệm vụ xây dựng Hệ thống phòng vệ mạng quốc gia: ai phối hợp?"),
    ("thời hạn?", TASK_QUESTION, "Nhiệm vụ xây dựng Hệ thống phòng vệ mạng quốc gia: thời hạn?"),
    ("còn ở giai đoạn 2028-2030?", TARGET_QUESTION,
     "Theo khung kế hoạch, chỉ tiêu tỷ lệ dân số trưởng thành có chữ ký số giai đoạn 2028-2030 là bao nhiêu?"),
    ("năm 2025 thì sao?", TARGET_QUESTION,
     "Theo khung kế hoạch, chỉ tiêu tỷ lệ dân số trưởng thành có chữ ký số năm 2025 là bao nhiêu?"),
    ("còn cấp tỉnh thì sao?", "Kế hoạch CĐS cấp xã gồm những nội dung gì?", "Kế hoạch CĐS cấp tỉnh gồm những nội dung gì?"),
    ("còn cấp tỉnh thì sao?", "Kế hoạch CĐS gồm những nội dung gì?", "Kế hoạch CĐS gồm những nội dung gì (cấp tỉnh)?"),
])
def test_follow_ups_keep_the_topic_and_swap_the_slot(follow_up: str, previous: str, resolved: str):
    assert resolve_follow_up(follow_up, ["Câu hỏi trước đó không liên quan?", previous]) == resolved


@pytest.mark.parametrize("question", [
    "Luật An ninh mạng quy định gì về kiểm tra an ninh mạng đối với hệ thống thông tin quan trọng?",
    "Dịch vụ tin cậy gồm những dịch vụ nào?",
])
def test_a_question_that_stands_on_its_own_is_not_rewritten(question: str):
    assert resolve_follow_up(question, [TASK_QUESTION]) == question


def test_nothing_to_resolve_against():
    assert resolve_follow_up("ai phối hợp?", []) == "ai phối hợp?"


def _answer(question: str) -> Answer:
    return Answer(question=question, answer="KHÔNG CÓ TRONG TÀI LIỆU", answerable=False, citations=[], passages=[],
                  mode="extractive", timings_ms=Timings(retrieve=1.0, compose=1.0, total=2.0))


def test_store_keeps_turns_in_order_across_reopening(tmp_path: Path):
    path = tmp_path / "sessions.sqlite"
    store = SessionStore(path)
    session = store.create()
    assert store.history(session) == []
    first = Turn("q1", "q1", _answer("q1"), time.time())
    second = Turn("ai phối hợp?", "q1: ai phối hợp?", _answer("ai phối hợp?"), time.time())
    store.append(session, first)
    store.append(session, second)
    store.append("client-chosen-id", first)  # created on first use
    store.close()
    reopened = SessionStore(path)
    assert reopened.history(session) == [first, second]
    assert reopened.history("client-chosen-id") == [first]
    assert reopened.history("unknown") == []
    reopened.close()


@pytest.mark.slow
def test_a_follow_up_is_resolved_in_a_session_that_survives_a_restart(corpus_index: CorpusIndex):
    settings = corpus_index.settings
    first = Assistant(settings, corpus_index)
    session = first.new_session()
    answer = first.ask(TASK_QUESTION, session_id=session)
    assert answer.answerable and answer.session_id == session and answer.resolved_question is None
    follow = first.ask("ai phối hợp?", session_id=session)
    assert follow.resolved_question == "Nhiệm vụ xây dựng Hệ thống phòng vệ mạng quốc gia: ai phối hợp?"
    assert "Cơ quan phối hợp: Các bộ, ngành, địa phương" in follow.answer
    first.sessions.close()  # a restart: the index stays with the test session, the conversation is on disk

    second = Assistant(settings, corpus_index)
    history = second.history(session)
    assert [t.question for t in history] == [TASK_QUESTION, "ai phối hợp?"]
    assert history[1].answer == follow
    again = second.ask("thời hạn?", session_id=session)
    assert again.resolved_question == "Nhiệm vụ xây dựng Hệ thống phòng vệ mạng quốc gia: thời hạn?"
    assert "Thời hạn hoàn thành: 2026" in again.answer
    assert len(second.history(session)) == 3
    assert second.ask(TASK_QUESTION).session_id is None  # stateless questions stay out of sessions
    assert len(second.history(session)) == 3
