// The request's rules for the JavaScript validators the npm package is compared
// with: a JSON Schema for ajv and a zod 4 schema, both written to the contract
// (README "The API", crates/contact-core/src/fields.rs), including the rules JSON
// Schema can state: lengths in characters, no control characters, the phone shape
// and digit count, http(s) URLs, ISO country codes, tag limits, the custom fields of
// the organization, and the fields a mode requires. What they cannot do, and the
// package does: trimming and normalizing, "did you mean" messages, errors in the
// server's order and shape.
import { z } from "zod";

export const COUNTRIES = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW".split(" ");

// Single-line text refuses every control character; notes allow \t \n \r.
const SINGLE_LINE = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$";
const MULTI_LINE = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$";
// An optional +, digits with space - . ( ) between them, 7 to 15 digits.
const PHONE = "^(?=(?:[^0-9]*[0-9]){7,15}[^0-9]*$)\\+?[0-9(][0-9 ().-]*[0-9)]$";
const HTTP_URL = "^[hH][tT][tT][pP][sS]?://[^\\s/?#@]+([/?#]\\S*)?$";
const SECRET = (prefix) => `^${prefix}[0-9a-fA-F]{64}$`;

const CONTACT_TEXT = { firstName: 100, lastName: 100, roleLabel: 100, jobTitle: 150, source: 100, status: 50, addressLine1: 200, addressLine2: 200, city: 200, region: 200, postalCode: 20 };
const ENTITY_TEXT = { name: 200, label: 100, status: 50, industry: 100, city: 200 };

// ---- JSON Schema (draft 2020-12) for ajv ------------------------------------------

const nullable = (schema) => ({ ...schema, type: [schema.type, "null"] });
const text = (max, pattern = SINGLE_LINE) => nullable({ type: "string", maxLength: max, pattern });
const email = nullable({ type: "string", format: "email", maxLength: 254 });
const phone = nullable({ type: "string", pattern: PHONE });
const url = nullable({ type: "string", format: "uri", pattern: HTTP_URL, maxLength: 2048 });
const country = { enum: [...COUNTRIES, null] };

function customFieldSchema(def) {
  switch (def.type) {
    case "select": return { enum: [...def.options, null] };
    case "multiselect": return nullable({ type: "array", uniqueItems: true, items: { enum: def.options } });
    case "number": return nullable({ type: "number", minimum: def.min, maximum: def.max });
    case "boolean": return nullable({ type: "boolean" });
    case "date": return nullable({ type: "string", format: "date" });
    default: return nullable({ type: "string", maxLength: def.maxLength ?? 1000, pattern: def.pattern });
  }
}

/** The organization's custom fields as a JSON Schema object (not null). */
export function customFieldsSchema(customFields) {
  return {
    type: "object",
    additionalProperties: false,
    properties: Object.fromEntries(customFields.map((d) => [d.tag, customFieldSchema(d)])),
  };
}

export function jsonSchema(customFields) {
  const contact = {
    type: "object",
    additionalProperties: false,
    properties: {
      id: nullable({ type: "string", format: "uuid" }),
      ...Object.fromEntries(Object.entries(CONTACT_TEXT).map(([k, max]) => [k, text(max)])),
      primaryEmail: email,
      secondaryEmail: email,
      primaryPhone: phone,
      secondaryPhone: phone,
      website: url,
      linkedinUrl: url,
      country,
      notes: text(10000, MULTI_LINE),
      tags: nullable({ type: "array", maxItems: 50, items: { type: "string", minLength: 1, maxLength: 50, pattern: SINGLE_LINE } }),
      customFields: { anyOf: [{ type: "null" }, customFieldsSchema(customFields)] },
    },
  };
  const entity = {
    type: "object",
    additionalProperties: false,
    properties: {
      ...Object.fromEntries(Object.entries(ENTITY_TEXT).map(([k, max]) => [k, text(max)])),
      website: url,
      primaryEmail: email,
      primaryPhone: phone,
      country,
    },
  };
  const needs = (...fields) => ({ properties: { contact: { required: fields, properties: Object.fromEntries(fields.map((f) => [f, { type: "string", minLength: 1 }])) } } });
  const modeIs = (...modes) => (modes.includes("upsert")
    ? { anyOf: [{ not: { required: ["mode"] } }, { properties: { mode: { enum: modes } } }] }
    : { required: ["mode"], properties: { mode: { enum: modes } } });
  const lookupIs = (lookup) => (lookup === "email"
    ? { anyOf: [{ not: { required: ["lookup_by"] } }, { properties: { lookup_by: { const: "email" } } }] }
    : { required: ["lookup_by"], properties: { lookup_by: { const: lookup } } });
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    type: "object",
    additionalProperties: false,
    required: ["api_key", "developer_secret", "org_id", "member_id", "contact"],
    properties: {
      api_key: { type: "string", pattern: SECRET("zak_") },
      developer_secret: { type: "string", pattern: SECRET("zdk_") },
      org_id: { type: "string", format: "uuid" },
      member_id: { type: "string", format: "uuid" },
      mode: nullable({ type: "string", enum: ["insert", "update", "upsert", null] }),
      lookup_by: nullable({ type: "string", enum: ["email", "phone", "contact_id", null] }),
      skip_entity: nullable({ type: "boolean" }),
      debug: nullable({ type: "boolean" }),
      dry_run: nullable({ type: "boolean" }),
      contact,
      entity: { anyOf: [{ type: "null" }, entity] },
    },
    allOf: [
      // Creating needs firstName and primaryEmail (an upsert by contact_id never creates).
      { if: modeIs("insert"), then: needs("firstName", "primaryEmail") },
      { if: { allOf: [modeIs("upsert"), { not: lookupIs("contact_id") }] }, then: needs("firstName", "primaryEmail") },
      // Finding needs the lookup's field.
      { if: { allOf: [modeIs("update", "upsert"), lookupIs("email")] }, then: needs("primaryEmail") },
      { if: { allOf: [modeIs("update", "upsert"), lookupIs("phone")] }, then: needs("primaryPhone") },
      { if: { allOf: [modeIs("update", "upsert"), lookupIs("contact_id")] }, then: needs("id") },
    ],
  };
}

