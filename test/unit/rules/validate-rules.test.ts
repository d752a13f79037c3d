import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  formatProblem,
  type RuleFileInput,
  type RuleProblem,
  validateRules,
} from "../../../functions/core/rules/validate-rules";

// Test data: a rule set is a valid base file plus the file under test. The base leaves out every
// section the case file defines, so a case controls its sections and its own line numbers.
const BASE_SECTIONS = {
  calendar: ["calendar:", "  timeZone: Asia/Shanghai", "  workingDays: [mon, tue, wed, thu, fri]"],
  funnels: [
    "funnels:",
    "  - id: standard",
    "    label: Standard",
    "    stages:",
    "      - { id: new, label: New, maxDwell: 2d }",
    "      - { id: won, label: Won, terminal: won }",
  ],
} satisfies Record<string, string[]>;

const CASE_FILE = "rules/case.yaml";

function yaml(...lines: string[]): string {
  return `${lines.join("\n")}\n`;
}

function ruleSet(caseText: string): RuleFileInput[] {
  const defined = [...caseText.matchAll(/^([A-Za-z]\w*):/gm)].map((match) => match[1]);
  const base = Object.entries(BASE_SECTIONS)
    .filter(([section]) => !defined.includes(section))
    .flatMap(([, lines]) => lines);
  return [
    { path: "rules/base.yaml", text: yaml("version: 1", ...base) },
    { path: CASE_FILE, text: caseText },
  ];
}

function problemsOf(files: RuleFileInput[]): RuleProblem[] {
  const result = validateRules(files);
  return result.ok ? [] : result.problems;
}

function formatted(files: RuleFileInput[]): string[] {
  return problemsOf(files).map(formatProblem);
}

function fixtureSet(dir: string): RuleFileInput[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(".yaml"))
    .sort()
    .map((name) => ({ path: join(dir, name), text: readFileSync(join(dir, name), "utf8") }));
}

interface BrokenCase {
  name: string;
  text: string;
  /** `line:col` in rules/case.yaml, or `file:line:col` for another file. */
  at: string;
  message: string;
}

function expectSingleProblem({ text, at, message }: BrokenCase): void {
  const where = at.includes(".yaml") ? at : `${CASE_FILE}:${at}`;
  const problems = formatted(ruleSet(text));
  expect(problems, problems.join("\n")).toHaveLength(1);
  const [problem] = problems;
  expect(problem?.startsWith(`${where}: `), problem).toBe(true);
  expect(problem).toContain(message);
}

const yamlCases: BrokenCase[] = [
  {
    name: "a stray lone CR in an otherwise LF file is refused where it is, not read as one line",
    text: yaml("version: 1", "calendar:", "  timeZone: UTC\r  workingDays: [mon]"),
    at: "3:16",
    message: "line break is a lone CR (classic Mac OS line endings)",
  },
  {
    name: "an unclosed flow list is a syntax error",
    text: yaml(
      "version: 1",
      "calendar:",
      "  timeZone: UTC",
      "  workingDays: [mon, tue",
      "other: 1",
    ),
    at: "5:1",
    message: "YAML syntax error: Flow sequence in block collection must be sufficiently indented",
  },
  {
    name: "a tab used for indentation is a syntax error",
    text: yaml("version: 1", "calendar:", "\ttimeZone: UTC"),
    at: "3:1",
    message: "Tabs are not allowed as indentation",
  },
  {
    name: "a key given twice in one mapping is reported at the second",
    text: yaml(
      "version: 1",
      "calendar:",
      "  timeZone: UTC",
      "  workingDays: [mon]",
      "  timeZone: Asia/Shanghai",
    ),
    at: "5:3",
    message: 'duplicate key "timeZone"',
  },
  {
    name: "an unknown tag is an error, not a warning",
    text: yaml("version: 1", "settings:", "  locale: !lang en"),
    at: "3:11",
    message: 'unknown tag "!lang"',
  },
  {
    name: "a YAML 1.1 tag such as !!binary is rejected",
    text: yaml("version: 1", "settings:", "  sender: !!binary aGVsbG8="),
    at: "3:11",
    message: 'unknown tag "!!binary"',
  },
  {
    name: "an alias bomb is stopped and reported at the alias",
    text: yaml(
      "version: 1",
      'a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]',
      "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]",
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]",
      "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]",
    ),
    at: "5:8",
    message: "alias *c expands to 820 values; aliases may only share small parts of a file",
  },
  {
    name: "an alias without an anchor is reported at the alias",
    text: yaml("version: 1", "calendar: *shared"),
    at: "2:11",
    message: "alias *shared refers to no anchor",
  },
  {
    name: "an empty file is an error",
    text: "",
    at: "1:1",
    message: "file is empty",
  },
  {
    name: "a file with only comments is empty",
    text: yaml("# nothing here yet"),
    at: "1:1",
    message: "file is empty",
  },
  {
    name: "a document that is a list is not a rule file",
    text: yaml("- version: 1"),
    at: "1:1",
    message: "expected a mapping of sections (version: 1, funnels: …), got a list",
  },
  {
    name: "a document that is plain text is not a rule file",
    text: yaml("# a comment", "just some text"),
    at: "2:1",
    message: 'got the value "just some text"',
  },
  {
    name: "a second YAML document in one file is an error",
    text: yaml("version: 1", "---", "version: 1"),
    at: "2:1",
    message: "a rule file holds one YAML document",
  },
  {
    name: "YAML 1.2 reads no and yes as text, not booleans",
    text: yaml("version: 1", "settings:", "  locale: no"),
    at: "3:11",
    message: '"no" is not one of: zh-CN, en',
  },
];

