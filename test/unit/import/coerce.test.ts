import { describe, expect, it } from "vitest";
import { checkJsonValue, coerceText } from "../../../functions/import/coerce";

const ZONE = "Asia/Shanghai";

describe("coerceText", () => {
  it("reads an empty cell as no value, whatever the type", () => {
    for (const type of ["string", "number", "boolean", "instant", "auto"] as const)
      expect(coerceText("", type, ZONE)).toEqual({ value: undefined });
  });

  it("keeps text as it is for text fields, digits and leading zeros included", () => {
    expect(coerceText("007", "string", ZONE)).toEqual({ value: "007" });
    expect(coerceText(" Acme ", "string", ZONE)).toEqual({ value: " Acme " });
  });

  it.each([
    ["12000", 12000],
    ["12000.50", 12000.5],
    [" 42 ", 42],
    ["-3", -3],
    ["1e3", 1000],
    [".5", 0.5],
  ])("reads %j as the number %d", (text, value) => {
    expect(coerceText(text, "number", ZONE)).toEqual({ value });
  });

  it.each(["lots", "1,000", "12k", "0x10", "Infinity", "1.2.3"])(
    "refuses %j as a number, quoting it",
    (text) => {
      expect(coerceText(text, "number", ZONE)).toEqual({
        error: `${JSON.stringify(text)} is not a number`,
      });
    },
  );

  it.each([
    ["true", true],
    ["TRUE", true],
    ["yes", true],
    ["1", true],
    ["false", false],
    ["No", false],
    ["0", false],
  ])("reads %j as the boolean %s", (text, value) => {
    expect(coerceText(text, "boolean", ZONE)).toEqual({ value });
  });

  it("refuses a word that is not true or false", () => {
    expect(coerceText("maybe", "boolean", ZONE)).toEqual({
      error: '"maybe" is not true or false',
    });
  });

  it.each([
    ["2026-11-23T01:00:00Z", "2026-11-23T01:00:00.000Z"],
    ["2026-11-23T09:00:00+08:00", "2026-11-23T01:00:00.000Z"],
    ["2026-11-23T09:00", "2026-11-23T01:00:00.000Z"],
    ["2026-11-23 09:00", "2026-11-23T01:00:00.000Z"],
    ["2026-11-23", "2026-11-22T16:00:00.000Z"],
  ])("reads %j as the UTC instant %s (no offset: the rules' time zone)", (text, value) => {
    expect(coerceText(text, "instant", ZONE)).toEqual({ value });
  });

  it.each(["next week", "11/23/2026", "2026-13-01", "23.11.2026"])(
    "refuses %j as an instant, with an example",
    (text) => {
      expect(coerceText(text, "instant", ZONE)).toEqual({
        error: `${JSON.stringify(text)} is not an ISO-8601 time (e.g. 2026-11-23T09:00:00Z or 2026-11-23)`,
      });
    },
  );

  it.each([
    ["true", true],
    ["FALSE", false],
    ["42", 42],
    ["-1.5", -1.5],
    ["0", 0],
    ["007", "007"],
    ["12345678901234567890", "12345678901234567890"],
    ["1e3", "1e3"],
    ["yes", "yes"],
    ["Acme", "Acme"],
  ])("guesses %j as %j for a field nothing declares", (text, value) => {
    expect(coerceText(text, "auto", ZONE)).toEqual({ value });
  });
});

describe("checkJsonValue", () => {
  it("takes values of the field's JSON type as they are", () => {
    expect(checkJsonValue(12, "number", ZONE)).toEqual({ value: 12 });
    expect(checkJsonValue(true, "boolean", ZONE)).toEqual({ value: true });
    expect(checkJsonValue("L1", "string", ZONE)).toEqual({ value: "L1" });
    expect(checkJsonValue(["a"], "auto", ZONE)).toEqual({ value: ["a"] });
  });

  it("guesses nothing: a number in a string is not a number", () => {
    expect(checkJsonValue("12", "number", ZONE)).toEqual({ error: '"12" is not a number' });
    expect(checkJsonValue(12, "string", ZONE)).toEqual({ error: "12 is not text" });
    expect(checkJsonValue("true", "boolean", ZONE)).toEqual({
      error: '"true" is not true or false',
    });
  });

  it("reads null as no value and normalises instants to UTC", () => {
    expect(checkJsonValue(null, "number", ZONE)).toEqual({ value: undefined });
    expect(checkJsonValue("2026-11-23T09:00:00+08:00", "instant", ZONE)).toEqual({
      value: "2026-11-23T01:00:00.000Z",
    });
  });
});
