import { DateTime } from "luxon";
import { countOf, kindOf, PLAN_KINDS, type PlanKind } from "../core/plan/plan-kinds";
import type { Plan, PlannedDecision } from "../core/plan/plan-types";
import type { PlanContext } from "./run-plan";

/** One planned decision as three cells: what it is about, where it goes, why. */
export interface DecisionCells {
  what: string;
  to: string;
  why: string;
}

const UNITS = { day: "days", businessDay: "business days", hour: "hours" } as const;

const money = (n: number) => Math.round(n).toLocaleString("en");

export function cellsOf(d: PlannedDecision): DecisionCells {
  switch (d.kind) {
    case "dwell-alert":
      return {
        what: `${d.leadId} (${d.stage}, ${d.inStage.toFixed(1)} of ${d.limit} ${UNITS[d.unit]})`,
        to: `${d.recipientId ?? "nobody"} (${d.notify})`,
        why: d.reason,
      };
    case "dwell-action":
      return { what: `${d.leadId} ${d.action}`, to: d.action, why: d.reason };
    case "assign":
      return { what: d.leadId, to: `${d.repId ?? `pool ${d.pool}`} (${d.via})`, why: d.reason };
    case "reassign":
      return {
        what: `${d.leadId} from ${d.from}`,
        to: `${d.to ?? `pool ${d.pool}`} (${d.via})`,
        why: d.reason,
      };
    case "release":
      return {
        what: d.leadId,
        to: `${d.stage}${d.grade === undefined ? "" : ` as ${d.grade}`}`,
        why: d.reason,
      };
    case "anomaly":
      return {
        what: `${d.anomaly}: ${d.scope} ${d.subjectId}${d.stage === undefined ? "" : ` in ${d.stage}`}`,
        to: d.recipients.join(", ") || "nobody",
        why: d.reason,
      };
    case "rollup":
      return {
        what: `${d.managerId} (level ${d.level}, week ${d.week})`,
        to: d.outcome === "queued" ? "sent" : d.outcome,
        why:
          d.figures === undefined
            ? d.reason
            : `${d.reason}; forecast ${money(d.figures.forecast)}, sales this quarter ${money(d.figures.salesQuarter)}${d.figures.quota === null ? "" : ` of ${money(d.figures.quota)}`}`,
      };
    case "rollup-snapshot":
      return { what: `snapshots of week ${d.week}`, to: `${d.written} to write`, why: d.reason };
    case "email":
      return { what: `"${d.subject}"`, to: d.to.join(", "), why: d.reason };
    case "undeliverable":
      return {
        what: `${d.leadIds.length} lead(s)`,
        to: `${d.recipientId ?? "nobody"} (undeliverable)`,
        why: d.reason,
      };
    case "grade":
      return { what: d.leadId, to: `grade ${d.grade}`, why: d.reason };
    case "cold":
      return { what: d.leadId, to: `pool ${d.pool} until ${d.coldUntil}`, why: d.reason };
    case "sale":
      return { what: d.leadId, to: `sale of ${money(d.amount)}`, why: d.reason };
    case "entry-check":
      return {
        what: `${d.leadId} in ${d.stage}`,
        to: d.owner ?? "the pool's manager",
        why: d.reason,
      };
    case "record-problem":
      return { what: d.recordId, to: "—", why: d.reason };
    case "drift":
      return { what: `${d.repId} ${d.funnel}#${d.stage}`, to: d.outcome, why: d.reason };
  }
}

/** `L0007 (contacted, level 1) → rep-113 (owner): in contacted since …` */
export function decisionLine(d: PlannedDecision): string {
  const c = cellsOf(d);
  return `${c.what} → ${c.to}: ${c.why}`;
}

export interface Section {
  kind: PlanKind;
  decisions: PlannedDecision[];
}

/** The plan's decisions by kind, in PLAN_KINDS order; kinds shown always appear even when empty. */
export function sectionsOf(decisions: readonly PlannedDecision[]): Section[] {
  return PLAN_KINDS.map((kind) => ({
    kind,
    decisions: decisions.filter((d) => kindOf(d) === kind),
  })).filter((section) => section.kind.always || section.decisions.length > 0);
}

/** "122 dwell alerts, 2 dwell actions, …" */
export function countsLine(decisions: readonly PlannedDecision[]): string {
  return sectionsOf(decisions)
    .map((section) => countOf(section.decisions.length, section.kind))
    .join(", ");
}

/** Groups in first-seen order. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

/** "contacted 40, lead 52" */
export function tallyLine(items: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([name, n]) => `${name} ${n}`)
    .join(", ");
}

/** `2026-11-23T01:00:00.000Z (Mon 2026-11-23 09:00 Asia/Shanghai)` */
export function instantLine(context: PlanContext): string {
  const local = DateTime.fromMillis(context.at, { zone: context.timeZone });
  return `${new Date(context.at).toISOString()} (${local.toFormat("ccc yyyy-MM-dd HH:mm")} ${context.timeZone})`;
}

export function recordsLine(context: PlanContext): string {
  const r = context.records;
  return `${context.source}: ${r.leads} leads, ${r.reps} people, ${r.aggregates} aggregate rows, ${r.flowCounters} flow counters`;
}

/** A signed count, with the minus sign the reports use: +42, −3, 0. */
export function signed(n: number): string {
  return n > 0 ? `+${n}` : n < 0 ? `−${-n}` : "0";
}

/** The notes of both plans once each; a note only one rule version has says which. */
export function diffNotes(context: PlanContext, base: Plan, proposed: Plan): string[] {
  return [
    ...base.notes
      .filter((note) => !proposed.notes.includes(note))
      .map((note) => `${context.against}: ${note}`),
    ...proposed.notes.map((note) =>
      base.notes.includes(note) ? note : `${context.rules}: ${note}`,
    ),
  ];
}
