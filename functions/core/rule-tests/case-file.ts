import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import { DateTime } from "luxon";
import { FLOW_COUNTERS, type FlowCounter } from "../flow";
import { type Lead, parseLead } from "../records/lead";
import { RecordError } from "../records/record-error";
import { parseRep, type Rep } from "../records/rep";
import { suggestion } from "../rules/did-you-mean";
import {
  compareProblems,
  formatPath,
  type PathSegment,
  type RuleProblem,
} from "../rules/rule-problem";
import { findFunnel, findStage, type RuleSet } from "../rules/rule-set";
import { show } from "../rules/schema-problems";
import {
  locate,
  type ParsedRuleFile,
  parseRuleFile,
  problemAt,
  type RuleFileInput,
} from "../rules/yaml-source";
import { addDays } from "../time/week";
import { CaseFileSchema, INSTANT_PATTERN, RECORD_TIME_PATTERN } from "./case-schema";
import { DECISION_FIELDS, type ExpectedKind, fieldsOf } from "./decision-fields";

/** A place in a case file, for messages: `rules/tests/grading.yaml:12:7`. */
export interface Place {
  file: string;
  line: number;
  column: number;
}

/** What happens in a case: the one event whose decisions are checked. */
export type CaseEvent =
  | { kind: "lead"; lead: Lead }
  | { kind: "change"; before: Lead; after: Lead }
  | { kind: "job"; job: "sweep" | "release-cold" | "anomalies" }
  | { kind: "rep-leaves"; repId: string };

/** One entry of expect or expectNot. */
export interface Expectation {
  kind: ExpectedKind;
  /** Exactly this many decisions must match; undefined: at least one (expect) or none (expectNot). */
  times?: number;
  /** The decision fields to compare; every other field matches anything. */
  fields: Record<string, unknown>;
  /** `expect[1]`, for messages. */
  label: string;
  place: Place;
}

/** What a rep holds in a stage besides the listed leads. */
export interface GivenHolding {
  repId: string;
  funnel: string;
  stage: string;
  count: number;
  amount: number;
}

/** One week of one rep's flow counters in one stage (see core/flow.ts). */
export interface GivenFlow {
  repId: string;
  week: string;
  funnel: string;
  stage: string;
  counts: Partial<Record<FlowCounter, number>>;
}

export interface RuleTestCase {
  name: string;
  place: Place;
  /** The rule ids the case covers. */
  rules: string[];
  at: number;
  reps: Map<string, Rep>;
  holdings: GivenHolding[];
  leads: Lead[];
  flows: GivenFlow[];
  event: CaseEvent;
  expect: Expectation[];
  expectNot: Expectation[];
}

export interface CaseFileResult {
  file: string;
  cases: RuleTestCase[];
  problems: RuleProblem[];
}

const GIVEN_KEYS = ["at", "reps", "holdings", "leads", "flows"] as const;
type GivenKey = (typeof GIVEN_KEYS)[number];
const EVENT_KEYS = ["lead", "change", "job", "repLeaves"] as const;
const FLOW_COUNTER_KEYS: readonly FlowCounter[] = FLOW_COUNTERS;
const RECORD_TIMES = ["stageEnteredAt", "nextActionAt", "coldUntil", "createdAt", "awayUntil"];

let validator: ValidateFunction | undefined;

function validateShape(value: unknown): readonly ErrorObject[] {
  if (validator === undefined) {
    const ajv = new Ajv({
      allErrors: true,
      strict: true,
      verbose: true,
      discriminator: true,
      allowUnionTypes: true,
    });
    validator = ajv.compile(CaseFileSchema);
  }
  return validator(value) ? [] : (validator.errors ?? []);
}

/**
 * Reads one case file: YAML with positions (the same parser as the rule files, so syntax errors,
 * duplicate keys and oversized files read the same), then its shape, then what only the rules can
 * tell: rule ids, stage ids, the time zone of dates. Every problem is reported at once, with its
 * place; cases are returned only from a file without problems.
 */
