import type { Lead } from "../records/lead";
import type { Rep } from "../records/rep";
import { type Figures, figuresFor } from "./figures";
import { ownSet, teamSet } from "./member-set";
import type { RollupData } from "./rollup-data";
import { type TopOpportunity, topOpportunities } from "./top-opportunities";

/** One line of the direct-reports table: a report's whole team, or the manager's own leads. */
export interface ReportLine {
  rep: Rep;
  kind: "team" | "rep" | "own";
  figures: Figures;
}

/** Everything one manager's weekly roll-up shows, before rendering. */
export interface RollupReport {
  manager: Rep;
  level: number;
  /** The reported week (its Monday). */
  week: string;
  team: Figures;
  lines: ReportLine[];
  top: TopOpportunity[];
  /** Findings of the anomaly checks for this team, already worded; empty when there are none. */
  anomalies: string[];
  /** Overdue leads in the team; undefined while the roll-up has no cheap source for it. */
  overdue?: number;
}

const hasActivity = (figures: Figures) =>
  figures.stages.some((s) => s.count !== 0) || figures.sales.quarter !== 0;

export function buildRollupReport(
  data: RollupData,
  manager: Rep,
  level: number,
  extras: { leads: readonly Lead[]; anomalies?: string[]; overdue?: number; now: number },
): RollupReport {
  const team = teamSet(data.tree, manager);
  const lines: ReportLine[] = data.tree.reports(manager.id).map((rep) => {
    const isSeller = data.tree.reports(rep.id).length === 0;
    return {
      rep,
      kind: isSeller ? "rep" : "team",
      figures: figuresFor(data, teamSet(data.tree, rep)),
    };
  });
  // A manager who works leads personally gets a line for them, so the lines add up to the team.
  const own = figuresFor(data, ownSet(data.tree, manager));
  if (hasActivity(own)) lines.push({ rep: manager, kind: "own", figures: own });
  return {
    manager,
    level,
    week: data.week,
    team: figuresFor(data, team),
    lines,
    top: topOpportunities(data.rules, {
      leads: extras.leads,
      reps: data.reps,
      memberIds: team.memberIds,
      limit: data.rules.reports.rollup?.topOpportunities ?? 5,
      now: extras.now,
    }),
    anomalies: extras.anomalies ?? [],
    overdue: extras.overdue,
  };
}
