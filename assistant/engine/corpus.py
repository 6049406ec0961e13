"""The corpus as the answer engine reads it: the documents, an embedder for the question, a passage search.

The stages depend on this read side only, never on the ingest pipeline. ``ingest.pipeline.CorpusIndex``
satisfies it as it is (its document store, embedder and Qdrant store); the fast tests run the stages
over an in-memory corpus that does too (``tests/memory_corpus.py``).

* ``docstore``: each document whole, as ``ingest.docstore.StoredDocument``: its normalised text (which
  citations quote), metadata (``meta``: id, title, short title, number, kind, status, levels, period),
  clause tree and task records (``parsed``: what a named clause is looked up in and answer units are
  cut from), and the offsets back to the loaded text;
* ``embedder``: the dense embedding of the question (``ingest.embed.Embedder``);
* ``store``: the ranked passages (chunks with their payloads) of a dense, sparse or hybrid search, as
  ``ingest.index.plan_search`` plans it.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np

    from ingest.docstore import StoredDocument
    from ingest.embed import Embedder
    from ingest.index import Hit, SearchFilters, SearchMode
    from ingest.sparse import SparseVec


class Documents(Protocol):
    """The stored documents (``ingest.docstore.DocStore`` is one)."""

    def get(self, doc_id: str) -> StoredDocument | None:
        """The document ``doc_id``; None when the corpus does not hold it."""

    def documents(self) -> list[StoredDocument]:
        """Every document, in a stable order."""

    def revision(self) -> Hashable:
        """A value that changes whenever a document is added, updated or removed: the key of what is derived
        from the documents (the diacritic restorer, answer units, term statistics)."""


class PassageSearch(Protocol):
    """Chunks ranked for a query's vectors (both Qdrant stores of ``ingest.index`` are one)."""

    def search(self, dense: np.ndarray | None, sparse: SparseVec | None, limit: int,
               filters: SearchFilters = ..., mode: SearchMode = ..., weights: tuple[float, float] = ...,
               prefetch: int = ...) -> list[Hit]:
        """The best ``limit`` chunks, fused by weighted RRF in hybrid mode (``ingest.index.plan_search``)."""


class CorpusReader(Protocol):
    """What retrieval and selection read of a corpus (see the module docstring)."""

    @property
    def docstore(self) -> Documents: ...

    @property
    def embedder(self) -> Embedder: ...

    @property
    def store(self) -> PassageSearch: ...
