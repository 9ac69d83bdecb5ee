// The request schema ajv compiles: openapi.yaml's `AddContactRequest`, with the
// organization's custom fields in place of the generic `CustomFields` schema (the
// spec cannot know an organization's definitions; a client that does puts them in,
// so that ajv checks what the package checks). Without openapi.yaml, the schema
// written from the contract in schemas.mjs.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import { jsonSchema, customFieldsSchema } from "./schemas.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export function ajvRequestSchema(customFields) {
  const spec = join(root, "openapi.yaml");
  if (existsSync(spec)) {
    const { components } = parse(readFileSync(spec, "utf8"));
    if (components?.schemas?.AddContactRequest) {
      components.schemas.CustomFields = customFieldsSchema(customFields);
      return {
        schema: { $schema: "https://json-schema.org/draft/2020-12/schema", components, $ref: "#/components/schemas/AddContactRequest" },
        source: "openapi.yaml (AddContactRequest, the seed's custom fields in place of CustomFields)",
      };
    }
  }
  return { schema: jsonSchema(customFields), source: "the contract (benches/node/schemas.mjs)" };
}

/** A contact alone, as `validateContact` checks it for an upsert by e-mail: openapi.yaml's
 * `Contact` with the fields needed to create required and not blank. */
export function ajvContactSchema(customFields) {
  const { schema } = ajvRequestSchema(customFields);
  const needed = { type: "string", pattern: "\\S" };
  if (schema.components) {
    return {
      $schema: schema.$schema,
      components: schema.components,
      allOf: [{ $ref: "#/components/schemas/Contact" }, { required: ["firstName", "primaryEmail"], properties: { firstName: needed, primaryEmail: needed } }],
    };
  }
  const contact = schema.properties.contact;
  return { $schema: schema.$schema, allOf: [contact, { required: ["firstName", "primaryEmail"], properties: { firstName: needed, primaryEmail: needed } }] };
}
