"""Evaluate on the bundled corpus plus a folder of extra documents (`cds eval --add-docs DIR`).

A question set about documents that are not in ``corpus/`` (eval/datasets/newdocs.jsonl) is measured
on a temporary corpus: a copy of the configured corpus folder, the extra documents, and one manifest
holding the rows of both. Its index lives in a temporary data directory, so neither ``corpus/`` nor
the user's data directory (index, user corpus, sessions) is touched; passage embeddings still go
through the usual embedding cache, so a second run only embeds what changed.

>>> with corpus_with_documents(Settings(), Path("../shared/newdocs")) as settings:  # doctest: +SKIP
...     result = run_benchmark(settings, Path("eval/datasets/newdocs.jsonl"), ["project", "bm25"])
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ingest.corpus import MANIFEST_NAME, scan_corpus
from ingest.errors import CorpusError
from ingest.load import SUPPORTED_EXTENSIONS
from ingest.settings import Settings


@contextmanager
def corpus_with_documents(settings: Settings, docs_dir: Path) -> Iterator[Settings]:
    """Settings whose corpus is ``settings.corpus_dir`` plus the documents of ``docs_dir``, for a while.

    Every supported file directly in ``docs_dir`` is added (README files and manifest.json excepted);
    the rows of ``docs_dir/manifest.json`` (the corpus manifest format, ``source_file`` relative to
    ``docs_dir``), when there is one, are appended to the corpus manifest. The temporary folders are
    deleted on exit.

    :param settings: the project's settings; their corpus folder and embedding cache are used.
    :param docs_dir: the folder of extra documents.
    :returns: (yields) settings pointing at the temporary corpus and data directory, with the
        embedded index (a configured Qdrant server is not written to).
    :raises CorpusError: ``docs_dir`` holds no document, a file name or manifest id is already in
        the corpus, or a manifest is invalid.
    """
    files = sorted(p for p in docs_dir.iterdir() if p.is_file() and p.suffix.lower() in SUPPORTED_EXTENSIONS
                   and not p.name.upper().startswith("README") and not p.name.startswith((".", "~$")))
    if not files:
        raise CorpusError(f"{docs_dir}: không có tài liệu nào ({', '.join(SUPPORTED_EXTENSIONS)}) để thêm vào kho.")
    with tempfile.TemporaryDirectory(prefix="cds-eval-docs-") as tmp:
        corpus = Path(tmp) / "corpus"
        shutil.copytree(settings.corpus_dir, corpus, ignore=shutil.ignore_patterns(".*"))
        for src in files:
            if (corpus / src.name).exists():
                raise CorpusError(f"{src}: kho tài liệu đã có tệp {src.name}; hãy đổi tên tệp cần thêm rồi thử lại.")
            shutil.copy2(src, corpus / src.name)
        _merge_manifests(corpus / MANIFEST_NAME, docs_dir / MANIFEST_NAME)
        scan_corpus(corpus)  # an invalid or inconsistent manifest fails here, before any indexing
        yield settings.model_copy(update={
            "corpus_dir": corpus, "data_dir": Path(tmp) / "data", "embed_cache": settings.cache_path,
            "qdrant_url": None, "qdrant_path": None,
        })


def _merge_manifests(corpus_manifest: Path, extra_manifest: Path) -> None:
    """Append the rows of ``extra_manifest`` (if any) to ``corpus_manifest``; ids must stay unique."""
    if not extra_manifest.is_file():
        return
    base = json.loads(corpus_manifest.read_text(encoding="utf-8")) if corpus_manifest.is_file() else {"documents": []}
    try:
        extra = json.loads(extra_manifest.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CorpusError(f"{extra_manifest}: không phải JSON hợp lệ (dòng {exc.lineno}: {exc.msg}).") from exc
    ids = {row.get("id") for row in base.get("documents", [])}
    for row in extra.get("documents", []):
        if row.get("id") in ids:
            raise CorpusError(f"{extra_manifest}: id {row.get('id')!r} trùng với một tài liệu của kho; hãy đổi id.")
        ids.add(row.get("id"))
    base["documents"] = [*base.get("documents", []), *extra.get("documents", [])]
    corpus_manifest.write_text(json.dumps(base, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
