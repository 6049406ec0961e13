"""`cds draft section`, `cds draft tasks` and `cds check`: drafting plan sections and task tables with
citations, exporting them, and checking a drafted plan against the guidance."""

from __future__ import annotations

from pathlib import Path

import click

from assistant.drafting._text import fold
from assistant.drafting.models import LEVELS_VI, SECTIONS, CheckReport, SectionDraft, TaskTable, period_vi
from assistant.drafting.export import FORMATS, export, to_json
from assistant.drafting.knowledge import KnowledgeBase, KnowledgeError, load_frameworks, resolve_area
from ingest.errors import IndexLockedError, IngestError, StoreError
from ingest.settings import Settings

_LEVELS = {"xa": "xa", "tinh": "tinh", "bo": "bo"}
FINDING_TITLES = {
    "missing_section": "Thiếu mục bắt buộc",
    "missing_group": "Thiếu nhóm nhiệm vụ",
    "uncovered_task": "Nhiệm vụ cấp trên chưa có trong bản kế hoạch",
    "late_deadline": "Thời hạn muộn hơn kế hoạch cấp trên",
    "legal_mismatch": "Căn cứ pháp lý có số hiệu hoặc ngày không khớp kho tài liệu",
}


class _Folded(click.Choice):
    """A choice accepting Vietnamese with or without diacritics ("xã", "xa", "Tỉnh")."""

    def convert(self, value, param, ctx):
        return super().convert(fold(str(value)).strip(), param, ctx)


def _area(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return resolve_area(value)
    except KnowledgeError as exc:
        raise click.BadParameter(str(exc), ctx, param) from exc


_level_option = click.option("--level", required=True, type=_Folded(list(_LEVELS)), help="Cấp: xa, tinh hoặc bo.")
_period_option = click.option("--period", required=True, help="Giai đoạn có khung kế hoạch, ví dụ: 2025, 2026-2030.")
_format_option = click.option("--format", "fmt", type=click.Choice(FORMATS), default="md", show_default=True,
                              help="Định dạng: md (in ra màn hình), json, csv, docx.")
_out_option = click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
                           help="Ghi ra tệp (bắt buộc với docx, csv; mặc định: tệp trong thư mục hiện tại).")


@click.group()
def draft() -> None:
    """Soạn thảo phần kế hoạch và danh mục nhiệm vụ có trích dẫn nguồn."""


@draft.command()
@click.option("--section", required=True, type=click.Choice(list(SECTIONS)), help="Phần cần soạn.")
@_level_option
@_period_option
@click.option("--area", callback=_area, help="Lĩnh vực (với nhiem-vu, danh-muc), ví dụ: ha tang so, ATTT, CQS.")
@_format_option
@_out_option
@click.pass_obj
def section(settings: Settings, section: str, level: str, period: str, area: str | None, fmt: str,
            out: Path | None) -> None:
    """Soạn một phần của kế hoạch CĐS theo khung hướng dẫn của cấp và giai đoạn."""
    from assistant.drafting.draft import draft_section

    doc = _run(settings, lambda kb: draft_section(kb, section, level, period, area))
    _emit(doc, fmt, out, f"{section}-{level}-{period}")


@draft.command()
@click.option("--area", callback=_area, help="Lĩnh vực, ví dụ: ha tang so, ATTT, CQS; bỏ trống: mọi lĩnh vực.")
@_level_option
@_period_option
@click.option("--agency", help="Chỉ các nhiệm vụ cơ quan này chủ trì hoặc phối hợp (mọi cách viết: Bộ KH&CN, Bộ TT&TT…).")
@_format_option
@_out_option
@click.pass_obj
def tasks(settings: Settings, area: str | None, level: str, period: str, agency: str | None, fmt: str,
          out: Path | None) -> None:
    """Soạn bảng danh mục nhiệm vụ: STT, nhiệm vụ, kết quả, chủ trì, phối hợp, thời hạn, căn cứ."""
    from assistant.drafting.tasks import draft_tasks

    table = _run(settings, lambda kb: draft_tasks(kb, level, period, area, agency))
    _emit(table, fmt, out, f"danh-muc-nhiem-vu-{level}-{period}" + (f"-{area}" if area else ""))


