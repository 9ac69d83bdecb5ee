// Validation throughput in one Node process over the fixed corpus
// (benches/corpus/requests.json): the npm package zyntro-contact against ajv and
// zod 4, for JSON text (JSON.parse + validate for the JS validators; the text goes
// straight into Rust for the package) and for objects (validate as is; the package
// stringifies in JS and parses in Rust). Prints payloads per second, the ratio to
// ajv on the same input, and how many verdicts agree with the corpus's labels.
// The package's lines run the module its Node entry loads (built for speed); the
// "browser build" lines run, in Node too, the module browsers load (built for size).
//
//
// --floor DIR adds the floor to the small contacts' table: floorContact of the package
// built with the `floor` feature into DIR (`bash scripts/build-npm.sh --features floor
// --out DIR`), which crosses the boundary as validateContact does for a valid,
// already normalized contact, its fastest case, and checks nothing. No check can make
// validateContact faster than that.
//
//   node benches/node/validation.mjs [--seconds S] [--rounds N] [--pkg DIR] [--floor DIR]
import { readFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join, resolve } from "node:path";
import { zodContactSchema, zodSchema } from "./schemas.mjs";
import { ajvContactSchema, ajvRequestSchema } from "./ajv-schema.mjs";
import { printTable } from "./table.mjs";
import { smallContacts } from "./small-contacts.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const require = createRequire(import.meta.url);
const Ajv2020 = require("ajv/dist/2020").default;
const addFormats = require("ajv-formats").default;

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SECONDS = arg("--seconds", 1);
const ROUNDS = arg("--rounds", 5);

// --pkg DIR measures another build of the package (one with other optimization
// settings, say) in place of crates/contact-wasm/pkg.
const pkgDir = process.argv.includes("--pkg") ? process.argv[process.argv.indexOf("--pkg") + 1] : join(root, "crates", "contact-wasm", "pkg");
const pkgEntry = join(pkgDir, "node.js");
if (!existsSync(pkgEntry)) {
  console.error("validation: the npm package is not built (bash scripts/build-npm.sh)");
  process.exit(1);
}
const pkg = await import(pkgEntry);
// The browser's build of the same code (built for size; the Node entry loads the one
// built for speed), measured here too: its own instance of the glue.
const floorDir = process.argv.includes("--floor") ? process.argv[process.argv.indexOf("--floor") + 1] : null;
if (floorDir && !existsSync(join(floorDir, "node.js"))) {
  console.error(`validation: no floor build in ${floorDir} (bash scripts/build-npm.sh --features floor --out ${floorDir})`);
  process.exit(1);
}
const floorPkg = floorDir && (await import(join(resolve(floorDir), "node.js")));
const browserPkg = await import(`${pathToFileURL(join(pkgDir, "zyntro_contact.js")).href}?build=browser`);
browserPkg.initSync({ module: readFileSync(join(pkgDir, "zyntro_contact_bg.wasm")) });

const corpus = JSON.parse(readFileSync(join(root, "benches", "corpus", "requests.json"), "utf8"));
const texts = corpus.items.map((i) => i.body);
const objects = texts.map((t) => JSON.parse(t));
const expected = corpus.items.map((i) => i.defect === null);
const options = { customFields: corpus.customFields };

const { schema, source } = ajvRequestSchema(corpus.customFields);
const ajv = new Ajv2020({ strict: false });
addFormats(ajv);
const ajvValidate = ajv.compile(schema);
const ajvAll = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajvAll);
const ajvAllValidate = ajvAll.compile(schema);
const zod = zodSchema(corpus.customFields);
// Options read and compiled once, as ajv and zod compile their schemas once.
const validator = new pkg.Validator(options);
const browserValidator = new browserPkg.Validator(options);

