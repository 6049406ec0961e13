"""The Hỏi đáp tab: a chat over ``Assistant.ask`` with streamed answers, clickable citations and a
source panel that shows the quoted span highlighted in its document.

One Assistant session per browser (``ChatState`` in a ``gr.State``): follow-up questions are resolved
by the Assistant from the session's earlier turns. The browser keeps the session id (``gr.BrowserState``),
so a reloaded page shows the conversation again, rebuilt from the Assistant's stored turns.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import gradio as gr

from assistant.api.ask import answer_pieces
from assistant.core import Assistant, QuestionError
from assistant.schemas import Answer
from ingest.errors import IngestError
from ingest.index import SearchFilters
from ui._documents import LEVELS, document_choices
from ui._render import SOURCE_PLACEHOLDER, answer_markdown, source_html

EXAMPLES = [
    "Kế hoạch chuyển đổi số cấp xã gồm những nội dung chính nào?",
    "Ai chủ trì xây dựng Hệ thống phòng vệ mạng quốc gia?",
    "Chỉ tiêu công suất trung tâm dữ liệu tính trên 1 triệu dân năm 2025 là bao nhiêu?",
]
_TARGET = re.compile(r"^(cite|pass)-(\d+)-(\d+)$")
_SEARCHING = "_Đang tìm trong tài liệu…_"


@dataclass
class ChatState:
    """One browser session: its Assistant session and every answer shown, in order (the turn index)."""

    session_id: str
    answers: list[Answer] = field(default_factory=list)


def build_chat_tab(app: gr.Blocks, assistant: Assistant) -> gr.Dropdown:
    """Lay out the tab inside the current ``gr.Tab`` and wire its events (``app``: to restore on load).

    :returns: the document filter, whose choices follow the corpus.
    """
    settings = assistant.settings
    state = gr.State(None)  # a ChatState from the first question on
    # Its session id in the browser's storage, as {"session_id": …}: the storage skips falsy values, so a
    # bare None could not replace an id when a new conversation starts.
    kept = gr.BrowserState({"session_id": None}, storage_key="cds-chat-session")
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            chatbot = gr.Chatbot(label="Hội thoại", elem_id="cds-chat", height=560, buttons=["copy"],
                                 feedback_options=None, placeholder=(
                                     "**Hỏi về kế hoạch chuyển đổi số và căn cứ pháp lý.** Mỗi câu trả lời trích "
                                     "nguyên văn tài liệu, kèm số [n] dẫn tới nguồn."))
            with gr.Row():
                question = gr.Textbox(label="Câu hỏi", placeholder="Nhập câu hỏi rồi nhấn Enter…", scale=5,
                                      elem_id="cds-question", max_length=settings.max_question_chars, autofocus=True)
                send = gr.Button("Gửi", variant="primary", scale=1, elem_id="cds-send")
            with gr.Row():
                new = gr.Button("Cuộc hội thoại mới", size="sm", elem_id="cds-new-chat")
            gr.Examples(EXAMPLES, inputs=question, label="Câu hỏi mẫu")
            with gr.Accordion("Tùy chọn tìm kiếm", open=False):
                k = gr.Slider(1, settings.max_k, value=settings.top_k, step=1, label="Số đoạn tài liệu tham khảo")
                doc_filter = gr.Dropdown(document_choices(assistant), multiselect=True, value=[],
                                         label="Chỉ tìm trong các tài liệu (bỏ trống: mọi tài liệu)")
                levels = gr.CheckboxGroup(LEVELS, value=[], label="Chỉ tài liệu cho cấp (bỏ trống: mọi cấp)")
        with gr.Column(scale=2):
            source = gr.HTML(SOURCE_PLACEHOLDER, elem_id="cds-source", label="Nguồn")
    # Filled by the page script when a [n] link is clicked (see ui._render); hidden, but in the page.
    target = gr.Textbox(visible="hidden", elem_id="cds-cite-target")
    open_source = gr.Button("Mở nguồn", visible="hidden", elem_id="cds-cite-open")

    def respond(text: str, history: list, chat: ChatState | None, k_: int, doc_ids: list[str],
                levels_: list[str]) -> Iterator[tuple[list, str, ChatState | None, dict]]:
        text = text.strip()
        if not text:
            gr.Warning("Hãy nhập câu hỏi.", title="Chưa có câu hỏi")
            yield history, text, chat, gr.skip()
            return
        history = [*history, {"role": "user", "content": text}, {"role": "assistant", "content": _SEARCHING}]
        chat = chat or ChatState(assistant.new_session())
        yield history, "", chat, {"session_id": chat.session_id}
        try:
            answer = assistant.ask(text, k=int(k_), session_id=chat.session_id,
                                   filters=SearchFilters(doc_ids=tuple(doc_ids), levels=tuple(levels_)))
        except (QuestionError, IngestError) as exc:
            history[-1] = {"role": "assistant", "content": f"**Lỗi:** {html.escape(str(exc))}"}
            yield history, "", chat, gr.skip()
            return
        turn = len(chat.answers)
        chat.answers.append(answer)
        statuses = _statuses(assistant)
        streamed = ""
        for piece in answer_pieces(answer.answer):
            streamed += piece
            history[-1] = {"role": "assistant", "content": answer_markdown(answer, turn, statuses, streamed)}
            yield history, "", chat, gr.skip()
        history[-1] = {"role": "assistant", "content": answer_markdown(answer, turn, statuses)}
        yield history, "", chat, gr.skip()

    def show_source(key: str, chat: ChatState | None) -> str:
        return source_for(assistant, chat, key)

    def reset() -> tuple[list, None, str, dict]:
        return [], None, SOURCE_PLACEHOLDER, {"session_id": None}

    def restore(stored: dict | None) -> tuple[list, ChatState | None]:
        session_id = (stored or {}).get("session_id")
        turns = assistant.history(session_id) if session_id else []
        if not turns:
            return [], None
        statuses = _statuses(assistant)
        messages = [message for i, turn in enumerate(turns) for message in (
            {"role": "user", "content": turn.question},
            {"role": "assistant", "content": answer_markdown(turn.answer, i, statuses)})]
        return messages, ChatState(session_id, [turn.answer for turn in turns])

    inputs = [question, chatbot, state, k, doc_filter, levels]
    for event in (question.submit, send.click):  # a question sent while one is answered waits its turn
        event(respond, inputs, [chatbot, question, state, kept], show_progress="minimal",
              trigger_mode="always_last")
    # The quick, non-streamed events skip the queue: Gradio's client (6.x) loses a queued event sent while
    # the event stream of a finished one is closing (it neither reopens the stream nor shows the output), and
    # the page's load event would otherwise close its stream just as a fast first question is sent.
    open_source.click(show_source, [target, state], source, show_progress="minimal", queue=False).then(
        None, js="() => document.getElementById('cds-mark')?.scrollIntoView({block: 'center'})")
    for event in (new.click, chatbot.clear):  # a cleared chat starts a new session: no stale follow-ups
        event(reset, None, [chatbot, state, source, kept], queue=False)
    app.load(restore, kept, [chatbot, state], queue=False)
    return doc_filter


def source_for(assistant: Assistant, chat: ChatState | None, key: str) -> str:
    """The source panel for a link target: "cite-<turn>-<n>" (a citation) or "pass-<turn>-<rank>" (a passage)."""
    match = _TARGET.match(key.strip())
    if chat is None or match is None or int(match[2]) >= len(chat.answers):
        return SOURCE_PLACEHOLDER
    answer, number = chat.answers[int(match[2])], int(match[3])
    if match[1] == "cite":
        citation = next((c for c in answer.citations if c.n == number), None)
        doc = assistant.index.docstore.get(citation.doc_id) if citation else None
        if citation is None or doc is None:
            return _missing()
        return source_html(doc, citation.char_start, citation.char_end, f"[{citation.n}] {citation.citation}",
                           "Đoạn được trích")
    passage = next((p for p in answer.passages if p.rank == number), None)
    doc = assistant.index.docstore.get(passage.doc_id) if passage else None
    if passage is None or doc is None:
        return _missing()
    return source_html(doc, passage.char_start, passage.char_end, f"{doc.meta.short_title} — {passage.clause}",
                       "Đoạn tìm thấy")


def _statuses(assistant: Assistant) -> dict[str, str | None]:
    return {d.meta.id: d.meta.status for d in assistant.index.docstore.documents()}


def _missing() -> str:
    return ('<div class="cds-source-empty">Tài liệu của trích dẫn này không còn trong kho (kho đã thay đổi sau câu '
            "trả lời). Hãy hỏi lại.</div>")
