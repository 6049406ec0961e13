"""Structured knowledge derived from the ingested documents: task records with normalised deadlines and
agencies, the areas they belong to, and the index of legal bases.

Everything is built from the document store (clause trees and task records the ingest stage parsed),
with pure functions, and cached per index state: ``KnowledgeBase.of(index)`` rebuilds only when the
ingest ledger changed.

>>> kb = KnowledgeBase.of(CorpusIndex.open(Settings()))            # doctest: +SKIP
>>> [t.label for t in kb.tasks(lead="Bộ Công an")][:2]              # doctest: +SKIP
['Lĩnh vực I, nhiệm vụ 10', 'Lĩnh vực II, nhiệm vụ 8']
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.drafting._agencies import AgencyEntry, AgencyRef, lookup, split_agencies
from assistant.drafting._frameworks import FRAMEWORKS_NAME, Framework, FrameworkError, Frameworks
from assistant.drafting._deadlines import Deadline, parse_deadline
from assistant.drafting._legal_bases import Reference, find_references, number_key
from assistant.drafting._text import fold
from assistant.schemas import Citation
from ingest.docstore import StoredDocument
from ingest.model import Clause, Span, TaskRecord

if TYPE_CHECKING:
    from ingest.pipeline import CorpusIndex

STATUS_VI = {"draft": "dự thảo", "in_force": "đang có hiệu lực", "amended": "đã được sửa đổi",
             "guidance": "hướng dẫn", "reference": "tài liệu tham khảo", "unknown": "chưa rõ"}

# The areas of a plan's task groups (the groups of the 2024 framework, 003 Mục 3.2, Phần II, ý 3),
# plus "hợp tác quốc tế", a group of 002 only.
AREAS: dict[str, str] = {
    "nhan-thuc-so": "Nhận thức số",
    "the-che-so": "Thể chế số",
    "ha-tang-so": "Hạ tầng số",
    "nhan-luc-so": "Nhân lực số",
    "du-lieu-so": "Dữ liệu số",
    "nen-tang-so": "Nền tảng số",
    "attt": "An toàn thông tin mạng",
    "chinh-phu-so": "Chính phủ số/chính quyền số",
    "kinh-te-so": "Kinh tế số",
    "xa-hoi-so": "Xã hội số",
    "hop-tac-quoc-te": "Hợp tác quốc tế",
}
_AREA_ALIASES = {
    "nhan-thuc-so": ("nhan thuc so", "nhan thuc", "nts"),
    "the-che-so": ("the che so", "the che", "the che, chinh sach so", "chinh sach so", "tcs"),
    "ha-tang-so": ("ha tang so", "ha tang", "hts"),
    "nhan-luc-so": ("nhan luc so", "nhan luc", "nls"),
    "du-lieu-so": ("du lieu so", "du lieu", "dls"),
    "nen-tang-so": ("nen tang so", "nen tang"),
    "attt": ("an toan thong tin mang", "an toan thong tin", "attt", "atttm", "an ninh mang", "anm",
             "an toan, an ninh mang", "an toan an ninh mang"),
    "chinh-phu-so": ("chinh phu so", "chinh quyen so", "cps", "cqs", "chinh phu so/chinh quyen so"),
    "kinh-te-so": ("kinh te so", "kts"),
    "xa-hoi-so": ("xa hoi so", "xhs"),
    "hop-tac-quoc-te": ("hop tac quoc te", "htqt"),
}
# Words of a group heading -> area. 002's groups IX-XI have no namesake among the areas; the documents
# place them: sector programmes under kinh tế số (004 Mục II.8; 000 Mục III.8), evaluation indexes
# under thể chế số (002 puts the DTI index in Lĩnh vực I), communication under nhận thức số (004 Mục
# II.1; 000 Mục III.9). Leadership and direction (000 Mục III.1) is nhận thức số in the 2024 framework
# (003 Mục 3.2, Phần II, ý 3.1).
_AREA_WORDS = (
    ("nhan-thuc-so", ("nhan thuc", "truyen thong ve chuyen doi so", "lanh dao, chi dao", "khong gian trai nghiem")),
    ("the-che-so", ("the che", "do luong, danh gia")),
    ("ha-tang-so", ("ha tang so",)),
    ("nhan-luc-so", ("nhan luc", "dao tao")),
    ("du-lieu-so", ("du lieu so",)),
    ("nen-tang-so", ("nen tang so",)),
    ("attt", ("an toan thong tin mang", "an ninh mang")),
    ("chinh-phu-so", ("chinh phu so", "chinh quyen so")),
    ("kinh-te-so", ("kinh te so", "doanh nghiep cong nghe so", "linh vuc can uu tien")),
    ("xa-hoi-so", ("xa hoi so",)),
    ("hop-tac-quoc-te", ("hop tac quoc te",)),
)


class KnowledgeError(ValueError):
    """A request the knowledge base cannot answer; the message is Vietnamese, for officials."""


class MissingGuidance(KnowledgeError):
    """The corpus lacks a guidance document or clause a draft is built from (the corpus changed)."""


def area_keys(heading: str) -> tuple[str, ...]:
    """The areas a group heading belongs to ("8. Kinh tế số và xã hội số" -> kinh tế số, xã hội số)."""
    folded = fold(heading)
    return tuple(key for key, words in _AREA_WORDS if any(w in folded for w in words))


def resolve_area(text: str) -> str:
    """The area key for user input, with or without diacritics or as an abbreviation ("ha tang so", "ATTT").

    :raises KnowledgeError: naming the valid areas when the input matches none.
    """
    folded = " ".join(fold(text).replace("-", " ").split())
    for prefix in ("ve ", "phat trien "):
        folded = folded.removeprefix(prefix)
    for key, aliases in _AREA_ALIASES.items():
        if folded == key.replace("-", " ") or folded in aliases:
            return key
    raise KnowledgeError(f"Lĩnh vực {text!r} không có trong danh sách. Các lĩnh vực hợp lệ: "
                         + "; ".join(f"{v} ({k})" for k, v in AREAS.items()) + ".")


@dataclass(frozen=True)
class TaskItem:
    """A task record (002 row or 004 task block) with its fields interpreted."""

    record: TaskRecord
    doc: StoredDocument
    areas: tuple[str, ...]
    leads: tuple[AgencyRef, ...]
    coordinating: tuple[AgencyRef, ...]
    deadline: Deadline

    @property
    def doc_id(self) -> str:
        return self.record.doc_id

    @property
    def label(self) -> str:
        return self.record.label


@dataclass(frozen=True)
class LegalBase:
    """A legal document the corpus refers to, with every place it is referred to.

    ``corpus_doc_id`` is set when the document itself is in the corpus.
    """

    key: str
    kind: str
    number: str | None
    date: str | None
    issuer: str | None
    title: str | None
    corpus_doc_id: str | None
    mentions: tuple[tuple[str, Reference], ...]  # (doc_id, reference)

    @property
    def dates(self) -> frozenset[str]:
        return frozenset(r.date for _, r in self.mentions if r.date)


@dataclass(frozen=True)
class AgencyChange:
    """A body that was merged or renamed, and where that is stated (a corpus span when the corpus says it)."""

    name: str
    current: str
    since: str | None
    evidence: tuple[str, int, int] | None  # (doc_id, start, end) of the statement in the corpus


class KnowledgeBase:
    """Task records, agencies, legal bases and frameworks of one corpus state. Build with ``of(index)``."""

    _cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # CorpusIndex -> (ledger key, KnowledgeBase)

    def __init__(self, documents: Iterable[StoredDocument], frameworks: Frameworks):
        self.frameworks = frameworks
        self.documents = {d.meta.id: d for d in documents}
        self._clauses = {doc_id: d.parsed.by_id() for doc_id, d in self.documents.items()}
        self.task_items = tuple(_task_item(d, t) for d in self.documents.values() for t in d.parsed.tasks)
        self.legal_bases = _legal_bases(self.documents.values())
        self.agency_changes = _agency_changes(self.documents.values(), self.task_items)

    @classmethod
    def of(cls, index: CorpusIndex) -> KnowledgeBase:
        """The knowledge of ``index``'s current documents, rebuilt only when the ingest ledger or the
        frameworks file changed.

        :raises KnowledgeError: the corpus's frameworks.json is missing or invalid.
        """
        corpus_dir = index.settings.corpus_dir
        path = corpus_dir / FRAMEWORKS_NAME
        stamp = path.stat().st_mtime_ns if path.exists() else None
        key = (stamp, *sorted((r.doc_id, r.fingerprint, r.state) for r in index.docstore.ledger().values()))
        cached = cls._cache.get(index)
        if cached is None or cached[0] != key:
            cached = key, cls(index.docstore.documents(), load_frameworks(corpus_dir))
            cls._cache[index] = cached
        return cached[1]

    def framework(self, level: str, period: str) -> Framework:
        """The framework of a plan at ``level`` for ``period``.

        :raises KnowledgeError: no framework for them (the message lists the periods there are).
        """
        try:
            return self.frameworks.get(level, period)
        except KeyError:
            raise KnowledgeError(f"Chưa có khung kế hoạch cho cấp {level!r}, giai đoạn {period!r}. Các giai đoạn có "
                                 f"khung: {', '.join(self.frameworks.periods())} (khai báo trong "
                                 f"{self.frameworks.path}).") from None

    # --- documents and clauses ------------------------------------------------------------------

    def document(self, doc_id: str) -> StoredDocument:
        """:raises KnowledgeError: when the corpus has no such document."""
        try:
            return self.documents[doc_id]
        except KeyError:
            raise MissingGuidance(f"Kho tài liệu chưa có tài liệu {doc_id!r}, cần cho phần soạn thảo này. "
                                 "Hãy kiểm tra thư mục corpus/ và chạy lại `cds ingest`.") from None

    def clause(self, doc_id: str, clause_id: str) -> Clause:
        """:raises KnowledgeError: when the document has no such clause (the corpus changed)."""
        self.document(doc_id)
        clause = self._clauses[doc_id].get(clause_id)
        if clause is None:
            raise MissingGuidance(f"Tài liệu {doc_id!r} không có mục {clause_id!r} mà khung kế hoạch dựa vào; "
                                 "có thể tài liệu đã thay đổi. Hãy kiểm tra lại tài liệu rồi chạy `cds ingest`.")
        return clause

    def children(self, doc_id: str, clause_id: str) -> list[Clause]:
        return [c for c in self.document(doc_id).parsed.clauses if c.parent == clause_id]

    def clause_at(self, doc_id: str, start: int, end: int) -> Clause | None:
        """The deepest clause holding the whole span ``[start, end)``."""
        best = None
        for c in self.document(doc_id).parsed.clauses:
            if c.start <= start and end <= c.end and (best is None or c.depth >= best.depth):
                best = c
        return best

    def citation(self, doc_id: str, start: int, end: int, clause: Clause | None = None, n: int = 1) -> Citation:
        """A citation of ``[start, end)`` of a document: quote, clause label, offsets in both texts."""
        doc = self.document(doc_id)
        clause = clause or self.clause_at(doc_id, start, end)
        label = clause.label if clause else "toàn văn"
        short = doc.meta.short_title or doc.meta.title
        status = doc.meta.status or "unknown"
        marked = f" ({STATUS_VI['draft']})" if status == "draft" else ""
        source_start, source_end = doc.norm.source_span(start, end)
        return Citation(n=n, doc_id=doc_id, doc_title=doc.meta.title, short_title=short, status=status,
                        clause=label, citation=f"{short}{marked}, {label}", quote=doc.text[start:end],
                        char_start=start, char_end=end, source_start=source_start, source_end=source_end)

    # --- task records ---------------------------------------------------------------------------

    def tasks(self, *, lead: str | None = None, agency: str | None = None, area: str | None = None,
              doc_ids: Iterable[str] = ()) -> list[TaskItem]:
        """Task records, optionally filtered.

        :param lead: an agency in any written form ("Bộ Công an", "Bộ KH&CN", "Bộ TT&TT"); keeps the
            records it leads, whatever name the record uses for it.
        :param agency: like ``lead`` but keeps records it leads or coordinates.
        :param area: an area key or any accepted spelling of it.
        :param doc_ids: keep only records of these documents.
        :raises KnowledgeError: for an unknown area.
        """
        wanted_docs = set(doc_ids)
        area_key = resolve_area(area) if area else None
        items = [t for t in self.task_items if (not wanted_docs or t.doc_id in wanted_docs)
                 and (area_key is None or area_key in t.areas)]
        if lead:
            items = [t for t in items if _names(lead, t.leads)]
        if agency:
            items = [t for t in items if _names(agency, t.leads + t.coordinating)]
        return items

    # --- legal bases ------------------------------------------------------------------------------

    def legal_base(self, reference: Reference) -> LegalBase | None:
        """The indexed document a reference points to (by number, or by a law's name), or None."""
        key = reference.key
        return self.legal_bases.get(key) if key else None


def load_frameworks(corpus_dir) -> Frameworks:
    """``Frameworks.load`` with its error as a ``KnowledgeError`` (shown to the user in one line)."""
    try:
        return Frameworks.load(corpus_dir)
    except FrameworkError as exc:
        raise KnowledgeError(str(exc)) from None


def _names(query: str, refs: tuple[AgencyRef, ...]) -> bool:
    """Whether one of ``refs`` is the agency ``query`` names (by registry identity, else by folded text)."""
    entry: AgencyEntry | None = lookup(query)
    if entry is not None:
        return any(r.current == entry.current for r in refs)
    wanted = " ".join(fold(query).split())
    return any(wanted in " ".join(fold(r.text).split()) for r in refs)


def _task_item(doc: StoredDocument, record: TaskRecord) -> TaskItem:
    def agencies(span: Span | None) -> tuple[AgencyRef, ...]:
        return tuple(split_agencies(span.text, span.start)) if span else ()

    title = record.area.split(".", 1)[-1] if record.area[:1].isalnum() else record.area
    return TaskItem(record, doc, area_keys(title), agencies(record.lead), agencies(record.coordinating),
                    parse_deadline(record.deadline.text if record.deadline else ""))


def _legal_bases(documents: Iterable[StoredDocument]) -> dict[str, LegalBase]:
    documents = list(documents)
    by_number = {number_key(d.meta.number): d.meta.id for d in documents if d.meta.number}
    by_law_name = {"luật:" + " ".join(fold(d.meta.title.removeprefix("Luật ")).split()): d.meta.id
                   for d in documents if d.meta.kind == "law"}
    grouped: dict[str, list[tuple[str, Reference]]] = {}
    for doc in documents:
        for ref in find_references(doc.text):
            if ref.key:
                grouped.setdefault(ref.key, []).append((doc.meta.id, ref))
    bases = {}
    for key, mentions in grouped.items():
        refs = [r for _, r in mentions]
        first = next((r for r in refs if r.date), refs[0])
        corpus = by_number.get(key) or by_law_name.get(key)  # a numbered law matches by number only
        bases[key] = LegalBase(
            key=key, kind=refs[0].kind, number=next((r.number for r in refs if r.number), None), date=first.date,
            issuer=next((r.issuer for r in refs if r.issuer), None), title=next((r.title for r in refs if r.title), None),
            corpus_doc_id=corpus, mentions=tuple(mentions))
    return bases


def _agency_changes(documents: Iterable[StoredDocument], items: tuple[TaskItem, ...]) -> dict[str, AgencyChange]:
    """Every renamed body the task records name, with the corpus statement of the change when there is one."""
    texts = {d.meta.id: d.text for d in documents}
    changes = {}
    for ref in (r for t in items for r in t.leads + t.coordinating):
        entry = ref.entry
        if entry is None or not entry.successor or entry.name in changes:
            continue
        evidence = None
        if entry.evidence:
            wanted = fold(entry.evidence)
            for doc_id, text in texts.items():
                if (pos := fold(text).find(wanted)) >= 0:
                    evidence = (doc_id, pos, pos + len(wanted))
                    break
        changes[entry.name] = AgencyChange(entry.name, entry.successor, entry.since, evidence)
    return changes

