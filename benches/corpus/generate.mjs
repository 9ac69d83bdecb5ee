// Writes benches/corpus/requests.json: a fixed corpus of request bodies for the
// validation benchmarks, from a seeded generator (same seed, same bytes).
//
// Seed-like: shaped as the reference page's example (contact with names, e-mail,
// phone, role, source, status, tags, the seed organization's two custom fields,
// often an entity), with realistic optional fields (address, website, LinkedIn,
// notes of a few lines). Three in four are valid; each invalid one carries one
// clear-cut defect that every validator in the comparison can express (a bad
// e-mail, phone, country, URL, UUID, mode, an unknown key, a value too long, a
// wrong type, a tag list too long, a custom field option that is not defined, or a
// missing required field).
//
//   node benches/corpus/generate.mjs          # (re)writes requests.json
//   node benches/corpus/generate.mjs --check  # exits 1 if requests.json differs
import { readFileSync, writeFileSync } from "node:fs";

export const SEED = 5;
export const COUNT = 1000;
export const CUSTOM_FIELDS = [
  { tag: "industry", type: "select", options: ["Technology", "Finance", "Healthcare", "Retail"] },
  { tag: "company_size", type: "select", options: ["1-10", "11-50", "50-200", "201-1000", "1000+"] },
];

// mulberry32: small, fast, and the same on every machine.
function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (list) => list[Math.floor(next() * list.length)],
    chance: (p) => next() < p,
    hex: (n) => Array.from({ length: n }, () => "0123456789abcdef"[Math.floor(next() * 16)]).join(""),
  };
}

const FIRST = ["Jane", "John", "Maria", "Ahmed", "Wei", "Olga", "Lucas", "Aiko", "Fatima", "Liam", "Sofia", "Noah", "Chloé", "Mateo", "Priya", "Björn", "Zoë", "Kwame", "Ines", "Tomás"];
const LAST = ["Smith", "Johnson", "García", "Müller", "Chen", "Kowalski", "Okafor", "Tanaka", "Rossi", "Dubois", "Silva", "Nguyen", "O'Brien", "Haddad", "Novak", "Jensen", "Petrov", "Costa", "Yilmaz", "Andersson"];
const COMPANIES = ["Acme Corp", "Globex", "Initech", "Umbrella Health", "Stark Industries", "Wayne Enterprises", "Hooli", "Vandelay Imports", "Soylent Foods", "Tyrell Systems", "Cyberdyne", "Massive Dynamic", "Aperture Labs", "Wonka Retail", "Oscorp Finance"];
const DOMAINS = ["acme.com", "globex.io", "initech.net", "umbrella-health.org", "stark.co.uk", "wayne.example", "hooli.xyz", "vandelay.com", "soylent.food", "tyrell.ai"];
const TITLES = ["Chief Technology Officer", "Head of Procurement", "Sales Manager", "Software Engineer", "Operations Director", "Marketing Lead", "Account Executive", "VP Finance", "Product Manager", "Office Manager"];
const ROLES = ["Decision Maker", "Influencer", "Champion", "Gatekeeper", "End User", "Budget Holder"];
const SOURCES = ["API Import", "Web Form", "Trade Show", "Referral", "Cold Outreach", "Webinar"];
const STATUSES = ["Active", "Lead", "Prospect", "Customer", "Inactive"];
const TAGS = ["prospect", "enterprise", "smb", "newsletter", "vip", "q3-campaign", "partner", "renewal", "trial", "emea", "apac", "americas"];
const PLACES = [
  ["London", "England", "EC1A 1BB", "GB"], ["Berlin", "Berlin", "10115", "DE"], ["Paris", "Île-de-France", "75001", "FR"],
  ["New York", "NY", "10001", "US"], ["San Francisco", "CA", "94105", "US"], ["Toronto", "ON", "M5H 2N2", "CA"],
  ["Tokyo", "Tokyo", "100-0001", "JP"], ["São Paulo", "SP", "01000-000", "BR"], ["Lagos", "Lagos", "100001", "NG"],
  ["Sydney", "NSW", "2000", "AU"], ["Mumbai", "Maharashtra", "400001", "IN"], ["Stockholm", "Stockholm", "111 20", "SE"],
];
const STREETS = ["Main Street", "High Street", "Market Square", "Harbour Road", "Station Avenue", "Elm Street"];
const SENTENCES = [
  "Met at the spring trade show; interested in the enterprise plan.",
  "Asked for a follow-up call after the quarterly budget review.",
  "Prefers e-mail over phone. Time zone is two hours ahead of ours.",
  "Evaluating three vendors; decision expected by the end of the quarter.",
  "Referred by an existing customer in the same industry.",
  "Needs SSO and an audit log before signing.",
  "Downloaded the pricing sheet twice this week.",
  "Out of office until the 14th; copy the assistant on anything urgent.",
];

