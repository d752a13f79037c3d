import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { isMap, isScalar, isSeq, type Node, parseDocument } from "yaml";
import { loadRules, RulesInvalidError } from "../../functions/adapters/rules-loader";
import {
  formatProblem,
  type RuleFileInput,
  type RuleProblem,
  validateRules,
} from "../../functions/core/rules/validate-rules";
import { faultFigures, faultSeed, trials } from "../support/fault-figures";
import { funnel, repoRoot, STACK_LINE } from "../support/funnel-cli";

/*
 * The systematic mutation sweep of the shipped rules: every case takes a real rule set (rules/ or
 * one of rules/templates/), checks that it is valid as shipped, breaks one thing in one file and
 * checks that `funnel validate`'s loader rejects it with `file:line:col: path: sentence` problems
 * that point at the break. test/unit/rules/validate-rules.test.ts covers hand-written snippets;
 * this file covers what happens to the files people actually edit.
 */

const figures = faultFigures("malformed rules");
const SEED = faultSeed(20_261_123);

const RULES_DIR = join(repoRoot, "rules");
const SHIPPED = ["alerts", "distribution", "funnel", "grading", "reports", "settings"].map(
  (name) => `${name}.yaml`,
);
const TEMPLATES = ["key-account.yaml", "small-funnel.yaml", "buyers-journey.yaml"] as const;
type Template = (typeof TEMPLATES)[number];

/** The shipped set (every file of rules/) or one template validated on its own. */
type Source = "rules" | Template;

const scratch = mkdtempSync(join(tmpdir(), "funnel-malformed-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function originalText(source: Source, file: string): string {
  const path = source === "rules" ? join(RULES_DIR, file) : join(RULES_DIR, "templates", file);
  return readFileSync(path, "utf8");
}

// ---------------------------------------------------------------------------------------------
// Mutations: each returns the new file content and where the validator must point, computed from
// the text itself (never from the validator), so a wrong position fails the case.

interface Expected {
  line: number;
  /** Omitted where the YAML parser's column depends on its recovery, not on the mutation. */
  column?: number;
  /**
   * An unterminated quote or flow collection is noticed where the parser meets the next token:
   * anywhere from the mutated line up to the next line with content.
   */
  untilLine?: number;
}

interface Mutated {
  content: string | Buffer;
  at: Expected;
  /** A place in another file the message must name ("first used at …"). */
  mentions?: string;
}

/** Line and column (1-based) of a character offset; \r\n counts as one line break. */
function positionOf(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - (before.lastIndexOf("\n") + 1) + 1;
  return { line, column };
}

/**
 * Replaces the first `needle` with `replacement`; the validator must point at `pointAt` (a part of
 * the replacement, by default its first non-blank character).
 */
function edit(text: string, needle: string, replacement: string, pointAt?: string): Mutated {
  const start = text.indexOf(needle);
  if (start < 0) throw new Error(`test data: "${needle}" is not in the shipped file`);
  const content = text.slice(0, start) + replacement + text.slice(start + needle.length);
  const within = pointAt === undefined ? replacement.search(/\S/) : replacement.indexOf(pointAt);
  if (within < 0) throw new Error(`test data: "${pointAt}" is not in "${replacement}"`);
  return { content, at: positionOf(content, start + within) };
}

/** Inserts whole lines after the first line containing `needle`. */
function insertAfter(text: string, needle: string, lines: string[], pointAt?: string): Mutated {
  const start = text.indexOf(needle);
  if (start < 0) throw new Error(`test data: "${needle}" is not in the shipped file`);
  const end = text.indexOf("\n", start) + 1;
  const inserted = `${lines.join("\n")}\n`;
  const content = text.slice(0, end) + inserted + text.slice(end);
  const within = pointAt === undefined ? inserted.search(/\S/) : inserted.indexOf(pointAt);
  return { content, at: positionOf(content, end + within) };
}

/** Appends lines at the end of the file. */
function append(text: string, lines: string[], pointAt?: string): Mutated {
  const base = text.endsWith("\n") ? text : `${text}\n`;
  const added = `${lines.join("\n")}\n`;
  const content = base + added;
  const within = pointAt === undefined ? 0 : added.indexOf(pointAt);
  return { content, at: positionOf(content, base.length + within) };
}

/** Removes the lines from the one containing `from` up to (not including) the one with `upTo`. */
function cutLines(text: string, from: string, upTo: string): string {
  const start = text.lastIndexOf("\n", text.indexOf(from)) + 1;
  const end = text.lastIndexOf("\n", text.indexOf(upTo, start)) + 1;
  if (start <= 0 || end <= start) throw new Error(`test data: cannot cut "${from}".."${upTo}"`);
  return text.slice(0, start) + text.slice(end);
}

/** The mutation is unterminated: the parser may notice it up to the next line with content. */
function unterminated({ content, at }: Mutated): Mutated {
  const lines = content.toString().split("\n");
  let next = at.line + 1;
  while (next <= lines.length && /^\s*(#.*)?$/.test(lines[next - 1] ?? "")) next += 1;
  return { content, at: { line: at.line, untilLine: next } };
}

const atStart = (content: string | Buffer): Mutated => ({ content, at: { line: 1, column: 1 } });

interface Mutation {
  name: string;
  source: Source;
  file: string;
  mutate: (text: string) => Mutated;
  /** What the problem at the mutation says; omitted only where the wording is not the point. */
  says?: string | RegExp;
  /** The file the problem is reported in, when it is not the mutated one (set-level checks). */
  reportedIn?: string;
}

const MIB = 1024 * 1024;
const TAB = "\t";

const yamlSyntax: Mutation[] = [
  {
    name: "a tab indents respectNextAction",
    source: "rules",
    file: "alerts.yaml",
    mutate: (t) => edit(t, "    respectNextAction:", `${TAB}respectNextAction:`, TAB),
    says: "Tabs are not allowed as indentation",
  },
  {
    name: "tabs indent a stage's maxDwell",
    source: "rules",
    file: "funnel.yaml",
    mutate: (t) => edit(t, "        maxDwell: 1d", `${TAB}${TAB}maxDwell: 1d`, TAB),
    says: "Tabs are not allowed as indentation",
  },
  {
    name: "a tab indents the key-account funnel's label",
    source: "key-account.yaml",
    file: "key-account.yaml",
    mutate: (t) => edit(t, "    label: { zh-CN: 大客户", `${TAB}label: { zh-CN: 大客户`, TAB),
    says: "Tabs are not allowed as indentation",
  },
  {
    name: "maxDwell is indented deeper than its stage's other keys",
    source: "rules",
    file: "funnel.yaml",
    mutate: (t) => {
      const { content, at } = edit(t, "        maxDwell: 1d", "          maxDwell: 1d");
      return { content, at: { line: at.line, column: 1 } };
    },
    says: "All mapping items must start at the same column",
  },
  {
    name: "currency is indented shallower than locale",
    source: "rules",
    file: "settings.yaml",
    mutate: (t) => {
      const { content, at } = edit(t, "  currency: CNY", " currency: CNY");
      return { content, at: { line: at.line, column: 1 } };
    },
    says: "All mapping items must start at the same column",
  },
  {
    name: "a stage item is outdented out of its list",
    source: "rules",
    file: "funnel.yaml",
    mutate: (t) => edit(t, "      - id: graded", "    - id: graded"),
    says: "YAML syntax error",
  },
  {
    name: "a cron's double quote is never closed",
    source: "rules",
    file: "reports.yaml",
    mutate: (t) => unterminated(edit(t, 'cron: "0 9 * * *"', 'cron: "0 9 * * *', '"')),
    says: 'Missing closing "quote',
  },
  {
    name: "the sender's single quote is never closed",
    source: "rules",
    file: "settings.yaml",
    mutate: (t) =>
      unterminated(edit(t, "sender: funnel@example.com", "sender: 'funnel@example.com", "'")),
    says: "Missing closing 'quote",
  },
  {
    name: "the qualifying stages' bracket is never closed",
    source: "rules",
    file: "funnel.yaml",
    mutate: (t) =>
      unterminated(
        edit(
          t,
          "qualifyingStages: [contacted, lead, intent]",
          "qualifyingStages: [contacted, lead, intent",
        ),
      ),
    says: /Flow sequence .* end with a \]/,
  },
  {
    name: "the working days' bracket is never closed",
    source: "rules",
    file: "settings.yaml",
    mutate: (t) => {
      return unterminated(edit(t, "wed, thu, fri]", "wed, thu, fri"));
    },
    says: /Flow sequence .* end with a \]/,
  },
  {
    name: "an escalation entry's brace is never closed",
    source: "rules",
    file: "alerts.yaml",
    mutate: (t) => {
      return unterminated(
        edit(t, "{ after: 2x, notify: manager }", "{ after: 2x, notify: manager"),
      );
    },
    says: /Flow map .* end with a \}/,
  },
  {
    name: "a small-funnel stage's brace is never closed",
    source: "small-funnel.yaml",
    file: "small-funnel.yaml",
    mutate: (t) => {
      return unterminated(edit(t, "winRate: 0.08 }", "winRate: 0.08"));
    },
    says: /Flow map .* end with a \}/,
  },
  {
    name: "the grading default lost its colon",
    source: "rules",
    file: "grading.yaml",
    mutate: (t) => edit(t, "  default: C", "  default C"),
    says: "Implicit map keys need to be followed by map values",
  },
  {
    name: "a second colon nests a mapping in the cooldown",
    source: "rules",
    file: "distribution.yaml",
    mutate: (t) => edit(t, "  cooldown: 30d", "  cooldown: 30d: later", "30d: later"),
    says: "Nested mappings are not allowed in compact mappings",
  },
  {
    name: "a stray closing bracket follows a cron",
    source: "rules",
    file: "reports.yaml",
    mutate: (t) => edit(t, 'cron: "0 7 * * *"', 'cron: "0 7 * * *"]', "]"),
    says: 'Unexpected flow-seq-end token in YAML stream: "]"',
  },
  {
    name: "a stage repeats winRate",
    source: "rules",
    file: "funnel.yaml",
    mutate: (t) => insertAfter(t, "idealPerRep: 10", ["        winRate: 0.02"]),
    says: 'duplicate key "winRate": each key may appear once in a mapping',
  },
  {
    name: "settings.yaml defines calendar a second time",
    source: "rules",
    file: "settings.yaml",
    mutate: (t) => append(t, ["calendar:", "  timeZone: UTC", "  workingDays: [mon]"], "calendar"),
    says: 'duplicate key "calendar"',
  },
  {
    name: "an escalation entry repeats after in its flow mapping",
    source: "rules",
    file: "alerts.yaml",
    mutate: (t) =>
      edit(
        t,
        "{ after: 1x, notify: owner }",
        "{ after: 1x, notify: owner, after: 4x }",
        "after: 4x",
      ),
    says: 'duplicate key "after"',
  },
  {
    name: "cold handling names two pools",
    source: "rules",
    file: "distribution.yaml",
    mutate: (t) => insertAfter(t, "  pool: cold", ["  pool: unassigned"]),
    says: 'duplicate key "pool"',
  },
  {
    name: "the key-account won stage repeats its label",
    source: "key-account.yaml",
    file: "key-account.yaml",
    mutate: (t) => insertAfter(t, "en: Won }", ["        label: Won again"]),
    says: 'duplicate key "label"',
  },
];

