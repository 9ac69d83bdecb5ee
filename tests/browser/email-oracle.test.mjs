// The contract's e-mail rule is the WHATWG "valid e-mail address" grammar, which is
// what a browser's <input type=email> accepts, plus RFC 5321 length limits. So the
// browser is an oracle: for every address below, the package's verdict must equal
// Chromium's own, except where a length limit decides (then the package refuses
// with `email_too_long` and the browser, which has no such limit, accepts), and for
// non-ASCII white space around an address, which only the API trims (see below).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { root } from "../support/server.mjs";
import { serveStatic } from "../support/static.mjs";
import { launchChromium, pageErrors } from "../support/browser.mjs";

const label63 = "a".repeat(63);
const UNICODE_SPACED = {
  "\u00a0nbsp@example.com": "nbsp@example.com",
  "em.space@example.com\u2003": "em.space@example.com",
  "\u3000ideographic@example.com\u2029": "ideographic@example.com",
};
const ADDRESSES = [
  // Plainly valid, and valid in odd ways the grammar allows.
  "simple@example.com",
  "very.common@example.com",
  "x@example.com",
  "long.email-address-with-hyphens@and.subdomains.example.com",
  "user.name+tag+sorting@example.com",
  "name/surname@example.com",
  "admin@example",
  "user@localhost",
  "example@s.example",
  "mailhost!username@example.org",
  "user%example.com@example.org",
  "user-@example.org",
  "#!$%&'*+-/=?^_`{}|~@example.org",
  ".leading.dot@example.com",
  "trailing.dot.@example.com",
  "two..dots@example.com",
  "user@123",
  "user@1.2.3.4",
  "user@EXAMPLE.COM",
  "USER@example.com",
  "a.b-c_d@e-f.gh",
  "user@xn--bcher-kva.example",
  `x@${label63}.com`,
  `x@${label63}.${label63}.com`,
  "1@2",
  // Invalid by the grammar.
  "",
  "plainaddress",
  "@example.com",
  "user@",
  "user@@example.com",
  "A@b@c@example.com",
  "Abc.example.com",
  "postmaster@[123.123.123.123]",
  "postmaster@[IPv6:2001:db8::1]",
  '"john..doe"@example.org',
  '" "@example.org',
  'just"not"right@example.com',
  'a"b(c)d,e:f;g<h>i[j\\k]l@example.com',
  "this is not allowed@example.com",
  "i.like.underscores@but_they_are_not_allowed_in_this_part",
  "user@-leading.com",
  "user@trailing-.com",
  "user@a..b",
  "user@.com",
  "user@com.",
  "user@exa mple.com",
  "user@exam_ple.com",
  `x@${"a".repeat(64)}.com`,
  "user@bücher.example",
  "üñîçøðé@example.com",
  "user(comment)@example.com",
  "user@example.com (Jane)",
  "Jane <user@example.com>",
  "user@example.com,other@example.com",
  "user@[127.0.0.1]",
  "user\\@example.com",
  "user@ex\u00e4mple.com",
  // Surrounding white space: both trim it (HTML strips ASCII white space from an
  // e-mail input's value; the contract trims every string).
  "  spaced@example.com  ",
  "tab@example.com\t",
  "newline@example.com\n",
  "zero.width@example.com\u200b",
  // Non-ASCII white space around an address: the contract trims strings of all
  // Unicode white space, HTML strips only ASCII white space from an e-mail input's
  // value. So the browser refuses these and the API accepts them (a pasted address
  // often carries a no-break space); they are compared with the browser's verdict on
  // the address without it.
  ...Object.keys(UNICODE_SPACED),
  // Over the RFC 5321 limits but valid by the grammar: not compared.
  `${"l".repeat(65)}@example.com`,
  `user@${Array(5).fill(label63).join(".")}`,
];

let site;
let browser;
before(async () => {
  site = await serveStatic(join(root, "www"));
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await site?.stop();
});

test("the package's e-mail verdict is the browser's <input type=email> verdict", async () => {
  const page = await browser.newPage();
  const errors = pageErrors(page);
  await page.goto(site.url + "/style.css"); // any same-origin document without scripts
  const verdicts = await page.evaluate(async ([addresses, spaced]) => {
    const { default: init, validateField } = await import("/pkg/zyntro_contact.js");
    await init();
    const input = document.createElement("input");
    input.type = "email";
    const browserSays = (value) => {
      input.value = value;
      return !input.validity.typeMismatch;
    };
    return addresses.map((address) => ({
      address,
      raw: browserSays(address),
      browser: browserSays(spaced[address] ?? address),
      codes: validateField("primaryEmail", address).map((e) => e.code),
    }));
  }, [ADDRESSES, UNICODE_SPACED]);
  assert.deepEqual(errors, []);

  let compared = 0;
  const mismatches = [];
  for (const { address, raw, browser: valid, codes } of verdicts) {
    if (address in UNICODE_SPACED) assert.equal(raw, false, `the browser now accepts ${JSON.stringify(address)}`);
    if (codes.includes("email_too_long")) {
      assert.equal(valid, true, `${JSON.stringify(address)} is over a length limit but also invalid by the grammar`);
      continue;
    }
    compared++;
    if (valid !== (codes.length === 0)) {
      mismatches.push(`${JSON.stringify(address)}: browser ${valid ? "accepts" : "refuses"}, package ${codes.length ? codes.join(",") : "accepts"}`);
    }
  }
  assert.equal(mismatches.length, 0, mismatches.join("\n"));
  assert.equal(compared, ADDRESSES.length - 2);
  await page.close();
});
