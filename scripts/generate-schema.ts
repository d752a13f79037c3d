// `npm run schema`: rewrites the files derived from functions/core/rules/rule-schema.ts.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import {
  generateJsonSchema,
  generateReference,
  JSON_SCHEMA_PATH,
  REFERENCE_PATH,
} from "../functions/core/rules/derive-schema";

for (const [path, text] of [
  [JSON_SCHEMA_PATH, generateJsonSchema()],
  [REFERENCE_PATH, generateReference()],
] as const) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  console.log(`wrote ${path}`);
}
