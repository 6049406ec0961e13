"""Read one corpus file into text: plain text and Markdown, Word (.docx and legacy .doc), PDF and HTML.

``load_file`` decodes and extracts, nothing more: NFC and page-artefact clean-up happen in the next
stage, so offsets into ``LoadedFile.text`` are offsets into what this module produced. A table from
.docx or HTML becomes a title line naming its columns, then one line per row with every cell bound
to its column, which the structure parser reads as one citable row each::

    Bảng 2: STT | Tên nhiệm vụ | Cơ quan chủ trì | Thời hạn
    Dòng 1 — STT: 1; Tên nhiệm vụ: Xây dựng Khung kiến trúc số; Cơ quan chủ trì: Bộ KH&CN; Thời hạn: 2026

Tables are numbered through the document. Header rows (those marked as header, else the first row)
name the columns and are no content row. A cell merged down several rows is repeated in each of
them. A cell merged across two columns is given once, named by both ("STT / Nhiệm vụ: Tổng cộng");
one merged across three or more, or the whole row (a group heading), is given without a name. Empty
rows are dropped. A table of one column, or of at most two rows and two columns (the letterhead and
signature blocks of Vietnamese documents), is layout, not data: its cells become plain paragraphs.

PDF pages without a text layer (scans) are recognised with Tesseract's Vietnamese model, and each
such page is recorded in ``LoadedFile.ocr_pages`` with its confidence so answers quoting it can say
so. Legacy .doc files are read with antiword (as DocBook XML, so tables keep their cells), or as
catdoc's plain text where antiword fails. These are Debian programs (tesseract-ocr, tesseract-ocr-vie,
poppler-utils, antiword, catdoc); when one is missing the file fails with a message saying what to
install.

Every failure is a ``LoadError`` whose message, in Vietnamese because officials read it in the UI and
the CLI, names the file and says what to do.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import suppress
from itertools import count
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple
from xml.etree import ElementTree

import docx
from docx.oxml.ns import qn
from docx.table import Table
from docx.table import _Row as DocxRow
from docx.text.paragraph import Paragraph
from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError

from ingest.errors import LoadError
from ingest.model import OcrPage

SUPPORTED_EXTENSIONS = (".txt", ".md", ".docx", ".doc", ".pdf", ".html", ".htm")

_FORMATS = {
    ".txt": "txt", ".md": "md", ".docx": "docx", ".doc": "doc", ".pdf": "pdf", ".html": "html", ".htm": "html",
}  # fmt: skip
_MIB = 1024 * 1024

# Share of control characters above which a "text" file is taken for binary data.
_MAX_CONTROL_SHARE = 0.05
_CONTROL = re.compile(r"[\x01-\x08\x0e-\x1f\x7f-\x9f]")  # \t \n \v \f \r are ordinary text


def _vietnamese_only_letters() -> str:
    """Vietnamese letters that Latin-1 and windows-1252 cannot encode: ă, ơ, ư, đ, ạ, ế ..."""
    composed = {
        unicodedata.normalize("NFC", base + tone)
        for base in "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY"
        for tone in ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
    }
    return "".join(sorted(letter for letter in composed | {"đ", "Đ"} if ord(letter) > 0xFF))


# Vietnamese read as windows-1258 (base letter + combining tone mark) is full of these after NFC.
_VIETNAMESE_ONLY = re.compile(f"[{_vietnamese_only_letters()}]")
_COMBINING = re.compile("[\u0300-\u036f]")

_UTF8 = ("utf-8", "utf-8-sig")
_LEGACY_HINT = (
    "; nếu chữ tiếng Việt hiển thị sai (tệp soạn bằng phông TCVN3 hoặc VNI), hãy chuyển tệp sang Unicode "
    "(ví dụ bằng Unikey) rồi nạp lại"
)
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)


@dataclass(frozen=True)
class LoadedFile:
    """The text of one file, as decoded or extracted, before normalisation.

    ``sha256`` is the digest of the file's bytes; ``encoding`` is the text encoding that was decoded
    (None for .docx, .doc and .pdf); ``notes`` are things the user should know about the conversion,
    in Vietnamese (e.g. "đã chuyển mã từ windows-1258 sang UTF-8"); ``ocr_pages`` are the PDF pages
    whose text was recognised from their image, with where that text lies in ``text``.
    """

    path: Path
    text: str
    sha256: str
    format: str  # "txt" | "md" | "docx" | "doc" | "pdf" | "html"
    encoding: str | None
    notes: tuple[str, ...] = ()
    ocr_pages: tuple[OcrPage, ...] = ()


class _Extracted(NamedTuple):
    text: str
    encoding: str | None
    notes: tuple[str, ...]
    ocr_pages: tuple[OcrPage, ...] = ()


def load_file(path: Path, max_bytes: int) -> LoadedFile:
    """Read a .txt, .md, .docx, .doc, .pdf, .html or .htm file into text.

    Text files are decoded from UTF-8 (with or without BOM), UTF-16 with a BOM, or else a legacy
    encoding (windows-1258, the Vietnamese code page, when the bytes read as Vietnamese; otherwise
    windows-1252, then Latin-1), and a conversion is recorded in ``notes``. HTML uses its
    ``<meta charset>`` when that decodes, else the same rules. PDF pages without a text layer are
    recognised with OCR. The text is not normalised.

    :param path: the file to read.
    :param max_bytes: the largest file accepted (``Settings.max_file_mb`` in bytes).
    :returns: the file's text, digest, format, encoding and notes.
    :raises LoadError: the file is missing, too large, of an unsupported type, empty, binary where
        text was expected, damaged, password-protected, or needs a program that is not installed
        (OCR for a scanned PDF, antiword or catdoc for a .doc).
    """
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise LoadError(
            f"{path.name}: định dạng {path.suffix or '(không có đuôi)'} không được hỗ trợ. "
            f"Hãy chuyển tệp sang một trong các định dạng {', '.join(SUPPORTED_EXTENSIONS)} rồi thử lại."
        )
    data = _read_bytes(path, max_bytes)
    extracted = _EXTRACTORS[fmt](data, path) if data else None
    if extracted is None or not extracted.text.strip():
        raise LoadError(f"{path.name}: tệp rỗng, không có nội dung văn bản. Hãy kiểm tra lại tệp rồi thử lại.")
    return LoadedFile(
        path=path,
        text=extracted.text,
        sha256=hashlib.sha256(data).hexdigest(),
        format=fmt,
        encoding=extracted.encoding,
        notes=extracted.notes,
        ocr_pages=extracted.ocr_pages,
    )


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise LoadError(
                f"{path.name}: tệp có dung lượng {_megabytes(size)}, vượt giới hạn {_megabytes(max_bytes)} "
                "(CDS_MAX_FILE_MB). Hãy tách tệp thành các phần nhỏ hơn hoặc tăng CDS_MAX_FILE_MB rồi thử lại."
            )
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise LoadError(f"{path.name}: không tìm thấy tệp. Hãy kiểm tra lại đường dẫn rồi thử lại.") from exc
    except OSError as exc:
        raise LoadError(
            f"{path.name}: không đọc được tệp ({exc.strerror}). Hãy kiểm tra quyền truy cập tệp rồi thử lại."
        ) from exc


def _megabytes(size: int) -> str:
    """Vietnamese notation, with a decimal comma: "20,00 MB"."""
    return f"{size / _MIB:.2f} MB".replace(".", ",")


# --- plain text ---------------------------------------------------------------------------------


def _decode_text(data: bytes, path: Path) -> _Extracted:
    text, encoding = _decode(data)
    if "\x00" in text or len(_CONTROL.findall(text)) > _MAX_CONTROL_SHARE * len(text):
        raise LoadError(
            f"{path.name}: tệp có đuôi {path.suffix} nhưng nội dung là dữ liệu nhị phân, không phải văn bản. "
            "Hãy chọn đúng tệp hoặc lưu lại tệp dưới dạng văn bản UTF-8 rồi thử lại."
        )
    return _Extracted(text, encoding, _conversion_notes(encoding))


def _decode(data: bytes) -> tuple[str, str]:
    """Decode with the first encoding that fits: BOM, UTF-8, then a legacy code page."""
    if data.startswith(codecs.BOM_UTF8):
        with suppress(UnicodeDecodeError):
            return data.decode("utf-8-sig"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        with suppress(UnicodeDecodeError):
            return data.decode("utf-16"), "utf-16"
    with suppress(UnicodeDecodeError):
        return data.decode("utf-8"), "utf-8"
    with suppress(UnicodeDecodeError):
        text = data.decode("windows-1258")
        if _vietnamese_score(text) > 0:
            return text, "windows-1258"
    with suppress(UnicodeDecodeError):
        return data.decode("windows-1252"), "windows-1252"
    return data.decode("latin-1"), "latin-1"


def _vietnamese_score(text: str) -> int:
    """Vietnamese-only letters minus combining marks left over after NFC.

    Vietnamese read as windows-1258 composes completely and is full of ă, ơ, ư, đ, ạ ...; Western
    text read that way gets such letters only from its rare ã, õ, ð, ý, and its ì, ò ... turn into
    marks that compose with nothing.
    """
    composed = unicodedata.normalize("NFC", text)
    return len(_VIETNAMESE_ONLY.findall(composed)) - len(_COMBINING.findall(composed))


def _conversion_notes(encoding: str) -> tuple[str, ...]:
    if codecs.lookup(encoding).name in _UTF8:
        return ()
    note = f"đã chuyển mã từ {encoding} sang UTF-8"
    return (note + _LEGACY_HINT,) if encoding in ("windows-1252", "latin-1") else (note,)


# --- tables (docx and HTML) ---------------------------------------------------------------------


class _Cell(NamedTuple):
    paragraphs: list[str]
    span: int  # grid columns it covers


class _Row(NamedTuple):
    cells: list[_Cell]  # left to right, covering the table's grid
    header: bool  # marked as a header row (docx "repeat as header row", HTML <th>/<thead>)


def _table_lines(rows: list[_Row], numbers: Iterator[int]) -> list[str]:
    """A table as a title line and one "Dòng m — Cột: giá trị; …" line per content row (see module doc);
    ``numbers`` counts the document's data tables."""
    width = max(sum(cell.span for cell in row.cells) for row in rows)
    if width == 1 or len(rows) < 2 or (width <= 2 and len(rows) <= 2):
        return [p for row in rows for cell in row.cells for p in cell.paragraphs]
    headers = next((i for i, row in enumerate(rows) if not row.header), len(rows)) or 1
    names = [_column_name(rows[:headers], column) or f"Cột {column + 1}" for column in range(width)]
    lines = [f"Bảng {next(numbers)}: {' | '.join(names)}"]
    for row in rows[headers:]:
        parts, column = [], 0
        for cell in row.cells:
            if value := " ".join(cell.paragraphs):
                if cell.span >= min(3, width):  # a group heading or a total over the row
                    parts.append(value)
                else:
                    parts.append(f"{' / '.join(dict.fromkeys(names[column : column + cell.span]))}: {value}")
            column += cell.span
        if parts:
            lines.append(f"Dòng {len(lines)} — {'; '.join(parts)}")
    return lines


