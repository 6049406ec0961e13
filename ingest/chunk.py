"""Structure-aware chunking: clause subtrees packed into chunks of at most ``max_chars``.

Rules, in order:
* no chunk's text is longer than ``max_chars``: whatever does not fit is split at sentence ends,
  then at spaces, then at the limit itself;
* every non-space character of the document lies in at least one chunk (``coverage`` checks it);
* a chunk never crosses a top-level clause (a Mục, a Chương, an area of a task table);
* a table row or task block that fits is one whole chunk, packed with no sibling (a clause holding
  rows is never one chunk whole); a longer one is split into pieces that all keep the row's clause
  and kind;
* a numbered section or an article (Điều) never shares a chunk with a sibling section/article;
* a clause that fits is one chunk with all its descendants; a clause that does not fit contributes
  its own heading/intro text packed with as many consecutive children as fit, and children that
  do not fit are chunked the same way;
* text no clause packing reached (a heading whose children are chunked separately, a task table's
  header row, text between clauses) joins the chunk after it (a row included: the heading over
  it), or the one before it (not a row), when that stays inside the text's clause and within the
  limit; otherwise it is a chunk of its own.

Cost is linear in the document's size (clause look-ups bisect; nothing scans every clause per
chunk), and the depth the chunker walks is the clause tree's, which the parsers bound.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import defaultdict

from ingest.model import Chunk, Clause, ParsedDocument, TaskRecord
from ingest.tables import is_row_line

_ATOMIC = ("table_row", "task")
# Never packed with a sibling: a law is retrieved and cited by article, a plan by its numbered sections.
_SOLO = ("article", "section", "chapter", "legal_section", "area")
_BREADCRUMB_KINDS = ("section", "chapter", "legal_section", "article", "area", "clause")
_MAX_DEPTH = 40  # the parsers bound outlines far below this; a guard, not a rule
_BREADCRUMB_CHARS = 400
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


def coverage(text: str, chunks: list[Chunk]) -> float:
    """Share of ``text``'s non-space characters that lie inside at least one chunk (1.0: nothing lost)."""
    total = _non_space(text)
    inside = cursor = 0
    for start, end in sorted((c.start, c.end) for c in chunks):
        start = max(start, cursor)
        if end > start:
            inside += _non_space(text[start:end])
            cursor = end
    return inside / total if total else 1.0


def _non_space(text: str) -> int:
    return sum(map(len, text.split()))


