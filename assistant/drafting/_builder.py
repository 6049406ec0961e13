"""Assembling a draft from clauses of the guidance: headings, guidance sentences, proposed text and
placeholders, each verbatim and cited (see ``assistant.drafting.models``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from assistant.drafting._legal_bases import Reference, find_references, horizon
from assistant.drafting._text import sentence_spans
from assistant.drafting.models import DraftItem, LegalBasisMark
from assistant.drafting.knowledge import STATUS_VI, KnowledgeBase
from assistant.schemas import Citation
from ingest.docstore import StoredDocument
from ingest.model import Clause

_MARKUP = " \t*#\\:"
_NUMBER = re.compile(r"^(?:[IVXLC]+|\d+(?:\.\d+)*|[a-zđ])$")
_LEAD_IN = re.compile(r"(?:gồm|như|sau|đây|vào|là|dụ|dung)\s*:$")


def title_span(doc: StoredDocument, clause: Clause) -> tuple[int, int]:
    """Offsets of a clause's title (its heading without number and markup) in the document."""
    words = clause.title.split()
    if words:
        if m := re.compile(r"\s+".join(map(re.escape, words))).search(doc.text, clause.start, clause.heading_end):
            return m.start(), _rstrip(doc.text, m.start(), m.end(), " :*")
        if m := re.compile(r"\s+".join(map(re.escape, words[:5]))).search(doc.text, clause.start, clause.heading_end):
            return m.start(), _rstrip(doc.text, m.start(), clause.heading_end, _MARKUP)
    return _strip(doc.text, clause.start, clause.heading_end, _MARKUP)


def line_span(doc: StoredDocument, clause: Clause) -> tuple[int, int]:
    """A bullet's or item's own text: from its title to the end of its first line (inline items included)."""
    start, _ = title_span(doc, clause)
    return start, _rstrip(doc.text, start, clause.heading_end, " \t*")


def inline_body(doc: StoredDocument, clause: Clause) -> tuple[int, int] | None:
    """The text after a heading's title on the same line ("4. Nhận thức số: Chỉ đạo …" -> "Chỉ đạo …")."""
    _, title_end = title_span(doc, clause)
    start, end = _strip(doc.text, title_end, clause.heading_end, _MARKUP)
    return (start, end) if end > start else None


def own_lines(doc: StoredDocument, clause: Clause) -> list[tuple[int, int]]:
    """Lines of a clause's body that belong to no child (captions, paragraphs between bullets)."""
    children = _children(doc, clause)
    spans = []
    pos = clause.heading_end
    for line in doc.text[clause.heading_end : clause.end].split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        if not any(c.start <= start < c.end for c in children):
            start, end = _strip(doc.text, start, end, " \t*#")
            if end > start:
                spans.append((start, end))
    return spans


def _children(doc: StoredDocument, clause: Clause) -> list[Clause]:
    return [c for c in doc.parsed.clauses if c.parent == clause.id]


def _strip(text: str, start: int, end: int, chars: str) -> tuple[int, int]:
    while start < end and text[start] in chars:
        start += 1
    return start, _rstrip(text, start, end, chars)


def _rstrip(text: str, start: int, end: int, chars: str) -> int:
    while end > start and text[end - 1] in chars:
        end -= 1
    return end


