/**
 * `npm run bench:import [-- ROWS]`: generates ROWS leads (default 100,000) as CSV, imports them
 * with the real `funnel import` into a table on a fresh DynamoDB Local, then imports the same file
 * again (every row unchanged), and prints rows per second for both. A benchmark, not a test.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { csvField } from "../functions/import/csv";
import { startLocalStack } from "../functions/local/local-stack";

const rows = Number(process.argv[2] ?? 100_000);
const STAGES = ["resource", "graded", "contacted", "lead", "intent", "signed"];
const REGIONS = ["north", "south", "east", "west"];
const SOURCES = ["web", "inbound", "trial", "referral"];

function leadsCsv(count: number): string {
  const lines = [
    "id,stage,company,contact.name,contact.phone,amount,employees,productFit,region,source",
  ];
  for (let i = 0; i < count; i += 1) {
    const id = `B${String(i).padStart(6, "0")}`;
    lines.push(
      [
        id,
        STAGES[i % STAGES.length],
        csvField(`Company ${i}, Ltd.`),
        `Contact ${i}`,
        `138${String(i).padStart(8, "0")}`,
        String(1000 * (1 + (i % 500))),
        String(10 + (i % 2000)),
        i % 2 === 0 ? "true" : "false",
        REGIONS[i % REGIONS.length],
        SOURCES[i % SOURCES.length],
      ].join(","),
    );
  }
  return `${lines.join("\n")}\n`;
}

function runImport(args: string[]): Promise<{ code: number | null; stdout: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bin/funnel.mjs", "import", ...args], {
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, NODE_NO_WARNINGS: "1" },
    });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, ms: performance.now() - started }));
  });
}

const dir = await mkdtemp(join(tmpdir(), "funnel-bench-"));
const stack = await startLocalStack({ tableName: "bench-import", jvmOptions: [] });
try {
  const file = join(dir, "leads.csv");
  await writeFile(file, leadsCsv(rows));
  console.log(`generated ${rows.toLocaleString("en-US")} leads in ${file}`);
  const args = [file, "--table", stack.tableName, "--endpoint", stack.dynamoEndpoint];
  for (const pass of ["first import", "same file again"]) {
    const run = await runImport(args);
    process.stdout.write(run.stdout);
    if (run.code !== 0) throw new Error(`funnel import exited with ${run.code}`);
    const rate = Math.round(rows / (run.ms / 1000));
    console.log(
      `${pass}: ${rows.toLocaleString("en-US")} rows in ${(run.ms / 1000).toFixed(1)} s = ${rate.toLocaleString("en-US")} rows/s (process start included)`,
    );
  }
} finally {
  await stack.stop();
  await rm(dir, { recursive: true, force: true });
}
