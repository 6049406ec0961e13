"""Ingest cost against document size: `python -m eval.bench_scale [--sizes 1,5,20,50] [--out DIR]`.

For each size it writes one document of about that many MB made of real text: Luật Công nghệ thông
tin 2006 repeated with its articles renumbered so the whole file is one long law (Điều 1 … Điều N),
then runs every ingest stage before embedding on it in a fresh process: load, normalise, parse
structure, chunk, LlamaIndex nodes and BM25 sparse vectors, timing each stage and recording the
process's peak resident memory. Embedding is the one stage not run at these sizes (50 MB is ~40,000
chunks, hours on 2 cores): its time is the chunk count over the embedder's throughput, measured on
64 of the document's own chunks, and reported as an estimate.

Prints a table and writes bench_scale.json; nothing is asserted. Linear growth shows as a constant
seconds-per-MB and MB-of-memory-per-MB column.
"""

from __future__ import annotations

import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import click

from ingest.settings import REPO_ROOT

SOURCE = REPO_ROOT / "corpus" / "legal" / "luat-67-2006-qh11-cong-nghe-thong-tin.txt"
_ARTICLE = re.compile(r"^Điều (\d+)", re.MULTILINE)
STAGES = ("load", "normalise", "parse", "chunk", "nodes", "sparse")


def make_document(path: Path, megabytes: float) -> int:
    """Write ~``megabytes`` MB of the law repeated, articles numbered on across copies; returns bytes."""
    body = SOURCE.read_text(encoding="utf-8")
    articles = len(_ARTICLE.findall(body))
    target = int(megabytes * 1024 * 1024)
    with path.open("w", encoding="utf-8") as out:
        written = copy = 0
        while written < target:
            offset = copy * articles
            text = _ARTICLE.sub(lambda m: f"Điều {int(m.group(1)) + offset}", body)
            out.write(text + "\n")
            written += len(text.encode("utf-8")) + 1
            copy += 1
    return path.stat().st_size


def measure(path: Path, chunk_max_chars: int) -> dict[str, Any]:
    """Run the pre-embedding stages on ``path`` in this process; time each and the peak memory."""
    from ingest.chunk import chunk_document, coverage
    from ingest.corpus import DocMeta
    from ingest.load import load_file
    from ingest.nodes import chunks_to_nodes
    from ingest.normalise import normalise
    from ingest.sparse import Bm25Encoder
    from ingest.structure import parse_structure

    seconds: dict[str, float] = {}

    def timed(stage: str, fn, *args):
        started = time.perf_counter()
        result = fn(*args)
        seconds[stage] = time.perf_counter() - started
        return result

    loaded = timed("load", load_file, path, path.stat().st_size + 1)
    norm = timed("normalise", normalise, loaded.text)
    parsed = timed("parse", parse_structure, norm.text, "scale")
    chunks = timed("chunk", chunk_document, "scale", "Luật CNTT (lặp)", norm.text, parsed, chunk_max_chars)
    meta = DocMeta(id="scale", source_file=path.name, title="Luật CNTT (lặp)", short_title="Luật CNTT (lặp)")
    nodes = timed("nodes", chunks_to_nodes, chunks, meta, norm)
    encoder = Bm25Encoder()
    timed("sparse", lambda: [encoder.encode_document(c.embed_text) for c in chunks])
    return {
        "chunks": len(chunks),
        "clauses": len(parsed.clauses),
        "max_chunk_chars": max(len(c.text) for c in chunks),
        "coverage": coverage(norm.text, chunks),
        "seconds": seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "sample": [n.get_content() for n in nodes[:64]],
    }


def _embed_rate(texts: list[str]) -> float:
    from ingest.embed import build_embedder
    from ingest.settings import Settings

    embedder = build_embedder(Settings(_env_file=None))
    embedder.embed_batch(texts[:4], is_query=False)  # load the model outside the timing
    started = time.perf_counter()
    for i in range(0, len(texts), 16):
        embedder.embed_batch(texts[i : i + 16], is_query=False)
    return len(texts) / (time.perf_counter() - started)


def run(sizes: list[float], chunk_max_chars: int = 1400) -> dict[str, Any]:
    rows = []
    rate = None
    with tempfile.TemporaryDirectory(prefix="cds-scale-") as tmp:
        for size in sizes:
            path = Path(tmp) / f"luat-{size:g}mb.txt"
            nbytes = make_document(path, size)
            child = subprocess.run(
                [sys.executable, "-m", "eval.bench_scale", "--measure", str(path), "--chunk-max-chars", str(chunk_max_chars)],
                capture_output=True, text=True, check=True, cwd=REPO_ROOT,
            )
            result = json.loads(child.stdout)
            sample = result.pop("sample")
            if rate is None:
                rate = _embed_rate(sample)
            total = sum(result["seconds"].values())
            rows.append({"mb": nbytes / 2**20, **result, "pre_embedding_seconds": total,
                         "embed_seconds_estimate": result["chunks"] / rate})
            print(_row(rows[-1]), flush=True)
    return {"embed_passages_per_second": rate, "chunk_max_chars": chunk_max_chars, "sizes": rows}


def _row(r: dict[str, Any]) -> str:
    stages = " ".join(f"{s}={r['seconds'][s]:.1f}" for s in STAGES)
    return (f"{r['mb']:6.1f} MB  chunks={r['chunks']:6d}  max={r['max_chunk_chars']}  coverage={r['coverage']:.4f}  "
            f"pre-embed={r['pre_embedding_seconds']:7.1f} s ({r['pre_embedding_seconds'] / r['mb']:.2f} s/MB)  "
            f"peak={r['peak_rss_mb']:7.0f} MB ({r['peak_rss_mb'] / r['mb']:.0f}/MB)  "
            f"embed≈{r['embed_seconds_estimate'] / 60:6.0f} min  [{stages}]")


@click.command()
@click.option("--sizes", default="1,5,20,50", help="Document sizes in MB, comma-separated.")
@click.option("--chunk-max-chars", default=1400, type=int)
@click.option("--out", type=click.Path(path_type=Path), default=REPO_ROOT / "eval" / "reports",
              help="Folder for bench_scale.json.")
@click.option("--measure", "document", type=click.Path(path_type=Path), hidden=True)
def main(sizes: str, chunk_max_chars: int, out: Path, document: Path | None) -> None:
    if document:  # the child process: one document, JSON on stdout
        print(json.dumps(measure(document, chunk_max_chars)))
        return
    results = run([float(s) for s in sizes.split(",")], chunk_max_chars)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_scale.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"embedder: {results['embed_passages_per_second']:.1f} passages/s; written {out / 'bench_scale.json'}")


if __name__ == "__main__":
    main()
