"""schemathesis against the real service on the session's real index: every phase (examples, coverage,
fuzzing, stateful) and every check, a bounded number of test cases per operation, a fixed seed.

The schema must state every rule the server enforces and the server must honour every promise the schema
makes: no 5xx, no response off its schema, no valid request refused, no invalid one accepted. One
allowance: drafting routes name things only the corpus can judge (an area, an agency, the plan inside an
uploaded file), so for them a schema-valid request may also be answered 422.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.pipeline import CorpusIndex
from ingest.settings import Settings
from live_servers import serve_api

API_KEY = "khoa-schemathesis"
MAX_EXAMPLES = 8
CONFIG = """\
[[operations]]
include-path-regex = "^/(check|draft/)"
checks.positive_data_acceptance.expected-statuses = ["2xx", "404", "422"]
"""

pytestmark = pytest.mark.slow


def test_schemathesis_finds_no_server_error_and_no_schema_mismatch(settings: Settings, corpus_index: CorpusIndex,
                                                                      tmp_path: Path) -> None:
    # Short questions keep the generated ones cheap to answer on two cores; the limits are still enforced.
    fuzzed = settings.model_copy(update={"api_key": API_KEY, "max_question_chars": 120, "max_k": 10})
    config, report = tmp_path / "schemathesis.toml", tmp_path / "report.json"
    config.write_text(CONFIG, encoding="utf-8")
    with serve_api(fuzzed, corpus_index) as url:
        run = subprocess.run(
            [sys.executable, "-m", "schemathesis.cli", "--no-color", "--config-file", str(config), "run",
             f"{url}/openapi.json", "--phases", "examples,coverage,fuzzing,stateful", "--checks", "all",
             "--max-examples", str(MAX_EXAMPLES), "--seed", "7", "--workers", "1", "--header", f"X-API-Key: {API_KEY}",
             "--report", "json", "--report-json-path", str(report)],
            capture_output=True, text=True, timeout=600, cwd=tmp_path)  # its caches stay out of the checkout
    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
    result = json.loads(report.read_text(encoding="utf-8"))
    assert result["complete"] and result["failures"] == [] and result["errors"] == []
    assert {name: phase["status"] for name, phase in result["phases"].items()} == {
        "examples": "success", "coverage": "success", "fuzzing": "success", "stateful": "success"}
    assert result["operations"]["tested"] == result["operations"]["total"] >= 16
    cases = result["test_cases"]
    assert cases["with_failures"] == cases["errored"] == 0 and cases["generated"] > 500
    print(f"schemathesis: {cases['generated']} test cases over {result['operations']['tested']} operations, "
          f"0 failures, in {result['running_time']:.0f} s")
