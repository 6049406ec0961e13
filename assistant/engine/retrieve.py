"""Hybrid retrieval: the one search function the CLI, API, answer composer, eval and UI call. Answering
then adds what a question's named texts and its several asks need (``Retriever.with_each_named``,
``Retriever.with_each_ask``) and looks up the clause it
names (``Retriever.named_clause``); a bare search (`cds search`, /search) ranks as the index does."""

from __future__ import annotations

import functools
import json
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from assistant.engine.corpus import CorpusReader
from assistant.engine.read import Query, Scope, folded, read_query, scope_match, scope_of
from ingest.header import dateline
from ingest.index import SearchFilters, SearchMode
from ingest.sparse import Bm25Encoder
from ingest.vietnamese import DiacriticRestorer, expand_abbreviations, has_diacritics, strip_diacritics

if TYPE_CHECKING:
    import numpy as np

    from ingest.docstore import StoredDocument
    from ingest.model import Clause
    from ingest.sparse import SparseVec

_WORD = re.compile(r"\w+")
_GROUP_DOCS = 3  # without a named document, groups and duties are looked for in the best passages' first documents
_ACTOR_WORDS = 16  # a heading naming an agency names little else ("Ủy ban nhân dân các tỉnh, thành phố trực thuộc …")
# Added to the fused score of a chunk whose section title the question names (tuned on calib.jsonl), and,
# per share of the levels (xã/tỉnh/bộ) and periods the question names, to a chunk that is for them, or
# taken from one that is for another level or period (``assistant.engine.read.scope_match``), which then also
# ranks below every chunk that is not.
HEADING_BOOST = 0.3
SCOPE_BOOST = 0.1
_QUOTED = re.compile(r"[\"“”'‘’«»]([^\"“”'‘’«»]{3,120})[\"“”'‘’«»]")


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
    headings: tuple[str, ...]
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
            breadcrumb=payload["breadcrumb"], headings=tuple(payload.get("headings", ())), kind=payload["kind"],
            start=payload["start"], end=payload["end"], text=json.loads(payload["_node_content"])["text"],
        )


@dataclass(frozen=True)
class SearchResult:
    passages: list[Passage]
    millis: float
    query: str  # as searched: whitespace collapsed, diacritics restored when typed without them
    reading: Query  # the levels, periods, article and section the query names, read once
    # The query's best cosine similarity to any chunk of the corpus (the embedder's, unfiltered), which
    # abstention weighs: an off-topic question is nearer to nothing. None without a dense search.
    similarity: float | None = None


