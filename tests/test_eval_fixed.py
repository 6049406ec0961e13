"""The fixed-size baseline's chunker on the real corpus."""

from __future__ import annotations

import pytest

from eval.fixed import OVERLAP_CHARS, WINDOW_CHARS, fixed_size_chunks
from ingest.corpus import scan_corpus
from ingest.load import load_file
from ingest.normalise import normalise
from ingest.structure import parse_structure
from tests.conftest import CORPUS_DIR


def _documents():
    entries, _ = scan_corpus(CORPUS_DIR)
    for entry in entries:
        text = normalise(load_file(entry.path, 1 << 30).text).text
        yield entry.meta, text, parse_structure(text, entry.meta.id)


def test_windows_cover_every_document_with_bounded_overlapping_slices():
    for meta, text, parsed in _documents():
        chunks = fixed_size_chunks(meta.id, meta.short_title, text, parsed)
        assert [c.seq for c in chunks] == list(range(len(chunks)))
        for chunk in chunks:
            assert text[chunk.start : chunk.end] == chunk.text
            assert 0 < len(chunk.text) <= WINDOW_CHARS
            assert chunk.breadcrumb == (meta.short_title,) and chunk.kind == "text"
            assert chunk.embed_text == f"{meta.short_title}\n{chunk.text}"
        for before, after in zip(chunks, chunks[1:]):
            assert before.start < after.start <= before.end  # overlapping (or touching), always advancing
            assert before.end - after.start <= OVERLAP_CHARS
        # nothing but whitespace is left out, and no word is cut
        covered = set().union(*(range(c.start, c.end) for c in chunks))
        assert all(text[i].isspace() for i in range(len(text)) if i not in covered)
        assert all(c.end == len(text) or text[c.end].isspace() for c in chunks)


def test_a_window_keeps_the_label_of_the_deepest_clause_holding_it():
    meta, text, parsed = next(d for d in _documents() if d[0].id == "luat-gddt-2023")
    by_id = parsed.by_id()
    for chunk in fixed_size_chunks(meta.id, meta.short_title, text, parsed):
        if chunk.clause_id:
            clause = by_id[chunk.clause_id]
            assert clause.start <= chunk.start and chunk.end <= clause.end and chunk.clause_label == clause.label


def test_overlap_must_leave_room_to_advance():
    with pytest.raises(ValueError, match="overlap"):
        fixed_size_chunks("d", "t", "a b c", parsed=None, size=100, overlap=50)
