import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { putItems } from "../../functions/adapters/batch-writer";
import { concurrently } from "../../functions/adapters/concurrently";
import { aggregateItem, flowItem } from "../../functions/adapters/counter-items";
import { ownerKeys, timerKeys } from "../../functions/adapters/item-keys";
import { leadItem, repItem } from "../../functions/adapters/items";
import { stageDueAt } from "../../functions/core/dwell-timer";
import { encodeHolding } from "../../functions/core/holding";
import type { Lead } from "../../functions/core/records/lead";
import type { Rep } from "../../functions/core/records/rep";
import { reportedWeek, weeksToRead } from "../../functions/core/rollup/rollup-weeks";
import type { RuleSet, Stage } from "../../functions/core/rules/rule-set";

/*
 * A large organisation written straight into the table in the state the engine would have left it
 * in (owner index keys, dwell timers, `counted`, aggregates, weekly flow counters), because pushing a
 * million leads through the stream path would take hours on one machine. Deterministic: lead i is
 * always the same lead, so runs compare.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const FUNNEL = "standard";
const REGIONS = ["north", "south", "east", "west"];
const SOURCES = ["web", "inbound", "trial", "referral"];

export interface OrgShape {
  /** People in all (head, directors, managers, reps). */
  people: number;
}

/** 1 head, directors, managers and reps in a 1 : 9 : 90 : 900 shape for 1,000 people. */
export function syntheticReps(shape: OrgShape, suffix = ""): Rep[] {
  const reps: Rep[] = [
    { id: `head${suffix}`, name: "Head", status: "active", email: "head@example.com" },
  ];
  const directors = Math.max(1, Math.round(shape.people / 111));
  const managers = directors * 10;
  const sellers = shape.people - 1 - directors - managers;
  for (let d = 0; d < directors; d += 1) reps.push(person(`dir-${d}${suffix}`, `head${suffix}`));
  for (let m = 0; m < managers; m += 1)
    reps.push(person(`mgr-${m}${suffix}`, `dir-${m % directors}${suffix}`));
  for (let r = 0; r < sellers; r += 1)
    reps.push({
      ...person(`rep-${r}${suffix}`, `mgr-${r % managers}${suffix}`),
      region: REGIONS[r % REGIONS.length],
      quota: 1_000_000,
    });
  return reps;
}

function person(id: string, manager: string): Rep {
  return { id, name: `Person ${id}`, manager, status: "active", email: `${id}@example.com` };
}

export const sellersOf = (reps: Rep[]) => reps.filter((r) => r.id.startsWith("rep-"));

/** The open stages with a dwell limit: where leads sit and fall due. */
export function openStages(rules: RuleSet): Stage[] {
  const funnel = rules.funnels[0];
  if (funnel === undefined) throw new Error("the rules define no funnel");
  return funnel.stages.filter((s) => s.terminal === undefined && s.maxDwell !== undefined);
}

export interface LeadPlan {
  rules: RuleSet;
  now: number;
  sellers: Rep[];
  /** Every `dueEvery`-th lead has a dwell timer in the past: 100 gives 1 % due. */
  dueEvery: number;
  prefix?: string;
}