def _column_name(header_rows: list[_Row], column: int) -> str:
    """The header text over a grid column: a cell spanning it names it, names of stacked header rows join."""
    names: list[str] = []
    for row in header_rows:
        start = 0
        for cell in row.cells:
            if start <= column < start + cell.span:
                name = " ".join(cell.paragraphs)
                if name and name not in names:
                    names.append(name)
                break
            start += cell.span
    return " - ".join(names)


# --- docx ---------------------------------------------------------------------------------------


def _extract_docx(data: bytes, path: Path) -> _Extracted:
    if data.startswith(_OLE_MAGIC):  # a legacy .doc renamed to .docx
        return _extract_doc(data, path)
    try:
        document = docx.Document(io.BytesIO(data))
        lines = list(_docx_lines(document.iter_inner_content(), count(1)))
    except Exception as exc:  # python-docx, zipfile and lxml raise many types on a damaged package
        raise LoadError(
            f"{path.name}: không phải tệp Word .docx hợp lệ (tệp hỏng, hoặc là tệp .doc cũ đổi đuôi). "
            "Hãy mở tệp bằng Word, lưu lại dưới dạng .docx rồi thử lại."
        ) from exc
    return _Extracted("\n".join(lines) + "\n", None, ())


def _docx_lines(blocks: Iterable[Paragraph | Table], tables: Iterator[int]) -> Iterator[str]:
    for block in blocks:
        if isinstance(block, Paragraph):
            yield from _paragraph_lines(block)
        elif block.rows:
            rows = [_docx_row(row) for row in block.rows]
            if any(row.cells for row in rows):
                yield from _table_lines(rows, tables)


