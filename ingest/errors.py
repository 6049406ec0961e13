"""Errors raised by ingest. Messages are shown to developers and operators as they are."""


class IngestError(Exception):
    """Base class: something in the corpus or the index needs the user's attention."""


class LoadError(IngestError):
    """A file could not be read as a document. The message names the file and what to do."""


class CorpusError(IngestError):
    """The corpus folder or its manifest is inconsistent."""


class StoreError(IngestError):
    """The vector index is unreachable or does not match the expected schema."""


class IndexLockedError(StoreError):
    """Another process holds the embedded index (the engine admits one at a time)."""
