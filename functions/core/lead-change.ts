import { fieldValue } from "./conditions";
import type {
  ColdDecision,
  Decision,
  EntryCheckDecision,
  LedgerDecision,
  SaleDecision,
  TransitionDecision,
} from "./decisions";
import { iso, levelDueAt, stageDueAt } from "./dwell-timer";
import { flowDeltas } from "./flow";
import { gradeLead } from "./grade-lead";
import { decodeHolding, encodeHolding, type Holding, holdingDeltas } from "./holding";
import { ENGINE_OWNED_LEAD_ATTRIBUTES, type Lead } from "./records/lead";
import { RecordError } from "./records/record-error";
import { type Funnel, findFunnel, findStage, type RuleSet, type Stage } from "./rules/rule-set";

export interface LeadChange {
  /** The lead before the change; absent when it was just created. */
  before?: Lead;
  after: Lead;
  /** When the change happened. */
  at: number;
}

function resolveStage(rules: RuleSet, lead: Lead): { funnel: Funnel; stage: Stage } {
  const funnel = findFunnel(rules, lead.funnel);
  if (funnel === undefined) {
    const known = rules.funnels.map((f) => f.id).join(", ");
    throw new RecordError(
      lead.id,
      `funnel "${lead.funnel}" is not defined in the rules (funnels: ${known})`,
    );
  }
  const stage = findStage(funnel, lead.stage);
  if (stage === undefined) {
    const known = funnel.stages.map((s) => s.id).join(", ");
    throw new RecordError(
      lead.id,
      `stage "${lead.stage}" is not a stage of funnel ${funnel.id} (stages: ${known})`,
    );
  }
  return { funnel, stage };
}

function skippedStages(funnel: Funnel, from: Stage | undefined, to: Stage): string[] {
  if (from === undefined || to.terminal === "lost" || to.index <= from.index + 1) return [];
  return funnel.stages
    .slice(from.index + 1, to.index)
    .filter((s) => s.terminal === undefined)
    .map((s) => s.id);
}

/** The lead's own entry time wins when the writer set a new one (imports, back-dated CRM syncs). */
function entryTime(change: LeadChange): number {
  const written = change.after.stageEnteredAt;
  if (written !== undefined && written !== change.before?.stageEnteredAt)
    return Date.parse(written);
  return change.at;
}

function isMissing(lead: Lead, field: string): boolean {
  const value = fieldValue(lead, field);
  return (
    value === undefined ||
    value === null ||
    value === "" ||
    (Array.isArray(value) && value.length === 0)
  );
}

/** Stages a won lead must have passed through: the rules' list, else every open stage before the sale. */
function qualifyingStages(funnel: Funnel): string[] {
  if (funnel.outOfFunnel.qualifyingStages.length > 0) return funnel.outOfFunnel.qualifyingStages;
  const sale = funnel.stages.find((s) => s.countsAsSale);
  return funnel.stages
    .filter(
      (s) => s.terminal === undefined && sale !== undefined && s.index < sale.index && s.index > 0,
    )
    .map((s) => s.id);
}

function decideSale(
  funnel: Funnel,
  after: Lead,
  transition: TransitionDecision,
  fromNothing: boolean,
): SaleDecision {
  const amount = after.amount ?? 0;
  const unqualified = qualifyingStages(funnel).filter((id) => !transition.stagesSeen.includes(id));
  const threshold = funnel.outOfFunnel.amountBelow;
  const why = fromNothing
    ? `created directly in ${transition.to}`
    : unqualified.length > 0
      ? `never went through ${unqualified.join(", ")}`
      : threshold !== undefined && amount < threshold
        ? `amount ${amount} is below the out-of-funnel threshold ${threshold}`
        : undefined;
  return {
    kind: "sale",
    leadId: after.id,
    soldAt: transition.enteredAt,
    amount,
    outOfFunnel: why !== undefined,
    reason:
      why === undefined
        ? `sale booked in ${transition.to} after going through the funnel`
        : `out-of-funnel sale: ${why}; counts as a sale, not in the forecast`,
  };
}

