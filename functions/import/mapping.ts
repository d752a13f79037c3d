import { readFile } from "node:fs/promises";
import { suggestion } from "../core/rules/did-you-mean";
import type { FieldType } from "./coerce";
import type { RecordKind } from "./fields";

/** A JSON value a value map may produce. */
export type MappedValue = string | number | boolean | null;

/** Where one column goes: a field (dotted for nested), or nowhere (`field: null`). */
export interface ColumnRule {
  field: string | null;
  /** Overrides the field's type (e.g. a custom `employees` column read as a number). */
  type?: FieldType;
  /** Cell text → value; text not listed passes through unchanged. */
  values?: Readonly<Record<string, MappedValue>>;
}

/** How the columns of a CRM export become record fields (docs/import.md). */
export interface Mapping {
  name: string;
  kind?: RecordKind;
  columns: ReadonlyMap<string, ColumnRule>;
  /** The column names as the mapping spells them, for "did you mean". */
  columnNames: readonly string[];
  /** Per field: cell text → value, whichever column fills the field (e.g. CRM status → stage). */
  values: ReadonlyMap<string, Readonly<Record<string, MappedValue>>>;
  /** Values every record gets unless a column fills the field (e.g. `updatedBy`). */
  set: Readonly<Record<string, MappedValue>>;
  /** Columns the mapping does not name: read as field names (`fields`) or left out (`ignore`). */
  otherColumns: "fields" | "ignore";
}

/** Columns matched loosely: "Lead Source", "LeadSource" and "lead_source" are one column. */
export function columnKey(column: string): string {
  return column.toLowerCase().replace(/[^\p{L}\p{N}]/gu, "");
}

/** The rule for a column: an exact name first, then the loose match. */
export function ruleFor(mapping: Mapping, column: string): ColumnRule | undefined {
  return mapping.columns.get(column) ?? mapping.columns.get(columnKey(column));
}

const text = (field: string): ColumnRule => ({ field });
const number = (field: string): ColumnRule => ({ field, type: "number" });

/**
 * Salesforce Lead and Opportunity exports: Data Loader's API names (FirstName) and report labels
 * (First Name) both match. Status / StageName go to stage unchanged unless a mapping file that
 * extends this one maps their values to the rules' stage ids.
 */
const SALESFORCE: Record<string, ColumnRule> = {
  Id: text("id"),
  "Lead ID": text("id"),
  "Opportunity ID": text("id"),
  Name: text("name"),
  "Opportunity Name": text("name"),
  Company: text("company"),
  "Company / Account": text("company"),
  "Account Name": text("company"),
  FirstName: text("contact.name"),
  LastName: text("contact.name"),
  Email: text("contact.email"),
  Phone: text("contact.phone"),
  LeadSource: text("source"),
  Status: text("stage"),
  "Lead Status": text("stage"),
  StageName: text("stage"),
  Amount: number("amount"),
  OwnerId: text("owner"),
  "Lead Owner": text("owner"),
  "Opportunity Owner": text("owner"),
  NumberOfEmployees: number("employees"),
  Employees: number("employees"),
  AnnualRevenue: number("annualRevenue"),
  Industry: text("industry"),
};

/** HubSpot contact, company and deal exports (column labels as HubSpot writes them). */
const HUBSPOT: Record<string, ColumnRule> = {
  "Record ID": text("id"),
  "Deal Name": text("name"),
  "Company Name": text("company"),
  "Associated Company": text("company"),
  "First Name": text("contact.name"),
  "Last Name": text("contact.name"),
  Email: text("contact.email"),
  "Phone Number": text("contact.phone"),
  "Lifecycle Stage": text("stage"),
  "Deal Stage": text("stage"),
  Amount: number("amount"),
  "Contact owner": text("owner"),
  "Deal owner": text("owner"),
  "Company owner": text("owner"),
  "HubSpot Owner": text("owner"),
  "Original Source": text("source"),
  "Original Traffic Source": text("source"),
  "Number of Employees": number("employees"),
  "Annual Revenue": number("annualRevenue"),
  Industry: text("industry"),
};

