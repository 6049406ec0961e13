"""Each stage of the answer engine (read, retrieve, select, decide, render) over the real corpus held in memory
(tests/memory_corpus.py: the real parsers and chunker, a hash embedder, exact search): a few seconds, no
index, no model. The same behaviour over the real index is tested in test_answer_scope, test_retrieval,
test_compose and test_abstain."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import qdrant_edge as E

from assistant.engine import (Analysis, Block, Composer, Retriever, SearchResult, named_first, read_query,
                              scope_match, scope_of)
from assistant.engine._amendments import amendments, article_of
from assistant.engine._qtype import ask_parts
from assistant.engine._lexicon import analyse
from assistant.engine._units import document_units as load_units
from assistant.engine.decide import Abstainer
from assistant.engine.read import ArticleRef, scope_phrases
from assistant.engine.select import (SelectionModel, _capped, _lead_asked, _lead_in, _national_plan,
                                     _with_neighbours)
from ingest.index import DENSE, SPARSE, EdgeVectorStore, SearchFilters
from ingest.sparse import Bm25Encoder
from tests.conftest import CORPUS_DIR
from tests.memory_corpus import MemoryCorpus, memory_corpus

TASK_QUESTION = "Nhiệm vụ xây dựng Hệ thống phòng vệ mạng quốc gia do ai chủ trì?"
ARTICLE_QUESTION = "Theo Luật Giao dịch điện tử 2023, khoản 2 Điều 23 quy định gì?"
LIST_QUESTION = "Dịch vụ tin cậy gồm những dịch vụ nào?"


@pytest.fixture(scope="module")
def corpus() -> MemoryCorpus:
    return memory_corpus(CORPUS_DIR)


@pytest.fixture(scope="module")
def retriever(corpus: MemoryCorpus) -> Retriever:
    return Retriever(corpus)


@pytest.fixture(scope="module")
def composer(corpus: MemoryCorpus) -> Composer:
    return Composer(corpus)


def _ground(retriever: Retriever, composer: Composer, question: str) -> tuple[SearchResult, Analysis, list[Block]]:
    """Retrieve, look up a named clause and choose blocks, as ``Assistant.ground`` does."""
    result = retriever.search(question)
    named = composer.lexicon.query(result.query).named_docs
    passages = retriever.with_each_named(result, named)
    target = retriever.named_clause(result.reading, named, passages)
    passages = named_first(target, passages) if target is not None else passages
    analysis = composer.analyse(result.query, passages, result.reading, target, result.similarity)
    return result, analysis, composer.blocks(analysis)


def test_the_memory_store_ranks_and_scores_as_the_embedded_qdrant_engine(corpus: MemoryCorpus, tmp_path: Path):
    """What the fast tests stand on: the same points give the same hits, dense, sparse, fused and filtered."""
    edge = EdgeVectorStore.open(tmp_path / "index", corpus.embedder.dim)
    edge.client.update(E.UpdateOperation.upsert_points([
        E.Point(id=p.id, payload=p.payload, vector={DENSE: p.dense.tolist(), **(
            {SPARSE: E.SparseVector(indices=list(p.sparse), values=list(p.sparse.values()))} if p.sparse else {})})
        for p in corpus.store.points]))
    try:
        for question in (TASK_QUESTION, ARTICLE_QUESTION, "Kế hoạch chuyển đổi số cấp xã cần những nội dung gì?"):
            dense = corpus.embedder.embed_batch([question], is_query=True)[0]
            sparse = Bm25Encoder().encode_query(question)
            for mode, filters in [("hybrid", SearchFilters()), ("dense", SearchFilters()), ("sparse", SearchFilters()),
                                  ("hybrid", SearchFilters(levels=("xã", "tỉnh")))]:
                ours = corpus.store.search(dense, sparse, 20, filters, mode, weights=(0.5, 1.0))
                qdrant = edge.search(dense, sparse, 20, filters, mode, weights=(0.5, 1.0))
                assert [h.id for h in ours] == [h.id for h in qdrant], (question, mode, filters)
                assert [h.score for h in ours] == pytest.approx([h.score for h in qdrant], abs=1e-4)
    finally:
        edge.close()


def test_read_takes_levels_periods_article_section_and_term_from_the_question():
    reading = read_query("Phần Tổ chức thực hiện của kế hoạch cấp tỉnh giai đoạn 2026-2030 viết thế nào?")
    assert reading.levels == ("tỉnh",) and reading.periods == ((2026, 2030),)
    assert read_query("Mục Tổ chức thực hiện trong KH CĐS cấp xã cần viết gì?").section == "Tổ chức thực hiện"
    assert read_query(ARTICLE_QUESTION).article == ArticleRef(23, 2)
    assert read_query("Theo Luật Giao dịch điện tử, chứng thư điện tử là gì?").term == "chứng thư điện tử"
    # defined by a text the question names ("được Luật … định nghĩa"); a bracketed gloss is no part of the term
    assert read_query("Chữ ký điện tử được Luật GDĐT 2023 hiểu thế nào?").term == "Chữ ký điện tử"
    assert read_query("Thẻ mô hình (model card) được Nghị định 142 định nghĩa thế nào?").term == "Thẻ mô hình"
    # a year inside a document number or a date names no period, nor does the year of a law's name
    assert read_query("Luật số 21/2017/QH14 ngày 05/12/2023 sửa Luật CNTT 2006 thế nào?").periods == ()
    assert read_query("Luật ANM 2018 và Luật CNTT 2006 quy định gì về trẻ em?").periods == ()
    assert read_query("Luật Chuyển đổi số có hiệu lực từ 2026, năm 2025 làm gì?").periods == ((2026, 2026), (2025, 2025))
    # a span, a name that goes on into the sentence, "pháp luật": periods still
    assert read_query("Các nhiệm vụ thi hành Luật Chuyển đổi số 2026-2030?").periods == ((2026, 2030),)
    assert read_query("Luật Chuyển đổi số đặt mục tiêu 2030 ra sao?").periods == ((2030, 2030),)
    assert read_query("Văn bản pháp luật mới ban hành 2025 gồm gì?").periods == ((2025, 2025),)
    # a follow-up swaps the question's period, not the law's year
    text = "Luật CNTT 2006 quy định gì về việc này năm 2025?"
    assert [text[a:b] for a, b in scope_phrases(text).periods] == ["năm 2025"]
    text = "còn cấp bộ, tỉnh năm 2025 thì sao?"
    phrases = scope_phrases(text)
    assert [text[a:b] for a, b in phrases.levels] == ["cấp bộ, tỉnh"]
    assert [text[a:b] for a, b in phrases.periods] == ["năm 2025"]


def test_retrieved_passages_point_into_their_documents(corpus: MemoryCorpus, retriever: Retriever):
    passages = retriever.search(TASK_QUESTION, k=8).passages
    assert [p.rank for p in passages] == list(range(1, 9))
    for p in passages:
        assert corpus.docstore.get(p.doc_id).text[p.start:p.end] == p.text


@pytest.mark.parametrize("question", [TASK_QUESTION, "nhiem vu xay dung he thong phong ve mang quoc gia do ai chu tri"])
def test_a_distinctive_phrase_retrieves_its_clause_typed_with_or_without_diacritics(retriever: Retriever,
                                                                                     question: str):
    result = retriever.search(question)
    assert "hệ thống phòng vệ mạng quốc gia" in result.query.casefold()  # restored when typed without diacritics
    assert "Hệ thống phòng vệ mạng quốc gia" in result.passages[0].text


def test_a_named_article_is_looked_up_by_structure(corpus: MemoryCorpus, retriever: Retriever):
    result = retriever.search(ARTICLE_QUESTION)
    target = retriever.named_clause(result.reading, ("luat-gddt-2023",), result.passages)
    doc = corpus.docstore.get("luat-gddt-2023")
    assert target.rank == 1 and target.doc_id == doc.meta.id and target.clause_label == "khoản 2 Điều 23"
    assert target.text == doc.text[target.start:target.end] and target.text.startswith("2.")
    ranked = named_first(target, result.passages)
    assert ranked[0] is target and [p.rank for p in ranked] == list(range(1, len(ranked) + 1))
    # an article the named law does not have is not taken from another document
    missing = retriever.search("Điều 45 Luật An ninh mạng 2018 quy định về vấn đề gì?")
    assert retriever.named_clause(missing.reading, ("luat-anm-2018",), missing.passages) is None


@pytest.mark.parametrize("level", ["xã", "tỉnh"])
def test_the_level_a_question_names_ranks_that_levels_chunks_first(corpus: MemoryCorpus, retriever: Retriever,
                                                                     level: str):
    result = retriever.search(f"Kế hoạch chuyển đổi số cấp {level} cần những nội dung gì?")
    metas = [corpus.docstore.get(p.doc_id).meta for p in result.passages]
    scopes = [scope_of(p.breadcrumb.split(" › "), m.level, m.period) for p, m in zip(result.passages, metas)]
    assert level in scopes[0].levels
    against = [scope_match(result.reading, s) < 0 for s in scopes]
    assert against == sorted(against)  # a chunk for another level ranks below every chunk that is not


@pytest.mark.parametrize("question", [TASK_QUESTION, "Tổ công nghệ số cộng đồng ở thôn gồm những ai?"])
def test_the_first_anchor_comes_from_the_top_ranked_passage(retriever: Retriever, composer: Composer, question: str):
    _, analysis, blocks = _ground(retriever, composer, question)
    top = max((c for c in analysis.candidates if c.passage.rank == 1), key=lambda c: c.learned)
    # no unit of another passage is rated the model's margin higher: the ranker's choice stands
    assert max(c.learned for c in analysis.candidates) <= top.learned + SelectionModel.load().margin
    assert (top.unit.doc_id, top.unit.seq) in {(u.doc_id, u.seq) for u in blocks[0].units}


@pytest.mark.parametrize(("question", "named"), [
    ("Bảo vệ trẻ em trên mạng: Luật ANM 2018 và Luật CNTT 2006 quy định những gì?", {"luat-anm-2018", "luat-cntt-2006"}),
    ("Luật An ninh mạng quy định gì về lực lượng chuyên trách?", {"luat-anm-2018"}),
    ("Luật số 67/2006/QH11 định nghĩa khoảng cách số thế nào?", {"luat-cntt-2006"}),
    ("Công văn 3816 yêu cầu gì về sao lưu dữ liệu?", {"cv-3816-btttt-cdsqg"}),
    # a law's topic words without "Luật" are the question's subject, not a citation
    ("Bảo đảm an ninh mạng cho hạ tầng công nghệ thông tin cấp tỉnh giai đoạn 2026-2030 cần làm gì?", set()),
    # a name's levels may be left out ("Khung KH CĐS cấp bộ, tỉnh 2026-2030"), but not swapped for another
    ("Khung KH CĐS 2026-2030 đặt chỉ tiêu phủ sóng 5G thế nào?", {"khung-kh-cds-2026-2030"}),
    ("Khung KH CĐS cấp tỉnh 2026-2030 đặt chỉ tiêu phủ sóng 5G thế nào?", {"khung-kh-cds-2026-2030"}),
    ("Khung KH CĐS cấp xã 2026-2030 đặt chỉ tiêu phủ sóng 5G thế nào?", set()),
    # the commune guide less "cấp xã" is any guidance on planning: it must be named in full
    ("Hướng dẫn KH CĐS năm 2025 yêu cầu gì về an toàn thông tin?", set()),
])
def test_a_text_is_named_by_its_short_name_or_its_number(composer: Composer, question: str, named: set[str]):
    assert set(composer.lexicon.query(question).named_docs) == named


def test_each_document_a_question_names_has_a_passage(retriever: Retriever, composer: Composer):
    question = "Thời gian khôi phục hệ thống sau sự cố theo Công văn 3816 và theo dự thảo KH CĐS quốc gia 2025?"
    result = retriever.search(question, k=4, filters=SearchFilters(doc_ids=("du-thao-kh-cds-qg-2025",)))
    assert {p.doc_id for p in result.passages} == {"du-thao-kh-cds-qg-2025"}  # one text fills the ranking
    named = composer.lexicon.query(result.query).named_docs
    assert set(named) == {"cv-3816-btttt-cdsqg", "du-thao-kh-cds-qg-2025"}
    # the filter says which texts may answer: a named text outside it is not brought in
    assert retriever.with_each_named(result, named, SearchFilters(doc_ids=("du-thao-kh-cds-qg-2025",))) \
        == result.passages
    passages = retriever.with_each_named(result, named)
    assert [p.doc_id for p in passages[:2]] == ["du-thao-kh-cds-qg-2025", "cv-3816-btttt-cdsqg"]
    assert [p.rank for p in passages] == [1, 2, 3, 4]
    assert passages[2:] == [replace(p, rank=p.rank + 1) for p in result.passages[1:3]]


def test_only_national_plans_and_task_lists_are_noted_as_not_a_communes_own(composer: Composer):
    docs, _ = composer._corpus()
    noted = {doc_id for doc_id, doc in docs.items() if _national_plan(doc)}
    # laws and the resolution are national too, but bind every level
    assert noted == {"du-thao-kh-cds-qg-2025", "danh-muc-nhiem-vu-2026-2030"}


def test_a_run_in_heading_is_quoted_with_what_it_heads(composer: Composer):
    docs, lexicon = composer._corpus()
    guide = docs["huong-dan-kh-cds-cap-xa"]
    title = next(u for u in guide.units if u.text.strip() == "Xác định mục tiêu cụ thể")
    block = _with_neighbours(guide, title, lexicon.query("xác định mục tiêu cụ thể"), lexicon)
    assert block[0] is title
    assert block[1].text.startswith("Xác định rõ mục tiêu cụ thể chuyển đổi số cấp xã theo từng giai đoạn")


def test_the_periods_a_question_names_are_its_scope_not_words_to_match(retriever: Retriever, composer: Composer):
    question = "Giai đoạn 2026-2030, các tỉnh cần nâng cấp Trung tâm giám sát, điều hành thông minh theo hướng nào?"
    _, analysis, blocks = _ground(retriever, composer, question)
    assert not {"2026", "2030", "giai_đoạn", "giai", "đoạn"} & set(analysis.query.weights)
    assert {"nâng_cấp", "điều_hành", "thông_minh"} <= set(analysis.query.weights)
    # so a bare period heading ("Giai đoạn năm 2028 -2030") is not the answer by its period words
    assert not blocks[0].units[0].text.strip().startswith("Giai đoạn")
    assert any("Trung tâm giám sát, điều hành thông minh" in u.text for b in blocks for u in b.units)


def test_an_off_topic_question_is_refused_and_an_answerable_one_is_not(retriever: Retriever, composer: Composer):
    abstainer = Abstainer(embedder=composer.index.embedder.name)  # the hash embedder: similarity is no evidence
    _, analysis, blocks = _ground(retriever, composer, "Cách nấu phở bò ngon nhất là gì?")
    assert not abstainer.decide(analysis, blocks, composer.lexicon).answerable
    _, analysis, blocks = _ground(retriever, composer, TASK_QUESTION)
    decision = abstainer.decide(analysis, blocks, composer.lexicon)
    assert decision.answerable and decision.missing == ()


def test_a_named_article_is_rendered_with_the_law_citation_header(corpus: MemoryCorpus, retriever: Retriever,
                                                                    composer: Composer):
    _, analysis, blocks = _ground(retriever, composer, ARTICLE_QUESTION)
    rendered = composer.render(blocks, analysis)
    doc = corpus.docstore.get(analysis.target.doc_id)
    assert rendered.markdown.startswith(f"**Theo {analysis.target.clause_label} {doc.meta.short_title}:**")
    (citation,) = rendered.citations
    assert (citation.char_start, citation.char_end) == (analysis.target.start, analysis.target.end)
    assert citation.quote == doc.text[citation.char_start:citation.char_end]


def test_a_list_is_rendered_as_its_heading_and_every_item_in_order(retriever: Retriever, composer: Composer):
    _, analysis, blocks = _ground(retriever, composer, LIST_QUESTION)
    block = blocks[0]
    enumeration = block.doc.clauses[block.units[0].clause_id]
    items = block.doc.children[enumeration.id]
    assert len(items) >= 2 and block.units[0].kind == "heading"
    lines = composer.render(blocks, analysis).markdown.split("\n")
    assert lines[1] == f"- **{' '.join(block.units[0].text.split())}** [1]"
    item_lines = [line.strip() for line in lines[2:2 + len(items)]]
    assert item_lines == [f"- {' '.join(block.doc.doc.text[i.start:i.end].split())} [1]" for i in items]


def test_an_article_s_list_is_shown_from_its_first_point_whatever_unit_anchors_it(composer: Composer):
    """Điều 5 Luật An ninh mạng: khoản 1 lists points a) to n), khoản 2 follows. A list anchored on khoản 2
    shows the article from its start (and khoản 2); elsewhere a block is a window around its anchor."""
    docs, _ = composer._corpus()
    law = docs["luat-anm-2018"]
    article = next(c for c in law.clauses.values() if c.label == "Điều 5")
    units = law.subtree(article.id)
    tail = units[-1]
    assert law.clauses[tail.clause_id].label == "khoản 2 Điều 5"
    block = _capped(units, tail, from_start=True)
    assert block[0] is units[0] and block[-1] is tail
    assert any(u.text.startswith("a) Thẩm định an ninh mạng") for u in block)
    window = _capped(units, tail)
    assert tail in window and not any(u.text.startswith("a) Thẩm định an ninh mạng") for u in window)


def test_a_law_s_point_is_quoted_with_the_sentence_it_completes(retriever: Retriever, composer: Composer):
    """Điều 41 Luật An ninh mạng: "1. Doanh nghiệp … có trách nhiệm sau đây:" then a) to d). Point c) alone does
    not say who must act; its block opens with khoản 1's lead-in. A khoản has no lead-in to add."""
    docs, _ = composer._corpus()
    law = docs["luat-anm-2018"]
    point = next(u for u in law.units if u.text.startswith("c) Áp dụng các giải pháp kỹ thuật"))
    lead = _lead_in(law, point)
    assert lead is not None and lead.text.startswith("1. Doanh nghiệp cung cấp dịch vụ trên không gian mạng")
    assert _lead_in(law, lead) is None
    _, analysis, blocks = _ground(retriever, composer, "Khi xảy ra sự cố lộ, lọt dữ liệu thông tin người sử dụng, "
                                  "ai phải lập tức đưa ra giải pháp ứng phó và thông báo đến người sử dụng?")
    first = blocks[0]
    assert first.units[0] is lead and point in first.units
    markdown = composer.render(blocks, analysis).markdown
    assert markdown.index("Doanh nghiệp cung cấp dịch vụ") < markdown.index("c) Áp dụng các giải pháp kỹ thuật")