def _docx_row(row: DocxRow) -> _Row:
    """A row's cells over the grid; a vertically merged cell repeats in every row it covers, so each
    row stays complete (its lead agency, its deadline) on its own."""
    cells = [_Cell([], 1) for _ in range(row.grid_cols_before)]
    grid = row.cells  # one entry per grid column: a spanning cell appears grid_span times
    column = 0
    while column < len(grid):
        cell = grid[column]
        cells.append(_Cell(_docx_cell_paragraphs(cell.iter_inner_content()), cell.grid_span))
        column += cell.grid_span
    cells.extend(_Cell([], 1) for _ in range(row.grid_cols_after))
    header = row._tr.trPr is not None and any(  # <w:tblHeader/>: "repeat as header row at the top of each page"
        flag.get(qn("w:val"), "true") not in ("0", "false") for flag in row._tr.trPr.findall(qn("w:tblHeader"))
    )
    return _Row(cells, header)


def _docx_cell_paragraphs(blocks: Iterable[Paragraph | Table]) -> list[str]:
    """A cell's paragraphs; a table nested in it is flattened into its cells' paragraphs."""
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            lines.extend(_paragraph_lines(block))
        else:
            for row in block.rows:
                for cell in {cell._tc: cell for cell in row.cells}.values():  # a spanning cell once
                    lines.extend(_docx_cell_paragraphs(cell.iter_inner_content()))
    return lines


