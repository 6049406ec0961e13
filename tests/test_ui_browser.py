"""The web app in a real browser: Debian's headless Chromium driven by Playwright, against the app and
the HTTP API served by uvicorn on the session's real index (embedded Qdrant Edge, real embedder).

Screenshots go to test-artifacts/ (git-ignored). Every request the page makes to another host is
refused and recorded: the page must work with the network closed.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from playwright.sync_api import Browser, Page, Request, expect

from assistant.core import Assistant
from assistant.drafting.knowledge import KnowledgeBase
from assistant.drafting.tasks import COLUMNS, draft_tasks
from ingest.errors import LoadError
from ingest.load import load_file
from ingest.pipeline import CorpusIndex
from ingest.settings import REPO_ROOT, Settings
from tests.conftest import DATASETS_DIR, refuse_other_hosts
from tests.live_servers import serve_app

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ARTIFACTS = REPO_ROOT / "test-artifacts"
TIMEOUT_MS = 120_000  # two shared cores: answering, drafting and ingesting can take a while
expect.set_options(timeout=TIMEOUT_MS)
_STREAMS: dict[Page, set] = {}  # see _track_event_streams
QUESTION = "Nhiệm vụ xây dựng Hệ thống phòng vệ mạng quốc gia do ai chủ trì?"
OFF_TOPIC = "Giá vé xem chung kết bóng đá World Cup 2026 là bao nhiêu?"


@pytest.fixture(scope="module")
def assistant(settings: Settings, corpus_index: CorpusIndex) -> Assistant:
    """The Assistant over the session's index (which the corpus_index fixture closes)."""
    return Assistant(settings, corpus_index)


@pytest.fixture(scope="module")
def app_url(settings: Settings, assistant: Assistant) -> Iterator[str]:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from ui.app import web_app

    with serve_app(web_app(settings, assistant)) as url:
        yield url


@pytest.fixture(scope="module")
def server_app_url(server_index: CorpusIndex) -> Iterator[str]:
    """The same app over the Qdrant server code path (qdrant-client; its local mode stands in for a server)."""
    from ui.app import web_app

    with serve_app(web_app(server_index.settings, Assistant(server_index.settings, server_index))) as url:
        yield url


