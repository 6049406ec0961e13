"""Tables read back as the loaders write them (see ``ingest.load``), and the columns of a task table.

A .docx/HTML table is a title line naming its columns, then one line per row with every cell bound
to its column::

    Bảng 1: TT | Nhiệm vụ, giải pháp | Cơ quan chủ trì | Cơ quan phối hợp | Thời gian thực hiện
    Dòng 2 — TT: 1.1; Nhiệm vụ, giải pháp: Nghiên cứu …; Cơ quan chủ trì: Bộ Tài chính; Thời gian thực hiện: 2026

A table whose columns name a task and the body that leads it is a task table, as an appendix of a
decision or a plan usually is: each of its rows with a task is a task record, the same as a row of
the tab-laid task table (002) or a task block (004), so that "do ai chủ trì" is answered by the
row's lead field wherever the table came from.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingest._guidance_markers import table_line
from ingest.model import Clause, Span, TaskRecord

# Record attribute, words that name its column in a header ("Cơ quan chủ trì", "Đơn vị chủ trì").
TASK_COLUMNS = (
    ("number", ("stt",)),
    ("task", ("tên nhiệm vụ", "nhiệm vụ")),
    ("result", ("kết quả", "sản phẩm")),
    ("lead", ("chủ trì",)),
    ("coordinating", ("phối hợp",)),
    ("deadline", ("thời hạn", "thời gian")),
    ("note", ("lưu ý", "ghi chú")),
)
OTHER_COLUMNS = ("kinh phí", "nguồn vốn", "căn cứ", "nguồn")  # columns of a plan's task list no record keeps
_NUMBERED = re.compile(r"([IVXLC]+|\d{1,2}(?:\.\d{1,2})*)\.?\s")


@dataclass(frozen=True)
class Cell:
    """One named cell of a row line: its column and its value's offsets in the line."""

    name: str
    start: int
    end: int


def task_columns(names: Sequence[str]) -> dict[str, int]:
    """The column index of each record field a header names (each column serves one field; "TT" is
    the row number as "STT" is)."""
    folded = [name.casefold() for name in names]
    columns: dict[str, int] = {}
    for attr, words in TASK_COLUMNS:
        for i, name in enumerate(folded):
            if i not in columns.values() and (any(word in name for word in words) or attr == "number" and name == "tt"):
                columns[attr] = i
                break
    return columns


def column_names(title_line: str) -> list[str]:
    """The column names of a table's title line ("Bảng 2: STT | Tên nhiệm vụ | …"); [] for another line."""
    marker = table_line(title_line)
    if marker is None or marker.scheme != "table":
        return []
    return [n.strip() for n in title_line[marker.body:].split(" | ") if n.strip()]


def is_row_line(line: str) -> bool:
    """Whether ``line`` is a row line as the loaders write it ("Dòng 3 — …")."""
    marker = table_line(line)
    return marker is not None and marker.scheme == "row"


def row_cells(line: str, names: Sequence[str]) -> list[Cell]:
    """The named cells of a row line ("Dòng 3 — Cột: giá trị; …"), in column order. A column the row
    leaves empty is absent; a cell merged over the row (a group heading) has no name and is left out."""
    body = _body(line)
    cuts: list[tuple[int, int, str]] = []  # (where the name starts, where its value starts, name)
    for name in names:
        at = line.find(f"{name}: ", cuts[-1][1] if cuts else body)
        if at >= 0 and (at == body or line[at - 2 : at] == "; "):
            cuts.append((at, at + len(name) + 2, name))
    cells = []
    for (_, start, name), following in zip(cuts, [*cuts[1:], None]):
        end = following[0] - 2 if following else len(line)
        value = line[start:end]
        start += len(value) - len(value.lstrip())
        end -= len(value) - len(value.rstrip())
        cells.append(Cell(name, start, max(start, end)))
    return cells


def row_tasks(text: str, clauses: Sequence[Clause], doc_id: str) -> tuple[TaskRecord, ...]:
    """A task record for each row with a task of the loader's task tables in ``clauses``: tables whose
    title line names a task column and a lead column ("chủ trì")."""
    records = []
    tables = {c.id: c for c in clauses if c.kind == "area"}
    columns_of: dict[str, tuple[list[str], dict[str, int]] | None] = {}
    for clause in clauses:
        table = tables.get(clause.parent) if clause.kind == "table_row" and clause.parent else None
        if table is None:
            continue
        if table.id not in columns_of:
            area = ("", "")  # (number, heading) of the rows' group
            names = column_names(text[table.start : table.heading_end])
            columns = task_columns(names)
            columns_of[table.id] = (names, columns) if {"task", "lead"} <= columns.keys() else None
        if columns_of[table.id] is None:
            continue
        names, columns = columns_of[table.id]
        line = text[clause.start : clause.end]
        cells = {cell.name: cell for cell in row_cells(line, names)}

        def span(attr: str) -> Span | None:
            if attr not in columns:
                return None  # the table has no such column
            cell = cells.get(names[columns[attr]])
            if cell is None:
                return Span("", clause.end, clause.end)
            return Span(line[cell.start : cell.end], clause.start + cell.start, clause.start + cell.end)

        task = span("task")
        if not any(ch.isalpha() for ch in task.text):
            group = _group(line, cells, names, columns)  # a group heading ("1.; Rà soát, hoàn thiện thể chế")
            area = group if group is not None else area
            continue
        records.append(TaskRecord(
            doc_id=doc_id, clause_id=clause.id, label=clause.label, area=area[1], area_number=area[0],
            task=task, result=span("result"), lead=span("lead"), coordinating=span("coordinating"),
            deadline=span("deadline"), note=span("note"), start=clause.start, end=clause.end,
        ))
    return tuple(records)


def _group(line: str, cells: dict[str, Cell], names: Sequence[str], columns: dict[str, int]) -> tuple[str, str] | None:
    """The (number, heading) a taskless row opens as a group of the rows below it: its unnamed text
    (a cell merged over the row) after its number; None for a row without such text (a total)."""
    parts = [p.strip() for p in line[_body(line):].split("; ")]
    heading = " ".join(p for p in parts if p and not any(p.startswith(f"{n}: ") for n in names))
    if not heading:
        return None
    number_cell = cells.get(names[columns["number"]]) if "number" in columns else None
    if number_cell is not None:  # "TT: 3.; Tăng cường …": the merged heading reads as part of the number's value
        number = line[number_cell.start : number_cell.end].split("; ")[0].rstrip(".")
        return number, f"{number}. {heading}"
    m = _NUMBERED.match(heading)  # "I. VỀ HOÀN THIỆN THỂ CHẾ" merged over the whole row
    return (m.group(1) if m else ""), heading


def _body(line: str) -> int:
    """Where a row line's cells start (after "Dòng 3 — "); 0 for a line that is no row line."""
    marker = table_line(line)
    return marker.body if marker is not None and marker.scheme == "row" else 0
