"""`cds serve`: open the Assistant (building or refreshing the index), then run the HTTP service."""

from __future__ import annotations

import click

from ingest.errors import IngestError
from ingest.settings import Settings


@click.command()
@click.option("--host", help="Địa chỉ lắng nghe (mặc định CDS_HOST hoặc 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), help="Cổng (mặc định CDS_PORT hoặc 8000).")
@click.pass_obj
def serve(settings: Settings, host: str | None, port: int | None) -> None:
    """Chạy dịch vụ HTTP: hỏi đáp, hội thoại, tìm kiếm, tài liệu và API tương thích OpenAI."""
    import uvicorn

    from assistant.api.app import create_app
    from assistant.core import Assistant
    from assistant.llm import validate_llm_settings

    settings = settings.model_copy(update={"host": host or settings.host, "port": port or settings.port})
    try:
        validate_llm_settings(settings)
    except ValueError as exc:
        raise click.UsageError(f"Cấu hình mô hình ngôn ngữ không hợp lệ: {exc}") from exc
    try:
        assistant = Assistant.open(settings)
    except (IngestError, ValueError) as exc:  # ValueError: e.g. an unreadable abstention model
        raise click.ClickException(str(exc)) from exc
    url = f"http://{settings.host}:{settings.port}"
    click.echo(f"Dịch vụ trợ lý CĐS đang chạy tại {url}")
    click.echo(f"Tài liệu API (OpenAPI): {url}/docs — API tương thích OpenAI: {url}/v1")
    try:
        uvicorn.run(create_app(settings, assistant), host=settings.host, port=settings.port, log_level="info")
    finally:
        assistant.close()
