import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";

function run(command: string, args: string[]): { code: number; output: string } {
  try {
    return { code: 0, output: execFileSync(command, args, { encoding: "utf8", stdio: "pipe" }) };
  } catch (error) {
    const e = error as { status?: number; stdout?: string; stderr?: string };
    return { code: e.status ?? 1, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

describe("the code base", () => {
  it("passes Biome's lint and format checks, which forbid focused and skipped tests", () => {
    const result = run("npx", ["biome", "check", "."]);
    expect(result.code, result.output.slice(-3000)).toBe(0);
  });

  it("type-checks under strict and noUncheckedIndexedAccess", () => {
    const result = run("npx", ["tsc", "--noEmit", "-p", "."]);
    expect(result.code, result.output.slice(-3000)).toBe(0);
  }, 120_000);
});
