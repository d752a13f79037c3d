import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { putItems } from "../../functions/adapters/batch-writer";
import {
  aggregateItem,
  counterUpdates,
  flowItem,
  type TransactItem,
} from "../../functions/adapters/counter-items";
import { leadItem, repItem } from "../../functions/adapters/items";
import type { Lead } from "../../functions/core/records/lead";
import type { Rep } from "../../functions/core/records/rep";
import { funnel } from "../support/funnel-cli";
import { useLocalStack } from "../support/local-stack";

const stack = useLocalStack();

/*
 * A small org with the shipped rules (zh-CN, CNY): the head, one manager, two reps with 100k
 * quotas. What they hold: rep-a 2 opportunities worth 200k and 3 graded leads, rep-b 5 leads in
 * stage lead worth 100k. Forecast = 200k × 10 % + 100k × 3 % = 23k. Sales: 30k in the week of
 * 2026-11-16. One opportunity is past its due time.
 */
const WEEK = "2026-11-16";
const REPS: Rep[] = [
  { id: "head", name: "王总", status: "active", email: "head@example.com" },
  { id: "mgr-1", name: "张经理", manager: "head", status: "active", email: "zhang@example.com" },
  { id: "rep-a", name: "李杰", manager: "mgr-1", status: "active", quota: 100_000 },
  { id: "rep-b", name: "王芳", manager: "mgr-1", status: "active", quota: 100_000 },
];
const LEADS: Lead[] = [
  {
    id: "L1",
    funnel: "standard",
    stage: "intent",
    owner: "rep-a",
    name: "星海科技",
    amount: 120_000,
    dueAt: "2020-01-06T01:00:00.000Z",
  },
  {
    id: "L2",
    funnel: "standard",
    stage: "intent",
    owner: "rep-a",
    name: "远航贸易",
    amount: 80_000,
    dueAt: "2099-01-06T01:00:00.000Z",
  },
];
const HOLDINGS = [
  { repId: "rep-a", funnel: "standard", stage: "intent", count: 2, amount: 200_000 },
  { repId: "rep-a", funnel: "standard", stage: "graded", count: 3, amount: 0 },
  { repId: "rep-b", funnel: "standard", stage: "lead", count: 5, amount: 100_000 },
];
const SALE = {
  repId: "rep-a",
  week: WEEK,
  funnel: "standard",
  stage: "signed",
  counts: { sales: 1, salesAmount: 30_000 },
};

let table = "";
let dir = "";