const schemaCases: BrokenCase[] = [
  {
    name: "an unknown key is reported at the key, with the closest allowed key",
    text: yaml(
      "version: 1",
      "funnels:",
      "  - id: standard",
      "    label: Standard",
      "    stages:",
      "      - id: new",
      "        label: New",
      "        maxDwel: 5d",
      "      - { id: won, label: Won, terminal: won }",
    ),
    at: "8:9",
    message: 'funnels[0].stages[0].maxDwel: unknown key "maxDwel" (did you mean "maxDwell"?)',
  },
  {
    name: "an unknown key with no close match lists the allowed keys",
    text: yaml("version: 1", "settings:", "  colour: red"),
    at: "3:3",
    message: 'unknown key "colour"; allowed here: locale, currency, sender',
  },
  {
    name: "an unknown section suggests the section meant",
    text: yaml("version: 1", "calender:", "  timeZone: UTC"),
    at: "2:1",
    message: 'unknown key "calender" (did you mean "calendar"?)',
  },
  {
    name: "a malformed duration names the expected form",
    text: yaml(
      "version: 1",
      "funnels:",
      "  - id: standard",
      "    label: Standard",
      "    stages:",
      "      - id: new",
      "        label: New",
      "        maxDwell: 5 dayz",
      "      - { id: won, label: Won, terminal: won }",
    ),
    at: "8:19",
    message: 'funnels[0].stages[0].maxDwell: "5 dayz" is not a duration (e.g. 5d, 36h, 3bd)',
  },
  {
    name: "an id with capitals explains what an id is",
    text: yaml(
      "version: 1",
      "funnels:",
      "  - id: standard",
      "    label: Standard",
      "    stages:",
      "      - { id: Contacted, label: New }",
      "      - { id: won, label: Won, terminal: won }",
    ),
    at: "6:15",
    message: '"Contacted" is not an id: use lower-case letters, digits and dashes (e.g. contacted)',
  },
  {
    name: "a percentage where a number is expected is a type error",
    text: yaml(
      "version: 1",
      "funnels:",
      "  - id: standard",
      "    label: Standard",
      "    stages:",
      '      - { id: new, label: New, transferRate: "90%" }',
      "      - { id: won, label: Won, terminal: won }",
    ),
    at: "6:46",
    message: 'expected a number, got "90%"',
  },
  {
    name: "a rate above 1 explains how to write rates",
    text: yaml(
      "version: 1",
      "funnels:",
      "  - id: standard",
      "    label: Standard",
      "    stages:",
      "      - { id: new, label: New, winRate: 1.5 }",
      "      - { id: won, label: Won, terminal: won }",
    ),
    at: "6:41",
    message: "1.5 is not a rate between 0 and 1 (write 0.9 for 90 %)",
  },
  {
    name: "a fraction where a whole number is expected is a type error",
    text: yaml(
      "version: 1",
      "funnels:",
      "  - id: standard",
      "    label: Standard",
      "    stages:",
      "      - { id: new, label: New, idealPerRep: 2.5 }",
      "      - { id: won, label: Won, terminal: won }",
    ),
    at: "6:45",
    message: "expected a whole number, got 2.5",
  },
  {
    name: "a value outside a literal union lists the allowed values",
    text: yaml(
      "version: 1",
      "schedules:",
      "  - id: weekly",
      "    job: weekly",
      '    cron: "0 9 * * MON"',
    ),
    at: "4:10",
    message: '"weekly" is not one of: sweep, release-cold, anomalies, rollup, outbox',
  },
  {
    name: "a missing required key is reported at its parent mapping",
    text: yaml("version: 1", "pools:", "  - id: unassigned", "    manager: rep-1"),
    at: "3:5",
    message: 'pools[0]: missing required key "label"',
  },
  {
    name: "a file without version says so",
    text: yaml("# settings only", "settings:", "  locale: en"),
    at: "2:1",
    message: 'missing required key "version"',
  },
  {
    name: "a wrong version names the supported one",
    text: yaml("version: 2"),
    at: "1:10",
    message: "version: expected 1, got 2",
  },
  {
    name: "a misspelt distribution step names every kind of step, with a suggestion",
    text: yaml("version: 1", "distribution:", "  steps:", "    - use: round-robbin"),
    at: "4:12",
    message:
      '"round-robbin" is not one of: discoverer, grade-routing, territory, round-robin, least-loaded (did you mean "round-robin"?)',
  },
  {
    name: "a step is checked against the kind its use names, not every kind",
    text: yaml(
      "version: 1",
      "distribution:",
      "  steps:",
      "    - use: territory",
      "      leadFeld: region",
      "    - use: least-loaded",
    ),
    at: "5:7",
    message: 'unknown key "leadFeld" (did you mean "leadField"?)',
  },
  {
    name: "a grade-routing step without routes misses its routes",
    text: yaml(
      "version: 1",
      "distribution:",
      "  steps:",
      "    - use: grade-routing",
      "    - use: least-loaded",
    ),
    at: "4:7",
    message: 'distribution.steps[0]: missing required key "routes"',
  },
  {
    name: "a misspelt condition keyword is reported as an unknown key with a suggestion",
    text: yaml(
      "version: 1",
      "grading:",
      "  default: C",
      "  rules:",
      "    - id: big",
      "      grade: A",
      "      when:",
      "        alll:",
      "          - { field: employees, gte: 500 }",
    ),
    at: "8:9",
    message: 'grading.rules[0].when.alll: unknown key "alll" (did you mean "all"?)',
  },
  {
    name: "a nested comparison with a misspelt operator is reported inside the nesting",
    text: yaml(
      "version: 1",
      "grading:",
      "  default: C",
      "  rules:",
      "    - id: big",
      "      grade: A",
      "      when:",
      "        any:",
      "          - not: { field: employees, gtt: 500 }",
    ),
    at: "9:38",
    message: 'grading.rules[0].when.any[0].not.gtt: unknown key "gtt" (did you mean "gt"?)',
  },
  {
    name: "a comparison without an operator asks for one",
    text: yaml(
      "version: 1",
      "grading:",
      "  default: C",
      "  rules:",
      "    - id: big",
      "      grade: A",
      "      when: { field: employees }",
    ),
    at: "7:13",
    message:
      "needs at least 2 keys; add one of: eq, ne, gt, gte, lt, lte, in, notIn, exists, contains",
  },
  {
    name: "an empty condition describes the forms a condition takes",
    text: yaml(
      "version: 1",
      "grading:",
      "  default: C",
      "  rules:",
      "    - id: big",
      "      grade: A",
      "      when: {}",
    ),
    at: "7:13",
    message: "expected a condition over lead fields: {all: […]}, {any: […]}",
  },
  {
    name: "a label keyed by something other than a locale is reported at the key",
    text: yaml(
      "version: 1",
      "pools:",
      "  - id: unassigned",
      "    label: { zh-CN: 待分配, EN: Unassigned }",
    ),
    at: "4:26",
    message: 'unknown key "EN": expected a locale such as en or zh-CN',
  },
  {
    name: "a label that is neither text nor a mapping names both forms",
    text: yaml("version: 1", "pools:", "  - id: unassigned", "    label: 42"),
    at: "4:12",
    message: "expected text or a mapping (key: value), got 42",
  },
  {
    name: "an empty label is rejected",
    text: yaml("version: 1", "pools:", "  - id: unassigned", '    label: ""'),
    at: "4:12",
    message: "pools[0].label: must not be empty",
  },
  {
    name: "a working day listed twice is reported at the repeat",
    text: yaml("version: 1", "calendar:", "  timeZone: UTC", "  workingDays: [mon, tue, mon]"),
    at: "4:27",
    message: '"mon" is listed twice (also at calendar.workingDays[0])',
  },
  {
    name: "a funnel with a single stage needs more",
    text: yaml(
      "version: 1",
      "funnels:",
      "  - id: standard",
      "    label: Standard",
      "    stages:",
      "      - { id: won, label: Won, terminal: won }",
    ),
    at: "6:7",
    message: "funnels[0].stages: expected at least 2 items, got 1",
  },
  {
    name: "an infinite number is not a number",
    text: yaml("version: 1", "alerts:", "  funnelShape: { below: 0.5, above: .inf }"),
    at: "3:37",
    message: "expected a number, got Infinity",
  },
  {
    name: "a number under the minimum names the minimum",
    text: yaml("version: 1", "alerts:", "  funnelShape: { below: 0.5, above: 0.5 }"),
    at: "3:37",
    message: "0.5 is too small: expected 1 or more",
  },
  {
    name: "a malformed email address shows an example",
    text: yaml("version: 1", "settings:", "  sender: funnel-at-example.com"),
    at: "3:11",
    message: '"funnel-at-example.com" is not an email address (e.g. funnel@example.com)',
  },
  {
    name: "a key without a value is reported at the key",
    text: yaml(
      "version: 1",
      "funnels:",
      "  - id: standard",
      "    label:",
      "    stages:",
      "      - { id: new, label: New }",
      "      - { id: won, label: Won, terminal: won }",
    ),
    at: "4:5",
    message: "funnels[0].label: expected text or a mapping (key: value), got nothing",
  },
];

