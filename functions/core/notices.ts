import type { AssignDecision, Decision, EntryCheckDecision } from "./decisions";
import { addressEmail } from "./email/address-email";
import { messages } from "./email/messages";
import { renderNotice } from "./email/notice-email";
import type { Lead } from "./records/lead";
import { headOf, managersOf, type Rep } from "./records/rep";
import { findFunnel, findStage, labelText, type RuleSet } from "./rules/rule-set";

function stageLabel(rules: RuleSet, funnelId: string | undefined, stageId: string): string {
  const funnel = findFunnel(rules, funnelId);
  const stage = funnel && findStage(funnel, stageId);
  return stage ? labelText(stage.label, rules.settings.locale) : stageId;
}

const leadTitle = (lead: Lead) => lead.name ?? lead.company ?? lead.id;

/** Who hears about a lead without an owner: its pool's manager, else the head of the organisation. */
export function poolManager(
  rules: RuleSet,
  pool: string | undefined,
  reps: ReadonlyMap<string, Rep>,
): Rep | undefined {
  const id = pool === undefined ? undefined : rules.pools.get(pool)?.manager;
  return (id === undefined ? undefined : reps.get(id)) ?? headOf(reps);
}

/** The owner and the owner's manager are told which required fields are missing. */
export function entryCheckEmails(
  rules: RuleSet,
  check: EntryCheckDecision,
  lead: Lead,
  reps: ReadonlyMap<string, Rep>,
): Decision[] {
  const m = messages[rules.settings.locale];
  const owner = check.owner === undefined ? undefined : reps.get(check.owner);
  const recipients = owner
    ? [owner, managersOf(owner.id, reps)[0]]
    : [poolManager(rules, lead.pool, reps)];
  const stage = stageLabel(rules, check.funnel, check.stage);
  return recipients.map((recipient, i) =>
    addressEmail(
      recipient,
      `entry#${check.leadId}#${check.enteredAt}#${recipient?.id ?? i}`,
      (r) =>
        renderNotice(rules, {
          subject: m.entryCheckSubject(leadTitle(lead), stage),
          intro: m.entryCheckIntro(r.name, leadTitle(lead), stage),
          items: [{ title: leadTitle(lead), lines: [m.missingFields(check.missing.join(", "))] }],
        }),
      check.reason,
      [check.leadId],
    ),
  );
}

/**
 * The people a `notify: [manager, head]` list names: the given manager (else the head) and the
 * head, each once. An empty list would tell nobody, so it falls back to the manager.
 */
function peopleToTell(
  notify: readonly ("manager" | "head")[],
  manager: Rep | undefined,
  reps: ReadonlyMap<string, Rep>,
): (Rep | undefined)[] {
  const people = (notify.length === 0 ? ["manager" as const] : notify).map((who) =>
    who === "head" ? headOf(reps) : (manager ?? headOf(reps)),
  );
  return people.filter((rep, i) => people.findIndex((r) => r?.id === rep?.id) === i);
}

/** The pool's manager (or whoever whenNoRep.notify names) hears once per pool per day. */
export function noRepEmail(
  rules: RuleSet,
  assignment: AssignDecision,
  lead: Lead,
  reps: ReadonlyMap<string, Rep>,
  now: number,
): Decision[] {
  const m = messages[rules.settings.locale];
  const pool = assignment.pool ?? "unassigned";
  const poolLabel = labelText(rules.pools.get(pool)?.label ?? pool, rules.settings.locale);
  const notify = rules.distribution.whenNoRep?.notify ?? ["manager"];
  return peopleToTell(notify, poolManager(rules, pool, reps), reps).map((recipient) =>
    addressEmail(
      recipient,
      `no-rep#${pool}#${rules.calendar.localDate(now)}#${recipient?.id ?? "nobody"}`,
      (r) =>
        renderNotice(rules, {
          subject: m.noRepSubject(poolLabel),
          intro: m.noRepIntro(r.name, poolLabel),
          items: [{ title: leadTitle(lead), lines: [assignment.reason] }],
        }),
      assignment.reason,
      [lead.id],
    ),
  );
}

/** One lead a departure moved, as the journal keeps it for the handoff emails. */
export interface HandoffEntry {
  leadId: string;
  title: string;
  funnel?: string;
  stage: string;
  amount: number;
  enteredAt?: string;
  to: string | null;
  pool?: string;
}

