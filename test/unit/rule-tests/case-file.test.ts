import { describe, expect, it } from "vitest";
import { loadRulesSync } from "../../../functions/adapters/rules-loader";
import { readCaseFile } from "../../../functions/core/rule-tests/case-file";
import { ruleCatalogue } from "../../../functions/core/rule-tests/rule-catalogue";
import { formatProblem } from "../../../functions/core/rules/rule-problem";

const { rules, source } = loadRulesSync("rules");
const ruleIds = ruleCatalogue([{ path: "rules", value: source as Record<string, unknown> }]).map(
  (rule) => rule.id,
);

const read = (...lines: string[]) =>
  readCaseFile({ path: "cases.yaml", text: `${lines.join("\n")}\n` }, { rules, ruleIds });

/** Problems as the command prints them: file:line:col: path: message. */
const problems = (...lines: string[]) => read(...lines).problems.map(formatProblem);

const ORG = [
  "reps:",
  "  - { id: head, name: 王总 }",
  "  - { id: mgr-1, manager: head }",
  "  - { id: rep-1, manager: mgr-1, region: 华东 }",
];

describe("reading a case file", () => {
  it("reads the givens at the top of the file into every case that does not give its own", () => {
    const { cases, problems } = read(
      "at: 2026-11-23T09:00:00+08:00",
      ...ORG,
      "cases:",
      "  - name: first",
      "    rule: grading.default",
      "    lead: { id: L1, stage: resource }",
      "    expect: [{ kind: grade, grade: C }]",
      "  - name: second",
      "    rule: grading.default",
      "    at: 2026-11-24",
      "    reps: [{ id: solo }]",
      "    lead: { id: L2, stage: resource }",
      "    expect: [{ kind: grade }]",
    );
    expect(problems).toEqual([]);
    expect(cases.map((c) => [c.name, new Date(c.at).toISOString(), [...c.reps.keys()]])).toEqual([
      ["first", "2026-11-23T01:00:00.000Z", ["head", "mgr-1", "rep-1"]],
      // A date alone is 09:00 that day in the rules' time zone (Asia/Shanghai).
      ["second", "2026-11-24T01:00:00.000Z", ["solo"]],
    ]);
  });

  it("gives reps the status active and their id as name unless they say otherwise", () => {
    const { cases } = read(
      "at: 2026-11-23",
      "reps: [{ id: rep-1 }, { id: rep-2, name: 王芳, status: away }]",
      "cases:",
      "  - { name: x, rule: grading.default, lead: { id: L1, stage: resource }, expect: [{ kind: grade }] }",
    );
    expect([...(cases[0]?.reps.values() ?? [])]).toEqual([
      { id: "rep-1", name: "rep-1", status: "active" },
      { id: "rep-2", name: "王芳", status: "away" },
    ]);
  });

  it("writes a change's after over its before, and null removes a field", () => {
    const { cases, problems } = read(
      "at: 2026-11-23",
      "cases:",
      "  - name: moved",
      "    rule: grading.default",
      "    change:",
      "      before: { id: L1, stage: lead, owner: rep-1, nextActionAt: 2026-11-20T09:00:00+08:00 }",
      "      after: { stage: intent, nextActionAt: null, budget: 1000 }",
      "    expect: [{ kind: transition }]",
    );
    expect(problems).toEqual([]);
    expect(cases[0]?.event).toEqual({
      kind: "change",
      before: {
        id: "L1",
        stage: "lead",
        owner: "rep-1",
        nextActionAt: "2026-11-20T09:00:00+08:00",
      },
      after: { id: "L1", stage: "intent", owner: "rep-1", budget: 1000 },
    });
  });

  it("puts flows in the week of `at` unless they name a week, and normalises a week to its Monday", () => {
    const { cases } = read(
      "at: 2026-11-25T10:00:00+08:00",
      "reps: [{ id: rep-1 }]",
      "cases:",
      "  - name: flows",
      "    rule: alerts.anomalies.longCycle",
      "    flows:",
      "      - { rep: rep-1, stage: contacted, exits: 10 }",
      "      - { rep: rep-1, stage: contacted, week: 2026-11-08, exits: 2 }",
      "    job: anomalies",
      "    expect: [{ kind: anomaly }]",
    );
    expect(cases[0]?.flows).toEqual([
      {
        repId: "rep-1",
        week: "2026-11-23",
        funnel: "standard",
        stage: "contacted",
        counts: { exits: 10 },
      },
      {
        repId: "rep-1",
        week: "2026-11-02",
        funnel: "standard",
        stage: "contacted",
        counts: { exits: 2 },
      },
    ]);
  });
});

