"""The Soạn thảo tab: draft a task list or a plan section with sources, edit it, download it as DOCX,
CSV or Markdown; upload a drafted plan to check it against the guidance.

Drafting is ``assistant.drafting`` exactly as `cds draft` and `cds check` run it; the downloads are
``assistant.drafting.export`` applied to the edited draft (``ui._edits``), rewritten after every edit.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from assistant.core import Assistant
from assistant.drafting.check import check_draft
from assistant.drafting.cli import FINDING_TITLES
from assistant.drafting.draft import draft_section
from assistant.drafting.export import export, title_of
from assistant.drafting.knowledge import AREAS, KnowledgeBase, KnowledgeError
from assistant.drafting.models import SECTIONS, SectionDraft, TaskTable
from assistant.drafting.tasks import COLUMNS, draft_tasks
from ingest.errors import IngestError
from ui._edits import apply_table_edits, apply_text_edits, section_text, table_grid
from ui._render import citations_html, findings_html

LEVEL_CHOICES = [("Cấp xã", "xa"), ("Cấp tỉnh", "tinh"), ("Cấp bộ", "bo")]
PERIODS = ["2025", "2026-2030"]
_AUTO = ("Tự nhận biết từ tiêu đề bản kế hoạch", "")
_FORMATS = ("docx", "csv", "md")
_WIDTHS = {"STT": "4%", "Nhiệm vụ": "27%", "Kết quả dự kiến": "13%", "Cơ quan chủ trì": "13%",
           "Cơ quan phối hợp": "12%", "Thời hạn": "9%", "Kinh phí, nguồn vốn": "8%", "Căn cứ/Nguồn": "16%"}

Draft = SectionDraft | TaskTable


@dataclass(frozen=True)
class Drafted:
    """A draft as built, and the folder its downloads are written to (rewritten after every edit)."""

    doc: Draft
    folder: Path


def build_draft_tab(assistant: Assistant) -> None:
    """Lay out the tab inside the current ``gr.Tab`` and wire its events."""
    drafted = gr.State(None)  # a Drafted once a draft is made; edits apply to its doc
    gr.Markdown("Chọn loại bản nháp, cấp và giai đoạn rồi bấm **Soạn bản nháp**. Mỗi dòng, mỗi đoạn đều trích "
                "nguyên văn tài liệu hướng dẫn kèm nguồn; phần trong [ngoặc vuông] là phần người soạn tự điền. "
                "Có thể sửa trực tiếp bản nháp trước khi tải về.")
    with gr.Row():
        kind = gr.Radio([("Danh mục nhiệm vụ", "tasks"), ("Một phần của kế hoạch", "section")], value="tasks",
                        label="Soạn", elem_id="cds-draft-kind")
        section = gr.Dropdown([(title, key) for key, title in SECTIONS.items()], value="can-cu",
                              label="Phần kế hoạch", visible=False, elem_id="cds-draft-section")
    with gr.Row():
        level = gr.Radio(LEVEL_CHOICES, value="xa", label="Cấp", elem_id="cds-draft-level")
        period = gr.Radio(PERIODS, value="2025", label="Giai đoạn", elem_id="cds-draft-period")
        area = gr.Dropdown([("Mọi lĩnh vực", ""), *((title, key) for key, title in AREAS.items())], value="",
                           label="Lĩnh vực", elem_id="cds-draft-area")
        agency = gr.Textbox(label="Cơ quan chủ trì hoặc phối hợp (không bắt buộc)", placeholder="Ví dụ: Bộ Công an")
    go = gr.Button("Soạn bản nháp", variant="primary", elem_id="cds-draft-go")
    summary = gr.Markdown(elem_id="cds-draft-summary")
    with gr.Row():
        downloads = [gr.DownloadButton(f"Tải {label}", visible=False, elem_id=f"cds-download-{fmt}")
                     for fmt, label in zip(_FORMATS, ("DOCX", "CSV", "Markdown"))]
    text = gr.Textbox(label="Nội dung phần kế hoạch (sửa trực tiếp; các đoạn cách nhau một dòng trống)", lines=18,
                      max_lines=60, interactive=True, visible=False, elem_id="cds-draft-text")
    grid = gr.Dataframe(headers=COLUMNS, type="array", datatype="str", interactive=True, wrap=True, visible=False,
                        label="Bảng nhiệm vụ (bấm vào ô để sửa)", elem_id="cds-draft-table", max_height=560)
    sources = gr.HTML(elem_id="cds-draft-sources")

    with gr.Accordion("Kiểm tra một bản kế hoạch đã soạn", open=False, elem_id="cds-check-panel"):
        gr.Markdown("Tải lên bản kế hoạch (.docx, .md, .txt, .pdf, .html) để biết mục bắt buộc còn thiếu, nhiệm vụ "
                    "cấp trên chưa có, thời hạn muộn hơn kế hoạch cấp trên và căn cứ pháp lý sai số hiệu hoặc ngày.")
        with gr.Row():
            plan = gr.File(label="Bản kế hoạch", file_count="single", elem_id="cds-check-file")
            with gr.Column():
                check_level = gr.Dropdown([_AUTO, *LEVEL_CHOICES], value="", label="Cấp")
                check_period = gr.Dropdown([_AUTO, *((p, p) for p in PERIODS)], value="", label="Giai đoạn")
                check = gr.Button("Kiểm tra", variant="primary", elem_id="cds-check-go")
        findings = gr.HTML(elem_id="cds-check-result")

    def make(kind_: str, section_: str, level_: str, period_: str, area_: str, agency_: str):
        kb = KnowledgeBase.of(assistant.index)
        try:
            if kind_ == "tasks":
                doc: Draft = draft_tasks(kb, level_, period_, area_ or None, (agency_ or "").strip() or None)
            else:
                doc = draft_section(kb, section_, level_, period_, area_ or None)
        except (KnowledgeError, IngestError) as exc:
            raise gr.Error(str(exc), title="Không soạn được bản nháp") from exc
        table = doc if isinstance(doc, TaskTable) else doc.table
        framework = f" Khung áp dụng: {doc.framework}." if isinstance(doc, SectionDraft) else ""
        rows = f" {len(table.rows)} dòng nhiệm vụ," if table else ""
        note = f"**{title_of(doc)}**{framework}{rows} {len(doc.citations)} trích dẫn."
        notes = [n.text for n in table.notes] if table else []
        made = Drafted(doc, Path(tempfile.mkdtemp(prefix="cds-draft-")))
        return (made, note,
                gr.update(value=section_text(doc), visible=True) if isinstance(doc, SectionDraft)
                else gr.update(value="", visible=False),
                gr.update(value=table_grid(table), headers=table.columns, visible=True,
                          column_widths=[_WIDTHS.get(c, "10%") for c in table.columns]) if table
                else gr.update(value=[], visible=False),
                *_download_updates(doc, made.folder),
                citations_html(doc.citations, notes))

    def edit(made: Drafted | None, text_: str, rows: list[list[object]]):
        if made is None:
            return tuple(gr.update() for _ in _FORMATS)
        return _download_updates(edited(made.doc, text_, rows), made.folder)

    def run_check(path: str | None, level_: str, period_: str) -> str:
        if not path:
            raise gr.Error("Hãy chọn tệp bản kế hoạch cần kiểm tra.", title="Chưa có tệp")
        settings = assistant.index.settings
        try:
            report = check_draft(KnowledgeBase.of(assistant.index), Path(path), level_ or None, period_ or None,
                                 int(settings.max_file_mb * 1024 * 1024))
        except (KnowledgeError, IngestError) as exc:
            raise gr.Error(str(exc), title="Không kiểm tra được") from exc
        return findings_html(report.model_copy(update={"file": Path(path).name}), FINDING_TITLES)

    kind.change(lambda k: (gr.update(visible=k == "section"), gr.update(visible=k == "tasks")), kind, [section, agency],
                queue=False)
    go.click(make, [kind, section, level, period, area, agency], [drafted, summary, text, grid, *downloads, sources])
    for event in (text.input, grid.input):  # "always_last": the final edit is always exported
        event(edit, [drafted, text, grid], downloads, show_progress="hidden", trigger_mode="always_last")
    check.click(run_check, [plan, check_level, check_period], findings)


def edited(doc: Draft, text: str, rows: list[list[object]]) -> Draft:
    """The draft as the official edited it in the text area and the grid."""
    if isinstance(doc, TaskTable):
        return apply_table_edits(doc, rows)
    doc = apply_text_edits(doc, text)
    return doc.model_copy(update={"table": apply_table_edits(doc.table, rows)}) if doc.table else doc


def _download_updates(doc: Draft, folder: Path) -> list[dict]:
    return [gr.update(value=str(path), visible=True) for path in write_exports(doc, folder)]


def write_exports(doc: Draft, folder: Path) -> list[Path]:
    """DOCX, CSV and Markdown of ``doc`` in ``folder``, named after what they hold (replaced if there)."""
    stem = (f"{doc.section}-{doc.level}-{doc.period}" if isinstance(doc, SectionDraft)
            else f"danh-muc-nhiem-vu-{doc.level}-{doc.period}" + (f"-{doc.area}" if doc.area else ""))
    paths = [folder / f"{stem}.{fmt}" for fmt in _FORMATS]
    for fmt, path in zip(_FORMATS, paths):
        export(doc, fmt, path)
    return paths
