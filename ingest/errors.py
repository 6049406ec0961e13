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
    """Another process holds the embedded index at ``path`` (the engine admits one at a time)."""

    def __init__(self, path: object):
        super().__init__(
            f"{path}: chỉ mục đang được một tiến trình khác mở (ví dụ `cds serve`, `cds ui` hoặc một lệnh `cds` "
            "đang lập chỉ mục). Hãy chờ tiến trình đó xong hoặc dừng nó; để nhiều tiến trình dùng chung chỉ mục, "
            "chạy máy chủ Qdrant và đặt CDS_QDRANT_URL."
        )
