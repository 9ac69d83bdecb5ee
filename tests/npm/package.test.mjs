// The npm package as its users get it: `npm pack` of crates/contact-wasm/pkg (built by
// `npm run build:wasm`), installed from the tarball into a scratch project, then
// - imported from "zyntro-contact" in Node 20 ESM with no init, running every shared
//   case file (tests/cases) through validateRequest: the same codes, paths, messages
//   and normalized contacts as the Rust runner gives natively;
// - type-checked from a TypeScript consumer;
// - bundled by Vite, and served by its development server, in headless Chromium;
// - loaded in Chromium without a bundler, by <script type="module"> and `await init()`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { root } from "../support/server.mjs";
import { serveStatic } from "../support/static.mjs";
import { launchChromium, pageErrors } from "../support/browser.mjs";

const run = promisify(execFile);
const pkgDir = join(root, "crates", "contact-wasm", "pkg");
const casesDir = join(root, "tests", "cases");
const caseFiles = readdirSync(casesDir).filter((f) => f.endsWith(".json")).sort();

// The placeholders' values, shared with the Rust and Python runners: valid in form,
// so that only the offline checks decide.
const PLACEHOLDERS = JSON.parse(readFileSync(join(root, "tests", "support", "placeholders.json"), "utf8")).offline;
const substituteText = (text) =>
  Object.entries(PLACEHOLDERS).reduce((out, [k, v]) => out.replaceAll(k, v), text);
const substitute = (value) =>
  typeof value === "string"
    ? substituteText(value)
    : Array.isArray(value)
      ? value.map(substitute)
      : value && typeof value === "object"
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v)]))
        : value;

let scratch;
let tarball;
let zc; // the package, imported from the scratch project as "zyntro-contact"

before(async () => {
  if (!existsSync(join(pkgDir, "package.json"))) {
    throw new Error("crates/contact-wasm/pkg is missing: run `npm run build:wasm` first");
  }
  scratch = await mkdtemp(join(tmpdir(), "zyntro-contact-npm-"));
  const { stdout } = await run("npm", ["pack", pkgDir, "--pack-destination", scratch, "--json"], { cwd: scratch });
  tarball = join(scratch, JSON.parse(stdout)[0].filename);
  await writeFile(join(scratch, "package.json"), JSON.stringify({ name: "scratch", private: true, type: "module" }));
  await run("npm", ["install", "--no-audit", "--no-fund", "--offline", tarball], { cwd: scratch });
  // A module of the scratch project, so that the bare specifier resolves the way a
  // user's does: through the installed package's `exports`, condition "node".
  await writeFile(join(scratch, "bridge.mjs"), 'export * from "zyntro-contact";\nexport { default } from "zyntro-contact";\n');
  zc = await import(pathToFileURL(join(scratch, "bridge.mjs")).href);
});

