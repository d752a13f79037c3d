import type { AggregateRow } from "../../adapters/aggregate-store";
import type { Runtime } from "../../adapters/runtime";
import {
  type DriftDecision,
  driftDecision,
  isLedgerDrift,
  type ReconcileResult,
  reconcile,
} from "../../core/reconcile";

export interface ReconcileRun {
  result: ReconcileResult;
  decisions: DriftDecision[];
  /** Lead items that do not parse (they count only through `counted`, which they may lack). */
  unreadable: { key: string; reason: string }[];
  fixed: number;
  /** Drift left after this run: rows not fixed (or not fixable). */
  remaining: number;
}

const rowKey = (r: { repId: string; funnel: string; stage: string }) =>
  `${r.repId}\u0000${r.funnel}\u0000${r.stage}`;

/**
 * Compares the aggregates with the leads (a full scan: a maintenance job, run by hand or from
 * `funnel reconcile`). The aggregates are read before and after the scan; a row that changed in
 * between was being moved while the scan ran, so it is reported but never fixed. With `fix`, rows
 * whose aggregate differs from the leads' `counted` holdings are set back to them (see
 * core/reconcile.ts for why leads not yet counted are only reported).
 */
export async function runReconcile(
  runtime: Runtime,
  options: { fix?: boolean } = {},
): Promise<ReconcileRun> {
  const store = runtime.reconcile;
  const before = new Map((await runtime.aggregates.all()).map((row) => [rowKey(row), row]));
  const { leads, unreadable } = await store.scanLeads();
  const aggregates = await runtime.aggregates.all();
  const after = new Set(aggregates.map(rowKey));
  const moving = new Set([
    ...aggregates.filter((row) => !sameRow(before.get(rowKey(row)), row)).map(rowKey),
    ...[...before.keys()].filter((key) => !after.has(key)),
  ]);
  const result = reconcile(runtime.rules, { leads, aggregates });
  const decisions: DriftDecision[] = [];
  let fixed = 0;
  for (const row of result.drift) {
    const decision = driftDecision(row, result.unsettled);
    if (moving.has(rowKey(row))) {
      decision.outcome = "changed-meanwhile";
      decision.reason += "; it changed while the leads were read: run reconcile again";
    } else if (options.fix && isLedgerDrift(row)) {
      const done = await store.correct(row);
      decision.outcome = done ? "fixed" : "changed-meanwhile";
      decision.reason += done
        ? `; set to ${row.ledger.count} / ${row.ledger.amount}`
        : "; it changed before the fix could be written: run reconcile again";
      if (done) fixed += 1;
    }
    decisions.push(decision);
  }
  for (const decision of decisions) runtime.report(decision, { source: "reconcile" });
  const remaining = decisions.filter((d) => d.outcome !== "fixed" || d.cause !== "ledger").length;
  return { result, decisions, unreadable, fixed, remaining };
}

function sameRow(a: AggregateRow | undefined, b: AggregateRow): boolean {
  return a !== undefined && a.count === b.count && a.amount === b.amount;
}
