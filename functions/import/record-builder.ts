import { leadItem, repItem } from "../adapters/items";
import { parseLead } from "../core/records/lead";
import { RecordError } from "../core/records/record-error";
import { parseRep } from "../core/records/rep";
import { suggestion } from "../core/rules/did-you-mean";
import { findStage, type RuleSet } from "../core/rules/rule-set";
import { checkJsonValue, coerceText, type FieldType } from "./coerce";
import { type FieldCatalogue, fieldType, type RecordKind } from "./fields";
import type { MappedValue } from "./mapping";

/** One value for one field of a row, before it is checked: CSV text, or a JSON value. */
export interface FieldEntry {
  field: string;
  value: unknown;
  /** CSV cell text (coerced to the field's type) rather than a JSON value (checked against it). */
  text: boolean;
  /** A type the mapping gives the column, instead of the field's own. */
  type?: FieldType;
}

/** A record ready to write: the item as leadItem / repItem build it. */
export interface PreparedRecord {
  line: number;
  kind: RecordKind;
  id: string;
  item: Record<string, unknown>;
}

export type Built = { record: PreparedRecord } | { problems: string[] };

/** Fields filled by several columns are joined with a space: FirstName + LastName → contact.name. */
const JOINED = new Set(["name", "contact.name"]);
const STATUSES = ["active", "away", "left"];

/**
 * Turns one row's values into a lead or rep, checking everything the engine would refuse later:
 * types, required fields, the funnel and stage against the rules. Reports every problem of the row,
 * each as `field: what is wrong`.
 */
export class RecordBuilder {
  constructor(
    private readonly catalogue: FieldCatalogue,
    private readonly rules: RuleSet,
    private readonly defaults: Readonly<Record<string, MappedValue>> = {},
  ) {}

  get kind(): RecordKind {
    return this.catalogue.kind;
  }

  build(line: number, entries: readonly FieldEntry[]): Built {
    const problems: string[] = [];
    const record: Record<string, unknown> = {};
    for (const entry of entries) {
      const type = entry.type ?? fieldType(this.catalogue, entry.field);
      const coerced = entry.text
        ? coerceText(String(entry.value), type, this.rules.timeZone)
        : checkJsonValue(entry.value, type, this.rules.timeZone);
      if ("error" in coerced) problems.push(`${entry.field}: ${coerced.error}`);
      else if (coerced.value !== undefined) assign(record, entry.field, coerced.value);
    }
    for (const [field, value] of Object.entries(this.defaults)) {
      if (value !== null && readPath(record, field) === undefined) assign(record, field, value);
    }
    if (this.kind === "lead") this.checkLead(record, problems);
    else this.checkRep(record, problems);
    if (problems.length > 0) return { problems };

    try {
      if (this.kind === "lead") {
        const lead = parseLead(record);
        return { record: { line, kind: "lead", id: lead.id, item: leadItem(lead) } };
      }
      const rep = parseRep(record);
      return { record: { line, kind: "rep", id: rep.id, item: repItem(rep) } };
    } catch (error) {
      // The record checks know more than the checks above only if the two drift apart.
      if (error instanceof RecordError) return { problems: [error.message] };
      throw error;
    }
  }

  private checkLead(record: Record<string, unknown>, problems: string[]): void {
    if (record.id === undefined) problems.push("id: missing (every lead needs an id)");
    if (record.stage === undefined) {
      problems.push("stage: missing (every lead is in a stage)");
      return;
    }
    const funnels = this.rules.funnels;
    const funnelId = record.funnel;
    const funnel =
      funnelId === undefined ? funnels[0] : funnels.find((candidate) => candidate.id === funnelId);
    if (funnel === undefined) {
      const ids = funnels.map((candidate) => candidate.id);
      problems.push(
        `funnel: ${JSON.stringify(funnelId)} is not a funnel of the rules${suggestion(String(funnelId), ids)} (funnels: ${ids.join(", ")})`,
      );
    } else if (typeof record.stage === "string" && !findStage(funnel, record.stage)) {
      const ids = funnel.stages.map((stage) => stage.id);
      problems.push(
        `stage: ${JSON.stringify(record.stage)} is not a stage of funnel ${funnel.id}${suggestion(record.stage, ids)} (stages: ${ids.join(", ")})`,
      );
    }
    nonNegative(record, "amount", problems);
  }

  private checkRep(record: Record<string, unknown>, problems: string[]): void {
    if (record.id === undefined) problems.push("id: missing (every rep needs an id)");
    if (record.name === undefined) problems.push("name: missing (every rep needs a name)");
    if (record.status === undefined) {
      problems.push(`status: missing (one of ${STATUSES.join(", ")})`);
    } else if (!STATUSES.includes(String(record.status))) {
      problems.push(
        `status: ${JSON.stringify(record.status)} is not one of ${STATUSES.join(", ")}${suggestion(String(record.status), STATUSES)}`,
      );
    }
    nonNegative(record, "quota", problems);
  }
}

function nonNegative(record: Record<string, unknown>, field: string, problems: string[]): void {
  const value = record[field];
  if (typeof value === "number" && value < 0) problems.push(`${field}: ${value} is negative`);
}

/** Sets a dotted path, joining text for fields that several columns fill. */
function assign(record: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split(".");
  let target = record;
  for (const part of parts.slice(0, -1)) {
    const next = target[part];
    if (next === null || typeof next !== "object" || Array.isArray(next)) target[part] = {};
    target = target[part] as Record<string, unknown>;
  }
  const last = parts[parts.length - 1] as string;
  const existing = target[last];
  target[last] =
    JOINED.has(path) && typeof existing === "string" && typeof value === "string"
      ? `${existing} ${value}`
      : value;
}

function readPath(record: Record<string, unknown>, path: string): unknown {
  let value: unknown = record;
  for (const part of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}
