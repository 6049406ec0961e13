"""Conversations: turns kept in SQLite under the data directory (bounded, idle ones expire), and follow-up
resolution.

Officials ask in sequence: "Nhiệm vụ xây dựng Hệ thống phòng vệ mạng quốc gia do ai chủ trì?" then
"ai phối hợp?", "còn cấp tỉnh thì sao?", "năm 2025 thì sao?". A follow-up is merged with the previous
resolved question before retrieval: the topic is kept, and the slot the follow-up changes is swapped
(the administrative level, the year or period, the task field asked for). A question that stands on
its own is left as it is.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from assistant.engine.read import ScopePhrases, scope_phrases
from assistant.schemas import Answer
from ingest.vietnamese import strip_diacritics

_FIELD_ASKS = re.compile(
    r"[,;:]?\s*(?:(?:và|thì)\s+)?(?:do\s+(?:ai|cơ quan nào|bộ nào)\s+chủ trì|ai\s+chủ trì|cơ quan nào chủ trì|"
    r"(?:do\s+)?ai\s+phối hợp|cơ quan nào phối hợp|(?:thời\s+)?hạn(?:\s+hoàn thành)?\s+(?:khi nào|là khi nào|năm nào)|"
    r"khi nào (?:xong|hoàn thành)|là bao nhiêu|bao nhiêu|là gì|như thế nào|thế nào)\s*(?=[,;?.]|$)",
    re.IGNORECASE)
_LEADING = re.compile(r"^(?:vậy còn|thế còn|còn|vậy|thế|và|nhưng)\s+", re.IGNORECASE)
_TRAILING = re.compile(r"\s*(?:thì sao|thế nào|ra sao|như thế nào)?\s*\??\s*$", re.IGNORECASE)
_FOLLOW_UP_CUES = ("thì sao", "còn ", "vậy còn", "thế còn")
# "còn 5G thì sao?", "vậy còn Trung tâm dữ liệu?": the question is the previous one about another subject.
_ASKS_ABOUT_OTHER = re.compile(r"^\s*(?:vậy\s+|thế\s+)?còn\s|thì sao\s*\??\s*$", re.IGNORECASE)
# Where a question's subject ends: the words that ask, and those that open a level or a period.
_FRAME_WORDS = frozenset("""là do gồm bao có được cần phải như thế ra khi ai nào gì năm giai cấp theo trong tại
    đạt đặt chủ phối hạn thì""".split())
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


@dataclass(frozen=True)
class Session:
    """A conversation: its id, when it was opened and last used (Unix time), its turns oldest first."""

    id: str
    created: float
    last_used: float
    turns: list[Turn]


MAX_TURNS = 100  # per session: the oldest turns beyond it are dropped (a follow-up needs only the last)

# Each entry upgrades the file by one version (PRAGMA user_version); files written before versioning are 0.
_MIGRATIONS = [
    """
    CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, created REAL NOT NULL);
    CREATE TABLE IF NOT EXISTS turns (
        session_id TEXT NOT NULL REFERENCES sessions(id), seq INTEGER NOT NULL,
        question TEXT NOT NULL, resolved_question TEXT NOT NULL, answer TEXT NOT NULL, at REAL NOT NULL,
        PRIMARY KEY (session_id, seq));
    """,
    """
    ALTER TABLE sessions ADD COLUMN last_used REAL NOT NULL DEFAULT 0;
    UPDATE sessions SET last_used = COALESCE((SELECT MAX(at) FROM turns WHERE session_id = sessions.id), created);
    CREATE INDEX sessions_by_last_use ON sessions(last_used);
    """,
]


class SessionStore:
    """Sessions and their turns in one SQLite file (thread-safe; survives restarts), bounded in size.

    Ids are issued by ``create`` (random, unguessable). A session unused for ``idle_s`` seconds is gone,
    and opening more than ``max_sessions`` deletes the least recently used ones.

    >>> store = SessionStore(Path("/tmp/cds/sessions.sqlite"), idle_s=86400, max_sessions=1000)  # doctest: +SKIP
    >>> sid = store.create(); store.history(sid)                                                  # doctest: +SKIP
    []

    :raises ValueError: ``idle_s`` not positive or ``max_sessions`` below 1.
    """

    def __init__(self, path: Path, *, idle_s: float, max_sessions: int):
        if idle_s <= 0:
            raise ValueError(f"idle_s must be positive, got {idle_s}")
        if max_sessions < 1:
            raise ValueError(f"max_sessions must be at least 1, got {max_sessions}")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.idle_s = idle_s
        self.max_sessions = max_sessions
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        with self._lock, self._transaction():
            (version,) = self._db.execute("PRAGMA user_version").fetchone()
            for script in _MIGRATIONS[version:]:
                for statement in filter(str.strip, script.split(";")):
                    self._db.execute(statement)
            self._db.execute(f"PRAGMA user_version = {len(_MIGRATIONS)}")

    def create(self) -> str:
        """Open a new, empty session and return its id."""
        session_id = secrets.token_urlsafe(24)
        with self._lock, self._transaction():
            self._admit(session_id, time.time())
        return session_id

    def append(self, session_id: str, turn: Turn) -> None:
        """Add a turn, creating the session if it is new or has expired (``create`` is the way to get an id;
        the API admits a client's own id only when configured to)."""
        with self._lock, self._transaction():
            if not self._live(session_id, turn.at):
                self._admit(session_id, turn.at)
            (seq,) = self._db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM turns WHERE session_id = ?",
                                      (session_id,)).fetchone()
            self._db.execute("INSERT INTO turns VALUES (?, ?, ?, ?, ?, ?)",
                             (session_id, seq, turn.question, turn.resolved_question,
                              turn.answer.model_dump_json(), turn.at))
            self._db.execute("DELETE FROM turns WHERE session_id = ? AND seq <= ?", (session_id, seq - MAX_TURNS))
            self._db.execute("UPDATE sessions SET last_used = MAX(last_used, ?) WHERE id = ?", (turn.at, session_id))

    def exists(self, session_id: str) -> bool:
        """Whether the session exists and has not expired."""
        with self._lock:
            return self._live(session_id, time.time())

    def get(self, session_id: str) -> Session | None:
        """The session with its turns; None when it does not exist or has expired."""
        with self._lock:
            row = self._db.execute("SELECT created, last_used FROM sessions WHERE id = ? AND last_used > ?",
                                   (session_id, time.time() - self.idle_s)).fetchone()
            return None if row is None else Session(session_id, row[0], row[1], self._turns(session_id))

    def history(self, session_id: str) -> list[Turn]:
        """The turns of a session, oldest first ([] for an unknown or expired id)."""
        session = self.get(session_id)
        return session.turns if session else []

    def delete(self, session_id: str) -> bool:
        """Delete a session and its turns; False when there was none."""
        with self._lock, self._transaction():
            self._db.execute("DELETE FROM turns WHERE session_id = ?", (session_id,))
            return self._db.execute("DELETE FROM sessions WHERE id = ?", (session_id,)).rowcount > 0

    def close(self) -> None:
        self._db.close()

    def _turns(self, session_id: str) -> list[Turn]:
        rows = self._db.execute(
            "SELECT question, resolved_question, answer, at FROM turns WHERE session_id = ? ORDER BY seq",
            (session_id,)).fetchall()
        return [Turn(q, r, Answer.model_validate_json(a), at) for q, r, a, at in rows]

    def _live(self, session_id: str, now: float) -> bool:
        return self._db.execute("SELECT 1 FROM sessions WHERE id = ? AND last_used > ?",
                                (session_id, now - self.idle_s)).fetchone() is not None

    def _admit(self, session_id: str, now: float) -> None:
        """Insert a fresh session, after deleting the expired ones and, past the bound, the least recently used."""
        stale = "SELECT id FROM sessions WHERE last_used <= ? OR id = ?"
        self._db.execute(f"DELETE FROM turns WHERE session_id IN ({stale})", (now - self.idle_s, session_id))
        self._db.execute(f"DELETE FROM sessions WHERE id IN ({stale})", (now - self.idle_s, session_id))
        (count,) = self._db.execute("SELECT COUNT(*) FROM sessions").fetchone()
        if count >= self.max_sessions:
            oldest = "SELECT id FROM sessions ORDER BY last_used LIMIT ?"
            surplus = count - self.max_sessions + 1
            self._db.execute(f"DELETE FROM turns WHERE session_id IN ({oldest})", (surplus,))
            self._db.execute(f"DELETE FROM sessions WHERE id IN ({oldest})", (surplus,))
        self._db.execute("INSERT INTO sessions (id, created, last_used) VALUES (?, ?, ?)", (session_id, now, now))

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")


