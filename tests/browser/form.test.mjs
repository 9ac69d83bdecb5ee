// The contact form in www/ in headless Chromium, served with the Worker by
// `wrangler dev` on a fresh local D1 exactly as the README's run command serves it:
// type an invalid e-mail and see its message, fix it and see it go, choose custom
// field options, submit and see "created", submit again and see "updated", and see a
// server error next to its field. Screenshots go to tests/output/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdir, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { startServer, root } from "../support/server.mjs";
import { serveStatic } from "../support/static.mjs";
import { launchChromium, pageErrors } from "../support/browser.mjs";

const output = join(root, "tests", "output");
let server;
let browser;

before(async () => {
  await mkdir(output, { recursive: true });
  server = await startServer({ runtime: "wrangler" });
  // One field of every other type beside the demo's two selects.
  const org = server.demo.org_id;
  const add = (...args) => server.admin("custom-field", "add", "--org", org, ...args);
  await add("--tag", "interests", "--type", "multiselect", "--option", "Product", "--option", "Pricing", "--option", "Support");
  await add("--tag", "renewal_date", "--type", "date");
  await add("--tag", "seats", "--type", "number", "--min", "1", "--max", "500");
  await add("--tag", "newsletter", "--type", "boolean");
  await add("--tag", "account_code", "--type", "text", "--max-length", "12", "--pattern", "[A-Z]{3}-[0-9]{4}");
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** The policy www/_headers gives the form's static assets. */
const CSP =
  "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * Opens the form. Every Content-Security-Policy violation of the page is recorded
 * (`violations()`), also those the console would not show; a page served by the
 * Worker's site must carry the policy, so every test below runs under it.
 */
async function openForm(url, viewport = { width: 1280, height: 900 }) {
  const page = await browser.newPage({ viewport });
  const errors = pageErrors(page);
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener("securitypolicyviolation", (e) =>
      window.__violations.push(`${e.effectiveDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`),
    );
  });
  const response = await page.goto(url);
  if (url.startsWith(server.url)) assert.equal(response.headers()["content-security-policy"], CSP);
  await page.waitForSelector("#submit:not([disabled])");
  const violations = () => page.evaluate(() => window.__violations);
  return { page, errors, violations, response };
}

/** The text of a field's message, or null when none is shown. */
async function message(page, id) {
  const box = page.locator(`#${id}-error`);
  return (await box.isVisible()) ? (await box.textContent()).trim() : null;
}

