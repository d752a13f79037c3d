import { concurrently } from "../../adapters/concurrently";
import { ownerStagePrefixes } from "../../adapters/item-keys";
import type { Runtime } from "../../adapters/runtime";
import type { Decision, EmailDecision } from "../../core/decisions";
import { decideDeparture } from "../../core/departure";
import { type HandoffEntry, handoffEmails, handoffEntry } from "../../core/notices";
import type { Lead } from "../../core/records/lead";
import type { Rep } from "../../core/records/rep";
import { withFunnel } from "../../core/rules/rule-set";

const MAX_PASSES = 3;
/** Moves write different leads and journal entries (never the aggregates), so they can overlap. */
export const MOVE_CONCURRENCY = 16;

/**
 * A rep left: every lead they own moves by the rules, each move conditional on the lead being
 * unchanged, then one handoff email per person from the journal. Safe to run twice and resumable
 * after a crash: a second run finds only what is still the leaver's, and the emails are keyed.
 * A lead that changed under us (a stage change, a manual move) is read again and planned again.
 */
export async function runDeparture(
  runtime: Runtime,
  leaver: Rep,
  departureId: string,
  at: number,
): Promise<Decision[]> {
  const { rules } = runtime;
  // Leads written without a funnel belong to the first one; the keys written below say so.
  const named = (lead: Lead): Lead => withFunnel(rules, lead);
  const decisions: Decision[] = [];
  const movedHere = new Map<string, HandoffEntry>();
  const firstRun = await runtime.departures.begin(leaver.id, departureId, at);
  let pending: Lead[] = (
    await runtime.departures.ownedBy(leaver.id, ownerStagePrefixes(rules))
  ).map(named);
  for (let pass = 0; pass < MAX_PASSES && pending.length > 0; pass += 1) {
    const [reps, loads, cursors] = await Promise.all([
      runtime.reps.all(),
      runtime.aggregates.loads(rules),
      runtime.cursors.all(),
    ]);
    // The index may lag and leads change under us: from the second pass on, read them again.
    const current =
      pass === 0 ? pending : (await runtime.leads.getMany(pending.map((l) => l.id))).map(named);
    const stillTheirs = current.filter((lead) => lead.owner === leaver.id);
    const plan = decideDeparture(rules, leaver, stillTheirs, { reps, loads, cursors, now: at });
    const byId = new Map(stillTheirs.map((l) => [l.id, l]));
    const outcomes = await concurrently(plan, MOVE_CONCURRENCY, async (move) => {
      const lead = byId.get(move.leadId);
      return lead === undefined
        ? undefined
        : { move, lead, moved: await runtime.departures.move(lead, move, departureId, at) };
    });
    pending = [];
    for (const outcome of outcomes) {
      if (outcome === undefined) continue;
      if (outcome.moved === undefined) pending.push(outcome.lead);
      else {
        decisions.push(outcome.move);
        movedHere.set(outcome.lead.id, handoffEntry(outcome.moved));
      }
    }
  }
  const left = (await runtime.leads.getMany(pending.map((l) => l.id))).filter(
    (l) => l.owner === leaver.id,
  );
  for (const decision of decisions) runtime.report(decision, { source: "departure" });
  if (left.length > 0) {
    // No handoff yet: it is written once, complete, by the delivery that finishes the departure.
    runtime.report(
      {
        kind: "record-problem",
        recordId: leaver.id,
        reason: `${left.length} lead(s) kept changing during the departure and are still owned by ${leaver.id}: ${left.map((l) => l.id).join(", ")}; the departure will be retried`,
      },
      { source: "departure" },
    );
    throw new Error(`departure of ${leaver.id} incomplete: ${left.length} lead(s) left`);
  }
  const reps = await runtime.reps.all();
  // A first run moved everything itself. A retry also lists what earlier runs moved, from the
  // journal's index, which may not list this run's last moves yet.
  const journal = new Map(
    firstRun
      ? []
      : (await runtime.departures.journal(leaver.id, departureId)).map((e) => [e.leadId, e]),
  );
  for (const [id, entry] of movedHere) journal.set(id, entry);
  const emails = handoffEmails(rules, leaver, [...journal.values()], reps, departureId, at);
  // Each email is its own keyed outbox item, so they are queued side by side.
  await concurrently(
    emails.filter((d): d is EmailDecision => d.kind === "email"),
    MOVE_CONCURRENCY,
    (email) => runtime.outbox.enqueue(email, runtime.clock.now()),
  );
  for (const email of emails) runtime.report(email, { source: "departure" });
  return [...decisions, ...emails];
}