def resolve_follow_up(question: str, earlier: list[str]) -> str:
    """``question`` merged with the last resolved question when it is a follow-up (module docstring).

    >>> resolve_follow_up("còn cấp tỉnh thì sao?", ["Kế hoạch CĐS cấp xã gồm những nội dung gì?"])
    'Kế hoạch CĐS cấp tỉnh gồm những nội dung gì?'
    >>> resolve_follow_up("ai phối hợp?", ["Nhiệm vụ xây dựng Hệ thống phòng vệ mạng quốc gia do ai chủ trì?"])
    'Nhiệm vụ xây dựng Hệ thống phòng vệ mạng quốc gia: ai phối hợp?'
    >>> resolve_follow_up("vậy còn phủ sóng 5G thì sao?", ["Chỉ tiêu phủ sóng 4G năm 2025 là bao nhiêu?"])
    'Chỉ tiêu phủ sóng 5G năm 2025 là bao nhiêu?'
    >>> resolve_follow_up("còn Trung tâm dữ liệu quốc gia?", ["Nhiệm vụ xây dựng Hệ thống phòng vệ mạng quốc gia do ai chủ trì?"])
    'Trung tâm dữ liệu quốc gia do ai chủ trì?'
    """
    if not earlier or not _is_follow_up(question):
        return question
    previous = earlier[-1]
    core = _TRAILING.sub("", _LEADING.sub("", question.strip())).strip(" ,;")
    named = scope_phrases(core)
    if named.levels or named.periods:
        merged = previous
        if named.levels:
            merged = _swap(merged, "levels", core[slice(*named.levels[0])])
        if named.periods:
            merged = _swap(merged, "periods", core[slice(*named.periods[0])])
        rest = _without_scope(core, named).strip(" ,;")
        return f"{merged.rstrip(' ?.')} ({rest})?" if len(rest.split()) >= 2 else merged
    if _ASKS_ABOUT_OTHER.search(question) and core and not _FIELD_ASKS.fullmatch(core) \
            and " ".join(core.lower().split()) not in _FIELD_FOLLOW_UPS:
        return _replace_subject(previous, core)
    topic = _FIELD_ASKS.sub("", previous).strip(" ,;:?.")
    ask = question.strip()
    return f"{topic}: {ask[0].lower() + ask[1:] if ask[:1].isupper() else ask}"


