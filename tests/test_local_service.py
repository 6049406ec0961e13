"""One index, many clients: while `cds serve` holds the index, `cds search`, `cds ask` and `cds ingest`
go through it (same output as without it); a stale service record is ignored; an index held by another
process is refused in Vietnamese; `cds ingest` never leaves a file it could not index; a resumed
ingest says so. The real `cds serve` runs in a subprocess on a loopback port."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result

from assistant.cli import main
from assistant.local_service import RECORD_NAME, ServiceConflict, ServiceRecord, advertise, find_service
from ingest.docstore import DocStore
from ingest.index import EdgeVectorStore
from ingest.settings import Settings
from tests.conftest import CORPUS_DIR, make_settings
from tests.live_servers import free_port

SOURCE = "001_41e9e34997e5a555.txt"  # the 2025 guidance (3816/BTTTT-CĐSQG): small, 25 chunks
DOC_ID = "cong-van-3816"
QUERY = "phê duyệt cấp độ an toàn hệ thống thông tin"
QUESTION = "Ai phê duyệt hồ sơ đề xuất cấp độ an toàn hệ thống thông tin?"
PLAN = "KẾ HOẠCH\n\nChuyển đổi số xã An Bình năm 2025\n\nI. MỤC TIÊU\n\nPhủ sóng 4G tới mọi thôn của xã An Bình.\n"


def _cds(settings: Settings, *args: str) -> Result:
    return CliRunner().invoke(main, list(args), obj=settings, prog_name="cds")


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


# --- the service record, no index needed ------------------------------------------------------------


def test_a_stale_record_is_removed(tmp_path: Path):
    record = ServiceRecord(_dead_pid(), "http://127.0.0.1:9", "serve", "token")
    (tmp_path / RECORD_NAME).write_text(json.dumps(record.__dict__), encoding="utf-8")
    assert find_service(tmp_path) is None
    assert not (tmp_path / RECORD_NAME).exists()


def test_a_torn_record_is_removed(tmp_path: Path):
    (tmp_path / RECORD_NAME).write_text('{"pid": 12', encoding="utf-8")
    assert find_service(tmp_path) is None and not (tmp_path / RECORD_NAME).exists()


def test_advertise_writes_a_private_record_and_removes_it(tmp_path: Path):
    with advertise(tmp_path, "0.0.0.0", 8123, "serve") as record:
        assert find_service(tmp_path) == record
        assert (record.pid, record.url, record.command) == (os.getpid(), "http://127.0.0.1:8123", "serve")
        assert (tmp_path / RECORD_NAME).stat().st_mode & 0o777 == 0o600
        assert [p.name for p in tmp_path.iterdir()] == [RECORD_NAME]
        with pytest.raises(ServiceConflict) as refused, advertise(tmp_path, "127.0.0.1", 8124, "ui"):
            pass
        assert str(refused.value) == (f"Thư mục dữ liệu {tmp_path} đang được `cds serve` (pid {os.getpid()}, "
                                      "http://127.0.0.1:8123) phục vụ. Dùng dịch vụ đó, hoặc dừng nó trước khi "
                                      "chạy lệnh này.")
    assert not (tmp_path / RECORD_NAME).exists()


def test_advertise_replaces_a_stale_record(tmp_path: Path):
    stale = ServiceRecord(_dead_pid(), "http://127.0.0.1:9", "ui", "old")
    (tmp_path / RECORD_NAME).write_text(json.dumps(stale.__dict__), encoding="utf-8")
    with advertise(tmp_path, "::", 8125, "ui") as record:
        assert find_service(tmp_path) == record and record.url == "http://[::1]:8125"


# --- the real index and the real `cds serve` ------------------------------------------------------


def _release(settings: Settings) -> None:
    """Close the index a CLI command left open in this process (a process keeps it), so others can open it."""
    EdgeVectorStore.open(settings.index_dir, 384).close()


@pytest.fixture
def setup(tmp_path: Path, embed_cache: Path) -> Iterator[Settings]:
    """A corpus of one document, indexed: later commands only check it is fresh."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy2(CORPUS_DIR / SOURCE, corpus / f"{DOC_ID}.txt")
    settings = make_settings(tmp_path / "data", embed_cache, corpus_dir=corpus)
    built = _cds(settings, "ingest", "-q")
    assert built.exit_code == 0, built.output
    _release(settings)
    yield settings
    _release(settings)


