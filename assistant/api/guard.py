"""What the service checks before it reads a request body: the API key, then the body's size.

FastAPI reads and parses a body before it runs any dependency, so a key checked in a dependency would
let anyone make the server parse megabytes of JSON. ``RequestGuard`` is ASGI middleware in front of
the API's own routes (the web app mounted beside them has its own rules): a request without the key
is answered 401 before a byte of its body is read; a body declared larger than the limit is answered
413 at once, and one that turns out larger while it arrives is cut off at the limit with the same 413.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from fastapi import HTTPException, status
from fastapi.security import APIKeyHeader, HTTPBearer
from starlette.datastructures import Headers
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.api.errors import error_response
from ingest.settings import Settings

# Declared on the protected routes so that the OpenAPI schema states the key; RequestGuard enforces it.
API_KEY_HEADER = APIKeyHeader(name="X-API-Key", auto_error=False,
                              description="Khóa API, khi máy chủ được cấu hình CDS_API_KEY.")
BEARER = HTTPBearer(auto_error=False, description="Cách khác để gửi khóa API (dùng cho ứng dụng kiểu OpenAI).")

MISSING_KEY_DETAIL = "Thiếu khóa API. Gửi khóa trong tiêu đề X-API-Key (hoặc Authorization: Bearer <khóa>)."
WRONG_KEY_DETAIL = "Khóa API không đúng."
_UPLOAD_OVERHEAD = 64 * 1024  # form fields and part headers around an uploaded file


class RequestGuard:
    """ASGI middleware: API key and body size for the requests that go to one of ``routes``.

    :param settings: ``api_key`` (None: no key needed), ``max_body_mb`` for JSON bodies and
        ``max_file_mb`` for multipart uploads.
    :param routes: the protected routes; a request is theirs when its path matches one, whatever the method
        (so a wrong method is refused 401 before it is refused 405), under any root path.
    """

    def __init__(self, app: ASGIApp, *, settings: Settings, routes: Iterable[BaseRoute]):
        self.app = app
        self.api_key = settings.api_key
        self.json_limit = int(settings.max_body_mb * 1024 * 1024)
        self.upload_limit = int(settings.max_file_mb * 1024 * 1024) + _UPLOAD_OVERHEAD
        self.too_large = {
            False: f"Yêu cầu quá lớn: thân yêu cầu tối đa {settings.max_body_mb:g} MB. Hãy gửi ít nội dung hơn.",
            True: f"Tệp tải lên quá lớn: tối đa {settings.max_file_mb:g} MB.",
        }
        self.routes = list(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or all(route.matches(scope)[0] is Match.NONE for route in self.routes):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        refusal = self._key_refusal(headers)
        if refusal is not None:
            response = error_response(scope["path"], status.HTTP_401_UNAUTHORIZED, refusal,
                                      headers={"WWW-Authenticate": "Bearer"})
            await response(scope, receive, send)
            return
        upload = headers.get("content-type", "").lower().startswith("multipart/form-data")
        limit, detail = (self.upload_limit if upload else self.json_limit), self.too_large[upload]
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await error_response(scope["path"], status.HTTP_413_CONTENT_TOO_LARGE, detail)(scope, receive, send)
            return
        received = 0

        async def receive_within_limit() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Raised inside the route's body reading: FastAPI passes it on to the error handlers.
                    raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, detail=detail)
            return message

        await self.app(scope, receive_within_limit, send)

    def _key_refusal(self, headers: Headers) -> str | None:
        if not self.api_key:
            return None
        given = headers.get("x-api-key")
        if given is None:
            scheme, _, credentials = headers.get("authorization", "").partition(" ")
            given = credentials.strip() if scheme.lower() == "bearer" and credentials.strip() else None
        if given is None:
            return MISSING_KEY_DETAIL
        if not secrets.compare_digest(given.encode(), self.api_key.encode()):
            return WRONG_KEY_DETAIL
        return None