@click.command()
@click.argument("draft_file", metavar="DRAFT", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--level", type=_Folded(list(_LEVELS)), help="Cấp (mặc định: đọc từ tiêu đề bản kế hoạch).")
@click.option("--period", help="Giai đoạn, ví dụ 2025, 2026-2030 (mặc định: đọc từ tiêu đề).")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
@click.pass_obj
def check(settings: Settings, draft_file: Path, level: str | None, period: str | None, as_json: bool) -> None:
    """Kiểm tra bản kế hoạch (.docx, .md, .txt): mục còn thiếu, nhiệm vụ cấp trên chưa có, thời hạn vượt
    kế hoạch cấp trên, căn cứ pháp lý sai số hiệu hoặc ngày. Dòng cuối là kết luận; mã thoát 1 khi có vấn đề."""
    from assistant.drafting.check import check_draft

    report = _run(settings, lambda kb: check_draft(kb, draft_file, level, period,
                                                   int(settings.max_file_mb * 1024 * 1024)), progress=not as_json)
    click.echo(to_json(report) if as_json else _report_text(report))
    click.echo(_conclusion(report), err=as_json)  # with --json on stderr, so that stdout stays JSON
    if report.findings:
        raise SystemExit(1)  # usable in scripts: `cds check ke-hoach.docx || …`


def _run(settings: Settings, work, progress: bool = True):
    """Run ``work`` on the knowledge of the index, refreshing it first like every `cds` command.

    When another process (``cds serve``) holds the embedded index, drafting reads the document store
    alone: it needs the ingested structure, not the vectors.
    """
    from assistant.cli import open_index
    from ingest.docstore import DocStore

    try:
        index = open_index(settings, progress=progress)
    except StoreError as exc:
        if not isinstance(exc, IndexLockedError):
            raise click.ClickException(str(exc)) from exc
        click.echo("Lưu ý: chỉ mục đang được tiến trình khác sử dụng; dùng dữ liệu đã nạp lần gần nhất.", err=True)
        docstore = DocStore(settings.data_dir / "docstore.sqlite")
        try:
            return _guarded(work, lambda: KnowledgeBase(docstore.documents(), load_frameworks(settings.corpus_dir)))
        finally:
            docstore.close()
    except IngestError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        return _guarded(work, lambda: KnowledgeBase.of(index))
    finally:
        index.close()


def _guarded(work, knowledge):
    """``work(knowledge())``, with knowledge and drafting errors shown in one line."""
    try:
        return work(knowledge())
    except (KnowledgeError, IngestError) as exc:
        raise click.ClickException(str(exc)) from exc


def _emit(doc: SectionDraft | TaskTable, fmt: str, out: Path | None, stem: str) -> None:
    if out is None and fmt in ("docx", "csv"):
        out = Path(f"{stem}.{fmt}")
    try:
        text = export(doc, fmt, out)
    except OSError as exc:
        raise click.ClickException(f"Không ghi được tệp {out}: {exc.strerror}. Hãy kiểm tra đường dẫn.") from exc
    if out is None:
        click.echo(text, nl=False)
    else:
        click.echo(f"Đã ghi {out} ({len(_rows(doc))} dòng nhiệm vụ, {len(doc.citations)} trích dẫn).")


def _rows(doc: SectionDraft | TaskTable) -> list:
    table = doc if isinstance(doc, TaskTable) else doc.table
    return table.rows if table is not None else []


def _conclusion(report: CheckReport) -> str:
    """One line: how many problems of each kind the check found."""
    if not report.findings:
        return "Kết luận: đạt, không phát hiện vấn đề nào."
    counts = [f"{title[0].lower()}{title[1:]}: {n}" for kind, title in FINDING_TITLES.items()
              if (n := sum(f.kind == kind for f in report.findings))]
    return f"Kết luận: {len(report.findings)} vấn đề cần sửa ({'; '.join(counts)})."


def _report_text(report: CheckReport) -> str:
    lines = [f"Kiểm tra bản kế hoạch {report.file} ({LEVELS_VI[report.level]}, {period_vi(report.period)})",
             f"Khung áp dụng: {report.framework}"]
    if not report.findings:
        lines.append("Không phát hiện thiếu sót nào so với khung và các nhiệm vụ cấp trên.")
    for kind, title in FINDING_TITLES.items():
        found = [f for f in report.findings if f.kind == kind]
        if found:
            lines += ["", f"{title} ({len(found)}):", *(f"  - {f.message}" for f in found)]
    return "\n".join(lines)
