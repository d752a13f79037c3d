import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { Command } from "../../../functions/cli/command";
import { exportCommand } from "../../../functions/cli/commands/export";
import { planCommand } from "../../../functions/cli/commands/plan";
import { reportCommand } from "../../../functions/cli/commands/report";
import { testCommand } from "../../../functions/cli/commands/test";
import { validateCommand } from "../../../functions/cli/commands/validate";

const doc = readFileSync("docs/github-actions.md", "utf8");
const COMMANDS: Command[] = [
  validateCommand,
  testCommand,
  planCommand,
  exportCommand,
  reportCommand,
];

/** The fenced ```yaml block that follows a heading. */
function yamlAfter(heading: string): string {
  const from = doc.indexOf(heading);
  const start = doc.indexOf("```yaml\n", from) + "```yaml\n".length;
  return doc.slice(start, doc.indexOf("\n```", start));
}

/** Every `npx funnel …` command line of the document, folded scalars included. */
function funnelCalls(): string[][] {
  const text = doc.replace(/\n\s+--/g, " --").replace(/>\n\s+npx/g, "npx");
  return [...text.matchAll(/npx funnel ([a-z]+)([^\n|&>]*)/g)].map((m) => [
    m[1] as string,
    ...(m[2] ?? "").trim().split(/\s+/),
  ]);
}

describe("docs/github-actions.md", () => {
  it("holds a workflow that parses, validates and tests with annotations, and plans pull requests", () => {
    const workflow = parse(yamlAfter("## The workflow"));
    const runs = (job: string): string[] =>
      workflow.jobs[job].steps.flatMap((step: { run?: string }) => (step.run ? [step.run] : []));
    expect(runs("check")).toContain("npx funnel validate --format github");
    expect(runs("check")).toContain("npx funnel test --format github");
    expect(workflow.jobs.plan.needs).toBe("check");
    expect(workflow.jobs.plan.permissions["pull-requests"]).toBe("write");
    expect(runs("plan").join("\n")).toMatch(
      /--against "origin\/\$\{\{ github\.base_ref \}\}" --format markdown > plan\.md/,
    );
  });

  it("uses only commands and options the funnel command has", () => {
    const calls = funnelCalls();
    expect(calls.length).toBeGreaterThanOrEqual(6);
    for (const [name, ...args] of calls) {
      const command = COMMANDS.find((c) => c.name === name);
      expect(command, `funnel ${name}`).toBeDefined();
      for (const option of args.filter((arg) => arg.startsWith("--"))) {
        expect(command?.usage, `funnel ${name} ${option}`).toContain(option.split("=")[0]);
      }
    }
  });

  it("points rule files and case files at schemas the package ships", () => {
    for (const [line, file] of [
      ["$schema=../node_modules/funnel-rules/schema/rules.schema.json", "schema/rules.schema.json"],
      [
        "$schema=../../node_modules/funnel-rules/schema/rule-tests.schema.json",
        "schema/rule-tests.schema.json",
      ],
    ] as const) {
      expect(doc).toContain(`# yaml-language-server: ${line}`);
      expect(() => JSON.parse(readFileSync(file, "utf8"))).not.toThrow();
    }
    const pkg = JSON.parse(readFileSync("package.json", "utf8"));
    // Without a files list npm packs the whole repository, schema/ included.
    expect(pkg.files === undefined || pkg.files.includes("schema")).toBe(true);
  });
});
