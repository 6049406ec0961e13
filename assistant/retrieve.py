"""Hybrid retrieval: the one search function the CLI, API, answer composer, eval and UI call."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from ingest.index import SearchFilters, SearchMode
from ingest.pipeline import CorpusIndex
from ingest.sparse import Bm25Encoder
from ingest.vietnamese import expand_abbreviations


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with everything needed to cite it."""

    rank: int
    score: float
    node_id: str
    doc_id: str
    doc_title: str
    short_title: str
    status: str
    clause_id: str
    clause_label: str
    breadcrumb: str
    kind: str
    start: int  # offsets into the document's normalised text
    end: int
    text: str

    @classmethod
    def from_payload(cls, rank: int, score: float, node_id: str, payload: dict) -> "Passage":
        return cls(
            rank=rank, score=score, node_id=node_id,
            doc_id=payload["doc_id"], doc_title=payload["doc_title"], short_title=payload["short_title"],
            status=payload["status"], clause_id=payload["clause_id"], clause_label=payload["clause_label"],
            breadcrumb=payload["breadcrumb"], kind=payload["kind"],
            start=payload["start"], end=payload["end"], text=json.loads(payload["_node_content"])["text"],
        )


@dataclass(frozen=True)
class SearchResult:
    passages: list[Passage]
    millis: float


class Retriever:
    """Dense (e5) + sparse (BM25 over pyvi words) search, fused with weighted RRF inside Qdrant.

    >>> retriever = Retriever(CorpusIndex.open(Settings()))                      # doctest: +SKIP
    >>> retriever.search("Ai chủ trì xây dựng Hệ thống phòng vệ mạng quốc gia?").passages[0].doc_id
    'danh-muc-nhiem-vu-2026-2030'
    """

    def __init__(self, index: CorpusIndex, weights: tuple[float, float] = (1.0, 1.0), prefetch: int = 50):
        if min(weights) < 0 or max(weights) <= 0:
            raise ValueError(f"weights must be non-negative with one positive, got {weights}")
        self.index = index
        self.weights = weights
        self.prefetch = prefetch
        self._bm25 = Bm25Encoder()

    def search(self, query: str, k: int = 8, filters: SearchFilters = SearchFilters(),
               mode: SearchMode = "hybrid") -> SearchResult:
        """Rank passages for ``query``.

        :param k: how many passages to return.
        :param filters: restrict to documents, chunk kinds, statuses or levels.
        :param mode: "hybrid" (default), "dense" or "sparse" (the last two for baselines).
        """
        started = time.perf_counter()
        query = " ".join(query.split())
        dense = self.index.embedder.embed_batch([expand_abbreviations(query)], is_query=True)[0] if mode != "sparse" else None
        sparse = self._bm25.encode_query(query) if mode != "dense" else None
        hits = self.index.store.search(dense, sparse, k, filters=filters, mode=mode,
                                       weights=self.weights, prefetch=self.prefetch)
        passages = [Passage.from_payload(i + 1, h.score, h.id, h.payload) for i, h in enumerate(hits)]
        return SearchResult(passages, (time.perf_counter() - started) * 1000)
