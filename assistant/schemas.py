"""The answer contract (docs/DESIGN.md "Answer JSON"), shared by the CLI (--json), the API, eval and the UI."""

from __future__ import annotations

from pydantic import BaseModel, Field

NOT_IN_CORPUS = "KHÔNG CÓ TRONG TÀI LIỆU"


class Citation(BaseModel):
    """One [n] marker: a verbatim quote with the document and clause it comes from."""

    n: int = Field(ge=1)
    doc_id: str
    doc_title: str
    short_title: str
    status: str  # draft, in_force, amended, guidance, reference, unknown
    clause: str  # clause label, e.g. "Mục II.6, ý 3", "điểm a khoản 2 Điều 5", "Lĩnh vực VIII, nhiệm vụ 3"
    citation: str  # how to cite it in a plan: "điểm a khoản 2 Điều 5 Luật Giao dịch điện tử 2023"
    quote: str  # == document normalised text[char_start:char_end]
    char_start: int
    char_end: int
    source_start: int  # the same span in the text as loaded from the file
    source_end: int


class PassageOut(BaseModel):
    rank: int
    score: float
    doc_id: str
    doc_title: str
    clause: str
    breadcrumb: str
    char_start: int
    char_end: int
    text: str


class Timings(BaseModel):
    retrieve: float
    compose: float
    total: float


class Answer(BaseModel):
    question: str
    answer: str  # Markdown; every statement carries [n] markers that resolve in ``citations``
    answerable: bool  # False: the corpus does not hold the answer (``answer`` says so)
    citations: list[Citation]
    passages: list[PassageOut]  # what was retrieved; when not answerable, the "có thể liên quan" list
    mode: str  # "extractive" or "llm:<model>"
    timings_ms: Timings
    session_id: str | None = None
    resolved_question: str | None = None  # the follow-up rewritten with the conversation's context
    warnings: list[str] = []  # e.g. "Nguồn là dự thảo", or sentences the LLM wrote that were dropped
