#!/usr/bin/env bash
# Builds the Worker into crates/contact-worker/build/ with worker-build, using the
# pinned wasm-bindgen CLI, wasm-opt from npm (binaryen) and wrangler's esbuild, so
# that nothing is downloaded at build time.
#
#   bash scripts/build-worker.sh           the deploy build (npm run deploy): no /dev/demo
#   bash scripts/build-worker.sh --local   a build for local development and the tests:
#                                          adds GET /dev/demo (the `dev` cargo feature)
#
# Other options go to worker-build, e.g. `--out-dir DIR` for another directory than
# crates/contact-worker/build (relative to crates/contact-worker, or absolute).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
esbuild="$(ls "$root"/node_modules/@esbuild/*/bin/esbuild 2>/dev/null | head -n1)"
if [ -z "$esbuild" ] || ! command -v worker-build >/dev/null || ! command -v wasm-bindgen >/dev/null; then
  echo "build-worker: tools missing; run scripts/setup.sh first" >&2
  exit 1
fi
options=()
cargo_options=()
for arg in "$@"; do
  if [ "$arg" = --local ]; then cargo_options=(--features dev); else options+=("$arg"); fi
done
cd "$root/crates/contact-worker"
# worker-build takes the crate's path, then options for `cargo build`.
WASM_BINDGEN_BIN="$(command -v wasm-bindgen)" \
WASM_OPT_BIN="$root/node_modules/.bin/wasm-opt" \
ESBUILD_BIN="$esbuild" \
  worker-build --profile wasm-release "${options[@]}" . "${cargo_options[@]}" >&2
