"""Request and response bodies of the HTTP service, one model per direction.

The answer contract itself (``Answer``, ``AskRequest``, ``Citation``) lives in ``assistant.schemas``,
shared with the CLI, eval and the UI; these are the service's own shapes around it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from ingest.corpus import DocMeta
from ingest.docstore import StoredDocument


class ErrorOut(BaseModel):
    detail: str  # Vietnamese, for the official using a front end


class ChatRequest(BaseModel):
    question: str = Field(min_length=1, description="Câu hỏi (có thể là câu hỏi nối tiếp trong phiên).")
    session_id: str | None = Field(None, max_length=64, description="Bỏ trống để mở phiên mới.")
    k: int | None = Field(None, ge=1, description="Số đoạn truy xuất (mặc định theo cấu hình).")
    doc_ids: list[str] = []
    levels: list[str] = []
    statuses: list[str] = []
    mode: Literal["extractive", "llm"] | None = None
    stream: bool = Field(False, description="true: trả về luồng SSE (token, citations, done).")


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