def _paragraph_lines(paragraph: Paragraph) -> list[str]:
    # A tab would make the line look like a table cell to the structure parser.
    return [line for raw in paragraph.text.replace("\t", " ").split("\n") if (line := raw.strip())]


# --- PDF ----------------------------------------------------------------------------------------


def _extract_pdf(data: bytes, path: Path) -> _Extracted:
    try:
        reader = PdfReader(io.BytesIO(data))
        locked = reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED
        pages = [] if locked else [page.extract_text() or "" for page in reader.pages]
    except DependencyError as exc:  # AES needs the optional cryptography package
        raise LoadError(
            f"{path.name}: tệp PDF được mã hóa (AES) nên không đọc được. "
            "Hãy mở tệp bằng trình đọc PDF, lưu (hoặc in) ra một bản PDF không mã hóa rồi thử lại."
        ) from exc
    except Exception as exc:  # pypdf raises many types on a damaged file
        raise LoadError(
            f"{path.name}: tệp PDF bị hỏng hoặc không đúng định dạng PDF. "
            "Hãy mở thử tệp bằng trình đọc PDF, lưu (hoặc in) ra một bản PDF mới rồi thử lại."
        ) from exc
    if locked:
        raise LoadError(
            f"{path.name}: tệp PDF được bảo vệ bằng mật khẩu. "
            "Hãy mở tệp bằng mật khẩu, lưu một bản không đặt mật khẩu rồi thử lại."
        )
    blank = [number for number, text in enumerate(pages, start=1) if not text.strip()]
    if not blank:
        return _Extracted("\n".join(pages), None, ())
    missing = _missing_ocr_packages()
    if missing:
        install = f"Hãy cài {', '.join(missing)} (Debian/Ubuntu: apt-get install {' '.join(_OCR_PACKAGES)})"
        if len(blank) == len(pages):
            raise LoadError(
                f"{path.name}: tệp PDF không có lớp văn bản (bản quét), cần nhận dạng ký tự (OCR) nhưng máy "
                f"chưa cài {', '.join(missing)}. {install} rồi nạp lại, hoặc dùng bản Word/PDF gốc có lớp chữ."
            )
        note = (f"trang {_page_list(blank)} không có lớp chữ (ảnh quét) nên không được nạp: máy chưa cài "
                f"chương trình nhận dạng ký tự (OCR). {install} rồi nạp lại")
        return _Extracted("\n".join(pages), None, (note,))
    recognised = {page: _ocr_page(path, page) for page in blank}
    ocr_pages, pos = [], 0
    for number in range(1, len(pages) + 1):
        if number in recognised and recognised[number][0]:
            pages[number - 1], confidence = recognised[number]
            ocr_pages.append(OcrPage(number, confidence, pos, pos + len(pages[number - 1])))
        pos += len(pages[number - 1]) + 1
    notes = []
    if ocr_pages:
        confidences = ", ".join(f"trang {p.page}: {_percent(p.confidence)}" for p in ocr_pages)
        notes.append(f"đã nhận dạng ký tự (OCR) các trang ảnh quét, độ tin cậy {confidences}; "
                     "chữ nhận dạng có thể sai, hãy đối chiếu với bản gốc khi trích dẫn")
    empty = [number for number in blank if not recognised[number][0]]
    if empty:
        notes.append(f"trang {_page_list(empty)} không có chữ (trang trắng) nên không được nạp")
    return _Extracted("\n".join(pages), None, tuple(notes), tuple(ocr_pages))