test("the form: type, fix, choose, submit, created, updated", async () => {
  const { page, errors, violations } = await openForm(server.url + "/");

  // The development panel is there, filled from GET /dev/demo.
  assert.equal(await page.locator("#dev-panel").isVisible(), true);
  assert.equal(await page.inputValue("#cred-org_id"), server.demo.org_id);
  assert.equal(await page.inputValue("#cred-api_key"), server.demo.api_key);
  assert.equal(await page.getAttribute("#cred-api_key", "type"), "password");

  // Custom fields render from the organization's definitions.
  assert.deepEqual(await page.locator("#custom-industry option").allTextContents(), [
    "Not set", "Technology", "Finance", "Healthcare", "Retail", "Manufacturing", "Education", "Other",
  ]);
  assert.equal(await page.locator("#custom-interests input[type=checkbox]").count(), 3);
  assert.equal(await page.getAttribute("#custom-renewal_date", "type"), "date");
  assert.deepEqual(await page.locator("#custom-newsletter option").allTextContents(), ["Not set", "Yes", "No"]);
  assert.match(await page.textContent("#custom-account_code-hint"), /Up to 12 characters, matching \[A-Z\]\{3\}-\[0-9\]\{4\}/);

  // An invalid e-mail: its message appears next to it, wired for assistive technology.
  await page.fill("#contact-primaryEmail", "jane.smith@");
  await page.waitForSelector("#contact-primaryEmail-error:visible");
  assert.equal(await message(page, "contact-primaryEmail"), "Not a valid e-mail address");
  assert.equal(await page.getAttribute("#contact-primaryEmail", "aria-invalid"), "true");
  assert.match(await page.getAttribute("#contact-primaryEmail", "aria-describedby"), /contact-primaryEmail-error/);
  await page.screenshot({ path: join(output, "form-invalid-email.png"), fullPage: true });

  // Fixed: the message goes.
  await page.fill("#contact-primaryEmail", "jane.smith@acme.com");
  await page.waitForSelector("#contact-primaryEmail-error", { state: "hidden" });
  assert.equal(await page.getAttribute("#contact-primaryEmail", "aria-invalid"), "false");

  // Submitting without a first name: the summary names it and takes the focus.
  await page.click("#submit");
  await page.waitForSelector("#summary:visible");
  assert.match(await page.textContent("#summary"), /First name: FirstName is required/);
  assert.equal(await page.evaluate(() => document.activeElement.id), "summary");
  assert.equal(await message(page, "contact-firstName"), "FirstName is required");

  // Filling it clears its message at once, now that the form has been submitted.
  await page.fill("#contact-firstName", "Jane");
  await page.waitForSelector("#contact-firstName-error", { state: "hidden" });
  await page.fill("#contact-lastName", "Smith");
  await page.fill("#contact-primaryPhone", "+1-555-0123");
  await page.fill("#contact-country", "us");
  for (const tag of ["prospect", "enterprise", "Prospect"]) {
    await page.fill("#contact-tags", tag);
    await page.press("#contact-tags", "Enter");
  }
  await page.selectOption("#custom-industry", "Technology");
  await page.selectOption("#custom-company_size", "50-200");
  await page.check("#custom-interests >> text=Pricing");
  await page.fill("#entity-name", "Acme Corp");

  // The preview is the normalized request: country upper-case, the repeated tag gone.
  await page.waitForSelector("#preview-status.pill-ok");
  const preview = JSON.parse(await page.textContent("#preview"));
  assert.equal(preview.contact.country, "US");
  assert.deepEqual(preview.contact.tags, ["prospect", "enterprise"]);
  assert.deepEqual(preview.contact.customFields, { industry: "Technology", company_size: "50-200", interests: ["Pricing"] });
  assert.equal(preview.org_id, server.demo.org_id);
  const pageText = await page.textContent("body");
  assert.ok(!pageText.includes(server.demo.developer_secret) && !pageText.includes(server.demo.api_key), "a secret is on the page");

  await page.click("#submit");
  await page.waitForSelector('#result[data-action="created"]');
  assert.match(await page.textContent("#result"), /Contact created/);
  assert.match(await page.textContent("#result"), /created and linked/);
  await page.screenshot({ path: join(output, "form-created.png"), fullPage: true });

  await page.fill("#contact-jobTitle", "CTO");
  await page.click("#submit");
  await page.waitForSelector('#result[data-action="updated"]');
  assert.match(await page.textContent("#result"), /Contact updated/);
  await page.screenshot({ path: join(output, "form-updated.png"), fullPage: true });

  const rows = await server.sql(
    `SELECT first_name, job_title, country, tags, custom_fields FROM contacts WHERE org_id = '${server.demo.org_id}'`,
  );
  assert.equal(rows.length, 1);
  assert.equal(rows[0].job_title, "CTO");
  assert.equal(rows[0].country, "US");
  assert.deepEqual(JSON.parse(rows[0].tags), ["prospect", "enterprise"]);
  assert.deepEqual(JSON.parse(rows[0].custom_fields), { industry: "Technology", company_size: "50-200", interests: ["Pricing"] });

  // Create only, for a contact that now exists: the server's answer is shown.
  await page.check("input[name=mode][value=insert]");
  await page.click("#submit");
  await page.waitForSelector('#result[data-action="error"]');
  assert.match(await page.textContent("#result"), /CONTACT_EXISTS/);

  // Chromium logs every 4xx answer; that one was the point.
  assert.deepEqual(errors.filter((e) => !e.includes("status of 409")), []);
  assert.deepEqual(await violations(), []);
  await page.close();
});

