"""The composer's term statistics are stored in the data directory and read back by the next process,
as long as the corpus and the code are the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.engine import _lexicon
from assistant.engine._lexicon import Lexicon, load_lexicon


def _built(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the Lexicons built (rather than read back) from now on."""
    built: list[int] = []
    init = Lexicon.__init__

    def counting(self, documents):
        built.append(1)
        init(self, documents)

    monkeypatch.setattr(Lexicon, "__init__", counting)
    return built


def test_built_once_then_read_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    built = _built(monkeypatch)
    first = load_lexicon([], tmp_path, "corpus-1")
    again = load_lexicon([], tmp_path, "corpus-1")
    assert len(built) == 1 and isinstance(again, Lexicon) and again is not first
    assert again.unseen_idf == first.unseen_idf
    assert [p.name for p in tmp_path.iterdir()] == ["lexicon.pickle"]  # no temporary file left behind


def test_another_corpus_or_code_builds_it_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    built = _built(monkeypatch)
    load_lexicon([], tmp_path, "corpus-1")
    load_lexicon([], tmp_path, "corpus-2")
    monkeypatch.setattr(_lexicon, "_code_key", lambda: "other code")
    load_lexicon([], tmp_path, "corpus-2")
    assert len(built) == 3


def test_a_torn_file_is_built_again_and_no_folder_stores_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    built = _built(monkeypatch)
    (tmp_path / "lexicon.pickle").write_bytes(b"\x80\x05not a pickle")
    assert isinstance(load_lexicon([], tmp_path, "corpus-1"), Lexicon)
    assert isinstance(load_lexicon([], None, "corpus-1"), Lexicon)
    assert len(built) == 2 and [p.name for p in tmp_path.iterdir()] == ["lexicon.pickle"]


def test_a_file_naming_a_module_that_moved_is_built_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    built = _built(monkeypatch)
    (tmp_path / "lexicon.pickle").write_bytes(b"cassistant._lexicon\nLexicon\n.")  # before assistant/engine/
    assert isinstance(load_lexicon([], tmp_path, "corpus-1"), Lexicon)
    assert len(built) == 1
