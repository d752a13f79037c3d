import { describe, expect, it } from "vitest";
import { funnel } from "../support/funnel-cli";

const VALID = "test/fixtures/rules-valid";
const BROKEN = "test/fixtures/broken-rules";

describe("funnel validate", () => {
  it("exits 0 with a one-line summary for a valid directory", () => {
    const run = funnel("validate", VALID);
    expect(run).toEqual({
      code: 0,
      stdout: `${VALID}/: 2 files, 1 funnel, 4 stages, 2 schedules — valid\n`,
      stderr: "",
    });
  });

  it("takes the directory from --rules as well", () => {
    const run = funnel("validate", "--rules", `${VALID}/`);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${VALID}/: 2 files, 1 funnel, 4 stages, 2 schedules — valid\n`);
  });

  it("validates a single file as a complete rule set", () => {
    // funnel.yaml is valid in its directory, which has the calendar; alone it lacks one.
    const run = funnel("validate", `${VALID}/funnel.yaml`);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      [
        `${VALID}/funnel.yaml:1:1: calendar: the rule set has no calendar: add a calendar section (timeZone, workingDays)`,
        "1 problem in 1 file — invalid",
        "",
      ].join("\n"),
    );
  });

  it("exits 1 and lists every problem with file:line:col for a broken directory", () => {
    const run = funnel("validate", BROKEN);
    expect(run.code).toBe(1);
    expect(run.stdout.split("\n")).toEqual([
      `${BROKEN}/funnel.yaml:9:19: funnels[0].stages[0].maxDwell: "5 dayz" is not a duration (e.g. 5d, 36h, 3bd)`,
      `${BROKEN}/funnel.yaml:13:9: funnels[0].stages[1].maxDwel: unknown key "maxDwel" (did you mean "maxDwell"?)`,
      `${BROKEN}/settings.yaml:4:11: settings.locale: "fr" is not one of: zh-CN, en`,
      "3 problems in 2 files — invalid",
      "",
    ]);
  });

  it("prints GitHub Actions annotations with --format github", () => {
    const run = funnel("validate", BROKEN, "--format", "github");
    expect(run.code).toBe(1);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe(
      `::error file=${BROKEN}/funnel.yaml,line=9,col=19,title=funnel-rules::funnels[0].stages[0].maxDwell: "5 dayz" is not a duration (e.g. 5d, 36h, 3bd)`,
    );
    expect(lines.filter((line) => line.startsWith("::error "))).toHaveLength(3);
    expect(lines.at(-1)).toBe("3 problems in 2 files — invalid");
  });

  it("prints only the summary in GitHub format when the rules are valid", () => {
    const run = funnel("validate", VALID, "--format=github");
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${VALID}/: 2 files, 1 funnel, 4 stages, 2 schedules — valid\n`);
  });

  it("says which directory is missing", () => {
    const run = funnel("validate", "test/fixtures/no-such-rules");
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("test/fixtures/no-such-rules/: no such directory\n");
  });

  it("says when a directory holds no rule files", () => {
    const run = funnel("validate", "test/integration");
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("test/integration/: no rule files (*.yaml) in this directory\n");
  });

  it("rejects an unknown flag with exit 2, a suggestion and the usage", () => {
    const run = funnel("validate", "--frmat", "github");
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    const [first, ...rest] = run.stderr.split("\n");
    expect(first).toBe(
      'funnel: unknown option "--frmat" for funnel validate (did you mean "--format"?)',
    );
    expect(rest.join("\n")).toContain("usage: funnel validate [dir-or-file]");
  });

  it("rejects an unknown format with exit 2", () => {
    const run = funnel("validate", VALID, "--format", "json");
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^funnel: --format must be text or github, got "json"\n/);
  });

  it("rejects a second location with exit 2", () => {
    const run = funnel("validate", VALID, "--rules", VALID);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^funnel: give the rules once/);
  });

  it("shows the command's help with --help", () => {
    const run = funnel("validate", "--help");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^usage: funnel validate \[dir-or-file\] \[--rules DIR\]/);
  });
});

describe("funnel", () => {
  it("lists the commands with --help", () => {
    const run = funnel("--help");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^usage: funnel <command> \[options\]/);
    expect(run.stdout).toMatch(/^\s+validate\s+Check a rule set/m);
  });

  it("rejects an unknown command with exit 2 and a suggestion", () => {
    const run = funnel("valdate");
    expect(run.code).toBe(2);
    expect(run.stderr.split("\n")[0]).toBe(
      'funnel: unknown command "valdate" (did you mean "validate"?)',
    );
    expect(run.stderr).toContain("usage: funnel <command> [options]");
  });

  it("shows the usage with exit 2 when no command is given", () => {
    const run = funnel();
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^usage: funnel <command>/);
  });
});
