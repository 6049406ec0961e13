"""pyvi loaded without scikit-learn (ingest/_pyvi.py) segments exactly as pyvi with its own estimator:
index and query tokenisation must not depend on which of the two a process loaded."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from ingest._pyvi import vi_tokenizer
from tests.conftest import CORPUS_DIR

# The beginning of every text of the corpus: guidance prose, a task table, legal articles.
SAMPLES = [path.read_text(encoding="utf-8")[:20_000] for path in sorted(CORPUS_DIR.rglob("*.txt"))]


def test_segmentation_is_pyvis_own(monkeypatch: pytest.MonkeyPatch):
    tokenizer = vi_tokenizer()
    light = [tokenizer.tokenize(text) for text in SAMPLES]
    model_file = Path(sys.modules[tokenizer.__module__].__file__).parent / tokenizer.model_file  # models/pyvi3.pkl
    with model_file.open("rb") as f:
        real = pickle.load(f)  # sklearn_crfsuite.CRF, as pyvi loads it on its own
    assert type(real).__module__ == "sklearn_crfsuite.estimator"
    monkeypatch.setattr(tokenizer, "model", real)
    assert [tokenizer.tokenize(text) for text in SAMPLES] == light
    assert "Chuyển_đổi số" in tokenizer.tokenize("Chuyển đổi số cấp xã")


def test_scikit_learn_is_not_imported():
    code = ("import sys; from ingest.sparse import analyse; analyse('Kế hoạch chuyển đổi số cấp xã'); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'sklearn_crfsuite')))")
    run = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=120)
    assert run.stdout == "[]\n"
