"""The FastAPI application: routers, the request guard, CORS, error bodies, the schema, the Assistant's lifespan.

>>> app = create_app(Settings())       # doctest: +SKIP
>>> uvicorn.run(app, port=8000)        # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from anyio import to_thread
from fastapi import FastAPI, Security
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline

from assistant.api import ask, documents, draft, health, ingest, openai_compat, sessions
from assistant.api.deps import get_settings
from assistant.api.errors import BAD_BODY_DETAIL, install_error_handlers
from assistant.api.guard import API_KEY_HEADER, BEARER, MISSING_KEY_DETAIL, RequestGuard
from assistant.api.models import ErrorOut
from assistant.core import Assistant
from ingest.settings import Settings

# Every router here goes through RequestGuard (API key, body size); /health and the docs stay open.
PROTECTED_ROUTERS = [ask.router, sessions.router, documents.router, openai_compat.router, draft.router,
                     ingest.router]

_DESCRIPTION = """\
Trợ lý chuyển đổi số (CĐS) cho cán bộ: hỏi đáp, tìm kiếm và tra cứu văn bản hướng dẫn kế hoạch CĐS
và căn cứ pháp lý. Mọi câu trả lời gắn với tài liệu, điều khoản và trích dẫn nguyên văn; khi tài liệu
không có câu trả lời, dịch vụ nói rõ "KHÔNG CÓ TRONG TÀI LIỆU".

Khi máy chủ đặt CDS_API_KEY, mọi yêu cầu (trừ /health và trang tài liệu này) cần tiêu đề `X-API-Key`
hoặc `Authorization: Bearer <khóa>`. Lỗi trả về JSON có trường `detail` bằng tiếng Việt.
Thân yêu cầu JSON tối đa {max_body_mb:g} MB, tệp tải lên tối đa {max_file_mb:g} MB.
"""


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

    # FastAPIOffline serves Swagger UI from files in its package, so /docs works with no Internet. No ReDoc:
    # its page fetches a logo from Redocly's CDN; no validator badge: Swagger UI would call swagger.io for it.
    app = FastAPIOffline(title="Trợ lý chuyển đổi số (CĐS)", version="0.1.0", lifespan=lifespan, redoc_url=None,
                         swagger_ui_parameters={"validatorUrl": None},
                         description=_DESCRIPTION.format(max_body_mb=settings.max_body_mb,
                                                         max_file_mb=settings.max_file_mb))
    app.dependency_overrides[get_settings] = lambda: settings
    app.include_router(health.router)
    # The key is declared (not checked) here so that the schema states it; RequestGuard checks it first.
    keyed = {"dependencies": [Security(API_KEY_HEADER), Security(BEARER)],
             "responses": {401: {"model": ErrorOut, "description": MISSING_KEY_DETAIL}}} if settings.api_key else {}
    for router in PROTECTED_ROUTERS:
        app.include_router(router, **keyed)
    app.add_middleware(RequestGuard, settings=settings,
                       routes=[route for router in PROTECTED_ROUTERS for route in router.routes])
    if settings.cors_origins:  # added last, so outermost: preflights and 401s get their CORS headers
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_methods=["GET", "POST", "DELETE"],
                           allow_headers=["Authorization", "Content-Type", "Accept", "X-API-Key"])
    install_error_handlers(app)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            _state_limits(generate(), settings)
        return app.openapi_schema

    app.openapi = openapi
    return app


def _state_limits(schema: dict[str, Any], settings: Settings) -> None:
    """Make the generated schema say what the service does, plainly: the limits the settings put on
    questions, k and chat messages; whether mode "llm" is on offer; the Vietnamese error body (not
    FastAPI's list of validation errors) for 422; 400 and 413 for every route that takes a body; form
    fields that are left out rather than null."""
    models = schema["components"]["schemas"]
    for name in ("AskRequest", "ChatRequest"):
        fields = models[name]["properties"]
        fields["question"]["maxLength"] = settings.max_question_chars
        _non_null(fields["k"])["maximum"] = settings.max_k
        if settings.llm_backend == "none":
            _non_null(fields["mode"])["enum"] = ["extractive"]
    for parameter in schema["paths"]["/search"]["get"]["parameters"]:
        if parameter["name"] == "q":
            parameter["schema"]["maxLength"] = settings.max_question_chars
        elif parameter["name"] == "k":
            _non_null(parameter["schema"])["maximum"] = settings.max_k
    messages = models["ChatCompletionRequest"]["properties"]["messages"]
    messages["maxItems"] = settings.max_chat_messages
    # The roles already tell a user message from the others; a discriminator mapping four roles to one
    # schema is read by schemathesis as naming only the last of them.
    del messages["items"]["discriminator"]
    for branch in models["UserMessage"]["properties"]["content"]["anyOf"]:
        if branch["type"] == "string":
            branch["maxLength"] = settings.max_question_chars

    error_body = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    for operations in schema["paths"].values():
        for operation in operations.values():
            responses = operation["responses"]
            if "422" in responses:
                responses["422"] = {"description": "Yêu cầu không hợp lệ (lý do trong detail).", "content": error_body}
            body = operation.get("requestBody", {}).get("content", {})
            if body:
                responses.setdefault("400", {"description": BAD_BODY_DETAIL, "content": error_body})
                responses.setdefault("413", {"description": "Thân yêu cầu (hoặc tệp tải lên) vượt giới hạn kích thước.",
                                             "content": error_body})
            if "multipart/form-data" in body:
                form = models[body["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[1]]
                for name, field in form["properties"].items():
                    if any(b.get("type") == "null" for b in field.get("anyOf", [])):
                        rest = {k: v for k, v in field.items() if k not in ("anyOf", "default")}
                        form["properties"][name] = {**_non_null(field), **rest}
    for unused in ("HTTPValidationError", "ValidationError"):
        models.pop(unused, None)


def _non_null(field: dict[str, Any]) -> dict[str, Any]:
    """The schema of an optional field's value: the branch of its anyOf that is not null."""
    return next((b for b in field.get("anyOf", []) if b.get("type") != "null"), field)
