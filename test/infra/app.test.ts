import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./stack-support";

describe("infra/app.ts", () => {
  it("fails the synth on invalid rules with their file:line:col messages and no stack trace", () => {
    const cwd = mkdtempSync(join(tmpdir(), "funnel-app-"));
    try {
      mkdirSync(join(cwd, "rules"));
      writeFileSync(join(cwd, "rules", "settings.yaml"), "version: 1\nsettings:\n  locale: fr\n");
      const run = spawnSync(join(ROOT, "node_modules/.bin/tsx"), [join(ROOT, "infra/app.ts")], {
        cwd,
        encoding: "utf8",
        env: { ...process.env, CDK_OUTDIR: join(cwd, "cdk.out") },
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/^rules\/settings\.yaml:3:\d+: /m);
      expect(run.stderr).not.toMatch(/^\s+at /m);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it("fails the synth on a context value it cannot use, naming the key", () => {
    const outdir = mkdtempSync(join(tmpdir(), "funnel-app-out-"));
    try {
      const run = spawnSync(join(ROOT, "node_modules/.bin/tsx"), [join(ROOT, "infra/app.ts")], {
        cwd: ROOT,
        encoding: "utf8",
        env: {
          ...process.env,
          CDK_CONTEXT_JSON: JSON.stringify({ stage: "prod", removalPolicy: "keep" }),
          CDK_OUTDIR: outdir,
        },
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/context "removalPolicy" must be retain or destroy/);
      expect(run.stderr).not.toMatch(/^\s+at /m);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