@pytest.mark.parametrize(("question", "absent", "kept"), [
    ("Làng số được nhắc trong danh mục nhiệm vụ 2026-2030 thế nào, ai chủ trì?", {"thế", "nào"}, {"làng"}),
    ("Báo cáo sự cố gửi trong bao lâu?", {"lâu", "bao_lâu"}, {"sự_cố"}),
    ("Phần đánh giá kết quả phải làm như thế nào?", {"như", "thế"}, {"đánh_giá"}),
    ("Luật Giao dịch điện tử 2023 thay thế văn bản nào?", {"nào"}, {"thay_thế"}),
    ("Thoi han gui bao cao su co la bao lau?", {"~lau"}, {"~thoi", "~han", "~gui"}),
    ("Làng số được nhắc đến trong danh mục nhiệm vụ 2026-2030 ra sao?", {"nhắc", "đến", "ra"}, {"làng"}),
    ("Luật đề cập việc cập nhật danh mục nào?", {"đề_cập"}, {"cập_nhật", "danh_mục"}),
])
def test_question_phrases_are_not_words_of_the_question(composer: Composer, question: str, absent: set[str],
                                                         kept: set[str]):
    """However the tokenizer cuts "thế nào", "bao lâu", "như thế nào", their syllables (rare in the corpus: "lâu"
    has an IDF near the highest) are not what the question is about; "thay thế" is a word of its own. Nor is a verb
    asking where something is mentioned ("được nhắc đến", "đề cập": "nhắc" is a word the corpus never uses)."""
    weights = composer.lexicon.query(question).weights
    assert not absent & set(weights) and kept <= set(weights)