describe("problems in a case file", () => {
  it("reports a YAML syntax error at its line and column, as a case file", () => {
    expect(problems("cases:", "  - name: [unclosed")).toEqual([
      expect.stringMatching(/^cases\.yaml:3:1: YAML syntax error: /),
    ]);
    expect(problems("")).toEqual([
      "cases.yaml:1:1: file is empty: expected cases: followed by a list of cases (see docs/rule-tests.md)",
    ]);
  });

  it("names an unknown key where it is written, with the key it probably means", () => {
    expect(
      problems(
        "at: 2026-11-23",
        "cases:",
        "  - name: x",
        "    rule: grading.default",
        "    lead: { id: L1, stage: resource }",
        "    expct: [{ kind: grade }]",
      ),
    ).toEqual(['cases.yaml:6:5: cases[0].expct: unknown key "expct" (did you mean "expect"?)']);
  });

  it("names an unknown decision kind and an unknown field of a kind", () => {
    expect(
      problems(
        "at: 2026-11-23",
        "cases:",
        "  - name: x",
        "    rule: grading.default",
        "    lead: { id: L1, stage: resource }",
        "    expect:",
        "      - { kind: grad }",
        "      - { kind: assign, rep: rep-1 }",
      ),
    ).toEqual([
      expect.stringMatching(
        /^cases\.yaml:7:17: cases\[0\]\.expect\[0\]\.kind: "grad" is not a decision kind: one of grade, transition, .* \(did you mean "grade"\?\)$/,
      ),
      'cases.yaml:8:25: cases[0].expect[1].rep: unknown key "rep"; allowed here: kind, times, leadId, repId, pool, via, bonusUsed, reason',
    ]);
  });

  it("asks for the rule a case covers, and knows the rule ids of the rule set", () => {
    expect(
      problems(
        "at: 2026-11-23",
        "cases:",
        "  - name: no rule",
        "    lead: { id: L1, stage: resource }",
        "    expect: [{ kind: grade }]",
        "  - name: misspelt rule",
        "    rule: [grading.default, grading.rules.inbound-or-trail]",
        "    lead: { id: L1, stage: resource }",
        "    expect: [{ kind: grade }]",
      ),
    ).toEqual([
      'cases.yaml:3:5: cases[0]: missing "rule": each case names the rule(s) it covers with rule: (funnel test --list-rules lists them)',
    ]);
    // Rule ids need the rules, so they are checked once the shape is right.
    expect(
      problems(
        "at: 2026-11-23",
        "cases:",
        "  - name: misspelt rule",
        "    rule: [grading.default, grading.rules.inbound-or-trail]",
        "    lead: { id: L1, stage: resource }",
        "    expect: [{ kind: grade }]",
      ),
    ).toEqual([
      'cases.yaml:4:29: cases[0].rule[1]: "grading.rules.inbound-or-trail" is not a rule of this rule set (did you mean "grading.rules.inbound-or-trial"?); funnel test --list-rules shows them',
    ]);
  });

  it("checks stage ids and rep ids against the rules and the case's reps", () => {
    expect(
      problems(
        "at: 2026-11-23",
        ...ORG,
        "holdings:",
        "  - { rep: rep-2, stage: graded, count: 3 }",
        "cases:",
        "  - name: x",
        "    rule: grading.default",
        "    lead: { id: L1, stage: contcted }",
        "    expect: [{ kind: grade }]",
      ),
    ).toEqual([
      'cases.yaml:7:12: holdings[0].rep: "rep-2" is not one of the case\'s reps (did you mean "rep-1"?)',
      'cases.yaml:11:28: cases[0].lead.stage: "contcted" is not a stage of funnel standard: resource, graded, contacted, lead, intent, signed, implemented, abandoned (did you mean "contacted"?)',
    ]);
  });

  it("wants exactly one event per case, an instant, and something to expect", () => {
    expect(
      problems(
        "cases:",
        "  - name: two events",
        "    rule: grading.default",
        "    lead: { id: L1, stage: resource }",
        "    job: sweep",
        "    expect: [{ kind: grade }]",
        "  - name: no event",
        "    rule: grading.default",
        "    at: 2026-11-23",
        "    expectNot: [{ kind: grade }]",
        "  - name: nothing expected",
        "    rule: grading.default",
        "    at: 2026-11-23",
        "    job: sweep",
      ),
    ).toEqual([
      'cases.yaml:2:5: cases[0]: the case needs "at": the instant it runs at (give it here, or once at the top of the file)',
      "cases.yaml:5:5: cases[0].job: one event per case: this case has both lead: and job:; split it into two cases",
      "cases.yaml:7:5: cases[1]: the case needs what happens: lead: (a new lead), change: (a lead written again), job: (sweep, release-cold or anomalies) or repLeaves: (a rep leaves)",
      "cases.yaml:11:5: cases[2]: the case expects nothing: add expect: or expectNot:",
    ]);
  });

  it("asks for times with their offset, since a bare time would depend on the machine", () => {
    expect(
      problems(
        "at: 2026-11-23T09:00",
        "cases:",
        "  - name: x",
        "    rule: grading.default",
        "    lead: { id: L1, stage: resource, stageEnteredAt: 2026-11-20T09:00:00 }",
        "    expect: [{ kind: grade }]",
      ),
    ).toEqual([
      'cases.yaml:1:5: at: "2026-11-23T09:00" is not a time with its offset or a date: write e.g. 2026-11-23T09:00:00+08:00 or 2026-11-23',
      'cases.yaml:5:54: cases[0].lead.stageEnteredAt: "2026-11-20T09:00:00" is not a time with its offset: write e.g. 2026-11-20T09:00:00+08:00',
    ]);
  });

  it("refuses two cases with the same name in one file, and times under expectNot", () => {
    expect(
      problems(
        "at: 2026-11-23",
        "cases:",
        "  - { name: same, rule: grading.default, lead: { id: L1, stage: resource }, expect: [{ kind: grade }] }",
        "  - { name: same, rule: grading.default, lead: { id: L1, stage: resource }, expectNot: [{ kind: assign, times: 0 }] }",
      ),
    ).toEqual([
      'cases.yaml:4:13: cases[1].name: another case in this file is already named "same" (line 3)',
      "cases.yaml:4:105: cases[1].expectNot[0].times: times belongs under expect: an expectNot entry already means none at all",
    ]);
  });

  it("returns no cases from a file with problems", () => {
    const result = read(
      "at: 2026-11-23",
      "cases:",
      "  - { name: good, rule: grading.default, lead: { id: L1, stage: resource }, expect: [{ kind: grade }] }",
      "  - { name: bad, rule: grading.nope, lead: { id: L1, stage: resource }, expect: [{ kind: grade }] }",
    );
    expect(result.cases).toEqual([]);
    expect(result.problems).toHaveLength(1);
  });
});
