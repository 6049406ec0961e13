"""The corpus folders: their manifests, the documents they hold, duplicates, and adding a file.

The corpus is two folders, each with its own manifest.json: the bundled (or configured) corpus,
which cds never writes, and the user corpus under the data directory, where ``add_to_corpus`` puts
the documents users add, so that a source checkout stays clean and a wheel install works.
``scan_corpus`` pairs every supported file with its manifest row without reading any document, so
it stays cheap. A file without a row still counts: it gets an id derived from its name and a
provisional title (its name) that ``CorpusEntry.resolved_meta`` replaces once the caller has loaded
the text: the title with ``derive_title``, the number, kind, date and citing name with what its header
says (``ingest.header``). Problems a user fixes by moving or converting a file come back as
``CorpusIssue``s; an invalid manifest stops everything with a ``CorpusError``. Messages are in
Vietnamese, because officials read them in the UI and the CLI.
"""

from __future__ import annotations

import datetime as dt
import filecmp
import hashlib
import json
import os
import re
import shutil
import sys
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ingest.errors import CorpusError
from ingest.header import HEAD_LINES, KIND_LINES, read_header
from ingest.load import SUPPORTED_EXTENSIONS, LoadedFile, load_file
from ingest.vietnamese import strip_diacritics

MANIFEST_NAME = "manifest.json"

_UNLIMITED = sys.maxsize

_TITLE_MAX_CHARS = 150
_LETTERHEAD = re.compile(
    r"CỘNG H(?:ÒA|OÀ) XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    r"|(?i:độc lập\s*[-\u2013\u2014]\s*tự do\s*[-\u2013\u2014]\s*hạnh phúc)"
    r"|^(?:(?:Luật|Bộ luật|Pháp lệnh|Nghị quyết|Nghị định|Quyết định|Thông tư|Chỉ thị)\s+số|Số)\s*:"
    r"|^[^\W\d][^\d,/;:()]{1,39},\s*ngày\b.*\btháng\b"  # "Hà Nội, ngày 14 tháng 09 năm 2024"
)
_NOISE = re.compile(
    r"[\W_]+"  # rules: "-------", "***"
    r"|\d+"  # a page number
    r"|\(.*"  # "(Kèm theo Văn bản số …)", "(Từ ngày 16 tháng 5 đến ngày 29 tháng 6 năm 2006)"
    r"|(?i:kính gửi\b.*|khóa [IVXLC]+\b.*|khoá [IVXLC]+\b.*|dự thảo)"  # "Khóa XI, kỳ họp thứ 9"
)
_NUMBERED = re.compile(r"(?:[IVXLC]+|\d+(?:\.\d+)*|[a-zđ])[.)]\s|(?i:chương|mục|phần|điều)\s")
# a title line naming only the kind of text: the kind lines the header reader knows, and kinds with no type code
_DOCUMENT_KINDS = frozenset({*KIND_LINES, "CHƯƠNG TRÌNH", "ĐỀ ÁN", "TỜ TRÌNH"})
_SUBJECT_PREFIX = re.compile(r"^V/v\.?\s*", re.IGNORECASE)  # "V/v" (về việc): the subject line
_MARKDOWN_PREFIX = re.compile(r"^\s*(?:#{1,6}\s|>)")


