"""`cds ingest FILE` in a source checkout: the document goes to the user corpus under the data
directory, is indexed with the bundled corpus, and the checkout's corpus/ stays as it was."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import main
from ingest.docstore import DocStore
from ingest.settings import REPO_ROOT
from tests.conftest import CORPUS_DIR, make_settings

pytestmark = pytest.mark.slow


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _git_status() -> str:
    return subprocess.run(["git", "status", "--porcelain", "--", "corpus"], cwd=REPO_ROOT, check=True,
                          capture_output=True, text=True).stdout


def test_cds_ingest_file_leaves_the_checkout_clean(tmp_path: Path, embed_cache: Path):
    settings = make_settings(tmp_path / "data", embed_cache)
    assert settings.corpus_dir == CORPUS_DIR
    plan = tmp_path / "Kế hoạch CĐS xã An Bình 2025.md"
    plan.write_text("KẾ HOẠCH\n\nChuyển đổi số xã An Bình năm 2025\n\nI. MỤC TIÊU\n\nPhủ sóng 4G tới mọi thôn.\n",
                    encoding="utf-8")
    files, status = _files(CORPUS_DIR), _git_status()

    result = CliRunner().invoke(main, ["ingest", str(plan), "--number", "12/KH-UBND", "--level", "xã", "-q"],
                                obj=settings, prog_name="cds")

    assert result.exit_code == 0, result.output
    assert f"Đã thêm {plan.name} vào {settings.user_corpus_dir} (mã tài liệu: ke-hoach-cds-xa-an-binh-2025)." \
        in result.stdout
    assert _files(CORPUS_DIR) == files and _git_status() == status
    assert (settings.user_corpus_dir / plan.name).read_bytes() == plan.read_bytes()
    rows = json.loads((settings.user_corpus_dir / "manifest.json").read_text(encoding="utf-8"))["documents"]
    assert [(r["id"], r["number"], r["level"]) for r in rows] == [("ke-hoach-cds-xa-an-binh-2025", "12/KH-UBND", ["xã"])]
    docstore = DocStore(settings.data_dir / "docstore.sqlite")
    try:
        ledger = docstore.ledger()
        assert ledger["ke-hoach-cds-xa-an-binh-2025"].state == "complete"
        assert {"cv-3816-btttt-cdsqg", "luat-gddt-2023"} <= set(ledger)  # the bundled corpus is indexed with it
    finally:
        docstore.close()


def test_a_letter_added_without_metadata_is_found_by_its_number(tmp_path: Path, embed_cache: Path):
    """`cds ingest FILE` with no option: the number, kind and date come from the letter's header, so a question
    naming "Công văn 3001/BGDĐT-GDPT" is answered from it, cited by that name (the file is named otherwise).
    The letter (tests/data) is written for this test in the format of Nghị định 30/2020/NĐ-CP; it is no real
    document."""
    settings = make_settings(tmp_path / "data", embed_cache)
    letter = tmp_path / "huong dan CDS nam hoc moi.txt"
    letter.write_bytes((Path(__file__).parent / "data" / "cong-van-3001-bgddt.txt").read_bytes())

    result = CliRunner().invoke(main, ["ingest", str(letter), "-q"], obj=settings, prog_name="cds")
    assert result.exit_code == 0, result.output
    docstore = DocStore(settings.data_dir / "docstore.sqlite")
    try:
        meta = docstore.get("huong-dan-cds-nam-hoc-moi").meta
    finally:
        docstore.close()
    assert (meta.short_title, meta.kind, meta.number, meta.date) == (
        "Công văn 3001/BGDĐT-GDPT", "official_letter", "3001/BGDĐT-GDPT", "2026-08-15")

    question = "Công văn 3001/BGDĐT-GDPT yêu cầu cập nhật dữ liệu trường, lớp, học sinh lên cơ sở dữ liệu ngành trước ngày nào?"
    result = CliRunner().invoke(main, ["ask", question, "--json"], obj=settings, prog_name="cds")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["answerable"] and answer["answer"].startswith(
        "**Theo Công văn 3001/BGDĐT-GDPT (chưa rõ tình trạng), Mục II.1, điểm a:**")
    assert answer["citations"][0]["doc_id"] == "huong-dan-cds-nam-hoc-moi"
    assert "trước ngày 30 tháng 9 năm 2026" in answer["citations"][0]["quote"]
