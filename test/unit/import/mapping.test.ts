import { describe, expect, it } from "vitest";
import {
  builtInMapping,
  columnKey,
  MappingError,
  parseMapping,
  ruleFor,
} from "../../../functions/import/mapping";

describe("mapping files", () => {
  it("matches columns loosely: case, spaces and punctuation do not count", () => {
    expect(columnKey("Lead Source")).toBe(columnKey("LeadSource"));
    expect(columnKey("lead_source")).toBe("leadsource");
    const salesforce = builtInMapping("salesforce");
    expect(salesforce && ruleFor(salesforce, "LEAD SOURCE")).toEqual({ field: "source" });
  });

  it("lets a file's column replace the built-in one however it is spelt", () => {
    const mapping = parseMapping("m.json", {
      extends: "salesforce",
      columns: { status: { field: "stage", values: { Open: "new" } } },
    });
    expect(ruleFor(mapping, "Status")).toEqual({ field: "stage", values: { Open: "new" } });
    expect(mapping.otherColumns).toBe("ignore");
  });

  it("reads columns of a file without extends as field names unless told to ignore them", () => {
    expect(parseMapping("m.json", { columns: {} }).otherColumns).toBe("fields");
    expect(parseMapping("m.json", { otherColumns: "ignore" }).otherColumns).toBe("ignore");
  });

  it("reports every problem of a mapping file at once, with did-you-mean", () => {
    const attempt = () =>
      parseMapping("m.json", {
        extend: "salesforce",
        kind: "deals",
        columns: {
          A: { feild: "x" },
          B: { field: "amount", type: "int" },
          C: 5,
          D: "has space",
        },
        values: { stage: { Open: ["new"] } },
      });
    expect(attempt).toThrow(MappingError);
    try {
      attempt();
    } catch (error) {
      expect((error as MappingError).problems).toEqual([
        'extend: unknown key (did you mean "extends"?)',
        'kind: "deals" is not "leads" or "reps"',
        'columns.A.feild: unknown key (did you mean "field"?)',
        "columns.A.field: must be a field name or null",
        'columns.B.type: "int" is not one of string, number, boolean, instant, auto',
        "columns.C: must be a field name, null (leave the column out) or { field, type, values }",
        'columns.D: "has space" is not a field name (e.g. company, contact.phone)',
        "values.stage.Open: must be text, a number, true/false or null",
      ]);
      expect((error as Error).message.split("\n")[0]).toBe(
        'm.json: extend: unknown key (did you mean "extends"?)',
      );
    }
  });

  it("names the built-in mappings when extends names none of them", () => {
    expect(() => parseMapping("m.json", { extends: "salesforse" })).toThrow(
      'm.json: extends: "salesforse" is not a built-in mapping (salesforce, hubspot) (did you mean "salesforce"?)',
    );
  });
});