after(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** Every mismatch between a case's expectation and a verdict, as readable lines. */
function compare(expect, verdict) {
  const found = [];
  if (expect.ok) {
    if (!verdict.ok) return [`expected ok, got ${verdict.code}: ${JSON.stringify(verdict.errors)}`];
    assertJson(found, "contact", expect.contact, verdict.contact);
    assertJson(found, "request.contact", expect.contact, verdict.request?.contact);
    if ("entity" in expect) assertJson(found, "entity", expect.entity, verdict.request?.entity ?? null);
    return found;
  }
  if (verdict.ok) return [`expected ${expect.code}, got ok: ${JSON.stringify(verdict.contact)}`];
  if (verdict.code !== expect.code) found.push(`code: expected ${expect.code}, got ${verdict.code}`);
  if (expect.errors) {
    const same =
      expect.errors.length === verdict.errors.length &&
      expect.errors.every(
        (w, i) =>
          w.path === verdict.errors[i].path &&
          w.code === verdict.errors[i].code &&
          (w.message === undefined || w.message === verdict.errors[i].message),
      );
    if (!same) {
      found.push(
        `errors differ\n  expected: ${JSON.stringify(expect.errors)}\n  got:      ${JSON.stringify(verdict.errors)}`,
      );
    }
  }
  if (expect.data) assertJson(found, "data", expect.data, verdict.data);
  if (expect.message !== undefined && expect.message !== verdict.message) {
    found.push(`message differs\n  expected: ${expect.message}\n  got:      ${verdict.message}`);
  }
  return found;
}

function assertJson(found, what, want, got) {
  try {
    assert.deepStrictEqual(got, want);
  } catch {
    found.push(`${what} differs\n  expected: ${JSON.stringify(want)}\n  got:      ${JSON.stringify(got)}`);
  }
}

function loadCases(file) {
  const spec = JSON.parse(readFileSync(join(casesDir, file), "utf8"));
  return { spec, options: spec.customFields ? { customFields: spec.customFields } : undefined };
}

for (const file of caseFiles) {
  test(`case file ${file} through validateRequest`, () => {
    const { spec, options } = loadCases(file);
    // A Validator made once from the same options answers what the function does.
    const validator = new zc.Validator(options);
    const report = [];
    for (const c of spec.cases) {
      // A case's text as the server reads it; objects also go in as objects, which
      // must make no difference.
      const inputs =
        "body" in c
          ? [substituteText(c.body)]
          : [substitute(c.request), JSON.stringify(substitute(c.request))];
      for (const input of inputs) {
        const verdict = zc.validateRequest(input, options);
        const found = compare(c.expect, verdict);
        assertJson(found, "Validator.validateRequest", verdict, validator.validateRequest(input));
        const text = JSON.stringify(verdict);
        for (const k of ["$API_KEY", "$DEVELOPER_SECRET"]) {
          if (text.includes(PLACEHOLDERS[k])) found.push(`the verdict contains the secret ${k}`);
        }
        if (found.length) report.push(`=== ${c.name} (${typeof input === "string" ? "text" : "object"})\n- ${found.join("\n- ")}`);
      }
    }
    assert.equal(report.length, 0, `${report.length} mismatches:\n${report.join("\n")}`);
  });
}

// A request with credentials of a valid form and a valid mode and lookup reaches the
// contact checks; its contact's errors must then be validateContact's, in order.
test("validateContact agrees with validateRequest on the contact of every case", () => {
  let compared = 0;
  const report = [];
  for (const file of caseFiles) {
    const { spec, options } = loadCases(file);
    for (const c of spec.cases) {
      if (!("request" in c)) continue;
      const body = substitute(c.request);
      const full = zc.validateRequest(body, options);
      const topLevel = full.ok ? [] : full.errors.filter((e) => !/^(contact|entity)\b/.test(e.path));
      const reachedFields = full.ok || full.code === "VALIDATION_ERROR" || full.code === "CUSTOM_FIELD_ERROR";
      if (!reachedFields || topLevel.length || !body.contact || typeof body.contact !== "object" || Array.isArray(body.contact)) continue;
      const contactOptions = {
        ...options,
        mode: body.mode?.trim?.() ?? "upsert",
        lookupBy: body.lookup_by?.trim?.() ?? "email",
      };
      const verdict = zc.validateContact(body.contact, contactOptions);
      assert.deepStrictEqual(new zc.Validator(contactOptions).validateContact(body.contact), verdict);
      const want = full.ok ? [] : full.errors.filter((e) => e.path.startsWith("contact"));
      const got = verdict.ok ? [] : verdict.errors;
      compared++;
      try {
        assert.deepStrictEqual(got, want);
        if (verdict.ok && full.ok) assert.deepStrictEqual(verdict.contact, full.contact);
        if (!verdict.ok && want.length) {
          const code = want.every((e) => e.path.startsWith("contact.customFields.") && e.code !== "unknown_field")
            ? "CUSTOM_FIELD_ERROR"
            : "VALIDATION_ERROR";
          assert.equal(verdict.code, code);
        }
      } catch (e) {
        report.push(`=== ${c.name}\n${e.message}`);
      }
    }
  }
  assert.ok(compared > 50, `only ${compared} cases compared`);
  assert.equal(report.length, 0, report.join("\n"));
});

// A request of each case sent as a batch of one item: once the batch as a whole is
// accepted, the item's verdict is the request's, its paths prefixed `items[0].`.
test("validateBatch gives each item the verdict validateRequest gives its request", () => {
  const prefixed = (line) => (/^(contact|entity)([.\[]|:)/.test(line) ? `items[0].${line}` : line);
  let compared = 0;
  const report = [];
  for (const file of caseFiles) {
    const { spec, options } = loadCases(file);
    for (const c of spec.cases) {
      if (!("request" in c)) continue;
      const request = substitute(c.request);
      if (!request || typeof request !== "object" || Array.isArray(request)) continue;
      // A request whose own top-level keys or options are wrong is refused as a whole
      // batch, not as an item: those are the batch's, compared below.
      const options_ok = Object.entries(request).every(([k, v]) =>
        ["api_key", "developer_secret", "org_id", "member_id", "contact", "entity"].includes(k)
          ? true
          : k === "mode"
            ? v == null || (typeof v === "string" && ["insert", "update", "upsert"].includes(v.trim()))
            : k === "lookup_by"
              ? v == null || (typeof v === "string" && ["email", "phone", "contact_id"].includes(v.trim()))
              : ["skip_entity", "debug", "dry_run"].includes(k) && (v == null || typeof v === "boolean"),
      );
      if (!options_ok) continue;
      const single = zc.validateRequest(request, options);
      const itemLevel = single.ok || (["VALIDATION_ERROR", "CUSTOM_FIELD_ERROR", "MISSING_CONTACT"].includes(single.code) && single.errors.every((e) => /^(contact|entity)\b/.test(e.path)));
      if (!itemLevel) continue;
      const { contact, entity, ...rest } = request;
      const item = {};
      if ("contact" in request) item.contact = contact;
      if ("entity" in request) item.entity = entity;
      const verdict = zc.validateBatch({ ...rest, items: [item] }, options);
      assert.deepStrictEqual(new zc.Validator(options).validateBatch({ ...rest, items: [item] }), verdict);
      compared++;
      try {
        assert.equal(verdict.code, null, JSON.stringify(verdict));
        assert.equal(verdict.ok, single.ok);
        assert.equal(verdict.items.length, 1);
        const [got] = verdict.items;
        if (single.ok) {
          assert.deepStrictEqual(got, single);
        } else {
          assert.equal(got.code, single.code);
          // An item lists at most 10 problems and counts the rest.
          const listed = single.errors.slice(0, 10);
          assert.deepStrictEqual(got.errors, listed.map((e) => ({ ...e, path: `items[0].${e.path}` })));
          if (single.errors.length <= 10) assert.deepStrictEqual(got.data, single.data.map(prefixed));
          const omitted = (single.errors_omitted ?? 0) + single.errors.length - listed.length;
          assert.equal(got.errors_omitted, omitted || undefined);
          if (single.errors.length <= 5) assert.equal(got.message, single.message.replace(/(^|: |; )((contact|entity)(?=[.[:]))/g, "$1items[0].$2"));
        }
      } catch (e) {
        report.push(`=== ${c.name}\n${e.message}`);
      }
    }
  }
  assert.ok(compared > 50, `only ${compared} cases compared`);
  assert.equal(report.length, 0, report.join("\n"));
  // The whole batch refused, as the server refuses it.
  const credentials = { api_key: PLACEHOLDERS.$API_KEY, developer_secret: PLACEHOLDERS.$DEVELOPER_SECRET, org_id: PLACEHOLDERS.$ORG_ID, member_id: PLACEHOLDERS.$MEMBER_ID };
  assert.deepStrictEqual(zc.validateBatch({ ...credentials, items: [] }), {
    ok: false,
    code: "INVALID_ITEMS",
    message: "items is empty; send 1 to 100 items",
    data: ["items is empty; send 1 to 100 items"],
    errors: [],
  });
  assert.equal(zc.validateBatch(JSON.stringify({ items: [{ contact: {} }] })).code, "MISSING_API_KEY");
  const two = zc.validateBatch({ ...credentials, items: [{ contact: { firstName: "A", primaryEmail: "a@x.io" } }, { contact: { firstName: "B", primaryEmail: "b@" } }] });
  assert.equal(two.ok, false);
  assert.equal(two.items[0].ok, true);
  assert.equal(two.items[1].message, "Contact validation errors: items[1].contact.primaryEmail: not a valid e-mail address");
  assert.throws(() => zc.validateBatch({ ...credentials, items: [] }, { mode: "insert" }), TypeError);
});

test("a valid request's contact is its normalized request's contact, one object, in the server's key order", () => {
  const credentials = { api_key: PLACEHOLDERS.$API_KEY, developer_secret: PLACEHOLDERS.$DEVELOPER_SECRET, org_id: PLACEHOLDERS.$ORG_ID, member_id: PLACEHOLDERS.$MEMBER_ID };
  const contact = { firstName: " Jane ", primaryEmail: "jane@acme.com", country: "gb" };
  for (const verdict of [zc.validateRequest({ ...credentials, contact }), new zc.Validator().validateRequest(JSON.stringify({ ...credentials, contact }))]) {
    assert.equal(verdict.ok, true);
    assert.deepStrictEqual(Object.keys(verdict), ["ok", "code", "message", "data", "errors", "contact", "request"]);
    assert.deepStrictEqual(verdict.contact, { country: "GB", firstName: "Jane", primaryEmail: "jane@acme.com" });
    assert.equal(verdict.contact, verdict.request.contact);
  }
  const batch = zc.validateBatch({ ...credentials, items: [{ contact }, { contact: { primaryEmail: "b@" } }, { contact: { firstName: "C", primaryEmail: "c@x.io" } }] });
  assert.deepStrictEqual(batch.items.map((item) => item.ok), [true, false, true]);
  for (const i of [0, 2]) assert.equal(batch.items[i].contact, batch.items[i].request.contact);
  assert.deepStrictEqual(batch.items[2].contact, { firstName: "C", primaryEmail: "c@x.io" });
  assert.equal("contact" in batch.items[1], false);
  // A contact alone has no request to share it with.
  assert.deepStrictEqual(zc.validateContact(contact).contact, { country: "GB", firstName: "Jane", primaryEmail: "jane@acme.com" });
});

// A valid contact whose text is already its normalized text is parsed as it came;
// any other is written out normalized first. The verdicts cannot tell the two apart.
test("a valid contact's verdict is the same whether its input was already normalized or not", () => {
  const want = '{"ok":true,"code":null,"message":"valid","data":[],"errors":[],"contact":{"firstName":"Jane","primaryEmail":"jane@acme.com"}}';
  const normalized = { firstName: "Jane", primaryEmail: "jane@acme.com" };
  const inputs = [
    JSON.stringify(normalized), // the normalized text itself
    normalized,
    '{ "firstName": "Jane", "primaryEmail": "jane@acme.com" }', // spaced
    { primaryEmail: "jane@acme.com", firstName: "Jane" }, // keys in another order
    { firstName: " Jane ", primaryEmail: "jane@acme.com" }, // a name to trim
    '{"firstName":"\\u004aane","primaryEmail":"jane\\u0040acme.com"}', // escapes
    // Objects whose text is the normalized text, copied or parsed from it:
    Object.assign(Object.create(null), normalized), // no prototype
    { ...normalized, middleName: undefined }, // a key JSON leaves out
    new (class {
      toJSON() {
        return normalized; // its own keys are not what it sends
      }
    })(),
  ];
  const validator = new zc.Validator();
  for (const input of inputs) {
    for (const verdict of [zc.validateContact(input), validator.validateContact(input)]) {
      assert.equal(JSON.stringify(verdict), want, JSON.stringify(input));
      assert.deepStrictEqual(Object.keys(verdict), ["ok", "code", "message", "data", "errors", "contact"]);
      assert.deepStrictEqual(Object.entries(verdict.contact), Object.entries(normalized));
      assert.equal(Object.getPrototypeOf(verdict.contact), Object.prototype);
      assert.notEqual(verdict.contact, input);
    }
  }
  // A lone surrogate reaches Rust, as it reaches the server in UTF-8, as U+FFFD; the
  // verdict's contact has what was checked, whichever path made it.
  for (const text of ['{"firstName":"Ja\uD800ne","primaryEmail":"jane@acme.com"}', '{"primaryEmail":"jane@acme.com","firstName":"Ja\uD800ne"}']) {
    assert.equal(validator.validateContact(text).contact.firstName, "Ja\uFFFDne");
  }
  // Each verdict is its own: changing one changes no other.
  const [a, b] = [validator.validateContact(normalized), validator.validateContact(normalized)];
  a.contact.firstName = "Changed";
  a.errors.push("x");
  assert.equal(b.contact.firstName, "Jane");
  assert.deepStrictEqual(b.errors, []);
  assert.equal(normalized.firstName, "Jane");
});

// Field by field: each key of each case's contact and entity, checked alone, has
// exactly the errors the whole request has at that key, less the ones that depend
// on the whole contact (required, cannot be cleared, id only to find).
test("validateField agrees with validateRequest field by field", () => {
  const WHOLE = new Set(["required", "cannot_clear", "not_allowed"]);
  let compared = 0;
  const report = [];
  for (const file of caseFiles) {
    const { spec, options } = loadCases(file);
    for (const c of spec.cases) {
      if (!("request" in c)) continue;
      const body = substitute(c.request);
      const full = zc.validateRequest(body, options);
      if (!(full.ok || full.code === "VALIDATION_ERROR" || full.code === "CUSTOM_FIELD_ERROR")) continue;
      const errors = full.ok ? [] : full.errors;
      for (const part of ["contact", "entity"]) {
        const record = body[part];
        if (!record || typeof record !== "object" || Array.isArray(record)) continue;
        for (const [key, value] of Object.entries(record)) {
          if (key.includes(".")) continue; // a contact key spelled like a path is unknown, not a path
          const path = `${part}.${key}`;
          const name = part === "contact" ? key : path;
          const want = errors.filter(
            (e) => (e.path === path || e.path.startsWith(`${path}[`) || e.path.startsWith(`${path}.`)) && !WHOLE.has(e.code),
          );
          if (part === "entity" && key === "name" && value === null) continue; // cannot_clear, checked on the whole
          const got = zc.validateField(name, value, options);
          compared++;
          try {
            assert.deepStrictEqual(got, want);
          } catch (e) {
            report.push(`=== ${c.name}: ${name}\n${e.message}`);
          }
        }
      }
    }
  }
  assert.ok(compared > 100, `only ${compared} fields compared`);
  assert.equal(report.length, 0, report.join("\n"));
});

test("lookupKey answers the keys the server matches on", () => {
  assert.equal(zc.lookupKey("email", "  Jane.Smith@ACME.com "), "jane.smith@acme.com");
  assert.equal(zc.lookupKey("phone", "+1-555-0123"), "+15550123");
  assert.equal(zc.lookupKey("phone", " (555) 012.3456 "), "5550123456");
  assert.throws(() => zc.lookupKey("fax", "1"), { name: "TypeError", message: /"email" or "phone"/ });
  assert.throws(() => zc.lookupKey("email", 5), { name: "TypeError" });
});

test("a caller's mistakes throw TypeErrors that name them; bad data never throws", () => {
  const contact = { firstName: "Jane", primaryEmail: "jane@acme.com" };
  assert.throws(() => zc.validateContact(contact, { mode: "create" }), {
    name: "TypeError",
    message: 'options.mode must be one of: insert, update, upsert; got "create"',
  });
  assert.throws(() => zc.validateContact(contact, { lookup_by: "phone" }), {
    name: "TypeError",
    message: /^options: unknown field `lookup_by`/,
  });
  assert.throws(() => zc.validateRequest({ contact }, { mode: "insert" }), { name: "TypeError" });
  assert.throws(() => zc.validateContact(contact, { customFields: [{ tag: "Size", type: "text" }] }), {
    name: "TypeError",
    message: /^options\.customFields: custom field "Size": a tag is/,
  });
  assert.throws(() => zc.validateContact(contact, { customFields: [{ tag: "a", type: "text", pattern: "(" }] }), {
    name: "TypeError",
    message: /pattern does not compile/,
  });
  const cyclic = { firstName: "Jane" };
  cyclic.self = cyclic;
  assert.throws(() => zc.validateContact(cyclic), { name: "TypeError", message: /cannot be serialized as JSON/ });
  assert.throws(() => zc.validateContact(contact, "insert"), { name: "TypeError", message: "options must be an object" });

  for (const bad of [undefined, null, 5, "{", "[]", [], { firstName: 5 }]) {
    const verdict = zc.validateContact(bad);
    assert.equal(verdict.ok, false, JSON.stringify(bad));
  }
  assert.equal(zc.validateContact(undefined).code, "MISSING_CONTACT");
  assert.equal(zc.validateContact("{").code, "INVALID_JSON");
  assert.equal(zc.validateRequest(undefined).code, "INVALID_JSON");
  assert.deepEqual(zc.validateField("firstName", undefined), []);
  assert.deepEqual(zc.validateField("nickname", "JJ").map((e) => e.code), ["unknown_field"]);
});

test("a Validator reads its options once, with the functions' refusals, and checks fields as they do", () => {
  assert.throws(() => new zc.Validator({ customFields: [{ tag: "a", type: "text", pattern: "(" }] }), {
    name: "TypeError",
    message: /^options\.customFields: custom field "a": pattern does not compile/,
  });
  assert.throws(() => new zc.Validator({ mode: "create" }), {
    name: "TypeError",
    message: 'options.mode must be one of: insert, update, upsert; got "create"',
  });
  assert.throws(() => new zc.Validator("insert"), { name: "TypeError", message: "options must be an object" });
  assert.throws(() => new zc.Validator({ mode: "insert" }).validateBatch({}), {
    name: "TypeError",
    message: "options.mode and options.lookupBy are for validateContact: a batch carries its own mode and lookup_by",
  });
  assert.throws(() => new zc.Validator({ mode: "insert" }).validateRequest({}), {
    name: "TypeError",
    message: "options.mode and options.lookupBy are for validateContact: a request carries its own mode and lookup_by",
  });
  const options = { customFields: [{ tag: "code", type: "text", pattern: "[A-Z]{3}" }], mode: "insert" };
  const validator = new zc.Validator(options);
  // Changing the options object afterwards changes nothing: they were read once.
  options.customFields[0].pattern = "[0-9]+";
  assert.deepEqual(validator.validateField("customFields.code", "ABC"), []);
  assert.deepEqual(
    validator.validateField("customFields.code", "12"),
    zc.validateField("customFields.code", "12", { customFields: [{ tag: "code", type: "text", pattern: "[A-Z]{3}" }] }),
  );
  assert.equal(validator.validateField("customFields.code", "12")[0].code, "pattern_mismatch");
  const verdict = validator.validateContact({ primaryEmail: "jane@acme.com" });
  assert.deepEqual(verdict.errors.map((e) => [e.path, e.code]), [["contact.firstName", "required"]]);
  assert.equal(new zc.Validator().validateContact({ firstName: "Jane", primaryEmail: "jane@acme.com" }).ok, true);
});

test("an error verdict lists at most 50 problems and counts the rest, as the server answers", () => {
  const contact = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, 1]));
  const verdict = zc.validateContact({ ...contact, firstName: "Jane", primaryEmail: "jane@acme.com" });
  assert.equal(verdict.code, "VALIDATION_ERROR");
  assert.equal(verdict.errors.length, 50);
  assert.equal(verdict.data.length, 50);
  assert.equal(verdict.errors_omitted, 250);
  assert.deepEqual(verdict.errors[0], { path: "contact.k0", code: "unknown_field", message: "unknown field k0" });
  assert.match(verdict.message, /; … 300 problems in all$/);
  const few = zc.validateContact({ firstName: "Jane", primaryEmail: "jane@", nickname: "JJ" });
  assert.equal(few.errors.length, 2);
  assert.equal("errors_omitted" in few, false);
  const customFields = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`f${i}`, 1]));
  const fieldErrors = zc.validateField("customFields", customFields);
  assert.equal(fieldErrors.length, 50);
  assert.deepEqual(fieldErrors[0], {
    path: "contact.customFields.f0",
    code: "unknown_custom_field",
    message: "unknown custom field: this organization defines no custom fields",
  });
  assert.deepEqual(zc.validateField("firstName", "Jane\u202E"), [
    { path: "contact.firstName", code: "bidi_control", message: "must not contain bidirectional control characters (found U+202E)" },
  ]);
});

