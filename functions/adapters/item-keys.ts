import type { RuleSet } from "../core/rules/rule-set";
import { DUE_SHARDS } from "./table-design";

/*
 * Key layout of the single table (docs/data-model.md). Every key is built here so that no other
 * module spells "LEAD#" or "HIST#" by hand; the counter items' keys live with their layout, in
 * counter-items.ts.
 */

export const leadKey = (leadId: string) => ({ pk: `LEAD#${leadId}`, sk: "LEAD" });
export const repKey = (repId: string) => ({ pk: `REP#${repId}`, sk: "REP" });
export const outboxKey = (key: string) => ({ pk: `OUTBOX#${key}`, sk: "OUTBOX" });

/** History entries sort by time under the lead; the change id makes a replay hit the same key. */
export const historyKey = (leadId: string, at: string, changeId: string) => ({
  pk: `LEAD#${leadId}`,
  sk: `HIST#${at}#${changeId}`,
});

export const kindKeys = (kind: "REP", sortKey: string) => ({
  kindPk: kind,
  kindSk: sortKey,
});

/** The largest amount a lead may have (core/records/lead.ts refuses more). */
const MAX_AMOUNT_MICROS = 10n ** 21n;

/**
 * A stage's leads on byOwner sort largest amount first, then by id, so the roll-up reads a rep's
 * top opportunities with a Limit instead of every lead in the stage: the sort key holds
 * 10^21 − the amount in millionths, 22 digits. Amounts have at most six decimals.
 */
export function amountRank(amount: number | undefined): string {
  const safe =
    amount === undefined || !Number.isFinite(amount) || amount <= 0 ? 0 : Math.min(amount, 1e15);
  const micros = BigInt(safe.toFixed(6).replace(".", ""));
  return (MAX_AMOUNT_MICROS - micros).toString().padStart(22, "0");
}

/** Where a stage's leads start on one rep's byOwner partition. */
export const ownerStagePrefix = (funnel: string, stage: string) => `${funnel}#${stage}#`;

/** Where each stage's leads start in a rep's byOwner partition, for every funnel of the rules. */
export const ownerStagePrefixes = (rules: RuleSet): string[] =>
  rules.funnels.flatMap((funnel, i) =>
    funnel.stages.flatMap((stage) => [
      ownerStagePrefix(funnel.id, stage.id),
      // Leads written without a funnel belong to the first and are indexed without its id.
      ...(i === 0 ? [ownerStagePrefix("", stage.id)] : []),
    ]),
  );

export const ownerKeys = (
  repId: string,
  funnel: string,
  stage: string,
  leadId: string,
  amount: number | undefined,
) => ({
  ownerPk: `OWNER#${repId}`,
  ownerSk: `${ownerStagePrefix(funnel, stage)}${amountRank(amount)}#${leadId}`,
});

export type TimerKind = "DWELL" | "COLD" | "OUTBOX";

/** FNV-1a: stable across runtimes, so a lead always lands on the same shard. */
export function shardOf(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i += 1) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % DUE_SHARDS;
}

export const timerPk = (kind: TimerKind, shard: number) => `${kind}#${shard}`;

export const timerKeys = (kind: TimerKind, id: string, dueAt: string) => ({
  duePk: timerPk(kind, shardOf(id)),
  dueSk: `${dueAt}#${id}`,
});

/** Upper bound for "due at or before `instant`" on dueSk ('~' sorts after '#' and every id). */
export const dueUpTo = (instant: string) => `${instant}~`;

/** One open lead under one duplicate-match key (see core/duplicates.ts). */
export const matchKey = (key: string, leadId: string) => ({
  pk: `MATCH#${key}`,
  sk: `LEAD#${leadId}`,
});

/** Round robin's position per scope. */
export const cursorKey = (scope: string) => ({ pk: `CURSOR#${scope}`, sk: "CURSOR" });

/** One departure of a rep, written when it begins: a run that finds it is a retry. */
export const departureKey = (repId: string, departureId: string) => ({
  pk: `DEPARTURE#${repId}`,
  sk: departureId,
});

/**
 * The journal of one departure of a rep (a rep may leave, return and leave again): each lead it
 * moves carries these keys, so the byKind index lists the departure's moves for the handoff emails.
 * The departure id is the rep record's stream sequence number, so a redelivery resumes the same
 * departure.
 */
export const handoffKeys = (repId: string, departureId: string, leadId: string) => ({
  kindPk: `HANDOFF#${repId}#${departureId}`,
  kindSk: leadId,
});

/** One person's roll-up figures at the end of one reported week (see core/rollup/snapshot.ts). */
export const snapshotKey = (repId: string, week: string) => ({
  pk: `SNAP#${repId}`,
  sk: week,
});

/** Every snapshot of one week is one query on the byKind index. */
export const snapshotKindKeys = (repId: string, week: string) => ({
  kindPk: `SNAP#${week}`,
  kindSk: repId,
});
