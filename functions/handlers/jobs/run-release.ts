import type { Runtime } from "../../adapters/runtime";
import { decideRelease } from "../../core/cold-release";
import type { Decision } from "../../core/decisions";
import { parseLead } from "../../core/records/lead";
import { RecordError } from "../../core/records/record-error";

/**
 * Ends the cooldowns that are due (read from the COLD timers, not the table): each lead returns at
 * the rules' stage and grade, and its own stream record distributes it like a new lead.
 */
export async function runRelease(runtime: Runtime, now: number): Promise<Decision[]> {
  const decisions: Decision[] = [];
  for (const item of await runtime.leads.dueColdItems(new Date(now).toISOString())) {
    try {
      const release = decideRelease(runtime.rules, parseLead(item), now);
      if (release !== undefined && (await runtime.leads.release(release))) decisions.push(release);
    } catch (error) {
      if (!(error instanceof RecordError)) throw error;
      decisions.push({ kind: "record-problem", recordId: error.recordId, reason: error.message });
    }
  }
  for (const decision of decisions) runtime.report(decision, { source: "release-cold" });
  return decisions;
}
