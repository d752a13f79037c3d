/*
 * The decisions a rule test may expect, and the fields of each that an expectation may name. The
 * case-file schema (editor completion and hovers) and the case-file checks are both built from
 * this table, so a misspelt field is reported with its place instead of silently never matching.
 * The fields mirror functions/core/decisions.ts; docs/decisions.md explains each decision.
 */

export type FieldType = "text" | "number" | "integer" | "boolean" | "text-or-null" | "list";

export interface FieldSpec {
  type: FieldType;
  description: string;
}

type Fields = Record<string, FieldSpec>;

const text = (description: string): FieldSpec => ({ type: "text", description });
const textOrNull = (description: string): FieldSpec => ({ type: "text-or-null", description });
const number = (description: string): FieldSpec => ({ type: "number", description });
const integer = (description: string): FieldSpec => ({ type: "integer", description });
const boolean = (description: string): FieldSpec => ({ type: "boolean", description });
const list = (description: string): FieldSpec => ({ type: "list", description });

const leadId = text("The lead's id; leave it out when the case has one lead.");
const reason = text("Part of the decision's reason: the expected text must appear in it.");
const funnel = text("Funnel id.");
const instant = (what: string) => text(`${what} (ISO-8601; compared as an instant).`);

/** Every decision kind a case can produce, with the fields an expectation may name. */
export const DECISION_FIELDS = {
  grade: {
    leadId,
    grade: text("The grade given, e.g. A."),
    rule: text('Id of the grading rule that matched, or "default".'),
    reason,
  },
  transition: {
    leadId,
    funnel,
    from: textOrNull("The stage the lead left; null when it was created."),
    to: text("The stage the lead entered."),
    at: instant("When the change happened"),
    skipped: list("Open stages the lead jumped over."),
    enteredAt: instant("When the lead entered the stage"),
    dueAt: textOrNull("When the lead is over the stage's limit; null without a limit."),
    nextCheckAt: textOrNull("The first dwell check; null when nothing will be due."),
    owner: text("The lead's owner."),
    amount: number("The lead's amount."),
    stagesSeen: list("Every stage the lead has been in."),
    reason,
  },
  ledger: {
    leadId,
    funnel,
    entry: text("transition, owner-change or amount-change."),
    fromOwner: text("The owner before the change."),
    toOwner: text("The owner after the change."),
    deltas: list("Aggregate changes: { repId, funnel, stage, count, amount }."),
    flows: list("Weekly flow-counter changes: { repId, week, funnel, stage, counts }."),
    reason,
  },
  cold: {
    leadId,
    previousOwner: text("The owner the lead leaves."),
    pool: text("The cold pool."),
    coldUntil: instant("When the cooldown ends"),
    reason,
  },
  sale: {
    leadId,
    soldAt: instant("When the sale was booked"),
    amount: number("The amount booked."),
    outOfFunnel: boolean("true when the sale does not count in the funnel (漏斗外)."),
    reason,
  },
  "entry-check": {
    leadId,
    funnel,
    stage: text("The stage entered without its required fields."),
    enteredAt: instant("When the lead entered the stage"),
    missing: list("The required fields that are empty."),
    owner: text("The lead's owner."),
    reason,
  },
  assign: {
    leadId,
    repId: textOrNull("The rep who gets the lead; null when it is pooled."),
    pool: text("The pool of a lead nobody could take."),
    via: text(
      "duplicate, discoverer, grade-routing, territory, round-robin, least-loaded or no-eligible-rep.",
    ),
    bonusUsed: boolean("The discoverer got the lead beyond the cap thanks to the bonus."),
    reason,
  },
  reassign: {
    leadId,
    from: text("The rep who had the lead."),
    to: textOrNull("The rep who gets it; null when it is pooled."),
    pool: text("The pool of a lead nobody could take."),
    via: text("How the new owner was chosen (as for assign, or manager-choice, dwell-action)."),
    reason,
  },
  release: {
    leadId,
    funnel,
    stage: text("The stage the lead returns to."),
    grade: text("The grade it returns with."),
    coldUntil: instant("The cooldown that ended"),
    at: instant("When it was released"),
    reason,
  },
  "dwell-alert": {
    leadId,
    funnel,
    stage: text("The stage the lead is stuck in."),
    level: integer("The escalation level reached, counted from 0 (0 = the first step)."),
    notify: text("owner, manager or managers-manager."),
    recipientId: textOrNull("The person told; null when nobody could be found."),
    owner: text("The lead's owner."),
    enteredAt: instant("When the lead entered the stage"),
    inStage: number("Time in the stage, in the limit's unit."),
    limit: number("The stage's limit, in its unit."),
    unit: text("day, businessDay or hour."),
    amount: number("The lead's amount."),
    reason,
  },
  "dwell-action": {
    leadId,
    action: text("reassign or abandon."),
    actionsDone: integer("How many of the rules' actions have been taken, this one included."),
    enteredAt: instant("The stage entry the action belongs to"),
    reason,
  },
  timer: {
    leadId,
    enteredAt: instant("The stage entry the timer belongs to"),
    dwellLevel: integer("How many escalation levels have been notified."),
    nextCheckAt: textOrNull("The next dwell check; null when the chain is complete."),
    actionsDone: integer("How many dwell actions have been taken."),
    reason,
  },
  anomaly: {
    anomaly: text(
      "out-of-funnel-sales, intents-without-signings, low-transfer, high-abandonment, long-cycle, needs-prospecting, overloaded or forecast-below-quota.",
    ),
    scope: text("rep or team."),
    subjectId: text("The rep, or the manager whose team it is."),
    funnel,
    stage: text("The stage the anomaly is about, if any."),
    figure: number("The measured figure (a rate 0–1, a multiple, a count or an amount)."),
    threshold: number("The threshold it crossed."),
    window: text("What the figure covers, e.g. 90d (2026-08-31..2026-11-23)."),
    samples: integer("How many leads, sales or stage exits the figure is based on."),
    recipients: list("Rep ids of the people told, nearest first."),
    reason,
  },
  email: {
    recipientId: text("The person the email goes to."),
    to: list("The email addresses."),
    subject: text("Part of the subject: the expected text must appear in it."),
    text: text("Part of the plain-text body: the expected text must appear in it."),
    reason,
  },
  undeliverable: {
    recipientId: textOrNull("The person who could not be told, or null."),
    leadIds: list("The leads concerned."),
    reason,
  },
  "record-problem": {
    recordId: text("The record the engine could not use."),
    reason,
  },
} satisfies Record<string, Fields>;

export type ExpectedKind = keyof typeof DECISION_FIELDS;

export const EXPECTED_KINDS = Object.keys(DECISION_FIELDS) as ExpectedKind[];

/** Fields compared by "contains" rather than equality: prose the engine words for people. */
export const TEXT_FIELDS: ReadonlySet<string> = new Set(["reason", "subject", "text"]);

/** Keys of an expectation that are not decision fields. */
export const EXPECTATION_KEYS = {
  kind: "The kind of decision.",
  times: "How many decisions must match (default: at least one).",
} as const;

export function fieldsOf(kind: string): Record<string, FieldSpec> | undefined {
  return Object.hasOwn(DECISION_FIELDS, kind)
    ? (DECISION_FIELDS as Record<string, Fields>)[kind]
    : undefined;
}
