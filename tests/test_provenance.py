"""Trust by provenance: an answer quoting a document of unknown standing says so, and where an official
document in force answers too, the official one is cited first."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from assistant.core import Assistant
from ingest.pipeline import CorpusIndex
from tests.conftest import CORPUS_DIR, make_settings

pytestmark = pytest.mark.slow

LAW = "legal/luat-24-2018-qh14-an-ninh-mang.txt"
# An anonymous note restating Điều 1 of the law in its own words, with no manifest row.
NOTE = ("GHI CHÉP HỘI NGHỊ\nLuật An ninh mạng quy định về hoạt động bảo vệ an ninh quốc gia và bảo đảm trật tự, "
        "an toàn xã hội trên không gian mạng; trách nhiệm của cơ quan, tổ chức, cá nhân có liên quan.\n")


def test_an_unknown_document_is_flagged_and_cited_after_the_law(tmp_path: Path, embed_cache: Path):
    corpus = tmp_path / "corpus"
    (corpus / "legal").mkdir(parents=True)
    shutil.copy2(CORPUS_DIR / LAW, corpus / LAW)
    rows = json.loads((CORPUS_DIR / "manifest.json").read_text(encoding="utf-8"))["documents"]
    (corpus / "manifest.json").write_text(json.dumps({"documents": [r for r in rows if r["source_file"] == LAW]},
                                                     ensure_ascii=False), encoding="utf-8")
    (corpus / "ghi-chep.txt").write_text(NOTE, encoding="utf-8")
    settings = make_settings(tmp_path / "data", embed_cache, corpus_dir=corpus)
    index = CorpusIndex.open(settings)
    try:
        index.refresh(progress=False)
        assert index.docstore.get("ghi-chep").meta.status in (None, "unknown")
        answer = Assistant(settings, index).ask("Luật An ninh mạng quy định về những nội dung gì?")
        only_note = Assistant(settings, index).ask("Ghi chép hội nghị nói gì về trật tự, an toàn xã hội trên không gian mạng?")
    finally:
        index.close()
    assert answer.answerable and answer.citations[0].doc_id == "luat-anm-2018"
    assert only_note.answerable and "ghi-chep" in {c.doc_id for c in only_note.citations}
    assert any("chưa rõ số hiệu, cơ quan ban hành và tình trạng hiệu lực" in w for w in only_note.warnings)
    assert "(chưa rõ tình trạng)" in only_note.answer
