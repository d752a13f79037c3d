import type { Decision } from "../decisions";
import { orgTree } from "../org-tree";
import type { Rep } from "../records/rep";
import type { RuleSet } from "../rules/rule-set";
import { parseDuration } from "../time/duration";
import type { AnomalyDecision } from "./anomaly-decision";
import { anomalyEmails } from "./anomaly-emails";
import { type AnomalyFindings, mergeFindings } from "./anomaly-findings";
import { quarterWindow, trailingWindow, type WeekWindow } from "./anomaly-window";
import { type AnomalySubject, detectAnomalies } from "./detect-anomalies";
import { detectFunnelShape, type HoldingRow } from "./funnel-shape";
import { type FlowRowInput, teamsOf, teamTotals, totalsByRep } from "./window-totals";

export interface AnomalyRunInput {
  reps: ReadonlyMap<string, Rep>;
  /** Flow counters of at least the weeks anomalyRunWeeks() names. */
  flows: readonly FlowRowInput[];
  /** The current per-rep per-stage aggregates. */
  holdings: readonly HoldingRow[];
  now: number;
  /** Identifies this run (the schedule's fire time), so a retried run queues the same emails. */
  runId: string;
}

export interface AnomalyRun extends AnomalyFindings {
  /** The anomalies, then one email (or undeliverable) per recipient. */
  decisions: Decision[];
}

/** The trailing window of alerts.anomalies, or none when the rules do not ask for anomalies. */
function windowOf(rules: RuleSet, now: number): WeekWindow | undefined {
  const config = rules.alerts.anomalies;
  return config === undefined
    ? undefined
    : trailingWindow(rules.calendar, now, parseDuration(config.window));
}

/** Every week the run reads: the trailing window and the quarter to date. */
export function anomalyRunWeeks(rules: RuleSet, now: number): string[] {
  const weeks = new Set([
    ...(windowOf(rules, now)?.weeks ?? []),
    ...quarterWindow(rules.calendar, now).weeks,
  ]);
  return [...weeks].sort();
}

/** Each rep's own counters (people who left have no funnel to fix) and every manager's team. */
function subjectsOf(
  reps: ReadonlyMap<string, Rep>,
  flows: readonly FlowRowInput[],
  window: WeekWindow,
): AnomalySubject[] {
  const byRep = totalsByRep(flows, window.weeks);
  const own: AnomalySubject[] = [...byRep]
    .filter(([id]) => reps.has(id) && reps.get(id)?.status !== "left")
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([subjectId, totals]) => ({ scope: "rep", subjectId, totals }));
  const teams: AnomalySubject[] = teamsOf(orgTree(reps))
    .map((team) => ({
      scope: "team" as const,
      subjectId: team.managerId,
      totals: teamTotals(byRep, team),
    }))
    .filter((team) => team.totals.size > 0);
  return [...own, ...teams];
}

/**
 * The scheduled anomalies job as plain data: the five trailing-window anomalies per rep and team,
 * the funnel shape and forecast per seller, and one digest per recipient. Formulas and their
 * reasons: docs/anomalies.md.
 */
export function decideAnomalyRun(rules: RuleSet, input: AnomalyRunInput): AnomalyRun {
  const window = windowOf(rules, input.now);
  const quarter = quarterWindow(rules.calendar, input.now);
  const flowFindings: AnomalyFindings =
    window === undefined
      ? { anomalies: [], checked: 0, skipped: 0 }
      : detectAnomalies(rules, {
          subjects: subjectsOf(input.reps, input.flows, window),
          reps: input.reps,
          window,
        });
  const shapeFindings = detectFunnelShape(rules, {
    reps: input.reps,
    holdings: input.holdings,
    quarterTotals: totalsByRep(input.flows, quarter.weeks),
    quarter,
    asOf: rules.calendar.localDate(input.now),
  });
  const findings = mergeFindings([flowFindings, shapeFindings]);
  const anomalies: AnomalyDecision[] = findings.anomalies;
  return {
    ...findings,
    decisions: [...anomalies, ...anomalyEmails(rules, anomalies, input.reps, input.runId)],
  };
}
