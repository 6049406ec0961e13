"""`cds ui`: open the Assistant (building or refreshing the index), then serve the web app and the HTTP API.

While it runs, its record in the data directory (``assistant.local_service``) sends other `cds`
commands of this data directory through its HTTP API.
"""

from __future__ import annotations

import os

import click

from ingest.settings import Settings

_WARM_UP = "Kế hoạch chuyển đổi số gồm những nội dung nào?"


@click.command()
@click.option("--host", help="Địa chỉ lắng nghe (mặc định CDS_HOST hoặc 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), help="Cổng (mặc định CDS_UI_PORT hoặc 7860).")
@click.pass_obj
def ui(settings: Settings, host: str | None, port: int | None) -> None:
    """Mở ứng dụng web cho cán bộ: hỏi đáp, soạn thảo, tra cứu tài liệu, đánh giá (kèm API HTTP tại /docs)."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before Gradio is imported: never call home
    from assistant.local_service import ServiceConflict, advertise, check_port

    host, port = host or settings.host, port or settings.ui_port
    try:
        check_port(host, port, "--port hoặc CDS_UI_PORT")
        # Advertised before the slow imports and the index: from now on other commands wait for this app.
        with advertise(settings.data_dir, host, port, "ui") as record:
            import uvicorn

            from assistant.cli import open_index
            from assistant.core import Assistant
            from assistant.llm import validate_llm_settings
            from ingest.errors import IngestError
            from ui.app import web_app

            try:
                validate_llm_settings(settings)
            except ValueError as exc:
                raise click.UsageError(f"Cấu hình mô hình ngôn ngữ không hợp lệ: {exc}") from exc
            try:
                assistant = Assistant(settings, open_index(settings))
            except IngestError as exc:
                raise click.ClickException(str(exc)) from exc
            try:
                app = web_app(settings, assistant)
                # The first question loads the composer's view of the corpus (seconds): do it before anyone waits.
                assistant.ask(_WARM_UP)
                click.echo(f"Ứng dụng web trợ lý CĐS: {record.url} — tài liệu API: {record.url}/docs (Ctrl+C để dừng).")
                uvicorn.run(app, host=host, port=port, log_level="warning")
            finally:
                assistant.close()
    except ServiceConflict as exc:
        raise click.ClickException(str(exc)) from exc