class DocMeta(BaseModel):
    """One manifest row: what is known about a document. None means unknown: the source does not say.

    ``short_title`` defaults to ``title``. Dates are ISO strings ("2024-09-14"), checked to be real dates
    but kept as strings so that ``model_dump()`` stays JSON-ready.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    source_file: str = Field(min_length=1)  # path relative to the corpus folder, "/"-separated
    title: str = Field(min_length=1)
    short_title: str
    kind: str | None = None  # "guidance", "task_table", "training", "plan", "law", "resolution", ...
    number: str | None = None
    issuer: str | None = None
    date: str | None = None
    year: int | None = None
    effective_date: str | None = None
    status: str | None = None  # "in_force", "amended", "draft", "guidance", "reference", ...
    level: list[str] | None = None  # "quốc gia", "bộ", "tỉnh", "xã"
    period: str | None = None
    notes: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _short_title_defaults_to_title(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("short_title") is None:
            return {**data, "short_title": data.get("title")}
        return data

    @field_validator("date", "effective_date")
    @classmethod
    def _iso_date(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            raise ValueError(f"{value!r} không phải ngày dạng YYYY-MM-DD") from None

    @field_validator("source_file")
    @classmethod
    def _inside_the_corpus(cls, value: str) -> str:
        path = PurePosixPath(value.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts:
            raise ValueError("phải là đường dẫn tương đối bên trong thư mục kho tài liệu")
        return path.as_posix()


class Manifest(BaseModel):
    """corpus/manifest.json: one row per document; a top-level "_comment" is allowed and ignored."""

    model_config = ConfigDict(extra="forbid")

    comment: str | None = Field(default=None, alias="_comment")
    documents: list[DocMeta] = []


@dataclass(frozen=True)
class CorpusEntry:
    """A document file of the corpus and its metadata.

    ``derived`` is True for a file the manifest does not name: its ``meta`` is derived, and its
    title is the file name until ``resolved_meta`` is given the text.
    """

    meta: DocMeta
    path: Path
    derived: bool = False

    def resolved_meta(self, text: str) -> DocMeta:
        """The manifest row, or for an unlisted file the derived row: titled from ``text``, numbered, dated and
        named as its header says ("Nghị định 142/2026/NĐ-CP"; ``ingest.header``)."""
        if not self.derived:
            return self.meta
        title = derive_title(text, fallback=self.meta.title)
        header = read_header(text)
        return self.meta.model_copy(update={
            "title": title, "short_title": header.short_title(title) or title, "kind": header.kind,
            "number": header.number, "date": header.date, "year": header.year})


@dataclass(frozen=True)
class CorpusIssue:
    """Something in the corpus folder that was skipped; ``message`` tells the user how to fix it."""

    path: Path
    message: str


def scan_corpus(corpus_dir: Path, user_dir: Path | None = None) -> tuple[list[CorpusEntry], list[CorpusIssue]]:
    """List the corpus documents and match each to its manifest row, without reading them.

    Every file under each folder with a supported extension counts, recursively, except hidden
    files and folders, Word lock files ("~$…"), README files and manifest.json. Files are matched to
    the rows of their folder's manifest by ``source_file`` (relative to that folder); a file without
    a row gets a derived ``DocMeta`` (``derived=True``) whose id no other document has.

    :param corpus_dir: the corpus folder (``Settings.corpus_dir``).
    :param user_dir: the folder of documents users added (``Settings.user_corpus_dir``); a folder
        that does not exist yet holds nothing.
    :returns: the entries, sorted by path within ``corpus_dir`` then ``user_dir``, and the issues:
        files of unsupported types and manifest rows whose file is not there.
    :raises CorpusError: ``corpus_dir`` is missing, or a manifest is not valid JSON, has an unknown
        or invalid field, or repeats an id (the two manifests together) or a source_file.
    """
    return _scan([(folder, manifest) for folder, _, manifest in _folders(corpus_dir, user_dir)])


def derive_title(text: str, fallback: str) -> str:
    """A document title taken from its first meaningful line.

    The national letterhead at the top ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do -
    Hạnh phúc", "Số: …", the place and date) and the issuer lines before it are skipped, as are
    dashes, page numbers, parenthesised lines and "Kính gửi". The title goes on over the next lines
    while they continue it: the line right below starting in lower case ("V/v Hướng dẫn …" /
    "xây dựng …"), an upper-case line after an upper-case one ("KHUNG KẾ HOẠCH" / "CHUYỂN ĐỔI SỐ …"),
    or any line after a bare document kind ("NGHỊ ĐỊNH" / "Quy định chi tiết …"). Markdown markers
    and a leading "V/v" are dropped; the result is NFC and at most 150 characters.

    :param text: the document text, loaded or normalised.
    :param fallback: returned when the text has no such line, e.g. when it opens with a table.
    :returns: the title.
    """
    lines = [
        (number, raw.lstrip(" ").startswith("\t"), line)
        for number, raw in enumerate(unicodedata.normalize("NFC", text).splitlines())
        if (line := _clean_line(raw))
    ]
    head = lines[:HEAD_LINES]
    # A letter's subject line ("V/v …") is its title, wherever the two columns of its header put it.
    start = next((i for i, (_, _, line) in enumerate(head) if _SUBJECT_PREFIX.match(line)), None)
    if start is None:
        start = max((i + 1 for i, (_, _, line) in enumerate(head) if _LETTERHEAD.search(line)), default=0)
    parts: list[str] = []
    previous = -1
    for number, in_table, line in lines[start:]:
        if in_table:  # a table cell: the document has no title line before its table
            break
        if not parts:
            if not (_NOISE.fullmatch(line) or _LETTERHEAD.search(line) or line[0].islower()):
                title = _SUBJECT_PREFIX.sub("", line)
                parts.append(title[:1].upper() + title[1:])  # "V/v hướng dẫn …": "Hướng dẫn …"
        elif _continues(parts, line, adjacent=number == previous + 1):
            parts.append(line)
        else:
            break
        previous = number
    return _shorten(" ".join(parts)) if parts else fallback


def find_duplicates(loaded: dict[str, LoadedFile]) -> dict[str, str]:
    """Find documents that repeat another one.

    Two files are the same document when their bytes are identical (sha256) or their texts are,
    after NFC and collapsing whitespace; so a .docx and a .txt of one document match only if their
    texts do. Of a group, the file first by path is the original. The caller reports each duplicate
    ("… trùng nội dung với …; tệp này được bỏ qua") and does not index it.

    :param loaded: doc id -> its loaded file.
    :returns: duplicate doc id -> the doc id it duplicates.
    """
    originals: dict[str, str] = {}
    duplicates: dict[str, str] = {}
    for doc_id, file in sorted(loaded.items(), key=lambda item: item[1].path):
        keys = ("file:" + file.sha256, "text:" + _text_digest(file.text))
        original = next((originals[key] for key in keys if key in originals), None)
        if original is None:
            originals.update(dict.fromkeys(keys, doc_id))
        else:
            duplicates[doc_id] = original
    return duplicates


def add_to_corpus(
    corpus_dir: Path, user_dir: Path, src: Path, meta: dict[str, Any] | None = None, *, max_bytes: int | None = None
) -> DocMeta:
    """Copy a document into the user corpus folder and, given ``meta``, add or update its manifest row.

    The file is loaded first, so a file that cannot be read never enters the corpus. ``corpus_dir``
    is never written: a file already inside it stays as it is, and its row cannot be changed here. A
    file already inside ``user_dir`` stays where it is; another is copied to the top of that folder
    under its own name, and copying a file identical to the one already there is a no-op. Without
    ``meta`` the manifest is left alone and the file's row is derived. With it, the keys given (any
    ``DocMeta`` field but id and source_file; None means unknown) replace those of the file's row in
    ``user_dir``'s manifest, or start a new row whose id is derived from the file name (unique across
    both folders) and whose title, unless given, from the text. manifest.json keeps its rows, their
    order and their keys.

    :param corpus_dir: the bundled (or configured) corpus folder, read-only (``Settings.corpus_dir``).
    :param user_dir: the user corpus folder (``Settings.user_corpus_dir``); created if missing.
    :param src: the file to add.
    :param meta: metadata for the manifest row, e.g. ``{"title": …, "number": …, "date": "2024-09-14"}``.
    :param max_bytes: the size limit for loading (``Settings.max_file_mb`` in bytes); None: no limit.
    :returns: the document's row, or the derived one when the manifest has none.
    :raises CorpusError: a manifest is invalid, a different file of that name is in ``user_dir``
        already, ``meta`` has an unknown key or an invalid value, or ``meta`` is given for a file of
        the read-only ``corpus_dir``.
    :raises LoadError: the file cannot be loaded.
    """
    user_dir.mkdir(parents=True, exist_ok=True)
    folders = _folders(corpus_dir, user_dir)
    loaded = load_file(src, max_bytes=_UNLIMITED if max_bytes is None else max_bytes)
    entries, _ = _scan([(folder, manifest) for folder, _, manifest in folders])
    writable, raw, _ = folders[-1]
    bundled = _inside(corpus_dir, src) if writable != corpus_dir else None
    if bundled is not None:
        if meta is not None:
            raise CorpusError(
                f"{bundled}: tệp thuộc kho tài liệu đi kèm ({corpus_dir}), kho này chỉ đọc nên không sửa được "
                f"thông tin văn bản. Hãy sửa {corpus_dir / MANIFEST_NAME} trong mã nguồn, hoặc chép tệp ra chỗ "
                "khác rồi thêm bản chép."
            )
        dest, copy = bundled, False
    else:
        dest, copy = _destination(writable, src)
    entry = next((entry for entry in entries if entry.path == dest), None)
    if entry is None:
        doc_id = _unique(_slug(dest.stem), {entry.meta.id for entry in entries})
        source_file = dest.relative_to(writable).as_posix()
        entry = CorpusEntry(DocMeta(id=doc_id, source_file=source_file, title=dest.stem), dest, derived=True)
    result = entry.resolved_meta(loaded.text)
    if meta is not None:
        raw, result = _with_row(writable / MANIFEST_NAME, raw, result, meta)
    if copy:
        shutil.copy2(src, dest)
    if meta is not None:
        _write_json(writable / MANIFEST_NAME, raw)
    return result


def _inside(folder: Path, src: Path) -> Path | None:
    """``src`` as a path under ``folder``, or None when it lies elsewhere."""
    try:
        return folder / src.resolve().relative_to(folder.resolve())
    except ValueError:
        return None


def _destination(user_dir: Path, src: Path) -> tuple[Path, bool]:
    """Where ``src`` goes in the user corpus, and whether it must be copied there."""
    inside = _inside(user_dir, src)
    if inside is not None:
        return inside, False
    dest = user_dir / src.name
    if not dest.exists():
        return dest, True
    if dest.is_file() and filecmp.cmp(src, dest, shallow=False):
        return dest, False
    raise CorpusError(
        f"{dest}: kho tài liệu đã có một tệp khác cùng tên {src.name}; tệp đó không bị ghi đè. "
        "Hãy đổi tên tệp cần thêm rồi thử lại."
    )


# --- manifest -----------------------------------------------------------------------------------


def _folders(corpus_dir: Path, user_dir: Path | None) -> list[tuple[Path, dict[str, Any], Manifest]]:
    """The corpus folders that exist, each with its manifest (as JSON and validated), ``user_dir`` last.

    A user folder that is the corpus folder itself counts once. Ids must be unique across manifests:
    the index and every citation name a document by its id alone.
    """
    folders = [(corpus_dir, *_read_manifest(corpus_dir))]
    if user_dir is not None and user_dir.is_dir() and user_dir.resolve() != corpus_dir.resolve():
        folders.append((user_dir, *_read_manifest(user_dir)))
        bundled_ids = {row.id for row in folders[0][2].documents}
        for row in folders[1][2].documents:
            if row.id in bundled_ids:
                raise CorpusError(
                    f"{user_dir / MANIFEST_NAME}: mục {row.id!r}: trường 'id' ({row.id}) trùng với một tài liệu của "
                    f"{corpus_dir / MANIFEST_NAME}. Mỗi tài liệu cần một id riêng; hãy đổi id trong "
                    f"{user_dir / MANIFEST_NAME} rồi thử lại."
                )
    return folders


def _read_manifest(corpus_dir: Path) -> tuple[dict[str, Any], Manifest]:
    """The manifest as JSON (to write back as it is) and validated; empty when there is none."""
    if not corpus_dir.is_dir():
        raise CorpusError(
            f"{corpus_dir}: không tìm thấy thư mục kho tài liệu. "
            "Hãy tạo thư mục này hoặc đặt CDS_CORPUS_DIR trỏ tới thư mục tài liệu."
        )
    path = corpus_dir / MANIFEST_NAME
    if not path.is_file():
        return {"documents": []}, Manifest()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CorpusError(
            f"{path}: không phải JSON hợp lệ (dòng {exc.lineno}, cột {exc.colno}: {exc.msg}). "
            "Hãy sửa lỗi cú pháp rồi thử lại."
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{path}: không đọc được tệp ({exc}). Hãy lưu lại tệp dưới dạng UTF-8 rồi thử lại.") from exc
    try:
        manifest = Manifest.model_validate(raw)
    except ValidationError as exc:
        raise CorpusError(_manifest_error(path, raw, exc)) from exc
    _check_unique(path, manifest.documents)
    return raw, manifest


def _manifest_error(path: Path, raw: Any, exc: ValidationError) -> str:
    error = exc.errors()[0]
    loc = error["loc"]
    if len(loc) > 2 and loc[0] == "documents" and isinstance(loc[1], int):
        row = raw["documents"][loc[1]]
        entry = f"mục {row['id']!r}" if isinstance(row.get("id"), str) else f"mục thứ {loc[1] + 1}"
        return _field_error(f"{path}: {entry}", error["type"], loc[2:], error["msg"], DocMeta.model_fields)
    return _field_error(str(path), error["type"], loc, error["msg"], ("_comment", "documents"))


def _field_error(where: str, kind: str, loc: tuple[Any, ...], detail: str, fields: Iterable[str]) -> str:
    field = ".".join(str(part) for part in loc) or "(gốc)"
    if kind == "extra_forbidden":
        problem = f"không phải là trường hợp lệ (các trường hợp lệ: {', '.join(fields)})"
    elif kind == "missing":
        problem = "là bắt buộc nhưng bị thiếu"
    else:
        problem = f"có giá trị không hợp lệ ({detail.removeprefix('Value error, ')})"
    return f"{where}: trường {field!r} {problem}. Hãy sửa manifest rồi thử lại."


def _check_unique(path: Path, rows: list[DocMeta]) -> None:
    for field in ("id", "source_file"):
        seen: dict[str, DocMeta] = {}
        for row in rows:
            value = getattr(row, field)
            key = unicodedata.normalize("NFC", value)
            if key in seen:
                raise CorpusError(
                    f"{path}: mục {row.id!r}: trường {field!r} ({value}) trùng với mục {seen[key].id!r}. "
                    "Mỗi tài liệu cần một id riêng và mỗi tệp chỉ được khai báo một lần; hãy sửa manifest rồi thử lại."
                )
            seen[key] = row


def _with_row(
    manifest_path: Path, raw: dict[str, Any], resolved: DocMeta, meta: dict[str, Any]
) -> tuple[dict[str, Any], DocMeta]:
    """The manifest JSON with the row of ``resolved.id`` updated by ``meta`` (or added), and that row."""
    where = f"{manifest_path}: mục {resolved.id!r}"
    settable = [name for name in DocMeta.model_fields if name not in ("id", "source_file")]
    unknown = sorted(set(meta) - set(settable))
    if unknown:
        raise CorpusError(_field_error(where, "extra_forbidden", (unknown[0],), "", settable))
    documents = list(raw.get("documents", []))
    # A derived id never names a row: manifest ids are taken before any id is derived.
    index = next((i for i, row in enumerate(documents) if row["id"] == resolved.id), None)
    base = documents[index] if index is not None else {
        "id": resolved.id, "source_file": resolved.source_file, "title": resolved.title,
    }  # fmt: skip
    try:
        row = DocMeta.model_validate({**base, **meta})
    except ValidationError as exc:
        error = exc.errors()[0]
        raise CorpusError(_field_error(where, error["type"], error["loc"], error["msg"], DocMeta.model_fields)) from exc
    values = row.model_dump(mode="json")
    written = {key: values[key] for key in {**base, **meta}}  # the row's own keys, in their order
    if index is None:
        documents.append(written)
    else:
        documents[index] = written
    return {**raw, "documents": documents}, row


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """Write through a temporary file, so that a crash never leaves half a manifest."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


