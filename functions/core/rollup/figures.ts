import { limitIn } from "../dwell-timer";
import type { FlowCounter } from "../flow";
import type { Funnel, Stage } from "../rules/rule-set";
import { addDays } from "../time/week";
import { opportunityStageOf, type StageRole, stageRole } from "./funnel-roles";
import type { MemberSet } from "./member-set";
import type { RollupData } from "./rollup-data";
import { quarterOfWeek, quarterWeeksThrough, windowWeeks } from "./rollup-weeks";

/*
 * The roll-up's figures for one set of people (a manager's team, or one rep), computed from the
 * per-rep aggregates (what is held now) and the weekly flow counters (what happened), never from
 * the leads. Every formula and its approximations: docs/rollup.md.
 */

export interface StageFigure {
  funnel: string;
  stage: string;
  role: StageRole;
  count: number;
  amount: number;
  /** amount × the stage's win rate for stages in the forecast; 0 for sales and closed stages. */
  forecast: number;
  /** idealPerRep × the set's sellers who have not left; null when the stage has no ideal. */
  ideal: number | null;
}

export interface SalesFigures {
  /** S: sales booked in the quarter's weeks through the reported week, out-of-funnel included. */
  quarter: number;
  quarterCount: number;
  /** The out-of-funnel part of `quarter` (漏斗外销售额). */
  quarterOutOfFunnel: number;
  /** Sales booked in the reported week, and in the week before it. */
  week: number;
  weekCount: number;
  weekOutOfFunnel: number;
  previousWeek: number;
}

/** The terms of (opportunities × conversion × average deal) ÷ cycle, for one funnel. */
export interface VelocityTerms {
  funnel: string;
  /** Leads held now in the opportunity stage. */
  opportunities: number;
  /** In-funnel sales ÷ leads that entered the opportunity stage, over the 13-week window (≤ 1). */
  conversion: number | null;
  /** In-funnel sales amount ÷ in-funnel sales, over the window. */
  averageDeal: number | null;
  /** Σ over the forecast stages of (dwell limit in days × average time-in-stage ÷ limit). */
  cycleDays: number | null;
  /** Sales amount per day the funnel produces at this pace; null when a term is unknown. */
  perDay: number | null;
}

export interface Progress {
  /** (F_this + S_this − F_last − S_last) ÷ Q; null without a quota or last week's snapshots. */
  value: number | null;
  target: number;
  /** F + S at the end of the reported week, and at the end of the week before. */
  thisWeek: number;
  lastWeek: number | null;
}

export interface BaseFigures {
  set: MemberSet;
  stages: StageFigure[];
  /** F: Σ amount × win rate over the open stages before the sale stage. */
  forecast: number;
  sales: SalesFigures;
  quota: number | null;
  /** Q − S; null without a quota. */
  remaining: number | null;
  /** S ÷ Q. */
  attainment: number | null;
  velocity: { perDay: number | null; funnels: VelocityTerms[] };
  /** Week-over-week growth of the sales amount booked (reported week vs the week before). */
  growth: { orderTotal: number | null };
}

export interface Figures extends BaseFigures {
  progress: Progress;
}

const DAYS_PER_BUSINESS_DAY = 7 / 5;

function sumFlows(
  data: RollupData,
  memberIds: readonly string[],
  weeks: readonly string[],
  counter: FlowCounter,
  where: (row: { funnel: string; stage: string }) => boolean = () => true,
): number {
  const wanted = new Set(weeks);
  let sum = 0;
  for (const id of memberIds) {
    for (const row of data.flowsOf(id)) {
      if (wanted.has(row.week) && where(row)) sum += row.counts[counter] ?? 0;
    }
  }
  return sum;
}

/** Funnels the set works in (holds leads or had flows in the window), else the default funnel. */
function funnelsOf(data: RollupData, set: MemberSet): Funnel[] {
  const used = new Set<string>();
  for (const id of set.memberIds) {
    for (const row of data.holdingsOf(id)) if (row.count !== 0) used.add(row.funnel);
    for (const row of data.flowsOf(id)) used.add(row.funnel);
  }
  const worked = data.rules.funnels.filter((funnel) => used.has(funnel.id));
  const first = data.rules.funnels[0];
  return worked.length > 0 ? worked : first === undefined ? [] : [first];
}

export function stageFigures(data: RollupData, set: MemberSet): StageFigure[] {
  const activeSellers = set.sellerIds.filter((id) => data.reps.get(id)?.status !== "left").length;
  const figures: StageFigure[] = [];
  for (const funnel of funnelsOf(data, set)) {
    for (const stage of funnel.stages) {
      let count = 0;
      let amount = 0;
      for (const id of set.memberIds) {
        for (const row of data.holdingsOf(id)) {
          if (row.funnel !== funnel.id || row.stage !== stage.id) continue;
          count += row.count;
          amount += row.amount;
        }
      }
      const role = stageRole(funnel, stage);
      figures.push({
        funnel: funnel.id,
        stage: stage.id,
        role,
        count,
        amount,
        forecast: role === "forecast" ? amount * stage.winRate : 0,
        ideal:
          stage.idealPerRep === undefined || activeSellers === 0
            ? null
            : stage.idealPerRep * activeSellers,
      });
    }
  }
  return figures;
}

export function salesFigures(data: RollupData, set: MemberSet): SalesFigures {
  const quarter = quarterWeeksThrough(data.week);
  const week = [data.week];
  const previous = [addDays(data.week, -7)];
  const sum = (weeks: string[], counter: FlowCounter) =>
    sumFlows(data, set.memberIds, weeks, counter);
  return {
    quarter: sum(quarter, "salesAmount"),
    quarterCount: sum(quarter, "sales"),
    quarterOutOfFunnel: sum(quarter, "oofAmount"),
    week: sum(week, "salesAmount"),
    weekCount: sum(week, "sales"),
    weekOutOfFunnel: sum(week, "oofAmount"),
    previousWeek: sum(previous, "salesAmount"),
  };
}

