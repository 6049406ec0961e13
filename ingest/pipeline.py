"""Incremental ingest: corpus folder -> documents -> chunks -> embeddings -> index.

``build_index`` makes the index match the corpus folder and reports what it did:
* an unchanged document costs one file hash (its fingerprint also covers its manifest row, the
  chunking settings, the embedder and the code of every ingest stage);
* a changed document replaces exactly its own points; a removed one loses them;
* embeddings come from the content-hash cache whenever the text was embedded before;
* a file that cannot be read, parsed, chunked, embedded or stored is that file's error alone: it is
  reported (in Vietnamese, naming the file) and skipped, every other document is indexed as usual,
  and if an earlier version of it is indexed, that version stays, so bad input never loses what was
  there;
* every document's chunks cover all of its non-space characters; the report carries each
  ingested document's coverage;
* a run killed at any point leaves documents marked pending, which the next run redoes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from typing import Literal

from tqdm import tqdm

from ingest.chunk import chunk_document, coverage
from ingest.corpus import CorpusEntry, find_duplicates, scan_corpus
from ingest.docstore import DocStore, StoredDocument
from ingest.embed import Embedder, EmbeddingCache, build_embedder, embed_passages
from ingest.errors import IndexLockedError, LoadError, StoreError
from ingest.index import DENSE, EdgeVectorStore, IndexStore, open_store
from ingest.load import LoadedFile, load_file
from ingest.nodes import chunks_to_nodes
from ingest.normalise import normalise
from ingest.settings import Settings
from ingest.structure import parse_structure

log = logging.getLogger(__name__)

# The code version covers every module of the ingest package but these: what a document is stored as
# is shaped by loading, normalising, parsing (structure, legal, the _guidance_* parsers, model),
# titles (corpus), chunking, payloads (nodes, sparse, vietnamese), the embedding input (embed) and the
# stores' schemas (docstore, index, index_server) and by this module. settings.py's values that matter
# (chunk size, embedder) are part of _version, and errors.py only defines exception classes. Naming the
# exceptions rather than the stages means a new module is covered without anyone remembering to list it.
_NOT_STORED = frozenset({"settings.py", "errors.py"})
_INGEST_DIR = Path(__file__).resolve().parent


def _code_version() -> str:
    """Hash of the ingest package's source: changing any stage re-ingests (not re-embeds: the cache keys on text)."""
    digest = hashlib.sha256()
    for path in sorted(_INGEST_DIR.rglob("*.py")):
        name = path.relative_to(_INGEST_DIR).as_posix()
        if name not in _NOT_STORED:
            digest.update(name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass
class IngestReport:
    documents: int = 0
    chunks: int = 0
    embedded: int = 0
    reused: int = 0
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (file, message), messages in Vietnamese
    coverage: dict[str, float] = field(default_factory=dict)  # doc id -> share of non-space chars in chunks
    notes: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    embed_seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


@dataclass
class _Prepared:
    entry: CorpusEntry
    loaded: LoadedFile
    fingerprint: str
    stored: StoredDocument
    nodes: list
    coverage: float


class CorpusIndex:
    """The corpus as the rest of the product sees it: document store, vector index and embedder.

    One per process and data directory (the embedded index admits one process at a time).

    >>> index = CorpusIndex.open(Settings())          # doctest: +SKIP
    >>> report = index.refresh()                      # builds on first use, then only what changed
    """

    def __init__(self, settings: Settings, embedder: Embedder, store: IndexStore, docstore: DocStore):
        self.settings = settings
        self.embedder = embedder
        self.store = store
        self.docstore = docstore

    @classmethod
    def open(cls, settings: Settings, embedder: Embedder | None = None, rebuild: bool = False) -> "CorpusIndex":
        """Open the document store and the index; ``rebuild`` (or a changed embedder) empties both first."""
        embedder = embedder or build_embedder(settings)
        docstore = DocStore(settings.data_dir / "docstore.sqlite")
        target = settings.qdrant_url or str(settings.qdrant_path or settings.index_dir)
        changed = docstore.get_meta("embedder") not in (None, embedder.name) or docstore.get_meta("target") not in (None, target)
        if rebuild or changed:
            if changed:
                log.warning("Embedder or index location changed: rebuilding the index from the corpus.")
            _drop_index(settings)
            docstore.clear()
        store = _open_or_recover(settings, embedder.dim, docstore)
        docstore.set_meta("embedder", embedder.name)
        docstore.set_meta("target", target)
        return cls(settings, embedder, store, docstore)

    def refresh(self, progress: bool = True, force: bool = False) -> IngestReport | None:
        """Re-ingest if the corpus folder, the ingest code or settings, or the index changed since the
        last run (cheap when none did: a stat per file and a count of the index)."""
        snapshot = self._snapshot()
        if not force and snapshot == self.docstore.get_meta("snapshot") and self._intact():
            return None
        self.docstore.set_meta("ingest", "running")  # still there after a crash or kill: pending() says "resume"
        report = build_index(self, progress=progress)
        self.docstore.set_meta("snapshot", snapshot)
        self.docstore.set_meta("ingest", "done")
        return report

    def pending(self) -> Literal["build", "resume", "update"] | None:
        """What the next ``refresh()`` has to do, so front ends can say so before it starts: "build"
        (nothing indexed yet), "resume" (an ingest was interrupted), "update" (the corpus, the ingest
        code or settings, or the index changed) or None (nothing)."""
        ledger = self.docstore.ledger().values()
        if self.docstore.get_meta("ingest") == "running" or any(row.state != "complete" for row in ledger):
            return "resume"
        if not ledger:
            return "build"
        if self._snapshot() != self.docstore.get_meta("snapshot") or not self._intact():
            return "update"
        return None

    def _snapshot(self) -> str:
        return f"{_snapshot(self.settings)}|{_version(self.settings, self.embedder)}"

    def _intact(self) -> bool:
        """Every ledger row complete, and the index holding as many points as the ledger records."""
        ledger = self.docstore.ledger().values()
        return bool(ledger) and all(row.state == "complete" for row in ledger) \
            and self.store.count() == sum(row.n_chunks for row in ledger)

    def close(self) -> None:
        self.store.close()
        self.docstore.close()


def build_index(index: CorpusIndex, progress: bool = True, on_file: Callable[[str, str], None] | None = None) -> IngestReport:
    """Make the index match ``index.settings.corpus_dir``; see the module docstring.

    :param on_file: called with (file, status) per file, for UIs that show per-file results.
    :returns: what was added, updated, removed, skipped, embedded and what failed.
    """
    settings, docstore, store = index.settings, index.docstore, index.store
    started = time.perf_counter()
    report = IngestReport()
    entries, issues = scan_corpus(settings.corpus_dir, settings.user_corpus_dir)
    report.errors.extend((str(i.path), i.message) for i in issues)

    loaded: dict[str, tuple[CorpusEntry, LoadedFile]] = {}
    failed: set[str] = set()
    def fail(entry: CorpusEntry, message: str) -> None:
        failed.add(entry.meta.id)
        report.errors.append((entry.meta.source_file, message))
        _notify(on_file, entry.meta.source_file, "error")

    for entry in tqdm(entries, desc="Đọc kho tài liệu để tìm tệp mới hoặc đã sửa", unit="tệp", disable=not progress):
        try:
            loaded[entry.meta.id] = (entry, load_file(entry.path, int(settings.max_file_mb * 1024 * 1024)))
        except LoadError as exc:
            fail(entry, str(exc))
        except Exception as exc:  # a loader bug on one odd file must not stop the others
            log.debug("Loading %s failed", entry.path, exc_info=True)
            fail(entry, _unexpected(entry, "đọc", exc))
    for dup, original in find_duplicates({k: v[1] for k, v in loaded.items()}).items():
        entry = loaded.pop(dup)[0]
        failed.add(dup)
        report.errors.append((entry.meta.source_file,
                              f"{entry.meta.source_file}: trùng nội dung với tài liệu {original!r}; tệp này được bỏ qua."))
        _notify(on_file, entry.meta.source_file, "duplicate")

    ledger = docstore.ledger()
    version = _version(settings, index.embedder)
    todo: list[tuple[CorpusEntry, LoadedFile, str]] = []
    fingerprints = {
        doc_id: hashlib.sha256(f"{file.sha256}|{entry.meta.model_dump_json()}|{version}".encode()).hexdigest()
        for doc_id, (entry, file) in loaded.items()
    }
    for doc_id, (entry, file) in loaded.items():
        fingerprint = fingerprints[doc_id]
        row = ledger.get(doc_id)
        if row and row.state == "complete" and row.fingerprint == fingerprint:
            report.unchanged.append(doc_id)
            _notify(on_file, entry.meta.source_file, "unchanged")
        else:
            todo.append((entry, file, fingerprint))

    # Points lost behind the ledger's back (index folder deleted, server collection dropped, a
    # crash between index and ledger writes): re-ingest any document whose points are not all there.
    for doc_id in list(report.unchanged):
        stored = docstore.get(doc_id)
        if stored is None or store.node_ids(doc_id) != set(stored.node_ids):
            report.unchanged.remove(doc_id)
            entry, file = loaded[doc_id]
            todo.append((entry, file, fingerprints[doc_id]))

    prepared: list[_Prepared] = []
    for entry, file, fingerprint in tqdm(todo, desc="Phân tích điều khoản của tài liệu mới hoặc đã sửa", unit="tài liệu",
                                         disable=not progress or len(todo) < 2):
        try:
            prepared.append(_prepare(entry, file, fingerprint, settings))
        except Exception as exc:  # a parser or chunker bug on one document is that document's error
            log.debug("Parsing %s failed", entry.path, exc_info=True)
            fail(entry, _unexpected(entry, "phân tích cấu trúc", exc))

    embed_started = time.perf_counter()
    cache = EmbeddingCache(settings.cache_path)
    try:
        prepared = _embed(index.embedder, prepared, cache, report, fail, progress)
    finally:
        cache.close()
    report.embed_seconds = time.perf_counter() - embed_started

    for p in tqdm(prepared, desc="Ghi vào chỉ mục tìm kiếm", unit="tài liệu", disable=not progress or not prepared):
        doc_id = p.entry.meta.id
        existed = doc_id in ledger
        try:
            docstore.mark_pending(doc_id, p.entry.meta.source_file, p.fingerprint)
            store.add(p.nodes)
            stale = store.node_ids(doc_id) - set(p.stored.node_ids)
            if stale:
                store.delete_nodes(list(stale))
            store.flush()
            docstore.complete(p.stored, p.fingerprint)
        except StoreError:
            raise  # the index itself is unusable: no other document could be written either
        except Exception as exc:  # left pending: the next run redoes it
            log.debug("Indexing %s failed", p.entry.path, exc_info=True)
            fail(p.entry, _unexpected(p.entry, "ghi vào chỉ mục", exc))
            continue
        (report.updated if existed else report.added).append(doc_id)
        report.coverage[doc_id] = p.coverage
        _notify(on_file, p.entry.meta.source_file, "updated" if existed else "added")
        report.notes.extend((p.entry.meta.source_file, n) for n in p.loaded.notes)
        if p.coverage < 1.0:
            report.notes.append((p.entry.meta.source_file, f"chỉ {p.coverage:.1%} ký tự nằm trong các đoạn đã lập chỉ mục"))

    keep = set(loaded) | failed
    for doc_id in sorted((set(ledger) | store.doc_ids()) - keep):
        store.delete(doc_id)
        docstore.remove(doc_id)
        report.removed.append(doc_id)
    store.flush()
    if report.updated or report.removed:
        store.reload()  # replaced and deleted points leave Qdrant's BM25 IDF statistics only on reload

    report.documents = len(docstore.documents())
    report.chunks = store.count()
    report.seconds = time.perf_counter() - started
    return report


def _prepare(entry: CorpusEntry, file: LoadedFile, fingerprint: str, settings: Settings) -> _Prepared:
    norm = normalise(file.text)
    meta = entry.resolved_meta(norm.text)
    parsed = parse_structure(norm.text, meta.id)
    chunks = chunk_document(meta.id, meta.short_title or meta.title, norm.text, parsed, settings.chunk_max_chars)
    nodes = chunks_to_nodes(chunks, meta, norm, file.ocr_pages)
    stored = StoredDocument(meta=meta, norm=norm, parsed=parsed, source_text=file.text, format=file.format,
                            node_ids=tuple(n.node_id for n in nodes), notes=file.notes, ocr_pages=file.ocr_pages)
    return _Prepared(entry, file, fingerprint, stored, nodes, coverage(norm.text, chunks))


def _embed(embedder: Embedder, prepared: list[_Prepared], cache: EmbeddingCache, report: IngestReport,
           fail: Callable[[CorpusEntry, str], None], progress: bool) -> list[_Prepared]:
    """Embed every prepared document's nodes in one pass; if that fails, document by document, so a
    document whose text the embedder cannot take fails alone (vectors already made stay cached)."""
    from llama_index.core.schema import MetadataMode  # ~1 s to import: kept off the query path

    texts = [n.get_content(MetadataMode.EMBED) for p in prepared for n in p.nodes]
    try:
        vectors, report.embedded = embed_passages(embedder, texts, cache, progress=progress)
        bounds = list(accumulate((len(p.nodes) for p in prepared), initial=0))
        batches = [(p, vectors[a:b]) for p, a, b in zip(prepared, bounds, bounds[1:])]
    except Exception:
        log.debug("Embedding the batch failed; retrying document by document", exc_info=True)
        batches = []
        for p in prepared:
            try:
                vectors, embedded = embed_passages(embedder, [n.get_content(MetadataMode.EMBED) for n in p.nodes],
                                                   cache, progress=False)
            except Exception as exc:
                fail(p.entry, _unexpected(p.entry, "tạo vectơ nhúng", exc))
                continue
            report.embedded += embedded
            batches.append((p, vectors))
    report.reused = sum(len(p.nodes) for p, _ in batches) - report.embedded
    for p, vectors in batches:
        for node, vector in zip(p.nodes, vectors, strict=True):
            node.embedding = vector.tolist()
    return [p for p, _ in batches]


def _unexpected(entry: CorpusEntry, stage: str, exc: Exception) -> str:
    """A Vietnamese message for an unexpected failure on one file; the traceback goes to the debug log."""
    detail = " ".join(str(exc).split())[:200] or type(exc).__name__
    return (f"{entry.meta.source_file}: lỗi khi {stage} tài liệu này ({type(exc).__name__}: {detail}). "
            "Tệp được bỏ qua, các tài liệu khác vẫn được lập chỉ mục và bản đã lập chỉ mục trước đó (nếu có) "
            "được giữ nguyên. Hãy kiểm tra tệp (định dạng, đánh số đề mục) hoặc gửi tệp cho nhóm phát triển.")


def _version(settings: Settings, embedder: Embedder) -> str:
    """What else an indexed document depends on: the ingest code, the chunk size and the embedder."""
    return f"{_code_version()}|{settings.chunk_max_chars}|{embedder.name}"


def _notify(callback: Callable[[str, str], None] | None, name: str, status: str) -> None:
    if callback is not None:
        callback(name, status)


def _snapshot(settings: Settings) -> str:
    """Names, sizes and modification times of everything in the corpus folders."""
    stats = sorted(
        (str(p), p.stat().st_size, p.stat().st_mtime_ns)
        for folder in (settings.corpus_dir, settings.user_corpus_dir) if folder.is_dir()
        for p in folder.rglob("*") if p.is_file()
    )
    return hashlib.sha256(json.dumps(stats).encode()).hexdigest()


def _drop_index(settings: Settings) -> None:
    if settings.qdrant_url or settings.qdrant_path:
        from ingest.index_server import ServerVectorStore

        store = ServerVectorStore.connect(settings)
        if store.client.collection_exists(settings.collection):
            store.client.delete_collection(settings.collection)
        store.close()
    elif settings.index_dir.exists():
        # Opening takes the shard's lock: refuse (StoreError) rather than delete an index in use.
        dim = json.loads((settings.index_dir / "edge_config.json").read_text())["vectors"][DENSE]["size"] \
            if (settings.index_dir / "edge_config.json").exists() else 0
        if dim:
            EdgeVectorStore.open(settings.index_dir, dim).close()
        shutil.rmtree(settings.index_dir)


def _open_or_recover(settings: Settings, dim: int, docstore: DocStore) -> IndexStore:
    try:
        return open_store(settings, dim)
    except StoreError as exc:
        if settings.qdrant_url or settings.qdrant_path or isinstance(exc, IndexLockedError):
            raise
        # The embedded index is derived data: if it cannot be opened (torn by a crash), rebuild it.
        log.warning("%s -- rebuilding the embedded index from the corpus.", exc)
        shutil.rmtree(settings.index_dir, ignore_errors=True)
        docstore.clear()
        return open_store(settings, dim)