/** A moved lead as the handoff emails list it: where it is now, owner or pool. */
export function handoffEntry(lead: Lead): HandoffEntry {
  return {
    leadId: lead.id,
    title: lead.name ?? lead.company ?? lead.id,
    funnel: lead.funnel,
    stage: lead.stage,
    amount: lead.amount ?? 0,
    enteredAt: lead.stageEnteredAt,
    to: lead.owner ?? null,
    pool: lead.owner === undefined ? lead.pool : undefined,
  };
}

/**
 * The complete data handoff (domain.md §3): the leaver's manager gets everything that moved, each
 * receiving rep what they received; one email each, listing lead, stage, amount, days in stage and
 * the new owner.
 */
export function handoffEmails(
  rules: RuleSet,
  leaver: Rep,
  moves: HandoffEntry[],
  reps: ReadonlyMap<string, Rep>,
  departureId: string,
  now: number,
): Decision[] {
  const m = messages[rules.settings.locale];
  const money = new Intl.NumberFormat(rules.settings.locale, {
    style: "currency",
    currency: rules.settings.currency,
    maximumFractionDigits: 0,
  });
  const item = (move: HandoffEntry) => {
    const days =
      move.enteredAt === undefined
        ? "?"
        : rules.calendar.elapsed(Date.parse(move.enteredAt), now, "day").toFixed(1);
    const owner = ownerName(move);
    return {
      title: move.title,
      lines: [
        m.handoffLine(
          stageLabel(rules, move.funnel, move.stage),
          days,
          money.format(move.amount),
          owner,
        ),
      ],
    };
  };
  const ownerName = (move: HandoffEntry) =>
    move.to === null ? `${move.pool ?? "pool"}` : (reps.get(move.to)?.name ?? move.to);
  // The overseers' email counts every lead by receiver, so it shows the handover complete even
  // when the list below stops at the first leads.
  const shares = (list: HandoffEntry[]) => {
    const byOwner = new Map<string, { count: number; amount: number }>();
    for (const move of list) {
      const share = byOwner.get(ownerName(move)) ?? { count: 0, amount: 0 };
      share.count += 1;
      share.amount += move.amount;
      byOwner.set(ownerName(move), share);
    }
    return [...byOwner]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([owner, s]) => m.handoffShare(owner, s.count, money.format(s.amount)));
  };
  const email = (recipient: Rep | undefined, list: HandoffEntry[], role: string) =>
    addressEmail(
      recipient,
      `handoff#${leaver.id}#${departureId}#${recipient?.id ?? role}`,
      (r) =>
        renderNotice(rules, {
          subject: m.handoffSubject(leaver.name, list.length),
          intro: m.handoffIntro(r.name, leaver.name, list.length),
          summary: role === "manager" ? shares(list) : undefined,
          // The most valuable first, so a long handoff lists what matters before it stops.
          items: [...list]
            .sort((a, b) => b.amount - a.amount || a.leadId.localeCompare(b.leadId))
            .map(item),
        }),
      `handoff of ${list.length} lead(s) from ${leaver.id} (${role})`,
      list.map((e) => e.leadId),
    );
  const notify = rules.distribution.whenRepLeaves?.notify ?? ["manager"];
  const chain = managersOf(leaver.id, reps);
  // alerts.repLeft (意外状态 6) names who else must see that the handover is complete.
  const alsoTold = (rules.alerts.repLeft?.notify ?? []).map((who) =>
    who === "manager" ? chain[0] : who === "managers-manager" ? chain[1] : undefined,
  );
  const overseers = [...peopleToTell(notify, chain[0], reps), ...alsoTold].filter(
    (rep, i, all): rep is Rep | undefined =>
      (rep !== undefined || i < all.length - alsoTold.length) &&
      all.findIndex((r) => r?.id === rep?.id) === i,
  );
  const decisions: Decision[] = overseers.map((rep) => email(rep, moves, "manager"));
  const byReceiver = new Map<string, HandoffEntry[]>();
  for (const move of moves)
    if (move.to !== null) byReceiver.set(move.to, [...(byReceiver.get(move.to) ?? []), move]);
  for (const [repId, list] of byReceiver) {
    if (overseers.some((r) => r?.id === repId)) continue; // their email already lists everything
    decisions.push(email(reps.get(repId), list, "receiver"));
  }
  return decisions;
}
