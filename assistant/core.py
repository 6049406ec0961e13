"""The Assistant: the one facade every front end (CLI, HTTP API, web app, eval) answers through.

A question goes: follow-up resolution against the session -> hybrid retrieval -> answer units scored
-> blocks chosen -> abstention decided on calibrated features -> Markdown with verbatim citations (or
"KHÔNG CÓ TRONG TÀI LIỆU" with the nearest passages) -> optional LLM rewrite -> the turn saved.

>>> assistant = Assistant.open(Settings())                                         # doctest: +SKIP
>>> answer = assistant.ask("Nhiệm vụ xây dựng Hệ thống phòng vệ mạng quốc gia do ai chủ trì?")  # doctest: +SKIP
>>> answer.citations[0].quote == assistant.index.docstore.get(answer.citations[0].doc_id).text[
...     answer.citations[0].char_start:answer.citations[0].char_end]            # doctest: +SKIP
True
"""

from __future__ import annotations

import re
import time
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from assistant.engine import Abstainer, Analysis, Block, Composer, Decision, Passage, Retriever, named_first
from assistant.engine._qtype import ask_parts
from assistant.schemas import NOT_IN_CORPUS, Answer, PassageOut, Timings
from assistant.sessions import SessionStore, Turn, resolve_follow_up
from ingest.index import SearchFilters, SearchMode
from ingest.pipeline import CorpusIndex
from ingest.settings import Settings

if TYPE_CHECKING:
    from assistant.llm import Rewriter

__all__ = ["Assistant", "Grounding", "Prepared", "QuestionError", "Turn", "validate_question"]

_SESSION_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


class QuestionError(ValueError):
    """A question or request the assistant cannot take; the message is for the user (Vietnamese)."""


@dataclass(frozen=True)
class Grounding:
    """What the corpus offers a question: its passages, scored units and chosen blocks (abstention's
    calibration reads this, before any decision)."""

    question: str
    resolved: str
    passages: list[Passage]
    analysis: Analysis
    blocks: list[Block]
    retrieve_ms: float
    started: float  # perf_counter at the start of the call


@dataclass(frozen=True)
class Prepared(Grounding):
    """Everything decided before an answer is written."""

    decision: Decision


