import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runScheduledJob } from "../../functions/handlers/scheduled";
import { headerLine, itemLine } from "../../functions/import/export-format";
import { type PlanOutcome, runPlan } from "../../functions/plan/run-plan";
import { funnel } from "../support/funnel-cli";
import { useLocalStack } from "../support/local-stack";
import {
  aChangedCopy,
  aPlanOrg,
  aPlanRuleDir,
  type PlanOrg,
  tableItems,
} from "../support/plan-fixtures";

const stack = useLocalStack();

type Loose = { kind: string } & Record<string, unknown>;

/** Decisions as comparable lines: kind, lead or subject, and who they go to. */
function comparable(decisions: readonly object[]): string[] {
  const lines: string[] = [];
  for (const d of decisions as readonly Loose[]) {
    switch (d.kind) {
      case "dwell-alert":
        lines.push(`dwell-alert ${d.leadId} level ${d.level} → ${d.recipientId}`);
        break;
      case "dwell-action":
        lines.push(`dwell-action ${d.leadId} ${d.action}`);
        break;
      case "assign":
        lines.push(`assign ${d.leadId} → ${d.repId ?? `pool ${d.pool}`} (${d.via})`);
        break;
      case "reassign":
        lines.push(`reassign ${d.leadId} ${d.from} → ${d.to ?? `pool ${d.pool}`} (${d.via})`);
        break;
      case "release":
        lines.push(`release ${d.leadId} → ${d.stage} ${d.grade}`);
        break;
      case "grade":
        lines.push(`grade ${d.leadId} ${d.grade}`);
        break;
      case "anomaly":
        lines.push(
          `anomaly ${d.anomaly} ${d.subjectId} ${d.stage ?? "-"} → ${(d.recipients as string[]).join(",")}`,
        );
        break;
      case "rollup":
        lines.push(
          `rollup ${d.managerId} level ${d.level} ${d.outcome} ${JSON.stringify(d.figures)}`,
        );
        break;
      case "email":
        lines.push(`email → ${d.recipientId} "${d.subject}"`);
        break;
      case "undeliverable":
        lines.push(`undeliverable → ${d.recipientId}`);
        break;
      case "cold":
      case "sale":
      case "entry-check":
      case "record-problem":
        lines.push(`${d.kind} ${JSON.stringify(d)}`);
        break;
    }
  }
  return lines.sort();
}

const planned = (outcome: PlanOutcome) => {
  if (outcome.kind !== "plan") throw new Error(`expected a plan, got ${outcome.kind}`);
  return outcome.plan;
};

describe("funnel plan on the local stack", () => {
  const at = Date.now();
  const iso = new Date(at).toISOString();
  let rulesDir: string;
  let rules: Awaited<ReturnType<typeof aPlanRuleDir>>["rules"];
  let org: PlanOrg;
  let table: string[];

  beforeAll(async () => {
    ({ dir: rulesDir, rules } = await aPlanRuleDir(at));
    org = await aPlanOrg(stack, rules, at);
    table = ["--endpoint", stack.dynamoEndpoint, "--table", org.tableName];
  });

  it("plans exactly what the stream and the scheduled jobs then do, and writes nothing", async () => {
    const before = await tableItems(stack, org.tableName);
    const source = {
      kind: "table" as const,
      table: org.tableName,
      endpoint: stack.dynamoEndpoint,
      region: stack.region,
    };
    const plan = planned(await runPlan({ rules: rulesDir, at: iso, source }));
    const cli = funnel("plan", ...table, "--rules", rulesDir, "--at", iso, "--format", "json");
    expect(cli.code, cli.stderr).toBe(0);
    const printed = JSON.parse(cli.stdout) as { decisions: Loose[]; mode: string };
    expect(printed.mode).toBe("plan");
    expect(comparable(printed.decisions)).toEqual(comparable(plan.decisions));
    expect(await tableItems(stack, org.tableName), "plan wrote to the table").toEqual(before);

    // What the engine does next: the stream meets the departure and the new leads, then each
    // scheduled job runs at the same instant, its writes going through the stream in turn.
    await org.local.poller.drain();
    for (const job of ["release-cold", "sweep", "anomalies", "rollup"] as const) {
      const schedule = rules.schedules.find((s) => s.job === job);
      if (schedule === undefined) throw new Error(`the rules schedule no ${job}`);
      const result = await runScheduledJob(org.local.runtime, {
        scheduleId: schedule.id,
        job: schedule.job,
        scheduledTime: iso,
      });
      expect(result.status).toBe("done");
      await org.local.poller.drain();
    }
    const done = comparable(org.decisions);
    expect(done).toEqual(comparable(plan.decisions));

    // The plan is not vacuous: every kind of decision the brief names is in it.
    expect(done).toEqual(
      expect.arrayContaining([
        "dwell-alert D1 level 0 → rep-a",
        "dwell-alert D2 level 1 → mgr-1",
        "dwell-alert D3 level 2 → head",
        "dwell-action D4 reassign",
        "reassign D4 rep-a → rep-c (dwell-action)",
        "reassign X1 rep-x → rep-b (territory)",
        "reassign X2 rep-x → rep-b (territory)",
        "release C1 → resource C",
        "assign C1 → rep-b (territory)",
        "assign U1 → rep-a (least-loaded)",
        "assign U2 → rep-b (territory)",
        "assign U3 → pool unassigned (no-eligible-rep)",
        "assign U4 → rep-a (duplicate)",
      ]),
    );
    expect(done.filter((line) => line.startsWith("dwell-alert D5"))).toEqual([]);
    expect(done.some((line) => line.startsWith("anomaly needs-prospecting rep-a"))).toBe(true);
    expect(done.filter((line) => line.startsWith("rollup "))).toHaveLength(2);
    expect(done.filter((line) => line.startsWith("record-problem"))).toEqual([]);
  });
});

