import { changeLines, type KindChange } from "../core/plan/plan-diff";
import { countOf } from "../core/plan/plan-kinds";
import type { JobPlan, Plan, PlannedDecision } from "../core/plan/plan-types";
import { formatProblem, type RuleProblem } from "../core/rules/rule-problem";
import {
  cellsOf,
  diffNotes,
  groupBy,
  instantLine,
  recordsLine,
  sectionsOf,
  signed,
  tallyLine,
} from "./plan-view";
import type { PlanContext, PlanOutcome } from "./run-plan";

/** GitHub refuses comments over 65,536 characters; the rows shown shrink until it fits. */
const MAX_COMMENT = 60_000;
const ROW_LIMITS = [25, 10, 3, 0];

/** Text in a table cell: no HTML (names come from the records), no pipes, one line. */
export function cell(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\|/g, "\\|")
    .replace(/`/g, "'")
    .replace(/[\r\n]+/g, " ");
}

const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;

/**
 * Markdown for a pull-request comment: a headline, a summary table and one collapsible block per
 * kind with the decisions (plan) or the examples of what changes (diff).
 */
export function renderMarkdown(outcome: PlanOutcome): string {
  let text = "";
  for (const rows of ROW_LIMITS) {
    text = render(outcome, rows);
    if (text.length <= MAX_COMMENT) break;
  }
  return text;
}

function render(outcome: PlanOutcome, rows: number): string {
  switch (outcome.kind) {
    case "invalid-rules":
      return problemsMarkdown(outcome.problems);
    case "plan":
      return planMarkdown(outcome.context, outcome.plan, rows);
    case "diff":
      return diffMarkdown(outcome, rows);
  }
}

function problemsMarkdown(problems: readonly RuleProblem[]): string {
  return [
    "### `funnel plan`: the rules are invalid",
    "",
    "```",
    ...problems.map((problem) => formatProblem(problem).replace(/```/g, "'''")),
    "```",
    "",
  ].join("\n");
}

/** A table; the columns in `right` (counts) are right-aligned. */
function table(header: string[], body: string[][], right: readonly number[] = []): string[] {
  return [
    `| ${header.join(" | ")} |`,
    `|${header.map((_, i) => (right.includes(i) ? "---:" : "---")).join("|")}|`,
    ...body.map((row) => `| ${row.join(" | ")} |`),
  ];
}

function details(summary: string, body: string[]): string[] {
  return ["<details>", `<summary>${cell(summary)}</summary>`, "", ...body, "", "</details>", ""];
}

function decisionRows(
  decisions: readonly PlannedDecision[],
  rows: number,
  sign?: string,
): string[][] {
  return decisions.slice(0, rows).map((d) => {
    const c = cellsOf(d);
    return [...(sign === undefined ? [] : [sign]), cell(c.what), cell(c.to), cell(c.why), d.job];
  });
}

function more(total: number, shown: number): string[] {
  return total > shown
    ? ["", `… and ${total - shown} more (\`--format json\` lists every one)`]
    : [];
}

function jobsBlock(title: string, jobs: readonly JobPlan[]): string[] {
  return details(
    title,
    table(
      ["Job", "Schedule", "Status", "Why", "Next run"],
      jobs.map((job) => [
        job.job,
        job.scheduleId === undefined ? "—" : code(`${job.scheduleId} ${job.cron ?? ""}`.trim()),
        job.status,
        cell(job.reason),
        job.nextRunAt ?? "—",
      ]),
    ),
  );
}

function header(context: PlanContext, title: string): string[] {
  return [
    `### ${title}`,
    "",
    `At ${cell(instantLine(context))}. Records: ${cell(recordsLine(context))}.`,
    "",
  ];
}

function planMarkdown(context: PlanContext, plan: Plan, rows: number): string {
  const sections = sectionsOf(plan.decisions);
  const lines = [
    ...header(context, `\`funnel plan\` for ${code(context.rules)}`),
    ...table(
      ["Decision", "Count", "Detail"],
      sections.map((s) => {
        const detail =
          s.kind.id === "dwell-alert"
            ? tallyLine(s.decisions.flatMap((d) => (d.kind === "dwell-alert" ? [d.stage] : [])))
            : [...new Set(s.decisions.map((d) => d.job))].join(", ");
        return [s.kind.many, String(s.decisions.length), cell(detail)];
      }),
      [1],
    ),
    "",
  ];
  for (const section of sections) {
    if (section.decisions.length === 0) continue;
    const body =
      section.kind.id === "dwell-alert"
        ? [
            table(
              ["Recipient", "Alerts"],
              [
                ...groupBy(section.decisions, (d) =>
                  d.kind === "dwell-alert" ? (d.recipientId ?? "nobody") : "",
                ),
              ].map(([recipient, group]) => [cell(recipient), String(group.length)]),
              [1],
            ),
            [""],
          ].flat()
        : [];
    lines.push(
      ...details(countOf(section.decisions.length, section.kind), [
        ...body,
        ...table(["What", "To", "Why", "Job"], decisionRows(section.decisions, rows)),
        ...more(section.decisions.length, Math.min(rows, section.decisions.length)),
      ]),
    );
  }
  lines.push(...jobsBlock("Jobs at this instant", plan.jobs));
  if (plan.notes.length > 0) lines.push(...plan.notes.map((note) => `> ${cell(note)}`), "");
  return lines.join("\n");
}

function changeBlock(change: KindChange, rows: number): string[] {
  const body: string[] = [];
  if (change.byRecipient.length > 0) {
    body.push(
      ...table(
        ["Recipient", "Added", "Removed", "Changed"],
        change.byRecipient
          .slice(0, Math.max(rows, 5))
          .map((g) => [cell(g.group), String(g.added), String(g.removed), String(g.changed)]),
        [1, 2, 3],
      ),
      "",
    );
  }
  const examples = [
    ...decisionRows(change.addedDecisions, rows, "+"),
    ...decisionRows(change.removedDecisions, rows, "−"),
    ...change.changedDecisions
      .slice(0, rows)
      .flatMap(({ before, after }) => [
        ...decisionRows([before], 1, "was"),
        ...decisionRows([after], 1, "now"),
      ]),
  ];
  if (examples.length > 0) body.push(...table(["", "What", "To", "Why", "Job"], examples));
  const total = change.added + change.removed + change.changed;
  const shown =
    Math.min(rows, change.added) + Math.min(rows, change.removed) + Math.min(rows, change.changed);
  body.push(...more(total, shown));
  return details(changeLines(change).join(", "), body);
}

function diffMarkdown(outcome: Extract<PlanOutcome, { kind: "diff" }>, rows: number): string {
  const { context, diff, base, proposed } = outcome;
  const changed = diff.kinds.filter((k) => k.added + k.removed + k.changed > 0);
  const headline =
    changed.length === 0
      ? "**No change**: both rule versions take the same decisions on these records."
      : `**${changed.flatMap(changeLines).map(cell).join(" · ")}**`;
  const lines = [
    ...header(
      context,
      `\`funnel plan\`: ${code(context.rules)} against ${code(context.against ?? "")}`,
    ),
    headline,
    "",
    ...table(
      ["Decision", "Before", "After", "Added", "Removed", "Changed"],
      diff.kinds.map((k) => [
        k.kind.many,
        String(k.base),
        String(k.proposed),
        signed(k.added),
        k.removed > 0 ? `−${k.removed}` : "0",
        String(k.changed),
      ]),
      [1, 2, 3, 4, 5],
    ),
    "",
  ];
  for (const change of changed) lines.push(...changeBlock(change, rows));
  lines.push(...jobsBlock("Jobs at this instant", proposed.jobs));
  const notes = diffNotes(context, base, proposed);
  if (notes.length > 0) lines.push(...notes.map((note) => `> ${cell(note)}`), "");
  return lines.join("\n");
}
