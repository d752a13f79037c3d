import type { Condition } from "./rules/rule-schema";

/** Reads a dotted path ("contact.phone") from a record. */
export function fieldValue(record: Record<string, unknown>, path: string): unknown {
  // Most conditions name a top-level field; this is the hot path of grading.
  if (!path.includes(".")) return record[path];
  let value: unknown = record;
  for (const part of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null && value !== "";
}

function compare(value: unknown, condition: Extract<Condition, { field: string }>): boolean {
  const { eq, ne, gt, gte, lt, lte, exists, contains } = condition;
  if (exists !== undefined && isPresent(value) !== exists) return false;
  if (eq !== undefined && value !== eq) return false;
  if (ne !== undefined && value === ne) return false;
  const inList = condition.in;
  if (inList !== undefined && !inList.includes(value as string | number | boolean)) return false;
  if (condition.notIn?.includes(value as string | number | boolean)) return false;
  if (contains !== undefined && !(typeof value === "string" && value.includes(contains)))
    return false;
  const ordered = gt !== undefined || gte !== undefined || lt !== undefined || lte !== undefined;
  if (ordered) {
    if (typeof value !== "number") return false;
    if (gt !== undefined && !(value > gt)) return false;
    if (gte !== undefined && !(value >= gte)) return false;
    if (lt !== undefined && !(value < lt)) return false;
    if (lte !== undefined && !(value <= lte)) return false;
  }
  return true;
}

export function holds(condition: Condition, record: Record<string, unknown>): boolean {
  if ("all" in condition) return condition.all.every((c) => holds(c, record));
  if ("any" in condition) return condition.any.some((c) => holds(c, record));
  if ("not" in condition) return !holds(condition.not, record);
  return compare(fieldValue(record, condition.field), condition);
}
