"""Section drafts on the real corpus: the framework's structure for the level and period, nothing the
sources do not say, and `cds draft section`."""

from __future__ import annotations

import json
import re
import shutil

import docx
import pytest
from click.testing import CliRunner

from assistant.cli import main
from assistant.drafting.draft import draft_section
from assistant.drafting.models import SECTIONS
from assistant.drafting.export import to_markdown
from assistant.drafting.knowledge import KnowledgeBase, KnowledgeError
from assistant.drafting.tasks import draft_tasks
from ingest.pipeline import CorpusIndex
from tests.conftest import CORPUS_DIR, make_settings

pytestmark = pytest.mark.slow

KHUNG, CV, XA_GUIDE, KH_2025 = "khung-kh-cds-2026-2030", "cv-3816-btttt-cdsqg", "huong-dan-kh-cds-cap-xa", "du-thao-kh-cds-qg-2025"
_MARKS = re.compile(r"\[\^\d+\]|\[(?:Bộ luật|Luật|Nghị quyết|Nghị định|Quyết định|Chỉ thị|Công văn|Văn bản|Thông tư)\b[^\]]*\]")
_NUMBER = re.compile(r"^(?:[IVXLC]+|\d+(?:\.\d+)*|[a-zđ])[.)] ")
CASES = [(s, lv, p) for s in SECTIONS for lv in ("xa", "tinh", "bo") for p in ("2025", "2026-2030")]


@pytest.mark.parametrize(("section", "level", "period"), CASES)
def test_every_statement_is_a_cited_verbatim_span_or_a_bracketed_placeholder(kb, section, level, period):
    draft = draft_section(kb, section, level, period)
    assert draft.items
    for item in draft.items:
        if item.kind in ("heading", "guidance", "text"):
            quote = item.sources[0]
            assert item.text == quote.quote
            assert kb.document(quote.doc_id).text[quote.char_start : quote.char_end] == quote.quote
        else:
            assert item.text.startswith("[") and item.text.endswith("]"), item.text
    assert [c.n for c in draft.citations] == list(range(1, len(draft.citations) + 1))


@pytest.mark.parametrize(("section", "level", "period"), CASES)
def test_every_sentence_of_the_markdown_is_a_source_span_a_framework_heading_or_a_placeholder(kb, section, level, period):
    draft = draft_section(kb, section, level, period)
    spans = {item.text for item in draft.items if item.kind != "placeholder"}
    spans |= {n.text for n in draft.table.notes} if draft.table else set()
    for line in to_markdown(draft).splitlines():
        if not line.strip() or line.startswith(("[^", "|")):
            continue  # footnote definitions (the sources themselves) and table rows (checked in test_tasks)
        text = _MARKS.sub("", line).strip().lstrip("#>- ").strip()
        text = _NUMBER.sub("", text.removeprefix("**").removesuffix("**").strip("*").strip())
        assert (text.startswith("[") and text.endswith("]")) or text in spans, line


def test_the_province_2026_2030_bases_are_the_legal_documents_the_framework_names(kb):
    draft = draft_section(kb, "can-cu", "tinh", "2026-2030")
    assert draft.items[0].text == "CĂN CỨ LẬP KẾ HOẠCH" and draft.items[0].number == "I"
    bases = [item for item in draft.items if item.kind == "text"]
    # the 8 documents of 000 Mục I, each once, and nothing but references ("Chương trình, Kế hoạch … của bộ,
    # ngành, địa phương" is not a legal document and names only documents already listed)
    assert [b.bases[0].label for b in bases] == [
        "Luật Chuyển đổi số", "Nghị quyết 57-NQ/TW", "Nghị quyết 71/NQ-CP", "Nghị quyết 214/NQ-CP", "Quyết định 36/QĐ-TTg",
        "Quyết định 1132/QĐ-TTg", "Quyết định 2629/QĐ-TTg", "Quyết định (số hiệu để trống trong nguồn)"]
    assert all(item.sources[0].doc_id == KHUNG and item.sources[0].clause.startswith("Mục I") for item in bases)
    marks = {m.label: m for item in bases for m in item.bases}
    nq57 = marks["Nghị quyết 57-NQ/TW"]
    assert (nq57.in_corpus, nq57.date, nq57.issuer, nq57.status) == (True, "2024-12-22", "Bộ Chính trị", "đang có hiệu lực")
    assert marks["Luật Chuyển đổi số"].status == "chưa có trong kho tài liệu"
    # the framework of the period names it, so it stays, flagged: its strategy runs "đến năm 2025"
    assert (marks["Quyết định 1132/QĐ-TTg"].until, marks["Quyết định 1132/QĐ-TTg"].expired) == (2025, True)


