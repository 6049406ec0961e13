"""Scanned PDFs read with Tesseract's Vietnamese model, and legacy Word .doc files read with antiword/catdoc.

The scan is a real page of Luật Giao dịch điện tử 2023 (the corpus copy) drawn as an image with the
DejaVu Sans font matplotlib ships, saved as an image-only PDF; the .doc files (tests/data) are Điều 1-3
of Luật An ninh mạng 2018 and a plan with two task tables, saved by LibreOffice as Word 97-2003. They go through the real loader, normaliser,
structure parser, chunker and node builder (the slow test through the real index and answer); no
program is faked.
"""

from __future__ import annotations

import io
import os
import shutil
import textwrap
from pathlib import Path

import docx
import matplotlib
import pytest
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader, PdfWriter

from assistant.core import Assistant
from assistant.engine.retrieve import Retriever
from ingest.chunk import chunk_document
from ingest.corpus import DocMeta
from ingest.docstore import DocStore, StoredDocument
from ingest.errors import LoadError
from ingest.load import load_file
from ingest.nodes import chunks_to_nodes
from ingest.normalise import normalise
from ingest.pipeline import CorpusIndex
from ingest.settings import REPO_ROOT
from ingest.structure import parse_structure
from tests.conftest import make_settings
from tests.test_load import _minimal_pdf

MAX_BYTES = 20 * 1024 * 1024
LAW_20 = REPO_ROOT / "corpus" / "legal" / "luat-20-2023-qh15-giao-dich-dien-tu.txt"
DOC = Path(__file__).parent / "data" / "luat-an-ninh-mang-dieu-1-3.doc"
DOC_TABLES = Path(__file__).parent / "data" / "ke-hoach-cds-bang-nhiem-vu.doc"
PROBE = "Luật này quy định việc thực hiện giao dịch bằng phương tiện điện tử."  # khoản 1 Điều 1
DOC_PROBE = "Luật này quy định về hoạt động bảo vệ an ninh quốc gia và bảo đảm trật tự, an toàn xã hội"

needs_ocr = pytest.mark.skipif(
    not (shutil.which("tesseract") and shutil.which("pdftoppm")),
    reason="OCR needs the Debian packages tesseract-ocr, tesseract-ocr-vie and poppler-utils (tests/run_all.sh installs them)",
)
needs_antiword = pytest.mark.skipif(
    not (shutil.which("antiword") and shutil.which("catdoc")),
    reason=".doc needs the Debian packages antiword and catdoc (tests/run_all.sh installs them)",
)


