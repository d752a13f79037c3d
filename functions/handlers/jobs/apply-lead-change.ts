import type { Runtime } from "../../adapters/runtime";
import type { Decision, EmailDecision } from "../../core/decisions";
import { decideDeparture } from "../../core/departure";
import { decideAssignment } from "../../core/distribution/decide-assignment";
import {
  duplicateAssignment,
  matchIndexChanges,
  matchKeys,
  pickDuplicate,
} from "../../core/duplicates";
import { decodeHolding, moveCounts } from "../../core/holding";
import { decideLeadChange, type LeadChange, needsAssignment } from "../../core/lead-change";
import { entryCheckEmails, noRepEmail } from "../../core/notices";
import type { Lead } from "../../core/records/lead";
import { MAX_ID_BYTES, RecordError, shown, utf8Bytes } from "../../core/records/record-error";
import { withFunnel } from "../../core/rules/rule-set";

const ofKind = <K extends Decision["kind"]>(decisions: Decision[], kind: K) =>
  decisions.find((d): d is Extract<Decision, { kind: K }> => d.kind === kind);

async function enqueueEmails(runtime: Runtime, decisions: Decision[]): Promise<void> {
  for (const email of decisions.filter((d): d is EmailDecision => d.kind === "email")) {
    await runtime.outbox.enqueue(email, runtime.clock.now());
  }
}

async function alreadyPlaced(
  runtime: Runtime,
  leadId: string,
  decision: { repId: string | null; pool?: string; via: string },
): Promise<boolean> {
  const current = await runtime.leads.get(leadId);
  if (current === undefined || current.assignedVia !== decision.via) return false;
  return decision.repId === null
    ? current.owner === undefined && current.pool === decision.pool
    : current.owner === decision.repId;
}

/**
 * Only the engine links a lead to the one it duplicates, and only to a lead it found. A link a
 * writer set to no lead in the table would stand for good, so the record is quarantined instead.
 * Read only when the link changes, which the engine's own links do once.
 */
async function refuseUnknownDuplicateLink(runtime: Runtime, change: LeadChange): Promise<void> {
  const target = change.after.duplicateOf;
  if (target === undefined || target === change.before?.duplicateOf) return;
  if (target !== change.after.id && utf8Bytes(target) <= MAX_ID_BYTES) {
    try {
      if ((await runtime.leads.get(target)) !== undefined) return;
    } catch (error) {
      // A lead that is there but unreadable is still a lead; its own record says what is wrong.
      if (error instanceof RecordError) return;
      throw error;
    }
  }
  throw new RecordError(
    change.after.id,
    `duplicateOf names ${shown(target)}, which is not another lead in the table; only the engine links duplicates`,
  );
}

/** Distributes a new lead: to the owner of the open lead it duplicates, else by the rules' steps. */
async function assign(
  runtime: Runtime,
  lead: Lead,
  at: number,
  redelivered: boolean,
): Promise<Decision[]> {
  const { rules } = runtime;
  const keys = matchKeys(rules, lead);
  const duplicate =
    keys.length === 0
      ? undefined
      : pickDuplicate(
          rules,
          lead,
          await runtime.leads.getMany(await runtime.matches.leadIds(keys)),
        );
  if (duplicate?.owner !== undefined) {
    const decision = duplicateAssignment(rules, lead, { ...duplicate, owner: duplicate.owner });
    const done = await runtime.leads.assign(
      lead,
      {
        owner: duplicate.owner,
        via: "duplicate",
        reason: decision.reason,
        duplicateOf: duplicate.id,
      },
      moveCounts(rules, lead, duplicate.owner),
    );
    return done ? [decision] : [];
  }
  const [reps, loads, cursors] = await Promise.all([
    runtime.reps.all(),
    runtime.aggregates.loads(rules),
    runtime.cursors.all(),
  ]);
  const decision = decideAssignment(rules, lead, { reps, loads, cursors, now: at });
  const written = await runtime.leads.assign(
    lead,
    {
      owner: decision.repId ?? undefined,
      pool: decision.repId === null ? decision.pool : undefined,
      via: decision.via,
      reason: decision.reason,
    },
    moveCounts(rules, lead, decision.repId),
  );
  // A redelivery after a crash finds the lead already where this decision put it: the follow-ups
  // (the cursor, the pool's notice) may not have happened yet, and each is idempotent.
  const done = written || (redelivered && (await alreadyPlaced(runtime, lead.id, decision)));
  if (!done) return [];
  if (decision.cursor) await runtime.cursors.save(decision.cursor.scope, decision.cursor.repId);
  const decisions: Decision[] = [decision];
  if (decision.repId === null) decisions.push(...noRepEmail(rules, decision, lead, reps, at));
  return decisions;
}

