"""Conversations: follow-up resolution, the SQLite store (issued ids, expiry, bound, deletion, upgrade of old
files), and a session that survives a restart."""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path

import pytest

from assistant.core import Assistant
from assistant.schemas import Answer, Timings
from assistant.sessions import MAX_TURNS, SessionStore, Turn, resolve_follow_up
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
    # a year inside a document number or a date is no period to swap (it was: "47/năm 2025/NĐ-CP")
    ("năm 2025 thì sao?", "Văn bản 6074/BTTTT-CĐSQG ngày 05/12/2023 hướng dẫn CĐS giai đoạn 2024-2025 do ai ký?",
     "Văn bản 6074/BTTTT-CĐSQG ngày 05/12/2023 hướng dẫn CĐS năm 2025 do ai ký?"),
    ("năm 2025 thì sao?", "Nghị định 47/2024/NĐ-CP quy định danh mục CSDL quốc gia gồm những CSDL nào?",
     "Nghị định 47/2024/NĐ-CP quy định danh mục CSDL quốc gia gồm những CSDL nào (năm 2025)?"),
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


def _store(path: Path, idle_s: float = 3600, max_sessions: int = 100) -> SessionStore:
    return SessionStore(path, idle_s=idle_s, max_sessions=max_sessions)


def _turn(question: str, at: float | None = None) -> Turn:
    return Turn(question, question, _answer(question), time.time() if at is None else at)


def test_store_keeps_turns_in_order_across_reopening(tmp_path: Path):
    path = tmp_path / "sessions.sqlite"
    store = _store(path)
    session = store.create()
    assert store.history(session) == []
    first = _turn("q1")
    second = Turn("ai phối hợp?", "q1: ai phối hợp?", _answer("ai phối hợp?"), time.time())
    store.append(session, first)
    store.append(session, second)
    store.append("client-chosen-id", first)  # created on first use (the API admits it only when configured to)
    store.close()
    reopened = _store(path)
    assert reopened.history(session) == [first, second]
    assert reopened.history("client-chosen-id") == [first]
    assert reopened.history("unknown") == []
    reopened.close()


def test_ids_are_random_url_safe_tokens(tmp_path: Path):
    store = _store(tmp_path / "sessions.sqlite")
    ids = {store.create() for _ in range(50)}
    assert len(ids) == 50
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{32}", i) for i in ids)  # 24 random bytes each
    store.close()


def test_idle_sessions_expire_and_an_active_one_stays(tmp_path: Path):
    store = _store(tmp_path / "sessions.sqlite", idle_s=1.0)
    idle, active = store.create(), store.create()
    store.append(idle, _turn("q1"))
    for _ in range(3):
        time.sleep(0.4)
        store.append(active, _turn("q"))
    assert not store.exists(idle) and store.get(idle) is None and store.history(idle) == []
    assert store.exists(active) and len(store.history(active)) == 3
    store.create()  # opening a session clears out the expired ones, turns included
    assert store._db.execute("SELECT COUNT(*) FROM turns WHERE session_id = ?", (idle,)).fetchone() == (0,)
    store.close()


def test_the_store_is_bounded_and_drops_the_least_recently_used(tmp_path: Path):
    store = _store(tmp_path / "sessions.sqlite", max_sessions=3)
    oldest, used, last = store.create(), store.create(), store.create()
    store.append(used, _turn("q"))  # used after ``last`` was opened
    newest = store.create()
    assert [store.exists(s) for s in (oldest, used, last, newest)] == [False, True, True, True]
    assert store._db.execute("SELECT COUNT(*) FROM sessions").fetchone() == (3,)
    store.close()


def test_a_session_keeps_its_last_turns(tmp_path: Path):
    store = _store(tmp_path / "sessions.sqlite")
    session = store.create()
    for n in range(MAX_TURNS + 5):
        store.append(session, _turn(f"q{n}"))
    assert [t.question for t in store.history(session)] == [f"q{n}" for n in range(5, MAX_TURNS + 5)]
    store.close()


def test_delete_removes_a_session_and_its_turns(tmp_path: Path):
    store = _store(tmp_path / "sessions.sqlite")
    session = store.create()
    store.append(session, _turn("q1"))
    assert store.delete(session) and not store.delete(session)
    assert store.get(session) is None
    assert store._db.execute("SELECT COUNT(*) FROM turns").fetchone() == (0,)
    store.close()


def test_a_file_from_before_expiry_is_upgraded_in_place(tmp_path: Path):
    path = tmp_path / "sessions.sqlite"
    old = sqlite3.connect(path)  # the layout sessions were stored in before they could expire
    old.executescript("""
        CREATE TABLE sessions (id TEXT PRIMARY KEY, created REAL NOT NULL);
        CREATE TABLE turns (session_id TEXT NOT NULL REFERENCES sessions(id), seq INTEGER NOT NULL,
            question TEXT NOT NULL, resolved_question TEXT NOT NULL, answer TEXT NOT NULL, at REAL NOT NULL,
            PRIMARY KEY (session_id, seq));
    """)
    now = time.time()
    turn = _turn("q1", at=now - 60)
    old.execute("INSERT INTO sessions VALUES ('recent', ?), ('stale', ?)", (now - 120, now - 7200))
    old.execute("INSERT INTO turns VALUES ('recent', 1, 'q1', 'q1', ?, ?)", (turn.answer.model_dump_json(), turn.at))
    old.commit()
    old.close()
    store = _store(path, idle_s=3600)
    assert store.history("recent") == [turn]
    assert store.get("recent").last_used == turn.at  # the last turn, not the opening, counts as use
    assert not store.exists("stale")
    store.close()
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone() == (2,)


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