const tagsAndDocuments: Mutation[] = [
  {
    name: "the grading default is a !!js/function",
    source: "rules",
    file: "grading.yaml",
    mutate: (t) =>
      edit(t, "default: C", "default: !!js/function 'function () { return \"A\" }'", "!!js"),
    says: 'unknown tag "!!js/function": rule files use plain YAML values, no tags',
  },
  {
    name: "the currency carries a !custom tag",
    source: "rules",
    file: "settings.yaml",
    mutate: (t) => edit(t, "currency: CNY", "currency: !custom CNY", "!custom"),
    says: 'unknown tag "!custom"',
  },
  {
    name: "the sender is !!binary",
    source: "rules",
    file: "settings.yaml",
    mutate: (t) =>
      edit(t, "sender: funnel@example.com", "sender: !!binary ZnVubmVsQGV4YW1wbGUuY29t", "!!"),
    says: 'unknown tag "!!binary"',
  },
  {
    name: "a holiday is a !!timestamp",
    source: "rules",
    file: "settings.yaml",
    mutate: (t) => edit(t, "- 2026-01-01..2026-01-03", "- !!timestamp 2026-01-01", "!!"),
    says: 'unknown tag "!!timestamp"',
  },
  {
    name: "the qualifying stages are a !!set",
    source: "rules",
    file: "funnel.yaml",
    mutate: (t) => edit(t, "qualifyingStages: [", "qualifyingStages: !!set [", "!!set"),
    says: 'unknown tag "!!set"',
  },
  {
    name: "a cron carries a local tag and an anchor",
    source: "rules",
    file: "reports.yaml",
    mutate: (t) => edit(t, 'cron: "0 9 * * *"', 'cron: !cron &daily "0 9 * * *"', "!cron"),
    says: 'unknown tag "!cron"',
  },
  {
    name: "a stage label is a !!python/object",
    source: "buyers-journey.yaml",
    file: "buyers-journey.yaml",
    mutate: (t) =>
      edit(t, "label: { zh-CN: 兴趣", "label: !!python/object:os.system { zh-CN: 兴趣", "!!"),
    says: 'unknown tag "!!python/object:os.system"',
  },
  {
    name: "a second document is appended to grading.yaml",
    source: "rules",
    file: "grading.yaml",
    mutate: (t) => append(t, ["---", "version: 1"], "---"),
    says: "a rule file holds one YAML document",
  },
  {
    name: "a document marker splits settings from the calendar",
    source: "rules",
    file: "settings.yaml",
    mutate: (t) => edit(t, "\ncalendar:", "\n---\ncalendar:", "---"),
    says: "a rule file holds one YAML document",
  },
  {
    name: "a document end marker is followed by more rules",
    source: "rules",
    file: "reports.yaml",
    mutate: (t) => append(t, ["...", "schedules: []"], "schedules"),
    says: "a rule file holds one YAML document",
  },
];

/** Nine levels of nine aliases: ~9^4 values from a few lines ("billion laughs"). */
const BILLION_LAUGHS = [
  'lol0: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
  "lol1: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]",
  "lol2: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]",
  "lol3: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]",
  "lol4: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]",
];

const aliasesAndSizes: Mutation[] = [
  {
    name: "a billion-laughs alias bomb follows the anomaly rules",
    source: "rules",
    file: "alerts.yaml",
    mutate: (t) => append(t, BILLION_LAUGHS, "*d"),
    says: /alias \*d expands to \d+ values; aliases may only share small parts of a file/,
  },
  {
    name: "an alias bomb hides inside a stage's requires",
    source: "rules",
    file: "funnel.yaml",
    mutate: (t) =>
      edit(
        t,
        "requires: [need, authority, budget, timeline]",
        `requires: [&r0 [${"need, ".repeat(9)}need], &r1 [${"*r0, ".repeat(9)}*r0], &r2 [${"*r1, ".repeat(9)}*r1], [${"*r2, ".repeat(9)}*r2]]`,
        "*r2",
      ),
    says: "alias *r2 expands to",
  },
  {
    name: "the cold pool is an alias to no anchor",
    source: "rules",
    file: "distribution.yaml",
    mutate: (t) => edit(t, "  pool: cold", "  pool: *coldpool", "*coldpool"),
    says: "alias *coldpool refers to no anchor: define &coldpool before using it",
  },
  {
    name: "an escalation list contains itself through an alias",
    source: "rules",
    file: "alerts.yaml",
    mutate: (t) => insertAfter(t, "    escalation:", ["      - *self"], "*self"),
    says: "alias *self refers to no anchor",
  },
  {
    name: "funnel.yaml grows past 1 MiB with a comment",
    source: "rules",
    file: "funnel.yaml",
    mutate: (t) => atStart(`${t}# ${"padding ".repeat(MIB / 8)}\n`),
    says: "file is 1.1 MiB; a rule file may be at most 1 MiB",
  },
  {
    name: "a grading rule's description is a 1 MiB line",
    source: "rules",
    file: "grading.yaml",
    mutate: (t) =>
      atStart(
        t.replace(
          "description: Customers who inquired",
          `description: ${"x".repeat(MIB)} Customers who inquired`,
        ),
      ),
    says: /file is 1\.\d MiB; a rule file may be at most 1 MiB/,
  },
];

