"""An OpenAI-compatible face: POST /v1/chat/completions (plain and streamed) and GET /v1/models.

Existing chat clients (Open WebUI, the openai SDK, LibreChat) can use the assistant unchanged. The
last user message is the question; earlier user messages are the conversation: each is resolved
against the ones before it exactly as a session does (``resolve_follow_up``), so a follow-up ("ai phối
hợp?") means here what it means in POST /chat, with no state kept on the server. Other messages (system,
assistant, tool, also any after the question) and the client's sampling parameters are ignored: the
answer is the assistant's own, cited as always. The reply's text is the answer Markdown followed by a "Nguồn:" list; the structured citations ride along
in an extra ``citations`` field (on the response, or on the last chunk when streaming).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, status
from fastapi.sse import EventSourceResponse, format_sse_event
from pydantic import BaseModel, ConfigDict, Field

from assistant.api.ask import answer_pieces
from assistant.api.deps import AssistantDep, SettingsDep, check_limits
from assistant.api.models import ErrorOut
from assistant.core import Assistant
from assistant.schemas import Answer, Citation
from assistant.sessions import resolve_follow_up
from ingest.settings import Settings

MODEL_ID = "cds-assistant"
_RELATED_CHARS = 300

router = APIRouter(prefix="/v1", tags=["Tương thích OpenAI"], responses={422: {"model": ErrorOut}})


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True)  # JSON types as the schema states them: no 0 for false


class ContentPart(_Strict):
    type: str
    text: str | None = None


class _Message(_Strict):
    content: str | list[ContentPart] | None

    @property
    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(p.text or "" for p in self.content if p.type == "text")
        return self.content or ""


_NOT_BLANK = {"pattern": r"\S"}
_HAS_TEXT = {"contains": {"type": "object", "required": ["type", "text"],
                          "properties": {"type": {"const": "text"}, "text": {"type": "string", **_NOT_BLANK}}}}


class UserMessage(_Message):
    """A question: it has text (a string, or parts of which one is a non-blank text part)."""

    role: Literal["user"]
    content: (Annotated[str, Field(min_length=1, json_schema_extra=_NOT_BLANK)]
              | Annotated[list[ContentPart], Field(min_length=1, json_schema_extra=_HAS_TEXT)])


class OtherMessage(_Message):
    role: Literal["system", "developer", "assistant", "tool"]
    content: str | list[ContentPart] | None = None


ChatMessage = Annotated[UserMessage | OtherMessage, Field(discriminator="role")]


class ChatCompletionRequest(_Strict):
    model_config = ConfigDict(strict=True, json_schema_extra={"examples": [{"model": MODEL_ID, "messages": [
        {"role": "user", "content": "Nhiệm vụ xây dựng Hệ thống phòng vệ mạng quốc gia do ai chủ trì?"},
        {"role": "assistant", "content": "Bộ Công an chủ trì [1]."},
        {"role": "user", "content": "ai phối hợp?"}]}]})

    model: str = MODEL_ID
    # create_app writes the configured caps (max_chat_messages, max_question_chars) into the OpenAPI schema.
    messages: list[ChatMessage] = Field(
        min_length=1, json_schema_extra={"contains": {"type": "object", "required": ["role"],
                                                      "properties": {"role": {"const": "user"}}}},
        description="Tin nhắn của cuộc hội thoại, cũ nhất trước; cần ít nhất một tin nhắn user. Tổng số ký tự "
                    "mọi tin nhắn có giới hạn (CDS_MAX_CHAT_CHARS).")
    stream: bool = False


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop"] = "stop"


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str = MODEL_ID
    choices: list[Choice]
    answerable: bool
    citations: list[Citation]


class ModelCard(BaseModel):
    id: str = MODEL_ID
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "cds"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


@router.get("/models", response_model=ModelList, summary="Mô hình (theo chuẩn OpenAI)")
def list_models() -> ModelList:
    """Một "mô hình" duy nhất, cds-assistant: trợ lý trả lời có trích dẫn."""
    return ModelList(data=[ModelCard()])


@router.post(
    "/chat/completions", response_model=ChatCompletion, summary="Hỏi đáp theo chuẩn OpenAI Chat Completions",
    responses={200: {"content": {"text/event-stream": {}},
                     "description": "stream=true: các khối chat.completion.chunk, rồi data: [DONE]."}},
)
def chat_completions(body: ChatCompletionRequest, assistant: AssistantDep,
                     settings: SettingsDep) -> ChatCompletion | EventSourceResponse:
    """Câu hỏi là tin nhắn user cuối cùng; các tin nhắn user trước đó là ngữ cảnh hội thoại. Nội dung trả
    lời gồm câu trả lời Markdown và danh sách "Nguồn:"; trường citations chứa trích dẫn có cấu trúc."""
    questions = _questions(body.messages, settings)
    answer = _answer_in_context(assistant, questions)
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    content = render_content(answer)
    if body.stream:
        return EventSourceResponse(_chunks(completion_id, created, content, answer))
    choice = Choice(message=AssistantMessage(content=content))
    return ChatCompletion(id=completion_id, created=created, choices=[choice], answerable=answer.answerable,
                          citations=answer.citations)


def render_content(answer: Answer) -> str:
    """The reply text: the answer, then "Nguồn:" ([n] citation — “quote”), or the related passages of a refusal."""
    parts = [answer.answer.strip()]
    if answer.citations:
        parts.append("Nguồn:\n" + "\n".join(f"[{c.n}] {c.citation} — “{c.quote}”" for c in answer.citations))
    elif answer.passages:
        parts.append("Có thể liên quan:\n" + "\n".join(
            f"- {p.doc_title}, {p.clause}: “{_clip(p.text)}”" for p in answer.passages))
    if answer.warnings:
        parts.append("Lưu ý:\n" + "\n".join(f"- {w}" for w in answer.warnings))
    return "\n\n".join(parts)


def _answer_in_context(assistant: Assistant, questions: list[str]) -> Answer:
    resolved: list[str] = []
    for question in questions:
        resolved.append(resolve_follow_up(" ".join(question.split()), resolved))
    answer = assistant.ask(resolved[-1])
    asked = " ".join(questions[-1].split())
    return answer.model_copy(update={"question": asked,
                                     "resolved_question": resolved[-1] if resolved[-1] != asked else None})


def _questions(messages: list[UserMessage | OtherMessage], settings: Settings) -> list[str]:
    """The user messages' texts, once the request is within every limit.

    :raises HTTPException: 422 for too many messages or characters, no user message, or a user message
        that is blank or longer than a question may be.
    """
    if len(messages) > settings.max_chat_messages:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            detail=f"Cuộc hội thoại có {len(messages)} tin nhắn, vượt giới hạn "
                                   f"{settings.max_chat_messages} tin nhắn: hãy bắt đầu cuộc hội thoại mới.")
    chars = sum(len(m.text) for m in messages)
    if chars > settings.max_chat_chars:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            detail=f"Các tin nhắn dài tổng cộng {chars} ký tự, vượt giới hạn "
                                   f"{settings.max_chat_chars} ký tự: hãy bắt đầu cuộc hội thoại mới.")
    questions = [m.text for m in messages if m.role == "user"]
    if not questions:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            detail="Cần ít nhất một tin nhắn của người dùng (role \"user\") chứa câu hỏi.")
    for n, question in enumerate(questions, 1):
        check_limits(settings, question, None, label=f"Tin nhắn user thứ {n}")
    return questions


def _chunks(completion_id: str, created: int, content: str, answer: Answer) -> Iterator[bytes]:
    def chunk(delta: dict, finish: str | None = None, **extra: object) -> bytes:
        body = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
        return format_sse_event(data_str=json.dumps(body, ensure_ascii=False))

    yield chunk({"role": "assistant", "content": ""})
    for piece in answer_pieces(content):
        yield chunk({"content": piece})
    yield chunk({}, "stop", answerable=answer.answerable, citations=[c.model_dump() for c in answer.citations])
    yield format_sse_event(data_str="[DONE]")


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _RELATED_CHARS else text[: _RELATED_CHARS - 1] + "…"
