import { DurationError, parseDuration } from "../time/duration";
import {
  CalendarSchema,
  ColdSchema,
  DistributionSchema,
  FunnelSchema,
  GradingSchema,
  SettingsSchema,
  StageSchema,
} from "./rule-schema";

/**
 * The kinds of text the rule language gives a fixed shape (durations, ids, grades …), recognised
 * by their schema pattern. Error messages and the reference both name a value by its kind instead
 * of showing ops staff a regular expression.
 */
export interface ValueKind {
  /** What the reference calls the type, e.g. "duration". */
  name: string;
  /** The message for a value that does not fit, given the value as shown to the reader. */
  invalid: (shown: string, examples: readonly string[]) => string;
  /** Used when the schema node itself gives no examples. */
  examples: readonly string[];
}

const LOCALE_KEY_PATTERN = "^[a-z]{2}(-[A-Z]{2})?$";

/** The parser knows why a duration-like value is wrong ("must be greater than zero", …). */
function durationProblem(shown: string): string {
  try {
    const value: unknown = JSON.parse(shown);
    if (typeof value === "string") parseDuration(value);
  } catch (error) {
    if (error instanceof DurationError) return error.message;
  }
  return `${shown} is not a duration (e.g. 5d, 36h, 3bd)`;
}

function eg(examples: readonly string[]): string {
  return examples.length > 0 ? ` (e.g. ${examples.join(", ")})` : "";
}

// Patterns are read from the schema, so a change there cannot silently detach a message.
const KINDS = new Map<string | undefined, ValueKind>([
  [
    StageSchema.properties.maxDwell.pattern,
    {
      name: "duration",
      // Always the same three examples: they show every kind of unit, whatever the field's own
      // examples are.
      invalid: durationProblem,
      examples: ["5d", "36h", "3bd"],
    },
  ],
  [
    FunnelSchema.properties.id.pattern,
    {
      name: "id",
      invalid: (shown, examples) =>
        `${shown} is not an id: use lower-case letters, digits and dashes${eg(examples)}`,
      examples: ["contacted"],
    },
  ],
  [
    DistributionSchema.properties.capacity.properties.maxPerStage.pattern,
    {
      name: "multiple",
      invalid: (shown, examples) => `${shown} is not a multiple${eg(examples)}`,
      examples: ["1x", "2x", "1.5x"],
    },
  ],
  [
    GradingSchema.properties.default.pattern,
    {
      name: "grade",
      invalid: (shown, examples) =>
        `${shown} is not a grade: use one capital letter${eg(examples)}`,
      examples: ["A"],
    },
  ],
  [
    ColdSchema.properties.returnTo.properties.grade.pattern,
    {
      name: "grade or keep",
      invalid: (shown, examples) =>
        `${shown} is not a grade: use one capital letter, or keep${eg(examples)}`,
      examples: ["C", "keep"],
    },
  ],
  [
    CalendarSchema.properties.holidays.items.pattern,
    {
      name: "date or date range",
      invalid: (shown, examples) => `${shown} is not a date or date range${eg(examples)}`,
      examples: ["2026-10-01", "2026-10-01..2026-10-07"],
    },
  ],
  [
    SettingsSchema.properties.currency.pattern,
    {
      name: "currency code",
      invalid: (shown, examples) =>
        `${shown} is not a currency code: use the three capital letters of ISO 4217${eg(examples)}`,
      examples: ["CNY"],
    },
  ],
  [
    SettingsSchema.properties.sender.pattern,
    {
      name: "email address",
      invalid: (shown, examples) => `${shown} is not an email address${eg(examples)}`,
      examples: ["funnel@example.com"],
    },
  ],
  [
    LOCALE_KEY_PATTERN,
    {
      name: "locale",
      invalid: (shown, examples) => `${shown} is not a locale${eg(examples)}`,
      examples: ["en", "zh-CN"],
    },
  ],
]);

export function kindOfPattern(pattern: string | undefined): ValueKind | undefined {
  return KINDS.get(pattern);
}
