"""Fit the abstention classifier (``assistant/engine/decide.py``) on a calibration set.

    python -m eval.calibrate_abstention [--datasets eval/datasets/calib.jsonl] [--max-false-refusals 0.05]

For every question the product's own path runs (hybrid retrieval of ``settings.top_k`` passages, unit
scoring, block choice) and the abstention features are computed. An L2-regularised logistic
regression (Newton's method, numpy) is fitted to answerable vs unanswerable; its threshold is the
highest probability that refuses at most ``--max-false-refusals`` of the answerable questions, chosen
on leave-one-out probabilities so that it is not fitted to the very items it is judged on. The fitted
model, the date and both in-sample and leave-one-out metrics go to ``assistant/engine/abstain_model.json``.
Never fit on the benchmark (dev.jsonl), the new-document set or fresh.jsonl: they are the held-out checks, and a
calibration question that nearly repeats one of theirs, or shares an evidence quote, is left out
(``eval.dataset.fitting_items``).
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import numpy as np
from tqdm import tqdm

from assistant.core import Assistant
from assistant.engine.decide import FEATURES, MODEL_PATH, AbstainModel, question_features
from eval.dataset import EvalItem, fitting_items
from ingest.pipeline import CorpusIndex
from ingest.settings import REPO_ROOT, Settings

# calib alone: fitted on calib + train (243 items), leave-one-out false refusals were 4.5%, yet dev's
# unanswerable questions were refused 0.65 of the time (0.75 fitted on calib); train stays a held-out check
# of false refusals for this model.
DEFAULT_DATASETS = (REPO_ROOT / "eval" / "datasets" / "calib.jsonl",)


def feature_matrix(settings: Settings, items: list[EvalItem], progress: bool = True) -> np.ndarray:
    """The abstention features of every item, through ``Assistant.ground``, the path every answer takes
    (retrieval with the question's scope, a named article looked up, unit scoring, block choice)."""
    index = CorpusIndex.open(settings)
    try:
        index.refresh(progress=progress)
        assistant = Assistant(settings, index)
        rows = []
        for item in tqdm(items, desc="Tính đặc trưng từ chối trên bộ hiệu chỉnh", unit="câu", disable=not progress):
            grounding = assistant.ground(item.question)
            values, _ = question_features(grounding.analysis, grounding.blocks, assistant.composer.lexicon)
            rows.append([values[f] for f in FEATURES])
    finally:
        index.close()
    return np.array(rows, dtype=float)


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 50) -> tuple[np.ndarray, float]:
    """Weights and bias of an L2-regularised logistic regression on standardised ``x`` (Newton's method).

    :param l2: the penalty on the weights (not on the bias).
    """
    design = np.hstack([x, np.ones((len(x), 1))])
    theta = np.zeros(design.shape[1])
    penalty = np.full(design.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-design @ theta))
        gradient = design.T @ (p - y) + penalty * theta
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + np.diag(penalty) + 1e-9 * np.eye(len(theta))
        step = np.linalg.solve(hessian, gradient)
        theta -= step
        if np.abs(step).max() < 1e-8:
            break
    return theta[:-1], float(theta[-1])


def leave_one_out(x: np.ndarray, y: np.ndarray, l2: float) -> np.ndarray:
    """P(answerable) of each item from a model fitted without it."""
    out = np.empty(len(y))
    for i in range(len(y)):
        keep = np.arange(len(y)) != i
        weights, bias = fit_logistic(x[keep], y[keep], l2)
        out[i] = 1 / (1 + np.exp(-(x[i] @ weights + bias)))
    return out


def choose_threshold(p: np.ndarray, y: np.ndarray, max_false_refusals: float) -> float:
    """The highest threshold (refuse when p < threshold) refusing at most that share of answerable items."""
    answerable = np.sort(p[y == 1])
    allowed = int(np.floor(max_false_refusals * len(answerable)))
    if allowed >= len(answerable):
        return 1.0
    # Refusing the ``allowed`` lowest answerable items: cut halfway to the next one.
    low = answerable[allowed - 1] if allowed > 0 else 0.0
    return float((low + answerable[allowed]) / 2)


def refusal_metrics(p: np.ndarray, y: np.ndarray, threshold: float) -> dict[str, float]:
    refused = p < threshold
    return {"refusal_recall": float(refused[y == 0].mean()), "false_refusal_rate": float(refused[y == 1].mean())}


def calibrate(settings: Settings, datasets: list[Path], max_false_refusals: float = 0.05, l2: float = 1.0,
              progress: bool = True) -> AbstainModel:
    """Fit, choose the threshold, and return the model (not saved)."""
    names = ", ".join(p.name for p in datasets)
    items, dropped = fitting_items(datasets)
    y = np.array([1.0 if item.answerable else 0.0 for item in items])
    if y.min() == y.max():
        raise ValueError(f"{names}: needs both answerable and unanswerable items to calibrate abstention.")
    raw = feature_matrix(settings, items, progress)
    mean = raw.mean(axis=0)
    scale = raw.std(axis=0)
    scale[scale == 0] = 1.0
    x = (raw - mean) / scale
    loo = leave_one_out(x, y, l2)
    threshold = choose_threshold(loo, y, max_false_refusals)
    weights, bias = fit_logistic(x, y, l2)
    fitted = 1 / (1 + np.exp(-(x @ weights + bias)))
    metrics = {f"loo_{k}": round(v, 4) for k, v in refusal_metrics(loo, y, threshold).items()}
    metrics.update({f"fit_{k}": round(v, 4) for k, v in refusal_metrics(fitted, y, threshold).items()})
    metrics.update({"items": len(items), "left_out": dropped, "unanswerable": int((y == 0).sum()), "l2": l2,
                    "max_false_refusals": max_false_refusals})
    return AbstainModel(FEATURES, tuple(float(v) for v in mean), tuple(float(v) for v in scale),
                        tuple(float(v) for v in weights), bias, threshold,
                        dt.date.today().isoformat(), {**metrics, "dataset": names})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default=",".join(str(p) for p in DEFAULT_DATASETS),
                        help="comma-separated calibration sets (never a held-out set: dev, newdocs, fresh)")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--max-false-refusals", type=float, default=0.05)
    parser.add_argument("--l2", type=float, default=1.0)
    args = parser.parse_args(argv)
    model = calibrate(Settings(), [Path(p) for p in args.datasets.split(",")], args.max_false_refusals, args.l2)
    model.save(args.out)
    print(f"Saved {args.out}: threshold {model.threshold:.3f}; {model.metrics}")
    for name, weight in sorted(zip(model.features, model.weights), key=lambda fw: -abs(fw[1])):
        print(f"  {name:20s} {weight:+.3f}")


if __name__ == "__main__":
    main()
