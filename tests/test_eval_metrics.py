"""The matching rule and the metric functions, on hand-computed cases."""

from __future__ import annotations

import math
import unicodedata

import numpy as np
import pytest

from eval.matching import canonical, hits
from eval.metrics import (
    ItemOutcome,
    latency,
    mentioned,
    ndcg_at_k,
    percentile,
    recall_at_k,
    reciprocal_rank,
    summarise,
)

QUOTE = "Số lượng doanh nghiệp hoạt động trong lĩnh vực công nghệ số đạt 81.400 doanh nghiệp."  # 84 chars
E, A, B = frozenset(), frozenset({0}), frozenset({1})


# --- matching -----------------------------------------------------------------------------------


def test_canonical_is_nfc_with_collapsed_whitespace():
    decomposed = unicodedata.normalize("NFD", "Chuyển đổi\n\t số  ")
    assert canonical(decomposed) == "Chuyển đổi số"
    assert canonical("a\u00a0\u2003b") == "a b"


def test_a_passage_containing_the_whole_quote_hits():
    assert hits("Mục tiêu. " + QUOTE + " Tiếp theo.", QUOTE)


def test_whitespace_and_unicode_form_do_not_matter():
    passage = unicodedata.normalize("NFD", QUOTE.replace(" hoạt động ", "\n  hoạt\tđộng "))
    assert hits(passage, QUOTE)


def test_half_of_the_quote_is_enough_but_less_is_not():
    half = math.ceil(len(QUOTE) / 2)
    assert hits("… " + QUOTE[:half], QUOTE)  # the chunk ends in the middle of the quote
    assert hits("…," + QUOTE[-half:], QUOTE)  # the next chunk starts there
    assert hits("x " + QUOTE[10 : 10 + half] + " y", QUOTE)  # any contiguous run counts
    assert not hits(QUOTE[: half - 1], QUOTE)
    assert not hits(QUOTE[: half // 2] + " … " + QUOTE[-half // 2 :], QUOTE)  # two pieces are not a run


def test_matching_is_case_sensitive_and_empty_quotes_never_hit():
    assert not hits(QUOTE.upper(), QUOTE)
    assert not hits("anything", "   ")


# --- item metrics -------------------------------------------------------------------------------


def test_recall_counts_distinct_quotes_within_k():
    ranking = [E, A, E, A | B]
    assert recall_at_k(ranking, 2, 1) == 0
    assert recall_at_k(ranking, 2, 2) == 0.5
    assert recall_at_k(ranking, 2, 3) == 0.5
    assert recall_at_k(ranking, 2, 4) == 1.0
    assert recall_at_k(ranking, 3, 10) == pytest.approx(2 / 3)


def test_reciprocal_rank_is_the_first_hit_within_k():
    assert reciprocal_rank([A], 10) == 1.0
    assert reciprocal_rank([E, E, B], 10) == pytest.approx(1 / 3)
    assert reciprocal_rank([E, E, B], 2) == 0.0
    assert reciprocal_rank([], 10) == 0.0


def test_ndcg_of_a_perfect_ranking_is_one():
    assert ndcg_at_k([A, B, E], 2, 10) == pytest.approx(1.0)
    assert ndcg_at_k([A | B, E], 2, 10) == pytest.approx(1.0)  # one passage holds both quotes


def test_ndcg_hand_computed():
    # A at rank 1, B at rank 3: DCG = 1 + 1/log2(4) = 1.5; ideal two gains: 1 + 1/log2(3).
    assert ndcg_at_k([A, E, B], 2, 10) == pytest.approx(1.5 / (1 + 1 / math.log2(3)))
    # A at rank 2, a repeat of A earns nothing, B never found: DCG = 1/log2(3); ideal two gains.
    assert ndcg_at_k([E, A, A], 2, 10) == pytest.approx((1 / math.log2(3)) / (1 + 1 / math.log2(3)))
    # Both quotes in the passage at rank 3: DCG = 1/2, ideal one gain.
    assert ndcg_at_k([E, E, A | B], 2, 10) == pytest.approx(0.5)
    assert ndcg_at_k([E, A], 1, 1) == 0.0


def test_item_metrics_reject_items_without_evidence():
    with pytest.raises(ValueError, match="n_evidence"):
        recall_at_k([A], 0, 5)
    with pytest.raises(ValueError, match="n_evidence"):
        ndcg_at_k([A], 0, 5)


def test_mentioned_is_case_folded_nfc_containment():
    answer = unicodedata.normalize("NFD", "Chủ trì: ỦY BAN NHÂN DÂN thành phố Đà Nẵng;\nhạn  2026.")
    assert mentioned(answer, ["Ủy ban nhân dân", "đà nẵng", "hạn 2026", "Huế"]) == (True, True, True, False)


def test_percentile_matches_numpy():
    values = [120.0, 15.0, 33.0, 8.0, 51.0, 9.5, 70.0]
    for q in (0, 50, 95, 100):
        assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)))
    with pytest.raises(ValueError):
        percentile([], 50)


