import type { DrainResult } from "../../adapters/outbox";
import type { Runtime } from "../../adapters/runtime";
import type {
  Decision,
  DwellActionDecision,
  EmailDecision,
  TimerDecision,
} from "../../core/decisions";
import { decideAssignment } from "../../core/distribution/decide-assignment";
import { moveCounts } from "../../core/holding";
import { type Lead, parseLead } from "../../core/records/lead";
import { RecordError } from "../../core/records/record-error";
import type { Rep } from "../../core/records/rep";
import { findFunnel, withFunnel } from "../../core/rules/rule-set";
import { decideSweep } from "../../core/sweep";

/**
 * The dwell sweep. Emails are queued, then dwell actions carried out (each writing its action count
 * with the move), and only then the leads' timers move: a crash anywhere makes a retry of the same
 * run (same runId) find the same leads due, queue nothing new, act on none twice and finish.
 */
export async function runSweep(
  runtime: Runtime,
  now: number,
  runId: string,
): Promise<{ decisions: Decision[]; drained: DrainResult }> {
  const problems: Decision[] = [];
  const leads: Lead[] = [];
  for (const item of await runtime.leads.dueDwellItems(new Date(now).toISOString())) {
    try {
      leads.push(parseLead(item));
    } catch (error) {
      if (!(error instanceof RecordError)) throw error;
      problems.push({ kind: "record-problem", recordId: error.recordId, reason: error.message });
    }
  }
  const reps = await runtime.reps.all();
  const decisions = [...problems, ...decideSweep(runtime.rules, { leads, reps, now, runId })];
  for (const email of decisions.filter((d): d is EmailDecision => d.kind === "email")) {
    await runtime.outbox.enqueue(email, now);
  }
  const byId = new Map(leads.map((lead) => [lead.id, lead]));
  const timers = new Map(
    decisions.filter((d): d is TimerDecision => d.kind === "timer").map((t) => [t.leadId, t]),
  );
  for (const action of decisions.filter(
    (d): d is DwellActionDecision => d.kind === "dwell-action",
  )) {
    const found = byId.get(action.leadId);
    const lead = found === undefined ? undefined : withFunnel(runtime.rules, found);
    if (lead === undefined) continue;
    const done = await applyDwellAction(runtime, lead, action, reps, now, timers.get(lead.id));
    decisions.push(...done);
    // A reassignment wrote the lead's timer with the move.
    if (done.some((d) => d.kind === "reassign")) timers.delete(lead.id);
  }
  for (const timer of timers.values()) await runtime.leads.applyTimer(timer);
  for (const decision of decisions) runtime.report(decision, { source: "sweep" });
  const drained = await runtime.outbox.drain(Math.max(now, runtime.clock.now()));
  return { decisions, drained };
}

/** Carries out a dwell action: another rep by the distribution rules, or the lost end stage. */
async function applyDwellAction(
  runtime: Runtime,
  lead: Lead,
  action: DwellActionDecision,
  reps: ReadonlyMap<string, Rep>,
  now: number,
  timer: TimerDecision | undefined,
): Promise<Decision[]> {
  const { rules } = runtime;
  if (action.action === "abandon") {
    const lost = findFunnel(rules, lead.funnel)?.stages.find((s) => s.terminal === "lost");
    if (lost === undefined) return [];
    await runtime.leads.abandon(lead.id, lost.id, action.enteredAt, now);
    return [];
  }
  if (lead.owner === undefined) return [];
  const [loads, cursors] = await Promise.all([
    runtime.aggregates.loads(rules),
    runtime.cursors.all(),
  ]);
  const choice = decideAssignment(rules, lead, {
    reps,
    loads,
    cursors,
    now,
    exclude: new Set([lead.owner]),
  });
  if (choice.repId === null) {
    return [
      {
        kind: "record-problem",
        recordId: lead.id,
        reason: `dwell action reassign: ${choice.reason}; the lead stays with ${lead.owner}`,
      },
    ];
  }
  const reason = `dwell action: ${action.reason}; ${choice.reason}`;
  const moved = await runtime.leads.moveOwner(
    lead,
    choice.repId,
    "dwell-action",
    reason,
    moveCounts(rules, lead, choice.repId),
    timer,
  );
  if (!moved) return [];
  if (choice.cursor) await runtime.cursors.save(choice.cursor.scope, choice.cursor.repId);
  const reassign: Decision = {
    kind: "reassign",
    leadId: lead.id,
    from: lead.owner,
    to: choice.repId,
    via: "dwell-action",
    reason,
    ...moveCounts(rules, lead, choice.repId),
  };
  // runSweep reports it with the sweep's other decisions.
  return [reassign];
}