/** A stage's dwell limit in calendar days (a business day is taken as 7/5 of a day). */
function limitDays(stage: Stage): number | undefined {
  if (stage.maxDwell === undefined) return undefined;
  const { limit, unit } = limitIn(stage);
  if (unit === "hour") return limit / 24;
  return unit === "businessDay" ? limit * DAYS_PER_BUSINESS_DAY : limit;
}

function velocityTerms(
  data: RollupData,
  set: MemberSet,
  funnel: Funnel,
  stages: readonly StageFigure[],
): VelocityTerms | undefined {
  const opportunity = opportunityStageOf(funnel);
  if (opportunity === undefined) return undefined;
  const weeks = windowWeeks(data.week);
  type Row = { funnel: string; stage: string };
  const inFunnel = (row: Row) => row.funnel === funnel.id;
  const sum = (counter: FlowCounter, where = inFunnel) =>
    sumFlows(data, set.memberIds, weeks, counter, where);
  const opportunities =
    stages.find((s) => s.funnel === funnel.id && s.stage === opportunity.id)?.count ?? 0;
  const entered = sum("entered", (row) => inFunnel(row) && row.stage === opportunity.id);
  const sales = sum("sales") - sum("oofSales");
  const salesAmount = sum("salesAmount") - sum("oofAmount");
  const conversion = entered > 0 ? Math.min(1, sales / entered) : null;
  const averageDeal = sales > 0 ? salesAmount / sales : null;

  let cycleDays = 0;
  let limited = 0;
  for (const stage of funnel.stages) {
    const days = limitDays(stage);
    if (stageRole(funnel, stage) !== "forecast" || days === undefined) continue;
    const here = (row: Row) => inFunnel(row) && row.stage === stage.id;
    const exits = sum("exits", here);
    // Without leads that left the stage in the window, assume they take exactly the limit.
    cycleDays += days * (exits > 0 ? sum("dwellRatioSum", here) / exits : 1);
    limited += 1;
  }
  const cycle = limited > 0 && cycleDays > 0 ? cycleDays : null;
  const perDay =
    conversion === null || averageDeal === null || cycle === null
      ? null
      : (opportunities * conversion * averageDeal) / cycle;
  return {
    funnel: funnel.id,
    opportunities,
    conversion,
    averageDeal,
    cycleDays: cycle,
    perDay,
  };
}

/** The figures of a set that do not depend on last week's snapshot. */
export function baseFigures(data: RollupData, set: MemberSet): BaseFigures {
  const stages = stageFigures(data, set);
  const forecast = stages.reduce((sum, stage) => sum + stage.forecast, 0);
  const sales = salesFigures(data, set);
  const quota = set.quota;
  const velocityFunnels = [...new Set(stages.map((s) => s.funnel))].flatMap((id) => {
    const funnel = data.rules.funnels.find((f) => f.id === id);
    const terms = funnel && velocityTerms(data, set, funnel, stages);
    return terms === undefined ? [] : [terms];
  });
  const known = velocityFunnels.flatMap((terms) => (terms.perDay === null ? [] : [terms.perDay]));
  return {
    set,
    stages,
    forecast,
    sales,
    quota,
    remaining: quota === null ? null : quota - sales.quarter,
    attainment: quota === null || quota === 0 ? null : sales.quarter / quota,
    velocity: {
      perDay: known.length === 0 ? null : known.reduce((a, b) => a + b, 0),
      funnels: velocityFunnels,
    },
    growth: {
      orderTotal:
        sales.previousWeek > 0 ? (sales.week - sales.previousWeek) / sales.previousWeek : null,
    },
  };
}

/**
 * Weekly progress, like for like: F and S at the end of the reported week and of the week before
 * are summed over the set's current members from each member's own snapshot, so a rep moving
 * between teams moves their history with them instead of showing as progress. S restarts at 0 in
 * a new quarter. A member without last week's snapshot (a new rep) counts with F_last = 0 and
 * S_last recomputed from the flow counters; without any member's snapshot the progress is unknown.
 */
export function progressOf(data: RollupData, base: BaseFigures): Progress {
  const target = data.rules.reports.weeklyProgressTarget;
  const lastWeek = addDays(data.week, -7);
  const sameQuarter = quarterOfWeek(lastWeek) === quarterOfWeek(data.week);
  const quarterBefore = sameQuarter ? quarterWeeksThrough(lastWeek) : [];
  let current = 0;
  let previous = 0;
  let anyPrevious = false;
  for (const id of base.set.memberIds) {
    const now = data.snapshots.current.get(id)?.own;
    if (now === undefined) {
      const own = { id, memberIds: [id], sellerIds: [], quota: null };
      const live = baseFigures(data, own);
      current += live.forecast + live.sales.quarter;
    } else {
      current += now.forecast + now.salesQuarter;
    }
    const before = data.snapshots.previous.get(id)?.own;
    if (before === undefined) {
      previous += sumFlows(data, [id], quarterBefore, "salesAmount");
    } else {
      anyPrevious = true;
      previous += before.forecast + (sameQuarter ? before.salesQuarter : 0);
    }
  }
  const value =
    anyPrevious && base.quota !== null && base.quota > 0 ? (current - previous) / base.quota : null;
  return { value, target, thisWeek: current, lastWeek: anyPrevious ? previous : null };
}

export function figuresFor(data: RollupData, set: MemberSet): Figures {
  const base = baseFigures(data, set);
  return { ...base, progress: progressOf(data, base) };
}