const emptyJunkAndEncodings: Mutation[] = [
  {
    name: "grading.yaml is emptied",
    source: "rules",
    file: "grading.yaml",
    mutate: () => atStart(""),
    says: "file is empty: expected a mapping starting with version: 1",
  },
  {
    name: "reports.yaml holds only blank lines",
    source: "rules",
    file: "reports.yaml",
    mutate: () => atStart("\n\n   \n\n"),
    says: "file is empty",
  },
  {
    name: "distribution.yaml keeps only its header comments",
    source: "rules",
    file: "distribution.yaml",
    mutate: (t) => atStart(t.slice(0, t.indexOf("version:"))),
    says: "file is empty",
  },
  {
    name: "funnel.yaml is replaced by its gzip",
    source: "rules",
    file: "funnel.yaml",
    mutate: (t) => atStart(gzipSync(Buffer.from(t))),
  },
  {
    name: "grading.yaml is replaced by a PNG header",
    source: "rules",
    file: "grading.yaml",
    mutate: () =>
      atStart(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49])),
  },
  {
    name: "binary junk precedes alerts.yaml",
    source: "rules",
    file: "alerts.yaml",
    mutate: (t) =>
      atStart(Buffer.concat([Buffer.from([0, 1, 2, 0xff, 0xfe, 0x1b]), Buffer.from(t)])),
  },
  {
    name: "settings.yaml is saved as UTF-16 with a byte-order mark",
    source: "rules",
    file: "settings.yaml",
    mutate: (t) => atStart(Buffer.from(`\uFEFF${t}`, "utf16le")),
  },
  {
    name: "the currency holds a byte that is not UTF-8",
    source: "rules",
    file: "settings.yaml",
    mutate: (t) => {
      const { content, at } = edit(t, "currency: CNY", "currency: CN\u0000", "CN");
      // The NUL placeholder becomes a lone 0xff byte, as a Latin-1 editor would write "ÿ".
      const bytes = Buffer.from(content as string);
      const nul = bytes.indexOf(0);
      bytes[nul] = 0xff;
      return { content: bytes, at };
    },
    says: "is not a currency code",
  },
  {
    name: "a UTF-8 byte-order mark precedes a broken maxDwell",
    source: "rules",
    file: "funnel.yaml",
    mutate: (t) => {
      const { content, at } = edit(t, "maxDwell: 5d", "maxDwell: 5 dayz", "5 dayz");
      return { content: `\uFEFF${content}`, at };
    },
    says: '"5 dayz" is not a duration',
  },
  {
    name: "CRLF line endings around a misspelt key",
    source: "rules",
    file: "funnel.yaml",
    mutate: (t) => {
      const { content, at } = edit(
        t,
        "        playbook:\n          zh-CN: 发送方案",
        "        playbok:\n          zh-CN: 发送方案",
      );
      return { content: (content as string).replace(/\n/g, "\r\n"), at };
    },
    says: 'unknown key "playbok" (did you mean "playbook"?)',
  },
  {
    name: "CRLF line endings around a tab",
    source: "rules",
    file: "alerts.yaml",
    mutate: (t) => {
      const { content, at } = edit(t, "    respectNextAction:", `${TAB}respectNextAction:`, TAB);
      return { content: (content as string).replace(/\n/g, "\r\n"), at };
    },
    says: "Tabs are not allowed as indentation",
  },
  {
    name: "old Mac CR line endings",
    source: "rules",
    file: "reports.yaml",
    // The YAML parser reads a CR-only file as one comment line; it is refused for its line breaks.
    mutate: (t) => {
      const content = t.replace(/\n/g, "\r");
      return { content, at: { line: 1, column: content.indexOf("\r") + 1 } };
    },
    says: "lone CR (classic Mac OS line endings)",
  },
  {
    name: "a byte-order mark in the middle of grading.yaml",
    source: "rules",
    file: "grading.yaml",
    mutate: (t) => {
      const { content, at } = edit(t, "  rules:", "\uFEFF  rules:");
      return { content, at: { line: at.line } };
    },
  },
];

const wrongTypes: Mutation[] = [
  {
    name: "maxDwell is a bare number",
    source: "rules",
    file: "funnel.yaml",
    mutate: (t) => edit(t, "maxDwell: 1d", "maxDwell: 5", "5"),
    says: "expected text, got 5",
  },
  {
    name: "a transfer rate is written in words",
    source: "rules",
    file: "funnel.yaml",
    mutate: (t) => edit(t, "transferRate: 0.9", 'transferRate: "ninety percent"', '"'),
    says: 'expected a number, got "ninety percent"',
  },
  {
    name: "idealPerRep is a list",
    source: "rules",
    file: "funnel.yaml",
    mutate: (t) => edit(t, "idealPerRep: 13", "idealPerRep: [13]", "["),
    says: "expected a whole number, got a list",
  },
  {
    name: "requires is one text instead of a list",
    source: "rules",
    file: "funnel.yaml",
    mutate: (t) =>
      edit(t, "requires: [need, authority, budget, timeline]", "requires: need", "need"),
    says: 'expected a list, got "need"',
  },
  {
    name: "countsAsSale is YAML 1.1's yes",
    source: "rules",
    file: "funnel.yaml",
    mutate: (t) => edit(t, "countsAsSale: true", "countsAsSale: yes", "yes"),
    says: 'expected true or false, got "yes"',
  },
  {
    name: "the working days are one text",
    source: "rules",
    file: "settings.yaml",
    mutate: (t) =>
      edit(t, "workingDays: [mon, tue, wed, thu, fri]", "workingDays: mon-fri", "mon-fri"),
    says: 'expected a list, got "mon-fri"',
  },
  {
    name: "the grades are a mapping",
    source: "rules",
    file: "grading.yaml",
    mutate: (t) => edit(t, "grades: [A, B, C]", "grades: { A: 1, B: 2 }", "{"),
    says: "expected a list, got a mapping",
  },
  {
    name: "an escalation entry is a sentence",
    source: "rules",
    file: "alerts.yaml",
    mutate: (t) => edit(t, "- { after: 1x, notify: owner }", "- owner after 1x", "owner after 1x"),
    says: 'expected a mapping (key: value), got "owner after 1x"',
  },
  {
    name: "a cron is a number",
    source: "rules",
    file: "reports.yaml",
    mutate: (t) => edit(t, 'cron: "0 7 * * *"', "cron: 7", "7"),
    says: "expected text, got 7",
  },
  {
    name: "the version is quoted",
    source: "rules",
    file: "reports.yaml",
    mutate: (t) => edit(t, "version: 1", 'version: "1"', '"1"'),
    says: 'expected 1, got "1"',
  },
  {
    name: "maxOpen is a fraction",
    source: "rules",
    file: "distribution.yaml",
    mutate: (t) => edit(t, "maxOpen: 60", "maxOpen: 60.5", "60.5"),
    says: "expected a whole number, got 60.5",
  },
  {
    name: "a pool label is a list",
    source: "rules",
    file: "distribution.yaml",
    mutate: (t) =>
      edit(
        t,
        "label: { zh-CN: 待分配客户, en: Unassigned }",
        "label: [待分配客户, Unassigned]",
        "[",
      ),
    says: "expected text or a mapping (key: value), got a list",
  },
  {
    name: "a roll-up level is spelt out",
    source: "rules",
    file: "reports.yaml",
    mutate: (t) => edit(t, "{ level: 1, day: mon }", "{ level: one, day: mon }", "one"),
    says: 'expected a whole number, got "one"',
  },
  {
    name: "the anomaly recipients are one text",
    source: "rules",
    file: "alerts.yaml",
    mutate: (t) =>
      edit(
        t,
        "      rateAbove: 0.6\n      minSamples: 20\n      notify: [manager]",
        "      rateAbove: 0.6\n      minSamples: 20\n      notify: manager",
        "manager",
      ),
    says: 'expected a list, got "manager"',
  },
  {
    name: "a grading comparison's in is one text",
    source: "rules",
    file: "grading.yaml",
    mutate: (t) => edit(t, "in: [inbound, trial]", "in: inbound", "inbound"),
    says: 'expected a list, got "inbound"',
  },
  {
    name: "a grade route is a team name instead of a mapping",
    source: "key-account.yaml",
    file: "key-account.yaml",
    mutate: (t) => edit(t, "A: { team: key-accounts }", "A: key-accounts", "key-accounts"),
    says: 'expected a mapping (key: value), got "key-accounts"',
  },
];

