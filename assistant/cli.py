"""The `cds` command line. Messages for officials are Vietnamese; errors never show a traceback.

Commands of other parts (eval/, ui/, drafting) are registered by import path in ``_LAZY_COMMANDS``
and imported only when run: the CLI starts fast and assistant/ never imports eval/ or ui/. For the
same reason the index, the embedder and everything behind them are imported inside the commands.

While `cds serve` or `cds ui` holds the index of the data directory (``assistant.local_service``),
`cds search`, `cds ask` and `cds ingest` go through that service over HTTP and print the same output.
"""

from __future__ import annotations

import importlib
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ingest.settings import Settings

if TYPE_CHECKING:
    from assistant.client import ServiceClient
    from ingest.pipeline import CorpusIndex, IngestReport

_STATUS_VI = {"draft": "dự thảo", "in_force": "đang có hiệu lực", "amended": "đã được sửa đổi",
              "guidance": "hướng dẫn", "reference": "tài liệu tham khảo", "unknown": "chưa rõ"}


_PENDING_VI = {
    "build": "Đang lập chỉ mục kho tài liệu lần đầu (vài phút; các lần sau chỉ cập nhật phần thay đổi).",
    "resume": "Lần lập chỉ mục trước chưa xong (bị ngắt giữa chừng): đang làm tiếp, các vectơ đã tính được dùng lại.",
    "update": "Kho tài liệu, mã nguồn hoặc cấu hình đã thay đổi: đang cập nhật chỉ mục.",
}


def open_index(settings: Settings, progress: bool = True) -> CorpusIndex:
    """Open the index, building or refreshing it from the corpus folders when they changed. Work to do
    first (a first build, an interrupted ingest resumed, an update) is announced on stderr, with progress.

    :raises IngestError: the index cannot be opened (for example another process holds it) or refreshed.
    """
    refuse_if_held(settings)
    from ingest.pipeline import CorpusIndex

    index = CorpusIndex.open(settings)
    _announce(index)
    report = index.refresh(progress=progress)
    if report is not None:
        _print_report(report, err=True)
    return index


def refuse_if_held(settings: Settings) -> None:
    """Refuse at once, before the index and its engine are even imported, when another process holds it.

    :raises IndexLockedError: the embedded index is open in another process.
    """
    from assistant.local_service import index_locked
    from ingest.errors import IndexLockedError

    if settings.qdrant_url or settings.qdrant_path:
        return
    engine = sys.modules.get("ingest.index")  # not imported yet: this process cannot have the index open
    if engine is not None and engine.open_in_this_process(settings.index_dir):
        return
    if index_locked(settings.index_dir):
        raise IndexLockedError(settings.index_dir.resolve())


def service_client(settings: Settings) -> ServiceClient | None:
    """A client of the `cds serve`/`cds ui` process that holds the index of ``settings.data_dir``, once it
    answers (while it is still opening the index, say so and wait); None when no such process runs."""
    from assistant.local_service import find_service

    record = find_service(settings.data_dir)
    if record is None:
        return None
    from assistant.client import ServiceClient, ServiceGone

    client = ServiceClient(record, settings.api_key)
    try:
        client.wait_ready(lambda: click.echo(f"{record.describe()} giữ chỉ mục và đang khởi động; lệnh sẽ chạy "
                                             "qua dịch vụ này khi nó sẵn sàng (Ctrl+C để dừng)…", err=True))
    except ServiceGone:
        return None
    return client


def call_service(client: ServiceClient, method: str, path: str, **kwargs: Any) -> Any:
    """``client.request(method, path, **kwargs)`` with the service's refusals as click errors (see ``service_errors``)."""
    with service_errors(client):
        return client.request(method, path, **kwargs)


@contextmanager
def service_errors(client: ServiceClient) -> Iterator[None]:
    """Turn what the service refuses into click errors: a 422 is a usage error, anything else (or a lost
    connection) a one-line error naming the service."""
    from assistant.client import ServiceError

    try:
        yield
    except ServiceError as exc:
        if exc.status == 422:
            raise click.UsageError(str(exc)) from exc
        raise click.ClickException(f"{client.record.describe()}: {exc}") from exc
    except OSError as exc:
        raise click.ClickException(f"Mất kết nối với {client.record.describe()} ({exc}). "
                                   "Hãy kiểm tra dịch vụ rồi chạy lại lệnh.") from exc


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
    client = service_client(settings)
    if client is not None:
        _ingest_through(client, settings, paths, given, rebuild)
        return
    from ingest.errors import IngestError

    try:
        refuse_if_held(settings)
        from ingest.intake import add_documents
        from ingest.pipeline import CorpusIndex

        index = CorpusIndex.open(settings, rebuild=rebuild)
        _announce(index)
        intake = add_documents(index, paths, given or None, progress=not quiet)
    except IngestError as exc:
        raise click.ClickException(str(exc)) from exc
    _print_intake(settings, [(name, row.id) for name, row in intake.added], intake.failed, intake.report)


