import { dwellRatio, levelDueAt } from "../../functions/core/dwell-timer";
import { gradeLead } from "../../functions/core/grade-lead";
import type { Lead } from "../../functions/core/records/lead";
import type { Rep } from "../../functions/core/records/rep";
import { findFunnel, findStage, type RuleSet } from "../../functions/core/rules/rule-set";
import { decideDwell } from "../../functions/core/sweep";
import type { BenchContext, BenchResult } from "./bench-context";
import { fmt } from "./bench-context";
import { longCycleMultiple, type PeerVerdict, peerEngine } from "./peer-rules";
import { openStages, sellersOf, syntheticReps } from "./synthetic-org";

const NOW = Date.parse("2026-11-23T01:00:00.000Z");
const HOUR = 3_600_000;
const LEADS = 20_000;
const ROUNDS = 9;
const SOURCES = ["web", "inbound", "trial", "referral", "event"];

/** Leads that exercise every grading rule and dwell level: varied sources, sizes and stage ages. */
export function benchLeads(rules: RuleSet, sellers: Rep[], count: number): Lead[] {
  const stages = openStages(rules);
  return Array.from({ length: count }, (_, i) => {
    const stage = stages[i % stages.length] as { id: string };
    return {
      id: `T${i}`,
      funnel: "standard",
      stage: stage.id,
      owner: (sellers[i % sellers.length] as Rep).id,
      source: SOURCES[i % SOURCES.length],
      employees: (i * 37) % 1200,
      productFit: i % 3 !== 0,
      contactVerified: i % 4 !== 0,
      amount: 1000 * (1 + (i % 50)),
      // Up to 20 days in stage, at odd hours, so every escalation level occurs.
      stageEnteredAt: new Date(NOW - ((i * 7919) % (20 * 24)) * HOUR - 1_234_567).toISOString(),
      nextActionAt: i % 10 === 0 ? new Date(NOW + 48 * HOUR).toISOString() : undefined,
      dwellLevel: 0,
    };
  });
}

/**
 * The core's verdict on one lead, from the functions the sweep and the anomaly job use: the grade,
 * the escalation levels whose due time has passed (none while a next action is planned), and
 * whether time in stage is over the long-cycle multiple. The same three outputs as the peer's.
 */
export function coreVerdict(
  rules: RuleSet,
  lead: Lead,
  now: number,
  longCycle: number,
): PeerVerdict {
  const grade = gradeLead(rules, lead).grade;
  const funnel = findFunnel(rules, lead.funnel);
  const stage = funnel && findStage(funnel, lead.stage);
  if (stage === undefined || lead.stageEnteredAt === undefined)
    return { grade, dwellLevel: 0, longCycle: false };
  const enteredAt = Date.parse(lead.stageEnteredAt);
  const planned = lead.nextActionAt === undefined ? Number.NaN : Date.parse(lead.nextActionAt);
  let dwellLevel = 0;
  if (!(rules.alerts.dwell?.respectNextAction && planned > now))
    for (let due = levelDueAt(rules, stage, enteredAt, 0); due !== null && due <= now; )
      due = levelDueAt(rules, stage, enteredAt, ++dwellLevel);
  const ratio = dwellRatio(rules, stage, enteredAt, now) ?? 0;
  return { grade, dwellLevel, longCycle: ratio > longCycle };
}

/** The sweep's full answer for one lead: its dwell decisions with recipients and reasons. */
export function coreDecisions(
  rules: RuleSet,
  lead: Lead,
  reps: ReadonlyMap<string, Rep>,
  now: number,
  longCycle: number,
): PeerVerdict {
  const grade = gradeLead(rules, lead).grade;
  const { alerts } = decideDwell(rules, lead, reps, now);
  const funnel = findFunnel(rules, lead.funnel);
  const stage = funnel && findStage(funnel, lead.stage);
  const ratio =
    stage === undefined
      ? undefined
      : dwellRatio(rules, stage, Date.parse(lead.stageEnteredAt as string), now);
  return { grade, dwellLevel: alerts.length, longCycle: (ratio ?? 0) > longCycle };
}

