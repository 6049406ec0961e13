"""What drafting returns: section drafts, task tables and coverage reports.

These models are the boundary of drafting: the CLI prints them (``--format json``), the API returns
them, the exporters render them. Every piece of text is one of:

* ``heading``: a heading taken from the framework (``text`` is the verbatim title, cited);
* ``guidance``: what the framework says the part must contain (verbatim, cited), shown to the drafter;
* ``text``: proposed plan content (verbatim source text, cited);
* ``placeholder`` / ``note``: wholly in [square brackets]: what only the drafter can fill in, or a remark
  for the drafter (where another period's sources stand, a merged agency).

So a draft never states anything its sources do not: ``text == citations[0].quote`` for every cited item.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.schemas import Citation

Level = Literal["xa", "tinh", "bo"]
# A plan's period: a year or a range of years; which periods exist is corpus metadata (frameworks.json).
Period = Annotated[str, Field(pattern=r"^\d{4}(?:-\d{4})?$", examples=["2025", "2026-2030"])]
SECTIONS = {"can-cu": "Căn cứ lập kế hoạch", "muc-tieu": "Mục tiêu, chỉ tiêu", "nhiem-vu": "Nhiệm vụ và giải pháp",
            "kinh-phi": "Kinh phí thực hiện", "to-chuc": "Tổ chức thực hiện", "danh-muc": "Danh mục nhiệm vụ, dự án"}
LEVELS_VI = {"xa": "cấp xã", "tinh": "cấp tỉnh", "bo": "cấp bộ"}


def period_vi(period: str) -> str:
    """ "2025" -> "năm 2025"; "2026-2030" -> "giai đoạn 2026-2030"."""
    return f"giai đoạn {period}" if "-" in period else f"năm {period}"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class LegalBasisMark(_Frozen):
    """A legal document named in a cited item: number, date, issuer, status, and whether the corpus holds it."""

    kind: str
    number: str | None
    date: str | None
    in_corpus: bool
    corpus_doc_id: str | None
    label: str  # "Nghị quyết 57-NQ/TW", "Luật Chuyển đổi số"
    issuer: str | None = None
    status: str | None = None  # Vietnamese: "đang có hiệu lực", "chưa có trong kho tài liệu", …
    until: int | None = None  # the last year the document's programme or strategy covers ("đến năm 2025")
    expired: bool = False  # ``until`` is before the plan's period


class DraftItem(_Frozen):
    kind: Literal["heading", "guidance", "text", "placeholder", "note"]
    text: str
    number: str | None = None  # the heading's number in the draft ("I", "2.1"); None for other items
    depth: int = 0  # heading level (0 = section) or bullet indentation
    bullet: bool = False
    sources: list[Citation] = []  # for heading, guidance, text: sources[0].quote is ``text`` (or its title)
    bases: list[LegalBasisMark] = []  # legal documents the item names (Căn cứ)


class DeadlineOut(_Frozen):
    raw: str
    kind: str
    label: str
    year: int | None = None
    quarter: int | None = None
    month: int | None = None
    end_year: int | None = None


class RecordRef(_Frozen):
    doc_id: str
    clause_id: str
    label: str


class TaskRow(_Frozen):
    """One row of a task table, built from upper-level task records and the guidance for the level."""

    stt: int
    area: str  # area key
    area_label: str
    task: str  # verbatim: sources[0].quote
    result: str  # verbatim result of the record, or a placeholder
    lead: str  # the plan's own body when it leads ("UBND tỉnh [Tên tỉnh]"), else the upper-level lead
    # where the row comes from: "Cơ quan chủ trì cấp trên: Bộ Công an (…, Lĩnh vực IV, nhiệm vụ 6)", or the
    # guidance that gives the task to the level; None once an official has rewritten the lead cell
    lead_reference: str | None
    role: Literal["chủ trì", "phối hợp"]  # the plan's own body's role
    coordinating: str
    deadline: str
    deadline_source: str | None  # the upper-level deadline as written, when the row's differs or is capped
    deadline_normalised: DeadlineOut | None
    source_text: str  # the "Căn cứ/Nguồn" cell
    sources: list[Citation]
    records: list[RecordRef]  # the records and guidance clauses the row merges (first = main)
    funding: str | None = None  # "Kinh phí, nguồn vốn" (danh mục of a plan section only)
    upstream_lead: str | None = None  # the upper-level lead as written; None for a task the guidance gives the level


class TaskTable(_Frozen):
    title: str
    level: Level
    period: Period
    area: str | None
    columns: list[str]
    rows: list[TaskRow]
    notes: list[DraftItem] = []  # merged agencies, where another period stands, …
    citations: list[Citation] = []  # every source, numbered as in the rows


class SectionDraft(_Frozen):
    section: str
    title: str
    level: Level
    period: Period
    area: str | None
    framework: str  # which guidance the structure follows
    items: list[DraftItem]
    table: TaskTable | None = None
    citations: list[Citation] = []


ExportFormat = Literal["json", "md", "csv", "docx"]


class SectionRequest(_Frozen):
    section: Literal["can-cu", "muc-tieu", "nhiem-vu", "kinh-phi", "to-chuc", "danh-muc"]
    level: Level
    period: Period
    area: str | None = Field(None, max_length=100)
    format: ExportFormat = Field("json", description="json (mặc định), hoặc tệp md, csv, docx để tải về.")


class TasksRequest(_Frozen):
    area: str | None = Field(None, max_length=100)
    level: Level
    period: Period
    agency: str | None = Field(None, max_length=200)
    format: ExportFormat = Field("json", description="json (mặc định), hoặc tệp md, csv, docx để tải về.")


class CheckFinding(_Frozen):
    kind: Literal["missing_section", "missing_group", "uncovered_task", "late_deadline", "legal_mismatch"]
    message: str  # Vietnamese, one line
    draft_text: str | None = None  # what the draft says (for deadlines and legal bases)
    draft_line: int | None = None  # 1-based line of the draft's text where it is
    expected: str | None = None
    sources: list[Citation] = []


class CheckReport(_Frozen):
    file: str
    level: Level
    period: Period
    framework: str
    findings: list[CheckFinding]
    counts: dict[str, int]
    sections_found: list[str]
