"""References to legal documents in running text: "Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị
về …", "Quyết định 1690/QĐ-TTg ngày 23/12/2023", "Luật Công nghệ thông tin số 67/2006/QH11", "Luật Chuyển
đổi số".

``find_references`` is a pure function over one text; it is used on the corpus (the legal-bases index)
and on a user's draft (the coverage check), so both read references the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.drafting._text import fold

_KINDS = {"luat": "Luật", "bo luat": "Bộ luật", "nghi quyet": "Nghị quyết", "nghi dinh": "Nghị định",
          "quyet dinh": "Quyết định", "chi thi": "Chỉ thị", "cong van": "Công văn", "van ban": "Văn bản",
          "thong tu": "Thông tư"}
_KIND = re.compile(r"(?<![\w])(bo luat|luat|nghi quyet|nghi dinh|quyet dinh|chi thi|cong van|van ban|thong tu)(?!\w)")
# "số 57-NQ/TW", "71/NQ-CP", "33/2025/QĐ-TTg", "1198/QĐ- TTg", "…../QĐ-TTg" (number left blank)
_NUMBER = re.compile(
    r"\s*(?:số\s*:?\s*)?(?P<number>(?:\d+|[.…]{2,})\s?[-/]\s?(?:\d{4}\s?[-/]\s?)?[A-ZĐ][\wĐđ&]*(?:\s?[-/]\s?[A-ZĐ][\wĐđ&]*)*)"
)
_DAY = r"ngày\s*(?P<d{0}>\d{{1,2}}|[.…]+)\s*(?:/|tháng)\s*(?P<m{0}>\d{{1,2}}|[.…]+)\s*(?:/|năm|tháng)\s*(?P<y{0}>\d{{4}})"
_DATE = re.compile(r"\s*,?\s*(?:\(\s*" + _DAY.format(1) + r"\s*\)|" + _DAY.format(2) + ")")
_ISSUER = re.compile(
    r"\s*của\s+(?P<issuer>Thủ tướng Chính phủ|Chính phủ|Bộ Chính trị|Ban Chấp hành Trung ương|Quốc hội"
    r"|Ủy ban Thường vụ Quốc hội|Bộ TT&TT|Bộ Thông tin và Truyền thông|Bộ Khoa học và Công nghệ"
    r"|(?:Bộ|Chủ tịch) [A-ZĐ][^,;:().\n]*?(?=\s+(?:về|phê duyệt|ban hành|hướng dẫn|sửa đổi)\b|\s*[,;:.)\n]|$))"
)
# A law named without a number: "Luật" + a capitalised word + its lower-case continuation.
_LAW_NAME = re.compile(r" +(?P<name>[A-ZĐÀ-Ỹ][\wÀ-ỹ]*(?: +(?!số\s+\d|này\b|có\b|ban\b|trình\b|để\b|thuộc\b|năm\b|"
                       r"được\b|theo\b|quy\b|hướng\b|do\b|đã\b|của\b|tại\b|và\b|với\b|trước\b|sửa\b|về\b|"
                       r"như\b|thì\b|mà\b|khi\b|trong\b|là\b|cho\b)[\wÀ-ỹ]+){0,7})")
_TITLE_END = re.compile(r"[;\n]|\.(?:\s|$)|\)|\s*\(\d+\)|(?<!\w)(?:Nghị quyết|Quyết định|Nghị định|Bộ luật|Luật|Chỉ thị)\s+số\b")
_MAX_TITLE = 300


@dataclass(frozen=True)
class Reference:
    """One mention of a legal document in a text; offsets are into that text.

    ``number`` is as written (whitespace removed), None when the mention has none; ``number_known`` is
    False for a number left blank ("…../QĐ-TTg"). ``date`` is ISO ("2024-12-22") when the mention gives
    a full date. ``title`` is what follows the number, date and issuer, up to the end of the clause.
    """

    kind: str
    number: str | None
    number_known: bool
    date: str | None
    date_text: str | None
    issuer: str | None
    name: str | None  # laws cited by name: "Chuyển đổi số"
    title: str | None
    start: int
    end: int
    text: str

    @property
    def key(self) -> str | None:
        """Identity of the referenced document: its number folded to letters and digits, or the law's name."""
        if self.number and self.number_known:
            return number_key(self.number)
        if self.name:
            return "luật:" + " ".join(fold(self.name).split())
        return None


_HORIZON = re.compile(r"(?:đến\s+năm\s+|giai đoạn \d{4}\s*[-–]\s*|thời kỳ \d{4}\s*[-–]\s*)(\d{4})")


def horizon(title: str) -> int | None:
    """The last year a programme, strategy or plan covers, from its title: "Chương trình Chuyển đổi số
    quốc gia đến năm 2025, định hướng đến năm 2030" -> 2025 (the orientation beyond it is not the
    programme); "Quy hoạch … thời kỳ 2021 - 2030" -> 2030; None when the title names no period."""
    m = _HORIZON.search(title)
    return int(m.group(1)) if m else None


def number_key(number: str) -> str:
    """ "57-NQ/TW", "57/NQ-TW" and "57- NQ/TW" -> "57nqtw"."""
    return re.sub(r"[^0-9a-z&]", "", fold(number))


def find_references(text: str) -> list[Reference]:
    """Every reference to a legal document in ``text``, in order."""
    folded = fold(text)
    refs: list[Reference] = []
    for m in _KIND.finditer(folded):
        ref = _reference(text, m.start(), m.end(), _KINDS[m.group(1)])
        if ref is not None:
            refs.append(ref)
    return refs


def _reference(text: str, start: int, kind_end: int, kind: str) -> Reference | None:
    if not text[start].isupper() and kind not in ("Công văn", "Văn bản"):
        return None  # "luật này", "quyết định" as a common noun
    cursor = kind_end
    number = name = date = date_text = issuer = None
    if m := _NUMBER.match(text, cursor):
        number, cursor = re.sub(r"\s+", "", m.group("number")), m.end()
    elif kind in ("Luật", "Bộ luật") and (m := _LAW_NAME.match(text, cursor)) and not m.group("name").isupper():
        name, cursor = m.group("name"), m.end()
        if n := _NUMBER.match(text, cursor):
            number, cursor = re.sub(r"\s+", "", n.group("number")), n.end()
    else:
        return None
    if m := _DATE.match(text, cursor):
        date_text = m.group(0).strip(" ,()")
        day, month, year = m.group("d1", "m1", "y1") if m.group("y1") else m.group("d2", "m2", "y2")
        if day.isdigit() and month.isdigit():
            date = f"{year}-{int(month):02d}-{int(day):02d}"
        cursor = m.end()
    if m := _ISSUER.match(text, cursor):
        issuer, cursor = m.group("issuer"), m.end()
    title_start = cursor
    while title_start < len(text) and text[title_start] in " :,":
        title_start += 1
    stop = _TITLE_END.search(text, title_start, min(len(text), title_start + _MAX_TITLE))
    title_end = stop.start() if stop else min(len(text), title_start + _MAX_TITLE)
    title = text[title_start:title_end].rstrip(" (,:")
    # A title is only read after a date or an issuer: "Nghị quyết 57-NQ/TW theo hướng …" names none.
    title = title if len(title.split()) >= 3 and not name and (date_text or issuer) else None
    end = title_start + len(title) if title else cursor
    number_known = bool(number and number[0].isdigit())
    return Reference(kind, number, number_known, date, date_text, issuer, name, title, start, end, text[start:end])