const unknownKeys: Mutation[] = (
  [
    ["funnel.yaml", "        maxDwell: 5d", "        maxDwel: 5d", "maxDwel", "maxDwell"],
    [
      "funnel.yaml",
      "        transferRate: 0.5",
      "        transferrate: 0.5",
      "transferrate",
      "transferRate",
    ],
    ["funnel.yaml", "        requires: [need", "        requirs: [need", "requirs", "requires"],
    ["funnel.yaml", "    outOfFunnel:", "    outOfFunel:", "outOfFunel", "outOfFunnel"],
    ["funnel.yaml", "funnels:", "funnel:", "funnel", "funnels"],
    ["settings.yaml", "  timeZone:", "  timezone:", "timezone", "timeZone"],
    ["settings.yaml", "  workingDays:", "  workingDay:", "workingDay", "workingDays"],
    ["settings.yaml", "  sender:", "  sendr:", "sendr", "sender"],
    ["alerts.yaml", "    escalation:", "    escalaton:", "escalaton", "escalation"],
    [
      "alerts.yaml",
      "    respectNextAction:",
      "    respectNextActions:",
      "respectNextActions",
      "respectNextAction",
    ],
    [
      "alerts.yaml",
      "      minSamples: 20\n      notify: [manager]\n    highAbandonment",
      "      minSample: 20\n      notify: [manager]\n    highAbandonment",
      "minSample",
      "minSamples",
    ],
    ["alerts.yaml", "  funnelShape:", "  funnelShap:", "funnelShap", "funnelShape"],
    ["distribution.yaml", "  cooldown:", "  cooldwn:", "cooldwn", "cooldown"],
    ["distribution.yaml", "      leadField:", "      leadFeild:", "leadFeild", "leadField"],
    ["distribution.yaml", "  whenRepLeaves:", "  whenRepLeave:", "whenRepLeave", "whenRepLeaves"],
    [
      "grading.yaml",
      "      description: An average",
      "      descripton: An average",
      "descripton",
      "description",
    ],
    [
      "reports.yaml",
      "    topOpportunities:",
      "    topOpportunites:",
      "topOpportunites",
      "topOpportunities",
    ],
    ["reports.yaml", "schedules:", "schedule:", "schedule", "schedules"],
    [
      "reports.yaml",
      "    workingDaysOnly: true\n  - id: cold",
      "    workingDayOnly: true\n  - id: cold",
      "workingDayOnly",
      "workingDaysOnly",
    ],
  ] as const
).map(([file, needle, replacement, typo, meant]) => ({
  name: `${meant} is misspelt ${typo} in ${file}`,
  source: "rules" as const,
  file,
  mutate: (t: string) => edit(t, needle, replacement, typo),
  says: `unknown key "${typo}" (did you mean "${meant}"?)`,
}));

const outOfRange: Mutation[] = [
  {
    name: "a transfer rate is written as a percentage number",
    source: "rules",
    file: "funnel.yaml",
    mutate: (t) => edit(t, "transferRate: 0.9", "transferRate: 90", "90"),
    says: "90 is not a rate between 0 and 1 (write 0.9 for 90 %)",
  },
  {
    name: "a transfer rate is written with a percent sign",
    source: "rules",
    file: "funnel.yaml",
    mutate: (t) => edit(t, "transferRate: 0.5", "transferRate: 50%", "50%"),
    says: 'expected a number, got "50%"',
  },
  {
    name: "a win rate is above 1",
    source: "rules",
    file: "funnel.yaml",
    mutate: (t) => edit(t, "winRate: 0.1\n", "winRate: 1.5\n", "1.5"),
    says: "1.5 is not a rate between 0 and 1",
  },
  {
    name: "a win rate is negative",
    source: "small-funnel.yaml",
    file: "small-funnel.yaml",
    mutate: (t) => edit(t, "winRate: 0.2,", "winRate: -0.2,", "-0.2"),
    says: "-0.2 is not a rate between 0 and 1",
  },
  {
    name: "the weekly progress target is a percentage",
    source: "rules",
    file: "reports.yaml",
    mutate: (t) => edit(t, "weeklyProgressTarget: 0.078", "weeklyProgressTarget: 7.8", "7.8"),
    says: "7.8 is not a rate between 0 and 1",
  },
  {
    name: "the out-of-funnel share is a percentage",
    source: "rules",
    file: "alerts.yaml",
    mutate: (t) => edit(t, "shareAbove: 0.3", "shareAbove: 30", "30"),
    says: "30 is not a rate between 0 and 1",
  },
  {
    name: "funnelShape.above is below 1",
    source: "rules",
    file: "alerts.yaml",
    mutate: (t) => edit(t, "    above: 2 ", "    above: 0.5 ", "0.5"),
    says: "0.5 is too small: expected 1 or more",
  },
  {
    name: "idealPerRep is negative",
    source: "rules",
    file: "funnel.yaml",
    mutate: (t) => edit(t, "idealPerRep: 7", "idealPerRep: -7", "-7"),
    says: "-7 is too small: expected 0 or more",
  },
  {
    name: "maxOpen is zero",
    source: "rules",
    file: "distribution.yaml",
    mutate: (t) => edit(t, "maxOpen: 60", "maxOpen: 0", "0"),
    says: "0 is too small: expected 1 or more",
  },
  {
    name: "the out-of-funnel amount is negative",
    source: "rules",
    file: "funnel.yaml",
    mutate: (t) => edit(t, "amountBelow: 5000", "amountBelow: -5000", "-5000"),
    says: "-5000 is too small: expected 0 or more",
  },
  {
    name: "the discoverer bonus is negative",
    source: "rules",
    file: "distribution.yaml",
    mutate: (t) => edit(t, "bonus: 2", "bonus: -2", "-2"),
    says: "-2 is too small: expected 0 or more",
  },
  {
    name: "an anomaly needs zero samples",
    source: "rules",
    file: "alerts.yaml",
    mutate: (t) => edit(t, "minSamples: 10", "minSamples: 0", "0"),
    says: "0 is too small: expected 1 or more",
  },
  {
    name: "the roll-up lists a negative number of opportunities",
    source: "rules",
    file: "reports.yaml",
    mutate: (t) => edit(t, "topOpportunities: 5", "topOpportunities: -1", "-1"),
    says: "-1 is too small: expected 0 or more",
  },
  {
    name: "a roll-up level is zero",
    source: "rules",
    file: "reports.yaml",
    mutate: (t) => edit(t, "{ level: 3, day: wed }", "{ level: 0, day: wed }", "0"),
    says: "0 is too small: expected 1 or more",
  },
  {
    name: "a stage's dwell limit is negative",
    source: "rules",
    file: "funnel.yaml",
    mutate: (t) => edit(t, "maxDwell: 5d", "maxDwell: -5d", "-5d"),
    says: '"-5d" is not a duration',
  },
  {
    name: "the cooldown is zero",
    source: "rules",
    file: "distribution.yaml",
    mutate: (t) => edit(t, "cooldown: 30d", "cooldown: 0d", "0d"),
    says: '"0d" is not a duration: the amount must be greater than zero',
  },
  {
    name: "the anomaly window is negative",
    source: "rules",
    file: "alerts.yaml",
    mutate: (t) => edit(t, "window: 90d", "window: -90d", "-90d"),
    says: '"-90d" is not a duration',
  },
  {
    name: "a dwell limit is a fraction of a business day",
    source: "small-funnel.yaml",
    file: "small-funnel.yaml",
    mutate: (t) => edit(t, "maxDwell: 3bd", "maxDwell: 1.5bd", "1.5bd"),
    says: '"1.5bd"',
  },
  {
    name: "the first escalation comes at 0x",
    source: "rules",
    file: "alerts.yaml",
    mutate: (t) => edit(t, "{ after: 1x, notify: owner }", "{ after: 0x, notify: owner }", "0x"),
    says: '"0x" must be more than 0x',
  },
  {
    name: "an escalation comes at a negative multiple",
    source: "rules",
    file: "alerts.yaml",
    mutate: (t) =>
      edit(t, "{ after: 2x, notify: manager }", "{ after: -2x, notify: manager }", "-2x"),
    says: '"-2x"',
  },
  {
    name: "the per-stage cap is 0x",
    source: "rules",
    file: "distribution.yaml",
    mutate: (t) => edit(t, "maxPerStage: 1.5x", "maxPerStage: 0x", "0x"),
    says: '"0x" must be more than 0x',
  },
  {
    name: "a holiday range ends on February 30",
    source: "rules",
    file: "settings.yaml",
    mutate: (t) => edit(t, "2026-02-15..2026-02-23", "2026-02-15..2026-02-30", "2026-02-15"),
    says: '"2026-02-15..2026-02-30" is not a date',
  },
  {
    name: "a cron runs at hour 25",
    source: "rules",
    file: "reports.yaml",
    mutate: (t) => edit(t, 'cron: "0 9 * * *"', 'cron: "0 25 * * *"', '"'),
    says: 'hour "25" has 25, which is outside 0-23',
  },
  {
    name: "a cron has a seconds field",
    source: "rules",
    file: "reports.yaml",
    mutate: (t) => edit(t, 'cron: "0 8 * * MON"', 'cron: "0 0 8 * * MON"', '"'),
    says: "has 6 fields: seconds are not supported",
  },
  {
    name: "the time zone is misspelt",
    source: "rules",
    file: "settings.yaml",
    mutate: (t) => edit(t, "timeZone: Asia/Shanghai", "timeZone: Asia/Shangai", "Asia/Shangai"),
    says: '"Asia/Shangai" is not an IANA time zone',
  },
];

