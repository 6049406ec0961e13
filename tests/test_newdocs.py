"""The new-document set (documents in ../shared/newdocs/, their manifest rows in eval/datasets/newdocs/): three
real documents the corpus does not hold, added
the way a user adds them, with `cds ingest FILE --title … --number … --status …`, then found by search.

Each probe is a question an official could ask about one of the documents; its evidence must be in
the top 5 passages (by the benchmark's matching rule) and come from that document.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import main
from assistant.schemas import Answer
from eval.dataset import load_dataset
from eval.extra_docs import corpus_with_documents
from eval.matching import hits
from ingest.corpus import scan_corpus
from ingest.settings import Settings
from tests.conftest import CORPUS_DIR, DATASETS_DIR, make_settings

MANIFEST = DATASETS_DIR / "newdocs" / "manifest.json"
_OPTIONS = ("title", "short_title", "number", "issuer", "date", "status", "period", "kind")

# (file, probe question, verbatim evidence)
PROBES = [
    ("nd-142-2026-nd-cp-tri-tue-nhan-tao.txt",
     "Sự cố nghiêm trọng có tính khẩn cấp của hệ thống trí tuệ nhân tạo phải báo cáo sơ bộ trong thời hạn bao lâu?",
     "thực hiện báo cáo sơ bộ trong thời hạn 72 giờ kể từ thời điểm xác nhận sự cố"),
    ("qd-982-qd-ttg-2026-doanh-nghiep-cong-nghe-so.docx",
     "Đến năm 2030 doanh thu xuất khẩu sản phẩm, dịch vụ công nghệ số của doanh nghiệp công nghệ số Việt Nam phải đạt bao nhiêu?",
     "doanh thu xuất khẩu sản phẩm và dịch vụ công nghệ số của doanh nghiệp công nghệ số Việt Nam đạt tối thiểu 55 tỷ USD/năm"),
    ("qd-982-qd-ttg-2026-doanh-nghiep-cong-nghe-so.docx",
     "Cơ chế chuyển tiền đặt cọc Luồng xanh cho doanh nghiệp công nghệ số làm M&A quốc tế do cơ quan nào chủ trì?",
     "các cơ chế về chuyển tiền đặt cọc nhanh chóng \"Luồng xanh\" (Green Lane) cho các doanh nghiệp công nghệ số"),
    ("tt-28-2026-tt-bkhcn-dich-vu-vien-thong-bat-buoc-qlcl.docx",
     "Doanh nghiệp cung cấp Internet di động 5G phải hoàn thành thủ tục công bố chất lượng dịch vụ trong bao nhiêu ngày?",
     "hoàn thành thủ tục công bố chất lượng dịch vụ trong thời hạn 60 ngày kể từ ngày Thông tư này có hiệu lực thi hành"),
]


def _manifest_rows() -> dict[str, dict]:
    rows = json.loads(MANIFEST.read_text(encoding="utf-8"))["documents"]
    return {row["source_file"]: row for row in rows}


def _ingest_args(path: Path, row: dict) -> list[str]:
    args = ["ingest", str(path), "-q"]
    for key in _OPTIONS:
        if row.get(key) is not None:
            args += [f"--{key.replace('_', '-')}", str(row[key])]
    for level in row.get("level") or ():
        args += ["--level", level]
    return args


@pytest.fixture(scope="module")
def newdocs_settings(tmp_path_factory: pytest.TempPathFactory, embed_cache: Path,
                     newdocs_dir: Path) -> tuple[Settings, dict[str, str]]:
    """A fresh data folder where the three documents were added one by one with `cds ingest`; and the
    doc id each file got."""
    settings = make_settings(tmp_path_factory.mktemp("newdocs") / "data", embed_cache)
    doc_ids = {}
    for name, row in _manifest_rows().items():
        result = CliRunner().invoke(main, _ingest_args(newdocs_dir / name, row), obj=settings, prog_name="cds")
        assert result.exit_code == 0, result.output
        assert f"Đã thêm {name} vào " in result.stdout
        doc_ids[name] = result.stdout.split("(mã tài liệu: ", 1)[1].split(")", 1)[0]
    return settings, doc_ids


@pytest.mark.slow
def test_each_document_is_added_with_its_metadata(newdocs_settings):
    settings, doc_ids = newdocs_settings
    stored = json.loads((settings.user_corpus_dir / "manifest.json").read_text(encoding="utf-8"))["documents"]
    by_id = {row["id"]: row for row in stored}
    for name, row in _manifest_rows().items():
        added = by_id[doc_ids[name]]
        assert (added["source_file"], added["number"], added["status"], added["date"]) == \
            (name, row["number"], row["status"], row["date"])


@pytest.mark.slow
@pytest.mark.parametrize(("name", "question", "evidence"), PROBES,
                         ids=["decree-article", "plan-target", "plan-table-row", "circular-article"])
def test_probe_finds_its_evidence_in_the_top_5(newdocs_settings, name: str, question: str, evidence: str):
    settings, doc_ids = newdocs_settings
    result = CliRunner().invoke(main, ["search", question, "--k", "5", "--json"], obj=settings, prog_name="cds")
    assert result.exit_code == 0, result.output
    passages = json.loads(result.stdout)["passages"]
    found = [p for p in passages if hits(p["text"], evidence)]
    assert found, [(p["doc_id"], p["clause"], p["text"][:80]) for p in passages]
    assert found[0]["doc_id"] == doc_ids[name]


def test_the_question_set_quotes_only_these_documents_or_the_corpus():
    items = load_dataset(DATASETS_DIR / "newdocs.jsonl")
    assert len(items) >= 30
    assert sum(not item.answerable for item in items) >= 5
    new = set(_manifest_rows())
    assert {e.doc for item in items for e in item.evidence} & new == new


def test_add_docs_gives_a_temporary_corpus_with_both_manifests(tmp_path: Path, newdocs_dir: Path):
    settings = make_settings(tmp_path / "data", tmp_path / "cache.sqlite")
    bundled, _ = scan_corpus(CORPUS_DIR)
    with corpus_with_documents(settings, newdocs_dir) as extended:
        entries, issues = scan_corpus(extended.corpus_dir)
        assert not issues
        assert {e.meta.id for e in entries} == {e.meta.id for e in bundled} | {"nd-142-2026-nd-cp", "qd-982-2026-qd-ttg",
                                                                              "tt-28-2026-tt-bkhcn"}
        assert not any(e.derived for e in entries)
        assert extended.data_dir != settings.data_dir and extended.cache_path == settings.cache_path
        temporary = extended.corpus_dir
    assert not temporary.exists() and not settings.data_dir.exists()


def test_eval_validate_with_add_docs_accepts_the_question_set(tmp_path: Path, newdocs_dir: Path):
    settings = make_settings(tmp_path / "data", tmp_path / "cache.sqlite")
    dataset = DATASETS_DIR / "newdocs.jsonl"
    result = CliRunner().invoke(main, ["eval", "validate", str(dataset), "--add-docs", str(newdocs_dir)], obj=settings)
    assert result.exit_code == 0, result.output
    assert "hợp lệ. " in result.stdout
    without = CliRunner().invoke(main, ["eval", "validate", str(dataset)], obj=settings)
    assert without.exit_code == 1 and "không phải tài liệu nào trong kho" in without.output


@pytest.mark.slow
def test_a_total_is_refused_where_the_plan_gives_only_amounts_per_company(newdocs_settings):
    """Quyết định 982 caps support per company ("tối đa 2 tỷ đồng/doanh nghiệp/thị trường quốc tế mới") and
    states no total: a question on the total is refused, one on the cap is answered with it."""
    settings, doc_ids = newdocs_settings

    def ask(question: str) -> Answer:
        result = CliRunner().invoke(main, ["ask", question, "--k", "10", "--json"], obj=settings, prog_name="cds")
        assert result.exit_code == 0, result.output
        return Answer.model_validate_json(result.stdout)

    total = ask("Tổng kinh phí ngân sách trung ương bố trí cho Đề án hỗ trợ doanh nghiệp công nghệ số vươn ra "
                "toàn cầu là bao nhiêu tỷ đồng?")
    assert total.answerable is False and total.citations == []
    cap = ask("Doanh nghiệp công nghệ số mở rộng thị trường ra nước ngoài được hỗ trợ tối đa bao nhiêu tỷ đồng?")
    assert cap.answerable is True
    assert "2 tỷ đồng/doanh nghiệp" in cap.answer
    assert cap.citations[0].doc_id == doc_ids["qd-982-qd-ttg-2026-doanh-nghiep-cong-nghe-so.docx"]
