import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import { suggestion } from "./did-you-mean";
import { quoted } from "./quoted";
import { formatPath, type PathSegment } from "./rule-problem";
import { ConditionSchema, RuleFileSchema } from "./rule-schema";
import { kindOfPattern } from "./value-kinds";

/** A schema violation in ops-staff words, at a path within one file's data. */
export interface SchemaIssue {
  path: PathSegment[];
  message: string;
  /** "key" points at the key itself (an unknown key), "value" at the value under the path. */
  target: "value" | "key";
}

/** The parts of a JSON Schema node this module reads. */
interface SchemaNode {
  type?: string;
  const?: unknown;
  anyOf?: SchemaNode[];
  $ref?: string;
  properties?: Record<string, SchemaNode>;
  patternProperties?: Record<string, SchemaNode>;
  required?: string[];
  description?: string;
  examples?: unknown[];
  minimum?: number;
  maximum?: number;
}

let ajv: Ajv | undefined;
const validators = new Map<object, ValidateFunction>();

// Built on first use so importing the module (e.g. for types) costs nothing.
function validatorFor(schema: object): ValidateFunction {
  if (!ajv) {
    ajv = new Ajv({ allErrors: true, strict: true, verbose: true });
    // Union branches are compiled on their own to explain a failed union; a condition branch
    // refers back to the whole condition by its $id, which must then resolve without the file
    // schema around it.
    ajv.addSchema(ConditionSchema);
  }
  let validate = validators.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    validators.set(schema, validate);
  }
  return validate;
}

/** Every way `value` (one parsed rule file) breaks the schema, one issue per mistake. */
export function schemaIssues(value: unknown): SchemaIssue[] {
  const validate = validatorFor(RuleFileSchema);
  if (validate(value)) return [];
  return explain(validate.errors ?? [], []);
}

function explain(errors: readonly ErrorObject[], base: PathSegment[]): SchemaIssue[] {
  // ajv reports every branch of a failed union, plus "must match a schema in anyOf". A failed
  // union is explained once, by its best branch, and everything ajv said at or below it is
  // dropped. TypeBox unions carry no other keywords, so all errors under a failed union's
  // position come from that union.
  const unions = errors
    .map((error, order) => ({ error, order }))
    .filter(({ error }) => error.keyword === "anyOf")
    .sort(
      (a, b) =>
        depth(a.error.instancePath) - depth(b.error.instancePath) ||
        // An outer union at the same position is reported after its inner ones.
        b.order - a.order,
    );
  const explained: string[] = [];
  const issues: SchemaIssue[] = [];
  for (const { error } of unions) {
    if (explained.some((prefix) => isAtOrUnder(error.instancePath, prefix))) continue;
    explained.push(error.instancePath);
    issues.push(...explainUnion(error, base));
  }
  for (const error of errors) {
    if (error.keyword === "anyOf") continue;
    if (explained.some((prefix) => isAtOrUnder(error.instancePath, prefix))) continue;
    const issue = describe(error, base);
    if (!issues.some((known) => sameIssue(known, issue))) issues.push(issue);
  }
  return issues;
}