class Retriever:
    """Dense (e5) + sparse (BM25 over pyvi words) search, fused with weighted RRF inside Qdrant.

    >>> retriever = Retriever(CorpusIndex.open(Settings()))                      # doctest: +SKIP
    >>> retriever.search("Ai chủ trì xây dựng Hệ thống phòng vệ mạng quốc gia?").passages[0].doc_id
    'danh-muc-nhiem-vu-2026-2030'

    :param index: the corpus it searches (``assistant.engine.corpus.CorpusReader``; a ``CorpusIndex`` is one).
    """

    def __init__(self, index: CorpusReader, weights: tuple[float, float] = (0.5, 1.0), prefetch: int = 50,
                 heading_boost: float = HEADING_BOOST, scope_boost: float = SCOPE_BOOST, candidates: int = 30):
        if min(weights) < 0 or max(weights) <= 0:
            raise ValueError(f"weights must be non-negative with one positive, got {weights}")
        self.index = index
        self.weights = weights
        self.prefetch = prefetch
        self.heading_boost = heading_boost
        self.scope_boost = scope_boost
        self.candidates = candidates
        self._bm25 = Bm25Encoder()
        # A question is searched again per text it names (``with_each_named``): it is encoded once.
        self._encode = functools.lru_cache(maxsize=64)(self._encode_query)
        self._restorer_of: tuple[tuple, DiacriticRestorer] | None = None  # (docstore revision, its restorer)

    def _restorer(self) -> DiacriticRestorer:
        """The restorer over the indexed texts, rebuilt when a document was added, updated or removed."""
        revision = self.index.docstore.revision()
        if self._restorer_of is None or self._restorer_of[0] != revision:
            self._restorer_of = revision, DiacriticRestorer([doc.text for doc in self.index.docstore.documents()])
        return self._restorer_of[1]

    def search(self, query: str, k: int = 8, filters: SearchFilters = SearchFilters(),
               mode: SearchMode = "hybrid") -> SearchResult:
        """Rank passages for ``query``.

        :param k: how many passages to return.
        :param filters: restrict to documents, chunk kinds, statuses or levels.
        :param mode: "hybrid" (default), "dense" or "sparse" (the last two for baselines).
        """
        started = time.perf_counter()
        query = " ".join(query.split())
        if not has_diacritics(query):
            query = self._restorer().restore(query)
        reading = read_query(query)  # as restored: "khoan 2 dieu 23" names an article too
        dense, sparse = self._encode(query, mode)
        passages = self._rank(query, reading, dense, sparse, k, filters, mode)
        nearest = self.index.store.search(dense, None, 1, mode="dense") if dense is not None else []
        similarity = nearest[0].score if nearest else None
        return SearchResult(passages, (time.perf_counter() - started) * 1000, query, reading, similarity)

    def _encode_query(self, query: str, mode: SearchMode) -> tuple[np.ndarray | None, SparseVec | None]:
        """The query's dense and sparse vectors, as ``mode`` needs them (memoised in ``__init__``)."""
        dense = self.index.embedder.embed_batch([expand_abbreviations(query)], is_query=True)[0] if mode != "sparse" else None
        sparse = self._bm25.encode_query(query) if mode != "dense" else None
        return dense, sparse

    def _rank(self, query: str, reading: Query, dense: np.ndarray | None, sparse: SparseVec | None, k: int,
              filters: SearchFilters, mode: SearchMode) -> list[Passage]:
        """The best ``k`` passages for the encoded query: the engine's fused hits with the heading, quote and
        scope boosts added, a chunk against the question's scope ranked after every other."""
        hits = self.index.store.search(dense, sparse, max(k, self.candidates), filters=filters, mode=mode,
                                       weights=self.weights, prefetch=self.prefetch)
        words = _words(query)
        quoted = [_words(q) for q in _QUOTED.findall(query) if len(q.split()) >= 2]
        scored = []
        for h in hits:
            scope = scope_match(reading, payload_scope(h.payload))
            score = (h.score + self.heading_boost * _heading_match(words, h.payload.get("headings", ()))
                     + self.scope_boost * scope + self.heading_boost * _quote_match(quoted, h.payload))
            scored.append((scope < 0, score, h))
        # A strong prior, not a filter: a chunk for another level or period than the question names
        # ranks below every chunk that is not, yet is still returned when nothing else answers.
        ranked = [(score, h) for _, score, h in sorted(scored, key=lambda x: (x[0], -round(x[1], 6), x[2].id))[:k]]
        return [Passage.from_payload(i + 1, score, h.id, h.payload) for i, (score, h) in enumerate(ranked)]

    def with_each_named(self, result: SearchResult, named_docs: Sequence[str], filters: SearchFilters = SearchFilters(),
                        mode: SearchMode = "hybrid") -> list[Passage]:
        """``result``'s passages, with the best passage of each document the question names that ranked
        none placed right after the first ("thời gian khôi phục … theo CV 3816 và theo dự thảo KH CĐS
        quốc gia 2025?": each text answers a part, and one text's chunks filled the ranking); as many
        passages as before. A question naming one document or none is left as ranked."""
        passages = list(result.passages)
        present = {p.doc_id for p in passages}
        missing = [d for d in named_docs if d not in present and (not filters.doc_ids or d in filters.doc_ids)]
        if len(named_docs) < 2 or not missing or len(passages) < 2:
            return passages
        dense, sparse = self._encode(result.query, mode)  # as ``search`` encoded it: memoised
        extra = [passage for doc_id in missing
                 for passage in self._rank(result.query, result.reading, dense, sparse, 1,
                                           replace(filters, doc_ids=(doc_id,)), mode)]
        return _after_first(passages, extra)

    def with_each_ask(self, result: SearchResult, passages: Sequence[Passage], asks: Sequence[str],
                      filters: SearchFilters = SearchFilters(), mode: SearchMode = "hybrid") -> list[Passage]:
        """``passages`` with the best passage of each ask (``Lexicon.distinct_asks``: each naming a notion of its
        own) placed right after the first, when it ranked none ("Khung … đặt chỉ tiêu phủ sóng 5G thế nào, và dịch
        vụ Internet 5G phải theo quy chuẩn nào?": one ask's words can fill the ranking); as many passages as
        before (train and calib: three items' evidence brought, none lost)."""
        passages = list(passages)
        if not asks or len(passages) < 2:
            return passages
        present = {p.node_id for p in passages}
        extra = []
        for ask in asks:
            query = " ".join(ask.split())
            dense, sparse = self._encode(query, mode)
            best = self._rank(query, read_query(query), dense, sparse, 1, filters, mode)
            if best and best[0].node_id not in present:
                present.add(best[0].node_id)
                extra.append(best[0])
        return _after_first(passages, extra)

    def named_clause(self, reading: Query, named_docs: Sequence[str], passages: Sequence[Passage]) -> Passage | None:
        """The clause a question names, looked up by structure. An article by number ("khoản 2 Điều
        23"): in the document the question names, else in the first retrieved document that has it.
        A section by title ("Mục Tổ chức thực hiện"): the clause so titled that the best-ranked
        passage holding one overlaps. A term to define ("chứng thư điện tử là gì?"): the clause that
        opens by defining it. The groups of something ("… có những nhóm nhiệm vụ nào?"): the section of
        several parts whose title names it (see ``_grouping``). When a named text was signed ("Công văn
        3816 … ký ngày nào?"): its header's place and date line, as a span of the clause holding it.

        :returns: the clause as a rank-1 passage, or None when no candidate document has it.
        """
        load = functools.cache(self.index.docstore.get)  # each document read once, whichever look-up runs
        ordered = list(dict.fromkeys([*named_docs, *(p.doc_id for p in passages)]))
        lookup = reading.lookup
        if lookup == "article":
            label = reading.article.label
            # a named document without that clause ends the search: nothing else may stand in for it
            found = _first(ordered, load, lambda doc: next((c for c in doc.parsed.clauses if c.label == label), None),
                           final=named_docs)
        elif lookup == "section":
            found = _section(reading, passages, load)
        elif lookup == "term":
            # "X gồm những loại nào?": the clause listing X's parts ("X bao gồm:"), else its definition
            found = (reading.term_parts and _first(ordered, load, _defining(reading.term, r"(?:bao gồm|gồm)"))) \
                or _first(ordered, load, _defining(reading.term, r"(?:là|được hiểu là)"))
        elif lookup == "issued":  # only of a text the question names
            found = _first(named_docs, load, _dateline) if named_docs else None
        elif lookup == "groups":
            found = _grouping(reading, named_docs or ordered[:_GROUP_DOCS], load)
        elif lookup == "actor":
            found = _acting(reading.actor, named_docs or ordered[:_GROUP_DOCS], load)
        else:
            return None
        if found is None:
            return None
        doc, clause = found
        chain = [f"{node.label}. {node.title}" if node.title else node.label
                 for node in _outermost_first(doc.parsed.by_id(), clause)]
        meta = doc.meta
        return Passage(rank=1, score=1.0, node_id="", doc_id=meta.id, doc_title=meta.title,
                       short_title=meta.short_title, status=meta.status or "unknown", clause_id=clause.id,
                       clause_label=clause.label, breadcrumb=" › ".join([meta.short_title, *chain]),
                       headings=(), kind="text", start=clause.start, end=clause.end,
                       text=doc.text[clause.start:clause.end])


