"""pyvi's Vietnamese word segmenter, loaded without scikit-learn.

``pyvi.ViTokenizer`` unpickles its CRF model as a ``sklearn_crfsuite.CRF``, and importing that package
imports scikit-learn: about 2 s, which every `cds search` and `cds ask` would pay for one question.
The model is a python-crfsuite model inside the pickle; the estimator around it only hands the
features to ``pycrfsuite.Tagger.tag``. So pyvi is imported here with two stand-ins for the pickled
classes that do exactly that, and pyvi's own features, syllabification and joining rules run as they
are: segmentation is identical (tests/test_sparse_pyvi.py compares both on the whole corpus).
"""

from __future__ import annotations

import sys
import threading
import types
from typing import Any

_lock = threading.Lock()


class _FileResource:
    """Stands in for sklearn_crfsuite's FileResource: keeps the model bytes it was pickled with."""

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.data = state["__FILE_RESOURCE_DATA__"]


class _CrfTagger:
    """Stands in for sklearn_crfsuite.CRF: ``predict`` tags each feature sequence with the pickled model."""

    def __setstate__(self, state: dict[str, Any]) -> None:
        import pycrfsuite

        self._model = state["modelfile"].data  # the tagger reads this buffer in place: keep it alive
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open_inmemory(self._model)

    def predict(self, sequences: list[list[dict[str, Any]]]) -> list[list[str]]:
        return [self._tagger.tag(features) for features in sequences]


def vi_tokenizer() -> Any:
    """pyvi's ``ViTokenizer`` class (``ViTokenizer.tokenize(text)``), imported once per process."""
    with _lock:
        loaded = sys.modules.get("pyvi.ViTokenizer")
        if loaded is not None:
            return loaded.ViTokenizer
        if "sklearn_crfsuite" in sys.modules:  # paid for already: nothing to save
            from pyvi.ViTokenizer import ViTokenizer

            return ViTokenizer
        stand_ins = {"sklearn_crfsuite": types.ModuleType("sklearn_crfsuite"),
                     "sklearn_crfsuite.estimator": types.ModuleType("sklearn_crfsuite.estimator"),
                     "sklearn_crfsuite._fileresource": types.ModuleType("sklearn_crfsuite._fileresource")}
        stand_ins["sklearn_crfsuite.estimator"].CRF = _CrfTagger
        stand_ins["sklearn_crfsuite._fileresource"].FileResource = _FileResource
        sys.modules.update(stand_ins)
        try:
            from pyvi.ViTokenizer import ViTokenizer
        finally:
            for name in stand_ins:  # a later `import sklearn_crfsuite` gets the real package
                del sys.modules[name]
        return ViTokenizer
