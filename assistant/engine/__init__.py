"""The answer engine: one module per stage, each taking what the one before it computed.

1. ``read``: ``read_query(text) -> Query``, the levels, periods, article, section and term a question
   names, read once.
2. ``retrieve``: ``Retriever.search(question) -> SearchResult`` (ranked ``Passage`` list, the question as
   searched, its ``Query`` and its best cosine to any chunk); ``Retriever.with_each_named(result, named_docs) -> list[Passage]``, the
   passages with one from each text the question names; ``Retriever.named_clause(query, named_docs,
   passages) -> Passage | None``, the clause the question names, looked up by structure, which
   ``named_first`` ranks first.
3. ``select``: ``Composer.analyse(question, passages, query, target, similarity) -> Analysis`` (answer units
   scored against the question), then ``Composer.blocks(analysis) -> list[Block]``, the units the answer quotes.
4. ``decide``: ``Abstainer.decide(analysis, blocks, lexicon) -> Decision``, answer or refuse.
5. ``render``: ``render(blocks, qtype) -> Rendered``, Markdown with [n] markers and verbatim citations
   (``Composer.render`` adds the note when the sources are for another plan level).

Retrieval and selection read the corpus through ``corpus.CorpusReader`` (documents, question embedder,
passage search), which ``ingest.pipeline.CorpusIndex`` satisfies and ``tests/memory_corpus.py`` holds in
memory. ``assistant.core.Assistant`` runs the stages in this order. The names below are imported on first
use, so ``import assistant.engine.read`` does not load the index, the embedder or numpy.
"""

from __future__ import annotations

import importlib

_HOMES = {
    "corpus": ("CorpusReader",),
    "read": ("ArticleRef", "Query", "Scope", "other_level", "read_periods", "read_query", "scope_match", "scope_of",
             "without_article"),
    "retrieve": ("Passage", "Retriever", "SearchResult", "named_first", "payload_scope"),
    "select": ("Analysis", "Composer", "Scored"),
    "decide": ("AbstainModel", "Abstainer", "Decision", "question_features"),
    "render": ("Block", "Rendered"),  # and ``render.render``: as a name here it would be the module
}
_MODULE_OF = {name: module for module, names in _HOMES.items() for name in names}
__all__ = sorted(_MODULE_OF)


def __getattr__(name: str):
    if name not in _MODULE_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_MODULE_OF[name]}"), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
