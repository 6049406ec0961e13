"""The systems a benchmark compares, each answering a question the way its users would see it.

* ``project``: the product, ``Assistant.ask`` (hybrid retrieval over structure-aware chunks, then
  the answer composer), exactly the code path of the API.
* ``bm25`` / ``dense``: the same ``Assistant.ask`` with ``retrieval_mode="sparse"`` / ``"dense"``:
  same index, same composer, so the comparison isolates retrieval.
* ``llamaindex``: a naive LlamaIndex pipeline (``SimpleDirectoryReader``, default ``SentenceSplitter``
  chunks, the same embedder, plain vector search in memory). It has no LLM: its answer is the text
  of its top passage, it never refuses, and it cites its top passage (quote = that passage's text,
  document = its file).
* ``fixed``: the project's retrieval and composer over naive fixed-size windows (``eval.fixed``).

Every system returns a ``Response``; ``open_systems`` builds them (and the two extra indexes) and
closes them afterwards.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from assistant.core import Assistant
from assistant.llama import CdsEmbedding
from assistant.schemas import Answer
from eval.documents import CorpusTexts
from eval.fixed import BASELINE_EMBED_DESC, OVERLAP_CHARS, WINDOW_CHARS, build_fixed_index
from ingest.embed import Embedder, EmbeddingCache, build_embedder, embed_passages
from ingest.settings import Settings

SYSTEMS = ("project", "bm25", "dense", "llamaindex", "fixed")
DESCRIPTIONS = {
    "project": "Pipeline của dự án: tìm kiếm lai (e5 + BM25 trên từ pyvi, hợp nhất RRF) trên các đoạn cắt theo "
               "cấu trúc điều khoản, rồi bộ soạn câu trả lời có trích dẫn (Assistant.ask, như API /ask).",
    "bm25": "Chỉ BM25 trên từ tách bằng pyvi: cùng chỉ mục, cùng bộ soạn câu trả lời (retrieval_mode=\"sparse\").",
    "dense": "Chỉ vectơ e5 (cùng bộ nhúng): cùng chỉ mục, cùng bộ soạn câu trả lời (retrieval_mode=\"dense\").",
    "llamaindex": "LlamaIndex ngây thơ: SimpleDirectoryReader (các tệp .txt của kho), SentenceSplitter mặc định, "
                  "cùng bộ nhúng, tìm vectơ thuần trong bộ nhớ. Không có LLM: câu trả lời là đoạn đứng đầu, "
                  "không bao giờ từ chối, trích dẫn duy nhất là đoạn đứng đầu (quote = toàn văn đoạn, "
                  "tài liệu = tệp của đoạn). Đường dẫn tệp không được đưa vào văn bản nhúng.",
    "fixed": f"Tìm kiếm lai và bộ soạn câu trả lời của dự án trên các đoạn cắt cố định {WINDOW_CHARS} ký tự "
             f"chồng {OVERLAP_CHARS} ký tự (chỉ mục riêng, tạm thời): tách riêng tác dụng của cách cắt theo cấu trúc.",
}
_RETRIEVAL_MODES = {"project": "hybrid", "bm25": "sparse", "dense": "dense"}


@dataclass(frozen=True)
class Cited:
    """One citation: the document it names, its quote, and the text of the passage it comes from."""

    doc_id: str
    quote: str
    passage: str | None  # None when no returned passage contains the cited span


@dataclass(frozen=True)
class Response:
    """A system's answer to one question, as the metrics read it."""

    passages: tuple[str, ...]  # ranked texts, best first
    answer: str
    refused: bool
    citations: tuple[Cited, ...]
    mode: str  # how the answer was written: "extractive", "llm:<model>", "top-passage"
    latency_ms: float  # wall time of the whole call
    retrieve_ms: float | None  # the system's own split, where it reports one
    compose_ms: float | None


class System(Protocol):
    name: str
    setup_s: float  # seconds spent building its index (or opening the product's)

    def ask(self, question: str, k: int) -> Response:
        """Answer ``question`` with ``k`` passages."""


class AssistantSystem:
    """The product's ``Assistant.ask`` with one retrieval mode."""

    def __init__(self, name: str, assistant: Assistant, retrieval_mode: str, setup_s: float):
        self.name = name
        self.setup_s = setup_s
        self._assistant = assistant
        self._mode = retrieval_mode

    def ask(self, question: str, k: int) -> Response:
        started = time.perf_counter()
        answer = self._assistant.ask(question, k=k, retrieval_mode=self._mode)
        elapsed = (time.perf_counter() - started) * 1000
        return _from_answer(answer, elapsed)