// ---- zod 4 -------------------------------------------------------------------------

const zText = (max, pattern = SINGLE_LINE) => z.string().max(max).regex(new RegExp(pattern)).nullish();
const zEmail = z.email().max(254).nullish();
const zPhone = z.string().regex(new RegExp(PHONE)).nullish();
const zUrl = z.url().max(2048).regex(new RegExp(HTTP_URL)).nullish();
const zCountry = z.enum(COUNTRIES).nullish();

function zCustomField(def) {
  switch (def.type) {
    case "select": return z.enum(def.options).nullish();
    case "multiselect": return z.array(z.enum(def.options)).refine((a) => new Set(a).size === a.length).nullish();
    case "number": {
      let n = z.number();
      if (def.min !== undefined) n = n.min(def.min);
      if (def.max !== undefined) n = n.max(def.max);
      return n.nullish();
    }
    case "boolean": return z.boolean().nullish();
    case "date": return z.iso.date().nullish();
    default: return def.pattern ? z.string().max(def.maxLength ?? 1000).regex(new RegExp(`^(?:${def.pattern})$`)).nullish() : z.string().max(def.maxLength ?? 1000).nullish();
  }
}

export function zodSchema(customFields) {
  const contact = z.strictObject({
    id: z.uuid().nullish(),
    ...Object.fromEntries(Object.entries(CONTACT_TEXT).map(([k, max]) => [k, zText(max)])),
    primaryEmail: zEmail,
    secondaryEmail: zEmail,
    primaryPhone: zPhone,
    secondaryPhone: zPhone,
    website: zUrl,
    linkedinUrl: zUrl,
    country: zCountry,
    notes: zText(10000, MULTI_LINE),
    tags: z.array(z.string().min(1).max(50).regex(new RegExp(SINGLE_LINE))).max(50).nullish(),
    customFields: z.strictObject(Object.fromEntries(customFields.map((d) => [d.tag, zCustomField(d)]))).nullish(),
  });
  const entity = z.strictObject({
    ...Object.fromEntries(Object.entries(ENTITY_TEXT).map(([k, max]) => [k, zText(max)])),
    website: zUrl,
    primaryEmail: zEmail,
    primaryPhone: zPhone,
    country: zCountry,
  });
  return z
    .strictObject({
      api_key: z.string().regex(new RegExp(SECRET("zak_"))),
      developer_secret: z.string().regex(new RegExp(SECRET("zdk_"))),
      org_id: z.uuid(),
      member_id: z.uuid(),
      mode: z.enum(["insert", "update", "upsert"]).nullish(),
      lookup_by: z.enum(["email", "phone", "contact_id"]).nullish(),
      skip_entity: z.boolean().nullish(),
      debug: z.boolean().nullish(),
      dry_run: z.boolean().nullish(),
      contact,
      entity: entity.nullish(),
    })
    .check((ctx) => {
      const body = ctx.value;
      const mode = body.mode ?? "upsert";
      const lookup = body.lookup_by ?? "email";
      const required = new Set();
      if (mode === "insert" || (mode === "upsert" && lookup !== "contact_id")) {
        required.add("firstName");
        required.add("primaryEmail");
      }
      if (mode !== "insert") required.add({ email: "primaryEmail", phone: "primaryPhone", contact_id: "id" }[lookup]);
      for (const field of required) {
        if (typeof body.contact[field] !== "string" || body.contact[field] === "") {
          ctx.issues.push({ code: "custom", path: ["contact", field], message: `${field} is required`, input: body.contact[field] });
        }
      }
    });
}
