"""JSON over HTTP to the `cds serve` or `cds ui` process that holds the index (``assistant.local_service``).

CLI commands use it instead of opening the index while such a process runs. It is built on
``http.client`` alone: it starts in milliseconds, and a proxy configured for the Internet never sees
loopback traffic.

>>> client = ServiceClient(find_service(settings.data_dir), settings.api_key)   # doctest: +SKIP
>>> client.request("GET", "/search", params=[("q", "an toàn thông tin")])["passages"][0]["doc_id"]  # doctest: +SKIP
"""

from __future__ import annotations

import http.client
import json
import secrets
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from assistant.local_service import TOKEN_HEADER, ServiceRecord, is_alive

_POLL_S = 0.2


class ServiceError(Exception):
    """The service refused a request; the message is its Vietnamese ``detail``."""

    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status = status


class ServiceGone(Exception):
    """The serving process exited before it answered."""


class ServiceClient:
    """Requests to one running service, as this machine's user (the record's token goes along).

    :param record: the live service record of the data directory.
    :param api_key: sent as X-API-Key when the service requires one (``CDS_API_KEY``).
    """

    def __init__(self, record: ServiceRecord, api_key: str | None = None):
        self.record = record
        url = urlsplit(record.url)
        self._host, self._port = url.hostname or "127.0.0.1", url.port or 80
        self._headers = {TOKEN_HEADER: record.token, **({"X-API-Key": api_key} if api_key else {})}

    def wait_ready(self, on_wait: Callable[[], None]) -> None:
        """Return once the service answers; while it is still starting (opening or building the index),
        call ``on_wait`` once and poll.

        :raises ServiceGone: the serving process exited meanwhile.
        """
        waited = False
        while True:
            try:
                self.request("GET", "/health")
                return
            except (ConnectionError, ServiceError):  # not listening yet, or listening before the app is up
                if not is_alive(self.record.pid):
                    raise ServiceGone(self.record.describe()) from None
                if not waited:
                    on_wait()
                    waited = True
                time.sleep(_POLL_S)

    def request(self, method: str, path: str, *, params: Sequence[tuple[str, Any]] = (), json_body: Any = None) -> Any:
        """Send one request (a JSON body if given) and return the decoded JSON answer.

        :raises ServiceError: the service answered with an HTTP error.
        :raises ConnectionError: nothing listens at the record's address.
        """
        data = None if json_body is None else json.dumps(json_body, ensure_ascii=False).encode("utf-8")
        target = path + (f"?{urlencode(list(params))}" if params else "")
        return self._send(method, target, data, "application/json" if data is not None else None)

    def upload(self, path: str, file: Path, fields: Sequence[tuple[str, str]] = ()) -> Any:
        """POST ``file`` as the multipart form field "file", with ``fields`` beside it; as ``request``."""
        boundary = secrets.token_hex(16)
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
                 for name, value in fields]
        filename = file.name.replace('"', "%22")
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                     "Content-Type: application/octet-stream\r\n\r\n".encode() + file.read_bytes() + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        return self._send("POST", path, b"".join(parts), f"multipart/form-data; boundary={boundary}")

    def _send(self, method: str, target: str, data: bytes | None, content_type: str | None) -> Any:
        headers = dict(self._headers, **({"Content-Type": content_type} if content_type else {}))
        connection = http.client.HTTPConnection(self._host, self._port)
        try:
            connection.request(method, target, body=data, headers=headers)
            response = connection.getresponse()
            body = response.read()
        finally:
            connection.close()
        try:
            decoded = json.loads(body) if body else None
        except ValueError:
            decoded = None
        if response.status >= 400:
            detail = decoded.get("detail") if isinstance(decoded, dict) else None
            raise ServiceError(response.status, detail if isinstance(detail, str)
                               else f"Dịch vụ {self.record.url} trả lỗi HTTP {response.status}.")
        return decoded