class LlamaIndexSystem:
    """The naive LlamaIndex pipeline described in the module docstring."""

    name = "llamaindex"

    def __init__(self, settings: Settings, embedder: Embedder, corpus: CorpusTexts, progress: bool = True):
        started = time.perf_counter()
        from llama_index.core import SimpleDirectoryReader, VectorStoreIndex
        from llama_index.core.node_parser import SentenceSplitter
        from llama_index.core.schema import MetadataMode

        self._corpus_dir = settings.corpus_dir.resolve()
        self._corpus = corpus
        # It warns that its PDF/DOCX readers are not installed; only .txt files are read here.
        logging.getLogger("llama_index.core.readers.file.base").setLevel(logging.ERROR)
        documents = SimpleDirectoryReader(str(self._corpus_dir), recursive=True, required_exts=[".txt"],
                                          exclude=["README*", "**/README*"]).load_data(show_progress=False)
        for document in documents:
            # Embedding the absolute path (LlamaIndex's default) would make results depend on the checkout.
            document.excluded_embed_metadata_keys.append("file_path")
        nodes = SentenceSplitter().get_nodes_from_documents(documents)
        cache = EmbeddingCache(settings.cache_path)
        try:
            vectors, _ = embed_passages(embedder, [n.get_content(MetadataMode.EMBED) for n in nodes], cache,
                                        progress=progress, desc=BASELINE_EMBED_DESC.format("LlamaIndex"))
        finally:
            cache.close()
        for node, vector in zip(nodes, vectors):
            node.embedding = vector.tolist()
        self._index = VectorStoreIndex(nodes, embed_model=CdsEmbedding(embedder))
        self.setup_s = time.perf_counter() - started

    def ask(self, question: str, k: int) -> Response:
        started = time.perf_counter()
        found = self._index.as_retriever(similarity_top_k=k).retrieve(question)
        elapsed = (time.perf_counter() - started) * 1000
        passages = tuple(hit.node.get_content() for hit in found)
        citations = ()
        if found:
            path = Path(found[0].node.metadata["file_path"]).resolve().relative_to(self._corpus_dir).as_posix()
            doc_id = self._corpus.resolve(path) or path
            citations = (Cited(doc_id, passages[0], passages[0]),)
        return Response(passages, passages[0] if passages else "", False, citations, "top-passage",
                        elapsed, elapsed, None)


@contextmanager
def open_systems(settings: Settings, names: Sequence[str], corpus: CorpusTexts,
                 progress: bool = True, assistant: Assistant | None = None) -> Iterator[list[System]]:
    """Build the named systems (in ``SYSTEMS`` order) and close what they opened on exit.

    :param settings: the project's settings; the product's index is opened (and refreshed) from them.
    :param names: a subset of ``SYSTEMS``.
    :param corpus: the corpus texts, to name the documents the LlamaIndex baseline cites.
    :param progress: show progress bars while indexes are built.
    :param assistant: an open Assistant for project, bm25 and dense (the web app's: its embedded index
        admits one opener per process); left open. None: one is opened from ``settings`` and closed.
    :raises ValueError: an unknown system name.
    """
    unknown = sorted(set(names) - set(SYSTEMS))
    if unknown:
        raise ValueError(f"unknown systems {unknown}; choose from {', '.join(SYSTEMS)}")
    wanted = [name for name in SYSTEMS if name in names]
    with ExitStack() as stack:
        systems: list[System] = []
        opened_s = 0.0
        if assistant is None and {"project", "bm25", "dense"} & set(wanted):
            started = time.perf_counter()
            assistant = Assistant.open(settings, progress=progress)
            stack.callback(assistant.close)
            opened_s = time.perf_counter() - started
        for name in wanted:
            if name in _RETRIEVAL_MODES:
                systems.append(AssistantSystem(name, assistant, _RETRIEVAL_MODES[name], opened_s))
            elif name == "llamaindex":
                embedder = assistant.index.embedder if assistant else build_embedder(settings)
                systems.append(LlamaIndexSystem(settings, embedder, corpus, progress))
            else:
                started = time.perf_counter()
                data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cds-eval-fixed-")))
                index = build_fixed_index(settings, data_dir, progress)
                fixed = Assistant(index.settings, index)
                stack.callback(fixed.close)
                systems.append(AssistantSystem(name, fixed, "hybrid", time.perf_counter() - started))
        yield systems


def _from_answer(answer: Answer, latency_ms: float) -> Response:
    passages = answer.passages
    citations = []
    for citation in answer.citations:
        source = next((p.text for p in passages if p.doc_id == citation.doc_id
                       and p.char_start <= citation.char_start and citation.char_end <= p.char_end), None)
        citations.append(Cited(citation.doc_id, citation.quote, source))
    return Response(
        passages=tuple(p.text for p in passages),
        answer=answer.answer,
        refused=not answer.answerable,
        citations=tuple(citations),
        mode=answer.mode,
        latency_ms=latency_ms,
        retrieve_ms=answer.timings_ms.retrieve,
        compose_ms=answer.timings_ms.compose,
    )