def _replace_subject(previous: str, subject: str) -> str:
    """The previous question about ``subject`` instead: "Chỉ tiêu phủ sóng 4G năm 2025 là bao nhiêu?"
    with "phủ sóng 5G" is "Chỉ tiêu phủ sóng 5G năm 2025 là bao nhiêu?". The old subject is the run of
    words from where the new one's first word stands in it (else from the start) up to the question's
    frame: the asking words, a level or a period."""
    words = previous.rstrip(" ?.").split()
    folded = [w.casefold().strip(",;:") for w in words]
    head = subject.split()[0].casefold()
    start = folded.index(head) if head in folded else 0
    end = start
    while end < len(words) and folded[end] not in _FRAME_WORDS and not words[end].endswith((",", ";", ":")):
        end += 1
    if end < len(words) and words[end].endswith((",", ";", ":")) and folded[end] not in _FRAME_WORDS:
        end += 1  # "… 4G, …": the subject's last word carries the comma
    if end == start:
        return f"{subject}: {previous}"
    return " ".join([*words[:start], subject, *words[end:]]).rstrip(" ?.") + "?"


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
    core = _without_scope(text, scope_phrases(text)).strip(" ,;")
    return not core or core in ("thì sao", "thế nào", "ra sao")


def _swap(text: str, kind: Literal["levels", "periods"], replacement: str) -> str:
    """Replace the first phrase of ``text`` naming a level (a period) with ``replacement``; append it when
    there is none."""
    spans = getattr(scope_phrases(text), kind)
    if spans:
        start, end = spans[0]
        return text[:start] + replacement + text[end:]
    return f"{text.rstrip(' ?.')} ({replacement})?"


def _without_scope(text: str, named: ScopePhrases) -> str:
    """``text`` less the phrases naming levels and periods."""
    kept, cursor = [], 0
    for start, end in sorted((*named.levels, *named.periods)):
        kept.append(text[cursor:start])
        cursor = end
    return "".join([*kept, text[cursor:]])
