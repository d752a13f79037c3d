import type { AssignmentContext } from "../../functions/core/distribution/decide-assignment";
import { type RepLoad, stageKey } from "../../functions/core/distribution/rep-load";
import type { Lead } from "../../functions/core/records/lead";
import type { Rep } from "../../functions/core/records/rep";
import type { DistributionRules } from "../../functions/core/rules/rule-schema";
import type { RuleSet } from "../../functions/core/rules/rule-set";
import { aLead, anOrg, aRep, aRuleSet, at } from "./factories";

/** A weekday morning in Shanghai, after the away reps' return dates used in the tests. */
export const NOW = at("2026-11-10T02:00:00.000Z");

/** rules/distribution.yaml's distribution, with the unassigned and cold pools. */
export function aDistribution(overrides: Partial<DistributionRules> = {}): RuleSet {
  return aRuleSet({
    distribution: {
      steps: [
        { use: "discoverer", bonus: 2 },
        { use: "territory", leadField: "region", repField: "region", fallback: "anyone" },
        { use: "least-loaded" },
      ],
      capacity: { maxPerStage: "1.5x", maxOpen: 60 },
      whenNoRep: { pool: "unassigned", notify: ["manager"] },
      ...overrides,
    },
    pools: [
      { id: "unassigned", label: "Unassigned" },
      { id: "cold", label: "Cooling off" },
    ],
  });
}

/** A lead waiting for an owner, in graded (ideal 10 per rep, so a 1.5x cap of 15). */
export function aNewLead(overrides: Partial<Lead> = {}): Lead {
  return aLead({ owner: undefined, stage: "graded", ...overrides });
}

/** A seller reporting to mgr-1 (anOrg's first-line manager). */
export function aSeller(id: string, overrides: Partial<Rep> = {}): Rep {
  return aRep({ id, name: `Seller ${id}`, email: `${id}@example.com`, ...overrides });
}

/**
 * anOrg's chain (mgr-1 → dir-1 → head) with these sellers under mgr-1 instead of its rep-1. A
 * seller with another manager keeps it.
 */
export function aSalesOrg(sellers: Rep[]): Map<string, Rep> {
  const org = anOrg();
  org.delete("rep-1");
  for (const seller of sellers) org.set(seller.id, seller);
  return org;
}

/** What a rep holds: stage counts in the standard funnel; open defaults to their sum. */
export function aLoad(stages: Record<string, number> = {}, open?: number): RepLoad {
  const counts = Object.entries(stages);
  return {
    open: open ?? counts.reduce((sum, [, count]) => sum + count, 0),
    byStage: new Map(counts.map(([stage, count]) => [stageKey("standard", stage), count])),
  };
}

export function loadsOf(loads: Record<string, RepLoad>): Map<string, RepLoad> {
  return new Map(Object.entries(loads));
}

export function aContext(overrides: Partial<AssignmentContext> = {}): AssignmentContext {
  return {
    reps: aSalesOrg([aSeller("rep-1")]),
    loads: new Map(),
    cursors: new Map(),
    now: NOW,
    ...overrides,
  };
}
