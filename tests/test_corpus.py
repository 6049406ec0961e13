"""scan_corpus, derive_title, find_duplicates and add_to_corpus on the real corpus and copies of it."""

from __future__ import annotations

import json
import shutil
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest.corpus import CorpusEntry, CorpusIssue, DocMeta, add_to_corpus, derive_title, find_duplicates, scan_corpus
from ingest.errors import CorpusError, LoadError
from ingest.header import Header, dateline, read_header
from ingest.load import LoadedFile, load_file
from ingest.settings import REPO_ROOT

CORPUS = REPO_ROOT / "corpus"
MAX_BYTES = 20 * 1024 * 1024
F000 = "000_0c39cb68f6880a1a.txt"
F003 = "003_6e63688896bb502b.txt"
LAW20 = "legal/luat-20-2023-qh15-giao-dich-dien-tu.txt"


def _manifest_rows() -> list[dict]:
    return json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))["documents"]


def _load_all(entries: list[CorpusEntry]) -> dict[str, LoadedFile]:
    return {entry.meta.id: load_file(entry.path, MAX_BYTES) for entry in entries}


# --- the real corpus ----------------------------------------------------------------------------


def test_real_corpus_matches_the_manifest():
    entries, issues = scan_corpus(CORPUS)
    assert issues == []
    rows = _manifest_rows()
    assert len(entries) == 9
    assert [e.meta.source_file for e in entries] == [row["source_file"] for row in rows]
    for entry, row in zip(entries, rows, strict=True):
        assert not entry.derived
        assert entry.path == CORPUS / row["source_file"]
        assert entry.meta.id == row["id"] and entry.meta.title == row["title"]
    by_id = {e.meta.id: e.meta for e in entries}
    assert by_id["cv-3816-btttt-cdsqg"].date == "2024-09-14"
    assert by_id["luat-gddt-2023"].effective_date == "2024-07-01"
    assert by_id["khung-kh-cds-2026-2030"].level == ["bộ", "tỉnh"]
    assert by_id["danh-muc-nhiem-vu-2026-2030"].issuer is None
    assert json.loads(json.dumps([e.meta.model_dump() for e in entries]))[1]["date"] == "2024-09-14"


def test_real_corpus_has_no_duplicates():
    entries, _ = scan_corpus(CORPUS)
    assert find_duplicates(_load_all(entries)) == {}


# --- a corpus with problems ---------------------------------------------------------------------


@pytest.fixture
def messy_corpus(tmp_path: Path) -> Path:
    """Two real documents with rows, an unlisted note, two copies of 000, a spreadsheet, a missing file."""
    (tmp_path / "legal").mkdir()
    shutil.copy(CORPUS / F000, tmp_path / F000)
    shutil.copy(CORPUS / LAW20, tmp_path / LAW20)
    rows = [row for row in _manifest_rows() if row["source_file"] in (F000, LAW20)]
    rows.append({"id": "mat-tich", "source_file": "legal/mat-tich.txt", "title": "Văn bản bị mất"})
    manifest = {"_comment": "thử nghiệm", "documents": rows}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "Ghi chú Chuyển đổi số.md").write_text("# Ghi chú về **chuyển đổi số** cấp xã\n\nNội dung.\n")
    shutil.copy(CORPUS / F000, tmp_path / "ban-sao.txt")
    (tmp_path / "ban-sao-crlf.txt").write_bytes((CORPUS / F000).read_bytes().replace(b"\n", b"\r\n"))
    (tmp_path / "bang-tinh.xlsx").write_bytes(b"PK\x03\x04")
    for ignored in (".DS_Store", "README.md", "~$nhap.docx", ".cache/ban-nhap.txt"):
        (tmp_path / ignored).parent.mkdir(exist_ok=True)
        (tmp_path / ignored).write_text("bỏ qua")
    return tmp_path


def test_scan_pairs_files_with_rows_and_derives_the_rest(messy_corpus: Path):
    entries, _ = scan_corpus(messy_corpus)
    assert [(e.meta.id, e.meta.source_file, e.derived) for e in entries] == [
        ("khung-kh-cds-2026-2030", F000, False),
        ("ghi-chu-chuyen-doi-so", "Ghi chú Chuyển đổi số.md", True),
        ("ban-sao-crlf", "ban-sao-crlf.txt", True),
        ("ban-sao", "ban-sao.txt", True),
        ("luat-gddt-2023", LAW20, False),
    ]
    note = entries[1]
    assert (note.meta.title, note.meta.short_title) == ("Ghi chú Chuyển đổi số", "Ghi chú Chuyển đổi số")
    resolved = note.resolved_meta(load_file(note.path, MAX_BYTES).text)
    assert (resolved.title, resolved.short_title) == ("Ghi chú về chuyển đổi số cấp xã",) * 2
    assert entries[0].resolved_meta("KHÁC") is entries[0].meta


