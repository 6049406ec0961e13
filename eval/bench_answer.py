"""Answer latency of the extractive path, split into retrieval and composition.

    python -m eval.bench_answer [--dataset eval/datasets/dev.jsonl ...] [--repeat 1] [--json out.json]

Every question of the datasets is asked through ``Assistant.ask`` (hybrid retrieval, extractive mode,
no session) after one untimed warm-up question (model loading, unit statistics). The Answer's own
``timings_ms`` give retrieval (embedding the question, BM25 encoding, the Qdrant query) and
composition (unit scoring, block choice, abstention, Markdown and citations); p50 and p95 of each
are printed, with the wall time of the whole call. Reported, never asserted: it varies with the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

from tqdm import tqdm

from assistant.core import Assistant
from eval.dataset import load_dataset
from eval.metrics import percentile
from ingest.settings import REPO_ROOT, Settings

DEFAULT_DATASETS = (REPO_ROOT / "eval" / "datasets" / "dev.jsonl", REPO_ROOT / "eval" / "datasets" / "calib.jsonl")


def bench(assistant: Assistant, questions: list[str], repeat: int = 1, progress: bool = True) -> dict:
    """Ask every question ``repeat`` times; p50/p95 of retrieve, compose and total milliseconds."""
    assistant.ask(questions[0], mode="extractive")  # warm-up: not timed
    samples: dict[str, list[float]] = {"retrieve": [], "compose": [], "total": [], "wall": []}
    answered = 0
    for question in tqdm(questions * repeat, desc="Đo độ trễ trả lời", unit="câu", disable=not progress):
        started = time.perf_counter()
        answer = assistant.ask(question, mode="extractive")
        samples["wall"].append((time.perf_counter() - started) * 1000)
        for part in ("retrieve", "compose", "total"):
            samples[part].append(getattr(answer.timings_ms, part))
        answered += answer.answerable
    return {
        "questions": len(questions) * repeat,
        "answered": answered,
        **{part: {"p50": round(percentile(v, 50), 1), "p95": round(percentile(v, 95), 1)}
           for part, v in samples.items()},
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "embedder": assistant.index.embedder.name},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, action="append", help="JSONL datasets (default: dev and calib).")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--json", type=Path, help="Also write the results to this file.")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    questions = [item.question for path in (args.dataset or DEFAULT_DATASETS) for item in load_dataset(path)]
    assistant = Assistant.open(Settings())
    try:
        result = bench(assistant, questions, args.repeat)
    finally:
        assistant.close()
    print(f"{result['questions']} questions ({result['answered']} answered), {result['machine']}")
    for part in ("retrieve", "compose", "total", "wall"):
        print(f"  {part:8s} p50 {result[part]['p50']:7.1f} ms   p95 {result[part]['p95']:7.1f} ms")
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
