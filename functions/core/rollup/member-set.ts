import type { OrgTree } from "../org-tree";
import type { Rep } from "../records/rep";

/**
 * The people one line of a roll-up adds up, and the quota it is measured against.
 * - memberIds: whose holdings and sales count — a manager's team is the manager (who may work
 *   leads personally) and everyone below; people who left stay in it, so the quarter keeps their
 *   sales.
 * - quota: the sum of the quotas of the sellers (people nobody reports to) in the set. A manager's
 *   own quota is normally that same sum set one level up, so adding it would count it twice; it is
 *   used only when no seller below has a quota at all. null when nobody has one.
 */
export interface MemberSet {
  /** The person the line is about. */
  id: string;
  memberIds: string[];
  sellerIds: string[];
  quota: number | null;
}

function sumQuota(reps: readonly Rep[]): number | null {
  const quotas = reps.flatMap((rep) => (rep.quota === undefined ? [] : [rep.quota]));
  return quotas.length === 0 ? null : quotas.reduce((a, b) => a + b, 0);
}

/** A person's whole team (everyone below them, and them); a seller's team is the seller. */
export function teamSet(tree: OrgTree, rep: Rep): MemberSet {
  const below = tree.subtree(rep.id);
  if (below.length === 0) {
    return { id: rep.id, memberIds: [rep.id], sellerIds: [rep.id], quota: rep.quota ?? null };
  }
  const sellers = below.filter((member) => tree.level(member.id) === 0);
  return {
    id: rep.id,
    memberIds: [rep.id, ...below.map((member) => member.id)],
    sellerIds: sellers.map((seller) => seller.id),
    quota: sumQuota(sellers) ?? rep.quota ?? null,
  };
}

/**
 * Only what a person holds and sells themselves. A manager's own leads carry no quota of their
 * own (the team's quota already covers them), so a manager's own line has none.
 */
export function ownSet(tree: OrgTree, rep: Rep): MemberSet {
  const seller = tree.level(rep.id) === 0;
  return {
    id: rep.id,
    memberIds: [rep.id],
    sellerIds: seller ? [rep.id] : [],
    quota: seller ? (rep.quota ?? null) : null,
  };
}
