import type { Decision, DwellActionDecision, DwellAlertDecision, TimerDecision } from "./decisions";
import { inStage, iso, levelDueAt, limitIn } from "./dwell-timer";
import { renderDwellDigest } from "./email/dwell-digest";
import type { Lead } from "./records/lead";
import { RecordError } from "./records/record-error";
import { headOf, managersOf, type Rep, undeliverableBecause } from "./records/rep";
import type { Recipient } from "./rules/rule-schema";
import { findFunnel, findStage, type RuleSet } from "./rules/rule-set";

export interface SweepInput {
  /** Leads whose dwell timer is due (read from the byDue index). */
  leads: Lead[];
  reps: ReadonlyMap<string, Rep>;
  now: number;
  /** Identifies this run (the schedule's fire time) so a retried run produces the same emails. */
  runId: string;
}

function resolveRecipient(
  rules: RuleSet,
  lead: Lead,
  notify: Recipient,
  reps: ReadonlyMap<string, Rep>,
): { rep?: Rep; why: string } {
  if (lead.owner === undefined) {
    const poolManager = lead.pool === undefined ? undefined : rules.pools.get(lead.pool)?.manager;
    const rep = (poolManager && reps.get(poolManager)) || headOf(reps);
    return {
      rep,
      why: rep
        ? `lead has no owner; told ${rep.id}`
        : "lead has no owner and nobody manages its pool",
    };
  }
  const owner = reps.get(lead.owner);
  if (owner === undefined) return { why: `owner ${lead.owner} is not a known rep` };
  if (notify === "owner") return { rep: owner, why: "owner" };
  const chain = managersOf(owner.id, reps);
  const rep = notify === "manager" ? chain[0] : chain[1];
  return {
    rep,
    why: rep
      ? notify
      : `${owner.id} has no ${notify === "manager" ? "manager" : "manager's manager"}`,
  };
}

/** Dwell decisions for one due lead: the escalation levels it reached and its next check. */
export function decideDwell(
  rules: RuleSet,
  lead: Lead,
  reps: ReadonlyMap<string, Rep>,
  now: number,
): { alerts: DwellAlertDecision[]; actions: DwellActionDecision[]; timer: TimerDecision } {
  const funnel = findFunnel(rules, lead.funnel);
  const stage = funnel && findStage(funnel, lead.stage);
  if (funnel === undefined || stage === undefined) {
    throw new RecordError(
      lead.id,
      `stage "${lead.stage}" of funnel "${lead.funnel ?? "(default)"}" is not in the rules`,
    );
  }
  if (lead.stageEnteredAt === undefined)
    throw new RecordError(lead.id, "has a dwell timer but no stageEnteredAt");
  const enteredAt = Date.parse(lead.stageEnteredAt);
  const dwell = rules.alerts.dwell;
  const escalation = dwell?.escalation ?? [];
  const ruleActions = dwell?.actions ?? [];
  const startLevel = lead.dwellLevel ?? 0;
  const startActions = Number(lead.dwellActions ?? 0);
  const timer = (
    dwellLevel: number,
    next: number | null,
    reason: string,
    extra: Partial<TimerDecision> = {},
  ): TimerDecision => ({
    kind: "timer",
    leadId: lead.id,
    enteredAt: lead.stageEnteredAt as string,
    dwellLevel,
    nextCheckAt: next === null ? null : iso(next),
    reason,
    ...extra,
  });

  const planned = lead.nextActionAt === undefined ? Number.NaN : Date.parse(lead.nextActionAt);
  if (dwell?.respectNextAction && planned > now) {
    return {
      alerts: [],
      actions: [],
      timer: timer(startLevel, planned, `next action planned for ${lead.nextActionAt}`),
    };
  }

  const alerts: DwellAlertDecision[] = [];
  const { limit, unit } = limitIn(stage);
  const alert = (level: number, reminder: boolean) => {
    const step = escalation[level];
    if (step === undefined) return;
    const { rep, why } = resolveRecipient(rules, lead, step.notify, reps);
    alerts.push({
      kind: "dwell-alert",
      leadId: lead.id,
      funnel: funnel.id,
      stage: stage.id,
      level,
      notify: step.notify,
      recipientId: rep?.id ?? null,
      owner: lead.owner,
      enteredAt: lead.stageEnteredAt as string,
      inStage: inStage(rules, enteredAt, now, unit),
      limit,
      unit,
      amount: lead.amount ?? 0,
      reason: `${reminder ? "reminder: still " : ""}in ${stage.id} since ${lead.stageEnteredAt}, over ${step.after}× the ${stage.maxDwell?.text} limit; ${why}`,
    });
  };
  let level = startLevel;
  for (let due = levelDueAt(rules, stage, enteredAt, level); due !== null && due <= now; ) {
    alert(level, false);
    level += 1;
    due = levelDueAt(rules, stage, enteredAt, level);
  }

  // Past the whole chain, the last level is reminded every `remindEvery`, if the rules ask.
  const complete = escalation.length > 0 && level >= escalation.length;
  const remindedAt =
    lead.dwellRemindedAt === undefined ? undefined : Date.parse(String(lead.dwellRemindedAt));
  let nextReminder: number | null = null;
  let newRemindedAt: string | undefined;
  if (complete && dwell?.remindEvery !== undefined) {
    if (level > startLevel) {
      newRemindedAt = iso(now);
    } else if (
      remindedAt === undefined ||
      rules.calendar.addDuration(remindedAt, dwell.remindEvery) <= now
    ) {
      alert(escalation.length - 1, true);
      newRemindedAt = iso(now);
    }
    nextReminder = rules.calendar.addDuration(
      newRemindedAt ? now : (remindedAt ?? now),
      dwell.remindEvery,
    );
  }

  // Actions beyond alerting, one at a time, each once per stage entry.
  const actions: DwellActionDecision[] = [];
  let actionsDone = startActions;
  const nextAction = ruleActions[actionsDone];
  if (nextAction !== undefined && stage.maxDwell !== undefined) {
    const due = rules.calendar.addDuration(enteredAt, stage.maxDwell, nextAction.after);
    if (due <= now) {
      actionsDone += 1;
      actions.push({
        kind: "dwell-action",
        leadId: lead.id,
        action: nextAction.do,
        actionsDone,
        enteredAt: lead.stageEnteredAt as string,
        reason: `in ${stage.id} for over ${nextAction.after}× the ${stage.maxDwell.text} limit: the rules ${nextAction.do === "reassign" ? "give it to another rep" : "move it to the lost stage"}`,
      });
    }
  }
  const following = ruleActions[actionsDone];
  const actionDue =
    following === undefined ||
    stage.maxDwell === undefined ||
    actions.some((a) => a.action === "abandon")
      ? null
      : rules.calendar.addDuration(enteredAt, stage.maxDwell, following.after);

  const candidates = [levelDueAt(rules, stage, enteredAt, level), nextReminder, actionDue].filter(
    (t): t is number => t !== null,
  );
  const next = candidates.length === 0 ? null : Math.min(...candidates);
  return {
    alerts,
    actions,
    timer: timer(
      level,
      next,
      next === null ? "escalation chain complete" : `next check at ${iso(next)}`,
      { actionsDone, remindedAt: newRemindedAt },
    ),
  };
}

