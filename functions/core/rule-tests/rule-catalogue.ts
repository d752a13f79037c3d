import type { PathSegment } from "../rules/rule-problem";
import type { RuleFile } from "../rules/rule-schema";

/**
 * One rule a test case must cover: a part of the rule files that changes what the engine decides.
 * The id is where the rule is written, as a path through the YAML with list items named by their
 * id (or, for escalation levels and dwell actions, by their multiple; for distribution steps by
 * their `use`): grading.rules.inbound-or-trial, alerts.dwell.escalation.2x,
 * funnels.standard.stages.intent.requires.
 */
export interface CatalogueRule {
  id: string;
  /** What the rule does, in a few words, for the list of uncovered rules. */
  what: string;
  /** The rule file it is written in, and where in that file's data. */
  file: string;
  path: PathSegment[];
}

const ANOMALIES = [
  ["outOfFunnelSales", "anomaly: sales outside the funnel"],
  ["intentsWithoutSignings", "anomaly: many opportunities, few signings"],
  ["lowTransfer", "anomaly: low transfer rate between stages"],
  ["highAbandonment", "anomaly: high abandonment"],
  ["longCycle", "anomaly: cycle too long"],
] as const;

/**
 * Every rule of a rule set, file by file (each section lives in one file; list items in the file
 * that lists them). What counts, precisely (docs/rule-tests.md):
 * - each grading rule, and the default grade;
 * - each distribution step, the capacity caps, duplicate matching, whenNoRep and whenRepLeaves;
 * - the cold pool's cooldown and its return;
 * - each dwell escalation level and dwell action, respectNextAction and remindEvery when written;
 * - each of the five anomalies configured, and both sides of the funnel shape;
 * - each stage's maxDwell, requires and countsAsSale, and each funnel's outOfFunnel rules.
 * Settings, the calendar, pools, labels, playbooks, rates and ideal counts are parameters of these
 * rules, and schedules and the roll-up cadence are timing, not decisions: they are not listed.
 * alerts.repLeft is not listed either: the engine does not act on it (the handoff emails follow
 * distribution.whenRepLeaves.notify).
 */
export function ruleCatalogue(
  files: readonly { path: string; value: Record<string, unknown> }[],
): CatalogueRule[] {
  const rules: CatalogueRule[] = [];
  for (const { path: file, value } of files) {
    const source = value as Partial<RuleFile>;
    const add = (id: string, what: string, path: PathSegment[]) =>
      rules.push({ id, what, file, path });

    const grading = source.grading;
    if (grading !== undefined) {
      grading.rules.forEach((rule, i) => {
        add(`grading.rules.${rule.id}`, `grading rule: grade ${rule.grade}`, [
          "grading",
          "rules",
          i,
        ]);
      });
      add("grading.default", `default grade ${grading.default}`, ["grading", "default"]);
    }

    const distribution = source.distribution;
    if (distribution !== undefined) {
      const seen = new Map<string, number>();
      distribution.steps.forEach((step, i) => {
        const n = (seen.get(step.use) ?? 0) + 1;
        seen.set(step.use, n);
        const id = `distribution.steps.${step.use}${n > 1 ? `#${n}` : ""}`;
        add(id, `distribution step ${i + 1}: ${step.use}`, ["distribution", "steps", i]);
      });
      const parts = [
        ["capacity", "capacity caps"],
        ["duplicates", "duplicate leads go to the owner of the open lead"],
        ["whenNoRep", "where a lead goes when no rep can take it"],
        ["whenRepLeaves", "where a departing rep's leads go"],
      ] as const;
      for (const [key, what] of parts) {
        if (distribution[key] !== undefined)
          add(`distribution.${key}`, what, ["distribution", key]);
      }
    }

    if (source.cold !== undefined) {
      add("cold.cooldown", "abandoned leads cool off in the cold pool", ["cold", "cooldown"]);
      add("cold.returnTo", "cold leads return after the cooldown", ["cold", "returnTo"]);
    }

    const dwell = source.alerts?.dwell;
    if (dwell !== undefined) {
      dwell.escalation.forEach((step, i) => {
        add(
          `alerts.dwell.escalation.${step.after}`,
          `dwell alert to the ${step.notify} at ${step.after} the limit`,
          ["alerts", "dwell", "escalation", i],
        );
      });
      if (dwell.respectNextAction !== undefined)
        add("alerts.dwell.respectNextAction", "a planned next action postpones dwell alerts", [
          "alerts",
          "dwell",
          "respectNextAction",
        ]);
      if (dwell.remindEvery !== undefined)
        add("alerts.dwell.remindEvery", "reminders after the last escalation level", [
          "alerts",
          "dwell",
          "remindEvery",
        ]);
      (dwell.actions ?? []).forEach((action, i) => {
        add(
          `alerts.dwell.actions.${action.after}`,
          `dwell action: ${action.do} at ${action.after}`,
          ["alerts", "dwell", "actions", i],
        );
      });
    }

    const anomalies = source.alerts?.anomalies;
    for (const [key, what] of ANOMALIES) {
      if (anomalies?.[key] !== undefined)
        add(`alerts.anomalies.${key}`, what, ["alerts", "anomalies", key]);
    }
    if (source.alerts?.funnelShape !== undefined) {
      add("alerts.funnelShape.below", "funnel shape: too few leads, needs prospecting", [
        "alerts",
        "funnelShape",
        "below",
      ]);
      add("alerts.funnelShape.above", "funnel shape: too many leads to work", [
        "alerts",
        "funnelShape",
        "above",
      ]);
    }

    (source.funnels ?? []).forEach((funnel, f) => {
      const base = `funnels.${funnel.id}`;
      funnel.stages.forEach((stage, s) => {
        const at = (key: string): PathSegment[] => ["funnels", f, "stages", s, key];
        const id = `${base}.stages.${stage.id}`;
        if (stage.maxDwell !== undefined)
          add(`${id}.maxDwell`, `${stage.id} may last ${stage.maxDwell}`, at("maxDwell"));
        if (stage.requires !== undefined && stage.requires.length > 0)
          add(
            `${id}.requires`,
            `entering ${stage.id} requires ${stage.requires.join(", ")}`,
            at("requires"),
          );
        if (stage.countsAsSale === true)
          add(`${id}.countsAsSale`, `reaching ${stage.id} books the sale`, at("countsAsSale"));
      });
      const oof = funnel.outOfFunnel;
      if (oof?.amountBelow !== undefined)
        add(
          `${base}.outOfFunnel.amountBelow`,
          `sales below ${oof.amountBelow} are out of the funnel`,
          ["funnels", f, "outOfFunnel", "amountBelow"],
        );
      if (oof?.qualifyingStages !== undefined && oof.qualifyingStages.length > 0)
        add(
          `${base}.outOfFunnel.qualifyingStages`,
          `a sale that skipped ${oof.qualifyingStages.join(", ")} is out of the funnel`,
          ["funnels", f, "outOfFunnel", "qualifyingStages"],
        );
    });
  }
  return rules;
}
