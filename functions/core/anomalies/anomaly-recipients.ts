import { managersOf, type Rep } from "../records/rep";
import type { Recipient } from "../rules/rule-schema";

/** domain.md §5: "anomalies managers must be told about", so the manager hears when rules say nobody. */
export const DEFAULT_ANOMALY_NOTIFY: readonly Recipient[] = ["manager"];

/**
 * Who hears about an anomaly of `subjectId` (a rep, or the manager whose team it is): "owner" is the
 * subject, "manager" the subject's manager, "managers-manager" the one above. People who left are
 * skipped. When the chain names nobody (the head's own team, a rep without a manager) the subject
 * is told, so no anomaly goes unreported.
 */
export function anomalyRecipients(
  subjectId: string,
  notify: readonly Recipient[],
  reps: ReadonlyMap<string, Rep>,
): string[] {
  const chain = managersOf(subjectId, reps);
  const pick = (who: Recipient): Rep | undefined =>
    who === "owner" ? reps.get(subjectId) : who === "manager" ? chain[0] : chain[1];
  const ids: string[] = [];
  for (const who of notify) {
    const rep = pick(who);
    if (rep !== undefined && rep.status !== "left" && !ids.includes(rep.id)) ids.push(rep.id);
  }
  if (ids.length > 0) return ids;
  const subject = reps.get(subjectId);
  return subject === undefined || subject.status === "left" ? [] : [subject.id];
}
