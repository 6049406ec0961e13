"""`cds serve`: open the Assistant (building or refreshing the index), then run the HTTP service.

While it runs, its record in the data directory (``assistant.local_service``) sends other `cds`
commands of this data directory through it.
"""

from __future__ import annotations

import click

from ingest.settings import Settings


@click.command()
@click.option("--host", help="Địa chỉ lắng nghe (mặc định CDS_HOST hoặc 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), help="Cổng (mặc định CDS_PORT hoặc 8000).")
@click.pass_obj
def serve(settings: Settings, host: str | None, port: int | None) -> None:
    """Chạy dịch vụ HTTP: hỏi đáp, hội thoại, tìm kiếm, tài liệu và API tương thích OpenAI."""
    from assistant.local_service import ServiceConflict, advertise, check_port

    settings = settings.model_copy(update={"host": host or settings.host, "port": port or settings.port})
    try:
        check_port(settings.host, settings.port, "--port hoặc CDS_PORT")
        # Advertised before the slow imports and the index: from now on other commands wait for this service.
        with advertise(settings.data_dir, settings.host, settings.port, "serve") as record:
            import uvicorn

            from assistant.api.app import create_app
            from assistant.cli import open_index
            from assistant.core import Assistant
            from assistant.llm import validate_llm_settings
            from ingest.errors import IngestError

            try:
                validate_llm_settings(settings)
            except ValueError as exc:
                raise click.UsageError(f"Cấu hình mô hình ngôn ngữ không hợp lệ: {exc}") from exc
            try:
                index = open_index(settings)
                assistant = Assistant(settings, index)
            except (IngestError, ValueError) as exc:  # ValueError: e.g. an unreadable abstention model
                raise click.ClickException(str(exc)) from exc
            click.echo(f"Dịch vụ trợ lý CĐS đang chạy tại {record.url}")
            click.echo(f"Tài liệu API (OpenAPI): {record.url}/docs — API tương thích OpenAI: {record.url}/v1")
            try:
                uvicorn.run(create_app(settings, assistant), host=settings.host, port=settings.port, log_level="info")
            finally:
                assistant.close()
    except ServiceConflict as exc:
        raise click.ClickException(str(exc)) from exc
