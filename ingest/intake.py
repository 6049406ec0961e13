"""Adding documents: the user corpus folder changes only for files that end up indexed.

``add_documents`` copies files into the user corpus folder (``ingest.corpus.add_to_corpus``), refreshes
the index, and takes out again every file the index could not take (a parse failure, a duplicate of
another document) together with the manifest row it brought; if the index cannot be refreshed at all,
everything this call added is taken out. `cds ingest FILE`, directly or through a running service
(``assistant.api.ingest``), goes through it.

>>> result = add_documents(index, [Path("ke-hoach.docx")], {"number": "12/KH-UBND"})   # doctest: +SKIP
>>> result.added, result.failed                                                       # doctest: +SKIP
([('ke-hoach.docx', DocMeta(id='ke-hoach', …))], [])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.corpus import MANIFEST_NAME, DocMeta, add_to_corpus
from ingest.errors import IngestError
from ingest.pipeline import CorpusIndex, IngestReport


@dataclass
class Intake:
    """What became of each file, and the report of the refresh that indexed them."""

    report: IngestReport
    added: list[tuple[str, DocMeta]] = field(default_factory=list)  # (file name, its manifest row)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file name, Vietnamese message)


def add_documents(index: CorpusIndex, paths: Sequence[Path], meta: dict[str, Any] | None = None,
                  progress: bool = True) -> Intake:
    """Add ``paths`` to the user corpus folder and index them with the rest of the corpus.

    :param meta: manifest fields for a single file (see ``add_to_corpus``); None derives them.
    :returns: the files added and indexed, the files refused (corpus folder unchanged for them) and the report.
    :raises IngestError: the index could not be refreshed; the user corpus folder is as it was before.
    """
    settings = index.settings
    folder = settings.user_corpus_dir
    before = _files(folder)
    manifest = folder / MANIFEST_NAME
    manifest_before = manifest.read_bytes() if manifest.is_file() else None
    failed: list[tuple[str, str]] = []
    copied: list[tuple[Path, DocMeta]] = []
    for path in paths:
        try:
            copied.append((path, add_to_corpus(settings.corpus_dir, folder, path, meta,
                                               max_bytes=int(settings.max_file_mb * 1024 * 1024))))
        except IngestError as exc:
            failed.append((path.name, str(exc)))
    try:
        report = index.refresh(progress=progress, force=True)
    except IngestError:
        _restore(folder, before, manifest, manifest_before, [row for _, row in copied])
        raise
    errors = dict(report.errors)
    refused = [(path, row) for path, row in copied if row.source_file in errors]
    if refused:
        _restore(folder, before, manifest, manifest_before if meta is not None else None, [row for _, row in refused])
        failed += [(path.name, errors[row.source_file]) for path, row in refused]
        report.errors = [(f, m) for f, m in report.errors if f not in {row.source_file for _, row in refused}]
        index.refresh(progress=False)  # the index matches the folder as restored (nothing of theirs was indexed)
    return Intake(report, [(path.name, row) for path, row in copied if (path, row) not in refused], failed)


def _files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()} if folder.is_dir() else set()


def _restore(folder: Path, before: set[Path], manifest: Path, manifest_before: bytes | None,
             rows: list[DocMeta]) -> None:
    """Take out the files of ``rows`` that were not in ``folder`` before, and put the manifest back."""
    for row in rows:
        path = folder / row.source_file
        if path not in before:
            path.unlink(missing_ok=True)
    if manifest_before is not None:
        manifest.write_bytes(manifest_before)
    elif manifest not in before:
        manifest.unlink(missing_ok=True)
