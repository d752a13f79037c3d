import { changeLines, type KindChange } from "../core/plan/plan-diff";
import { countOf } from "../core/plan/plan-kinds";
import type { JobPlan, Plan, PlannedDecision } from "../core/plan/plan-types";
import { formatProblem, type RuleProblem } from "../core/rules/rule-problem";
import {
  countsLine,
  decisionLine,
  diffNotes,
  groupBy,
  instantLine,
  recordsLine,
  type Section,
  sectionsOf,
  signed,
  tallyLine,
} from "./plan-view";
import type { PlanContext, PlanOutcome } from "./run-plan";

/** How many examples of each change a diff shows in text. */
const EXAMPLES = 5;

export function renderText(outcome: PlanOutcome): string {
  switch (outcome.kind) {
    case "invalid-rules":
      return problemsText(outcome.problems);
    case "plan":
      return planText(outcome.context, outcome.plan);
    case "diff":
      return diffText(outcome);
  }
}

export function problemsText(problems: readonly RuleProblem[]): string {
  const lines = problems.map(formatProblem);
  if (problems.some((p) => p.line > 0)) {
    const files = new Set(problems.map((p) => p.file)).size;
    lines.push(
      `${problems.length} problem${problems.length === 1 ? "" : "s"} in ${files} file${files === 1 ? "" : "s"} — invalid`,
    );
  }
  return `${lines.join("\n")}\n`;
}

function jobLines(jobs: readonly JobPlan[]): string[] {
  return jobs.map((job) => {
    const next = job.nextRunAt === undefined ? "" : `; next scheduled run ${job.nextRunAt}`;
    return `  ${job.job.padEnd(13)} ${job.status === "not-scheduled" ? "not scheduled" : job.status}: ${job.reason}${next}`;
  });
}

function sectionText(section: Section): string[] {
  const { kind, decisions } = section;
  const jobs = [...new Set(decisions.map((d) => d.job))].join(", ");
  const title = `${countOf(decisions.length, kind)}${jobs === "" ? "" : ` (${jobs})`}`;
  if (decisions.length === 0) return [title];
  if (kind.id === "dwell-alert") {
    const alerts = decisions.filter((d) => d.kind === "dwell-alert");
    const byRecipient = groupBy(alerts, (d) => d.recipientId ?? "nobody");
    const lines = [
      `${title} to ${byRecipient.size} recipient(s); by stage: ${tallyLine(alerts.map((a) => a.stage))}`,
    ];
    for (const [recipient, group] of byRecipient) {
      lines.push(`  ${recipient}: ${group.length}`);
      for (const alert of group) lines.push(`    ${decisionLine(alert)}`);
    }
    return lines;
  }
  return [title, ...decisions.map((d) => `  ${decisionLine(d)}`)];
}

function planText(context: PlanContext, plan: Plan): string {
  const lines = [
    `funnel plan: ${context.rules} at ${instantLine(context)}`,
    `records: ${recordsLine(context)}`,
    "",
    "jobs:",
    ...jobLines(plan.jobs),
    "",
    `summary: ${countsLine(plan.decisions)}`,
  ];
  const snapshots = plan.decisions.filter((d) => d.kind === "rollup-snapshot");
  for (const section of sectionsOf(plan.decisions)) {
    lines.push("", ...sectionText(section));
    if (section.kind.id === "rollup")
      lines.push(...snapshots.map((snapshot) => `  ${decisionLine(snapshot)}`));
  }
  if (plan.notes.length > 0) lines.push("", "notes:", ...plan.notes.map((note) => `  - ${note}`));
  return `${lines.join("\n")}\n`;
}

function examples(label: string, sign: string, decisions: readonly PlannedDecision[]): string[] {
  if (decisions.length === 0) return [];
  const shown = decisions.slice(0, EXAMPLES).map((d) => `    ${sign} ${decisionLine(d)}`);
  const more = decisions.length - shown.length;
  return [`  ${label}:`, ...shown, ...(more > 0 ? [`    … and ${more} more`] : [])];
}

function kindText(change: KindChange): string[] {
  const net = change.proposed - change.base;
  const lines = [`${change.kind.many}: ${change.base} → ${change.proposed} (${signed(net)})`];
  const people = change.byRecipient
    .slice(0, 8)
    .map(
      (g) =>
        `${g.group} ${[g.added > 0 ? `+${g.added}` : "", g.removed > 0 ? `−${g.removed}` : "", g.changed > 0 ? `~${g.changed}` : ""].filter(Boolean).join("/")}`,
    );
  if (people.length > 0)
    lines.push(
      `  by recipient: ${people.join(", ")}${change.byRecipient.length > 8 ? `, … (${change.byRecipient.length} in all)` : ""}`,
    );
  lines.push(...examples("added", "+", change.addedDecisions));
  lines.push(...examples("removed", "−", change.removedDecisions));
  if (change.changedDecisions.length > 0) {
    lines.push("  changed:");
    for (const { before, after } of change.changedDecisions.slice(0, EXAMPLES))
      lines.push(`    − ${decisionLine(before)}`, `    + ${decisionLine(after)}`);
    const more = change.changedDecisions.length - EXAMPLES;
    if (more > 0) lines.push(`    … and ${more} more`);
  }
  return lines;
}

function diffText(outcome: Extract<PlanOutcome, { kind: "diff" }>): string {
  const { context, diff, base, proposed } = outcome;
  const lines = [
    `funnel plan: ${context.rules} against ${context.against} at ${instantLine(context)}`,
    `records: ${recordsLine(context)}`,
    "",
    "changes:",
    ...diff.kinds.flatMap(changeLines).map((line) => `  ${line}`),
  ];
  for (const change of diff.kinds) {
    if (change.added + change.removed + change.changed === 0) continue;
    lines.push("", ...kindText(change));
  }
  const jobs = (plan: Plan) => jobLines(plan.jobs).join("\n");
  if (jobs(base) !== jobs(proposed)) {
    lines.push("", `jobs with ${context.against}:`, ...jobLines(base.jobs));
    lines.push(`jobs with ${context.rules}:`, ...jobLines(proposed.jobs));
  } else {
    lines.push("", "jobs:", ...jobLines(proposed.jobs));
  }
  const notes = diffNotes(context, base, proposed);
  if (notes.length > 0) lines.push("", "notes:", ...notes.map((note) => `  - ${note}`));
  return `${lines.join("\n")}\n`;
}
