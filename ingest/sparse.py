"""BM25 sparse vectors over pyvi word segmentation, for Qdrant's IDF modifier.

Qdrant multiplies each query term by its IDF over the collection (``Modifier.IDF``); the document
side therefore carries only BM25's saturated, length-normalised term frequency, and the query side a
weight of 1 per distinct term. Documents and queries go through the same analyser:

* pyvi word segmentation ("chuyển_đổi", "nhiệm_vụ"), lower-cased, punctuation dropped;
* the syllables of each compound word, so a query segmented differently still matches;
* the syllable without diacritics ("~chuyen"), so a question typed without diacritics matches;
* syllable bigrams ("tổ chức", "chức thực", "thực hiện"), with and without diacritics, so phrases
  outrank scattered words whatever pyvi's segmentation;
* document numbers kept whole ("57-nq/tw", "20/2023/qh15"), which pyvi would split at "-" and "/";
* administrative abbreviations expanded on both sides ("UBND" -> "UBND ủy ban nhân dân");
* old and new tone placement unified ("hoà" and "hòa" are one term).
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections import Counter
from dataclasses import dataclass

from ingest._pyvi import vi_tokenizer
from ingest.vietnamese import expand_abbreviations, modern_tone, strip_diacritics

_DOC_NUMBER = re.compile(r"\b\d+(?:[/-][0-9A-Za-zĐđ&]+)+(?:-[0-9A-Za-zĐđ&]+)*", re.UNICODE)
_WORD_CHAR = re.compile(r"\w", re.UNICODE)
_HASH_SPACE = 2**31 - 1


@dataclass(frozen=True)
class SparseVec:
    indices: list[int]
    values: list[float]




def term_index(term: str) -> int:
    """Stable index of a term in the sparse vector space (CRC32, identical across runs)."""
    return zlib.crc32(term.encode("utf-8")) % _HASH_SPACE


def analyse(text: str) -> list[str]:
    """Terms of ``text`` as the BM25 index sees them (with repetitions)."""
    text = unicodedata.normalize("NFC", expand_abbreviations(text))
    terms = [m.group(0).lower() for m in _DOC_NUMBER.finditer(text)]
    previous = ""  # last syllable of the current phrase: bigrams never cross punctuation
    for word in vi_tokenizer().tokenize(text).split():
        if not _WORD_CHAR.search(word):
            previous = ""
            continue
        syllables = [modern_tone(s) for s in word.lower().split("_") if s]
        terms.append("_".join(syllables))
        if len(syllables) > 1:
            terms.extend(syllables)
        terms.extend("~" + strip_diacritics(s) for s in syllables)
        for syllable in syllables:
            if previous:
                terms.append(f"{previous} {syllable}")
                terms.append("~" + strip_diacritics(f"{previous} {syllable}"))
            previous = syllable
    return terms


class Bm25Encoder:
    """Encode documents and queries as BM25 sparse vectors for an IDF-modified Qdrant field.

    ``avg_len`` is fixed rather than measured so that adding a document never changes the vectors
    of the others (incremental ingest stays exact); it is close to the mean term count of a chunk.

    >>> enc = Bm25Encoder()
    >>> doc = enc.encode_document("Kế hoạch chuyển đổi số cấp xã")
    >>> query = enc.encode_query("ke hoach cap xa")
    >>> bool(set(doc.indices) & set(query.indices))
    True
    """

    def __init__(self, k1: float = 1.2, b: float = 0.75, avg_len: float = 650.0):
        if k1 <= 0:
            raise ValueError(f"k1 must be > 0, got {k1}")
        if not 0 <= b <= 1:
            raise ValueError(f"b must be within [0, 1], got {b}")
        self.k1, self.b, self.avg_len = k1, b, avg_len

    def encode_document(self, text: str) -> SparseVec:
        counts = _merge(Counter(analyse(text)))
        length = sum(counts.values())
        norm = self.k1 * (1 - self.b + self.b * length / self.avg_len)
        items = sorted((idx, tf * (self.k1 + 1) / (tf + norm)) for idx, tf in counts.items())
        return SparseVec([i for i, _ in items], [v for _, v in items])

    def encode_query(self, text: str) -> SparseVec:
        indices = sorted(_merge(Counter(analyse(text))))
        return SparseVec(indices, [1.0] * len(indices))


def _merge(term_counts: Counter) -> dict[int, float]:
    merged: dict[int, float] = {}
    for term, count in term_counts.items():
        idx = term_index(term)
        merged[idx] = merged.get(idx, 0.0) + count
    return merged
