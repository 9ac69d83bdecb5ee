#!/usr/bin/env bash
# Builds the npm package zyntro-contact into crates/contact-wasm/pkg/ (ready for
# `npm pack`) and copies its browser build into www/pkg/ for the form:
#   cargo (profile wasm-release: opt-level z, LTO; its own std with panics that
#   abort at once) → wasm-bindgen --target web → wasm-opt -Oz (to a fixed point)
#   → a Node entry, package.json and README.
# The same code is built twice: small for browsers and bundlers, which download it
# (zyntro_contact_bg.wasm), and fast for Node, which reads it from disk
# (zyntro_contact_node_bg.wasm: profile wasm-speed, opt-level 3, wasm-opt -O3).
# Both run behind the one JavaScript glue, which the build checks is the same.
# `npm run build:wasm` runs it. Uses the pinned wasm-bindgen CLI and wasm-opt from
# npm (binaryen), so nothing is downloaded.
#
#   bash scripts/build-npm.sh [--features F --out DIR]
#
# --features builds the package with cargo features of contact-wasm (`floor`, for
# benches/node/floor.mjs) into DIR instead, and leaves www/pkg/ alone.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
crate=crates/contact-wasm
pkg="$crate/pkg"
cargo_features=""
while [ $# -gt 0 ]; do
  case "$1" in
    --features) cargo_features="$2"; shift 2 ;;
    --out) pkg="$2"; shift 2 ;;
    *) echo "build-npm: unknown argument $1" >&2; exit 1 ;;
  esac
done
if [ -n "$cargo_features" ] && [ "$pkg" = "$crate/pkg" ]; then
  echo "build-npm: a build with --features goes elsewhere than the package: give --out DIR" >&2
  exit 1
fi
name=zyntro_contact
wasm_opt="$root/node_modules/.bin/wasm-opt"
if ! command -v wasm-bindgen >/dev/null || [ ! -x "$wasm_opt" ]; then
  echo "build-npm: tools missing; run scripts/setup.sh first" >&2
  exit 1
fi

if ! rustup component list --installed 2>/dev/null | grep -q '^rust-src'; then
  echo "build-npm: the rust-src component is missing; run scripts/setup.sh first" >&2
  exit 1
fi
# The module is built with its own build of the standard library (-Z build-std, from
# the rust-src component) so that a panic aborts at once (-C panic=immediate-abort):
# no panic messages, locations or the formatting they need; and with the standard
# library's smaller variants of sorting and the like (optimize_for_size). In the
# browser a panic is a trap either way. These options are nightly-only:
# RUSTC_BOOTSTRAP=1 lets the stable toolchain take them, as for fuzz/. A target
# directory of its own keeps their flags from rebuilding target/ for other builds;
# benches/node/size.mjs reads the names-bearing module there.
out=target/npm
for profile in wasm-release wasm-speed; do
  std_features=()
  [ "$profile" = wasm-release ] && std_features=(-Z build-std-features=optimize_for_size)
  RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort" \
    cargo build -p contact-wasm --target wasm32-unknown-unknown --profile "$profile" --target-dir "$out" \
    --features "$cargo_features" -Z build-std=std,panic_abort "${std_features[@]}" >&2
done
rm -rf "$pkg"
wasm-bindgen "$out/wasm32-unknown-unknown/wasm-release/contact_wasm.wasm" \
  --target web --out-dir "$pkg" --out-name "$name"
speed="$out/bindgen-speed"
rm -rf "$speed"
wasm-bindgen "$out/wasm32-unknown-unknown/wasm-speed/contact_wasm.wasm" \
  --target web --out-dir "$speed" --out-name "$name"
if ! cmp -s "$pkg/$name.js" "$speed/$name.js"; then
  echo "build-npm: the two builds' JavaScript glue differs; one glue cannot load both" >&2
  exit 1
