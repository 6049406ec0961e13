"""The LlamaIndex fit: chunks as TextNodes, the embedder as a BaseEmbedding, hybrid retrieval as a
BaseRetriever inside a query engine, the server collection read by plain LlamaIndex code, and the
Qdrant Edge shard as a LlamaIndex vector store."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from llama_index.core import VectorStoreIndex
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.llms import MockLLM
from llama_index.core.query_engine import RetrieverQueryEngine
from llama_index.core.response_synthesizers.no_text import NoText
from llama_index.core.schema import MetadataMode, NodeRelationship, TextNode
from llama_index.core.vector_stores.types import (
    FilterCondition,
    FilterOperator,
    MetadataFilter,
    MetadataFilters,
    VectorStoreQuery,
    VectorStoreQueryMode,
)
from llama_index.vector_stores.qdrant import QdrantVectorStore

from assistant.engine.retrieve import Retriever
from assistant.llama import CdsEmbedding, CdsRetriever
from ingest.chunk import chunk_document
from ingest.index import SearchFilters
from ingest.nodes import chunks_to_nodes
from ingest.pipeline import CorpusIndex
from ingest.sparse import Bm25Encoder

pytestmark = pytest.mark.slow

TABLE_DOC = "danh-muc-nhiem-vu-2026-2030"
QUESTION = "Nhiệm vụ xây dựng Hệ thống phòng vệ mạng quốc gia do ai chủ trì?"  # 002, area IV, row 6


def _rebuilt_nodes(index: CorpusIndex, doc_id: str) -> tuple[list, list[TextNode]]:
    """The chunks and nodes of a stored document, computed again from its stored text and clause tree."""
    doc = index.docstore.get(doc_id)
    chunks = chunk_document(doc.meta.id, doc.meta.short_title or doc.meta.title, doc.text, doc.parsed,
                            index.settings.chunk_max_chars)
    return chunks, chunks_to_nodes(chunks, doc.meta, doc.norm)


# --- TextNode -----------------------------------------------------------------------------------


@pytest.mark.parametrize("doc_id", [TABLE_DOC, "huong-dan-kh-cds-cap-xa", "luat-anm-2018"])
def test_text_nodes_link_to_their_document_and_neighbours(corpus_index: CorpusIndex, doc_id: str):
    chunks, nodes = _rebuilt_nodes(corpus_index, doc_id)
    assert [n.node_id for n in nodes] == list(corpus_index.docstore.get(doc_id).node_ids)
    for i, (chunk, node) in enumerate(zip(chunks, nodes)):
        assert node.get_content(MetadataMode.EMBED) == chunk.embed_text
        assert node.get_content(MetadataMode.NONE) == chunk.text
        llm_view = node.get_content(MetadataMode.LLM)
        assert node.metadata["short_title"] in llm_view and chunk.clause_label in llm_view
        assert node.relationships[NodeRelationship.SOURCE].node_id == doc_id
        assert (node.start_char_idx, node.end_char_idx) == (chunk.start, chunk.end)
        if i:
            assert node.relationships[NodeRelationship.PREVIOUS].node_id == nodes[i - 1].node_id
        else:
            assert NodeRelationship.PREVIOUS not in node.relationships
        if i + 1 < len(nodes):
            assert node.relationships[NodeRelationship.NEXT].node_id == nodes[i + 1].node_id
        else:
            assert NodeRelationship.NEXT not in node.relationships


def test_nodes_read_back_from_the_index_are_the_nodes_written(corpus_index: CorpusIndex):
    _, nodes = _rebuilt_nodes(corpus_index, TABLE_DOC)
    stored = {n.node_id: n for n in corpus_index.store.get_nodes([n.node_id for n in nodes])}
    assert set(stored) == {n.node_id for n in nodes}
    for node in nodes:
        back = stored[node.node_id]
        assert isinstance(back, TextNode)
        assert back.text == node.text and back.metadata == node.metadata
        assert back.get_content(MetadataMode.EMBED) == node.get_content(MetadataMode.EMBED)
        assert {k: v.node_id for k, v in back.relationships.items()} == {k: v.node_id for k, v in node.relationships.items()}


# --- BaseEmbedding ------------------------------------------------------------------------------


def test_cds_embedding_is_a_llamaindex_embedding(corpus_index: CorpusIndex):
    embedder = corpus_index.embedder
    model = CdsEmbedding(embedder)
    assert isinstance(model, BaseEmbedding) and model.model_name == embedder.name
    query = "Kế hoạch chuyển đổi số cấp xã"
    np.testing.assert_allclose(model.get_query_embedding(query), embedder.embed_batch([query], True)[0], atol=1e-6)
    np.testing.assert_allclose(asyncio.run(model.aget_query_embedding(query)), embedder.embed_batch([query], True)[0],
                               atol=1e-6)
    texts = ["Nhân lực số", "Hạ tầng số"]
    np.testing.assert_allclose(model.get_text_embedding_batch(texts), embedder.embed_batch(texts, False), atol=1e-6)
    np.testing.assert_allclose(model.get_text_embedding(texts[0]), embedder.embed_batch(texts[:1], False)[0], atol=1e-6)


# --- BaseRetriever in a query engine ------------------------------------------------------------


def test_cds_retriever_inside_a_retriever_query_engine(corpus_index: CorpusIndex):
    retriever = Retriever(corpus_index)
    # response_mode="no_text": retrieval only, the LLM is never called. (from_args(response_mode="no_text")
    # drops its llm argument and falls back to OpenAI; MockLLM is LlamaIndex's own "no LLM" stand-in.)
    engine = RetrieverQueryEngine(CdsRetriever(retriever, k=5), response_synthesizer=NoText(llm=MockLLM()))
    response = engine.query(QUESTION)
    assert response.response is None or response.response == ""
    expected = retriever.search(QUESTION, k=5).passages
    assert [n.node.node_id for n in response.source_nodes] == [p.node_id for p in expected]
    assert [n.score for n in response.source_nodes] == pytest.approx([p.score for p in expected])
    top = response.source_nodes[0].node
    assert (top.metadata["doc_id"], top.metadata["clause_id"]) == (TABLE_DOC, "IV/6")
    assert "Bộ Công an" in top.get_content()


def test_cds_retriever_applies_its_filters(corpus_index: CorpusIndex):
    retriever = CdsRetriever(Retriever(corpus_index), k=6, filters=SearchFilters(kinds=("task",)))
    nodes = retriever.retrieve("an toàn, an ninh mạng")
    assert len(nodes) == 6
    assert {(n.node.metadata["doc_id"], n.node.metadata["kind"]) for n in nodes} == {("du-thao-kh-cds-qg-2025", "task")}


# --- the server collection, read by a user's own LlamaIndex code --------------------------------


def _bm25_query_fn(texts: list[str]) -> tuple[list[list[int]], list[list[float]]]:
    vectors = [Bm25Encoder().encode_query(t) for t in texts]
    return [v.indices for v in vectors], [v.values for v in vectors]


def test_plain_qdrant_vector_store_reads_the_server_collection(server_index: CorpusIndex):
    store = QdrantVectorStore(client=server_index.store.client, collection_name=server_index.settings.collection,
                              dense_vector_name="dense", sparse_vector_name="bm25", enable_hybrid=False)
    index = VectorStoreIndex.from_vector_store(store, embed_model=CdsEmbedding(server_index.embedder))
    results = index.as_retriever(similarity_top_k=5).retrieve(QUESTION)
    vector = server_index.embedder.embed_batch([QUESTION], is_query=True)[0]
    ours = server_index.store.search(vector, None, 5, mode="dense")
    assert [r.node.node_id for r in results] == [h.id for h in ours]
    assert [r.score for r in results] == pytest.approx([h.score for h in ours], rel=1e-5)
    stored = {n.node_id: n for n in server_index.store.get_nodes([h.id for h in ours])}
    assert all(r.node.get_content() == stored[r.node.node_id].get_content() for r in results)


def test_plain_qdrant_vector_store_hybrid_finds_the_table_row(server_index: CorpusIndex):
    store = QdrantVectorStore(client=server_index.store.client, collection_name=server_index.settings.collection,
                              dense_vector_name="dense", sparse_vector_name="bm25", enable_hybrid=True,
                              sparse_query_fn=_bm25_query_fn, sparse_doc_fn=_bm25_query_fn)
    index = VectorStoreIndex.from_vector_store(store, embed_model=CdsEmbedding(server_index.embedder))
    retriever = index.as_retriever(similarity_top_k=5, sparse_top_k=20, vector_store_query_mode="hybrid")
    top = retriever.retrieve(QUESTION)[0].node
    assert (top.metadata["doc_id"], top.metadata["clause_id"]) == (TABLE_DOC, "IV/6")


# --- the edge shard as a LlamaIndex vector store ------------------------------------------------


@pytest.mark.parametrize(("mode", "ours"), [(VectorStoreQueryMode.DEFAULT, "dense"),
                                            (VectorStoreQueryMode.SPARSE, "sparse"),
                                            (VectorStoreQueryMode.HYBRID, "hybrid")])
def test_edge_vector_store_query_modes(corpus_index: CorpusIndex, mode, ours):
    query = "Bố trí quỹ đất cho các Trung tâm dữ liệu"
    embedding = corpus_index.embedder.embed_batch([query], is_query=True)[0]
    result = corpus_index.store.query(VectorStoreQuery(query_embedding=embedding.tolist(), query_str=query,
                                                       similarity_top_k=8, mode=mode))
    expected = corpus_index.store.search(embedding, Bm25Encoder().encode_query(query), 8, mode=ours)
    assert result.ids == [h.id for h in expected]
    assert result.similarities == pytest.approx([h.score for h in expected])
    assert [n.node_id for n in result.nodes] == result.ids and all(isinstance(n, TextNode) for n in result.nodes)
    if mode != VectorStoreQueryMode.DEFAULT:
        assert (result.nodes[0].metadata["doc_id"], result.nodes[0].metadata["clause_id"]) == (TABLE_DOC, "II/4")


def test_edge_vector_store_metadata_filters(corpus_index: CorpusIndex):
    store = corpus_index.store
    query = "an ninh mạng"
    embedding = corpus_index.embedder.embed_batch([query], is_query=True)[0].tolist()

    def run(filters: MetadataFilters, mode=VectorStoreQueryMode.HYBRID) -> list[TextNode]:
        return store.query(VectorStoreQuery(query_embedding=embedding, query_str=query, similarity_top_k=10,
                                            mode=mode, filters=filters)).nodes

    eq = run(MetadataFilters(filters=[MetadataFilter(key="doc_id", value="luat-anm-2018")]))
    assert len(eq) == 10 and {n.metadata["doc_id"] for n in eq} == {"luat-anm-2018"}
    in_ = run(MetadataFilters(filters=[MetadataFilter(key="kind", value=["task", "table_row"], operator=FilterOperator.IN)]))
    assert len(in_) == 10 and {n.metadata["kind"] for n in in_} <= {"task", "table_row"}
    both = run(MetadataFilters(filters=[MetadataFilter(key="status", value="draft"),
                                        MetadataFilter(key="level", value="quốc gia")]), VectorStoreQueryMode.SPARSE)
    assert both and {n.metadata["doc_id"] for n in both} <= {TABLE_DOC, "du-thao-kh-cds-qg-2025"}
    either = run(MetadataFilters(filters=[MetadataFilter(key="doc_id", value="luat-anm-2018"),
                                          MetadataFilter(key="level", value="xã")], condition=FilterCondition.OR))
    assert {n.metadata["doc_id"] for n in either} <= {"luat-anm-2018", "huong-dan-kh-cds-cap-xa"}
    with pytest.raises(ValueError, match="EQ and IN"):
        run(MetadataFilters(filters=[MetadataFilter(key="seq", value=3, operator=FilterOperator.GT)]))
    with pytest.raises(ValueError, match="query modes"):
        run(MetadataFilters(filters=[]), VectorStoreQueryMode.MMR)


def test_vector_store_index_over_the_edge_shard(corpus_index: CorpusIndex):
    index = VectorStoreIndex.from_vector_store(corpus_index.store, embed_model=CdsEmbedding(corpus_index.embedder))
    filters = MetadataFilters(filters=[MetadataFilter(key="doc_id", value="huong-dan-kh-cds-cap-xa")])
    results = index.as_retriever(similarity_top_k=3, filters=filters).retrieve(
        "Triển khai hệ thống điều hành thông minh cấp xã")
    assert len(results) == 3 and {r.node.metadata["doc_id"] for r in results} == {"huong-dan-kh-cds-cap-xa"}
    assert any("COC" in r.node.get_content() for r in results)
