// Time to the form's first verdict in headless Chromium: from the start of the page's
// navigation to the moment the form shows its first verdict (the request preview,
// which `validateRequest` fills), with the module's fetch, compile, instantiate and
// first call in between. Each run is a fresh browser context, so nothing is cached.
// The form is served from www/ by a static file server on loopback (no network
// latency: what remains is the browser's own work).
//
//   node benches/node/first-verdict.mjs [--runs N]
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { root } from "../../tests/support/server.mjs";
import { serveStatic } from "../../tests/support/static.mjs";
import { launchChromium } from "../../tests/support/browser.mjs";
import { printTable } from "./table.mjs";

const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15;
const www = join(root, "www");
const wasm = join(www, "pkg", "zyntro_contact_bg.wasm");
if (!existsSync(wasm)) {
  console.error("first-verdict: www/pkg is missing (bash scripts/build-npm.sh)");
  process.exit(1);
}

// Runs in the page before its scripts: notes when the preview first gets text.
const OBSERVE = () => {
  new MutationObserver((_, observer) => {
    const preview = document.querySelector("#preview");
    if (preview && preview.textContent.trim() !== "" && window.__firstVerdict === undefined) {
      window.__firstVerdict = performance.now();
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true, characterData: true });
};

const site = await serveStatic(www);
const browser = await launchChromium();
const samples = [];
try {
  for (let i = 0; i < RUNS + 1; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.addInitScript(OBSERVE);
    await page.goto(`${site.url}/index.html`);
    await page.waitForFunction(() => window.__firstVerdict !== undefined, null, { timeout: 30_000 });
    const t = await page.evaluate(() => {
      const nav = performance.getEntriesByType("navigation")[0];
      const module = performance.getEntriesByType("resource").find((r) => r.name.endsWith("_bg.wasm"));
      return {
        domContentLoaded: nav.domContentLoadedEventEnd,
        wasmFetched: module ? module.responseEnd : NaN,
        firstVerdict: window.__firstVerdict,
      };
    });
    await context.close();
    if (i > 0) samples.push(t); // the first run warms the browser process up
  }
} finally {
  await browser.close();
  await site.stop();
}

const stat = (key) => {
  const v = samples.map((s) => s[key]).sort((a, b) => a - b);
  return { median: v[v.length >> 1], min: v[0], max: v[v.length - 1] };
};
const ms = (n) => n.toFixed(1);
console.log(`\n## Time to the form's first verdict (headless Chromium, loopback)\n`);
console.log(`${RUNS} page loads, each in a fresh browser context (empty cache), after one warm-up load; milliseconds from the start of navigation. The module: ${statSync(wasm).size.toLocaleString("en-US")} bytes, served uncompressed.\n`);
const rows = [["moment", "median ms", "min–max ms"]];
for (const [key, label] of [
  ["domContentLoaded", "page parsed (DOMContentLoaded)"],
  ["wasmFetched", "module fetched (responseEnd of the .wasm)"],
  ["firstVerdict", "first verdict shown (compile, instantiate, first call done)"],
]) {
  const s = stat(key);
  rows.push([label, ms(s.median), `${ms(s.min)}–${ms(s.max)}`]);
}
printTable(rows);
