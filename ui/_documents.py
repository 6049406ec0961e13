"""The Tài liệu tab: the corpus by document (metadata, clause tree, text) and uploading documents.

An upload goes through ``ingest.corpus.add_to_corpus``, which loads a file before copying it, so a
corrupt or unsupported file never enters the corpus; the index is then refreshed, with a progress bar,
and every file gets its own result line.
"""

from __future__ import annotations

import html
from pathlib import Path

import gradio as gr

from assistant.core import Assistant
from assistant.drafting.knowledge import STATUS_VI
from ingest.corpus import add_to_corpus
from ingest.errors import IngestError
from ingest.load import SUPPORTED_EXTENSIONS
from ingest.pipeline import IngestReport
from ui._render import document_html, status_label

COLUMNS = ["Mã", "Tên", "Số hiệu", "Cơ quan ban hành", "Ngày", "Tình trạng", "Cấp", "Giai đoạn", "Số đoạn"]
_WIDTHS = ["14%", "28%", "11%", "12%", "8%", "8%", "7%", "7%", "5%"]
LEVELS = ["xã", "tỉnh", "bộ", "quốc gia"]
# Gradio injects the progress bar of an event through this default; it follows the tqdm bars of ingest and eval.
TRACK_TQDM = gr.Progress(track_tqdm=True)
_RESULTS = {"added": "Đã thêm vào kho và lập chỉ mục", "updated": "Đã cập nhật chỉ mục",
            "unchanged": "Đã có trong kho, nội dung không đổi"}


def build_documents_tab(assistant: Assistant) -> gr.HTML:
    """Lay out the tab inside the current ``gr.Tab`` and wire its events.

    :returns: the upload result, which changes after every upload (other tabs list the new corpus then).
    """
    gr.Markdown("Các tài liệu trong kho, kèm số hiệu, cơ quan ban hành, ngày và tình trạng. Tài liệu **dự thảo** "
                "được đánh dấu. Chọn một tài liệu để xem cây điều khoản và toàn văn.")
    table = gr.Dataframe(document_rows(assistant), headers=COLUMNS, type="array", interactive=False, wrap=True,
                         column_widths=_WIDTHS, elem_id="cds-doc-table", label="Kho tài liệu (bấm một dòng để xem)",
                         max_height=340)
    ids = [d.meta.id for d in assistant.index.docstore.documents()]
    picker = gr.Dropdown(document_choices(assistant), value=ids[0] if ids else None, label="Xem tài liệu",
                         elem_id="cds-doc-picker")
    view = gr.HTML(_view(assistant, ids[0] if ids else None), elem_id="cds-doc-view")
    with gr.Accordion("Thêm tài liệu vào kho", open=False, elem_id="cds-upload-panel"):
        gr.Markdown(f"Định dạng được nhận: {', '.join(SUPPORTED_EXTENSIONS)}. Tệp hỏng hoặc không đọc được sẽ bị "
                    "từ chối, kho tài liệu giữ nguyên.")
        files = gr.File(file_count="multiple", label="Tệp tài liệu", elem_id="cds-upload-files")
        with gr.Accordion("Thông tin tài liệu (không bắt buộc; chỉ khi thêm đúng một tệp)", open=False):
            with gr.Row():
                title = gr.Textbox(label="Tên tài liệu")
                number = gr.Textbox(label="Số hiệu", placeholder="3816/BTTTT-CĐSQG")
                issuer = gr.Textbox(label="Cơ quan ban hành")
            with gr.Row():
                date = gr.Textbox(label="Ngày ban hành (YYYY-MM-DD)", placeholder="2024-09-14")
                status = gr.Dropdown([(v, k) for k, v in STATUS_VI.items()], value=None, label="Tình trạng")
                period = gr.Textbox(label="Giai đoạn", placeholder="2026-2030")
            levels = gr.CheckboxGroup(LEVELS, value=[], label="Cấp áp dụng")
        add = gr.Button("Thêm vào kho và lập chỉ mục", variant="primary", elem_id="cds-upload-button")
        result = gr.HTML(elem_id="cds-upload-result")

    def upload(paths: list[str] | None, title_: str | None, number_: str | None, issuer_: str | None,
               date_: str | None, status_: str | None, period_: str | None, levels_: list[str] | None,
               progress: gr.Progress = TRACK_TQDM):
        given = {"title": title_, "number": number_, "issuer": issuer_, "date": date_, "status": status_,
                 "period": period_}
        meta = {key: value.strip() for key, value in given.items() if value and value.strip()}
        if levels_:
            meta["level"] = levels_
        message = ingest_files(assistant, [Path(p) for p in paths or []], meta or None, progress)
        cleared = ["", "", "", "", None, "", []]  # the metadata was this upload's: not the next one's
        return message, document_rows(assistant), gr.update(choices=document_choices(assistant)), None, *cleared

    def select_row(event: gr.SelectData) -> str | dict:
        doc_id = event.row_value[0] if event.row_value else None  # the Mã column, whatever the sort order
        return doc_id if doc_id and assistant.index.docstore.get(doc_id) else gr.skip()

    metadata = [title, number, issuer, date, status, period, levels]
    add.click(upload, [files, *metadata], [result, table, picker, files, *metadata], show_progress="full")
    # Quick reads skip the queue, which would lose the second of two chained events (see ui._chat).
    table.select(select_row, None, picker, queue=False)
    picker.change(lambda doc_id: _view(assistant, doc_id), picker, view, queue=False)
    return result


