"""Reading a drafted plan for the coverage check: its headings, its lines, and the deadlines it writes
(in task blocks, in tables of a .docx, in Markdown tables and in "Thời hạn: …" lines).

The draft goes through the ingest loader, normaliser and structure parser, like a corpus document:
a plan uses the same numbering conventions as the guidance it follows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ingest.load import load_file
from ingest.model import ParsedDocument, Span
from ingest.normalise import normalise
from ingest.structure import parse_structure

_DEADLINE_LINE = re.compile(r"(?i)thời hạn(?: hoàn thành)?\s*:\s*(?P<value>[^\n;]+)")
_HEADING = re.compile(r"^\s*(?:#|(?:[IVXLC]+|\d+(?:\.\d+)*)[.)]\s)")
_MAX_CELL_LINES = 12  # further paragraphs of one table cell (002 has cells of five)
_ROW_CELL = re.compile(r"(?m)(?:^Dòng \d+ — |; )([^:;]+): ")  # a .docx/HTML table row as loaded: "Cột: giá trị; …"


@dataclass(frozen=True)
class DraftRow:
    """A row of a task table or a task block of the draft: its task text and its deadline as written."""

    task: Span
    deadline: Span


@dataclass(frozen=True)
class Draft:
    """A drafted plan as read: normalised text, clause tree, headings and task rows."""

    path: Path
    text: str
    source_text: str  # the text as loaded from the file
    to_source: tuple[int, ...]  # normalised offset -> offset in ``source_text``
    parsed: ParsedDocument
    rows: tuple[DraftRow, ...]
    deadline_lines: tuple[Span, ...]  # "Thời hạn: …" values outside task rows

    def headings(self) -> list[str]:
        """Titles of the draft's numbered and Markdown headings."""
        return [c.title for c in self.parsed.clauses if c.kind in ("section", "chapter") and c.title]

    def lines(self) -> list[tuple[int, int]]:
        """Spans of the non-empty lines of the text (table cells are lines)."""
        spans, pos = [], 0
        for line in self.text.split("\n"):
            if line.strip():
                spans.append((pos, pos + len(line)))
            pos += len(line) + 1
        return spans

    def line_number(self, offset: int) -> int:
        """1-based line of ``offset`` in the file as loaded (for .docx: its paragraphs and table cells)."""
        return self.source_text.count("\n", 0, self.to_source[offset]) + 1


def read_draft(path: Path, max_bytes: int) -> Draft:
    """Load, normalise and parse a draft (.docx, .md, .txt, …).

    A .docx or HTML table row is one "Dòng n — Cột: giá trị; …" line that the outline parser makes a
    table_row clause; tab-prefixed tables (002's layout) are read by the task-table parser one by one;
    the rest of the text, those tables blanked out, by the outline parser, for headings and task blocks.

    :raises LoadError: the file cannot be read (the message says why, in Vietnamese).
    """
    loaded = load_file(path, max_bytes)
    norm = normalise(loaded.text)
    text = norm.text
    blocks = _table_blocks(text)
    prose = list(text)
    for start, end in blocks:
        prose[start:end] = [c if c == "\n" else " " for c in text[start:end]]
    parsed = parse_structure("".join(prose), "draft")
    clauses = parsed.by_id()
    rows = [DraftRow(t.task, t.deadline) for t in parsed.tasks
            if t.deadline is not None and clauses[t.clause_id].kind == "task"]
    rows += [row for start, end in blocks for row in _table_rows(text, start, end)]
    rows += [row for c in parsed.clauses if c.kind == "table_row" and (row := _row_line(text, c.start, c.end))]
    rows += _markdown_tables(text)
    covered = [(r.deadline.start, r.deadline.end) for r in rows]
    loose = tuple(Span(m.group("value").strip(), m.start("value"), m.start("value") + len(m.group("value").strip()))
                  for m in _DEADLINE_LINE.finditer(text)
                  if not any(s <= m.start("value") < e for s, e in covered))
    return Draft(path, text, loaded.text, norm.to_source, parsed, tuple(rows), loose)