export function readCaseFile(
  input: RuleFileInput,
  context: { rules: RuleSet; ruleIds: readonly string[] },
): CaseFileResult {
  const parsed = parseRuleFile(input);
  if (parsed.file === undefined) {
    return { file: input.path, cases: [], problems: parsed.problems.map(caseFileWording) };
  }
  const file = parsed.file;
  const shape = validateShape(file.value);
  if (shape.length > 0) {
    return { file: input.path, cases: [], problems: explainShape(file, shape) };
  }
  const reader = new CaseReader(file, context.rules, context.ruleIds);
  const cases = reader.read();
  const problems = dedupe(reader.problems).sort(compareProblems);
  return { file: input.path, cases: problems.length === 0 ? cases : [], problems };
}

// The shared YAML reader speaks of rule files; these are case files.
function caseFileWording(problem: RuleProblem): RuleProblem {
  const message = problem.message
    .replace(
      /^file is empty: .*/,
      "file is empty: expected cases: followed by a list of cases (see docs/rule-tests.md)",
    )
    .replace(
      /^expected a mapping of sections \(version: 1, funnels: …\), got/,
      "expected cases:, got",
    )
    .replace(/rule files use/, "case files use")
    .replace(/a rule file holds/, "a case file holds")
    .replace(/a rule file may be/, "a case file may be");
  return { ...problem, message };
}

// ---------------------------------------------------------------------------------------------
// Shape: ajv's errors in ops-staff words

interface SchemaNode {
  properties?: Record<string, unknown>;
  type?: string | string[];
  enum?: unknown[];
}

function explainShape(file: ParsedRuleFile, errors: readonly ErrorObject[]): RuleProblem[] {
  const problems: RuleProblem[] = [];
  // A failed `anyOf` (a case's rule) is explained once; its branches' errors would only confuse.
  const unions = errors.filter((e) => e.keyword === "anyOf").map((e) => e.instancePath);
  // An unknown kind is reported by the discriminator; the enum of kinds would say it again.
  const kinds = errors
    .filter((e) => e.keyword === "discriminator")
    .map((e) => `${e.instancePath}/kind`);
  for (const error of errors) {
    if (error.keyword === "enum" && kinds.includes(error.instancePath)) continue;
    const under = unions.some(
      (u) =>
        error.keyword !== "anyOf" &&
        (error.instancePath === u || error.instancePath.startsWith(`${u}/`)),
    );
    if (under) continue;
    const path = pointerSegments(error.instancePath);
    const problem = describe(error, path);
    problems.push(problemAt(file, problem.path, problem.message, problem.target));
  }
  return dedupe(problems).sort(compareProblems);
}

const NOUNS: Record<string, string> = {
  string: "text",
  number: "a number",
  integer: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "a mapping (key: value)",
  null: "nothing (null)",
};

const REQUIRED_HELP: Record<string, string> = {
  cases: "a case file lists its cases under cases:",
  name: "each case needs a name: what it shows, as a sentence",
  rule: "each case names the rule(s) it covers with rule: (funnel test --list-rules lists them)",
  kind: "an expectation needs a kind: grade, assign, dwell-alert, …",
  id: 'a record needs an "id"',
  stage: 'a lead needs a "stage"',
  rep: 'needs "rep": the rep\'s id',
  count: 'needs "count": how many leads',
  before: "a change needs before: (the lead as stored) and after: (what is written)",
  after: "a change needs before: (the lead as stored) and after: (what is written)",
};

