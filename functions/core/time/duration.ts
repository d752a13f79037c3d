export type DurationUnit = "minute" | "hour" | "day" | "businessDay" | "week";

export type Duration = { amount: number; unit: DurationUnit; text: string };

export class DurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DurationError";
  }
}

const SUFFIX_BY_UNIT: Record<DurationUnit, string> = {
  minute: "m",
  hour: "h",
  day: "d",
  businessDay: "bd",
  week: "w",
};

const UNIT_BY_SUFFIX: Record<string, DurationUnit> = {
  m: "minute",
  h: "hour",
  d: "day",
  bd: "businessDay",
  w: "week",
};

// Caps keep a typo such as "36000d" from turning into a deadline decades away, and keep
// business-day arithmetic (which walks the calendar day by day) bounded.
const MAX_DAYS = 3660;
const MAX_DAYS_BY_UNIT: Record<DurationUnit, number> = {
  minute: 1 / (24 * 60),
  hour: 1 / 24,
  day: 1,
  businessDay: 1,
  week: 7,
};

const EXAMPLES = "(e.g. 5d, 36h, 3bd)";

// A positive amount without leading zeros: "5", "1.5", "0.25" but not "0", "05", ".5" or "1.".
// Business days only take whole numbers, so they get their own branch.
const FRACTIONAL_AMOUNT = String.raw`(?:[1-9]\d*(?:\.\d+)?|0\.\d*[1-9]\d*)`;
const WHOLE_AMOUNT = String.raw`[1-9]\d*`;

/**
 * Regex source for a JSON Schema `pattern`: the same syntax `parseDuration` accepts. Only the
 * ten-year cap is left to `parseDuration`, since a regex cannot compare amounts across units.
 */
export const durationPattern = `^(?:${FRACTIONAL_AMOUNT}(?:m|h|d|w)|${WHOLE_AMOUNT}bd)$`;

const VALID = new RegExp(durationPattern);
// Looser shape used only to explain why a near-miss such as "0d", "-2h" or "1.5bd" is rejected.
const NUMBER_AND_SUFFIX = /^(-?\d*\.?\d*)(m|h|d|bd|w)$/;

export function parseDuration(text: string): Duration {
  if (typeof text !== "string") {
    throw new DurationError(`${JSON.stringify(text)} is not a duration ${EXAMPLES}`);
  }
  const shape = NUMBER_AND_SUFFIX.exec(text);
  if (!shape || !VALID.test(text)) {
    throw new DurationError(explain(text, shape));
  }
  const [, amountText = "", suffix = ""] = shape;
  const unit = UNIT_BY_SUFFIX[suffix];
  if (!unit) throw new DurationError(`"${text}" is not a duration ${EXAMPLES}`);
  const amount = Number(amountText);
  if (amount * MAX_DAYS_BY_UNIT[unit] > MAX_DAYS) {
    throw new DurationError(`"${text}" is too long: durations are limited to ${MAX_DAYS} days`);
  }
  return { amount, unit, text };
}

export function tryParseDuration(text: string): Duration | undefined {
  try {
    return parseDuration(text);
  } catch (error) {
    if (error instanceof DurationError) return undefined;
    throw error;
  }
}

export function formatDuration(duration: Duration): string {
  return `${duration.amount}${SUFFIX_BY_UNIT[duration.unit]}`;
}

function explain(text: string, shape: RegExpExecArray | null): string {
  const base = `"${text}" is not a duration`;
  if (!shape) return `${base} ${EXAMPLES}`;
  const [, amountText = "", suffix = ""] = shape;
  const amount = Number(amountText);
  if (amountText === "" || Number.isNaN(amount) || !/^-?\d+(?:\.\d+)?$/.test(amountText)) {
    return `${base} ${EXAMPLES}`;
  }
  if (amount <= 0) return `${base}: the amount must be greater than zero ${EXAMPLES}`;
  if (suffix === "bd" && !Number.isInteger(amount)) {
    return `${base}: business days must be a whole number (e.g. 2bd, or use 36h)`;
  }
  if (/^0\d/.test(amountText)) return `${base}: write the amount without leading zeros ${EXAMPLES}`;
  return `${base} ${EXAMPLES}`;
}