def test_an_abbreviation_weighs_by_its_full_form(composer: Composer):
    """"KH CĐS" is "kế hoạch chuyển đổi số": a unit that writes the words out covers it as fully as one that writes
    "CĐS", which as a word of its own is rare in the corpus."""
    weights = composer.lexicon.query("Tổ công nghệ số cộng đồng trong KH CĐS cấp xã gồm những ai?").weights
    assert {"chuyển_đổi", "kế_hoạch"} <= set(weights) and not {"cđs", "kh", "~cds"} & set(weights)
    assert composer.lexicon.query("Luật GDĐT 2023 định nghĩa chữ ký số là gì?").unseen == ()


def test_a_bracketed_gloss_brings_no_unknown_word(composer: Composer):
    """"(electronic certificate)" restates the term before it: the corpus need not know its words."""
    lexicon = composer.lexicon
    assert lexicon.query("Chứng thư điện tử (electronic certificate) là gì?").unseen == ()
    assert lexicon.query("Chứng thư điện tử electronic certificate là gì?").unseen != ()


def test_the_articles_another_text_repeals_are_indexed_with_the_repealing_clause(composer: Composer):
    """Luật Giao dịch điện tử 2023, khoản 4 Điều 51: "Bãi bỏ Điều 58 và Điều 59 của Luật Công nghệ thông tin số
    67/2006/QH11 …". Its other changes are to laws the corpus does not hold."""
    docs, _ = composer._corpus()
    index = amendments(docs)
    assert set(index) == {("luat-cntt-2006", 58), ("luat-cntt-2006", 59)}
    (unit,) = index[("luat-cntt-2006", 58)]
    assert unit.doc_id == "luat-gddt-2023" and unit.text.startswith("4. Bãi bỏ Điều 58 và Điều 59")
    law = docs["luat-cntt-2006"]
    point = next(u for u in law.units if u.text.startswith("4. Chính phủ quy định danh mục cơ sở dữ liệu quốc gia"))
    assert article_of(law, point) == 58
    assert article_of(docs["huong-dan-kh-cds-cap-xa"], docs["huong-dan-kh-cds-cap-xa"].units[5]) is None