test("a pattern too large to compile at the edge is refused as the server refuses it", () => {
  assert.throws(() => zc.validateContact({ firstName: "Jane" }, { customFields: [{ tag: "a", type: "text", pattern: "\\w{100}" }] }), {
    name: "TypeError",
    message: /pattern is too large once compiled \(the limit is 256 KiB\)/,
  });
});

test("definitions passed again are read from the cache, and changed ones take effect at once", () => {
  // The module keeps the last definitions it compiled, keyed by their JSON text
  // (that they compile once is tested in crates/contact-wasm/src/options.rs; what
  // it saves is measured by benches/node/validation.mjs). What a caller sees: equal
  // definitions in new arrays, as a form passes them on every keystroke, give the
  // same verdicts, and a change to them is never answered from the cache.
  const definition = { tag: "code", type: "text", maxLength: 10, pattern: "[A-Z]{3}-[0-9]{4}" };
  for (let i = 0; i < 3; i++) {
    const options = { customFields: [{ ...definition }] };
    assert.deepEqual(zc.validateField("customFields.code", "ABC-1234", options), []);
    assert.deepEqual(zc.validateField("customFields.code", "abc-", options).map((e) => e.code), ["pattern_mismatch"]);
  }
  const lower = { customFields: [{ ...definition, pattern: "[a-z]{3}-" }] };
  assert.deepEqual(zc.validateField("customFields.code", "abc-", lower), []);
  assert.deepEqual(zc.validateField("customFields.code", "ABC-1234", lower).map((e) => e.code), ["pattern_mismatch"]);
  const shorter = { customFields: [{ ...definition, maxLength: 3 }] };
  assert.deepEqual(zc.validateField("customFields.code", "ABC-1234", shorter).map((e) => e.code), ["too_long"]);
  assert.deepEqual(zc.validateField("customFields.code", "ABC-1234", { customFields: [definition] }), []);
});

