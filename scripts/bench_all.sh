#!/usr/bin/env bash
# Run every benchmark of docs/results one after another (one model process at a time), then write the report.
# Each run resumes where it stopped, so after a kill or a reboot the same command goes on.
#   scripts/bench_all.sh                      with the code of this checkout
#   scripts/bench_all.sh --code /work/tree    with the code of another checkout (a pinned worktree)
#   RUNS="humaneval:baseline humaneval:safegen" scripts/bench_all.sh   only these runs, in this order
# A run is DATASET:STRATEGY, written to docs/results/runs/DATASET-STRATEGY, or DATASET:STRATEGY:FOLDER, or
# DATASET:STRATEGY:FOLDER:SPLIT for one split of the dataset (seccodeplt:baseline:seccodeplt-test-baseline:test).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "--code" ]]; then
  export PYTHONPATH="$(cd "$2" && pwd)/src"
fi
OUT=${OUT:-docs/results/runs}
RUNS=${RUNS:-"securityeval:baseline humaneval:baseline humaneval:safegen:humaneval-safegen-v8
  securityeval:safegen:securityeval-safegen-v8 securityeval:prompted securityeval:franc securityeval:hexacoder
  securityeval:autosafecoder securityeval:securecoder humaneval:autosafecoder humaneval:securecoder"}
SAFEGEN=(.venv/bin/python -m safegen)

for run in $RUNS; do
  IFS=: read -r dataset strategy folder split <<< "$run"
  folder=${folder:-$dataset-$strategy}
  echo "bench_all: $(date -u +%FT%TZ) $dataset $strategy ${split:+($split split) }-> $OUT/$folder" >&2
  "${SAFEGEN[@]}" bench run --dataset "$dataset" --strategy "$strategy" --out "$OUT/$folder" ${split:+--split "$split"}
  "${SAFEGEN[@]}" bench judge "$OUT/$folder"  # judges whatever a crash left unjudged
done
"${SAFEGEN[@]}" bench report "$OUT"/* --out-dir "$(dirname "$OUT")"
