import { DateTime } from "luxon";

/**
 * What a field holds. `auto` is for fields nothing declares a type for: CSV text that reads as
 * true/false or as a plain decimal number becomes one, anything else stays text.
 */
export type FieldType = "string" | "number" | "boolean" | "instant" | "auto";

export type Coerced = { value: unknown } | { error: string };

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** A number as a spreadsheet writes one: no leading zeros (zip codes, ids stay text), no exponent. */
const PLAIN_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?$/;
const TRUE = new Set(["true", "yes", "y", "1"]);
const FALSE = new Set(["false", "no", "n", "0"]);

/**
 * A CSV cell as the field's type. An empty cell is no value (`undefined`): the attribute is left
 * out. Instants without an offset are read in `timeZone` (the rules' calendar); a date alone is
 * the start of that day there. Every instant is stored as UTC ISO-8601 with milliseconds.
 */
export function coerceText(text: string, type: FieldType, timeZone: string): Coerced {
  if (text === "") return { value: undefined };
  switch (type) {
    case "string":
      return { value: text };
    case "number": {
      const trimmed = text.trim();
      const value = Number(trimmed);
      return NUMBER.test(trimmed) && Number.isFinite(value)
        ? { value }
        : { error: `${JSON.stringify(text)} is not a number` };
    }
    case "boolean": {
      const word = text.trim().toLowerCase();
      if (TRUE.has(word)) return { value: true };
      if (FALSE.has(word)) return { value: false };
      return { error: `${JSON.stringify(text)} is not true or false` };
    }
    case "instant":
      return parseInstant(text, timeZone);
    case "auto":
      return { value: autoValue(text) };
  }
}

/**
 * A JSON value checked against the field's type: JSON has its own types, so nothing is guessed
 * (the string "12" is not a number); only instants are normalised to UTC.
 */
export function checkJsonValue(value: unknown, type: FieldType, timeZone: string): Coerced {
  if (value === undefined || value === null) return { value: undefined };
  switch (type) {
    case "string":
      return typeof value === "string"
        ? { value: value === "" ? undefined : value }
        : { error: `${JSON.stringify(value)} is not text` };
    case "number":
      return typeof value === "number" && Number.isFinite(value)
        ? { value }
        : { error: `${JSON.stringify(value)} is not a number` };
    case "boolean":
      return typeof value === "boolean"
        ? { value }
        : { error: `${JSON.stringify(value)} is not true or false` };
    case "instant":
      return typeof value === "string"
        ? parseInstant(value, timeZone)
        : { error: `${JSON.stringify(value)} is not an ISO-8601 time${INSTANT_EXAMPLE}` };
    case "auto":
      return { value };
  }
}

const INSTANT_EXAMPLE = " (e.g. 2026-11-23T09:00:00Z or 2026-11-23)";

function parseInstant(text: string, timeZone: string): Coerced {
  const trimmed = text.trim();
  // "2026-11-23 09:00" (spreadsheets, HubSpot) is ISO-8601 with a space for the T.
  const iso = trimmed.replace(/^(\d{4}-\d{2}-\d{2}) (?=\d)/, "$1T");
  const parsed = /^\d{4}-\d{2}-\d{2}/.test(iso)
    ? DateTime.fromISO(iso, { zone: timeZone })
    : DateTime.invalid("not ISO");
  return parsed.isValid
    ? { value: new Date(parsed.toMillis()).toISOString() }
    : { error: `${JSON.stringify(text)} is not an ISO-8601 time${INSTANT_EXAMPLE}` };
}

function autoValue(text: string): unknown {
  if (text === "true" || text === "TRUE" || text === "True") return true;
  if (text === "false" || text === "FALSE" || text === "False") return false;
  if (PLAIN_NUMBER.test(text)) {
    const value = Number(text);
    // Long digit strings (ids, account numbers) would lose digits as numbers.
    if (Number.isSafeInteger(value) || (!Number.isInteger(value) && text.length <= 16))
      return value;
  }
  return text;
}
