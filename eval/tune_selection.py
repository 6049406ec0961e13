"""Choose the composer's ranker margin on a calibration set.

    python -m eval.tune_selection [--dataset eval/datasets/calib.jsonl] [--margins 0,0.05,0.1,0.2,0.3,0.5]

The first anchor of an answer is the best unit of the top-ranked passage unless another unit scores
``assistant.engine.select._RANKER_MARGIN`` more. For each candidate margin this answers every question of
the dataset through the product's own path and prints citation accuracy and must-mention coverage;
set the margin to the best and widest plateau. Never tune on the benchmark (dev.jsonl): it is the
held-out check.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import assistant.engine.select as select
from assistant.core import Assistant
from eval.metrics import summarise
from eval.runner import run_benchmark
from ingest.settings import REPO_ROOT, Settings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, default=REPO_ROOT / "eval" / "datasets" / "calib.jsonl")
    parser.add_argument("--margins", default="0,0.05,0.1,0.2,0.3,0.5")
    args = parser.parse_args(argv)
    settings = Settings()
    assistant = Assistant.open(settings)
    try:
        for margin in (float(m) for m in args.margins.split(",")):
            select._RANKER_MARGIN = margin
            run = run_benchmark(settings, args.dataset, ["project"], progress=False, assistant=assistant).runs[0]
            summary = summarise(run.outcomes, 10)
            print(f"margin {margin:4.2f}: citation accuracy {summary['citation_accuracy']:.3f}, "
                  f"must-mention {summary['must_mention']:.3f}", flush=True)
    finally:
        assistant.close()


if __name__ == "__main__":
    main()
