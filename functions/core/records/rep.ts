import { MAX_ID_BYTES, RecordError, shown, utf8Bytes } from "./record-error";

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

const EMAIL = /^[^\s@<>,;"]+@[^\s@<>,;"]+\.[^\s@<>,;"]+$/u;

/** C0 and C1 control characters (NEL, U+0085, among them). */
const hasControl = (text: string) =>
  [...text].some((ch) => {
    const code = ch.codePointAt(0) ?? 0;
    return code < 0x20 || (code >= 0x7f && code <= 0x9f);
  });

/** One plain address: no display name, no list, nothing that could end a header line. */
export const isEmailAddress = (text: string): boolean => EMAIL.test(text) && !hasControl(text);

/** Why an email cannot go to this person, or undefined when it can. */
export function undeliverableBecause(rep: Rep): string | undefined {
  if (rep.email === undefined) return `${rep.id} has no email address`;
  if (!isEmailAddress(rep.email))
    return `${rep.id} has an invalid email address ${shown(rep.email)}`;
  return undefined;
}

const statuses: RepStatus[] = ["active", "away", "left"];

export function parseRep(item: Record<string, unknown>): Rep {
  const id = item.id;
  if (typeof id !== "string" || id === "") {
    throw new RecordError(String(item.pk ?? "(rep without id)"), 'missing "id"');
  }
  if (utf8Bytes(id) > MAX_ID_BYTES) {
    throw new RecordError(
      id,
      `"id" is ${utf8Bytes(id)} bytes long; ids may have at most ${MAX_ID_BYTES}`,
    );
  }
  if (item.pk !== undefined && item.pk !== `REP#${id}`) {
    throw new RecordError(id, `"id" does not match the item's key ${shown(item.pk)}`);
  }
  if (typeof item.name !== "string") throw new RecordError(id, 'missing "name"');
  if (!statuses.includes(item.status as RepStatus)) {
    throw new RecordError(
      id,
      `"status" must be one of ${statuses.join(", ")}, got ${shown(item.status)}`,
    );
  }
  for (const field of ["email", "manager", "team", "region", "awayUntil"]) {
    if (item[field] !== undefined && typeof item[field] !== "string") {
      throw new RecordError(id, `"${field}" must be a string, got ${shown(item[field])}`);
    }
  }
  // An address goes into an email's To header: one address, nothing that could start a header.
  if (typeof item.email === "string" && !isEmailAddress(item.email)) {
    throw new RecordError(id, `"email" is not an email address: ${shown(item.email)}`);
  }
  if (item.quota !== undefined && (typeof item.quota !== "number" || item.quota < 0)) {
    throw new RecordError(id, `"quota" must be a non-negative number, got ${shown(item.quota)}`);
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
