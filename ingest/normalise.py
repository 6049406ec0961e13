"""Normalise a loaded document: NFC, clean whitespace, drop page artefacts, rejoin broken lines.

Every later stage (structure, chunks, citations, display) works on the normalised text, so it must
stay verbatim: apart from Unicode composition and whitespace, the only change is that whole lines
holding a PDF artefact (a bare page number, a "DỰ THẢO" running header) are removed. ``to_source``
maps each normalised character back to the loaded text so a citation resolves in either.

Output shape: one line per paragraph, list item, heading or table cell, separated by a single
"\\n". A table cell line (002's task table) keeps its leading "\\t"; a second paragraph inside a
cell is a line of its own without the tab.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from dataclasses import dataclass
from itertools import pairwise

from ingest.model import Normalised

_LINE_BREAKS = frozenset("\n\r\f\v\x85\u2028\u2029")
_DROPPED = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")
_SENTENCE_END = tuple('.;:!?…”»"')
_CONTINUATION_END = tuple(",-–/&(")
_HARD_WRAP_MAX = 100  # a document whose lines are mostly shorter than this was wrapped by a layout

_ARTEFACT = re.compile(r"\d{1,3}|DỰ THẢO")
_STRUCTURAL = re.compile(
    r"""(?:
        \#{1,6}\s                                  # markdown heading
      | \*                                         # bold / italic / "* " bullet
      | \\\*                                       # escaped "\\*" sub-heading
      | [-+•](?:\s|\+|(?=[^\W\d_]))                 # bullets ("-+" is a typo in 003)
      | [IVXLC]+[.\-](?:\s|$)                      # Roman numbering: "I.", "II-"
      | \d{1,2}\.{1,2}(?=\s|[^\W\d_]|$)            # "1.", legal "1.Công", "2..Thông"
      | \d{1,2}(?:\.\d{1,2})+\.?(?=\s|$)           # dotted: "2.1", "2.1.3."
      | [a-zđ]\)\s                                 # lettered: "a)", "đ)"
      | (?:Điều|Chương|Mục|Phần)\s+(?:\d|[IVXLC]+\b)
      | PHỤ\s+LỤC\b | Phụ\s+lục\s+(?:số\s+)?(?:\d|[IVXLC]+\b)  # an appendix heading
      | [¹²³⁴⁵⁶⁷⁸⁹⁰]                                # footnote
    )""",
    re.VERBOSE,
)
_ARTICLE_HEAD = re.compile(r"Điều\s*\d+\s*[.:]")
_BARE_NUMBER = re.compile(r"\d{1,2}\s+([^\W\d_])")  # "1 Cá nhân …": a khoản that lost its dot (luat-67)
_ENUM_MARK = re.compile(r"\((\d{1,2}|[ivxIVX]{1,4})\)\s")
_TABLE_LINE = re.compile(r"(?:Bảng \d+:|Dòng \d+ —) ")  # the loader's table title and row lines
_ROW_LINE = re.compile(r"Dòng \d+ — ")
_FIRST_ENUM = frozenset({"1", "i", "I"})


@dataclass
class _Line:
    """One cleaned source line: its characters and, per character, where it starts in the source."""

    text: str
    starts: array  # of int64
    end: int  # source offset just after the last kept character
    cell: bool  # a table cell: rendered with a leading tab
    blank_before: bool = False


class _Paragraph:
    """The paragraph being built: its first line and whether a "**" opened in it is still open."""

    def __init__(self, first_line: str) -> None:
        self.head = first_line.lstrip("\t")
        self.bold_open = self.head.count("**") % 2 == 1


@dataclass(frozen=True)
class _Layout:
    """How a document was laid out, which decides what a line break means."""

    soft_wraps: bool  # a single newline is a soft wrap, a blank line ends a paragraph (004)
    wrap_width: int | None  # typical line length of a hard-wrapped document (003, 004)

    @classmethod
    def of(cls, lines: list[_Line]) -> _Layout:
        # In 004 a lower-case continuation follows a single newline; in 003 (a blank line after
        # every visual line) and 000/001 (one line per paragraph) it follows blank lines.
        single = blank = 0
        for line in lines[1:]:
            if not line.cell and not _STRUCTURAL.match(line.text) and _first_letter_is_lower(line.text):
                if line.blank_before:
                    blank += 1
                else:
                    single += 1
        lengths = sorted(len(line.text) for line in lines) or [0]
        p90 = lengths[int(0.9 * (len(lengths) - 1))]
        return cls(soft_wraps=single > 4 * (blank + 1), wrap_width=p90 if p90 <= _HARD_WRAP_MAX else None)


def normalise(raw: str) -> Normalised:
    """Normalise loaded text for parsing, chunking and display.

    Composes to NFC cluster by cluster (003 is decomposed), maps line separators, Unicode spaces and
    zero-width characters, drops lines that are only a page number or "DỰ THẢO", and rejoins lines
    that PDF/DOCX extraction broke so that each paragraph, list item, heading and table cell is one
    line.

    :param raw: the text a loader produced from a file.
    :returns: the normalised text and, for every character of it, its offset in ``raw``
        (``to_source[len(text)] == len(raw)``; the map never decreases).
    """
    lines = _clean_lines(raw)
    if not lines:
        return Normalised(text="", to_source=array("q", [len(raw)]))
    layout = _Layout.of(lines)
    out = [lines[0].text]
    src = array("q", lines[0].starts)  # 8 bytes a character: a list of ints costs ~36
    paragraph = _Paragraph(lines[0].text)
    for prev, line in pairwise(lines):
        if _continues(prev, line, paragraph, layout):
            if prev.text != "\t":  # an empty cell takes its text without a space
                out.append(" ")
                src.append(prev.end)
            paragraph.bold_open ^= line.text.count("**") % 2 == 1
        else:
            out.append("\n")
            src.append(prev.end)
            paragraph = _Paragraph(line.text)
        out.append(line.text)
        src.extend(line.starts)
    text = "".join(out)
    src.append(len(raw))
    return Normalised(text=text, to_source=tuple(src))


def _clean_lines(raw: str) -> list[_Line]:
    """Split into lines of composed characters; drop empty lines and page artefacts."""
    lines: list[_Line] = []
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    blank = False

    def flush() -> None:
        nonlocal blank
        line = _tidy(chars, starts, ends)
        if line is None or (not line.cell and _ARTEFACT.fullmatch(line.text)):
            blank = True
        else:
            line.blank_before = blank
            lines.append(line)
            blank = False
        chars.clear()
        starts.clear()
        ends.clear()

    i, n = 0, len(raw)
    while i < n:
        c = raw[i]
        if c in _LINE_BREAKS:
            flush()
            i += 2 if raw.startswith("\r\n", i) else 1
            continue
        if c in _DROPPED:
            i += 1
            continue
        j = i + 1
        while j < n and unicodedata.combining(raw[j]):
            j += 1
        for composed in unicodedata.normalize("NFC", raw[i:j]):
            chars.append(" " if composed != "\t" and unicodedata.category(composed) == "Zs" else composed)
            starts.append(i)
            ends.append(j)
        i = j
    flush()
    return lines


def _tidy(chars: list[str], starts: list[int], ends: list[int]) -> _Line | None:
    """Strip a line, collapse inner whitespace runs to one space, keep a leading tab as cell marker."""
    k = 0
    while k < len(chars) and chars[k] == " ":
        k += 1
    cell = k < len(chars) and chars[k] == "\t"
    text: list[str] = ["\t"] if cell else []
    offs: list[int] = [starts[k]] if cell else []
    end = ends[k] if cell else 0
    pending: int | None = None
    for c, s, e in zip(chars[k + cell :], starts[k + cell :], ends[k + cell :], strict=True):
        if c in " \t":
            if pending is None:
                pending = s
            continue
        if pending is not None and len(text) > cell:
            text.append(" ")
            offs.append(pending)
        pending = None
        text.append(c)
        offs.append(s)
        end = e
    if not text:
        return None
    return _Line("".join(text), array("q", offs), end, cell)


def _continues(prev: _Line, line: _Line, paragraph: _Paragraph, layout: _Layout) -> bool:
    """Whether ``line`` continues the paragraph that ``prev`` ends (joined with a space)."""
    text = line.text
    if line.cell or _starts_item(text, prev.text, paragraph.head):
        return False
    if _TABLE_LINE.match(text) or _ROW_LINE.match(prev.text):  # a table row is one whole line
        return False
    if _is_standalone(prev.text) or _is_standalone(text):
        return False
    if _ARTICLE_HEAD.match(paragraph.head) and not _first_letter_is_lower(text):
        return False  # an article's title is a phrase: a capital after it opens the unnumbered first paragraph
    if layout.soft_wraps and not line.blank_before:
        return True
    before = prev.text.lstrip("\t")
    if not before or re.search(r"\w-$", before) or paragraph.bold_open:
        return True
    if _first_letter_is_lower(text):
        return True
    if _is_all_caps(before) and _is_all_caps(text):
        return True
    if before.endswith(_SENTENCE_END) or _is_heading(before):
        return False
    if before.endswith(_CONTINUATION_END):
        return True
    if layout.wrap_width is not None:
        # A hard-wrapped line that stops well short of the width ends its paragraph (a title).
        return len(before) >= 0.75 * layout.wrap_width
    # One line per paragraph (000, 001): a page break inside a sentence left the rest on a new line,
    # which is only recognisable when it opens with a number ("ngày" / "01/04/2025").
    return text[0].isdigit()


def _starts_item(text: str, prev_text: str, paragraph_head: str) -> bool:
    """Whether a line opens a structural item (numbering, bullet, heading, footnote)."""
    enum = _ENUM_MARK.match(text)
    if enum:
        # "(3)" opening a wrapped line of an inline "(1) … (2) …" list (004) continues it;
        # it starts an item only in a list whose members are lines of their own (003, 002 cells).
        head = paragraph_head.lstrip("\t")
        return bool(_ENUM_MARK.match(head)) or (enum.group(1) in _FIRST_ENUM and prev_text.endswith(":"))
    bare = _BARE_NUMBER.match(text)
    return bool(_STRUCTURAL.match(text)) or bool(bare and bare.group(1).isupper())


def _is_standalone(text: str) -> bool:
    """Footnotes and rule lines ("-------") are never joined to their neighbours."""
    body = text.lstrip("\t")
    return bool(body) and (body[0] in "¹²³⁴⁵⁶⁷⁸⁹⁰" or not any(c.isalnum() for c in body))


def _is_heading(text: str) -> bool:
    return text.startswith("#") or (text.startswith("**") and text.endswith("**")) or _is_all_caps(text)


def _is_all_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _first_letter_is_lower(text: str) -> bool:
    for c in text:
        if c.isalnum():
            return c.islower()
    return False
