import { MAX_ID_BYTES, RecordError, shown, utf8Bytes } from "./record-error";

/**
 * A lead as other systems write it (CRM sync, import, the UI) plus the attributes the engine owns.
 * docs/data-model.md lists which side owns which attribute. Times are ISO-8601 strings.
 */
export interface Lead {
  id: string;
  funnel?: string;
  stage: string;
  owner?: string;
  pool?: string;
  name?: string;
  company?: string;
  contact?: { name?: string; phone?: string; email?: string };
  amount?: number;
  region?: string;
  source?: string;
  discoveredBy?: string;
  nextActionAt?: string;
  /** When the lead entered its stage; a writer may set it (imports), otherwise the engine does. */
  stageEnteredAt?: string;
  updatedBy?: string;
  /** Any other fields, used by grading conditions and entry requirements. */
  [field: string]: unknown;

  // Owned by the engine.
  grade?: string;
  gradeRule?: string;
  dueAt?: string;
  /** How many escalation levels have been notified for the current stage entry. */
  dwellLevel?: number;
  /** Dwell actions taken, and the last reminder, for the current stage entry. */
  dwellActions?: number;
  dwellRemindedAt?: string;
  previousOwner?: string;
  coldUntil?: string;
  /** Every stage the lead has been in. */
  stagesSeen?: string[];
  /** When the lead reached the sale stage, and whether that sale was out of the funnel. */
  soldAt?: string;
  outOfFunnel?: boolean;
  /** The open lead this one duplicates (same company or contact). */
  duplicateOf?: string;
  /** How and why the engine chose the owner. */
  assignedVia?: string;
  assignReason?: string;
  /** Where the lead counts in the aggregates (see core/holding.ts). */
  counted?: string;
  /** Incremented by every engine write that changes the owner; reassignments are conditional on it. */
  version?: number;
}

function isIsoInstant(value: unknown): value is string {
  return (
    typeof value === "string" &&
    !Number.isNaN(Date.parse(value)) &&
    /^\d{4}-\d{2}-\d{2}T/.test(value)
  );
}

const optionalStrings = [
  "funnel",
  "owner",
  "pool",
  "name",
  "company",
  "region",
  "source",
  "discoveredBy",
  "updatedBy",
] as const;
const optionalInstants = [
  "nextActionAt",
  "stageEnteredAt",
  "dueAt",
  "coldUntil",
  "soldAt",
] as const;

/**
 * Amounts the aggregates can add up exactly: DynamoDB numbers carry 38 significant digits, so a
 * value such as 1e-120 beside ordinary amounts cannot be added at all.
 */
const MIN_AMOUNT = 0.000001;
const MAX_AMOUNT = 1e15;

/** Numbers the engine keeps on the lead and adds to. */
const engineNumbers = ["version", "dwellLevel", "dwellActions"] as const;

/** Index keys and tallies the engine keeps on the lead: strings, or DynamoDB refuses its writes. */
const engineStrings = ["duePk", "dueSk", "ownerPk", "ownerSk", "counted", "grade"] as const;

/** Checks a record read from the table; throws RecordError naming the lead and the field. */
export function parseLead(item: Record<string, unknown>): Lead {
  const id = item.id;
  if (typeof id !== "string" || id === "") {
    throw new RecordError(String(item.pk ?? "(lead without id)"), 'missing "id"');
  }
  if (utf8Bytes(id) > MAX_ID_BYTES) {
    throw new RecordError(
      id,
      `"id" is ${utf8Bytes(id)} bytes long; ids may have at most ${MAX_ID_BYTES}`,
    );
  }
  // A writer that put the lead under another key: the engine would write to a lead nobody wrote.
  if (item.pk !== undefined && item.pk !== `LEAD#${id}`) {
    throw new RecordError(id, `"id" does not match the item's key ${shown(item.pk)}`);
  }
  if (typeof item.stage !== "string" || item.stage === "") {
    throw new RecordError(id, 'missing "stage"');
  }
  for (const field of optionalStrings) {
    if (item[field] !== undefined && typeof item[field] !== "string") {
      throw new RecordError(id, `"${field}" must be a string, got ${shown(item[field])}`);
    }
  }
  for (const field of optionalInstants) {
    if (item[field] !== undefined && !isIsoInstant(item[field])) {
      throw new RecordError(id, `"${field}" must be an ISO-8601 time, got ${shown(item[field])}`);
    }
  }
  if (
    item.amount !== undefined &&
    (typeof item.amount !== "number" || !Number.isFinite(item.amount) || item.amount < 0)
  ) {
    throw new RecordError(id, `"amount" must be a non-negative number, got ${shown(item.amount)}`);
  }
  if (
    typeof item.amount === "number" &&
    (item.amount > MAX_AMOUNT || (item.amount > 0 && item.amount < MIN_AMOUNT))
  ) {
    throw new RecordError(
      id,
      `"amount" must be 0 or between ${MIN_AMOUNT} and ${MAX_AMOUNT.toExponential()}, got ${shown(item.amount)}`,
    );
  }
  for (const field of engineStrings) {
    if (item[field] !== undefined && typeof item[field] !== "string") {
      throw new RecordError(
        id,
        `"${field}" is the engine's and must be a string, got ${shown(item[field])}; remove it and the engine sets it again`,
      );
    }
  }
  for (const field of engineNumbers) {
    if (
      item[field] !== undefined &&
      (typeof item[field] !== "number" || !Number.isFinite(item[field]))
    ) {
      throw new RecordError(
        id,
        `"${field}" is the engine's and must be a number, got ${shown(item[field])}; remove it and the engine sets it again`,
      );
    }
  }
  return item as Lead;
}

/**
 * The attributes only the engine writes on a lead (docs/data-model.md): an import drops them, and
 * after a writer's whole-item put the engine puts them back.
 */
export const ENGINE_OWNED_LEAD_ATTRIBUTES = [
  "grade",
  "gradeRule",
  "dueAt",
  "dwellLevel",
  "dwellActions",
  "dwellRemindedAt",
  "lastTransitionAt",
  "duePk",
  "dueSk",
  "ownerPk",
  "ownerSk",
  "counted",
  "stagesSeen",
  "previousOwner",
  "coldUntil",
  "soldAt",
  "soldAmount",
  "outOfFunnel",
  "outOfFunnelReason",
  "assignedVia",
  "assignReason",
  "duplicateOf",
  "kindPk",
  "kindSk",
  "handedOverAt",
  "version",
] as const;
