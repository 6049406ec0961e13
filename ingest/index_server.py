"""Server mode of the index: LlamaIndex's QdrantVectorStore over qdrant-client, same schema and
ranking as the embedded Qdrant Edge shard (ingest/index.py)."""

from __future__ import annotations

import numpy as np
from llama_index.vector_stores.qdrant import QdrantVectorStore
from qdrant_client import QdrantClient
from qdrant_client import models as qm

from ingest.errors import StoreError
from ingest.index import DENSE, KEYWORD_FIELDS, RRF_K, SPARSE, Hit, SearchFilters, SearchMode, plan_search
from ingest.settings import Settings
from ingest.sparse import Bm25Encoder, SparseVec


class ServerVectorStore(QdrantVectorStore):
    """LlamaIndex's QdrantVectorStore with this project's schema, plus in-engine RRF hybrid search.

    LlamaIndex's own HYBRID query fuses dense and sparse results in Python with relative-score
    fusion; ``search`` instead asks Qdrant for weighted RRF over two prefetches, exactly as the
    embedded engine does, so both engines rank identically.
    """

    @classmethod
    def connect(cls, settings: Settings) -> "ServerVectorStore":
        if settings.qdrant_url:
            client = QdrantClient(url=settings.qdrant_url, api_key=settings.qdrant_api_key, timeout=30)
        elif settings.qdrant_path:
            client = QdrantClient(path=str(settings.qdrant_path))
        else:
            raise StoreError("ServerVectorStore needs CDS_QDRANT_URL (a Qdrant server) or CDS_QDRANT_PATH (local mode).")
        encoder = Bm25Encoder()

        def doc_fn(texts: list[str]) -> tuple[list[list[int]], list[list[float]]]:
            vecs = [encoder.encode_document(t) for t in texts]
            return [v.indices for v in vecs], [v.values for v in vecs]

        def query_fn(texts: list[str]) -> tuple[list[list[int]], list[list[float]]]:
            vecs = [encoder.encode_query(t) for t in texts]
            return [v.indices for v in vecs], [v.values for v in vecs]

        try:
            return cls(
                collection_name=settings.collection,
                client=client,
                enable_hybrid=True,
                dense_vector_name=DENSE,
                sparse_vector_name=SPARSE,
                sparse_doc_fn=doc_fn,
                sparse_query_fn=query_fn,
                sparse_config=qm.SparseVectorParams(modifier=qm.Modifier.IDF),
                payload_indexes=[{"field_name": f, "field_schema": qm.PayloadSchemaType.KEYWORD} for f in KEYWORD_FIELDS],
                batch_size=256,
            )
        except Exception as exc:
            raise StoreError(f"Qdrant at {settings.qdrant_url or settings.qdrant_path} is not reachable: {exc}") from exc

    @classmethod
    def class_name(cls) -> str:
        return "ServerVectorStore"

    def _exists(self) -> bool:
        return self._client.collection_exists(self.collection_name)

    def node_ids(self, doc_id: str) -> set[str]:
        if not self._exists():
            return set()
        flt = qm.Filter(must=[qm.FieldCondition(key="doc_id", match=qm.MatchValue(value=doc_id))])
        ids, offset = set(), None
        while True:
            page, offset = self._client.scroll(self.collection_name, scroll_filter=flt, limit=1000, offset=offset,
                                               with_payload=False, with_vectors=False)
            ids.update(str(p.id) for p in page)
            if offset is None:
                return ids

    def doc_ids(self) -> set[str]:
        if not self._exists():
            return set()
        result = self._client.facet(self.collection_name, key="doc_id", limit=100_000, exact=True)
        return {str(h.value) for h in result.hits if h.count > 0}

    def count(self) -> int:
        return self._client.count(self.collection_name, exact=True).count if self._exists() else 0

    def search(self, dense: np.ndarray | None, sparse: SparseVec | None, limit: int,
               filters: SearchFilters = SearchFilters(), mode: SearchMode = "hybrid",
               weights: tuple[float, float] = (1.0, 1.0), prefetch: int = 50) -> list[Hit]:
        """Same contract as ``EdgeVectorStore.search``."""
        plan = plan_search(dense, sparse, limit, mode, weights, prefetch)
        if plan is None or not self._exists():
            return []
        conditions = filters.conditions()
        flt = qm.Filter(must=[qm.FieldCondition(key=k, match=qm.MatchAny(any=v)) for k, v in conditions]) if conditions else None
        queries = [(v if name == DENSE else qm.SparseVector(indices=v.indices, values=v.values), name)
                   for name, v, _ in plan.stages]
        if not plan.fused:
            query, using = queries[0]
            response = self._client.query_points(self.collection_name, query=query, using=using, limit=plan.fetch,
                                                 query_filter=flt, with_payload=True)
        else:
            response = self._client.query_points(
                self.collection_name,
                prefetch=[qm.Prefetch(query=q, using=u, limit=plan.prefetch, filter=flt) for q, u in queries],
                query=qm.RrfQuery(rrf=qm.Rrf(k=RRF_K, weights=[w for _, _, w in plan.stages])),
                query_filter=flt,
                limit=plan.fetch,
                with_payload=True,
            )
        return plan.hits(response.points)

    def flush(self) -> None:
        """Qdrant servers persist on write; nothing to do."""

    def reload(self) -> None:
        """A server rebuilds its segments (and IDF statistics) with its own vacuum optimizer; nothing to do."""

    def close(self) -> None:
        self._client.close()