fi
# Strings go into wasm memory by TextEncoder.encodeInto at once (scripts/npm-glue.mjs).
node scripts/npm-glue.mjs "$pkg/$name.js"
# The declarations of the raw wasm exports are for the glue only.
rm -f "$pkg/${name}_bg.wasm.d.ts"
# A class's `[Symbol.dispose]()` declaration needs TypeScript's esnext library and
# fails consumers on ES2022 ones; the glue still installs it where the runtime has
# Symbol.dispose, and `free()` stays declared.
sed -i '/^    \[Symbol\.dispose\](): void;$/d' "$pkg/${name}.d.ts"
# The features are the ones rustc's wasm32 target enables by default; -Oz keeps
# them and shrinks the rest: once, then again on the flattened and re-looped code,
# to a fixed point. The module defines its own memory (so it starts zero-filled)
# and Rust places nothing below 1 MiB (so the low 1 KiB is unused).
# The target-features section only tells linkers and optimizers what the module
# was built for; engines do not read it.
"$wasm_opt" -Oz --flatten --rereloop -Oz --converge --low-memory-unused --zero-filled-memory \
  --strip-debug --strip-producers --strip-target-features \
  --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  "$pkg/${name}_bg.wasm" -o "$pkg/${name}_bg.wasm"

features=(--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext
  --enable-mutable-globals --enable-reference-types --enable-multivalue)
"$wasm_opt" -O3 --strip-debug --strip-producers --strip-target-features "${features[@]}" \
  "$speed/${name}_bg.wasm" -o "$pkg/${name}_node_bg.wasm"

# Node has no fetch for file: URLs, so the web glue's init() cannot load the module
# there; this entry instantiates the Node module synchronously from the file beside
# it, so that `import { validateContact } from "zyntro-contact"` needs no init in
# Node.
cat > "$pkg/node.js" <<EOF
// Node entry of zyntro-contact: the same glue as the browser, instantiated at import
// with the module built for speed (the browser's is built for size).
import { readFileSync } from "node:fs";
import init, { initSync } from "./${name}.js";

initSync({ module: readFileSync(new URL("./${name}_node_bg.wasm", import.meta.url)) });

export * from "./${name}.js";
// Already initialized: calling it resolves at once, so code shared with the browser
// can keep its \`await init()\`.
export default init;
EOF

version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$crate/Cargo.toml" | head -n1)"
cat > "$pkg/package.json" <<EOF
{
  "name": "zyntro-contact",
  "version": "$version",
  "description": "Validate contacts for the Zyntro contact upsert API in the browser or Node, with exactly the server's rules, codes and messages (WebAssembly).",
  "license": "MIT",
  "keywords": ["zyntro", "crm", "contact", "validation", "webassembly", "wasm"],
  "type": "module",
  "main": "./node.js",
  "module": "./${name}.js",
  "browser": "./${name}.js",
  "types": "./${name}.d.ts",
  "exports": {
    ".": {
      "types": "./${name}.d.ts",
      "node": "./node.js",
      "browser": "./${name}.js",
      "default": "./${name}.js"
    },
    "./${name}_bg.wasm": "./${name}_bg.wasm",
    "./${name}_node_bg.wasm": "./${name}_node_bg.wasm",
    "./package.json": "./package.json"
  },
  "files": ["${name}.js", "${name}.d.ts", "${name}_bg.wasm", "${name}_node_bg.wasm", "node.js", "README.md"],
  "sideEffects": ["./node.js"],
  "engines": { "node": ">=20" }
}
EOF
cp "$crate/README.md" "$pkg/README.md"

# The form in www/ imports the browser build from ./pkg/.
if [ -z "$cargo_features" ]; then
  rm -rf www/pkg
  mkdir -p www/pkg
  cp "$pkg/$name.js" "$pkg/$name.d.ts" "$pkg/${name}_bg.wasm" www/pkg/
fi

raw=$(wc -c < "$pkg/${name}_bg.wasm")
# Gzipped as benches/node/size.mjs measures the size aim: zlib at level 9.
gz=$(node -e 'const b=require("fs").readFileSync(process.argv[1]);console.log(require("zlib").gzipSync(b,{level:9}).length)' "$pkg/${name}_bg.wasm")
node_raw=$(wc -c < "$pkg/${name}_node_bg.wasm")
echo "build-npm: $pkg (${name}_bg.wasm: $raw bytes, $gz gzipped; ${name}_node_bg.wasm: $node_raw bytes)" >&2