test("in Node, init() is already done and initSync is exported", async () => {
  assert.equal(typeof zc.default, "function");
  await zc.default();
  assert.equal(typeof zc.initSync, "function");
  assert.equal(zc.validateContact({ firstName: "Jane", primaryEmail: "jane@acme.com" }).ok, true);
});

test("the browser's module and Node's give the same verdicts, byte for byte", async () => {
  // Two builds of one code behind one glue: small for browsers, fast for Node. Each
  // gets its own instance of the glue (a module URL of its own), then both validate
  // the benchmark corpus, the small contacts cut from it and every case file.
  const dir = join(scratch, "node_modules", "zyntro-contact");
  const glue = pathToFileURL(join(dir, "zyntro_contact.js")).href;
  const builds = {};
  for (const [name, file] of [["browser", "zyntro_contact_bg.wasm"], ["node", "zyntro_contact_node_bg.wasm"]]) {
    builds[name] = await import(`${glue}?build=${name}`);
    builds[name].initSync({ module: readFileSync(join(dir, file)) });
  }
  const corpus = JSON.parse(readFileSync(join(root, "benches", "corpus", "requests.json"), "utf8"));
  const options = { customFields: corpus.customFields };
  const contacts = corpus.items
    .map((i) => JSON.parse(i.body)?.contact)
    .filter((c) => c && typeof c === "object" && !Array.isArray(c));
  const verdicts = (zc) => {
    const out = [];
    const contactValidator = new zc.Validator({ ...options, mode: "update", lookupBy: "phone" });
    for (const item of corpus.items) {
      out.push(zc.validateRequest(item.body, options), zc.validateRequest(JSON.parse(item.body), options));
    }
    for (const contact of contacts) {
      out.push(contactValidator.validateContact(contact));
      for (const [field, value] of Object.entries(contact)) out.push(zc.validateField(field, value, options));
    }
    for (const file of caseFiles) {
      const { spec, options } = loadCases(file);
      for (const c of spec.cases) {
        out.push(zc.validateRequest("body" in c ? substituteText(c.body) : substitute(c.request), options));
      }
    }
    out.push(zc.validateBatch({ items: corpus.items.slice(0, 100).map((i) => JSON.parse(i.body)) }, options));
    return JSON.stringify(out);
  };
  const browser = verdicts(builds.browser);
  assert.ok(browser.length > 1_000_000, `${browser.length} bytes of verdicts`);
  assert.equal(verdicts(builds.node), browser);
});