const setCases: BrokenCase[] = [
  {
    name: "two funnels with one id are reported at the second",
    text: yaml(
      "version: 1",
      "funnels:",
      "  - id: standard",
      "    label: A",
      "    stages: [{ id: a, label: A }, { id: won, label: Won, terminal: won }]",
      "  - id: standard",
      "    label: B",
      "    stages: [{ id: a, label: A }, { id: won, label: Won, terminal: won }]",
    ),
    at: "6:9",
    message:
      'duplicate funnel id "standard": ids must be unique (first used at rules/case.yaml:3:9)',
  },
  {
    name: "two stages with one id are reported at the second",
    text: yaml(
      "version: 1",
      "funnels:",
      "  - id: standard",
      "    label: Standard",
      "    stages:",
      "      - { id: new, label: New }",
      "      - { id: new, label: New again }",
      "      - { id: won, label: Won, terminal: won }",
    ),
    at: "7:15",
    message: 'duplicate stage id "new"',
  },
  {
    name: "two pools with one id are reported at the second",
    text: yaml(
      "version: 1",
      "pools:",
      "  - { id: cold, label: Cold }",
      "  - { id: cold, label: Colder }",
    ),
    at: "4:11",
    message: 'duplicate pool id "cold"',
  },
  {
    name: "two schedules with one id are reported at the second",
    text: yaml(
      "version: 1",
      "schedules:",
      '  - { id: retry, job: outbox, cron: "*/15 * * * *" }',
      '  - { id: retry, job: outbox, cron: "*/30 * * * *" }',
    ),
    at: "4:11",
    message: 'duplicate schedule id "retry"',
  },
  {
    name: "two grading rules with one id are reported at the second",
    text: yaml(
      "version: 1",
      "grading:",
      "  default: C",
      "  rules:",
      "    - { id: big, grade: A, when: { field: employees, gte: 500 } }",
      "    - { id: big, grade: B, when: { field: employees, gte: 50 } }",
    ),
    at: "6:13",
    message: 'duplicate grading rule id "big"',
  },
  {
    name: "a default grade outside the default grades names them",
    text: yaml("version: 1", "grading:", "  default: D", "  rules: []"),
    at: "3:12",
    message: 'grade "D" is not one of the grades A, B, C',
  },
  {
    name: "a rule's grade must be one of the listed grades",
    text: yaml(
      "version: 1",
      "grading:",
      "  grades: [A, B]",
      "  default: B",
      "  rules:",
      "    - { id: big, grade: C, when: { field: employees, gte: 500 } }",
    ),
    at: "6:25",
    message: 'grade "C" is not one of the grades A, B (grading.grades)',
  },
  {
    name: "a grade-routing route for an unknown grade is reported at its key",
    text: yaml(
      "version: 1",
      "distribution:",
      "  steps:",
      "    - use: grade-routing",
      "      routes:",
      "        S: { team: key-accounts }",
      "    - use: least-loaded",
    ),
    at: "6:9",
    message: 'distribution.steps[0].routes.S: grade "S" is not one of the grades',
  },
  {
    name: "a pool that is not defined is named with the defined pools",
    text: yaml(
      "version: 1",
      "pools:",
      "  - { id: unassigned, label: Unassigned }",
      "distribution:",
      "  steps: [{ use: least-loaded }]",
      "  whenNoRep:",
      "    pool: unasigned",
    ),
    at: "7:11",
    message:
      'pool "unasigned" is not defined (did you mean "unassigned"?); defined pools: unassigned',
  },
  {
    name: "cold handling into a pool that does not exist",
    text: yaml(
      "version: 1",
      "cold:",
      "  cooldown: 30d",
      "  pool: freezer",
      "  returnTo: { stage: new }",
    ),
    at: "4:9",
    message: 'pool "freezer" is not defined; no pools are defined',
  },
  {
    name: "returnTo must name a funnel when there are several",
    text: yaml(
      "version: 1",
      "pools: [{ id: cold, label: Cold }]",
      "funnels:",
      "  - { id: one, label: One, stages: [{ id: a, label: A }, { id: won, label: W, terminal: won }] }",
      "  - { id: two, label: Two, stages: [{ id: a, label: A }, { id: won, label: W, terminal: won }] }",
      "cold:",
      "  cooldown: 30d",
      "  pool: cold",
      "  returnTo:",
      "    stage: a",
    ),
    at: "10:5",
    message: 'cold.returnTo: missing key "funnel": there are several funnels (one, two)',
  },
  {
    name: "returnTo naming an unknown funnel",
    text: yaml(
      "version: 1",
      "pools: [{ id: cold, label: Cold }]",
      "cold:",
      "  cooldown: 30d",
      "  pool: cold",
      "  returnTo: { funnel: standrd, stage: new }",
    ),
    at: "6:23",
    message: 'funnel "standrd" is not defined (did you mean "standard"?); funnels: standard',
  },
  {
    name: "returnTo naming a stage the funnel does not have",
    text: yaml(
      "version: 1",
      "pools: [{ id: cold, label: Cold }]",
      "cold:",
      "  cooldown: 30d",
      "  pool: cold",
      "  returnTo: { stage: fresh }",
    ),
    at: "6:22",
    message: '"fresh" is not a stage of funnel "standard"; open stages: new',
  },
  {
    name: "returnTo naming a terminal stage",
    text: yaml(
      "version: 1",
      "pools: [{ id: cold, label: Cold }]",
      "cold:",
      "  cooldown: 30d",
      "  pool: cold",
      "  returnTo: { stage: won }",
    ),
    at: "6:22",
    message: '"won" is a terminal stage (won): a returning lead needs an open stage (new)',
  },
  {
    name: "returnTo with a grade that does not exist",
    text: yaml(
      "version: 1",
      "pools: [{ id: cold, label: Cold }]",
      "cold:",
      "  cooldown: 30d",
      "  pool: cold",
      "  returnTo: { stage: new, grade: Z }",
    ),
    at: "6:34",
    message: 'grade "Z" is not one of the grades A, B, C',
  },
  {
    name: "a qualifying stage the funnel does not have",
    text: yaml(
      "version: 1",
      "funnels:",
      "  - id: standard",
      "    label: Standard",
      "    outOfFunnel: { qualifyingStages: [new, contacted] }",
      "    stages: [{ id: new, label: New }, { id: won, label: Won, terminal: won }]",
    ),
    at: "5:44",
    message:
      'funnels[0].outOfFunnel.qualifyingStages[1]: "contacted" is not a stage of funnel "standard"',
  },
  {
    name: "a funnel without a won stage",
    text: yaml(
      "version: 1",
      "funnels:",
      "  - id: standard",
      "    label: Standard",
      "    stages:",
      "      - { id: new, label: New }",
      "      - { id: lost, label: Lost, terminal: lost }",
    ),
    at: "6:7",
    message: 'funnel "standard" has no won stage',
  },
  {
    name: "a funnel with two won stages",
    text: yaml(
      "version: 1",
      "funnels:",
      "  - id: standard",
      "    label: Standard",
      "    stages:",
      "      - { id: new, label: New }",
      "      - { id: won, label: Won, terminal: won }",
      "      - { id: paid, label: Paid, terminal: won }",
    ),
    at: "8:44",
    message: 'funnel "standard" has more than one won stage (the first is at rules/case.yaml:7:42)',
  },
  {
    name: "a funnel with two lost stages",
    text: yaml(
      "version: 1",
      "funnels:",
      "  - id: standard",
      "    label: Standard",
      "    stages:",
      "      - { id: new, label: New }",
      "      - { id: won, label: Won, terminal: won }",
      "      - { id: lost, label: Lost, terminal: lost }",
      "      - { id: gone, label: Gone, terminal: lost }",
    ),
    at: "9:44",
    message: "has more than one lost stage",
  },
  {
    name: "an open stage after a terminal one",
    text: yaml(
      "version: 1",
      "funnels:",
      "  - id: standard",
      "    label: Standard",
      "    stages:",
      "      - { id: won, label: Won, terminal: won }",
      "      - { id: new, label: New }",
    ),
    at: "7:9",
    message: 'stage "new" comes after the terminal stage "won"',
  },
  {
    name: "a terminal stage with a dwell limit is reported at the key",
    text: yaml(
      "version: 1",
      "funnels:",
      "  - id: standard",
      "    label: Standard",
      "    stages:",
      "      - { id: new, label: New }",
      "      - { id: won, label: Won, terminal: won, maxDwell: 5d }",
    ),
    at: "7:47",
    message: 'terminal stage "won" cannot have maxDwell',
  },
  {
    name: "a terminal stage with a transfer rate",
    text: yaml(
      "version: 1",
      "funnels:",
      "  - id: standard",
      "    label: Standard",
      "    stages:",
      "      - { id: new, label: New }",
      "      - { id: won, label: Won, terminal: won, transferRate: 0.5 }",
    ),
    at: "7:47",
    message: 'terminal stage "won" cannot have transferRate',
  },
  {
    name: "a terminal stage with an ideal count per rep",
    text: yaml(
      "version: 1",
      "funnels:",
      "  - id: standard",
      "    label: Standard",
      "    stages:",
      "      - { id: new, label: New }",
      "      - { id: lost, label: Lost, terminal: lost, idealPerRep: 3 }",
      "      - { id: won, label: Won, terminal: won }",
    ),
    at: "7:50",
    message: 'terminal stage "lost" cannot have idealPerRep',
  },
  {
    name: "a zero duration",
    text: yaml(
      "version: 1",
      "pools: [{ id: cold, label: Cold }]",
      "cold:",
      "  cooldown: 0d",
      "  pool: cold",
      "  returnTo: { stage: new }",
    ),
    at: "4:13",
    message: '"0d" is not a duration: the amount must be greater than zero',
  },
  {
    name: "a fraction of a business day",
    text: yaml(
      "version: 1",
      "funnels:",
      "  - id: standard",
      "    label: Standard",
      "    stages:",
      "      - { id: new, label: New, maxDwell: 1.5bd }",
      "      - { id: won, label: Won, terminal: won }",
    ),
    at: "6:42",
    message: "business days must be a whole number",
  },
  {
    name: "a zero multiple",
    text: yaml(
      "version: 1",
      "distribution:",
      "  steps: [{ use: least-loaded }]",
      "  capacity: { maxPerStage: 0x }",
    ),
    at: "4:28",
    message: '"0x" must be more than 0x',
  },
  {
    name: "escalation levels that do not increase",
    text: yaml(
      "version: 1",
      "alerts:",
      "  dwell:",
      "    escalation:",
      "      - { after: 2x, notify: owner }",
      "      - { after: 2x, notify: manager }",
    ),
    at: "6:18",
    message: "after 2x must be later than the previous entry's 2x",
  },
  {
    name: "actions that do not increase",
    text: yaml(
      "version: 1",
      "alerts:",
      "  dwell:",
      "    escalation: [{ after: 1x, notify: owner }]",
      "    actions:",
      "      - { after: 3x, do: reassign }",
      "      - { after: 2x, do: abandon }",
    ),
    at: "7:18",
    message: "after 2x must be later than the previous entry's 3x",
  },
  {
    name: "a calendar time zone that does not exist",
    text: yaml("version: 1", "calendar:", "  timeZone: Asia/Shangai", "  workingDays: [mon]"),
    at: "3:13",
    message: 'calendar.timeZone: "Asia/Shangai" is not an IANA time zone',
  },
  {
    name: "a holiday that is not a real date is reported at its entry",
    text: yaml(
      "version: 1",
      "calendar:",
      "  timeZone: Asia/Shanghai",
      "  workingDays: [mon]",
      "  holidays:",
      "    - 2026-10-01",
      "    - 2026-02-30",
    ),
    at: "7:7",
    message: 'calendar.holidays[1]: "2026-02-30" is not a date',
  },
  {
    name: "a day that is both holiday and extra working day",
    text: yaml(
      "version: 1",
      "calendar:",
      "  timeZone: Asia/Shanghai",
      "  workingDays: [mon]",
      "  holidays: [2026-10-01..2026-10-07]",
      "  extraWorkingDays: [2026-10-03]",
    ),
    at: "6:22",
    message: "2026-10-03 is listed both as a holiday",
  },
  {
    name: "a cron expression with six fields",
    text: yaml(
      "version: 1",
      "schedules:",
      "  - id: retry",
      "    job: outbox",
      '    cron: "0 */15 * * * *"',
    ),
    at: "5:11",
    message: "has 6 fields: seconds are not supported",
  },
  {
    name: "distribution steps that never pick a rep",
    text: yaml("version: 1", "distribution:", "  steps:", "    - use: territory"),
    at: "4:5",
    message: "the steps never pick a rep",
  },
  {
    name: "a pick step before other steps",
    text: yaml(
      "version: 1",
      "distribution:",
      "  steps:",
      "    - use: round-robin",
      "    - use: discoverer",
    ),
    at: "4:12",
    message: 'the pick step "round-robin" must be the last step',
  },
  {
    name: "two pick steps",
    text: yaml(
      "version: 1",
      "distribution:",
      "  steps:",
      "    - use: discoverer",
      "    - use: round-robin",
      "    - use: least-loaded",
    ),
    at: "6:12",
    message: "a second pick step",
  },
  {
    name: "a sweep schedule without dwell alerts",
    text: yaml("version: 1", "schedules:", '  - { id: sweep, job: sweep, cron: "0 9 * * *" }'),
    at: "3:23",
    message: 'job "sweep" needs the alerts.dwell section, which no rule file defines',
  },
  {
    name: "a release-cold schedule without cold handling",
    text: yaml(
      "version: 1",
      "schedules:",
      '  - { id: thaw, job: release-cold, cron: "0 7 * * *" }',
    ),
    at: "3:22",
    message: 'job "release-cold" needs the cold section',
  },
  {
    name: "a rollup schedule without a rollup report",
    text: yaml("version: 1", "schedules:", '  - { id: weekly, job: rollup, cron: "0 8 * * MON" }'),
    at: "3:24",
    message: 'job "rollup" needs the reports.rollup section',
  },
  {
    name: "an anomalies schedule without anomaly alerts",
    text: yaml(
      "version: 1",
      "schedules:",
      '  - { id: checks, job: anomalies, cron: "0 8 * * MON" }',
    ),
    at: "3:24",
    message: 'job "anomalies" needs the alerts.anomalies section',
  },
  {
    name: "a roll-up level listed twice",
    text: yaml(
      "version: 1",
      "reports:",
      "  rollup:",
      "    cadence:",
      "      - { level: 1, day: mon }",
      "      - { level: 1, day: tue }",
    ),
    at: "6:18",
    message: "level 1 is listed twice (first at rules/case.yaml:5:18)",
  },
];

