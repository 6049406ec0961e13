"""Term statistics over every answer unit of the corpus, for unit scoring and abstention.

Terms are the BM25 index's own single words (``ingest.sparse.analyse``: pyvi words, their syllables,
forms without diacritics, whole document numbers; not its word pairs), so the composer and the
retriever see a question alike. A
question's terms are weighted by their IDF over units; question words ("ai", "bao nhiêu", "nào") and
the words that only name a document the question cites ("theo Luật GDĐT 2023") carry no weight:
they say where to look, not what to find.
"""

from __future__ import annotations

import hashlib
import math
import os
import pickle
import re
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.engine._units import DocUnits, Unit
from assistant.engine.read import GLOSS, expand_inline, read_query, scope_of, scope_phrases
from ingest.sparse import analyse as _analyse
from ingest.vietnamese import ABBREVIATIONS, strip_diacritics

_QUESTION_WORDS = frozenset(
    """ai nào gì bao_nhiêu bao nhiêu khi_nào thế_nào như_thế_nào sao ra_sao đâu mấy hãy giúp tôi soạn viết
    liệt_kê liệt kê hỏi cho_biết biết những các của theo trong được là và có cho thì khi do với về tại từ
    đến này đó một hoặc hay để phải không hiện nêu cần lần_lượt đâu_là so_sánh so_với ở năm
    ngày tháng nhất""".split()
)
_STRIPPED_QUESTION_WORDS = frozenset(strip_diacritics(w) for w in _QUESTION_WORDS)
# Interrogative phrases and the verbs that ask where something is mentioned ("được nhắc trong …", "đề cập"), taken
# out before the question is cut into words: the tokenizer does not always join them ("… 2026-2030 thế nào, ai …"
# gives "thế" and "nào"), and a lone "thế", "lâu", "sánh" or "nhắc" is a rare word of the corpus (or one it never
# uses) that the question does not ask about.
_QUESTION_PHRASES = re.compile(r"\b(?:(?:như|nhu)\s+)?(?:thế|the)\s+(?:nào|nao)\b|\b(?:ra\s+sao|bao\s+(?:lâu|lau|nhiêu|nhieu)|"
                               r"lần\s+lượt|lan\s+luot|so\s+(?:sánh|sanh)|(?:nhắc(?!\s+nhở)|nhac(?!\s+nho)|đề\s+cập|de\s+cap)"
                               r"(?:\s+(?:đến|tới|den|toi))?)\b", re.IGNORECASE)
# Abbreviations: in a question one weighs by its full form, analysed beside it (``Lexicon.query``), so one the
# corpus never writes ("GDĐT") is no unknown word.
_ABBREVIATION_TERMS = frozenset(form for a in ABBREVIATIONS
                                for form in (a.casefold(), "~" + strip_diacritics(a).casefold()))
_DOC_NAME_STOP = frozenset({"số", "năm", "giai_đoạn", "giai", "đoạn"})
# A text made to carry out a law, by its title without diacritics: "Nghị định quy định chi tiết một số điều và
# biện pháp thi hành Luật Trí tuệ nhân tạo", "Thông tư hướng dẫn Luật …"; its kind and the law's name.
_CARRIES_OUT = re.compile(r"^(nghi dinh|thong tu)\b.*\b(?:thi hanh|huong dan|chi tiet)\b.*?\b(luat .+?)\s*$")
_SPECIFIC_DF = 0.01  # a term in at most 1% of units is specific
_NAMED = 0.7  # IDF-weighted share of a document's name a question must use to name it
_NAMED_LEVELLESS = 0.85  # the same for its name less the levels in it, by a question naming no level
# Document numbers ("47/2024/NĐ-CP", "3816/BTTTT-CĐSQG", "57-NQ/TW") and laws by name ("Luật Dữ liệu").
_DOC_REF = re.compile(r"\b\d+(?:/\d{4})?/[A-ZĐ][A-ZĐa-zđ&]*(?:-[A-ZĐ][A-ZĐa-zđ&]*)*\d*|\b\d+-[A-ZĐ]+/[A-ZĐ]+\b")
_LAW = re.compile(r"\bLuật\s+((?:[A-ZĐ&]{2,}|[A-ZĐ][^\s,.;:?!()]*)(?:\s+[^\s,.;:?!()]+){0,5})")
_KIND_NUMBER = re.compile(r"\b(?:luật|nghị định|nghị quyết|quyết định|thông tư|công văn|chỉ thị|đề án|kế hoạch|"
                          r"nđ|nq|qđ|tt|cv|kh)\s*(?:số\s*)?(\d{1,5})\b(?!\s*%)", re.IGNORECASE)
