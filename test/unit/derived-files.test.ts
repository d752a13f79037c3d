import { readFileSync } from "node:fs";
import Ajv from "ajv";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  generateJsonSchema,
  generateReference,
  JSON_SCHEMA_PATH,
  REFERENCE_PATH,
} from "../../functions/core/rules/derive-schema";

function committed(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return `(${path} is missing)`;
  }
}

describe("derived files", () => {
  it.each([
    [JSON_SCHEMA_PATH, generateJsonSchema],
    [REFERENCE_PATH, generateReference],
  ])("%s matches rule-schema.ts", (path, generate) => {
    // toBe would print a huge diff; the instruction is what matters.
    const current = committed(path) === generate();
    expect(current, `${path} is stale: run npm run schema and commit the result`).toBe(true);
  });

  it("generates the same text every time", () => {
    expect(generateJsonSchema()).toBe(generateJsonSchema());
    expect(generateReference()).toBe(generateReference());
  });

  it("produces a JSON Schema that a strict validator accepts and that accepts a valid rule file", () => {
    const ajv = new Ajv({ allErrors: true, strict: true });
    const validate = ajv.compile(JSON.parse(generateJsonSchema()));
    const file = parse(readFileSync("test/fixtures/rules-valid/settings.yaml", "utf8"));
    expect(validate(file), JSON.stringify(validate.errors)).toBe(true);
    expect(
      validate({
        version: 1,
        grading: { default: "C", rules: [{ id: "x", grade: "A", when: { not: { field: "a" } } }] },
      }),
    ).toBe(false);
  });

  it("documents every section of the rule language", () => {
    const reference = generateReference();
    for (const section of [
      "version",
      "settings",
      "calendar",
      "funnels",
      "grading",
      "distribution",
      "pools",
      "cold",
      "alerts",
      "reports",
      "schedules",
    ]) {
      expect(reference).toContain(`\n## ${section}\n`);
    }
    expect(reference).toContain("| `stages[].maxDwell` | duration |  |");
  });
});
