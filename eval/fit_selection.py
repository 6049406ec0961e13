"""Fit the answer-selection model: which retrieved unit an answer quotes first.

    python -m eval.fit_selection [--datasets eval/datasets/train.jsonl,eval/datasets/calib.jsonl]

The default first anchor is the best unit of the top-ranked passage; another unit answers first only
when the model rates it ``margin`` higher (``Composer._first_anchor_first``). For every
answerable question of the training sets this grounds the question through the product's own path
(retrieval, named-clause look-up, unit scoring), grows each candidate unit into the block the answer
would quote, and labels it by whether that block hits one of the question's evidence quotes (the
benchmark's matching rule). A conditional logit (a logistic regression over each question's candidates
at once, ``_fit``) over the units' features (``select.FEATURES``) is fitted on those labels, pulled
towards the hand weights; its penalty and the margin are chosen by cross-validation grouped by
question, scored by how often the first anchor's block hits the evidence, by the one-standard-error
rule (``one_standard_error``). scikit-learn's LogisticRegression on pairs of a right and a wrong
candidate was tried first and did worse in that cross-validation. The weights are written to
``assistant/engine/selection_model.json`` with what they were fitted on, and printed; a penalty at
the top of the grid means the data supports no correction of the hand weights.

Never fit on the benchmark (dev.jsonl), the new-document set or fresh.jsonl: they are the held-out checks, and a
training question that nearly repeats one of theirs, or shares an evidence quote, is left out
(``eval.dataset.fitting_items``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from assistant.core import Assistant
from assistant.engine import select
from assistant.engine.select import Composer
from eval.dataset import EvalItem, fitting_items
from eval.matching import canonical, hits_canonical
from ingest.settings import REPO_ROOT, Settings

_DATASETS = REPO_ROOT / "eval" / "datasets"
_CANDIDATES = 40  # best candidates by the hand score, per question, that are labelled
_PENALTIES = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0, 1000.0)
_MARGINS = (-0.5, 0.0, 0.5, 1.0, 2.0, 3.0, 5.0)
_FOLDS = 5


@dataclass(frozen=True)
class Group:
    """One question's labelled candidates, best hand score first."""

    item_id: str
    features: np.ndarray  # (candidates, len(FEATURES))
    labels: np.ndarray  # 1 where the candidate's block hits an evidence quote
    top_passage: np.ndarray  # 1 where the candidate came with the top-ranked passage


def collect(assistant: Assistant, items: list[EvalItem]) -> list[Group]:
    """Ground every answerable question and label its candidates (questions whose named clause is
    answered by structure, and those with no candidate hitting the evidence, teach selection nothing).
    ``assistant.composer`` should rate units by the hand weights (``Composer.unfitted``): the features do
    not depend on the model, and a stale one cannot be read."""
    composer = assistant.composer
    groups = []
    for item in items:
        if not item.answerable:
            continue
        analysis = assistant.ground(item.question).analysis
        if analysis.target is not None or not analysis.candidates:
            continue
        quotes = [canonical(e.quote) for e in item.evidence]
        candidates = analysis.candidates[:_CANDIDATES]
        labels = []
        for cand in candidates:
            text = canonical(" ".join(u.text for u in composer.grown(cand, analysis).units))
            labels.append(int(any(hits_canonical(text, q) for q in quotes)))
        if any(labels):
            groups.append(Group(item.id, np.array([c.features for c in candidates], dtype=float), np.array(labels),
                                np.array([c.passage.rank == 1 for c in candidates])))
    return groups


def first_hits(groups: list[Group], logits: list[np.ndarray], margin: float) -> float:
    """Share of questions whose first anchor (the top passage's best unit by ``logits`` unless another
    is ``margin`` higher) hits the evidence."""
    if not groups:
        raise ValueError("no training question has a candidate whose block hits its evidence")
    right = 0
    for group, z in zip(groups, logits):
        best = int(np.argmax(z))
        if group.top_passage.any():
            default = int(np.flatnonzero(group.top_passage)[np.argmax(z[group.top_passage])])
            best = best if z[best] > z[default] + margin else default
        right += int(group.labels[best])
    return right / len(groups)


