"""The regression gate: the project's pipeline on the dev set must not fall below what it measured.

Floors sit a little below the values measured on the date given (``cds eval --dataset
eval/datasets/dev.jsonl``, k=10), to absorb numeric noise between machines, not regressions. When a
change raises a metric for good, raise its floor here with the new date; when one fails, the report's
failures list (eval/reports/dev/report.md) names the items that broke.
"""

from __future__ import annotations

import pytest

from eval.metrics import summarise
from eval.runner import run_benchmark
from tests.conftest import DATASETS_DIR, make_settings

K = 10
MEASURED_ON = "2026-11-23"
FLOORS = {  # metric: floor, with the value measured on MEASURED_ON
    "recall@1": 0.72,  # 0.7388
    "recall@5": 0.95,  # 0.9776
    "recall@10": 0.96,  # 0.9808
    "mrr@10": 0.86,  # 0.8769
    "ndcg@10": 0.88,  # 0.8965
    "must_mention": 0.77,  # 0.7885
    "citation_accuracy": 0.69,  # 0.7075
    "quote_fidelity": 1.0,  # 1.0: a quote that is not verbatim is a bug, never noise
    "refusal_precision": 0.8,  # 0.8889 (16 of 18 refusals right: each wrong one more is about -0.05)
    "refusal_recall": 0.75,  # 0.80 (16 of 20 unanswerable items refused: one item is 0.05)
}
CEILINGS = {  # lower is better
    "answerable_refused": 0.04,  # 0.0192 (2 of 104 answerable items refused: one item is 0.0096)
}


@pytest.mark.slow
def test_project_pipeline_stays_above_its_floors_on_the_dev_set(tmp_path_factory, embed_cache):
    settings = make_settings(tmp_path_factory.mktemp("gate-data"), embed_cache)
    result = run_benchmark(settings, DATASETS_DIR / "dev.jsonl", ["project"], k=K, progress=False)
    metrics = summarise(result.runs[0].outcomes, K)
    below = [f"{name} = {metrics[name]:.4f} < floor {floor}" for name, floor in FLOORS.items()
             if metrics[name] < floor]
    above = [f"{name} = {metrics[name]:.4f} > ceiling {ceiling}" for name, ceiling in CEILINGS.items()
             if metrics[name] > ceiling]
    assert not below + above, (f"dev set regressed against the values measured on {MEASURED_ON}: "
                               + "; ".join(below + above))
