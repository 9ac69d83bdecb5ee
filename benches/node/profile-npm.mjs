// Where the npm package's time goes: a CPU profile (V8's sampling profiler, through
// node:inspector) of validateRequest over the corpus, self time by function; or, with
// contact-text or contact-object, of a Validator's validateContact over the small
// contacts of benches/node/validation.mjs (each corpus contact's name, e-mail and
// phone), as its "Single small contacts" lines run it.
//
//   node benches/node/profile-npm.mjs [text|object|contact-text|contact-object] [pkg dir] [seconds]
//
// The published build strips function names; for named wasm frames, point it at a
// build that keeps them (benches/README.md, "Profiling", shows how to make one).
import { Session } from "node:inspector/promises";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { root } from "../../tests/support/server.mjs";
import { printTable } from "./table.mjs";
import { smallContacts } from "./small-contacts.mjs";

const input = process.argv[2] ?? "text";
const pkgDir = resolve(process.argv[3] ?? join(root, "crates/contact-wasm/pkg"));
const seconds = Number(process.argv[4] ?? 3);
const pkg = await import(join(pkgDir, "node.js"));
// The glue's source lines, to tell which import a JS frame is.
const glue = readFileSync(join(pkgDir, "zyntro_contact.js"), "utf8").split("\n").map((l, i, all) => all.slice(i, i + 2).join(" "));
const corpus = JSON.parse(readFileSync(join(root, "benches/corpus/requests.json"), "utf8"));
const options = { customFields: corpus.customFields };
const contacts = input.startsWith("contact-");
const entry = contacts ? "validateContact" : "validateRequest";
let inputs;
let validate;
if (contacts) {
  const small = smallContacts(corpus.items.map((i) => JSON.parse(i.body)));
  inputs = input === "contact-object" ? small : small.map((c) => JSON.stringify(c));
  const validator = new pkg.Validator({ ...options, mode: "upsert", lookupBy: "email" });
  validate = (x) => validator.validateContact(x);
} else {
  inputs = corpus.items.map((i) => (input === "object" ? JSON.parse(i.body) : i.body));
  validate = (x) => pkg.validateRequest(x, options);
}
const loop = (ms) => {
  let n = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) for (const x of inputs) n += validate(x).ok ? 1 : 0;
  return n;
};
loop(300);
const session = new Session();
session.connect();
await session.post("Profiler.setSamplingInterval", { interval: 100 });
await session.post("Profiler.enable");
await session.post("Profiler.start");
loop(seconds * 1000);
const { profile } = await session.post("Profiler.stop");
session.disconnect();

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const counts = new Map();
for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
const self = new Map();
const kinds = new Map();
let total = 0;
for (const [id, n] of counts) {
  const f = byId.get(id).callFrame;
  const line = `${f.url}:${f.lineNumber + 1}`;
  const kind = f.url.startsWith("wasm://") || /^wasm-function|::/.test(f.functionName) ? "Rust (wasm)"
    : /JSON\.parse|__wbg_parse/.test(f.functionName) || (f.url.endsWith("zyntro_contact.js") && /parse/.test(glue[f.lineNumber] ?? "")) ? "JSON.parse of the verdict (JS)"
    : f.url.endsWith("zyntro_contact.js") && /stringify/.test(glue[f.lineNumber] ?? "") ? "JSON.stringify of the input/options (JS)"
    : f.url.endsWith("zyntro_contact.js") || f.url.startsWith("node:") ? "glue: strings in and out of wasm memory (JS)"
    : f.functionName === "(garbage collector)" ? "garbage collector"
    : "other (benchmark loop, runtime)";
  kinds.set(kind, (kinds.get(kind) ?? 0) + n);
  void line;
  const name = `${f.functionName || "(anonymous)"}${f.url && !f.url.includes("wasm") ? ` ${f.url.split("/").pop()}:${f.lineNumber + 1}` : ""}`;
  self.set(name, (self.get(name) ?? 0) + n);
  total += n;
}
console.log(`\nCPU profile of ${entry} on ${input.replace("contact-", "")} input (${pkgDir}), ${seconds} s, self time by kind:\n`);
printTable([["kind", "self"], ...[...kinds].sort((a, b) => b[1] - a[1]).map(([k, n]) => [k, `${((100 * n) / total).toFixed(1)} %`])]);
// The call tree under the entry, inclusive time, where the build keeps names
// (frames under 1 % left out).
const children = (id) => byId.get(id).children ?? [];
const inclusive = new Map();
const incl = (id) => {
  if (!inclusive.has(id)) inclusive.set(id, (counts.get(id) ?? 0) + children(id).reduce((a, c) => a + incl(c), 0));
  return inclusive.get(id);
};
const tree = [];
const show = (id, depth) => {
  const share = incl(id) / total;
  if (share < 0.01) return;
  const name = byId.get(id).callFrame.functionName.replace(/::h[0-9a-f]{16}/g, "").replace(/\[[0-9a-f]{16}\]/g, "");
  tree.push([`${"· ".repeat(depth)}${name.slice(0, 100)}`, `${(100 * share).toFixed(1)} %`]);
  if (depth < 4) for (const c of [...children(id)].sort((a, b) => incl(b) - incl(a))) show(c, depth + 1);
};
const roots = (id) => (byId.get(id).callFrame.functionName === entry ? [id] : children(id).flatMap(roots));
for (const id of roots(profile.nodes[0].id)) show(id, 0);
if (tree.some(([name]) => name.includes("::"))) {
  console.log(`\nThe call tree under ${entry} (inclusive):\n`);
  printTable([["frame", "inclusive"], ...tree]);
}
const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, 30).map(([name, n]) => [name.replace(/::h[0-9a-f]{16}/g, "").slice(0, 110), `${((100 * n) / total).toFixed(1)} %`]);
console.log(`\nThe top functions by self time:\n`);
printTable([["function", "self"], ...rows]);