function explainUnion(union: ErrorObject, base: PathSegment[]): SchemaIssue[] {
  const path = [...base, ...pointerSegments(union.instancePath)];
  const value: unknown = union.data;
  const parent = union.parentSchema as SchemaNode;
  const branches = (union.schema as SchemaNode[]) ?? [];

  const literals = literalsOf(parent);
  if (literals) return [{ path, target: "value", message: notOneOf(value, literals) }];

  let candidates = branches;
  if (isPlainObject(value)) {
    // Branches told apart by a literal (distribution steps by `use`): the value's own choice
    // decides, and a misspelt choice is reported as such instead of as every branch's errors.
    const key = discriminator(branches);
    if (key !== undefined && key in value) {
      const chosen = value[key];
      candidates = branches.filter((branch) =>
        literalsOf(branch.properties?.[key])?.includes(chosen),
      );
      if (candidates.length === 0) {
        const allowed = branches.flatMap((branch) => literalsOf(branch.properties?.[key]) ?? []);
        return [{ path: [...path, key], target: "value", message: notOneOf(chosen, allowed) }];
      }
    }
  }

  const typed = candidates.filter((branch) => acceptsType(branch, value));
  if (typed.length === 0) {
    const expected = unique(candidates.map(typeNoun)).join(" or ");
    return [{ path, target: "value", message: `expected ${expected}, got ${show(value)}` }];
  }

  const attempts = typed.map((branch) => {
    const validate = validatorFor(branch);
    validate(value);
    const errors = validate.errors ?? [];
    const missing = errors.filter((e) => e.keyword === "required" && e.instancePath === "");
    return { branch, errors, missing: missing.length };
  });

  if (isPlainObject(value) && attempts.length > 1 && attempts.every((a) => a.missing > 0)) {
    // The value resembles none of the forms (e.g. a condition with a misspelt `all`). Unknown
    // keys are the likely mistake; suggest from the keys of every form.
    const known = unique(typed.flatMap((branch) => Object.keys(branch.properties ?? {})));
    const unknown = Object.keys(value).filter((key) => !known.includes(key));
    if (unknown.length > 0) {
      return unknown.map((key) => ({
        path: [...path, key],
        target: "key" as const,
        message: `unknown key ${quoted(key)}${suggestion(key, known)}`,
      }));
    }
    const what = parent.description ? lowerFirst(trimPeriod(parent.description)) : "another form";
    return [{ path, target: "value", message: `expected ${what}` }];
  }

  let best: { issues: SchemaIssue[]; score: number } | undefined;
  for (const attempt of attempts) {
    const issues = explain(attempt.errors, path);
    // A missing required key means the value was probably not meant as this form at all.
    const score = issues.length + 4 * attempt.missing;
    if (!best || score < best.score) best = { issues, score };
  }
  return best?.issues ?? [];
}

function describe(error: ErrorObject, base: PathSegment[]): SchemaIssue {
  const path = [...base, ...pointerSegments(error.instancePath)];
  const schema = (error.parentSchema ?? {}) as SchemaNode;
  const data: unknown = error.data;
  const params = error.params as Record<string, unknown>;
  const at = (message: string): SchemaIssue => ({ path, target: "value", message });

  switch (error.keyword) {
    case "required":
      return at(`missing required key "${String(params.missingProperty)}"`);
    case "additionalProperties": {
      const key = String(params.additionalProperty);
      return { path: [...path, key], target: "key", message: unknownKey(key, schema) };
    }
    case "type":
      return at(`expected ${typeNoun(schema)}, got ${show(data)}`);
    case "pattern": {
      const pattern = typeof error.schema === "string" ? error.schema : undefined;
      const kind = kindOfPattern(pattern);
      const examples = stringExamples(schema);
      if (kind) return at(kind.invalid(show(data), examples.length > 0 ? examples : kind.examples));
      const what = schema.description ? `: ${lowerFirst(trimPeriod(schema.description))}` : "";
      return at(`${show(data)} does not have the expected form${what}${eg(examples)}`);
    }
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum": {
      if (schema.minimum === 0 && schema.maximum === 1) {
        return at(`${show(data)} is not a rate between 0 and 1 (write 0.9 for 90 %)`);
      }
      const limit = String(params.limit);
      if (error.keyword === "minimum")
        return at(`${show(data)} is too small: expected ${limit} or more`);
      if (error.keyword === "maximum")
        return at(`${show(data)} is too large: expected at most ${limit}`);
      return at(`${show(data)} is out of range: ${error.message ?? ""}`);
    }
    case "const":
      return at(`expected ${show(params.allowedValue)}, got ${show(data)}`);
    case "enum":
      return at(notOneOf(data, (params.allowedValues as unknown[]) ?? []));
    case "minItems": {
      const limit = Number(params.limit);
      const count = Array.isArray(data) ? data.length : 0;
      return at(`expected at least ${plural(limit, "item")}, got ${count}`);
    }
    case "uniqueItems": {
      // ajv names the later duplicate i and the earlier one j.
      const later = Number(params.i);
      const earlier = Number(params.j);
      const item = Array.isArray(data) ? data[later] : undefined;
      return {
        path: [...path, later],
        target: "value",
        message: `${show(item)} is listed twice (also at ${formatPath([...path, earlier])})`,
      };
    }
    case "minLength":
      return at("must not be empty");
    case "minProperties": {
      const limit = Number(params.limit);
      const present = isPlainObject(data) ? Object.keys(data) : [];
      const more = Object.keys(schema.properties ?? {}).filter((key) => !present.includes(key));
      return at(`needs at least ${plural(limit, "key")}; add one of: ${more.join(", ")}`);
    }
    default:
      return at(error.message ?? `does not fit the rule language (${error.keyword})`);
  }
}