function timed(work: () => void | Promise<void>): Promise<number> {
  const started = performance.now();
  return Promise.resolve(work()).then(() => performance.now() - started);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** Benchmark 2: leads evaluated per second by the core and by json-rules-engine, same rules. */
export async function coreThroughput(context: BenchContext): Promise<BenchResult> {
  const { rules } = context;
  const people = syntheticReps({ people: 1000 });
  const reps = new Map(people.map((r) => [r.id, r]));
  const leads = benchLeads(rules, sellersOf(people), LEADS);
  const longCycle = longCycleMultiple(rules);
  const peer = peerEngine(rules);

  // Both must reach the same verdict on every lead before their speeds mean anything.
  let mismatches = 0;
  const levels = new Map<number, number>();
  for (const lead of leads) {
    const ours = coreVerdict(rules, lead, NOW, longCycle);
    const full = coreDecisions(rules, lead, reps, NOW, longCycle);
    const theirs = await peer(lead, NOW);
    if (JSON.stringify(full) !== JSON.stringify(ours)) mismatches += 1;
    levels.set(ours.dwellLevel, (levels.get(ours.dwellLevel) ?? 0) + 1);
    if (JSON.stringify(ours) !== JSON.stringify(theirs)) {
      mismatches += 1;
      if (mismatches <= 3)
        context.log(
          `mismatch on ${lead.id}: core ${JSON.stringify(ours)}, peer ${JSON.stringify(theirs)}`,
        );
    }
  }
  if (mismatches > 0) throw new Error(`the engines disagree on ${mismatches} of ${LEADS} leads`);

  const coreMs: number[] = [];
  const fullMs: number[] = [];
  const peerMs: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    coreMs.push(
      await timed(() => {
        for (const lead of leads) coreVerdict(rules, lead, NOW, longCycle);
      }),
    );
    fullMs.push(
      await timed(() => {
        for (const lead of leads) coreDecisions(rules, lead, reps, NOW, longCycle);
      }),
    );
    peerMs.push(
      await timed(async () => {
        for (const lead of leads) await peer(lead, NOW);
      }),
    );
  }
  const coreRate = LEADS / (median(coreMs) / 1000);
  const peerRate = LEADS / (median(peerMs) / 1000);
  const fullRate = LEADS / (median(fullMs) / 1000);
  const ratio = coreRate / peerRate;
  return {
    id: "core-throughput",
    title: "Core evaluation throughput",
    figures: [
      ["Leads, each graded, dwell-checked and long-cycle-checked", fmt(LEADS)],
      ["Verdicts that differ between the engines", fmt(mismatches)],
      [
        "Dwell levels reached (0/1/2/3)",
        [0, 1, 2, 3].map((l) => fmt(levels.get(l) ?? 0)).join(" / "),
      ],
      ["funnel-rules core: grade, levels reached, long-cycle flag", `${fmt(coreRate)} leads/s`],
      [
        "funnel-rules core: the sweep's full dwell decisions (recipients, reasons) instead of levels",
        `${fmt(fullRate)} leads/s = ${(fullRate / peerRate).toFixed(0)}× json-rules-engine`,
      ],
      ["json-rules-engine: grade, levels reached, long-cycle flag", `${fmt(peerRate)} leads/s`],
      ["Rounds (each figure is the median)", String(ROUNDS)],
    ],
    ratio: `${ratio.toFixed(0)}× json-rules-engine`,
    target: "≥ 50× json-rules-engine",
    met: ratio >= 50,
    notes: [
      "The json-rules-engine rules are translated from the same RuleSet (scripts/bench/peer-rules.ts); the run first checks both engines give the same grade, dwell level and long-cycle flag on every lead.",
      "Both answer the same three questions per lead. The core counts time in stage on the rules' calendar (time zone, wall clock); the peer is handed time in stage precomputed as a plain number, which favours it.",
      "The second core figure is what the sweep actually runs per due lead (alert decisions with recipients and reasons); the run checks it reaches the same levels.",
    ],
  };
}
