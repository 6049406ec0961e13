"""One reading of a question: the plan level, period, article and section it names, read once and carried on.

Retrieval ranks by it (a chunk of the level and period asked for before one of another level or
period), composition answers a named article or section with that clause and types the question by its
periods, abstention checks that the sources mention its years, and rendering says when the answer comes
from another level than the one asked for. A follow-up ("còn cấp tỉnh thì sao?") swaps the phrases
``scope_phrases`` finds. A chunk's own level and period are read from its breadcrumb, innermost heading
first, so the commune guide's "Khung kế hoạch … cấp bộ, tỉnh" section speaks for provinces although the
guide as a whole is for communes; where no heading says, the document's manifest row does.

>>> read_query("Phần Tổ chức thực hiện của kế hoạch cấp tỉnh giai đoạn 2026-2030 viết thế nào?").levels
('tỉnh',)
>>> read_query("Theo Luật Giao dịch điện tử, khoản 2 Điều 23 quy định gì?").article
ArticleRef(article=23, clause=2, point=None)
>>> read_query("Mục Tổ chức thực hiện trong KH CĐS cấp tỉnh cần viết gì?").section
'Tổ chức thực hiện'
>>> read_query("Theo Luật Giao dịch điện tử, chứng thư điện tử là gì?").term
'chứng thư điện tử'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from ingest.vietnamese import ABBREVIATIONS, strip_diacritics

_WORD = re.compile(r"\w+")
# "cấp xã", "UBND xã", "Xã có cần …"; "xã hội" is no commune. Unaccented forms ("cap xa") too.
_LEVEL_PATTERNS = {
    "xã": re.compile(r"(?:\b(?:cấp|của|UBND|ủy ban nhân dân|uỷ ban nhân dân|một|các|mỗi|từng|tại)\s+(?:xã|phường)"
                     r"|^(?:xã|phường))\b(?!\s+hội)|\bcap (?:xa|phuong)\b(?!\s+hoi)", re.IGNORECASE),
    "tỉnh": re.compile(r"(?:\b(?:cấp|của|UBND|ủy ban nhân dân|uỷ ban nhân dân|một|các|mỗi|từng|tại)\s+tỉnh"
                       r"|^tỉnh)\b|\bcap tinh\b", re.IGNORECASE),
    "bộ": re.compile(r"\b(?:cấp|của|một|các|mỗi|từng)\s+bộ\b(?!\s+(?-i:[A-ZĐ]))|\bcấp bộ\b|\bcap bo\b", re.IGNORECASE),
}
# A heading that names the levels it is for: "cấp xã", "cấp bộ, tỉnh", "cấp tỉnh".
_HEADING_LEVEL = re.compile(r"\bcấp\s+((?:bộ|tỉnh|xã|huyện)(?:\s*(?:,|và|/)\s*(?:bộ|tỉnh|xã|huyện))*)", re.IGNORECASE)
# A phrase naming plan levels, as a follow-up swaps it: "cấp tỉnh", "cấp bộ, tỉnh", "cấp bộ, cấp tỉnh".
_LEVEL_PHRASE = re.compile(r"\bcấp\s+(?:xã|phường|huyện|tỉnh|bộ|trung ương|quốc gia)(?:\s*,\s*(?:cấp\s+)?(?:xã|tỉnh|bộ))*",
                           re.IGNORECASE)
# A year or a span of years, with the words that introduce it ("giai đoạn 2026-2030", "năm 2025"); not one
# inside a document number or a date ("20/2023/QH15", "749/QĐ-TTg", "05/12/2023").
_PERIOD = re.compile(r"(?:\b(?i:giai đoạn|năm)\s+)?(?<![/\d-])((?:19|20)\d\d)(?:\s*[-–]\s*((?:19|20)\d\d))?(?![/\d])")
# The year that ends a law's name ("Luật CNTT 2006", "Luật Giao dịch điện tử 2023") says which law, not
# which period: a single year after "Luật" and at most five words of its name. Words that go on the
# sentence ("… có hiệu lực từ 2026", "… đặt mục tiêu 2030") end a name, and "pháp luật" names no law.
_LAW_NAME_BEFORE = re.compile(r"(?<!pháp )(?<!phap )\b(?:Bộ\s+)?(?:luật|luat)(?:\s+(?!(?:từ|đến|có|được|trong|vào|sau|trước|là|"
                              r"của|với|khi|thì|và|hoặc|theo|cho|về|năm|giai|đặt|quy|ban|mục|yêu|nêu|mới|tu|den|co|duoc|"
                              r"trong|vao|la|cua|voi|va|theo|ve|nam|dat|moi)\b)[^\s,.;:?!()\"“”']+){1,5}\s+$",
                              re.IGNORECASE)
_ARTICLE = re.compile(r"(?:điểm\s+([a-zđ])\s*,?\s+)?(?:khoản\s+(\d{1,3})\s*,?\s+)?(?:mục\s+([IVXLC]{1,6})\s*,?\s+)?"
                      r"điều\s+(\d{1,3})\b", re.IGNORECASE)
# A section the question names by its title: "Mục Tổ chức thực hiện", "phần 'Căn cứ'"; the title starts with
# a capital ("mục tiêu cụ thể" names no section) and ends where the question goes on.
_SECTION = re.compile(r"\b(?:mục|phần)\s+[\"“'‘]?([^\W\d_][^,?;:\"”'’()]{1,80}?)[\"”'’]?"
                      r"(?=\s+(?:trong|của|cần|phải|viết|gồm|là|thế|như|được|theo|cho|ở|có|khi|nêu|ghi)\b|\s*[,?;:.]|$)",
                      re.IGNORECASE)
# "ký ngày nào", "ban hành vào ngày nào", "ngày ban hành là ngày nào", "được ký khi nào"
_ISSUED = re.compile(r"\b(?:ký|ban hành)(?:\s+(?:vào|từ))?\s+(?:ngày|hôm|khi|lúc)\s+nào\b|\bngày\s+(?:ký|ban hành)\b",
                     re.IGNORECASE)
# "có những nhóm nhiệm vụ, giải pháp lớn nào", "gồm các nhóm chỉ tiêu gì": the groups of what
_GROUPS = re.compile(r"\b(?:những|các)\s+nhóm\s+(?P<what>[^?.;:()]{2,60}?)\s+(?:(?:lớn|chính|cơ bản)\s+)?(?:nào|gì)\b",
                     re.IGNORECASE)
# "UBND tỉnh phải làm những gì", "Bộ Công an có trách nhiệm gì", "Sở KH&CN cần thực hiện những nhiệm vụ nào": the
# agency (a ministry, a department or a people's committee, named up to its verb) and a question about its duties.
_ACTOR = re.compile(
    r"\b(?P<actor>(?:Bộ|Sở)\s+[A-ZĐ][^\s,?]*(?:\s+[^\s,?]+){0,5}?|(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân)"
    r"(?:\s+(?:cấp|các))?\s+(?:tỉnh|xã|huyện|thành phố))\s+(?:phải|cần|có|được giao)\s+"
    r"(?:(?:làm|thực hiện|triển khai)\s+)?(?:(?:những|các)\s+)?(?:gì|việc gì|trách nhiệm gì|nhiệm vụ gì|"
    r"trách nhiệm nào|nhiệm vụ nào|(?:việc|trách nhiệm|nhiệm vụ)\s+(?:gì|nào))\b")
# A bracketed gloss restates the words before it, in another tongue or shorter: "Thẻ mô hình (model card)".
GLOSS = re.compile(r"\s*\(([^()]{1,60})\)")
# A term the question asks to define: "X là gì", "X được hiểu là gì", "định nghĩa X thế nào", "khái niệm X".
_TERM_ASKED = (
    re.compile(r"(?:^|[,:;]\s*)(?:theo [^,]+,\s*)?[\"“'‘]?([^,;:?\"”'’]{3,80}?)[\"”'’]?\s+(?:là gì|được hiểu là gì|được"
               r"(?: (?:luật|bộ luật|nghị định|thông tư|quyết định|nghị quyết|nđ|tt|qđ|nq)\b[^,;:?]{0,30}?)?"
               r" (?:hiểu(?: như)? thế nào|định nghĩa)|nghĩa là gì|có nghĩa là gì|gồm những loại|bao gồm những loại)",
               re.IGNORECASE),
    re.compile(r"(?:định nghĩa|khái niệm)\s+[\"“'‘]?([^,;:?\"”'’]{3,80}?)[\"”'’]?(?:\s+(?:là|thế|như|ra|theo|trong|tại)\b|[,;:?]|$)",
               re.IGNORECASE),
)
_NOT_TERMS = frozenset({"thế nào", "như thế nào", "ra sao", "là gì", "cái gì"})
_LEVEL_WORDS = {"xã": "xã", "phường": "xã", "tỉnh": "tỉnh", "bộ": "bộ", "huyện": "huyện"}
NATIONAL = "quốc gia"  # the level of national documents, which is no plan level


@dataclass(frozen=True)
class ArticleRef:
    """An article the question names: "điểm a khoản 2 Điều 23" -> (23, 2, "a"); the Roman part of an article
    that approves a plan too: "khoản 1 Mục III Điều 1" -> (1, 1, None, "III")."""

    article: int
    clause: int | None = None
    point: str | None = None
    part: str | None = None

    @property
    def label(self) -> str:
        """How the legal parser labels that clause: "điểm a khoản 2 Điều 23", "khoản 1 Mục III Điều 1"."""
        parts = [f"điểm {self.point}"] if self.point else []
        if self.clause is not None:
            parts.append(f"khoản {self.clause}")
        if self.part is not None:
            parts.append(f"Mục {self.part}")
        return " ".join([*parts, f"Điều {self.article}"])


@dataclass(frozen=True)
class Query:
    """What a question names besides its words: plan levels, periods, an article, a section, a term, and what it
    asks of a text's structure (when the text was signed, a section's groups, an agency's duties)."""

    text: str
    levels: tuple[str, ...]  # "xã", "tỉnh", "bộ"
    periods: tuple[tuple[int, int], ...]  # (2026, 2030); (2025, 2025)
    article: ArticleRef | None
    section: str | None = None  # a section title the question names: "Tổ chức thực hiện"
    term: str | None = None  # a term it asks to define: "chứng thư điện tử"
    term_parts: bool = False  # … or what the term comprises ("… gồm những loại nào?")
    issued: bool = False  # when the text it names was signed or issued ("… ký ngày nào?"): its header's date line
    groups: str | None = None  # what it asks the groups of ("… có những nhóm nhiệm vụ nào?": "nhiệm vụ")
    actor: str | None = None  # the agency whose duties it asks ("UBND tỉnh phải làm những gì …?": "Ủy ban nhân dân tỉnh")

    @property
    def lookup(self) -> str | None:
        """Which clause the question names, to be looked up by structure: the first of "article", "section",
        "term", "issued", "groups" and "actor" that it names; None when it names none."""
        named = {"article": self.article is not None, "section": self.section is not None,
                 "term": self.term is not None, "issued": self.issued, "groups": self.groups is not None,
                 "actor": self.actor is not None}
        return next((kind for kind, found in named.items() if found), None)


