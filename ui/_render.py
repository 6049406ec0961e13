"""HTML and Markdown the web app shows: answers with clickable [n], the source panel with the quoted
span highlighted, document metadata and clause trees.

Everything taken from a document or an answer is HTML-escaped here, once. Links that open a source
carry their target in the fragment (``#cite-<turn>-<n>``, ``#pass-<turn>-<rank>``, ``#cl-<i>``): the
chatbot's sanitiser keeps ``href`` but drops ``data-*`` attributes, and the page script (``PAGE_JS``)
turns a click on such a link into an event for the server.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from assistant.drafting.knowledge import STATUS_VI
from assistant.drafting.models import LEVELS_VI, CheckReport, period_vi
from assistant.schemas import NOT_IN_CORPUS, Answer, Citation
from ingest.docstore import StoredDocument
from ingest.model import Clause

_MARKER = re.compile(r"\[(\d+)\]")
_MARKDOWN_MARKS = re.compile(r"([\\`*_#\[\]|~])")
_CONTEXT_CHARS = 1500  # text shown on either side of a quoted span in the source panel
_EXCERPT_CHARS = 220
_TREE_KINDS = frozenset({"section", "chapter", "legal_section", "article", "area", "task", "table_row", "item"})

SOURCE_PLACEHOLDER = ('<div class="cds-source-empty">Bấm vào một trích dẫn <b>[n]</b> trong câu trả lời để xem '
                      "nguyên văn trong tài liệu, đoạn được trích tô vàng.</div>")


def status_label(status: str | None) -> str:
    """The Vietnamese status of a document ("dự thảo", "đang có hiệu lực", …); "chưa rõ" when unknown."""
    return STATUS_VI.get(status or "unknown", status or STATUS_VI["unknown"])


def draft_badge(status: str | None) -> str:
    """A visible "DỰ THẢO" mark for a draft source; empty for any other status."""
    return ' <span class="cds-draft">DỰ THẢO</span>' if status == "draft" else ""


def linkify_markers(markdown: str, turn: int) -> str:
    """The answer's Markdown, escaped, with every [n] turned into a link that opens citation n."""
    escaped = html.escape(markdown, quote=False)
    return _MARKER.sub(lambda m: f'<a class="cds-cite" href="#cite-{turn}-{m[1]}" title="Xem nguồn [{m[1]}]">'
                                 f"[{m[1]}]</a>", escaped)


def answer_markdown(answer: Answer, turn: int, statuses: dict[str, str | None], partial: str | None = None) -> str:
    """A chat message for an answer: how a follow-up was understood, warnings, the text with clickable
    [n], then its sources or, when the corpus does not hold the answer, a notice and the passages that
    may be related.

    :param turn: the answer's index in the session, which the links carry.
    :param statuses: document id -> status, to mark passages from drafts.
    :param partial: a prefix of ``answer.answer`` while it streams; the sources follow the whole text only.
    """
    head = [f"_Câu hỏi được hiểu là: {_literal(answer.resolved_question)}_"] if answer.resolved_question else []
    head += [f"⚠ {_literal(warning)}" for warning in answer.warnings]
    preface = "\n\n".join(head) + "\n\n" if head else ""
    if partial is not None:
        return preface + linkify_markers(partial, turn)
    if not answer.answerable:
        return (f'{preface}<div class="cds-refusal">{NOT_IN_CORPUS}</div>\n\n'
                f"{_not_found_body(linkify_markers(answer.answer, turn))}{_related(answer, turn, statuses)}")
    return preface + linkify_markers(answer.answer, turn) + "\n\n" + _sources(answer.citations, turn)


def _not_found_body(body: str) -> str:
    # The answer repeats the notice the box above shows: keep only what it adds.
    rest = body.replace(NOT_IN_CORPUS, "", 1).strip().removeprefix(".").strip()
    return rest + "\n\n" if rest else ""


def _literal(text: str) -> str:
    """Source text shown as it is inside a Markdown message: HTML-escaped, Markdown markers backslashed."""
    return _MARKDOWN_MARKS.sub(r"\\\1", html.escape(text, quote=False))


def _sources(citations: Sequence[Citation], turn: int) -> str:
    if not citations:
        return ""
    lines = ["**Nguồn** (bấm để xem nguyên văn):", ""]
    for c in citations:
        lines.append(f'- <a class="cds-cite" href="#cite-{turn}-{c.n}">[{c.n}]</a> '
                     f"{_literal(c.citation)}{draft_badge(c.status)}")
    return "\n".join(lines)