const validators = [
  ["zyntro-contact Validator", "text", (t) => validator.validateRequest(t).ok],
  ["zyntro-contact", "text", (t) => pkg.validateRequest(t, options).ok],
  ["Validator, browser build", "text", (t) => browserValidator.validateRequest(t).ok],
  ["ajv", "text", (t) => ajvValidate(JSON.parse(t))],
  ["ajv allErrors", "text", (t) => ajvAllValidate(JSON.parse(t))],
  ["zod 4", "text", (t) => zod.safeParse(JSON.parse(t)).success],
  ["zyntro-contact Validator", "object", (o) => validator.validateRequest(o).ok],
  ["zyntro-contact", "object", (o) => pkg.validateRequest(o, options).ok],
  ["Validator, browser build", "object", (o) => browserValidator.validateRequest(o).ok],
  ["ajv", "object", (o) => ajvValidate(o)],
  ["ajv allErrors", "object", (o) => ajvAllValidate(o)],
  ["zod 4", "object", (o) => zod.safeParse(o).success],
  // Reference lines, not validators: what the JSON step alone costs.
  ["(JSON.parse alone)", "text", (t) => JSON.parse(t) !== null],
  ["(JSON.stringify alone)", "object", (o) => JSON.stringify(o).length > 0],
];

function once(fn, inputs) {
  let ok = 0;
  for (let i = 0; i < inputs.length; i++) if (fn(inputs[i])) ok++;
  return ok;
}

function rate(fn, inputs, ms) {
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    once(fn, inputs);
    n += inputs.length;
    now = performance.now();
  }
  return n / ((now - start) / 1000);
}

// Round-robin: each round times every validator once, so that a change in the
// machine's other load hits all of them alike; medians over the rounds.
function measure(lines, textInputs, objectInputs, labels) {
  const rows = lines.map(([name, input, fn]) => {
    const inputs = input === "text" ? textInputs : objectInputs;
    const agree = inputs.reduce((n, x, i) => n + (Boolean(fn(x)) === labels[i] ? 1 : 0), 0);
    rate(fn, inputs, 300); // warm-up: let the JIT settle before timing
    return { name, input, fn, inputs, rates: [], agree: name.startsWith("(") ? "" : `${agree}/${inputs.length}` };
  });
  for (let r = 0; r < ROUNDS; r++) for (const row of rows) row.rates.push(rate(row.fn, row.inputs, SECONDS * 1000));
  for (const row of rows) {
    const sorted = [...row.rates].sort((a, b) => a - b);
    row.rate = { median: sorted[sorted.length >> 1], min: sorted[0], max: sorted[sorted.length - 1] };
  }
  return rows;
}
const rows = measure(validators, texts, objects, expected);

const fmt = (n) => Math.round(n).toLocaleString("en-US");
const median = (rows, name, input) => rows.find((r) => r.name === name && r.input === input).rate.median;
function tableOf(rows, agreeHeading) {
  const table = [["validator", "input", "payloads/s (median)", "min–max", "× ajv", agreeHeading]];
  for (const r of rows) {
    table.push([r.name, r.input, fmt(r.rate.median), `${fmt(r.rate.min)}–${fmt(r.rate.max)}`, (r.rate.median / median(rows, "ajv", r.input)).toFixed(2), r.agree]);
  }
  return table;
}
const bytes = texts.reduce((a, t) => a + Buffer.byteLength(t), 0);
console.log(`\n## Validation throughput (Node ${process.version}, one process)\n`);
if (process.argv.includes("--pkg")) console.log(`zyntro-contact from ${pkgDir}.`);
console.log(`Corpus: ${texts.length} request bodies (${expected.filter((x) => !x).length} invalid), median ${Buffer.byteLength([...texts].sort((a, b) => a.length - b.length)[texts.length >> 1])} bytes, ${fmt(bytes)} bytes in all; custom fields: the seed's two.`);
console.log(`ajv ${require("ajv/package.json").version} (2020-12, ajv-formats ${require("ajv-formats/package.json").version}) compiled from ${source}; zod ${require("zod/package.json").version}.`);
console.log(`${ROUNDS} rounds, each timing every line for ${SECONDS} s in turn, after a warm-up; median, min and max over the rounds.\n`);
printTable(tableOf(rows, "agrees with labels"));

