"""Start-up time of `cds search` and `cds ask`, end to end: whole processes, as a user runs them.

    python -m eval.bench_startup [--runs 5] [--json out.json]

Each command runs as a separate process (the `cds` console script beside this Python, not a shell
shim), ``--runs`` times: first with no service running (the process opens the index, loads what the
question needs and checks the corpus is fresh), then while `cds serve` runs on a free loopback port
(the process goes through it), and finally while another process holds the embedded index (how long
until the Vietnamese refusal). The index of the configured data directory is built or refreshed first,
untimed. Median, min and max seconds per command and case, with the load average of the machine.
Reported, never asserted: it varies with the machine and what else runs on it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from assistant.client import ServiceClient
from assistant.local_service import find_service
from ingest.settings import Settings

QUERY = "Ai chủ trì xây dựng Hệ thống phòng vệ mạng quốc gia?"
COMMANDS = {"cds search": ["search", QUERY], "cds ask": ["ask", QUERY]}


def cds_script() -> str:
    """The console script installed with this Python (a pyenv or asdf shim would add its own start-up)."""
    beside = Path(sys.executable).with_name("cds")
    found = str(beside) if beside.exists() else shutil.which("cds")
    if found is None:
        raise SystemExit("The `cds` command is not installed: run `pip install -e .` first.")
    return found


def time_runs(command: list[str], runs: int, expect_ok: bool = True) -> list[float]:
    """Wall-clock seconds of ``runs`` runs of ``command``; each must exit 0 (or not, ``expect_ok=False``)."""
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        seconds.append(time.perf_counter() - started)
        if (done.returncode == 0) != expect_ok:
            raise SystemExit(f"{' '.join(command)} exited {done.returncode}: {done.stderr[-2000:]}")
    return seconds


def summary(seconds: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(seconds), 3), "min": round(min(seconds), 3),
            "max": round(max(seconds), 3), "runs": len(seconds)}


@contextmanager
def serving(script: str, settings: Settings) -> Iterator[None]:
    """`cds serve` on a free loopback port until the block ends."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([script, "serve", "--host", "127.0.0.1", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 600
        while (record := find_service(settings.data_dir)) is None or record.pid != process.pid:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"`cds serve` did not start (exit code {process.returncode}).")
            time.sleep(0.1)
        ServiceClient(record, settings.api_key).wait_ready(lambda: None)
        yield
    finally:
        process.terminate()
        process.wait(timeout=60)


@contextmanager
def index_held(settings: Settings) -> Iterator[None]:
    """Another process holding the embedded index (as a long `cds ingest` would)."""
    code = ("import sys, time; from pathlib import Path; from ingest.index import EdgeVectorStore\n"
            "EdgeVectorStore.open(Path(sys.argv[1]), int(sys.argv[2])); print('held', flush=True); time.sleep(3600)")
    from ingest.embed import build_embedder

    holder = subprocess.Popen([sys.executable, "-c", code, str(settings.index_dir), str(build_embedder(settings).dim)],
                              stdout=subprocess.PIPE, text=True)
    try:
        if holder.stdout.readline() != "held\n":
            raise SystemExit("Could not hold the index for the lock measurement.")
        yield
    finally:
        holder.kill()
        holder.wait()


def bench(settings: Settings, runs: int) -> dict:
    script = cds_script()
    started_load = os.getloadavg()
    # Build or refresh the index, and warm the page cache: not timed.
    time_runs([script, *COMMANDS["cds ask"]], 2)
    results: dict[str, dict] = {}
    for name, args in COMMANDS.items():
        results[f"{name}, no service"] = summary(time_runs([script, *args], runs))
    with serving(script, settings):
        for name, args in COMMANDS.items():
            results[f"{name}, through cds serve"] = summary(time_runs([script, *args], runs))
    if not (settings.qdrant_url or settings.qdrant_path):
        with index_held(settings):
            results["cds search, index held by another process (refusal)"] = summary(
                time_runs([script, *COMMANDS["cds search"]], runs, expect_ok=False))
    return {"results": results, "query": QUERY, "command": script,
            "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                        "load_average_before": [round(x, 2) for x in started_load],
                        "load_average_after": [round(x, 2) for x in os.getloadavg()]}}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="Runs per command and case (default 5).")
    parser.add_argument("--json", type=Path, help="Also write the results to this file.")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    settings = Settings()
    if find_service(settings.data_dir) is not None:
        parser.error(f"A service already holds {settings.data_dir}: stop it, or set CDS_DATA_DIR to another folder.")
    result = bench(settings, args.runs)
    width = max(len(name) for name in result["results"])
    print(f"{'case':<{width}}  median    min    max  (seconds, {args.runs} runs)")
    for name, r in result["results"].items():
        print(f"{name:<{width}}  {r['median']:6.2f} {r['min']:6.2f} {r['max']:6.2f}")
    print(f"load average before/after: {result['machine']['load_average_before']} / "
          f"{result['machine']['load_average_after']} on {result['machine']['cpus']} CPUs")
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