_OCR_PACKAGES = ("tesseract-ocr", "tesseract-ocr-vie", "poppler-utils")
_OCR_DPI = 300
_OCR_TIMEOUT_S = 600  # one page; a dense A4 page at 300 dpi takes seconds to a minute


def _missing_ocr_packages() -> list[str]:
    """The Debian packages OCR needs that are not installed: pdftoppm renders, tesseract reads Vietnamese."""
    missing = [] if shutil.which("tesseract") else ["tesseract-ocr", "tesseract-ocr-vie"]
    if not missing:
        langs = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, check=False)
        if "vie" not in (langs.stdout + langs.stderr).split():
            missing.append("tesseract-ocr-vie")
    if not shutil.which("pdftoppm"):
        missing.append("poppler-utils")
    return missing


def _ocr_page(path: Path, page: int) -> tuple[str, float]:
    """The recognised text of one page and Tesseract's mean word confidence on it (0-100)."""
    # Tesseract's OpenMP threads only contend with each other on a small shared machine.
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    with tempfile.TemporaryDirectory(prefix="cds-ocr-") as tmp:
        base = Path(tmp) / "page"
        _run_tool(path, page, ["pdftoppm", "-r", str(_OCR_DPI), "-gray", "-png", "-singlefile",
                               "-f", str(page), "-l", str(page), str(path), str(base)], env)
        _run_tool(path, page, ["tesseract", f"{base}.png", str(base), "--dpi", str(_OCR_DPI), "-l", "vie",
                               "txt", "tsv"], env)
        text = Path(f"{base}.txt").read_text(encoding="utf-8").replace("\f", "").strip()
        with open(f"{base}.tsv", encoding="utf-8", newline="") as tsv:
            words = [float(row["conf"]) for row in csv.DictReader(tsv, delimiter="\t", quoting=csv.QUOTE_NONE)
                     if row["level"] == "5" and (row["text"] or "").strip() and float(row["conf"]) >= 0]
    return text, round(sum(words) / len(words), 1) if words else 0.0


def _run_tool(path: Path, page: int, command: list[str], env: dict[str, str]) -> None:
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=_OCR_TIMEOUT_S, env=env, check=False)
    except subprocess.TimeoutExpired as exc:
        raise LoadError(
            f"{path.name}: nhận dạng ký tự (OCR) trang {page} quá {_OCR_TIMEOUT_S} giây nên bị dừng. "
            "Hãy tách tệp thành các phần nhỏ hơn hoặc dùng bản Word/PDF gốc có lớp chữ rồi thử lại."
        ) from exc
    if result.returncode != 0:
        detail = (result.stderr.strip().splitlines() or [f"mã lỗi {result.returncode}"])[-1]
        raise LoadError(
            f"{path.name}: không nhận dạng được ký tự (OCR) trang {page} ({command[0]}: {detail}). "
            "Hãy mở thử tệp bằng trình đọc PDF, lưu (hoặc in) ra một bản PDF mới rồi thử lại."
        )


def _page_list(pages: list[int]) -> str:
    return ", ".join(str(page) for page in pages)


def _percent(confidence: float) -> str:
    """Vietnamese notation, with a decimal comma: "91,5%"."""
    return f"{confidence:.1f}%".replace(".", ",")


# --- legacy Word (.doc) ---------------------------------------------------------------------------

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound-file container of Word 97-2003
_DOC_READERS = (  # antiword as DocBook XML (paragraphs and table cells as such), else catdoc's plain text
    ("antiword", ["antiword", "-x", "db"]),
    ("catdoc", ["catdoc", "-d", "utf-8", "-w"]),
)
_DOCBOOK_TABLES = frozenset({"informaltable", "table"})
_DOCBOOK_BLOCKS = frozenset({"para", "title", "simpara", "literallayout"})


