"""The benchmark's metrics (docs/DESIGN.md), as pure functions over what each item's run produced.

Item-level functions take ``hit_sets``: for each ranked passage (best first), the indices of the
item's evidence quotes it hits by the matching rule (``eval.matching.hits``).

* Recall@k: the share of the item's evidence quotes hit by at least one of the top k passages.
* MRR@k: 1 / rank of the first passage that hits any evidence quote (0 when none of the top k does).
* nDCG@k, binary: walking down the ranking, a passage earns gain 1 when it hits at least one
  evidence quote that no passage above it hit, and credits every quote it hits. The ideal ranking
  puts one gaining passage at each of the first R ranks, where R is the number of gaining passages
  in the top k plus one for every quote left unhit: so a passage that holds two quotes counts as
  fully relevant, and a missed quote costs as much as a passage of its own would have earned.
* must-mention coverage: the share of an item's phrases found in the answer (NFC, case-folded,
  whitespace-collapsed containment).

``summarise`` aggregates ``ItemOutcome``s: retrieval metrics and must-mention coverage are means
over answerable items; citation accuracy and quote fidelity are shares of citations (accuracy over
the citations of answerable items, fidelity over every citation shown); refusal precision and recall
are over unanswerable items.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from eval.matching import folded

HitSets = Sequence[frozenset[int]]
LOWER_IS_BETTER = frozenset({"answerable_refused", "latency_p50_ms", "latency_p95_ms"})  # all others: higher


def recall_at_k(hit_sets: HitSets, n_evidence: int, k: int) -> float:
    """Share of the ``n_evidence`` quotes hit by the top ``k`` passages."""
    if n_evidence <= 0:
        raise ValueError(f"n_evidence must be positive, got {n_evidence}")
    found = frozenset().union(*hit_sets[:k])
    return len(found) / n_evidence


def reciprocal_rank(hit_sets: HitSets, k: int) -> float:
    """1 / rank of the first of the top ``k`` passages that hits any quote; 0 when none does."""
    return next((1 / rank for rank, hit in enumerate(hit_sets[:k], start=1) if hit), 0.0)


def ndcg_at_k(hit_sets: HitSets, n_evidence: int, k: int) -> float:
    """Binary nDCG of the top ``k`` passages against ``n_evidence`` quotes (rule in the module docstring)."""
    if n_evidence <= 0:
        raise ValueError(f"n_evidence must be positive, got {n_evidence}")
    credited: set[int] = set()
    dcg, gains = 0.0, 0
    for rank, hit in enumerate(hit_sets[:k], start=1):
        fresh = hit - credited
        if fresh:
            dcg += 1 / math.log2(rank + 1)
            gains += 1
            credited |= fresh
    ideal = min(k, gains + n_evidence - len(credited))
    idcg = sum(1 / math.log2(rank + 1) for rank in range(1, ideal + 1))
    return dcg / idcg


def mentioned(answer: str, phrases: Sequence[str]) -> tuple[bool, ...]:
    """For each must-mention phrase, whether the answer contains it (NFC, case-folded, whitespace-collapsed)."""
    text = folded(answer)
    return tuple(folded(p) in text for p in phrases)


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) with linear interpolation between closest ranks (numpy's default)."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"q must be within [0, 100], got {q}")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class ItemOutcome:
    """What one system did on one item, reduced to what the metrics need."""

    item_id: str
    type: str
    answerable: bool  # gold: False for type "unanswerable"
    docs: tuple[str, ...]  # doc ids (or names as written) of the item's evidence, deduplicated
    n_evidence: int
    hit_sets: tuple[frozenset[int], ...]  # per ranked passage, the evidence quotes it hits
    refused: bool
    mentions: tuple[bool, ...]  # per must-mention phrase, found in the answer
    citations_accurate: tuple[bool, ...]
    citations_faithful: tuple[bool, ...]
    latency_ms: float


def summarise(outcomes: Sequence[ItemOutcome], k: int) -> dict[str, float | int | None]:
    """Aggregate item outcomes into the benchmark's metrics (None where a metric has no data).

    :param outcomes: one per item, any subset of a dataset (a question type, a document).
    :param k: the cut-off for recall, MRR and nDCG.
    :returns: counts, ``recall@1`` … ``recall@k``, ``mrr@k``, ``ndcg@k``, ``must_mention``,
        ``citation_accuracy``, ``quote_fidelity``, ``refusal_precision``, ``refusal_recall``,
        ``answerable_refused``.
    """
    answerable = [o for o in outcomes if o.answerable]
    unanswerable = [o for o in outcomes if not o.answerable]
    refused = [o for o in outcomes if o.refused]
    with_phrases = [o for o in answerable if o.mentions]
    accurate = [c for o in answerable for c in o.citations_accurate]
    faithful = [c for o in outcomes for c in o.citations_faithful]
    summary: dict[str, float | int | None] = {
        "items": len(outcomes),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
    }
    for cut in range(1, k + 1):
        summary[f"recall@{cut}"] = _mean([recall_at_k(o.hit_sets, o.n_evidence, cut) for o in answerable])
    summary[f"mrr@{k}"] = _mean([reciprocal_rank(o.hit_sets, k) for o in answerable])
    summary[f"ndcg@{k}"] = _mean([ndcg_at_k(o.hit_sets, o.n_evidence, k) for o in answerable])
    summary["must_mention"] = _mean([sum(o.mentions) / len(o.mentions) for o in with_phrases])
    summary["citation_accuracy"] = _share(accurate)
    summary["quote_fidelity"] = _share(faithful)
    summary["refusal_precision"] = _share([not o.answerable for o in refused])
    summary["refusal_recall"] = _share([o.refused for o in unanswerable])
    summary["answerable_refused"] = _share([o.refused for o in answerable])
    return summary


def latency(outcomes: Sequence[ItemOutcome]) -> dict[str, float]:
    """Latency p50 and p95 in milliseconds over ``outcomes`` (kept apart: it varies between runs)."""
    values = [o.latency_ms for o in outcomes]
    return {"p50": percentile(values, 50), "p95": percentile(values, 95)} if values else {}


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _share(flags: Sequence[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None
