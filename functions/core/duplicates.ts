import { fieldValue } from "./conditions";
import type { AssignDecision } from "./decisions";
import type { Lead } from "./records/lead";
import { findFunnel, findStage, type RuleSet } from "./rules/rule-set";

/** Case, spaces and punctuation do not make two companies or phone numbers different. */
function normalise(value: unknown): string {
  return String(value)
    .toLowerCase()
    .replace(/[\s\-()（）.,，_+/]/g, "");
}

/**
 * The duplicate-match keys of a lead, one per `duplicates.matchOn` entry whose fields the lead has
 * (e.g. `company=acmetrading`, `contact.phone=13812345678`).
 */
/** Longest match key kept as it is; DynamoDB's partition keys end at 2,048 bytes. */
const MAX_KEY_CHARS = 300;

/** A long key (a pasted paragraph as the company) as its start plus a hash of the whole. */
function bounded(key: string): string {
  if (key.length <= MAX_KEY_CHARS) return key;
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < key.length; i += 1) {
    a = Math.imul(a ^ key.charCodeAt(i), 0x01000193);
    b = Math.imul(b ^ key.charCodeAt(i), 0x5bd1e995);
  }
  const hash = `${(a >>> 0).toString(36)}${(b >>> 0).toString(36)}`;
  return `${key.slice(0, 200)}~${hash}`;
}

export function matchKeys(rules: RuleSet, lead: Lead): string[] {
  const sets = rules.distribution.duplicates?.matchOn ?? [];
  const keys: string[] = [];
  for (const fields of sets) {
    const values = fields.map((field) => fieldValue(lead, field));
    if (values.some((v) => v === undefined || v === null || normalise(v) === "")) continue;
    keys.push(bounded(`${fields.join("+")}=${values.map(normalise).join("|")}`));
  }
  return keys;
}

export function isOpen(rules: RuleSet, lead: Lead): boolean {
  const funnel = findFunnel(rules, lead.funnel);
  const stage = funnel && findStage(funnel, lead.stage);
  return stage !== undefined && stage.terminal === undefined;
}

/**
 * What one lead change does to the duplicate index: a lead is registered under its keys while it is
 * open. Nothing is written when neither the keys nor openness changed, which is most stage changes,
 * so the stream path spends no writes on it then; a redelivered change computes the same answer.
 */
export function matchIndexChanges(
  rules: RuleSet,
  before: Lead | undefined,
  after: Lead,
): { put: string[]; remove: string[] } {
  const was = before === undefined || !isOpen(rules, before) ? [] : matchKeys(rules, before);
  const now = isOpen(rules, after) ? matchKeys(rules, after) : [];
  const unchanged =
    before !== undefined && was.length === now.length && was.every((key, i) => key === now[i]);
  if (unchanged) return { put: [], remove: [] };
  return { put: now, remove: was.filter((key) => !now.includes(key)) };
}

/**
 * The open, owned lead a new lead duplicates: the oldest among the candidates sharing a match key
 * (the customer's first registration keeps it).
 */
export function pickDuplicate(rules: RuleSet, lead: Lead, candidates: Lead[]): Lead | undefined {
  return candidates
    .filter(
      (c) =>
        c.id !== lead.id &&
        c.owner !== undefined &&
        isOpen(rules, c) &&
        c.duplicateOf === undefined,
    )
    .sort((a, b) =>
      (a.createdAt ?? a.id).toString().localeCompare((b.createdAt ?? b.id).toString()),
    )[0];
}

/** A new lead that duplicates an open lead goes to that lead's owner, linked (the reason says why). */
export function duplicateAssignment(
  rules: RuleSet,
  lead: Lead,
  duplicate: Lead & { owner: string },
): AssignDecision {
  const keys = matchKeys(rules, lead);
  const same = matchKeys(rules, duplicate)
    .filter((k) => keys.includes(k))
    .map((k) => k.split("=")[0])
    .join(" and ");
  return {
    kind: "assign",
    leadId: lead.id,
    repId: duplicate.owner,
    via: "duplicate",
    reason: `duplicate of ${duplicate.id} (same ${same}): goes to its owner ${duplicate.owner}, linked`,
  };
}