@pytest.mark.parametrize("question", ["Theo Luật Công nghệ thông tin 2006, Điều 58 quy định gì?",
                                      # asked what it says, the article is the answer whatever else is asked
                                      "Điều 58 Luật CNTT 2006 quy định về gì và hiện còn hiệu lực không?"])
def test_a_repealed_article_is_quoted_with_the_clause_that_repealed_it(retriever: Retriever, composer: Composer,
                                                                       question: str):
    _, analysis, blocks = _ground(retriever, composer, question)
    assert [(b.doc.doc.meta.id, article_of(b.doc, b.units[0])) for b in blocks] == [("luat-cntt-2006", 58),
                                                                                 ("luat-gddt-2023", 51)]
    citations = composer.render(blocks, analysis).citations
    assert [c.clause for c in citations] == ["Điều 58", "khoản 4 Điều 51"]
    _, _, blocks = _ground(retriever, composer, "Theo Luật Công nghệ thông tin 2006, Điều 57 quy định gì?")
    assert {b.doc.doc.meta.id for b in blocks} == {"luat-cntt-2006"}


def test_a_khoan_is_quoted_with_the_next_one_when_that_one_refers_back_to_it(retriever: Retriever,
                                                                           composer: Composer):
    """Luật CNTT 2006 Điều 28: khoản 2 lists what a state agency's website must publish; khoản 3 "Cơ quan nhà nước
    cung cấp miễn phí thông tin quy định tại khoản 2 Điều này." completes it. Luật GDĐT 2023 Điều 42: khoản 5 refers
    to a point of khoản 4 ("điểm a khoản 4 Điều này") to define a term, which does not complete khoản 4."""
    _, analysis, blocks = _ground(retriever, composer, "Trang thông tin điện tử của cơ quan nhà nước phải có những "
                                  "thông tin chủ yếu nào theo Luật CNTT 2006?")
    clauses = [c.clause for c in composer.render(blocks, analysis).citations]
    assert clauses == ["khoản 2 Điều 28", "khoản 3 Điều 28"]
    assert blocks[1].units[0].text.startswith("3. Cơ quan nhà nước cung cấp miễn phí thông tin")
    _, analysis, blocks = _ground(retriever, composer, "Cơ quan nhà nước phải chọn mô hình kết nối, chia sẻ dữ liệu "
                                  "theo thứ tự ưu tiên nào theo Luật GDĐT 2023?")
    assert [c.clause for c in composer.render(blocks, analysis).citations] == ["khoản 4 Điều 42"]