def named_first(target: Passage, passages: Sequence[Passage]) -> list[Passage]:
    """The clause a question names (``Retriever.named_clause``) at rank 1, then the retrieved passages that
    do not start inside it, ranked on from 2."""
    rest = [p for p in passages if not (p.doc_id == target.doc_id and target.start <= p.start < target.end)]
    return [target, *(replace(p, rank=i + 2) for i, p in enumerate(rest))]


def _first(doc_ids: Sequence[str], load: Callable, pick: Callable, final: Sequence[str] = ()):
    """The first document of ``doc_ids`` in which ``pick`` finds a clause, and that clause; a document in
    ``final`` without one ends the search."""
    for doc_id in doc_ids:
        doc = load(doc_id)
        clause = pick(doc) if doc is not None else None
        if clause is not None:
            return doc, clause
        if doc_id in final:
            return None
    return None


def _after_first(passages: list[Passage], extra: list[Passage]) -> list[Passage]:
    """``extra`` placed right after the first of ``passages``, as many passages as before, ranked anew."""
    merged = [passages[0], *extra, *passages[1:]][:len(passages)]
    return [replace(p, rank=i + 1) for i, p in enumerate(merged)]


def _outermost_first(clauses: dict[str, Clause], clause: Clause) -> list[Clause]:
    """``clause`` and the clauses above it (``clauses``: the document's, by id), the top-level one first."""
    chain, node = [], clause
    while node is not None:
        chain.append(node)
        node = clauses.get(node.parent) if node.parent else None
    return chain[::-1]