@pytest.fixture
def served(setup: Settings, tmp_path: Path) -> Iterator[subprocess.Popen]:
    """`cds serve` on a free loopback port over ``setup``'s data directory, until the test ends."""
    port = free_port()
    env = {**os.environ, "CDS_DATA_DIR": str(setup.data_dir), "CDS_CORPUS_DIR": str(setup.corpus_dir),
           "CDS_EMBED_CACHE": str(setup.cache_path)}
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen([sys.executable, "-c", "from assistant.cli import main; main()", "serve",
                                "--port", str(port)], env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 300
        while True:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _without_timings(text: str) -> dict:
    out = json.loads(text)
    out.pop("timings_ms")
    return out


@pytest.mark.slow
def test_search_and_ask_through_the_service_print_what_they_print_without_it(setup: Settings, served: subprocess.Popen):
    record = find_service(setup.data_dir)
    assert record is not None and record.pid == served.pid and record.command == "serve"
    remote = {args: _cds(setup, *args) for args in [("search", QUERY, "--k", "3"), ("search", QUERY, "--json"),
                                                     ("search", QUERY, "--doc", "khong-co"), ("ask", QUESTION),
                                                     ("ask", QUESTION, "--json")]}
    served.terminate()
    served.wait(timeout=30)
    assert not (setup.data_dir / RECORD_NAME).exists()  # the service removed its record on the way out
    for args, through in remote.items():
        assert through.exit_code == 0, through.output
        assert through.stderr == ""
        alone = _cds(setup, *args)
        assert alone.exit_code == 0, alone.output
        if "--json" in args:
            assert _without_timings(through.stdout) == _without_timings(alone.stdout)
        else:
            assert through.stdout == alone.stdout
    lines = remote[("search", QUERY, "--k", "3")].stdout.split("\n")
    assert lines[0].startswith("1. [") and lines[0].endswith(" — Mục II.6")
    assert remote[("search", QUERY, "--doc", "khong-co")].stdout == "Không tìm thấy đoạn nào phù hợp.\n"
    assert "\nNguồn:\n[1] " in remote[("ask", QUESTION)].stdout


@pytest.mark.slow
def test_ask_refuses_an_unknown_document_through_the_service(setup: Settings, served: subprocess.Popen):
    result = _cds(setup, "ask", QUESTION, "--doc", "khong-co")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == f"Error: Không có tài liệu mã khong-co. Các mã hiện có: {DOC_ID}."


@pytest.mark.slow
def test_chat_through_the_service(setup: Settings, served: subprocess.Popen):
    first = CliRunner().invoke(main, ["chat"], input=f"{QUESTION}\nthoát\n", obj=setup, prog_name="cds")
    assert first.exit_code == 0, first.output
    opening = first.stdout.splitlines()[0]
    assert opening.startswith("Phiên mới: ") and opening.endswith(")")
    session_id = opening.removeprefix("Phiên mới: ").split(" ")[0]
    assert "\nNguồn:\n[1] " in first.stdout
    again = CliRunner().invoke(main, ["chat", "--session", session_id], input="\n", obj=setup, prog_name="cds")
    assert again.exit_code == 0, again.output
    assert again.stdout.splitlines()[0] == f"Tiếp tục phiên {session_id} (1 lượt trước)."


@pytest.mark.slow
def test_ingest_through_the_service(setup: Settings, served: subprocess.Popen, tmp_path: Path):
    plan = tmp_path / "Kế hoạch CĐS xã An Bình 2025.md"
    plan.write_text(PLAN, encoding="utf-8")
    result = _cds(setup, "ingest", str(plan), "--number", "12/KH-UBND", "--level", "xã")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == (f"Đã thêm {plan.name} vào {setup.user_corpus_dir} "
                                             "(mã tài liệu: ke-hoach-cds-xa-an-binh-2025).")
    assert result.stdout.splitlines()[1].startswith("Chỉ mục: 2 tài liệu, ")
    assert result.stderr == f"Đang gửi {plan.name} tới {find_service(setup.data_dir).describe()} để lập chỉ mục…\n"
    rows = json.loads((setup.user_corpus_dir / "manifest.json").read_text(encoding="utf-8"))["documents"]
    assert [(r["id"], r["number"], r["level"]) for r in rows] == [("ke-hoach-cds-xa-an-binh-2025", "12/KH-UBND", ["xã"])]
    found = json.loads(_cds(setup, "search", "phủ sóng 4G tới mọi thôn", "--k", "1", "--json").stdout)
    assert found["passages"][0]["doc_id"] == "ke-hoach-cds-xa-an-binh-2025"


@pytest.mark.slow
def test_ingest_through_the_service_needs_the_record_token(setup: Settings, served: subprocess.Popen):
    url = find_service(setup.data_dir).url
    response = httpx.post(f"{url}/ingest/refresh", headers={"X-CDS-Local-Token": "guess"})
    assert response.status_code == 403
    assert response.json()["detail"].startswith("Chỉ lệnh `cds ingest` chạy trên máy của dịch vụ")


@pytest.mark.slow
@pytest.mark.parametrize("through_service", [False, True], ids=["alone", "through-service"])
def test_a_file_the_index_refuses_leaves_the_user_corpus_as_it_was(setup: Settings, tmp_path: Path,
                                                                  request: pytest.FixtureRequest,
                                                                  through_service: bool):
    if through_service:
        request.getfixturevalue("served")
    first = tmp_path / "ke-hoach.md"
    first.write_text(PLAN, encoding="utf-8")
    assert _cds(setup, "ingest", str(first), "-q").exit_code == 0
    before = _files(setup.user_corpus_dir)
    duplicate = tmp_path / "ban-sao.txt"  # the indexed guidance under another name: a duplicate
    shutil.copy2(CORPUS_DIR / SOURCE, duplicate)
    result = _cds(setup, "ingest", str(duplicate), "--title", "Bản sao", "-q")
    assert result.exit_code == 1
    assert "Đã thêm" not in result.stdout and result.stdout.startswith("Chỉ mục: 2 tài liệu, ")
    errors = [line for line in result.stderr.splitlines() if not line.startswith("Đang gửi")]
    assert errors == ["Lỗi: ban-sao.txt: trùng nội dung với tài liệu 'cong-van-3816'; tệp này được bỏ qua.",
                      "Chưa thêm ban-sao.txt: kho tài liệu giữ nguyên."]
    assert _files(setup.user_corpus_dir) == before


@pytest.mark.slow
def test_a_stale_record_is_ignored_and_the_command_opens_the_index(setup: Settings):
    stale = ServiceRecord(_dead_pid(), "http://127.0.0.1:9", "serve", "old")
    (setup.data_dir / RECORD_NAME).write_text(json.dumps(stale.__dict__), encoding="utf-8")
    result = _cds(setup, "search", QUERY, "--k", "1")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("1. [") and result.stderr == ""
    assert not (setup.data_dir / RECORD_NAME).exists()


@pytest.mark.slow
def test_a_starting_service_is_waited_for_and_one_that_dies_is_left_behind(setup: Settings):
    starting = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3)"])  # never listens
    record = ServiceRecord(starting.pid, f"http://127.0.0.1:{free_port()}", "serve", "token")
    (setup.data_dir / RECORD_NAME).write_text(json.dumps(record.__dict__), encoding="utf-8")
    try:
        result = _cds(setup, "search", QUERY, "--k", "1")
    finally:
        starting.kill()
        starting.wait()
    assert result.exit_code == 0, result.output
    assert result.stderr == (f"{record.describe()} giữ chỉ mục và đang khởi động; lệnh sẽ chạy qua dịch vụ này khi "
                             "nó sẵn sàng (Ctrl+C để dừng)…\n")
    assert result.stdout.startswith("1. [")  # the service never came up: the command opened the index itself


