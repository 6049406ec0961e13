"""Plain data types shared by every ingest stage (and read by assistant/, eval/, ui/).

All offsets are character offsets into a document's *normalised* text (``Normalised.text``):
NFC, page artefacts removed, broken lines rejoined. ``Normalised.to_source`` maps them back to the
text the loader produced, so a citation resolves to exact characters in either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Normalised:
    """A document's normalised text and the map back to the loaded text.

    ``to_source[i]`` is the offset in the loaded text of normalised character ``i``;
    ``to_source[len(text)]`` is the end of the loaded text. The map is monotonic.
    """

    text: str
    to_source: Sequence[int]  # an int64 array: one entry a character, so it stays small for large files

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalised ``[start, end)`` span to the loaded text."""
        if end <= start:
            pos = self.to_source[start]
            return pos, pos
        return self.to_source[start], self.to_source[end - 1] + 1


@dataclass(frozen=True)
class Span:
    """A piece of the normalised text: ``text == document_text[start:end]``."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class OcrPage:
    """A PDF page whose text was recognised from its image (OCR), not read from a text layer.

    ``start``/``end`` are offsets into the *loaded* text (``LoadedFile.text``); ``confidence`` is
    Tesseract's mean word confidence on the page, 0-100.
    """

    page: int  # 1-based page number in the PDF
    confidence: float
    start: int
    end: int


def ocr_confidence(pages: Sequence[OcrPage], norm: Normalised, start: int, end: int) -> float | None:
    """Lowest OCR confidence among the pages that normalised ``[start, end)`` comes from; None when the
    span holds no recognised text (answers quoting OCR text warn that it may be misread)."""
    if not pages:
        return None
    source_start, source_end = norm.source_span(start, end)
    overlapping = [p.confidence for p in pages if p.start < source_end and source_start < p.end]
    return min(overlapping) if overlapping else None


@dataclass(frozen=True)
class Clause:
    """One node of a document's clause tree.

    ``id`` is unique within the document and stable across runs ("II", "II/2", "II/2/b", "II/2/b/-3",
    "C1/D5/K2/a"). ``label`` is how a Vietnamese reader cites it: "Mục II.2, điểm b, ý 3" in guidance,
    "điểm a khoản 2 Điều 5" in a law. ``start``/``end`` cover the node with all its descendants;
    ``heading_end`` is where its own heading line (number + title) ends.
    """

    id: str
    kind: str  # one of CLAUSE_KINDS
    number: str  # numbering token as written: "II", "2.1", "a", "-", "+", "(1)", "5" (Điều 5)
    title: str  # heading text without its number, whitespace-collapsed ("" for plain paragraphs)
    label: str
    start: int
    end: int
    heading_end: int
    parent: str | None
    depth: int  # 0 for top-level nodes


CLAUSE_KINDS = (
    "section",  # numbered or markdown/bold heading with a body (I., 1., 2.1, ## ...)
    "item",  # lettered item a), b) ... or "(1)" inline enumeration member
    "bullet",  # "-", "+", "*", "•" list entry
    "paragraph",  # unnumbered paragraph (only where it must be addressable)
    "chapter",  # Chương
    "legal_section",  # Mục inside a Chương
    "article",  # Điều
    "clause",  # khoản
    "point",  # điểm
    "table_header",  # the column-name row of a task table (not chunked: every row names its columns)
    "area",  # a group heading of a task table (002: "I. Về HOÀN THIỆN THỂ CHẾ"), or a .docx/HTML table over its rows
    "table_row",  # one row of a task table, or of a .docx/HTML table ("Dòng 3 — Cột: giá trị; …"; a TaskRecord if its table names a task and its lead)
    "task",  # a 004-style task block
)


@dataclass(frozen=True)
class TaskRecord:
    """A task from a task table row (002) or a task block (004).

    Fields the source leaves empty are ``Span("", pos, pos)``; fields the source format does not
    have (004 has no "Lưu ý", 002 no "Kết quả") are ``None``.
    """

    doc_id: str
    clause_id: str  # the Clause (kind "table_row" or "task") holding this record
    label: str
    area: str  # the area heading as written, e.g. "I. Về HOÀN THIỆN THỂ CHẾ" / "1. Về nhận thức số"
    area_number: str  # "I" / "1"
    task: Span
    result: Span | None
    lead: Span | None
    coordinating: Span | None
    deadline: Span | None
    note: Span | None
    start: int
    end: int


@dataclass(frozen=True)
class ParsedDocument:
    """Output of the structure parser: the clause tree in document order plus task records."""

    clauses: tuple[Clause, ...]
    tasks: tuple[TaskRecord, ...] = ()

    def by_id(self) -> dict[str, Clause]:
        return {c.id: c for c in self.clauses}


@dataclass(frozen=True)
class Chunk:
    """A retrievable unit: a slice of the normalised text with its place in the clause tree."""

    doc_id: str
    seq: int  # position of the chunk in its document
    clause_id: str  # deepest clause containing the whole chunk
    clause_label: str
    breadcrumb: tuple[str, ...]  # document title › section › item, for embedding and display
    kind: str  # "text", "table_row", "task", "article", ...
    start: int
    end: int
    text: str  # == normalised text[start:end]
    clause_ids: tuple[str, ...] = field(default=())  # every clause the chunk overlaps
    fields_text: str = ""  # table rows: "Cơ quan chủ trì: …" lines, embedded instead of the bare cells
    headings: tuple[str, ...] = ()  # titles of the enclosing sections/articles, outermost first

    @property
    def embed_text(self) -> str:
        """What is embedded and BM25-indexed: the breadcrumb, then the text (or its labelled fields)."""
        return " › ".join(self.breadcrumb) + "\n" + (self.fields_text or self.text)