const countedRep = (counted: string | undefined) => decodeHolding(counted)?.repId;

/**
 * A lead given by hand to a rep who has left: its departure may already have run (its record can
 * overtake the lead's on the stream, and the byOwner index may not list the lead yet), so nothing
 * else would move it. It is reassigned here as the departure would have, once.
 */
async function reassignFromLeaver(
  runtime: Runtime,
  lead: Lead,
  changeId: string,
  at: number,
): Promise<Decision[]> {
  if (lead.owner === undefined) return [];
  const owner = await runtime.reps.get(lead.owner);
  if (owner?.status !== "left") return [];
  const current = await runtime.leads.get(lead.id);
  if (current?.owner !== owner.id) return [];
  const { rules } = runtime;
  const named = withFunnel(rules, current);
  const [reps, loads, cursors] = await Promise.all([
    runtime.reps.all(),
    runtime.aggregates.loads(rules),
    runtime.cursors.all(),
  ]);
  const [move] = decideDeparture(rules, owner, [named], { reps, loads, cursors, now: at });
  if (move === undefined) return [];
  return (await runtime.departures.move(named, move, `late-${changeId}`, at)) ? [move] : [];
}

/**
 * One lead write: the core decides, the stores apply. `changeId` identifies the write (the stream
 * sequence number) so a redelivered record changes nothing. Follow-ups (emails to the outbox, the
 * assignment of a new lead, the duplicate index) are idempotent on their own, so they also run on
 * a redelivery, which finishes what a crash interrupted.
 */
export async function applyLeadChange(
  runtime: Runtime,
  change: LeadChange,
  changeId: string,
): Promise<Decision[]> {
  await refuseUnknownDuplicateLink(runtime, change);
  const { rules } = runtime;
  const decisions = decideLeadChange(rules, change);
  const grade = ofKind(decisions, "grade");
  const ledger = ofKind(decisions, "ledger");
  const lead = withFunnel(rules, { ...change.after, grade: change.after.grade ?? grade?.grade });
  let outcome: "applied" | "replay" | "superseded" | "graded" | "none" = "none";
  if (ledger !== undefined) {
    outcome = await runtime.leads.applyChange(
      {
        lead: change.after,
        ledger,
        grade,
        transition: ofKind(decisions, "transition"),
        cold: ofKind(decisions, "cold"),
        sale: ofKind(decisions, "sale"),
      },
      changeId,
    );
  } else if (grade !== undefined) {
    await runtime.leads.applyGrade(grade);
    outcome = "graded";
  }
  const followUps: Decision[] = [];
  const check = ofKind(decisions, "entry-check");
  if (check !== undefined)
    followUps.push(...entryCheckEmails(rules, check, lead, await runtime.reps.all()));
  if (outcome !== "superseded" && needsAssignment(rules, lead)) {
    // After the change above, the lead counts where its ledger put it.
    const counted = ledger === undefined ? lead.counted : ledger.counted.to;
    followUps.push(
      ...(await assign(runtime, { ...lead, counted }, change.at, outcome === "replay")),
    );
  }
  // Checked on every change that moved the lead's count to another rep, not only the hand change
  // itself: that record may have been superseded by a later one, which then moves the count and is
  // the last chance to notice. A change that keeps the count with the same rep (a stage change, the
  // engine's own write-back) was checked when the count came to that rep, and a rep who leaves
  // later has a departure that moves the lead: skipping it saves a read on every stage change.
  if (
    (outcome === "applied" || outcome === "replay") &&
    lead.owner !== undefined &&
    ledger !== undefined &&
    countedRep(ledger.counted.from) !== countedRep(ledger.counted.to)
  )
    followUps.push(...(await reassignFromLeaver(runtime, lead, changeId, change.at)));
  const index = matchIndexChanges(rules, change.before && withFunnel(rules, change.before), lead);
  if (index.put.length + index.remove.length > 0) await runtime.matches.apply(lead.id, index);
  await enqueueEmails(runtime, followUps);
  const reported = outcome === "replay" ? followUps : [...decisions, ...followUps];
  for (const decision of reported) runtime.report(decision, { source: "stream" });
  return reported;
}
