import type { Recipient } from "./rules/rule-schema";

/**
 * What the core decided, as plain data: the handlers hand these to adapters, `funnel plan` prints
 * them, tests compare them. Every decision says why.
 */
export type Decision =
  | GradeDecision
  | TransitionDecision
  | DwellAlertDecision
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
  /** Owner and amount after the change (the aggregates they count towards). */
  owner?: string;
  amount: number;
  /** Owner and amount before the change, so the aggregates of the old stage can be decremented. */
  fromOwner?: string;
  fromAmount: number;
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