@dataclass(frozen=True)
class ScopePhrases:
    """Where a text names plan levels and periods: (start, end) of each phrase, in order."""

    levels: tuple[tuple[int, int], ...]  # "cấp tỉnh", "cấp bộ, tỉnh"
    periods: tuple[tuple[int, int], ...]  # "giai đoạn 2026-2030", "năm 2025", "2030"


@dataclass(frozen=True)
class Scope:
    """The levels and period a chunk or clause is for; empty where nothing says."""

    levels: frozenset[str]
    period: tuple[int, int] | None


def read_query(text: str) -> Query:
    """Read the levels, periods, article, section and term ``text`` names (see the module docstring)."""
    text = " ".join(text.split())
    levels = tuple(level for level, pattern in _LEVEL_PATTERNS.items() if pattern.search(text))
    article = None
    if m := _ARTICLE.search(text):
        article = ArticleRef(int(m.group(4)), int(m.group(2)) if m.group(2) else None,
                             m.group(1).lower() if m.group(1) else None, m.group(3).upper() if m.group(3) else None)
    section = None
    for m in _SECTION.finditer(without_article(text) if article else text):  # "Mục III Điều 1" is the article
        if m.group(1)[0].isupper():
            section = m.group(1).strip()
            break
    found = next((m for pattern in _TERM_ASKED if (m := pattern.search(text))), None)
    term = GLOSS.sub("", found.group(1)).strip() if found else None
    if term is not None and (len(term.split()) < 2 or term.casefold() in _NOT_TERMS):
        term = None  # one word ("Nó là gì?") or a question word names no term
    parts = term is not None and "gồm" in found.group(0).casefold()
    groups = m.group("what").strip(" ,") if (m := _GROUPS.search(text)) else None
    actor = expand_inline(m.group("actor")) if (m := _ACTOR.search(text)) else None
    return Query(text, levels, read_periods(text), article, section, term, parts, bool(_ISSUED.search(text)), groups,
                 actor)


