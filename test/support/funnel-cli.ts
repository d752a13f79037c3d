import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** A line of a JavaScript stack trace: "    at fn (file.ts:12:3)". */
export const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real bin/funnel.mjs the way npx does, from the repository root, and fails the test if
 * any output holds a stack trace: users get messages, never traces.
 */
export function funnel(...args: string[]): Run {
  const result = spawnSync(process.execPath, ["bin/funnel.mjs", ...args], {
    cwd: repoRoot,
    encoding: "utf8",
    env: { ...process.env, FUNNEL_DEBUG: "" },
    timeout: 60_000,
  });
  const run = { code: result.status, stdout: result.stdout, stderr: result.stderr };
  expect(run.stdout + run.stderr, "no stack traces in any output").not.toMatch(STACK_LINE);
  return run;
}
