"""`cds ui`: open the Assistant (building or refreshing the index), then serve the web app and the HTTP API."""

from __future__ import annotations

import os
import socket

import click

from ingest.errors import IngestError
from ingest.settings import Settings

_WARM_UP = "Kế hoạch chuyển đổi số gồm những nội dung nào?"


@click.command()
@click.option("--host", help="Địa chỉ lắng nghe (mặc định CDS_HOST hoặc 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), help="Cổng (mặc định CDS_UI_PORT hoặc 7860).")
@click.pass_obj
def ui(settings: Settings, host: str | None, port: int | None) -> None:
    """Mở ứng dụng web cho cán bộ: hỏi đáp, soạn thảo, tra cứu tài liệu, đánh giá (kèm API HTTP tại /docs)."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before Gradio is imported: never call home
    import uvicorn

    from assistant.core import Assistant
    from assistant.llm import validate_llm_settings
    from ui.app import web_app

    host, port = host or settings.host, port or settings.ui_port
    try:
        validate_llm_settings(settings)
    except ValueError as exc:
        raise click.UsageError(f"Cấu hình mô hình ngôn ngữ không hợp lệ: {exc}") from exc
    _check_port(host, port)
    try:
        assistant = Assistant.open(settings)
    except IngestError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        app = web_app(settings, assistant)
        # The first question loads the composer's view of the corpus (seconds): do it before anyone waits.
        assistant.ask(_WARM_UP)
        click.echo(f"Ứng dụng web trợ lý CĐS: http://{host}:{port} — tài liệu API: http://{host}:{port}/docs "
                   "(Ctrl+C để dừng).")
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        assistant.close()


def _check_port(host: str, port: int) -> None:
    """Fail before the index is opened when the port is taken, with a message saying what to do."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise click.ClickException(f"Không mở được cổng {port} trên {host} ({exc.strerror}). Cổng có thể đang "
                                       "được dùng: chọn cổng khác bằng --port hoặc CDS_UI_PORT.") from exc
