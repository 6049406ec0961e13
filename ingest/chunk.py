"""Structure-aware chunking: clause subtrees packed into chunks of at most ``max_chars``.

Rules, in order:
* a chunk never crosses a top-level clause (a Mục, a Chương, an area of a task table);
* a table row or task block is always one whole chunk, however long;
* a numbered section or an article (Điều) never shares a chunk with a sibling section/article;
* a task table's header row is not chunked (every row chunk names its columns);
* a clause that fits is one chunk with all its descendants; a clause that does not fit contributes
  its own heading/intro text packed with as many consecutive children as fit, and children that
  do not fit are chunked recursively; a single paragraph longer than ``max_chars`` is split at
  sentence ends;
* a chunk that would hold only a heading whose children are chunked separately is dropped (the
  heading reaches every child through its breadcrumb).
"""

from __future__ import annotations

import re
from collections import defaultdict

from ingest.model import Chunk, Clause, ParsedDocument, TaskRecord

_ATOMIC = ("table_row", "task")
# Never packed with a sibling: a law is retrieved and cited by article, a plan by its numbered sections.
_SOLO = ("article", "section", "chapter", "legal_section", "area")
_BREADCRUMB_KINDS = ("section", "chapter", "legal_section", "article", "area", "clause")
_SENTENCE_END = re.compile(r"(?<=[.;!?:])\s+|\n")
_CELL_NAMES = (("task", "Nhiệm vụ"), ("result", "Kết quả thực hiện"), ("lead", "Cơ quan chủ trì"),
               ("coordinating", "Cơ quan phối hợp"), ("deadline", "Thời hạn hoàn thành"), ("note", "Lưu ý"))


def chunk_document(doc_id: str, title: str, text: str, parsed: ParsedDocument, max_chars: int) -> list[Chunk]:
    """Chunk one document along its clause tree.

    :param doc_id: the document id stored on each chunk.
    :param title: the document's short title, first element of every breadcrumb.
    :param text: the normalised text the clause offsets point into.
    :param parsed: the clause tree and task records of ``text``.
    :param max_chars: the size limit for everything but table rows and task blocks.
    :returns: chunks in document order, each with ``text == text[start:end]``.
    """
    if max_chars < 100:
        raise ValueError(f"max_chars must be at least 100, got {max_chars}")
    builder = _Builder(doc_id, title, text, parsed, max_chars)
    return builder.build()


