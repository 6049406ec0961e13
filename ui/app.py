"""The web app for officials: Hỏi đáp, Soạn thảo, Tài liệu and Đánh giá over the same Assistant, drafting
and evaluation code as the CLI and the API, in Vietnamese.

>>> uvicorn.run(web_app(settings, Assistant.open(settings)), port=7860)   # doctest: +SKIP  (`cds ui`)

Nothing is fetched from the internet: analytics are off, the theme's fonts ship with Gradio, and the
page script below is the only script added.
"""

from __future__ import annotations

import gradio as gr
from fastapi import FastAPI

from assistant.api.app import create_app
from assistant.core import Assistant
from ingest.settings import Settings
from ui._chat import build_chat_tab
from ui._documents import build_documents_tab, document_choices
from ui._draft import build_draft_tab
from ui._evaluate import build_evaluate_tab
from ui._i18n import TRANSLATIONS

TITLE = "Trợ lý chuyển đổi số (CĐS)"
API_DOCS = "/docs"  # the HTTP service's OpenAPI page, served beside the app (``web_app``)

# Links inside answers, the source panel and the clause tree carry their target in the fragment
# (ui._render). A click on a citation or passage link is handed to the server through the hidden
# #cds-cite-target box and #cds-cite-open button; a clause link scrolls the document view.
PAGE_JS = """
() => {
  document.addEventListener('click', (event) => {
    const link = event.target.closest('a[href^="#cite-"], a[href^="#pass-"], a[href^="#cl-"]');
    if (!link) return;
    event.preventDefault();
    const target = link.getAttribute('href').slice(1);
    if (target.startsWith('cl-')) {
      document.getElementById(target)?.scrollIntoView({block: 'start'});
      return;
    }
    const box = document.querySelector('#cds-cite-target textarea, #cds-cite-target input');
    box.value = target;
    box.dispatchEvent(new Event('input', {bubbles: true}));
    setTimeout(() => document.getElementById('cds-cite-open').click(), 0);
  });
}
"""

CSS = """
.cds-header h1 { margin: 0 0 2px 0; font-size: 1.5rem; }
.cds-header p { margin: 0; color: var(--body-text-color-subdued); }
.cds-draft { background: #b91c1c; color: #fff; border-radius: 4px; padding: 0 6px; margin-left: 6px;
  font-size: 0.75em; font-weight: 700; letter-spacing: 0.02em; white-space: nowrap; }
.cds-refusal { border: 2px solid #b45309; background: #fef3c7; color: #7c2d12; font-weight: 700;
  padding: 8px 12px; border-radius: 6px; }
.cds-cite { font-weight: 700; text-decoration: none; cursor: pointer; }
.cds-source-empty { padding: 16px; color: var(--body-text-color-subdued); }
.cds-source-head, .cds-doc-head { font-size: 1.05rem; margin-bottom: 6px; }
.cds-meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 6px 0; font-size: 0.9em; }
.cds-meta dt { font-weight: 600; }
.cds-meta dd { margin: 0; }
.cds-path, .cds-quote-label { font-size: 0.9em; margin: 4px 0; }
.cds-text { white-space: pre-wrap; line-height: 1.55; max-height: 62vh; overflow-y: auto; padding: 10px 12px;
  border: 1px solid var(--border-color-primary); border-radius: 6px; background: var(--background-fill-secondary); }
.cds-text mark { background: #fde047; color: #111; padding: 1px 0; }
.cds-doc { display: grid; grid-template-columns: minmax(220px, 1fr) 2.2fr; gap: 12px; }
.cds-tree { max-height: 62vh; overflow: auto; font-size: 0.9em; }
.cds-tree ul { padding-left: 14px; margin: 0; list-style: none; }
.cds-tree summary { cursor: pointer; }
#cds-doc-table, #cds-draft-table { --font-mono: var(--font); }
.cds-tree-title { font-weight: 600; margin-bottom: 4px; }
.cds-anchor { scroll-margin-top: 8px; }
.cds-results { border-collapse: collapse; margin: 6px 0; }
.cds-results td, .cds-results th { border: 1px solid var(--border-color-primary); padding: 4px 8px; text-align: left; }
.cds-results .cds-error td { color: #b91c1c; }
.cds-results .cds-ok td { color: #15803d; }
.cds-ok { color: #15803d; }
.cds-sources blockquote { margin: 2px 0 8px 0; padding-left: 8px; border-left: 3px solid #fde047; }
.cds-finding-source { font-size: 0.85em; color: var(--body-text-color-subdued); margin-left: 8px; }
"""


def build_app(settings: Settings, assistant: Assistant | None = None) -> gr.Blocks:
    """The Gradio app over ``assistant`` (opened from ``settings`` when None, refreshing the index).

    :param settings: where the index is (embedded or server Qdrant) and the limits.
    :param assistant: an open Assistant to serve, e.g. the one a test or `cds ui` opened.
    """
    assistant = assistant or Assistant.open(settings)
    # delete_cache: files served to browsers (downloads, plots) are removed a day after, checked hourly
    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=(3600, 86400)) as app:
        gr.HTML(f'<div class="cds-header"><h1>{TITLE}</h1><p>Hỏi đáp, soạn thảo kế hoạch chuyển đổi số có trích '
                "dẫn nguyên văn từ văn bản hướng dẫn và căn cứ pháp lý. Khi tài liệu không có câu trả lời, trợ lý "
                "nói rõ “KHÔNG CÓ TRONG TÀI LIỆU”. "
                f'<a href="{API_DOCS}" target="_blank" rel="noopener">Tài liệu API (HTTP)</a>.</p></div>')
        with gr.Tabs():
            with gr.Tab("Hỏi đáp", id="chat"):
                doc_filter = build_chat_tab(app, assistant)
            with gr.Tab("Soạn thảo", id="draft"):
                build_draft_tab(assistant)
            with gr.Tab("Tài liệu", id="documents"):
                uploaded = build_documents_tab(assistant)
            with gr.Tab("Đánh giá", id="evaluate"):
                build_evaluate_tab(assistant)
        # After an upload the chat's document filter lists the new corpus too.
        uploaded.change(lambda: gr.update(choices=document_choices(assistant)), None, doc_filter, queue=False)
    return app


def web_app(settings: Settings, assistant: Assistant) -> FastAPI:
    """The HTTP service (``assistant.api.create_app``) with the web app mounted at "/": one process
    serves both, so the header's link to the API docs (/docs) works in the embedded default too,
    where the index admits one process (`cds serve` could not run beside `cds ui`).

    :param settings: as for ``build_app``; benchmark reports under ``settings.data_dir`` may be served.
    :param assistant: the open Assistant both use; the caller closes it.
    """
    return gr.mount_gradio_app(
        create_app(settings, assistant), build_app(settings, assistant), path="/", footer_links=[],
        theme=gr.themes.Default(primary_hue="blue"), css=CSS, js=PAGE_JS,
        allowed_paths=[str(settings.data_dir / "reports")], show_error=True, i18n=TRANSLATIONS,
    )
