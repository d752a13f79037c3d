import { ANOMALY_KINDS, type AnomalyDecision } from "../core/anomalies/anomaly-decision";
import { decideAnomalyRun } from "../core/anomalies/anomaly-run";
import type { HoldingRow } from "../core/anomalies/funnel-shape";
import type { FlowRowInput } from "../core/anomalies/window-totals";
import { figuresOf } from "../core/email/anomaly-digest";
import { anomalyMessages } from "../core/email/anomaly-messages";
import { orgTree } from "../core/org-tree";
import type { Lead } from "../core/records/lead";
import type { Rep } from "../core/records/rep";
import { teamSet } from "../core/rollup/member-set";
import { rollupData } from "../core/rollup/rollup-data";
import { buildRollupReport, type RollupReport } from "../core/rollup/rollup-report";
import type { WeekSnapshot } from "../core/rollup/snapshot";
import { findFunnel, findStage, type RuleSet } from "../core/rules/rule-set";
import { addDays } from "../core/time/week";

/** The report lists this many anomalies; a last line counts the rest by kind. */
const MAX_ANOMALIES = 10;

/** What `funnel report` reads, from a table or from an export snapshot. */
export interface ReportRecords {
  leads: readonly Lead[];
  reps: ReadonlyMap<string, Rep>;
  holdings: readonly HoldingRow[];
  flows: readonly FlowRowInput[];
  snapshots: ReadonlyMap<string, ReadonlyMap<string, WeekSnapshot>>;
}

export interface FunnelReport {
  report: RollupReport;
  /** The anomalies of the manager's team, as the anomalies job finds them now. */
  anomalies: AnomalyDecision[];
}

/**
 * One manager's funnel as the weekly roll-up computes it (core/rollup), for the week given, plus
 * what the roll-up email leaves open and a terminal can afford to read: the team's overdue leads
 * (open leads past their due time) and its anomalies (the anomalies job run now, kept to the
 * team's people). Pure: the caller reads the records.
 */
export function buildFunnelReport(
  rules: RuleSet,
  records: ReportRecords,
  manager: Rep,
  week: string,
  now: number,
): FunnelReport {
  const data = rollupData({
    rules,
    reps: records.reps,
    holdings: records.holdings,
    flows: records.flows,
    week,
    snapshots: {
      current: records.snapshots.get(week) ?? new Map(),
      previous: records.snapshots.get(addDays(week, -7)) ?? new Map(),
    },
  });
  const tree = orgTree(records.reps);
  const members = new Set(teamSet(tree, manager).memberIds);
  const teamLeads = records.leads.filter(
    (lead) => lead.owner !== undefined && members.has(lead.owner),
  );
  const overdue = teamLeads.filter((lead) => isOverdue(rules, lead, now)).length;
  const run = decideAnomalyRun(rules, {
    reps: records.reps,
    flows: records.flows,
    holdings: records.holdings,
    now,
    runId: "report",
  });
  // Teams before reps, higher levels first, then in the digest's order of kinds.
  const rank = (a: AnomalyDecision) =>
    (a.scope === "team" ? 0 : 1000) - tree.level(a.subjectId) * 10;
  const anomalies = run.anomalies
    .filter((anomaly) => members.has(anomaly.subjectId))
    .sort(
      (a, b) =>
        rank(a) - rank(b) ||
        ANOMALY_KINDS.indexOf(a.anomaly) - ANOMALY_KINDS.indexOf(b.anomaly) ||
        (a.subjectId < b.subjectId ? -1 : a.subjectId > b.subjectId ? 1 : 0),
    );
  const shown = anomalies.slice(0, MAX_ANOMALIES).map((a) => anomalyText(rules, a, records.reps));
  const rest = anomalies.slice(MAX_ANOMALIES);
  if (rest.length > 0) shown.push(moreAnomalies(rules, rest));
  const report = buildRollupReport(data, manager, tree.level(manager.id), {
    leads: teamLeads,
    anomalies: shown,
    overdue,
    now,
  });
  return { report, anomalies };
}

/** "… and 111 more: Needs prospecting 95, Forecast below remaining quota 16" */
function moreAnomalies(rules: RuleSet, rest: readonly AnomalyDecision[]): string {
  const m = anomalyMessages[rules.settings.locale];
  const byKind = ANOMALY_KINDS.map(
    (kind) => [kind, rest.filter((a) => a.anomaly === kind).length] as const,
  )
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${m.heading(kind)} ${n}`);
  return rules.settings.locale === "zh-CN"
    ? `……另有 ${rest.length} 项：${byKind.join("，")}`
    : `… and ${rest.length} more: ${byKind.join(", ")}`;
}

/** An open lead past the due time of its stage. */
function isOverdue(rules: RuleSet, lead: Lead, now: number): boolean {
  if (lead.dueAt === undefined) return false;
  const funnel = findFunnel(rules, lead.funnel);
  const stage = funnel && findStage(funnel, lead.stage);
  return stage !== undefined && stage.terminal === undefined && Date.parse(lead.dueAt) < now;
}

/** The anomaly in the rules' language, as the anomaly digest words it. */
export function anomalyText(
  rules: RuleSet,
  anomaly: AnomalyDecision,
  reps: ReadonlyMap<string, Rep>,
): string {
  const m = anomalyMessages[rules.settings.locale];
  const figures = figuresOf(rules, anomaly);
  const name = reps.get(anomaly.subjectId)?.name ?? anomaly.subjectId;
  const who = anomaly.scope === "team" ? m.team(name) : name;
  return `${m.heading(anomaly.anomaly)} · ${who}: ${m.line(anomaly.anomaly, figures)}`;
}
