"""The document store and ingest ledger: one SQLite file under the data directory.

For every document it keeps the normalised text, the offset map back to the loaded text, the clause
tree, the task records, the ids of its index points and an ingest state ("pending" while its points
are being written, "complete" after). A document whose row is pending after a crash is simply
ingested again; point ids are deterministic, so that converges to a consistent index.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from array import array
from dataclasses import asdict, dataclass
from pathlib import Path

from ingest.corpus import DocMeta
from ingest.model import Clause, Normalised, OcrPage, ParsedDocument, Span, TaskRecord, ocr_confidence


@dataclass(frozen=True)
class StoredDocument:
    meta: DocMeta
    norm: Normalised
    parsed: ParsedDocument
    source_text: str  # the text as loaded (before normalisation); to_source points into it
    format: str
    node_ids: tuple[str, ...]
    notes: tuple[str, ...] = ()
    ocr_pages: tuple[OcrPage, ...] = ()  # scanned PDF pages read by OCR; offsets into source_text

    @property
    def text(self) -> str:
        return self.norm.text

    def ocr_confidence(self, start: int, end: int) -> float | None:
        """Lowest OCR confidence (0-100) of the text at normalised ``[start, end)``; None if not OCR'd."""
        return ocr_confidence(self.ocr_pages, self.norm, start, end)


@dataclass(frozen=True)
class LedgerRow:
    doc_id: str
    source_file: str
    fingerprint: str
    state: str  # "pending" | "complete"
    n_chunks: int


class DocStore:
    """SQLite-backed store of ingested documents (thread-safe, one writer)."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._lock = threading.Lock()
        self._db.executescript(
            """
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
            CREATE TABLE IF NOT EXISTS documents (
                doc_id TEXT PRIMARY KEY, source_file TEXT, fingerprint TEXT, state TEXT,
                n_chunks INTEGER, data TEXT, to_source BLOB, updated REAL);
            """
        )
        self._cache: dict[str, StoredDocument] = {}

    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def ledger(self) -> dict[str, LedgerRow]:
        rows = self._db.execute("SELECT doc_id, source_file, fingerprint, state, n_chunks FROM documents")
        return {r[0]: LedgerRow(*r) for r in rows}

    def revision(self) -> tuple[tuple[str, str, str], ...]:
        """Changes whenever a document is added, updated or removed: the key for caches derived from the corpus."""
        return tuple(sorted((r.doc_id, r.fingerprint, r.state) for r in self.ledger().values()))

    def mark_pending(self, doc_id: str, source_file: str, fingerprint: str) -> None:
        with self._lock:
            self._db.execute(
                """INSERT INTO documents (doc_id, source_file, fingerprint, state, n_chunks, updated)
                   VALUES (?, ?, ?, 'pending', 0, ?)
                   ON CONFLICT(doc_id) DO UPDATE SET source_file = excluded.source_file,
                   fingerprint = excluded.fingerprint, state = 'pending', updated = excluded.updated""",
                (doc_id, source_file, fingerprint, time.time()),
            )
            self._cache.pop(doc_id, None)

    def complete(self, doc: StoredDocument, fingerprint: str) -> None:
        data = json.dumps(
            {
                "meta": doc.meta.model_dump(),
                "text": doc.norm.text,
                "source_text": doc.source_text,
                "format": doc.format,
                "notes": list(doc.notes),
                "ocr_pages": [asdict(p) for p in doc.ocr_pages],
                "node_ids": list(doc.node_ids),
                "clauses": [asdict(c) for c in doc.parsed.clauses],
                "tasks": [asdict(t) for t in doc.parsed.tasks],
            },
            ensure_ascii=False,
        )
        offsets = array("q", doc.norm.to_source).tobytes()
        with self._lock:
            self._db.execute(
                """INSERT INTO documents VALUES (?, ?, ?, 'complete', ?, ?, ?, ?)
                   ON CONFLICT(doc_id) DO UPDATE SET source_file = excluded.source_file,
                   fingerprint = excluded.fingerprint, state = 'complete', n_chunks = excluded.n_chunks,
                   data = excluded.data, to_source = excluded.to_source, updated = excluded.updated""",
                (doc.meta.id, doc.meta.source_file, fingerprint, len(doc.node_ids), data, offsets, time.time()),
            )
            self._cache[doc.meta.id] = doc

    def remove(self, doc_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))
            self._cache.pop(doc_id, None)

    def clear(self) -> None:
        with self._lock:
            self._db.execute("DELETE FROM documents")
            self._cache.clear()

    def get(self, doc_id: str) -> StoredDocument | None:
        """A completely ingested document, or None."""
        cached = self._cache.get(doc_id)
        if cached is not None:
            return cached
        row = self._db.execute(
            "SELECT data, to_source FROM documents WHERE doc_id = ? AND state = 'complete'", (doc_id,)
        ).fetchone()
        if row is None:
            return None
        doc = _decode(*row)
        self._cache[doc_id] = doc
        return doc

    def documents(self) -> list[StoredDocument]:
        """Every completely ingested document, ordered by source file."""
        ids = [r[0] for r in self._db.execute(
            "SELECT doc_id FROM documents WHERE state = 'complete' ORDER BY source_file")]
        return [d for d in (self.get(i) for i in ids) if d is not None]

    def close(self) -> None:
        self._db.close()


def _decode(data: str, offsets: bytes) -> StoredDocument:
    d = json.loads(data)
    clauses = tuple(Clause(**c) for c in d["clauses"])
    tasks = tuple(
        TaskRecord(**{k: (Span(**v) if isinstance(v, dict) else v) for k, v in t.items()}) for t in d["tasks"]
    )
    return StoredDocument(
        meta=DocMeta(**d["meta"]),
        norm=Normalised(d["text"], array("q", offsets)),
        parsed=ParsedDocument(clauses, tasks),
        source_text=d["source_text"],
        format=d["format"],
        node_ids=tuple(d["node_ids"]),
        notes=tuple(d["notes"]),
        ocr_pages=tuple(OcrPage(**p) for p in d.get("ocr_pages", ())),  # absent in rows stored before OCR
    )
