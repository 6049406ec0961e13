"""The benchmark report: report.json (numbers), report.md (tables for people) and PNG plots.

report.json is deterministic: two runs of the same code on the same data give the same file except
its "timings" section (latencies, set-up times, the date), which is kept apart for that reason.

>>> paths = write_report(run_benchmark(settings, dataset, SYSTEMS), Path("eval/reports/dev"))  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.dataset import EvalItem
from eval.metrics import LOWER_IS_BETTER, ItemOutcome, latency, percentile, summarise
from eval.plots import plot_latency, plot_metrics_by_type, plot_recall_at_k
from eval.report_md import render_markdown
from eval.runner import BenchmarkResult, SystemRun
from eval.systems import DESCRIPTIONS

DIGITS = 4
PROJECT = "project"
MATCHING_RULE = (
    "So khớp sau Unicode NFC và gộp mọi chuỗi khoảng trắng thành một dấu cách: một đoạn trúng một bằng chứng "
    "khi chứa trọn trích dẫn, hoặc một đoạn liên tục dài ít nhất một nửa số ký tự của trích dẫn."
)
CITATION_RULE = (
    "Một trích dẫn là chính xác khi quote của nó, hoặc đoạn được trả về chứa nó, trúng một trích dẫn bằng chứng "
    "của câu hỏi (theo quy tắc so khớp); tính trên các câu có đáp án. Độ trung thực: quote có nguyên văn "
    "(sau NFC và gộp khoảng trắng) trong văn bản của tài liệu được dẫn; tính trên mọi trích dẫn."
)
NDCG_RULE = (
    "nDCG nhị phân: đi từ trên xuống, một đoạn được điểm 1 khi trúng ít nhất một bằng chứng chưa đoạn nào phía trên "
    "trúng (và được tính cho mọi bằng chứng nó trúng); thứ hạng lý tưởng đặt các đoạn được điểm lên đầu, cộng một "
    "đoạn cho mỗi bằng chứng bị bỏ sót."
)


def headline_metrics(k: int) -> list[str]:
    """The metrics compared across systems, in report order."""
    recalls = [f"recall@{cut}" for cut in sorted({1, min(5, k), k})]
    return [*recalls, f"mrr@{k}", f"ndcg@{k}", "must_mention", "citation_accuracy", "quote_fidelity",
            "refusal_precision", "refusal_recall", "answerable_refused"]


def targets(k: int) -> list[dict[str, Any]]:
    """The issue's targets on the dev set: metric, comparison and threshold."""
    mrr = f"mrr@{k}"
    return [
        {"metric": f"recall@{min(5, k)}", "op": ">=", "threshold": 0.95},
        {"metric": mrr, "op": ">=", "threshold": 0.90},
        {"metric": "must_mention", "op": ">=", "threshold": 0.90},
        {"metric": "citation_accuracy", "op": ">=", "threshold": 0.95},
        {"metric": "quote_fidelity", "op": "==", "threshold": 1.0},
        {"metric": "refusal_recall", "op": ">=", "threshold": 0.90},
        {"metric": "answerable_refused", "op": "<=", "threshold": 0.05},
        {"metric": mrr, "op": "ahead_of_baselines", "threshold": 0.0},
        {"metric": "must_mention", "op": "ahead_of_baselines", "threshold": 0.0},
    ]


def build_report(result: BenchmarkResult) -> dict[str, Any]:
    """Everything the report shows, as JSON-ready data (numbers rounded to 4 decimals)."""
    k = result.k
    items = {item.id: item for item in result.items}
    exact = {run.name: summarise(run.outcomes, k) for run in result.runs}
    return {
        "dataset": {
            "file": result.dataset.name,
            "sha256": result.dataset_sha256,
            "items": len(result.items),
            "answerable": sum(item.answerable for item in result.items),
            "types": _type_counts(result.items),
        },
        "k": k,
        "rules": {"matching": MATCHING_RULE, "citations": CITATION_RULE, "ndcg": NDCG_RULE},
        "systems": [{"name": run.name, "description": DESCRIPTIONS[run.name],
                     "answer_modes": sorted({r.mode for r in run.responses})} for run in result.runs],
        "metrics": {name: _rounded(summary) for name, summary in exact.items()},
        "best": _best(exact, headline_metrics(k)),
        "targets": _targets(exact, k) if PROJECT in exact else [],
        "per_type": {run.name: _grouped(run.outcomes, k, lambda o: [o.type]) for run in result.runs},
        "per_document": {run.name: _grouped(run.outcomes, k, lambda o: list(o.docs)) for run in result.runs},
        "documents": {doc_id: title for doc_id, title in sorted(result.corpus.titles.items())},
        "failures": {run.name: _failures(run.outcomes, items) for run in result.runs},
        "timings": _timings(result.runs),
    }


