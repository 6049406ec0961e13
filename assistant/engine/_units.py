"""Answer units: the smallest pieces of a document an extractive answer quotes.

A document is cut along its clause tree into units with exact offsets into its normalised text:
the heading line of a clause that has children, then the sentences of each clause's own text
(what is left once its children are cut out), and every task-table row or task block whole (its
fields are rendered from the TaskRecord; a .docx/HTML table row has none, as its line names its
columns itself, and is cut like any text). Units tile the text in source order, so a run of
consecutive units is itself a verbatim span of the document.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from ingest.docstore import StoredDocument
from ingest.model import Clause, TaskRecord

_TASK_KINDS = ("table_row", "task")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=\S)")
_LEADING_MARKUP = re.compile(r"^(?:\s|#{1,6}(?=\s)|\\\*|\*\*|\*(?=\s)|[-+•](?=\s))+")
_TRAILING_MARKUP = re.compile(r"(?:\s|\*\*)+$")
_HAS_WORD = re.compile(r"\w")
_NUMBERING = re.compile(r"[\W_]*(?:\d+(?:\.\d+)*|[IVXLC]+|[a-zđ])\.$")
_MAX_HEADING = 160


@dataclass(frozen=True)
class Unit:
    """One quotable piece: ``text == document.text[start:end]``."""

    doc_id: str
    seq: int  # position among the document's units (consecutive seq = adjacent in the text)
    clause_id: str  # the clause whose own text holds the unit (the task clause for a task)
    top_id: str  # the top-level clause above it: runs never cross one
    kind: str  # "heading", "text" or "task"
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class DocUnits:
    """A document's units and the structure lookups composition needs."""

    doc: StoredDocument
    units: tuple[Unit, ...]
    clauses: dict[str, Clause]
    children: dict[str | None, tuple[Clause, ...]]
    tasks: dict[str, TaskRecord]  # clause id -> record
    by_clause: dict[str, tuple[Unit, ...]]  # clause id -> its own units (not its descendants')

    def overlapping(self, start: int, end: int) -> list[Unit]:
        """Units whose middle lies inside ``[start, end)`` (a chunk cut mid-sentence keeps the sentence)."""
        return [u for u in self.units if start <= (u.start + u.end) // 2 < end]

    def subtree(self, clause_id: str) -> list[Unit]:
        """Every unit of a clause and its descendants, in source order."""
        clause = self.clauses[clause_id]
        return [u for u in self.units if clause.start <= u.start and u.end <= clause.end]

    def ancestors(self, clause_id: str) -> list[Clause]:
        """The clause and its ancestors, deepest first."""
        chain, node = [], self.clauses.get(clause_id)
        while node is not None:
            chain.append(node)
            node = self.clauses.get(node.parent) if node.parent else None
        return chain

    def deepest(self, start: int, end: int) -> Clause | None:
        """The deepest clause containing ``[start, end)``."""
        best = None
        for clause in self.children.get(None, ()):
            node = clause if clause.start <= start and end <= clause.end else None
            while node is not None:
                best = node
                node = next((k for k in self.children.get(node.id, ())
                             if k.start <= start and end <= k.end), None)
            if best is not None:
                return best
        return None


def document_units(doc: StoredDocument) -> DocUnits:
    """Cut ``doc`` into units (pure: text and clause tree in, units out)."""
    text = doc.text
    clauses = doc.parsed.by_id()
    children: dict[str | None, list[Clause]] = defaultdict(list)
    for clause in doc.parsed.clauses:
        children[clause.parent if clause.parent in clauses else None].append(clause)
    tasks = {t.clause_id: t for t in doc.parsed.tasks}
    top_of = {}
    for clause in doc.parsed.clauses:
        node = clause
        while node.parent in clauses:
            node = clauses[node.parent]
        top_of[clause.id] = node.id

    pieces: list[tuple[int, int, str, str]] = []  # start, end, kind, clause id

    def visit(clause: Clause) -> None:
        if clause.kind in _TASK_KINDS and clause.id in tasks:
            pieces.append((clause.start, clause.end, "task", clause.id))
            return
        kids = children.get(clause.id, [])
        cursor = clause.start
        if clause.start < clause.heading_end < (kids[0].start + 1 if kids else clause.end) \
                and clause.heading_end - clause.start <= _MAX_HEADING:
            pieces.append((clause.start, clause.heading_end, "heading", clause.id))
            cursor = clause.heading_end
        for kid in kids:
            pieces.extend(_sentences(text, cursor, kid.start, clause.id))
            visit(kid)
            cursor = max(cursor, kid.end)
        pieces.extend(_sentences(text, cursor, clause.end, clause.id))

    for clause in children.get(None, []):
        visit(clause)

    units = []
    for start, end, kind, clause_id in pieces:
        span = _trim(text, start, end)
        if span is None:
            continue
        units.append(Unit(doc.meta.id, len(units), clause_id, top_of[clause_id], kind, span[0], span[1],
                          text[span[0]:span[1]]))
    by_clause: dict[str, list[Unit]] = defaultdict(list)
    for unit in units:
        by_clause[unit.clause_id].append(unit)
    return DocUnits(doc, tuple(units), clauses, {k: tuple(v) for k, v in children.items()}, tasks,
                    {k: tuple(v) for k, v in by_clause.items()})


def _sentences(text: str, start: int, end: int, clause_id: str) -> list[tuple[int, int, str, str]]:
    out = []
    for line in re.finditer(r"[^\n]+", text[start:end]):
        line_start = start + line.start()
        cut = line_start
        for m in _SENTENCE_END.finditer(line.group()):
            following = line.group()[m.end()]
            if not (following.isupper() or following.isdigit() or following in "\"“(-+"):
                continue  # "v.v. và …": lower case after a full stop does not start a sentence
            if _NUMBERING.match(text, cut, line_start + m.start()):
                continue  # "1. Mục tiêu chung": a heading's number is not a sentence
            out.append((cut, line_start + m.start(), "text", clause_id))
            cut = line_start + m.end()
        out.append((cut, start + line.end(), "text", clause_id))
    return out


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    piece = text[start:end]
    lead = _LEADING_MARKUP.match(piece)
    trail = _TRAILING_MARKUP.search(piece)
    a = start + (lead.end() if lead else 0)
    b = start + (trail.start() if trail else len(piece))
    if b <= a or not _HAS_WORD.search(text, a, b):
        return None
    return a, b
