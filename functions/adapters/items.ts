import type { Lead } from "../core/records/lead";
import type { Rep } from "../core/records/rep";
import { kindKeys, leadKey, repKey } from "./item-keys";

/** A lead as written to the table by any writer (import, demo seed, a CRM sync). */
export function leadItem(lead: Lead): Record<string, unknown> {
  return { ...leadKey(lead.id), type: "lead", ...lead };
}

/** Reps carry kindPk = REP so the whole organisation is one Query on the byKind index. */
export function repItem(rep: Rep): Record<string, unknown> {
  return { ...repKey(rep.id), ...kindKeys("REP", rep.id), type: "rep", ...rep };
}
