"""Structure parser: a normalised document's clause tree and task records.

Three layouts are told apart: laws and resolutions (``ingest.legal``), a task table laid out as
tab-prefixed cells (002), and free-text guidance with numbered headings, lists and paragraphs (000,
001, 003, 004, whose "- task / + field" blocks also yield task records). In the first and the last,
the rows of a .docx/HTML task table (``ingest.tables``) are task records too.
"""

from __future__ import annotations

from dataclasses import replace

from ingest._guidance_outline import parse_outline
from ingest._guidance_table import looks_tabular, parse_table
from ingest.model import ParsedDocument
from ingest.tables import row_tasks


def parse_structure(text: str, doc_id: str) -> ParsedDocument:
    """Parse a normalised document into its clause tree and task records.

    Clauses come in document order, parents before children. Each covers itself and its descendants
    (``text[c.start:c.end]``); children lie inside their parent and siblings never overlap. Ids are
    derived from the numbering ("II/2/2.1/a/*1/-3"), labels are Vietnamese citations ("Mục II.2.1,
    điểm a, Giai đoạn năm 2025-2027, ý 3"; "Lĩnh vực I, nhiệm vụ 3"; "Mục II.1 (Về nhận thức số),
    nhiệm vụ 3"), and both are unique within the document.

    :param text: the document's normalised text (``normalise(raw).text``).
    :param doc_id: the document id stored on task records.
    :returns: the clause tree and, for task tables and task blocks, one record per task.
    """
    from ingest.legal import looks_legal, parse_legal

    if looks_legal(text):
        parsed = parse_legal(text, doc_id)
    elif looks_tabular(text):
        return parse_table(text, doc_id)
    else:
        parsed = parse_outline(text, doc_id)
    return replace(parsed, tasks=parsed.tasks + row_tasks(text, parsed.clauses, doc_id))