def _related(answer: Answer, turn: int, statuses: dict[str, str | None]) -> str:
    if not answer.passages:
        return "Không tìm thấy đoạn nào gần với câu hỏi."
    lines = ["**Có thể liên quan** (không phải câu trả lời; bấm để xem nguyên văn):", ""]
    for p in answer.passages[:5]:
        excerpt = " ".join(p.text.split())
        excerpt = excerpt[:_EXCERPT_CHARS] + ("…" if len(excerpt) > _EXCERPT_CHARS else "")
        lines.append(f'- <a class="cds-passage" href="#pass-{turn}-{p.rank}">{_literal(p.doc_title)} — '
                     f"{_literal(p.clause)}</a>{draft_badge(statuses.get(p.doc_id))}: {_literal(excerpt)}")
    return "\n".join(lines)


def source_html(doc: StoredDocument, start: int, end: int, heading: str, quote_label: str) -> str:
    """The source panel: the document, the clause and the text around ``[start, end)``, that span marked.

    :param heading: what was opened (a citation "[2] Khung KH CĐS …, Mục II.6, ý 3", or a passage's
        document and clause), shown above the text.
    :param quote_label: names the highlighted span ("Đoạn được trích", "Đoạn tìm thấy").
    """
    text = doc.text
    clause = _deepest(doc.parsed.clauses, start, end)
    lo, hi = start - _CONTEXT_CHARS, end + _CONTEXT_CHARS
    if clause is not None:  # the whole clause around the quote, unless it is much longer
        lo = min(lo, max(clause.start, start - 2 * _CONTEXT_CHARS))
        hi = max(hi, min(clause.end, end + 2 * _CONTEXT_CHARS))
    lo, hi = _line_start(text, max(0, lo)), _line_end(text, min(len(text), hi))
    path = " › ".join(html.escape(c.label) for c in _ancestors(doc, clause)) if clause else ""
    return (
        '<div class="cds-source">'
        f'<div class="cds-source-head"><b>{html.escape(heading)}</b>{draft_badge(doc.meta.status)}</div>'
        f"{meta_html(doc)}"
        + (f'<div class="cds-path">Vị trí: {path}</div>' if path else "")
        + f'<div class="cds-quote-label">{html.escape(quote_label)} (ký tự {start}–{end}), tô vàng:</div>'
        '<div class="cds-text" id="cds-source-text">'
        f'{"… " if lo > 0 else ""}{html.escape(text[lo:start])}'
        f'<mark id="cds-mark">{html.escape(text[start:end])}</mark>'
        f'{html.escape(text[end:hi])}{" …" if hi < len(text) else ""}'
        "</div></div>"
    )


def meta_html(doc: StoredDocument) -> str:
    """A document's metadata as a small definition list; unknown values say so."""
    m = doc.meta
    rows = [("Tài liệu", m.title), ("Số hiệu", m.number), ("Cơ quan ban hành", m.issuer), ("Ngày ban hành", m.date),
            ("Tình trạng", status_label(m.status)), ("Cấp", ", ".join(m.level) if m.level else None),
            ("Giai đoạn", m.period), ("Ghi chú", m.notes)]
    cells = "".join(f"<dt>{name}</dt><dd>{html.escape(value) if value else '<i>không nêu</i>'}</dd>"
                    for name, value in rows if value or name in ("Số hiệu", "Cơ quan ban hành", "Ngày ban hành"))
    return f'<dl class="cds-meta">{cells}</dl>'


def document_html(doc: StoredDocument) -> str:
    """The Tài liệu tab's view of one document: metadata, clause tree (links) and the whole text with
    an anchor at every clause of the tree."""
    clauses = [c for c in doc.parsed.clauses if c.kind in _TREE_KINDS]
    anchors = sorted(((c.start, i) for i, c in enumerate(clauses)), key=lambda a: a[0])
    text, pieces, pos = doc.text, [], 0
    for offset, i in anchors:
        pieces.append(html.escape(text[pos:offset]))
        pieces.append(f'<span class="cds-anchor" id="cl-{i}"></span>')
        pos = offset
    pieces.append(html.escape(text[pos:]))
    return (
        f'<div class="cds-doc-head"><b>{html.escape(doc.meta.title)}</b>{draft_badge(doc.meta.status)}</div>'
        f"{meta_html(doc)}"
        '<div class="cds-doc">'
        f'<div class="cds-tree"><div class="cds-tree-title">Cây điều khoản ({len(clauses)})</div>'
        f"{_tree(clauses, doc.parsed.by_id())}</div>"
        f'<div class="cds-text cds-doc-text">{"".join(pieces)}</div>'
        "</div>"
    )


