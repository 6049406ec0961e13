"""Edits made in the web app reach the drafting models, and so every export, on real drafts of the corpus."""

from __future__ import annotations

import pytest

from assistant.drafting.draft import draft_section
from assistant.drafting.export import to_csv, to_markdown
from assistant.drafting.knowledge import KnowledgeBase
from assistant.drafting.models import SectionDraft, TaskTable
from assistant.drafting.tasks import draft_tasks
from ui._edits import apply_table_edits, apply_text_edits, section_text, table_grid

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def table(kb: KnowledgeBase) -> TaskTable:
    return draft_tasks(kb, level="xa", period="2025")


@pytest.fixture(scope="module")
def section(kb: KnowledgeBase) -> SectionDraft:
    return draft_section(kb, "can-cu", level="tinh", period="2026-2030")


def test_an_unedited_grid_gives_back_the_same_table(table: TaskTable):
    assert apply_table_edits(table, table_grid(table)) == table


def test_an_edited_cell_changes_that_field_only_and_keeps_the_row_sources(table: TaskTable):
    grid = table_grid(table)
    row = next(i for i, r in enumerate(table.rows) if r.lead_reference)
    grid[row][2] = "Tổ chức 4 lớp tập huấn"
    grid[row][3] = "UBND xã Tân Lập"
    edited = apply_table_edits(table, grid).rows[row]
    original = table.rows[row]
    assert (edited.result, edited.lead, edited.lead_reference) == ("Tổ chức 4 lớp tập huấn", "UBND xã Tân Lập", None)
    assert edited.model_copy(update={"result": original.result, "lead": original.lead,
                                     "lead_reference": original.lead_reference}) == original
    assert "Tổ chức 4 lớp tập huấn" in to_csv(apply_table_edits(table, grid))


def test_added_rows_join_the_area_above_deleted_rows_go_and_rows_are_renumbered(table: TaskTable):
    grid = table_grid(table)
    del grid[1]
    grid.insert(3, ["", "Số hóa hồ sơ địa chính của xã", "", "UBND xã", "", "2025", ""])
    grid.append([""] * len(table.columns))  # an empty row is ignored
    rows = apply_table_edits(table, grid).rows
    assert len(rows) == len(table.rows)
    assert [r.stt for r in rows] == list(range(1, len(rows) + 1))
    assert table.rows[1].task not in [r.task for r in rows]
    new = rows[3]
    assert (new.task, new.area, new.sources) == ("Số hóa hồ sơ địa chính của xã", rows[2].area, [])


def test_the_section_text_round_trips_to_the_same_draft(section: SectionDraft):
    assert apply_text_edits(section, section_text(section)) == section


def test_an_edited_block_keeps_its_sources_and_a_new_block_has_none(section: SectionDraft):
    blocks = section_text(section).split("\n\n")
    heading = next(i for i, item in enumerate(section.items) if item.kind == "heading" and item.number)
    bullet = next(i for i, item in enumerate(section.items) if item.bullet)
    blocks[heading] = blocks[heading].replace(section.items[heading].text, "CĂN CỨ XÂY DỰNG KẾ HOẠCH")
    blocks[bullet] = "- Luật Chuyển đổi số năm 2025; [3]"
    blocks.insert(bullet + 1, "Quyết định của UBND tỉnh về chuyển đổi số.")
    edited = apply_text_edits(section, "\n\n".join(blocks))
    assert len(edited.items) == len(section.items) + 1
    assert edited.items[heading].text == "CĂN CỨ XÂY DỰNG KẾ HOẠCH"
    assert edited.items[heading].sources == section.items[heading].sources
    assert edited.items[bullet].text == "Luật Chuyển đổi số năm 2025;"
    assert edited.items[bullet].sources == section.items[bullet].sources
    added = edited.items[bullet + 1]
    assert (added.kind, added.text, added.sources) == ("text", "Quyết định của UBND tỉnh về chuyển đổi số.", [])
    markdown = to_markdown(edited)
    assert f"{section.items[heading].number}. CĂN CỨ XÂY DỰNG KẾ HOẠCH" in markdown
    assert f"{section.items[heading].number}. {section.items[heading].number}." not in markdown


def test_a_deleted_block_leaves_the_draft(section: SectionDraft):
    blocks = section_text(section).split("\n\n")
    bullet = next(i for i, item in enumerate(section.items) if item.bullet)
    del blocks[bullet]
    edited = apply_text_edits(section, "\n\n".join(blocks))
    assert edited.items == section.items[:bullet] + section.items[bullet + 1:]
