"""Extractive answers: the sentences, list items and task records that answer a question, quoted.

No usable Vietnamese LLM runs offline, so by default an answer is assembled from the sources:

1. the retrieved passages, and the small clauses they were cut from, are split into answer units
   (``assistant.engine._units``), each described by FEATURES: how much of the question it covers
   (IDF-weighted words, its headings counting half), how well its passage ranked (the hybrid retriever
   already weighed meaning), whether the question names its heading ("mục 'Tổ chức thực hiện'") or its
   document, whether it holds the kind of value asked for ("ngày nào": a date; ``assistant.engine._slots``),
   whether it is for another plan level or period than the question names, whether it is a recital or
   a signature, whether it introduces an enumeration, and how much of the question the block it would
   grow into covers. A hand-weighted sum of them (``Scored.score``) sets the floors of further anchors;
   the selection model (``selection_model.json``, fitted by ``python -m eval.fit_selection`` on questions
   that are not the benchmark) rates them for the first;
2. a clause the question names ("Mục Tổ chức thực hiện", "khoản 2 Điều 23"), looked up by structure,
   is the answer whole. Otherwise the first anchor is the best unit of the top-ranked passage unless
   the selection model rates another one its margin higher (the ranker weighed meaning, units' features
   weigh words and structure); a further anchor must be a parallel answer or another source or
   period the question names (a sentence's neighbours that bring rare question words it lacks join
   its block: the second half of "… bao nhiêu, và … điều gì đối với IPv4?"). Each anchor grows into a block
   by the question's shape: a task record whole (task, lead and coordinating agencies, deadline), a
   whole enumeration for a list or a plan section, one value per document and period for a
   comparison, the sentence (with the neighbours that complete it) for a factoid;
3. blocks are written as Markdown grouped by source, each line ending in [n], where [n] is a
   citation whose quote is the exact span of the document the line comes from.

Unit-level similarity with the embedder was measured on calib.jsonl and left out: it changed no
must-mention hit and lowered citation accuracy (0.859 -> 0.813), and it costs a second query
embedding plus a vector per unit.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from pathlib import Path

from assistant.engine._amendments import amendments, article_of
from assistant.engine._lexicon import Lexicon, QueryTerms, analyse, load_lexicon
from assistant.engine._qtype import QuestionType, ask_parts, classify
from assistant.engine._slots import expected_value
from assistant.engine._units import DocUnits, Unit, document_units
from assistant.engine.corpus import CorpusReader
from assistant.engine.read import (NATIONAL, Query, Scope, folded, other_level, read_periods, read_query,
                                  scope_match, scope_of, scope_phrases, without_article)
from assistant.engine.render import Block, Rendered, render
from assistant.engine.retrieve import Passage
from ingest.model import Clause

_LIMITS = {"factoid": 3, "task": 3, "list": 2, "howto": 2, "compare": 4}  # anchors per shape
_FLOOR = 0.35  # no anchor scores below this share of the best
# A further anchor of the first one's text this close to the best is a parallel answer (a list's block already
# holds its items).
_TIE = {"factoid": 0.92, "task": 0.92, "list": 2.0, "howto": 2.0, "compare": 0.92}
_MULTI_FLOOR = 0.6  # a further anchor from another named source or period
_MAX_BLOCK_UNITS = 16
# An ask of a several-ask question is answered on its own when it has this many words, by a unit of the same
# text covering them this well and this much better than the blocks chosen (train and calib: the same outcome
# for coverage 0.4-0.6 and a gain of 0.15-0.35).
_ASK_TERMS = 2
_ASK_COVERAGE = 0.5
_ASK_GAIN = 0.25
_MAX_BLOCK_CHARS = 3000
_PROVISIONS = ("article", "clause")  # Điều, khoản: clause kinds of the legal parser
_TYPICAL_UNIT = 150  # characters
_TITLE_LINE = 80  # characters: at most this long, a line without closing punctuation is a run-in heading
_SHORT_PARAGRAPH = 600  # characters: a factoid's sentence comes with its whole paragraph up to this
_NEIGHBOURHOOD = 80  # units of a retrieved passage's clause also considered
_W_RANK = 0.08
_W_PRECISION = 0.15  # share of the unit's own words the question uses
_W_TITLE = 0.15
_W_NAMED = 0.1
_W_PERIOD = 0.15  # a comparison's unit from a period the question names
_W_SCOPE = 0.15  # per unit of scope_conflict
_W_DEFINES = 0.2  # a unit defining or enumerating a phrase of a "what is / what does it include" question
_DEFINITION = re.compile(r"^\W*(?:\d+(?:\.\d+)*\.?\s*|[a-zđ]\)\s*)?(.{4,80}?)\s+(?:là|gồm|bao gồm|được hiểu là)\b",
                         re.IGNORECASE)
_WORDS = re.compile(r"\w+")
# A question asking what something is or what it is made of (not how to do it).
_ASKS_DEFINITION = re.compile(r"\b(?:là gì|định nghĩa|được hiểu|khái niệm|gồm (?:những|các)|bao gồm|(?:những|các) loại|"
                              r"loại nào|la gi|dinh nghia|gom nhung)\b")
_W_FRAME = 0.2  # taken from a unit of a document's opening or closing part (see _FRAME_PARTS)
_FRAME_PARTS = ("preamble", "closing")  # "Phần mở đầu" (title, recitals) and "Phần kết" (signature, recipients)
_ASKS_FRAME = re.compile(r"căn cứ|ban hành|\bký\b|người ký|nơi nhận|can cu|ban hanh", re.IGNORECASE)
_W_SLOT = 0.15  # a unit holding the kind of value asked for ("ngày nào": a date; "bao nhiêu MW": MW)
# How much better than the top-ranked passage's best unit another unit must score by the hand weights to
# answer first (without a fitted model: the baseline ``eval.fit_selection`` compares the model with).
HAND_MARGIN = 0.1
_NAMED_POOL = 6  # best candidates a named article's coverage of the question is compared with
_COVERED = 12  # candidates rated with their grown block's coverage
# What a candidate unit is scored by, in this order (``Composer.analyse`` computes them):
FEATURES = (
    "lexical",         # IDF-weighted share of the question's words in the unit (headings at half), damped by length
    "inverse_rank",    # 1 / rank of the retrieved passage the unit came with
    "top_passage",     # it came with the top-ranked passage
    "passage_score",   # that passage's fused score over the top passage's
    "in_passage",      # it lies inside the passage (not only in the passage's clause around it)
    "title",           # the question names its heading or document title
    "precision",       # share of the unit's own words the question uses
    "named_document",  # +1 from a document the question names, -1 from another when it names one
    "compare_period",  # a comparison's unit from a period the question names
    "slot",            # it holds the kind of value asked for ("ngày nào": a date; "do ai chủ trì": a task's lead)
    # how far the unit's scope is against the levels and periods the question names, net of those it is
    # for (-scope_match when negative): a "2025-2027" unit of the asked level scores 0 on "2028-2030"
    "scope_conflict",
    "defines",         # it defines or enumerates a phrase of a what-is question
    "frame",           # recital or signature part, and the question is not about them
    "list_intro",      # it introduces a short enumeration, in a list or how-to question
    "list_intro_other",  # the same, in a question of another shape
    "heading",         # a heading that introduces no short enumeration
    "length",          # log of its length over a typical unit's
    "opens_clause",    # it is the first unit of its clause (a heading, an item's lead sentence)
    "block_coverage",  # the share of the question its grown block covers (computed for the best few)
)
HAND_WEIGHTS = (1.0, _W_RANK, 0.0, 0.0, 0.0, _W_TITLE, _W_PRECISION, _W_NAMED, _W_PERIOD, _W_SLOT, -_W_SCOPE,
                 _W_DEFINES, -_W_FRAME, 0.1, -0.05, -0.1, 0.0, 0.0, 0.0)
_MAX_NAMED_UNITS = 60  # a clause the question names is quoted whole up to this many units
_NAMED_COVERAGE = 0.9  # share of the best unit's coverage of the question a named article must reach
# "… quy định (về) gì", "… nói về gì", "… có nội dung gì": a question about what the clause it names says.
_ASKS_ITS_CONTENT = re.compile(r"\b(?:quy định|nói|nêu|đề cập)\s+(?:về\s+)?(?:những\s+)?(?:gì|nội dung gì|vấn đề gì)|"
                               r"\bnội dung\s+(?:gì|là gì)", re.IGNORECASE)
# "… do Bộ Công an chủ trì": the agency whose tasks are asked for.
_ASKED_LEAD = re.compile(r"\b(?:do|giao cho)\s+([^,.;?]{3,60}?)\s+(?:chủ trì|chu tri)\b", re.IGNORECASE)
_ASKS_WHICH = re.compile(r"\b(?:nào|nao|ai|gì|gi)\b", re.IGNORECASE)  # "do cơ quan nào chủ trì" names no agency
# "… Điều 23 quy định gì / nêu nội dung gì": words that ask for a clause's content, not about a topic.
_ASKS_CONTENT = frozenset({"quy_định", "quy", "định", "nội_dung", "nội", "dung", "nêu", "nói", "điều_chỉnh",
                           "điều", "chỉnh", "ghi", "viết"})


MODEL_PATH = Path(__file__).with_name("selection_model.json")


@dataclass(frozen=True)
class SelectionModel:
    """A conditional logit over FEATURES, fitted by ``python -m eval.fit_selection`` (never on the
    benchmark): among one question's candidates, the difference of two units' ratings is the log-odds
    that the first rather than the second is the one whose block answers. Ratings of different
    questions are not comparable."""

    weights: tuple[float, ...]
    margin: float  # how much more than the top-ranked passage's best unit another must be rated to answer first

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> "SelectionModel":
        """Read the fitted weights.

        :raises ValueError: the file is missing, unreadable or fitted on other features.
        """
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            features, model = tuple(raw["features"]), cls(tuple(float(w) for w in raw["weights"]), float(raw["margin"]))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}: cannot read the answer-selection model ({exc}). "
                             "Refit it with `python -m eval.fit_selection`.") from exc
        if features != FEATURES:
            raise ValueError(f"{path}: fitted on features {list(features)}, the code computes {list(FEATURES)}. "
                             "Refit it with `python -m eval.fit_selection`.")
        return model

    def rate(self, features: tuple[float, ...]) -> float:
        return sum(w * f for w, f in zip(self.weights, features, strict=True))


@dataclass(frozen=True)
class Scored:
    unit: Unit
    passage: Passage  # the best-ranked retrieved passage the unit came with
    lexical: float  # IDF-weighted share of the question's words in the unit (and, at half, its headings)
    score: float  # the hand-weighted sum of ``features`` (HAND_WEIGHTS)
    features: tuple[float, ...]  # named by FEATURES
    learned: float  # the selection model's rating (``SelectionModel.rate``; ``score`` while fitting one)
    block: Block | None  # the block it grows into, kept for the best _COVERED (``Composer.grown``)


@dataclass(frozen=True)
class Analysis:
    """A question against its retrieved passages: what composition and abstention both read."""

    question: str
    qtype: QuestionType
    query: QueryTerms
    passages: list[Passage]
    candidates: list[Scored]  # best first
    expected: Callable[[str], bool] | None  # whether a text holds the kind of value asked for (_slots)
    reading: Query  # the levels, periods, article and section the question names
    target: Passage | None = None  # the clause the question names (by number or title), looked up by structure
    levels: frozenset[str] = frozenset()  # the plan levels the retrieved passages' documents are for
    similarity: float | None = None  # the question's best cosine to any chunk (``SearchResult.similarity``)


class Composer:
    """Scores answer units and writes grounded extractive answers.

    >>> composer = Composer(index, cache_dir=settings.data_dir)                 # doctest: +SKIP
    >>> analysis = composer.analyse(question, retriever.search(question).passages)   # doctest: +SKIP
    >>> composer.render(composer.blocks(analysis), analysis).markdown          # doctest: +SKIP

    :param index: the corpus it reads (``assistant.engine.corpus.CorpusReader``; a ``CorpusIndex`` is one).
    :param cache_dir: where the corpus's term statistics are kept between processes; None: nowhere.
    """

    def __init__(self, index: CorpusReader, cache_dir: Path | None = None, model: SelectionModel | None = None):
        self.index = index
        self.cache_dir = cache_dir
        self._revision: Hashable | None = None
        self._docs: dict[str, DocUnits] = {}
        self._lexicon: Lexicon | None = None
        self._amended: dict[tuple[str, int], tuple[Unit, ...]] = {}  # what repeals or amends each article
        self._lock = threading.Lock()
        # Read on first use (refitting a stale model must not need it); None: ``python -m eval.fit_selection``
        # scores the units without one.
        self._model = model
        self._model_read = model is not None

    @classmethod
    def unfitted(cls, index: CorpusReader, cache_dir: Path | None = None) -> "Composer":
        """A composer that rates units by the hand weights, to collect the features a model is fitted on."""
        composer = cls(index, cache_dir)
        composer._model_read = True
        return composer

    def _selection_model(self) -> SelectionModel | None:
        if not self._model_read:
            self._model, self._model_read = SelectionModel.load(), True
        return self._model

    def analyse(self, question: str, passages: list[Passage], reading: Query | None = None,
                target: Passage | None = None, similarity: float | None = None) -> Analysis:
        """Score the units of ``passages`` (and of the clauses they were cut from) against ``question``.

        :param reading: the question's levels, periods, article and section (read from ``question`` if None).
        :param target: the clause the question names, looked up by structure (see ``blocks``).
        :param similarity: the question's best cosine to any chunk, carried for abstention.
        :returns: the candidates best first, with the question's type and weighted terms.
        """
        docs, lexicon = self._corpus()
        model = self._selection_model()
        reading = reading or read_query(question)
        qtype = classify(question, reading)
        query = _subject(lexicon.query(question), question)
        asked = set(analyse(question))
        expected = expected_value(question)
        folded_question = " ".join(_WORDS.findall(question.casefold()))
        asks_definition = bool(_ASKS_DEFINITION.search(folded_question))
        seen: dict[tuple[str, int], tuple[Unit, Passage]] = {}
        for passage in passages:
            doc = docs.get(passage.doc_id)
            if doc is None:
                continue
            for unit in _neighbourhood(doc, passage, widen=qtype.shape == "compare"):
                seen.setdefault((unit.doc_id, unit.seq), (unit, passage))
        top = max((p.score for p in passages), default=0.0) or 1.0
        candidates = []
        for unit, passage in seen.values():
            doc = docs[unit.doc_id]
            terms = lexicon.terms(unit)
            lexical = lexicon.coverage(query, terms, lexicon.context(doc, unit))
            intro = _introduces_list(doc, unit)
            listy = qtype.shape in ("list", "howto")
            features = (
                # Long units cover more question words by chance: damp them (a 600-char sentence by ~0.8).
                lexical * min(1.0, (_TYPICAL_UNIT / len(unit.text)) ** 0.15),
                1.0 / passage.rank,
                float(passage.rank == 1),
                passage.score / top,
                float(passage.start < unit.end and unit.start < passage.end),
                lexicon.title_match(doc, unit, asked),
                lexicon.precision(query, terms),
                (1.0 if unit.doc_id in query.named_docs else -1.0) if query.named_docs else 0.0,
                float(qtype.shape == "compare" and _period(doc, unit) in qtype.periods),
                float(expected is not None and expected(unit.text) or holds_fields(doc, unit, qtype.fields)),
                # Retrieval ranked the matching scope first already; what is against it counts down here.
                max(0.0, -scope_match(reading, self._scope(doc, unit))) if reading.levels or reading.periods else 0.0,
                float(asks_definition and _defines(unit.text, folded_question)),
                # Recitals and signature answer only questions about them.
                float(unit.top_id in _FRAME_PARTS and not _ASKS_FRAME.search(question)),
                float(intro and listy),
                float(intro and not listy),
                float(unit.kind == "heading" and not intro),
                math.log(len(unit.text) / _TYPICAL_UNIT),
                float(doc.by_clause[unit.clause_id][0] is unit),
                0.0,
            )
            score = sum(w * f for w, f in zip(HAND_WEIGHTS, features))
            learned = model.rate(features) if model is not None else score
            candidates.append(Scored(unit, passage, lexical, score, features, learned, None))
        candidates.sort(key=lambda c: -c.score)
        levels = frozenset(level for p in passages if p.doc_id in docs for level in docs[p.doc_id].doc.meta.level or ())
        analysis = Analysis(question, qtype, query, passages, candidates, expected, reading, target, levels, similarity)
        # What the answer would quote decides: the best few are rated with their grown block's coverage.
        for i, cand in enumerate(candidates[:_COVERED]):
            block = self._grow(docs[cand.unit.doc_id], cand, analysis, lexicon)
            features = (*cand.features[:-1], lexicon.run_coverage(query, block.doc, block.units, cand.unit))
            learned = model.rate(features) if model is not None else cand.score
            candidates[i] = replace(cand, features=features, learned=learned, block=block)
        return analysis

    @property
    def lexicon(self) -> Lexicon:
        return self._corpus()[1]

    def blocks(self, analysis: Analysis) -> list[Block]:
        """The answer's blocks (``anchors``), each followed by what it would be misread without: the next khoản
        when that one refers back to the khoản a block ends ("3. Cơ quan nhà nước cung cấp miễn phí thông tin quy
        định tại khoản 2 Điều này."; ``_referring_clause``), and for an article another text of the corpus
        repeals, amends or replaces, that text's clause ("4. Bãi bỏ Điều 58 và Điều 59 của Luật Công nghệ
        thông tin …" after Điều 58 Luật CNTT): quoted alone, the article would read as law in force."""
        chosen = self.anchors(analysis)
        docs, _, amended = self._derived()
        notes: list[Block] = []
        for block in chosen:
            follow = _referring_clause(block)
            if follow and not any(b.doc is block.doc and b.covers(follow[0]) for b in (*chosen, *notes)):
                notes.append(Block(block.doc, follow, "text", block.score, block.period))
            articles = dict.fromkeys(a for u in block.units if (a := article_of(block.doc, u)) is not None)
            for unit in (u for a in articles for u in amended.get((block.doc.doc.meta.id, a), ())):
                source = docs[unit.doc_id]
                if not any(b.doc is source and b.covers(unit) for b in (*chosen, *notes)):
                    notes.append(Block(source, (unit,), "text", block.score, _period(source, unit)))
        return [*chosen, *notes]

    def anchors(self, analysis: Analysis) -> list[Block]:
        """Anchors best first, each grown into a block. After the first, an anchor must be nearly as
        good as the best (parallel list items, task rows; for a factoid, only when it asks more than one
        thing: "lấy từ nguồn nào, còn … thì ai chi trả?"), answer another source or period the
        question names (a comparison, "… ở NQ 57 … và trong danh mục 2026-2030"), or be one more of
        the items the question counts ("soạn 3 nhiệm vụ"). A factoid or how-to asking several things then gets a block
        for each ask the chosen blocks leave open (``_answer_to``), and a text the question names but no block
        is from gets one."""
        docs, lexicon = self._corpus()
        if not analysis.candidates:
            return []
        named = self._named_clause(docs, analysis, lexicon)
        if named is not None:
            return [named]
        shape = analysis.qtype.shape
        multi = shape == "compare" or len(analysis.query.named_docs) > 1 \
            or analysis.qtype.task and len(analysis.qtype.periods) > 1
        best = analysis.candidates[0].score
        chosen: list[Block] = []
        sources: set[tuple[str, str]] = set()
        # "soạn 3 nhiệm vụ": as many task records; "8 nhiệm vụ … là gì?" is one list of 8 items.
        ordered = self._first_anchor_first(analysis)
        lead = _lead_asked(analysis.question)
        limit = max(_LIMITS[shape], analysis.qtype.count if ordered[0].unit.kind == "task" else 0)
        for cand in ordered:
            if len(chosen) >= limit or chosen and cand.score < _FLOOR * best:
                break
            if any(b.doc.doc.meta.id == cand.unit.doc_id and b.covers(cand.unit) for b in chosen):
                continue
            block = self.grown(cand, analysis)
            source = (cand.unit.doc_id, block.period or "")
            # "soạn 3 nhiệm vụ xã hội số …": rows of the first one's area; "… do Bộ Công an chủ trì": that it leads
            wanted = bool(chosen) and chosen[0].kind == "task" == block.kind and len(chosen) < analysis.qtype.count \
                and _area(block) == _area(chosen[0]) and (not lead or _led_by(block.doc, block.units[0], lead))
            other = multi and source not in sources and _brings(block, chosen, analysis)
            # A near tie is a parallel answer in the same text (a list's sibling item, the next task row);
            # another text's near tie restates the answer or distracts from it, unless the question asks
            # for several texts or periods (``other``). A question asking one value has one answer: its
            # near ties restated it or were wrong (train and calib: 4 of 4 wrong; asking two, 2 of 3 right).
            # So has a task question ("cơ quan nào tham mưu …?") that a text, not a task table, answers:
            # the next row of a table is a parallel task, the next sentence of a text restates the first
            # (train and calib: T099 right, nothing lost).
            tie = bool(chosen) and cand.unit.doc_id == chosen[0].doc.doc.meta.id and cand.score >= _TIE[shape] * best \
                and (shape not in ("factoid", "task") or shape == "task" and chosen[0].kind == "task"
                     or analysis.qtype.asks > 1)
            if chosen and not (tie or (other or wanted) and cand.score >= _MULTI_FLOOR * best):
                continue
            if not chosen:  # the first anchor answers first, whatever scored higher beside it
                block = replace(block, score=max(block.score, best))
            chosen = [b for b in chosen if not block.contains(b)]
            chosen.append(block)
            sources.add(source)
        if chosen and chosen[0].kind == "task" and len(chosen) < analysis.qtype.count:
            chosen += self._sibling_tasks(chosen, analysis, lexicon, lead)[:analysis.qtype.count - len(chosen)]
        if chosen and shape in ("factoid", "howto") and analysis.qtype.asks > 1 and not multi:
            for part in ask_parts(analysis.question):
                if (extra := self._answer_to(part, chosen, analysis, docs, lexicon)) is not None:
                    chosen.append(extra)
        # A text the question names is quoted: when no block is from one, its best unit joins them, at the floor
        # of another named source's anchor ("… và khung KH CĐS 2026-2030 yêu cầu … thế nào?").
        named = set(analysis.query.named_docs)
        if chosen and named and not any(b.doc.doc.meta.id in named for b in chosen):
            top = max((c for c in analysis.candidates if c.unit.doc_id in named), key=lambda c: c.score, default=None)
            if top is not None and top.score >= _MULTI_FLOOR * best:
                chosen.append(self.grown(top, analysis))
        return chosen

    def _answer_to(self, part: str, chosen: list[Block], analysis: Analysis, docs: dict[str, DocUnits],
                   lexicon: Lexicon) -> Block | None:
        """A block for one ask of a question that asks several ("… có hiệu lực từ ngày nào và thay thế văn bản
        nào?"), when the blocks chosen leave it open: the candidate that covers that ask's own words best,
        holding the kind of value it asks for, if it covers them well and clearly better than the chosen do."""
        asked = lexicon.query(part)
        if len(asked.weights) < _ASK_TERMS:
            return None  # "… và để làm gì?": too few words of its own to tell what would answer it
        expect = expected_value(part)
        # the first source's, unless the ask names its own ("… và theo Thông tư 28 thì …"); an ask naming none, of a
        # question whose other ask names one ("Khung KH … đặt chỉ tiêu gì, và dịch vụ … theo quy chuẩn nào?"), any
        sources = set(asked.named_docs) or ({c.unit.doc_id for c in analysis.candidates} if analysis.query.named_docs
                                            else {chosen[0].doc.doc.meta.id})

        have = max(lexicon.run_coverage(asked, b.doc, b.units) for b in chosen)
        pool = [c for c in analysis.candidates if c.unit.doc_id in sources
                and not any(b.doc.doc.meta.id == c.unit.doc_id and b.covers(c.unit) for b in chosen)
                and (expect is None or expect(c.unit.text))]
        if not pool:
            return None
        value, best = max(((lexicon.run_coverage(asked, docs[c.unit.doc_id], (c.unit,)), c) for c in pool),
                          key=lambda pair: pair[0])
        if value < _ASK_COVERAGE or value < have + _ASK_GAIN:
            return None
        return self.grown(best, analysis)

    def _sibling_tasks(self, chosen: list[Block], analysis: Analysis, lexicon: Lexicon,
                       lead: tuple[str, ...]) -> list[Block]:
        """Further task rows, best first, whether or not retrieval brought each one: of the first one's area
        ("soạn bảng 3 nhiệm vụ xã hội số" wants three rows of that area); when the question names the lead agency
        ("… do Bộ Công an chủ trì"), those of its table that agency leads, its area's first."""
        first = chosen[0]
        area = _parent(first.doc, first.units[0])
        taken = {(b.doc.doc.meta.id, b.units[0].seq) for b in chosen}
        units = first.doc.units if lead else [u for c in first.doc.children.get(area, ())
                                              for u in first.doc.by_clause.get(c.id, ())]
        rows = [u for u in units if u.kind == "task" and (u.doc_id, u.seq) not in taken
                and (not lead or _led_by(first.doc, u, lead))]
        scored = sorted(rows, key=lambda u: (_parent(first.doc, u) != area,
                                             -lexicon.coverage(analysis.query, lexicon.terms(u))))
        return [Block(first.doc, (u,), "task", first.score, first.period) for u in scored]

    def render(self, blocks: list[Block], analysis: Analysis) -> Rendered:
        """Markdown with [n] markers, its citations and warnings (drafts, amended laws); when the
        sources are for another plan level than the question names, a first sentence says so."""
        rendered = render(blocks, analysis.qtype)
        other = other_level(analysis.reading, [self._scope(b.doc, b.units[0]) for b in blocks])
        asked = ", ".join(analysis.reading.levels)
        if other is not None:
            note = (f"*Lưu ý: các tài liệu không có nội dung riêng cho cấp {asked} về câu hỏi này; "
                    f"nội dung dưới đây là của cấp {other}.*")
        elif blocks and "xã" in analysis.reading.levels and _national_plan(blocks[0].doc):
            # A national plan's tasks are the ministries' and the Government's, not a commune's own.
            meta = blocks[0].doc.doc.meta
            note = (f"*Lưu ý: nội dung trích đầu tiên dưới đây thuộc {meta.short_title} (cấp quốc gia), "
                    f"không phải nội dung riêng cho cấp xã.*")
        else:
            return rendered
        return Rendered(f"{note}\n\n{rendered.markdown}", rendered.citations, rendered.warnings)

    @staticmethod
    def _scope(doc: DocUnits, unit: Unit) -> Scope:
        """The levels and period a unit is for: its innermost heading that says, else its document's."""
        headings = [doc.doc.meta.short_title, *(c.title or c.label for c in reversed(doc.ancestors(unit.clause_id)))]
        return scope_of(headings, doc.doc.meta.level, doc.doc.meta.period)

    def _named_clause(self, docs: dict[str, DocUnits], analysis: Analysis, lexicon: Lexicon) -> Block | None:
        """The clause the question names, whole (a section with its items, an article with all its
        khoản). A section named by its title is the answer; an article named by number, or an agency's duties,
        is when it covers the question's own words about as well as the best unit does: one named only as a
        reference ("… thông tin vi phạm Điều 16 …, chậm nhất bao lâu?") is not the answer, nor an agency's
        duties under another law than the one the question is about."""
        target = analysis.target
        doc = docs.get(target.doc_id) if target is not None else None
        lookup = analysis.reading.lookup
        if doc is not None and lookup == "groups":
            # the groups: the section's heading and the first line (a heading) of each of its parts
            parts = (doc.clauses[target.clause_id], *doc.children.get(target.clause_id, ()))
            units = [own[0] for c in parts if (own := doc.by_clause.get(c.id))][:_MAX_NAMED_UNITS]
        else:  # the target's span: its clause whole, or a line of it (a header's date line)
            units = [u for u in doc.subtree(target.clause_id) if target.start <= u.start and u.end <= target.end
                     ][:_MAX_NAMED_UNITS] if doc is not None else []
        if not units:
            return None
        block = Block(doc, tuple(units), "text", analysis.candidates[0].score, _period(doc, units[0]))
        if lookup not in ("article", "actor") or lookup == "article" and _ASKS_ITS_CONTENT.search(analysis.question):
            return block  # "Điều 58 Luật CNTT 2006 quy định về gì …?" asks what the article says, whatever else
        query = lexicon.query(without_article(analysis.question))  # its words, not where it points
        asked = QueryTerms({t: w for t, w in query.weights.items() if t not in _ASKS_CONTENT}, query.unseen,
                           query.named_docs)

        best = max(lexicon.run_coverage(asked, docs[c.unit.doc_id], (c.unit,)) for c in analysis.candidates[:_NAMED_POOL])
        return block if lexicon.run_coverage(asked, doc, units) >= _NAMED_COVERAGE * best else None

    def _first_anchor_first(self, analysis: Analysis) -> list[Scored]:
        """The candidates, the first anchor first: the best unit of the top-ranked passage (the ranker
        weighed meaning), unless another unit is rated ``margin`` higher by the selection model."""
        candidates = analysis.candidates
        model = self._selection_model()
        margin = model.margin if model is not None else HAND_MARGIN
        best = max(candidates, key=lambda c: c.learned)
        default = max((c for c in candidates if c.passage.rank == 1), key=lambda c: c.learned, default=best)
        first = best if best.learned > default.learned + margin else default
        return [first, *(c for c in candidates if c is not first)]

    def grown(self, cand: Scored, analysis: Analysis) -> Block:
        """The block ``cand`` grows into (see ``_grow``), as ``analyse`` grew it for the best candidates."""
        if cand.block is not None:
            return cand.block
        docs, lexicon = self._corpus()
        return self._grow(docs[cand.unit.doc_id], cand, analysis, lexicon)

    def _grow(self, doc: DocUnits, cand: Scored, analysis: Analysis, lexicon: Lexicon) -> Block:
        """The block an anchor stands for, by the question's shape (see the module docstring)."""
        unit = cand.unit
        if unit.kind == "task":
            return Block(doc, (unit,), "task", cand.score, _period(doc, unit))
        if analysis.qtype.shape in ("list", "howto") or analysis.qtype.count:  # "4 chính sách nào": a list
            group = _enumeration(doc, unit)
            # An article's or a khoản's provisions are read from the first (an anchor on "2. Chính phủ quy
            # định …" after the list of khoản 1 must not show only the list's tail).
            units = _capped(doc.subtree(group.id), unit, from_start=group.kind in _PROVISIONS)
        elif unit.kind == "heading" or unit.text.rstrip().endswith(":"):
            units = _capped([u for u in doc.subtree(unit.clause_id) if u.seq >= unit.seq], unit)
        else:
            units = _with_neighbours(doc, unit, analysis.query, lexicon)
            lead = _lead_in(doc, units[0])
            if lead is not None:
                units = [lead, *units]
        return Block(doc, tuple(units), "text", cand.score, _period(doc, unit))

    def _corpus(self) -> tuple[dict[str, DocUnits], Lexicon]:
        """Units and term statistics of the indexed documents, rebuilt when the corpus changed."""
        docs, lexicon, _ = self._derived()
        return docs, lexicon

    def _derived(self) -> tuple[dict[str, DocUnits], Lexicon, dict[tuple[str, int], tuple[Unit, ...]]]:
        """What is derived from the indexed documents, of one revision: their units, term statistics, and
        which of their articles another of them repeals or amends (``_amendments``)."""
        revision = self.index.docstore.revision()
        with self._lock:
            if self._lexicon is None or revision != self._revision:
                docs = {d.meta.id: document_units(d) for d in self.index.docstore.documents()}
                lexicon = load_lexicon(docs.values(), self.cache_dir, revision)
                self._docs, self._lexicon, self._amended = docs, lexicon, amendments(docs)
                self._revision = revision
            return self._docs, self._lexicon, self._amended


def holds_fields(doc: DocUnits, unit: Unit, fields: tuple[str, ...]) -> bool:
    """Whether ``unit`` is a task record that fills a task field the question asks for ("do ai chủ trì":
    the lead), the kind of value a task question asks."""
    record = doc.tasks.get(unit.clause_id) if fields and unit.kind == "task" else None
    return record is not None and any((span := getattr(record, f)) is not None and span.text.strip() for f in fields)


def _national_plan(doc: DocUnits) -> bool:
    """A national plan or task list ("quốc gia" level): its tasks are led by ministries and the
    Government. Laws and resolutions, also national, bind every level and need no such note."""
    meta = doc.doc.meta
    return set(meta.level or ()) == {NATIONAL} and meta.kind in ("plan", "task_table")


def _subject(query: QueryTerms, question: str) -> QueryTerms:
    """The question's terms less those of the periods it names: "giai đoạn 2026-2030" says which
    sections (scope, which retrieval and ``scope_conflict`` weigh), not what to find in them, so a bare
    "Giai đoạn năm 2028-2030" heading does not match the question by its period words alone."""
    spans = scope_phrases(question).periods
    if not spans:
        return query
    scope_terms = set().union(*(analyse(question[start:end]) for start, end in spans))
    return replace(query, weights={t: w for t, w in query.weights.items() if t not in scope_terms})


def _brings(block: Block, chosen: list[Block], analysis: Analysis) -> bool:
    """Whether a block from another source answers a part of the question the chosen blocks do not:
    a document or a period the question names and none of them is from ("chỉ tiêu 5G năm 2025 và mục
    tiêu đến 2030": the 2025 plan's target next to the 2026-2030 one, not a third text's for 2030).
    A comparison that names neither takes any other source."""
    named_docs, periods = analysis.query.named_docs, analysis.reading.periods
    if not named_docs and not periods:
        return True
    doc_id = block.doc.doc.meta.id
    if doc_id in named_docs and all(b.doc.doc.meta.id != doc_id for b in chosen):
        return True
    # A block for the span of every period asked (a "2026-2030" target beside "2025-2027" and "2028-2030") is for
    # none of them in particular.
    return any(_overlaps(block.period, period) and not any(_overlaps(b.period, period) for b in chosen)
               and not any(_overlaps(block.period, other) for other in periods if other != period)
               for period in periods)


def _overlaps(text: str | None, period: tuple[int, int]) -> bool:
    return any(start <= period[1] and period[0] <= end for start, end in read_periods(text or ""))


def _with_neighbours(doc: DocUnits, unit: Unit, query: QueryTerms, lexicon: Lexicon) -> list[Unit]:
    """A sentence with its paragraph when that is short (the official reads the figure in its
    context); in a long paragraph, with the sentences next to it that bring rare question words it
    lacks ("… 90-100% IPv6 vào năm 2030. Cần … tiến tới tắt bỏ hoàn toàn IPv4.")."""
    paragraph = [u for u in doc.by_clause.get(unit.clause_id, ()) if u.kind == "text"]
    if sum(len(u.text) for u in paragraph) <= _SHORT_PARAGRAPH and _contiguous(paragraph):
        return paragraph
    if _title_line(unit):  # "Xác định mục tiêu cụ thể", a run-in heading: what it heads is the answer
        body: list[Unit] = []
        size = 0
        for other in doc.units[unit.seq + 1:]:
            if other.clause_id != unit.clause_id or other.kind != "text" or _title_line(other) \
                    or body and size + len(other.text) > _SHORT_PARAGRAPH:
                break
            body.append(other)
            size += len(other.text)
        if body:
            return [unit, *body]
    units = [unit]
    covered = set(lexicon.terms(unit))
    for step in (-1, 1):
        seq = unit.seq + step
        while 0 <= seq < len(doc.units):
            other = doc.units[seq]
            if other.clause_id != unit.clause_id or other.kind != "text" \
                    or lexicon.gain(query, lexicon.terms(other), covered) <= 0:
                break
            units.append(other)
            covered |= lexicon.terms(other)
            seq += step
    return sorted(units, key=lambda u: u.seq)


def _referring_clause(block: Block) -> tuple[Unit, ...]:
    """The units of the khoản right after the one a block quotes to its end, when it refers back to it: "3. Cơ
    quan nhà nước cung cấp miễn phí thông tin quy định tại khoản 2 Điều này." completes khoản 2 (what must be
    published) with how; quoted alone, khoản 2 reads as the whole rule. Empty otherwise."""
    doc, last = block.doc, block.units[-1]
    provision = next((c for c in doc.ancestors(last.clause_id) if c.kind == "clause"), None)
    if block.kind != "text" or provision is None or provision.end > last.end + 1:
        return ()
    siblings = doc.children.get(provision.parent, ())
    after = next((c for c, p in zip(siblings[1:], siblings) if p.id == provision.id), None)
    if after is None or after.kind != "clause":
        return ()
    units = tuple(doc.subtree(after.id))
    text = " ".join(u.text for u in units)
    # the khoản itself, not a point of it ("… quy định tại điểm a khoản 4 Điều này bao gồm …" defines a term of it)
    return units if re.search(rf"(?<!\b[a-zđ] )\bkhoản {re.escape(provision.number)} Điều này\b", text) else ()


def _lead_asked(question: str) -> tuple[str, ...]:
    """The agency a question asks tasks of, folded, each way it names it: "… do địa phương (UBND tỉnh) chủ trì"
    -> ("dia phuong", "ubnd tinh"); none when it names none."""
    found = _ASKED_LEAD.search(question)
    if found is None or _ASKS_WHICH.search(found.group(1)):
        return ()
    return tuple(name for part in re.split(r"[()]", found.group(1)) if (name := folded(part)))


def _led_by(doc: DocUnits, unit: Unit, names: tuple[str, ...]) -> bool:
    """Whether the task record ``unit`` quotes has a lead agency that holds one of ``names`` (folded)."""
    record = doc.tasks.get(unit.clause_id)
    if record is None or record.lead is None:
        return False
    lead = folded(record.lead.text)
    return any(re.search(rf"\b{re.escape(name)}\b", lead) for name in names)


def _parent(doc: DocUnits, unit: Unit) -> str | None:
    """The clause above the one holding ``unit``: a task row's area."""
    return doc.clauses[unit.clause_id].parent


def _area(block: Block) -> tuple[str, str | None]:
    """The document and the area of a block's first unit."""
    return block.doc.doc.meta.id, _parent(block.doc, block.units[0])


def _lead_in(doc: DocUnits, unit: Unit) -> Unit | None:
    """The sentence a law's point completes ("2. Bộ Công an là cơ quan chủ quản …, có trách nhiệm sau đây:"
    before "a) Chịu trách nhiệm xây dựng …"): the last unit of the item's parent clause before it, when
    that ends with a colon; None for anything else."""
    clause = doc.clauses.get(unit.clause_id)
    if clause is None or clause.kind != "point" or not clause.parent:
        return None
    before = [u for u in doc.by_clause.get(clause.parent, ()) if u.seq < unit.seq]
    return before[-1] if before and before[-1].text.rstrip().endswith(":") else None


def _title_line(unit: Unit) -> bool:
    """A short line without closing punctuation that the parser left in the text: a run-in heading
    ("Xác định mục tiêu tổng quát", "Giai đoạn năm 2025-2027") over the sentences that follow it."""
    text = unit.text.strip()
    return unit.kind == "text" and 0 < len(text) <= _TITLE_LINE and text[0].isupper() and text[-1] not in ".;:,!?…"


def _contiguous(units: list[Unit]) -> bool:
    return all(b.seq == a.seq + 1 for a, b in zip(units, units[1:]))


def _neighbourhood(doc: DocUnits, passage: Passage, widen: bool) -> list[Unit]:
    """The passage's units, and the rest of the clause it was cut from when that clause is small:
    a chunk border must not hide the item next to the one retrieved. With ``widen`` (comparisons),
    the clause's parent: the "Giai đoạn 2025-2027" list next to the retrieved "Giai đoạn 2028-2030"."""
    clause = doc.clauses.get(passage.clause_id)
    if clause is not None and widen and clause.parent in doc.clauses:
        parent_units = doc.subtree(clause.parent)
        if len(parent_units) <= _NEIGHBOURHOOD:
            return parent_units
    clause_units = doc.subtree(clause.id) if clause is not None else []
    if 0 < len(clause_units) <= _NEIGHBOURHOOD:
        return clause_units
    return doc.overlapping(passage.start, passage.end)


def _defines(text: str, folded_question: str) -> bool:
    """Whether ``text`` opens by defining or enumerating a phrase of at least two words that the
    question uses: "7. Khoảng cách số là sự chênh lệch …" for "… định nghĩa 'khoảng cách số' …"."""
    m = _DEFINITION.match(text)
    if not m:
        return False
    subject = " ".join(_WORDS.findall(m.group(1).casefold()))
    return len(subject.split()) >= 2 and f" {subject} " in f" {folded_question} "


def _introduces_list(doc: DocUnits, unit: Unit) -> bool:
    """A heading or an intro sentence ("… bao gồm:") followed by its clause's children, short enough
    to be answered whole (a whole section's heading is not a list's)."""
    if not doc.children.get(unit.clause_id) or len(doc.subtree(unit.clause_id)) > _MAX_BLOCK_UNITS:
        return False
    return unit.kind == "heading" or unit.text.rstrip().endswith(":")


def _enumeration(doc: DocUnits, unit: Unit) -> Clause:
    """The clause whose children form the list ``unit`` belongs to (or the clause itself)."""
    clause = doc.clauses[unit.clause_id]
    if doc.children.get(clause.id):
        return clause
    parent = doc.clauses.get(clause.parent) if clause.parent else None
    listed = clause.kind in ("bullet", "item", "point", "clause", "table_row")
    if parent is not None and listed and len(doc.children.get(parent.id, ())) >= 2:
        return parent
    return clause


def _capped(units: list[Unit], anchor: Unit, *, from_start: bool = False) -> list[Unit]:
    """At most _MAX_BLOCK_UNITS units and _MAX_BLOCK_CHARS characters, keeping the anchor: a window
    around it, or with ``from_start`` (a list) the list's first units and then the anchor, so that a
    list anchored on a late item or on the clause after it is shown from its start."""
    if not units:
        return [anchor]
    index = units.index(anchor) if anchor in units else 0
    start = 0 if from_start or index < _MAX_BLOCK_UNITS * 2 // 3 else index - _MAX_BLOCK_UNITS // 3
    out: list[Unit] = []
    size = 0
    for u in units[start:]:
        if len(out) >= _MAX_BLOCK_UNITS or size + len(u.text) > _MAX_BLOCK_CHARS and out:
            break
        out.append(u)
        size += len(u.text)
    if anchor in units and anchor not in out:
        while out and (len(out) >= _MAX_BLOCK_UNITS or size + len(anchor.text) > _MAX_BLOCK_CHARS):
            size -= len(out.pop().text)
        out.append(anchor)
    return out


def _period(doc: DocUnits, unit: Unit) -> str | None:
    """The period a unit speaks of ("2025", "2026-2030"): the nearest clause heading naming one as the
    question reader reads periods (not the year of a document number: "Nghị định số 47/2024/NĐ-CP"),
    else the document's."""
    for clause in doc.ancestors(unit.clause_id):
        if found := read_periods(f"{clause.label} {clause.title}"):
            start, end = found[0]
            return str(start) if start == end else f"{start}-{end}"
    return doc.doc.meta.period

