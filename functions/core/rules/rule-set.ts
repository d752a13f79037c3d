import { type Calendar, compileCalendar } from "../time/calendar";
import { type Duration, parseDuration } from "../time/duration";
import type {
  AnomaliesRules,
  DistributionRules,
  FunnelRules,
  Job,
  Recipient,
  RuleFile,
  StageRules,
} from "./rule-schema";

/**
 * The rules as the core uses them: validated, defaults applied, durations parsed, lookups built.
 * Only validateRules() produces one, so the core never sees invalid rules.
 */
export interface RuleSet {
  settings: { locale: Locale; currency: string; sender: string };
  calendar: Calendar;
  timeZone: string;
  funnels: Funnel[];
  grading: { grades: string[]; default: string; rules: GradingRule[] };
  distribution: DistributionRules;
  pools: Map<string, { id: string; label: Label; manager?: string }>;
  cold?: {
    cooldown: Duration;
    pool: string;
    returnTo: { funnel: string; stage: string; grade: string };
  };
  alerts: {
    dwell?: {
      escalation: { after: number; notify: Recipient }[];
      remindEvery?: Duration;
      respectNextAction: boolean;
      actions: { after: number; do: "reassign" | "abandon" }[];
    };
    anomalies?: AnomaliesRules;
    funnelShape?: { below: number; above: number };
    repLeft?: { notify: Recipient[] };
  };
  reports: {
    weeklyProgressTarget: number;
    rollup?: { cadence: { level: number; day: string }[]; topOpportunities: number };
  };
  schedules: { id: string; job: Job; cron: string; workingDaysOnly: boolean }[];
}

export type Locale = "zh-CN" | "en";
export type Label = string | Record<string, string>;

export interface Funnel {
  id: string;
  label: Label;
  stages: Stage[];
  outOfFunnel: { amountBelow?: number; qualifyingStages: string[] };
}

export interface Stage {
  id: string;
  /** Position in the funnel, 0-based; transitions to a higher index move forward. */
  index: number;
  label: Label;
  maxDwell?: Duration;
  transferRate?: number;
  winRate: number;
  idealPerRep?: number;
  requires: string[];
  countsAsSale: boolean;
  terminal?: "won" | "lost";
  playbook?: Label;
}

export interface GradingRule {
  id: string;
  grade: string;
  description?: string;
  when: import("./rule-schema").Condition;
}

export const DEFAULT_GRADES = ["A", "B", "C"];
export const DEFAULT_PROGRESS_TARGET = 0.078;

function parseMultiple(text: string): number {
  return Number(text.slice(0, -1));
}

function compileStage(stage: StageRules, index: number): Stage {
  return {
    id: stage.id,
    index,
    label: stage.label,
    maxDwell: stage.maxDwell === undefined ? undefined : parseDuration(stage.maxDwell),
    transferRate: stage.transferRate,
    winRate: stage.winRate ?? (stage.terminal === "won" ? 1 : 0),
    idealPerRep: stage.idealPerRep,
    requires: stage.requires ?? [],
    countsAsSale: stage.countsAsSale ?? stage.terminal === "won",
    terminal: stage.terminal,
    playbook: stage.playbook,
  };
}

function compileFunnel(funnel: FunnelRules): Funnel {
  return {
    id: funnel.id,
    label: funnel.label,
    stages: funnel.stages.map(compileStage),
    outOfFunnel: {
      amountBelow: funnel.outOfFunnel?.amountBelow,
      qualifyingStages: funnel.outOfFunnel?.qualifyingStages ?? [],
    },
  };
}

/** Assumes `source` passed validation; see validate-rules.ts. */
export function compileRuleSet(source: RuleFile): RuleSet {
  const calendarSpec = source.calendar ?? {
    timeZone: "UTC",
    workingDays: ["mon", "tue", "wed", "thu", "fri"],
  };
  const funnels = (source.funnels ?? []).map(compileFunnel);
  const firstFunnel = funnels[0]?.id ?? "";
  const dwell = source.alerts?.dwell;
  return {
    settings: {
      locale: source.settings?.locale ?? "en",
      currency: source.settings?.currency ?? "USD",
      sender: source.settings?.sender ?? "funnel@example.com",
    },
    timeZone: calendarSpec.timeZone,
    calendar: compileCalendar({
      timeZone: calendarSpec.timeZone,
      workingDays: calendarSpec.workingDays,
      holidays: calendarSpec.holidays ?? [],
      extraWorkingDays: calendarSpec.extraWorkingDays ?? [],
    }),
    funnels,
    grading: {
      grades: source.grading?.grades ?? DEFAULT_GRADES,
      default: source.grading?.default ?? DEFAULT_GRADES[DEFAULT_GRADES.length - 1] ?? "C",
      rules: source.grading?.rules ?? [],
    },
    distribution: source.distribution ?? { steps: [{ use: "least-loaded" }] },
    pools: new Map((source.pools ?? []).map((pool) => [pool.id, pool])),
    cold: source.cold && {
      cooldown: parseDuration(source.cold.cooldown),
      pool: source.cold.pool,
      returnTo: {
        funnel: source.cold.returnTo.funnel ?? firstFunnel,
        stage: source.cold.returnTo.stage,
        grade: source.cold.returnTo.grade ?? "keep",
      },
    },
    alerts: {
      dwell: dwell && {
        escalation: dwell.escalation.map((step) => ({
          after: parseMultiple(step.after),
          notify: step.notify,
        })),
        remindEvery: dwell.remindEvery === undefined ? undefined : parseDuration(dwell.remindEvery),
        respectNextAction: dwell.respectNextAction ?? true,
        actions: (dwell.actions ?? []).map((action) => ({
          after: parseMultiple(action.after),
          do: action.do,
        })),
      },
      anomalies: source.alerts?.anomalies,
      funnelShape: source.alerts?.funnelShape,
      repLeft: source.alerts?.repLeft,
    },
    reports: {
      weeklyProgressTarget: source.reports?.weeklyProgressTarget ?? DEFAULT_PROGRESS_TARGET,
      rollup: source.reports?.rollup && {
        cadence: source.reports.rollup.cadence,
        topOpportunities: source.reports.rollup.topOpportunities ?? 5,
      },
    },
    schedules: (source.schedules ?? []).map((schedule) => ({
      id: schedule.id,
      job: schedule.job,
      cron: schedule.cron,
      workingDaysOnly: schedule.workingDaysOnly ?? false,
    })),
  };
}

export function findFunnel(rules: RuleSet, funnelId: string | undefined): Funnel | undefined {
  if (funnelId === undefined) return rules.funnels[0];
  return rules.funnels.find((funnel) => funnel.id === funnelId);
}

/** The lead with its funnel named: a lead written without one belongs to the first funnel. */
export function withFunnel<L extends { funnel?: string }>(rules: RuleSet, lead: L): L {
  return lead.funnel === undefined ? { ...lead, funnel: rules.funnels[0]?.id } : lead;
}

export function findStage(funnel: Funnel, stageId: string): Stage | undefined {
  return funnel.stages.find((stage) => stage.id === stageId);
}

/** A label in the wanted locale, falling back to any text the rules give. */
export function labelText(label: Label, locale: Locale): string {
  if (typeof label === "string") return label;
  return label[locale] ?? label.en ?? Object.values(label)[0] ?? "";
}
