import { checkCalendar } from "../time/calendar";
import { DurationError, parseDuration } from "../time/duration";
import { checkCron } from "../time/schedule";
import { suggestion } from "./did-you-mean";
import type { PathSegment } from "./rule-problem";
import type { FunnelRules, Job, RuleFile } from "./rule-schema";
import { DEFAULT_GRADES } from "./rule-set";
import type { SchemaIssue } from "./schema-problems";

/** "rules/base.yaml:3:1" for a path of the merged rule set, to point from one problem to another. */
export type Where = (path: PathSegment[]) => string;

/**
 * The checks the schema cannot express, on a merged rule set whose files each passed the schema:
 * unique ids, references, the order of stages, values that must grow, calendar and cron details.
 * Paths are paths of the merged set; the caller maps them back to files.
 */
export function setIssues(source: RuleFile, where: Where): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const report = (path: PathSegment[], message: string, target: "value" | "key" = "value") =>
    issues.push({ path, message, target });

  checkPresence(source, report);
  checkUniqueIds(source, report, where);
  checkFunnels(source, report, where);
  checkGrades(source, report);
  checkPools(source, report);
  checkCold(source, report);
  checkDurations(source, report);
  checkMultiples(source, report);
  checkCalendarSection(source, report);
  checkSchedules(source, report);
  checkDistributionSteps(source, report, where);
  checkRollup(source, report, where);
  return issues;
}

type Report = (path: PathSegment[], message: string, target?: "value" | "key") => void;

function checkPresence(source: RuleFile, report: Report): void {
  if (!source.funnels || source.funnels.length === 0) {
    report(
      ["funnels"],
      "the rule set has no funnel: add a funnels section with at least one funnel",
    );
  }
  if (!source.calendar) {
    report(
      ["calendar"],
      "the rule set has no calendar: add a calendar section (timeZone, workingDays)",
    );
  }
}

function checkUniqueIds(source: RuleFile, report: Report, where: Where): void {
  const unique = (
    items: readonly { id: string }[] | undefined,
    base: PathSegment[],
    what: string,
  ) => {
    const first = new Map<string, number>();
    items?.forEach((item, index) => {
      const earlier = first.get(item.id);
      if (earlier === undefined) {
        first.set(item.id, index);
        return;
      }
      report(
        [...base, index, "id"],
        `duplicate ${what} id "${item.id}": ids must be unique (first used at ${where([...base, earlier, "id"])})`,
      );
    });
  };
  unique(source.funnels, ["funnels"], "funnel");
  source.funnels?.forEach((funnel, index) => {
    unique(funnel.stages, ["funnels", index, "stages"], "stage");
  });
  unique(source.pools, ["pools"], "pool");
  unique(source.schedules, ["schedules"], "schedule");
  unique(source.grading?.rules, ["grading", "rules"], "grading rule");
}

const DWELL_FREE_KEYS = ["maxDwell", "transferRate", "idealPerRep"] as const;

function checkFunnels(source: RuleFile, report: Report, where: Where): void {
  source.funnels?.forEach((funnel, funnelIndex) => {
    const stagesPath: PathSegment[] = ["funnels", funnelIndex, "stages"];
    const stagePath = (index: number): PathSegment[] => [...stagesPath, index];

    const won = indicesWhere(funnel, (stage) => stage.terminal === "won");
    const lost = indicesWhere(funnel, (stage) => stage.terminal === "lost");
    if (won.length === 0) {
      report(
        stagesPath,
        `funnel "${funnel.id}" has no won stage: mark the stage that ends a sale with terminal: won`,
      );
    }
    for (const index of won.slice(1)) {
      report(
        [...stagePath(index), "terminal"],
        `funnel "${funnel.id}" has more than one won stage (the first is at ${where([...stagePath(won[0] ?? 0), "terminal"])}): a funnel has exactly one`,
      );
    }
    for (const index of lost.slice(1)) {
      report(
        [...stagePath(index), "terminal"],
        `funnel "${funnel.id}" has more than one lost stage (the first is at ${where([...stagePath(lost[0] ?? 0), "terminal"])}): a funnel has at most one`,
      );
    }

    const firstTerminal = funnel.stages.findIndex((stage) => stage.terminal !== undefined);
    funnel.stages.forEach((stage, index) => {
      if (stage.terminal === undefined && firstTerminal >= 0 && index > firstTerminal) {
        const terminal = funnel.stages[firstTerminal];
        report(
          stagePath(index),
          `stage "${stage.id}" comes after the terminal stage "${terminal?.id}": open stages come first, terminal stages last`,
        );
      }
      if (stage.terminal === undefined) return;
      for (const key of DWELL_FREE_KEYS) {
        if (stage[key] === undefined) continue;
        report(
          [...stagePath(index), key],
          `terminal stage "${stage.id}" cannot have ${key}: a lead stays in a terminal stage for good (remove ${key})`,
          "key",
        );
      }
    });

    const stageIds = funnel.stages.map((stage) => stage.id);
    funnel.outOfFunnel?.qualifyingStages?.forEach((id, index) => {
      if (stageIds.includes(id)) return;
      report(
        ["funnels", funnelIndex, "outOfFunnel", "qualifyingStages", index],
        `"${id}" is not a stage of funnel "${funnel.id}"${suggestion(id, stageIds)}; stages: ${stageIds.join(", ")}`,
      );
    });
  });
}