test("the tarball holds the package and nothing else", async () => {
  const { stdout } = await run("tar", ["-tzf", tarball]);
  assert.deepEqual(stdout.trim().split("\n").sort(), [
    "package/README.md",
    "package/node.js",
    "package/package.json",
    "package/zyntro_contact.d.ts",
    "package/zyntro_contact.js",
    "package/zyntro_contact_bg.wasm",
    "package/zyntro_contact_node_bg.wasm",
  ]);
  const manifest = JSON.parse(readFileSync(join(scratch, "node_modules", "zyntro-contact", "package.json"), "utf8"));
  assert.equal(manifest.name, "zyntro-contact");
  assert.equal(manifest.type, "module");
  // The package names no repository or home page: none is published.
  assert.equal(manifest.repository, undefined);
  assert.equal(manifest.homepage, undefined);
});

test("the declarations document each contact and entity field with the contract's own rule", async () => {
  // The field docs live in crates/contact-wasm/src/types.rs for tsify; the rules live
  // in the core's field tables. This holds the first to the second.
  const { stdout } = await run("cargo", ["run", "-q", "-p", "contact-core", "--example", "contract"], { cwd: root });
  const contract = JSON.parse(stdout);
  const dts = readFileSync(join(pkgDir, "zyntro_contact.d.ts"), "utf8");
  const docs = (name) => {
    const body = dts.match(new RegExp(`export interface ${name} \\{([\\s\\S]*?)\\n\\}`))[1];
    const out = {};
    for (const [, doc, key] of body.matchAll(/\/\*\*([\s\S]*?)\*\/\s*(\w+)\??:/g)) {
      out[key] = doc.replace(/\s*\*\s*/g, " ").trim();
    }
    return out;
  };
  const expected = (rule) =>
    ({
      text: `${rule.max_chars?.toLocaleString("en-US")} characters`,
      email: "e-mail address",
      phone: "phone number",
      url: "http(s) URL with a host",
      country: "ISO 3166-1 alpha-2",
      uuid: "UUID",
      tags: `At most ${rule.max_items} tags of 1–${rule.max_chars} characters`,
      custom_fields: "custom fields",
    })[rule.type];
  for (const [iface, fields] of [["Contact", contract.contact_fields], ["Entity", contract.entity_fields]]) {
    const documented = docs(iface);
    assert.deepEqual(Object.keys(documented).sort(), fields.map((f) => f.name).sort(), iface);
    for (const f of fields) {
      const doc = documented[f.name];
      assert.ok(doc.includes(expected(f.rule)), `${iface}.${f.name}: "${doc}" does not say "${expected(f.rule)}"`);
      if (iface === "Contact" && f.required_to_create) assert.ok(doc.includes("required to create"), `${iface}.${f.name}: ${doc}`);
    }
  }
});