# --- scanning -----------------------------------------------------------------------------------


def _scan(folders: list[tuple[Path, Manifest]]) -> tuple[list[CorpusEntry], list[CorpusIssue]]:
    taken = {row.id for _, manifest in folders for row in manifest.documents}
    entries: list[CorpusEntry] = []
    issues: list[CorpusIssue] = []
    for corpus_dir, manifest in folders:
        rows = {unicodedata.normalize("NFC", row.source_file): row for row in manifest.documents}
        for path in sorted(corpus_dir.rglob("*")):
            relative = path.relative_to(corpus_dir)
            if not path.is_file() or _ignored(relative):
                continue
            if path.suffix.lower() not in SUPPORTED_EXTENSIONS:
                issues.append(CorpusIssue(path, _unsupported_message(relative)))
                continue
            row = rows.pop(unicodedata.normalize("NFC", relative.as_posix()), None)
            if row is not None:
                entries.append(CorpusEntry(row, path))
                continue
            derived = DocMeta(id=_unique(_slug(path.stem), taken), source_file=relative.as_posix(), title=path.stem)
            taken.add(derived.id)
            entries.append(CorpusEntry(derived, path, derived=True))
        issues.extend(_missing_file_issue(corpus_dir, row) for row in rows.values())
    return entries, issues