const semantic: Mutation[] = [
  {
    name: "cold leads return to a stage that does not exist",
    source: "rules",
    file: "distribution.yaml",
    mutate: (t) => edit(t, "stage: resource", "stage: resorce", "resorce"),
    says: '"resorce" is not a stage of funnel "standard" (did you mean "resource"?)',
  },
  {
    name: "cold leads return to the won stage",
    source: "rules",
    file: "distribution.yaml",
    mutate: (t) => edit(t, "stage: resource", "stage: implemented", "implemented"),
    says: '"implemented" is a terminal stage (won): a returning lead needs an open stage',
  },
  {
    name: "cold leads return to a funnel that does not exist",
    source: "rules",
    file: "distribution.yaml",
    mutate: (t) => insertAfter(t, "  returnTo:", ["    funnel: standrd"], "standrd"),
    says: 'funnel "standrd" is not defined (did you mean "standard"?)',
  },
  {
    name: "cold handling names a pool that does not exist",
    source: "rules",
    file: "distribution.yaml",
    mutate: (t) => edit(t, "  pool: cold", "  pool: colld", "colld"),
    says: 'pool "colld" is not defined (did you mean "cold"?); defined pools: unassigned, cold',
  },
  {
    name: "leads nobody can take go to a misspelt pool",
    source: "rules",
    file: "distribution.yaml",
    mutate: (t) => edit(t, "pool: unassigned", "pool: unasigned", "unasigned"),
    says: 'pool "unasigned" is not defined (did you mean "unassigned"?)',
  },
  {
    name: "the cold pool's definition is deleted",
    source: "rules",
    file: "distribution.yaml",
    mutate: (t) => {
      const content = cutLines(t, "  - id: cold", "cold:\n");
      return edit(content, "  pool: cold", "  pool: cold", "cold");
    },
    says: 'pool "cold" is not defined; defined pools: unassigned',
  },
  {
    name: "a qualifying stage is misspelt",
    source: "rules",
    file: "funnel.yaml",
    mutate: (t) => edit(t, "[contacted, lead, intent]", "[contacted, leed, intent]", "leed"),
    says: '"leed" is not a stage of funnel "standard" (did you mean "lead"?)',
  },
  {
    name: "two stages share the id resource",
    source: "rules",
    file: "funnel.yaml",
    mutate: (t) => edit(t, "- id: graded", "- id: resource", "resource"),
    says: /duplicate stage id "resource": ids must be unique \(first used at .*funnel\.yaml:14:13\)/,
  },
  {
    name: "two pools share the id unassigned",
    source: "rules",
    file: "distribution.yaml",
    mutate: (t) => edit(t, "  - id: cold", "  - id: unassigned", "unassigned"),
    says: /duplicate pool id "unassigned": ids must be unique \(first used at .*distribution\.yaml:29:9\)/,
  },
  {
    name: "two schedules share the id dwell-sweep",
    source: "rules",
    file: "reports.yaml",
    mutate: (t) => edit(t, "- id: cold-release", "- id: dwell-sweep", "dwell-sweep"),
    says: 'duplicate schedule id "dwell-sweep"',
  },
  {
    name: "two grading rules share an id",
    source: "rules",
    file: "grading.yaml",
    mutate: (t) => edit(t, "- id: possible-buyer", "- id: inbound-or-trial", "inbound-or-trial"),
    says: 'duplicate grading rule id "inbound-or-trial"',
  },
  {
    name: "reports.yaml defines a second funnel standard",
    source: "rules",
    file: "reports.yaml",
    mutate: (t) =>
      append(
        t,
        [
          "funnels:",
          "  - id: standard",
          "    label: Again",
          "    stages: [{ id: a, label: A }, { id: won, label: Won, terminal: won }]",
        ],
        "standard",
      ),
    says: /duplicate funnel id "standard": ids must be unique \(first used at .*funnel\.yaml:8:9\)/,
  },
  {
    // Files merge in name order, so the copy in alerts.yaml counts as the first definition.
    name: "alerts.yaml defines the calendar settings.yaml already has",
    source: "rules",
    file: "alerts.yaml",
    reportedIn: "settings.yaml",
    mutate: (t) => {
      const added = append(
        t,
        ["calendar:", "  timeZone: UTC", "  workingDays: [mon, tue]"],
        "calendar",
      );
      const settings = originalText("rules", "settings.yaml");
      return {
        content: added.content,
        at: edit(settings, "calendar:", "calendar:").at,
        mentions: `alerts.yaml:${added.at.line}:${added.at.column}`,
      };
    },
    says: "calendar is already defined in ",
  },
  {
    name: "the lost stage is marked won too",
    source: "rules",
    file: "funnel.yaml",
    mutate: (t) => edit(t, "terminal: lost", "terminal: won", "won"),
    says: /funnel "standard" has more than one won stage \(the first is at .*funnel\.yaml:75:19\): a funnel has exactly one/,
  },
  {
    name: "the won stage is marked lost",
    source: "rules",
    file: "funnel.yaml",
    mutate: (t) => {
      const content = t.replace("terminal: won", "terminal: lost");
      const second = "en: Abandoned }\n        terminal: lost";
      return edit(content, second, second, "lost");
    },
    says: /has more than one lost stage/,
  },
  {
    name: "the buyer's journey has two lost stages and no won stage",
    source: "buyers-journey.yaml",
    file: "buyers-journey.yaml",
    mutate: (t) => {
      const content = t.replace("en: Use }, terminal: won }", "en: Use }, terminal: lost }");
      return edit(
        content,
        "en: Dropped }, terminal: lost }",
        "en: Dropped }, terminal: lost }",
        "lost",
      );
    },
    says: /more than one lost stage/,
  },
  {
    name: "the abandoned stage loses its terminal mark",
    source: "rules",
    file: "funnel.yaml",
    mutate: (t) => {
      const content = t.replace("        terminal: lost\n", "");
      return edit(content, "- id: abandoned", "- id: abandoned", "id: abandoned");
    },
    says: 'stage "abandoned" comes after the terminal stage "implemented": open stages come first, terminal stages last',
  },
  {
    name: "the won stage gets a dwell limit",
    source: "rules",
    file: "funnel.yaml",
    mutate: (t) => insertAfter(t, "terminal: won", ["        maxDwell: 5d"], "maxDwell"),
    says: 'terminal stage "implemented" cannot have maxDwell',
  },
  {
    name: "a grading rule grades D",
    source: "rules",
    file: "grading.yaml",
    mutate: (t) => edit(t, "grade: B", "grade: D", "D"),
    says: 'grade "D" is not one of the grades A, B, C (grading.grades)',
  },
  {
    name: "the default grade is E",
    source: "rules",
    file: "grading.yaml",
    mutate: (t) => edit(t, "default: C", "default: E", "E"),
    says: 'grade "E" is not one of the grades A, B, C',
  },
  {
    name: "grade C is dropped from the grades but stays the default",
    source: "rules",
    file: "grading.yaml",
    mutate: (t) => {
      const content = t.replace("grades: [A, B, C]", "grades: [A, B]");
      return edit(content, "default: C", "default: C", "C");
    },
    says: 'grade "C" is not one of the grades A, B',
  },
  {
    name: "cold leads return with grade D",
    source: "rules",
    file: "distribution.yaml",
    mutate: (t) => edit(t, "    grade: C", "    grade: D", "D"),
    says: 'grade "D" is not one of the grades A, B, C (grading.grades), or keep',
  },
  {
    name: "the key-account routes grade D",
    source: "key-account.yaml",
    file: "key-account.yaml",
    mutate: (t) => edit(t, "A: { team: key-accounts }", "D: { team: key-accounts }", "D"),
    says: 'grade "D" is not one of the grades A, B, C (the default grades',
  },
  {
    name: "a grade route names nobody",
    source: "key-account.yaml",
    file: "key-account.yaml",
    mutate: (t) => edit(t, "A: { team: key-accounts }", "A: {}", "{}"),
    says: "needs at least 1 key; add one of: reps, team",
  },
  {
    name: "the escalation's third level comes no later than the second",
    source: "rules",
    file: "alerts.yaml",
    mutate: (t) =>
      edit(
        t,
        "{ after: 3x, notify: managers-manager }",
        "{ after: 2x, notify: managers-manager }",
        "2x",
      ),
    says: "after 2x must be later than the previous entry's 2x",
  },
  {
    name: "the distribution steps never pick a rep",
    source: "rules",
    file: "distribution.yaml",
    mutate: (t) => {
      const content = t.replace("    - use: least-loaded", "    - use: discoverer  ");
      return edit(content, "    - use: discoverer        #", "    - use: discoverer        #", "-");
    },
    says: "the steps never pick a rep",
  },
  {
    name: "a step follows the key-account pick step",
    source: "key-account.yaml",
    file: "key-account.yaml",
    mutate: (t) => {
      const content = `${t.trimEnd()}\n    - use: discoverer\n`;
      return edit(content, "- use: least-loaded", "- use: least-loaded", "least-loaded");
    },
    says: 'the pick step "least-loaded" must be the last step',
  },
  {
    name: "two roll-up entries give level 1",
    source: "rules",
    file: "reports.yaml",
    mutate: (t) => edit(t, "{ level: 2, day: tue }", "{ level: 1, day: tue }", "1"),
    says: /level 1 is listed twice \(first at .*reports\.yaml:9:18\)/,
  },
  {
    name: "the anomaly rules are deleted while their schedule stays",
    source: "rules",
    file: "alerts.yaml",
    reportedIn: "reports.yaml",
    mutate: (t) => {
      const content = cutLines(t, "  anomalies:", "  funnelShape:");
      const job = originalText("rules", "reports.yaml");
      return { content, at: edit(job, "job: anomalies", "job: anomalies", "anomalies").at };
    },
    says: 'job "anomalies" needs the alerts.anomalies section, which no rule file defines',
  },
  {
    name: "a holiday is also an adjusted working day",
    source: "rules",
    file: "settings.yaml",
    mutate: (t) => edit(t, "    - 2026-10-10 ", "    - 2026-10-03 ", "2026-10-03"),
    says: "2026-10-03 is listed both as a holiday (holidays[6]) and as an extra working day",
  },
  {
    name: "funnel.yaml loses its funnels",
    source: "rules",
    file: "funnel.yaml",
    reportedIn: "alerts.yaml",
    mutate: () => atStart("version: 1\n"),
    says: "the rule set has no funnel",
  },
  {
    name: "settings.yaml loses its calendar",
    source: "rules",
    file: "settings.yaml",
    reportedIn: "alerts.yaml",
    mutate: (t) => atStart(t.slice(0, t.indexOf("calendar:"))),
    says: "the rule set has no calendar",
  },
  {
    name: "an anomaly is sent to a misspelt role",
    source: "rules",
    file: "alerts.yaml",
    mutate: (t) =>
      edit(
        t,
        "notify: [manager, managers-manager]",
        "notify: [manager, managers-manger]",
        "managers-manger",
      ),
    says: '"managers-manger" is not one of: owner, manager, managers-manager (did you mean "managers-manager"?)',
  },
  {
    name: "a departure is reported to a director, a role that does not exist",
    source: "rules",
    file: "alerts.yaml",
    mutate: (t) =>
      edit(
        t,
        "  repLeft:       # 6. a rep leaves: the handover must be complete\n    notify: [manager, managers-manager]",
        "  repLeft:\n    notify: [director]",
        "director",
      ),
    says: '"director" is not one of: owner, manager, managers-manager',
  },
  {
    name: "leads nobody can take are reported to managers",
    source: "rules",
    file: "distribution.yaml",
    mutate: (t) =>
      edit(
        t,
        "    pool: unassigned\n    notify: [manager]",
        "    pool: unassigned\n    notify: [managers]",
        "managers",
      ),
    says: '"managers" is not one of: manager, head (did you mean "manager"?)',
  },
  {
    name: "a departing rep's leads go to a misspelt team scope",
    source: "rules",
    file: "distribution.yaml",
    mutate: (t) => edit(t, "reassignTo: same-team", "reassignTo: same-teem", "same-teem"),
    says: '"same-teem" is not one of: same-team, anyone (did you mean "same-team"?)',
  },
  {
    name: "a schedule runs a misspelt job",
    source: "rules",
    file: "reports.yaml",
    mutate: (t) => edit(t, "job: sweep", "job: sweeep", "sweeep"),
    says: '"sweeep" is not one of: sweep, release-cold, anomalies, rollup, outbox (did you mean "sweep"?)',
  },
  {
    name: "a distribution step is misspelt",
    source: "rules",
    file: "distribution.yaml",
    mutate: (t) => edit(t, "- use: least-loaded", "- use: least-loded", "least-loded"),
    says: '(did you mean "least-loaded"?)',
  },
  {
    name: "a small-funnel stage id has a capital",
    source: "small-funnel.yaml",
    file: "small-funnel.yaml",
    mutate: (t) => edit(t, "{ id: potential,", "{ id: Potential,", "Potential"),
    says: '"Potential" is not an id: use lower-case letters, digits and dashes',
  },
];

