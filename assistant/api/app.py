"""The FastAPI application: routers, API key, CORS, Vietnamese error bodies, the Assistant's lifespan.

>>> app = create_app(Settings())       # doctest: +SKIP
>>> uvicorn.run(app, port=8000)        # doctest: +SKIP
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus

from anyio import to_thread
from fastapi import Depends, FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.api import ask, documents, draft, health, ingest, openai_compat
from assistant.api.deps import get_settings, require_api_key
from assistant.core import Assistant, QuestionError
from ingest.settings import Settings

log = logging.getLogger(__name__)

# Every router here needs the API key when CDS_API_KEY is set; /health and the docs stay open.
PROTECTED_ROUTERS = [ask.router, documents.router, openai_compat.router, draft.router, ingest.router]

_DESCRIPTION = """\
Trợ lý chuyển đổi số (CĐS) cho cán bộ: hỏi đáp, tìm kiếm và tra cứu văn bản hướng dẫn kế hoạch CĐS
và căn cứ pháp lý. Mọi câu trả lời gắn với tài liệu, điều khoản và trích dẫn nguyên văn; khi tài liệu
không có câu trả lời, dịch vụ nói rõ "KHÔNG CÓ TRONG TÀI LIỆU".

Khi máy chủ đặt CDS_API_KEY, mọi yêu cầu (trừ /health và trang tài liệu này) cần tiêu đề `X-API-Key`
hoặc `Authorization: Bearer <khóa>`. Lỗi trả về JSON có trường `detail` bằng tiếng Việt.
"""

_STANDARD_DETAIL_VI = {
    404: "Không có đường dẫn này. Xem danh sách đường dẫn tại /docs.",
    405: "Đường dẫn này không nhận phương thức HTTP đó. Xem /docs.",
}
_VALIDATION_VI = {
    "missing": "thiếu trường bắt buộc",
    "string_too_short": "không được để trống",
    "string_too_long": "dài quá {max_length} ký tự",
    "less_than_equal": "phải nhỏ hơn hoặc bằng {le}",
    "greater_than_equal": "phải lớn hơn hoặc bằng {ge}",
    "less_than": "phải nhỏ hơn {lt}",
    "greater_than": "phải lớn hơn {gt}",
    "too_short": "cần ít nhất {min_length} phần tử",
    "int_parsing": "phải là số nguyên",
    "bool_parsing": "phải là true hoặc false",
    "literal_error": "phải là một trong: {expected}",
    "json_invalid": "thân yêu cầu không phải JSON hợp lệ",
}


def create_app(settings: Settings | None = None, assistant: Assistant | None = None) -> FastAPI:
    """Build the service.

    :param settings: defaults to ``get_settings()`` (CDS_* variables); also served to every route.
    :param assistant: an open Assistant to serve (``cds serve`` and tests open it themselves); when
        None, the app opens one from ``settings`` at start-up, refreshing the index, and closes it at shutdown.
    """
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = assistant is None
        app.state.assistant = assistant if not owned else await to_thread.run_sync(
            lambda: Assistant.open(settings, progress=False))
        yield
        if owned:
            app.state.assistant.close()

    app = FastAPI(title="Trợ lý chuyển đổi số (CĐS)", description=_DESCRIPTION, version="0.1.0", lifespan=lifespan)
    app.dependency_overrides[get_settings] = lambda: settings
    app.include_router(health.router)
    for router in PROTECTED_ROUTERS:
        app.include_router(router, dependencies=[Depends(require_api_key)])
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type", "Accept", "X-API-Key"])
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(QuestionError, _question_error)
    app.add_exception_handler(Exception, _internal_error)
    return app


def _error(request: Request, code: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, object] = {"detail": detail}
    if request.url.path.startswith("/v1/"):
        # OpenAI clients read the message from {"error": {"message": …}}
        kind = "invalid_request_error" if code < 500 else "server_error"
        body["error"] = {"message": detail, "type": kind, "code": code}
    return JSONResponse(body, status_code=code, headers=headers)


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    detail = exc.detail
    if detail == HTTPStatus(exc.status_code).phrase:
        detail = _STANDARD_DETAIL_VI.get(exc.status_code, f"Lỗi HTTP {exc.status_code}.")
    return _error(request, exc.status_code, detail, exc.headers)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    problems = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"] if part not in ("body", "query", "path", "header"))
        message = _VALIDATION_VI.get(error["type"], "giá trị không hợp lệ").format(**error.get("ctx", {}))
        problems.append(f"{field}: {message}" if field else message)
    return _error(request, status.HTTP_422_UNPROCESSABLE_CONTENT, "Yêu cầu không hợp lệ: " + "; ".join(problems) + ".")


async def _question_error(request: Request, exc: QuestionError) -> JSONResponse:
    return _error(request, status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc))


async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("Unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _error(request, status.HTTP_500_INTERNAL_SERVER_ERROR,
                  "Lỗi nội bộ của máy chủ; yêu cầu chưa được xử lý. Hãy thử lại hoặc báo quản trị viên.")
