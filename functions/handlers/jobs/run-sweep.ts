import type { DrainResult } from "../../adapters/outbox";
import type { Runtime } from "../../adapters/runtime";
import type { Decision, EmailDecision, TimerDecision } from "../../core/decisions";
import { type Lead, parseLead } from "../../core/records/lead";
import { RecordError } from "../../core/records/record-error";
import { decideSweep } from "../../core/sweep";

/**
 * The dwell sweep. Emails are queued before the leads' timers move, so a crash in between makes a
 * retry of the same run (same runId) queue nothing new and finish moving the timers.
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
  for (const timer of decisions.filter((d): d is TimerDecision => d.kind === "timer")) {
    await runtime.leads.applyTimer(timer);
  }
  for (const decision of decisions) runtime.report(decision, { source: "sweep" });
  const drained = await runtime.outbox.drain(Math.max(now, runtime.clock.now()));
  return { decisions, drained };
}
