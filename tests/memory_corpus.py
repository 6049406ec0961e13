"""An in-memory corpus for fast tests of the answer engine's stages (``assistant.engine.corpus.CorpusReader``).

Documents go through the real ingest stages: load, normalise, parse structure, chunk, the LlamaIndex nodes
and payloads the index stores, and the BM25 vectors. Two things are replaced: the dense embedder, by a
deterministic hash embedder, and the Qdrant engine, by exact search in numpy with Qdrant's scoring (cosine,
BM25 term weights times the IDF modifier, weighted RRF), run as ``ingest.index.plan_search`` plans it. The
whole corpus is built in about three seconds, with no model, no index and no file written.
"""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.chunk import chunk_document
from ingest.corpus import scan_corpus
from ingest.docstore import StoredDocument
from ingest.index import DENSE, RRF_K, Hit, SearchFilters, SearchMode, plan_search
from ingest.load import load_file
from ingest.nodes import chunks_to_nodes
from ingest.normalise import normalise
from ingest.sparse import Bm25Encoder, SparseVec
from ingest.structure import parse_structure
from ingest.vietnamese import strip_diacritics

_WORD = re.compile(r"\w+")
_MAX_BYTES = 20 * 1024 * 1024


class HashEmbedder:
    """Feature hashing: each word of a text, without diacritics, and each pair of adjacent words adds +-1 to
    one of ``dim`` dimensions (CRC32 picks the dimension and the sign); rows are L2-normalised. Texts
    sharing words have a positive cosine, so ranking by it behaves like a crude lexical embedder.

    >>> e = HashEmbedder()
    >>> v = e.embed_batch(["Kế hoạch chuyển đổi số cấp xã", "ke hoach cap xa"], is_query=True)
    >>> v.shape, round(float(v[0] @ v[0]), 6), bool(v[0] @ v[1] > 0.5)
    ((2, 512), 1.0, True)
    """

    name = "hash-512"
    dim = 512

    def embed_batch(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        rows = np.zeros((len(texts), self.dim), np.float32)
        for row, text in zip(rows, texts):
            words = _WORD.findall(strip_diacritics(text.casefold()))
            for feature in [*words, *(f"{a} {b}" for a, b in zip(words, words[1:]))]:
                code = zlib.crc32(feature.encode())
                row[code % self.dim] += 1.0 if code & 1 << 31 else -1.0
            norm = np.linalg.norm(row)
            if norm:
                row /= norm
        return rows


class MemoryDocuments:
    """The documents, by id (the read side of ``ingest.docstore.DocStore``)."""

    def __init__(self, documents: Sequence[StoredDocument]):
        self._by_id = {d.meta.id: d for d in documents}

    def get(self, doc_id: str) -> StoredDocument | None:
        return self._by_id.get(doc_id)

    def documents(self) -> list[StoredDocument]:
        return list(self._by_id.values())

    def revision(self) -> Hashable:
        return tuple(self._by_id)


@dataclass(frozen=True)
class Point:
    """One indexed chunk: its id, dense vector, BM25 vector (term index -> weight) and payload."""

    id: str
    dense: np.ndarray
    sparse: dict[int, float]
    payload: dict


@dataclass(frozen=True)
class _Scored:
    id: str
    score: float
    payload: dict
    index: int


class MemoryStore:
    """Exact search over points held in memory, scored as Qdrant scores them (see the module docstring)."""

    def __init__(self, points: Sequence[Point]):
        self.points = tuple(points)
        self._matrix = np.stack([p.dense for p in self.points])
        df = Counter(i for p in self.points for i in p.sparse)
        n = sum(1 for p in self.points if p.sparse)
        self._idf = {i: math.log((n - c + 0.5) / (c + 0.5) + 1) for i, c in df.items()}

    def search(self, dense: np.ndarray | None, sparse: SparseVec | None, limit: int,
               filters: SearchFilters = SearchFilters(), mode: SearchMode = "hybrid",
               weights: tuple[float, float] = (1.0, 1.0), prefetch: int = 50) -> list[Hit]:
        plan = plan_search(dense, sparse, limit, mode, weights, prefetch)
        if plan is None:
            return []
        allowed = [i for i, p in enumerate(self.points) if _matches(p.payload, filters)]
        if not plan.fused:
            [(name, vector, _)] = plan.stages
            return plan.hits(self._ranked(name, vector, allowed)[: plan.fetch])
        fused: dict[int, float] = {}
        for name, vector, weight in plan.stages:
            for position, point in enumerate(self._ranked(name, vector, allowed)[: plan.prefetch]):
                # Qdrant's weighted RRF, 1 / ((position + 1) / weight + k - 1), with a weight of 0 counting nothing
                fused[point.index] = fused.get(point.index, 0.0) + weight / (position + 1 + weight * (RRF_K - 1))
        best = sorted(fused.items(), key=lambda x: (-x[1], self.points[x[0]].id))[: plan.fetch]
        return plan.hits(_Scored(self.points[i].id, score, self.points[i].payload, i) for i, score in best)

    def _ranked(self, name: str, vector, allowed: list[int]) -> list[_Scored]:
        """The allowed points scored for one vector, best first (a sparse query scores only points sharing a term)."""
        if name == DENSE:
            scores = self._matrix[allowed] @ np.asarray(vector, np.float32)
            scored = [(i, float(s)) for i, s in zip(allowed, scores)]
        else:
            query = dict(zip(vector.indices, vector.values))
            scored = []
            for i in allowed:
                terms = self.points[i].sparse
                if shared := query.keys() & terms.keys():
                    scored.append((i, sum(query[t] * self._idf[t] * terms[t] for t in shared)))
        scored.sort(key=lambda x: (-x[1], self.points[x[0]].id))
        return [_Scored(self.points[i].id, s, self.points[i].payload, i) for i, s in scored]


@dataclass(frozen=True)
class MemoryCorpus:
    """A ``CorpusReader`` held in memory (see the module docstring)."""

    docstore: MemoryDocuments
    embedder: HashEmbedder
    store: MemoryStore


def memory_corpus(corpus_dir: Path, chunk_max_chars: int = 1400) -> MemoryCorpus:
    """The documents of ``corpus_dir`` (and its manifest) as the pipeline would store and index them."""
    from llama_index.core.schema import MetadataMode
    from llama_index.core.vector_stores.utils import node_to_metadata_dict

    entries, _ = scan_corpus(corpus_dir)
    embedder, encoder = HashEmbedder(), Bm25Encoder()
    documents, points = [], []
    for entry in entries:
        loaded = load_file(entry.path, _MAX_BYTES)
        norm = normalise(loaded.text)
        meta = entry.resolved_meta(norm.text)
        parsed = parse_structure(norm.text, meta.id)
        chunks = chunk_document(meta.id, meta.short_title or meta.title, norm.text, parsed, chunk_max_chars)
        nodes = chunks_to_nodes(chunks, meta, norm, loaded.ocr_pages)
        documents.append(StoredDocument(meta=meta, norm=norm, parsed=parsed, source_text=loaded.text,
                                        format=loaded.format, node_ids=tuple(n.node_id for n in nodes),
                                        notes=loaded.notes, ocr_pages=loaded.ocr_pages))
        texts = [n.get_content(MetadataMode.EMBED) for n in nodes]
        for node, text, vector in zip(nodes, texts, embedder.embed_batch(texts, is_query=False)):
            sparse = encoder.encode_document(text)
            points.append(Point(node.node_id, vector, dict(zip(sparse.indices, sparse.values)),
                                 node_to_metadata_dict(node, remove_text=False, flat_metadata=False)))
    return MemoryCorpus(MemoryDocuments(documents), embedder, MemoryStore(points))


def _matches(payload: dict, filters: SearchFilters) -> bool:
    """Every condition holds: the payload's value (or one of its values, for a list) is among those asked for."""
    for key, values in filters.conditions():
        value = payload.get(key)
        if not (set(value) & set(values) if isinstance(value, list) else value in values):
            return False
    return True
