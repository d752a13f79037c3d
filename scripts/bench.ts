/**
 * `npm run bench [-- --only a,b] [-- --sizes 10000,30000,100000] [-- --people 1000]`: the figures
 * behind the README's claims, each a ratio measured in one run on the local stack, written to
 * docs/benchmarks.md. A benchmark, not a test: it prints whether each target holds and exits 0
 * either way unless something broke.
 */
import { parseArgs } from "node:util";
import { loadRules } from "../functions/adapters/rules-loader";
import { startLocalStack } from "../functions/local/local-stack";
import { atScale } from "./bench/at-scale";
import type { BenchContext, Benchmark, BenchResult } from "./bench/bench-context";
import { bundles } from "./bench/bundles";
import { coreThroughput } from "./bench/core-throughput";
import { departure } from "./bench/departure";
import { importRate } from "./bench/import-rate";
import { writeReport } from "./bench/report";
import { streamPath } from "./bench/stream-path";

const BENCHMARKS: Record<string, Benchmark> = {
  "core-throughput": coreThroughput,
  "stream-path": streamPath,
  departure,
  bundles,
  import: importRate,
  "at-scale": atScale,
};

const { values } = parseArgs({
  options: {
    only: { type: "string" },
    // Larger tables outgrow what DynamoDB Local handles on a 2-core, 24 GiB machine (README).
    sizes: { type: "string", default: "10000,30000,100000" },
    people: { type: "string", default: "1000" },
    out: { type: "string", default: "docs/benchmarks.md" },
  },
});
const only = values.only?.split(",") ?? Object.keys(BENCHMARKS);
for (const id of only)
  if (!(id in BENCHMARKS)) {
    console.error(`unknown benchmark "${id}"; known: ${Object.keys(BENCHMARKS).join(", ")}`);
    process.exit(2);
  }
const sizes = values.sizes.split(",").map(Number);
if (sizes.some((n) => !Number.isInteger(n) || n < 1000)) {
  console.error(`--sizes takes whole lead counts of at least 1,000, got "${values.sizes}"`);
  process.exit(2);
}

const { rules } = await loadRules("rules");
const started = Date.now();
const results: BenchResult[] = [];
for (const id of only) {
  console.log(`\n▶ ${id}`);
  // A fresh DynamoDB Local per benchmark: it keeps every stream record, even of deleted tables, and
  // looks the stream up on each write, so one benchmark's writes would slow the next one's (the
  // import ran at 16 rows/s after the departure's). The optimising JIT is on: these are throughput
  // figures (npm start and the tests skip it to boot faster).
  const stack = await startLocalStack({ tableName: "bench-unused", jvmOptions: [] });
  try {
    const context: BenchContext = {
      stack,
      rules,
      sizes,
      people: Number(values.people),
      log: (line) => console.log(`  … ${line}`),
    };
    const outcome = await (BENCHMARKS[id] as Benchmark)(context);
    for (const result of Array.isArray(outcome) ? outcome : [outcome]) {
      results.push(result);
      console.log(`  — ${result.title}`);
      for (const [what, value] of result.figures) console.log(`  ${what}: ${value}`);
      console.log(
        `  ${result.met ? "✔ target met" : "✘ TARGET MISSED"}: ${result.ratio} (target ${result.target})`,
      );
      for (const note of result.notes) console.log(`  note: ${note}`);
    }
  } finally {
    await stack.stop();
  }
}
// The report numbers the benchmarks as the issue does; the at-scale run measures 1 and 5 together.
const ORDER = [
  "due-sweep",
  "core-throughput",
  "stream-path",
  "departure",
  "rollup",
  "bundles",
  "import",
];
results.sort((a, b) => ORDER.indexOf(a.id) - ORDER.indexOf(b.id));
await writeReport(values.out, results, {
  sizes,
  people: Number(values.people),
  minutes: (Date.now() - started) / 60_000,
});
console.log(
  `\n${results.filter((r) => r.met).length} of ${results.length} targets met; written to ${values.out}`,
);
