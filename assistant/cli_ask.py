"""`cds ask` and `cds chat`: questions answered with verbatim, cited quotes, in the terminal.

Both go through a running `cds serve`/`cds ui` when one holds the index (see ``assistant.cli``);
otherwise they open the index themselves. The Assistant and the index are imported only on that path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import quote

import click

from assistant.cli import call_service, open_index, refuse_if_held, service_client
from assistant.schemas import Answer
from ingest.settings import Settings

if TYPE_CHECKING:
    from assistant.core import Assistant
    from ingest.index import SearchFilters

_QUIT = ("thoát", "thoat", "quit", "exit")
_PASSAGE_CHARS = 300


@click.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="In câu trả lời dạng JSON (hợp đồng Answer).")
@click.option("-k", "--k", "k", type=int, default=None, help="Số đoạn cần tìm (mặc định 8).")
@click.option("--doc", "doc_ids", multiple=True, help="Chỉ tìm trong tài liệu này (mã tài liệu); lặp lại được.")
@click.option("--level", "levels", multiple=True, help="Cấp: bộ, tỉnh, xã, quốc gia; lặp lại được.")
@click.option("--session", "session_id", help="Mã phiên: câu hỏi nối tiếp được hiểu theo các lượt trước.")
@click.pass_obj
def ask(settings: Settings, question: str, as_json: bool, k: int | None, doc_ids: tuple[str, ...],
        levels: tuple[str, ...], session_id: str | None) -> None:
    """Trả lời QUESTION từ tài liệu, mỗi ý kèm trích dẫn nguyên văn (hoặc báo KHÔNG CÓ TRONG TÀI LIỆU)."""
    client = service_client(settings)
    if client is not None:
        if doc_ids:
            _check_doc_ids(doc_ids, {d["id"] for d in call_service(client, "GET", "/documents")})
        body = {"question": question, "doc_ids": list(doc_ids), "levels": list(levels),
                **({"k": k} if k is not None else {}), **({"session_id": session_id} if session_id else {})}
        answer = Answer.model_validate(call_service(client, "POST", "/ask", json_body=body))
    else:
        _refuse_if_held(settings)
        _check(settings, question, k, session_id)
        assistant = _open(settings)
        try:
            filters = _filters(assistant, doc_ids, levels)
            answer = _ask(assistant, question, k=k, filters=filters, session_id=session_id)
        finally:
            assistant.sessions.close()  # the index stays open: a process holds one per data directory
    if as_json:
        click.echo(answer.model_dump_json(indent=2))
    else:
        click.echo(render_answer(answer))


@click.command()
@click.option("-k", "--k", "k", type=int, default=None, help="Số đoạn cần tìm (mặc định 8).")
@click.option("--doc", "doc_ids", multiple=True, help="Chỉ tìm trong tài liệu này (mã tài liệu); lặp lại được.")
@click.option("--level", "levels", multiple=True, help="Cấp: bộ, tỉnh, xã, quốc gia; lặp lại được.")
@click.option("--session", "session_id", help="Tiếp tục một phiên đã có.")
@click.pass_obj
def chat(settings: Settings, k: int | None, doc_ids: tuple[str, ...], levels: tuple[str, ...],
         session_id: str | None) -> None:
    """Hội thoại nhiều lượt: gõ câu hỏi sau "Bạn: "; dòng trống hoặc "thoát" để kết thúc."""
    client = service_client(settings)
    if client is not None:
        if doc_ids:
            _check_doc_ids(doc_ids, {d["id"] for d in call_service(client, "GET", "/documents")})
        if session_id is None:
            session_id = call_service(client, "POST", "/sessions")["session_id"]
            _new_session(session_id)
        else:
            turns = call_service(client, "GET", f"/sessions/{quote(session_id, safe='')}")["turns"]
            click.echo(f"Tiếp tục phiên {session_id} ({len(turns)} lượt trước).")
        body = {"doc_ids": list(doc_ids), "levels": list(levels), "session_id": session_id,
                **({"k": k} if k is not None else {})}
        _converse(lambda question: Answer.model_validate(
            call_service(client, "POST", "/ask", json_body={"question": question, **body})))
        return
    _refuse_if_held(settings)
    if session_id is not None:
        _check(settings, "?", k, session_id)
    assistant = _open(settings)
    try:
        filters = _filters(assistant, doc_ids, levels)
        if session_id is None:
            session_id = assistant.new_session()
            _new_session(session_id)
        else:
            click.echo(f"Tiếp tục phiên {session_id} ({len(assistant.history(session_id))} lượt trước).")
        _converse(lambda question: _ask(assistant, question, k=k, filters=filters, session_id=session_id))
    finally:
        assistant.sessions.close()


def _new_session(session_id: str) -> None:
    click.echo(f"Phiên mới: {session_id} (tiếp tục sau bằng: cds chat --session {session_id})")


def _converse(answer: Callable[[str], Answer]) -> None:
    """Read questions after "Bạn: " until an empty line, "thoát" or end of input; print each answer."""
    while True:
        try:
            question = click.prompt("Bạn", prompt_suffix=": ", default="", show_default=False)
        except click.Abort:
            click.echo()
            break
        if not question.strip() or question.strip().lower() in _QUIT:
            break
        try:
            reply = answer(question)
        except click.UsageError as exc:
            click.echo(f"Lỗi: {exc.message}", err=True)
            continue
        click.echo(render_answer(reply))
        click.echo()


def render_answer(answer: Answer) -> str:
    """The answer for a terminal: the Markdown, then "Nguồn:" with every [n] and its quote, or,
    for a refusal, the passages under "Có thể liên quan:"."""
    lines = []
    if answer.resolved_question:
        lines += [f"(Hiểu câu hỏi là: {answer.resolved_question})", ""]
    lines.append(answer.answer)
    if answer.citations:
        lines += ["", "Nguồn:"]
        for c in answer.citations:
            lines.append(f"[{c.n}] {c.citation}" + (" (dự thảo)" if c.status == "draft" else ""))
            lines.append(f"    “{' '.join(c.quote.split())}”")
    if not answer.answerable and answer.passages:
        lines += ["", "Có thể liên quan:"]
        for p in answer.passages:
            body = " ".join(p.text.split())
            lines.append(f"{p.rank}. {p.doc_title} — {p.clause}")
            lines.append(f"    {body[:_PASSAGE_CHARS]}{'…' if len(body) > _PASSAGE_CHARS else ''}")
    if answer.warnings:
        lines += ["", *(f"Lưu ý: {w}" for w in answer.warnings)]
    return "\n".join(lines)


def _refuse_if_held(settings: Settings) -> None:
    from ingest.errors import IngestError

    try:
        refuse_if_held(settings)
    except IngestError as exc:
        raise click.ClickException(str(exc)) from exc


def _check(settings: Settings, question: str, k: int | None, session_id: str | None) -> None:
    from assistant.core import QuestionError, validate_question

    try:
        validate_question(settings, question, k, session_id)
    except QuestionError as exc:
        raise click.UsageError(str(exc)) from exc


def _open(settings: Settings) -> Assistant:
    from ingest.errors import IngestError

    try:
        index = open_index(settings)
    except IngestError as exc:
        raise click.ClickException(str(exc)) from exc
    from assistant.core import Assistant

    try:
        return Assistant(settings, index)
    except ValueError as exc:  # the abstention model file is missing or stale
        index.close()
        raise click.ClickException(str(exc)) from exc


def _filters(assistant: Assistant, doc_ids: tuple[str, ...], levels: tuple[str, ...]) -> SearchFilters:
    from ingest.index import SearchFilters

    _check_doc_ids(doc_ids, {d.meta.id for d in assistant.index.docstore.documents()})
    return SearchFilters(doc_ids=doc_ids, levels=levels)


def _check_doc_ids(doc_ids: tuple[str, ...], known: set[str]) -> None:
    unknown = [d for d in doc_ids if d not in known]
    if unknown:
        raise click.UsageError(f"Không có tài liệu mã {', '.join(unknown)}. "
                               f"Các mã hiện có: {', '.join(sorted(known))}.")


def _ask(assistant: Assistant, question: str, **kwargs) -> Answer:
    from assistant.core import QuestionError
    from ingest.errors import IngestError

    try:
        return assistant.ask(question, **kwargs)
    except QuestionError as exc:
        raise click.UsageError(str(exc)) from exc
    except IngestError as exc:
        raise click.ClickException(str(exc)) from exc