function checkGrades(source: RuleFile, report: Report): void {
  const grades = source.grading?.grades ?? DEFAULT_GRADES;
  const notAGrade = (grade: string) =>
    `grade "${grade}" is not one of the grades ${grades.join(", ")}${source.grading?.grades ? " (grading.grades)" : " (the default grades; list others in grading.grades)"}`;

  const grading = source.grading;
  if (grading && !grades.includes(grading.default)) {
    report(["grading", "default"], notAGrade(grading.default));
  }
  grading?.rules.forEach((rule, index) => {
    if (!grades.includes(rule.grade))
      report(["grading", "rules", index, "grade"], notAGrade(rule.grade));
  });
  source.distribution?.steps.forEach((step, index) => {
    if (step.use !== "grade-routing") return;
    for (const grade of Object.keys(step.routes)) {
      if (grades.includes(grade)) continue;
      report(["distribution", "steps", index, "routes", grade], notAGrade(grade), "key");
    }
  });
  const returnGrade = source.cold?.returnTo.grade;
  if (returnGrade !== undefined && returnGrade !== "keep" && !grades.includes(returnGrade)) {
    report(["cold", "returnTo", "grade"], `${notAGrade(returnGrade)}, or keep`);
  }
}

function checkPools(source: RuleFile, report: Report): void {
  const poolIds = (source.pools ?? []).map((pool) => pool.id);
  const check = (pool: string | undefined, path: PathSegment[]) => {
    if (pool === undefined || poolIds.includes(pool)) return;
    const defined =
      poolIds.length > 0
        ? `defined pools: ${poolIds.join(", ")}`
        : "no pools are defined: add it under pools";
    report(path, `pool "${pool}" is not defined${suggestion(pool, poolIds)}; ${defined}`);
  };
  check(source.distribution?.whenNoRep?.pool, ["distribution", "whenNoRep", "pool"]);
  check(source.cold?.pool, ["cold", "pool"]);
}

function checkCold(source: RuleFile, report: Report): void {
  const cold = source.cold;
  const funnels = source.funnels ?? [];
  if (!cold || funnels.length === 0) return;
  const funnelIds = funnels.map((funnel) => funnel.id);
  const returnTo = cold.returnTo;

  let funnel: FunnelRules | undefined;
  if (returnTo.funnel === undefined) {
    if (funnels.length > 1) {
      report(
        ["cold", "returnTo"],
        `missing key "funnel": there are several funnels (${funnelIds.join(", ")}), so returnTo must name one`,
      );
      return;
    }
    funnel = funnels[0];
  } else {
    funnel = funnels.find((candidate) => candidate.id === returnTo.funnel);
    if (!funnel) {
      report(
        ["cold", "returnTo", "funnel"],
        `funnel "${returnTo.funnel}" is not defined${suggestion(returnTo.funnel, funnelIds)}; funnels: ${funnelIds.join(", ")}`,
      );
      return;
    }
  }
  if (!funnel) return;

  const stage = funnel.stages.find((candidate) => candidate.id === returnTo.stage);
  const openStages = funnel.stages.filter((candidate) => candidate.terminal === undefined);
  const openIds = openStages.map((candidate) => candidate.id).join(", ");
  if (!stage) {
    const ids = funnel.stages.map((candidate) => candidate.id);
    report(
      ["cold", "returnTo", "stage"],
      `"${returnTo.stage}" is not a stage of funnel "${funnel.id}"${suggestion(returnTo.stage, ids)}; open stages: ${openIds}`,
    );
  } else if (stage.terminal !== undefined) {
    report(
      ["cold", "returnTo", "stage"],
      `"${stage.id}" is a terminal stage (${stage.terminal}): a returning lead needs an open stage (${openIds})`,
    );
  }
}

function checkDurations(source: RuleFile, report: Report): void {
  const check = (text: string | undefined, path: PathSegment[]) => {
    if (text === undefined) return;
    try {
      parseDuration(text);
    } catch (error) {
      if (!(error instanceof DurationError)) throw error;
      report(path, error.message);
    }
  };
  source.funnels?.forEach((funnel, funnelIndex) => {
    funnel.stages.forEach((stage, index) => {
      check(stage.maxDwell, ["funnels", funnelIndex, "stages", index, "maxDwell"]);
    });
  });
  check(source.cold?.cooldown, ["cold", "cooldown"]);
  check(source.alerts?.dwell?.remindEvery, ["alerts", "dwell", "remindEvery"]);
  check(source.alerts?.anomalies?.window, ["alerts", "anomalies", "window"]);
}

