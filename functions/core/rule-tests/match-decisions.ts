import type { Decision } from "../decisions";
import type { Expectation, RuleTestCase } from "./case-file";
import { TEXT_FIELDS } from "./decision-fields";

/** One field of an expectation that a decision does not have as expected. */
export interface Mismatch {
  field: string;
  expected: unknown;
  actual: unknown;
}

/** A decision of the expected kind, with what differs; the closest come first. */
export interface Candidate {
  decision: Decision;
  mismatches: Mismatch[];
}

export interface ExpectationFailure {
  expectation: Expectation;
  mode: "expect" | "expectNot";
  /** How many decisions matched (for `times` and expectNot). */
  matched: Decision[];
  /** expect: the decisions of that kind that did not match, closest first. */
  candidates: Candidate[];
}

export interface CaseResult {
  testCase: RuleTestCase;
  decisions: Decision[];
  failures: ExpectationFailure[];
  /** The case could not run: the core threw something other than a record problem. */
  error?: string;
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Whether `actual` is what `expected` says:
 * - null matches null or a missing field;
 * - prose fields (reason, subject, text) match when they contain the expected text;
 * - times match as instants, whatever offset either is written with;
 * - numbers match within rounding (0.1 + 0.2 is 0.3);
 * - lists match element by element, with the same length;
 * - mappings match when each key given matches (keys left out match anything).
 */
export function valueMatches(expected: unknown, actual: unknown, field = ""): boolean {
  if (expected === null) return actual === null || actual === undefined;
  if (typeof expected === "string") {
    if (typeof actual !== "string") return false;
    if (TEXT_FIELDS.has(field)) return actual.includes(expected);
    if (INSTANT.test(expected) && INSTANT.test(actual)) {
      const a = Date.parse(expected);
      const b = Date.parse(actual);
      if (!Number.isNaN(a) && !Number.isNaN(b)) return a === b;
    }
    return actual === expected;
  }
  if (typeof expected === "number") {
    if (typeof actual !== "number") return false;
    const scale = Math.max(1, Math.abs(expected), Math.abs(actual));
    return Math.abs(expected - actual) <= 1e-9 * scale;
  }
  if (Array.isArray(expected)) {
    return (
      Array.isArray(actual) &&
      actual.length === expected.length &&
      expected.every((item, i) => valueMatches(item, actual[i]))
    );
  }
  if (isPlainObject(expected)) {
    return (
      isPlainObject(actual) &&
      Object.entries(expected).every(([key, value]) => valueMatches(value, actual[key], key))
    );
  }
  return actual === expected;
}

/** The fields of `expectation` that `decision` does not match; empty when it matches. */
export function mismatches(expectation: Expectation, decision: Decision): Mismatch[] {
  if (decision.kind !== expectation.kind) {
    return [{ field: "kind", expected: expectation.kind, actual: decision.kind }];
  }
  const actual = decision as unknown as Record<string, unknown>;
  return Object.entries(expectation.fields).flatMap(([field, expected]) =>
    valueMatches(expected, actual[field], field)
      ? []
      : [{ field, expected, actual: actual[field] }],
  );
}

/**
 * Checks a case's decisions against its expectations. Each `expect` entry without `times` needs a
 * decision of its own (two entries that both say "a dwell alert" need two alerts); the most
 * specific entries pick first. `times: n` counts every matching decision; expectNot fails on any.
 */
export function checkDecisions(testCase: RuleTestCase, decisions: Decision[]): CaseResult {
  const failures: ExpectationFailure[] = [];
  const used = new Set<number>();
  const specificFirst = [...testCase.expect].sort(
    (a, b) => Object.keys(b.fields).length - Object.keys(a.fields).length,
  );
  const matching = (expectation: Expectation) =>
    decisions.flatMap((decision, index) =>
      mismatches(expectation, decision).length === 0 ? [index] : [],
    );
  const candidates = (expectation: Expectation): Candidate[] =>
    decisions
      .filter((decision) => decision.kind === expectation.kind)
      .map((decision) => ({ decision, mismatches: mismatches(expectation, decision) }))
      .filter((candidate) => candidate.mismatches.length > 0)
      .sort((a, b) => a.mismatches.length - b.mismatches.length);

  const failed = new Map<Expectation, ExpectationFailure>();
  for (const expectation of specificFirst) {
    const found = matching(expectation);
    if (expectation.times !== undefined) {
      if (found.length !== expectation.times) {
        failed.set(expectation, {
          expectation,
          mode: "expect",
          matched: found.map((i) => decisions[i] as Decision),
          candidates: candidates(expectation),
        });
      }
      continue;
    }
    const free = found.find((index) => !used.has(index));
    if (free !== undefined) {
      used.add(free);
      continue;
    }
    failed.set(expectation, {
      expectation,
      mode: "expect",
      matched: found.map((i) => decisions[i] as Decision),
      candidates: candidates(expectation),
    });
  }
  // Reported in the order the file lists them.
  for (const expectation of testCase.expect) {
    const failure = failed.get(expectation);
    if (failure !== undefined) failures.push(failure);
  }
  for (const expectation of testCase.expectNot) {
    const found = matching(expectation).map((i) => decisions[i] as Decision);
    if (found.length > 0) {
      failures.push({ expectation, mode: "expectNot", matched: found, candidates: [] });
    }
  }
  return { testCase, decisions, failures };
}