export const BUILT_IN_MAPPINGS: Readonly<Record<string, Record<string, ColumnRule>>> = {
  salesforce: SALESFORCE,
  hubspot: HUBSPOT,
};

function mappingOf(
  name: string,
  columns: Record<string, ColumnRule>,
  extra: Partial<Omit<Mapping, "name" | "columns">> = {},
): Mapping {
  const byName = new Map<string, ColumnRule>();
  // Loose keys first, exact names last: an exact name always wins.
  for (const [column, rule] of Object.entries(columns)) byName.set(columnKey(column), rule);
  for (const [column, rule] of Object.entries(columns)) byName.set(column, rule);
  return {
    name,
    kind: extra.kind,
    columns: byName,
    columnNames: Object.keys(columns),
    values: extra.values ?? new Map(),
    set: extra.set ?? {},
    otherColumns: extra.otherColumns ?? "ignore",
  };
}

export function builtInMapping(name: string): Mapping | undefined {
  const columns = BUILT_IN_MAPPINGS[name];
  return columns === undefined ? undefined : mappingOf(name, columns);
}

/** A mapping file that cannot be used; one message per problem, each naming the key. */
export class MappingError extends Error {
  readonly problems: string[];
  constructor(file: string, problems: string[]) {
    super(problems.map((problem) => `${file}: ${problem}`).join("\n"));
    this.name = "MappingError";
    this.problems = problems;
  }
}

const TOP_KEYS = ["extends", "kind", "columns", "values", "set", "otherColumns", "description"];
const RULE_KEYS = ["field", "type", "values"];
const TYPES: FieldType[] = ["string", "number", "boolean", "instant", "auto"];

