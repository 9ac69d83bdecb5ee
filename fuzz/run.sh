#!/usr/bin/env bash
# Seeds the corpora from tests/cases, then runs each fuzz target for the given number
# of seconds (default 60). Needs cargo-fuzz; the build uses nightly-only flags, which
# RUSTC_BOOTSTRAP=1 lets the stable toolchain accept. A crash fails the script and
# leaves its input in fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
bash seed-corpus.sh
mkdir -p target
for target in request_parser batch_parser custom_fields pattern_engines; do
  log="target/$target.log"
  printf '[fuzz] %s for %ss\n' "$target" "$seconds" >&2
  if RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" -- -max_total_time="$seconds" >"$log" 2>&1; then
    grep -E '^#[0-9]+[[:space:]]+DONE|^Done [0-9]+ runs' "$log" >&2 || true
  else
    tail -n 60 "$log" >&2
    printf '[fuzz] %s failed; full log in fuzz/%s\n' "$target" "$log" >&2
    exit 1
  fi
done