test("a server error is shown next to its field", async () => {
  const { page, errors, violations } = await openForm(server.url + "/");
  await page.fill("#contact-firstName", "Ann");
  await page.fill("#contact-primaryEmail", "ann@acme.com");
  await page.fill("#custom-account_code", "ACM-0001");
  // The organization drops the field after the page loaded its definitions.
  await server.sql(`DELETE FROM custom_fields WHERE org_id = '${server.demo.org_id}' AND tag = 'account_code'`);
  await page.click("#submit");
  await page.waitForSelector('#result[data-action="error"]');
  assert.match(await page.textContent("#result"), /CUSTOM_FIELD_ERROR/);
  assert.match(await message(page, "custom-account_code"), /^Unknown custom field/);
  assert.equal(await page.getAttribute("#custom-account_code", "aria-invalid"), "true");

  // A key of the issued form that matches no key: only the server can tell.
  await page.fill("#custom-account_code", "");
  await page.fill("#cred-api_key", `zak_${"ab".repeat(32)}`);
  await page.click("#submit");
  await page.waitForSelector('#result[data-action="error"] >> text=INVALID_API_KEY');
  assert.equal(await message(page, "cred-api_key"), "Invalid API key");
  assert.equal(await message(page, "custom-account_code"), null);
  // Chromium logs every 4xx answer; those were the point.
  assert.deepEqual(errors.filter((e) => !/status of 40[13]/.test(e)), []);
  assert.deepEqual(await violations(), []);
  await page.close();
});