def test_scan_reports_unsupported_and_missing_files(messy_corpus: Path):
    _, issues = scan_corpus(messy_corpus)
    assert issues == [
        CorpusIssue(
            messy_corpus / "bang-tinh.xlsx",
            "bang-tinh.xlsx: định dạng .xlsx không được hỗ trợ nên tệp bị bỏ qua. Hãy chuyển tệp sang một "
            "trong các định dạng .txt, .md, .docx, .doc, .pdf, .html, .htm hoặc đưa tệp ra khỏi thư mục kho tài liệu.",
        ),
        CorpusIssue(
            messy_corpus / "legal/mat-tich.txt",
            f"manifest.json: mục 'mat-tich' không tìm thấy tệp legal/mat-tich.txt trong {messy_corpus}; "
            f"hãy chép tệp vào {messy_corpus} hoặc sửa source_file trong manifest.",
        ),
    ]


def test_duplicates_by_bytes_and_by_text(messy_corpus: Path):
    entries, _ = scan_corpus(messy_corpus)
    assert find_duplicates(_load_all(entries)) == {
        "ban-sao": "khung-kh-cds-2026-2030",  # same bytes
        "ban-sao-crlf": "khung-kh-cds-2026-2030",  # same text once whitespace is collapsed
    }


def test_duplicate_text_in_another_unicode_form_is_caught():
    decomposed = load_file(CORPUS / F003, MAX_BYTES)
    composed = LoadedFile(
        path=Path("zz-ban-nfc.txt"),
        text=unicodedata.normalize("NFC", decomposed.text),
        sha256="0" * 64,
        format="txt",
        encoding="utf-8",
    )
    other = load_file(CORPUS / F000, MAX_BYTES)
    assert find_duplicates({"nfc": composed, "goc": decomposed, "khac": other}) == {"nfc": "goc"}


