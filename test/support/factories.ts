import type { Lead } from "../../functions/core/records/lead";
import type { Rep } from "../../functions/core/records/rep";
import type { RuleFile } from "../../functions/core/rules/rule-schema";
import { compileRuleSet, type RuleSet } from "../../functions/core/rules/rule-set";

/** A small rule set in code: one funnel shaped like the shipped one, Shanghai calendar. */
export function aRuleFile(overrides: Partial<RuleFile> = {}): RuleFile {
  return {
    version: 1,
    settings: { locale: "en", currency: "CNY", sender: "funnel@example.com" },
    calendar: {
      timeZone: "Asia/Shanghai",
      workingDays: ["mon", "tue", "wed", "thu", "fri"],
      holidays: ["2026-10-01..2026-10-07"],
      extraWorkingDays: ["2026-10-10"],
    },
    funnels: [
      {
        id: "standard",
        label: "Standard",
        stages: [
          { id: "resource", label: "Resource", maxDwell: "1d", transferRate: 1 },
          { id: "graded", label: "Graded", maxDwell: "1d", transferRate: 0.9, idealPerRep: 10 },
          {
            id: "contacted",
            label: "Contacted",
            maxDwell: "5d",
            transferRate: 0.5,
            idealPerRep: 13,
            playbook: "Follow up",
          },
          { id: "lead", label: "Lead", maxDwell: "5d", transferRate: 0.3, idealPerRep: 7 },
          { id: "intent", label: "Intent", maxDwell: "3bd", transferRate: 0.1, idealPerRep: 2 },
          { id: "signed", label: "Signed", maxDwell: "5d", countsAsSale: true },
          { id: "implemented", label: "Implemented", terminal: "won" },
          { id: "abandoned", label: "Abandoned", terminal: "lost" },
        ],
      },
    ],
    grading: {
      default: "C",
      rules: [
        { id: "inbound", grade: "A", when: { field: "source", in: ["inbound", "trial"] } },
        { id: "mid-size", grade: "B", when: { field: "employees", gte: 50 } },
      ],
    },
    alerts: {
      dwell: {
        escalation: [
          { after: "1x", notify: "owner" },
          { after: "2x", notify: "manager" },
          { after: "3x", notify: "managers-manager" },
        ],
      },
    },
    ...overrides,
  };
}

export function aRuleSet(overrides: Partial<RuleFile> = {}): RuleSet {
  return compileRuleSet(aRuleFile(overrides));
}

export function aLead(overrides: Partial<Lead> = {}): Lead {
  return {
    id: "L1",
    funnel: "standard",
    stage: "contacted",
    owner: "rep-1",
    name: "Acme Trading",
    amount: 120_000,
    stageEnteredAt: "2026-11-02T01:00:00.000Z",
    ...overrides,
  };
}

export function aRep(overrides: Partial<Rep> = {}): Rep {
  return {
    id: "rep-1",
    name: "Li Wei",
    email: "rep-1@example.com",
    manager: "mgr-1",
    status: "active",
    ...overrides,
  };
}

/** rep-1 → mgr-1 → dir-1 → head. */
export function anOrg(extra: Rep[] = []): Map<string, Rep> {
  const reps = [
    aRep(),
    aRep({ id: "mgr-1", name: "Zhang Min", email: "mgr-1@example.com", manager: "dir-1" }),
    aRep({ id: "dir-1", name: "Wang Fang", email: "dir-1@example.com", manager: "head" }),
    aRep({ id: "head", name: "Chen Jie", email: "head@example.com", manager: undefined }),
    ...extra,
  ];
  return new Map(reps.map((rep) => [rep.id, rep]));
}

export const at = (iso: string) => Date.parse(iso);