def _scanned_law_page() -> bytes:
    """The law's first page (heading, Điều 1-3) as one 200 dpi A4 bitmap in a PDF without a text layer."""
    lines = LAW_20.read_text(encoding="utf-8").split("\n")
    end = next(i for i, line in enumerate(lines) if line.startswith("2. Phương tiện điện tử"))
    font = ImageFont.truetype(str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"), 30)
    page = Image.new("L", (1654, 2339), 255)
    draw = ImageDraw.Draw(page)
    y = 150
    for paragraph in filter(str.strip, lines[:end]):
        for line in textwrap.wrap(paragraph, 80):
            draw.text((150, y), line, font=font, fill=0)
            y += 42
        y += 14
    buffer = io.BytesIO()
    page.convert("1").save(buffer, "PDF", resolution=200)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scan") / "luat-giao-dich-dien-tu-ban-quet.pdf"
    path.write_bytes(_scanned_law_page())
    return path


def _meta(doc_id: str, source_file: str) -> DocMeta:
    return DocMeta(id=doc_id, source_file=source_file, title="Luật Giao dịch điện tử", short_title="Luật GDĐT")


# --- scanned PDF ------------------------------------------------------------------------------


@needs_ocr
def test_a_scanned_page_is_read_by_ocr_with_its_confidence(scan: Path):
    assert not PdfReader(scan).pages[0].extract_text().strip()  # really image-only
    loaded = load_file(scan, MAX_BYTES)
    [page] = loaded.ocr_pages
    assert (page.page, page.start, page.end) == (1, 0, len(loaded.text))
    assert page.confidence > 80
    assert loaded.format == "pdf"
    assert loaded.notes[0].startswith(f"đã nhận dạng ký tự (OCR) các trang ảnh quét, độ tin cậy trang 1: "
                                      f"{page.confidence:.1f}%".replace(".", ","))
    assert PROBE in normalise(loaded.text).text


@needs_ocr
def test_ocr_text_is_parsed_into_articles_and_its_chunks_are_flagged(scan: Path, tmp_path: Path):
    loaded = load_file(scan, MAX_BYTES)
    norm = normalise(loaded.text)
    parsed = parse_structure(norm.text, "gddt-quet")
    assert [c.label for c in parsed.clauses if c.kind == "article"] == ["Điều 1", "Điều 2", "Điều 3"]
    at = norm.text.index(PROBE)
    deepest = [c for c in parsed.clauses if c.start <= at and at + len(PROBE) <= c.end][-1]
    assert deepest.label == "khoản 1 Điều 1"

    chunks = chunk_document("gddt-quet", "Luật GDĐT", norm.text, parsed, max_chars=1400)
    [chunk] = [c for c in chunks if PROBE in c.text]
    assert deepest.id in chunk.clause_ids and chunk.text == norm.text[chunk.start : chunk.end]
    meta = _meta("gddt-quet", scan.name)
    nodes = chunks_to_nodes(chunks, meta, norm, loaded.ocr_pages)
    assert all(n.metadata["ocr"] and n.metadata["ocr_confidence"] == loaded.ocr_pages[0].confidence for n in nodes)

    store = DocStore(tmp_path / "docstore.sqlite")
    doc = StoredDocument(meta=meta, norm=norm, parsed=parsed, source_text=loaded.text, format=loaded.format,
                         node_ids=tuple(n.node_id for n in nodes), notes=loaded.notes, ocr_pages=loaded.ocr_pages)
    store.complete(doc, "fingerprint")
    store.close()
    reopened = DocStore(tmp_path / "docstore.sqlite")
    stored = reopened.get("gddt-quet")
    reopened.close()
    assert stored.ocr_pages == loaded.ocr_pages
    assert stored.ocr_confidence(chunk.start, chunk.end) == loaded.ocr_pages[0].confidence


@needs_ocr
def test_only_the_pages_without_a_text_layer_are_recognised(scan: Path):
    writer = PdfWriter(clone_from=io.BytesIO(_minimal_pdf(["Trang co lop chu"])))
    writer.append(PdfReader(scan))
    buffer = io.BytesIO()
    writer.write(buffer)
    path = scan.with_name("hon-hop.pdf")
    path.write_bytes(buffer.getvalue())

    loaded = load_file(path, MAX_BYTES)
    [page] = loaded.ocr_pages
    assert page.page == 2
    assert loaded.text.startswith("Trang co lop chu\n")
    assert PROBE in normalise(loaded.text[page.start : page.end]).text
    norm = normalise(loaded.text)
    doc = StoredDocument(meta=_meta("hon-hop", path.name), norm=norm, parsed=parse_structure(norm.text, "hon-hop"),
                         source_text=loaded.text, format="pdf", node_ids=(), ocr_pages=loaded.ocr_pages)
    assert doc.ocr_confidence(0, len("Trang co lop chu")) is None
    assert doc.ocr_confidence(norm.text.index(PROBE), norm.text.index(PROBE) + len(PROBE)) == page.confidence


@needs_ocr
@pytest.mark.slow
def test_a_question_on_the_scanned_page_is_answered_with_its_clause_cited(tmp_path: Path, embed_cache: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "luat-gddt-ban-quet.pdf").write_bytes(_scanned_law_page())
    settings = make_settings(tmp_path / "data", embed_cache, corpus_dir=corpus)
    index = CorpusIndex.open(settings)
    try:
        report = index.refresh(progress=False)
        answer = Assistant(settings, index).ask("Luật này có quy định nội dung, hình thức của giao dịch không?")
    finally:
        index.close()
    assert report.errors == []
    assert [file for file, note in report.notes if note.startswith("đã nhận dạng ký tự (OCR)")] == ["luat-gddt-ban-quet.pdf"]
    assert answer.answerable
    assert answer.citations[0].clause == "khoản 2 Điều 1"
    assert answer.citations[0].quote == "2. Luật này không quy định về nội dung, điều kiện, hình thức của giao dịch."
    assert any("nhận dạng từ bản quét (OCR" in w for w in answer.warnings), answer.warnings


@needs_ocr
@needs_antiword
@pytest.mark.slow
def test_without_the_tools_both_files_fail_alone_and_the_index_keeps_them(tmp_path: Path, embed_cache: Path,
                                                                           monkeypatch: pytest.MonkeyPatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "luat-gddt-ban-quet.pdf").write_bytes(_scanned_law_page())
    shutil.copy(DOC, corpus / DOC.name)
    lines = (REPO_ROOT / "corpus" / "legal" / "luat-67-2006-qh11-cong-nghe-thong-tin.txt").read_text(encoding="utf-8")
    (corpus / "luat-cntt-trich.txt").write_text(lines[: lines.index("Điều 3.")], encoding="utf-8")
    settings = make_settings(tmp_path / "data", embed_cache, corpus_dir=corpus)
    index = CorpusIndex.open(settings)
    try:
        assert index.refresh(progress=False).errors == []
        _path_without(tmp_path, monkeypatch)  # a machine without tesseract, pdftoppm, antiword or catdoc
        report = index.refresh(progress=False, force=True)
        passages = Retriever(index).search(PROBE, k=3).passages
    finally:
        index.close()
    errors = dict(report.errors)
    assert errors.keys() == {"luat-gddt-ban-quet.pdf", DOC.name}
    assert "apt-get install tesseract-ocr tesseract-ocr-vie poppler-utils" in errors["luat-gddt-ban-quet.pdf"]
    assert "apt-get install antiword catdoc" in errors[DOC.name]
    assert report.documents == 3 and report.removed == []  # what was indexed before stays searchable
    assert any(PROBE in p.text for p in passages)


def _path_without(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *keep: str) -> None:
    """PATH holding only the named programs (links to the real ones)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in keep:
        os.symlink(shutil.which(name), bin_dir / name)
    monkeypatch.setenv("PATH", str(bin_dir))


def test_a_scan_without_ocr_installed_says_what_to_install(scan: Path, tmp_path: Path, monkeypatch):
    _path_without(tmp_path, monkeypatch)
    with pytest.raises(LoadError) as error:
        load_file(scan, MAX_BYTES)
    message = str(error.value)
    assert message.startswith(f"{scan.name}: tệp PDF không có lớp văn bản (bản quét), cần nhận dạng ký tự (OCR)")
    assert "apt-get install tesseract-ocr tesseract-ocr-vie poppler-utils" in message


# --- legacy .doc ------------------------------------------------------------------------------


@needs_antiword
@pytest.mark.parametrize("reader", ["antiword", "catdoc"])
def test_a_legacy_doc_is_loaded_and_parsed(reader: str, tmp_path: Path, monkeypatch):
    if reader == "catdoc":  # the fallback, used where antiword is missing or fails
        _path_without(tmp_path, monkeypatch, "catdoc")
    loaded = load_file(DOC, MAX_BYTES)
    assert (loaded.format, loaded.encoding, loaded.notes, loaded.ocr_pages) == ("doc", None, (), ())
    text = normalise(loaded.text).text
    assert DOC_PROBE in text
    parsed = parse_structure(text, "an-ninh-mang")
    assert [c.label for c in parsed.clauses if c.kind == "article"] == ["Điều 1", "Điều 2", "Điều 3"]
    assert "điểm a khoản 5 Điều 2" in [c.label for c in parsed.clauses]


@needs_antiword
def test_a_legacy_doc_s_tables_are_read_row_by_row():
    """tests/data/ke-hoach-cds-bang-nhiem-vu.doc: test_tables.py's plan (real rows of 002) saved by LibreOffice
    as Word 97-2003. antiword leaves cells merged down empty, so only .docx carries them down."""
    text = normalise(load_file(DOC_TABLES, MAX_BYTES).text).text
    lines = text.split("\n")
    first = lines.index("Bảng 1: STT | Tên nhiệm vụ | Cơ quan chủ trì | Cơ quan phối hợp | Thời hạn hoàn thành")
    assert lines[first + 1] == "Dòng 1 — I. VỀ HOÀN THIỆN THỂ CHẾ"
    assert lines[first + 5] == ("Dòng 5 — STT: 4; Tên nhiệm vụ: Xây dựng Nghị định hướng dẫn chi tiết Luật Chuyển đổi số; "
                                "Cơ quan chủ trì: Bộ KH&CN; Cơ quan phối hợp: Các bộ, ngành, địa phương; "
                                "Thời hạn hoàn thành: 2026")
    row = next(c for c in parse_structure(text, "ke-hoach").clauses if c.label == "Phụ lục I, bảng 2, dòng 3")
    assert text[row.start : row.end] == ("Dòng 3 — STT: 3; Tên nhiệm vụ: Đảm bảo quy hoạch điện lực cho phát triển các "
                                         "Trung tâm dữ liệu; Cơ quan chủ trì: Bộ Công thương; Thời hạn hoàn thành: 2026")


@needs_antiword
def test_word_files_under_the_other_extension_are_read_by_their_content(tmp_path: Path):
    as_docx = tmp_path / "doi-duoi.docx"
    shutil.copy(DOC, as_docx)
    assert DOC_PROBE in normalise(load_file(as_docx, MAX_BYTES).text).text
    as_doc = tmp_path / "doi-duoi.doc"
    document = docx.Document()
    document.add_paragraph("Điều 1. Phạm vi điều chỉnh")
    document.save(as_doc)
    loaded = load_file(as_doc, MAX_BYTES)
    assert (loaded.text, loaded.format) == ("Điều 1. Phạm vi điều chỉnh\n", "doc")


def test_a_doc_without_antiword_or_catdoc_says_what_to_install(tmp_path: Path, monkeypatch):
    _path_without(tmp_path, monkeypatch)
    with pytest.raises(LoadError) as error:
        load_file(DOC, MAX_BYTES)
    assert str(error.value).startswith(f"{DOC.name}: tệp Word .doc (định dạng cũ) cần chương trình antiword hoặc "
                                       "catdoc để đọc nhưng máy chưa cài.")
    assert "apt-get install antiword catdoc" in str(error.value)


@needs_antiword
def test_a_damaged_doc_names_the_file(tmp_path: Path):
    path = tmp_path / "hong.doc"
    path.write_bytes(DOC.read_bytes()[:4096])  # the container header without its streams
    with pytest.raises(LoadError, match=r"^hong\.doc: không đọc được tệp Word \.doc"):
        load_file(path, MAX_BYTES)