function describe(
  error: ErrorObject,
  path: PathSegment[],
): { path: PathSegment[]; message: string; target: "value" | "key" } {
  const schema = (error.parentSchema ?? {}) as SchemaNode;
  const params = error.params as Record<string, unknown>;
  const at = (message: string) => ({ path, message, target: "value" as const });
  switch (error.keyword) {
    case "required": {
      const key = String(params.missingProperty);
      return at(`missing "${key}": ${REQUIRED_HELP[key] ?? "required here"}`);
    }
    case "additionalProperties": {
      const key = String(params.additionalProperty);
      const allowed = Object.keys(schema.properties ?? {});
      const hint = suggestion(key, allowed);
      return {
        path: [...path, key],
        target: "key",
        message:
          hint === ""
            ? `unknown key "${key}"; allowed here: ${allowed.join(", ")}`
            : `unknown key "${key}"${hint}`,
      };
    }
    case "type": {
      const types = Array.isArray(schema.type) ? schema.type : [String(params.type)];
      return at(
        `expected ${types.map((t) => NOUNS[t] ?? t).join(" or ")}, got ${show(error.data)}`,
      );
    }
    case "enum": {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const hint = typeof error.data === "string" ? suggestion(error.data, allowed) : "";
      return at(`${show(error.data)} is not one of: ${allowed.join(", ")}${hint}`);
    }
    case "discriminator": {
      if (params.error === "mapping") {
        const kinds = Object.keys(DECISION_FIELDS);
        const value = String(params.tagValue);
        return {
          path: [...path, "kind"],
          target: "value",
          message: `${show(value)} is not a decision kind: one of ${kinds.join(", ")}${suggestion(value, kinds)}`,
        };
      }
      return { path: [...path, "kind"], target: "value", message: "kind must be text" };
    }
    case "pattern": {
      const pattern = String(error.schema);
      if (pattern === RECORD_TIME_PATTERN)
        return at(
          `${show(error.data)} is not a time with its offset: write e.g. 2026-11-20T09:00:00+08:00`,
        );
      if (pattern === INSTANT_PATTERN)
        return at(
          `${show(error.data)} is not a time with its offset or a date: write e.g. 2026-11-23T09:00:00+08:00 or 2026-11-23`,
        );
      return at(`${show(error.data)} is not a date (YYYY-MM-DD)`);
    }
    case "anyOf":
      return at(`expected a rule id or a list of rule ids, got ${show(error.data)}`);
    case "minItems":
      return at("the list is empty: give at least one");
    case "minLength":
      return at("must not be empty");
    case "minimum":
      return at(`${show(error.data)} is too small: expected ${String(params.limit)} or more`);
    default:
      return at(error.message ?? `does not fit the case-file format (${error.keyword})`);
  }
}

function pointerSegments(pointer: string): PathSegment[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((raw) => {
      const segment = raw.replace(/~1/g, "/").replace(/~0/g, "~");
      return /^(0|[1-9]\d*)$/.test(segment) ? Number(segment) : segment;
    });
}