def document_rows(assistant: Assistant) -> list[list[str | int]]:
    """One row per indexed document, in the order of ``COLUMNS``; drafts marked "DỰ THẢO"."""
    rows = []
    for d in assistant.index.docstore.documents():
        m = d.meta
        status = "DỰ THẢO" if m.status == "draft" else status_label(m.status)
        rows.append([m.id, m.title, m.number or "—", m.issuer or "—", m.date or "—", status,
                     ", ".join(m.level or []) or "—", m.period or "—", len(d.node_ids)])
    return rows


def ingest_files(assistant: Assistant, paths: list[Path], meta: dict | None, progress: gr.Progress) -> str:
    """Add files to the corpus and refresh the index; the result of every file, as HTML.

    A file that cannot be added is reported and skipped; the others go on.
    """
    if not paths:
        return _result_html([], ["Chưa chọn tệp nào. Hãy chọn hoặc kéo thả tệp vào ô bên trên."])
    if meta is not None and len(paths) != 1:
        return _result_html([], [("Thông tin tài liệu (tên, số hiệu, …) chỉ dùng khi thêm đúng một tệp. "
                                  "Hãy bỏ trống các ô đó hoặc thêm từng tệp một.")])
    settings = assistant.index.settings
    added: dict[str, tuple[str, str]] = {}  # file name -> (doc id, source_file)
    lines: list[tuple[str, str, bool]] = []  # (file name, result, ok)
    for path in progress.tqdm(paths, desc="Kiểm tra tệp", unit="tệp"):
        try:
            row = add_to_corpus(settings.corpus_dir, settings.user_corpus_dir, path, meta,
                                max_bytes=int(settings.max_file_mb * 1024 * 1024))
        except IngestError as exc:
            lines.append((path.name, str(exc), False))
        else:
            added[path.name] = (row.id, row.source_file)
    notes: list[str] = []
    if added:
        try:
            report = assistant.index.refresh(progress=True, force=True)
        except IngestError as exc:
            notes.append(f"Lập chỉ mục không thành công: {exc}")
        else:
            lines += [(name, *_file_result(report, doc_id, source)) for name, (doc_id, source) in added.items()]
            names = {source for _, source in added.values()}
            notes += [f"Lưu ý: {message}" for file, message in report.errors if file not in names]
            notes.append(f"Kho hiện có {report.documents} tài liệu, {report.chunks} đoạn đã lập chỉ mục.")
    return _result_html(lines, notes)


def _file_result(report: IngestReport, doc_id: str, source_file: str) -> tuple[str, bool]:
    for file, message in report.errors:
        if file == source_file:
            return message, False
    for key, text in _RESULTS.items():
        if doc_id in getattr(report, key):
            return f"{text} (mã tài liệu: {doc_id}).", True
    return f"Chưa lập chỉ mục được (mã tài liệu: {doc_id}).", False


def _result_html(lines: list[tuple[str, str, bool]], notes: list[str]) -> str:
    rows = "".join(f'<tr class="{"cds-ok" if ok else "cds-error"}"><td>{html.escape(name)}</td>'
                   f'<td>{"✔" if ok else "✖ Lỗi:"} {html.escape(text)}</td></tr>' for name, text, ok in lines)
    table = f'<table class="cds-results"><tr><th>Tệp</th><th>Kết quả</th></tr>{rows}</table>' if rows else ""
    return table + "".join(f'<p class="cds-note">{html.escape(n)}</p>' for n in notes)


def document_choices(assistant: Assistant) -> list[tuple[str, str]]:
    """(label, id) of every indexed document for pickers and filters; drafts marked."""
    return [(("[DỰ THẢO] " if d.meta.status == "draft" else "") + d.meta.title, d.meta.id)
            for d in assistant.index.docstore.documents()]


def _view(assistant: Assistant, doc_id: str | None) -> str:
    doc = assistant.index.docstore.get(doc_id) if doc_id else None
    return document_html(doc) if doc else "<p>Chưa chọn tài liệu.</p>"
