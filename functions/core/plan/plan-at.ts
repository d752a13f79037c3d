import { anomalyRunWeeks, decideAnomalyRun } from "../anomalies/anomaly-run";
import type { HoldingRow } from "../anomalies/funnel-shape";
import type { FlowRowInput } from "../anomalies/window-totals";
import { decideRelease } from "../cold-release";
import type {
  AggregateDelta,
  AssignDecision,
  Decision,
  DwellActionDecision,
  DwellAlertDecision,
} from "../decisions";
import { decideDeparture } from "../departure";
import { decideAssignment } from "../distribution/decide-assignment";
import { loadsFromHoldings, type RepLoad } from "../distribution/rep-load";
import { duplicateAssignment, isOpen, matchKeys, pickDuplicate } from "../duplicates";
import { iso } from "../dwell-timer";
import { addressEmail } from "../email/address-email";
import type { FlowDelta } from "../flow";
import { gradeLead } from "../grade-lead";
import { moveCounts } from "../holding";
import { decideLeadChange, needsAssignment } from "../lead-change";
import {
  entryCheckEmails,
  type HandoffEntry,
  handoffEmails,
  handoffEntry,
  noRepEmail,
} from "../notices";
import { orgTree } from "../org-tree";
import type { Lead } from "../records/lead";
import { RecordError } from "../records/record-error";
import type { Rep } from "../records/rep";
import { dueRollups } from "../rollup/cadence";
import { opportunityStageOf } from "../rollup/funnel-roles";
import { teamSet } from "../rollup/member-set";
import { renderRollup } from "../rollup/render-rollup";
import { type RollupData, rollupData } from "../rollup/rollup-data";
import { alreadySentDecision, rollupEmailKey } from "../rollup/rollup-decision";
import { buildRollupReport } from "../rollup/rollup-report";
import { reportedWeek, weeksToRead } from "../rollup/rollup-weeks";
import { takeSnapshots } from "../rollup/snapshot";
import { findFunnel, findStage, type RuleSet, withFunnel } from "../rules/rule-set";
import { decideSweep } from "../sweep";
import { nextFireTimes, shouldRunOn } from "../time/schedule";
import { addDays } from "../time/week";
import type {
  JobPlan,
  Plan,
  PlanJob,
  PlannableDecision,
  PlannedDecision,
  PlanRecords,
} from "./plan-types";

type Schedule = RuleSet["schedules"][number];

/** The weeks of flow counters and of roll-up snapshots a plan at `at` under `rules` reads. */
export function planWeeks(rules: RuleSet, at: number): { flows: string[]; snapshots: string[] } {
  const week = reportedWeek(rules.calendar, at);
  return {
    flows: [...new Set([...anomalyRunWeeks(rules, at), ...weeksToRead(week)])].sort(),
    snapshots: [addDays(week, -7), week],
  };
}

/** The outbox keys the roll-up looks up before sending: one per manager for the reported week. */
export function planOutboxKeys(
  rules: RuleSet,
  reps: ReadonlyMap<string, Rep>,
  at: number,
): string[] {
  const week = reportedWeek(rules.calendar, at);
  return orgTree(reps)
    .managers()
    .map((manager) => rollupEmailKey(week, manager.id));
}

/**
 * What the engine will do at `at` with these records under these rules, without writing anything:
 * the same core decisions the Lambdas take, applied to an in-memory copy of the records in the
 * order the engine would meet them.
 *
 * 1. The stream: a rep who has left but still owns leads is a departure not yet carried out; a
 *    lead the engine has not processed yet (no `counted`) is graded, timed and distributed as its
 *    stream record would be; a lead with neither owner nor pool in an open stage is distributed.
 * 2. Each scheduled job (release-cold, sweep, anomalies, rollup) as if its schedule fired at `at`
 *    (skipped on a day its schedule skips), each seeing what the jobs before it changed: a
 *    released lead is distributed again, a dwell action reassigns or abandons, the aggregates and
 *    flow counters move with every simulated write, so the anomalies and the roll-up see them.
 *
 * Dwell alerts are evaluated for every lead in an open stage, not only those whose stored timer
 * is due: a stored timer was computed by the rules in force when the lead entered its stage, so a
 * rule change shows its effect here at once; the notes count the alerts the sweep will send later,
 * when those timers come due. Transitions, ledger entries and timers are history and bookkeeping,
 * so the plan leaves them out.
 */