APPROVING_DECISION = """THỦ TƯỚNG CHÍNH PHỦ
Số: 982/QĐ-TTg
QUYẾT ĐỊNH
Phê duyệt Đề án hỗ trợ, phát triển các doanh nghiệp công nghệ số vươn ra toàn cầu đến năm 2030, tầm nhìn đến năm 2045
QUYẾT ĐỊNH:
Điều 1. Phê duyệt Đề án hỗ trợ, phát triển các doanh nghiệp công nghệ số vươn ra toàn cầu đến năm 2030, tầm nhìn đến \
năm 2045 (sau đây gọi tắt là Đề án) với những nội dung sau đây:
I. QUAN ĐIỂM CHỈ ĐẠO
1. Hỗ trợ và phát triển các doanh nghiệp công nghệ số vươn ra toàn cầu là nhiệm vụ ưu tiên trọng tâm, xuyên suốt.
2. Nhà nước ưu tiên tập trung nguồn lực, kiến tạo thể chế đột phá; bảo đảm hạ tầng số hỗ trợ doanh nghiệp công nghệ số \
Việt Nam cung cấp dịch vụ tại thị trường nước ngoài.
II. MỤC TIÊU
1. Mục tiêu tổng quát
Phát triển đội ngũ doanh nghiệp công nghệ số Việt Nam có năng lực cạnh tranh cao, làm chủ công nghệ lõi và công nghệ \
chiến lược, đủ khả năng tham gia sâu vào chuỗi giá trị toàn cầu.
III. NHIỆM VỤ VÀ GIẢI PHÁP
1. Rà soát, hoàn thiện thể chế
a) Rà soát, sửa đổi, bổ sung hệ thống pháp luật liên quan đến đầu tư, kinh doanh và xuất khẩu sản phẩm, dịch vụ công \
nghệ số đảm bảo tính tương thích với pháp luật quốc tế.
2. Đẩy mạnh nghiên cứu, phát triển sản phẩm, dịch vụ công nghệ số, nguồn nhân lực chất lượng cao
a) Ưu tiên nguồn lực đầu tư cho các chương trình, dự án nghiên cứu phát triển sản phẩm, dịch vụ công nghệ số Make in \
Viet Nam có tiềm năng xuất khẩu.
3. Tăng cường huy động và hỗ trợ nguồn lực tài chính theo quy định của pháp luật
a) Nghiên cứu, triển khai các chương trình hỗ trợ tài chính và đầu tư trọng điểm cho doanh nghiệp công nghệ số Việt \
Nam mở rộng thị trường quốc tế.
Điều 2. Tổ chức thực hiện
1. Bộ Khoa học và Công nghệ chủ trì tổ chức triển khai các nhiệm vụ, giải pháp của Đề án.
Điều 3. Điều khoản thi hành
1. Quyết định này có hiệu lực kể từ ngày ký ban hành.
"""


