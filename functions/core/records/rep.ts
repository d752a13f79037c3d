import { RecordError } from "./record-error";

export type RepStatus = "active" | "away" | "left";

/** A member of the sales organisation: reps and the managers above them are the same record type. */
export interface Rep {
  id: string;
  name: string;
  email?: string;
  /** Rep id of this person's manager; absent for the head of the organisation. */
  manager?: string;
  team?: string;
  region?: string;
  status: RepStatus;
  /** An away rep is eligible again after this time. */
  awayUntil?: string;
  /** Quarterly quota (sales amount). */
  quota?: number;
  [field: string]: unknown;
}

const statuses: RepStatus[] = ["active", "away", "left"];

export function parseRep(item: Record<string, unknown>): Rep {
  const id = item.id;
  if (typeof id !== "string" || id === "") {
    throw new RecordError(String(item.pk ?? "(rep without id)"), 'missing "id"');
  }
  if (typeof item.name !== "string") throw new RecordError(id, 'missing "name"');
  if (!statuses.includes(item.status as RepStatus)) {
    throw new RecordError(
      id,
      `"status" must be one of ${statuses.join(", ")}, got ${JSON.stringify(item.status)}`,
    );
  }
  for (const field of ["email", "manager", "team", "region", "awayUntil"]) {
    if (item[field] !== undefined && typeof item[field] !== "string") {
      throw new RecordError(id, `"${field}" must be a string, got ${JSON.stringify(item[field])}`);
    }
  }
  if (item.quota !== undefined && (typeof item.quota !== "number" || item.quota < 0)) {
    throw new RecordError(
      id,
      `"quota" must be a non-negative number, got ${JSON.stringify(item.quota)}`,
    );
  }
  return item as Rep;
}

/**
 * The chain of managers above a person, nearest first, stopping at a cycle. Managers who have left
 * are passed over: they are told nothing, their own manager is.
 */
export function managersOf(repId: string, reps: ReadonlyMap<string, Rep>): Rep[] {
  const chain: Rep[] = [];
  const seen = new Set([repId]);
  let current = reps.get(repId)?.manager;
  while (current !== undefined && !seen.has(current)) {
    seen.add(current);
    const manager = reps.get(current);
    if (manager === undefined) break;
    if (manager.status !== "left") chain.push(manager);
    current = manager.manager;
  }
  return chain;
}

/** The org's head: the person without a manager, who hears about leads nobody else owns. */
export function headOf(reps: ReadonlyMap<string, Rep>): Rep | undefined {
  for (const rep of reps.values())
    if (rep.manager === undefined && rep.status !== "left") return rep;
  return undefined;
}
