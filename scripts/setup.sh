#!/usr/bin/env bash
# Installs every tool the build and the test suites need that a fresh machine lacks.
# Each step is a no-op when the tool is already present at the pinned version.
set -euo pipefail
cd "$(dirname "$0")/.."

# The CLI must be the exact version of the wasm-bindgen crate, pinned once in Cargo.toml.
WASM_BINDGEN_VERSION="$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)"$/\1/p' Cargo.toml)"
[ -n "$WASM_BINDGEN_VERSION" ] || { echo "setup: no exact wasm-bindgen pin in Cargo.toml" >&2; exit 1; }
WORKER_BUILD_VERSION=0.8.7
CARGO_FUZZ_VERSION=0.13.2

say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

# The toolchain rust-toolchain.toml pins. Where the machine's stable toolchain is
# that release, it is linked under the pinned name instead of downloaded again
# (`rustup toolchain link` refuses release names, so the link is made as rustup's
# own directory entry).
toolchain="$(sed -n 's/^channel = "\(.*\)"$/\1/p' rust-toolchain.toml)"
if ! rustup toolchain list | grep -q "^$toolchain-"; then
  if [ "$(rustc +stable --version 2>/dev/null | cut -d' ' -f2)" = "$toolchain" ]; then
    say "linking the machine's stable toolchain as $toolchain"
    rustup +stable target add wasm32-unknown-unknown
    rustup +stable component add rust-src
    host="$(rustc +stable -vV | sed -n 's/^host: //p')"
    ln -s "$(rustc +stable --print sysroot)" "$(rustup show home)/toolchains/$toolchain-$host"
  else
    say "installing the Rust toolchain $toolchain"
    rustup toolchain install "$toolchain" --profile minimal -c rustfmt,clippy,rust-src
  fi
fi
if ! rustup +"$toolchain" target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup +"$toolchain" target add wasm32-unknown-unknown
fi

# The browser module builds its own standard library (scripts/build-npm.sh).
if ! rustup component list --installed | grep -q '^rust-src'; then
  say "adding the rust-src component"
  rustup component add rust-src
fi

cargo_tool() { # name version binary
  if command -v "$3" >/dev/null 2>&1 && "$3" --version 2>/dev/null | grep -q "$2"; then return; fi
  say "installing $1 $2 (a few minutes, once per machine)"
  cargo install "$1" --version "$2"
}
cargo_tool wasm-bindgen-cli "$WASM_BINDGEN_VERSION" wasm-bindgen
cargo_tool worker-build "$WORKER_BUILD_VERSION" worker-build
if [ "${SETUP_FUZZ:-1}" = 1 ]; then cargo_tool cargo-fuzz "$CARGO_FUZZ_VERSION" cargo-fuzz; fi

if [ ! -x node_modules/.bin/wrangler ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies"
  npm ci --no-audit --no-fund
fi

if [ "${SETUP_BROWSER:-1}" = 1 ] && ! command -v chromium >/dev/null 2>&1; then
  say "installing Debian's chromium for the browser tests"
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

# --- OpenAPI tests (tests/openapi) -------------------------------------------------
# A Python venv at .venv with the pinned tools of tests/openapi/requirements.txt
# (schemathesis, openapi-spec-validator and their dependencies), reinstalled only when
# that file changes. SETUP_OPENAPI=0 skips it.
if [ "${SETUP_OPENAPI:-1}" = 1 ] && ! cmp -s tests/openapi/requirements.txt .venv/.requirements.txt 2>/dev/null; then
  say "installing the OpenAPI test tools into .venv (schemathesis, openapi-spec-validator)"
  if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv >/dev/null
  fi
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-input -r tests/openapi/requirements.txt
  cp tests/openapi/requirements.txt .venv/.requirements.txt
fi
# --- end of OpenAPI tests ----------------------------------------------------------