/**
 * What a whole-item put loses and the engine puts back: the engine-owned attributes and the stage
 * entry time, but not `counted` and the byOwner keys, which the write-back sets from this change.
 */
const ENGINE_STATE = [
  ...ENGINE_OWNED_LEAD_ATTRIBUTES.filter((key) => !["counted", "ownerPk", "ownerSk"].includes(key)),
  "stageEnteredAt",
] as const;

/**
 * A CRM sync often rewrites a whole lead, dropping what the engine keeps on it. The engine never
 * removes `counted` (nor `stageEnteredAt`), so a lead that had one and has it no more was rewritten
 * whole: the engine's state from the previous image is put back, or the lead would lose its grade,
 * its dwell timer and its history of stages. The writer's own values (a stageEnteredAt it sent
 * again) win over the restored ones.
 */
function droppedEngineState(change: LeadChange): Partial<Lead> | undefined {
  const { before, after } = change;
  if (before === undefined) return undefined;
  const rewritten =
    (before.counted !== undefined && after.counted === undefined) ||
    (before.stageEnteredAt !== undefined && after.stageEnteredAt === undefined);
  if (!rewritten) return undefined;
  if (before.stage !== after.stage || before.funnel !== after.funnel) return undefined;
  const restored: Partial<Lead> = {};
  for (const key of ENGINE_STATE) {
    if (before[key] !== undefined && after[key] === undefined)
      Object.assign(restored, { [key]: before[key] });
  }
  return restored;
}

/** Where a lead should count once this change is applied: nowhere without an owner. */
function desiredHolding(lead: Lead, funnelId: string, goesCold: boolean): Holding | undefined {
  if (lead.owner === undefined || goesCold) return undefined;
  return { funnel: funnelId, stage: lead.stage, amount: lead.amount ?? 0, repId: lead.owner };
}

/**
 * Reacts to one write of a lead, as the stream delivers it. A new lead or a change of stage
 * appends a transition with the entry and due times for the new stage; a change of stage, owner or
 * amount moves the per-rep aggregates; an ungraded lead is graded; entering a stage without its
 * required fields is reported; reaching the lost end stage sends the lead to the cold pool; reaching
 * the sale stage books the sale, out-of-funnel or not. Anything else is not ours to act on, which is
 * also how the engine ignores its own write-backs.
 */
