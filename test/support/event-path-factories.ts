import { randomUUID } from "node:crypto";
import type { Lead } from "../../functions/core/records/lead";
import type { Rep } from "../../functions/core/records/rep";
import type { DistributionRules, RuleFile } from "../../functions/core/rules/rule-schema";
import type { RuleSet } from "../../functions/core/rules/rule-set";
import { aLead, aRep, aRuleSet } from "./factories";

/*
 * Test data for the event path (stream → handler → DynamoDB Local). The SES stand-in's inbox is
 * shared by every test file, so every person gets an address unique to the test that made it.
 */

/** A short unique tag for email addresses, so one test's emails never match another's. */
export const aSuffix = () => randomUUID().slice(0, 8);

/** An address unique to `suffix`: `rep-a-1a2b3c4d@example.com`. */
export const emailOf = (id: string, suffix: string) => `${id}-${suffix}@example.com`;

/** A seller reporting to mgr-1 (the first-line manager of aTeam). */
export function aSeller(id: string, suffix: string, overrides: Partial<Rep> = {}): Rep {
  return aRep({
    id,
    name: `Seller ${id}`,
    email: emailOf(id, suffix),
    manager: "mgr-1",
    ...overrides,
  });
}

/** An away seller: back at `awayUntil` (an ISO time). */
export function anAwaySeller(
  id: string,
  suffix: string,
  awayUntil: string,
  overrides: Partial<Rep> = {},
): Rep {
  return aSeller(id, suffix, { status: "away", awayUntil, ...overrides });
}

/** The first-line manager mgr-1 under the head, then the given sellers. */
export function aTeam(suffix: string, sellers: Rep[]): Rep[] {
  return [
    aRep({ id: "head", name: "Chen Jie", email: emailOf("head", suffix), manager: undefined }),
    aRep({ id: "mgr-1", name: "Zhang Min", email: emailOf("mgr-1", suffix), manager: "head" }),
    ...sellers,
  ];
}

/** An ISO time `days` days from the wall clock (negative: in the past). */
export const daysFromNow = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

/**
 * The factory rule set (standard funnel, Shanghai calendar, grading: source inbound/trial → A,
 * employees ≥ 50 → B, else C) with these distribution rules and the unassigned and cold pools.
 */
export function anEventPathRuleSet(
  distribution: Partial<DistributionRules> = {},
  overrides: Partial<RuleFile> = {},
): RuleSet {
  return aRuleSet({
    distribution: {
      steps: [{ use: "least-loaded" }],
      whenNoRep: { pool: "unassigned", notify: ["manager"] },
      whenRepLeaves: { reassignTo: "same-team", notify: ["manager"] },
      ...distribution,
    },
    pools: [
      { id: "unassigned", label: "Unassigned" },
      { id: "cold", label: "Cooling off" },
    ],
    cold: { cooldown: "30d", pool: "cold", returnTo: { stage: "resource", grade: "C" } },
    ...overrides,
  });
}

/**
 * A lead as a web form or CRM writes it before distribution: no owner, in graded (ideal 10 per
 * rep), no entry time, so the engine stamps it.
 */
export function aFreshLead(id: string, overrides: Partial<Lead> = {}): Lead {
  return aLead({
    id,
    name: `Customer ${id}`,
    owner: undefined,
    stage: "graded",
    amount: 10_000,
    stageEnteredAt: undefined,
    ...overrides,
  });
}

/** A lead some rep already works. */
export function anOwnedLead(id: string, owner: string, overrides: Partial<Lead> = {}): Lead {
  return aFreshLead(id, { owner, ...overrides });
}

/** `count` leads with ids `${prefix}001`, `${prefix}002` … (same length, so no id contains another). */
export function numberedLeads(
  count: number,
  make: (id: string, index: number) => Lead,
  prefix = "L",
): Lead[] {
  const width = String(count).length;
  return Array.from({ length: count }, (_, i) =>
    make(`${prefix}${String(i + 1).padStart(Math.max(3, width), "0")}`, i),
  );
}

/**
 * A lead record as a faulty writer might put it, with values of the wrong type (e.g. amount
 * "lots"): typed as a Lead only so that the usual writers accept it.
 */
export function aMalformedLead(id: string, raw: Record<string, unknown>): Lead {
  return { ...aFreshLead(id), ...raw } as Lead;
}
