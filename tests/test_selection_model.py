"""The answer-selection model: the shipped weights fit the features the composer computes, a model
fitted on other features is refused with what to do, and the fitting recovers what puts the right
unit first (synthetic questions, no index)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.engine import select
from eval import fit_selection
from eval.dataset import fitting_items, load_dataset
from tests.conftest import DATASETS_DIR


def test_the_shipped_model_reads_the_composers_features():
    model = select.SelectionModel.load()
    assert len(model.weights) == len(select.FEATURES)
    raw = json.loads(select.MODEL_PATH.read_text(encoding="utf-8"))
    assert set(raw["fitted_on"]) <= {"train.jsonl", "calib.jsonl"}  # never the benchmark
    assert "T172" in raw["left_out"]  # nearly dev's D066: left out
    weights = dict(zip(raw["features"], raw["weights"]))
    assert weights["lexical"] > 0 and weights["frame"] < 0 and weights["scope_conflict"] < 0


def test_a_model_fitted_on_other_features_or_missing_is_refused(tmp_path: Path):
    raw = json.loads(select.MODEL_PATH.read_text(encoding="utf-8"))
    raw["features"] = raw["features"][:-1]
    path = tmp_path / "selection_model.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(ValueError, match="eval.fit_selection"):
        select.SelectionModel.load(path)
    with pytest.raises(ValueError, match="eval.fit_selection"):
        select.SelectionModel.load(tmp_path / "missing.json")


def test_training_items_leave_out_near_copies_of_held_out_questions(tmp_path: Path):
    """A training question that nearly repeats a dev question, or shares its evidence quote, is left
    out; the held-out sets themselves are refused."""
    dev = load_dataset(DATASETS_DIR / "dev.jsonl")
    (tmp_path / "dev.jsonl").write_text((DATASETS_DIR / "dev.jsonl").read_text(encoding="utf-8"), encoding="utf-8")
    copy = dev[0].model_copy(update={"id": "X001", "question": dev[0].question.rstrip("?") + " vậy?"})
    fresh = {"id": "X002", "question": "Câu hỏi mới về thủ tục không có trong kho?", "type": "unanswerable",
             "answer": "KHÔNG CÓ TRONG TÀI LIỆU", "evidence": [], "must_mention": []}
    train = tmp_path / "train.jsonl"
    train.write_text(copy.model_dump_json() + "\n" + json.dumps(fresh, ensure_ascii=False) + "\n", encoding="utf-8")
    kept, dropped = fitting_items([train])
    assert [i.id for i in kept] == ["X002"] and dropped == ["X001"]
    with pytest.raises(ValueError, match="held-out"):
        fitting_items([tmp_path / "dev.jsonl"])


def _groups(rng: np.random.Generator, n: int) -> list[fit_selection.Group]:
    """Questions of 20 candidates where the right one has the highest 'lexical' feature; the other
    features are noise, and the top passage's unit is right only now and then."""
    width = len(select.FEATURES)
    groups = []
    for i in range(n):
        x = rng.normal(size=(20, width))
        right = int(np.argmax(x[:, 0]))
        top = np.zeros(20, dtype=bool)
        top[rng.integers(20)] = True
        labels = np.zeros(20, dtype=int)
        labels[right] = 1
        groups.append(fit_selection.Group(f"q{i}", x, labels, top))
    return groups


def test_fitting_learns_what_puts_the_right_unit_first():
    groups = _groups(np.random.default_rng(0), 120)
    weights = fit_selection._fit(groups, penalty=0.1)
    assert int(np.argmax(np.abs(weights))) == select.FEATURES.index("lexical") and weights[0] > 0
    held = _groups(np.random.default_rng(1), 60)
    assert fit_selection.first_hits(held, [g.features @ weights for g in held], margin=0.0) >= 0.85
    # Trusting the top passage whatever the model says gets only the questions where it is right.
    assert fit_selection.first_hits(held, [g.features @ weights for g in held], margin=1e9) < 0.3


def test_cross_validation_picks_the_simplest_setting_it_cannot_tell_from_the_best():
    # 144 questions: one standard error of a 0.917 hit rate is 0.023
    cv = {(0.01, 0.5): 0.917, (1.0, 0.0): 0.905, (3.0, 0.5): 0.899, (3.0, 1.0): 0.905, (10.0, 0.0): 0.880}
    assert fit_selection.one_standard_error(cv, 144) == ((3.0, 1.0), 0.905)  # its penalty's best margin
    # with many questions the standard error is small and the best setting stands
    assert fit_selection.one_standard_error(cv, 100_000) == ((0.01, 0.5), 0.917)