def test_unlisted_ids_are_unique_and_slugged(tmp_path: Path):
    for name in ("Đề án số hóa.txt", "de-an-so-hoa.md", "legal/Đề án số hóa.txt", "!!!.txt"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("Nội dung")
    entries, issues = scan_corpus(tmp_path)
    assert issues == []
    assert [e.meta.id for e in entries] == ["tai-lieu", "de-an-so-hoa", "de-an-so-hoa-2", "de-an-so-hoa-3"]


def test_missing_corpus_folder(tmp_path: Path):
    with pytest.raises(CorpusError, match="không tìm thấy thư mục kho tài liệu"):
        scan_corpus(tmp_path / "khong-co")


# --- invalid manifests --------------------------------------------------------------------------

ROW_A = {"id": "a", "source_file": "a.txt", "title": "Văn bản A"}
INVALID_MANIFESTS = {
    "bad-json": ('{"documents": [', "không phải JSON hợp lệ (dòng 1, cột 16"),
    "unknown-field": (
        {"documents": [{**ROW_A, "tittle": "A"}]},
        "mục 'a': trường 'tittle' không phải là trường hợp lệ (các trường hợp lệ: id, source_file, title,",
    ),
    "top-level-typo": ({"document": []}, "trường 'document' không phải là trường hợp lệ (các trường hợp lệ: _comment"),
    "missing-title": ({"documents": [{"id": "a", "source_file": "a.txt"}]}, "mục 'a': trường 'title' là bắt buộc"),
    "missing-id": ({"documents": [{"source_file": "a.txt", "title": "A"}]}, "mục thứ 1: trường 'id' là bắt buộc"),
    "bad-date": (
        {"documents": [{**ROW_A, "date": "2024-14-09"}]},
        "mục 'a': trường 'date' có giá trị không hợp lệ ('2024-14-09' không phải ngày dạng YYYY-MM-DD)",
    ),
    "bad-level": ({"documents": [{**ROW_A, "level": "xã"}]}, "mục 'a': trường 'level' có giá trị không hợp lệ"),
    "outside": ({"documents": [{**ROW_A, "source_file": "../a.txt"}]}, "trường 'source_file' có giá trị không hợp lệ"),
    "duplicate-id": (
        {"documents": [ROW_A, {**ROW_A, "source_file": "b.txt"}]},
        "mục 'a': trường 'id' (a) trùng với mục 'a'",
    ),
    "duplicate-source-file": (
        {"documents": [ROW_A, {**ROW_A, "id": "b"}]},
        "mục 'b': trường 'source_file' (a.txt) trùng với mục 'a'",
    ),
}


@pytest.mark.parametrize(("manifest", "expected"), INVALID_MANIFESTS.values(), ids=INVALID_MANIFESTS.keys())
def test_invalid_manifest_names_path_entry_and_field(tmp_path: Path, manifest: dict | str, expected: str):
    path = tmp_path / "manifest.json"
    path.write_text(manifest if isinstance(manifest, str) else json.dumps(manifest), encoding="utf-8")
    with pytest.raises(CorpusError) as error:
        scan_corpus(tmp_path)
    assert str(error.value).startswith(f"{path}")
    assert expected in str(error.value)


# --- titles -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source_file", "title"),
    [
        (F000, "KHUNG KẾ HOẠCH CHUYỂN ĐỔI SỐ CẤP BỘ, TỈNH GIAI ĐOẠN 2026-2030"),
        ("001_41e9e34997e5a555.txt", "Hướng dẫn các bộ, ngành, địa phương xây dựng Kế hoạch Chuyển đổi số năm 2025"),
        ("002_85c061df2a6c5805.txt", "(tên tệp)"),  # opens with its table: no title line
        (F003, "1. TỔNG QUAN"),  # training material without a title page: its first heading
        ("004_d7ea618fb136404a.txt", "I. MỤC TIÊU"),
        (LAW20, "LUẬT GIAO DỊCH ĐIỆN TỬ"),
        ("legal/luat-24-2018-qh14-an-ninh-mang.txt", "LUẬT AN NINH MẠNG"),
        ("legal/luat-67-2006-qh11-cong-nghe-thong-tin.txt", "LUẬT CÔNG NGHỆ THÔNG TIN"),
        ("legal/nghi-quyet-57-nq-tw-2024-dot-pha-khcn-dmst-chuyen-doi-so.txt", "Nghị quyết số 57-NQ/TW"),
    ],
)
def test_derive_title_on_the_real_corpus(source_file: str, title: str):
    assert derive_title(load_file(CORPUS / source_file, MAX_BYTES).text, fallback="(tên tệp)") == title


@pytest.mark.parametrize(
    ("text", "title"),
    [
        (
            "UỶ BAN NHÂN DÂN\nXÃ AN BÌNH\n-------\nCỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
            "Độc lập \u2013 Tự do \u2013 Hạnh phúc\n"
            "Số: 12/KH-UBND\nAn Bình, ngày 5 tháng 3 năm 2025\n\nKẾ HOẠCH\nChuyển đổi số xã An Bình năm 2025\n\n"
            "Căn cứ Quyết định số 749/QĐ-TTg",
            "KẾ HOẠCH Chuyển đổi số xã An Bình năm 2025",
        ),
        ("## 2. Mục tiêu\nNội dung", "2. Mục tiêu"),
        ("-----\n12\n\nDỰ THẢO\n# Kế hoạch **năm** 2025\n\nthời gian", "Kế hoạch năm 2025"),
        ("\n \n", "(tên tệp)"),
    ],
    ids=["letterhead", "markdown-heading", "noise", "blank"],
)
def test_derive_title_skips_letterhead_and_noise(text: str, title: str):
    assert derive_title(text, fallback="(tên tệp)") == title


LETTER = """BỘ GIÁO DỤC VÀ ĐÀO TẠO
Số: 3001/BGDĐT-GDPT
V/v hướng dẫn thực hiện nhiệm vụ chuyển đổi số
trong giáo dục phổ thông năm học 2026-2027
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Hà Nội, ngày 15 tháng 8 năm 2026
Kính gửi: Các Sở Giáo dục và Đào tạo
Thực hiện Quyết định số 131/QĐ-TTg ngày 25 tháng 01 năm 2022 của Thủ tướng Chính phủ, Bộ Giáo dục và Đào tạo \
hướng dẫn như sau:
"""