def test_a_khoan_of_a_plan_s_part_is_named_looked_up_and_answered(tmp_path: Path):
    """Quyết định 982/QĐ-TTg (excerpt): Điều 1 approves a plan whose Roman parts each number their khoản from 1.
    "khoản 3 Mục III Điều 1" is read from the question, found by structure, quoted, and not refused for the
    "III" of its reference."""
    (tmp_path / "qd-982.txt").write_text(APPROVING_DECISION, encoding="utf-8")
    (tmp_path / "manifest.json").write_text(json.dumps({"documents": [{
        "id": "qd-982", "source_file": "qd-982.txt", "title": "Quyết định phê duyệt Đề án hỗ trợ, phát triển các "
        "doanh nghiệp công nghệ số vươn ra toàn cầu", "short_title": "Quyết định 982/QĐ-TTg", "kind": "plan",
        "number": "982/QĐ-TTg", "issuer": "Thủ tướng Chính phủ", "year": 2026, "status": "in_force"}]},
        ensure_ascii=False), encoding="utf-8")
    corpus = memory_corpus(tmp_path)
    retriever, composer = Retriever(corpus), Composer(corpus)
    question = "Khoản 3 Mục III Điều 1 Quyết định 982/QĐ-TTg quy định gì?"
    assert read_query(question).article == ArticleRef(1, 3, part="III")
    _, analysis, blocks = _ground(retriever, composer, question)
    assert analysis.target.clause_label == "khoản 3 Mục III Điều 1"
    assert blocks[0].units[0].text.startswith("3. Tăng cường huy động")
    decision = Abstainer(embedder=corpus.embedder.name).decide(analysis, blocks, composer.lexicon)
    assert decision.answerable and decision.missing == ()


# Nghị định 142/2026/NĐ-CP (Công báo số 278, 18-05-2026): lines of its opening, Điều 2 and Điều 45, each verbatim;
# the rest is left out.
DECREE_EXCERPT = """CHÍNH PHỦ
Số: 142/2026/NĐ-CP
Hà Nội, ngày 30 tháng 4 năm 2026
NGHỊ ĐỊNH
Quy định chi tiết một số điều và biện pháp thi hành Luật Trí tuệ nhân tạo
Căn cứ Luật Trí tuệ nhân tạo số 134/2025/QH15;
Chính phủ ban hành Nghị định quy định chi tiết một số điều và biện pháp thi hành Luật Trí tuệ nhân tạo.
Chương I
QUY ĐỊNH CHUNG
Điều 2. Đối tượng áp dụng
Nghị định này áp dụng đối với:
1. Nhà cung cấp, nhà phát triển, bên triển khai, người sử dụng hệ thống trí tuệ nhân tạo, người bị ảnh hưởng bởi \
hệ thống trí tuệ nhân tạo.
2. Cơ quan, tổ chức, cá nhân Việt Nam và tổ chức, cá nhân nước ngoài tham gia vào hoạt động trí tuệ nhân tạo tại \
Việt Nam.
Chương VIII
ĐIỀU KHOẢN THI HÀNH
Điều 45. Hiệu lực thi hành
Nghị định này có hiệu lực thi hành từ ngày 01 tháng 5 năm 2026.
"""


