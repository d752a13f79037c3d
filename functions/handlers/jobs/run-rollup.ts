import type { DrainResult } from "../../adapters/outbox";
import type { OwnerIndex } from "../../adapters/owner-index";
import type { Runtime } from "../../adapters/runtime";
import type { Decision } from "../../core/decisions";
import { addressEmail } from "../../core/email/address-email";
import { orgTree } from "../../core/org-tree";
import type { Lead } from "../../core/records/lead";
import type { Rep } from "../../core/records/rep";
import { type DueRollup, dueRollups } from "../../core/rollup/cadence";
import { opportunityStageOf } from "../../core/rollup/funnel-roles";
import { teamSet } from "../../core/rollup/member-set";
import { renderRollup } from "../../core/rollup/render-rollup";
import { type RollupData, rollupData } from "../../core/rollup/rollup-data";
import {
  alreadySentDecision,
  type RollupDecision,
  rollupEmailKey,
} from "../../core/rollup/rollup-decision";
import { buildRollupReport } from "../../core/rollup/rollup-report";
import { reportedWeek, weeksToRead } from "../../core/rollup/rollup-weeks";
import { takeSnapshots } from "../../core/rollup/snapshot";
import { addDays } from "../../core/time/week";

/**
 * The team's largest leads in each funnel's opportunity stage, read from byOwner only for members
 * the aggregates say hold some there, and at most `limit` per member (a team's top N is among its
 * members' top N, and byOwner lists a stage largest amount first); each member's read is shared by
 * every report that includes them.
 */
function opportunityReader(owners: OwnerIndex, limit: number) {
  const reads = new Map<string, Promise<Lead[]>>();
  return async (data: RollupData, manager: Rep): Promise<Lead[]> => {
    const { funnels } = data.rules;
    const wanted: Promise<Lead[]>[] = [];
    for (const memberId of teamSet(data.tree, manager).memberIds) {
      for (const row of data.holdingsOf(memberId)) {
        const funnel = funnels.find((f) => f.id === row.funnel);
        if (funnel === undefined || row.count <= 0) continue;
        if (opportunityStageOf(funnel)?.id !== row.stage) continue;
        const key = `${memberId}#${row.funnel}#${row.stage}`;
        let read = reads.get(key);
        if (read === undefined) {
          read = owners.inStage(memberId, row.funnel, row.stage, funnel === funnels[0], limit);
          reads.set(key, read);
        }
        wanted.push(read);
      }
    }
    return (await Promise.all(wanted)).flat();
  };
}

/**
 * The weekly roll-up (rules: reports.rollup). On each run: the managers whose cadence day it is;
 * the reported week's snapshot of every person (written by the first run after the week, kept by
 * later ones); one email per due manager with their subtree's figures, keyed by week and manager,
 * so a retried or repeated run sends nothing twice. It reads the reps, the aggregates, a quarter
 * of weekly flow counters, two weeks of snapshots and the due teams' largest opportunity-stage
 * leads: its cost follows the number of reps and weeks, not the number of leads.
 */
export async function runRollup(
  runtime: Runtime,
  now: number,
  runId: string,
  options: { allLevels?: boolean } = {},
): Promise<{ decisions: Decision[]; drained: DrainResult }> {
  const { rules } = runtime;
  const snapshots = runtime.snapshots;
  const week = reportedWeek(rules.calendar, now);
  const reps = await runtime.reps.all();
  const tree = orgTree(reps);
  const schedule = rules.schedules.find((s) => s.job === "rollup");
  const due = dueRollups(rules, reps, tree, now, {
    skipsNonWorkingDays: schedule?.workingDaysOnly ?? false,
    allLevels: options.allLevels ?? false,
  });

  const decisions: Decision[] = [];
  const pending: DueRollup[] = [];
  for (const rollup of due) {
    const sent = await runtime.outbox.get(rollupEmailKey(week, rollup.manager.id));
    if (sent === undefined) pending.push(rollup);
    else decisions.push(alreadySentDecision(rollup, week, runId));
  }

  let current = await snapshots.week(week);
  const missing = new Set([...reps.keys()].filter((id) => !current.has(id)));
  if (pending.length > 0 || missing.size > 0) {
    const base = {
      rules,
      reps,
      holdings: await runtime.aggregates.all(),
      flows: await runtime.flows.weeks(weeksToRead(week)),
      week,
    };
    const fresh = takeSnapshots(rollupData(base), new Date(now).toISOString(), (id) =>
      missing.has(id),
    );
    const written = await snapshots.putNew(fresh, now);
    // A concurrent run may have written some first: the stored ones are the week's figures.
    if (fresh.length > 0) current = await snapshots.week(week);
    decisions.push({
      kind: "rollup-snapshot",
      week,
      written,
      kept: reps.size - written,
      reason: `week ${week}: ${written} snapshots written, ${reps.size - written} taken earlier`,
    } satisfies RollupDecision);

    const data = rollupData({
      ...base,
      snapshots: { current, previous: await snapshots.week(addDays(week, -7)) },
    });
    const topN = rules.reports.rollup?.topOpportunities ?? 5;
    const readOpportunities = opportunityReader(runtime.owners, topN);
    const listsOpportunities = topN > 0;
    for (const rollup of pending) {
      const leads = listsOpportunities ? await readOpportunities(data, rollup.manager) : [];
      const report = buildRollupReport(data, rollup.manager, rollup.level, { leads, now });
      const key = rollupEmailKey(week, rollup.manager.id);
      const reason = `${rollup.reason}: roll-up of week ${week}, ${report.team.set.memberIds.length} people`;
      const email = addressEmail(
        rollup.manager,
        key,
        () => renderRollup(rules, report),
        reason,
        [],
      );
      const queued = email.kind === "email" && (await runtime.outbox.enqueue(email, now));
      decisions.push({
        kind: "rollup",
        managerId: rollup.manager.id,
        level: rollup.level,
        week,
        emailKey: key,
        outcome: email.kind !== "email" ? "undeliverable" : queued ? "queued" : "already-sent",
        figures: {
          forecast: report.team.forecast,
          salesQuarter: report.team.sales.quarter,
          quota: report.team.quota,
          progress: report.team.progress.value,
        },
        reason,
      } satisfies RollupDecision);
      if (email.kind !== "email" || queued) decisions.push(email);
    }
  }

  for (const decision of decisions) runtime.report(decision, { source: "rollup" });
  const drained = await runtime.outbox.drain(Math.max(now, runtime.clock.now()));
  return { decisions, drained };
}
