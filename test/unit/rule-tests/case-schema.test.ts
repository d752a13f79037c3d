import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import Ajv from "ajv";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  CASE_SCHEMA_PATH,
  generateCaseSchema,
} from "../../../functions/core/rule-tests/case-schema";
import { DECISION_FIELDS } from "../../../functions/core/rule-tests/decision-fields";

const caseFiles = readdirSync("rules/tests")
  .filter((name) => name.endsWith(".yaml"))
  .map((name) => join("rules/tests", name));

describe("the rule-test case schema", () => {
  it(`${CASE_SCHEMA_PATH} matches case-schema.ts`, () => {
    const committed = readFileSync(CASE_SCHEMA_PATH, "utf8");
    expect(
      committed === generateCaseSchema(),
      `${CASE_SCHEMA_PATH} is stale: run npx tsx functions/rule-tests/write-case-schema.ts`,
    ).toBe(true);
  });

  it("is accepted by a strict validator and accepts every shipped case file", () => {
    const ajv = new Ajv({
      allErrors: true,
      strict: true,
      discriminator: true,
      allowUnionTypes: true,
    });
    const validate = ajv.compile(JSON.parse(readFileSync(CASE_SCHEMA_PATH, "utf8")));
    expect(caseFiles.length).toBeGreaterThanOrEqual(5);
    for (const file of caseFiles) {
      expect(
        validate(parse(readFileSync(file, "utf8"))),
        `${file}: ${JSON.stringify(validate.errors)}`,
      ).toBe(true);
    }
    expect(
      validate({
        cases: [
          {
            name: "x",
            rule: "grading.default",
            lead: { id: "L1", stage: "resource" },
            expect: [{ kind: "grade", grdae: "A" }],
          },
        ],
      }),
    ).toBe(false);
  });

  it("offers every decision kind an expectation may name, with the fields of each", () => {
    const schema = JSON.parse(generateCaseSchema());
    const branches = schema.definitions.expectation.oneOf as {
      properties: Record<string, { const?: string }>;
    }[];
    expect(branches.map((b) => b.properties.kind?.const)).toEqual(Object.keys(DECISION_FIELDS));
    const assign = branches.find((b) => b.properties.kind?.const === "assign");
    expect(Object.keys(assign?.properties ?? {})).toEqual([
      "kind",
      "times",
      "leadId",
      "repId",
      "pool",
      "via",
      "bonusUsed",
      "reason",
    ]);
  });
});

describe("every shipped case file", () => {
  it.each(caseFiles)("%s starts with a yaml-language-server schema line that resolves", (file) => {
    const first = readFileSync(file, "utf8").split("\n")[0] ?? "";
    const match = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
    expect(match, first).not.toBeNull();
    expect(resolve(dirname(file), match?.[1] ?? "")).toBe(resolve(CASE_SCHEMA_PATH));
  });
});