function unknownKey(key: string, schema: SchemaNode): string {
  const pattern = Object.keys(schema.patternProperties ?? {})[0];
  if (pattern !== undefined) {
    const kind = kindOfPattern(pattern);
    const expected = kind
      ? `a ${kind.name} such as ${kind.examples.join(" or ")}`
      : `a key matching ${pattern}`;
    return `unknown key ${quoted(key)}: expected ${expected}`;
  }
  const allowed = Object.keys(schema.properties ?? {});
  const hint = suggestion(key, allowed);
  if (hint !== "") return `unknown key ${quoted(key)}${hint}`;
  return `unknown key ${quoted(key)}; allowed here: ${allowed.join(", ")}`;
}

/** The literal values a node allows, if it allows nothing else (`job`, `use`, `terminal`). */
function literalsOf(schema: SchemaNode | undefined): unknown[] | undefined {
  if (!schema) return undefined;
  if (schema.const !== undefined) return [schema.const];
  if (!schema.anyOf || schema.anyOf.length === 0) return undefined;
  const values: unknown[] = [];
  for (const branch of schema.anyOf) {
    const literal = literalsOf(branch);
    if (!literal) return undefined;
    values.push(...literal);
  }
  return values;
}

/** A required key that every branch restricts to literals, e.g. `use` of distribution steps. */
function discriminator(branches: readonly SchemaNode[]): string | undefined {
  const [first] = branches;
  if (!first || !branches.every((branch) => branch.type === "object")) return undefined;
  return Object.keys(first.properties ?? {}).find((key) =>
    branches.every(
      (branch) =>
        branch.required?.includes(key) && literalsOf(branch.properties?.[key]) !== undefined,
    ),
  );
}

function acceptsType(schema: SchemaNode, value: unknown): boolean {
  if (schema.const !== undefined) return typeof schema.const === typeof value;
  if (schema.anyOf) return schema.anyOf.some((branch) => acceptsType(branch, value));
  switch (schema.type) {
    case "object":
      return isPlainObject(value);
    case "array":
      return Array.isArray(value);
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number";
    case "integer":
      return Number.isInteger(value);
    case "boolean":
      return typeof value === "boolean";
    default:
      return true;
  }
}

function typeNoun(schema: SchemaNode): string {
  if (schema.const !== undefined) return show(schema.const);
  const literals = literalsOf(schema);
  if (literals) return `one of ${literals.map(String).join(", ")}`;
  if (schema.anyOf) return unique(schema.anyOf.map(typeNoun)).join(" or ");
  switch (schema.type) {
    case "object":
      return "a mapping (key: value)";
    case "array":
      return "a list";
    case "string":
      return "text";
    case "number":
      return "a number";
    case "integer":
      return "a whole number";
    case "boolean":
      return "true or false";
    case "null":
      return "nothing";
    default:
      return "another value";
  }
}

function notOneOf(value: unknown, allowed: readonly unknown[]): string {
  const names = allowed.map(String);
  const hint = typeof value === "string" ? suggestion(value, names) : "";
  return `${show(value)} is not one of: ${names.join(", ")}${hint}`;
}

/** A value as the reader wrote it: text quoted, numbers bare, collections by kind. */
export function show(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (typeof value === "string") {
    const text = value.length > 60 ? `${value.slice(0, 57)}…` : value;
    return JSON.stringify(text);
  }
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return String(value);
}

function stringExamples(schema: SchemaNode): string[] {
  return (schema.examples ?? []).filter(
    (example): example is string => typeof example === "string",
  );
}

function eg(examples: readonly string[]): string {
  return examples.length > 0 ? ` (e.g. ${examples.join(", ")})` : "";
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function trimPeriod(text: string): string {
  return text.replace(/\.\s*$/, "");
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function sameIssue(a: SchemaIssue, b: SchemaIssue): boolean {
  return (
    a.message === b.message && a.target === b.target && formatPath(a.path) === formatPath(b.path)
  );
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

function depth(pointer: string): number {
  return pointer === "" ? 0 : pointer.split("/").length - 1;
}

function isAtOrUnder(pointer: string, prefix: string): boolean {
  return pointer === prefix || pointer.startsWith(`${prefix}/`);
}
