"""Line classification for guidance documents: the numbering or bullet a line opens, and titles.

A line is one paragraph of normalised text. Markdown decoration ("## ", "**") is looked through, so
"### **2.1 Phát triển …:**" opens the dotted section 2.1 just like "2.1 Phát triển …:" does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LETTERS = "abcdđeghiklmnopqrstuvxy"  # Vietnamese order of lettered items: a) b) c) d) đ) e) …
BULLETS = frozenset("-+•*")
LIST_SCHEMES = BULLETS | {"paren", "row"}  # list entries; everything else is a heading with a body
TITLE_CHARS = 200
SNIPPET_CHARS = 120

_DECORATION = re.compile(r"(?:#{1,6}\s*)?(?:\*\*)?")
_PART = re.compile(r"Phần\s+([IVXLC]+|\d{1,2})\b\s*[:.]?")
# A .docx/HTML table as the loader writes it: "Bảng 2: STT | Tên nhiệm vụ | …", then "Dòng 1 — STT: 1; …".
_TABLE = re.compile(r"Bảng (\d+): ")
_ROW = re.compile(r"Dòng (\d+) — ")
# "PHỤ LỤC", "Phụ lục I", "Phụ lục số 2:"; a sentence that merely starts with the word is no heading.
_APPENDIX = re.compile(r"(?:PHỤ LỤC|Phụ lục)(?:\s+(?:số\s+)?([IVXLC]+|\d{1,3})\b)?\s*[:.\-–]?\s*")
_ROMAN = re.compile(r"([IVXLC]+)[.\-](?=\s|$|\*)")
_ARABIC = re.compile(r"(\d{1,2})\.{1,2}(?=\s|[^\W\d_]|$|\*)|(\d{1,2}(?:\.\d{1,2})+)\.?(?=\s|$|\*)")
_LETTER = re.compile(r"([a-zđ])\)(?=\s)")
_RECIPIENTS = re.compile(r"Nơi nhận\b")
_SIGNATURE = re.compile(r"(?:KT|TM|TL|TUQ|Q|T/M)\.\s*[^\W\d_]")
_NUM_PAREN = re.compile(r"(\d{1,2})\)(?=\s)")
_PAREN = re.compile(r"\((\d{1,2}|[ivxlIVXL]{1,6})\)(?=\s)")
_STAR_HEADING = re.compile(r"\\\*(?=\s)")
_BULLET = re.compile(r"-\s*(\+)|([-+•])(?=\s|[^\W\d_])|(\*)(?=\s)")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
_VALID_ROMAN = re.compile(r"C{0,3}(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})", re.IGNORECASE)
_TERMINAL = tuple('.;!?…”"')


@dataclass(frozen=True)
class Marker:
    """What a line opens: its numbering scheme, the token as written and its place in the sequence."""

    scheme: str  # "roman", "arabic", "letter", "numparen", "paren", "part", "appendix", "star", "table",
    # "row" (a table's title and row lines), or a bullet "-", "+", "•", "*"
    token: str  # "II", "2.1", "a", "1)", "(1)", "Phần I", "Phụ lục II", "-", "+", "*"
    value: tuple[int, ...]  # (2, 1) for "2.1", (3,) for "c" or "III"; () for bullets and "\*" headings
    body: int  # where the heading text starts in the line

    @property
    def is_list(self) -> bool:
        return self.scheme in LIST_SCHEMES

    @property
    def is_first(self) -> bool:
        return self.value[-1:] == (1,)


def classify(line: str) -> Marker | None:
    """The marker that ``line`` opens, or None for a plain paragraph."""
    pre = _DECORATION.match(line).end()
    rest = line[pre:]

    def at(m: re.Match) -> int:  # where the text after the marker starts
        end = pre + m.end()
        return end + len(line[end:]) - len(line[end:].lstrip())

    if marker := appendix(line):
        return marker
    if pre == 0 and (marker := table_line(line)):
        return marker
    if m := _PART.match(rest):
        return Marker("part", f"Phần {m.group(1)}", (_number(m.group(1)),), at(m))
    if (m := _ROMAN.match(rest)) and _VALID_ROMAN.fullmatch(m.group(1)):
        return Marker("roman", m.group(1), (_roman(m.group(1)),), at(m))
    if m := _ARABIC.match(rest):
        token = m.group(1) or m.group(2)
        return Marker("arabic", token, tuple(int(p) for p in token.split(".")), at(m))
    if m := _LETTER.match(rest):
        return Marker("letter", m.group(1), (LETTERS.index(m.group(1)) + 1,), at(m))
    if m := _NUM_PAREN.match(rest):
        return Marker("numparen", f"{m.group(1)})", (int(m.group(1)),), at(m))
    if m := _PAREN.match(rest):
        return Marker("paren", f"({m.group(1)})", (_number(m.group(1)),), at(m))
    if m := _STAR_HEADING.match(rest):
        return Marker("star", "*", (), at(m))
    if pre == 0 and (m := _BULLET.match(rest)):
        symbol = m.group(1) or m.group(2) or m.group(3)
        return Marker(symbol, symbol, (), at(m))
    return None


def appendix(line: str) -> Marker | None:
    """The marker of an appendix heading ("PHỤ LỤC", "Phụ lục II", "Phụ lục số 2: …"), or None."""
    pre = _DECORATION.match(line).end()
    rest = line[pre:]
    m = _APPENDIX.match(rest)
    if not m or not (m.group(1) or m.end() == len(rest.rstrip("* ")) or is_heading_text(line)):
        return None
    token = f"Phụ lục {m.group(1)}" if m.group(1) else "Phụ lục"
    return Marker("appendix", token, (_number(m.group(1)),) if m.group(1) else (), pre + m.end())


def table_line(line: str) -> Marker | None:
    """The marker of a table's title line ("Bảng 2: …") or row line ("Dòng 3 — …") as the loaders
    write tables, or None."""
    if m := _TABLE.match(line) or _ROW.match(line):
        body = m.end() + len(line[m.end():]) - len(line[m.end():].lstrip())
        return Marker("table" if m.re is _TABLE else "row", m.group(1), (int(m.group(1)),), body)
    return None


def is_closing(line: str) -> bool:
    """Whether ``line`` opens the recipients and signature block: "Nơi nhận:", or a signature
    heading in capitals ("KT. BỘ TRƯỞNG", "TM. ỦY BAN NHÂN DÂN", "TL. CHỦ TỊCH", "Q. GIÁM ĐỐC")."""
    text = clean(line)
    return bool(_RECIPIENTS.match(text) or (_SIGNATURE.match(text) and is_heading_text(text)))


def inline_enumeration(text: str) -> list[tuple[str, int]]:
    """Members of an inline "(1) … (2) …" or "(i) … (ii) …" list: (token, offset) in order.

    The list must start at 1 (or i) and run in sequence; fewer than two members is no list, so a
    lone "(5)" reference or "(v)" typo is left alone.
    """
    marks = [(m.group(1), m.start()) for m in re.finditer(r"\((\d{1,2}|[ivxlIVXL]{1,6})\)", text)]
    for roman in (False, True):
        members: list[tuple[str, int]] = []
        for token, pos in marks:
            if token.isdigit() == roman or (roman and not _VALID_ROMAN.fullmatch(token)):
                continue
            if _number(token) == len(members) + 1:
                members.append((f"({token})", pos))
        if len(members) >= 2:
            return members
    return []


def clean(text: str) -> str:
    """Whitespace-collapsed text without markdown markers."""
    text = text.replace("**", "").replace("\\*", "*")
    return " ".join(text.lstrip("#").split())


def heading_title(body: str) -> str:
    """Title of a numbered heading: its text, or the name before "Name: details…" on a long line."""
    text = clean(body).rstrip(" :")
    name, sep, details = text.partition(": ")
    if sep and details and len(name) <= 80:
        text = name
    text = text.rstrip(" .")
    return shorten(text, TITLE_CHARS)


def snippet(body: str) -> str:
    """Title of a bullet or paragraph: the start of its text."""
    return shorten(clean(body), SNIPPET_CHARS)


def shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit] + "…"


def opens_body(line: str, loose: bool) -> bool:
    """Whether text after this list entry belongs to it: it ends with ":" (an introduction), or,
    when ``loose``, it has no closing punctuation at all (a title-like entry, "- Kinh phí thực hiện")."""
    end = clean(line)
    return end.endswith(":") or (loose and not end.endswith(_TERMINAL))


def is_heading_text(line: str) -> bool:
    """A title line: bold or markdown heading, or all capitals."""
    stripped = line.strip()
    if stripped.startswith("#") or (stripped.startswith("**") and stripped.endswith("**")):
        return True
    letters = [c for c in stripped if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _number(token: str) -> int:
    return int(token) if token.isdigit() else _roman(token)


def _roman(numeral: str) -> int:
    values = [_ROMAN_VALUES[c] for c in numeral.upper()]
    return sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))