# --- aggregation --------------------------------------------------------------------------------


def _outcome(item_id: str, answerable: bool, hit_sets=(), n=1, refused=False, mentions=(),
             accurate=(), faithful=(), ms=10.0) -> ItemOutcome:
    return ItemOutcome(item_id, "factoid" if answerable else "unanswerable", answerable, ("d",) if answerable else (),
                       n if answerable else 0, tuple(hit_sets), refused, tuple(mentions), tuple(accurate),
                       tuple(faithful), ms)


def test_summarise_hand_computed():
    outcomes = [
        _outcome("a1", True, [A, E], n=1, mentions=(True, False), accurate=(True, False), faithful=(True, True), ms=10),
        _outcome("a2", True, [E, A, B], n=2, mentions=(True,), accurate=(True,), faithful=(True,), ms=20),
        _outcome("a3", True, [E, E], n=1, refused=True, mentions=(False,), ms=30),
        _outcome("u1", False, refused=True, ms=40),
        _outcome("u2", False, refused=False, faithful=(False,), ms=50),
    ]
    s = summarise(outcomes, k=3)
    assert (s["items"], s["answerable"], s["unanswerable"]) == (5, 3, 2)
    assert s["recall@1"] == pytest.approx((1 + 0 + 0) / 3)
    assert s["recall@2"] == pytest.approx((1 + 0.5 + 0) / 3)
    assert s["recall@3"] == pytest.approx((1 + 1 + 0) / 3)
    assert s["mrr@3"] == pytest.approx((1 + 0.5 + 0) / 3)
    ideal2 = 1 + 1 / math.log2(3)
    assert s["ndcg@3"] == pytest.approx((1 + (1 / math.log2(3) + 0.5) / ideal2 + 0) / 3)
    assert s["must_mention"] == pytest.approx((0.5 + 1 + 0) / 3)
    assert s["citation_accuracy"] == pytest.approx(2 / 3)  # unanswerable items' citations do not count
    assert s["quote_fidelity"] == pytest.approx(3 / 4)  # every citation shown counts
    assert s["refusal_precision"] == pytest.approx(1 / 2)
    assert s["refusal_recall"] == pytest.approx(1 / 2)
    assert s["answerable_refused"] == pytest.approx(1 / 3)
    assert latency(outcomes) == {"p50": 30.0, "p95": pytest.approx(48.0)}


def test_summarise_reports_none_where_there_is_no_data():
    s = summarise([_outcome("u1", False, refused=False)], k=5)
    assert s["recall@5"] is None and s["mrr@5"] is None and s["must_mention"] is None
    assert s["citation_accuracy"] is None and s["quote_fidelity"] is None
    assert s["refusal_precision"] is None and s["refusal_recall"] == 0.0 and s["answerable_refused"] is None