_COMBINING = re.compile(r"[\u0300-\u036f]")
_QUOTED = re.compile(r"['‘\"“]([^'’\"”]{3,80})['’\"”]")  # a phrase the asker quotes names the topic


@dataclass(frozen=True)
class QueryTerms:
    """A question's weighted terms (IDF over units) and the documents it names."""

    weights: dict[str, float]  # terms the corpus has
    unseen: tuple[str, ...]  # content terms no unit has (they cannot rank units; abstention reads them)
    named_docs: tuple[str, ...]  # doc ids whose name or number the question cites

    @property
    def total(self) -> float:
        return sum(self.weights.values())


class Lexicon:
    """IDF over the corpus's units, unit term sets, and the names documents are cited by.

    >>> lexicon = Lexicon(doc_units.values())                      # doctest: +SKIP
    >>> q = lexicon.query("Luật GDĐT 2023 liệt kê những loại dịch vụ tin cậy nào?")   # doctest: +SKIP
    >>> lexicon.coverage(q, lexicon.terms(unit))                   # doctest: +SKIP
    """

    def __init__(self, documents: Iterable[DocUnits]):
        self._terms: dict[tuple[str, int], frozenset[str]] = {}
        self._context: dict[tuple[str, str, bool], frozenset[str]] = {}
        self._titles: dict[tuple[str, str], frozenset[str]] = {}
        df: Counter[str] = Counter()
        self._doc_names: dict[str, frozenset[str]] = {}
        self._name_levels: dict[str, frozenset[str]] = {}  # the plan levels a name says ("cấp bộ, tỉnh")
        self._levelless_names: dict[str, frozenset[str]] = {}  # the name's words less its levels
        self._numbers: set[str] = set()  # document numbers of the corpus, as _reference() writes them
        self._leading_numbers: set[str] = set()  # their leading figures: "142" of "142/2026/NĐ-CP"
        self._by_leading_number: dict[str, list[str]] = {}  # "142" -> the doc ids numbered so
        self._laws: list[str] = []  # law names without "Luật", without diacritics
        # doc id -> its kind and the "luat …" it carries out (plain), and the terms of both as the title writes them
        self._carrying_out: dict[str, tuple[str, str, frozenset[str]]] = {}
        self._law_ids: set[str] = set()  # the corpus's laws, named only with the word "Luật"
        for doc in documents:
            for unit in doc.units:
                terms = frozenset(analyse(unit.text))
                self._terms[(unit.doc_id, unit.seq)] = terms
                df.update(terms)
            meta = doc.doc.meta
            if meta.kind == "law":
                self._law_ids.add(meta.id)
            # A text is named by its short name ("Luật CNTT 2006", "Luật An ninh mạng") or by its number
            # ("Luật số 67/2006/QH11", below): its number's parts would make up a third of a law's name,
            # which a question citing the law by name then fell short of.
            name = meta.short_title or meta.number or ""
            # Single words only: a question cites "Luật GDĐT 2023", not the name's word pairs.
            self._doc_names[meta.id] = _name_terms(name)
            # The levels in a name say whom the text is for, and a question may drop them ("Khung KH CĐS
            # 2026-2030" for "Khung KH CĐS cấp bộ, tỉnh 2026-2030"); one naming another level names another text.
            self._name_levels[meta.id] = scope_of([name], None, None).levels or frozenset()
            plain_name = name
            for start, end in reversed(scope_phrases(name).levels):
                plain_name = plain_name[:start] + " " + plain_name[end:]
            self._levelless_names[meta.id] = _name_terms(plain_name)
            if meta.number:
                self._numbers.add(_reference(meta.number))
                if lead := re.match(r"\s*(\d+)", meta.number):  # "142" of "142/2026/NĐ-CP"
                    self._leading_numbers.add(lead.group(1))
                    self._by_leading_number.setdefault(lead.group(1), []).append(meta.id)
            if meta.kind == "law":
                self._laws.append(_plain(meta.title).removeprefix("luat "))
            elif (carries := _CARRIES_OUT.match(_plain(title := " ".join(meta.title.split())))) \
                    and len(carries.string) == len(title):  # the same offsets with and without diacritics
                # its words, as the question's, name it: "hướng dẫn … Luật Trí tuệ nhân tạo" asks of no law
                self._carrying_out[meta.id] = (carries.group(1), carries.group(2), _name_terms(
                    f"{title[carries.start(1):carries.end(1)]} {title[carries.start(2):carries.end(2)]}"))
        # Words many documents' names share ("KH CĐS", "kế hoạch") say little about which one is meant.
        name_df = Counter(t for name in self._doc_names.values() for t in name)
        self._name_idf = {t: math.log(1 + len(self._doc_names) / c) for t, c in name_df.items()}
        self._n = len(self._terms)
        self._idf = {t: math.log((self._n + 1) / (c + 0.5)) for t, c in df.items()}
        self._unseen_idf = math.log((self._n + 1) / 0.5)
        self._specific_idf = math.log((self._n + 1) / (_SPECIFIC_DF * self._n + 0.5))

    def terms(self, unit: Unit) -> frozenset[str]:
        return self._terms.get((unit.doc_id, unit.seq)) or frozenset(analyse(unit.text))

    @property
    def unseen_idf(self) -> float:
        """The IDF a word no unit has would get."""
        return self._unseen_idf

    def is_rare(self, term: str) -> bool:
        """In at most 1% of the corpus's units (a name, a figure, a specific notion)."""
        return self._idf.get(term, self._unseen_idf) >= self._specific_idf

    def gain(self, query: QueryTerms, terms: frozenset[str], covered: set[str]) -> float:
        """Share of the question's rare-term weight found in ``terms`` and not yet ``covered``."""
        total = query.total
        if not total:
            return 0.0
        return sum(w for t, w in query.weights.items()
                   if t in terms and t not in covered and self.is_rare(t)) / total

    def title_match(self, doc: DocUnits, unit: Unit, asked: set[str]) -> float:
        """How specifically the question names the headings above ``unit``: every ancestor title of two
        or more words whose terms the question all uses adds up to 1 by its length (six terms count
        fully), so a unit under "ĐỊNH HƯỚNG … 2024-2025 › … › Xã hội số" outranks the section heading
        that only the first names; capped at 2."""
        total = 0.0
        for clause in doc.ancestors(unit.clause_id):
            key = (doc.doc.meta.id, clause.id)
            title = self._titles.get(key)
            if title is None:
                words = clause.title
                title = self._titles[key] = frozenset(t for t in analyse(words) if not t.startswith("~")) \
                    if len(words.split()) >= 2 else frozenset()
            if title and title <= asked:
                total += min(1.0, len(title) / 6)
        return min(total, 2.0)

    def query(self, question: str) -> QueryTerms:
        """The question's content terms with their weights, and the documents it names."""
        terms = analyse(_QUESTION_PHRASES.sub(",", question))
        # A question typed with diacritics matches exactly; one without them matches by stripped form.
        plain = not _COMBINING.search(unicodedata.normalize("NFD", question)) and not re.search("[đĐ]", question)
        if plain:
            content = [t for t in dict.fromkeys(terms)
                       if not any(_plain(w) in _STRIPPED_QUESTION_WORDS for w in t.split())]
        else:
            content = [t for t in dict.fromkeys(terms)
                       if not t.startswith("~") and not any(w in _QUESTION_WORDS for w in t.split())]
        asked = set(terms)
        # A law is named as one ("Luật An ninh mạng"): its topic words alone ("bảo đảm an ninh mạng cho
        # hạ tầng …") are the question's subject, not a citation.
        law_cited = bool(asked & {"luật", "~luat"})
        levels = set(read_query(question).levels)
        named = tuple(doc_id for doc_id, name in self._doc_names.items()
                      if name and (law_cited or doc_id not in self._law_ids)
                      and (not levels or not self._name_levels[doc_id] or levels & self._name_levels[doc_id])
                      and (self._share(name, asked) >= _NAMED
                           or not levels and self._share(self._levelless_names[doc_id], asked) >= _NAMED_LEVELLESS))
        # "Nghị định 142", "Đề án 982", "CV 3816": a kind of text and the leading figure of a corpus number.
        by_number = [d for m in _KIND_NUMBER.finditer(question) for d in self._by_leading_number.get(m.group(1), ())]
        # "Nghị định hướng dẫn Luật Trí tuệ nhân tạo": a decree or circular by its kind and the law it carries out.
        folded = " ".join(_plain(question).split())
        by_law = {d: terms for d, (kind, law, terms) in self._carrying_out.items() if kind in folded and law in folded}
        named = tuple(dict.fromkeys([*named, *by_number, *by_law]))
        name_terms = set().union(*(self._doc_names[d] for d in named), *by_law.values())
        quoted = set()
        for phrase in _QUOTED.findall(question):
            quoted.update(analyse(phrase))
        # An abbreviation ("CĐS", "CNTT") weighs through its full form, analysed beside it: as itself it is rare
        # (IDF 6-7), so it would favour the few units that abbreviate over those that write the words out.
        content = [t for t in content if t not in name_terms and t not in _ABBREVIATION_TERMS]
        weights = {t: self._idf[t] * (2.0 if t in quoted else 1.0) for t in content if t in self._idf}
        # Without diacritics only the stripped forms ("~nau") say whether the corpus knows a word.
        # "Thẻ mô hình (model card)": the gloss's words restate the term before it; the corpus need not know them.
        glossed = set(analyse(" ".join(GLOSS.findall(question))))
        unseen = tuple(t for t in content if t not in self._idf and t not in glossed
                       and (not plain or t.startswith("~")))
        return QueryTerms(weights, unseen, named)

    def _share(self, name: frozenset[str], asked: set[str]) -> float:
        """IDF-weighted share of a document name's words that a question uses."""
        total = sum(self._name_idf.get(t, 0.0) for t in name)
        return sum(self._name_idf.get(t, 0.0) for t in name & asked) / total if total else 0.0

    def distinct_asks(self, asks: Sequence[str]) -> list[str]:
        """The asks of a question (``_qtype.ask_parts``) that name a notion of their own, a rare word the other
        asks lack: "… chỉ tiêu phủ sóng 5G thế nào, và dịch vụ Internet 5G phải theo quy chuẩn nào?" asks two
        things; "… định nghĩa 'dữ liệu chủ' và định nghĩa ra sao?" asks twice about one. None of a one-ask question."""
        terms = [set(self.query(ask).weights) for ask in asks]
        return [ask for i, ask in enumerate(asks) if len(asks) > 1 and any(
            self.is_rare(t) and not any(t in other for j, other in enumerate(terms) if j != i) for t in terms[i])]

    def is_document_number(self, figure: str) -> bool:
        """Whether a bare number is the number of a corpus document ("3816" of "3816/BTTTT-CĐSQG")."""
        digits = re.sub(r"\D", "", figure)
        return bool(digits) and digits in self._leading_numbers

    def unknown_documents(self, question: str) -> list[str]:
        """Documents the question cites that are not in the corpus: a number ("47/2024/NĐ-CP") that
        is no corpus document's, a law ("Luật Dữ liệu") whose name is no corpus law's."""
        return [ref for ref, known in self._citations(question) if not known]

    def cites_corpus_document(self, question: str) -> bool:
        """Whether the question cites a corpus document by number or, for a law, by name."""
        return any(known for _, known in self._citations(question))

    def _citations(self, question: str) -> list[tuple[str, bool]]:
        found = [(m.group(0), _reference(m.group(0)) in self._numbers) for m in _DOC_REF.finditer(question)]
        for m in _LAW.finditer(question):
            named = _plain(expand_inline(m.group(1)))
            known = any(named.startswith(law) or law.startswith(named.split(" 2")[0]) for law in self._laws)
            found.append(("Luật " + " ".join(m.group(1).split()[:2]), known))
        return found

    def coverage(self, query: QueryTerms, terms: frozenset[str], context: frozenset[str] = frozenset()) -> float:
        """IDF-weighted share of the question's terms found in ``terms``; a term found only in
        ``context`` (the headings above a unit) counts half."""
        total = query.total
        if total <= 0:
            return 0.0
        found = sum(w if t in terms else 0.5 * w for t, w in query.weights.items() if t in terms or t in context)
        return found / total

    def precision(self, query: QueryTerms, terms: frozenset[str]) -> float:
        """IDF-weighted share of a unit's words that the question uses: "Dịch vụ tin cậy bao gồm:"
        is all question, "Điều kiện kinh doanh dịch vụ tin cậy bao gồm:" is not."""
        weights = [(self._idf.get(t, 0.0), t in query.weights) for t in terms if not t.startswith("~")]
        total = sum(w for w, _ in weights)
        return sum(w for w, asked in weights if asked) / total if total else 0.0

    def run_coverage(self, query: QueryTerms, doc: DocUnits, units: Sequence[Unit], anchor: Unit | None = None) -> float:
        """``coverage`` of ``units`` read together, the headings above ``anchor`` (the first unit if None) as
        their context."""
        terms = frozenset().union(*(self.terms(u) for u in units))
        return self.coverage(query, terms, self.context(doc, anchor or units[0]))

    def context(self, doc: DocUnits, unit: Unit) -> frozenset[str]:
        """Terms of the headings above ``unit`` (its clause's and its ancestors' titles)."""
        own_heading = unit.kind == "heading"  # a heading is not its own context; its clause's sentences have it
        key = (doc.doc.meta.id, unit.clause_id, own_heading)
        cached = self._context.get(key)
        if cached is None:
            titles = " ".join(c.title for c in doc.ancestors(unit.clause_id)
                              if c.title and not (c.id == unit.clause_id and own_heading))
            cached = self._context[key] = frozenset(analyse(titles)) if titles else frozenset()
        return cached


