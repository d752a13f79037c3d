import { decodeHolding, encodeHolding, type Holding } from "./holding";
import type { Lead } from "./records/lead";
import { findFunnel, findStage, type RuleSet } from "./rules/rule-set";

/*
 * Reconcile: do the per-rep per-stage aggregates match the leads? The expected aggregates follow
 * from each lead's owner, funnel, stage and amount (a lead counts for its owner; a lead without
 * one counts nowhere). Drift splits in two, because only one part may be written over:
 * - the ledger: each lead records where it counts (`counted`) in the same transaction that moves
 *   the aggregates, so the aggregates must equal the sum over `counted`. A difference there is a
 *   bug or a hand edit, and `fix` writes the aggregate back to that sum.
 * - unsettled leads: `counted` differs from what the lead's fields say. Normally that is a stream
 *   record not applied yet; the event path settles it. Writing over it here would make that
 *   record's own write miss (its condition on `counted` fails) and lose its due time or sale, so
 *   it is only reported. A lead that stays unsettled lost its stream record: writing the lead
 *   again (any attribute, e.g. updatedBy) makes the stream recount it.
 */

export interface AggregateFigure {
  repId: string;
  funnel: string;
  stage: string;
  count: number;
  amount: number;
}

type Tally = { count: number; amount: number };

export interface DriftRow {
  repId: string;
  funnel: string;
  stage: string;
  /** What the leads' fields say. */
  expected: Tally;
  /** What the aggregate holds. */
  actual: Tally;
  /** What the leads' `counted` says: the value `fix` writes. */
  ledger: Tally;
}

export interface UnsettledLead {
  leadId: string;
  counted?: string;
  expected?: string;
}

export interface ReconcileResult {
  expected: AggregateFigure[];
  drift: DriftRow[];
  unsettled: UnsettledLead[];
  /** Leads whose funnel or stage is not in the rules: counted by `counted` only. */
  problems: { leadId: string; reason: string }[];
  leads: number;
}

/** One aggregate row that does not match the leads, and what reconcile did about it. */
export interface DriftDecision {
  kind: "drift";
  repId: string;
  funnel: string;
  stage: string;
  expected: Tally;
  actual: Tally;
  /** fixable: the ledger disagrees with the aggregate; unsettled: only leads not yet counted. */
  cause: "ledger" | "unsettled" | "both";
  outcome: "reported" | "fixed" | "changed-meanwhile";
  reason: string;
}

const EPSILON = 1e-6;
const same = (a: Tally, b: Tally) => a.count === b.count && Math.abs(a.amount - b.amount) < EPSILON;
const rowKey = (r: { repId: string; funnel: string; stage: string }) =>
  `${r.repId}\u0000${r.funnel}\u0000${r.stage}`;

/** Where a lead should count, from its own fields; undefined for no owner, throws for no stage. */
export function expectedHolding(rules: RuleSet, lead: Lead): Holding | undefined {
  if (lead.owner === undefined) return undefined;
  const funnel = findFunnel(rules, lead.funnel);
  if (funnel === undefined) throw new Error(`funnel "${lead.funnel}" is not in the rules`);
  if (findStage(funnel, lead.stage) === undefined)
    throw new Error(`stage "${lead.stage}" is not a stage of funnel ${funnel.id}`);
  return { funnel: funnel.id, stage: lead.stage, amount: lead.amount ?? 0, repId: lead.owner };
}

function addTo(map: Map<string, AggregateFigure>, holding: Holding): void {
  const key = rowKey(holding);
  const row = map.get(key) ?? { ...holding, count: 0, amount: 0 };
  row.count += 1;
  row.amount += holding.amount;
  map.set(key, row);
}

export function reconcile(
  rules: RuleSet,
  input: { leads: readonly Lead[]; aggregates: readonly AggregateFigure[] },
): ReconcileResult {
  const expected = new Map<string, AggregateFigure>();
  const ledger = new Map<string, AggregateFigure>();
  const unsettled: UnsettledLead[] = [];
  const problems: ReconcileResult["problems"] = [];
  for (const lead of input.leads) {
    const counted = decodeHolding(lead.counted);
    if (counted !== undefined) addTo(ledger, counted);
    let holding: Holding | undefined;
    try {
      holding = expectedHolding(rules, lead);
    } catch (error) {
      problems.push({ leadId: lead.id, reason: (error as Error).message });
      continue;
    }
    if (holding !== undefined) addTo(expected, holding);
    if (encodeHolding(holding) !== encodeHolding(counted)) {
      unsettled.push({
        leadId: lead.id,
        counted: encodeHolding(counted),
        expected: encodeHolding(holding),
      });
    }
  }
  const actual = new Map(input.aggregates.map((row) => [rowKey(row), row]));
  const keys = [...new Set([...expected.keys(), ...ledger.keys(), ...actual.keys()])].sort();
  const zero = { count: 0, amount: 0 };
  const tally = (row: AggregateFigure | undefined): Tally =>
    row === undefined ? zero : { count: row.count, amount: row.amount };
  const drift: DriftRow[] = [];
  for (const key of keys) {
    const row = (actual.get(key) ?? expected.get(key) ?? ledger.get(key)) as AggregateFigure;
    const entry = {
      repId: row.repId,
      funnel: row.funnel,
      stage: row.stage,
      expected: tally(expected.get(key)),
      actual: tally(actual.get(key)),
      ledger: tally(ledger.get(key)),
    };
    if (!same(entry.expected, entry.actual) || !same(entry.ledger, entry.actual)) drift.push(entry);
  }
  return {
    expected: [...expected.values()],
    drift,
    unsettled,
    problems,
    leads: input.leads.length,
  };
}

/** Whether `fix` would write this row: the aggregate differs from the leads' `counted`. */
export function isLedgerDrift(row: DriftRow): boolean {
  return !same(row.ledger, row.actual);
}

export function driftDecision(row: DriftRow, unsettled: readonly UnsettledLead[]): DriftDecision {
  const ledger = isLedgerDrift(row);
  const fieldsDiffer = !same(row.expected, row.ledger);
  const where = `${row.repId} ${row.funnel}#${row.stage}`;
  const involved = unsettled
    .filter((u) =>
      [u.counted, u.expected].some((h) => {
        const d = decodeHolding(h);
        return d !== undefined && rowKey(d) === rowKey(row);
      }),
    )
    .map((u) => u.leadId);
  const parts = [
    `aggregate ${row.actual.count} leads / ${row.actual.amount}, the leads say ${row.expected.count} / ${row.expected.amount}`,
    ...(ledger
      ? [`their counted holdings say ${row.ledger.count} / ${row.ledger.amount}: fixable`]
      : []),
    ...(fieldsDiffer
      ? [
          `not yet counted: ${involved.join(", ") || "(no lead of this row; see the lead problems)"} (a pending stream record, or write the lead again to recount it)`,
        ]
      : []),
  ];
  return {
    kind: "drift",
    repId: row.repId,
    funnel: row.funnel,
    stage: row.stage,
    expected: row.expected,
    actual: row.actual,
    cause: ledger && fieldsDiffer ? "both" : ledger ? "ledger" : "unsettled",
    outcome: "reported",
    reason: `${where}: ${parts.join("; ")}`,
  };
}