def _extract_doc(data: bytes, path: Path) -> _Extracted:
    if data.startswith(b"PK\x03\x04"):  # a .docx saved under the old extension
        return _extract_docx(data, path)
    readers = [command for name, command in _DOC_READERS if shutil.which(name)]
    if not readers:
        raise LoadError(
            f"{path.name}: tệp Word .doc (định dạng cũ) cần chương trình antiword hoặc catdoc để đọc nhưng máy "
            "chưa cài. Hãy cài antiword (Debian/Ubuntu: apt-get install antiword catdoc) rồi nạp lại, hoặc mở "
            "tệp bằng Word/LibreOffice và lưu lại dưới dạng .docx."
        )
    if data.startswith(_OLE_MAGIC):
        for command in readers:  # antiword knows Word's layout better; catdoc reads some files it rejects
            with suppress(subprocess.TimeoutExpired, ElementTree.ParseError):
                result = subprocess.run([*command, str(path)], capture_output=True, timeout=120, check=False)
                if result.returncode != 0:
                    continue
                if command[0] == "antiword":
                    root = ElementTree.fromstring(result.stdout)
                    text = "\n".join(_docbook_lines(root, count(1))) + "\n"
                else:
                    text = result.stdout.decode("utf-8", errors="replace")
                if text.strip():
                    return _Extracted(text, None, ())
    raise LoadError(
        f"{path.name}: không đọc được tệp Word .doc (tệp hỏng, có mật khẩu hoặc không phải định dạng Word "
        "97-2003). Hãy mở tệp bằng Word hoặc LibreOffice, lưu lại dưới dạng .docx rồi thử lại."
    )


def _docbook_lines(element: ElementTree.Element, tables: Iterator[int]) -> Iterator[str]:
    """Paragraphs and tables of antiword's DocBook, in order (the bookinfo block is file metadata)."""
    for child in element:
        if child.tag in _DOCBOOK_TABLES:
            rows = _docbook_rows(child)
            if rows:
                yield from _table_lines(rows, tables)
            continue
        if child.tag in _DOCBOOK_BLOCKS and (text := " ".join("".join(_docbook_inline(child)).split())):
            yield text
        if child.tag != "bookinfo":
            yield from _docbook_lines(child, tables)


def _docbook_inline(element: ElementTree.Element) -> Iterator[str]:
    """The text of a block without the tables and blocks nested in it (they come as their own lines)."""
    yield element.text or ""
    for child in element:
        if child.tag not in _DOCBOOK_TABLES | _DOCBOOK_BLOCKS:
            yield from _docbook_inline(child)
        yield child.tail or ""


def _docbook_rows(table: ElementTree.Element) -> list[_Row]:
    """Rows of a table; antiword writes a row merged across the whole table as a one-column group. It
    leaves the cells merged down from a row above empty, so there is nothing to carry down."""
    groups = table.findall(".//tgroup")
    width = max((int(g.get("cols") or 1) for g in groups), default=1)
    rows = []
    for group in groups:
        for row in group.iter("row"):
            entries = [" ".join("".join(entry.itertext()).split()) for entry in row.iter("entry")]
            span = width if len(entries) == 1 else 1
            rows.append(_Row([_Cell([text] if text else [], span) for text in entries], header=False))
    return rows


# --- HTML ---------------------------------------------------------------------------------------

_SKIPPED_TAGS = frozenset({"script", "style", "nav", "header", "footer", "title", "noscript"})
_TABLE_TAGS = frozenset({"table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption"})
_BLOCK_TAGS = _TABLE_TAGS | frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "br", "dd", "div", "dl", "dt", "fieldset",
        "figcaption", "figure", "form", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li", "main", "ol", "p",
        "pre", "section", "ul",
    }
)  # fmt: skip


def _extract_html(data: bytes, path: Path) -> _Extracted:
    decoded = _decode_html(data, path)
    parser = _HtmlText()
    parser.feed(decoded.text)
    parser.close()
    return decoded._replace(text=parser.text())


def _decode_html(data: bytes, path: Path) -> _Extracted:
    """The declared ``<meta charset>`` unless a BOM says otherwise or it does not decode; else as text."""
    declared = _META_CHARSET.search(data[:4096])
    if declared and not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = declared.group(1).decode("ascii").lower()
        with suppress(LookupError, UnicodeDecodeError):
            return _Extracted(data.decode(encoding), encoding, _conversion_notes(encoding))
    return _decode_text(data, path)


