import { ENGINE_OWNED_LEAD_ATTRIBUTES } from "../core/records/lead";
import type { RuleFile } from "../core/rules/rule-schema";
import type { FieldType } from "./coerce";

/** What a row of an import holds: one lead or one rep (docs/data-model.md). */
export type RecordKind = "lead" | "rep";

/** The attributes writers own, with their types; dotted names are nested (`contact.phone`). */
const WRITER_FIELDS: Record<RecordKind, Readonly<Record<string, FieldType>>> = {
  lead: {
    id: "string",
    funnel: "string",
    stage: "string",
    owner: "string",
    pool: "string",
    name: "string",
    company: "string",
    "contact.name": "string",
    "contact.phone": "string",
    "contact.email": "string",
    amount: "number",
    region: "string",
    source: "string",
    discoveredBy: "string",
    nextActionAt: "instant",
    stageEnteredAt: "instant",
    updatedBy: "string",
  },
  rep: {
    id: "string",
    name: "string",
    email: "string",
    manager: "string",
    team: "string",
    region: "string",
    status: "string",
    awayUntil: "instant",
    quota: "number",
  },
};

/**
 * Attributes the engine owns (docs/data-model.md), and the item keys. An import drops them with a
 * warning: the engine derives them from the records it is given, and a value carried over from
 * another table (an export) or a CRM would be stale or wrong here.
 */
export const ENGINE_FIELDS: Record<RecordKind, ReadonlySet<string>> = {
  lead: new Set(ENGINE_OWNED_LEAD_ATTRIBUTES),
  rep: new Set(),
};

/**
 * Item keys and bookkeeping: an import leaves them out silently, since leadItem / repItem set
 * them from the id (a rep's kindPk / kindSk included).
 */
export const KEY_FIELDS: ReadonlySet<string> = new Set([
  "pk",
  "sk",
  "type",
  "kindPk",
  "kindSk",
  "expiresAt",
]);

/** Names to use in messages: "leads", "reps". */
export const PLURAL: Record<RecordKind, string> = { lead: "leads", rep: "reps" };

/** The fields a file of this kind may fill, and what each holds. */
export interface FieldCatalogue {
  kind: RecordKind;
  /** Writer fields and the fields the rules read, with their types. */
  types: ReadonlyMap<string, FieldType>;
  /** The fields the rules read (they are valid columns although the data model does not list them). */
  fromRules: ReadonlySet<string>;
}

export function fieldCatalogue(kind: RecordKind, source: RuleFile): FieldCatalogue {
  const types = new Map<string, FieldType>(Object.entries(WRITER_FIELDS[kind]));
  const fromRules = new Map<string, FieldType>();
  for (const [field, type] of ruleFields(kind, source)) {
    if (types.has(field) || ENGINE_FIELDS[kind].has(field)) continue;
    const known = fromRules.get(field);
    fromRules.set(field, known === undefined || known === type ? type : "auto");
  }
  for (const [field, type] of fromRules) types.set(field, type);
  return { kind, types, fromRules: new Set(fromRules.keys()) };
}

/** The type of a field: declared, read by the rules, or `auto` for anything else. */
export function fieldType(catalogue: FieldCatalogue, field: string): FieldType {
  return catalogue.types.get(field) ?? "auto";
}

export function isEngineField(kind: RecordKind, field: string): boolean {
  const top = field.split(".")[0] ?? field;
  return ENGINE_FIELDS[kind].has(top) || KEY_FIELDS.has(top);
}

/**
 * The fields the rules compare or require, with the type their comparisons imply: `gte: 500`
 * means a number, `eq: true` a boolean. The rules compare strictly, so a CSV cell must become
 * that type for the rule to see it.
 */
function* ruleFields(kind: RecordKind, source: RuleFile): Generator<[string, FieldType]> {
  if (kind === "rep") {
    for (const step of source.distribution?.steps ?? []) {
      if (step.use === "territory") yield [step.repField ?? "region", "string"];
    }
    return;
  }
  for (const funnel of source.funnels ?? []) {
    for (const stage of funnel.stages)
      for (const field of stage.requires ?? []) yield [field, "auto"];
  }
  for (const step of source.distribution?.steps ?? []) {
    if (step.use === "territory") yield [step.leadField ?? "region", "string"];
  }
  for (const set of source.distribution?.duplicates?.matchOn ?? [])
    for (const field of set) yield [field, "auto"];
  yield* comparisons(source.grading);
  yield* comparisons(source.alerts);
  yield* comparisons(source.cold);
}

function* comparisons(node: unknown): Generator<[string, FieldType]> {
  if (Array.isArray(node)) {
    for (const child of node) yield* comparisons(child);
    return;
  }
  if (node === null || typeof node !== "object") return;
  const record = node as Record<string, unknown>;
  if (typeof record.field === "string") yield [record.field, comparedType(record)];
  for (const [key, child] of Object.entries(record)) if (key !== "field") yield* comparisons(child);
}

function comparedType(comparison: Record<string, unknown>): FieldType {
  if (["gt", "gte", "lt", "lte"].some((op) => comparison[op] !== undefined)) return "number";
  if (typeof comparison.contains === "string") return "string";
  const operands = [
    comparison.eq,
    comparison.ne,
    ...(Array.isArray(comparison.in) ? comparison.in : []),
    ...(Array.isArray(comparison.notIn) ? comparison.notIn : []),
  ].filter((operand) => operand !== undefined);
  const kinds = new Set(operands.map((operand) => typeof operand));
  if (kinds.size !== 1) return "auto";
  const only = [...kinds][0];
  return only === "number" ? "number" : only === "boolean" ? "boolean" : "string";
}