export function decideLeadChange(rules: RuleSet, change: LeadChange): Decision[] {
  const { before } = change;
  const restore = droppedEngineState(change);
  const after = restore === undefined ? change.after : { ...restore, ...change.after };
  const decisions: Decision[] = [];
  if (after.grade === undefined) decisions.push(gradeLead(rules, after));

  const { funnel, stage } = resolveStage(rules, after);
  const beforeFunnel = before === undefined ? undefined : findFunnel(rules, before.funnel);
  const from =
    before === undefined ? undefined : beforeFunnel && findStage(beforeFunnel, before.stage);
  const stageChanged =
    before === undefined || before.stage !== after.stage || beforeFunnel?.id !== funnel.id;
  const ownerChanged = before !== undefined && before.owner !== after.owner;
  const goesCold = stageChanged && stage.terminal === "lost" && rules.cold !== undefined;
  // As stored: the condition of the write. Where it counted: the stored value, or, when a writer's
  // whole-item put dropped it, the previous image's.
  const counted = {
    from: change.after.counted,
    to: encodeHolding(desiredHolding(after, funnel.id, goesCold)),
  };
  const countedBefore = change.after.counted ?? before?.counted;
  const recount = counted.from !== counted.to;
  if (!stageChanged && !ownerChanged && !recount) return decisions;
  if (
    !stageChanged &&
    !ownerChanged &&
    before !== undefined &&
    before.amount === after.amount &&
    change.after.counted !== undefined
  )
    return decisions;

  const at = iso(change.at);
  let transition: TransitionDecision | undefined;
  if (stageChanged) {
    const enteredAt = entryTime(change);
    const dueAt = stageDueAt(rules, stage, enteredAt);
    const nextCheckAt = levelDueAt(rules, stage, enteredAt, 0);
    const skipped = skippedStages(funnel, from, stage);
    const seen = new Set([
      ...(before?.stagesSeen ?? []),
      ...(before ? [before.stage] : []),
      stage.id,
    ]);
    transition = {
      kind: "transition",
      leadId: after.id,
      funnel: funnel.id,
      from: before?.stage ?? null,
      to: stage.id,
      at,
      by: after.updatedBy,
      skipped,
      enteredAt: iso(enteredAt),
      dueAt: dueAt === null ? null : iso(dueAt),
      nextCheckAt: nextCheckAt === null ? null : iso(nextCheckAt),
      owner: after.owner,
      amount: after.amount ?? 0,
      stagesSeen: [...seen],
      reason:
        (before === undefined
          ? `created in stage ${stage.id}`
          : `moved from ${before.stage} to ${stage.id}`) +
        (skipped.length > 0 ? `, skipping ${skipped.join(", ")}` : "") +
        (dueAt === null
          ? "; no dwell limit"
          : `; due ${iso(dueAt)} (limit ${stage.maxDwell?.text})`),
    };
    decisions.push(transition);
  }

  const sale =
    transition !== undefined && stage.countsAsSale && after.soldAt === undefined
      ? decideSale(funnel, after, transition, before === undefined)
      : undefined;
  const deltas = holdingDeltas(decodeHolding(countedBefore), decodeHolding(counted.to));
  const flows = flowDeltas(rules, change, funnel.id, from, stage, sale);
  const entry: LedgerDecision["entry"] = stageChanged
    ? "transition"
    : ownerChanged
      ? "owner-change"
      : "amount-change";
  decisions.push({
    kind: "ledger",
    leadId: after.id,
    funnel: funnel.id,
    entry,
    at,
    by: after.updatedBy,
    fromOwner: before?.owner,
    toOwner: after.owner,
    counted,
    deltas,
    flows,
    restore,
    reason:
      entry === "owner-change"
        ? `owner ${before?.owner ?? "none"} → ${after.owner ?? "none"}${after.updatedBy ? ` by ${after.updatedBy}` : ""}; history kept, aggregates moved`
        : entry === "amount-change"
          ? `amount ${before?.amount ?? 0} → ${after.amount ?? 0}`
          : `aggregates follow the move to ${stage.id}`,
  });

  if (transition === undefined) return decisions;

  const missing = stage.requires.filter((field) => isMissing(after, field));
  if (missing.length > 0) {
    decisions.push({
      kind: "entry-check",
      leadId: after.id,
      funnel: funnel.id,
      stage: stage.id,
      enteredAt: transition.enteredAt,
      missing,
      owner: after.owner,
      reason: `entered ${stage.id} without ${missing.join(", ")}; the lead stays, owner and manager are told`,
    } satisfies EntryCheckDecision);
  }

  if (goesCold && rules.cold !== undefined) {
    const coldUntil = rules.calendar.addDuration(
      Date.parse(transition.enteredAt),
      rules.cold.cooldown,
    );
    decisions.push({
      kind: "cold",
      leadId: after.id,
      previousOwner: after.owner,
      pool: rules.cold.pool,
      coldUntil: iso(coldUntil),
      reason: `abandoned: leaves ${after.owner ?? "no owner"} for pool ${rules.cold.pool} until ${iso(coldUntil)} (cooldown ${rules.cold.cooldown.text})`,
    } satisfies ColdDecision);
  }

  if (sale !== undefined) decisions.push(sale);
  return decisions;
}

/** A lead to distribute: no owner, no pool, in an open stage (pooled leads wait where they are). */
export function needsAssignment(rules: RuleSet, lead: Lead): boolean {
  if (lead.owner !== undefined || lead.pool !== undefined) return false;
  const funnel = findFunnel(rules, lead.funnel);
  const stage = funnel && findStage(funnel, lead.stage);
  return stage !== undefined && stage.terminal === undefined;
}
