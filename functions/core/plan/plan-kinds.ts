import type { PlannedDecision } from "./plan-types";

/** How plan groups and names decisions, in the order it prints them. */
export interface PlanKind {
  id: string;
  /** The decision kinds it holds. */
  kinds: readonly PlannedDecision["kind"][];
  one: string;
  many: string;
  /** Shown even when neither plan has any ("0 reassignments"). */
  always: boolean;
}

export const PLAN_KINDS: readonly PlanKind[] = [
  {
    id: "dwell-alert",
    kinds: ["dwell-alert"],
    one: "dwell alert",
    many: "dwell alerts",
    always: true,
  },
  {
    id: "dwell-action",
    kinds: ["dwell-action"],
    one: "dwell action",
    many: "dwell actions",
    always: true,
  },
  { id: "assign", kinds: ["assign"], one: "assignment", many: "assignments", always: true },
  { id: "reassign", kinds: ["reassign"], one: "reassignment", many: "reassignments", always: true },
  {
    id: "release",
    kinds: ["release"],
    one: "release from the cold pool",
    many: "releases from the cold pool",
    always: true,
  },
  { id: "anomaly", kinds: ["anomaly"], one: "anomaly alert", many: "anomaly alerts", always: true },
  { id: "rollup", kinds: ["rollup"], one: "roll-up", many: "roll-ups", always: true },
  { id: "email", kinds: ["email", "undeliverable"], one: "email", many: "emails", always: true },
  { id: "grade", kinds: ["grade"], one: "grading", many: "gradings", always: false },
  {
    id: "cold",
    kinds: ["cold"],
    one: "move to the cold pool",
    many: "moves to the cold pool",
    always: false,
  },
  { id: "sale", kinds: ["sale"], one: "sale", many: "sales", always: false },
  {
    id: "entry-check",
    kinds: ["entry-check"],
    one: "entry check",
    many: "entry checks",
    always: false,
  },
  {
    id: "record-problem",
    kinds: ["record-problem"],
    one: "record problem",
    many: "record problems",
    always: true,
  },
];

export function kindOf(decision: PlannedDecision): PlanKind | undefined {
  return PLAN_KINDS.find((kind) => kind.kinds.includes(decision.kind));
}

export function countOf(n: number, kind: PlanKind): string {
  return `${n} ${n === 1 ? kind.one : kind.many}`;
}

/**
 * What makes two planned decisions "the same one" in both plans (the lead and escalation level of
 * a dwell alert, the lead of an assignment, the subject and stage of an anomaly …).
 */
export function identityOf(d: PlannedDecision): string {
  const job = `${d.job}|${d.kind}|`;
  switch (d.kind) {
    case "dwell-alert":
      return `${job}${d.leadId}|${d.level}|${d.reason.startsWith("reminder") ? "reminder" : ""}`;
    case "dwell-action":
      return `${job}${d.leadId}|${d.actionsDone}`;
    case "reassign":
      return `${job}${d.leadId}|${d.from}|${d.via === "dwell-action" ? "dwell" : "departure"}`;
    case "entry-check":
      return `${job}${d.leadId}|${d.stage}`;
    case "anomaly":
      return `${job}${d.anomaly}|${d.scope}|${d.subjectId}|${d.funnel ?? ""}|${d.stage ?? ""}`;
    case "rollup":
      return `${job}${d.managerId}|${d.week}`;
    case "rollup-snapshot":
      return `${job}${d.week}`;
    case "email":
      return `${job}${d.key}`;
    case "undeliverable":
      return `${job}${d.recipientId ?? ""}`;
    case "record-problem":
      // The same problem may surface in another job under other rules: it is still the same one.
      return `record-problem|${d.recordId}|${d.reason}`;
    case "drift":
      return `${job}${d.repId}|${d.funnel}|${d.stage}`;
    default:
      return `${job}${d.leadId}`;
  }
}

/** What must be equal for the same decision to count as unchanged (not the reason's wording). */
export function signatureOf(d: PlannedDecision): string {
  switch (d.kind) {
    case "dwell-alert":
      return `${d.recipientId}|${d.stage}|${d.notify}`;
    case "dwell-action":
      return d.action;
    case "assign":
      return `${d.repId}|${d.pool ?? ""}|${d.via}`;
    case "reassign":
      return `${d.to}|${d.pool ?? ""}`;
    case "release":
      return `${d.stage}|${d.grade ?? ""}`;
    case "grade":
      return d.grade;
    case "cold":
      return `${d.pool}|${d.coldUntil}`;
    case "sale":
      return `${d.outOfFunnel}|${d.amount}`;
    case "entry-check":
      return d.missing.join(",");
    case "anomaly":
      return `${d.recipients.join(",")}|${round(d.threshold)}|${round(d.figure)}|${d.samples}`;
    case "rollup":
      return `${d.outcome}|${d.level}|${JSON.stringify(d.figures ?? null)}`;
    case "email":
      return `${d.to.join(",")}|${d.subject}`;
    case "undeliverable":
      return [...d.leadIds].sort().join(",");
    default:
      return "";
  }
}

const round = (n: number) => Math.round(n * 10_000) / 10_000;

/** Who a decision is for: the people told, or the rep a lead goes to. */
export function recipientsOf(d: PlannedDecision): string[] {
  switch (d.kind) {
    case "dwell-alert":
      return [d.recipientId ?? "nobody"];
    case "assign":
      return [d.repId ?? `pool ${d.pool ?? "unassigned"}`];
    case "reassign":
      return [d.to ?? `pool ${d.pool ?? "unassigned"}`];
    case "anomaly":
      return d.recipients.length === 0 ? ["nobody"] : d.recipients;
    case "email":
      return [d.recipientId];
    case "undeliverable":
      return [d.recipientId ?? "nobody"];
    case "rollup":
      return [d.managerId];
    default:
      return [];
  }
}

/** The stage a decision concerns, where it names one. */
export function stageOf(d: PlannedDecision): string | undefined {
  switch (d.kind) {
    case "dwell-alert":
    case "entry-check":
      return d.stage;
    case "anomaly":
      return d.stage;
    case "release":
      return d.stage;
    default:
      return undefined;
  }
}
