"""The corpus documents as the benchmark sees them: names that resolve to doc ids, and their texts.

Evidence names documents by doc id ("luat-gddt-2023"), by source file relative to the corpus folder
("legal/luat-20-2023-qh15-giao-dich-dien-tu.txt") or by the file's base name
("luat-20-2023-qh15-giao-dich-dien-tu.txt"); all three resolve to the same doc id.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath

from eval.matching import canonical
from ingest.corpus import scan_corpus
from ingest.errors import LoadError
from ingest.load import load_file
from ingest.normalise import normalise
from ingest.settings import Settings


@dataclass(frozen=True)
class CorpusTexts:
    """Every corpus document's canonical texts (normalised and as loaded), keyed by doc id.

    >>> texts = CorpusTexts.load(Settings())                       # doctest: +SKIP
    >>> texts.resolve("002_85c061df2a6c5805.txt")                      # doctest: +SKIP
    'danh-muc-nhiem-vu-2026-2030'
    """

    names: dict[str, str]  # NFC name (doc id, source file, base name) -> doc id
    texts: dict[str, tuple[str, ...]]  # doc id -> canonical normalised text, canonical loaded text
    titles: dict[str, str]  # doc id -> short title

    @classmethod
    def load(cls, settings: Settings) -> "CorpusTexts":
        """Read every document of the corpus folders the way ingest does (load, then normalise).

        A file that cannot be loaded is left out, as ingest leaves it out of the index.

        :raises IngestError: the folder or its manifest is invalid.
        """
        entries, _ = scan_corpus(settings.corpus_dir, settings.user_corpus_dir)
        names: dict[str, str] = {}
        texts: dict[str, tuple[str, ...]] = {}
        titles: dict[str, str] = {}
        for entry in entries:
            try:
                loaded = load_file(entry.path, max_bytes=int(settings.max_file_mb * 1024 * 1024))
            except LoadError:
                continue  # ingest skips it too (and reports it): it is not part of the searchable corpus
            norm = normalise(loaded.text)
            meta = entry.resolved_meta(norm.text)
            texts[meta.id] = (canonical(norm.text), canonical(loaded.text))
            titles[meta.id] = meta.short_title or meta.title
            for name in (PurePosixPath(meta.source_file).name, meta.source_file, meta.id):
                names[unicodedata.normalize("NFC", name)] = meta.id
        return cls(names, texts, titles)

    def resolve(self, name: str) -> str | None:
        """The doc id a document name stands for, or None when no corpus document has that name."""
        return self.names.get(unicodedata.normalize("NFC", name.strip()))

    def contains(self, doc_id: str, text: str) -> bool:
        """Whether ``text`` is verbatim (after NFC and whitespace collapsing) in document ``doc_id``."""
        wanted = canonical(text)
        return bool(wanted) and any(wanted in t for t in self.texts.get(doc_id, ()))

    def find(self, text: str) -> list[str]:
        """The doc ids of every document holding ``text`` verbatim (after NFC and whitespace collapsing)."""
        wanted = canonical(text)
        return [doc_id for doc_id, texts in self.texts.items() if wanted and any(wanted in t for t in texts)]