describe("funnel plan output and input", () => {
  const at = Date.now();
  const iso = new Date(at).toISOString();
  let rulesDir: string;
  let org: PlanOrg;
  let table: string[];
  let items: Record<string, unknown>[];
  const scratch = mkdtempSync(join(tmpdir(), "funnel-plan-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  beforeAll(async () => {
    const made = await aPlanRuleDir(at);
    rulesDir = made.dir;
    org = await aPlanOrg(stack, made.rules, at);
    table = ["--endpoint", stack.dynamoEndpoint, "--table", org.tableName];
    items = await tableItems(stack, org.tableName);
  });

  const unchanged = async () =>
    expect(await tableItems(stack, org.tableName), "plan wrote to the table").toEqual(items);

  it("prints the decisions grouped by kind, with the jobs and a summary, in text", async () => {
    const run = funnel("plan", ...table, "--rules", rulesDir, "--at", iso);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe("");
    const text = run.stdout;
    expect(text).toMatch(/^funnel plan: .+ at \d{4}-\d{2}-\d{2}T.+ Asia\/Shanghai\)\n/);
    expect(text).toContain(
      `records: table ${org.tableName} (${stack.dynamoEndpoint}): 17 leads, 6 people`,
    );
    expect(text).toMatch(/ {2}sweep {9}runs: as if dwell-sweep \(0 9 \* \* \*\) ran now/);
    expect(text).toContain(
      "1 rep(s) who left still own 2 lead(s); 4 lead(s) not processed by the engine yet",
    );
    expect(text).toMatch(
      /\n9 dwell alerts \(sweep\) to 5 recipient\(s\); by stage: contacted 6, lead 3\n/,
    );
    expect(text).toContain("    D1 (contacted, 6.5 of 5 days) → rep-a (owner): in contacted since");
    expect(text).toContain(
      "  U3 → pool unassigned (no-eligible-rep): no eligible rep: territory north has no available seller",
    );
    expect(text).toContain("  C1 → resource as C: cooldown ended");
    expect(text).toMatch(/\n5 assignments \(stream, release-cold\)\n/);
    expect(text).toMatch(/\n3 reassignments \(stream, sweep\)\n/);
    await unchanged();
  });

  it("reports +N dwell alerts in a stage whose maxDwell the other rule directory shortens", async () => {
    const shorter = aChangedCopy(
      rulesDir,
      "funnel.yaml",
      "id: contacted, label: Contacted, maxDwell: 5d",
      "id: contacted, label: Contacted, maxDwell: 3d",
    );
    const run = funnel("plan", ...table, "--rules", shorter, "--against", rulesDir, "--at", iso);
    expect(run.code, run.stderr).toBe(0);
    const changes = run.stdout.slice(
      run.stdout.indexOf("changes:\n"),
      run.stdout.indexOf("\n\n", run.stdout.indexOf("changes:\n")),
    );
    // D1 6.5 days: now also 2× of 3d; D2 11 days: also 3×; D7 4 days: now over 1×.
    expect(changes.split("\n")).toEqual([
      "changes:",
      "  +3 dwell alerts in stage contacted",
      "  0 dwell actions",
      "  0 assignments",
      "  0 reassignments",
      "  0 releases from the cold pool",
      "  0 anomaly alerts",
      "  0 roll-ups",
      "  3 emails changed",
      "  0 gradings",
      "  0 record problems",
    ]);
    expect(run.stdout).toContain(
      "    + D7 (contacted, 4.0 of 3 days) → rep-b (owner): in contacted since",
    );
    // D7's stored timer was set under 5d: the sweep reaches it only then.
    expect(run.stdout).toMatch(
      /1 of the 12 dwell alerts concern 1 lead\(s\) whose stored dwell timer is not due yet/,
    );

    const json = funnel(
      "plan",
      ...table,
      "--rules",
      shorter,
      "--against",
      rulesDir,
      "--at",
      iso,
      "--format",
      "json",
    );
    const diff = JSON.parse(json.stdout);
    expect(diff).toMatchObject({
      mode: "diff",
      summary: expect.arrayContaining(["+3 dwell alerts in stage contacted"]),
    });
    expect(diff.changes.find((c: { kind: string }) => c.kind === "dwell-alert")).toMatchObject({
      before: 9,
      after: 12,
      added: 3,
      removed: 0,
      byStage: [{ group: "contacted", added: 3, removed: 0, changed: 0 }],
    });
    expect(diff.added.map((d: Loose) => `${d.leadId} ${d.level} ${d.recipientId}`).sort()).toEqual([
      "D1 1 mgr-1",
      "D2 2 head",
      "D7 0 rep-b",
    ]);
    await unchanged();
  });

  it("compares with the rules at a git revision, each file read from git", () => {
    const run = funnel("plan", ...table, "--against", "HEAD", "--at", iso, "--format", "json");
    expect(run.code, run.stderr).toBe(0);
    const diff = JSON.parse(run.stdout);
    expect(diff).toMatchObject({ mode: "diff", rules: "rules/", against: "HEAD:rules/" });
  });

  it("writes markdown for a pull-request comment: a summary table and collapsible details", () => {
    const plan = funnel("plan", ...table, "--rules", rulesDir, "--at", iso, "--format", "markdown");
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/^### `funnel plan` for `.+`\n/);
    expect(plan.stdout).toContain(
      "| Decision | Count | Detail |\n|---|---:|---|\n| dwell alerts | 9 | contacted 6, lead 3 |",
    );
    expect(plan.stdout).toContain("<details>\n<summary>9 dwell alerts</summary>");

    const shorter = aChangedCopy(
      rulesDir,
      "funnel.yaml",
      "maxDwell: 5d, transferRate: 0.5",
      "maxDwell: 3d, transferRate: 0.5",
    );
    const diff = funnel(
      "plan",
      ...table,
      "--rules",
      shorter,
      "--against",
      rulesDir,
      "--at",
      iso,
      "--format",
      "markdown",
    );
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stdout).toContain("**+3 dwell alerts in stage contacted · 3 emails changed**");
    expect(diff.stdout).toContain("| dwell alerts | 9 | 12 | +3 | 0 | 0 |");
    expect(diff.stdout).toContain("<summary>+3 dwell alerts in stage contacted</summary>");
    expect(diff.stdout).toContain("| + | D7 (contacted, 4.0 of 3 days) | rep-b (owner) |");
  });

  it("reads an export snapshot and plans the same as from the table", () => {
    const file = join(scratch, "export.jsonl");
    writeFileSync(
      file,
      [headerLine({ exportedAt: iso, table: org.tableName }), ...items.map(itemLine), ""].join(
        "\n",
      ),
    );
    const fromTable = funnel(
      "plan",
      ...table,
      "--rules",
      rulesDir,
      "--at",
      iso,
      "--format",
      "json",
    );
    const fromFile = funnel(
      "plan",
      "--snapshot",
      file,
      "--rules",
      rulesDir,
      "--at",
      iso,
      "--format",
      "json",
    );
    expect(fromFile.code, fromFile.stderr).toBe(0);
    const a = JSON.parse(fromTable.stdout);
    const b = JSON.parse(fromFile.stdout);
    expect(b.source).toBe(`snapshot ${file} (exported ${iso})`);
    expect(b.decisions).toEqual(a.decisions);
    expect(b.counts).toEqual(a.counts);
  });

  it("stops at a snapshot line that is not JSON, naming the line", () => {
    const file = join(scratch, "broken.jsonl");
    writeFileSync(
      file,
      `${headerLine({ exportedAt: iso, table: "t" })}\n{"type":"lead","id":"L1"\n`,
    );
    const run = funnel("plan", "--snapshot", file, "--rules", rulesDir);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(
      new RegExp(`^funnel: ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:2: not JSON: `),
    );
  });

  it("fails with one clear line and exit 1 for a missing snapshot file", () => {
    const run = funnel("plan", "--snapshot", join(scratch, "nope.jsonl"), "--rules", rulesDir);
    expect(run).toEqual({
      code: 1,
      stdout: "",
      stderr: `funnel: snapshot ${join(scratch, "nope.jsonl")}: no such file (write one with funnel export)\n`,
    });
  });

  it("lists the problems of invalid rules on either side with file:line:col, exit 1, writing nothing", async () => {
    const broken = "test/fixtures/broken-rules";
    const proposed = funnel("plan", ...table, "--rules", broken);
    expect(proposed.code).toBe(1);
    expect(proposed.stdout.split("\n")).toEqual([
      `${broken}/funnel.yaml:9:19: funnels[0].stages[0].maxDwell: "5 dayz" is not a duration (e.g. 5d, 36h, 3bd)`,
      `${broken}/funnel.yaml:13:9: funnels[0].stages[1].maxDwel: unknown key "maxDwel" (did you mean "maxDwell"?)`,
      `${broken}/settings.yaml:4:11: settings.locale: "fr" is not one of: zh-CN, en`,
      "3 problems in 2 files — invalid",
      "",
    ]);
    const base = funnel(
      "plan",
      ...table,
      "--rules",
      rulesDir,
      "--against",
      broken,
      "--format",
      "json",
    );
    expect(base.code).toBe(1);
    expect(JSON.parse(base.stdout)).toMatchObject({
      mode: "invalid-rules",
      problems: expect.arrayContaining([
        expect.objectContaining({ file: `${broken}/funnel.yaml`, line: 9, column: 19 }),
      ]),
    });
    await unchanged();
  });

  it("refuses unknown options and wrong combinations with exit 2 and the usage", async () => {
    const cases: [string[], string][] = [
      [
        ["--tabel", "x"],
        'funnel: unknown option "--tabel" for funnel plan (did you mean "--table"?)',
      ],
      [
        [],
        "funnel: funnel plan needs the records: --table T (with --endpoint for DynamoDB Local) or --snapshot FILE",
      ],
      [["--table", "t", "--snapshot", "s.jsonl"], "funnel: give --table or --snapshot, not both"],
      [
        [...table, "--format", "html"],
        'funnel: --format must be text, json or markdown, got "html"',
      ],
      [
        [...table, "--at", "tomorrow"],
        'funnel: --at must be an ISO-8601 instant with its offset (2026-11-23T09:00+08:00) or a date (2026-11-23), got "tomorrow"',
      ],
      [
        [...table, "--against", "no-such-branch"],
        'funnel: --against "no-such-branch" is neither a directory nor a git revision of this repository',
      ],
    ];
    for (const [args, message] of cases) {
      const run = funnel("plan", ...args);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stdout).toBe("");
      expect(run.stderr.split("\n")[0]).toBe(message);
      expect(run.stderr).toContain("usage: funnel plan");
    }
    await unchanged();
  });

  it("says in one line that an endpoint cannot be reached, exit 1", () => {
    const run = funnel(
      "plan",
      "--endpoint",
      "http://127.0.0.1:9",
      "--table",
      "funnel-rules",
      "--rules",
      rulesDir,
    );
    expect(run).toEqual({
      code: 1,
      stdout: "",
      stderr: "funnel: cannot reach DynamoDB at http://127.0.0.1:9 (ECONNREFUSED)\n",
    });
  });

  it("says which table does not exist, exit 1", () => {
    const run = funnel(
      "plan",
      "--endpoint",
      stack.dynamoEndpoint,
      "--table",
      "no-such-table",
      "--rules",
      rulesDir,
    );
    expect(run).toEqual({
      code: 1,
      stdout: "",
      stderr: `funnel: table no-such-table does not exist at ${stack.dynamoEndpoint}\n`,
    });
  });
});