const uuid = (r) => `${r.hex(8)}-${r.hex(4)}-4${r.hex(3)}-${r.pick(["8", "9", "a", "b"])}${r.hex(3)}-${r.hex(12)}`;
const ascii = (s) => s.normalize("NFD").replace(/[^\x00-\x7f]/g, "").replace(/'/g, "");

function validRequest(r, org) {
  const first = r.pick(FIRST);
  const last = r.pick(LAST);
  const domain = r.pick(DOMAINS);
  const email = `${ascii(first).toLowerCase()}.${ascii(last).toLowerCase()}${r.chance(0.3) ? r.int(1, 99) : ""}@${domain}`;
  const contact = { firstName: first, lastName: last, primaryEmail: email };
  if (r.chance(0.7)) contact.primaryPhone = `+${r.int(1, 49)}-${r.int(200, 999)}-${r.int(100, 999)}-${r.int(1000, 9999)}`;
  if (r.chance(0.5)) contact.jobTitle = r.pick(TITLES);
  if (r.chance(0.6)) contact.roleLabel = r.pick(ROLES);
  contact.source = r.pick(SOURCES);
  contact.status = r.pick(STATUSES);
  if (r.chance(0.3)) contact.website = `https://www.${domain}/`;
  if (r.chance(0.3)) contact.linkedinUrl = `https://www.linkedin.com/in/${ascii(first).toLowerCase()}-${ascii(last).toLowerCase()}-${r.hex(6)}`;
  if (r.chance(0.4)) {
    const [city, region, postal, country] = r.pick(PLACES);
    contact.addressLine1 = `${r.int(1, 250)} ${r.pick(STREETS)}`;
    if (r.chance(0.3)) contact.addressLine2 = `Suite ${r.int(100, 900)}`;
    Object.assign(contact, { city, region, postalCode: postal, country });
  }
  if (r.chance(0.25)) contact.notes = Array.from({ length: r.int(1, 4) }, () => r.pick(SENTENCES)).join("\n");
  if (r.chance(0.8)) {
    const tags = new Set();
    for (let i = r.int(1, 4); i > 0; i--) tags.add(r.pick(TAGS));
    contact.tags = [...tags];
  }
  if (r.chance(0.7)) {
    contact.customFields = { industry: r.pick(CUSTOM_FIELDS[0].options) };
    if (r.chance(0.7)) contact.customFields.company_size = r.pick(CUSTOM_FIELDS[1].options);
  }
  const body = { api_key: org.api_key, developer_secret: org.developer_secret, org_id: org.org_id, member_id: org.member_id };
  const mode = r.next();
  if (mode < 0.15) body.mode = "insert";
  else if (mode < 0.25) body.mode = "update";
  else if (r.chance(0.5)) body.mode = "upsert";
  if (r.chance(0.1)) {
    body.lookup_by = "phone";
    contact.primaryPhone ??= `+1-555-${r.int(100, 999)}-${r.int(1000, 9999)}`;
  } else if (r.chance(0.4)) body.lookup_by = "email";
  body.contact = contact;
  if (r.chance(0.6)) {
    const entity = { name: r.pick(COMPANIES) };
    if (r.chance(0.5)) entity.label = "Company";
    entity.status = r.pick(["Active", "Prospect", "Customer"]);
    if (r.chance(0.5)) entity.website = `https://${domain}`;
    if (r.chance(0.3)) entity.industry = r.pick(CUSTOM_FIELDS[0].options);
    body.entity = entity;
  } else if (r.chance(0.1)) body.skip_entity = true;
  return body;
}

// One defect each, applied to a valid request.
const DEFECTS = [
  ["invalid_email", (b) => (b.contact.primaryEmail = b.contact.primaryEmail.replace("@", " at "))],
  ["invalid_email", (b) => (b.contact.primaryEmail = b.contact.primaryEmail.split("@")[0] + "@")],
  ["invalid_phone", (b) => (b.contact.primaryPhone = "555-01")],
  ["invalid_country", (b) => (b.contact.country = "UK")],
  ["invalid_url", (b) => (b.contact.website = "acme dot com")],
  ["unknown_field", (b) => (b.contact.first_name = b.contact.firstName)],
  ["unknown_field", (b) => (b.contact.favouriteColour = "teal")],
  ["too_long", (b) => (b.contact.firstName = "Jane".repeat(26))],
  ["too_long", (b) => (b.contact.postalCode = "1234567890123456789012")],
  ["invalid_type", (b) => (b.contact.tags = "prospect, enterprise")],
  ["invalid_type", (b) => (b.contact.lastName = 42)],
  ["too_many_items", (b) => (b.contact.tags = Array.from({ length: 51 }, (_, i) => `tag-${i}`))],
  ["invalid_option", (b) => (b.contact.customFields = { ...b.contact.customFields, industry: "Mining" })],
  ["invalid_uuid", (b) => (b.org_id = "YOUR_ORG_ID")],
  ["invalid_value", (b) => (b.mode = "merge")],
  ["required", (b) => { b.mode = "insert"; delete b.contact.firstName; }],
  ["invalid_type", (b) => (b.entity = "Acme Corp")],
  ["missing_contact", (b) => delete b.contact],
];

export function generate(seed = SEED, count = COUNT) {
  const r = rng(seed);
  // A few organizations, as a real tenant mix would send.
  const orgs = Array.from({ length: 4 }, () => ({
    api_key: `zak_${r.hex(64)}`,
    developer_secret: `zdk_${r.hex(64)}`,
    org_id: uuid(r),
    member_id: uuid(r),
  }));
  const items = [];
  for (let i = 0; i < count; i++) {
    const body = validRequest(r, r.pick(orgs));
    let defect = null;
    if (r.chance(0.25)) {
      const [name, apply] = r.pick(DEFECTS);
      // A defect needs the field it spoils; the phone and country ones add it.
      apply(body);
      defect = name;
    }
    items.push({ defect, body: JSON.stringify(body) });
  }
  return { seed, customFields: CUSTOM_FIELDS, items };
}

const path = new URL("./requests.json", import.meta.url);
if (import.meta.url === `file://${process.argv[1]}`) {
  const text = JSON.stringify(generate(), null, 0).replace(/\},\{"defect"/g, '},\n{"defect"') + "\n";
  if (process.argv.includes("--check")) {
    const same = readFileSync(path, "utf8") === text;
    if (!same) console.error("benches/corpus/requests.json differs from the generator's output");
    process.exit(same ? 0 : 1);
  }
  writeFileSync(path, text);
  const bytes = generate().items.map((i) => Buffer.byteLength(i.body));
  bytes.sort((a, b) => a - b);
  const invalid = generate().items.filter((i) => i.defect).length;
  console.log(`requests.json: ${bytes.length} bodies, ${invalid} with a defect; bytes min ${bytes[0]}, median ${bytes[bytes.length >> 1]}, max ${bytes[bytes.length - 1]}, total ${bytes.reduce((a, b) => a + b, 0)}`);
}
