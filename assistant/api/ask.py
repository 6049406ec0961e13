"""POST /ask, POST /chat (JSON or SSE) and GET /search."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query, status
from fastapi.sse import EventSourceResponse, format_sse_event

from assistant.api.deps import AssistantDep, SettingsDep, check_limits, check_session
from assistant.api.errors import clip
from assistant.api.models import AskRequest, ChatRequest, ErrorOut, SearchHit, SearchResponse, SearchTimings
from assistant.core import Assistant
from assistant.schemas import Answer
from ingest.index import SearchFilters, SearchMode
from ingest.settings import Settings

router = APIRouter(tags=["Hỏi đáp và tìm kiếm"], responses={422: {"model": ErrorOut}})

_WORDS_PER_TOKEN_EVENT = 4
_UNKNOWN_IDS_NAMED = 5
_NOT_FOUND = {404: {"model": ErrorOut, "description": "Không có tài liệu mã trong doc_ids, hoặc không có phiên "
                                                     "session_id (hết hạn, đã xóa hoặc chưa mở)."}}
_WORD = re.compile(r"\s*\S+\s*")


@router.post("/ask", response_model=Answer, summary="Hỏi một câu, nhận câu trả lời có trích dẫn",
             responses=_NOT_FOUND)
def ask(body: AskRequest, assistant: AssistantDep, settings: SettingsDep) -> Answer:
    """Trả lời theo hợp đồng Answer JSON: câu trả lời Markdown với dấu [n], mỗi [n] là một trích dẫn
    nguyên văn kèm tài liệu, điều khoản và vị trí ký tự. Khi tài liệu không có câu trả lời:
    answerable=false và danh sách đoạn "có thể liên quan". Có session_id thì câu hỏi là một lượt của phiên đó."""
    _check_request(body, assistant, settings)
    filters = search_filters(assistant, body.doc_ids, body.levels, body.statuses)
    return assistant.ask(body.question, k=body.k, filters=filters, session_id=body.session_id, mode=body.mode)


@router.post(
    "/chat", response_model=Answer, summary="Hội thoại theo phiên; stream=true trả về luồng SSE",
    responses={200: {"content": {"text/event-stream": {}},
                     "description": "JSON Answer, hoặc luồng SSE: event token (chuỗi JSON, vài từ mỗi lần), "
                                    "event citations (danh sách trích dẫn), event done (Answer đầy đủ)."},
               **_NOT_FOUND},
)
def chat(body: ChatRequest, assistant: AssistantDep, settings: SettingsDep,
         accept: Annotated[str, Header()] = "") -> Answer | EventSourceResponse:
    """Một lượt hội thoại: câu hỏi nối tiếp ("còn cấp tỉnh thì sao?") được hiểu theo các lượt trước
    của phiên. Không gửi session_id thì một phiên mới được mở; session_id có trong kết quả."""
    _check_request(body, assistant, settings)
    filters = search_filters(assistant, body.doc_ids, body.levels, body.statuses)
    session_id = body.session_id or assistant.new_session()
    answer = assistant.ask(body.question, k=body.k, filters=filters, session_id=session_id, mode=body.mode)
    if body.stream or "text/event-stream" in accept:
        return EventSourceResponse(_answer_events(answer))
    return answer


@router.get("/search", response_model=SearchResponse, summary="Tìm các đoạn văn bản liên quan",
            responses={404: {"model": ErrorOut, "description": "Không có tài liệu mã trong doc_id."}})
def search(
    assistant: AssistantDep,
    settings: SettingsDep,
    q: Annotated[str, Query(min_length=1, json_schema_extra={"pattern": r"\S"}, description="Nội dung cần tìm.")],
    k: Annotated[int | None, Query(ge=1, description="Số đoạn trả về.")] = None,
    doc_id: Annotated[list[str], Query(description="Chỉ tìm trong các tài liệu này.")] = [],
    level: Annotated[list[str], Query(description="Cấp: bộ, tỉnh, xã, quốc gia.")] = [],
    status_: Annotated[list[str], Query(alias="status", description="Tình trạng: draft, in_force, …")] = [],
    kind: Annotated[list[str], Query(description="Loại đoạn: text, table_row, task, …")] = [],
    mode: Annotated[SearchMode, Query(description="hybrid (mặc định), dense hoặc sparse.")] = "hybrid",
) -> SearchResponse:
    """Tìm kiếm lai (ngữ nghĩa + BM25), không soạn câu trả lời: mỗi đoạn có tài liệu, điều khoản,
    vị trí ký tự trong văn bản (xem GET /documents/{id}) và điểm số."""
    check_limits(settings, q, k, label="Nội dung tìm kiếm")
    filters = search_filters(assistant, doc_id, level, status_, kind)
    result = assistant.retriever.search(q, k=k or settings.top_k, filters=filters, mode=mode)
    hits = [SearchHit(rank=p.rank, score=p.score, doc_id=p.doc_id, doc_title=p.doc_title,
                      short_title=p.short_title, status=p.status, clause_id=p.clause_id, clause=p.clause_label,
                      breadcrumb=p.breadcrumb, kind=p.kind, char_start=p.start, char_end=p.end, text=p.text)
            for p in result.passages]
    return SearchResponse(query=q, passages=hits, timings_ms=SearchTimings(retrieve=round(result.millis, 2)))


def search_filters(assistant: Assistant, doc_ids: Sequence[str], levels: Sequence[str] = (),
                   statuses: Sequence[str] = (), kinds: Sequence[str] = ()) -> SearchFilters:
    """Filters for a request; an unknown document id is a 404 rather than an empty result.

    :raises HTTPException: 404 naming the first few unknown ids (clipped) and counting the rest.
    """
    unknown = [d for d in doc_ids if assistant.index.docstore.get(d) is None]
    if unknown:
        named = ", ".join(clip(d) for d in unknown[:_UNKNOWN_IDS_NAMED])
        more = f" và {len(unknown) - _UNKNOWN_IDS_NAMED} mã khác" if len(unknown) > _UNKNOWN_IDS_NAMED else ""
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            detail=f"Không có tài liệu mã {named}{more}. Xem danh sách tại GET /documents.")
    return SearchFilters(doc_ids=tuple(doc_ids), levels=tuple(levels), statuses=tuple(statuses), kinds=tuple(kinds))


def _check_request(body: AskRequest, assistant: Assistant, settings: Settings) -> None:
    check_limits(settings, body.question, body.k)
    check_session(assistant, settings, body.session_id)
    if body.mode == "llm" and settings.llm_backend == "none":
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            detail="Máy chủ chưa cấu hình mô hình ngôn ngữ (CDS_LLM_BACKEND): "
                                   "hãy dùng mode \"extractive\" hoặc bỏ trống mode.")


def answer_pieces(markdown: str) -> list[str]:
    """The answer cut into pieces of a few words, whitespace kept: their concatenation is ``markdown``."""
    words = _WORD.findall(markdown)
    return ["".join(words[i : i + _WORDS_PER_TOKEN_EVENT]) for i in range(0, len(words), _WORDS_PER_TOKEN_EVENT)]


def _answer_events(answer: Answer) -> Iterator[bytes]:
    for piece in answer_pieces(answer.answer):
        yield format_sse_event(event="token", data_str=json.dumps(piece, ensure_ascii=False))
    citations = [c.model_dump() for c in answer.citations]
    yield format_sse_event(event="citations", data_str=json.dumps(citations, ensure_ascii=False))
    yield format_sse_event(event="done", data_str=answer.model_dump_json())