@pytest.fixture
def page(browser: Browser, app_url: str, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser session on the app; a screenshot of the final state is kept for every test."""
    yield from _open(browser, app_url, request.node.name)


@pytest.fixture
def server_page(browser: Browser, server_app_url: str, request: pytest.FixtureRequest) -> Iterator[Page]:
    yield from _open(browser, server_app_url, request.node.name)


def _open(browser: Browser, app_url: str, name: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True, locale="vi-VN")
    outside = refuse_other_hosts(context, app_url)
    page = context.new_page()
    _track_event_streams(page)
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(app_url)
    expect(page.locator("#cds-question textarea")).to_be_visible()
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
    context.close()
    del _STREAMS[page]
    assert outside == [], f"the page tried to reach other hosts: {outside}"


def _track_event_streams(page: Page) -> None:
    """Keep the page's open Gradio event streams (GET …/queue/data) in ``_STREAMS[page]``."""
    streams = _STREAMS[page] = set()

    def opened(request: Request) -> None:
        if "/queue/data" in request.url:
            streams.add(request)

    def closed(request: Request) -> None:
        streams.discard(request)

    page.on("request", opened)
    page.on("requestfinished", closed)  # a stream the client aborts on "close_stream" fails
    page.on("requestfailed", closed)


def _settle(page: Page) -> None:
    """Wait until the events the page sent have closed their stream. Gradio's client (6.x) loses a queued
    event sent while a finished event's stream is closing: it opens no new stream and the answer never shows
    (reproduced on two busy cores with a question sent as the page's queued load event finished)."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while _STREAMS[page] and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert not _STREAMS[page], "the previous event's stream did not close"


def _ask(page: Page, question: str) -> None:
    _settle(page)
    page.fill("#cds-question textarea", question)
    page.click("#cds-send")


def _last_answer(page: Page):
    return page.locator("#cds-chat .message-row").last


def test_asking_shows_an_answer_with_citations_and_a_click_opens_the_highlighted_quote(page: Page,
                                                                                       assistant: Assistant):
    expected = assistant.ask(QUESTION)
    assert expected.answerable and expected.citations
    _ask(page, QUESTION)
    answer = _last_answer(page)
    expect(answer.locator("a.cds-cite").first).to_be_visible()
    expect(answer).to_contain_text("Bộ Công an")
    expect(answer).to_contain_text("Nguồn")
    expect(answer.locator(".cds-draft").first).to_have_text("DỰ THẢO")  # the task list is a draft
    page.screenshot(path=_artifact("chat-answer.png"))

    first = expected.citations[0]
    answer.locator(f'a.cds-cite[href$="-{first.n}"]').first.click()
    mark = page.locator("#cds-source mark")
    expect(mark).to_be_visible()
    assert mark.text_content() == first.quote
    expect(mark).to_be_in_viewport()
    expect(page.locator("#cds-source")).to_contain_text(first.citation)
    expect(page.locator("#cds-source .cds-draft")).to_have_text("DỰ THẢO")


def test_the_app_answers_the_same_over_a_qdrant_server(server_page: Page, server_index: CorpusIndex):
    expected = Assistant(server_index.settings, server_index).ask(QUESTION)
    _ask(server_page, QUESTION)
    first = expected.citations[0]
    _last_answer(server_page).locator(f'a.cds-cite[href$="-{first.n}"]').first.click()
    mark = server_page.locator("#cds-source mark")
    expect(mark).to_be_visible()
    assert mark.text_content() == first.quote


def test_a_follow_up_is_answered_in_the_same_session_which_survives_a_reload(page: Page):
    _ask(page, QUESTION)
    expect(_last_answer(page)).to_contain_text("Nguồn")  # written after the streamed text: the answer is done
    _ask(page, "ai phối hợp?")
    expect(page.locator("#cds-chat .message-row")).to_have_count(4)
    follow_up = _last_answer(page)
    expect(follow_up.locator("a.cds-cite").first).to_be_visible()
    expect(follow_up).to_contain_text("Câu hỏi được hiểu là: Nhiệm vụ xây dựng Hệ thống phòng vệ mạng quốc gia")
    expect(follow_up).to_contain_text("phối hợp")
    expect(follow_up).to_contain_text("Nguồn")

    page.reload()  # the browser keeps the session: the conversation comes back, its citations still open
    expect(page.locator("#cds-chat .message-row")).to_have_count(4)
    expect(_last_answer(page)).to_contain_text("Câu hỏi được hiểu là")
    _last_answer(page).locator("a.cds-cite").first.click()
    expect(page.locator("#cds-source mark")).to_be_visible()
    page.click("#cds-new-chat")
    expect(page.locator("#cds-chat .message-row")).to_have_count(0)
    page.reload()
    expect(page.locator("#cds-question textarea")).to_be_visible()
    expect(page.locator("#cds-chat .message-row")).to_have_count(0)


def test_a_question_the_corpus_cannot_answer_says_so_with_related_passages(page: Page, assistant: Assistant):
    expected = assistant.ask(OFF_TOPIC)
    assert not expected.answerable
    _ask(page, OFF_TOPIC)
    answer = _last_answer(page)
    expect(answer.locator(".cds-refusal")).to_have_text("KHÔNG CÓ TRONG TÀI LIỆU")
    expect(answer).to_contain_text("Có thể liên quan")
    expect(answer.locator("a.cds-cite")).to_have_count(0)
    nearest = expected.passages[0]
    answer.locator(f'a.cds-passage[href$="-{nearest.rank}"]').click()
    assert page.locator("#cds-source mark").text_content() == nearest.text


def test_drafting_a_commune_task_list_downloads_a_docx_with_the_table(page: Page, corpus_index: CorpusIndex):
    expected = draft_tasks(KnowledgeBase.of(corpus_index), level="xa", period="2025")
    page.get_by_role("tab", name="Soạn thảo").click()
    page.locator("#cds-draft-level").get_by_label("Cấp xã").check()
    page.locator("#cds-draft-period").get_by_label("2025", exact=True).check()
    page.click("#cds-draft-go")
    expect(page.locator("#cds-draft-summary")).to_contain_text(f"{len(expected.rows)} dòng nhiệm vụ")
    expect(page.locator("#cds-draft-table")).to_contain_text(expected.rows[0].task[:60])
    expect(page.locator("#cds-draft-sources")).to_contain_text(expected.citations[0].citation)
    with page.expect_download() as download:
        page.click("#cds-download-docx")
    assert download.value.suggested_filename == "danh-muc-nhiem-vu-xa-2025.docx"
    path = _artifact(download.value.suggested_filename)
    download.value.save_as(path)

    [grid] = docx.Document(str(path)).tables
    assert [cell.text for cell in grid.rows[0].cells] == COLUMNS
    numbered = [[cell.text for cell in row.cells] for row in grid.rows[1:] if row.cells[0].text.isdigit()]
    assert [row[0] for row in numbered] == [str(row.stt) for row in expected.rows]
    assert [row[1] for row in numbered] == [row.task for row in expected.rows]
    assert numbered[0][3].startswith("UBND xã")


def test_an_edited_cell_reaches_the_downloaded_csv(page: Page):
    page.get_by_role("tab", name="Soạn thảo").click()
    page.click("#cds-draft-go")
    cell = page.locator("#cds-draft-table").get_by_role("row").nth(1).get_by_role("gridcell").nth(2)
    expect(cell).to_contain_text("[Kết quả dự kiến]")
    cell.dblclick()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("Tổ chức 4 lớp tập huấn cho cán bộ xã")
    page.keyboard.press("Enter")
    expect(cell).to_contain_text("Tổ chức 4 lớp tập huấn")
    # The downloads are rewritten in the background after each edit: download until the edit is there.
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        with page.expect_download() as download:
            page.click("#cds-download-csv")
        text = Path(download.value.path()).read_text(encoding="utf-8-sig")
        if "Tổ chức 4 lớp tập huấn cho cán bộ xã" in text or time.monotonic() > deadline:
            break
        page.wait_for_timeout(250)
    assert "Tổ chức 4 lớp tập huấn cho cán bộ xã" in text
    assert "[Kết quả dự kiến]" in text  # the other rows keep their cells


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_a_corrupt_upload_shows_a_vietnamese_error_and_leaves_the_corpus_unchanged(
        page: Page, settings: Settings, corpus_index: CorpusIndex, tmp_path: Path):
    corrupt = tmp_path / "ke-hoach-hong.docx"
    corrupt.write_bytes(b"PK\x03\x04 this is not a Word document")
    with pytest.raises(LoadError) as expected:
        load_file(corrupt, max_bytes=int(settings.max_file_mb * 1024 * 1024))
    bundled, added = _tree(settings.corpus_dir), _tree(settings.user_corpus_dir)  # uploads go to the latter
    counts_before = (len(corpus_index.docstore.documents()), corpus_index.store.count())

    page.get_by_role("tab", name="Tài liệu").click()
    page.get_by_text("Thêm tài liệu vào kho").click()
    page.locator("#cds-upload-files input[type=file]").set_input_files(corrupt)
    expect(page.locator("#cds-upload-files")).to_contain_text("ke-hoach-hong")
    page.click("#cds-upload-button")
    error = page.locator("#cds-upload-result .cds-error")
    expect(error).to_contain_text("Lỗi:")
    expect(error).to_contain_text(str(expected.value))
    assert _tree(settings.corpus_dir) == bundled and _tree(settings.user_corpus_dir) == added
    assert (len(corpus_index.docstore.documents()), corpus_index.store.count()) == counts_before
    expect(page.locator("#cds-doc-table").get_by_role("row")).to_have_count(1 + counts_before[0])  # + header


def test_browsing_a_document_shows_its_metadata_clause_tree_and_text(page: Page, corpus_index: CorpusIndex):
    draft = next(d for d in corpus_index.docstore.documents() if d.meta.status == "draft")
    page.get_by_role("tab", name="Tài liệu").click()
    row = page.locator("#cds-doc-table").get_by_role("row").filter(has_text=draft.meta.id)
    expect(row).to_contain_text("DỰ THẢO")
    row.get_by_role("gridcell").first.click()
    view = page.locator("#cds-doc-view")
    expect(view.locator(".cds-doc-head")).to_contain_text(draft.meta.title)
    expect(view.locator(".cds-doc-head .cds-draft")).to_have_text("DỰ THẢO")
    link = view.locator(".cds-tree > ul > li > a, .cds-tree > ul > li > details > summary > a").last
    target = link.get_attribute("href").removeprefix("#")
    link.click()
    expect(view.locator(f"#{target}")).to_be_in_viewport()


def test_evaluating_an_uploaded_dataset_shows_the_metrics_and_plots(page: Page, tmp_path: Path):
    rows = [json.loads(line) for line in (DATASETS_DIR / "dev.jsonl").read_text(encoding="utf-8").splitlines()]
    dataset = tmp_path / "mini.jsonl"
    dataset.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows[:3]), encoding="utf-8")
    page.get_by_role("tab", name="Đánh giá").click()
    page.locator("#cds-eval-file input[type=file]").set_input_files(dataset)
    expect(page.locator("#cds-eval-file")).to_contain_text("mini")
    page.click("#cds-eval-run")
    report = page.locator("#cds-eval-report")
    expect(report).to_contain_text("Đánh giá hỏi đáp: mini.jsonl")
    expect(report.locator("table").first).to_contain_text("Recall@1")
    expect(page.locator("#cds-eval-plots img")).to_have_count(3)


def _artifact(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / re.sub(r"[^\w.-]", "_", name)
