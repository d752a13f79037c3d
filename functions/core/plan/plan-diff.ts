import {
  identityOf,
  PLAN_KINDS,
  type PlanKind,
  recipientsOf,
  signatureOf,
  stageOf,
} from "./plan-kinds";
import type { Plan, PlannedDecision } from "./plan-types";

export interface ChangeCount {
  added: number;
  removed: number;
  changed: number;
}

export interface GroupChange extends ChangeCount {
  group: string;
}

export interface ChangedDecision {
  before: PlannedDecision;
  after: PlannedDecision;
}

/** How one kind of decision differs between the base plan and the proposed one. */
export interface KindChange extends ChangeCount {
  kind: PlanKind;
  base: number;
  proposed: number;
  /** By stage (dwell alerts, anomalies, entry checks, releases), largest first. */
  byStage: GroupChange[];
  /** By person told, or rep given the lead, largest first. */
  byRecipient: GroupChange[];
  addedDecisions: PlannedDecision[];
  removedDecisions: PlannedDecision[];
  changedDecisions: ChangedDecision[];
}

export interface PlanDiff {
  at: string;
  kinds: KindChange[];
  /** Record problems the proposed rules have and the base rules do not. */
  newProblems: PlannedDecision[];
}

/** Decisions by identity; the same identity twice in one plan is told apart by its occurrence. */
function keyed(decisions: readonly PlannedDecision[]): Map<string, PlannedDecision> {
  const map = new Map<string, PlannedDecision>();
  const seen = new Map<string, number>();
  for (const decision of decisions) {
    const id = identityOf(decision);
    const n = seen.get(id) ?? 0;
    seen.set(id, n + 1);
    map.set(`${id}#${n}`, decision);
  }
  return map;
}

function tally(
  groups: Map<string, GroupChange>,
  names: readonly string[],
  field: keyof ChangeCount,
): void {
  for (const group of names) {
    const entry = groups.get(group) ?? { group, added: 0, removed: 0, changed: 0 };
    entry[field] += 1;
    groups.set(group, entry);
  }
}

const size = (g: ChangeCount) => g.added + g.removed + g.changed;

function sorted(groups: Map<string, GroupChange>): GroupChange[] {
  return [...groups.values()].sort(
    (a, b) => size(b) - size(a) || (a.group < b.group ? -1 : a.group > b.group ? 1 : 0),
  );
}

/**
 * What the proposed rules change against the base rules on the same records: per kind of decision,
 * the decisions only the proposed plan has (added), only the base plan has (removed), and those
 * both have with a different outcome (changed: another recipient, rep, action …).
 */
export function diffPlans(base: Plan, proposed: Plan): PlanDiff {
  const before = keyed(base.decisions);
  const after = keyed(proposed.decisions);
  const kinds: KindChange[] = [];
  for (const kind of PLAN_KINDS) {
    const mine = (d: PlannedDecision) => kind.kinds.includes(d.kind);
    const change: KindChange = {
      kind,
      base: base.decisions.filter(mine).length,
      proposed: proposed.decisions.filter(mine).length,
      added: 0,
      removed: 0,
      changed: 0,
      byStage: [],
      byRecipient: [],
      addedDecisions: [],
      removedDecisions: [],
      changedDecisions: [],
    };
    const stages = new Map<string, GroupChange>();
    const recipients = new Map<string, GroupChange>();
    const count = (d: PlannedDecision, field: keyof ChangeCount) => {
      const stage = stageOf(d);
      if (stage !== undefined) tally(stages, [stage], field);
      tally(recipients, recipientsOf(d), field);
    };
    for (const [key, decision] of after) {
      if (!mine(decision)) continue;
      const old = before.get(key);
      if (old === undefined) {
        change.addedDecisions.push(decision);
        count(decision, "added");
      } else if (signatureOf(old) !== signatureOf(decision)) {
        change.changedDecisions.push({ before: old, after: decision });
        count(decision, "changed");
      }
    }
    for (const [key, decision] of before) {
      if (!mine(decision) || after.has(key)) continue;
      change.removedDecisions.push(decision);
      count(decision, "removed");
    }
    change.added = change.addedDecisions.length;
    change.removed = change.removedDecisions.length;
    change.changed = change.changedDecisions.length;
    change.byStage = sorted(stages);
    change.byRecipient = sorted(recipients);
    if (kind.always || change.base > 0 || change.proposed > 0) kinds.push(change);
  }
  const problems = kinds.find((k) => k.kind.id === "record-problem");
  return { at: proposed.at, kinds, newProblems: problems?.addedDecisions ?? [] };
}

/** "+42 dwell alerts in stage contacted", "−3 anomaly alerts", "0 reassignments". */
export function changeLines(change: KindChange): string[] {
  const { kind } = change;
  const noun = (n: number) => (n === 1 ? kind.one : kind.many);
  const lines = (c: ChangeCount, where: string) =>
    [
      c.added > 0 ? `+${c.added} ${noun(c.added)}${where}` : undefined,
      c.removed > 0 ? `−${c.removed} ${noun(c.removed)}${where}` : undefined,
      c.changed > 0 ? `${c.changed} ${noun(c.changed)} changed${where}` : undefined,
    ].filter((line): line is string => line !== undefined);
  if (size(change) === 0) return [`0 ${kind.many}`];
  if (kind.id === "dwell-alert" && change.byStage.length > 0)
    return change.byStage.flatMap((group) => lines(group, ` in stage ${group.group}`));
  return lines(change, "");
}
