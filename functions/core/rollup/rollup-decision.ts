import type { DueRollup } from "./cadence";

/** One manager's weekly roll-up: computed, and queued (or found already sent, or undeliverable). */
export interface RollupReportDecision {
  kind: "rollup";
  managerId: string;
  level: number;
  /** The reported week (its Monday). */
  week: string;
  /** The outbox key: one roll-up per manager per reported week. */
  emailKey: string;
  outcome: "queued" | "already-sent" | "undeliverable";
  /** The team's headline figures; absent when the report was already sent and not recomputed. */
  figures?: {
    forecast: number;
    salesQuarter: number;
    quota: number | null;
    /** Weekly progress as a fraction of the quota; null when it cannot be computed yet. */
    progress: number | null;
  };
  reason: string;
}

/** The reported week's snapshots: how many this run wrote, how many an earlier run had written. */
export interface RollupSnapshotDecision {
  kind: "rollup-snapshot";
  week: string;
  written: number;
  kept: number;
  reason: string;
}

export type RollupDecision = RollupReportDecision | RollupSnapshotDecision;

/** A roll-up is sent at most once per manager per reported week. */
export function rollupEmailKey(week: string, managerId: string): string {
  return `rollup#${week}#${managerId}`;
}

/** A due manager whose roll-up of `week` is already in the outbox: nothing is sent again. */
export function alreadySentDecision(
  rollup: DueRollup,
  week: string,
  runId: string,
): RollupReportDecision {
  return {
    kind: "rollup",
    managerId: rollup.manager.id,
    level: rollup.level,
    week,
    emailKey: rollupEmailKey(week, rollup.manager.id),
    outcome: "already-sent",
    reason: `${rollup.reason}; the roll-up of week ${week} is already in the outbox (run ${runId})`,
  };
}
