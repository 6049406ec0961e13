"""The Qdrant collection: one schema, two engines.

* Embedded (default): a Qdrant Edge shard (qdrant-edge-py) under ``<data_dir>/index``, the real
  Qdrant engine in-process. A shard is opened by one process at a time.
* Server: qdrant-client against ``CDS_QDRANT_URL`` (a Qdrant server or cluster), or against
  ``CDS_QDRANT_PATH`` (qdrant-client's local mode, which has the server's semantics; tests use it);
  see ingest/index_server.py, imported only in that mode.

Both are LlamaIndex vector stores holding LlamaIndex ``TextNode`` payloads, with a dense vector
``dense`` (cosine) and a sparse BM25 vector ``bm25`` (IDF modifier) per node and keyword indexes on
the fields retrieval filters by. Hybrid search fuses the dense and sparse candidate lists with
weighted RRF inside Qdrant.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from typing import TYPE_CHECKING

import numpy as np
import qdrant_edge as E

from ingest.errors import IndexLockedError, StoreError
from ingest.settings import Settings
from ingest.sparse import Bm25Encoder, SparseVec

if TYPE_CHECKING:
    from llama_index.core.schema import BaseNode
    from llama_index.core.vector_stores.types import MetadataFilters, VectorStoreQuery, VectorStoreQueryResult

DENSE = "dense"
SPARSE = "bm25"
RRF_K = 2  # Qdrant's default: with a few dozen candidates a large k flattens the ranks
KEYWORD_FIELDS = ("doc_id", "kind", "doc_kind", "status", "level", "clause_id")
SearchMode = Literal["hybrid", "dense", "sparse"]


@dataclass(frozen=True)
class SearchFilters:
    """Restrict a search; each non-empty tuple must match (any of its values)."""

    doc_ids: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()  # chunk kind: text, table_row, task, article, ...
    doc_kinds: tuple[str, ...] = ()  # guidance, task_table, training, plan, law, resolution, other
    statuses: tuple[str, ...] = ()  # draft, in_force, amended, guidance, reference, unknown
    levels: tuple[str, ...] = ()  # bộ, tỉnh, xã, quốc gia

    def conditions(self) -> list[tuple[str, list[str]]]:
        pairs = [("doc_id", self.doc_ids), ("kind", self.kinds), ("doc_kind", self.doc_kinds),
                 ("status", self.statuses), ("level", self.levels)]
        return [(key, list(values)) for key, values in pairs if values]


@dataclass(frozen=True)
class Hit:
    id: str
    score: float
    payload: dict[str, Any]


class IndexStore(Protocol):
    """What ingest and retrieval need from either engine (both are also LlamaIndex vector stores)."""

    def add(self, nodes: Sequence[BaseNode], **kwargs: Any) -> list[str]: ...
    def delete(self, ref_doc_id: str, **kwargs: Any) -> None: ...
    def delete_nodes(self, node_ids: list[str] | None = None, filters: Any = None, **kwargs: Any) -> None: ...
    def node_ids(self, doc_id: str) -> set[str]: ...
    def doc_ids(self) -> set[str]: ...
    def count(self) -> int: ...
    def search(self, dense: np.ndarray | None, sparse: SparseVec | None, limit: int,
               filters: SearchFilters = SearchFilters(), mode: SearchMode = "hybrid",
               weights: tuple[float, float] = (1.0, 1.0), prefetch: int = 50) -> list[Hit]: ...
    def flush(self) -> None: ...
    def reload(self) -> None: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class SearchPlan:
    """One search as both engines run it: the vectors to query, in order, with their RRF weights; a
    single stage is queried alone, two are fused by weighted RRF over ``prefetch`` candidates each."""

    stages: tuple[tuple[str, Any, float], ...]  # (vector name, dense list or SparseVec, weight)
    fetch: int  # points asked of the engine: room beyond ``limit`` for the tie-break
    prefetch: int
    limit: int

    @property
    def fused(self) -> bool:
        return len(self.stages) > 1

    def hits(self, points: Iterable[Any]) -> list[Hit]:
        """The engine's scored points as hits, ties broken by id: RRF gives equal scores to a
        dense-only and a sparse-only hit at the same rank and engines order such ties differently."""
        hits = [Hit(str(p.id), float(p.score), dict(p.payload)) for p in points]
        return sorted(hits, key=lambda h: (-round(h.score, 6), h.id))[: self.limit]


def plan_search(dense: np.ndarray | None, sparse: SparseVec | None, limit: int, mode: SearchMode,
                weights: tuple[float, float], prefetch: int) -> SearchPlan | None:
    """The plan of a dense, sparse or hybrid search; None when there is nothing to query."""
    stages = []
    if mode in ("hybrid", "dense") and dense is not None:
        stages.append((DENSE, np.asarray(dense, np.float32).tolist(), weights[0]))
    if mode in ("hybrid", "sparse") and sparse is not None and sparse.indices:
        stages.append((SPARSE, sparse, weights[1]))
    if not stages:
        return None
    fetch = limit + 10
    return SearchPlan(tuple(stages), fetch, max(prefetch, fetch), limit)


_OPEN_SHARDS: dict[Path, "EdgeVectorStore"] = {}
_OPEN_LOCK = threading.Lock()


class EdgeVectorStore:
    """A Qdrant Edge shard (in-process Qdrant engine) that is also a LlamaIndex vector store.

    It implements LlamaIndex's vector store interface (``add``, ``delete``, ``delete_nodes``,
    ``get_nodes``, ``query``, ``client``, ``stores_text``) without deriving from its base class:
    importing LlamaIndex costs about a second, so it is imported only by the methods that build or
    read LlamaIndex objects, and a search never pays for it.

    >>> store = EdgeVectorStore.open(Path("/tmp/cds-index"), dim=384)   # doctest: +SKIP
    >>> store.add(nodes)                                                 # doctest: +SKIP
    """

    stores_text = True
    is_embedding_query = True
    flat_metadata = False

    def __init__(self, path: str, dim: int):
        self.path = path
        self.dim = dim
        self._shard: Any = None
        self._encoder = Bm25Encoder()
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: Path, dim: int) -> "EdgeVectorStore":
        """Open (or create) the shard at ``path``; one instance per path per process."""
        path = path.resolve()
        with _OPEN_LOCK:
            store = _OPEN_SHARDS.get(path)
            if store is not None and store._shard is not None:
                if store.dim != dim:
                    raise StoreError(f"{path}: the index holds {store.dim}-dimensional vectors, not {dim}.")
                return store
            store = cls(path=str(path), dim=dim)
            store._shard = _open_shard(path, dim)
            _OPEN_SHARDS[path] = store
            return store

    @classmethod
    def class_name(cls) -> str:
        return "EdgeVectorStore"

    @property
    def client(self) -> Any:
        return self._shard

    def add(self, nodes: Sequence[BaseNode], **kwargs: Any) -> list[str]:
        from llama_index.core.schema import MetadataMode
        from llama_index.core.vector_stores.utils import node_to_metadata_dict

        points = []
        for node in nodes:
            sparse = self._encoder.encode_document(node.get_content(MetadataMode.EMBED))
            vector = {DENSE: list(node.get_embedding())}
            if sparse.indices:
                vector[SPARSE] = E.SparseVector(indices=sparse.indices, values=sparse.values)
            payload = node_to_metadata_dict(node, remove_text=False, flat_metadata=False)
            points.append(E.Point(id=node.node_id, vector=vector, payload=payload))
        with self._lock:
            for i in range(0, len(points), 256):
                self._shard.update(E.UpdateOperation.upsert_points(points[i : i + 256]))
        return [n.node_id for n in nodes]

    def delete(self, ref_doc_id: str, **kwargs: Any) -> None:
        self._delete_filter(E.Filter(must=[E.FieldCondition(key="doc_id", match=E.MatchValue(ref_doc_id))]))

    def delete_nodes(self, node_ids: list[str] | None = None, filters: MetadataFilters | None = None,
                     **kwargs: Any) -> None:
        with self._lock:
            if node_ids:
                self._shard.update(E.UpdateOperation.delete_points(list(node_ids)))
        if filters is not None:
            self._delete_filter(_edge_metadata_filter(filters))

    def clear(self) -> None:
        self._delete_filter(E.Filter())

    def _delete_filter(self, flt: Any) -> None:
        with self._lock:
            self._shard.update(E.UpdateOperation.delete_points_by_filter(flt))

    def node_ids(self, doc_id: str) -> set[str]:
        flt = E.Filter(must=[E.FieldCondition(key="doc_id", match=E.MatchValue(doc_id))])
        return {str(r.id) for r in self._scroll(flt, with_payload=False)}

    def doc_ids(self) -> set[str]:
        with self._lock:
            hits = self._shard.facet(E.FacetRequest(key="doc_id", limit=100_000, exact=True))
        return {str(h.value) for h in hits if h.count > 0}  # a deleted document stays in the facet, with 0

    def count(self) -> int:
        with self._lock:
            return int(self._shard.count(E.CountRequest(exact=True)))

    def get_nodes(self, node_ids: list[str] | None = None, filters: MetadataFilters | None = None,
                  **kwargs: Any) -> list[BaseNode]:
        from llama_index.core.vector_stores.utils import metadata_dict_to_node

        if node_ids is not None:
            with self._lock:
                records = self._shard.retrieve(list(node_ids), True, False)
        else:
            records = self._scroll(_edge_metadata_filter(filters) if filters else None, with_payload=True)
        return [metadata_dict_to_node(dict(r.payload)) for r in records]

    def _scroll(self, flt: Any, with_payload: bool) -> list[Any]:
        out, offset = [], None
        while True:
            with self._lock:
                page, offset = self._shard.scroll(
                    E.ScrollRequest(offset=offset, limit=1000, filter=flt, with_payload=with_payload, with_vector=False)
                )
            out.extend(page)
            if offset is None:
                return out

    def search(self, dense: np.ndarray | None, sparse: SparseVec | None, limit: int,
               filters: SearchFilters = SearchFilters(), mode: SearchMode = "hybrid",
               weights: tuple[float, float] = (1.0, 1.0), prefetch: int = 50) -> list[Hit]:
        """Dense, sparse or hybrid (weighted RRF inside the engine) search."""
        return self._search(dense, sparse, limit, _edge_filter(filters), mode, weights, prefetch)

    def _search(self, dense, sparse, limit, flt, mode, weights, prefetch) -> list[Hit]:
        plan = plan_search(dense, sparse, limit, mode, weights, prefetch)
        if plan is None:
            return []
        queries = [E.Query.Nearest(v if name == DENSE else E.SparseVector(indices=v.indices, values=v.values), using=name)
                   for name, v, _ in plan.stages]
        if not plan.fused:
            request = E.QueryRequest(limit=plan.fetch, query=queries[0], filter=flt, with_payload=True)
        else:
            request = E.QueryRequest(
                limit=plan.fetch,
                prefetches=[E.Prefetch(limit=plan.prefetch, query=q, filter=flt) for q in queries],
                query=E.Fusion.Rrf(k=RRF_K, weights=[w for _, _, w in plan.stages]),
                filter=flt,
                with_payload=True,
            )
        with self._lock:
            points = self._shard.query(request)
        return plan.hits(points)

    def query(self, query: VectorStoreQuery, **kwargs: Any) -> VectorStoreQueryResult:
        """LlamaIndex query: DEFAULT (dense), SPARSE or HYBRID (RRF) over ``query_embedding``/``query_str``."""
        from llama_index.core.vector_stores.types import VectorStoreQueryMode, VectorStoreQueryResult
        from llama_index.core.vector_stores.utils import metadata_dict_to_node

        modes = {VectorStoreQueryMode.DEFAULT: "dense", VectorStoreQueryMode.SPARSE: "sparse",
                 VectorStoreQueryMode.HYBRID: "hybrid"}
        if query.mode not in modes:
            raise ValueError(f"EdgeVectorStore supports query modes {[m.value for m in modes]}, got {query.mode.value!r}")
        sparse = self._encoder.encode_query(query.query_str) if query.query_str else None
        dense = np.asarray(query.query_embedding, np.float32) if query.query_embedding is not None else None
        flt = _edge_metadata_filter(query.filters) if query.filters else None
        hits = self._search(dense, sparse, query.similarity_top_k, flt, modes[query.mode], (1.0, 1.0), 50)
        nodes = [metadata_dict_to_node(h.payload) for h in hits]
        return VectorStoreQueryResult(nodes=nodes, similarities=[h.score for h in hits], ids=[h.id for h in hits])

    def flush(self) -> None:
        with self._lock:
            self._shard.flush()

    def reload(self) -> None:
        """Load the shard again from disk. Qdrant counts replaced and deleted points in its sparse IDF
        statistics until a segment is rebuilt; loading rebuilds them, so BM25 scores after an update
        equal those of a fresh build. Readers wait on the lock meanwhile."""
        with self._lock:
            self._shard.flush()
            self._shard.close()
            self._shard = _open_shard(Path(self.path), self.dim)

    def close(self) -> None:
        with _OPEN_LOCK:
            if self._shard is not None:
                self._shard.close()
                self._shard = None
            _OPEN_SHARDS.pop(Path(self.path), None)


def open_in_this_process(path: Path) -> bool:
    """Whether this process has the shard at ``path`` open (``EdgeVectorStore.open`` returns that one)."""
    store = _OPEN_SHARDS.get(path.resolve())
    return store is not None and store._shard is not None


def _open_shard(path: Path, dim: int) -> Any:
    config = E.EdgeConfig(
        vectors={DENSE: E.EdgeVectorParams(size=dim, distance=E.Distance.Cosine)},
        sparse_vectors={SPARSE: E.EdgeSparseVectorParams(modifier=E.Modifier.Idf)},
    )
    try:
        if (path / "segments").is_dir():
            return E.EdgeShard.load(str(path), config)
        path.mkdir(parents=True, exist_ok=True)
        shard = E.EdgeShard.create(str(path), config)
        for field in KEYWORD_FIELDS:
            shard.update(E.UpdateOperation.create_field_index(field, E.PayloadSchemaType.Keyword))
        return shard
    except Exception as exc:  # the engine raises bare Exception with a message
        message = str(exc)
        if "WouldBlock" in message:
            raise IndexLockedError(path) from exc
        if "incompatible" in message.lower():
            raise StoreError(
                f"{path}: the index was built with another embedder ({message}). "
                "Run `cds ingest --rebuild` to rebuild it."
            ) from exc
        raise StoreError(f"{path}: cannot open the embedded index: {message}") from exc


def _edge_filter(filters: SearchFilters) -> Any:
    conditions = filters.conditions()
    if not conditions:
        return None
    return E.Filter(must=[E.FieldCondition(key=k, match=E.MatchAny(v)) for k, v in conditions])


def _edge_metadata_filter(filters: MetadataFilters) -> Any:
    from llama_index.core.vector_stores.types import FilterOperator, MetadataFilters

    conditions = []
    for f in filters.filters:
        if isinstance(f, MetadataFilters) or f.operator not in (FilterOperator.EQ, FilterOperator.IN):
            raise ValueError("EdgeVectorStore supports flat EQ and IN metadata filters only")
        values = f.value if isinstance(f.value, list) else [f.value]
        conditions.append(E.FieldCondition(key=f.key, match=E.MatchAny(values)))
    if str(getattr(filters.condition, "value", filters.condition)) == "or":
        return E.Filter(should=conditions)
    return E.Filter(must=conditions)


def open_store(settings: Settings, dim: int) -> IndexStore:
    """The index the settings point at: a Qdrant server/local-mode collection, or the embedded shard."""
    if settings.qdrant_url or settings.qdrant_path:
        from ingest.index_server import ServerVectorStore  # qdrant-client: imported only in server mode

        return ServerVectorStore.connect(settings)
    return EdgeVectorStore.open(settings.index_dir, dim)