def _dateline(doc: StoredDocument) -> Clause | None:
    """The header's place and date line of ``doc``, as the span of the deepest clause that holds it."""
    span = dateline(doc.text)
    holder = span and next((c for c in reversed(doc.parsed.clauses) if c.start <= span[0] and span[1] <= c.end), None)
    return replace(holder, start=span[0], end=span[1], heading_end=span[0]) if holder else None


def _defining(term: str, verb: str) -> Callable:
    """A picker of the clause that opens with ``term`` and ``verb`` ("7. Khoảng cách số là …",
    "1. Dịch vụ tin cậy bao gồm:")."""
    opening = re.compile(r"\W*(?:\d+(?:\.\d+)*\.?\s*|[a-zđ]\)\s*)?" + re.escape(term) + r"\s+" + verb + r"\b",
                         re.IGNORECASE)
    return lambda doc: next((c for c in doc.parsed.clauses if c.kind in ("clause", "point", "item", "bullet", "paragraph")
                             and opening.match(doc.text, c.start, c.heading_end)), None)


def _section(reading: Query, passages: Sequence[Passage], load: Callable):
    """The clause titled as ``reading.section`` that the best-ranked passage holding one overlaps, with its
    document; of several, one whose scope fits the levels and periods the question names before one whose
    scope does not ("mục 'Nhân lực số' cho KH năm 2025 của một bộ": the 2025 guidance's, not the 2026-2030
    framework's)."""
    wanted = folded(reading.section)
    found = []
    for passage in passages:
        doc = load(passage.doc_id)
        if doc is None:
            continue
        titled = [c for c in doc.parsed.clauses if c.start < passage.end and passage.start < c.end
                  and c.title and folded(c.title).startswith(wanted)]
        if titled:
            clause = max(titled, key=lambda c: min(c.end, passage.end) - max(c.start, passage.start))
            scope = scope_of(passage.breadcrumb.split(" › "), doc.meta.level, doc.meta.period)
            found.append((scope_match(reading, scope), doc, clause))
    best = max((fit for fit, _, _ in found), default=None)
    return next(((doc, clause) for fit, doc, clause in found if fit == best), None)


