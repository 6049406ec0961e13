"""Clause tree and task records of a task table laid out as tab-prefixed cells (002).

Normalised, such a table is one line per cell starting with "\\t"; a cell's further paragraphs follow
on lines without the tab. The header row's cells name the columns (STT, Tên nhiệm vụ, Cơ quan chủ trì,
Cơ quan phối hợp, Thời hạn hoàn thành, Lưu ý) and give the row width: every following run of that many
cells is one row (the loader keeps every row at the table's width; a short run at the end is a
truncated row).

A row whose STT cell is a Roman numeral ("I.") opens an area: an ``area`` clause "Lĩnh vực I (Về hoàn
thiện thể chế)" titled by its second cell. Every other row with a task becomes a ``table_row`` clause
"Lĩnh vực I, nhiệm vụ 3" under its area and a task record (empty cells are empty spans). Rows whose
task cell has no letters ("…", "….": the source's "and so on") and wholly empty rows are not tasks:
they get no clause and stay inside their area's span.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest import _guidance_markers as mk
from ingest.model import Clause, ParsedDocument, Span, TaskRecord
from ingest.tables import OTHER_COLUMNS, TASK_COLUMNS, task_columns

_AREA = re.compile(r"([IVXLC]+)\s*\.?")


@dataclass(frozen=True)
class _Cell:
    start: int  # the tab
    end: int  # end of its last line
    content: Span  # after the tab

    @property
    def text(self) -> str:
        return self.content.text


def looks_tabular(text: str) -> bool:
    """Whether most lines of a normalised document are table cells under a header row naming columns
    (tab-indented text without one is parsed as an outline)."""
    lines = text.split("\n")
    return sum(line.startswith("\t") for line in lines) * 2 > len(lines) and _header_width(_cells(text)) > 0


def parse_table(text: str, doc_id: str) -> ParsedDocument:
    """Parse a task table: a header clause, area clauses, row clauses and a record per task row."""
    cells = _cells(text)
    width = _header_width(cells)
    if width == 0:
        raise ValueError(f"{doc_id}: the task table has no header row (STT, Tên nhiệm vụ, …) before its rows")
    header, rows = cells[:width], [cells[i : i + width] for i in range(width, len(cells), width)]
    columns = _columns(header)
    groups = [_Area(None, [])]
    for row in rows:
        if _AREA.fullmatch(row[columns["number"]].text):
            groups.append(_Area(row, []))
        else:
            groups[-1].rows.append(row)
    title = " | ".join(c.text for c in header)
    end = header[-1].end
    clauses = [Clause("header", "table_header", "", title, "Dòng tiêu đề bảng", header[0].start, end, end, None, 0)]
    tasks: list[TaskRecord] = []
    for group in groups:
        area = group.clause(columns)
        if area:
            clauses.append(area)
        count = 0
        for row in group.rows:
            if len(row) <= columns["task"] or not any(c.isalpha() for c in row[columns["task"]].text):
                continue  # "…" rows, empty rows and a truncated last row: no task
            count += 1
            clause, record = _row(doc_id, row, columns, area, count)
            clauses.append(clause)
            tasks.append(record)
    return ParsedDocument(clauses=tuple(clauses), tasks=tuple(tasks))


@dataclass
class _Area:
    """An area row (None for rows before the first area) and the rows under it."""

    head: list[_Cell] | None
    rows: list[list[_Cell]]

    def clause(self, columns: dict[str, int]) -> Clause | None:
        if self.head is None:
            return None
        number = _AREA.fullmatch(self.head[columns["number"]].text).group(1)
        title = mk.clean(self.head[columns["task"]].text)
        label = f"Lĩnh vực {number} ({title.capitalize()})" if title else f"Lĩnh vực {number}"
        heading_end = self.head[-1].end
        end = max([heading_end] + [row[-1].end for row in self.rows if any(c.text for c in row)])
        return Clause(number, "area", number, title, label, self.head[0].start, end, heading_end, None, 0)


def _cells(text: str) -> list[_Cell]:
    cells: list[_Cell] = []
    for m in re.finditer(r"[^\n]+", text):
        line = m.group()
        if line.startswith("\t"):
            cells.append(_Cell(m.start(), m.end(), Span(line[1:], m.start() + 1, m.end())))
        elif cells:  # a further paragraph of the cell above
            last = cells[-1]
            content = Span(text[last.content.start : m.end()], last.content.start, m.end())
            cells[-1] = _Cell(last.start, m.end(), content)
    return cells


def _header_width(cells: list[_Cell]) -> int:
    """Number of header cells: those before the first area row, else the leading cells naming columns."""
    first_area = next((i for i, cell in enumerate(cells) if _AREA.fullmatch(cell.text)), None)
    if first_area is not None:
        return first_area
    names = [word for _, words in TASK_COLUMNS for word in words] + list(OTHER_COLUMNS)
    return next((i for i, cell in enumerate(cells) if not any(w in cell.text.casefold() for w in names)), len(cells))


def _columns(header: list[_Cell]) -> dict[str, int]:
    """Column index of each record field named in the header; STT and the task default to 0 and 1."""
    columns = task_columns([cell.text for cell in header])
    columns.setdefault("number", 0)
    columns.setdefault("task", min(1, len(header) - 1))
    return columns


def _row(
    doc_id: str, row: list[_Cell], columns: dict[str, int], area: Clause | None, count: int
) -> tuple[Clause, TaskRecord]:
    task = row[columns["task"]].content
    label = f"Lĩnh vực {area.number}, nhiệm vụ {count}" if area else f"Nhiệm vụ {count}"
    clause = Clause(
        id=f"{area.id}/{count}" if area else str(count),
        kind="table_row",
        number=str(count),
        title=mk.snippet(task.text),
        label=label,
        start=row[0].start,
        end=row[-1].end,
        heading_end=row[-1].end,
        parent=area.id if area else None,
        depth=1 if area else 0,
    )

    def span(attr: str) -> Span | None:
        if attr not in columns:
            return None  # the table has no such column
        index = columns[attr]
        return row[index].content if index < len(row) else Span("", row[-1].end, row[-1].end)

    record = TaskRecord(
        doc_id=doc_id,
        clause_id=clause.id,
        label=label,
        area=f"{area.number}. {area.title}" if area else "",
        area_number=area.number if area else "",
        task=task,
        result=span("result"),
        lead=span("lead"),
        coordinating=span("coordinating"),
        deadline=span("deadline"),
        note=span("note"),
        start=clause.start,
        end=clause.end,
    )
    return clause, record