describe("validateRules: YAML", () => {
  it.each(yamlCases)("$name", (brokenCase) => expectSingleProblem(brokenCase));

  it("rejects a file over 1 MiB by its size, at 1:1", () => {
    const problems = formatted([{ path: "rules/huge.yaml", text: "", size: 5.2 * 1024 * 1024 }]);
    expect(problems).toEqual([
      "rules/huge.yaml:1:1: file is 5.2 MiB; a rule file may be at most 1 MiB",
    ]);
  });

  it("measures the size of the text when no size is given", () => {
    const text = `version: 1\n# ${"x".repeat(1024 * 1024)}\n`;
    expect(formatted([{ path: "rules/big.yaml", text }])).toEqual([
      "rules/big.yaml:1:1: file is 1.1 MiB; a rule file may be at most 1 MiB",
    ]);
  });

  it("keeps dates as text so they reach the calendar as written", () => {
    const result = validateRules(
      ruleSet(
        yaml(
          "version: 1",
          "calendar:",
          "  timeZone: Asia/Shanghai",
          "  workingDays: [mon, tue, wed, thu, fri]",
          "  holidays: [2026-10-01]",
        ),
      ),
    );
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.source.calendar?.holidays).toEqual(["2026-10-01"]);
  });
});

describe("validateRules: schema", () => {
  it.each(schemaCases)("$name", (brokenCase) => expectSingleProblem(brokenCase));
});

