"""Task records of 004-style task blocks.

A task is a "- " entry followed by "+ Field: value" entries, the fields being "Kết quả thực hiện",
"Cơ quan chủ trì" (also written "Cơ quan chủ trì tổ chức triển khai"), "Cơ quan phối hợp" and
"Thời hạn hoàn thành". A field the block leaves out is None; one written with nothing after the colon
is an empty span at the end of its line.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ingest import _guidance_markers as mk
from ingest.model import Span, TaskRecord

if TYPE_CHECKING:
    from ingest._guidance_outline import Node

_FIELDS = (
    ("result", "Kết quả thực hiện", re.compile(r"Kết quả thực hiện\s*:")),
    ("lead", "Cơ quan chủ trì", re.compile(r"Cơ quan chủ trì(?:\s*\(?\s*tổ chức triển khai\s*\)?)?\s*:")),
    ("coordinating", "Cơ quan phối hợp", re.compile(r"Cơ quan phối hợp\s*:")),
    ("deadline", "Thời hạn hoàn thành", re.compile(r"Thời hạn hoàn thành\s*:")),
)


def field_name(entry: Node) -> str | None:
    """Display name of the task field a "+" entry holds, or None for an ordinary entry."""
    found = _field(entry)
    return found[1] if found else None


def task_records(doc_id: str, tasks: list[Node]) -> tuple[TaskRecord, ...]:
    """One record per task node; ``tasks`` are in document order and already named."""
    records = []
    for task in tasks:
        area = task.parent
        values: dict[str, Span] = {}
        for entry in task.children:
            found = _field(entry)
            if found and found[0] not in values:
                values[found[0]] = _span(entry, found[2], len(entry.line))
        records.append(
            TaskRecord(
                doc_id=doc_id,
                clause_id=task.id,
                label=task.label,
                area=mk.clean(area.line),
                area_number=area.number,
                task=_span(task, task.marker.body, len(task.line)),
                result=values.get("result"),
                lead=values.get("lead"),
                coordinating=values.get("coordinating"),
                deadline=values.get("deadline"),
                note=None,
                start=task.start,
                end=task.end,
            )
        )
    return tuple(records)


def _field(entry: Node) -> tuple[str, str, int] | None:
    """(attribute, display name, offset of the value in the line) of a "+ Field: value" entry."""
    if entry.number != "+":
        return None
    body = entry.marker.body
    for attr, name, pattern in _FIELDS:
        if m := pattern.match(entry.line, body):
            value = m.end() + len(entry.line[m.end() :]) - len(entry.line[m.end() :].lstrip())
            return attr, name, value
    return None


def _span(node: Node, a: int, b: int) -> Span:
    return Span(node.line[a:b], node.start + a, node.start + b)
