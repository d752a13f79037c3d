// `npx tsx functions/rule-tests/write-case-schema.ts`: rewrites schema/rule-tests.schema.json from
// functions/core/rule-tests/case-schema.ts (test/unit/rule-tests/case-schema.test.ts fails when the
// committed file is stale).
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { CASE_SCHEMA_PATH, generateCaseSchema } from "../core/rule-tests/case-schema";

mkdirSync(dirname(CASE_SCHEMA_PATH), { recursive: true });
writeFileSync(CASE_SCHEMA_PATH, generateCaseSchema());
console.log(`wrote ${CASE_SCHEMA_PATH}`);