def _ignored(relative: Path) -> bool:
    """Hidden files and folders, Word lock files ("~$Ke hoach.docx"), READMEs, the manifest and the
    frameworks file (drafting metadata: which guidance applies to which plan, read by assistant.drafting)."""
    return (
        any(part.startswith((".", "~$")) for part in relative.parts)
        or relative.name.upper().startswith("README")
        or relative.name in (MANIFEST_NAME, "frameworks.json")
    )


def _unsupported_message(relative: Path) -> str:
    return (
        f"{relative.as_posix()}: định dạng {relative.suffix or '(không có đuôi)'} không được hỗ trợ nên tệp bị bỏ qua. "
        f"Hãy chuyển tệp sang một trong các định dạng {', '.join(SUPPORTED_EXTENSIONS)} "
        "hoặc đưa tệp ra khỏi thư mục kho tài liệu."
    )


def _missing_file_issue(corpus_dir: Path, row: DocMeta) -> CorpusIssue:
    path = corpus_dir / row.source_file
    if path.exists():
        problem = f"trỏ tới {row.source_file}, nhưng tệp này không được nạp (định dạng không hỗ trợ hoặc tệp ẩn)"
        fix = "hãy chuyển tệp sang định dạng được hỗ trợ"
    else:
        problem = f"không tìm thấy tệp {row.source_file} trong {corpus_dir}"
        fix = f"hãy chép tệp vào {corpus_dir}"
    return CorpusIssue(path, f"{MANIFEST_NAME}: mục {row.id!r} {problem}; {fix} hoặc sửa source_file trong manifest.")