test("on a phone the form is one readable column", async () => {
  const { page, errors, violations } = await openForm(server.url + "/", { width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(overflow, 0, "the page scrolls sideways");
  const first = await page.locator("#contact-firstName").boundingBox();
  const last = await page.locator("#contact-lastName").boundingBox();
  assert.ok(last.y > first.y, "name fields should stack");
  assert.ok(first.width > 300, `inputs should span the screen (${first.width}px)`);
  await page.fill("#contact-primaryEmail", "jane@");
  await page.waitForSelector("#contact-primaryEmail-error:visible");
  await page.screenshot({ path: join(output, "form-phone.png"), fullPage: true });
  assert.deepEqual(errors, []);
  assert.deepEqual(await violations(), []);
  await page.close();
});

test("deployed, without /dev/demo, the page has no panel and sends nothing", async () => {
  // The same files served statically: GET /dev/demo is a 404, as on a deployed site.
  const site = await serveStatic(join(root, "www"));
  try {
    const { page, errors } = await openForm(site.url + "/");
    assert.equal(await page.locator("#dev-panel").isVisible(), false);
    assert.equal(await page.locator("#custom-card").isVisible(), false);
    assert.equal(await page.textContent("#submit"), "Check contact");
    const requests = [];
    page.on("request", (r) => requests.push(r.url()));
    await page.fill("#contact-firstName", "Jane");
    await page.fill("#contact-primaryEmail", "jane@acme.com");
    await page.click("#submit");
    await page.waitForSelector('#result[data-action="valid"]');
    assert.deepEqual(requests.filter((u) => u.includes("/apis/")), []);
    const preview = JSON.parse(await page.textContent("#preview"));
    assert.equal(preview.org_id, "YOUR_ORG_ID");
    assert.ok(!("api_key" in preview) && !("developer_secret" in preview));
    // Not an error of the page: the probe for the development panel.
    assert.deepEqual(errors.filter((e) => !e.includes("404")), []);
    await page.close();
  } finally {
    await site.stop();
  }
});

test("the form is served with a strict Content-Security-Policy and works under it", async () => {
  const { page, errors, violations, response } = await openForm(server.url + "/");
  const headers = response.headers();
  assert.equal(headers["content-security-policy"], CSP);
  assert.equal(headers["x-content-type-options"], "nosniff");
  assert.equal(headers["x-frame-options"], "DENY");
  assert.equal(headers["referrer-policy"], "no-referrer");
  // Every module of the page is preloaded (so that none waits for another to be
  // fetched), and each, the stylesheet and the wasm module carry the same headers.
  const html = await readFile(join(root, "www", "index.html"), "utf8");
  const preloaded = [...html.matchAll(/<link rel="modulepreload" href="\.(\/[^"]+)">/g)].map((m) => m[1]).sort();
  const modules = (await readdir(join(root, "www", "form"))).map((f) => `/form/${f}`);
  assert.deepEqual(preloaded, ["/pkg/zyntro_contact.js", ...modules].sort());
  for (const path of ["/app.js", "/style.css", "/pkg/zyntro_contact_bg.wasm", ...modules]) {
    const asset = await fetch(server.url + path);
    await asset.arrayBuffer();
    assert.equal(asset.status, 200, path);
    assert.equal(asset.headers.get("content-security-policy"), CSP, path);
    assert.equal(asset.headers.get("x-content-type-options"), "nosniff", path);
  }
  // The wasm module and the API are reached under the policy: a checked field and a submit.
  await page.fill("#contact-firstName", "Csp");
  await page.fill("#contact-primaryEmail", "not-an-email");
  await page.waitForSelector("#contact-primaryEmail-error:visible");
  await page.fill("#contact-primaryEmail", `csp.${Date.now()}@example.com`);
  await page.click("#submit");
  await page.waitForSelector('#result[data-action="created"]');
  assert.deepEqual(await violations(), []);
  assert.deepEqual(errors, []);
  // The policy is enforced and the listener hears it: an image from elsewhere is refused.
  await page.evaluate(() => {
    const img = document.createElement("img");
    img.src = "https://example.invalid/pixel.png";
    document.body.append(img);
  });
  await page.waitForFunction(() => window.__violations.length > 0);
  assert.match((await violations())[0], /^img-src https:\/\/example\.invalid\/pixel\.png /);
  await page.close();
  // The headers file configures the assets; it is not one of them: the path falls
  // through to the Worker, which knows no such endpoint.
  const raw = await fetch(server.url + "/_headers");
  assert.equal(raw.status, 404);
  assert.equal(raw.headers.get("x-content-type-options"), "nosniff");
  assert.equal(raw.headers.get("content-security-policy"), null);
  const body = await raw.json();
  assert.equal(body.code, "NOT_FOUND");
  assert.equal(body.message, "No endpoint at /_headers; the API is POST /apis/v2/public/crm/addContactsFull");
});

test("the form has an input for every field of the contract, and the contract's modes and lookups", async () => {
  const contract = JSON.parse(execFileSync("cargo", ["run", "-q", "-p", "contact-core", "--example", "contract"], { cwd: root, encoding: "utf8" }));
  const html = await readFile(join(root, "www", "index.html"), "utf8");
  const paths = new Set([...html.matchAll(/data-path="([^"]+)"/g)].map((m) => m[1]));
  // Custom fields are rendered from the organization's definitions.
  const want = [
    ...contract.contact_fields.filter((f) => f.rule.type !== "custom_fields").map((f) => `contact.${f.name}`),
    ...contract.entity_fields.map((f) => `entity.${f.name}`),
    ...contract.top_level_keys.filter((k) => !["contact", "entity", "debug", "dry_run"].includes(k)),
  ];
  assert.deepEqual(want.filter((p) => !paths.has(p)), []);
  assert.deepEqual([...paths].filter((p) => !want.includes(p)), []);
  // The mode is a group of radio buttons, the lookup a select.
  const modes = [...html.matchAll(/name="mode" value="([^"]+)"/g)].map((m) => m[1]).sort();
  assert.deepEqual(modes, [...contract.modes].sort());
  const lookupSelect = html.slice(html.indexOf('data-path="lookup_by"'));
  const lookups = [...lookupSelect.slice(0, lookupSelect.indexOf("</select>")).matchAll(/value="([^"]+)"/g)].map((m) => m[1]).sort();
  assert.deepEqual(lookups, contract.lookups.map((l) => l.name).sort());
});