class Builder:
    """Collects the items of a draft and numbers their citations in order of first use.

    >>> b = Builder(kb)                                              # doctest: +SKIP
    >>> b.heading("khung-kh-cds-2026-2030", "I", number="I")         # doctest: +SKIP
    >>> b.bullets("khung-kh-cds-2026-2030", "I", kind="text")        # doctest: +SKIP
    """

    def __init__(self, kb: KnowledgeBase, start_year: int | None = None):
        self.kb = kb
        self.start_year = start_year  # the plan's first year: legal bases whose programme ended before are flagged
        self.items: list[DraftItem] = []
        self._numbers: dict[tuple[str, int, int], int] = {}
        self.citations: list[Citation] = []

    # --- citations --------------------------------------------------------------------------------

    def cite(self, doc_id: str, start: int, end: int, clause: Clause | None = None) -> Citation:
        """The citation of a span, numbered the first time it is cited."""
        key = (doc_id, start, end)
        if key not in self._numbers:
            self._numbers[key] = len(self.citations) + 1
            self.citations.append(self.kb.citation(doc_id, start, end, clause, n=self._numbers[key]))
        return self.citations[self._numbers[key] - 1]

    # --- items --------------------------------------------------------------------------------------

    def heading(self, doc_id: str, clause_id: str, number: str | None, depth: int = 0) -> None:
        """A heading whose text is the title of a framework clause."""
        doc, clause = self.kb.document(doc_id), self.kb.clause(doc_id, clause_id)
        start, end = title_span(doc, clause)
        self.items.append(DraftItem(kind="heading", text=doc.text[start:end], number=number, depth=depth,
                                    sources=[self.cite(doc_id, start, end, clause)]))

    def heading_span(self, doc_id: str, start: int, end: int, number: str | None, depth: int = 0) -> None:
        """A heading taken from a span of the framework (a caption line, the head of a bullet)."""
        doc = self.kb.document(doc_id)
        start, end = _strip(doc.text, start, end, " :*")
        self.items.append(DraftItem(kind="heading", text=doc.text[start:end], number=number, depth=depth,
                                    sources=[self.cite(doc_id, start, end)]))

    def span(self, kind: str, doc_id: str, start: int, end: int, depth: int = 0, bullet: bool = False,
             clause: Clause | None = None, also: list[Citation] | None = None) -> DraftItem:
        """A verbatim item ("guidance" or "text"); ``also`` are further sources saying the same."""
        doc = self.kb.document(doc_id)
        item = DraftItem(kind=kind, text=doc.text[start:end], depth=depth, bullet=bullet,
                         sources=[self.cite(doc_id, start, end, clause), *(also or [])],
                         bases=self._bases(doc.text[start:end]) if kind == "text" else [])
        self.items.append(item)
        return item

    def placeholder(self, text: str, depth: int = 0, bullet: bool = False) -> None:
        """Something only the drafter can fill in; ``text`` must be wholly in square brackets."""
        self.items.append(DraftItem(kind="placeholder", text=_bracketed(text), depth=depth, bullet=bullet))

    def note(self, text: str, why: list[Citation] | None = None, depth: int = 0) -> None:
        """A remark for the drafter (wholly in square brackets)."""
        self.items.append(DraftItem(kind="note", text=_bracketed(text), depth=depth, sources=why or []))

    # --- clause contents -----------------------------------------------------------------------------

    def body(self, doc_id: str, clause_id: str, kind: str | Callable[[str], str | None] = "guidance",
             depth: int = 0) -> int:
        """The clause's own text: what follows its title on the heading line, then its loose lines.

        :param kind: the kind of every line, or a function of a line's text giving its kind (None: skip).
        :returns: how many items were added.
        """
        doc, clause = self.kb.document(doc_id), self.kb.clause(doc_id, clause_id)
        spans = [s for s in [inline_body(doc, clause)] if s] + own_lines(doc, clause)
        added = 0
        for start, end in spans:
            piece_kind = kind(doc.text[start:end]) if callable(kind) else kind
            if piece_kind:
                self.span(piece_kind, doc_id, start, end, depth=depth)
                added += 1
        return added

    def bullets(self, doc_id: str, clause_id: str, kind: str = "text", depth: int = 0,
                classify: Callable[[str], str | None] | None = None, sentences: bool = False) -> int:
        """Everything under a clause in document order: sub-headings with their text, bullets and items
        (as ``kind``), loose lines (a caption becomes a heading, a list lead-in guidance, other lines
        ``classify(text)`` or ``kind``).

        :param sentences: classify loose text sentence by sentence (training prose mixes guidance and asides).
        :returns: how many items were added.
        """
        doc, clause = self.kb.document(doc_id), self.kb.clause(doc_id, clause_id)
        added = 0
        if clause.kind in ("section", "item", "paragraph") and (inline := inline_body(doc, clause)):
            kind_of = classify(doc.text[inline[0]:inline[1]]) if classify else kind
            if kind_of:
                self.span(kind_of, doc_id, *inline, depth=depth)
                added += 1
        for piece in self._contents(doc, clause):
            if isinstance(piece, tuple):
                for start, end in sentence_spans(doc.text, *piece) if sentences else [piece]:
                    added += self._loose(doc_id, start, end, classify(doc.text[start:end]) if classify else kind, depth)
            elif piece.kind in ("section", "item") and (_children(doc, piece) or own_lines(doc, piece)
                                                         or inline_body(doc, piece)):
                self.heading(doc_id, piece.id, piece.number if _NUMBER.match(piece.number) else None, depth=depth)
                added += 1 + self.bullets(doc_id, piece.id, kind, depth, classify, sentences)
            else:
                start, end = line_span(doc, piece)
                if end > start:
                    self.span(kind, doc_id, start, end, depth=depth, bullet=True, clause=piece)
                    added += 1
                added += self.bullets(doc_id, piece.id, kind, depth + 1, classify, sentences)
        return added

    def _loose(self, doc_id: str, start: int, end: int, kind: str | None, depth: int) -> int:
        """A loose line: a caption ("Chính phủ số:") becomes a heading, a list lead-in ("… bao gồm:") guidance."""
        text = self.kb.document(doc_id).text[start:end]
        if text.endswith(":") and _LEAD_IN.search(text):
            self.span("guidance", doc_id, start, end, depth=depth)
        elif text.endswith(":") and len(text.split()) <= 20:
            self.heading_span(doc_id, start, end, None, depth=depth)
        elif kind:
            self.span(kind, doc_id, start, end, depth=depth)
        else:
            return 0
        return 1

    def _contents(self, doc: StoredDocument, clause: Clause) -> Iterator[Clause | tuple[int, int]]:
        """The clause's loose lines and children, in document order (inline children of a line excluded)."""
        children = [c for c in _children(doc, clause) if c.start >= clause.heading_end]
        lines = own_lines(doc, clause)
        yield from sorted([*lines, *children], key=lambda p: p[0] if isinstance(p, tuple) else p.start)

    def _bases(self, text: str) -> list[LegalBasisMark]:
        return [self.mark(ref) for ref in find_references(text)]

    def mark(self, ref: Reference) -> LegalBasisMark:
        """What is known of a referenced legal document: number, date, issuer, status in the corpus, and
        whether its programme ends before the plan's period."""
        base = self.kb.legal_base(ref)
        corpus = self.kb.document(base.corpus_doc_id) if base and base.corpus_doc_id else None
        if ref.number and not ref.number_known:
            label = f"{ref.kind} (số hiệu để trống trong nguồn)"
        else:
            label = f"{ref.kind} {ref.number}" if ref.number else f"{ref.kind} {ref.name}"
        until = horizon(ref.title or (base.title if base else None) or "")
        status = STATUS_VI[corpus.meta.status or "unknown"] if corpus else "chưa có trong kho tài liệu"
        expired = until is not None and self.start_year is not None and until < self.start_year
        if expired:
            status += f"; hết thời kỳ áp dụng (đến năm {until})"
        return LegalBasisMark(kind=ref.kind, number=ref.number, date=ref.date or (base.date if base else None),
                              in_corpus=corpus is not None, corpus_doc_id=corpus.meta.id if corpus else None,
                              label=label, issuer=ref.issuer or (base.issuer if base else None), status=status,
                              until=until, expired=expired)


def _bracketed(text: str) -> str:
    if not (text.startswith("[") and text.endswith("]")):
        raise ValueError(f"placeholders and notes must be wholly in square brackets, got {text!r}")
    return text
