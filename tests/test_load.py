"""load_file on the real corpus and on real .docx, HTML and PDF files built here, good and bad."""

from __future__ import annotations

import hashlib
import io
import unicodedata
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml import OxmlElement
from pypdf import PdfWriter

from ingest.errors import LoadError
from ingest.load import LoadedFile, load_file
from ingest.settings import REPO_ROOT
from tests.conftest import windows_1258

CORPUS = REPO_ROOT / "corpus"
CORPUS_FILES = sorted(CORPUS.rglob("*.txt"))
MAX_BYTES = 20 * 1024 * 1024
VIETNAMESE = "Kế hoạch chuyển đổi số cấp xã năm 2025: Ủy ban nhân dân xã chủ trì, phối hợp với Đảng ủy; Việt Nam."


def _minimal_pdf(pages: list[str]) -> bytes:
    """A valid PDF, written by hand: one Helvetica text line per page ("" gives a page with no text)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(len(pages)))
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i, text in enumerate(pages):
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
            f"/Contents {5 + 2 * i} 0 R >>".encode()
        )
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        content = f"BT /F1 12 Tf 72 720 Td ({escaped}) Tj ET".encode() if text else b""
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _encrypted(pdf: bytes, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    writer.encrypt(user_password=user_password, owner_password="chu-so-huu", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# --- the real corpus ----------------------------------------------------------------------------


def test_corpus_has_nine_text_files():
    assert len(CORPUS_FILES) == 9
    assert sum(p.parent.name == "legal" for p in CORPUS_FILES) == 4


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_loads_every_corpus_file(path: Path):
    loaded = load_file(path, MAX_BYTES)
    assert loaded.path == path
    assert loaded.text.strip()
    assert loaded.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (loaded.format, loaded.encoding, loaded.notes) == ("txt", "utf-8", ())


def test_decomposed_003_is_returned_as_written():
    path = CORPUS / "003_6e63688896bb502b.txt"
    text = load_file(path, MAX_BYTES).text
    assert text == path.read_bytes().decode("utf-8")
    assert not unicodedata.is_normalized("NFC", text)  # normalising is the next stage's job


# --- encodings ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "encoding", "notes"),
    [
        ("\ufeff".encode() + VIETNAMESE.encode(), "utf-8-sig", ()),
        (VIETNAMESE.encode("utf-16"), "utf-16", ("đã chuyển mã từ utf-16 sang UTF-8",)),
        (windows_1258(VIETNAMESE), "windows-1258", ("đã chuyển mã từ windows-1258 sang UTF-8",)),
    ],
    ids=["utf-8-bom", "utf-16", "windows-1258"],
)
def test_decodes_vietnamese(tmp_path: Path, data: bytes, encoding: str, notes: tuple[str, ...]):
    loaded = load_file(_write(tmp_path / "van-ban.txt", data), MAX_BYTES)
    assert unicodedata.normalize("NFC", loaded.text) == VIETNAMESE
    assert (loaded.encoding, loaded.notes) == (encoding, notes)


@pytest.mark.parametrize(
    ("data", "text", "encoding"),
    [
        ("Café crème — naïve façade, Grüße aus Köln".encode("windows-1252"), None, "windows-1252"),
        (b"S\xe3o Paulo, Brasil \x81 na\xefve caf\xe9", "São Paulo, Brasil \x81 naïve café", "latin-1"),
    ],
    ids=["windows-1252", "latin-1"],
)
def test_western_legacy_encodings(tmp_path: Path, data: bytes, text: str | None, encoding: str):
    loaded = load_file(_write(tmp_path / "ghi-chu.md", data), MAX_BYTES)
    assert loaded.text == (text or data.decode(encoding))
    assert loaded.encoding == encoding
    assert loaded.notes[0].startswith(f"đã chuyển mã từ {encoding} sang UTF-8; nếu chữ tiếng Việt hiển thị sai")
    assert loaded.format == "md"


# --- docx ---------------------------------------------------------------------------------------


def _docx_with_table(path: Path) -> Path:
    document = docx.Document()
    document.add_heading("Kế hoạch chuyển đổi số năm 2025", level=1)
    document.add_paragraph("I. MỤC TIÊU")
    document.add_paragraph("Đẩy mạnh\tchuyển đổi số.")  # a tab inside a paragraph must not start a cell
    table = document.add_table(rows=3, cols=3)
    rows = [["STT", "Tên nhiệm vụ", "Cơ quan chủ trì"], ["1", "Xây dựng CSDL", ""], ["2", "Đào tạo", "UBND xã"]]
    for row, values in zip(table.rows, rows, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    table.cell(1, 1).add_paragraph("Kết quả: CSDL dùng chung")
    document.add_paragraph("II. TỔ CHỨC THỰC HIỆN")
    document.save(path)
    return path


def test_docx_keeps_body_order_and_binds_table_cells_to_their_columns(tmp_path: Path):
    path = _docx_with_table(tmp_path / "ke-hoach.docx")
    loaded = load_file(path, MAX_BYTES)
    assert loaded.text == (
        "Kế hoạch chuyển đổi số năm 2025\n"
        "I. MỤC TIÊU\n"
        "Đẩy mạnh chuyển đổi số.\n"
        "Bảng 1: STT | Tên nhiệm vụ | Cơ quan chủ trì\n"
        "Dòng 1 — STT: 1; Tên nhiệm vụ: Xây dựng CSDL Kết quả: CSDL dùng chung\n"
        "Dòng 2 — STT: 2; Tên nhiệm vụ: Đào tạo; Cơ quan chủ trì: UBND xã\n"
        "II. TỔ CHỨC THỰC HIỆN\n"
    )
    assert (loaded.format, loaded.encoding, loaded.notes) == ("docx", None, ())
    assert loaded.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_docx_merged_cells_are_carried_down_and_given_once_across(tmp_path: Path):
    document = docx.Document()
    table = document.add_table(rows=5, cols=3)
    for column, name in enumerate(("STT", "Nhiệm vụ", "Cơ quan chủ trì")):
        table.cell(0, column).text = name
    table.cell(1, 0).merge(table.cell(1, 2)).text = "I. VỀ HOÀN THIỆN THỂ CHẾ"
    table.cell(2, 2).merge(table.cell(3, 2)).text = "Bộ KH&CN"
    for row, task in ((2, "Nhiệm vụ 1"), (3, "Nhiệm vụ 2")):
        table.cell(row, 0).text = str(row - 1)
        table.cell(row, 1).text = task
    table.cell(4, 0).merge(table.cell(4, 1)).text = "Tổng cộng"
    document.save(tmp_path / "bang.docx")
    assert load_file(tmp_path / "bang.docx", MAX_BYTES).text == (
        "Bảng 1: STT | Nhiệm vụ | Cơ quan chủ trì\n"
        "Dòng 1 — I. VỀ HOÀN THIỆN THỂ CHẾ\n"
        "Dòng 2 — STT: 1; Nhiệm vụ: Nhiệm vụ 1; Cơ quan chủ trì: Bộ KH&CN\n"
        "Dòng 3 — STT: 2; Nhiệm vụ: Nhiệm vụ 2; Cơ quan chủ trì: Bộ KH&CN\n"
        "Dòng 4 — STT / Nhiệm vụ: Tổng cộng\n"
    )


def test_docx_header_rows_name_the_columns_and_layout_tables_stay_paragraphs(tmp_path: Path):
    document = docx.Document()
    letterhead = document.add_table(rows=2, cols=2)
    for (row, column), text in {(0, 0): "ỦY BAN NHÂN DÂN XÃ AN BÌNH", (0, 1): "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                                (1, 0): "Số: 12/KH-UBND", (1, 1): "An Bình, ngày 05 tháng 3 năm 2025"}.items():
        letterhead.cell(row, column).text = text
    table = document.add_table(rows=4, cols=3)
    table.cell(0, 0).merge(table.cell(1, 0)).text = "Chỉ tiêu"
    table.cell(0, 1).merge(table.cell(0, 2)).text = "Kết quả"
    table.cell(1, 1).text, table.cell(1, 2).text = "Năm 2025", "Năm 2026"
    for row in table.rows[:2]:  # Word's "Repeat as header row at the top of each page"
        row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    table.cell(2, 0).text, table.cell(2, 1).text, table.cell(2, 2).text = "Dịch vụ công trực tuyến", "80%", "100%"
    document.save(tmp_path / "chi-tieu.docx")
    assert load_file(tmp_path / "chi-tieu.docx", MAX_BYTES).text == (
        "ỦY BAN NHÂN DÂN XÃ AN BÌNH\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "Số: 12/KH-UBND\nAn Bình, ngày 05 tháng 3 năm 2025\n"
        "Bảng 1: Chỉ tiêu | Kết quả - Năm 2025 | Kết quả - Năm 2026\n"
        "Dòng 1 — Chỉ tiêu: Dịch vụ công trực tuyến; Kết quả - Năm 2025: 80%; Kết quả - Năm 2026: 100%\n"
    )


# --- HTML ---------------------------------------------------------------------------------------

HTML = """<!DOCTYPE html>
<html><head><meta charset="{charset}"><title>Cổng thông tin</title>
<style>p {{ color: red }}</style><script>var x = "<p>không</p>";</script></head>
<body><header>Trang chủ | Liên hệ</header><nav><a href="/">Mục lục</a></nav>
<h1>Kế hoạch   chuyển đổi số</h1>
<p>Mục tiêu&nbsp;chung: <b>đột phá</b>
năm 2025.</p>
<table>
<tr><th>STT</th><th>Nhiệm vụ</th><th>Thời hạn</th></tr>
<tr><td>1</td><td><p>Xây dựng CSDL</p><p>Kết quả: CSDL</p></td><td></td></tr>
<tr><td>2</td><td rowspan="2">Đào tạo</td><td>2025</td></tr>
<tr><td>3</td><td>2026</td></tr>
<tr><td colspan="2">Tổng cộng</td><td>2025</td></tr>
</table>
<div>Nơi nhận:<br>- Như trên;</div>
<footer>© 2025</footer></body></html>
"""
HTML_TEXT = (
    "Kế hoạch chuyển đổi số\n"
    "Mục tiêu chung: đột phá năm 2025.\n"
    "Bảng 1: STT | Nhiệm vụ | Thời hạn\n"
    "Dòng 1 — STT: 1; Nhiệm vụ: Xây dựng CSDL Kết quả: CSDL\n"
    "Dòng 2 — STT: 2; Nhiệm vụ: Đào tạo; Thời hạn: 2025\n"
    "Dòng 3 — STT: 3; Nhiệm vụ: Đào tạo; Thời hạn: 2026\n"
    "Dòng 4 — STT / Nhiệm vụ: Tổng cộng; Thời hạn: 2025\n"
    "Nơi nhận:\n- Như trên;\n"
)


def test_html_drops_chrome_and_scripts_and_renders_tables(tmp_path: Path):
    path = _write(tmp_path / "trang.html", HTML.format(charset="utf-8").encode())
    loaded = load_file(path, MAX_BYTES)
    assert loaded.text == HTML_TEXT
    assert (loaded.format, loaded.encoding, loaded.notes) == ("html", "utf-8", ())


def test_html_uses_its_meta_charset(tmp_path: Path):
    path = _write(tmp_path / "trang.htm", windows_1258(HTML.format(charset="windows-1258")))
    loaded = load_file(path, MAX_BYTES)
    assert unicodedata.normalize("NFC", loaded.text) == HTML_TEXT
    assert (loaded.encoding, loaded.notes) == ("windows-1258", ("đã chuyển mã từ windows-1258 sang UTF-8",))


# --- PDF ----------------------------------------------------------------------------------------


def test_pdf_text_layer_pages_joined_by_newline(tmp_path: Path):
    path = _write(tmp_path / "ke-hoach.pdf", _minimal_pdf(["Ke hoach chuyen doi so (2025)", "Trang hai"]))
    loaded = load_file(path, MAX_BYTES)
    assert loaded.text == "Ke hoach chuyen doi so (2025)\nTrang hai"
    assert (loaded.format, loaded.encoding, loaded.notes) == ("pdf", None, ())


def test_pdf_blank_page_is_noted(tmp_path: Path):
    loaded = load_file(_write(tmp_path / "quet.pdf", _minimal_pdf(["Trang mot", ""])), MAX_BYTES)
    assert loaded.text == "Trang mot\n"
    assert loaded.notes == ("trang 2 không có chữ (trang trắng) nên không được nạp",)  # OCR found nothing
    assert loaded.ocr_pages == ()


def test_pdf_encrypted_with_empty_user_password_opens(tmp_path: Path):
    path = _write(tmp_path / "han-che.pdf", _encrypted(_minimal_pdf(["Chi doc"]), user_password=""))
    assert load_file(path, MAX_BYTES).text == "Chi doc"


# --- bad input ----------------------------------------------------------------------------------


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("du-lieu.csv", "a,b\n1,2\n" * 50)
    return buffer.getvalue()


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00\x1f\xf3\xffa"

BAD_FILES = {
    "corrupt-pdf": ("hong.pdf", b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nrac rac", "bị hỏng"),
    "encrypted-pdf": ("mat-khau.pdf", _encrypted(_minimal_pdf(["Mat"]), user_password="bi-mat"), "mật khẩu"),
    "blank-pdf": ("trang-trang.pdf", _minimal_pdf(["", ""]), "tệp rỗng"),
    "empty": ("rong.txt", b"", "tệp rỗng"),
    "whitespace-only": ("trang.md", b" \n\t\r\n  \n", "tệp rỗng"),
    "empty-docx-body": ("rong.docx", None, "tệp rỗng"),
    "png-as-txt": ("anh.txt", PNG, "tệp có đuôi .txt nhưng nội dung là dữ liệu nhị phân"),
    "zip-as-txt": ("nen.txt", _zip_bytes(), "dữ liệu nhị phân"),
    "control-chars": ("dieu-khien.txt", b"\x01\x02\x03\x04 van ban \x05\x06\x07\x08", "dữ liệu nhị phân"),
    "unsupported": ("bang-tinh.xlsx", _zip_bytes(), ".txt, .md, .docx, .doc, .pdf, .html, .htm"),
    "corrupt-docx": ("hong.docx", b"day khong phai tep zip", "không phải tệp Word .docx hợp lệ"),
    "zip-not-docx": ("nen.docx", _zip_bytes(), "không phải tệp Word .docx hợp lệ"),
}


@pytest.mark.parametrize(("name", "data", "expected"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_input_names_the_file(tmp_path: Path, name: str, data: bytes | None, expected: str):
    path = tmp_path / name
    if data is None:
        docx.Document().save(path)
    else:
        path.write_bytes(data)
    with pytest.raises(LoadError) as error:
        load_file(path, MAX_BYTES)
    assert str(error.value).startswith(f"{name}: ")
    assert expected in str(error.value)


def test_file_over_the_limit_names_size_and_limit(tmp_path: Path):
    path = _write(tmp_path / "lon.txt", b"a" * 1_500_000)
    with pytest.raises(LoadError) as error:
        load_file(path, max_bytes=1024 * 1024)
    assert str(error.value).startswith("lon.txt: tệp có dung lượng 1,43 MB, vượt giới hạn 1,00 MB (CDS_MAX_FILE_MB).")


def test_missing_file(tmp_path: Path):
    with pytest.raises(LoadError, match=r"^khong-co\.pdf: không tìm thấy tệp\."):
        load_file(tmp_path / "khong-co.pdf", MAX_BYTES)


def test_extension_is_case_insensitive(tmp_path: Path):
    loaded = load_file(_write(tmp_path / "GHI-CHU.TXT", VIETNAMESE.encode()), MAX_BYTES)
    assert isinstance(loaded, LoadedFile) and loaded.format == "txt"
