"""POST /draft/section, /draft/tasks and /check on the real app and index: the same JSON as the CLI."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.drafting.check import check_draft
from assistant.core import Assistant
from assistant.drafting.draft import draft_section
from assistant.drafting.export import to_json
from assistant.drafting.tasks import draft_tasks
from ingest.pipeline import CorpusIndex
from ingest.settings import Settings

pytestmark = pytest.mark.slow

DRAFT = """\
# KẾ HOẠCH CHUYỂN ĐỔI SỐ TỈNH [TÊN TỈNH] GIAI ĐOẠN 2026-2030

## I. CĂN CỨ LẬP KẾ HOẠCH

- Nghị quyết số 57-NQ/TW ngày 22/12/2023 của Bộ Chính trị;

## II. MỤC TIÊU

## III. NHIỆM VỤ, GIẢI PHÁP

Thời hạn hoàn thành: 2031.
"""


@pytest.fixture(scope="module")
def client(settings: Settings, corpus_index: CorpusIndex) -> Iterator[TestClient]:
    with TestClient(create_app(settings, Assistant(settings, corpus_index))) as client:
        yield client


def test_a_section_is_the_cli_json(client, kb):
    body = {"section": "can-cu", "level": "tinh", "period": "2026-2030"}
    response = client.post("/draft/section", json=body)
    assert response.status_code == 200, response.text
    assert response.json() == json.loads(to_json(draft_section(kb, "can-cu", "tinh", "2026-2030")))


def test_a_province_task_list_for_2026_2030_is_cited_row_by_row(client, kb):
    response = client.post("/draft/tasks", json={"level": "tinh", "period": "2026-2030", "area": "an toan thong tin"})
    assert response.status_code == 200, response.text
    table = response.json()
    assert table == json.loads(to_json(draft_tasks(kb, "tinh", "2026-2030", "attt")))
    for row in table["rows"]:
        quote = row["sources"][0]
        assert row["task"] == quote["quote"] == kb.document(quote["doc_id"]).text[quote["char_start"]:quote["char_end"]]


@pytest.mark.parametrize("section", ["danh-muc", "can-cu"])
def test_a_province_2026_2030_section_downloads_as_docx(client, section):
    body = {"section": section, "level": "tinh", "period": "2026-2030", "format": "docx"}
    response = client.post("/draft/section", json=body)
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == f'attachment; filename="{section}-tinh-2026-2030.docx"'
    document = docx.Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Nguồn" in text
    if section == "danh-muc":
        assert document.tables[0].rows[0].cells[-1].text == "Căn cứ/Nguồn"
    else:
        assert "Nghị quyết số 57-NQ/TW ngày 22/12/2024" in text


def test_an_unknown_area_is_a_vietnamese_422(client):
    response = client.post("/draft/tasks", json={"level": "xa", "period": "2025", "area": "vu tru so"})
    assert response.status_code == 422
    assert "Các lĩnh vực hợp lệ" in response.json()["detail"]


def test_a_bad_level_is_a_vietnamese_422(client):
    response = client.post("/draft/section", json={"section": "can-cu", "level": "huyen", "period": "2025"})
    assert response.status_code == 422
    assert response.json()["detail"].startswith("Yêu cầu không hợp lệ")


def test_check_takes_an_uploaded_draft(client, kb, tmp_path: Path):
    path = tmp_path / "ke-hoach-tinh.md"
    path.write_text(DRAFT, encoding="utf-8")
    response = client.post("/check", files={"file": (path.name, path.read_bytes(), "text/markdown")})
    assert response.status_code == 200, response.text
    report = response.json()
    expected = json.loads(to_json(check_draft(kb, path)))
    assert {**report, "file": None} == {**expected, "file": None}
    assert report["file"] == "ke-hoach-tinh.md"
    kinds = {f["kind"] for f in report["findings"]}
    assert {"missing_section", "late_deadline", "legal_mismatch", "uncovered_task"} <= kinds


def test_check_refuses_a_format_it_cannot_read(client):
    response = client.post("/check", files={"file": ("ke-hoach.xlsx", b"PK\x03\x04", "application/octet-stream")})
    assert response.status_code == 422
    assert ".xlsx" in response.json()["detail"]
