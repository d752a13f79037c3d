import { RecordError } from "./record-error";

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

/** Checks a record read from the table; throws RecordError naming the lead and the field. */
export function parseLead(item: Record<string, unknown>): Lead {
  const id = item.id;
  if (typeof id !== "string" || id === "") {
    throw new RecordError(String(item.pk ?? "(lead without id)"), 'missing "id"');
  }
  if (typeof item.stage !== "string" || item.stage === "") {
    throw new RecordError(id, 'missing "stage"');
  }
  for (const field of optionalStrings) {
    if (item[field] !== undefined && typeof item[field] !== "string") {
      throw new RecordError(id, `"${field}" must be a string, got ${JSON.stringify(item[field])}`);
    }
  }
  for (const field of optionalInstants) {
    if (item[field] !== undefined && !isIsoInstant(item[field])) {
      throw new RecordError(
        id,
        `"${field}" must be an ISO-8601 time, got ${JSON.stringify(item[field])}`,
      );
    }
  }
  if (
    item.amount !== undefined &&
    (typeof item.amount !== "number" || !Number.isFinite(item.amount) || item.amount < 0)
  ) {
    throw new RecordError(
      id,
      `"amount" must be a non-negative number, got ${JSON.stringify(item.amount)}`,
    );
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
  "version",
] as const;