const CATALOGUE: Mutation[] = [
  ...yamlSyntax,
  ...tagsAndDocuments,
  ...aliasesAndSizes,
  ...emptyJunkAndEncodings,
  ...wrongTypes,
  ...unknownKeys,
  ...outOfRange,
  ...semantic,
];

// ---------------------------------------------------------------------------------------------
// Checks every problem must pass, whatever the mutation.

/** A message is one sentence for a person: not a trace, not a dump, not a leaked placeholder. */
function sentenceFaults(message: string): string[] {
  const faults: string[] = [];
  if (message.trim() === "") faults.push("is empty");
  if (STACK_LINE.test(message) || /\n\s+at .+:\d+:\d+/.test(message)) faults.push("has a stack");
  if (message.includes("[object Object]")) faults.push('says "[object Object]"');
  if (/\bundefined\b/.test(message)) faults.push('says "undefined"');
  if (/\bNaN\b/.test(message)) faults.push('says "NaN"');
  if (message.includes("internal error")) faults.push("is an internal error");
  // Raw control characters reach the terminal (or a GitHub annotation) as they are.
  if (hasControlCharacters(message)) faults.push("holds raw control characters");
  // One problem is one line a person reads, not a dump of the file.
  if (message.length > 500) faults.push(`is ${message.length} characters long`);
  return faults;
}

