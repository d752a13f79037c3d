import type { HoldingRow } from "../anomalies/funnel-shape";
import type { FlowRowInput } from "../anomalies/window-totals";
import type { Decision, LedgerDecision, TimerDecision, TransitionDecision } from "../decisions";
import type { Lead } from "../records/lead";
import type { Rep } from "../records/rep";
import type { WeekSnapshot } from "../rollup/snapshot";

/**
 * Everything `funnel plan` evaluates the rules against, as plain data: read from a table or from
 * an export snapshot, once, and shared by both rule versions of `--against`.
 */
export interface PlanRecords {
  /** Every lead item, engine-owned attributes included (stageEnteredAt, dwellLevel, counted …). */
  leads: readonly Lead[];
  reps: ReadonlyMap<string, Rep>;
  /** The per-rep per-stage aggregates (what each rep holds now). */
  holdings: readonly HoldingRow[];
  /** Weekly flow counters of at least the weeks planWeeks() names. */
  flows: readonly FlowRowInput[];
  /** Round robin's positions, by scope. */
  cursors: ReadonlyMap<string, string>;
  /** The roll-up's weekly snapshots: week (Monday) → rep id → snapshot. */
  snapshots: ReadonlyMap<string, ReadonlyMap<string, WeekSnapshot>>;
  /** Keys of emails already in the outbox; undefined when the source cannot tell. */
  outboxKeys?: ReadonlySet<string>;
  /** Items that are not usable records (a lead without a stage …), with the reason. */
  unreadable: readonly { key: string; reason: string }[];
  /** Sentences about what the source could not provide (e.g. a snapshot without flow counters). */
  notes?: readonly string[];
}

/**
 * Where a planned decision comes from: the stream (changes not processed yet, and what the jobs'
 * own writes cause) or the scheduled job that takes it.
 */
export type PlanJob = "stream" | "release-cold" | "sweep" | "anomalies" | "rollup";

/** The jobs plan evaluates, in the order it applies them. */
export const PLAN_JOBS: readonly PlanJob[] = [
  "stream",
  "release-cold",
  "sweep",
  "anomalies",
  "rollup",
];

/**
 * What the engine will do, not what it did: a lead's transitions, ledger entries and timers are
 * history and bookkeeping, so plan keeps every other decision.
 */
export type PlannableDecision = Exclude<
  Decision,
  TransitionDecision | LedgerDecision | TimerDecision
>;

export type PlannedDecision = PlannableDecision & { job: PlanJob };

export interface JobPlan {
  job: PlanJob;
  /** The rules' schedule that runs the job (none for the stream). */
  scheduleId?: string;
  cron?: string;
  /** runs: evaluated as if it ran at the plan's instant; skipped: it would not run then. */
  status: "runs" | "skipped" | "not-scheduled";
  reason: string;
  /** The schedule's first fire time at or after the plan's instant. */
  nextRunAt?: string;
}

export interface Plan {
  /** The instant the rules were evaluated at. */
  at: string;
  jobs: JobPlan[];
  decisions: PlannedDecision[];
  /** What the reader needs to read the plan right: deferred alerts, data the source lacked. */
  notes: string[];
}
