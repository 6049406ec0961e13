"""GET /health: is the service up, and what is it serving (open without an API key)."""

from __future__ import annotations

from fastapi import APIRouter

from assistant.api.deps import AssistantDep, SettingsDep
from assistant.api.models import HealthOut

router = APIRouter(tags=["Hệ thống"])


@router.get("/health", response_model=HealthOut, summary="Tình trạng dịch vụ")
def health(assistant: AssistantDep, settings: SettingsDep) -> HealthOut:
    """Số tài liệu và đoạn trong chỉ mục, mô hình nhúng, kiểu chỉ mục và mô hình ngôn ngữ (nếu có)."""
    backend = "qdrant-server" if settings.qdrant_url else "qdrant-local" if settings.qdrant_path else "qdrant-edge"
    model = settings.llm_model or (settings.gguf_model_path.stem if settings.gguf_model_path else None)
    return HealthOut(
        status="ok", documents=len(assistant.index.docstore.documents()), chunks=assistant.index.store.count(),
        embedder=assistant.index.embedder.name, index_backend=backend, llm_backend=settings.llm_backend,
        llm_model=model if settings.llm_backend != "none" else None,
    )