def folded(text: str) -> str:
    """The words of ``text`` without diacritics, lower case, one space apart: titles and names compared loosely
    ("NHIỆM VỤ VÀ GIẢI PHÁP" -> "nhiem vu va giai phap")."""
    return " ".join(_WORD.findall(strip_diacritics(text).casefold()))


def expand_inline(text: str) -> str:
    """``text`` with each known abbreviation replaced by its full form: "Bộ KH&CN" -> "Bộ Khoa học và Công nghệ"."""
    return " ".join(ABBREVIATIONS.get(word, word) for word in text.split())


def without_article(text: str) -> str:
    """``text`` less the article it names: "khoản 2 Điều 23" says where to look, not what to find."""
    return " ".join(_ARTICLE.sub(" ", text).split())


def read_periods(text: str) -> tuple[tuple[int, int], ...]:
    """Years and spans of years ``text`` names, in order: "giai đoạn 2026-2030" -> ((2026, 2030),); the
    year of a law's name is none ("Luật ANM 2018 và Luật CNTT 2006 quy định gì?" -> ())."""
    found = []
    for m in _periods(text):
        start = int(m.group(1))
        end = int(m.group(2)) if m.group(2) else start
        if start <= end:
            found.append((start, end))
    return tuple(dict.fromkeys(found))