def test_the_2025_bases_join_the_2024_framework_and_the_2025_letter_without_repeating_one(kb):
    draft = draft_section(kb, "can-cu", "tinh", "2025")
    texts = [item.text for item in draft.items if item.kind == "text"]
    assert sum("749/QĐ-TTg" in t for t in texts) == 1  # named by both 003 Mục 3.2 and 001
    assert any(t.startswith("Văn bản số 6074/BTTTT-CĐSQG") for t in texts)
    assert {c.doc_id for c in draft.citations} >= {XA_GUIDE, CV}
    assert all(len(item.bases) == 1 for item in draft.items if item.kind == "text")  # legal documents only


def test_a_commune_2026_2030_plan_leaves_out_the_programme_to_2025(kb):
    draft = draft_section(kb, "can-cu", "xa", "2026-2030")
    texts = [item.text for item in draft.items if item.kind == "text"]
    assert not any("749/QĐ-TTg" in t for t in texts)
    assert any("Quyết định 749/QĐ-TTg (đến năm 2025)" in item.text for item in draft.items if item.kind == "note")
    assert any("749/QĐ-TTg" in t for t in
               (item.text for item in draft_section(kb, "can-cu", "xa", "2025").items if item.kind == "text"))


@pytest.mark.parametrize("period", ["2025", "2026-2030"])
@pytest.mark.parametrize("section", list(SECTIONS))
def test_commune_sections_draw_on_the_commune_guide_and_label_what_it_points_to(kb, section, period):
    draft = draft_section(kb, section, "xa", period)
    labelled = False
    for item in draft.items:
        if item.kind == "note" and item.sources:
            labelled = True  # a labelled part: material of the level above the commune guide points to
        if item.kind in ("heading", "guidance", "text") and item.sources[0].doc_id != XA_GUIDE:
            assert labelled and section == "can-cu", item.text
    assert not any("Sandbox" in item.text or "IPv6" in item.text for item in draft.items)


def test_targets_follow_the_period_and_say_where_the_other_period_stands(kb):
    draft = draft_section(kb, "muc-tieu", "tinh", "2026-2030")
    headings = [item.text for item in draft.items if item.kind == "heading"]
    assert "Giai đoạn năm 2025-2027" in headings and "Giai đoạn 2028-2030" in headings
    contrast = [i for i, item in enumerate(draft.items) if item.kind == "note" and "năm 2025" in item.text]
    assert contrast
    after = draft.items[contrast[-1] + 1 :]
    assert any(item.sources and item.sources[0].doc_id == KH_2025 for item in after)
    draft_2025 = draft_section(kb, "muc-tieu", "tinh", "2025")
    assert any(item.text == "Mục tiêu cụ thể năm 2025" for item in draft_2025.items)


def test_a_commune_task_section_for_one_area_holds_the_guide_items(kb):
    draft = draft_section(kb, "nhiem-vu", "xa", "2025", area="ha tang so")
    clauses = {item.sources[0].clause for item in draft.items if item.kind == "text"}
    assert {f"Mục 2.3.1.1, ý {n}" for n in range(1, 7)} <= clauses
    assert {f"Mục 3.1.2, ({n})" for n in range(1, 5)} <= clauses
    assert not any("Kinh tế số" in item.text for item in draft.items if item.kind == "heading")


def test_the_task_list_section_holds_a_cited_table_with_a_funding_column(kb):
    draft = draft_section(kb, "danh-muc", "tinh", "2026-2030")
    assert draft.items[0].text == "DANH MỤC NHIỆM VỤ, DỰ ÁN"
    assert "Kinh phí, nguồn vốn" in draft.table.columns
    assert all(row.funding == "[Kinh phí dự kiến, nguồn vốn]" for row in draft.table.rows)
    numbers = {c.n for c in draft.citations}
    assert all(c.n in numbers for row in draft.table.rows for c in row.sources)


def test_an_unknown_section_is_refused(kb):
    with pytest.raises(KnowledgeError):
        draft_section(kb, "phu-luc", "tinh", "2025")


