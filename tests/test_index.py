"""The Qdrant collection on both engines: schema, payload, keyword indexes, filters, and the same top 10.

The embedded engine (a Qdrant Edge shard) is the session's ``corpus_index``; the server code path
(``ServerVectorStore`` over qdrant-client) runs against qdrant-client's local mode, ``server_index``.
Both are built from the real corpus with the real embedder.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
import qdrant_edge as E
from qdrant_client import models as qm

from assistant.engine.retrieve import Retriever
from ingest.errors import StoreError
from ingest.index import DENSE, KEYWORD_FIELDS, SPARSE, EdgeVectorStore, SearchFilters
from ingest.pipeline import CorpusIndex

pytestmark = pytest.mark.slow

# Real questions of the three kinds of users, with and without diacritics and abbreviations.
QUERIES = [
    "Nhiệm vụ xây dựng Hệ thống phòng vệ mạng quốc gia do ai chủ trì?",
    "Kế hoạch chuyển đổi số cấp xã gồm những nội dung gì?",
    "Giao dịch điện tử là gì?",
    "Các hành vi bị nghiêm cấm về an ninh mạng",
    "chữ ký điện tử chuyên dùng công vụ",
    "Ai chủ trì xây dựng Khung năng lực số quốc gia?",
    "Bố trí quỹ đất cho trung tâm dữ liệu",
    "mục tiêu phủ sóng 5G năm 2025",
    "đánh giá mô hình ngôn ngữ lớn LLM",
    "tỷ lệ người dân hài lòng với dịch vụ công trực tuyến giai đoạn 2028-2030",
    "Kinh phí thực hiện kế hoạch chuyển đổi số cấp xã lấy từ đâu?",
    "hệ thống điều hành thông minh cấp xã COC",
    "Nghị quyết 57-NQ/TW đặt mục tiêu chi cho nghiên cứu phát triển bao nhiêu phần trăm GDP?",
    "Luật An ninh mạng có hiệu lực từ ngày nào?",
    "ke hoach chuyen doi so nam 2025",
    "UBND xã làm gì để phát triển kinh tế số?",
    "CSDL quốc gia về đất đai",
    "phê duyệt cấp độ an toàn hệ thống thông tin",
    "chống thư rác",
    "Bộ chỉ số đánh giá chuyển đổi số DTI",
    "dữ liệu mở của cơ quan nhà nước",
    "Tổ công nghệ số cộng đồng",
    "hợp đồng điện tử được giao kết như thế nào",
    "Ban Chỉ đạo Trung ương về phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số",
]


def _edge_payloads(index: CorpusIndex) -> dict[str, dict[str, Any]]:
    records, _ = index.store.client.scroll(E.ScrollRequest(limit=100_000, with_payload=True, with_vector=False))
    return {str(r.id): dict(r.payload) for r in records}


def _server_payloads(index: CorpusIndex) -> dict[str, dict[str, Any]]:
    points, _ = index.store.client.scroll(index.settings.collection, limit=100_000, with_payload=True)
    return {str(p.id): dict(p.payload) for p in points}


# --- schema -------------------------------------------------------------------------------------


def test_edge_schema_dense_cosine_and_sparse_bm25_with_idf(corpus_index: CorpusIndex):
    config = json.loads((corpus_index.settings.index_dir / "edge_config.json").read_text())
    assert config["vectors"] == {DENSE: {"size": 384, "distance": "Cosine"}}
    assert config["sparse_vectors"] == {SPARSE: {"modifier": "idf"}}


def test_edge_keyword_indexes_cover_every_point(corpus_index: CorpusIndex):
    info = corpus_index.store.client.info()
    assert info.points_count == corpus_index.store.count() > 500
    schema = info.payload_schema
    assert set(KEYWORD_FIELDS) <= set(schema)
    for field in KEYWORD_FIELDS:
        assert schema[field].data_type == E.PayloadSchemaType.Keyword, field
        assert schema[field].points == info.points_count, field


def test_server_schema_is_the_same(server_index: CorpusIndex, corpus_index: CorpusIndex):
    collection = server_index.store.client.get_collection(server_index.settings.collection)
    params = collection.config.params
    assert set(params.vectors) == {DENSE}
    assert (params.vectors[DENSE].size, params.vectors[DENSE].distance) == (384, qm.Distance.COSINE)
    assert set(params.sparse_vectors) == {SPARSE}
    assert params.sparse_vectors[SPARSE].modifier == qm.Modifier.IDF
    # qdrant-client's local mode keeps no payload indexes (a server does); the points are the same.
    assert collection.points_count == server_index.store.count() == corpus_index.store.count()


# --- payload ------------------------------------------------------------------------------------


def test_payload_fields_point_back_into_the_stored_documents(corpus_index: CorpusIndex):
    payloads = _edge_payloads(corpus_index)
    documents = {d.meta.id: d for d in corpus_index.docstore.documents()}
    assert {p["doc_id"] for p in payloads.values()} == set(documents)
    for point_id, p in payloads.items():
        doc = documents[p["doc_id"]]
        assert point_id in doc.node_ids
        assert p["doc_title"] == doc.meta.title
        assert p["short_title"] == (doc.meta.short_title or doc.meta.title)
        assert p["doc_kind"] == doc.meta.kind and p["status"] == doc.meta.status
        assert p["level"] == doc.meta.level and p["period"] == doc.meta.period and p["number"] == doc.meta.number
        assert p["kind"] in ("text", "table_row", "task")
        clauses = doc.parsed.by_id()
        assert p["clause_id"] in clauses and set(p["clause_ids"]) <= set(clauses)
        assert p["clause_id"] in p["clause_ids"] or not p["clause_ids"]
        assert p["clause_label"] == clauses[p["clause_id"]].label
        assert p["breadcrumb"].startswith(doc.meta.short_title or doc.meta.title)
        text = json.loads(p["_node_content"])["text"]
        assert text == doc.text[p["start"] : p["end"]]  # the citation contract: offsets into the stored text
        assert (p["source_start"], p["source_end"]) == doc.norm.source_span(p["start"], p["end"])
    kinds = {(p["doc_id"], p["kind"]) for p in payloads.values()}
    assert ("danh-muc-nhiem-vu-2026-2030", "table_row") in kinds and ("du-thao-kh-cds-qg-2025", "task") in kinds


def test_both_engines_hold_the_same_points_and_payloads(corpus_index: CorpusIndex, server_index: CorpusIndex):
    edge, server = _edge_payloads(corpus_index), _server_payloads(server_index)
    assert set(edge) == set(server)
    for point_id, payload in edge.items():
        assert payload == server[point_id], point_id


# --- filters ------------------------------------------------------------------------------------

FILTER_CASES = [
    (SearchFilters(doc_ids=("luat-anm-2018",)), lambda p, d: p.doc_id == "luat-anm-2018"),
    (SearchFilters(doc_ids=("luat-anm-2018", "nq-57-nq-tw")), lambda p, d: p.doc_id in ("luat-anm-2018", "nq-57-nq-tw")),
    (SearchFilters(kinds=("table_row",)), lambda p, d: p.kind == "table_row" and p.doc_id == "danh-muc-nhiem-vu-2026-2030"),
    (SearchFilters(kinds=("task",)), lambda p, d: p.kind == "task" and p.doc_id == "du-thao-kh-cds-qg-2025"),
    (SearchFilters(statuses=("draft",)), lambda p, d: d[p.doc_id].meta.status == "draft"),
    (SearchFilters(levels=("xã",)), lambda p, d: p.doc_id == "huong-dan-kh-cds-cap-xa"),
    (SearchFilters(levels=("tỉnh",), statuses=("in_force",)), lambda p, d: p.doc_id == "cv-3816-btttt-cdsqg"),
    (SearchFilters(doc_kinds=("law",), kinds=("text",)), lambda p, d: d[p.doc_id].meta.kind == "law"),
]


@pytest.mark.parametrize("mode", ["hybrid", "dense", "sparse"])
@pytest.mark.parametrize(("filters", "holds"), FILTER_CASES, ids=[str(i) for i in range(len(FILTER_CASES))])
def test_filters_restrict_on_both_engines(corpus_index, server_index, filters, holds, mode):
    documents = {d.meta.id: d for d in corpus_index.docstore.documents()}
    query = "chuyển đổi số an toàn thông tin dữ liệu"
    edge = Retriever(corpus_index).search(query, k=20, filters=filters, mode=mode).passages
    server = Retriever(server_index).search(query, k=20, filters=filters, mode=mode).passages
    assert edge, "a filter that matches documents must return passages"
    assert all(holds(p, documents) for p in edge)
    assert [p.node_id for p in edge] == [p.node_id for p in server]


@pytest.mark.parametrize("engine", ["corpus_index", "server_index"])
def test_a_document_filter_returns_exactly_that_documents_points(request, engine):
    index: CorpusIndex = request.getfixturevalue(engine)
    doc = index.docstore.get("huong-dan-kh-cds-cap-xa")
    k = len(doc.node_ids)
    passages = Retriever(index).search("kế hoạch", k=k, filters=SearchFilters(doc_ids=(doc.meta.id,)), mode="dense").passages
    assert {p.node_id for p in passages} == set(doc.node_ids)


# --- edge vs server: the same top 10 ------------------------------------------------------------


@pytest.mark.parametrize("mode", ["dense", "sparse", "hybrid"])
def test_edge_and_server_return_the_same_top_10(corpus_index, server_index, mode):
    assert len(QUERIES) >= 20
    edge, server = Retriever(corpus_index), Retriever(server_index)
    for query in QUERIES:
        a = edge.search(query, k=10, mode=mode).passages
        b = server.search(query, k=10, mode=mode).passages
        assert len(a) == 10, query
        assert [p.node_id for p in a] == [p.node_id for p in b], query
        assert [p.score for p in a] == pytest.approx([p.score for p in b], rel=1e-4), query


# --- opening the shard --------------------------------------------------------------------------


def test_one_store_per_shard_per_process(corpus_index: CorpusIndex):
    assert EdgeVectorStore.open(corpus_index.settings.index_dir, 384) is corpus_index.store


def test_opening_with_another_dimension_is_refused(corpus_index: CorpusIndex):
    with pytest.raises(StoreError, match="384-dimensional vectors, not 768"):
        EdgeVectorStore.open(corpus_index.settings.index_dir, 768)


def test_a_second_process_gets_a_clear_error(corpus_index: CorpusIndex):
    code = (
        "import sys; from pathlib import Path; from ingest.index import EdgeVectorStore; from ingest.errors import StoreError\n"
        "try:\n    EdgeVectorStore.open(Path(sys.argv[1]), 384)\nexcept StoreError as exc:\n    print(exc); sys.exit(3)\n"
    )
    run = subprocess.run([sys.executable, "-c", code, str(corpus_index.settings.index_dir)],
                         check=False, capture_output=True, text=True, timeout=120)
    assert run.returncode == 3, run.stderr
    assert str(corpus_index.settings.index_dir.resolve()) in run.stdout
    assert "chỉ mục đang được một tiến trình khác mở" in run.stdout and "CDS_QDRANT_URL" in run.stdout