function dedupe(problems: readonly RuleProblem[]): RuleProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.file}:${p.line}:${p.column}:${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// Meaning: what needs the rules, and what ties one part of a case to another

type Raw = Record<string, unknown>;

/** A given as written, with the path it was written at. */
interface Located<T> {
  value: T;
  path: PathSegment[];
}

interface Givens {
  at?: Located<number>;
  reps?: Located<Located<Rep>[]>;
  holdings?: Located<Located<Raw>[]>;
  leads?: Located<Located<Lead>[]>;
  flows?: Located<Located<Raw>[]>;
}

class CaseReader {
  readonly problems: RuleProblem[] = [];

  constructor(
    private readonly file: ParsedRuleFile,
    private readonly rules: RuleSet,
    private readonly ruleIds: readonly string[],
  ) {}

  read(): RuleTestCase[] {
    const top = this.file.value;
    const shared = this.givens(top, []);
    const cases: RuleTestCase[] = [];
    const names = new Map<string, number>();
    (top.cases as Raw[]).forEach((raw, index) => {
      const path: PathSegment[] = ["cases", index];
      const name = String(raw.name);
      const place = this.place(path);
      const earlier = names.get(name);
      if (earlier !== undefined) {
        this.problem(
          [...path, "name"],
          `another case in this file is already named ${show(name)} (line ${earlier})`,
        );
      } else {
        names.set(name, place.line);
      }
      const built = this.readCase(raw, path, shared, name, place);
      if (built !== undefined) cases.push(built);
    });
    return cases;
  }

  private readCase(
    raw: Raw,
    path: PathSegment[],
    shared: Givens,
    name: string,
    place: Place,
  ): RuleTestCase | undefined {
    const own = this.givens(raw, path);
    const given = (key: GivenKey) => (raw[key] !== undefined ? own[key] : shared[key]);
    const rules = this.ruleIdsOf(raw.rule, [...path, "rule"]);
    const at = given("at") as Located<number> | undefined;
    if (raw.at === undefined && this.file.value.at === undefined) {
      this.problem(
        path,
        'the case needs "at": the instant it runs at (give it here, or once at the top of the file)',
      );
    }
    const reps = new Map<string, Rep>();
    for (const rep of (given("reps") as Givens["reps"])?.value ?? []) {
      if (reps.has(rep.value.id))
        this.problem([...rep.path, "id"], `rep ${show(rep.value.id)} is listed twice`);
      reps.set(rep.value.id, rep.value);
    }
    const leads = (given("leads") as Givens["leads"])?.value ?? [];
    const leadIds = new Set<string>();
    for (const lead of leads) {
      if (leadIds.has(lead.value.id))
        this.problem([...lead.path, "id"], `lead ${show(lead.value.id)} is listed twice`);
      leadIds.add(lead.value.id);
    }
    const holdings = ((given("holdings") as Givens["holdings"])?.value ?? []).flatMap((h) => {
      const holding = this.holding(h, reps);
      return holding === undefined ? [] : [holding];
    });
    const flows = ((given("flows") as Givens["flows"])?.value ?? []).flatMap((f) => {
      const flow = this.flow(f, reps, at?.value);
      return flow === undefined ? [] : [flow];
    });
    const event = this.event(raw, path, reps);
    const expect = this.expectations(raw.expect, [...path, "expect"], "expect");
    const expectNot = this.expectations(raw.expectNot, [...path, "expectNot"], "expectNot");
    if (expect.length === 0 && expectNot.length === 0) {
      this.problem(path, "the case expects nothing: add expect: or expectNot:");
    }
    if (at === undefined || event === undefined) return undefined;
    return {
      name,
      place,
      rules,
      at: at.value,
      reps,
      holdings,
      leads: leads.map((l) => l.value),
      flows,
      event,
      expect,
      expectNot,
    };
  }

  private givens(raw: Raw, path: PathSegment[]): Givens {
    const givens: Givens = {};
    if (raw.at !== undefined) {
      const at = this.instant(raw.at as string, [...path, "at"]);
      if (at !== undefined) givens.at = { value: at, path: [...path, "at"] };
    }
    const list = (key: GivenKey) =>
      ((raw[key] as Raw[] | undefined) ?? []).map((value, i) => ({
        value,
        path: [...path, key, i] as PathSegment[],
      }));
    if (raw.reps !== undefined)
      givens.reps = {
        path: [...path, "reps"],
        value: list("reps").flatMap((r) => {
          const rep = this.rep(r.value, r.path);
          return rep === undefined ? [] : [{ value: rep, path: r.path }];
        }),
      };
    if (raw.leads !== undefined)
      givens.leads = {
        path: [...path, "leads"],
        value: list("leads").flatMap((l) => {
          const lead = this.lead(l.value, l.path);
          return lead === undefined ? [] : [{ value: lead, path: l.path }];
        }),
      };
    if (raw.holdings !== undefined)
      givens.holdings = { path: [...path, "holdings"], value: list("holdings") };
    if (raw.flows !== undefined) givens.flows = { path: [...path, "flows"], value: list("flows") };
    return givens;
  }

  private ruleIdsOf(value: unknown, path: PathSegment[]): string[] {
    const ids = Array.isArray(value) ? (value as string[]) : [String(value)];
    ids.forEach((id, i) => {
      if (this.ruleIds.includes(id)) return;
      const where = Array.isArray(value) ? [...path, i] : path;
      this.problem(
        where,
        `${show(id)} is not a rule of this rule set${suggestion(id, this.ruleIds)}; funnel test --list-rules shows them`,
      );
    });
    return ids;
  }

  private instant(text: string, path: PathSegment[]): number | undefined {
    if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
      const local = DateTime.fromISO(`${text}T09:00`, { zone: this.rules.timeZone });
      if (local.isValid) return local.toMillis();
    } else {
      const instant = Date.parse(text);
      if (!Number.isNaN(instant)) return instant;
    }
    this.problem(path, `${show(text)} is not a valid date or time`);
    return undefined;
  }

  private rep(raw: Raw, path: PathSegment[]): Rep | undefined {
    const withDefaults = { status: "active", name: raw.id, ...raw };
    try {
      return parseRep(withDefaults);
    } catch (error) {
      if (!(error instanceof RecordError)) throw error;
      this.problem(path, `rep: ${error.message}`);
      return undefined;
    }
  }

  private lead(raw: Raw, path: PathSegment[]): Lead | undefined {
    let lead: Lead;
    try {
      lead = parseLead(raw);
    } catch (error) {
      if (!(error instanceof RecordError)) throw error;
      this.problem(path, `lead: ${error.message}`);
      return undefined;
    }
    for (const key of RECORD_TIMES) {
      const value = lead[key];
      if (typeof value === "string" && !new RegExp(RECORD_TIME_PATTERN).test(value))
        this.problem(
          [...path, key],
          `${show(value)} is not a time with its offset: write e.g. 2026-11-20T09:00:00+08:00`,
        );
    }
    this.stageOf(lead.funnel, lead.stage, path);
    return lead;
  }

  /** Checks that the funnel and stage exist; returns the funnel id. */
  private stageOf(funnelId: unknown, stageId: unknown, path: PathSegment[]): string | undefined {
    const funnel = findFunnel(this.rules, funnelId as string | undefined);
    if (funnel === undefined) {
      const ids = this.rules.funnels.map((f) => f.id);
      this.problem(
        [...path, "funnel"],
        `${show(funnelId)} is not a funnel of the rules: ${ids.join(", ")}${suggestion(String(funnelId), ids)}`,
      );
      return undefined;
    }
    if (findStage(funnel, String(stageId)) === undefined) {
      const ids = funnel.stages.map((s) => s.id);
      this.problem(
        [...path, "stage"],
        `${show(stageId)} is not a stage of funnel ${funnel.id}: ${ids.join(", ")}${suggestion(String(stageId), ids)}`,
      );
      return undefined;
    }
    return funnel.id;
  }

  private knownRep(repId: string, reps: ReadonlyMap<string, Rep>, path: PathSegment[]): boolean {
    if (reps.has(repId)) return true;
    this.problem(
      path,
      `${show(repId)} is not one of the case's reps${suggestion(repId, reps.keys())}`,
    );
    return false;
  }

  private holding(given: Located<Raw>, reps: ReadonlyMap<string, Rep>): GivenHolding | undefined {
    const raw = given.value;
    const funnel = this.stageOf(raw.funnel, raw.stage, given.path);
    const known = this.knownRep(String(raw.rep), reps, [...given.path, "rep"]);
    if (funnel === undefined || !known) return undefined;
    return {
      repId: String(raw.rep),
      funnel,
      stage: String(raw.stage),
      count: Number(raw.count),
      amount: Number(raw.amount ?? 0),
    };
  }

  private flow(
    given: Located<Raw>,
    reps: ReadonlyMap<string, Rep>,
    at: number | undefined,
  ): GivenFlow | undefined {
    const raw = given.value;
    const funnel = this.stageOf(raw.funnel, raw.stage, given.path);
    const known = this.knownRep(String(raw.rep), reps, [...given.path, "rep"]);
    if (funnel === undefined || !known || at === undefined) return undefined;
    const day = typeof raw.week === "string" ? raw.week : this.rules.calendar.localDate(at);
    const date = DateTime.fromISO(day, { zone: "UTC" });
    if (!date.isValid) {
      this.problem([...given.path, "week"], `${show(day)} is not a valid date`);
      return undefined;
    }
    const counts: Partial<Record<FlowCounter, number>> = {};
    for (const key of FLOW_COUNTER_KEYS) if (typeof raw[key] === "number") counts[key] = raw[key];
    return {
      repId: String(raw.rep),
      week: addDays(day, -(date.weekday - 1)),
      funnel,
      stage: String(raw.stage),
      counts,
    };
  }

  private event(
    raw: Raw,
    path: PathSegment[],
    reps: ReadonlyMap<string, Rep>,
  ): CaseEvent | undefined {
    const given = EVENT_KEYS.filter((key) => raw[key] !== undefined);
    if (given.length === 0) {
      this.problem(
        path,
        "the case needs what happens: lead: (a new lead), change: (a lead written again), job: (sweep, release-cold or anomalies) or repLeaves: (a rep leaves)",
      );
      return undefined;
    }
    if (given.length > 1) {
      this.problem(
        [...path, given[1] as string],
        `one event per case: this case has both ${given.map((k) => `${k}:`).join(" and ")}; split it into two cases`,
        "key",
      );
      return undefined;
    }
    switch (given[0]) {
      case "lead": {
        const lead = this.lead(raw.lead as Raw, [...path, "lead"]);
        return lead === undefined ? undefined : { kind: "lead", lead };
      }
      case "change": {
        const change = raw.change as { before: Raw; after: Raw };
        const before = this.lead(change.before, [...path, "change", "before"]);
        if (before === undefined) return undefined;
        const merged: Raw = { ...before };
        for (const [key, value] of Object.entries(change.after)) {
          if (value === null) delete merged[key];
          else merged[key] = value;
        }
        const after = this.lead(merged, [...path, "change", "after"]);
        return after === undefined ? undefined : { kind: "change", before, after };
      }
      case "job":
        return { kind: "job", job: raw.job as "sweep" | "release-cold" | "anomalies" };
      case "repLeaves": {
        const repId = String(raw.repLeaves);
        return this.knownRep(repId, reps, [...path, "repLeaves"])
          ? { kind: "rep-leaves", repId }
          : undefined;
      }
      default:
        return undefined;
    }
  }

  private expectations(value: unknown, path: PathSegment[], label: string): Expectation[] {
    return ((value as Raw[] | undefined) ?? []).map((raw, i) => {
      const { kind, times, ...fields } = raw;
      if (times !== undefined && label === "expectNot")
        this.problem(
          [...path, i, "times"],
          "times belongs under expect: an expectNot entry already means none at all",
          "key",
        );
      // The shape check already held every field against its kind; this is belt and braces.
      for (const key of Object.keys(fields)) {
        if (fieldsOf(String(kind))?.[key] === undefined)
          this.problem(
            [...path, i, key],
            `unknown field "${key}" for a ${String(kind)} decision`,
            "key",
          );
      }
      return {
        kind: kind as ExpectedKind,
        times: typeof times === "number" ? times : undefined,
        fields,
        label: `${label}[${i}]`,
        place: this.place([...path, i]),
      };
    });
  }

  private place(path: PathSegment[]): Place {
    const { line, column } = locate(this.file, path);
    return { file: this.file.path, line, column };
  }

  private problem(path: PathSegment[], message: string, target: "value" | "key" = "value"): void {
    this.problems.push({ ...problemAt(this.file, path, message, target), path: formatPath(path) });
  }
}
