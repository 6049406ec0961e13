"""Dependencies of the HTTP routes: settings, the Assistant, the request limits, sessions.

``get_settings`` builds ``Settings`` from the environment once; ``create_app(settings)`` (and tests)
replace it through ``app.dependency_overrides``. The Assistant is opened once per app, in its lifespan,
and kept on ``app.state``. The API key is checked before any of this runs (``assistant.api.guard``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from assistant.core import Assistant
from ingest.settings import Settings

UNKNOWN_SESSION_DETAIL = ("Không có phiên hội thoại này (phiên đã hết hạn, đã bị xóa hoặc chưa từng được mở). "
                          "Bỏ trống session_id để mở phiên mới.")


@lru_cache
def get_settings() -> Settings:
    return Settings()


def get_assistant(request: Request) -> Assistant:
    return request.app.state.assistant


SettingsDep = Annotated[Settings, Depends(get_settings)]
AssistantDep = Annotated[Assistant, Depends(get_assistant)]


def check_limits(settings: Settings, text: str, k: int | None, label: str = "Câu hỏi") -> None:
    """Apply the configured limits on the length of a question (or search text) and on k, as the OpenAPI
    schema states them; ``label`` names the text in the message.

    :raises HTTPException: 422 with a Vietnamese detail naming the limit.
    """
    if not text.strip():
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=f"{label} đang trống.")
    if len(text) > settings.max_question_chars:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            detail=f"{label} dài {len(text)} ký tự, vượt giới hạn {settings.max_question_chars} ký tự.")
    if k is not None and k > settings.max_k:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            detail=f"Số đoạn cần tìm (k) phải từ 1 đến {settings.max_k}, nhận được {k}.")


def check_session(assistant: Assistant, settings: Settings, session_id: str | None) -> None:
    """A session id must have been issued by the server and still be live, unless the settings let
    clients choose their own (``allow_client_session_ids``).

    :raises HTTPException: 404 for an unknown or expired session.
    """
    if session_id is None or settings.allow_client_session_ids:
        return
    if not assistant.sessions.exists(session_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=UNKNOWN_SESSION_DETAIL)