/** Lead `i` as the engine leaves it after its stream record: graded, owned, counted, timed. */
export function settledLead(plan: LeadPlan, i: number): Record<string, unknown> {
  const stages = openStages(plan.rules);
  const stage = stages[i % stages.length] as Stage;
  const owner = plan.sellers[i % plan.sellers.length] as Rep;
  const id = `${plan.prefix ?? "L"}${String(i).padStart(7, "0")}`;
  const due = i % plan.dueEvery === 0;
  // Due leads entered their stage three weeks ago; the others within the last few hours.
  const enteredAt = due ? plan.now - 21 * DAY : plan.now - HOUR * (1 + (i % 12));
  const dueAt = stageDueAt(plan.rules, stage, enteredAt);
  if (dueAt === null) throw new Error(`stage ${stage.id} has no dwell limit`);
  const nextCheck = new Date(dueAt).toISOString();
  const amount = 1000 * (1 + (i % 500));
  const lead: Lead = {
    id,
    funnel: FUNNEL,
    stage: stage.id,
    owner: owner.id,
    company: `Company ${i}`,
    contact: { name: `Contact ${i}`, phone: `138${String(i).padStart(8, "0")}` },
    amount,
    employees: 10 + (i % 2000),
    productFit: i % 2 === 0,
    region: REGIONS[i % REGIONS.length],
    source: SOURCES[i % SOURCES.length],
    stageEnteredAt: new Date(enteredAt).toISOString(),
    grade: ["A", "B", "C"][i % 3],
    gradeRule: "bench",
    dwellLevel: 0,
    stagesSeen: stages.slice(0, 1 + (i % stages.length)).map((s) => s.id),
    dueAt: nextCheck,
    counted: encodeHolding({ funnel: FUNNEL, stage: stage.id, amount, repId: owner.id }),
    version: 1,
  };
  return {
    ...leadItem(lead),
    ...ownerKeys(owner.id, FUNNEL, stage.id, id, amount),
    ...timerKeys("DWELL", id, nextCheck),
  };
}

/** The aggregates a recount of leads 0..count-1 gives: one item per rep (one funnel here). */
export function settledAggregates(plan: LeadPlan, count: number): Record<string, unknown>[] {
  const held = new Map<string, Map<string, { count: number; amount: number }>>();
  const stages = openStages(plan.rules);
  for (let i = 0; i < count; i += 1) {
    const stage = (stages[i % stages.length] as { id: string }).id;
    const repId = (plan.sellers[i % plan.sellers.length] as Rep).id;
    const byStage = held.get(repId) ?? new Map<string, { count: number; amount: number }>();
    const sum = byStage.get(stage) ?? { count: 0, amount: 0 };
    sum.count += 1;
    sum.amount += 1000 * (1 + (i % 500));
    byStage.set(stage, sum);
    held.set(repId, byStage);
  }
  return [...held].map(([repId, byStage]) => aggregateItem(repId, FUNNEL, byStage));
}

/** A quarter of weekly flow counters per rep and stage, as the stream path adds them up. */
export function settledFlows(plan: LeadPlan): Record<string, unknown>[] {
  const items: Record<string, unknown>[] = [];
  const weeks = weeksToRead(reportedWeek(plan.rules.calendar, plan.now));
  for (const week of weeks)
    for (const [r, rep] of plan.sellers.entries()) {
      const counts = {
        entered: 10 + (r % 7),
        advanced: 5 + (r % 5),
        abandoned: r % 3,
        exits: 6 + (r % 5),
        dwellRatioSum: 4.5,
        sales: r % 2,
        salesAmount: (r % 2) * 50_000,
        oofSales: 0,
        oofAmount: 0,
      };
      const stages = openStages(plan.rules).map((stage) => [stage.id, counts] as const);
      items.push(flowItem(rep.id, week, FUNNEL, stages));
    }
  return items;
}

/** Writes items with `parallel` BatchWriteItem streams; returns items per second. */
export async function writeAll(
  db: DynamoDBDocumentClient,
  tableName: string,
  count: number,
  itemAt: (i: number) => Record<string, unknown>,
  parallel = 8,
  onProgress?: (written: number) => void,
): Promise<number> {
  const started = performance.now();
  const chunk = 500;
  const chunks = Array.from({ length: Math.ceil(count / chunk) }, (_, c) => c);
  let written = 0;
  await concurrently(chunks, parallel, async (c) => {
    const items: Record<string, unknown>[] = [];
    for (let i = c * chunk; i < Math.min(count, (c + 1) * chunk); i += 1) items.push(itemAt(i));
    await putItems(db, tableName, items);
    written += items.length;
    if (written % 50_000 < chunk) onProgress?.(written);
  });
  return count / ((performance.now() - started) / 1000);
}

export const repItems = (reps: Rep[]) => reps.map(repItem);
