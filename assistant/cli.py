"""The `cds` command line. Messages for officials are Vietnamese; errors never show a traceback.

Commands of other parts (eval/, ui/, drafting) are registered by import path in ``_LAZY_COMMANDS``
and imported only when run: the CLI starts fast and assistant/ never imports eval/ or ui/.
"""

from __future__ import annotations

import importlib
import json
import logging
import sys
from pathlib import Path

import click

from assistant.retrieve import Retriever
from ingest.corpus import add_to_corpus
from ingest.errors import IngestError
from ingest.index import SearchFilters
from ingest.pipeline import CorpusIndex, IngestReport
from ingest.settings import Settings

_STATUS_VI = {"draft": "dự thảo", "in_force": "đang có hiệu lực", "amended": "đã được sửa đổi",
              "guidance": "hướng dẫn", "reference": "tài liệu tham khảo", "unknown": "chưa rõ"}


def open_index(settings: Settings, progress: bool = True) -> CorpusIndex:
    """Open the index, building or refreshing it from the corpus folder when that changed."""
    index = CorpusIndex.open(settings)
    report = index.refresh(progress=progress)
    if report is not None:
        _print_report(report, err=True)
    return index


# command name -> "module:attribute" of a click command
_LAZY_COMMANDS: dict[str, str] = {
    "eval": "eval.cli:eval_group",
    "serve": "assistant.cli_serve:serve",
    "draft": "assistant.drafting.cli:draft",
    "check": "assistant.drafting.cli:check",
    "ui": "ui.cli:ui",
    "ask": "assistant.cli_ask:ask",
    "chat": "assistant.cli_ask:chat",
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *_LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in _LAZY_COMMANDS:
            module, attr = _LAZY_COMMANDS[name].split(":")
            return getattr(importlib.import_module(module), attr)
        return super().get_command(ctx, name)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """Trợ lý chuyển đổi số: tìm kiếm, hỏi đáp và soạn thảo kế hoạch CĐS có trích dẫn nguồn."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if ctx.obj is None:
        try:
            ctx.obj = Settings()
        except ValueError as exc:
            raise click.UsageError(f"Cấu hình không hợp lệ: {exc}") from exc


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--rebuild", is_flag=True, help="Xóa chỉ mục và lập lại toàn bộ (dùng lại vectơ đã lưu).")
@click.option("--title", help="Tên tài liệu (khi thêm một tệp).")
@click.option("--short-title", help="Tên ngắn dùng khi trích dẫn.")
@click.option("--number", help="Số hiệu văn bản, ví dụ 3816/BTTTT-CĐSQG.")
@click.option("--issuer", help="Cơ quan ban hành.")
@click.option("--date", help="Ngày ban hành, dạng YYYY-MM-DD.")
@click.option("--status", type=click.Choice(sorted(_STATUS_VI)), help="Tình trạng văn bản.")
@click.option("--level", multiple=True, help="Cấp áp dụng (bộ, tỉnh, xã, quốc gia); lặp lại được.")
@click.option("--period", help="Giai đoạn, ví dụ 2026-2030.")
@click.option("--kind", help="Loại tài liệu (guidance, law, plan, …).")
@click.option("-q", "--quiet", is_flag=True, help="Không hiện thanh tiến trình.")
@click.pass_obj
def ingest(settings: Settings, paths: tuple[Path, ...], rebuild: bool, quiet: bool, **meta: object) -> None:
    """Lập (hoặc cập nhật) chỉ mục từ kho tài liệu; thêm các tệp PATHS vào kho tài liệu của người dùng trước nếu có."""
    given = {k: v for k, v in meta.items() if v not in (None, ())}
    if given.get("level"):
        given["level"] = list(given["level"])
    if given and len(paths) != 1:
        raise click.UsageError("Chỉ dùng --title, --number, … khi thêm đúng một tệp.")
    failed = False
    for path in paths:
        try:
            row = add_to_corpus(settings.corpus_dir, settings.user_corpus_dir, path, given or None,
                                max_bytes=int(settings.max_file_mb * 1024 * 1024))
            click.echo(f"Đã thêm {path.name} vào {settings.user_corpus_dir} (mã tài liệu: {row.id}).")
        except IngestError as exc:
            click.echo(f"Lỗi: {exc}", err=True)
            failed = True
    try:
        index = CorpusIndex.open(settings, rebuild=rebuild)
        report = index.refresh(progress=not quiet, force=True)
    except IngestError as exc:
        raise click.ClickException(str(exc)) from exc
    _print_report(report)
    if failed or report.errors:
        sys.exit(1)


@main.command()
@click.argument("query")
@click.option("-k", "--k", "k", default=None, type=click.IntRange(1, 50), help="Số đoạn trả về (mặc định 8).")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
@click.option("--doc", "doc_ids", multiple=True, help="Chỉ tìm trong tài liệu này (mã tài liệu); lặp lại được.")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(["text", "table_row", "task"]), help="Loại đoạn.")
@click.option("--status", "statuses", multiple=True, type=click.Choice(sorted(_STATUS_VI)), help="Tình trạng văn bản.")
@click.option("--level", "levels", multiple=True, help="Cấp: bộ, tỉnh, xã, quốc gia.")
@click.option("--mode", type=click.Choice(["hybrid", "dense", "sparse"]), default="hybrid", help="Cách tìm.")
@click.pass_obj
def search(settings: Settings, query: str, k: int | None, as_json: bool, doc_ids, kinds, statuses, levels, mode) -> None:
    """Tìm các đoạn văn bản liên quan nhất tới QUERY, kèm tài liệu, điều khoản và điểm số."""
    if not query.strip():
        raise click.UsageError("Câu tìm kiếm đang trống.")
    try:
        index = open_index(settings, progress=not as_json)
        result = Retriever(index).search(query, k=k or settings.top_k, mode=mode, filters=SearchFilters(
            doc_ids=doc_ids, kinds=kinds, statuses=statuses, levels=levels))
    except IngestError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps({
            "query": query,
            "passages": [
                {"rank": p.rank, "score": round(p.score, 6), "doc_id": p.doc_id, "doc_title": p.doc_title,
                 "clause": p.clause_label, "breadcrumb": p.breadcrumb, "kind": p.kind,
                 "char_start": p.start, "char_end": p.end, "text": p.text}
                for p in result.passages
            ],
            "timings_ms": {"retrieve": round(result.millis, 1)},
        }, ensure_ascii=False, indent=2))
        return
    if not result.passages:
        click.echo("Không tìm thấy đoạn nào phù hợp.")
        return
    for p in result.passages:
        status = _STATUS_VI.get(p.status, p.status)
        click.echo(f"{p.rank}. [{p.score:.4f}] {p.short_title} ({status}) — {p.clause_label}")
        click.echo(f"   {p.breadcrumb}")
        body = " ".join(p.text.split())
        click.echo(f"   {body[:400]}{'…' if len(body) > 400 else ''}")
        click.echo()


def _print_report(report: IngestReport, err: bool = False) -> None:
    for name, message in report.errors:
        click.echo(f"Lỗi: {message}", err=True)
    for name, note in report.notes:
        click.echo(f"Lưu ý ({name}): {note}", err=True)
    click.echo(
        f"Chỉ mục: {report.documents} tài liệu, {report.chunks} đoạn "
        f"(thêm {len(report.added)}, cập nhật {len(report.updated)}, xóa {len(report.removed)}, "
        f"không đổi {len(report.unchanged)}); nhúng mới {report.embedded} đoạn, "
        f"dùng lại {report.reused}; {report.seconds:.1f} giây.",
        err=err,
    )
