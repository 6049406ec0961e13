"""Structure parser for legal texts: laws and decrees, and Party or Government resolutions.

A law is cut into Chương › Mục › Điều › khoản › điểm, labelled the way Vietnamese lawyers cite
("điểm a khoản 2 Điều 5"). An article that approves a plan carries the plan's Roman parts between
it and its khoản ("Điều 1. Phê duyệt Đề án … với những nội dung sau đây:" / "III. NHIỆM VỤ VÀ GIẢI
PHÁP" / "1. Rà soát, hoàn thiện thể chế"); each part numbers its khoản afresh, and is cited
"khoản 1 Mục III Điều 1". A resolution shaped like Nghị quyết 57-NQ/TW is cut into Roman parts
("I- QUAN ĐIỂM CHỈ ĐẠO") › numbered items › "-" bullets, labelled "Mục III.2, ý 3". Text before the
first part or chapter is a "Phần mở đầu" paragraph; the closing formula, or else the recipients
and signature block ("Nơi nhận:", "TM. CHÍNH PHỦ"), a "Phần kết"; each appendix after it ("PHỤ LỤC
I") a top-level section.

Input is normalised text, one paragraph per line; blank lines between paragraphs are allowed.
Numbering below the article/part level must run in sequence (1, 2, 3 … and a, b, c, d, đ …), which
is what tells a khoản from a sentence or a table row that happens to start with a number.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from ingest._guidance_markers import appendix, is_closing, is_heading_text, table_line
from ingest.model import Clause, ParsedDocument

# "Điều 1. Phạm vi", and the source's "Điều 2.Đối tượng", "Điều 24:Nguyên tắc", "Điều 5 Chính sách"
_ARTICLE = re.compile(r"Điều\s*(\d+)\s*[.:]*\s*(.*)")
# Title on the same line or, when the line is bare, on the next: "Chương I" / "NHỮNG QUY ĐỊNH CHUNG".
_CHAPTER = re.compile(r"(?:Chương|CHƯƠNG)\s+([IVXLC]+|\d+)\b\s*[.:\-–]?\s*(.*)")
_SECTION = re.compile(r"(?:Mục|MỤC)\s+(\d+|[IVXLC]+)\b\s*[.:\-–]?\s*(.*)")
_CLAUSE = re.compile(r"(\d+)(\.*)\s*(.*)")  # "1. …", "2..Thông tin số", "1.Công nghệ", "1 Cá nhân"
_POINT = re.compile(r"([a-zđ])\)\s*(.*)")
_PART = re.compile(r"([IVXLC]+)\s*[-–.]\s*(\S.*)")
_ITEM = re.compile(r"(\d+)\.\s*(\S.*)")
_BULLET = re.compile(r"[-–•]\s*(\S.*)")
_CLOSING = re.compile(
    r"(?:Luật|Bộ luật|Pháp lệnh|Nghị quyết|Nghị định) này (?:đã )?(?:được .*thông qua|phổ biến đến)"
)
_RESOLUTION_HEAD = re.compile(  # "Nghị quyết số 57-NQ/TW", "NGHỊ QUYẾT", "Số: 03/NQ-CP" on a line of its own
    r"NGHỊ QUYẾT|(?:Nghị quyết số|Số:?)\s*\d+[-/][\w/-]*NQ[-/][\w-]+", re.IGNORECASE
)
_POINT_LETTERS = "abcdđeghiklmnopqrstuvxy"
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
_TITLE_CHARS = 120
_ARTICLE_PART = 3.5  # a Roman part inside an article: below the Điều, above its khoản
_TABLE = 6  # the rank of a table inside whatever holds it (deeper than any điểm); its rows rank one deeper
_MIN_ARTICLES = 3

_Line = tuple[str, int, int]  # content without surrounding whitespace, its start and end offsets


def looks_legal(text: str) -> bool:
    """Tell a law, decree or resolution from a guidance document.

    A law or decree has at least three article lines ("Điều 1. …") numbered upwards. A resolution
    has a heading line of its own ("Nghị quyết số 57-NQ/TW", "NGHỊ QUYẾT", "Số: 03/NQ-CP") before
    at least two Roman parts ("I- …", "II- …"). Guidance that merely mentions an Điều or a Nghị
    quyết inside its sentences is neither.

    :param text: normalised text, one paragraph per line.
    :returns: True when :func:`parse_legal` should parse the text.
    """
    lines = [content for content, _, _ in _lines(text)]
    return _count_articles(lines) >= _MIN_ARTICLES or _is_resolution(lines)


def parse_legal(text: str, doc_id: str) -> ParsedDocument:
    """Parse a law, decree or resolution into its clause tree.

    Nodes come in document order, parents before children. ``start``/``end`` cover a node and all
    its descendants, without trailing whitespace; a node's text runs until the next node at its own
    or a higher level begins, so a paragraph that follows the last điểm of a khoản stays with that
    điểm. Ids are derived from the numbering: "C2/M1/D9/K2/a" (Chương II, Mục 1, Điều 9, khoản 2,
    điểm a) in a law, "III/2/-3" in a resolution, plus "preamble" and "closing".

    :param text: normalised text, one paragraph per line.
    :param doc_id: the document's id, named in errors.
    :returns: the clause tree; ``tasks`` is empty.
    :raises ValueError: the text has neither articles nor resolution parts (check :func:`looks_legal`).
    """
    lines = list(_lines(text))
    contents = [content for content, _, _ in lines]
    if _count_articles(contents) >= _MIN_ARTICLES:
        builder = _LawBuilder()
    elif _is_resolution(contents):
        builder = _ResolutionBuilder()
    else:
        raise ValueError(
            f"{doc_id}: no articles (Điều) and no resolution parts (I-, II-) found; "
            "parse it as guidance instead (looks_legal() is False for it)"
        )
    return ParsedDocument(clauses=builder.build(lines))


def _lines(text: str) -> Iterator[_Line]:
    for m in re.finditer(r"[^\n]+", text):
        content = m.group().strip()
        if content:
            start = m.start() + m.group().index(content[0])
            yield content, start, start + len(content)


def _count_articles(lines: list[str]) -> int:
    count = last = 0
    for line in lines:
        m = _ARTICLE.fullmatch(line)
        if m and int(m.group(1)) > last:
            count, last = count + 1, int(m.group(1))
    return count


def _is_resolution(lines: list[str]) -> bool:
    parts = [i for i, line in enumerate(lines) if _PART.fullmatch(line)]
    return len(parts) >= 2 and any(_RESOLUTION_HEAD.fullmatch(line) for line in lines[: parts[0]])


def _roman(numeral: str) -> int:
    if numeral.isdigit():
        return int(numeral)
    values = [_ROMAN[c] for c in numeral]
    return sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _short(text: str) -> str:
    text = _collapse(text)
    if len(text) <= _TITLE_CHARS:
        return text
    return text[:_TITLE_CHARS].rsplit(" ", 1)[0] + "…"


@dataclass
class _Node:
    """A clause under construction: ``end`` is set when the next node at its level begins."""

    id: str
    kind: str
    number: str
    title: str
    label: str
    start: int
    heading_end: int
    level: float  # nesting rank: a node closes every open node of the same or a deeper rank
    parent: _Node | None = None
    end: int = -1
    children: Counter[str] = field(default_factory=Counter)  # per kind: the next one's number - 1

    def depth(self) -> int:
        return 0 if self.parent is None else self.parent.depth() + 1


class _Builder:
    """Opens nodes line by line on a stack; subclasses say which line opens what."""

    def __init__(self) -> None:
        self._stack: list[_Node] = []
        self._nodes: list[_Node] = []
        self._last_end = 0
        self._closed = False  # the closing formula was seen: the rest is "Phần kết" (or appendices)
        self._body = False  # an article, chapter or part has begun

    def build(self, lines: list[_Line]) -> tuple[Clause, ...]:
        i = appendices = 0
        while i < len(lines):
            content, start, end = lines[i]
            table = table_line(content)
            if self._innermost(_TABLE) and not (table and table.scheme == "row"):
                self._pop_to(_TABLE)  # a table ends at the first line that is not one of its rows
            if table and self._nodes and (table.scheme == "table" or self._innermost(_TABLE)):
                self._open_table_line(table, start, end, content)
            elif self._body and (marker := appendix(content)):
                # An appendix after the signature is content again, a top-level section of its own.
                self._closed = True
                appendices += 1
                title = _short(content[marker.body :].strip(" :.-–"))
                if not title and i + 1 < len(lines) and is_heading_text(lines[i + 1][0]):
                    i += 1
                    title, end = _short(lines[i][0]), lines[i][2]
                label = marker.token if marker.value or appendices == 1 else f"{marker.token} (lần {appendices})"
                self._open(_Node(f"appendix-{appendices}", "section", marker.token, title, label, start, end, level=0))
            # The closing formula only counts once the body has begun: a preamble may cite one.
            elif not self._closed and self._stack and self._stack[0].level \
                    and (_CLOSING.match(content) or is_closing(content)):
                self._closed = True
                self._open(_Node("closing", "paragraph", "", "", "Phần kết", start, start, level=0))
            elif not self._closed:
                i += self._classify(lines, i)
            if not self._nodes:
                self._open(_Node("preamble", "paragraph", "", "", "Phần mở đầu", start, start, level=0))
            self._last_end = lines[i][2]
            i += 1
        self._pop_to(0)
        return tuple(
            Clause(n.id, n.kind, n.number, n.title, n.label, n.start, n.end, n.heading_end,
                   n.parent.id if n.parent else None, n.depth())
            for n in self._nodes
        )

    def _classify(self, lines: list[_Line], i: int) -> int:
        """Open the node that line ``i`` begins, if any; return how many following lines it consumed."""
        raise NotImplementedError

    def _open_table_line(self, marker, start: int, end: int, content: str) -> None:
        """A .docx/HTML table inside an article or an appendix: its title line, then one clause a row."""
        if marker.scheme == "table":
            parent = next((n for n in reversed(self._stack) if n.kind != "paragraph"), None)
            base = parent.label if parent else ""
            self._open(_Node(f"{parent.id}/T{marker.token}" if parent else f"T{marker.token}", "area", marker.token,
                             _short(content[marker.body:]), f"{base}, bảng {marker.token}" if base else f"Bảng {marker.token}",
                             start, end, level=_TABLE))
        else:
            table = self._innermost(_TABLE)
            self._open(_Node(f"{table.id}/R{marker.token}", "table_row", marker.token, _short(content[marker.body:]),
                             f"{table.label}, dòng {marker.token}", start, end, level=_TABLE + 1))

    def _open(self, node: _Node) -> None:
        self._pop_to(node.level)
        node.parent = self._stack[-1] if self._stack else None
        if node.parent is not None:
            node.parent.children[node.kind] += 1
        self._stack.append(node)
        self._nodes.append(node)
        self._body = self._body or node.level > 0

    def _pop_to(self, level: int) -> None:
        # A paragraph is a leaf: whatever opens next ends it.
        while self._stack and (self._stack[-1].level >= level or self._stack[-1].kind == "paragraph"):
            self._stack.pop().end = self._last_end

    def _innermost(self, *levels: int) -> _Node | None:
        """The deepest open node at one of ``levels``."""
        return next((n for n in reversed(self._stack) if n.level in levels), None)


class _LawBuilder(_Builder):
    """Chương (1) › Mục (2) › Điều (3) › Roman part of the article (3.5) › khoản (4) › điểm (5)."""

    def __init__(self) -> None:
        super().__init__()
        self._chapters = self._last_article = 0

    def _classify(self, lines: list[_Line], i: int) -> int:
        content, start, end = lines[i]
        chapter, article = self._innermost(1), self._innermost(3)
        if m := _CHAPTER.fullmatch(content) or chapter and _SECTION.fullmatch(content):
            return self._heading(lines, i, m, chapter)
        if (m := _ARTICLE.fullmatch(content)) and int(m.group(1)) > self._last_article:
            self._last_article = int(m.group(1))
            parent = self._innermost(1, 2)
            number = m.group(1)
            self._open(_Node(f"{parent.id}/D{number}" if parent else f"D{number}", "article", number,
                             _collapse(m.group(2)), f"Điều {number}", start, end, level=3))
        elif article and (m := _PART.fullmatch(content)) and self._is_part(m, article):
            numeral = m.group(1)
            self._open(_Node(f"{article.id}/{numeral}", "section", numeral, _collapse(m.group(2)),
                             f"Mục {numeral} {article.label}", start, end, level=_ARTICLE_PART))
        elif article and (m := _CLAUSE.fullmatch(content)) \
                and self._is_clause(m, holder := self._innermost(3, _ARTICLE_PART)):
            number = m.group(1)
            self._open(_Node(f"{holder.id}/K{number}", "clause", number, _short(m.group(3)),
                             f"khoản {number} {holder.label}", start, end, level=4))
        elif article and (m := _POINT.fullmatch(content)):
            parent = self._innermost(3, _ARTICLE_PART, 4)
            letter = m.group(1)
            if letter == _POINT_LETTERS[parent.children["point"]:][:1]:
                self._open(_Node(f"{parent.id}/{letter}", "point", letter, _short(m.group(2)),
                                 f"điểm {letter} {parent.label}", start, end, level=5))
        return 0

    def _heading(self, lines: list[_Line], i: int, m: re.Match, chapter: _Node | None) -> int:
        """Open a Chương or Mục, its title on the same line or, when the line is bare, on the next."""
        _, start, end = lines[i]
        number, title, consumed = m.group(1), _collapse(m.group(2)), 0
        if title != title.upper():
            return 0  # a sentence that starts with "Chương …" or "Mục …", not a heading
        if not title and i + 1 < len(lines) and lines[i + 1][0] == lines[i + 1][0].upper():
            title, end, consumed = _collapse(lines[i + 1][0]), lines[i + 1][2], 1
        value = _roman(number)
        if m.re is _CHAPTER and value > self._chapters:
            self._chapters = value
            self._open(_Node(f"C{value}", "chapter", number, title, f"Chương {number}", start, end, level=1))
        elif m.re is _SECTION and value == chapter.children["legal_section"] + 1:
            self._open(_Node(f"{chapter.id}/M{value}", "legal_section", number, title,
                             f"Mục {number} {chapter.label}", start, end, level=2))
        else:
            return 0
        return consumed

    @staticmethod
    def _is_part(m: re.Match, article: _Node) -> bool:
        """A plan's part: the article's next Roman numeral, its title in capitals ("II. MỤC TIÊU")."""
        title = m.group(2)
        return _roman(m.group(1)) == article.children["section"] + 1 and title == title.upper() \
            and any(c.isalpha() for c in title)

    @staticmethod
    def _is_clause(m: re.Match, article: _Node) -> bool:
        number, dots, rest = m.groups()
        if int(number) != article.children["clause"] + 1 or not rest or rest[0].isdigit():
            return False
        # Without its full stop ("1 Cá nhân có quyền…") the numeral must be followed by a capital.
        return bool(dots) or (m.start(3) > len(number) and rest[0].isupper())


class _ResolutionBuilder(_Builder):
    """Roman part (1) › numbered item (2) › bullet (3)."""

    def __init__(self) -> None:
        super().__init__()
        self._parts = 0

    def _classify(self, lines: list[_Line], i: int) -> int:
        content, start, end = lines[i]
        part = self._innermost(1)
        if (m := _PART.fullmatch(content)) and _roman(m.group(1)) == self._parts + 1:
            self._parts += 1
            numeral = m.group(1)
            self._open(_Node(numeral, "section", numeral, _collapse(m.group(2)), f"Mục {numeral}",
                             start, end, level=1))
        elif part and (m := _ITEM.fullmatch(content)) and int(m.group(1)) == part.children["section"] + 1:
            number = m.group(1)
            self._open(_Node(f"{part.id}/{number}", "section", number, _short(m.group(2)),
                             f"{part.label}.{number}", start, end, level=2))
        elif part and (m := _BULLET.fullmatch(content)):
            parent = self._innermost(1, 2)
            k = parent.children["bullet"] + 1
            self._open(_Node(f"{parent.id}/-{k}", "bullet", "-", _short(m.group(1)), f"{parent.label}, ý {k}",
                             start, end, level=3))
        return 0
