import type { EmailDecision, UndeliverableDecision } from "../decisions";
import { type Rep, undeliverableBecause } from "../records/rep";
import type { RenderedEmail } from "./dwell-digest";

/** An email to a person, or an explicit undeliverable decision when there is nobody to send it to. */
export function addressEmail(
  recipient: Rep | undefined,
  key: string,
  render: (recipient: Rep) => RenderedEmail,
  reason: string,
  leadIds: string[],
): EmailDecision | UndeliverableDecision {
  const refused = recipient && undeliverableBecause(recipient);
  if (recipient === undefined || recipient.email === undefined || refused !== undefined) {
    return {
      kind: "undeliverable",
      recipientId: recipient?.id ?? null,
      leadIds,
      reason: recipient === undefined ? `nobody to tell: ${reason}` : (refused as string),
    };
  }
  return {
    kind: "email",
    key,
    recipientId: recipient.id,
    to: [recipient.email],
    ...render(recipient),
    reason,
  };
}
