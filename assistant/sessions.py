"""Conversations: turns kept in SQLite under the data directory, and follow-up resolution.

Officials ask in sequence: "Nhiệm vụ xây dựng Hệ thống phòng vệ mạng quốc gia do ai chủ trì?" then
"ai phối hợp?", "còn cấp tỉnh thì sao?", "năm 2025 thì sao?". A follow-up is merged with the previous
resolved question before retrieval: the topic is kept, and the slot the follow-up changes is swapped
(the administrative level, the year or period, the task field asked for). A question that stands on
its own is left as it is.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from assistant.schemas import Answer
from ingest.vietnamese import strip_diacritics

_LEVEL_PHRASE = re.compile(
    r"\bcấp\s+(?:xã|phường|huyện|tỉnh|bộ|trung ương|quốc gia)(?:\s*,\s*(?:cấp\s+)?(?:xã|tỉnh|bộ))*", re.IGNORECASE)
_PERIOD = re.compile(r"\b(?:(?:giai đoạn|năm)\s+)?20\d\d(?:\s*[-–]\s*20\d\d)?\b", re.IGNORECASE)
_FIELD_ASKS = re.compile(
    r"[,;:]?\s*(?:(?:và|thì)\s+)?(?:do\s+(?:ai|cơ quan nào|bộ nào)\s+chủ trì|ai\s+chủ trì|cơ quan nào chủ trì|"
    r"(?:do\s+)?ai\s+phối hợp|cơ quan nào phối hợp|(?:thời\s+)?hạn(?:\s+hoàn thành)?\s+(?:khi nào|là khi nào|năm nào)|"
    r"khi nào (?:xong|hoàn thành)|là bao nhiêu|bao nhiêu|là gì|như thế nào|thế nào)\s*(?=[,;?.]|$)",
    re.IGNORECASE)
_LEADING = re.compile(r"^(?:còn|vậy|thế|thế còn|vậy còn|và|nhưng)\s+", re.IGNORECASE)
_TRAILING = re.compile(r"\s*(?:thì sao|thế nào|ra sao|như thế nào)?\s*\??\s*$", re.IGNORECASE)
_FOLLOW_UP_CUES = ("thì sao", "còn ", "vậy còn", "thế còn")
_SHORT = 6  # words: a question this short with a cue, or naming only a slot, is a follow-up
_FIELD_FOLLOW_UPS = ("ai phối hợp", "phối hợp", "ai chủ trì", "chủ trì", "thời hạn", "hạn", "khi nào", "kết quả",
                     "cơ quan phối hợp", "cơ quan chủ trì", "hạn hoàn thành", "bao giờ xong")


@dataclass(frozen=True)
class Turn:
    """One question and its answer in a session."""

    question: str
    resolved_question: str  # what was actually searched: the follow-up merged with earlier turns
    answer: Answer
    at: float  # Unix time


class SessionStore:
    """Sessions and their turns in one SQLite file (thread-safe; survives restarts).

    >>> store = SessionStore(Path("/tmp/cds/sessions.sqlite"))    # doctest: +SKIP
    >>> sid = store.create(); store.history(sid)                   # doctest: +SKIP
    []
    """

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(
            """
            CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, created REAL NOT NULL);
            CREATE TABLE IF NOT EXISTS turns (
                session_id TEXT NOT NULL REFERENCES sessions(id), seq INTEGER NOT NULL,
                question TEXT NOT NULL, resolved_question TEXT NOT NULL, answer TEXT NOT NULL, at REAL NOT NULL,
                PRIMARY KEY (session_id, seq));
            """
        )

    def create(self) -> str:
        session_id = uuid.uuid4().hex
        with self._lock:
            self._db.execute("INSERT INTO sessions VALUES (?, ?)", (session_id, time.time()))
        return session_id

    def append(self, session_id: str, turn: Turn) -> None:
        """Add a turn, creating the session if it is new (API clients may choose their own ids)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("INSERT OR IGNORE INTO sessions VALUES (?, ?)", (session_id, turn.at))
                (seq,) = self._db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM turns WHERE session_id = ?",
                                          (session_id,)).fetchone()
                self._db.execute("INSERT INTO turns VALUES (?, ?, ?, ?, ?, ?)",
                                 (session_id, seq, turn.question, turn.resolved_question,
                                  turn.answer.model_dump_json(), turn.at))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def history(self, session_id: str) -> list[Turn]:
        rows = self._db.execute(
            "SELECT question, resolved_question, answer, at FROM turns WHERE session_id = ? ORDER BY seq",
            (session_id,))
        return [Turn(q, r, Answer.model_validate_json(a), at) for q, r, a, at in rows]

    def close(self) -> None:
        self._db.close()


def resolve_follow_up(question: str, earlier: list[str]) -> str:
    """``question`` merged with the last resolved question when it is a follow-up (module docstring).

    >>> resolve_follow_up("còn cấp tỉnh thì sao?", ["Kế hoạch CĐS cấp xã gồm những nội dung gì?"])
    'Kế hoạch CĐS cấp tỉnh gồm những nội dung gì?'
    >>> resolve_follow_up("ai phối hợp?", ["Nhiệm vụ xây dựng Hệ thống phòng vệ mạng quốc gia do ai chủ trì?"])
    'Nhiệm vụ xây dựng Hệ thống phòng vệ mạng quốc gia: ai phối hợp?'
    """
    if not earlier or not _is_follow_up(question):
        return question
    previous = earlier[-1]
    core = _TRAILING.sub("", _LEADING.sub("", question.strip())).strip(" ,;")
    levels = _LEVEL_PHRASE.findall(core)
    periods = _PERIOD.findall(core)
    if levels or periods:
        merged = previous
        if levels:
            merged = _swap(merged, _LEVEL_PHRASE, levels[0])
        if periods:
            merged = _swap(merged, _PERIOD, periods[0])
        rest = _PERIOD.sub("", _LEVEL_PHRASE.sub("", core)).strip(" ,;")
        return f"{merged.rstrip(' ?.')} ({rest})?" if len(rest.split()) >= 2 else merged
    topic = _FIELD_ASKS.sub("", previous).strip(" ,;:?.")
    ask = question.strip()
    return f"{topic}: {ask[0].lower() + ask[1:] if ask[:1].isupper() else ask}"


def _is_follow_up(question: str) -> bool:
    text = " ".join(question.lower().split()).rstrip(" ?.")
    plain = strip_diacritics(text)
    words = text.split()
    if any(cue in text or strip_diacritics(cue) in plain for cue in _FOLLOW_UP_CUES) and len(words) <= 2 * _SHORT:
        return True
    if len(words) > _SHORT:
        return False
    if text in _FIELD_FOLLOW_UPS or any(text.endswith(f) for f in _FIELD_FOLLOW_UPS):
        return True
    core = _PERIOD.sub("", _LEVEL_PHRASE.sub("", text)).strip(" ,;")
    return not core or core in ("thì sao", "thế nào", "ra sao")


def _swap(text: str, pattern: re.Pattern[str], replacement: str) -> str:
    """Replace the first match of ``pattern`` in ``text`` (append when there is none)."""
    if pattern.search(text):
        return pattern.sub(replacement, text, count=1)
    return f"{text.rstrip(' ?.')} ({replacement})?"
