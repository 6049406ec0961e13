"""POST /sessions, GET /sessions/{id} and DELETE /sessions/{id}: conversations kept by the server.

Ids are issued by the server (random, unguessable: whoever holds one reads the conversation). A session
unused for ``session_idle_hours`` is deleted, and so is the least recently used one when more than
``max_sessions`` are open.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Response, status

from assistant.api.deps import UNKNOWN_SESSION_DETAIL, AssistantDep
from assistant.api.models import SESSION_ID_PATTERN, ErrorOut, SessionOut, TurnOut
from assistant.sessions import Session, SessionStore

router = APIRouter(prefix="/sessions", tags=["Phiên hội thoại"])

SessionId = Annotated[str, Path(pattern=SESSION_ID_PATTERN, description="Mã phiên do máy chủ cấp.")]
_NOT_FOUND = {404: {"model": ErrorOut, "description": "Không có phiên này (hết hạn, đã xóa hoặc chưa mở)."}}


@router.post("", response_model=SessionOut, status_code=status.HTTP_201_CREATED, summary="Mở một phiên hội thoại")
def create_session(assistant: AssistantDep) -> SessionOut:
    """Mở phiên mới, chưa có lượt nào; dùng session_id trong POST /chat hoặc POST /ask."""
    store = assistant.sessions
    session = store.get(store.create())
    assert session is not None  # opened a moment ago
    return _out(session, store)


@router.get("/{session_id}", response_model=SessionOut, summary="Các lượt hỏi đáp của một phiên",
            responses=_NOT_FOUND)
def get_session(session_id: SessionId, assistant: AssistantDep) -> SessionOut:
    """Các lượt của phiên (câu hỏi, câu hỏi đã hiểu theo ngữ cảnh, câu trả lời), cũ nhất trước."""
    session = assistant.sessions.get(session_id)
    if session is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=UNKNOWN_SESSION_DETAIL)
    return _out(session, assistant.sessions)


@router.delete("/{session_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
               summary="Xóa một phiên và mọi lượt của nó", responses=_NOT_FOUND)
def delete_session(session_id: SessionId, assistant: AssistantDep) -> Response:
    """Xóa hẳn phiên khỏi máy chủ; mã phiên không dùng lại được."""
    if not assistant.sessions.delete(session_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=UNKNOWN_SESSION_DETAIL)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _out(session: Session, store: SessionStore) -> SessionOut:
    return SessionOut(session_id=session.id, created=session.created, last_used=session.last_used,
                      expires_at=session.last_used + store.idle_s,
                      turns=[TurnOut(question=t.question, resolved_question=t.resolved_question, answer=t.answer,
                                     at=t.at) for t in session.turns])