class _Builder:
    def __init__(self, doc_id: str, title: str, text: str, parsed: ParsedDocument, max_chars: int):
        self.doc_id, self.title, self.text, self.max = doc_id, title, text, max_chars
        self.by_id = parsed.by_id()
        self.children: dict[str | None, list[Clause]] = defaultdict(list)
        for clause in parsed.clauses:
            self.children[clause.parent].append(clause)
        self.tasks: dict[str, TaskRecord] = {t.clause_id: t for t in parsed.tasks}
        self.pieces: list[tuple[int, int, Clause | None]] = []

    def build(self) -> list[Chunk]:
        cursor = 0
        for top in self.children[None]:
            self._gap(cursor, top.start)
            if top.kind != "table_header":
                self._visit(top)
            cursor = max(cursor, top.end)
        self._gap(cursor, len(self.text))
        return [self._chunk(seq, *piece) for seq, piece in enumerate(self.pieces)]

    def _gap(self, start: int, end: int) -> None:
        # Text outside every clause (the parsers leave none that matters); kept so nothing is lost.
        for s, e in self._split(start, end):
            self.pieces.append((s, e, None))

    def _fits(self, clause: Clause) -> bool:
        return clause.end - clause.start <= self.max

    def _visit(self, node: Clause) -> None:
        kids = self.children[node.id]
        if node.kind in _ATOMIC or self._fits(node) or not kids:
            if node.kind in _ATOMIC or self._fits(node):
                self._emit(node.start, node.end, node)
            else:
                for s, e in self._split(node.start, node.end):
                    self._emit(s, e, node)
            return
        start, end = node.start, kids[0].start
        for kid in kids:
            packable = kid.kind not in _ATOMIC + _SOLO and self._fits(kid)
            if packable and kid.end - start <= self.max:
                end = kid.end
                continue
            self._flush(start, end, node)
            if packable:
                start, end = kid.start, kid.end
            else:
                self._visit(kid)
                start = end = kid.end
        self._flush(start, end, node)

    def _flush(self, start: int, end: int, parent: Clause) -> None:
        start, end = self._trim(start, end)
        if end <= start:
            return
        if start == parent.start and end <= parent.heading_end and self.children[parent.id]:
            return  # only the heading: it is in every child's breadcrumb
        if end - start > self.max:
            for s, e in self._split(start, end):
                self._emit(s, e, parent)
        else:
            self._emit(start, end, parent)

    def _emit(self, start: int, end: int, clause: Clause | None) -> None:
        start, end = self._trim(start, end)
        if end > start:
            self.pieces.append((start, end, clause))

    def _trim(self, start: int, end: int) -> tuple[int, int]:
        while start < end and self.text[start].isspace():
            start += 1
        while end > start and self.text[end - 1].isspace():
            end -= 1
        return start, end

    def _split(self, start: int, end: int) -> list[tuple[int, int]]:
        """Split a span at sentence ends (then at spaces) into pieces of at most max_chars."""
        cuts = [m.end() for m in _SENTENCE_END.finditer(self.text, start, end)]
        pieces, piece_start, last = [], start, start
        for cut in cuts + [end]:
            if cut - piece_start > self.max and last > piece_start:
                pieces.append((piece_start, last))
                piece_start = last
            while cut - piece_start > self.max:  # one sentence longer than max: cut at a space
                space = self.text.rfind(" ", piece_start + 1, piece_start + self.max)
                split_at = space if space > piece_start else piece_start + self.max
                pieces.append((piece_start, split_at))
                piece_start = split_at
            last = cut
        if end > piece_start:
            pieces.append((piece_start, end))
        return [p for p in (self._trim(s, e) for s, e in pieces) if p[1] > p[0]]

    def _deepest(self, start: int, end: int, within: Clause | None) -> Clause | None:
        node = within
        while node is not None:
            inner = next((k for k in self.children[node.id] if k.start <= start and end <= k.end), None)
            if inner is None:
                return node
            node = inner
        return None

    def _chunk(self, seq: int, start: int, end: int, owner: Clause | None) -> Chunk:
        clause = self._deepest(start, end, owner)
        overlapped = tuple(
            c.id for c in self.by_id.values() if c.start < end and start < c.end
        )
        crumbs = [self.title]
        ancestors = []
        node = clause
        while node is not None:
            ancestors.append(node)
            node = self.by_id.get(node.parent) if node.parent else None
        headings = []
        for anc in reversed(ancestors):
            if anc.kind in _BREADCRUMB_KINDS:
                crumbs.append(_crumb(anc))
                if anc.title:
                    headings.append(anc.title)
        atomic = clause is not None and clause.kind in _ATOMIC
        task = self.tasks.get(clause.id) if atomic else None
        # 002's rows are bare tab-separated cells; 004's task blocks already name their fields.
        fields_text = _fields_text(task) if task and clause.kind == "table_row" else ""
        return Chunk(
            doc_id=self.doc_id,
            seq=seq,
            clause_id=clause.id if clause else "",
            clause_label=clause.label if clause else "Đoạn không đánh số",
            breadcrumb=tuple(crumbs),
            kind=clause.kind if atomic else "text",
            start=start,
            end=end,
            text=self.text[start:end],
            clause_ids=overlapped,
            fields_text=fields_text,
            headings=tuple(headings),
        )


def _crumb(clause: Clause) -> str:
    title = clause.title if len(clause.title) <= 100 else clause.title[:99].rstrip() + "…"
    if not title or title.casefold() in clause.label.casefold():
        return clause.label
    return f"{clause.label}. {title}"


def _fields_text(task: TaskRecord) -> str:
    """A table row as labelled lines: the bare cells carry no column names."""
    lines = []
    for attr, name in _CELL_NAMES:
        span = getattr(task, attr)
        if span is not None and span.text.strip():
            lines.append(f"{name}: {' '.join(span.text.split())}")
    return "\n".join(lines)
