import type { DrainResult } from "../../adapters/outbox";
import type { Runtime } from "../../adapters/runtime";
import { anomalyRunWeeks, decideAnomalyRun } from "../../core/anomalies/anomaly-run";
import type { Decision, EmailDecision } from "../../core/decisions";

/**
 * The anomalies job: reads the org, the aggregates and the flow counters of the window and the
 * quarter, queues one digest per recipient and sends them. It writes nothing else, so a retried
 * run (same runId) finds its emails already queued and sends nothing twice.
 */
export async function runAnomalies(
  runtime: Runtime,
  now: number,
  runId: string,
): Promise<{ decisions: Decision[]; drained: DrainResult; checked: number; skipped: number }> {
  const { rules } = runtime;
  const [reps, holdings, flows] = await Promise.all([
    runtime.reps.all(),
    runtime.aggregates.all(),
    runtime.flows.weeks(anomalyRunWeeks(rules, now)),
  ]);
  const run = decideAnomalyRun(rules, { reps, holdings, flows, now, runId });
  for (const email of run.decisions.filter((d): d is EmailDecision => d.kind === "email")) {
    await runtime.outbox.enqueue(email, now);
  }
  for (const decision of run.decisions) runtime.report(decision, { source: "anomalies" });
  const drained = await runtime.outbox.drain(Math.max(now, runtime.clock.now()));
  return { decisions: run.decisions, drained, checked: run.checked, skipped: run.skipped };
}
