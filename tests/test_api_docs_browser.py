"""The API docs in headless Chromium with the network cut: Swagger UI (/docs) loads its script and styles
from the package, so it renders every operation with no Internet."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from ingest.pipeline import CorpusIndex
from ingest.settings import Settings
from tests.conftest import refuse_other_hosts
from tests.live_servers import serve_api

pytestmark = [pytest.mark.slow, pytest.mark.browser]

TITLE = "Trợ lý chuyển đổi số (CĐS)"
TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def base_url(settings: Settings, corpus_index: CorpusIndex) -> Iterator[str]:
    keyed = settings.model_copy(update={"api_key": "khoa-tai-lieu"})
    with serve_api(keyed, corpus_index) as url:
        yield url


@pytest.fixture(scope="module")
def operations(base_url: str) -> set[tuple[str, str]]:
    schema = httpx.get(f"{base_url}/openapi.json").json()
    return {(method.upper(), path) for path, methods in schema["paths"].items() for method in methods}


@pytest.fixture
def offline_page(browser: Browser, base_url: str) -> Iterator[Page]:
    context = browser.new_context(locale="vi-VN")
    outside = refuse_other_hosts(context, base_url)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()
    assert outside == [], f"the docs tried to reach other hosts: {outside}"


def test_swagger_ui_renders_every_operation_offline(offline_page: Page, base_url: str,
                                                    operations: set[tuple[str, str]]) -> None:
    offline_page.goto(f"{base_url}/docs")
    expect(offline_page.locator(".swagger-ui .info .title")).to_contain_text(TITLE)
    blocks = offline_page.locator(".opblock-summary")
    expect(blocks).to_have_count(len(operations), timeout=TIMEOUT_MS)
    shown = {(block.locator(".opblock-summary-method").inner_text().strip(),
              block.locator(".opblock-summary-path").get_attribute("data-path")) for block in blocks.all()}
    assert shown == operations
    expect(offline_page.locator(".swagger-ui .btn.authorize")).to_be_visible()  # CDS_API_KEY is set