function hasControlCharacters(text: string): boolean {
  return [...text].some((character) => {
    const code = character.codePointAt(0) ?? 0;
    return code < 0x20 || code === 0x7f;
  });
}

function linesOf(path: string): string[] {
  return readFileSync(path, "utf8").split(/\r\n|\r|\n/);
}

/** Every problem names a file of the set and a position inside it, with a sentence. */
function checkProblem(problem: RuleProblem, files: readonly string[], context: string): void {
  const where = `${context}\n${formatProblem(problem)}`;
  expect(figures.check(files.includes(problem.file)), `names a file of the set: ${where}`).toBe(
    true,
  );
  const lines = files.includes(problem.file) ? linesOf(problem.file) : [];
  const line = lines[problem.line - 1];
  const inside =
    problem.line >= 1 &&
    line !== undefined &&
    problem.column >= 1 &&
    problem.column <= line.length + 1;
  expect(figures.check(inside), `line:col inside the file (${lines.length} lines): ${where}`).toBe(
    true,
  );
  const formatted = formatProblem(problem);
  const shape = formatted.startsWith(`${problem.file}:${problem.line}:${problem.column}: `);
  expect(figures.check(shape), `file:line:col: path: sentence: ${where}`).toBe(true);
  const faults = sentenceFaults(problem.message);
  expect(figures.check(faults.length === 0), `the message ${faults.join(", ")}: ${where}`).toEqual(
    true,
  );
}

function matches(message: string, says: string | RegExp): boolean {
  return typeof says === "string" ? message.includes(says) : says.test(message);
}

/** Whether a problem points at the mutation: the expected file, line (and column). */
function pointsAt(problem: RuleProblem, file: string, at: Expected): boolean {
  if (problem.file !== file) return false;
  const lineOk =
    problem.line === at.line ||
    (at.untilLine !== undefined && problem.line > at.line && problem.line <= at.untilLine);
  return lineOk && (at.column === undefined || problem.column === at.column);
}

async function problemsOf(location: string): Promise<RuleProblem[] | "accepted"> {
  try {
    await loadRules(location);
    return "accepted";
  } catch (error) {
    if (error instanceof RulesInvalidError) return error.problems;
    throw error;
  }
}

/** A copy of the source set in its own directory; the location loadRules is given. */
function copyOf(source: Source, label: string): { dir: string; location: string; files: string[] } {
  const dir = mkdtempSync(join(scratch, `${label.replace(/[^a-z0-9]+/gi, "-").slice(0, 40)}-`));
  const names = source === "rules" ? SHIPPED : [source];
  for (const name of names) {
    const from = source === "rules" ? join(RULES_DIR, name) : join(RULES_DIR, "templates", name);
    cpSync(from, join(dir, name));
  }
  const location = source === "rules" ? dir : join(dir, source);
  return { dir, location, files: names.map((name) => join(dir, name)) };
}

async function runMutation(mutation: Mutation): Promise<{ dir: string; problem: RuleProblem }> {
  figures.trial();
  const { dir, location, files } = copyOf(mutation.source, mutation.name);

  // The set as shipped passes, so whatever fails below is the mutation's doing.
  const before = await problemsOf(location);
  const shippedOk = before === "accepted";
  expect(
    figures.check(shippedOk),
    `the unmutated ${mutation.source} is valid: ${shippedOk ? "" : before.map(formatProblem).join("\n")}`,
  ).toBe(true);

  const mutated = mutation.mutate(originalText(mutation.source, mutation.file));
  writeFileSync(join(dir, mutation.file), mutated.content);
  const problems = await problemsOf(location);
  expect(figures.check(problems !== "accepted"), `${mutation.name}: rejected`).toBe(true);
  if (problems === "accepted") throw new Error("unreachable");
  const listing = problems.map(formatProblem).join("\n");
  expect(figures.check(problems.length > 0), "at least one problem").toBe(true);

  for (const problem of problems) checkProblem(problem, files, mutation.name);

  const reportedIn = join(dir, mutation.reportedIn ?? mutation.file);
  const hit = problems.find(
    (problem) =>
      pointsAt(problem, reportedIn, mutated.at) &&
      (mutation.says === undefined || matches(problem.message, mutation.says)) &&
      (mutated.mentions === undefined || problem.message.includes(mutated.mentions)),
  );
  const expected = `${reportedIn}:${mutated.at.line}${mutated.at.untilLine ? `..${mutated.at.untilLine}` : ""}:${mutated.at.column ?? "*"}: …${mutation.says ?? ""}`;
  expect(figures.check(hit !== undefined), `expected ${expected}\ngot:\n${listing}`).toBe(true);
  figures.count(mutated.at.column === undefined ? "line asserted" : "line:col asserted");
  return { dir, problem: hit as RuleProblem };
}

describe("funnel validate's loader rejects each mutation of the shipped rules where it was made", () => {
  it.each(CATALOGUE.map((mutation) => [mutation.name, mutation] as const))(
    "%s",
    async (_name, mutation) => {
      await runMutation(mutation);
    },
  );

  it("sweeps at least 50 distinct mutations of the shipped files", () => {
    expect(CATALOGUE.length).toBeGreaterThanOrEqual(50);
    expect(new Set(CATALOGUE.map((mutation) => mutation.name)).size).toBe(CATALOGUE.length);
  });
});

// ---------------------------------------------------------------------------------------------
// Generated mutations: every key and every value of the shipped files is a place a typo can land.
// The places are read from the YAML itself; a seeded sample runs (all of them at a large scale).

interface Place {
  source: Source;
  file: string;
  path: (string | number)[];
  kind: "key" | "scalar";
  start: number;
  end: number;
  text: string;
  value: unknown;
}