def test_a_letter_s_subject_line_is_its_title_wherever_the_header_puts_it():
    """A two-column header read row by row puts "V/v …" above the national motto; the title is the subject
    line (capitalised, with the line continuing it), not the first sentence of the body."""
    assert derive_title(LETTER, fallback="(tên tệp)") == (
        "Hướng dẫn thực hiện nhiệm vụ chuyển đổi số trong giáo dục phổ thông năm học 2026-2027")


@pytest.mark.parametrize(
    ("source_file", "header", "short_title"),
    [
        (LAW20, Header("20/2023/QH15", "law", "Luật", "2023-06-22", 2023), "Luật Giao dịch điện tử 2023"),
        ("legal/luat-67-2006-qh11-cong-nghe-thong-tin.txt", Header("67/2006/QH11", "law", "Luật", "2006-06-29", 2006),
         "Luật Công nghệ thông tin 2006"),
        ("001_41e9e34997e5a555.txt", Header("3816/BT/TTT-CĐSQG", "official_letter", "Công văn", "2024-09-14", 2024),
         "Công văn 3816/BT/TTT-CĐSQG"),  # the source's own typo in the number is kept
        ("legal/nghi-quyet-57-nq-tw-2024-dot-pha-khcn-dmst-chuyen-doi-so.txt",
         Header("57-NQ/TW", "resolution", "Nghị quyết", None, None), "Nghị quyết 57-NQ/TW"),
        # the framework cites "Quyết định số 36/QĐ-TTg …" in its body: a citation is not its number
        (F000, Header(), None),
    ],
)
def test_read_header_on_the_real_corpus(source_file: str, header: Header, short_title: str | None):
    text = load_file(CORPUS / source_file, MAX_BYTES).text
    assert read_header(text) == header
    assert header.short_title(derive_title(text, fallback="(tên tệp)")) == short_title


@pytest.mark.parametrize(
    ("text", "header"),
    [
        (LETTER, Header("3001/BGDĐT-GDPT", "official_letter", "Công văn", "2026-08-15", 2026)),
        # a .docx header flattened to one line per row; the decision's kind from its number's type code
        ("THỦ TƯỚNG CHÍNH PHỦ CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nSố: 982/QĐ-TTg Hà Nội, ngày 04 tháng 6 năm 2026\n"
         "QUYẾT ĐỊNH\nPhê duyệt Đề án", Header("982/QĐ-TTg", "decision", "Quyết định", "2026-06-04", 2026)),
        # OCR without spaces in the date; a number without a type code takes the kind line's
        ("ỦY BAN NHÂN DÂN XÃ AN BÌNH\nSố: 12/UBND\nAn Bình, ngày5tháng3năm2025\nKẾ HOẠCH\nChuyển đổi số",
         Header("12/UBND", "plan", "Kế hoạch", "2025-03-05", 2025)),
        # "…/QH15" numbers the National Assembly's laws and resolutions alike: the kind line decides
        ("QUỐC HỘI\nNghị quyết số: 57/2023/QH15\nHà Nội, ngày 10 tháng 11 năm 2023\nNGHỊ QUYẾT\nVề kế hoạch",
         Header("57/2023/QH15", "resolution", "Nghị quyết", "2023-11-10", 2023)),
        # no real date; a number with no type code, no kind line and no subject line names no kind
        ("SỞ X\nSố: 5/SX-VP\nHà Nội, ngày 31 tháng 2 năm 2026\nKính gửi: A", Header("5/SX-VP")),
    ],
    ids=["letter", "flattened", "ocr-date", "assembly-resolution", "unknown-kind"],
)
def test_read_header_cases(text: str, header: Header):
    assert read_header(text) == header


def test_the_date_line_is_found_where_the_header_has_it():
    text = load_file(CORPUS / "001_41e9e34997e5a555.txt", MAX_BYTES).text
    start, end = dateline(text)
    assert text[start:end] == "Hà Nội, ngày 14 tháng 09 năm 2024"
    assert dateline("Căn cứ Luật ngày 18 tháng 02 năm 2025;\nĐiều 1. Phạm vi") is None  # a body date is none


_HEADER_LINES = st.sampled_from([
    "BỘ GIÁO DỤC VÀ ĐÀO TẠO", "Số: 3001/BGDĐT-GDPT", "Số:", "Luật số: 20/2023/QH15", "Hà Nội, ngày 15 tháng 8 năm 2026",
    "Hà Nội, ngày 31 tháng 2 năm 2026", "An Bình, ngày5tháng3năm2025", "V/v hướng dẫn", "NGHỊ ĐỊNH", "KẾ HOẠCH", "",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Căn cứ Quyết định số 36/QĐ-TTg ngày 11 tháng 01 năm 2024;", "-----",
])