class _Builder:
    def __init__(self, doc_id: str, title: str, text: str, parsed: ParsedDocument, max_chars: int):
        self.doc_id, self.title, self.text, self.max = doc_id, title, text, max_chars
        self.clauses = parsed.clauses
        self.by_id = parsed.by_id()
        self.order = {c.id: i for i, c in enumerate(parsed.clauses)}
        self.starts = [c.start for c in parsed.clauses]  # document order: non-decreasing
        self.children: dict[str | None, list[Clause]] = defaultdict(list)
        for clause in parsed.clauses:
            self.children[clause.parent].append(clause)
        self.child_starts = {key: [c.start for c in kids] for key, kids in self.children.items()}
        self.tasks: dict[str, TaskRecord] = {t.clause_id: t for t in parsed.tasks}
        self.pieces: list[list] = []  # [start, end, owner clause or None]
        # Clauses holding a table row or task block: never one chunk whole, so each row is found alone.
        self.holds_rows: set[str] = set()
        for clause in parsed.clauses:
            if clause.kind in _ATOMIC:
                parent = clause.parent
                while parent is not None and parent not in self.holds_rows:
                    self.holds_rows.add(parent)
                    parent = self.by_id[parent].parent if parent in self.by_id else None

    def build(self) -> list[Chunk]:
        for top in self.children[None]:
            if top.kind != "table_header":  # no content of its own: every row chunk names its columns
                self._visit(top, 0)
        pieces = self._cover(sorted(self.pieces, key=lambda p: (p[0], p[1])))
        return [self._chunk(seq, start, end, owner) for seq, (start, end, owner) in enumerate(pieces)]

    def _fits(self, clause: Clause) -> bool:
        return clause.end - clause.start <= self.max and clause.id not in self.holds_rows

    def _visit(self, node: Clause, depth: int) -> None:
        kids = self.children[node.id]
        if node.kind in _ATOMIC or self._fits(node) or not kids or depth >= _MAX_DEPTH:
            self._emit(node.start, node.end, node)
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
                self._visit(kid, depth + 1)
                start = end = kid.end
        self._flush(start, end, node)

    def _flush(self, start: int, end: int, parent: Clause) -> None:
        start, end = self._trim(start, end)
        if start == parent.start and end <= parent.heading_end and self.children[parent.id]:
            return  # only the heading: _cover joins it to the chunk of its first child
        self._emit(start, end, parent)

    def _emit(self, start: int, end: int, owner: Clause | None) -> None:
        for s, e in self._split(start, end):
            self.pieces.append([s, e, owner])

    def _cover(self, pieces: list[list]) -> list[list]:
        """Give every non-space character no piece holds to a neighbouring piece, or a piece of its own."""
        out: list[list] = []
        cursor = 0
        for piece in [*pieces, None]:
            gaps = self._gaps(cursor, piece[0] if piece else len(self.text))
            for k, (a, b) in enumerate(gaps):
                home = self._deepest(a, b)
                if piece and k == len(gaps) - 1 and self._joins(piece, a, b, home, forward=True):
                    piece[0] = a  # a heading joins its first child's chunk
                elif out and k == 0 and self._joins(out[-1], a, b, home, forward=False):
                    out[-1][1] = b  # trailing text joins the chunk before it
                else:
                    out.append([a, b, None])
            if piece:
                out.append(piece)
                cursor = max(cursor, piece[1])
        return out

    def _gaps(self, start: int, end: int) -> list[tuple[int, int]]:
        """Uncovered text [start, end) in pieces within the limit, cut where a clause begins, so that each
        lies in one clause (a section's trailing paragraph and the next section's heading are apart)."""
        cuts = [start, *self.starts[bisect_right(self.starts, start) : bisect_left(self.starts, end)], end]
        return [piece for a, b in zip(cuts, cuts[1:]) for piece in self._split(a, b)]

    def _joins(self, piece: list, a: int, b: int, home: Clause | None, forward: bool) -> bool:
        """Whether gap text [a, b) may join ``piece``: inside the same clause and within the limit.
        A row takes text only from before it (the heading over it), never trailing text."""
        start, end, owner = piece
        return (home is not None and home.start <= start and end <= home.end
                and (forward or owner is None or owner.kind not in _ATOMIC)
                and max(end, b) - min(start, a) <= self.max)

    def _trim(self, start: int, end: int) -> tuple[int, int]:
        while start < end and self.text[start].isspace():
            start += 1
        while end > start and self.text[end - 1].isspace():
            end -= 1
        return start, end

    def _split(self, start: int, end: int) -> list[tuple[int, int]]:
        """Split a span at sentence ends (then at spaces, then anywhere) into pieces of at most max_chars."""
        start, end = self._trim(start, end)
        if end - start <= self.max:
            return [(start, end)] if end > start else []
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

    def _containing(self, parent: str | None, start: int, end: int) -> Clause | None:
        """The child of ``parent`` that holds [start, end), if one does (siblings never overlap)."""
        kids = self.children.get(parent)
        if not kids:
            return None
        i = bisect_right(self.child_starts[parent], start) - 1
        return kids[i] if i >= 0 and end <= kids[i].end else None

    def _deepest(self, start: int, end: int) -> Clause | None:
        node = None
        while (inner := self._containing(node.id if node else None, start, end)) is not None:
            node = inner
        return node

    def _overlapped(self, start: int, end: int) -> tuple[str, ...]:
        """Ids of every clause overlapping [start, end), in document order: the clauses holding
        ``start`` plus those that begin inside the span."""
        found = set(range(bisect_left(self.starts, start), bisect_left(self.starts, end)))
        node = self._deepest(start, start + 1)
        while node is not None:
            found.add(self.order[node.id])
            node = self.by_id.get(node.parent) if node.parent else None
        return tuple(self.clauses[i].id for i in sorted(found) if self.clauses[i].end > start)

    def _chunk(self, seq: int, start: int, end: int, owner: Clause | None) -> Chunk:
        atomic = owner is not None and owner.kind in _ATOMIC
        clause = owner if atomic else self._deepest(start, end)
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
        task = self.tasks.get(clause.id) if atomic else None
        # 002's rows are bare tab-separated cells; 004's task blocks and the loader's table rows ("Dòng 3 —
        # Cột: giá trị; …") already name their fields. A row split into pieces embeds each piece's own text.
        bare = task and clause.kind == "table_row" and not is_row_line(self.text[clause.start:clause.end])
        fields_text = _fields_text(task) if bare else ""
        row_start, row_end = self._trim(clause.start, clause.end) if clause else (start, end)
        if fields_text and (len(fields_text) > self.max or not start <= row_start < row_end <= end):
            fields_text = ""
        return Chunk(
            doc_id=self.doc_id,
            seq=seq,
            clause_id=clause.id if clause else "",
            clause_label=clause.label if clause else "Đoạn không đánh số",
            breadcrumb=_bounded(crumbs),
            kind=clause.kind if atomic else "text",
            start=start,
            end=end,
            text=self.text[start:end],
            clause_ids=self._overlapped(start, end),
            fields_text=fields_text,
            headings=tuple(headings),
        )


def _bounded(crumbs: list[str]) -> tuple[str, ...]:
    """The breadcrumb, its outer sections elided when a deep outline makes it longer than _BREADCRUMB_CHARS."""
    kept, elided = list(crumbs), False
    while len(kept) > 2 and len(" › ".join(kept)) + 4 * elided > _BREADCRUMB_CHARS:
        del kept[1]
        elided = True
    return (kept[0], "…", *kept[1:]) if elided else tuple(kept)


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
