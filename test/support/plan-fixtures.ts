import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { paginateScan, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { DateTime } from "luxon";
import { afterAll } from "vitest";
import { putItems } from "../../functions/adapters/batch-writer";
import { fixedClock } from "../../functions/adapters/clock";
import { leadItem, repItem } from "../../functions/adapters/items";
import { loadRules } from "../../functions/adapters/rules-loader";
import type { Decision } from "../../functions/core/decisions";
import type { Lead } from "../../functions/core/records/lead";
import type { Rep } from "../../functions/core/records/rep";
import type { RuleSet } from "../../functions/core/rules/rule-set";
import { createLocalRuntime, type LocalRuntime } from "../../functions/local/local-runtime";
import { aSuffix, emailOf } from "./event-path-factories";
import type { TestLocalStack } from "./local-stack";

/*
 * A small org for `funnel plan` on DynamoDB Local: due leads, cold leads past and within their
 * cooldown, a rep who has left, and new leads the stream has not distributed yet. The rules are
 * YAML in a temporary directory, so the real CLI reads the same rules as the in-process tests.
 */

const ZONE = "Asia/Shanghai";
const DAY = 86_400_000;
const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/** The rules as YAML files; `day` is the weekday the first-line managers' roll-up goes out. */
function ruleFiles(day: string): Record<string, string> {
  return {
    "settings.yaml": `version: 1
settings: { locale: en, currency: CNY, sender: funnel@example.com }
calendar:
  timeZone: ${ZONE}
  workingDays: [mon, tue, wed, thu, fri]
`,
    "funnel.yaml": `version: 1
funnels:
  - id: standard
    label: Standard
    stages:
      - { id: resource, label: Resource, maxDwell: 1d, transferRate: 1 }
      - { id: graded, label: Graded, maxDwell: 1d, transferRate: 0.9, idealPerRep: 10 }
      - { id: contacted, label: Contacted, maxDwell: 5d, transferRate: 0.5, idealPerRep: 13 }
      - { id: lead, label: Lead, maxDwell: 5d, transferRate: 0.3, idealPerRep: 7 }
      - { id: intent, label: Intent, maxDwell: 5d, transferRate: 0.1, idealPerRep: 2 }
      - { id: signed, label: Signed, maxDwell: 5d, countsAsSale: true }
      - { id: implemented, label: Implemented, terminal: won }
      - { id: abandoned, label: Abandoned, terminal: lost }
grading:
  default: C
  rules:
    - { id: inbound, grade: A, when: { field: source, eq: inbound } }
`,
    "distribution.yaml": `version: 1
distribution:
  steps:
    - { use: territory, leadField: region, repField: region, fallback: pool }
    - { use: least-loaded }
  duplicates: { matchOn: [[company]] }
  whenNoRep: { pool: unassigned, notify: [manager] }
  whenRepLeaves: { reassignTo: same-team, notify: [manager] }
pools:
  - { id: unassigned, label: Unassigned }
  - { id: cold, label: Cooling off }
cold:
  cooldown: 30d
  pool: cold
  returnTo: { stage: resource, grade: C }
`,
    "alerts.yaml": `version: 1
alerts:
  dwell:
    escalation:
      - { after: 1x, notify: owner }
      - { after: 2x, notify: manager }
      - { after: 3x, notify: managers-manager }
    respectNextAction: true
    actions:
      - { after: 4x, do: reassign }
  anomalies:
    window: 90d
    lowTransfer: { tolerance: 0.7, minSamples: 20, notify: [manager] }
  funnelShape: { below: 0.5, above: 2 }
`,
    "reports.yaml": `version: 1
reports:
  rollup:
    cadence:
      - { level: 1, day: ${day} }
schedules:
  - { id: dwell-sweep, job: sweep, cron: "0 9 * * *" }
  - { id: cold-release, job: release-cold, cron: "0 7 * * *" }
  - { id: anomaly-check, job: anomalies, cron: "0 8 * * *" }
  - { id: weekly-rollup, job: rollup, cron: "0 8 * * *" }
  - { id: outbox-retry, job: outbox, cron: "*/15 * * * *" }
`,
  };
}

/** The weekday of `at` in the rules' zone, as the cadence spells it. */
export function weekdayOf(at: number): string {
  return WEEKDAYS[DateTime.fromMillis(at, { zone: ZONE }).weekday - 1] ?? "mon";
}

/** A temporary rule directory (removed after the file's tests) whose roll-up is due at `at`. */
export async function aPlanRuleDir(at: number): Promise<{ dir: string; rules: RuleSet }> {
  const dir = mkdtempSync(join(tmpdir(), "funnel-plan-rules-"));
  for (const [name, text] of Object.entries(ruleFiles(weekdayOf(at))))
    writeFileSync(join(dir, name), text);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return { dir, rules: (await loadRules(dir)).rules };
}

/** A copy of `dir` with one text replaced in one file, e.g. a stage's maxDwell. */
export function aChangedCopy(dir: string, file: string, from: string, to: string): string {
  const copy = mkdtempSync(join(tmpdir(), "funnel-plan-rules-b-"));
  cpSync(dir, copy, { recursive: true });
  const path = join(copy, file);
  const text = readFileSync(path, "utf8");
  if (!text.includes(from)) throw new Error(`${file} has no "${from}"`);
  writeFileSync(path, text.replace(from, to));
  afterAll(() => rmSync(copy, { recursive: true, force: true }));
  return copy;
}

const ago = (at: number, days: number) => new Date(at - days * DAY).toISOString();

export interface PlanOrg {
  tableName: string;
  local: LocalRuntime;
  /** Everything the runtime reported since the org was seeded (cleared by the caller). */
  decisions: Decision[];
  suffix: string;
}

/**
 * Seeds the org and lets the stream process it, then writes what the stream has not met yet: rep-x
 * leaves (owning X1 and X2), and four new leads arrive (U1 east, U2 west, U3 in a region nobody
 * covers, U4 the same company as D1). Regions decide every assignment, so the order in which
 * the stream meets them does not matter.
 *
 * - D1 contacted 6.5 days (1× of 5d), D2 contacted 11 days (2×), D3 lead 16 days (3×),
 *   D4 contacted 21 days (4×: the dwell action reassigns it, to rep-c, the other seller in east),
 *   D5 contacted 8 days but with a next action planned, D6 contacted 2 days, D7 contacted 4 days.
 * - C1 abandoned 40 days ago (cooldown 30d ended: released, then distributed to rep-b in west),
 *   C2 abandoned 10 days ago (still cooling off).
 */
export async function aPlanOrg(
  stack: TestLocalStack,
  rules: RuleSet,
  at: number,
): Promise<PlanOrg> {
  const tableName = await stack.freshTable("plan");
  const suffix = aSuffix();
  const decisions: Decision[] = [];
  const local = createLocalRuntime({
    stack: { ...stack, tableName },
    rules,
    clock: fixedClock(at),
    report: (decision) => decisions.push(decision),
  });
  afterAll(() => local.stop());
  const rep = (id: string, fields: Partial<Rep>): Rep => ({
    id,
    name: `Person ${id}`,
    email: emailOf(id, suffix),
    status: "active",
    ...fields,
  });
  const seller = (id: string, region: string) =>
    rep(id, { manager: "mgr-1", team: "t1", region, name: `Seller ${id}` });
  const reps = [
    rep("head", {}),
    rep("mgr-1", { manager: "head", team: "t1" }),
    seller("rep-a", "east"),
    seller("rep-b", "west"),
    seller("rep-c", "east"),
    seller("rep-x", "west"),
  ];
  const lead = (id: string, fields: Partial<Lead>): Lead => ({
    id,
    funnel: "standard",
    name: `Customer ${id}`,
    amount: 10_000,
    ...fields,
    stage: fields.stage ?? "contacted",
  });
  const seeded = [
    lead("D1", { owner: "rep-a", region: "east", company: "Acme", stageEnteredAt: ago(at, 6.5) }),
    lead("D2", { owner: "rep-b", region: "west", stageEnteredAt: ago(at, 11) }),
    lead("D3", { owner: "rep-c", region: "east", stage: "lead", stageEnteredAt: ago(at, 16) }),
    lead("D4", { owner: "rep-a", region: "east", stageEnteredAt: ago(at, 21) }),
    lead("D5", {
      owner: "rep-c",
      region: "east",
      stageEnteredAt: ago(at, 8),
      nextActionAt: new Date(at + 2 * DAY).toISOString(),
    }),
    lead("D6", { owner: "rep-c", region: "east", stageEnteredAt: ago(at, 2) }),
    lead("D7", { owner: "rep-b", region: "west", stageEnteredAt: ago(at, 4) }),
    lead("G1", { owner: "rep-c", region: "east", stage: "graded", stageEnteredAt: ago(at, 0.2) }),
    lead("G2", { owner: "rep-c", region: "east", stage: "graded", stageEnteredAt: ago(at, 0.2) }),
    lead("X1", { owner: "rep-x", region: "west", stage: "graded", stageEnteredAt: ago(at, 0.3) }),
    lead("X2", { owner: "rep-x", region: "west", stage: "lead", stageEnteredAt: ago(at, 1) }),
    lead("C1", { owner: "rep-b", region: "west", stage: "abandoned", stageEnteredAt: ago(at, 40) }),
    lead("C2", { owner: "rep-a", region: "east", stage: "abandoned", stageEnteredAt: ago(at, 10) }),
  ];
  await putItems(stack.documents, tableName, [...reps.map(repItem), ...seeded.map(leadItem)]);
  await local.poller.drain();

  // What the stream has not met yet when the plan runs.
  await stack.documents.send(
    new UpdateCommand({
      TableName: tableName,
      Key: { pk: "REP#rep-x", sk: "REP" },
      UpdateExpression: "SET #status = :left",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":left": "left" },
    }),
  );
  const fresh = (id: string, fields: Partial<Lead>) =>
    lead(id, { stage: "graded", stageEnteredAt: undefined, ...fields });
  await putItems(stack.documents, tableName, [
    leadItem(fresh("U1", { region: "east" })),
    leadItem(fresh("U2", { region: "west" })),
    leadItem(fresh("U3", { region: "north" })),
    leadItem(fresh("U4", { region: "east", company: "ACME" })),
  ]);
  decisions.length = 0;
  return { tableName, local, decisions, suffix };
}

/** Every item of the table, sorted, for "nothing was written". */
export async function tableItems(
  stack: TestLocalStack,
  tableName: string,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for await (const page of paginateScan(
    { client: stack.documents },
    { TableName: tableName, ConsistentRead: true },
  ))
    items.push(...(page.Items ?? []));
  const key = (item: Record<string, unknown>) => `${String(item.pk)}\u0000${String(item.sk)}`;
  return items.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