@given(st.lists(st.one_of(_HEADER_LINES, st.text(max_size=40)), max_size=30))
def test_reading_any_header_never_fails_and_the_date_line_holds_the_date(lines: list[str]):
    text = "\n".join(lines)
    header = read_header(text)
    span = dateline(text)
    assert (header.date is None) == (span is None)
    if span is not None:
        line = text[span[0]:span[1]]
        assert line and "\n" not in line and read_header(line).date == header.date
    if header.kind is not None:
        assert header.number is not None and header.kind_name is not None


def test_a_file_without_a_row_is_numbered_and_named_by_its_header(tmp_path: Path):
    shutil.copy2(CORPUS / LAW20, tmp_path / "luat giao dich.txt")
    (entry,) = scan_corpus(tmp_path)[0]
    meta = entry.resolved_meta(load_file(entry.path, MAX_BYTES).text)
    assert (meta.title, meta.short_title, meta.kind, meta.number, meta.date, meta.year) == (
        "LUẬT GIAO DỊCH ĐIỆN TỬ", "Luật Giao dịch điện tử 2023", "law", "20/2023/QH15", "2023-06-22", 2023)


def test_derive_title_is_at_most_150_chars():
    title = derive_title("Hướng dẫn " + "chuyển đổi số " * 40, fallback="x")
    assert title == "Hướng dẫn " + "chuyển đổi số " * 9 + "chuyển đổi…"  # cut at a space
    assert len(title) == 147


# --- add_to_corpus ------------------------------------------------------------------------------


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return Path(shutil.copytree(CORPUS, tmp_path / "corpus"))


@pytest.fixture
def user(tmp_path: Path) -> Path:
    return tmp_path / "data" / "corpus"


def _new_plan(tmp_path: Path) -> Path:
    path = tmp_path / "Kế hoạch CĐS xã 2025.md"
    path.write_text("KẾ HOẠCH\n\nChuyển đổi số xã An Bình năm 2025\n\nI. MỤC TIÊU\n", encoding="utf-8")
    return path


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_add_with_meta_copies_into_the_user_folder_and_writes_its_manifest(corpus: Path, user: Path, tmp_path: Path):
    bundled = _snapshot(corpus)
    meta = {"number": "12/KH-UBND", "issuer": "UBND xã An Bình", "date": "2025-03-05", "level": ["xã"]}
    row = add_to_corpus(corpus, user, _new_plan(tmp_path), meta)
    assert row == DocMeta(
        id="ke-hoach-cds-xa-2025",
        source_file="Kế hoạch CĐS xã 2025.md",
        title="KẾ HOẠCH Chuyển đổi số xã An Bình năm 2025",
        number="12/KH-UBND",
        issuer="UBND xã An Bình",
        date="2025-03-05",
        level=["xã"],
    )
    assert _snapshot(corpus) == bundled  # the bundled corpus is never written
    assert (user / "Kế hoạch CĐS xã 2025.md").read_bytes() == _new_plan(tmp_path).read_bytes()
    text = (user / "manifest.json").read_text(encoding="utf-8")
    assert list(json.loads(text)["documents"][0].items()) == [
        ("id", "ke-hoach-cds-xa-2025"),
        ("source_file", "Kế hoạch CĐS xã 2025.md"),
        ("title", "KẾ HOẠCH Chuyển đổi số xã An Bình năm 2025"),
        ("number", "12/KH-UBND"),
        ("issuer", "UBND xã An Bình"),
        ("date", "2025-03-05"),
        ("level", ["xã"]),
    ]
    assert len(json.loads(text)["documents"]) == 1 and '"UBND xã An Bình"' in text
    entries, issues = scan_corpus(corpus, user)
    assert issues == [] and len(entries) == 10 and not any(e.derived for e in entries)
    assert entries[-1].path == user / "Kế hoạch CĐS xã 2025.md"
    assert [e.meta for e in entries[:-1]] == [e.meta for e in scan_corpus(corpus)[0]]


