"""Request and response bodies of the HTTP service, one model per direction.

The answer contract itself (``Answer``, ``Citation``) lives in ``assistant.schemas``,
shared with the CLI, eval and the UI; these are the service's own shapes around it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from assistant.schemas import Answer
from ingest.corpus import DocMeta
from ingest.docstore import StoredDocument


class ErrorOut(BaseModel):
    detail: str  # Vietnamese, for the official using a front end


SESSION_ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,64}$"
_Name = Annotated[str, Field(max_length=200)]  # a document id, level or status
# A count of at least 1. In a strict model it still takes 8.0: JSON Schema counts that as the integer 8.
Count = Annotated[int, Field(ge=1),  # the bound first: after the validator it would reach the schema as "ge"
                  BeforeValidator(lambda v: int(v) if isinstance(v, float) and v.is_integer() else v)]
# The limits on questions, k and mode depend on the server's settings: create_app writes them into the
# OpenAPI schema, and the routes enforce them (assistant.api.deps.check_limits).
_NOT_BLANK = {"pattern": r"\S"}


class AskRequest(BaseModel):
    # strict: JSON types as the schema states them (no "1" for 1, no 0 for false)
    model_config = ConfigDict(strict=True, json_schema_extra={"examples": [
        {"question": "Nhiệm vụ xây dựng Hệ thống phòng vệ mạng quốc gia do ai chủ trì, hạn khi nào?"},
        {"question": "Kế hoạch chuyển đổi số cấp xã gồm những nội dung gì?", "k": 5, "levels": ["xã"]},
    ]})

    question: str = Field(min_length=1, json_schema_extra=_NOT_BLANK,
                          description="Câu hỏi (có thể là câu hỏi nối tiếp trong phiên).")
    k: Count | None = Field(None, description="Số đoạn truy xuất (mặc định theo cấu hình).")
    session_id: str | None = Field(None, pattern=SESSION_ID_PATTERN,
                                   description="Mã phiên do POST /sessions hoặc POST /chat cấp; bỏ trống: "
                                               "câu hỏi độc lập.")
    doc_ids: list[_Name] = Field([], max_length=50, description="Chỉ trả lời từ các tài liệu này (xem GET /documents).")
    levels: list[_Name] = Field([], max_length=20, description="Cấp: bộ, tỉnh, xã, quốc gia.")
    statuses: list[_Name] = Field([], max_length=20, description="Tình trạng: draft, in_force, …")
    mode: Literal["extractive", "llm"] | None = Field(None, description="Bỏ trống: theo cấu hình máy chủ.")


class ChatRequest(AskRequest):
    session_id: str | None = Field(None, pattern=SESSION_ID_PATTERN,
                                   description="Bỏ trống để mở phiên mới; mã phiên có trong kết quả.")
    stream: bool = Field(False, description="true: trả về luồng SSE (token, citations, done).")


class TurnOut(BaseModel):
    question: str
    resolved_question: str
    answer: Answer
    at: float = Field(description="Thời điểm (Unix, giây).")


class SessionOut(BaseModel):
    session_id: str
    created: float = Field(description="Thời điểm mở phiên (Unix, giây).")
    last_used: float
    expires_at: float = Field(description="Phiên bị xóa nếu không dùng đến thời điểm này.")
    turns: list[TurnOut]


class SearchHit(BaseModel):
    rank: int
    score: float
    doc_id: str
    doc_title: str
    short_title: str
    status: str
    clause_id: str
    clause: str
    breadcrumb: str
    kind: str
    char_start: int
    char_end: int
    text: str


class SearchTimings(BaseModel):
    retrieve: float


class SearchResponse(BaseModel):
    query: str
    passages: list[SearchHit]
    timings_ms: SearchTimings


class DocumentSummary(BaseModel):
    id: str
    source_file: str
    title: str
    short_title: str
    kind: str | None
    number: str | None
    issuer: str | None
    date: str | None
    effective_date: str | None
    status: str | None
    level: list[str] | None
    period: str | None
    notes: str | None
    n_chunks: int

    @classmethod
    def of(cls, doc: StoredDocument) -> "DocumentSummary":
        return cls(**_meta_fields(doc.meta), n_chunks=len(doc.node_ids))


class ClauseOut(BaseModel):
    id: str
    kind: str
    number: str
    title: str
    label: str
    start: int
    end: int
    heading_end: int
    parent: str | None
    depth: int


class SpanOut(BaseModel):
    text: str
    start: int
    end: int


class TaskOut(BaseModel):
    clause_id: str
    label: str
    area: str
    area_number: str
    task: SpanOut
    result: SpanOut | None
    lead: SpanOut | None
    coordinating: SpanOut | None
    deadline: SpanOut | None
    note: SpanOut | None
    start: int
    end: int


class DocumentDetail(DocumentSummary):
    text: str = Field(description="Văn bản đã chuẩn hóa (NFC); mọi vị trí ký tự (char_start, start, …) trỏ vào đây.")
    clauses: list[ClauseOut]
    tasks: list[TaskOut]

    @classmethod
    def of(cls, doc: StoredDocument) -> "DocumentDetail":
        return cls(
            **_meta_fields(doc.meta), n_chunks=len(doc.node_ids), text=doc.text,
            clauses=[ClauseOut.model_validate(c, from_attributes=True) for c in doc.parsed.clauses],
            tasks=[TaskOut.model_validate(t, from_attributes=True) for t in doc.parsed.tasks],
        )


class HealthOut(BaseModel):
    status: Literal["ok"]
    documents: int
    chunks: int
    embedder: str
    index_backend: Literal["qdrant-edge", "qdrant-server", "qdrant-local"]
    llm_backend: str
    llm_model: str | None


def _meta_fields(meta: DocMeta) -> dict:
    return meta.model_dump(include=set(DocumentSummary.model_fields) - {"n_chunks"})
