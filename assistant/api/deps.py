"""Dependencies of the HTTP routes: settings, the Assistant, the API key, the request limits.

``get_settings`` builds ``Settings`` from the environment once; ``create_app(settings)`` (and tests)
replace it through ``app.dependency_overrides``. The Assistant is opened once per app, in its lifespan,
and kept on ``app.state``.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from assistant.core import Assistant
from ingest.settings import Settings

_API_KEY_HEADER = APIKeyHeader(name="X-API-Key", auto_error=False,
                               description="Khóa API, khi máy chủ được cấu hình CDS_API_KEY.")
_BEARER = HTTPBearer(auto_error=False, description="Cách khác để gửi khóa API (dùng cho ứng dụng kiểu OpenAI).")


@lru_cache
def get_settings() -> Settings:
    return Settings()


def get_assistant(request: Request) -> Assistant:
    return request.app.state.assistant


SettingsDep = Annotated[Settings, Depends(get_settings)]
AssistantDep = Annotated[Assistant, Depends(get_assistant)]


def require_api_key(
    settings: SettingsDep,
    api_key: Annotated[str | None, Security(_API_KEY_HEADER)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_BEARER)],
) -> None:
    """When ``settings.api_key`` is set, demand it in X-API-Key or as ``Authorization: Bearer``.

    :raises HTTPException: 401 with a Vietnamese detail when the key is missing or wrong.
    """
    if not settings.api_key:
        return
    given = api_key or (bearer.credentials if bearer else None)
    if given is None or not secrets.compare_digest(given.encode(), settings.api_key.encode()):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail=("Thiếu hoặc sai khóa API. Gửi khóa trong tiêu đề X-API-Key "
                    "(hoặc Authorization: Bearer <khóa>)." if given is None else "Khóa API không đúng."),
            headers={"WWW-Authenticate": "Bearer"},
        )


def check_limits(settings: Settings, question: str, k: int | None) -> None:
    """Apply the configured limits on question length and k to a search (``Assistant.ask`` checks its own).

    :raises HTTPException: 422 with a Vietnamese detail naming the limit.
    """
    if not question.strip():
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail="Nội dung tìm kiếm đang trống.")
    if len(question) > settings.max_question_chars:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            detail=f"Nội dung tìm kiếm dài {len(question)} ký tự, vượt giới hạn "
                                   f"{settings.max_question_chars} ký tự.")
    if k is not None and k > settings.max_k:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            detail=f"Số đoạn cần tìm (k) phải từ 1 đến {settings.max_k}, nhận được {k}.")