function checkMultiples(source: RuleFile, report: Report): void {
  const positive = (text: string | undefined, path: PathSegment[]) => {
    if (text === undefined || multipleValue(text) > 0) return;
    report(path, `"${text}" must be more than 0x (e.g. 1x, 1.5x, 2x)`);
  };
  const increasing = (list: readonly { after: string }[] | undefined, base: PathSegment[]) => {
    list?.forEach((item, index) => {
      positive(item.after, [...base, index, "after"]);
      const previous = list[index - 1];
      if (!previous || multipleValue(item.after) > multipleValue(previous.after)) return;
      report(
        [...base, index, "after"],
        `after ${item.after} must be later than the previous entry's ${previous.after}: list them in increasing multiples`,
      );
    });
  };
  positive(source.distribution?.capacity?.maxPerStage, ["distribution", "capacity", "maxPerStage"]);
  positive(source.alerts?.anomalies?.longCycle?.above, [
    "alerts",
    "anomalies",
    "longCycle",
    "above",
  ]);
  increasing(source.alerts?.dwell?.escalation, ["alerts", "dwell", "escalation"]);
  increasing(source.alerts?.dwell?.actions, ["alerts", "dwell", "actions"]);
}

function checkCalendarSection(source: RuleFile, report: Report): void {
  const calendar = source.calendar;
  if (!calendar) return;
  const problems = checkCalendar({
    timeZone: calendar.timeZone,
    workingDays: calendar.workingDays,
    holidays: calendar.holidays ?? [],
    extraWorkingDays: calendar.extraWorkingDays ?? [],
  });
  for (const problem of problems)
    report(["calendar", ...parseDottedPath(problem.path)], problem.message);
}

const JOB_NEEDS: Partial<Record<Job, { section: string; present: (source: RuleFile) => boolean }>> =
  {
    sweep: { section: "alerts.dwell", present: (source) => source.alerts?.dwell !== undefined },
    "release-cold": { section: "cold", present: (source) => source.cold !== undefined },
    rollup: {
      section: "reports.rollup",
      present: (source) => source.reports?.rollup !== undefined,
    },
    anomalies: {
      section: "alerts.anomalies",
      present: (source) => source.alerts?.anomalies !== undefined,
    },
  };

function checkSchedules(source: RuleFile, report: Report): void {
  source.schedules?.forEach((schedule, index) => {
    const cronProblem = checkCron(schedule.cron);
    if (cronProblem !== undefined) report(["schedules", index, "cron"], cronProblem);
    const needs = JOB_NEEDS[schedule.job];
    if (needs && !needs.present(source)) {
      report(
        ["schedules", index, "job"],
        `job "${schedule.job}" needs the ${needs.section} section, which no rule file defines: add it or remove this schedule`,
      );
    }
  });
}

const PICK_STEPS: readonly string[] = ["round-robin", "least-loaded"];

function checkDistributionSteps(source: RuleFile, report: Report, where: Where): void {
  const steps = source.distribution?.steps;
  if (!steps) return;
  const picks = steps.flatMap((step, index) => (PICK_STEPS.includes(step.use) ? [index] : []));
  const [first] = picks;
  if (first === undefined) {
    report(
      ["distribution", "steps"],
      "the steps never pick a rep: end them with { use: least-loaded } or { use: round-robin }",
    );
    return;
  }
  for (const index of picks.slice(1)) {
    report(
      ["distribution", "steps", index, "use"],
      `a second pick step: only one round-robin or least-loaded step is allowed (the first is at ${where(["distribution", "steps", first, "use"])})`,
    );
  }
  // With two pick steps, the extra one is the mistake; "must be last" would only add noise.
  if (picks.length === 1 && first !== steps.length - 1) {
    report(
      ["distribution", "steps", first, "use"],
      `the pick step "${steps[first]?.use}" must be the last step: steps after it would never run`,
    );
  }
}

function checkRollup(source: RuleFile, report: Report, where: Where): void {
  const cadence = source.reports?.rollup?.cadence;
  const first = new Map<number, number>();
  cadence?.forEach((entry, index) => {
    const earlier = first.get(entry.level);
    const path: PathSegment[] = ["reports", "rollup", "cadence", index, "level"];
    if (earlier === undefined) {
      first.set(entry.level, index);
      return;
    }
    report(
      path,
      `level ${entry.level} is listed twice (first at ${where(["reports", "rollup", "cadence", earlier, "level"])}): each level gets one roll-up day`,
    );
  });
}

function indicesWhere(
  funnel: FunnelRules,
  test: (stage: FunnelRules["stages"][number]) => boolean,
): number[] {
  return funnel.stages.flatMap((stage, index) => (test(stage) ? [index] : []));
}

function multipleValue(text: string): number {
  return Number(text.slice(0, -1));
}

/** `holidays[2]` → ["holidays", 2]: the paths checkCalendar reports. */
function parseDottedPath(path: string): PathSegment[] {
  const segments: PathSegment[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (match[2] !== undefined) segments.push(Number(match[2]));
    else if (match[1] !== undefined) segments.push(match[1]);
  }
  return segments;
}