export function planAt(rules: RuleSet, records: PlanRecords, at: number): Plan {
  const sim = new Simulation(rules, records, at);
  const jobs: JobPlan[] = [sim.stream()];
  for (const job of ["release-cold", "sweep", "anomalies", "rollup"] as const) {
    const { plan, schedule } = jobPlan(rules, job, at);
    if (schedule !== undefined && plan.status === "runs") {
      const summary = sim.run(job, schedule);
      if (summary !== undefined) plan.reason = `${plan.reason}; ${summary}`;
    }
    jobs.push(plan);
  }
  return {
    at: iso(at),
    jobs,
    decisions: sim.result(),
    notes: [...(records.notes ?? []), ...sim.notes],
  };
}

function jobPlan(
  rules: RuleSet,
  job: Exclude<PlanJob, "stream">,
  at: number,
): { plan: JobPlan; schedule?: Schedule } {
  const schedule = rules.schedules.find((s) => s.job === job);
  if (schedule === undefined) {
    return {
      plan: {
        job,
        status: "not-scheduled",
        reason: `no schedule of the rules runs the ${job} job`,
      },
    };
  }
  const next = nextFireTimes(
    {
      cron: schedule.cron,
      timeZone: rules.timeZone,
      workingDaysOnly: schedule.workingDaysOnly,
      calendar: rules.calendar,
    },
    at - 1,
    1,
  )[0];
  const base = {
    job,
    scheduleId: schedule.id,
    cron: schedule.cron,
    nextRunAt: next === undefined ? undefined : iso(next),
  };
  if (!shouldRunOn(rules.calendar, at, schedule.workingDaysOnly)) {
    return {
      plan: {
        ...base,
        status: "skipped",
        reason: `${rules.calendar.localDate(at)} is not a working day and ${schedule.id} runs on working days only`,
      },
      schedule,
    };
  }
  return {
    plan: { ...base, status: "runs", reason: `as if ${schedule.id} (${schedule.cron}) ran now` },
    schedule,
  };
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

const holdingKey = (row: { repId: string; funnel: string; stage: string }) =>
  `${row.repId}\u0000${row.funnel}\u0000${row.stage}`;

const flowKey = (row: { repId: string; week: string; funnel: string; stage: string }) =>
  `${row.repId}\u0000${row.week}\u0000${row.funnel}\u0000${row.stage}`;

const ofKind = <K extends Decision["kind"]>(decisions: Decision[], kind: K) =>
  decisions.find((d): d is Extract<Decision, { kind: K }> => d.kind === kind);

/** The lead's dwell check on the byDue index, as stored: `DWELL#<shard>` / `<time>#<id>`. */
function storedDwellTimer(lead: Lead): string | null {
  const pk = lead.duePk;
  const sk = lead.dueSk;
  if (typeof pk !== "string" || !pk.startsWith("DWELL#") || typeof sk !== "string") return null;
  return sk.slice(0, sk.lastIndexOf("#"));
}

/** An in-memory copy of the records that the simulated writes change, as the adapters would. */
class Simulation {
  readonly notes: string[] = [];
  private readonly leads = new Map<string, Lead>();
  private readonly holdings = new Map<string, HoldingRow>();
  private readonly flows = new Map<string, FlowRowInput>();
  private readonly cursors: Map<string, string>;
  /** Each lead's stored dwell check (ISO time), null for none. */
  private readonly timers = new Map<string, string | null>();
  /** Open leads by duplicate-match key, as the MATCH# items hold them. */
  private readonly matches = new Map<string, Set<string>>();
  private readonly keysOf = new Map<string, string[]>();
  private readonly decisions: PlannedDecision[] = [];

  constructor(
    private readonly rules: RuleSet,
    private readonly records: PlanRecords,
    private readonly at: number,
  ) {
    for (const lead of [...records.leads].sort(byId)) {
      this.timers.set(lead.id, storedDwellTimer(lead));
      this.store(lead);
    }
    for (const row of records.holdings) this.holdings.set(holdingKey(row), { ...row });
    for (const row of records.flows)
      this.flows.set(flowKey(row), { ...row, counts: { ...row.counts } });
    this.cursors = new Map(records.cursors);
    for (const item of records.unreadable) {
      this.emit("stream", [{ kind: "record-problem", recordId: item.key, reason: item.reason }]);
    }
  }

  private get reps(): ReadonlyMap<string, Rep> {
    return this.records.reps;
  }

  /** The planned decisions, each record problem once. */
  result(): PlannedDecision[] {
    const seen = new Set<string>();
    return this.decisions.filter((d) => {
      if (d.kind !== "record-problem") return true;
      const key = `${d.recordId}\u0000${d.reason}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  // -------------------------------------------------------------------------------------------
  // The stream

  /** Departures not carried out yet, then the leads whose stream records are still to come. */
  stream(): JobPlan {
    const leavers = [...this.reps.values()]
      .filter((rep) => rep.status === "left")
      .sort(byId)
      .map((leaver) => ({ leaver, owned: this.ownedBy(leaver.id) }))
      .filter((departure) => departure.owned.length > 0);
    for (const { leaver, owned } of leavers) this.departure(leaver, owned);

    let unprocessed = 0;
    let waiting = 0;
    for (const id of [...this.leads.keys()]) {
      const lead = this.leads.get(id);
      if (lead === undefined) continue;
      if (lead.counted === undefined) {
        unprocessed += 1;
        this.streamRecord("stream", undefined, lead);
      } else if (needsAssignment(this.rules, withFunnel(this.rules, lead))) {
        waiting += 1;
        this.distributeWaiting(lead);
      }
    }
    const parts = [
      leavers.length > 0
        ? `${leavers.length} rep(s) who left still own ${leavers.reduce((n, d) => n + d.owned.length, 0)} lead(s)`
        : undefined,
      unprocessed > 0 ? `${unprocessed} lead(s) not processed by the engine yet` : undefined,
      waiting > 0 ? `${waiting} lead(s) waiting for an owner` : undefined,
    ].filter((part) => part !== undefined);
    return {
      job: "stream",
      status: "runs",
      reason: parts.length === 0 ? "no change waiting for the stream" : parts.join("; "),
    };
  }

  private ownedBy(repId: string): Lead[] {
    return [...this.leads.values()]
      .filter((lead) => lead.owner === repId)
      .map((lead) => withFunnel(this.rules, lead));
  }

  /** A rep marked as left: every lead they own moves by the rules, then the handoff emails. */
  private departure(leaver: Rep, owned: Lead[]): void {
    const { rules, at } = this;
    const moves = decideDeparture(rules, leaver, owned, {
      reps: this.reps,
      loads: this.loads(),
      cursors: this.cursors,
      now: at,
    });
    const byLead = new Map(owned.map((lead) => [lead.id, lead]));
    const journal: HandoffEntry[] = [];
    for (const move of moves) {
      const lead = byLead.get(move.leadId);
      if (lead === undefined) continue;
      const after: Lead = { ...lead, counted: move.counted.to, version: (lead.version ?? 0) + 1 };
      if (move.to !== null) after.owner = move.to;
      else {
        delete after.owner;
        after.pool = move.pool ?? "unassigned";
      }
      this.applyDeltas(move.deltas);
      this.emit("stream", [move]);
      journal.push(handoffEntry(after));
      this.streamRecord("stream", lead, after);
    }
    this.emit("stream", handoffEmails(rules, leaver, journal, this.reps, `plan@${iso(at)}`, at));
  }

  /** A processed lead left without owner and pool (a writer took the owner away): distributed. */
  private distributeWaiting(lead: Lead): void {
    let named = withFunnel(this.rules, lead);
    if (named.grade === undefined) {
      const grade = gradeLead(this.rules, named);
      this.emit("stream", [grade]);
      named = { ...named, grade: grade.grade, gradeRule: grade.rule };
      this.store(named);
    }
    this.assign("stream", named);
  }

  /**
   * One write of a lead as the stream handler meets it: the core decides, and the engine-owned
   * attributes, the aggregates and the flow counters change as the lead store would change them;
   * then the follow-ups (entry-check emails, distribution of a lead with neither owner nor pool).
   */
  private streamRecord(job: PlanJob, before: Lead | undefined, after: Lead): void {
    const { rules } = this;
    let decisions: Decision[];
    try {
      decisions = decideLeadChange(rules, { before, after, at: this.at });
    } catch (error) {
      if (!(error instanceof RecordError)) throw error;
      this.emit(job, [{ kind: "record-problem", recordId: error.recordId, reason: error.message }]);
      this.store(after);
      return;
    }
    const grade = ofKind(decisions, "grade");
    const ledger = ofKind(decisions, "ledger");
    const transition = ofKind(decisions, "transition");
    const cold = ofKind(decisions, "cold");
    const sale = ofKind(decisions, "sale");
    const lead: Lead = { ...after };
    if (grade !== undefined) {
      lead.grade ??= grade.grade;
      lead.gradeRule ??= grade.rule;
    }
    if (ledger !== undefined) {
      for (const [attribute, value] of Object.entries(ledger.restore ?? {}))
        if (lead[attribute] === undefined) lead[attribute] = value;
      if (transition !== undefined) {
        lead.stageEnteredAt = transition.enteredAt;
        lead.dwellLevel = 0;
        delete lead.dwellActions;
        delete lead.dwellRemindedAt;
        lead.lastTransitionAt = transition.at;
        lead.stagesSeen = transition.stagesSeen;
        if (transition.dueAt === null) delete lead.dueAt;
        else lead.dueAt = transition.dueAt;
        if (cold === undefined) this.timers.set(lead.id, transition.nextCheckAt);
      }
      if (cold !== undefined) {
        delete lead.owner;
        if (cold.previousOwner === undefined) delete lead.previousOwner;
        else lead.previousOwner = cold.previousOwner;
        lead.pool = cold.pool;
        lead.coldUntil = cold.coldUntil;
        lead.version = (lead.version ?? 0) + 1;
        this.timers.set(lead.id, null);
      } else if (lead.owner !== undefined && lead.pool !== undefined) {
        delete lead.pool;
        delete lead.coldUntil;
      }
      if (sale !== undefined) {
        lead.soldAt = sale.soldAt;
        lead.soldAmount = sale.amount;
        lead.outOfFunnel = sale.outOfFunnel;
        if (sale.outOfFunnel) lead.outOfFunnelReason = sale.reason;
      }
      lead.funnel ??= ledger.funnel;
      lead.counted = ledger.counted.to;
      this.applyDeltas(ledger.deltas);
      this.applyFlows(ledger.flows);
    }
    this.store(lead);
    this.emit(job, decisions);
    const named = withFunnel(rules, lead);
    const check = ofKind(decisions, "entry-check");
    if (check !== undefined) this.emit(job, entryCheckEmails(rules, check, named, this.reps));
    if (needsAssignment(rules, named)) this.assign(job, named);
  }

  /** Distribution of a lead with neither owner nor pool: its duplicate's owner, else the steps. */
  private assign(job: PlanJob, lead: Lead): void {
    const { rules, at } = this;
    const keys = matchKeys(rules, lead);
    const duplicate =
      keys.length === 0 ? undefined : pickDuplicate(rules, lead, this.matching(lead.id, keys));
    if (duplicate?.owner !== undefined) {
      const decision = duplicateAssignment(rules, lead, { ...duplicate, owner: duplicate.owner });
      this.applyAssignment(job, lead, decision, duplicate.id);
      return;
    }
    const decision = decideAssignment(rules, lead, {
      reps: this.reps,
      loads: this.loads(),
      cursors: this.cursors,
      now: at,
    });
    if (decision.cursor) this.cursors.set(decision.cursor.scope, decision.cursor.repId);
    this.applyAssignment(job, lead, decision);
    if (decision.repId === null) this.emit(job, noRepEmail(rules, decision, lead, this.reps, at));
  }

  private applyAssignment(
    job: PlanJob,
    lead: Lead,
    decision: AssignDecision,
    duplicateOf?: string,
  ): void {
    const counts = moveCounts(this.rules, lead, decision.repId);
    const after: Lead = {
      ...lead,
      assignedVia: decision.via,
      assignReason: decision.reason,
      version: (lead.version ?? 0) + 1,
      counted: counts.counted.to,
    };
    if (decision.repId !== null) after.owner = decision.repId;
    else after.pool = decision.pool;
    if (duplicateOf !== undefined) after.duplicateOf = duplicateOf;
    this.applyDeltas(counts.deltas);
    this.emit(job, [decision]);
    // The assignment is a write of the lead too: its stream record moves the flow counters.
    this.streamRecord(job, lead, after);
  }

  // -------------------------------------------------------------------------------------------
  // The scheduled jobs

  /** One job as if its schedule fired now; returns a summary for the job's line, if any. */
  run(job: Exclude<PlanJob, "stream">, schedule: Schedule): string | undefined {
    const runId = `${schedule.id}@${iso(this.at)}`;
    switch (job) {
      case "release-cold":
        this.releaseCold();
        return undefined;
      case "sweep":
        this.sweep(runId);
        return undefined;
      case "anomalies":
        return this.anomalies(runId);
      case "rollup":
        this.rollup(runId, schedule);
        return undefined;
    }
  }

  /** Cold leads whose cooldown has ended come back, and their stream records distribute them. */
  private releaseCold(): void {
    const cold = this.rules.cold;
    if (cold === undefined) return;
    for (const lead of [...this.leads.values()]) {
      if (lead.pool !== cold.pool || lead.coldUntil === undefined) continue;
      const release = decideRelease(this.rules, lead, this.at);
      if (release === undefined) continue;
      this.emit("release-cold", [release]);
      const after: Lead = {
        ...lead,
        funnel: release.funnel,
        stage: release.stage,
        stageEnteredAt: release.at,
        updatedBy: "funnel-rules (cold release)",
        gradeRule: "cold-return",
      };
      for (const attribute of ["pool", "coldUntil", "duePk", "dueSk"]) delete after[attribute];
      if (release.grade === undefined) delete after.grade;
      else after.grade = release.grade;
      this.timers.set(lead.id, null);
      this.streamRecord("release-cold", lead, after);
    }
  }

  /** Leads the sweep evaluates: entered an open stage (or one the rules do not know: a problem). */
  private sweepable(lead: Lead): boolean {
    if (lead.stageEnteredAt === undefined) return false;
    const funnel = findFunnel(this.rules, lead.funnel);
    const stage = funnel && findStage(funnel, lead.stage);
    return stage === undefined || stage.terminal === undefined;
  }

  private sweep(runId: string): void {
    const { rules, at } = this;
    const leads = [...this.leads.values()].filter((lead) => this.sweepable(lead));
    const decisions = decideSweep(rules, { leads, reps: this.reps, now: at, runId });
    this.emit("sweep", decisions);
    this.noteDeferred(decisions.filter((d): d is DwellAlertDecision => d.kind === "dwell-alert"));
    for (const action of decisions.filter(
      (d): d is DwellActionDecision => d.kind === "dwell-action",
    )) {
      const lead = this.leads.get(action.leadId);
      if (lead !== undefined) this.dwellAction(withFunnel(rules, lead), action);
    }
  }

  /** Alerts that the leads' stored timers put later than now: the sweep sends them then. */
  private noteDeferred(alerts: DwellAlertDecision[]): void {
    const now = iso(this.at);
    const later = new Map<string, string | null>();
    for (const alert of alerts) {
      const timer = this.timers.get(alert.leadId) ?? null;
      if (timer === null || timer > now) later.set(alert.leadId, timer);
    }
    if (later.size === 0) return;
    const count = alerts.filter((a) => later.has(a.leadId)).length;
    const times = [...later.values()].filter((t): t is string => t !== null).sort();
    const untimed = [...later.values()].filter((t) => t === null).length;
    this.notes.push(
      `${count} of the ${alerts.length} dwell alerts concern ${later.size} lead(s) whose stored dwell timer is not due yet: ` +
        "a timer is set when a lead enters its stage, by the rules in force then, so the sweep sends these " +
        [
          times[0] === undefined
            ? undefined
            : `when the timers come due (the first at ${times[0]})`,
          untimed > 0
            ? `for ${untimed} lead(s) without a timer, only after their next stage change`
            : undefined,
        ]
          .filter((part) => part !== undefined)
          .join("; "),
    );
  }

  /** A dwell action carried out as the sweep does: another rep by the rules, or the lost stage. */
  private dwellAction(lead: Lead, action: DwellActionDecision): void {
    const { rules, at } = this;
    if (action.action === "abandon") {
      const lost = findFunnel(rules, lead.funnel)?.stages.find((s) => s.terminal === "lost");
      if (lost === undefined) return;
      this.streamRecord("sweep", lead, {
        ...lead,
        stage: lost.id,
        stageEnteredAt: iso(at),
        updatedBy: "funnel-rules (dwell action)",
      });
      return;
    }
    const owner = lead.owner;
    if (owner === undefined) return;
    const choice = decideAssignment(rules, lead, {
      reps: this.reps,
      loads: this.loads(),
      cursors: this.cursors,
      now: at,
      exclude: new Set([owner]),
    });
    if (choice.repId === null) {
      this.emit("sweep", [
        {
          kind: "record-problem",
          recordId: lead.id,
          reason: `dwell action reassign: ${choice.reason}; the lead stays with ${owner}`,
        },
      ]);
      return;
    }
    const reason = `dwell action: ${action.reason}; ${choice.reason}`;
    const counts = moveCounts(rules, lead, choice.repId);
    if (choice.cursor) this.cursors.set(choice.cursor.scope, choice.cursor.repId);
    this.applyDeltas(counts.deltas);
    this.emit("sweep", [
      {
        kind: "reassign",
        leadId: lead.id,
        from: owner,
        to: choice.repId,
        via: "dwell-action",
        reason,
        ...counts,
      },
    ]);
    this.streamRecord("sweep", lead, {
      ...lead,
      owner: choice.repId,
      previousOwner: owner,
      assignedVia: "dwell-action",
      assignReason: reason,
      version: (lead.version ?? 0) + 1,
      counted: counts.counted.to,
    });
  }

  private anomalies(runId: string): string {
    const run = decideAnomalyRun(this.rules, {
      reps: this.reps,
      holdings: this.holdingRows(),
      flows: [...this.flows.values()],
      now: this.at,
      runId,
    });
    this.emit("anomalies", run.decisions);
    const found = run.decisions.filter((d) => d.kind === "anomaly").length;
    return `${found} found in ${run.checked} checks; ${run.skipped} checks skipped for too few samples`;
  }

  /** The managers whose roll-up day it is, and the report each would get (see run-rollup.ts). */
  private rollup(runId: string, schedule: Schedule): void {
    const { rules, at, records } = this;
    const week = reportedWeek(rules.calendar, at);
    const due = dueRollups(rules, this.reps, orgTree(this.reps), at, {
      skipsNonWorkingDays: schedule.workingDaysOnly,
      allLevels: false,
    });
    const decisions: Decision[] = [];
    const pending = due.filter((rollup) => {
      const queued = records.outboxKeys?.has(rollupEmailKey(week, rollup.manager.id)) ?? false;
      if (queued) decisions.push(alreadySentDecision(rollup, week, runId));
      return !queued;
    });
    const current = new Map(records.snapshots.get(week) ?? []);
    const missing = new Set([...this.reps.keys()].filter((id) => !current.has(id)));
    if (pending.length > 0 || missing.size > 0) {
      const base = {
        rules,
        reps: this.reps,
        holdings: this.holdingRows(),
        flows: [...this.flows.values()],
        week,
      };
      const fresh = takeSnapshots(rollupData(base), iso(at), (id) => missing.has(id));
      for (const snapshot of fresh) current.set(snapshot.repId, snapshot);
      const kept = this.reps.size - fresh.length;
      decisions.push({
        kind: "rollup-snapshot",
        week,
        written: fresh.length,
        kept,
        reason: `week ${week}: ${fresh.length} snapshot(s) to write, ${kept} taken earlier`,
      });
      const data = rollupData({
        ...base,
        snapshots: { current, previous: records.snapshots.get(addDays(week, -7)) ?? new Map() },
      });
      const listsOpportunities = (rules.reports.rollup?.topOpportunities ?? 5) > 0;
      for (const rollup of pending) {
        const leads = listsOpportunities ? this.opportunities(data, rollup.manager) : [];
        const report = buildRollupReport(data, rollup.manager, rollup.level, { leads, now: at });
        const key = rollupEmailKey(week, rollup.manager.id);
        const reason = `${rollup.reason}: roll-up of week ${week}, ${report.team.set.memberIds.length} people`;
        const email = addressEmail(
          rollup.manager,
          key,
          () => renderRollup(rules, report),
          reason,
          [],
        );
        decisions.push(
          {
            kind: "rollup",
            managerId: rollup.manager.id,
            level: rollup.level,
            week,
            emailKey: key,
            outcome: email.kind === "email" ? "queued" : "undeliverable",
            figures: {
              forecast: report.team.forecast,
              salesQuarter: report.team.sales.quarter,
              quota: report.team.quota,
              progress: report.team.progress.value,
            },
            reason,
          },
          email,
        );
      }
    }
    if (records.outboxKeys === undefined && pending.length > 0) {
      this.notes.push(
        "the records do not say which roll-ups are already in the outbox: every due roll-up is planned as sent",
      );
    }
    this.emit("rollup", decisions);
  }

  /** The team's leads in each funnel's opportunity stage (the handler reads them from byOwner). */
  private opportunities(data: RollupData, manager: Rep): Lead[] {
    const members = new Set(teamSet(data.tree, manager).memberIds);
    return [...this.leads.values()].filter((lead) => {
      if (lead.owner === undefined || !members.has(lead.owner)) return false;
      const funnel = findFunnel(this.rules, lead.funnel);
      return funnel !== undefined && opportunityStageOf(funnel)?.id === lead.stage;
    });
  }

  // -------------------------------------------------------------------------------------------
  // The in-memory records

  private emit(job: PlanJob, decisions: readonly Decision[]): void {
    for (const decision of decisions) {
      if (decision.kind === "transition" || decision.kind === "ledger" || decision.kind === "timer")
        continue;
      this.decisions.push({ ...(decision as PlannableDecision), job });
    }
  }

  private store(lead: Lead): void {
    this.leads.set(lead.id, lead);
    for (const key of this.keysOf.get(lead.id) ?? []) this.matches.get(key)?.delete(lead.id);
    const keys = isOpen(this.rules, lead) ? matchKeys(this.rules, lead) : [];
    this.keysOf.set(lead.id, keys);
    for (const key of keys) {
      const ids = this.matches.get(key) ?? new Set<string>();
      ids.add(lead.id);
      this.matches.set(key, ids);
    }
  }

  private matching(leadId: string, keys: string[]): Lead[] {
    const ids = new Set<string>();
    for (const key of keys) for (const id of this.matches.get(key) ?? []) ids.add(id);
    ids.delete(leadId);
    return [...ids].map((id) => this.leads.get(id)).filter((l): l is Lead => l !== undefined);
  }

  private holdingRows(): HoldingRow[] {
    return [...this.holdings.values()];
  }

  private loads(): Map<string, RepLoad> {
    return loadsFromHoldings(this.rules, this.holdingRows());
  }

  private applyDeltas(deltas: readonly AggregateDelta[]): void {
    for (const delta of deltas) {
      const key = holdingKey(delta);
      const row = this.holdings.get(key) ?? { ...delta, count: 0, amount: 0 };
      row.count += delta.count;
      row.amount += delta.amount;
      this.holdings.set(key, row);
    }
  }

  private applyFlows(deltas: readonly FlowDelta[]): void {
    for (const delta of deltas) {
      const key = flowKey(delta);
      const row = this.flows.get(key) ?? { ...delta, counts: {} };
      for (const [counter, n] of Object.entries(delta.counts) as [
        keyof FlowDelta["counts"],
        number,
      ][])
        row.counts[counter] = (row.counts[counter] ?? 0) + n;
      this.flows.set(key, row);
    }
  }
}
