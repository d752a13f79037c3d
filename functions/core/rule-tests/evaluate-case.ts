import { decideAnomalyRun } from "../anomalies/anomaly-run";
import { decideRelease } from "../cold-release";
import type { Decision, DwellActionDecision } from "../decisions";
import { decideDeparture } from "../departure";
import { decideAssignment } from "../distribution/decide-assignment";
import { loadsFromHoldings, type RepLoad } from "../distribution/rep-load";
import { duplicateAssignment, matchKeys, pickDuplicate } from "../duplicates";
import { moveCounts } from "../holding";
import { decideLeadChange, type LeadChange, needsAssignment } from "../lead-change";
import {
  entryCheckEmails,
  type HandoffEntry,
  handoffEmails,
  handoffEntry,
  noRepEmail,
} from "../notices";
import type { Lead } from "../records/lead";
import { RecordError } from "../records/record-error";
import type { Rep } from "../records/rep";
import { findFunnel, type RuleSet, withFunnel } from "../rules/rule-set";
import { decideSweep } from "../sweep";
import type { GivenHolding, RuleTestCase } from "./case-file";

/*
 * A case run through the real core, the way the handlers drive it, with the table replaced by what
 * the case gives: the same decide* functions, in the same order, with the same follow-ups (the
 * assignment of a new lead, the emails the event path queues). Only the writes are left out, so
 * what a write would trigger next (a released lead's distribution, an abandoned lead's cooling
 * off) is decided here from the record as the write leaves it.
 */

const RUN_ID = "rule-test";

/** The table as a case gives it. */
interface World {
  rules: RuleSet;
  reps: Map<string, Rep>;
  /** Other leads: duplicates of a new lead, the leads a job or a departure works on. */
  leads: Lead[];
  /** What each rep holds per stage: the listed leads they own plus the case's holdings. */
  holdings: GivenHolding[];
  at: number;
}

export function evaluateCase(rules: RuleSet, testCase: RuleTestCase): Decision[] {
  const leads = testCase.leads.map((lead) => withFunnel(rules, lead));
  const world: World = {
    rules,
    reps: new Map(testCase.reps),
    leads,
    holdings: holdingsOf(rules, leads, testCase.holdings),
    at: testCase.at,
  };
  const event = testCase.event;
  switch (event.kind) {
    case "lead":
      return onLeadWrite(world, { after: event.lead, at: world.at });
    case "change":
      return onLeadWrite(world, { before: event.before, after: event.after, at: world.at });
    case "rep-leaves":
      return onRepLeaves(world, event.repId);
    case "job":
      switch (event.job) {
        case "sweep":
          return sweep(world);
        case "release-cold":
          return releaseCold(world);
        case "anomalies":
          return decideAnomalyRun(rules, {
            reps: world.reps,
            flows: testCase.flows,
            holdings: world.holdings,
            now: world.at,
            runId: RUN_ID,
          }).decisions;
      }
  }
}

/** Where the listed leads count (an owned lead counts for its owner), plus the given counts. */
function holdingsOf(rules: RuleSet, leads: Lead[], given: GivenHolding[]): GivenHolding[] {
  const rows = new Map<string, GivenHolding>();
  const add = (row: GivenHolding) => {
    const key = `${row.repId}\u0000${row.funnel}\u0000${row.stage}`;
    const known = rows.get(key);
    if (known === undefined) rows.set(key, { ...row });
    else {
      known.count += row.count;
      known.amount += row.amount;
    }
  };
  for (const lead of leads) {
    const funnel = findFunnel(rules, lead.funnel);
    if (lead.owner === undefined || funnel === undefined) continue;
    add({
      repId: lead.owner,
      funnel: funnel.id,
      stage: lead.stage,
      count: 1,
      amount: lead.amount ?? 0,
    });
  }
  for (const row of given) add(row);
  return [...rows.values()];
}

/** What each rep holds, as AggregateStore.loads reads it from the aggregates. */
function loadsOf(world: World): Map<string, RepLoad> {
  return loadsFromHoldings(world.rules, world.holdings);
}

function problem(error: unknown): Decision {
  if (!(error instanceof RecordError)) throw error;
  return { kind: "record-problem", recordId: error.recordId, reason: error.message };
}

/** The stream handler on one lead write (handlers/jobs/apply-lead-change.ts), without the writes. */
function onLeadWrite(world: World, change: LeadChange): Decision[] {
  const { rules, reps } = world;
  let decisions: Decision[];
  try {
    decisions = decideLeadChange(rules, change);
  } catch (error) {
    return [problem(error)];
  }
  const grade = decisions.find((d) => d.kind === "grade");
  const ledger = decisions.find((d) => d.kind === "ledger");
  const lead = withFunnel(rules, { ...change.after, grade: change.after.grade ?? grade?.grade });
  const followUps: Decision[] = [];
  const check = decisions.find((d) => d.kind === "entry-check");
  if (check !== undefined) followUps.push(...entryCheckEmails(rules, check, lead, reps));
  if (needsAssignment(rules, lead)) {
    const counted = ledger === undefined ? lead.counted : ledger.counted.to;
    followUps.push(...assign(world, { ...lead, counted }, change.at));
  }
  return [...decisions, ...followUps];
}