class Assistant:
    """Grounded extractive question answering over the corpus index, with sessions.

    :param settings: the runtime configuration (data directory, limits, LLM backend).
    :param index: an open corpus index (``CorpusIndex.open``); the Assistant does not refresh it.
    """

    def __init__(self, settings: Settings, index: CorpusIndex):
        self.settings = settings
        self.index = index
        self.retriever = Retriever(index)
        self.composer = Composer(index, cache_dir=settings.data_dir)
        self.abstainer = Abstainer(embedder=index.embedder.name)
        self.sessions = SessionStore(settings.data_dir / "sessions.sqlite", idle_s=settings.session_idle_hours * 3600,
                                     max_sessions=settings.max_sessions)
        self._rewriter: Rewriter | None = None
        self._rewriter_built = False

    @classmethod
    def open(cls, settings: Settings, progress: bool = True) -> "Assistant":
        """Open the index, build or refresh it from the corpus folder, and return an Assistant.

        :raises IngestError: the corpus or the index cannot be read.
        """
        index = CorpusIndex.open(settings)
        index.refresh(progress=progress)
        return cls(settings, index)

    def ask(self, question: str, *, k: int | None = None, filters: SearchFilters = SearchFilters(),
            session_id: str | None = None, mode: Literal["extractive", "llm"] | None = None,
            retrieval_mode: SearchMode = "hybrid") -> Answer:
        """Answer ``question`` from the corpus, quoting every statement.

        :param k: passages to retrieve (default ``settings.top_k``).
        :param filters: restrict retrieval to documents, statuses, levels, chunk kinds.
        :param session_id: None for a single question; otherwise the turn joins that session (created
            on first use) and a follow-up is resolved against its earlier turns first.
        :param mode: "extractive" or "llm" (an LLM rewrites the extractive answer, checked against the
            quotes); None follows ``settings.llm_backend``.
        :param retrieval_mode: "hybrid", or "dense"/"sparse" for baselines.
        :returns: the Answer JSON contract; ``answerable=False`` when the corpus does not hold the answer.
        :raises QuestionError: empty or over-long question, k out of range, malformed session id.
        """
        prepared = self.prepare(question, k=k, filters=filters, session_id=session_id,
                                retrieval_mode=retrieval_mode)
        answer = self._write(prepared, session_id)
        if answer.answerable and (mode or ("extractive" if self.settings.llm_backend == "none" else "llm")) == "llm":
            rewriter = self._get_rewriter()
            if rewriter is not None:
                answer = rewriter.rewrite(answer, prepared.passages)
        if session_id is not None:
            self.sessions.append(session_id, Turn(prepared.question, prepared.resolved, answer, time.time()))
        return answer

    def prepare(self, question: str, *, k: int | None = None, filters: SearchFilters = SearchFilters(),
                session_id: str | None = None, retrieval_mode: SearchMode = "hybrid") -> Prepared:
        """Validate, resolve, retrieve, score and decide, without writing the answer.

        :raises QuestionError: as ``ask``.
        """
        g = self.ground(question, k=k, filters=filters, session_id=session_id, retrieval_mode=retrieval_mode)
        decision = self.abstainer.decide(g.analysis, g.blocks, self.composer.lexicon)
        return Prepared(g.question, g.resolved, g.passages, g.analysis, g.blocks, g.retrieve_ms, g.started, decision)

    def ground(self, question: str, *, k: int | None = None, filters: SearchFilters = SearchFilters(),
               session_id: str | None = None, retrieval_mode: SearchMode = "hybrid") -> Grounding:
        """Validate, resolve, retrieve (reading the question's scope), look up a clause it names, score
        and choose blocks.

        :raises QuestionError: as ``ask``.
        """
        started = time.perf_counter()
        question = validate_question(self.settings, question, k, session_id)
        history = self.sessions.history(session_id) if session_id else []
        resolved = resolve_follow_up(question, [t.resolved_question for t in history])
        result = self.retriever.search(resolved, k=k or self.settings.top_k, filters=filters, mode=retrieval_mode)
        # An unaccented question is read as retrieval restored it: the units' words carry diacritics.
        named = self.composer.lexicon.query(result.query).named_docs
        searched = time.perf_counter()
        passages = self.retriever.with_each_named(result, named, filters, retrieval_mode)
        asks = self.composer.lexicon.distinct_asks(ask_parts(result.query))
        passages = self.retriever.with_each_ask(result, passages, asks, filters, retrieval_mode)
        retrieve_ms = result.millis + (time.perf_counter() - searched) * 1000  # its searches are retrieval too
        reading = result.reading
        target = self.retriever.named_clause(reading, named, passages)
        if target is not None:
            passages = named_first(target, passages)
        analysis = self.composer.analyse(result.query, passages, reading, target, result.similarity)
        return Grounding(question, resolved, passages, analysis, self.composer.blocks(analysis), retrieve_ms, started)

    def new_session(self) -> str:
        """A new, empty conversation; pass its id to ``ask``."""
        return self.sessions.create()

    def history(self, session_id: str) -> list[Turn]:
        """The turns of a session, oldest first ([] for an unknown id)."""
        return self.sessions.history(session_id)

    def close(self) -> None:
        self.sessions.close()
        self.index.close()

    def _write(self, prepared: Prepared, session_id: str | None) -> Answer:
        passages = [PassageOut(rank=p.rank, score=p.score, doc_id=p.doc_id, doc_title=p.doc_title,
                               clause=p.clause_label, breadcrumb=p.breadcrumb, char_start=p.start, char_end=p.end,
                               text=p.text)
                    for p in prepared.passages]
        resolved = prepared.resolved if prepared.resolved != prepared.question else None
        if prepared.decision.answerable:
            rendered = self.composer.render(prepared.blocks, prepared.analysis)
            markdown, citations, warnings = rendered.markdown, rendered.citations, rendered.warnings
        else:
            markdown, citations, warnings = _refusal(prepared), [], []
        total = (time.perf_counter() - prepared.started) * 1000
        timings = Timings(retrieve=round(prepared.retrieve_ms, 2), compose=round(total - prepared.retrieve_ms, 2),
                          total=round(total, 2))
        return Answer(question=prepared.question, answer=markdown, answerable=prepared.decision.answerable,
                      citations=citations, passages=passages, mode="extractive", timings_ms=timings,
                      session_id=session_id, resolved_question=resolved, warnings=warnings)

    def _get_rewriter(self) -> Rewriter | None:
        if not self._rewriter_built:
            from assistant.llm import build_rewriter  # optional backends: imported only when asked for

            self._rewriter = build_rewriter(self.settings)
            self._rewriter_built = True
        return self._rewriter


def validate_question(settings: Settings, question: str, k: int | None = None, session_id: str | None = None) -> str:
    """The question with its whitespace collapsed and in composed Unicode (NFC: a question typed or pasted
    decomposed reads as the documents do), if the assistant can take it.

    :raises QuestionError: empty or longer than ``settings.max_question_chars``; ``k`` outside
        1..``settings.max_k``; a session id that is not 1-64 letters, digits or ``_.:-``.
    """
    question = unicodedata.normalize("NFC", " ".join((question or "").split()))
    if not question:
        raise QuestionError("Câu hỏi đang trống: hãy nhập nội dung cần hỏi.")
    limit = settings.max_question_chars
    if len(question) > limit:
        raise QuestionError(f"Câu hỏi dài {len(question)} ký tự, vượt giới hạn {limit} ký tự: "
                            "hãy rút gọn hoặc tách thành nhiều câu hỏi.")
    if k is not None and not 1 <= k <= settings.max_k:
        raise QuestionError(f"Số đoạn cần tìm (k) phải từ 1 đến {settings.max_k}, nhận được {k}.")
    if session_id is not None and not _SESSION_ID.match(session_id):
        raise QuestionError("Mã phiên không hợp lệ: chỉ gồm chữ, số và các ký tự _ . : - (tối đa 64 ký tự).")
    return question


def _refusal(prepared: Prepared) -> str:
    """'KHÔNG CÓ TRONG TÀI LIỆU' and one sentence saying what could not be found."""
    missing = prepared.decision.missing
    detail = f" (không tìm thấy: {', '.join(f'“{m}”' for m in missing)})" if missing else ""
    near = " Các đoạn dưới đây là những nội dung gần nhất, có thể liên quan." if prepared.passages else ""
    return f"{NOT_IN_CORPUS}\n\nCác tài liệu hiện có không nêu thông tin để trả lời câu hỏi này{detail}.{near}"