/**
 * The scheduled dwell sweep over the due leads: alerts per escalation level, the leads' next
 * checks, and one digest email per recipient (never one email per lead).
 */
export function decideSweep(rules: RuleSet, input: SweepInput): Decision[] {
  const decisions: Decision[] = [];
  const alerts: DwellAlertDecision[] = [];
  for (const lead of input.leads) {
    try {
      const result = decideDwell(rules, lead, input.reps, input.now);
      alerts.push(...result.alerts);
      decisions.push(...result.alerts, ...result.actions, result.timer);
    } catch (error) {
      if (!(error instanceof RecordError)) throw error;
      decisions.push({ kind: "record-problem", recordId: error.recordId, reason: error.message });
    }
  }
  const leads = new Map(input.leads.map((lead) => [lead.id, lead]));
  const byRecipient = new Map<string | null, DwellAlertDecision[]>();
  for (const alert of alerts) {
    byRecipient.set(alert.recipientId, [...(byRecipient.get(alert.recipientId) ?? []), alert]);
  }
  for (const [recipientId, group] of byRecipient) {
    const recipient = recipientId === null ? undefined : input.reps.get(recipientId);
    const refused = recipient && undeliverableBecause(recipient);
    if (recipient === undefined || recipient.email === undefined || refused !== undefined) {
      decisions.push({
        kind: "undeliverable",
        recipientId,
        leadIds: group.map((a) => a.leadId),
        reason:
          recipient === undefined ? (group[0]?.reason ?? "no recipient") : (refused as string),
      });
      continue;
    }
    const email = renderDwellDigest(rules, recipient, group, leads, input.reps);
    decisions.push({
      kind: "email",
      key: `dwell#${input.runId}#${recipient.id}`,
      recipientId: recipient.id,
      to: [recipient.email],
      ...email,
      reason: `${group.length} overdue lead${group.length === 1 ? "" : "s"} for ${recipient.id}`,
    });
  }
  return decisions;
}
