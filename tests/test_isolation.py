"""One document can never stop the others: awkward real-shaped inputs ingest with their text findable,
and a document that makes a stage fail (parser, embedder) fails alone, with a Vietnamese error naming
it, while every other document is indexed and served and the indexed version of it is kept.

The failing stages are made to fail by wrapping the real stage (an unknown future bug cannot be
written as real input); everything else is real: files on disk, the embedder, embedded Qdrant, the CLI.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import ingest.pipeline
from assistant.cli import main
from assistant.engine.retrieve import Retriever
from ingest.embed import build_embedder
from ingest.pipeline import CorpusIndex
from tests.conftest import CORPUS_DIR, make_settings

pytestmark = pytest.mark.slow

NQ57 = "legal/nghi-quyet-57-nq-tw-2024-dot-pha-khcn-dmst-chuyen-doi-so.txt"
BREAKS = "ĐOẠN NÀY LÀM HỎNG BỘ PHÂN TÍCH"

# The shape that once raised RecursionError and bricked every command: numbering that restarts under
# repeated "Phụ lục N" headings, then a signature block.
APPENDICES = "\n".join(
    ["KẾ HOẠCH ỨNG DỤNG CÔNG NGHỆ THÔNG TIN XÃ THỬ NGHIỆM", "I. MỤC TIÊU", "1. Hoàn thành số hóa hồ sơ."]
    + [line for n in range(1, 41) for line in (
        f"Phụ lục {n}", f"DANH MỤC THIẾT BỊ NHÓM {n}",
        *(f"{i}. Trang bị máy tính cho bộ phận một cửa, đợt {i} của nhóm {n}." for i in range(1, 4)))]
    + ["Nơi nhận:", "- Như trên;", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]
)
APPENDIX_PROBE = "Trang bị máy tính cho bộ phận một cửa, đợt 2 của nhóm 37."


def _corpus(root: Path) -> Path:
    corpus = root / "corpus"
    (corpus / "legal").mkdir(parents=True)
    shutil.copy2(CORPUS_DIR / NQ57, corpus / NQ57)
    (corpus / "ke-hoach-phu-luc.txt").write_text(APPENDICES, encoding="utf-8")
    (corpus / "cong-van-le.txt").write_text(
        "CÔNG VĂN\nVề việc rà soát hạ tầng số\n1. Các xã rà soát điểm phát sóng di động.\n", encoding="utf-8")
    return corpus


def _open(root: Path, corpus: Path, embed_cache: Path, **kwargs) -> CorpusIndex:
    return CorpusIndex.open(make_settings(root / "data", embed_cache, corpus_dir=corpus), **kwargs)


def test_awkward_documents_ingest_whole_and_are_found(tmp_path: Path, embed_cache: Path):
    index = _open(tmp_path, _corpus(tmp_path), embed_cache)
    report = index.refresh(progress=False)
    assert report.errors == []
    assert set(report.coverage) == {"ke-hoach-phu-luc", "cong-van-le", "nghi-quyet-57-nq-tw-2024-dot-pha-khcn-dmst-chuyen-doi-so"}
    assert all(share == 1.0 for share in report.coverage.values())
    hit = Retriever(index).search(APPENDIX_PROBE, k=3).passages[0]
    assert hit.doc_id == "ke-hoach-phu-luc" and APPENDIX_PROBE in hit.text
    assert hit.clause_label.startswith("Phụ lục 37")
    stored = index.docstore.get("ke-hoach-phu-luc")
    closing = next(c for c in stored.parsed.clauses if c.label == "Phần kết")
    assert "TM. ỦY BAN NHÂN DÂN" in stored.text[closing.start : closing.end]
    index.close()


def test_a_document_that_breaks_the_parser_fails_alone(tmp_path: Path, embed_cache: Path,
                                                       monkeypatch: pytest.MonkeyPatch):
    corpus = _corpus(tmp_path)
    index = _open(tmp_path, corpus, embed_cache)
    index.refresh(progress=False)
    kept = set(index.docstore.get("cong-van-le").node_ids)

    parse = ingest.pipeline.parse_structure

    def breaks_on_marker(text: str, doc_id: str):
        if BREAKS in text:
            raise RecursionError("maximum recursion depth exceeded")
        return parse(text, doc_id)

    monkeypatch.setattr(ingest.pipeline, "parse_structure", breaks_on_marker)
    (corpus / "cong-van-le.txt").write_text(f"CÔNG VĂN\n{BREAKS}\n1. Nội dung mới.\n", encoding="utf-8")
    (corpus / "moi-hong.txt").write_text(f"KẾ HOẠCH MỚI\n{BREAKS}\n", encoding="utf-8")
    (corpus / "moi-tot.txt").write_text("KẾ HOẠCH MỚI\n1. Lắp camera giám sát tại trụ sở xã.\n", encoding="utf-8")
    report = index.refresh(progress=False)

    errors = dict(report.errors)
    assert set(errors) == {"cong-van-le.txt", "moi-hong.txt"}
    message = errors["moi-hong.txt"]
    assert message.startswith("moi-hong.txt: lỗi khi phân tích cấu trúc tài liệu này (RecursionError")
    assert "các tài liệu khác vẫn được lập chỉ mục" in message
    assert report.added == ["moi-tot"]
    # the indexed version of the broken update stays, points and text
    assert index.store.node_ids("cong-van-le") == kept
    assert "điểm phát sóng" in index.docstore.get("cong-van-le").text
    assert index.docstore.get("moi-hong") is None
    assert Retriever(index).search("camera giám sát trụ sở", k=1).passages[0].doc_id == "moi-tot"
    index.close()

    # every command still works, and says which file it skipped
    result = CliRunner().invoke(main, ["search", "điểm phát sóng di động", "--k", "1"],
                                obj=index.settings, prog_name="cds")
    assert result.exit_code == 0, result.output
    assert "CÔNG VĂN (chưa rõ) — Mục 1" in result.stdout and "Traceback" not in result.output


class _Refuses:
    """The real embedder, refusing any batch that holds a marked text (as a model choking on one input)."""

    def __init__(self, settings):
        self.inner = build_embedder(settings)
        self.name, self.dim = self.inner.name, self.inner.dim

    def embed_batch(self, texts, is_query):
        if any(BREAKS in t for t in texts):
            raise ValueError("input rejected by the model")
        return self.inner.embed_batch(texts, is_query)


def test_a_document_the_embedder_rejects_fails_alone(tmp_path: Path, embed_cache: Path):
    corpus = _corpus(tmp_path)
    (corpus / "khong-nhung-duoc.txt").write_text(f"VĂN BẢN\n{BREAKS}\n", encoding="utf-8")
    settings = make_settings(tmp_path / "data", embed_cache, corpus_dir=corpus)
    index = CorpusIndex.open(settings, embedder=_Refuses(settings))
    report = index.refresh(progress=False)
    assert [name for name, _ in report.errors] == ["khong-nhung-duoc.txt"]
    assert "lỗi khi tạo vectơ nhúng" in report.errors[0][1]
    assert sorted(report.added) == ["cong-van-le", "ke-hoach-phu-luc", "nghi-quyet-57-nq-tw-2024-dot-pha-khcn-dmst-chuyen-doi-so"]
    assert Retriever(index).search(APPENDIX_PROBE, k=1).passages[0].doc_id == "ke-hoach-phu-luc"
    index.close()
