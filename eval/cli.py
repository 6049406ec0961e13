"""`cds eval`: run a QA benchmark and write its report; `cds eval validate`: check a dataset file.

Registered lazily in ``assistant.cli`` (``"eval": "eval.cli:eval_group"``), so ``cds`` starts fast.
"""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path

import click

from eval.dataset import describe_problems, validate
from eval.documents import CorpusTexts
from eval.errors import DatasetError
from eval.extra_docs import corpus_with_documents
from eval.report import write_report
from eval.report_md import label, target_label
from eval.runner import run_benchmark
from eval.systems import SYSTEMS
from ingest.errors import IngestError
from ingest.settings import Settings


@click.group("eval", invoke_without_command=True)
@click.option("--dataset", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Tệp câu hỏi JSONL theo định dạng của docs/DESIGN.md.")
@click.option("--systems", default=",".join(SYSTEMS), show_default=True,
              help="Các hệ thống cần so sánh, cách nhau bằng dấu phẩy.")
@click.option("-k", "--k", "k", default=10, show_default=True, type=click.IntRange(min=1),
              help="Số đoạn lấy về mỗi câu hỏi, cũng là ngưỡng của Recall/MRR/nDCG.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Thư mục ghi báo cáo (mặc định eval/reports/<tên tệp câu hỏi>/).")
@click.option("--add-docs", "add_docs", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Thư mục tài liệu bổ sung (kèm manifest.json nếu có): đánh giá trên bản sao tạm của kho tài liệu "
                   "cộng các tài liệu này, trong thư mục dữ liệu tạm; kho và chỉ mục thật không bị sửa.")
@click.option("-q", "--quiet", is_flag=True, help="Không hiện thanh tiến trình.")
@click.pass_context
def eval_group(ctx: click.Context, dataset: Path | None, systems: str, k: int, out: Path | None,
               add_docs: Path | None, quiet: bool) -> None:
    """Đánh giá hỏi đáp trên một bộ câu hỏi: chạy pipeline của dự án và các hệ thống cơ sở, ghi
    report.json, report.md và biểu đồ PNG."""
    if ctx.invoked_subcommand is not None:
        return
    if dataset is None:
        raise click.UsageError("Cần chỉ ra tệp câu hỏi: cds eval --dataset eval/datasets/dev.jsonl")
    names = [name.strip() for name in systems.split(",") if name.strip()]
    unknown = [name for name in names if name not in SYSTEMS]
    if unknown or not names:
        raise click.UsageError(f"Hệ thống không hợp lệ: {', '.join(unknown) or '(trống)'}. "
                               f"Chọn trong: {', '.join(SYSTEMS)}.")
    settings: Settings = ctx.obj
    if k > settings.max_k:
        raise click.UsageError(f"--k phải từ 1 đến {settings.max_k} (CDS_MAX_K), nhận được {k}.")
    out = out or Path("eval") / "reports" / dataset.stem
    try:
        with corpus_with_documents(settings, add_docs) if add_docs else nullcontext(settings) as run_settings:
            result = run_benchmark(run_settings, dataset, names, k=k, progress=not quiet)
    except (DatasetError, IngestError) as exc:
        raise click.ClickException(str(exc)) from exc
    report, paths = write_report(result, out)
    _print_summary(report)
    click.echo(f"Đã ghi báo cáo: {', '.join(str(p) for p in paths)}")


@eval_group.command("validate")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--add-docs", "add_docs", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Thư mục tài liệu bổ sung (kèm manifest.json nếu có): kiểm tra trên bản sao tạm của kho tài liệu "
                   "cộng các tài liệu này; kho thật không bị sửa.")
@click.pass_obj
def validate_command(settings: Settings, file: Path, add_docs: Path | None) -> None:
    """Kiểm tra định dạng tệp câu hỏi FILE và rằng mọi trích dẫn bằng chứng có nguyên văn trong kho tài liệu."""
    try:
        with corpus_with_documents(settings, add_docs) if add_docs else nullcontext(settings) as run_settings:
            items, problems = validate(file, CorpusTexts.load(run_settings))
    except (DatasetError, IngestError) as exc:
        raise click.ClickException(str(exc)) from exc
    if problems:
        click.echo(f"Lỗi: {describe_problems(file, problems)}", err=True)
        sys.exit(1)
    quotes = sum(len(item.evidence) for item in items)
    click.echo(f"{file}: hợp lệ. {len(items)} câu hỏi; "
               f"{quotes} trích dẫn bằng chứng đều có nguyên văn trong kho tài liệu.")


def _print_summary(report: dict) -> None:
    systems = [s["name"] for s in report["systems"]]
    width = max(len(label(m)) for m in report["best"])
    click.echo(f"{'':{width}}  " + "  ".join(f"{s:>10}" for s in systems))
    for metric, best in report["best"].items():
        cells = []
        for system in systems:
            value = report["metrics"][system].get(metric)
            cell = "—" if value is None else f"{value:.3f}"
            cells.append(f"{cell + ('*' if system in best['systems'] else ''):>10}")
        click.echo(f"{label(metric):{width}}  " + "  ".join(cells))
    missed = [t for t in report["targets"] if t["met"] is False]
    if report["targets"]:
        click.echo(f"Mục tiêu: đạt {sum(bool(t['met']) for t in report['targets'])}/{len(report['targets'])}"
                   + (f"; chưa đạt: {'; '.join(target_label(t) for t in missed)}." if missed else "."))
