import {
  Engine,
  type NestedCondition,
  type RuleProperties,
  type TopLevelCondition,
} from "json-rules-engine";
import type { Lead } from "../../functions/core/records/lead";
import type { Condition } from "../../functions/core/rules/rule-schema";
import type { RuleSet } from "../../functions/core/rules/rule-set";

/*
 * The shipped rules expressed in json-rules-engine, for benchmark 2: grading (first rule that holds,
 * else the default grade), the dwell escalation levels reached (respecting a planned next action),
 * and the long-cycle anomaly's input (time in stage over 2× the limit). Translated from the RuleSet,
 * not written by hand, so both engines run exactly the same rules.
 */

type Leaf = Extract<Condition, { field: string }>;

const OPERATORS: [keyof Leaf, string][] = [
  ["eq", "equal"],
  ["ne", "notEqual"],
  ["in", "in"],
  ["notIn", "notIn"],
  ["contains", "contains"],
  ["gt", "greaterThan"],
  ["gte", "greaterThanInclusive"],
  ["lt", "lessThan"],
  ["lte", "lessThanInclusive"],
];

function leaf(condition: Leaf): NestedCondition {
  const parts: NestedCondition[] = [];
  const [fact, ...path] = condition.field.split(".");
  const at = path.length > 0 ? { path: `$.${path.join(".")}` } : {};
  if (condition.exists !== undefined)
    parts.push({
      fact: fact as string,
      ...at,
      operator: condition.exists ? "present" : "absent",
      value: true,
    });
  for (const [key, operator] of OPERATORS) {
    const value = condition[key];
    if (value !== undefined)
      parts.push({ fact: fact as string, ...at, operator, value: value as never });
  }
  // Ordered comparisons hold only for numbers in the core; json-rules-engine's would coerce.
  if (["gt", "gte", "lt", "lte"].some((k) => condition[k as keyof Leaf] !== undefined))
    parts.push({ fact: fact as string, ...at, operator: "isNumber", value: true });
  return parts.length === 1 ? (parts[0] as NestedCondition) : { all: parts };
}

export function toPeerCondition(condition: Condition): NestedCondition {
  if ("all" in condition) return { all: condition.all.map(toPeerCondition) };
  if ("any" in condition) return { any: condition.any.map(toPeerCondition) };
  if ("not" in condition) return { not: toPeerCondition(condition.not) };
  return leaf(condition);
}

const topLevel = (condition: NestedCondition): TopLevelCondition =>
  "all" in condition || "any" in condition || "not" in condition
    ? (condition as TopLevelCondition)
    : { all: [condition] };

/** The long-cycle anomaly's multiple ("2x" → 2). */
export function longCycleMultiple(rules: RuleSet): number {
  const above = rules.alerts.anomalies?.longCycle?.above;
  return above === undefined ? 2 : Number(String(above).replace(/x$/, ""));
}

export interface PeerVerdict {
  grade: string;
  dwellLevel: number;
  longCycle: boolean;
}

/** An engine loaded with the rules; `evaluate` runs one lead at `now`. */
export function peerEngine(rules: RuleSet): (lead: Lead, now: number) => Promise<PeerVerdict> {
  const engine = new Engine([], { allowUndefinedFacts: true, replaceFactsInEventParams: false });
  engine.addOperator(
    "present",
    (value: unknown) => value !== undefined && value !== null && value !== "",
  );
  engine.addOperator(
    "absent",
    (value: unknown) => value === undefined || value === null || value === "",
  );
  engine.addOperator("isNumber", (value: unknown) => typeof value === "number");
  const count = rules.grading.rules.length;
  rules.grading.rules.forEach((rule, i) => {
    const properties: RuleProperties = {
      name: rule.id,
      priority: count - i + 10,
      conditions: topLevel(toPeerCondition(rule.when)),
      event: { type: "grade", params: { grade: rule.grade, order: i } },
    };
    engine.addRule(properties);
  });
  const escalation = rules.alerts.dwell?.escalation ?? [];
  escalation.forEach((step, level) => {
    engine.addRule({
      name: `dwell-${level}`,
      priority: 5,
      conditions: {
        all: [
          { fact: "dwellRatio", operator: "greaterThanInclusive", value: step.after },
          { fact: "nextActionPlanned", operator: "equal", value: false },
        ],
      },
      event: { type: "dwell", params: { level } },
    });
  });
  const longCycle = longCycleMultiple(rules);
  engine.addRule({
    name: "long-cycle",
    priority: 1,
    conditions: { all: [{ fact: "dwellRatio", operator: "greaterThan", value: longCycle }] },
    event: { type: "long-cycle" },
  });

  const limits = new Map<string, number>();
  for (const funnel of rules.funnels)
    for (const stage of funnel.stages)
      if (
        stage.maxDwell !== undefined &&
        stage.terminal === undefined &&
        stage.maxDwell.unit === "day"
      )
        limits.set(stage.id, stage.maxDwell.amount * 86_400_000);

  return async (lead, now) => {
    const limit = limits.get(lead.stage);
    const entered =
      lead.stageEnteredAt === undefined ? Number.NaN : Date.parse(lead.stageEnteredAt);
    const planned = lead.nextActionAt === undefined ? Number.NaN : Date.parse(lead.nextActionAt);
    const { events } = await engine.run({
      ...lead,
      dwellRatio: limit === undefined || Number.isNaN(entered) ? 0 : (now - entered) / limit,
      nextActionPlanned: planned > now,
    });
    let grade: { grade: string; order: number } | undefined;
    let dwellLevel = 0;
    let long = false;
    for (const event of events) {
      const params = event.params as { grade?: string; order?: number; level?: number } | undefined;
      if (event.type === "grade" && (grade === undefined || (params?.order ?? 0) < grade.order))
        grade = { grade: params?.grade as string, order: params?.order ?? 0 };
      if (event.type === "dwell") dwellLevel = Math.max(dwellLevel, (params?.level ?? 0) + 1);
      if (event.type === "long-cycle") long = true;
    }
    return { grade: grade?.grade ?? rules.grading.default, dwellLevel, longCycle: long };
  };
}
