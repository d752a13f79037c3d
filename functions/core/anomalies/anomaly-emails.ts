import type { EmailDecision, UndeliverableDecision } from "../decisions";
import { addressEmail } from "../email/address-email";
import { renderAnomalyDigest } from "../email/anomaly-digest";
import type { Rep } from "../records/rep";
import type { RuleSet } from "../rules/rule-set";
import type { AnomalyDecision } from "./anomaly-decision";

/**
 * One digest per recipient per run, never one email per anomaly. The key names the run and the
 * recipient, so a retried run (same runId) queues nothing new.
 */
export function anomalyEmails(
  rules: RuleSet,
  anomalies: readonly AnomalyDecision[],
  reps: ReadonlyMap<string, Rep>,
  runId: string,
): (EmailDecision | UndeliverableDecision)[] {
  const byRecipient = new Map<string, AnomalyDecision[]>();
  const untold: AnomalyDecision[] = [];
  for (const anomaly of anomalies) {
    if (anomaly.recipients.length === 0) untold.push(anomaly);
    for (const id of anomaly.recipients)
      byRecipient.set(id, [...(byRecipient.get(id) ?? []), anomaly]);
  }
  const emails: (EmailDecision | UndeliverableDecision)[] = [...byRecipient]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([id, group]) =>
      addressEmail(
        reps.get(id),
        `anomalies#${runId}#${id}`,
        (recipient) => renderAnomalyDigest(rules, recipient, group, reps),
        `${group.length} anomal${group.length === 1 ? "y" : "ies"} for ${id}`,
        [],
      ),
    );
  for (const anomaly of untold) {
    emails.push({
      kind: "undeliverable",
      recipientId: null,
      leadIds: [],
      reason: `nobody to tell about ${anomaly.anomaly} of ${anomaly.scope} ${anomaly.subjectId}: ${anomaly.reason}`,
    });
  }
  return emails;
}