def _fit(groups: list[Group], penalty: float) -> np.ndarray:
    """Weights over the raw features maximising the likelihood that, in each question, the candidate
    chosen by a softmax over its candidates' scores is one whose block hits the evidence (a conditional
    logit: logistic regression over a question's candidates at once, so it learns what puts the right
    unit first, not what separates all good units from all bad ones).

    The penalty pulls the weights towards the hand weights (``select.HAND_WEIGHTS``, at the scale that
    fits the data best), not towards zero: a hundred-odd questions can correct the hand weights where
    they agree on it, but a strong penalty gives back the hand weights rather than a model that knows
    nothing. L2 on standardised features, so one strength treats them alike; mapped back to the raw scale."""
    x = np.vstack([g.features for g in groups])
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    standard = [((g.features - mean) / scale, g.labels == 1) for g in groups]

    def likelihood(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = 0.0, np.zeros_like(w)
        for z, right in standard:
            s = z @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            p_right = p[right].sum()
            total -= np.log(p_right)
            grad -= p[right] @ z[right] / p_right - p @ z
        return total, grad

    hand = np.array(select.HAND_WEIGHTS) * scale  # the hand weights, on the standardised scale
    temperature = minimize(lambda t: likelihood(t[0] * hand)[0], np.array([1.0]), method="L-BFGS-B",
                           bounds=[(1e-3, None)]).x[0]
    prior = temperature * hand

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = likelihood(w)
        return total + penalty * (w - prior) @ (w - prior), grad + 2 * penalty * (w - prior)

    return minimize(loss, prior, jac=True, method="L-BFGS-B").x / scale


def cross_validate(groups: list[Group]) -> dict[tuple[float, float], float]:
    """First-anchor hit rate per (penalty, margin), over 5 folds grouped by question, 3 shuffles."""
    scores: dict[tuple[float, float], list[float]] = {}
    for seed in range(3):
        order = np.random.default_rng(seed).permutation(len(groups))
        folds = [order[i::_FOLDS] for i in range(_FOLDS)]
        for penalty in _PENALTIES:
            held_logits: dict[int, np.ndarray] = {}
            for fold in folds:
                held = set(fold.tolist())
                weights = _fit([g for i, g in enumerate(groups) if i not in held], penalty)
                for i in fold:
                    held_logits[int(i)] = groups[i].features @ weights
            logits = [held_logits[i] for i in range(len(groups))]
            for margin in _MARGINS:
                scores.setdefault((penalty, margin), []).append(first_hits(groups, logits, margin))
    return {key: float(np.mean(v)) for key, v in scores.items()}


def one_standard_error(cv: dict[tuple[float, float], float], n: int) -> tuple[tuple[float, float], float]:
    """The simplest model the cross-validation cannot tell from the best: the strongest penalty (the
    closest to the hand weights) whose best hit rate is within one standard error of the best one's
    (binomial, over ``n`` questions), at its best margin (ties: the larger, trusting the ranker). With
    a hundred-odd questions most settings lie within a question or two of each other, and picking the
    top one picks noise. The margin is no complexity: it is taken at its best for that penalty."""
    top = max(cv.values())
    floor = top - math.sqrt(top * (1 - top) / n)
    penalty = max(p for (p, _), v in cv.items() if v >= floor)
    key = max((k for k in cv if k[0] == penalty), key=lambda k: (round(cv[k], 6), k[1]))
    return key, cv[key]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default=f"{_DATASETS / 'train.jsonl'},{_DATASETS / 'calib.jsonl'}")
    parser.add_argument("--out", type=Path, default=select.MODEL_PATH)
    args = parser.parse_args(argv)
    datasets = [Path(p) for p in args.datasets.split(",")]
    try:
        items, dropped = fitting_items(datasets)
    except ValueError as exc:
        parser.error(str(exc))
    print(f"{len(items)} questions; {len(dropped)} left out as near copies of held-out ones: {', '.join(dropped)}")
    settings = Settings()
    assistant = Assistant.open(settings)
    try:
        assistant.composer = Composer.unfitted(assistant.index, settings.data_dir)
        groups = collect(assistant, items)
    finally:
        assistant.close()
    hand = first_hits(groups, [g.features @ np.array(select.HAND_WEIGHTS) for g in groups], select.HAND_MARGIN)
    cv = cross_validate(groups)
    (penalty, margin), best = one_standard_error(cv, len(groups))
    fitted = _fit(groups, penalty)
    weights = dict(zip(select.FEATURES, (round(float(w), 4) for w in fitted)))
    payload = {
        "features": list(select.FEATURES),
        "weights": [weights[f] for f in select.FEATURES],
        "margin": margin,
        "penalty": penalty,
        "fitted_on": {p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:16] for p in datasets},
        "left_out": dropped,
        "questions": len(groups),
        "candidates": int(sum(len(g.labels) for g in groups)),
        "first_anchor_hits": {"hand_weights": round(hand, 3), f"learned_cv_{_FOLDS}fold": round(best, 3)},
    }
    args.out.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(groups)} questions, {payload['candidates']} candidates; first anchor hits the evidence: "
          f"hand weights {hand:.3f}, learned (cross-validated) {best:.3f} at penalty={penalty}, margin={margin}")
    for name, w in sorted(weights.items(), key=lambda kv: -abs(kv[1])):
        print(f"  {name:18s} {w:+.3f}")
    if penalty == max(_PENALTIES):
        print("  (the strongest penalty of the grid: these are the hand weights at the fitted scale)")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
