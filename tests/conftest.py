"""Shared fixtures: the real corpus, indexed once per session with the real embedder.

Set CDS_TEST_EMBED_CACHE to a file path to keep passage embeddings between local test runs
(CI leaves it unset: every run embeds from scratch into a temporary cache).
"""

from __future__ import annotations

import json
import os
import shutil
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from assistant.drafting.knowledge import KnowledgeBase
from ingest.pipeline import CorpusIndex
from ingest.settings import REPO_ROOT, Settings

if TYPE_CHECKING:  # Playwright is imported by the browser tests only
    from playwright.sync_api import Browser, BrowserContext, Route

CORPUS_DIR = REPO_ROOT / "corpus"
DATASETS_DIR = REPO_ROOT / "eval" / "datasets"
# The new-document set's documents come from outside the project, so they live in the steering
# repository's shared/ beside the checkout; the repository keeps their manifest rows and the questions.
SHARED_NEWDOCS = REPO_ROOT.parent / "shared" / "newdocs"
CHROMIUM = "/usr/bin/chromium"  # Debian's, installed by tests/run_all.sh
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"]


@pytest.fixture(scope="session")
def embed_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One embedding cache for every index built in the session."""
    configured = os.environ.get("CDS_TEST_EMBED_CACHE")
    return Path(configured) if configured else tmp_path_factory.mktemp("cache") / "embeddings.sqlite"


@pytest.fixture(scope="session")
def newdocs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The new-document set as `cds eval --add-docs` reads it: the documents from ../shared/newdocs/ with
    eval/datasets/newdocs/manifest.json (see eval/datasets/newdocs/README.md)."""
    manifest = DATASETS_DIR / "newdocs" / "manifest.json"
    names = [row["source_file"] for row in json.loads(manifest.read_text(encoding="utf-8"))["documents"]]
    missing = [name for name in names if not (SHARED_NEWDOCS / name).is_file()]
    if missing:
        pytest.skip(f"the new-document set is not in {SHARED_NEWDOCS} (missing {', '.join(missing)}); "
                    "see eval/datasets/newdocs/README.md")
    folder = tmp_path_factory.mktemp("newdocs")
    shutil.copy2(manifest, folder / "manifest.json")
    for name in names:
        shutil.copy2(SHARED_NEWDOCS / name, folder / name)
    return folder


def make_settings(data_dir: Path, embed_cache: Path, **overrides) -> Settings:
    """Settings isolated from the developer's environment and .env file."""
    return Settings(_env_file=None, data_dir=data_dir, embed_cache=embed_cache,
                    **{"corpus_dir": CORPUS_DIR, **overrides})


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory, embed_cache: Path) -> Settings:
    return make_settings(tmp_path_factory.mktemp("cds-data"), embed_cache)


@pytest.fixture(scope="session")
def corpus_index(settings: Settings) -> CorpusIndex:
    """The real corpus in the embedded Qdrant Edge index, built once (minutes on 2 cores)."""
    index = CorpusIndex.open(settings)
    index.refresh(progress=False)
    yield index
    index.close()


@pytest.fixture(scope="session")
def server_index(tmp_path_factory: pytest.TempPathFactory, embed_cache: Path) -> CorpusIndex:
    """The same corpus through the server code path (qdrant-client; its local mode stands in for a server)."""
    data_dir = tmp_path_factory.mktemp("cds-server")
    index = CorpusIndex.open(make_settings(data_dir, embed_cache, qdrant_path=data_dir / "qdrant"))
    index.refresh(progress=False)
    yield index
    index.close()


@pytest.fixture(scope="module")
def kb(corpus_index: CorpusIndex) -> KnowledgeBase:
    return KnowledgeBase.of(corpus_index)


@pytest.fixture(scope="module")
def cli_settings(tmp_path_factory: pytest.TempPathFactory, embed_cache: Path) -> Settings:
    """A data folder of its own for CLI drafting tests: the CLI opens and closes the index, which the
    session fixture keeps open."""
    folder = tmp_path_factory.getbasetemp() / "draft-cli"
    folder.mkdir(exist_ok=True)
    return make_settings(folder, embed_cache)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium driven by Playwright, for the browser tests of a module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


def refuse_other_hosts(context: BrowserContext, base_url: str) -> list[str]:
    """Cut ``context`` off the network: every request not to ``base_url`` is aborted. Returns the list the
    refused URLs are recorded in, for a test to assert on."""
    outside: list[str] = []

    def refuse(route: Route) -> None:
        if route.request.url.startswith(base_url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", refuse)
    return outside


def windows_1258(text: str) -> bytes:
    """Vietnamese as the Vietnamese Windows code page writes it: ê, ơ, ư … precomposed, tone marks as
    combining characters."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for char in unicodedata.normalize("NFC", text):
        decomposed = unicodedata.normalize("NFD", char)
        letter = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in tones))
        out.append(letter + "".join(c for c in decomposed if c in tones))
    return "".join(out).encode("windows-1258")
