"""Officials edit a draft in the browser; these functions carry their edits back into the drafting
models, so that every download goes through ``assistant.drafting.export`` from the edited content.

A task table is edited as a grid (the exported cells); a section as text, one block per item,
blocks separated by a blank line. An edited row or block keeps its sources (the quote stays what the
source says; the cell or block is what the official wrote); a new one has none; a deleted one goes.

>>> table = apply_table_edits(table, grid)           # doctest: +SKIP
>>> draft = apply_text_edits(draft, text)            # doctest: +SKIP
"""

from __future__ import annotations

import difflib
import re

from assistant.drafting.export import row_cells
from assistant.drafting.models import DraftItem, SectionDraft, TaskRow, TaskTable
from assistant.drafting.tasks import FUNDING_COLUMN

_BLOCK_BREAK = re.compile(r"\n[ \t]*\n")
_MARKS = re.compile(r"(?:\s*\[\d+\])+\s*$")
_PREFIX = re.compile(r"^(?:#{1,6}\s+|>\s*|\s*-\s+)")


def table_grid(table: TaskTable) -> list[list[str]]:
    """The rows of ``table`` as the cells the exports write (``row_cells``), for an editable grid."""
    return [row_cells(row, table) for row in table.rows]


def apply_table_edits(table: TaskTable, grid: list[list[object]]) -> TaskTable:
    """``table`` with the grid's rows, numbered 1, 2, … in grid order: a row whose STT names an
    original row updates that row's changed cells; any other non-empty row is a new row in the area of
    the row above it; an original row missing from the grid is dropped.

    :param grid: rows of cells in ``table.columns`` order, as the grid returns them.
    """
    originals = {str(row.stt): row for row in table.rows}
    funding = FUNDING_COLUMN in table.columns
    rows: list[TaskRow] = []
    for cells in grid:
        cells = ["" if cell is None else str(cell) for cell in cells][: len(table.columns)]
        cells += [""] * (len(table.columns) - len(cells))
        if not any(cell.strip() for cell in cells):
            continue
        base = originals.pop(cells[0].strip(), None)
        if base is None:
            base = _new_row(rows[-1] if rows else table.rows[0] if table.rows else None)
            before = [""] * len(cells)
        else:
            before = row_cells(base, table)
        rows.append(_edited(base, cells, before, funding))
    return table.model_copy(update={"rows": [row.model_copy(update={"stt": i}) for i, row in enumerate(rows, 1)]})


def _edited(row: TaskRow, cells: list[str], before: list[str], funding: bool) -> TaskRow:
    changed = {i for i, (new, old) in enumerate(zip(cells, before)) if new != old}
    update: dict[str, object] = {}
    fields = {1: "task", 2: "result", 3: "lead", 4: "coordinating", 5: "deadline", len(cells) - 1: "source_text"}
    if funding:
        fields[6] = "funding"
    for i, name in fields.items():
        if i in changed:
            update[name] = cells[i]
    if 3 in changed:
        update["lead_reference"] = None  # the cell showed it: the edited cell replaces both
    if 5 in changed:
        update["deadline_source"] = None
    return row.model_copy(update=update)


def _new_row(like: TaskRow | None) -> TaskRow:
    return TaskRow(stt=0, area=like.area if like else "", area_label=like.area_label if like else "",
                   task="", result="", lead="", lead_reference=None, role="chủ trì", coordinating="", deadline="",
                   deadline_source=None, deadline_normalised=None, source_text="", sources=[], records=[])


def section_text(draft: SectionDraft) -> str:
    """The items of a section draft as editable text: headings "## …", guidance "> …", bullets "- …",
    each followed by its source markers [n]; one block per item."""
    return "\n\n".join(_block(item) for item in draft.items) + "\n"


def apply_text_edits(draft: SectionDraft, text: str) -> SectionDraft:
    """``draft`` with the items of the edited text, matched to the original items block by block."""
    old = [_block(item) for item in draft.items]
    new = [block.strip("\n") for block in _BLOCK_BREAK.split(text.strip("\n")) if block.strip()]
    items: list[DraftItem] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            items += draft.items[a0:a1]
        elif op in ("replace", "insert"):
            bases = draft.items[a0:a1]
            for j, block in enumerate(new[b0:b1]):
                body = _MARKS.sub("", _PREFIX.sub("", block.strip())).strip()
                if j < len(bases):
                    base = bases[j]
                    if base.kind == "heading" and base.number:
                        body = body.removeprefix(f"{base.number}. ")
                    items.append(base.model_copy(update={"text": body}))
                else:
                    items.append(DraftItem(kind="text", text=body))
    return draft.model_copy(update={"items": items})


def _block(item: DraftItem) -> str:
    marks = "".join(f"[{c.n}]" for c in item.sources)
    body = f"{item.text} {marks}".rstrip()
    if item.kind == "heading":
        number = f"{item.number}. " if item.number else ""
        return f"{'#' * min(6, item.depth + 2)} {number}{body}"
    if item.kind == "guidance":
        return f"> {body}"
    if item.bullet:
        return f"{'  ' * item.depth}- {body}"
    return body