beforeAll(async () => {
  table = await stack.freshTable("cli-report");
  dir = mkdtempSync(join(tmpdir(), "funnel-report-"));
  await putItems(stack.documents, table, [...REPS.map(repItem), ...LEADS.map(leadItem)]);
  const write = (item: TransactItem) =>
    stack.documents.send(new UpdateCommand(item.Update as never));
  for (const item of counterUpdates(table, HOLDINGS, [SALE])) await write(item);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const fromTable = (...args: string[]) =>
  funnel("report", "--table", table, "--endpoint", stack.dynamoEndpoint, ...args);

describe("funnel report", () => {
  it("prints the head's funnel with its stages, forecast, sales, overdue leads and top opportunities", () => {
    const run = fromTable("--week", WEEK);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const lines = run.stdout.split("\n");
    expect(lines[0]).toBe("销售漏斗周报: 王总 (head)");
    expect(lines[1]).toBe(
      "王总，您好：以下是您团队 2026-11-16 – 2026-11-22 这一周的销售漏斗（共 4 人）。",
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^ {2}已分级客户 +3 +20 +¥0 +█+[▏▎▍▌▋▊▉]? *┆$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^ {2}意向客户（商机） +2 +4 +¥200,000 +█+/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^ {2}销售预计 +¥23,000 {2}剩余指标：¥170,000$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^ {2}本季度累计销售额 +¥30,000 {2}完成指标的 15\.0% · 季度指标 ¥200,000/,
      ),
    );
    expect(lines).toContain("超期客户：1 个");
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^ {2}- 星海科技 {2}¥120,000 {2}李杰 · 意向客户（商机） · 加权 ¥12,000 \[已超期\]$/,
      ),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^需要关注 \(\d+\)$/));
    expect(lines).toContainEqual(
      expect.stringMatching(/^ {2}张经理 +¥23,000 +¥30,000 +15\.0% +—$/),
    );
  });

  it("reports one manager's team and writes the weekly email with --html", () => {
    const html = join(dir, "mgr-1.html");
    const run = fromTable("--manager", "mgr-1", "--week", "2026-11-18", "--html", html);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("销售漏斗周报: 张经理 (mgr-1)");
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}李杰 +¥20,000 +¥30,000 +30\.0% +—$/));
    expect(lines.at(-1)).toBe(`wrote ${html}: the weekly email of 张经理 for week ${WEEK}`);
    const page = readFileSync(html, "utf8");
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain("张经理，您好：以下是您团队 2026-11-16 – 2026-11-22 这一周的销售漏斗");
    expect(page).toContain("星海科技");
  });

  it("reads the same records from a snapshot written in the export format", () => {
    const file = join(dir, "snapshot.jsonl");
    const lines = [
      { type: "header", exportedAt: "2026-11-23T01:00:00.000Z", table, version: 1 },
      ...REPS.map((rep) => ({ type: "rep", ...rep })),
      ...LEADS.map((lead) => ({ type: "lead", ...lead })),
      // One aggregate item per rep and funnel, one flow item per rep, week and funnel, as stored.
      ...["rep-a", "rep-b"].map((repId) => ({
        type: "aggregate",
        ...aggregateItem(
          repId,
          "standard",
          HOLDINGS.filter((row) => row.repId === repId).map((row) => [row.stage, row] as const),
        ),
      })),
      {
        type: "flow",
        ...flowItem(SALE.repId, SALE.week, SALE.funnel, [[SALE.stage, SALE.counts]]),
      },
    ];
    writeFileSync(file, `${lines.map((line) => JSON.stringify(line)).join("\n")}\n`);
    const fromSnapshot = funnel("report", "--snapshot", file, "--week", WEEK);
    expect(fromSnapshot.stderr).toBe("");
    expect(fromSnapshot.code).toBe(0);
    const fromTheTable = fromTable("--week", WEEK);
    // The anomalies are measured now; everything above them is the same whatever the source.
    const head = (text: string) => text.slice(0, text.indexOf("需要关注"));
    expect(head(fromSnapshot.stdout)).toBe(head(fromTheTable.stdout));
  });

  it("names an unknown manager and suggests the id it probably means", () => {
    const run = fromTable("--manager", "mgr-2");
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      'funnel report: no one with id "mgr-2" in the organisation (did you mean "mgr-1"?)\n',
    );
  });

  it("says when the endpoint cannot be reached, quickly and without a stack", () => {
    const started = Date.now();
    const run = funnel("report", "--table", table, "--endpoint", "http://127.0.0.1:1");
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^funnel report: cannot reach (DynamoDB at )?http:\/\/127\.0\.0\.1:1\b.*\n$/,
    );
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it("says when the table does not exist", () => {
    const run = funnel("report", "--table", "no-such-table", "--endpoint", stack.dynamoEndpoint);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^funnel report: table no-such-table does not exist at .+\n$/);
  });

  it("says when the snapshot file is missing or is not a snapshot", () => {
    const missing = funnel("report", "--snapshot", join(dir, "nope.jsonl"));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      `funnel report: snapshot ${join(dir, "nope.jsonl")}: no such file (write one with funnel export)\n`,
    );
    const garbage = join(dir, "garbage.jsonl");
    writeFileSync(garbage, "lead,stage\nL1,resource\n");
    const invalid = funnel("report", "--snapshot", garbage);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(new RegExp(`^funnel report: ${garbage}:1: not JSON: `));
  });

  it("refuses invalid rules before reading anything", () => {
    const run = fromTable("--rules", "test/fixtures/broken-rules");
    expect(run.code).toBe(1);
    expect(run.stderr.split("\n")[0]).toBe(
      'test/fixtures/broken-rules/funnel.yaml:9:19: funnels[0].stages[0].maxDwell: "5 dayz" is not a duration (e.g. 5d, 36h, 3bd)',
    );
  });

  it("rejects wrong usage with exit 2 and the usage", () => {
    const neither = funnel("report");
    expect(neither.code).toBe(2);
    expect(neither.stderr).toMatch(
      /^funnel: funnel report reads either a table \(--table\) or a snapshot \(--snapshot\)\n\nusage: funnel report/,
    );
    const both = funnel("report", "--table", "t", "--snapshot", "s.jsonl");
    expect(both.code).toBe(2);
    const week = funnel("report", "--table", "t", "--week", "2026-02-30");
    expect(week.code).toBe(2);
    expect(week.stderr).toMatch(
      /^funnel: --week must be a date \(YYYY-MM-DD\), got "2026-02-30"\n/,
    );
    const endpoint = funnel("report", "--snapshot", "s.jsonl", "--endpoint", "http://x");
    expect(endpoint.code).toBe(2);
  });
});