/** `salesforce`, `hubspot`, or a mapping file (JSON, see docs/import.md). */
export async function loadMapping(nameOrFile: string): Promise<Mapping> {
  const builtIn = builtInMapping(nameOrFile);
  if (builtIn !== undefined) return builtIn;
  let source: string;
  try {
    source = await readFile(nameOrFile, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const names = Object.keys(BUILT_IN_MAPPINGS);
    const hint = nameOrFile.endsWith(".json")
      ? ""
      : `${suggestion(nameOrFile, names)} (built in: ${names.join(", ")}; or a .json mapping file)`;
    throw new Error(
      code === "ENOENT"
        ? `mapping ${nameOrFile}: no such file${hint}`
        : `mapping ${nameOrFile}: cannot be read (${code ?? String(error)})`,
      { cause: error },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(source);
  } catch (error) {
    throw new MappingError(nameOrFile, [`not valid JSON: ${(error as Error).message}`]);
  }
  return parseMapping(nameOrFile, json);
}

/** Checks a mapping file's content, reporting every problem at once. */
export function parseMapping(file: string, json: unknown): Mapping {
  const problems: string[] = [];
  if (!isObject(json)) throw new MappingError(file, ["must be a JSON object"]);
  unknownKeys(json, TOP_KEYS, "", problems);

  let base: Record<string, ColumnRule> = {};
  if (json.extends !== undefined) {
    const names = Object.keys(BUILT_IN_MAPPINGS);
    const builtIn = typeof json.extends === "string" ? BUILT_IN_MAPPINGS[json.extends] : undefined;
    if (builtIn === undefined) {
      problems.push(
        `extends: ${JSON.stringify(json.extends)} is not a built-in mapping (${names.join(", ")})${suggestion(String(json.extends), names)}`,
      );
    } else base = builtIn;
  }
  let kind: RecordKind | undefined;
  if (json.kind !== undefined) {
    if (json.kind === "leads" || json.kind === "lead") kind = "lead";
    else if (json.kind === "reps" || json.kind === "rep") kind = "rep";
    else problems.push(`kind: ${JSON.stringify(json.kind)} is not "leads" or "reps"`);
  }
  const otherColumns = json.otherColumns ?? (json.extends === undefined ? "fields" : "ignore");
  if (otherColumns !== "fields" && otherColumns !== "ignore")
    problems.push(`otherColumns: ${JSON.stringify(otherColumns)} is not "fields" or "ignore"`);

  const columns: Record<string, ColumnRule> = { ...base };
  if (json.columns !== undefined) {
    if (!isObject(json.columns)) problems.push("columns: must be an object: column → field");
    else {
      for (const [column, spec] of Object.entries(json.columns)) {
        const rule = columnRule(`columns.${column}`, spec, problems);
        if (rule === undefined) continue;
        // The file's entry replaces the built-in one for the same column, however spelt.
        for (const known of Object.keys(base))
          if (columnKey(known) === columnKey(column)) delete columns[known];
        columns[column] = rule;
      }
    }
  }
  const values = new Map<string, Record<string, MappedValue>>();
  if (json.values !== undefined) {
    if (!isObject(json.values)) problems.push("values: must be an object: field → value map");
    else {
      for (const [field, map] of Object.entries(json.values)) {
        const checked = valueMap(`values.${field}`, map, problems);
        if (checked !== undefined) values.set(field, checked);
      }
    }
  }
  const set: Record<string, MappedValue> = {};
  if (json.set !== undefined) {
    if (!isObject(json.set)) problems.push("set: must be an object: field → value");
    else {
      for (const [field, value] of Object.entries(json.set)) {
        if (isMappedValue(value)) set[field] = value;
        else problems.push(`set.${field}: must be text, a number, true/false or null`);
      }
    }
  }
  if (problems.length > 0) throw new MappingError(file, problems);
  return mappingOf(file, columns, {
    kind,
    values,
    set,
    otherColumns: otherColumns as Mapping["otherColumns"],
  });
}

function columnRule(path: string, spec: unknown, problems: string[]): ColumnRule | undefined {
  if (spec === null) return { field: null };
  if (typeof spec === "string")
    return checkField(path, spec, problems) ? { field: spec } : undefined;
  if (!isObject(spec)) {
    problems.push(
      `${path}: must be a field name, null (leave the column out) or { field, type, values }`,
    );
    return undefined;
  }
  unknownKeys(spec, RULE_KEYS, `${path}.`, problems);
  const field = spec.field;
  if (
    field !== null &&
    (typeof field !== "string" || !checkField(`${path}.field`, field, problems))
  ) {
    if (typeof field !== "string") problems.push(`${path}.field: must be a field name or null`);
    return undefined;
  }
  const rule: ColumnRule = { field };
  if (spec.type !== undefined) {
    if (TYPES.includes(spec.type as FieldType)) rule.type = spec.type as FieldType;
    else
      problems.push(
        `${path}.type: ${JSON.stringify(spec.type)} is not one of ${TYPES.join(", ")}${suggestion(String(spec.type), TYPES)}`,
      );
  }
  if (spec.values !== undefined) rule.values = valueMap(`${path}.values`, spec.values, problems);
  return rule;
}

function checkField(path: string, field: string, problems: string[]): boolean {
  if (/^[^.\s]+(\.[^.\s]+)*$/.test(field)) return true;
  problems.push(
    `${path}: ${JSON.stringify(field)} is not a field name (e.g. company, contact.phone)`,
  );
  return false;
}

function valueMap(
  path: string,
  map: unknown,
  problems: string[],
): Record<string, MappedValue> | undefined {
  if (!isObject(map)) {
    problems.push(`${path}: must be an object: cell text → value`);
    return undefined;
  }
  const checked: Record<string, MappedValue> = {};
  for (const [from, to] of Object.entries(map)) {
    if (isMappedValue(to)) checked[from] = to;
    else problems.push(`${path}.${from}: must be text, a number, true/false or null`);
  }
  return checked;
}

function unknownKeys(
  object: Record<string, unknown>,
  allowed: string[],
  prefix: string,
  problems: string[],
): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key))
      problems.push(`${prefix}${key}: unknown key${suggestion(key, allowed)}`);
  }
}

function isMappedValue(value: unknown): value is MappedValue {
  return (
    value === null ||
    typeof value === "string" ||
    typeof value === "boolean" ||
    (typeof value === "number" && Number.isFinite(value))
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
