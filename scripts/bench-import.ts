/**
 * `npm run bench:import [-- ROWS]`: generates ROWS leads (default 100,000) as CSV, imports them
 * with the real `funnel import` into a table on a fresh DynamoDB Local, then imports the same file
 * again (every row unchanged), and prints rows per second for both. A benchmark, not a test.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalStack } from "../functions/local/local-stack";
import { leadsCsv, runImport } from "./bench/import-rate";

const rows = Number(process.argv[2] ?? 100_000);
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