def test_a_decree_is_named_by_its_kind_and_the_law_it_carries_out(tmp_path: Path):
    """"Nghị định hướng dẫn thi hành Luật Trí tuệ nhân tạo" is Nghị định 142/2026/NĐ-CP, whose title says it carries
    out that law: its Điều 45 answers, not Điều 78 of the Luật CNTT 2006 ("Luật này có hiệu lực thi hành …"), and the
    law, which the corpus does not hold, is no reason to refuse. No circular of the corpus carries it out."""
    corpus_dir = tmp_path / "corpus"
    shutil.copytree(CORPUS_DIR, corpus_dir)
    (corpus_dir / "nd-142.txt").write_text(DECREE_EXCERPT, encoding="utf-8")
    manifest = json.loads((corpus_dir / "manifest.json").read_text(encoding="utf-8"))
    manifest["documents"].append({
        "id": "nd-142-2026", "source_file": "nd-142.txt", "title": "Nghị định quy định chi tiết một số điều và biện "
        "pháp thi hành Luật Trí tuệ nhân tạo", "short_title": "Nghị định 142/2026/NĐ-CP", "kind": "decree",
        "number": "142/2026/NĐ-CP", "issuer": "Chính phủ", "year": 2026, "status": "in_force"})
    (corpus_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    corpus = memory_corpus(corpus_dir)
    retriever, composer = Retriever(corpus), Composer(corpus)
    abstainer = Abstainer(embedder=corpus.embedder.name)
    question = "Nghị định hướng dẫn thi hành Luật Trí tuệ nhân tạo bắt đầu có hiệu lực từ ngày nào?"
    assert composer.lexicon.query(question).named_docs == ("nd-142-2026",)
    _, analysis, blocks = _ground(retriever, composer, question)
    assert blocks[0].doc.doc.meta.id == "nd-142-2026"
    assert "Nghị định này có hiệu lực thi hành từ ngày 01 tháng 5 năm 2026." in [u.text for u in blocks[0].units]
    assert abstainer.decide(analysis, blocks, composer.lexicon).answerable
    assert composer.lexicon.query("Thông tư hướng dẫn Luật Trí tuệ nhân tạo có hiệu lực từ ngày nào?").named_docs == ()


def test_a_sentence_has_its_clause_s_title_as_context_whichever_unit_was_read_first(corpus: MemoryCorpus):
    """A heading is not its own context, but the sentences under it are in its clause: the context of one must
    not be what was cached for the other (answers then depended on the questions a process had seen before)."""
    lexicon = Composer(corpus).lexicon
    doc = load_units(corpus.docstore.get("luat-gddt-2023"))
    heading, sentence = next((own[0], own[1]) for own in doc.by_clause.values()
                             if len(own) > 1 and own[0].kind == "heading" and own[1].kind == "text")
    title = set(analyse(doc.clauses[heading.clause_id].title))
    assert not title <= lexicon.context(doc, heading)
    assert title <= lexicon.context(doc, sentence)


def test_when_a_named_text_was_signed_is_its_header_s_date_line(corpus: MemoryCorpus, retriever: Retriever,
                                                                composer: Composer):
    question = "Luật An ninh mạng 2018 được ban hành ngày nào?"
    assert read_query(question).issued and not read_query("Luật An ninh mạng có hiệu lực từ ngày nào?").issued
    _, analysis, blocks = _ground(retriever, composer, question)
    assert analysis.target.doc_id == "luat-anm-2018" and analysis.target.clause_label == "Phần mở đầu"
    assert [u.text for u in blocks[0].units] == ["Hà Nội, ngày 12 tháng 6 năm 2018"]
    decision = Abstainer(embedder=corpus.embedder.name).decide(analysis, blocks, composer.lexicon)
    assert decision.answerable
    # a text the corpus does not hold has no date line to give
    _, analysis, _ = _ground(retriever, composer, "Nghị định 47/2024/NĐ-CP được ký ngày nào?")
    assert analysis.target is None


@pytest.mark.parametrize(("question", "doc_id", "heading", "parts"), [
    ("Kế hoạch CĐS cấp xã có những nhóm nhiệm vụ nào?", "huong-dan-kh-cds-cap-xa",
     "2.3. Nhiệm vụ chuyển đổi số cấp xã", ["1. Đẩy mạnh xây dựng Chính quyền số", "2. Phát triển Kinh tế số",
                                           "3. Phát triển Xã hội số"]),
    # the same words for a province: the framework for bộ and tỉnh, not the commune guide's section
    ("Kế hoạch CĐS cấp tỉnh có những nhóm nhiệm vụ nào?", "khung-kh-cds-2026-2030", "III. NHIỆM VỤ, GIẢI PHÁP", None),
])
def test_the_groups_of_something_are_the_parts_of_the_section_titled_so(retriever: Retriever, composer: Composer,
                                                                       question, doc_id, heading, parts):
    assert read_query(question).groups == "nhiệm vụ"
    _, analysis, blocks = _ground(retriever, composer, question)
    assert analysis.target.doc_id == doc_id
    lines = [u.text for u in blocks[0].units]
    assert lines[0] == heading and all(u.kind == "heading" for u in blocks[0].units)
    assert lines[1:] == parts if parts else len(lines) == 10  # the framework's nine groups
    assert read_query("Nhóm nhiệm vụ Thể chế số yêu cầu ban hành những chính sách nào?").groups is None
    # one look-up per question, an article named by number first
    assert read_query(question).lookup == "groups"
    assert read_query("Điều 8 Luật An ninh mạng có những nhóm hành vi nào?").lookup == "article"


def test_each_ask_of_a_two_ask_question_gets_its_answer(retriever: Retriever, composer: Composer):
    question = ("Khung kế hoạch cấp bộ, tỉnh giai đoạn 2025-2027 đặt mục tiêu bao nhiêu % người dân hài lòng với dịch "
                "vụ công trực tuyến, và bao nhiêu % dân số trưởng thành có chữ ký số?")
    assert ask_parts(question) == [
        "Khung kế hoạch cấp bộ, tỉnh giai đoạn 2025-2027 đặt mục tiêu bao nhiêu % người dân hài lòng với dịch vụ công "
        "trực tuyến", "bao nhiêu % dân số trưởng thành có chữ ký số"]
    assert ask_parts("Bộ Khoa học và Công nghệ phải làm gì?") == ["Bộ Khoa học Công nghệ phải làm gì"]  # one ask
    _, _, blocks = _ground(retriever, composer, question)
    quoted = " ".join(u.text for b in blocks for u in b.units)
    assert "hài lòng khi sử dụng dịch vụ công trực tuyến" in quoted
    assert "50% dân số trưởng thành có chữ ký số" in quoted


def test_every_text_the_question_names_is_quoted(retriever: Retriever, composer: Composer):
    question = ("Dữ liệu mở: Luật Giao dịch điện tử 2023 định nghĩa thế nào và khung KH CĐS đặt chỉ tiêu gì về dữ liệu "
                "mở giai đoạn 2028-2030?")
    _, analysis, blocks = _ground(retriever, composer, question)
    assert "luat-gddt-2023" in analysis.query.named_docs
    assert "luat-gddt-2023" in {b.doc.doc.meta.id for b in blocks}


def test_an_agency_s_duties_are_the_clause_headed_by_it(retriever: Retriever, composer: Composer):
    question = "Theo Luật An ninh mạng, Bộ Quốc phòng có trách nhiệm gì?"
    assert read_query(question).actor == "Bộ Quốc phòng"
    assert read_query("UBND tỉnh phải làm những gì?").actor == "Ủy ban nhân dân tỉnh"
    assert read_query("Bộ nào chủ trì nhiệm vụ này?").actor is None
    _, analysis, blocks = _ground(retriever, composer, question)
    assert analysis.target.clause_label == "Điều 37" and blocks[0].units[0].text == "Điều 37. Trách nhiệm của Bộ Quốc phòng"
    assert len(blocks[0].units) >= 7  # the heading, the lead-in and its five khoản


def test_a_task_question_a_text_answers_gets_one_answer_and_a_task_table_its_parallel_rows(
        retriever: Retriever, composer: Composer):
    # "cơ quan nào …?" answered by a sentence of guidance: the next sentence naming the agency restates it
    _, analysis, blocks = _ground(retriever, composer, "Cơ quan nào tham mưu UBND tỉnh xây dựng kế hoạch triển khai "
                                                      "tổng thể chuyển đổi số cấp xã?")
    assert analysis.qtype.shape == "task" and blocks[0].kind != "task"
    assert len(blocks) == 1 and "do Sở Thông tin và Truyền thông tham mưu" in blocks[0].units[0].text
    # answered by a task table, a near tie is the next row: still quoted
    _, analysis, blocks = _ground(retriever, composer, "Những nhiệm vụ về trung tâm dữ liệu giai đoạn 2026-2030 do "
                                                      "cơ quan nào chủ trì?")
    assert blocks[0].kind == "task" and len(blocks) > 1


def test_counted_tasks_asked_of_an_agency_are_tasks_it_leads(retriever: Retriever, composer: Composer):
    """"Soạn 3 nhiệm vụ … do Bộ Công an chủ trì": three rows of the 2026-2030 task table whose lead is Bộ Công an,
    those of the first row's area first, then other areas', not rows another agency leads that score as high."""
    assert _lead_asked("Soạn bảng 3 nhiệm vụ xã hội số do địa phương (UBND tỉnh) chủ trì.") == ("dia phuong",
                                                                                            "ubnd tinh")
    assert _lead_asked("Soạn 3 nhiệm vụ xã hội số giai đoạn 2026-2030.") == ()
    assert _lead_asked("CĐS lĩnh vực ngân hàng giai đoạn 2026-2030 do cơ quan nào chủ trì?") == ()
    assert _lead_asked("cds linh vuc giao thong van tai 2026-2030 do bo nao chu tri?") == ()
    _, _, blocks = _ground(retriever, composer, "Soạn 3 nhiệm vụ giai đoạn 2026-2030 do Bộ Công an chủ trì.")
    assert len(blocks) == 3 and {b.kind for b in blocks} == {"task"}
    assert all(b.doc.tasks[b.units[0].clause_id].lead.text == "Bộ Công an" for b in blocks)


def test_the_asks_searched_on_their_own_are_those_naming_a_notion_of_their_own(composer: Composer):
    two = ("Tỷ lệ hồ sơ trực tuyến toàn trình năm 2025 là bao nhiêu, và chữ ký số được Luật Giao dịch điện tử định "
           "nghĩa thế nào?")
    assert composer.lexicon.distinct_asks(ask_parts(two)) == ask_parts(two) and len(ask_parts(two)) == 2
    # the second ask is about the first one's subject: nothing of its own to search
    once = "Điều nào của Luật Giao dịch điện tử 2023 định nghĩa 'dữ liệu chủ' và định nghĩa ra sao?"
    assert len(ask_parts(once)) == 2 and composer.lexicon.distinct_asks(ask_parts(once)) == []
    assert composer.lexicon.distinct_asks(ask_parts(TASK_QUESTION)) == []  # one ask


def test_each_ask_s_best_passage_joins_the_ranking_after_the_first(retriever: Retriever):
    question = ("Tỷ lệ hồ sơ trực tuyến toàn trình năm 2025 là bao nhiêu, và chữ ký số được Luật Giao dịch điện tử định "
                "nghĩa thế nào?")
    asks = ask_parts(question)
    result = retriever.search(question)
    best = retriever.search(asks[1], k=1).passages[0]
    without = [p for p in result.passages if p.node_id != best.node_id]
    merged = retriever.with_each_ask(result, without, asks)
    assert merged[0].node_id == without[0].node_id and merged[1].node_id == best.node_id
    assert len(merged) == len(without) and [p.rank for p in merged] == list(range(1, len(merged) + 1))
    # an ask whose best passage ranked already adds nothing
    assert retriever.with_each_ask(result, merged, asks) == merged
