import { DateTime } from "luxon";
import { type LoadedRules, loadRules, RulesInvalidError } from "../adapters/rules-loader";
import { UsageError } from "../cli/command";
import { planAt, planOutboxKeys, planWeeks } from "../core/plan/plan-at";
import { diffPlans, type PlanDiff } from "../core/plan/plan-diff";
import type { Plan, PlanRecords } from "../core/plan/plan-types";
import type { RuleProblem } from "../core/rules/rule-problem";
import type { RuleSet } from "../core/rules/rule-set";
import { loadRulesVersion } from "./rules-version";
import { describeSnapshot, readSnapshotRecords } from "./snapshot-source";
import { describeTable, readTableRecords, type TableLocation } from "./table-source";

export type PlanSource = ({ kind: "table" } & TableLocation) | { kind: "snapshot"; file: string };

export interface PlanRequest {
  /** The rule directory (or file) to plan with: the proposed rules when comparing. */
  rules: string;
  /** ISO-8601 instant, or a date (09:00 that day in the rules' time zone); default: now. */
  at?: string;
  source: PlanSource;
  /** A git revision or a directory holding the rules to compare against. */
  against?: string;
  /** The instant `at` defaults to (the wall clock). */
  now?: number;
  /** The command's usage, for errors in the arguments found late (a bad --against). */
  usage?: string;
}

export interface PlanContext {
  at: number;
  timeZone: string;
  rules: string;
  against?: string;
  source: string;
  records: { leads: number; reps: number; aggregates: number; flowCounters: number };
}

export type PlanOutcome =
  | { kind: "plan"; context: PlanContext; plan: Plan }
  | { kind: "diff"; context: PlanContext; base: Plan; proposed: Plan; diff: PlanDiff }
  | { kind: "invalid-rules"; problems: RuleProblem[] };

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** `--at`: an ISO-8601 instant with its offset, or a date meaning 09:00 in the rules' zone. */
export function checkAt(text: string, usage?: string): void {
  if (!DATE.test(text) && !(INSTANT.test(text) && !Number.isNaN(Date.parse(text)))) {
    throw new UsageError(
      `--at must be an ISO-8601 instant with its offset (2026-11-23T09:00+08:00) or a date (2026-11-23), got "${text}"`,
      usage,
    );
  }
}

export function resolveAt(text: string, timeZone: string, usage?: string): number {
  checkAt(text, usage);
  if (DATE.test(text)) {
    const local = DateTime.fromISO(`${text}T09:00`, { zone: timeZone });
    if (!local.isValid) throw new UsageError(`--at: "${text}" is not a date`, usage);
    return local.toMillis();
  }
  return Date.parse(text);
}

async function loaded(load: () => Promise<LoadedRules>): Promise<LoadedRules | RuleProblem[]> {
  try {
    return await load();
  } catch (error) {
    if (error instanceof RulesInvalidError) return error.problems;
    throw error;
  }
}

async function readRecords(source: PlanSource, ruleSets: RuleSet[], at: number) {
  if (source.kind === "snapshot") {
    const records = await readSnapshotRecords(source.file);
    return { records, describe: describeSnapshot(source.file, records.header) };
  }
  const weeks = ruleSets.map((rules) => planWeeks(rules, at));
  const records = await readTableRecords(source, {
    flowWeeks: [...new Set(weeks.flatMap((w) => w.flows))].sort(),
    snapshotWeeks: [...new Set(weeks.flatMap((w) => w.snapshots))].sort(),
    outboxKeys: (reps) => ruleSets.flatMap((rules) => planOutboxKeys(rules, reps, at)),
  });
  return { records, describe: describeTable(source) };
}

function counts(records: PlanRecords): PlanContext["records"] {
  return {
    leads: records.leads.length,
    reps: records.reps.size,
    aggregates: records.holdings.length,
    flowCounters: records.flows.length,
  };
}

/**
 * `funnel plan` without the printing: loads the rules (both versions with `against`), reads the
 * records once, and evaluates the rules at the instant. Invalid rules on either side come back as
 * problems; a source that cannot be read throws a SourceError; wrong arguments a UsageError.
 */
export async function runPlan(request: PlanRequest): Promise<PlanOutcome> {
  if (request.at !== undefined) checkAt(request.at, request.usage);
  const [proposed, base] = await Promise.all([
    loaded(() => loadRules(request.rules)),
    request.against === undefined
      ? undefined
      : loaded(() =>
          loadRulesVersion(request.against as string, request.rules, request.usage ?? ""),
        ),
  ]);
  const problems = [proposed, base].flatMap((side) => (Array.isArray(side) ? side : []));
  if (Array.isArray(proposed) || Array.isArray(base) || problems.length > 0)
    return { kind: "invalid-rules", problems };

  const at =
    request.at === undefined
      ? (request.now ?? Date.now())
      : resolveAt(request.at, proposed.rules.timeZone, request.usage);
  const ruleSets = [proposed.rules, ...(base === undefined ? [] : [base.rules])];
  const { records, describe } = await readRecords(request.source, ruleSets, at);
  const context: PlanContext = {
    at,
    timeZone: proposed.rules.timeZone,
    rules: proposed.location,
    against: base?.location,
    source: describe,
    records: counts(records),
  };
  const plan = planAt(proposed.rules, records, at);
  if (base === undefined) return { kind: "plan", context, plan };
  const basePlan = planAt(base.rules, records, at);
  return { kind: "diff", context, base: basePlan, proposed: plan, diff: diffPlans(basePlan, plan) };
}

/** 0: the plan is clean; 1: records the engine cannot use (in a diff: ones the change adds). */
export function exitCodeOf(outcome: PlanOutcome): number {
  switch (outcome.kind) {
    case "invalid-rules":
      return 1;
    case "plan":
      return outcome.plan.decisions.some((d) => d.kind === "record-problem") ? 1 : 0;
    case "diff":
      return outcome.diff.newProblems.length > 0 ? 1 : 0;
  }
}
