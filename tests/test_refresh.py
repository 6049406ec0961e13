"""What makes stored and cached data go stale: the ingest code (the code version) and the corpus
(caches derived from the indexed documents)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.engine.retrieve import Retriever
from ingest import pipeline
from ingest.pipeline import CorpusIndex
from tests.conftest import make_settings


@pytest.fixture
def ingest_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the ingest package whose source the code version hashes."""
    copy = Path(shutil.copytree(pipeline._INGEST_DIR, tmp_path / "ingest", ignore=shutil.ignore_patterns("__pycache__")))
    monkeypatch.setattr(pipeline, "_INGEST_DIR", copy)
    return copy


@pytest.mark.parametrize("module", ["_guidance_table.py", "_guidance_tasks.py", "model.py", "corpus.py",
                                    "structure.py", "chunk.py", "load.py", "index.py"])
def test_code_version_changes_with_every_module_that_shapes_stored_data(ingest_copy: Path, module: str):
    before = pipeline._code_version()
    with (ingest_copy / module).open("a", encoding="utf-8") as f:
        f.write("\n# changed\n")
    assert pipeline._code_version() != before


def test_code_version_covers_a_new_module_and_ignores_settings_and_errors(ingest_copy: Path):
    before = pipeline._code_version()
    for module in ("settings.py", "errors.py"):
        with (ingest_copy / module).open("a", encoding="utf-8") as f:
            f.write("\n# changed\n")
    assert pipeline._code_version() == before
    (ingest_copy / "_guidance_new.py").write_text("RULE = 1\n", encoding="utf-8")
    assert pipeline._code_version() != before


@pytest.mark.slow
def test_diacritic_restoration_learns_the_words_of_an_added_document(tmp_path: Path, embed_cache: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "ke-hoach.txt").write_text("Kế hoạch chuyển đổi số cấp xã năm 2025.\n", encoding="utf-8")
    index = CorpusIndex.open(make_settings(tmp_path / "data", embed_cache, corpus_dir=corpus))
    try:
        index.refresh(progress=False)
        retriever = Retriever(index)
        assert retriever.search("ke hoach nen tang dung chung").query == "kế hoạch nen tang dung chung"
        (corpus / "nen-tang.txt").write_text("Phát triển nền tảng số dùng chung.\n", encoding="utf-8")
        index.refresh(progress=False)
        assert retriever.search("ke hoach nen tang dung chung").query == "kế hoạch nền tảng dùng chung"
    finally:
        index.close()
