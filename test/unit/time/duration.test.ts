import { describe, expect, it } from "vitest";
import {
  DurationError,
  durationPattern,
  formatDuration,
  parseDuration,
  tryParseDuration,
} from "../../../functions/core/time/duration";

// Ajv compiles JSON Schema patterns with the "u" flag, so test the pattern the same way.
const schemaPattern = new RegExp(durationPattern, "u");

function errorOf(text: string): DurationError {
  try {
    parseDuration(text);
  } catch (error) {
    if (error instanceof DurationError) return error;
    throw error;
  }
  throw new Error(`expected "${text}" to be rejected`);
}

describe("parseDuration", () => {
  it.each([
    ["90m", 90, "minute"],
    ["36h", 36, "hour"],
    ["5d", 5, "day"],
    ["3bd", 3, "businessDay"],
    ["2w", 2, "week"],
    ["1.5d", 1.5, "day"],
    ["0.5h", 0.5, "hour"],
    ["2.25w", 2.25, "week"],
  ])("reads %s as %d %s", (text, amount, unit) => {
    expect(parseDuration(text)).toEqual({ amount, unit, text });
  });

  it("explains what a duration looks like when the unit is misspelt", () => {
    expect(() => parseDuration("5 dayz")).toThrow(
      new DurationError('"5 dayz" is not a duration (e.g. 5d, 36h, 3bd)'),
    );
  });

  it("throws an error named DurationError so callers can tell it apart", () => {
    const error = errorOf("soon");
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("DurationError");
    expect(error.message).toBe('"soon" is not a duration (e.g. 5d, 36h, 3bd)');
  });

  it.each(["0d", "0m", "0.0h", "0bd", "-2h", "-1bd"])(
    "rejects %s because the amount must be greater than zero",
    (text) => {
      expect(errorOf(text).message).toBe(
        `"${text}" is not a duration: the amount must be greater than zero (e.g. 5d, 36h, 3bd)`,
      );
    },
  );

  it("rejects fractional business days and suggests hours instead", () => {
    expect(errorOf("1.5bd").message).toBe(
      '"1.5bd" is not a duration: business days must be a whole number (e.g. 2bd, or use 36h)',
    );
  });

  it("rejects leading zeros so the schema pattern and the parser agree", () => {
    expect(errorOf("05d").message).toBe(
      '"05d" is not a duration: write the amount without leading zeros (e.g. 5d, 36h, 3bd)',
    );
  });

  it.each([
    "",
    "5",
    "d",
    "bd",
    "5 d",
    " 5d",
    "5d ",
    "5D",
    "1.d",
    ".5d",
    "5s",
    "5y",
    "1e3m",
    "3 bd",
  ])("rejects %j", (text) => {
    expect(errorOf(text).message).toMatch(/is not a duration/);
  });

  it("rejects durations longer than ten years as a likely typo", () => {
    expect(errorOf("3661d").message).toBe(
      '"3661d" is too long: durations are limited to 3660 days',
    );
    expect(errorOf("523w").message).toMatch(/too long/);
    expect(parseDuration("3660d").amount).toBe(3660);
    expect(parseDuration("87840h").amount).toBe(87_840);
  });
});

describe("tryParseDuration", () => {
  it("returns the duration when the text is valid", () => {
    expect(tryParseDuration("3bd")).toEqual({ amount: 3, unit: "businessDay", text: "3bd" });
  });

  it("returns undefined instead of throwing when the text is invalid", () => {
    expect(tryParseDuration("5 dayz")).toBeUndefined();
    expect(tryParseDuration("0d")).toBeUndefined();
  });
});

describe("formatDuration", () => {
  it.each(["90m", "36h", "5d", "3bd", "2w", "1.5d", "0.25h"])(
    "writes %s back unchanged",
    (text) => {
      expect(formatDuration(parseDuration(text))).toBe(text);
    },
  );

  it("writes a duration built in code in the short form", () => {
    expect(formatDuration({ amount: 4, unit: "businessDay", text: "" })).toBe("4bd");
  });
});

describe("durationPattern", () => {
  const samples = [
    "90m",
    "36h",
    "5d",
    "3bd",
    "2w",
    "1.5d",
    "0.5h",
    "10bd",
    "0d",
    "0bd",
    "1.5bd",
    "-2h",
    "05d",
    "5 dayz",
    "5D",
    ".5d",
    "",
  ];

  it.each(samples)("agrees with parseDuration on %j", (text) => {
    const parses = tryParseDuration(text) !== undefined;
    expect(schemaPattern.test(text)).toBe(parses);
  });
});
