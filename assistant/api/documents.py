"""GET /documents and GET /documents/{id}: metadata, normalised text, clause tree, task records."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from assistant.api.deps import AssistantDep
from assistant.api.errors import clip
from assistant.api.models import DocumentDetail, DocumentSummary, ErrorOut

router = APIRouter(prefix="/documents", tags=["Tài liệu"])


@router.get("", response_model=list[DocumentSummary], summary="Danh sách tài liệu trong kho")
def list_documents(assistant: AssistantDep) -> list[DocumentSummary]:
    """Mọi tài liệu đã lập chỉ mục: mã, tên, số hiệu, cơ quan ban hành, ngày, tình trạng, cấp, giai đoạn,
    số đoạn. Giá trị null nghĩa là văn bản gốc không nêu."""
    return [DocumentSummary.of(d) for d in assistant.index.docstore.documents()]


@router.get("/{doc_id}", response_model=DocumentDetail, summary="Một tài liệu: văn bản, cây điều khoản, nhiệm vụ",
            responses={404: {"model": ErrorOut}})
def get_document(doc_id: str, assistant: AssistantDep) -> DocumentDetail:
    """Văn bản đã chuẩn hóa kèm cây điều khoản (mã, nhãn, loại, vị trí, nút cha) và các nhiệm vụ (cơ quan
    chủ trì, phối hợp, thời hạn, mỗi trường có vị trí ký tự). Trích dẫn của câu trả lời trỏ vào
    text[char_start:char_end] của tài liệu này, nên giao diện có thể tô sáng đúng đoạn được trích."""
    doc = assistant.index.docstore.get(doc_id)
    if doc is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            detail=f"Không có tài liệu mã “{clip(doc_id)}”. Xem danh sách tại GET /documents.")
    return DocumentDetail.of(doc)
