"""Small text helpers for drafting: folding for matching, sentence spans, term-overlap similarity.

Everything here works on the normalised (NFC) text and returns offsets into it, so whatever is cut
out stays a verbatim span of the source.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

from ingest.vietnamese import modern_tone, strip_diacritics

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Sentence ends: ". " / "? " / "! " / "; " before a capital or an opening mark, and line ends.
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+(?=[\"“(\[]?[A-ZĐÀ-Ỹ])|\n")
# Function words that carry no topic: they would make unrelated tasks look alike.
_STOPWORDS = frozenset(
    "và của các cho với trong để theo về được là có những một này đó tại trên từ đến các đã sẽ như "
    "hoặc nhằm bảo đảm đảm bảo thực hiện triển khai xây dựng phát triển tăng cường đẩy mạnh nâng cao "
    "hoàn thiện tổ chức cơ quan nhà nước bộ ngành địa phương".split()
)


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    folded = strip_diacritics(char).lower()
    return folded if len(folded) == 1 else char.lower()[:1] or char


def fold(text: str) -> str:
    """Lower-case ``text`` without diacritics, one character per character (offsets stay valid).

    >>> fold("Bộ Khoa học và Công nghệ")
    'bo khoa hoc va cong nghe'
    """
    return "".join(_fold_char(c) for c in unicodedata.normalize("NFC", text))


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of the sentences of ``text[start:end]`` (whitespace trimmed, empty ones dropped)."""
    spans: list[tuple[int, int]] = []
    cursor = start
    for m in _SENTENCE_END.finditer(text, start, end):
        spans.extend(_trimmed(text, cursor, m.start()))
        cursor = m.end()
    spans.extend(_trimmed(text, cursor, end))
    return spans


def _trimmed(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        yield start, end


def terms(text: str) -> frozenset[str]:
    """Content syllables of ``text`` (lower-case, modern tone placement, no function words)."""
    words = (modern_tone(w) for w in _WORD.findall(unicodedata.normalize("NFC", text).lower()))
    return frozenset(w for w in words if w not in _STOPWORDS and not w.isdigit())


def jaccard(a: frozenset, b: frozenset) -> float:
    """|a ∩ b| / |a ∪ b|; 0 when both are empty."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def main_clause(text: str) -> str:
    """A task's first clause, its main action: up to the first ";", ":" or sentence end outside brackets."""
    depth = 0
    for i, char in enumerate(text):
        depth += (char == "(") - (char == ")")
        if depth <= 0 and (char in ";:" or (char == "." and text[i + 1 : i + 2].isspace())):
            return text[:i]
    return text