def write_report(result: BenchmarkResult, out_dir: Path) -> tuple[dict[str, Any], list[Path]]:
    """Write report.json, report.md and the plots to ``out_dir`` (created if missing).

    :returns: the report data and the paths written.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    report = build_report(result)
    paths = [out_dir / "report.json", out_dir / "report.md"]
    paths[0].write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    paths.append(plot_recall_at_k(report, out_dir / "recall_at_k.png"))
    if PROJECT in report["per_type"]:
        paths.append(plot_metrics_by_type(report, PROJECT, out_dir / "metrics_by_type.png"))
    paths.append(plot_latency({run.name: [o.latency_ms for o in run.outcomes] for run in result.runs},
                              out_dir / "latency.png"))
    paths[1].write_text(render_markdown(report, [p.name for p in paths[2:]]), encoding="utf-8")
    return report, paths


def _rounded(summary: dict[str, float | int | None]) -> dict[str, float | int | None]:
    return {key: round(value, DIGITS) if isinstance(value, float) else value for key, value in summary.items()}


def _type_counts(items: Sequence[EvalItem]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for item in items:
        counts[item.type] += 1
    return dict(sorted(counts.items()))


def _grouped(outcomes: Sequence[ItemOutcome], k: int, keys) -> dict[str, dict[str, float | int | None]]:
    groups: dict[str, list[ItemOutcome]] = defaultdict(list)
    for outcome in outcomes:
        for key in keys(outcome):
            groups[key].append(outcome)
    return {key: _rounded(summarise(group, k)) for key, group in sorted(groups.items())}


def _best(metrics: dict[str, dict[str, Any]], names: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per metric: the best system(s), the value, the runner-up and the margin over it."""
    best = {}
    for name in names:
        values = {system: m[name] for system, m in metrics.items() if m.get(name) is not None}
        best[name] = _rank(values, lower_is_better=name in LOWER_IS_BETTER)
    return best


def _rank(values: dict[str, float], lower_is_better: bool) -> dict[str, Any]:
    if not values:
        return {"systems": [], "value": None, "runner_up": None, "margin": None}
    sign = -1 if lower_is_better else 1
    order = sorted(values, key=lambda s: (-sign * values[s], s))
    top = values[order[0]]
    leaders = [s for s in order if round(values[s], DIGITS) == round(top, DIGITS)]
    rest = [s for s in order if s not in leaders]
    runner_up = rest[0] if rest else None
    margin = round(abs(top - values[runner_up]), DIGITS) if runner_up else 0.0
    return {"systems": leaders, "value": round(top, DIGITS), "runner_up": runner_up, "margin": margin}


def _targets(metrics: dict[str, dict[str, Any]], k: int) -> list[dict[str, Any]]:
    project = metrics[PROJECT]
    baselines = {name: m for name, m in metrics.items() if name != PROJECT}
    rows = []
    for target in targets(k):
        metric, op, threshold = target["metric"], target["op"], target["threshold"]
        measured = project.get(metric)
        row = {**target, "measured": None if measured is None else round(measured, DIGITS), "met": None, "gap": None}
        if op == "ahead_of_baselines":
            others = {name: m[metric] for name, m in baselines.items() if m.get(metric) is not None}
            if measured is not None and others:
                best = max(others, key=lambda name: (others[name], name))
                row.update(baseline=best, baseline_value=round(others[best], DIGITS),
                           gap=round(measured - others[best], DIGITS), met=measured > others[best])
        elif measured is not None:
            gap = {">=": measured - threshold, "<=": threshold - measured, "==": -abs(measured - threshold)}[op]
            row.update(gap=round(gap, DIGITS) + 0.0, met=gap >= 0)  # + 0.0: no "-0.0" for an exact hit
        rows.append(row)
    return rows


def _failures(outcomes: Sequence[ItemOutcome], items: dict[str, EvalItem]) -> list[dict[str, Any]]:
    """Items with missed evidence or must-mention phrases, wrong refusals or bad citations."""
    failures = []
    for outcome in outcomes:
        item = items[outcome.item_id]
        found = frozenset().union(*outcome.hit_sets)
        row: dict[str, Any] = {"id": item.id, "type": item.type}
        missed = [{"doc": e.doc, "quote": e.quote} for j, e in enumerate(item.evidence) if j not in found]
        if missed:
            row["missing_evidence"] = missed
        lost = [phrase for phrase, ok in zip(item.must_mention, outcome.mentions) if not ok]
        if lost:
            row["missing_mentions"] = lost
        if outcome.refused and item.answerable:
            row["refusal"] = "refused_answerable"
        elif not outcome.refused and not item.answerable:
            row["refusal"] = "answered_unanswerable"
        if not all(outcome.citations_accurate):
            row["inaccurate_citations"] = outcome.citations_accurate.count(False)
        if not all(outcome.citations_faithful):
            row["unfaithful_citations"] = outcome.citations_faithful.count(False)
        if len(row) > 2:
            failures.append(row)
    return failures


def _timings(runs: Sequence[SystemRun]) -> dict[str, Any]:
    systems = {}
    for run in runs:
        lat = latency(run.outcomes)
        entry: dict[str, Any] = {"setup_s": round(run.setup_s, 1),
                                 "latency_p50_ms": round(lat["p50"], 1), "latency_p95_ms": round(lat["p95"], 1)}
        for part in ("retrieve_ms", "compose_ms"):
            values = [getattr(r, part) for r in run.responses if getattr(r, part) is not None]
            if values:
                entry[f"{part.removesuffix('_ms')}_p50_ms"] = round(percentile(values, 50), 1)
        systems[run.name] = entry
    best = {name: _rank({s: t[name] for s, t in systems.items()}, lower_is_better=True)
            for name in ("latency_p50_ms", "latency_p95_ms")}
    return {"generated": dt.datetime.now().isoformat(timespec="seconds"), "systems": systems, "best": best}