def _ingest_through(client: ServiceClient, settings: Settings, paths: tuple[Path, ...], given: dict,
                    rebuild: bool) -> None:
    """`cds ingest` while a service holds the index: each file is sent to it, then indexed there."""
    from assistant.api.ingest import IngestOut

    if rebuild:
        raise click.ClickException(f"{client.record.describe()} đang giữ chỉ mục, nên không lập lại từ đầu được. "
                                   "Hãy dừng dịch vụ rồi chạy lại `cds ingest --rebuild`.")
    fields = [(k, str(v)) for k, values in given.items() for v in (values if isinstance(values, list) else [values])]
    added: list[tuple[str, str]] = []
    failed: list[tuple[str, str]] = []
    out = None
    for path in paths:
        click.echo(f"Đang gửi {path.name} tới {client.record.describe()} để lập chỉ mục…", err=True)
        with service_errors(client):
            out = IngestOut.model_validate(client.upload("/ingest/file", path, fields))
        added += [(a.file, a.doc_id) for a in out.added]
        failed += [(f.file, f.message) for f in out.failed]
    if not paths:
        out = IngestOut.model_validate(call_service(client, "POST", "/ingest/refresh"))
    _print_intake(settings, added, failed, out.report())


def _print_intake(settings: Settings, added: list[tuple[str, str]], failed: list[tuple[str, str]],
                  report: IngestReport) -> None:
    for name, doc_id in added:
        click.echo(f"Đã thêm {name} vào {settings.user_corpus_dir} (mã tài liệu: {doc_id}).")
    for name, message in failed:
        click.echo(f"Lỗi: {message}", err=True)
        click.echo(f"Chưa thêm {name}: kho tài liệu giữ nguyên.", err=True)
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
    k = k or settings.top_k
    client = service_client(settings)
    if client is not None:
        known = _document_ids(client) if doc_ids else set()
        if doc_ids and not set(doc_ids) & known:  # as the index itself: no passage of an unknown document
            hits, millis = [], 0.0
        else:
            params = [("q", query), ("k", k), ("mode", mode), *(("doc_id", d) for d in doc_ids if d in known),
                      *(("kind", x) for x in kinds), *(("status", x) for x in statuses), *(("level", x) for x in levels)]
            out = call_service(client, "GET", "/search", params=params)
            hits, millis = out["passages"], out["timings_ms"]["retrieve"]
    else:
        from ingest.errors import IngestError

        try:
            index = open_index(settings)
            from assistant.engine import Retriever
            from ingest.index import SearchFilters

            result = Retriever(index).search(query, k=k, mode=mode, filters=SearchFilters(
                doc_ids=doc_ids, kinds=kinds, statuses=statuses, levels=levels))
        except IngestError as exc:
            raise click.ClickException(str(exc)) from exc
        hits = [{"rank": p.rank, "score": p.score, "doc_id": p.doc_id, "doc_title": p.doc_title,
                 "short_title": p.short_title, "status": p.status, "clause": p.clause_label,
                 "breadcrumb": p.breadcrumb, "kind": p.kind, "char_start": p.start, "char_end": p.end, "text": p.text}
                for p in result.passages]
        millis = result.millis
    _print_hits(query, hits, millis, as_json)


def _document_ids(client: ServiceClient) -> set[str]:
    return {d["id"] for d in call_service(client, "GET", "/documents")}


def _print_hits(query: str, hits: list[dict], millis: float, as_json: bool) -> None:
    if as_json:
        keys = ("rank", "score", "doc_id", "doc_title", "clause", "breadcrumb", "kind", "char_start", "char_end", "text")
        passages = [{key: round(h[key], 6) if key == "score" else h[key] for key in keys} for h in hits]
        click.echo(json.dumps({"query": query, "passages": passages, "timings_ms": {"retrieve": round(millis, 1)}},
                              ensure_ascii=False, indent=2))
        return
    if not hits:
        click.echo("Không tìm thấy đoạn nào phù hợp.")
        return
    for h in hits:
        status = _STATUS_VI.get(h["status"], h["status"])
        click.echo(f"{h['rank']}. [{h['score']:.4f}] {h['short_title']} ({status}) — {h['clause']}")
        click.echo(f"   {h['breadcrumb']}")
        body = " ".join(h["text"].split())
        click.echo(f"   {body[:400]}{'…' if len(body) > 400 else ''}")
        click.echo()


def _announce(index: CorpusIndex) -> None:
    pending = index.pending()
    if pending is not None:
        click.echo(_PENDING_VI[pending], err=True)


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
