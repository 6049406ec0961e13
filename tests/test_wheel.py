"""The distribution as a user installs it: the wheel built from the checkout holds the layout's four
packages with their data and nothing else, and an installed wheel answers the README example.

The wheel is built from a copy of what a clean checkout holds (tracked files and new files git does
not ignore), so a developer's build/, reports or caches never decide the result.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ingest.settings import REPO_ROOT

PACKAGES = ("assistant", "eval", "ingest", "ui")
SEARCH = "Kế hoạch chuyển đổi số cấp xã có những nhóm nhiệm vụ nào?"  # the README's examples
ASK = "Nhiệm vụ xây dựng Hệ thống phòng vệ mạng quốc gia do ai chủ trì, hạn khi nào?"


def _checkout_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO_ROOT, check=True, capture_output=True).stdout.decode().split("\0")
    return [name for name in listed if name and (REPO_ROOT / name).is_file()]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("checkout")
    for name in _checkout_files():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / name, source / name)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(out), str(source)], check=True, capture_output=True, timeout=300)
    (built,) = out.glob("cds_assistant-*.whl")
    return built


def test_wheel_holds_the_four_packages_their_data_and_nothing_else(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    top = {name.split("/")[0] for name in names}
    assert top - {n for n in top if n.endswith(".dist-info")} == set(PACKAGES)
    checkout = _checkout_files()
    modules = {name for name in checkout if name.endswith(".py") and name.split("/")[0] in PACKAGES}
    assert modules <= names
    corpus = {"ingest/_corpus/" + name.removeprefix("corpus/") for name in checkout if name.startswith("corpus/")}
    assert {"ingest/_corpus/manifest.json", "ingest/_corpus/legal/luat-24-2018-qh14-an-ninh-mang.txt"} <= corpus
    assert corpus <= names
    assert {"assistant/engine/abstain_model.json", "assistant/engine/selection_model.json", "eval/datasets/dev.jsonl", "eval/datasets/calib.jsonl"} <= names
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]


@pytest.mark.slow
def test_installed_wheel_answers_the_readme_example(wheel: Path, tmp_path: Path, corpus_index, embed_cache: Path):
    """corpus_index fills the shared embedding cache first, so the installed cds indexes without re-embedding."""
    venv = tmp_path / "venv"
    # The system site-packages provide the dependencies (no download); the wheel itself goes into the venv.
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=120)
    python, cds = venv / "bin" / "python", venv / "bin" / "cds"
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-index", "--no-deps", str(wheel)],
                   check=True, capture_output=True, timeout=300)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CDS_")}
    env.update(CDS_DATA_DIR=str(tmp_path / "data"), CDS_EMBED_CACHE=str(embed_cache))
    where = subprocess.run(
        [python, "-c", "import ingest; from ingest.settings import Settings; print(ingest.__file__); print(Settings().corpus_dir)"],
        cwd=tmp_path, env=env, check=True, capture_output=True, text=True).stdout.split("\n")
    site = venv.resolve()
    assert Path(where[0]).resolve().is_relative_to(site) and Path(where[1]).resolve().is_relative_to(site), where

    search = subprocess.run([cds, "search", SEARCH], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert search.returncode == 0, search.stderr[-2000:]
    assert "Tài liệu hướng dẫn KH CĐS cấp xã" in search.stdout
    ask = subprocess.run([cds, "ask", ASK], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert ask.returncode == 0, ask.stderr[-2000:]
    assert "Bộ Công an" in ask.stdout and "[1]" in ask.stdout
