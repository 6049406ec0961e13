"""The service record: how `cds serve` and `cds ui` tell other `cds` commands on this machine that they
hold the index of a data directory, and where to reach them.

The embedded index admits one process at a time, so while a service runs, `cds ask`, `cds search` and
`cds ingest` go through its HTTP API instead of opening the index. The serving process writes
``<data_dir>/service.json`` before it opens the index and removes it when it stops; a record whose
process has exited (killed, crashed) is stale and removed by the next command that reads it.

The record holds a random token, readable only by the file's owner: it authorises adding documents
over HTTP (``assistant.api.ingest``), which only a user of this machine's data directory may do.

>>> with advertise(settings.data_dir, "127.0.0.1", 8000, "serve"):     # doctest: +SKIP
...     uvicorn.run(app)
>>> find_service(settings.data_dir).url                                       # doctest: +SKIP
'http://127.0.0.1:8000'
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import signal
import socket
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

RECORD_NAME = "service.json"
TOKEN_HEADER = "X-CDS-Local-Token"


class ServiceConflict(Exception):
    """Another live process already serves this data directory; the message is for the user (Vietnamese)."""


@dataclass(frozen=True)
class ServiceRecord:
    pid: int
    url: str  # where clients on this machine connect (a wildcard host is written as loopback)
    command: str  # "serve" or "ui"
    token: str

    def describe(self) -> str:
        """"`cds serve` (pid 1234, http://127.0.0.1:8000)", for messages."""
        return f"`cds {self.command}` (pid {self.pid}, {self.url})"


def find_service(data_dir: Path) -> ServiceRecord | None:
    """The record of the live process serving ``data_dir``, or None; a stale record is removed."""
    path = data_dir / RECORD_NAME
    try:
        record = ServiceRecord(**json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError):  # torn or foreign: no process can be reached through it
        path.unlink(missing_ok=True)
        return None
    if not is_alive(record.pid):
        path.unlink(missing_ok=True)
        return None
    return record


@contextmanager
def advertise(data_dir: Path, host: str, port: int, command: str) -> Iterator[ServiceRecord]:
    """Write this process's record for the duration of the block, then remove it.

    :param host: the host the service listens on; a wildcard (0.0.0.0, ::) is recorded as loopback.
    :param command: "serve" or "ui", named in other commands' messages.
    :raises ServiceConflict: another live process serves ``data_dir`` already.
    """
    record = ServiceRecord(os.getpid(), _client_url(host, port), command, secrets.token_urlsafe(24))
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / RECORD_NAME
    # Written whole under another name, then linked into place: linking fails if a record exists, and a
    # reader never sees half a record (which it would take for a torn one and remove).
    fd, written = tempfile.mkstemp(dir=data_dir, prefix=".service-")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(asdict(record), f)
    try:
        while True:
            try:
                os.link(written, path)
                break
            except FileExistsError:
                other = find_service(data_dir)  # removes a stale record, so the next try succeeds
                if other is not None:
                    raise ServiceConflict(f"Thư mục dữ liệu {data_dir} đang được {other.describe()} phục vụ. "
                                          "Dùng dịch vụ đó, hoặc dừng nó trước khi chạy lệnh này.") from None
    finally:
        os.unlink(written)
    # `kill` (SIGTERM) would end the process without unwinding; uvicorn re-raises it after its shutdown.
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _exit) if main_thread else None
    try:
        yield record
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
        if find_service(data_dir) == record:
            path.unlink(missing_ok=True)


def _exit(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def is_alive(pid: int) -> bool:
    """Whether process ``pid`` runs (an exited one its parent has not reaped yet does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # no /proc (not Linux): the signal test is all there is
        return True
    return stat[stat.rindex(")") + 2] != "Z"


def _client_url(host: str, port: int) -> str:
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def check_port(host: str, port: int, option: str) -> None:
    """Fail before the index is opened when the port is taken, with a message saying what to do.

    :param option: how to choose another port, named in the message ("--port hoặc CDS_PORT").
    :raises ServiceConflict: the port cannot be bound.
    """
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise ServiceConflict(f"Không mở được cổng {port} trên {host} ({exc.strerror}). Cổng có thể đang "
                                  f"được dùng: chọn cổng khác bằng {option}.") from exc


def index_locked(index_dir: Path) -> bool:
    """Whether another process holds the embedded index at ``index_dir``, found in microseconds and without
    importing the engine: Qdrant Edge takes an exclusive flock on the shard's WAL folder while it is open.
    (Should that ever change, opening the index still refuses, only later.)"""
    try:
        fd = os.open(index_dir / "wal", os.O_RDONLY)
    except OSError:  # no index yet
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
