import type { Rep } from "../records/rep";

/*
 * Who distribution may hand a lead to. Managers, directors and the head steer the sellers; giving
 * them leads would hide work from the funnel reports they read, so only sellers take leads.
 */

/**
 * A person nobody reports to. Reports who have left still count: a manager whose whole team has
 * left is still a manager, not a seller waiting for leads. An id the org does not know is not a
 * seller either.
 */
export function isSeller(repId: string, reps: ReadonlyMap<string, Rep>): boolean {
  if (!reps.has(repId)) return false;
  for (const rep of reps.values()) if (rep.manager === repId) return false;
  return true;
}

/**
 * Active, or away with a return date at or before `now`: the record may still say "away" after
 * the rep came back, and waiting for someone to flip it would starve them of leads. An away rep
 * without a return date stays away; a rep who left never takes leads again.
 */
export function isAvailable(rep: Rep, now: number): boolean {
  if (rep.status === "active") return true;
  if (rep.status !== "away" || rep.awayUntil === undefined) return false;
  const back = Date.parse(rep.awayUntil);
  return !Number.isNaN(back) && back <= now;
}

/** Every available seller, sorted by id so that callers iterate deterministically. */
export function eligibleReps(reps: ReadonlyMap<string, Rep>, now: number): Rep[] {
  const managers = managerIds(reps);
  return [...reps.values()]
    .filter((rep) => !managers.has(rep.id) && isAvailable(rep, now))
    .sort((a, b) => compareIds(a.id, b.id));
}

/** Everyone somebody reports to; one pass instead of isSeller's scan per person. */
export function managerIds(reps: ReadonlyMap<string, Rep>): Set<string> {
  const managers = new Set<string>();
  for (const rep of reps.values()) if (rep.manager !== undefined) managers.add(rep.manager);
  return managers;
}

/** Code-unit order, not localeCompare: the same on every machine, whatever its locale. */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