def _table_blocks(text: str) -> list[tuple[int, int]]:
    """Spans of tab-prefixed tables: runs of cell lines, with the few further-paragraph lines of a cell
    between them (a numbered heading between two cell lines ends the table)."""
    blocks: list[tuple[int, int]] = []
    start = end = None
    gap = 0
    pos = 0
    for line in text.split("\n"):
        line_start, pos = pos, pos + len(line) + 1
        if line.startswith("\t"):
            if start is None or gap > _MAX_CELL_LINES:
                if start is not None:
                    blocks.append((start, end))
                start = line_start
            end, gap = line_start + len(line), 0
        elif start is not None:
            gap = _MAX_CELL_LINES + 1 if _HEADING.match(line) else gap + 1
    if start is not None:
        blocks.append((start, end))
    return blocks


def _table_rows(text: str, start: int, end: int) -> list[DraftRow]:
    """Rows of one table with a "STT / Nhiệm vụ / … / Thời hạn" header, offsets into ``text``."""
    try:
        parsed = parse_structure(text[start:end], "draft")
    except ValueError:
        return []  # a table without a task-table header
    return [DraftRow(_shift(t.task, start), _shift(t.deadline, start)) for t in parsed.tasks if t.deadline is not None]


def _row_line(text: str, start: int, end: int) -> DraftRow | None:
    """Task and deadline of a .docx/HTML table row ("Dòng 2 — STT: 1; Nhiệm vụ: …; Thời hạn: …")."""
    marks = list(_ROW_CELL.finditer(text, start, end))
    cells: dict[str, Span] = {}
    for mark, after in zip(marks, [*marks[1:], None]):
        value_end = after.start() if after else end
        cells.setdefault(mark.group(1).casefold(), Span(text[mark.end():value_end], mark.end(), value_end))
    task = next((span for name, span in cells.items() if "nhiệm vụ" in name), None)
    deadline = next((span for name, span in cells.items() if "thời hạn" in name), None)
    return DraftRow(task, deadline) if task and deadline else None


def _markdown_tables(text: str) -> list[DraftRow]:
    """Rows of Markdown tables whose header names a "Nhiệm vụ" and a "Thời hạn" column."""
    rows: list[DraftRow] = []
    columns: dict[str, int] | None = None
    pos = 0
    for line in text.split("\n"):
        start, pos = pos, pos + len(line) + 1
        if not line.lstrip().startswith("|"):
            columns = None
            continue
        cells = _cells(line, start)
        names = [text[a:b].lower() for a, b in cells]
        if columns is None:
            task = next((i for i, n in enumerate(names) if "nhiệm vụ" in n), None)
            deadline = next((i for i, n in enumerate(names) if "thời hạn" in n), None)
            columns = {"task": task, "deadline": deadline} if task is not None and deadline is not None else {}
            continue
        if not columns or set("".join(names)) <= set("-: "):
            continue
        if max(columns.values()) < len(cells):
            (ta, tb), (da, db) = cells[columns["task"]], cells[columns["deadline"]]
            rows.append(DraftRow(Span(text[ta:tb], ta, tb), Span(text[da:db], da, db)))
    return rows


def _cells(line: str, offset: int) -> list[tuple[int, int]]:
    """Spans of a Markdown table row's cells (escaped pipes stay inside a cell)."""
    bounds = [m.start() for m in re.finditer(r"(?<!\\)\|", line)]
    cells = []
    for a, b in zip(bounds, bounds[1:]):
        a += 1
        while a < b and line[a] == " ":
            a += 1
        while b > a and line[b - 1] == " ":
            b -= 1
        cells.append((offset + a, offset + b))
    return cells


def _shift(span: Span, by: int) -> Span:
    return Span(span.text, span.start + by, span.end + by)