/** A lead to distribute: to the owner of the open lead it duplicates, else by the steps. */
function assign(world: World, lead: Lead, at: number): Decision[] {
  const { rules, reps } = world;
  const keys = matchKeys(rules, lead);
  const candidates =
    keys.length === 0
      ? []
      : world.leads.filter((other) => matchKeys(rules, other).some((key) => keys.includes(key)));
  const duplicate = pickDuplicate(rules, lead, candidates);
  if (duplicate?.owner !== undefined) {
    return [duplicateAssignment(rules, lead, { ...duplicate, owner: duplicate.owner })];
  }
  const decision = decideAssignment(rules, lead, {
    reps,
    loads: loadsOf(world),
    cursors: new Map(),
    now: at,
  });
  const decisions: Decision[] = [decision];
  if (decision.repId === null) decisions.push(...noRepEmail(rules, decision, lead, reps, at));
  return decisions;
}

/** The dwell sweep (handlers/jobs/run-sweep.ts) over the case's leads, dwell actions included. */
function sweep(world: World): Decision[] {
  const { rules, reps, at } = world;
  const decisions = decideSweep(rules, { leads: world.leads, reps, now: at, runId: RUN_ID });
  const byId = new Map(world.leads.map((lead) => [lead.id, lead]));
  const actions = decisions.filter((d): d is DwellActionDecision => d.kind === "dwell-action");
  for (const action of actions) {
    const lead = byId.get(action.leadId);
    if (lead === undefined) continue;
    decisions.push(...dwellAction(world, lead, action));
  }
  return decisions;
}

function dwellAction(world: World, lead: Lead, action: DwellActionDecision): Decision[] {
  const { rules, reps, at } = world;
  if (action.action === "abandon") {
    // The sweep moves the lead to the lost end stage; its stream record cools it off.
    const lost = findFunnel(rules, lead.funnel)?.stages.find((s) => s.terminal === "lost");
    if (lost === undefined) return [];
    const after: Lead = { ...lead, stage: lost.id, stageEnteredAt: new Date(at).toISOString() };
    return onLeadWrite(world, { before: lead, after, at });
  }
  if (lead.owner === undefined) return [];
  const choice = decideAssignment(rules, lead, {
    reps,
    loads: loadsOf(world),
    cursors: new Map(),
    now: at,
    exclude: new Set([lead.owner]),
  });
  if (choice.repId === null) {
    return [
      {
        kind: "record-problem",
        recordId: lead.id,
        reason: `dwell action reassign: ${choice.reason}; the lead stays with ${lead.owner}`,
      },
    ];
  }
  return [
    {
      kind: "reassign",
      leadId: lead.id,
      from: lead.owner,
      to: choice.repId,
      via: "dwell-action",
      ...moveCounts(rules, lead, choice.repId),
      reason: `dwell action: ${action.reason}; ${choice.reason}`,
    },
  ];
}

/** The cold release (handlers/jobs/run-release.ts); a released lead is then distributed anew. */
function releaseCold(world: World): Decision[] {
  const { rules, at } = world;
  const decisions: Decision[] = [];
  for (const lead of world.leads) {
    let release: ReturnType<typeof decideRelease>;
    try {
      release = decideRelease(rules, lead, at);
    } catch (error) {
      decisions.push(problem(error));
      continue;
    }
    if (release === undefined) continue;
    decisions.push(release);
    // What LeadStore.release writes; its stream record comes next.
    const { pool: _pool, coldUntil: _coldUntil, ...rest } = lead;
    const after: Lead = {
      ...rest,
      funnel: release.funnel,
      stage: release.stage,
      stageEnteredAt: release.at,
      updatedBy: "funnel-rules (cold release)",
      grade: release.grade,
      gradeRule: "cold-return",
    };
    decisions.push(...onLeadWrite(world, { before: lead, after, at }));
  }
  return decisions;
}

/** A rep leaves (handlers/jobs/run-departure.ts): their leads are planned again, then handed off. */
function onRepLeaves(world: World, repId: string): Decision[] {
  const { rules, at } = world;
  const before = world.reps.get(repId);
  if (before === undefined) return [];
  const leaver: Rep = { ...before, status: "left" };
  const reps = new Map(world.reps);
  reps.set(repId, leaver);
  const theirs = world.leads.filter((lead) => lead.owner === repId);
  const plan = decideDeparture(rules, leaver, theirs, {
    reps,
    loads: loadsOf({ ...world, reps }),
    cursors: new Map(),
    now: at,
  });
  const byId = new Map(theirs.map((lead) => [lead.id, lead]));
  const moves: HandoffEntry[] = plan.flatMap((move) => {
    const lead = byId.get(move.leadId);
    if (lead === undefined) return [];
    return [
      handoffEntry({
        ...lead,
        owner: move.to ?? undefined,
        pool: move.to === null ? (move.pool ?? "unassigned") : undefined,
      }),
    ];
  });
  return [...plan, ...handoffEmails(rules, leaver, moves, reps, RUN_ID, at)];
}
