// The request's rules for the JavaScript validators the npm package is compared
// with: a JSON Schema for ajv and a zod 4 schema, both built from the contract the
// core exports (`cargo run -q -p contact-core --example contract`), including the rules JSON
// Schema can state: lengths in characters, no control characters, the phone shape
// and digit count, http(s) URLs, ISO country codes, tag limits, the custom fields of
// the organization, and the fields a mode requires. What they cannot do, and the
// package does: trimming and normalizing, "did you mean" messages, errors in the
// server's order and shape.
import { z } from "zod";
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The contract as data: fields, rules, limits, required sets, codes, countries. */
export const CONTRACT = JSON.parse(
  execFileSync("cargo", ["run", "-q", "-p", "contact-core", "--example", "contract"], {
    cwd: join(dirname(fileURLToPath(import.meta.url)), "..", ".."),
    encoding: "utf8",
    maxBuffer: 1 << 24,
  }),
);
const LIMITS = CONTRACT.limits;
export const COUNTRIES = CONTRACT.countries;
const REQUIRED_TO_CREATE = CONTRACT.required_to_create;
const LOOKUP_FIELDS = Object.fromEntries(CONTRACT.lookups.map((l) => [l.name, l.field]));
const NOTES_MAX = CONTRACT.contact_fields.find((f) => f.name === "notes").rule.max_chars;


// Single-line text refuses every control character; notes allow \t \n \r.
const SINGLE_LINE = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$";
const MULTI_LINE = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$";
// An optional +, digits with space - . ( ) between them, 7 to 15 digits.
const PHONE = "^(?=(?:[^0-9]*[0-9]){7,15}[^0-9]*$)\\+?[0-9(][0-9 ().-]*[0-9)]$";
const HTTP_URL = "^[hH][tT][tT][pP][sS]?://[^\\s/?#@]+([/?#]\\S*)?$";
const SECRET = (prefix) => `^${prefix}[0-9a-fA-F]{64}$`;

/** The single-line text fields of a table, with their limits in characters. */
const textFields = (fields) =>
  Object.fromEntries(fields.filter((f) => f.rule.type === "text" && !f.rule.multiline).map((f) => [f.name, f.rule.max_chars]));
const CONTACT_TEXT = textFields(CONTRACT.contact_fields);
const ENTITY_TEXT = textFields(CONTRACT.entity_fields);

// ---- JSON Schema (draft 2020-12) for ajv ------------------------------------------

const nullable = (schema) => ({ ...schema, type: [schema.type, "null"] });
const text = (max, pattern = SINGLE_LINE) => nullable({ type: "string", maxLength: max, pattern });
const email = nullable({ type: "string", format: "email", maxLength: LIMITS.email_max_address_octets });
const phone = nullable({ type: "string", pattern: PHONE });
const url = nullable({ type: "string", format: "uri", pattern: HTTP_URL, maxLength: LIMITS.url_max_chars });
const country = { enum: [...COUNTRIES, null] };

function customFieldSchema(def) {
  switch (def.type) {
    case "select": return { enum: [...def.options, null] };
    case "multiselect": return nullable({ type: "array", uniqueItems: true, items: { enum: def.options } });
    case "number": return nullable({ type: "number", minimum: def.min, maximum: def.max });
    case "boolean": return nullable({ type: "boolean" });
    case "date": return nullable({ type: "string", format: "date" });
    default: return nullable({ type: "string", maxLength: def.maxLength ?? LIMITS.custom_text_default_max, pattern: def.pattern });
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
      notes: text(NOTES_MAX, MULTI_LINE),
      tags: nullable({ type: "array", maxItems: LIMITS.max_tags, items: { type: "string", minLength: 1, maxLength: LIMITS.max_tag_chars, pattern: SINGLE_LINE } }),
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
      { if: modeIs("insert"), then: needs(...REQUIRED_TO_CREATE) },
      { if: { allOf: [modeIs("upsert"), { not: lookupIs("contact_id") }] }, then: needs(...REQUIRED_TO_CREATE) },
      // Finding needs the lookup's field.
      { if: { allOf: [modeIs("update", "upsert"), lookupIs("email")] }, then: needs("primaryEmail") },
      { if: { allOf: [modeIs("update", "upsert"), lookupIs("phone")] }, then: needs("primaryPhone") },
      { if: { allOf: [modeIs("update", "upsert"), lookupIs("contact_id")] }, then: needs("id") },
    ],
  };
}

// ---- zod 4 -------------------------------------------------------------------------

const zText = (max, pattern = SINGLE_LINE) => z.string().max(max).regex(new RegExp(pattern)).nullish();
const zEmail = z.email().max(LIMITS.email_max_address_octets).nullish();
const zPhone = z.string().regex(new RegExp(PHONE)).nullish();
const zUrl = z.url().max(LIMITS.url_max_chars).regex(new RegExp(HTTP_URL)).nullish();
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
    default: return def.pattern ? z.string().max(def.maxLength ?? LIMITS.custom_text_default_max).regex(new RegExp(`^(?:${def.pattern})$`)).nullish() : z.string().max(def.maxLength ?? LIMITS.custom_text_default_max).nullish();
  }
}

function zodContact(customFields) {
  return z.strictObject({
    id: z.uuid().nullish(),
    ...Object.fromEntries(Object.entries(CONTACT_TEXT).map(([k, max]) => [k, zText(max)])),
    primaryEmail: zEmail,
    secondaryEmail: zEmail,
    primaryPhone: zPhone,
    secondaryPhone: zPhone,
    website: zUrl,
    linkedinUrl: zUrl,
    country: zCountry,
    notes: zText(NOTES_MAX, MULTI_LINE),
    tags: z.array(z.string().min(1).max(LIMITS.max_tag_chars).regex(new RegExp(SINGLE_LINE))).max(LIMITS.max_tags).nullish(),
    customFields: z.strictObject(Object.fromEntries(customFields.map((d) => [d.tag, zCustomField(d)]))).nullish(),
  });
}

/** A contact alone, as `validateContact` checks it for an upsert by e-mail: the
 * fields needed to create, present and not blank. */
export function zodContactSchema(customFields) {
  const present = z.string().regex(/\S/);
  return zodContact(customFields).safeExtend({
    firstName: present.max(CONTACT_TEXT.firstName),
    primaryEmail: z.email().max(LIMITS.email_max_address_octets),
  });
}

export function zodSchema(customFields) {
  const contact = zodContact(customFields);
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
        for (const field of REQUIRED_TO_CREATE) required.add(field);
      }
      if (mode !== "insert") required.add(LOOKUP_FIELDS[lookup]);
      for (const field of required) {
        if (typeof body.contact[field] !== "string" || body.contact[field] === "") {
          ctx.issues.push({ code: "custom", path: ["contact", field], message: `${field} is required`, input: body.contact[field] });
        }
      }
    });
}
