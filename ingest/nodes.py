"""Chunks as LlamaIndex ``TextNode``s: the unit both index backends store.

The node's embedding text (``get_content(MetadataMode.EMBED)``) is exactly ``Chunk.embed_text``
(breadcrumb, newline, text), and its payload is LlamaIndex's own (``node_to_metadata_dict``), so a
user's LlamaIndex code can read the collection with ``QdrantVectorStore`` as it is.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ingest.corpus import DocMeta
from ingest.embed import content_hash
from ingest.model import Chunk, Normalised, OcrPage, ocr_confidence

if TYPE_CHECKING:
    from llama_index.core.schema import TextNode

_NAMESPACE = uuid.UUID("5b0f7a52-3c8e-4f0e-9a57-cd5000000000")
_EMBED_KEYS = ("breadcrumb", "fields")
_LLM_KEYS = ("short_title", "clause_label", "fields")


def node_id(doc_id: str, seq: int, embed_text: str) -> str:
    """Stable point id: the same chunk text at the same place keeps its id across runs."""
    return str(uuid.uuid5(_NAMESPACE, f"{doc_id}\x1f{seq}\x1f{content_hash(embed_text)}"))


def chunks_to_nodes(
    chunks: Sequence[Chunk], meta: DocMeta, norm: Normalised, ocr_pages: Sequence[OcrPage] = ()
) -> list[TextNode]:
    """Build the nodes of one document, linked to their neighbours and to the document.

    A chunk holding text recognised by OCR (``ocr_pages``, from the loader) is flagged ``ocr: true``
    with the lowest page confidence in ``ocr_confidence``, so answers quoting it can warn.
    """
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode  # ~1 s: only when ingesting

    ids = [node_id(c.doc_id, c.seq, c.embed_text) for c in chunks]
    nodes = []
    for i, chunk in enumerate(chunks):
        source_start, source_end = norm.source_span(chunk.start, chunk.end)
        confidence = ocr_confidence(ocr_pages, norm, chunk.start, chunk.end)
        metadata = {
            "doc_id": meta.id,
            "doc_title": meta.title,
            "short_title": meta.short_title or meta.title,
            "doc_kind": meta.kind or "other",
            "status": meta.status or "unknown",
            "level": list(meta.level or []),
            "period": meta.period,
            "number": meta.number,
            "clause_id": chunk.clause_id,
            "clause_label": chunk.clause_label,
            "clause_ids": list(chunk.clause_ids),
            "breadcrumb": " › ".join(chunk.breadcrumb),
            # A table row is embedded as its labelled fields ("Cơ quan chủ trì: …"), not its bare cells.
            **({"fields": chunk.fields_text} if chunk.fields_text else {}),
            "headings": list(chunk.headings),
            "kind": chunk.kind,
            "seq": chunk.seq,
            "start": chunk.start,
            "end": chunk.end,
            "source_start": source_start,
            "source_end": source_end,
            "content_hash": content_hash(chunk.embed_text),
            "ocr": confidence is not None,
            **({"ocr_confidence": confidence} if confidence is not None else {}),
        }
        relationships = {NodeRelationship.SOURCE: RelatedNodeInfo(node_id=meta.id)}
        if i > 0:
            relationships[NodeRelationship.PREVIOUS] = RelatedNodeInfo(node_id=ids[i - 1])
        if i + 1 < len(chunks):
            relationships[NodeRelationship.NEXT] = RelatedNodeInfo(node_id=ids[i + 1])
        node = TextNode(
            id_=ids[i],
            text=chunk.text,
            metadata=metadata,
            start_char_idx=chunk.start,
            end_char_idx=chunk.end,
            relationships=relationships,
            excluded_embed_metadata_keys=[k for k in metadata if k not in _EMBED_KEYS],
            excluded_llm_metadata_keys=[k for k in metadata if k not in _LLM_KEYS],
            metadata_template="{value}",
            text_template="{metadata_str}" if chunk.fields_text else "{metadata_str}\n{content}",
        )
        nodes.append(node)
    return nodes