// Single small contacts, one validateContact call each, as a form or an app checks
// one contact: the corpus's contacts cut down to their name, e-mail and phone. The
// package's verdicts are the labels; the other lines say how often they agree.
const small = smallContacts(objects);
const smallTexts = small.map((c) => JSON.stringify(c));
const contactValidator = new pkg.Validator({ customFields: corpus.customFields, mode: "upsert", lookupBy: "email" });
const browserContactValidator = new browserPkg.Validator({ customFields: corpus.customFields, mode: "upsert", lookupBy: "email" });
const smallLabels = small.map((c) => contactValidator.validateContact(c).ok);
const ajvContact = ajv.compile(ajvContactSchema(corpus.customFields));
const zodContact = zodContactSchema(corpus.customFields);
const smallRows = measure(
  [
    ["zyntro-contact Validator", "text", (t) => contactValidator.validateContact(t).ok],
    ["Validator, browser build", "text", (t) => browserContactValidator.validateContact(t).ok],
    ["ajv", "text", (t) => ajvContact(JSON.parse(t))],
    ["zod 4", "text", (t) => zodContact.safeParse(JSON.parse(t)).success],
    ["zyntro-contact Validator", "object", (o) => contactValidator.validateContact(o).ok],
    ["Validator, browser build", "object", (o) => browserContactValidator.validateContact(o).ok],
    ["ajv", "object", (o) => ajvContact(o)],
    ["zod 4", "object", (o) => zodContact.safeParse(o).success],
    // Reference lines: the boundary alone, as fast as validateContact could be.
    ...(floorPkg
      ? [
          ["(floor: no checks)", "text", (t) => floorPkg.floorContact(t).ok],
          ["(floor: no checks)", "object", (o) => floorPkg.floorContact(o).ok],
        ]
      : []),
  ],
  smallTexts,
  small,
  smallLabels,
);
const smallBytes = smallTexts.reduce((a, t) => a + Buffer.byteLength(t), 0);
console.log(`\n### Single small contacts (validateContact, upsert by e-mail)\n`);
console.log(`Corpus: ${small.length} contacts (each request's firstName, lastName, primaryEmail and primaryPhone, when present; ${smallLabels.filter((x) => !x).length} invalid by the package), ${Math.round(smallBytes / small.length)} bytes on average.\n`);
printTable(tableOf(smallRows, "agrees with the package"));

const line = (rows, name, input) => median(rows, name, input);
const aims = [
  ["requests, JSON text: Validator ≥ ajv", line(rows, "zyntro-contact Validator", "text") / line(rows, "ajv", "text")],
  ["requests, objects: Validator ≥ zod 4", line(rows, "zyntro-contact Validator", "object") / line(rows, "zod 4", "object")],
  ["small contacts, JSON text: Validator ≥ ajv", line(smallRows, "zyntro-contact Validator", "text") / line(smallRows, "ajv", "text")],
  ["small contacts, objects: Validator ≥ zod 4", line(smallRows, "zyntro-contact Validator", "object") / line(smallRows, "zod 4", "object")],
];
console.log("");
for (const [what, ratio] of aims) console.log(`Aim, ${what}: ${ratio.toFixed(2)}× — ${ratio >= 1 ? "met" : "NOT met"}`);
if (floorPkg) {
  const floor = (input, other) => (line(smallRows, "(floor: no checks)", input) / line(smallRows, other, input)).toFixed(2);
  console.log(`Floor, small contacts: ${floor("text", "ajv")}× ajv on JSON text, ${floor("object", "zod 4")}× zod 4 on objects: where validateContact would be if its checks took no time.`);
}
