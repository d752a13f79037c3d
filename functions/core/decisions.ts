import type { AnomalyDecision } from "./anomalies/anomaly-decision";
import type { ReleaseDecision } from "./cold-release";
import type { AssignDecision } from "./distribution/decide-assignment";
import type { FlowDelta } from "./flow";
import type { DriftDecision } from "./reconcile";
import type { RollupDecision } from "./rollup/rollup-decision";
import type { Recipient } from "./rules/rule-schema";

export type { AssignDecision };

/**
 * What the core decided, as plain data: the handlers hand these to adapters, `funnel plan` prints
 * them, tests compare them. Every decision says why.
 */
export type Decision =
  | GradeDecision
  | TransitionDecision
  | LedgerDecision
  | ColdDecision
  | SaleDecision
  | EntryCheckDecision
  | AssignDecision
  | ReassignDecision
  | ReleaseDecision
  | DwellActionDecision
  | DwellAlertDecision
  | AnomalyDecision
  | RollupDecision
  | DriftDecision
  | TimerDecision
  | EmailDecision
  | UndeliverableDecision
  | RecordProblemDecision;

export type DecisionKind = Decision["kind"];

export interface GradeDecision {
  kind: "grade";
  leadId: string;
  grade: string;
  /** Id of the grading rule that matched, or "default". */
  rule: string;
  reason: string;
}

export interface TransitionDecision {
  kind: "transition";
  leadId: string;
  funnel: string;
  /** null when the lead was created in this stage. */
  from: string | null;
  to: string;
  /** When the change happened (the stream record's time). */
  at: string;
  by?: string;
  /** Open stages between from and to that the lead jumped over. */
  skipped: string[];
  /** When the lead entered `to`: the writer's stageEnteredAt if it set one, else `at`. */
  enteredAt: string;
  /** When the lead is over the stage's limit; null for stages without a limit. */
  dueAt: string | null;
  /** First dwell check (the first escalation level); null when nothing will be due. */
  nextCheckAt: string | null;
  owner?: string;
  amount: number;
  /** Every stage the lead has been in, this one included (for out-of-funnel marking). */
  stagesSeen: string[];
  reason: string;
}

/** One change of what a rep holds per stage: +1/−1 leads and ± the amount. */
export interface AggregateDelta {
  repId: string;
  funnel: string;
  stage: string;
  count: number;
  amount: number;
}

/**
 * The history entry for one change of stage, owner or amount, and the per-rep per-stage aggregate
 * changes it causes. Applied once per stream record: the entry's key makes a replay a no-op.
 */
export interface LedgerDecision {
  kind: "ledger";
  leadId: string;
  /** The lead's funnel (the first one when the lead names none). */
  funnel: string;
  entry: "transition" | "owner-change" | "amount-change";
  at: string;
  by?: string;
  fromOwner?: string;
  toOwner?: string;
  /** Where the lead counted before and counts after this change (see core/holding.ts). */
  counted: { from?: string; to?: string };
  deltas: AggregateDelta[];
  /** The weekly flow counters this change moves (see core/flow.ts). */
  flows: FlowDelta[];
  /** Engine-owned attributes a writer's whole-item put dropped, to be written back. */
  restore?: Record<string, unknown>;
  reason: string;
}

/** An abandoned lead leaves its owner for the cold pool until its cooldown ends (冷处理). */
export interface ColdDecision {
  kind: "cold";
  leadId: string;
  previousOwner?: string;
  pool: string;
  coldUntil: string;
  reason: string;
}

/** A lead reached the stage that books the sale; out-of-funnel sales count as sales, not forecast. */
export interface SaleDecision {
  kind: "sale";
  leadId: string;
  soldAt: string;
  amount: number;
  outOfFunnel: boolean;
  reason: string;
}

/** A lead entered a stage without the fields the stage requires; it stays, its people are told. */
export interface EntryCheckDecision {
  kind: "entry-check";
  leadId: string;
  funnel: string;
  stage: string;
  enteredAt: string;
  missing: string[];
  owner?: string;
  reason: string;
}

export interface DwellAlertDecision {
  kind: "dwell-alert";
  leadId: string;
  funnel: string;
  stage: string;
  /** 0-based escalation level that was reached. */
  level: number;
  notify: Recipient;
  /** The person told, or null when nobody could be found (see reason). */
  recipientId: string | null;
  owner?: string;
  enteredAt: string;
  /** Time in stage vs the limit, in the limit's unit (days or business days). */
  inStage: number;
  limit: number;
  unit: "day" | "businessDay" | "hour";
  amount: number;
  reason: string;
}

/** Moves a lead's dwell timer: the next escalation check, or none. */
export interface TimerDecision {
  kind: "timer";
  leadId: string;
  /** The stage entry this timer belongs to; the write is conditional on it so a stage change wins. */
  enteredAt: string;
  dwellLevel: number;
  nextCheckAt: string | null;
  /** How many of the rules' dwell actions have been taken for this stage entry. */
  actionsDone?: number;
  /** When the last reminder went out (rules with remindEvery). */
  remindedAt?: string;
  reason: string;
}

export interface EmailDecision {
  kind: "email";
  /** Idempotency key: one digest per recipient per run. */
  key: string;
  recipientId: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  reason: string;
}

export interface UndeliverableDecision {
  kind: "undeliverable";
  recipientId: string | null;
  leadIds: string[];
  reason: string;
}

/** A record the core could not act on; the handler reports it instead of skipping it silently. */
export interface RecordProblemDecision {
  kind: "record-problem";
  recordId: string;
  reason: string;
}

/** A departing rep's lead handed to another rep, or to a pool when nobody can take it. */
export interface ReassignDecision {
  kind: "reassign";
  leadId: string;
  from: string;
  to: string | null;
  pool?: string;
  via: string;
  /**
   * The aggregate changes the move causes (and the lead's `counted` before and after). The move
   * itself writes the lead and the journal only; the lead's stream record applies these.
   */
  counted: { from?: string; to?: string };
  deltas: AggregateDelta[];
  reason: string;
}

/** A lead left far past its limit: the rules reassign it, or move it to the lost end stage. */
export interface DwellActionDecision {
  kind: "dwell-action";
  leadId: string;
  action: "reassign" | "abandon";
  /** How many of the rules' actions have been taken for this stage entry, this one included. */
  actionsDone: number;
  enteredAt: string;
  reason: string;
}