test("the TypeScript declarations type-check a consumer", async () => {
  const src = `
import { validateContact, validateRequest, validateField, lookupKey, validateBatch, Validator } from "zyntro-contact";
import type { Verdict, Contact, CustomFieldDefinition, FieldError, ErrorCode, ProblemCode, NormalizedRequest, BatchBody, BatchVerdict } from "zyntro-contact";

const customFields: CustomFieldDefinition[] = [{ tag: "industry", type: "select", options: ["Technology"] }];
const contact: Contact = { firstName: "Jane", primaryEmail: "jane@acme.com", tags: ["a"], customFields: { industry: "Technology" } };
const verdict: Verdict = validateContact(contact, { mode: "insert", lookupBy: "email", customFields });
if (verdict.ok) {
  const name: string | null | undefined = verdict.contact.firstName;
  void name;
} else {
  const code: ErrorCode = verdict.code;
  const first: FieldError | undefined = verdict.errors[0];
  void code; void first;
}
const request = validateRequest({ api_key: "k", developer_secret: "s", org_id: "o", member_id: "m", contact, mode: "upsert" });
if (request.ok) {
  const normalized: NormalizedRequest | undefined = request.request;
  void normalized;
}
const batchBody: BatchBody = { api_key: "k", developer_secret: "s", org_id: "o", member_id: "m", items: [{ contact }], all_or_none: true };
const batch: BatchVerdict = validateBatch(batchBody, { customFields });
if (batch.code === null) {
  const items: Verdict[] = batch.items;
  void items;
} else {
  const code: ErrorCode = batch.code;
  void code;
}
const errors: FieldError[] = validateField("customFields.industry", "Mining", { customFields });
const key: string = lookupKey("phone", "+1-555-0123");
const problemCode: ProblemCode | undefined = errors[0]?.code;
const omitted: number | undefined = verdict.ok ? undefined : verdict.errors_omitted;
void errors; void key; void problemCode; void omitted;
const validator = new Validator({ customFields, mode: "update", lookupBy: "contact_id" });
const again: Verdict = validator.validateContact(contact);
const fieldErrors: FieldError[] = validator.validateField("firstName", "Jane");
void again; void fieldErrors;
validator.free();
// @ts-expect-error: not a problem code
const notACode: ProblemCode = "invalid";
void notACode;
// @ts-expect-error: not a mode
validateContact(contact, { mode: "create" });
// @ts-expect-error: not a lookup kind
lookupKey("fax", "1");
// @ts-expect-error: a contact field name is camelCase
const bad: Contact = { first_name: "Jane" };
void bad;
`;
  await writeFile(join(scratch, "consumer.ts"), src);
  const tsc = join(root, "node_modules", ".bin", "tsc");
  try {
    await run(tsc, ["--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022", "--lib", "es2022,dom", "consumer.ts"], { cwd: scratch });
  } catch (e) {
    assert.fail(`tsc failed:\n${e.stdout}${e.stderr}`);
  }
});