def test_add_without_meta_writes_no_manifest(corpus: Path, user: Path, tmp_path: Path):
    row = add_to_corpus(corpus, user, _new_plan(tmp_path))
    title = "KẾ HOẠCH Chuyển đổi số xã An Bình năm 2025"
    assert (row.id, row.title, row.short_title) == ("ke-hoach-cds-xa-2025", title, title)
    assert not (user / "manifest.json").exists()
    entry = next(e for e in scan_corpus(corpus, user)[0] if e.derived)
    assert entry.meta.id == row.id
    assert add_to_corpus(corpus, user, _new_plan(tmp_path)) == row  # the identical file again: a no-op


def test_add_updates_a_user_row_in_place(corpus: Path, user: Path, tmp_path: Path):
    add_to_corpus(corpus, user, _new_plan(tmp_path), {"number": "12/KH-UBND", "status": "draft"})
    row = add_to_corpus(corpus, user, user / "Kế hoạch CĐS xã 2025.md", {"status": "in_force"})
    assert (row.number, row.status) == ("12/KH-UBND", "in_force")
    documents = json.loads((user / "manifest.json").read_text(encoding="utf-8"))["documents"]
    assert [(d["id"], d["number"], d["status"]) for d in documents] == [("ke-hoach-cds-xa-2025", "12/KH-UBND", "in_force")]


def test_a_bundled_document_stays_read_only(corpus: Path, user: Path):
    bundled = _snapshot(corpus)
    row = add_to_corpus(corpus, user, corpus / F003)  # already in the corpus: nothing to do
    assert row.title == "Tài liệu hướng dẫn xây dựng kế hoạch chuyển đổi số cấp xã"
    with pytest.raises(CorpusError, match="thuộc kho tài liệu đi kèm .* chỉ đọc"):
        add_to_corpus(corpus, user, corpus / F003, {"status": "in_force"})
    assert _snapshot(corpus) == bundled
    assert list(user.iterdir()) == []


def test_user_ids_never_repeat_bundled_ids(corpus: Path, user: Path, tmp_path: Path):
    named = tmp_path / "cv-3816-btttt-cdsqg.txt"  # a file named like a bundled document's id
    named.write_text("Công văn khác của xã An Bình về chuyển đổi số.\n", encoding="utf-8")
    assert add_to_corpus(corpus, user, named, {"title": "Công văn của xã"}).id == "cv-3816-btttt-cdsqg-2"
    manifest = user / "manifest.json"
    rows = json.loads(manifest.read_text(encoding="utf-8"))
    rows["documents"][0]["id"] = "cv-3816-btttt-cdsqg"
    manifest.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CorpusError, match="'id' \\(cv-3816-btttt-cdsqg\\) trùng với một tài liệu của"):
        scan_corpus(corpus, user)


def test_add_refuses_to_overwrite_a_different_file(corpus: Path, user: Path, tmp_path: Path):
    add_to_corpus(corpus, user, _new_plan(tmp_path))
    other = tmp_path / "khac" / "Kế hoạch CĐS xã 2025.md"
    other.parent.mkdir()
    other.write_text("Một văn bản khác cùng tên", encoding="utf-8")
    with pytest.raises(CorpusError, match="đã có một tệp khác cùng tên Kế hoạch CĐS xã 2025.md; tệp đó không bị ghi đè"):
        add_to_corpus(corpus, user, other, {"title": "Khác"})
    assert (user / "Kế hoạch CĐS xã 2025.md").read_bytes() == _new_plan(tmp_path).read_bytes()


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        ({"tittle": "Sai"}, "trường 'tittle' không phải là trường hợp lệ"),
        ({"id": "khac"}, "trường 'id' không phải là trường hợp lệ"),
        ({"date": "05/03/2025"}, "trường 'date' có giá trị không hợp lệ"),
    ],
)
def test_add_rejects_bad_meta_before_copying(corpus: Path, user: Path, tmp_path: Path, meta: dict, expected: str):
    with pytest.raises(CorpusError, match=f"mục 'ke-hoach-cds-xa-2025': {expected}"):
        add_to_corpus(corpus, user, _new_plan(tmp_path), meta)
    assert list(user.iterdir()) == []


def test_add_rejects_a_file_that_does_not_load(corpus: Path, user: Path, tmp_path: Path):
    empty = tmp_path / "rong.txt"
    empty.write_text("  \n")
    with pytest.raises(LoadError, match=r"^rong\.txt: tệp rỗng"):
        add_to_corpus(corpus, user, empty, {"title": "Rỗng"})
    assert list(user.iterdir()) == []
