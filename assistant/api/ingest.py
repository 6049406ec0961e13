"""POST /ingest/file and POST /ingest/refresh: `cds ingest` on this machine, through the running service.

While `cds serve` or `cds ui` holds the embedded index, `cds ingest FILE` sends the file here instead of
opening the index. Adding documents changes the corpus every user of the service sees, so these routes
answer only a caller that shows the token of the service record in the data directory
(``assistant.local_service``), which only this machine's user running the service can read.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import threading
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Header, HTTPException, UploadFile, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from assistant.api.deps import AssistantDep, SettingsDep
from assistant.api.models import ErrorOut
from assistant.local_service import TOKEN_HEADER, find_service
from ingest.errors import IngestError
from ingest.intake import Intake, add_documents
from ingest.pipeline import IngestReport
from ingest.settings import Settings

router = APIRouter(prefix="/ingest", tags=["Kho tài liệu"],
                   responses={403: {"model": ErrorOut}, 503: {"model": ErrorOut}})

_FORBIDDEN = ("Chỉ lệnh `cds ingest` chạy trên máy của dịch vụ, bởi người dùng chạy dịch vụ, mới thêm được tài liệu "
              "qua đường dẫn này. Hãy dùng ứng dụng web (thẻ Tài liệu) hoặc lệnh `cds ingest` trên máy đó.")
_lock = threading.Lock()  # one ingest at a time; questions go on being answered meanwhile


class FileMessage(BaseModel):
    file: str
    message: str


class AddedFile(BaseModel):
    file: str
    doc_id: str


class IngestOut(BaseModel):
    """What `cds ingest` prints: the files added and refused, then the refresh report."""

    added: list[AddedFile]
    failed: list[FileMessage]
    documents: int
    chunks: int
    embedded: int
    reused: int
    added_docs: list[str]
    updated: list[str]
    removed: list[str]
    unchanged: list[str]
    errors: list[FileMessage]
    notes: list[FileMessage]
    seconds: float

    @classmethod
    def of(cls, intake: Intake) -> "IngestOut":
        r = intake.report
        return cls(added=[AddedFile(file=name, doc_id=row.id) for name, row in intake.added],
                   failed=[FileMessage(file=f, message=m) for f, m in intake.failed],
                   documents=r.documents, chunks=r.chunks, embedded=r.embedded, reused=r.reused,
                   added_docs=r.added, updated=r.updated, removed=r.removed, unchanged=r.unchanged,
                   errors=[FileMessage(file=f, message=m) for f, m in r.errors],
                   notes=[FileMessage(file=f, message=m) for f, m in r.notes], seconds=r.seconds)

    def report(self) -> IngestReport:
        return IngestReport(documents=self.documents, chunks=self.chunks, embedded=self.embedded, reused=self.reused,
                            added=self.added_docs, updated=self.updated, removed=self.removed,
                            unchanged=self.unchanged, errors=[(e.file, e.message) for e in self.errors],
                            notes=[(n.file, n.message) for n in self.notes], seconds=self.seconds)


LocalToken = Annotated[str, Header(alias=TOKEN_HEADER, description="Mã của bản ghi dịch vụ trong thư mục dữ liệu.")]


@router.post("/file", response_model=IngestOut, summary="Thêm một tệp vào kho tài liệu và lập chỉ mục (cds ingest)",
             responses={413: {"model": ErrorOut}})
async def ingest_file(
    file: Annotated[UploadFile, File(description="Tài liệu: .docx, .pdf, .txt, .md, .html")],
    assistant: AssistantDep, settings: SettingsDep, token: LocalToken,
    title: Annotated[str | None, Form()] = None, short_title: Annotated[str | None, Form()] = None,
    number: Annotated[str | None, Form()] = None, issuer: Annotated[str | None, Form()] = None,
    date: Annotated[str | None, Form()] = None, status_: Annotated[str | None, Form(alias="status")] = None,
    level: Annotated[list[str] | None, Form()] = None, period: Annotated[str | None, Form()] = None,
    kind: Annotated[str | None, Form()] = None,
) -> IngestOut:
    """Tệp được đưa vào kho tài liệu của người dùng rồi lập chỉ mục; tệp không lập chỉ mục được thì bị lấy
    ra lại, kho tài liệu giữ nguyên. Kết quả từng tệp nằm trong added/failed."""
    _check_token(settings, token)
    name = Path(file.filename or "").name
    if not name or name.startswith("."):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail="Tệp tải lên cần có tên (ví dụ ke-hoach.docx).")
    limit = int(settings.max_file_mb * 1024 * 1024)
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE,
                            detail=f"Tệp {name} lớn hơn giới hạn {settings.max_file_mb:g} MB.")
    given = {"title": title, "short_title": short_title, "number": number, "issuer": issuer, "date": date,
             "status": status_, "level": level, "period": period, "kind": kind}
    meta = {k: v for k, v in given.items() if v not in (None, [])} or None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        return await run_in_threadpool(_ingest, assistant.index, [path], meta)


@router.post("/refresh", response_model=IngestOut, summary="Cập nhật chỉ mục theo kho tài liệu (cds ingest)")
async def refresh(assistant: AssistantDep, settings: SettingsDep, token: LocalToken) -> IngestOut:
    """Lập lại chỉ mục cho mọi tài liệu đã thay đổi trong kho (như `cds ingest` không kèm tệp)."""
    _check_token(settings, token)
    return await run_in_threadpool(_ingest, assistant.index, [], None)


def _check_token(settings: Settings, token: str) -> None:
    record = find_service(settings.data_dir)
    if record is None or record.pid != os.getpid() or not secrets.compare_digest(token.encode(), record.token.encode()):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=_FORBIDDEN)


def _ingest(index, paths: list[Path], meta: dict | None) -> IngestOut:
    with _lock:
        try:
            return IngestOut.of(add_documents(index, paths, meta))
        except IngestError as exc:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=str(exc)) from exc