def load_lexicon(documents: Iterable[DocUnits], folder: Path | None, revision: Hashable) -> Lexicon:
    """The Lexicon of ``documents``, read from ``folder`` when it was built for the same corpus
    (``revision``: the document store's, which changes with any document) by the same code; otherwise
    built and stored there (``folder`` None: never stored). Building analyses every unit of the corpus
    (about a second on 2 cores, paid by every `cds ask` process); reading it back takes a few tens of
    milliseconds. The file is derived data in the user's own data directory, like the index."""
    if folder is None:
        return Lexicon(documents)
    path = folder / "lexicon.pickle"
    key = f"{hashlib.sha256(repr(revision).encode()).hexdigest()[:16]}|{_code_key()}"
    try:
        with path.open("rb") as f:
            stored_key, lexicon = pickle.load(f)
        if stored_key == key and isinstance(lexicon, Lexicon):
            return lexicon
    except (OSError, EOFError, ValueError, TypeError, AttributeError, ImportError, pickle.UnpicklingError):
        pass  # missing, torn or written by other code (a class since moved: ImportError): build it again
    lexicon = Lexicon(documents)
    folder.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".lexicon-")
    with os.fdopen(fd, "wb") as f:
        pickle.dump((key, lexicon), f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(temporary, path)  # readers see the old file or the new one, never half of one
    return lexicon


def _code_key() -> str:
    """Hash of the code a Lexicon's content depends on: the engine package and the ingest analyser."""
    digest = hashlib.sha256()
    for package in (Path(__file__).parent, Path(_analyse.__code__.co_filename).parent):
        for path in sorted(package.rglob("*.py")):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def analyse(text: str) -> list[str]:
    """The index's terms of ``text`` without its word pairs: unit scoring weighs words, and a pair
    spanning two words of a question ("đặt mục", "lệ sử") is rare enough to swamp the real ones."""
    return [t for t in _analyse(text) if " " not in t]


def _name_terms(name: str) -> frozenset[str]:
    return frozenset(t for t in analyse(name) if not t.startswith("~") and t not in _DOC_NAME_STOP)


def _plain(term: str) -> str:
    return strip_diacritics(term.lstrip("~")).casefold()


def _reference(number: str) -> str:
    """A document number compared loosely: "3816 /BT/TTT-CĐSQG" and "3816/BTTTT-CĐSQG" are one."""
    return re.sub(r"[^0-9a-z]", "", _plain(number))