describe("validateRules: rule set", () => {
  it.each(setCases)("$name", (brokenCase) => expectSingleProblem(brokenCase));

  it("reports a section defined in two files at the second, naming the first", () => {
    const problems = formatted([
      { path: "rules/a.yaml", text: yaml("version: 1", ...BASE_SECTIONS.funnels) },
      { path: "rules/b.yaml", text: yaml("# base", "version: 1", ...BASE_SECTIONS.calendar) },
      { path: "rules/c.yaml", text: yaml("version: 1", "", ...BASE_SECTIONS.calendar) },
    ]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^rules\/c\.yaml:3:1: calendar: calendar is already defined in rules\/b\.yaml:3:1/,
    );
  });

  it("merges funnels, pools and schedules across files and reports duplicates in their file", () => {
    const problems = formatted([
      {
        path: "rules/a.yaml",
        text: yaml("version: 1", ...BASE_SECTIONS.funnels, ...BASE_SECTIONS.calendar),
      },
      {
        path: "rules/b.yaml",
        text: yaml(
          "version: 1",
          "funnels:",
          "  - id: standard",
          "    label: Again",
          "    stages: [{ id: a, label: A }, { id: won, label: Won, terminal: won }]",
        ),
      },
    ]);
    expect(problems).toEqual([
      'rules/b.yaml:3:9: funnels[0].id: duplicate funnel id "standard": ids must be unique (first used at rules/a.yaml:3:9)',
    ]);
  });

  it("needs at least one funnel, reported at the start of the first file", () => {
    const problems = formatted([
      { path: "rules/only.yaml", text: yaml("version: 1", ...BASE_SECTIONS.calendar) },
    ]);
    expect(problems).toEqual([
      "rules/only.yaml:1:1: funnels: the rule set has no funnel: add a funnels section with at least one funnel",
    ]);
  });

  it("needs a calendar", () => {
    const problems = formatted([
      { path: "rules/only.yaml", text: yaml("version: 1", ...BASE_SECTIONS.funnels) },
    ]);
    expect(problems).toEqual([
      "rules/only.yaml:1:1: calendar: the rule set has no calendar: add a calendar section (timeZone, workingDays)",
    ]);
  });

  it("reports an empty funnel list where it is written", () => {
    const problems = formatted(ruleSet(yaml("version: 1", "funnels: []")));
    expect(problems).toEqual([
      "rules/case.yaml:2:10: funnels: the rule set has no funnel: add a funnels section with at least one funnel",
    ]);
  });
});

