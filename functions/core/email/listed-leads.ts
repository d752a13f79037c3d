/**
 * Leads one email lists at most. A departure can hand over tens of thousands of leads and a head of
 * sales can have thousands overdue: listed in full, such an email is unreadable on a phone and its
 * outbox item passes DynamoDB's 400 KB item limit (npm run bench found it). The count in the
 * subject and intro stays the whole number; the rest is said in one closing line.
 */
export const LISTED_LEADS = 100;

export function listed<T>(items: readonly T[]): { shown: T[]; hidden: number } {
  return {
    shown: items.slice(0, LISTED_LEADS),
    hidden: Math.max(0, items.length - LISTED_LEADS),
  };
}