function placesOf(source: Source, file: string): Place[] {
  const text = originalText(source, file);
  const doc = parseDocument(text, { keepSourceTokens: false });
  const places: Place[] = [];
  const walk = (node: unknown, path: (string | number)[]) => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = pair.key as Node;
        if (isScalar(key) && key.range) {
          const name = String(key.value);
          places.push({
            source,
            file,
            path: [...path, name],
            kind: "key",
            start: key.range[0],
            end: key.range[1],
            text: name,
            value: name,
          });
          walk(pair.value, [...path, name]);
        }
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        walk(item, [...path, index]);
      });
    } else if (isScalar(node) && node.range) {
      places.push({
        source,
        file,
        path,
        kind: "scalar",
        start: node.range[0],
        end: node.range[1],
        text: text.slice(node.range[0], node.range[1]),
        value: node.value,
      });
    }
  };
  walk(doc.contents, []);
  return places;
}

const ALL_SOURCES: { source: Source; file: string }[] = [
  ...SHIPPED.map((file) => ({ source: "rules" as const, file })),
  ...TEMPLATES.map((file) => ({ source: file, file })),
];
const PLACES = ALL_SOURCES.flatMap(({ source, file }) => placesOf(source, file));

// Keys of records (labels and playbooks per locale, grade routes) are data, not schema keys.
const RECORD_PARENTS = new Set(["label", "playbook", "routes"]);
const underRecord = (place: Place) => RECORD_PARENTS.has(String(place.path.at(-2)));
// Condition operands may be any number or text; a wrong value there is a valid rule.
const inCondition = (place: Place) => place.path.includes("when");

/** One typo: two inner letters swapped, or for short keys the last letter doubled. */
function typo(key: string): string {
  if (key.length >= 4 && key[1] !== key[2]) return `${key[0]}${key[2]}${key[1]}${key.slice(3)}`;
  return `${key}${key.at(-1)}`;
}

interface GeneratedCase {
  name: string;
  place: Place;
  replacement: string;
  says: RegExp;
}

const keyCases: GeneratedCase[] = PLACES.filter(
  (place) => place.kind === "key" && !underRecord(place),
).map((place) => ({
  name: `${place.file}: key ${place.path.join(".")} misspelt ${typo(place.text)}`,
  place,
  replacement: typo(place.text),
  says: new RegExp(
    `unknown key "${escapeRegExp(typo(place.text))}"( \\(did you mean "[^"]+"\\?\\)|; allowed here: .+)$`,
  ),
}));

const typeCases: GeneratedCase[] = PLACES.filter(
  (place) => place.kind === "scalar" && !inCondition(place),
).map((place) => ({
  name: `${place.file}: ${place.path.join(".")} becomes a nested list`,
  place,
  replacement: "[[oops]]",
  says: /\S/,
}));

const rangeCases: GeneratedCase[] = PLACES.filter(
  (place) =>
    place.kind === "scalar" &&
    !inCondition(place) &&
    (typeof place.value === "number" || /^\d+(\.\d+)?(m|h|d|bd|w|x)$/.test(String(place.value))),
).map((place) => ({
  name: `${place.file}: ${place.path.join(".")} becomes negative`,
  place,
  replacement: `-${place.text}`,
  says: /too small|not a rate|not a duration|expected 1, got|does not have the expected form|is not a multiple|x\b/,
}));

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A seeded sample of `count` cases (all of them when count reaches the total). */
function sample(cases: GeneratedCase[], count: number, seed: number): GeneratedCase[] {
  if (count >= cases.length) return cases;
  const [order] = fc.sample(fc.shuffledSubarray(cases, { minLength: count, maxLength: count }), {
    seed,
    numRuns: 1,
  });
  return order ?? [];
}

function setOf(source: Source): RuleFileInput[] {
  const names = source === "rules" ? SHIPPED : [source];
  const prefix = source === "rules" ? "rules" : "rules/templates";
  return names.map((name) => ({ path: `${prefix}/${name}`, text: originalText(source, name) }));
}

function runGenerated(generated: GeneratedCase): void {
  figures.trial();
  const { place, replacement, says } = generated;
  const set = setOf(place.source);
  const shipped = validateRules(set);
  expect(figures.check(shipped.ok), `the unmutated ${place.source} is valid`).toBe(true);

  const target = set.find((input) => input.path.endsWith(`/${place.file}`));
  if (!target) throw new Error(`test data: ${place.file} is not in ${place.source}`);
  const original = target.text;
  const text = original.slice(0, place.start) + replacement + original.slice(place.end);
  const mutatedSet = set.map((input) => (input === target ? { ...input, text } : input));
  const result = validateRules(mutatedSet);
  const problems = result.ok ? [] : result.problems;
  const listing = problems.map(formatProblem).join("\n");
  expect(figures.check(!result.ok), `${generated.name}: rejected`).toBe(true);

  const at = positionOf(text, place.start);
  for (const problem of problems) {
    const lines = mutatedSet.find((input) => input.path === problem.file)?.text.split("\n") ?? [];
    const line = lines[problem.line - 1];
    const inside = line !== undefined && problem.column >= 1 && problem.column <= line.length + 1;
    expect(figures.check(inside), `inside the file: ${formatProblem(problem)}`).toBe(true);
    const faults = sentenceFaults(problem.message);
    expect(
      figures.check(faults.length === 0),
      `${faults.join(", ")}: ${formatProblem(problem)}`,
    ).toBe(true);
  }
  const hit = problems.find(
    (problem) =>
      problem.file === target.path &&
      problem.line === at.line &&
      problem.column === at.column &&
      says.test(problem.message),
  );
  expect(
    figures.check(hit !== undefined),
    `${generated.name}: expected ${target.path}:${at.line}:${at.column}: …${says}\ngot:\n${listing}`,
  ).toBe(true);
  figures.count("generated mutations");
}

describe("every key and value of the shipped files, mutated, is reported at its own line:col", () => {
  const picks = [
    ["a misspelt key", sample(keyCases, trials(25), SEED)],
    ["a value of the wrong type", sample(typeCases, trials(25), SEED + 1)],
    ["a negative number, duration or multiple", sample(rangeCases, trials(15), SEED + 2)],
  ] as const;
  for (const [kind, cases] of picks) {
    it(`reports ${kind} at its place (${cases.length} of ${kind === "a misspelt key" ? keyCases.length : kind === "a value of the wrong type" ? typeCases.length : rangeCases.length} places, seed ${SEED})`, () => {
      for (const generated of cases) runGenerated(generated);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// The real command, end to end, for a few of the mutations above.

describe("funnel validate, the real CLI, on mutated shipped rules", () => {
  const throughCli = [
    "a tab indents respectNextAction",
    "a billion-laughs alias bomb follows the anomaly rules",
    "maxDwell is misspelt maxDwel in funnel.yaml",
    "the cold pool's definition is deleted",
    "funnel.yaml is replaced by its gzip",
  ];
  it.each(throughCli)("exits 1 with file:line:col and no stack trace: %s", async (name) => {
    const mutation = CATALOGUE.find((candidate) => candidate.name === name);
    if (!mutation) throw new Error(`no mutation named "${name}"`);
    const { dir, problem } = await runMutation(mutation);
    const run = funnel("validate", dir);
    figures.trial();
    expect(figures.check(run.code === 1), `exit code ${run.code}\n${run.stdout}${run.stderr}`).toBe(
      true,
    );
    const output = run.stdout + run.stderr;
    expect(figures.check(!STACK_LINE.test(output)), output).toBe(true);
    expect(
      figures.check(output.includes(`${problem.file}:${problem.line}:${problem.column}: `)),
      output,
    ).toBe(true);
    expect(
      figures.check(/\d+ problems? in \d+ files? — invalid\n$/.test(run.stdout)),
      run.stdout,
    ).toBe(true);
  });
});
