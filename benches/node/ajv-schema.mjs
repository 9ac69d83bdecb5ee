// The request schema ajv compiles: the OpenAPI spec's (openapi.yaml) when the
// repository has one, else the one derived from the contract in schemas.mjs.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { jsonSchema } from "./schemas.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export function ajvRequestSchema(customFields) {
  if (existsSync(join(root, "openapi.yaml"))) {
    // Filled in once openapi.yaml lands.
  }
  return { schema: jsonSchema(customFields), source: "the contract (benches/node/schemas.mjs)" };
}