const PROBE = `
  const verdict = validateContact({ firstName: "Jane", primaryEmail: "jane@" });
  const field = validateField("customFields.industry", "Technology", { customFields: [{ tag: "industry", type: "select", options: ["Technology"] }] });
  window.result = { code: verdict.code, errors: verdict.errors, field, key: lookupKey("email", " A@B.io ") };
`;
const WANT = {
  code: "VALIDATION_ERROR",
  errors: [{ path: "contact.primaryEmail", code: "invalid_email", message: "not a valid e-mail address" }],
  field: [],
  key: "a@b.io",
};

async function inChromium(url) {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = pageErrors(page);
    await page.goto(url);
    await page.waitForFunction(() => window.result !== undefined || window.failure !== undefined, null, { timeout: 15_000 });
    assert.deepEqual(errors, []);
    return await page.evaluate(() => window.result ?? window.failure);
  } finally {
    await browser.close();
  }
}

test("a Vite build of an app that imports the package runs in Chromium", async () => {
  const app = join(scratch, "vite-app");
  await mkdir(app, { recursive: true });
  await writeFile(join(app, "index.html"), '<!doctype html><link rel="icon" href="data:,"><title>vite app</title><script type="module" src="./main.js"></script>\n');
  await writeFile(
    join(app, "main.js"),
    `import init, { validateContact, validateField, lookupKey } from "zyntro-contact";\nawait init();\n${PROBE}`,
  );
  const { build } = await import("vite");
  await build({ root: app, logLevel: "error", build: { outDir: join(scratch, "vite-dist"), emptyOutDir: true } });
  const assets = readdirSync(join(scratch, "vite-dist", "assets"));
  assert.ok(assets.some((f) => f.endsWith(".wasm")), `no .wasm among ${assets}`);
  const server = await serveStatic(join(scratch, "vite-dist"));
  try {
    assert.deepEqual(await inChromium(server.url + "/"), WANT);
  } finally {
    await server.stop();
  }
});

test("Vite's development server serves an app that imports the package", async () => {
  const app = join(scratch, "vite-app");
  const { createServer } = await import("vite");
  const server = await createServer({
    root: app,
    logLevel: "error",
    cacheDir: join(scratch, "vite-cache"),
    server: { host: "127.0.0.1", port: 0, strictPort: false },
  });
  await server.listen();
  try {
    assert.deepEqual(await inChromium(server.resolvedUrls.local[0]), WANT);
  } finally {
    await server.close();
  }
});

test("a page without a bundler loads the package with <script type=module> and await init()", async () => {
  await writeFile(
    join(scratch, "plain.html"),
    `<!doctype html><link rel="icon" href="data:,"><title>plain</title>
<script type="module">
  import init, { validateContact, validateField, lookupKey } from "./node_modules/zyntro-contact/zyntro_contact.js";
  await init();
  ${PROBE}
</script>\n`,
  );
  const server = await serveStatic(scratch);
  try {
    assert.deepEqual(await inChromium(server.url + "/plain.html"), WANT);
  } finally {
    await server.stop();
  }
});