def scope_phrases(text: str) -> ScopePhrases:
    """The phrases of ``text`` that name plan levels and periods, for a follow-up that swaps them
    ("còn cấp tỉnh thì sao?"): a period is read as ``read_periods`` reads it, with its "giai đoạn"/"năm".

    >>> text = "Kế hoạch cấp xã giai đoạn 2026-2030 gồm gì?"
    >>> [text[start:end] for start, end in (*scope_phrases(text).levels, *scope_phrases(text).periods)]
    ['cấp xã', 'giai đoạn 2026-2030']
    """
    return ScopePhrases(tuple(m.span() for m in _LEVEL_PHRASE.finditer(text)),
                        tuple(m.span() for m in _periods(text)))


def law_years(text: str) -> tuple[str, ...]:
    """The years that end a law's name in ``text`` ("Luật CNTT 2006" -> ("2006",)): no period, no figure."""
    return tuple(m.group(1) for m in _PERIOD.finditer(text) if _law_year(text, m))


def _periods(text: str) -> Iterator[re.Match[str]]:
    """The period phrases of ``text``, less the years that end a law's name."""
    return (m for m in _PERIOD.finditer(text) if not _law_year(text, m))


def _law_year(text: str, m: re.Match[str]) -> bool:
    return m.group(0)[:1].isdigit() and m.group(2) is None and bool(_LAW_NAME_BEFORE.search(text, 0, m.start()))


def scope_of(headings: Sequence[str], doc_levels: Iterable[str] | None, doc_period: str | None) -> Scope:
    """The scope of a chunk: the innermost heading naming a level (a period) decides, else the
    document's own levels (period). ``headings`` run outermost first, the document title included."""
    levels: frozenset[str] | None = None
    period: tuple[int, int] | None = None
    for heading in reversed(headings):
        if levels is None and (m := _HEADING_LEVEL.search(heading)):
            levels = frozenset(_LEVEL_WORDS[w.lower()] for w in re.findall(r"bộ|tỉnh|xã|huyện", m.group(1), re.I))
        if period is None and (found := read_periods(heading)):
            period = _span(found)
    if levels is None:
        levels = frozenset(_LEVEL_WORDS.get(level, level) for level in doc_levels or ())
    if period is None and doc_period and (found := read_periods(doc_period)):
        period = _span(found)
    return Scope(levels, period)


def _span(periods: Sequence[tuple[int, int]]) -> tuple[int, int]:
    return min(p[0] for p in periods), max(p[1] for p in periods)


def scope_match(query: Query, scope: Scope) -> float:
    """From -1 to 1: +1 for each level the question names that the scope is for, -1 for each it is
    not, and +1 (-1) when the scope's period overlaps one (none) of the years the question names,
    over the number of these tests. National documents and documents of no stated level are neither
    for nor against a level; a scope without a period neither for nor against a period. A question
    naming several years ("năm 2025 … đến 2030, 2045") asks about each: one overlap is a match."""
    named = len(query.levels) + bool(query.periods)
    if not named:
        return 0.0
    score = 0
    local = scope.levels - {NATIONAL}
    for level in query.levels:
        if local:
            score += 1 if level in local else -1
    if scope.period is not None and query.periods:
        overlaps = any(start <= scope.period[1] and scope.period[0] <= end for start, end in query.periods)
        score += 1 if overlaps else -1
    return score / named


def other_level(query: Query, scopes: Iterable[Scope]) -> str | None:
    """The level the answer's sources are for when none is one the question asked for ("xã" for a
    province question answered from the commune guide); None when they match or nothing says."""
    if not query.levels:
        return None
    local = [s.levels - {NATIONAL} for s in scopes]
    local = [levels for levels in local if levels]
    if not local or any(set(query.levels) & levels for levels in local):
        return None
    return ", ".join(sorted(set().union(*local)))
