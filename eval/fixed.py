"""The "fixed-size chunks" baseline's index: the same documents cut into naive overlapping windows.

Everything but the chunker is the project's: documents are loaded and normalised the same way, the
windows are embedded with the same embedder through the shared embedding cache, stored with the
same schema (dense + BM25) in their own Qdrant Edge shard, and searched and answered by the same
code. Comparing the two isolates the effect of structure-aware chunking.

Each window's embedding text is the document's short title and the window (the project's chunks
carry their whole clause breadcrumb). A window keeps the label of the deepest clause that contains it
whole, only so that its citations can be displayed; retrieval never sees it.
"""

from __future__ import annotations

import re
from pathlib import Path

from llama_index.core.schema import MetadataMode
from tqdm import tqdm

from ingest.corpus import scan_corpus
from ingest.docstore import StoredDocument
from ingest.embed import EmbeddingCache, embed_passages
from ingest.errors import LoadError
from ingest.load import load_file
from ingest.model import Chunk, Clause, ParsedDocument
from ingest.nodes import chunks_to_nodes
from ingest.normalise import normalise
from ingest.pipeline import CorpusIndex
from ingest.settings import Settings
from ingest.structure import parse_structure

WINDOW_CHARS = 1400
OVERLAP_CHARS = 200
# The label of a baseline's embedding bar: its windows are embedded once, then come from the cache.
BASELINE_EMBED_DESC = "Nhúng vectơ cho đường cơ sở {} (chỉ lần đầu, sau đó lấy từ bộ đệm)"
_SPACE = re.compile(r"\s")


def fixed_size_chunks(doc_id: str, title: str, text: str, parsed: ParsedDocument,
                      size: int = WINDOW_CHARS, overlap: int = OVERLAP_CHARS) -> list[Chunk]:
    """Cut ``text`` into windows of at most ``size`` characters, each overlapping the previous one.

    A window ends at the last whitespace before ``size`` (unless that would halve it) and the next
    starts at the first word boundary ``overlap`` characters before that end, so no word is cut.

    :param doc_id: the document id stored on each chunk.
    :param title: the document's short title, the whole breadcrumb of every chunk.
    :param text: the document's normalised text.
    :param parsed: its clause tree, for the display label of each window.
    :returns: chunks in document order with ``text == text[start:end]``.
    :raises ValueError: ``overlap`` is not smaller than half of ``size``.
    """
    if not 0 <= overlap < size // 2:
        raise ValueError(f"overlap must be within [0, size/2), got overlap={overlap}, size={size}")
    chunks: list[Chunk] = []
    start = _skip_space(text, 0)
    while start < len(text):
        end = min(start + size, len(text))
        if end < len(text):
            spaces = [m.start() for m in _SPACE.finditer(text, start + size // 2, end + 1)]
            end = spaces[-1] if spaces else end
        piece_end = end
        while piece_end > start and text[piece_end - 1].isspace():
            piece_end -= 1
        clause = _deepest_clause(parsed.clauses, start, piece_end)
        chunks.append(Chunk(
            doc_id=doc_id, seq=len(chunks), clause_id=clause.id if clause else "",
            clause_label=clause.label if clause else "", breadcrumb=(title,), kind="text",
            start=start, end=piece_end, text=text[start:piece_end],
        ))
        if end >= len(text):
            break
        boundary = _SPACE.search(text, end - overlap, end)
        start = _skip_space(text, boundary.start() if boundary else end)
    return chunks


def build_fixed_index(settings: Settings, data_dir: Path, progress: bool = True) -> CorpusIndex:
    """Index the corpus of ``settings`` in fixed-size windows under ``data_dir`` (a fresh, empty folder).

    Embeddings come from, and go to, the embedding cache of ``settings`` (``Settings.cache_path``),
    so only windows never embedded before cost embedding time.

    :param settings: the project's settings (corpus folder, embedder, embedding cache).
    :param data_dir: where the baseline's document store and Qdrant Edge shard are written.
    :param progress: show progress bars.
    :returns: the opened index; the caller closes it.
    """
    fixed = settings.model_copy(update={"data_dir": data_dir, "embed_cache": settings.cache_path,
                                        "qdrant_url": None, "qdrant_path": None})
    index = CorpusIndex.open(fixed)
    entries, _ = scan_corpus(fixed.corpus_dir)
    documents: list[tuple[StoredDocument, list]] = []
    for entry in entries:
        try:
            loaded = load_file(entry.path, int(fixed.max_file_mb * 1024 * 1024))
        except LoadError:
            continue  # left out of the product's index as well
        norm = normalise(loaded.text)
        meta = entry.resolved_meta(norm.text)
        parsed = parse_structure(norm.text, meta.id)
        chunks = fixed_size_chunks(meta.id, meta.short_title or meta.title, norm.text, parsed)
        nodes = chunks_to_nodes(chunks, meta, norm)
        stored = StoredDocument(meta=meta, norm=norm, parsed=parsed, source_text=loaded.text, format=loaded.format,
                                node_ids=tuple(n.node_id for n in nodes), notes=loaded.notes)
        documents.append((stored, nodes))
    nodes = [node for _, doc_nodes in documents for node in doc_nodes]
    cache = EmbeddingCache(fixed.cache_path)
    try:
        vectors, _ = embed_passages(index.embedder, [n.get_content(MetadataMode.EMBED) for n in nodes], cache,
                                    progress=progress, desc=BASELINE_EMBED_DESC.format("cắt cố định"))
    finally:
        cache.close()
    for node, vector in zip(nodes, vectors):
        node.embedding = vector.tolist()
    for stored, doc_nodes in tqdm(documents, desc="Ghi chỉ mục đường cơ sở cắt cố định", unit="tài liệu", disable=not progress):
        index.store.add(doc_nodes)
        index.docstore.complete(stored, fingerprint="fixed-size")
    index.store.flush()
    return index


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def _deepest_clause(clauses: tuple[Clause, ...], start: int, end: int) -> Clause | None:
    containing = [c for c in clauses if c.start <= start and end <= c.end]
    return max(containing, key=lambda c: c.depth, default=None)
