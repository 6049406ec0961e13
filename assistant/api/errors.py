"""Error bodies of the service: one JSON shape with a Vietnamese ``detail``, never a copy of a large input.

Every error is ``{"detail": "…"}``; under /v1/ it also carries OpenAI's ``{"error": {"message": …}}``.
A detail names at most a few of the values that were wrong, each clipped, and is itself bounded, so a
request of megabytes cannot come back as an error body of megabytes.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Route

from assistant.core import QuestionError

log = logging.getLogger(__name__)

MAX_DETAIL_CHARS = 1000
_MAX_PROBLEMS = 5  # validation errors named one by one; the rest are counted

BAD_BODY_DETAIL = ("Thân yêu cầu không đọc được: cần JSON hợp lệ, mã hóa UTF-8 (Content-Type: application/json), "
                   "hoặc biểu mẫu multipart cho tệp tải lên.")
# FastAPI's own 400 when a body cannot be decoded at all (not JSON, not UTF-8, a broken multipart form).
_FASTAPI_BAD_BODY = "There was an error parsing the body"

_STANDARD_DETAIL_VI = {
    404: "Không có đường dẫn này. Xem danh sách đường dẫn tại /docs.",
    405: "Đường dẫn này không nhận phương thức HTTP đó. Xem /docs.",
}
_VALIDATION_VI = {
    "missing": "thiếu trường bắt buộc",
    "string_type": "phải là chuỗi ký tự",
    "string_too_short": "không được để trống",
    "string_too_long": "dài quá {max_length} ký tự",
    "string_pattern_mismatch": "không đúng định dạng",
    "less_than_equal": "phải nhỏ hơn hoặc bằng {le}",
    "greater_than_equal": "phải lớn hơn hoặc bằng {ge}",
    "less_than": "phải nhỏ hơn {lt}",
    "greater_than": "phải lớn hơn {gt}",
    "too_short": "cần ít nhất {min_length} phần tử",
    "too_long": "nhiều nhất {max_length} phần tử",
    "int_type": "phải là số nguyên",
    "int_parsing": "phải là số nguyên",
    "int_from_float": "phải là số nguyên",
    "bool_type": "phải là true hoặc false",
    "bool_parsing": "phải là true hoặc false",
    "list_type": "phải là danh sách",
    "model_type": "phải là đối tượng JSON",
    "model_attributes_type": "phải là đối tượng JSON",
    "dict_type": "phải là đối tượng JSON",
    "literal_error": "phải là một trong: {expected}",
    "enum": "phải là một trong: {expected}",
    "union_tag_invalid": "{discriminator} phải là một trong: {expected_tags}",
    "union_tag_not_found": "thiếu trường {discriminator}",
}


def clip(value: str, limit: int = 80) -> str:
    """A user-supplied value fit to be quoted in a message: at most ``limit`` characters."""
    return value if len(value) <= limit else value[: limit - 1] + "…"


def error_response(path: str, code: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The error body for a request to ``path``; ``detail`` is bounded to MAX_DETAIL_CHARS."""
    detail = clip(detail, MAX_DETAIL_CHARS)
    body: dict[str, object] = {"detail": detail}
    if path.startswith("/v1/"):
        # OpenAI clients read the message from {"error": {"message": …}}
        kind = "invalid_request_error" if code < 500 else "server_error"
        body["error"] = {"message": detail, "type": kind, "code": code}
    return JSONResponse(body, status_code=code, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Answer HTTP errors, validation errors, QuestionError and anything unexpected with Vietnamese bodies."""
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(QuestionError, _question_error)
    app.add_exception_handler(Exception, _internal_error)


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    detail, headers = exc.detail, exc.headers
    if detail == _FASTAPI_BAD_BODY:
        detail = BAD_BODY_DETAIL
    elif detail == HTTPStatus(exc.status_code).phrase:
        detail = _STANDARD_DETAIL_VI.get(exc.status_code, f"Lỗi HTTP {exc.status_code}.")
    if exc.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
        # Starlette names the methods of the first route on the path only; a path may have several.
        headers = {**(headers or {}), "Allow": ", ".join(sorted(_methods(request)))}
    return error_response(request.url.path, exc.status_code, detail, headers)


def _methods(request: Request) -> set[str]:
    path = request.url.path
    return {method for route in request.app.routes if isinstance(route, Route) and route.path_regex.match(path)
            for method in route.methods or ()}


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    if any(error["type"] == "json_invalid" for error in errors):
        return error_response(request.url.path, status.HTTP_400_BAD_REQUEST, BAD_BODY_DETAIL)
    problems = []
    for error in errors[:_MAX_PROBLEMS]:
        field = ".".join(str(part) for part in error["loc"] if part not in ("body", "query", "path", "header"))
        message = _VALIDATION_VI.get(error["type"], "giá trị không hợp lệ").format(**error.get("ctx", {}))
        if tuple(error["loc"]) == ("body",) and error["type"] == "missing":
            message = "thiếu thân yêu cầu JSON"
        problems.append(f"{clip(field)}: {message}" if field else message)
    if len(errors) > _MAX_PROBLEMS:
        problems.append(f"và {len(errors) - _MAX_PROBLEMS} lỗi khác")
    return error_response(request.url.path, status.HTTP_422_UNPROCESSABLE_CONTENT,
                          "Yêu cầu không hợp lệ: " + "; ".join(problems) + ".")


async def _question_error(request: Request, exc: QuestionError) -> JSONResponse:
    return error_response(request.url.path, status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc))


async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("Unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(request.url.path, status.HTTP_500_INTERNAL_SERVER_ERROR,
                          "Lỗi nội bộ của máy chủ; yêu cầu chưa được xử lý. Hãy thử lại hoặc báo quản trị viên.")