@pytest.mark.slow
def test_an_index_held_by_another_process_is_refused_in_vietnamese(setup: Settings):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; from ingest.index import EdgeVectorStore\n"
                               "EdgeVectorStore.open(Path(sys.argv[1]), 384); print('held', flush=True); time.sleep(120)",
         str(setup.index_dir)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        result = _cds(setup, "search", QUERY)
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == (
        f"Error: {setup.index_dir.resolve()}: chỉ mục đang được một tiến trình khác mở (ví dụ `cds serve`, `cds ui` "
        "hoặc một lệnh `cds` đang lập chỉ mục). Hãy chờ tiến trình đó xong hoặc dừng nó; để nhiều tiến trình dùng "
        "chung chỉ mục, chạy máy chủ Qdrant và đặt CDS_QDRANT_URL.\n")


@pytest.mark.slow
def test_a_resumed_ingest_says_so(setup: Settings):
    docstore = DocStore(setup.data_dir / "docstore.sqlite")
    try:  # what a kill in the middle of writing a document leaves behind
        row = docstore.ledger()[DOC_ID]
        docstore.mark_pending(DOC_ID, row.source_file, row.fingerprint)
    finally:
        docstore.close()
    result = _cds(setup, "search", QUERY, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["passages"][0]["doc_id"] == DOC_ID
    lines = result.stderr.splitlines()
    assert lines[0] == ("Lần lập chỉ mục trước chưa xong (bị ngắt giữa chừng): đang làm tiếp, "
                        "các vectơ đã tính được dùng lại.")
    assert lines[-1].startswith("Chỉ mục: 1 tài liệu, ") and "(thêm 0, cập nhật 1, xóa 0, không đổi 0)" in lines[-1]
    again = _cds(setup, "search", QUERY, "--json")
    assert again.stderr == ""