def test_cli_writes_a_section_to_docx(cli_settings, tmp_path):
    out = tmp_path / "can-cu.docx"
    result = CliRunner().invoke(main, ["draft", "section", "--section", "can-cu", "--level", "tỉnh", "--period",
                                       "2026-2030", "--format", "docx", "--out", str(out)], obj=cli_settings)
    assert result.exit_code == 0, result.output
    assert f"Đã ghi {out}" in result.output
    text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    assert "CĂN CỨ LẬP KẾ HOẠCH" in text and "Nghị quyết số 57-NQ/TW ngày 22/12/2024" in text


def test_cli_prints_markdown_by_default(cli_settings):
    result = CliRunner().invoke(main, ["draft", "section", "--section", "kinh-phi", "--level", "xa", "--period", "2025"],
                                obj=cli_settings)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# [Bản nháp: Kinh phí thực hiện — kế hoạch chuyển đổi số cấp xã, năm 2025]")
    assert "[Tổng kinh phí dự kiến: [kinh phí dự kiến]]" in result.stdout


def test_a_next_period_framework_needs_metadata_only(tmp_path_factory, embed_cache):
    """Next period's guidance: a document, its manifest row and a frameworks entry; no code changes."""
    corpus = tmp_path_factory.mktemp("corpus") / "corpus"
    shutil.copytree(CORPUS_DIR, corpus)
    khung = (corpus / "000_0c39cb68f6880a1a.txt").read_text(encoding="utf-8")
    for old, new in (("2026-2030", "2031-2035"), ("2025-2027", "2031-2033"), ("2028-2030", "2034-2035")):
        khung = khung.replace(old, new)
    (corpus / "khung-2031-2035.txt").write_text(khung, encoding="utf-8")
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    row = next(r for r in manifest["documents"] if r["id"] == KHUNG)
    manifest["documents"].append({**row, "id": "khung-kh-cds-2031-2035", "source_file": "khung-2031-2035.txt",
                                  "title": row["title"].replace("2026-2030", "2031-2035"),
                                  "short_title": "Khung KH CĐS cấp bộ, tỉnh 2031-2035", "period": "2031-2035"})
    (corpus / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    frameworks = json.loads((corpus / "frameworks.json").read_text(encoding="utf-8"))
    current = next(f for f in frameworks["frameworks"] if f["period"] == "2026-2030" and "tinh" in f["levels"])
    frameworks["frameworks"].append(json.loads(json.dumps(current).replace(KHUNG, "khung-kh-cds-2031-2035")
                                               .replace("2026-2030", "2031-2035")) | {"records": []})
    (corpus / "frameworks.json").write_text(json.dumps(frameworks, ensure_ascii=False), encoding="utf-8")

    settings = make_settings(tmp_path_factory.mktemp("data"), embed_cache, corpus_dir=corpus)
    index = CorpusIndex.open(settings)
    index.refresh(progress=False)
    try:
        kb = KnowledgeBase.of(index)
        draft = draft_section(kb, "can-cu", "tinh", "2031-2035")
        assert draft.framework == "Khung kế hoạch chuyển đổi số cấp bộ, tỉnh giai đoạn 2031-2035"
        assert {c.doc_id for c in draft.citations} == {"khung-kh-cds-2031-2035"}
        marks = {m.label: m for item in draft.items for m in item.bases}
        assert marks["Quyết định 36/QĐ-TTg"].expired  # "thời kỳ 2021 - 2030": flagged in a 2031-2035 plan
        table = draft_tasks(kb, "bo", "2031-2035")
        assert table.rows and {r.records[0].doc_id for r in table.rows} == {"khung-kh-cds-2031-2035"}
        assert {r.deadline for r in table.rows} == {"[Thời hạn trong giai đoạn 2031-2035]"}
    finally:
        index.close()
    result = CliRunner().invoke(main, ["draft", "section", "--section", "muc-tieu", "--level", "tinh", "--period",
                                       "2031-2035"], obj=settings)
    assert result.exit_code == 0, result.output
    assert "Giai đoạn năm 2031-2033" in result.stdout
    refused = CliRunner().invoke(main, ["draft", "tasks", "--level", "xa", "--period", "2031-2035"], obj=settings)
    assert refused.exit_code == 1 and "Chưa có khung kế hoạch cho cấp 'xa', giai đoạn '2031-2035'" in refused.output
