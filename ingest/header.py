"""What an official document's header says about it: its number, kind, date and the name it is cited by.

A Vietnamese administrative text opens with a fixed header (Nghị định 30/2020/NĐ-CP, Phụ lục I): the
issuer, "Số: 142/2026/NĐ-CP" (a law: "Luật số: 20/2023/QH15"), the place and date ("Hà Nội, ngày 30
tháng 4 năm 2026"), then the kind in capitals ("NGHỊ ĐỊNH") over its subject, or for a letter the
subject line "V/v …". The kind is read from the kind line or, when there is none, from the number's type
code ("NĐ" in "142/2026/NĐ-CP"); a numbered text with a "V/v" line and neither is a công văn. A document
added without a manifest row is known by these ("Nghị định 142/2026/NĐ-CP"), so that a question naming it
finds it.

>>> h = read_header("CHÍNH PHỦ\\nSố: 142/2026/NĐ-CP\\nHà Nội, ngày 30 tháng 4 năm 2026\\nNGHỊ ĐỊNH\\nQuy định …")
>>> h.number, h.kind, h.date, h.year, h.short_title("NGHỊ ĐỊNH Quy định …")
('142/2026/NĐ-CP', 'decree', '2026-04-30', 2026, 'Nghị định 142/2026/NĐ-CP')
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

HEAD_LINES = 15  # the header sits in a document's first non-blank lines

# "Số: 142/2026/NĐ-CP", "Số:3816 /BT/TTT-CĐSQG", "Luật số: 20/2023/QH15", a line "Nghị quyết số 57-NQ/TW"
# (a body line citing "Quyết định số 36/QĐ-TTg ngày …" is no header: without its colon, the line is the number alone)
_NUMBER = r"(\d+\s*(?:[/-]\s*[\wĐđ&.]+)+)"
_KIND_NUMBER = r"(?:Luật|Bộ luật|Pháp lệnh|Nghị quyết|Nghị định|Quyết định|Thông tư|Chỉ thị)\s+số"
_NUMBER_LINE = re.compile(rf"(?:{_KIND_NUMBER}|Số)\s*:\s*{_NUMBER}|{_KIND_NUMBER}\s+{_NUMBER}\s*$", re.IGNORECASE)
_DATE = re.compile(r"ngày\s*(\d{1,2})\s*tháng\s*(\d{1,2})\s*năm\s*(\d{4})", re.IGNORECASE)  # OCR: "ngày31tháng03"
_PLACE_DATE = re.compile(r"(?:^|\s)[^\W\d][^\d,/;:()]{1,39},\s*ngày")  # "Hà Nội, ngày …", alone or after "Số: …"
_SUBJECT = re.compile(r"^V/v\b", re.IGNORECASE)
_YEAR = re.compile(r"/((?:19|20)\d\d)/")

# type code of a number -> (kind, what the text is called)
_CODES = {
    "NĐ": ("decree", "Nghị định"), "QĐ": ("decision", "Quyết định"), "TT": ("circular", "Thông tư"),
    "NQ": ("resolution", "Nghị quyết"), "CT": ("directive", "Chỉ thị"), "KH": ("plan", "Kế hoạch"),
    "HD": ("guidance", "Hướng dẫn"), "TB": ("notice", "Thông báo"), "BC": ("report", "Báo cáo"),
    "QH": ("law", "Luật"), "PL": ("ordinance", "Pháp lệnh"), "CĐ": ("dispatch", "Công điện"),
}  # fmt: skip
# the kind line of a text whose number has no type code
KIND_LINES = {
    "LUẬT": "QH", "BỘ LUẬT": "QH", "PHÁP LỆNH": "PL", "NGHỊ QUYẾT": "NQ", "NGHỊ ĐỊNH": "NĐ", "QUYẾT ĐỊNH": "QĐ",
    "THÔNG TƯ": "TT", "CHỈ THỊ": "CT", "KẾ HOẠCH": "KH", "HƯỚNG DẪN": "HD", "THÔNG BÁO": "TB", "BÁO CÁO": "BC",
}  # fmt: skip
_LETTER = ("official_letter", "Công văn")


@dataclass(frozen=True)
class Header:
    """What the header says; None where it says nothing."""

    number: str | None = None
    kind: str | None = None  # "decree", "law", "official_letter", … (DocMeta.kind)
    kind_name: str | None = None  # "Nghị định", "Luật", "Công văn"
    date: str | None = None  # ISO
    year: int | None = None

    def short_title(self, title: str) -> str | None:
        """The name the text is cited by: "Nghị định 142/2026/NĐ-CP", "Công văn 3001/BGDĐT-GDPT"; a law by
        its name and year ("Luật Giao dịch điện tử 2023", from the title "LUẬT GIAO DỊCH ĐIỆN TỬ")."""
        if self.number is None or self.kind_name is None:
            return None
        if self.kind == "law":
            name = re.sub(r"^(?:BỘ\s+)?LUẬT\s+", "", title) if title.isupper() else ""
            if name:
                return f"Luật {name[0]}{name[1:].lower()}" + (f" {self.year}" if self.year else "")
        return f"{self.kind_name} {self.number}"


def read_header(text: str) -> Header:
    """Read the number, kind and date from the first ``HEAD_LINES`` non-blank lines of ``text``."""
    head = [line for line, _, _ in _head(text)]
    number = None
    for line in head:
        if number is None and (m := _NUMBER_LINE.match(line)):
            number = re.sub(r"\s*([/-])\s*", r"\1", m.group(1) or m.group(2)).rstrip(".")
    date = next((found for line in head if (found := _date_of(line))), None)
    if number is None:
        return Header(date=date, year=int(date[:4]) if date else None)
    kind, name = _kind(number, head)
    year = (m := _YEAR.search(f"/{number}/")) and int(m.group(1)) or (int(date[:4]) if date else None)
    return Header(number, kind, name, date, year)


def dateline(text: str) -> tuple[int, int] | None:
    """Where the header's place and date line is in ``text`` ("Hà Nội, ngày 14 tháng 09 năm 2024"; after
    "Số: …" when a flattened header put both on one line, the line from the number on), as (start, end)."""
    return next(((start, end) for line, start, end in _head(text) if _date_of(line)), None)


def _head(text: str) -> list[tuple[str, int, int]]:
    """The first ``HEAD_LINES`` non-blank lines: each NFC, without bold markers and with whitespace collapsed,
    and where it stands in ``text`` (its first to its last non-blank character)."""
    head = []
    for m in re.finditer(r"[^\n]+", text):
        line = " ".join(unicodedata.normalize("NFC", m.group()).replace("**", "").split())
        if line:
            start = m.start() + len(m.group()) - len(m.group().lstrip())
            head.append((line, start, m.start() + len(m.group().rstrip())))
            if len(head) == HEAD_LINES:
                break
    return head


def _date_of(line: str) -> str | None:
    if not (_PLACE_DATE.search(line) and (d := _DATE.search(line))):
        return None
    try:
        return dt.date(int(d.group(3)), int(d.group(2)), int(d.group(1))).isoformat()
    except ValueError:
        return None  # "ngày 31 tháng 2": not a date


def _kind(number: str, head: list[str]) -> tuple[str | None, str | None]:
    # The kind line says it outright; a number's code can stand for more than one kind ("…/QH15" numbers the
    # National Assembly's laws and its resolutions alike).
    for line in head:
        if (code := KIND_LINES.get(line)) is not None:
            return _CODES[code]
    for part in re.split(r"[/-]", number):
        code = next((c for c in _CODES if part == c or (c == "QH" and re.fullmatch(r"QH\d+", part))), None)
        if code:
            return _CODES[code]
    if any(_SUBJECT.match(line) for line in head):
        return _LETTER
    return None, None
