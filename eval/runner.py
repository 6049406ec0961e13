"""Run a dataset through systems and score every answer: the engine behind `cds eval` and the CI gate.

>>> result = run_benchmark(Settings(), Path("eval/datasets/dev.jsonl"), ["project"], k=10)  # doctest: +SKIP
>>> summarise(result.runs[0].outcomes, 10)["mrr@10"]                                       # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from assistant.core import Assistant, QuestionError
from eval.dataset import EvalItem, load_dataset
from eval.documents import CorpusTexts
from eval.errors import DatasetError
from eval.matching import canonical, hits_canonical
from eval.metrics import ItemOutcome, mentioned
from eval.systems import Response, System, open_systems
from ingest.settings import Settings


@dataclass(frozen=True)
class SystemRun:
    """One system's responses and their outcomes on every item, in dataset order."""

    name: str
    outcomes: tuple[ItemOutcome, ...]
    responses: tuple[Response, ...]
    setup_s: float  # building its index (or opening the product's), seconds


@dataclass(frozen=True)
class BenchmarkResult:
    dataset: Path
    dataset_sha256: str
    items: tuple[EvalItem, ...]
    k: int
    runs: tuple[SystemRun, ...]
    corpus: CorpusTexts


def run_benchmark(settings: Settings, dataset: Path, systems: Sequence[str], k: int = 10,
                  progress: bool = True, assistant: Assistant | None = None) -> BenchmarkResult:
    """Ask every item of ``dataset`` to every system, in file order, and score the answers.

    Each system first answers the first question once, untimed, so that loading models and warming
    caches does not count as the latency of the first item.

    :param settings: the project's settings (corpus, index, embedder, embedding cache).
    :param dataset: a JSONL file in the docs/DESIGN.md format.
    :param systems: names from ``eval.systems.SYSTEMS``.
    :param k: passages asked for and the cut-off of the retrieval metrics.
    :param progress: show a progress bar per system.
    :param assistant: an open Assistant to evaluate (see ``open_systems``); None: opened from ``settings``.
    :raises DatasetError: the dataset is invalid, or the assistant refuses one of its questions as a
        request (too long, ``k`` above ``settings.max_k``).
    :raises ValueError: ``k`` is not positive or a system name is unknown.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    items = tuple(load_dataset(dataset))
    corpus = CorpusTexts.load(settings)
    runs = []
    with open_systems(settings, systems, corpus, progress, assistant) as opened:
        for system in opened:
            _ask(system, items[0], k, dataset)  # warm-up (model loading, caches): not timed, not scored
            responses, outcomes = [], []
            for item in tqdm(items, desc=f"Đánh giá {system.name}", unit="câu", disable=not progress):
                response = _ask(system, item, k, dataset)
                responses.append(response)
                outcomes.append(score_item(item, response, corpus, k))
            runs.append(SystemRun(system.name, tuple(outcomes), tuple(responses), system.setup_s))
    digest = hashlib.sha256(dataset.read_bytes()).hexdigest()
    return BenchmarkResult(dataset, digest, items, k, tuple(runs), corpus)


def score_item(item: EvalItem, response: Response, corpus: CorpusTexts, k: int) -> ItemOutcome:
    """Reduce one response to what the metrics need, by the matching rule (``eval.matching``).

    A citation is accurate when its quote, or the returned passage that contains it, hits one of the
    item's evidence quotes; it is faithful when its quote is verbatim in the document it names.
    """
    quotes = [canonical(e.quote) for e in item.evidence]
    passages = [canonical(p) for p in response.passages[:k]]
    hit_sets = tuple(frozenset(j for j, q in enumerate(quotes) if hits_canonical(p, q)) for p in passages)
    accurate = tuple(
        any(hits_canonical(canonical(c.quote), q) or (c.passage is not None and hits_canonical(canonical(c.passage), q))
            for q in quotes)
        for c in response.citations
    ) if item.answerable else ()
    return ItemOutcome(
        item_id=item.id,
        type=item.type,
        answerable=item.answerable,
        docs=tuple(dict.fromkeys(corpus.resolve(e.doc) or e.doc for e in item.evidence)),
        n_evidence=len(quotes),
        hit_sets=hit_sets,
        refused=response.refused,
        mentions=mentioned(response.answer, item.must_mention),
        citations_accurate=accurate,
        citations_faithful=tuple(corpus.contains(c.doc_id, c.quote) for c in response.citations),
        latency_ms=response.latency_ms,
    )


def _ask(system: System, item: EvalItem, k: int, dataset: Path) -> Response:
    try:
        return system.ask(item.question, k)
    except QuestionError as exc:
        raise DatasetError(f"{dataset}: câu hỏi {item.id!r}: {exc}") from exc