def _grouping(reading: Query, doc_ids: Sequence[str], load: Callable):
    """The clause whose parts are the groups the question asks for: of the clauses with two or more parts whose
    title has every word of what is grouped ("NHIỆM VỤ VÀ GIẢI PHÁP" for "nhóm nhiệm vụ, giải pháp"), one whose
    scope fits the levels and periods the question names, and of those the one whose title the question names
    most fully ("Nhiệm vụ chuyển đổi số cấp xã" for "Kế hoạch CĐS cấp xã có những nhóm nhiệm vụ nào?"); in the
    documents the question names, else in those of the best passages."""
    wanted = set(folded(reading.groups).split())
    asked = set(folded(expand_abbreviations(reading.text)).split())
    best, found = None, None
    for doc_id in doc_ids:
        doc = load(doc_id)
        if doc is None:
            continue
        clauses = doc.parsed.by_id()
        parts = Counter(c.parent for c in doc.parsed.clauses if c.parent and c.kind not in ("table_row", "area"))
        for clause in doc.parsed.clauses:
            title = set(folded(clause.title).split())
            if parts[clause.id] < 2 or not wanted <= title:
                continue
            headings = [node.title or node.label for node in _outermost_first(clauses, clause)]
            scope = scope_of([doc.meta.short_title, *headings], doc.meta.level, doc.meta.period)
            key = (scope_match(reading, scope), len(title & asked) / len(title))
            if best is None or key > best:
                best, found = key, (doc, clause)
    return found


def _acting(actor: str, doc_ids: Sequence[str], load: Callable):
    """The clause of an agency's duties: one headed by the agency ("7. Ủy ban nhân dân các tỉnh, thành phố trực
    thuộc trung ương" for "Ủy ban nhân dân tỉnh", "Điều 30. Trách nhiệm của Bộ Công an") with parts that list
    them; of several, the one whose heading holds least besides the agency."""
    wanted = folded(actor).split()
    best, found = 0.0, None
    for doc_id in doc_ids:
        doc = load(doc_id)
        if doc is None:
            continue
        parts = Counter(c.parent for c in doc.parsed.clauses if c.parent)
        for clause in doc.parsed.clauses:
            title = folded(clause.title).split()
            head = title[3:] if title[:3] == ["trach", "nhiem", "cua"] else title
            head = head[1:] if head[:1] == ["cac"] else head
            if not parts[clause.id] or head[:1] != wanted[:1] or not set(wanted) <= set(head) or len(head) > _ACTOR_WORDS:
                continue
            fit = len(wanted) / len(head)
            if fit > best:
                best, found = fit, (doc, clause)
    return found


def _words(text: str) -> str:
    return " " + " ".join(_WORD.findall(strip_diacritics(text.lower()))) + " "


def payload_scope(payload: dict) -> Scope:
    """The levels and period a chunk is for, from its breadcrumb and its document's manifest row."""
    return scope_of(payload.get("breadcrumb", "").split(" › "), payload.get("level"), payload.get("period"))


def _quote_match(quoted: list[str], payload: dict) -> float:
    """1.0 when the chunk contains a phrase the question puts in quotes ('dữ liệu chủ')."""
    if not quoted:
        return 0.0
    text = _words(json.loads(payload["_node_content"])["text"])
    return 1.0 if any(q in text for q in quoted) else 0.0


def _heading_match(query_words: str, headings) -> float:
    """How strongly the question names one of the chunk's section titles ("phần Tổ chức thực hiện").

    1.0 when a title of four or more words appears in the question, less for shorter titles;
    one-word titles never count.
    """
    best = 0
    for heading in headings:
        words = _words(heading)
        n = words.count(" ") - 1
        if n >= 2 and words in query_words:
            best = max(best, n)
    return min(best, 4) / 4
