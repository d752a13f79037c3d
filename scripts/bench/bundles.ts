import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { loadRules } from "../../functions/adapters/rules-loader";
import { BUNDLED_RULES_DIR, RUNTIME_PROVIDED_MODULES } from "../../infra/funnel-function";
import { writeRulesBundle } from "../../infra/rules-bundle";
import type { BenchContext, BenchResult } from "./bench-context";
import { fmt } from "./bench-context";

const HANDLERS = [
  { name: "stream", entry: "functions/handlers/stream.ts" },
  { name: "scheduled", entry: "functions/handlers/scheduled.ts" },
];
const RUNS = 7;
const LIMIT_BYTES = 250_000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** Milliseconds a fresh node process takes to import `module` in `cwd` (median of RUNS). */
function importMs(cwd: string, module: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(module)}); console.log(performance.now() - t);`;
  const times: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd,
      env: {
        PATH: process.env.PATH ?? "",
        TABLE_NAME: "bench",
        RULES_DIR: BUNDLED_RULES_DIR,
        AWS_REGION: "us-east-1",
      },
      encoding: "utf8",
    });
    if (run.status !== 0) throw new Error(`importing ${module} failed: ${run.stderr}`);
    times.push(Number(run.stdout.trim()));
  }
  return median(times);
}

/**
 * Benchmark 6: each Lambda bundle built as the CDK stack builds it (esbuild, ESM, minified, the AWS
 * SDK left to the runtime), its size, and how long a cold node process takes to import it, beside
 * importing only the SDK clients the runtime provides.
 */
export async function bundles(_context: BenchContext): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), "funnel-bundles-"));
  try {
    // The Lambda runtime provides the SDK; here the repository's copy stands in for it.
    symlinkSync(resolve("node_modules"), join(dir, "node_modules"), "dir");
    const loaded = await loadRules("rules");
    writeFileSync(
      join(dir, "sdk-only.mjs"),
      'import "@aws-sdk/client-dynamodb"; import "@aws-sdk/lib-dynamodb"; import "@aws-sdk/client-ses";\n',
    );
    const sdkMs = importMs(dir, "./sdk-only.mjs");
    const figures: [string, string][] = [];
    let largest = 0;
    let slowest = 0;
    for (const handler of HANDLERS) {
      const out = join(dir, handler.name);
      mkdirSync(join(out, BUNDLED_RULES_DIR), { recursive: true });
      writeRulesBundle(loaded, join(out, BUNDLED_RULES_DIR));
      await build({
        entryPoints: [handler.entry],
        outfile: join(out, "index.mjs"),
        bundle: true,
        platform: "node",
        target: "node24",
        format: "esm",
        mainFields: ["module", "main"],
        banner: {
          js: "import { createRequire as __funnelCreateRequire } from 'node:module'; const require = __funnelCreateRequire(import.meta.url);",
        },
        minify: true,
        external: RUNTIME_PROVIDED_MODULES,
        logLevel: "error",
      });
      symlinkSync(resolve("node_modules"), join(out, "node_modules"), "dir");
      const bytes = statSync(join(out, "index.mjs")).size;
      const ms = importMs(out, "./index.mjs");
      largest = Math.max(largest, bytes);
      slowest = Math.max(slowest, ms);
      figures.push([
        `${handler.name} handler`,
        `${fmt(bytes / 1024)} KiB minified; cold import ${ms.toFixed(0)} ms (the SDK clients alone: ${sdkMs.toFixed(0)} ms)`,
      ]);
    }
    figures.push(["Cold imports per figure (median)", String(RUNS)]);
    return {
      id: "bundles",
      title: "Lambda bundles",
      figures,
      ratio: `largest ${fmt(largest / 1024)} KiB; slowest cold import ${slowest.toFixed(0)} ms = ${(slowest / sdkMs).toFixed(2)}× importing the SDK clients alone`,
      target: `each bundle ≤ ${fmt(LIMIT_BYTES / 1000)} KB (the suite's own limit); init reported, no target`,
      met: largest <= LIMIT_BYTES,
      notes: [
        "Built with the options of infra/funnel-function.ts; the rule set ships pre-validated as JSON beside the bundle, so no YAML parser or JSON Schema validator is loaded at start.",
        "Measured on this machine's Node, not Lambda's arm64 Node 24; the ratio to the SDK import carries over better than the milliseconds.",
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
