"""The report's PNG plots (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)

_DPI = 120
_TYPE_METRICS = ("recall@{r}", "mrr@{k}", "ndcg@{k}", "must_mention", "citation_accuracy")


def plot_recall_at_k(report: dict[str, Any], path: Path) -> Path:
    """Recall@1 … Recall@k of every system, one line each."""
    k = report["k"]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    cuts = list(range(1, k + 1))
    for name, metrics in report["metrics"].items():
        ax.plot(cuts, [metrics[f"recall@{cut}"] for cut in cuts], marker="o", label=name)
    ax.set(xlabel="k", ylabel="Recall@k", title=f"Recall@k — {report['dataset']['file']}", ylim=(0, 1.02),
           xticks=cuts)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    return _save(fig, path)


def plot_metrics_by_type(report: dict[str, Any], system: str, path: Path) -> Path:
    """The main metrics of one system per question type (answerable types), as grouped bars."""
    k = report["k"]
    names = [m.format(r=min(5, k), k=k) for m in _TYPE_METRICS]
    per_type = {t: m for t, m in report["per_type"][system].items() if m["answerable"]}
    fig, ax = plt.subplots(figsize=(9, 4.5))
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        values = [per_type[t][name] or 0.0 for t in per_type]
        ax.bar([x + i * width for x in range(len(per_type))], values, width, label=name)
    ax.set_xticks([x + width * (len(names) - 1) / 2 for x in range(len(per_type))],
                  [f"{t}\n(n={m['items']})" for t, m in per_type.items()])
    ax.set(ylim=(0, 1.05), title=f"{system}: chỉ số theo loại câu hỏi")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return _save(fig, path)


def plot_latency(latencies: dict[str, list[float]], path: Path) -> Path:
    """The distribution of per-question latency of every system (box plot, log scale)."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.boxplot(list(latencies.values()), showfliers=True)
    ax.set_xticks(range(1, len(latencies) + 1), list(latencies))
    ax.set_yscale("log")
    ax.set(ylabel="ms / câu hỏi", title="Độ trễ mỗi câu hỏi")
    ax.grid(axis="y", alpha=0.3)
    return _save(fig, path)


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=_DPI)
    plt.close(fig)
    return path