describe("validateRules: reporting", () => {
  it("reports every problem of a file at once", () => {
    const problems = formatted(
      ruleSet(
        yaml(
          "version: 1",
          "funnels:",
          "  - id: Standard",
          "    label: Standard",
          "    stages:",
          "      - { id: new, label: New, maxDwell: 5 dayz }",
          "      - { id: won, label: Won, terminal: won, colour: green }",
        ),
      ),
    );
    expect(problems).toEqual([
      'rules/case.yaml:3:9: funnels[0].id: "Standard" is not an id: use lower-case letters, digits and dashes (e.g. contacted)',
      'rules/case.yaml:6:42: funnels[0].stages[0].maxDwell: "5 dayz" is not a duration (e.g. 5d, 36h, 3bd)',
      'rules/case.yaml:7:47: funnels[0].stages[1].colour: unknown key "colour"; allowed here: id, label, maxDwell, transferRate, winRate, idealPerRep, requires, countsAsSale, terminal, playbook',
    ]);
  });

  it("reports problems of every file, sorted by file, line and column", () => {
    const problems = problemsOf([
      {
        path: "rules/b.yaml",
        text: yaml("version: 1", "settings:", "  locale: fr", "  currency: eur"),
      },
      { path: "rules/a.yaml", text: yaml("version: 1", "calendar: [", "") },
      { path: "rules/c.yaml", text: yaml("version: 2") },
    ]);
    expect(problems.map((p) => `${p.file}:${p.line}:${p.column}`)).toEqual([
      "rules/a.yaml:4:1",
      "rules/b.yaml:3:11",
      "rules/b.yaml:4:13",
      "rules/c.yaml:1:10",
    ]);
    expect(problems.every((problem) => problem.severity === "error")).toBe(true);
  });

  it("gives each problem its file, position, path and message separately", () => {
    const [problem] = problemsOf(ruleSet(yaml("version: 1", "settings:", "  currency: eur")));
    expect(problem).toEqual({
      file: "rules/case.yaml",
      line: 3,
      column: 13,
      path: "settings.currency",
      message: '"eur" is not a currency code: use the three capital letters of ISO 4217 (e.g. CNY)',
      severity: "error",
    });
  });

  it.each([
    ["binary noise", "\u0000\u0001\u0002\u00ff{{{[[[:::"],
    ["a lone colon", ":"],
    ["deep nesting", `${"[".repeat(500)}${"]".repeat(500)}`],
    ["a null key", "? \n: 1\n"],
    ["a collection as key", "? [a, b]\n: 1\nversion: 1\n"],
  ])("never throws on %s", (_name, text) => {
    const result = validateRules([{ path: "rules/x.yaml", text }]);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems.length).toBeGreaterThan(0);
      for (const problem of result.problems) expect(problem.message).not.toMatch(/\n\s+at /);
    }
  });

  it("reports an empty list of files instead of throwing", () => {
    const result = validateRules([]);
    expect(result.ok).toBe(false);
  });
});

