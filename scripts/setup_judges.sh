#!/usr/bin/env bash
# Create the benchmark judges' own environments (bandit 1.7.x; codeshield's Insecure Code Detector with
# its semgrep) in the user cache (~/.cache/safegen/judges/). Idempotent: an existing environment is kept.
# Same as `safegen bench setup`; the judges also create them on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m safegen.bench.judges.envs
