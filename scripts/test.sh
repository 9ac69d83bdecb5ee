#!/usr/bin/env bash
# Runs every test suite, after installing whatever this machine lacks:
# formatting and lints, the core's tests (unit, shared cases, SQLite, properties),
# the wasm builds, a short fuzz run, and the Node suites against the real Worker on
# a local D1 and the npm package in Node and headless Chromium.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export WRANGLER_SEND_METRICS=false WRANGLER_HIDE_BANNER=true CLOUDFLARE_CF_FETCH_ENABLED=false
# Tests that need wrangler (the CLI's, on a local D1) fail here instead of skipping.
export ZYNTRO_REQUIRE_WRANGLER=1
step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }

step "set-up"
bash scripts/setup.sh

step "format and lints"
cargo fmt --all --check
cargo clippy --all-targets -- -D warnings
wasm_crates=(-p contact-core -p contact-worker)
if [ -d crates/contact-wasm ]; then wasm_crates+=(-p contact-wasm); fi
cargo clippy "${wasm_crates[@]}" --target wasm32-unknown-unknown -- -D warnings
# The core as the browser module has it: custom field patterns on its own matcher.
cargo clippy -p contact-core --no-default-features --all-targets -- -D warnings

step "the core builds for wasm32-unknown-unknown"
cargo build -p contact-core --target wasm32-unknown-unknown

step "Rust tests"
cargo test
# The core's tests again with the browser module's pattern matcher instead of regex.
cargo test -p contact-core --no-default-features

if [ "${FUZZ_SECONDS:-20}" != 0 ] && [ -f fuzz/run.sh ]; then
  step "fuzz smoke run (${FUZZ_SECONDS:-20}s per target)"
  bash fuzz/run.sh "${FUZZ_SECONDS:-20}"
fi

step "builds for the Node suites"
cargo build -q -p contact-admin -p contact-import
bash scripts/build-worker.sh --local
if [ -f scripts/build-npm.sh ]; then bash scripts/build-npm.sh; fi

step "Node suites: Worker end to end, npm package, browser"
mapfile -t suites < <(find tests/e2e tests/npm tests/browser tests/openapi -name '*.test.mjs' 2>/dev/null | sort)
node --test --test-concurrency=1 "${suites[@]}"
