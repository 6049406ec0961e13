"""The matching rule of docs/DESIGN.md, implemented once for the benchmark, the validator and the metrics.

Texts are compared after Unicode NFC and collapsing every whitespace run to one space. A passage
hits an evidence quote when it contains the whole quote, or a contiguous run of at least half of the
quote's characters (a chunk border may split a quote between two passages).

>>> hits("… Số lượng doanh nghiệp công nghệ số đạt 81.400 doanh nghiệp. Hình thành …",
...      "Số lượng doanh nghiệp công nghệ số đạt 81.400 doanh nghiệp.")
True
"""

from __future__ import annotations

import math
import unicodedata


def canonical(text: str) -> str:
    """``text`` in NFC with every whitespace run collapsed to one space and the ends stripped."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def folded(text: str) -> str:
    """``canonical(text)`` case-folded: the form must-mention phrases are compared in."""
    return canonical(text).casefold()


def hits(passage: str, quote: str) -> bool:
    """Whether ``passage`` hits the evidence ``quote`` by the matching rule.

    :param passage: any text (a retrieved passage, a cited quote); canonicalised here.
    :param quote: the gold evidence quote; canonicalised here.
    :returns: True when the passage contains the whole quote or a contiguous run of at least
        ``ceil(len(quote) / 2)`` of its characters.
    """
    return hits_canonical(canonical(passage), canonical(quote))


def hits_canonical(passage: str, quote: str) -> bool:
    """``hits`` for texts already passed through ``canonical`` (the benchmark's inner loop)."""
    if not quote:
        return False
    if quote in passage:
        return True
    run = math.ceil(len(quote) / 2)
    # Some run of `run` characters of the quote is in the passage exactly when the longest
    # common substring is at least that long.
    return any(quote[i : i + run] in passage for i in range(len(quote) - run + 1))
