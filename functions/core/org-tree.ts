import type { Rep } from "./records/rep";

/**
 * The sales organisation as a tree built from each person's `manager`: who reports to whom, each
 * manager's subtree, and management levels (0 = a seller, 1 = a first-line manager, 2 = their
 * manager, …) for the weekly roll-up's one-level-a-day cadence (domain.md §7).
 */
export interface OrgTree {
  reports(repId: string): Rep[];
  /** Everyone below `repId`, not including them. */
  subtree(repId: string): Rep[];
  level(repId: string): number;
  /** People with at least one report, i.e. managers at any level. */
  managers(): Rep[];
}

export function orgTree(reps: ReadonlyMap<string, Rep>): OrgTree {
  const children = new Map<string, Rep[]>();
  for (const rep of reps.values()) {
    if (rep.manager === undefined || rep.manager === rep.id) continue;
    children.set(rep.manager, [...(children.get(rep.manager) ?? []), rep]);
  }
  for (const list of children.values())
    list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const levels = new Map<string, number>();
  const level = (repId: string, seen = new Set<string>()): number => {
    const known = levels.get(repId);
    if (known !== undefined) return known;
    if (seen.has(repId)) return 0; // a cycle in the data; treat as a leaf rather than loop
    seen.add(repId);
    const below = children.get(repId) ?? [];
    const value = below.length === 0 ? 0 : 1 + Math.max(...below.map((r) => level(r.id, seen)));
    levels.set(repId, value);
    return value;
  };
  const subtree = (repId: string): Rep[] => {
    const out: Rep[] = [];
    const seen = new Set([repId]);
    const queue = [...(children.get(repId) ?? [])];
    while (queue.length > 0) {
      const rep = queue.shift() as Rep;
      if (seen.has(rep.id)) continue;
      seen.add(rep.id);
      out.push(rep);
      queue.push(...(children.get(rep.id) ?? []));
    }
    return out;
  };
  return {
    reports: (repId) => children.get(repId) ?? [],
    subtree,
    level: (repId) => level(repId),
    managers: () => [...reps.values()].filter((r) => (children.get(r.id) ?? []).length > 0),
  };
}
