"""The Đánh giá tab: run a QA benchmark (the bundled dev set or an uploaded JSONL) through the same
engine as `cds eval --dataset` and show its report: the metrics, the per-system comparison, the plots.

Every system of ``eval.systems`` can run; by default only the project's pipeline, since the
baselines build their own indexes and take minutes.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import gradio as gr

from assistant.core import Assistant
from eval.errors import DatasetError
from eval.report import write_report
from eval.runner import run_benchmark
from eval.systems import DESCRIPTIONS, SYSTEMS
from ingest.errors import IngestError
from ingest.settings import REPO_ROOT
from ui._documents import TRACK_TQDM

DEV_SET = REPO_ROOT / "eval" / "datasets" / "dev.jsonl"
_PLOTS_SECTION = re.compile(r"^## Biểu đồ\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)


def build_evaluate_tab(assistant: Assistant) -> None:
    """Lay out the tab inside the current ``gr.Tab`` and wire its events."""
    gr.Markdown("Chạy bộ câu hỏi đánh giá qua trợ lý và so sánh với các hệ thống cơ sở: Recall@k, MRR, nDCG, độ "
                "chính xác và độ trung thực của trích dẫn, tỷ lệ từ chối đúng, độ trễ. Định dạng tệp câu hỏi: mỗi "
                "dòng một đối tượng JSON {id, question, type, answer, evidence, must_mention}.")
    with gr.Row():
        with gr.Column():
            upload = gr.File(label=f"Tệp câu hỏi .jsonl (để trống: chạy bộ câu hỏi kèm theo {DEV_SET.name})",
                             file_count="single", elem_id="cds-eval-file")
        with gr.Column():
            systems = gr.CheckboxGroup(list(SYSTEMS), value=["project"], elem_id="cds-eval-systems",
                                       label="Hệ thống (mặc định chỉ pipeline của dự án; hệ thống cơ sở chạy lâu hơn)")
            k = gr.Slider(1, 30, value=10, step=1, label="k: số đoạn lấy về mỗi câu, ngưỡng của Recall/MRR/nDCG")
    with gr.Accordion("Các hệ thống", open=False):
        gr.Markdown("\n".join(f"- **{name}**: {DESCRIPTIONS[name]}" for name in SYSTEMS))
    run = gr.Button("Chạy đánh giá", variant="primary", elem_id="cds-eval-run")
    report = gr.Markdown(elem_id="cds-eval-report")
    plots = gr.Gallery(label="Biểu đồ (bấm để phóng to)", columns=3, height=380, object_fit="contain", visible=False,
                       elem_id="cds-eval-plots")
    files = gr.File(label="Tệp báo cáo", file_count="multiple", visible=False, elem_id="cds-eval-files")

    def evaluate(path: str | None, names: list[str], k_: int, progress: gr.Progress = TRACK_TQDM):
        if not names:
            raise gr.Error("Hãy chọn ít nhất một hệ thống.", title="Chưa chọn hệ thống")
        dataset = Path(path) if path else DEV_SET
        progress(0, desc="Đang chuẩn bị các hệ thống…")
        try:
            result = run_benchmark(assistant.index.settings, dataset, names, k=int(k_), progress=True,
                                   assistant=assistant)
        except (DatasetError, IngestError) as exc:
            raise gr.Error(str(exc), title="Không chạy được đánh giá") from exc
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        _, paths = write_report(result, assistant.index.settings.data_dir / "reports" / f"{dataset.stem}-{stamp}")
        markdown = _PLOTS_SECTION.sub("", paths[1].read_text(encoding="utf-8"))
        images = [str(p) for p in paths if p.suffix == ".png"]
        return (markdown, gr.update(value=images, visible=True),
                gr.update(value=[str(p) for p in paths if p.suffix != ".png"], visible=True))

    run.click(evaluate, [upload, systems, k], [report, plots, files], show_progress="full")