@dataclass
class _HtmlTable:
    rows: list[_Row] = field(default_factory=list)
    row: list[_Cell] | None = None
    header: bool = True  # every cell of the open row is a <th>, or the row is in <thead>
    cell: list[str] | None = None
    colspan: int = 1
    rowspan: int = 1
    in_head: bool = False
    carried: dict[int, list] = field(default_factory=dict)  # column -> [rows left, cell] of a rowspan

    def width(self) -> int:
        return sum(cell.span for cell in self.row or ())

    def carry(self, end_of_row: bool) -> None:
        """Repeat the cells merged down (rowspan) from rows above that cover the open row's next columns."""
        while self.carried:
            column = self.width()
            if column not in self.carried:
                if not end_of_row or column > max(self.carried):
                    return
                self.row.append(_Cell([], 1))  # a short row: empty up to a column still merged down
                continue
            left, cell = self.carried[column]
            self.row.append(cell)
            if left == 1:
                del self.carried[column]
            else:
                self.carried[column][0] = left - 1


class _HtmlText(HTMLParser):
    """Visible text of a page, one block per line, tables as in ``_table_lines``.

    A table nested in a cell is flattened into that cell's paragraphs.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._lines: list[str] = []
        self._inline: list[str] = []
        self._skipping = 0
        self._tables: list[_HtmlTable] = []
        self._numbers = count(1)

    def text(self) -> str:
        return "\n".join(self._lines) + "\n"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        if self._skipping:
            return
        if tag in _BLOCK_TAGS:
            self._flush()
        if tag == "table":
            self._tables.append(_HtmlTable())
        elif tag == "thead" and self._tables:
            self._tables[-1].in_head = True
        elif tag in ("tbody", "tfoot") and self._tables:
            self._tables[-1].in_head = False
        elif tag == "tr" and self._tables:
            self._end_row()
            self._tables[-1].row = []
        elif tag in ("td", "th") and self._tables:
            self._end_cell()
            table = self._tables[-1]
            table.cell, table.colspan, table.rowspan = [], _span(attrs, "colspan"), _span(attrs, "rowspan")
            table.header = table.header and tag == "th"

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
            return
        if self._skipping:
            return
        if tag in _BLOCK_TAGS:
            self._flush()
        if tag in ("td", "th") and self._tables:
            self._end_cell()
        elif tag == "thead" and self._tables:
            self._end_row()
            self._tables[-1].in_head = False
        elif tag == "tr" and self._tables:
            self._end_row()
        elif tag == "table" and self._tables:
            self._end_table()

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self._inline.append(data)

    def close(self) -> None:
        super().close()
        self._flush()
        while self._tables:
            self._end_table()

    def _flush(self) -> None:
        line = " ".join("".join(self._inline).split())
        self._inline.clear()
        if not line:
            return
        if self._tables and self._tables[-1].cell is not None:
            self._tables[-1].cell.append(line)
        else:
            self._lines.append(line)

    def _end_cell(self) -> None:
        table = self._tables[-1]
        if table.cell is None:
            return
        if table.row is None:  # a cell without <tr>
            table.row = []
        table.carry(end_of_row=False)
        column = table.width()
        cell = _Cell(table.cell, table.colspan)
        table.row.append(cell)
        if table.rowspan > 1:
            table.carried[column] = [table.rowspan - 1, cell]
        table.cell = None

    def _end_row(self) -> None:
        self._end_cell()
        table = self._tables[-1]
        if table.row is not None:
            table.carry(end_of_row=True)
        row, header, table.row, table.header = table.row, table.header or table.in_head, None, True
        if row:
            table.rows.append(_Row(row, header))

    def _end_table(self) -> None:
        self._end_row()
        table = self._tables.pop()
        outer = self._tables[-1] if self._tables else None
        if outer is not None and outer.cell is not None:
            outer.cell.extend(paragraph for row in table.rows for cell in row.cells for paragraph in cell.paragraphs)
        elif table.rows:
            self._lines.extend(_table_lines(table.rows, self._numbers))


def _span(attrs: list[tuple[str, str | None]], name: str) -> int:
    value = dict(attrs).get(name) or "1"
    return max(1, min(int(value), 1000)) if value.strip().isdigit() else 1


_EXTRACTORS = {
    "txt": _decode_text,
    "md": _decode_text,
    "docx": _extract_docx,
    "doc": _extract_doc,
    "pdf": _extract_pdf,
    "html": _extract_html,
}