describe("validateRules: valid sets", () => {
  it("accepts a valid multi-file set and compiles it", () => {
    const result = validateRules(fixtureSet("test/fixtures/rules-valid"));
    expect(result.ok, result.ok ? "" : result.problems.map(formatProblem).join("\n")).toBe(true);
    if (!result.ok) return;
    expect(result.source.schedules?.map((schedule) => schedule.id)).toEqual(["outbox", "sweep"]);
    expect(result.rules.funnels[0]?.stages.map((stage) => stage.id)).toEqual([
      "new",
      "offer",
      "won",
      "lost",
    ]);
    expect(result.rules.funnels[0]?.stages[0]?.maxDwell).toEqual({
      amount: 2,
      unit: "businessDay",
      text: "2bd",
    });
  });

  it("accepts a single file as a complete set", () => {
    const result = validateRules([
      {
        path: "rules/templates/tiny.yaml",
        text: yaml("version: 1", ...BASE_SECTIONS.calendar, ...BASE_SECTIONS.funnels),
      },
    ]);
    expect(result.ok).toBe(true);
  });

  it("accepts anchors and aliases used to share a small part", () => {
    const result = validateRules([
      {
        path: "rules/anchors.yaml",
        text: yaml(
          "version: 1",
          ...BASE_SECTIONS.calendar,
          "funnels:",
          "  - id: standard",
          "    label: &label { zh-CN: 标准, en: Standard }",
          "    stages:",
          "      - { id: new, label: *label }",
          "      - { id: won, label: Won, terminal: won }",
        ),
      },
    ]);
    expect(result.ok, result.ok ? "" : result.problems.map(formatProblem).join("\n")).toBe(true);
  });
});
