"""POST /draft/section, POST /draft/tasks and POST /check: the same JSON as `cds draft … --format json`
and `cds check --json`."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Response, UploadFile, status
from starlette.concurrency import run_in_threadpool

from assistant.api.deps import AssistantDep, SettingsDep
from assistant.api.errors import clip
from assistant.api.models import ErrorOut
from assistant.drafting.check import check_draft
from assistant.drafting.draft import draft_section as build_section
from assistant.drafting.models import CheckReport, Level, Period, SectionDraft, SectionRequest, TaskTable, TasksRequest
from assistant.drafting.export import export
from assistant.drafting.knowledge import KnowledgeBase, KnowledgeError, MissingGuidance
from assistant.drafting.tasks import draft_tasks as build_tasks
from ingest.errors import LoadError
from ingest.load import SUPPORTED_EXTENSIONS

_MEDIA = {"md": "text/markdown; charset=utf-8", "csv": "text/csv; charset=utf-8",
          "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
_FILE_TYPES = {media.split(";")[0]: {} for media in _MEDIA.values()}

router = APIRouter(tags=["Soạn thảo kế hoạch"], responses={422: {"model": ErrorOut}, 503: {"model": ErrorOut}})


@router.post("/draft/section", response_model=SectionDraft, summary="Soạn một phần của kế hoạch CĐS",
             responses={200: {"content": _FILE_TYPES}})
def draft_section(body: SectionRequest, assistant: AssistantDep) -> SectionDraft | Response:
    """Soạn phần Căn cứ, Mục tiêu, Nhiệm vụ và giải pháp, Kinh phí, Tổ chức thực hiện hoặc Danh mục nhiệm vụ
    theo khung của cấp (xa, tinh, bo) và giai đoạn (2025, 2026-2030). Mỗi tiêu đề, hướng dẫn và nội dung đều
    là nguyên văn có trích dẫn; phần người soạn tự điền nằm trong [ngoặc vuông]."""
    doc = _answer(lambda kb: build_section(kb, body.section, body.level, body.period, body.area), assistant)
    return _as_format(doc, body.format, f"{body.section}-{body.level}-{body.period}")


@router.post("/draft/tasks", response_model=TaskTable, summary="Soạn bảng danh mục nhiệm vụ có trích dẫn",
             responses={200: {"content": _FILE_TYPES}})
def draft_tasks(body: TasksRequest, assistant: AssistantDep) -> TaskTable | Response:
    """Bảng nhiệm vụ (STT, nhiệm vụ, kết quả dự kiến, cơ quan chủ trì, phối hợp, thời hạn, căn cứ/nguồn) từ
    các nhiệm vụ cấp trên và hướng dẫn của cấp, đã điều chỉnh theo cấp và loại bỏ trùng lặp."""
    doc = _answer(lambda kb: build_tasks(kb, body.level, body.period, body.area, body.agency), assistant)
    return _as_format(doc, body.format, f"danh-muc-nhiem-vu-{body.level}-{body.period}")


@router.post("/check", response_model=CheckReport, summary="Kiểm tra một bản kế hoạch so với hướng dẫn")
async def check(file: Annotated[UploadFile, File(description="Bản kế hoạch: .docx, .md, .txt, .pdf, .html")],
                assistant: AssistantDep, settings: SettingsDep,
                level: Annotated[Level | None, Form()] = None, period: Annotated[Period | None, Form()] = None
                ) -> CheckReport:
    """Báo cáo các mục bắt buộc còn thiếu, nhiệm vụ cấp trên chưa có, thời hạn muộn hơn kế hoạch cấp trên và
    căn cứ pháp lý có số hiệu hoặc ngày không khớp kho tài liệu."""
    name = Path(file.filename or "ke-hoach.txt").name
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            detail=f"Tệp {clip(name)}: định dạng {clip(suffix) or '(không có đuôi)'} không được "
                                   f"hỗ trợ; hãy gửi một trong các định dạng {', '.join(SUPPORTED_EXTENSIONS)}.")
    limit = int(settings.max_file_mb * 1024 * 1024)
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE,
                            detail=f"Tệp {clip(name)} lớn hơn giới hạn {settings.max_file_mb:g} MB.")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        report = await run_in_threadpool(_answer, lambda kb: check_draft(kb, path, level, period, limit), assistant)
    return report.model_copy(update={"file": name})


def _as_format(doc: SectionDraft | TaskTable, fmt: str, stem: str) -> SectionDraft | TaskTable | Response:
    """The model itself for JSON; otherwise the exported file, as an attachment."""
    if fmt == "json":
        return doc
    headers = {"Content-Disposition": f'attachment; filename="{stem}.{fmt}"'}
    if fmt != "docx":
        return Response(export(doc, fmt), media_type=_MEDIA[fmt], headers=headers)
    with tempfile.TemporaryDirectory() as folder:
        content = export(doc, "docx", Path(folder) / f"{stem}.docx").read_bytes()
    return Response(content, media_type=_MEDIA["docx"], headers=headers)


def _answer(work, assistant):
    try:
        return work(KnowledgeBase.of(assistant.index))
    except MissingGuidance as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=str(exc)) from exc
    except (KnowledgeError, LoadError) as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from exc