def _tree(clauses: list[Clause], by_id: dict[str, Clause]) -> str:
    """Nested lists following the parents (a clause whose parent is not shown hangs from its nearest shown ancestor).

    :param by_id: every clause of the document, shown or not.
    """
    if not clauses:
        return "<i>Tài liệu không có cấu trúc điều khoản.</i>"
    index = {c.id: i for i, c in enumerate(clauses)}
    children: dict[int | None, list[int]] = {}
    for i, c in enumerate(clauses):
        parent = c.parent
        while parent is not None and parent not in index:
            parent = by_id[parent].parent if parent in by_id else None
        children.setdefault(index[parent] if parent is not None else None, []).append(i)

    def items(parent: int | None) -> str:
        out = []
        for i in children.get(parent, []):
            c = clauses[i]
            title = f" — {html.escape(c.title[:90])}" if c.title else ""
            link = f'<a href="#cl-{i}">{html.escape(c.label)}</a>{title}'
            sub = items(i)
            out.append(f"<li><details><summary>{link}</summary><ul>{sub}</ul></details></li>" if sub
                       else f"<li>{link}</li>")
        return "".join(out)

    return f"<ul>{items(None)}</ul>"


def _deepest(clauses: Sequence[Clause], start: int, end: int) -> Clause | None:
    found = [c for c in clauses if c.start <= start and end <= c.end]
    return max(found, key=lambda c: (c.depth, c.start)) if found else None


def _ancestors(doc: StoredDocument, clause: Clause) -> list[Clause]:
    by_id = doc.parsed.by_id()
    chain = [clause]
    while chain[-1].parent is not None and chain[-1].parent in by_id:
        chain.append(by_id[chain[-1].parent])
    return chain[::-1]


def _line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1 if pos > 0 else 0


def _line_end(text: str, pos: int) -> int:
    found = text.find("\n", pos)
    return len(text) if found < 0 else found


def citations_html(citations: Sequence[Citation], notes: Sequence[str] = ()) -> str:
    """A draft's sources: every [n] with its citation and verbatim quote; draft sources marked."""
    if not citations and not notes:
        return ""
    items = "".join(
        f'<li value="{c.n}"><b>{html.escape(c.citation)}</b>{draft_badge(c.status)}'
        f'<blockquote>{html.escape(" ".join(c.quote.split()))}</blockquote></li>' for c in citations)
    remarks = "".join(f'<p class="cds-note">{html.escape(note)}</p>' for note in notes)
    return f'<div class="cds-sources"><h3>Nguồn ({len(citations)})</h3>{remarks}<ol>{items}</ol></div>'


def findings_html(report: CheckReport, titles: dict[str, str]) -> str:
    """The coverage check of an uploaded plan: its findings grouped by kind, each with its sources."""
    head = (f"<p><b>Bản kế hoạch {html.escape(report.file)}</b> — {LEVELS_VI[report.level]}, "
            f"{period_vi(report.period)}. Khung áp dụng: {html.escape(report.framework)}.</p>")
    if not report.findings:
        return head + '<p class="cds-ok">Không phát hiện thiếu sót nào so với khung và các nhiệm vụ cấp trên.</p>'
    groups = []
    for kind, title in titles.items():
        found = [f for f in report.findings if f.kind == kind]
        if not found:
            continue
        entries = "".join(
            f"<li>{html.escape(f.message)}"
            + (f" <i>(dòng {f.draft_line} của bản kế hoạch)</i>" if f.draft_line else "")
            + "".join(f'<div class="cds-finding-source">{html.escape(c.citation)}{draft_badge(c.status)}: '
                      f'“{html.escape(" ".join(c.quote.split()))}”</div>' for c in f.sources)
            + "</li>" for f in found)
        groups.append(f'<h4>{html.escape(title)} ({len(found)})</h4><ul>{entries}</ul>')
    return f'<div class="cds-findings">{head}{"".join(groups)}</div>'
