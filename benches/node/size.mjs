// Sizes: the browser module (zyntro-contact's .wasm; also its Node module, built for
// speed, which is read from disk and never downloaded) and the Worker bundle, raw and
// gzipped, against the Workers limit of 3 MB compressed. The Worker's upload size
// is also taken from `wrangler deploy --dry-run`, which bundles it as a deploy would
// (nothing is uploaded). With twiggy on PATH, the browser module's code is broken
// down by crate (from the build's names-bearing wasm, before wasm-bindgen and
// wasm-opt) to show what the bytes are.
import { execFile, spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { root } from "../../tests/support/server.mjs";
import { printTable } from "./table.mjs";

const run = promisify(execFile);
const KB = 1000;
const LIMIT = 3 * 1000 * 1000; // "3 MB" after compression (Workers Paid; Free is 1 MB)
const files = {
  browserWasm: join(root, "crates/contact-wasm/pkg/zyntro_contact_bg.wasm"),
  browserJs: join(root, "crates/contact-wasm/pkg/zyntro_contact.js"),
  nodeWasm: join(root, "crates/contact-wasm/pkg/zyntro_contact_node_bg.wasm"),
  workerWasm: join(root, "crates/contact-worker/build/index_bg.wasm"),
  workerJs: join(root, "crates/contact-worker/build/index.js"),
};
for (const [k, f] of Object.entries(files)) {
  if (!existsSync(f)) {
    console.error(`size: ${f} is missing (bash scripts/build-npm.sh; bash scripts/build-worker.sh)`);
    process.exit(1);
  }
}
const sizes = (...paths) => {
  const raw = paths.reduce((a, p) => a + statSync(p).size, 0);
  const gz = paths.reduce((a, p) => a + gzipSync(readFileSync(p), { level: 9 }).length, 0);
  return { raw, gz };
};
const kb = (n) => `${(n / KB).toFixed(1)} KB`;

// wrangler's own bundle of the Worker, as `wrangler deploy` would upload it.
let wrangler = null;
const outdir = await mkdtemp(join(tmpdir(), "bench-size-"));
try {
  const { stdout, stderr } = await run(join(root, "node_modules/.bin/wrangler"), ["deploy", "--dry-run", "--outdir", outdir], {
    cwd: root,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_HIDE_BANNER: "true", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1" },
  });
  const m = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(stdout + stderr);
  if (m) wrangler = { raw: Number(m[1]) * 1024, gz: Number(m[2]) * 1024 };
} catch (e) {
  console.error(`size: wrangler deploy --dry-run failed: ${e.message.split("\n")[0]}`);
} finally {
  await rm(outdir, { recursive: true, force: true });
}

const rows = [["artifact", "raw", "gzip -9", "aim (gzipped)", "of the 3 MB limit", "verdict"]];
const add = (name, s, aim) => rows.push([name, kb(s.raw), kb(s.gz), aim ? `< ${kb(aim)}` : "", `${((100 * s.gz) / LIMIT).toFixed(1)} %`, aim ? (s.gz < aim ? "met" : "NOT met") : ""]);
add("browser module: zyntro_contact_bg.wasm", sizes(files.browserWasm), 100 * KB);
add("browser module: .wasm + JS glue", sizes(files.browserWasm, files.browserJs));
// Read from disk by the package's Node entry, never downloaded: no aim.
add("Node module: zyntro_contact_node_bg.wasm", sizes(files.nodeWasm));
add("Worker: index_bg.wasm", sizes(files.workerWasm));
add("Worker: index.js + index_bg.wasm", sizes(files.workerJs, files.workerWasm), 1000 * KB);
if (wrangler) add("Worker: wrangler deploy --dry-run upload", wrangler, 1000 * KB);

console.log(`\n## Sizes\n`);
console.log(`KB = 1000 bytes; gzip at level 9 (zlib); wrangler reports its upload in KiB, converted here. Workers limit: 3 MB compressed (paid plan; free: 1 MB).\n`);
printTable(rows);

// What the browser module's bytes are: shallow size by crate, from twiggy.
const named = join(root, "target/npm/wasm32-unknown-unknown/wasm-release/contact_wasm.wasm");
const twiggy = spawnSync("twiggy", ["top", "-n", "1000000", "--format", "csv", named], { encoding: "utf8", maxBuffer: 1 << 28 });
if (twiggy.status === 0) {
  const groups = new Map();
  const lines = twiggy.stdout.trim().split("\n").slice(1);
  for (const line of lines) {
    const m = /^"?(.*?)"?,(\d+),/.exec(line);
    if (!m) continue;
    const [, name, size] = m;
    let group;
    // Custom sections and names are stripped by the build; exports are entries, not code.
    if (name.startsWith("custom section") || name.includes("subsection") || name.startsWith("export ")) continue;
    else if (name.startsWith("data segment")) group = "static data (.rodata: tables, strings)";
    else {
      const crate = /^<*(?:dyn |impl )?([A-Za-z_][A-Za-z0-9_]*)/.exec(name)?.[1] ?? "?";
      group = ["core", "alloc", "std", "str", "char", "T", "u8", "f64", "usize"].includes(crate) ? "Rust std (core, alloc, std)" : crate;
      if (/^(code|func|elem|type|import|export|table|memory|global)\[/.test(name)) group = "wasm structure";
    }
    groups.set(group, (groups.get(group) ?? 0) + Number(size));
  }
  const total = [...groups.values()].reduce((a, b) => a + b, 0);
  const top = [...groups].sort((a, b) => b[1] - a[1]).slice(0, 12);
  console.log(`\nWhat the browser module is made of (twiggy, shallow bytes by crate, before wasm-bindgen and wasm-opt -Oz; ${kb(total)} in all):\n`);
  printTable([["crate", "bytes", "share"], ...top.map(([g, s]) => [g, kb(s), `${((100 * s) / total).toFixed(1)} %`])]);
} else {
  console.log("\n(twiggy not on PATH: no breakdown by crate; `cargo install twiggy` for one)");
}