def _slug(stem: str) -> str:
    """ "Kế hoạch CĐS xã (2025)" -> "ke-hoach-cds-xa-2025"."""
    return re.sub(r"[^a-z0-9]+", "-", strip_diacritics(stem).lower()).strip("-") or "tai-lieu"


def _unique(candidate: str, taken: set[str]) -> str:
    suffix = 2
    unique = candidate
    while unique in taken:
        unique, suffix = f"{candidate}-{suffix}", suffix + 1
    return unique


# --- titles and duplicates ----------------------------------------------------------------------


def _clean_line(raw: str) -> str:
    """The line without Markdown heading, quote and bold markers, whitespace collapsed."""
    line = _MARKDOWN_PREFIX.sub("", raw.replace("**", "").replace("__", ""))
    return " ".join(line.split())


def _continues(parts: list[str], line: str, adjacent: bool) -> bool:
    if _NUMBERED.match(line) or line.startswith("("):
        return False
    if len(parts) == 1 and parts[0] in _DOCUMENT_KINDS:
        return True
    return (adjacent and line[0].islower()) or (parts[-1].isupper() and line.isupper())


def _shorten(title: str) -> str:
    if len(title) <= _TITLE_MAX_CHARS:
        return title
    return title[: _TITLE_MAX_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _text_digest(text: str) -> str:
    return hashlib.sha256(" ".join(unicodedata.normalize("NFC", text).split()).encode()).hexdigest()
