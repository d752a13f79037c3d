import type { Funnel, Stage } from "../rules/rule-set";

/**
 * What a stage means to the roll-up. Stages before the first `countsAsSale` stage are the open
 * pipeline and make the forecast; the sale stage and everything after it up to the won end are
 * booked sales (never forecast again); the lost end stage is closed.
 */
export type StageRole = "forecast" | "sale" | "closed";

/** The first stage that books a sale; every valid funnel has one (the won stage at the latest). */
export function saleStageOf(funnel: Funnel): Stage | undefined {
  return funnel.stages.find((stage) => stage.countsAsSale);
}

export function stageRole(funnel: Funnel, stage: Stage): StageRole {
  if (stage.terminal === "lost") return "closed";
  const sale = saleStageOf(funnel);
  if (sale !== undefined && stage.index >= sale.index) return "sale";
  return stage.terminal === undefined ? "forecast" : "closed";
}

/**
 * The opportunity stage (商机): the last open stage before the sale. Its leads are the
 * "opportunities" of the sales-velocity formula and the candidates for the top-opportunities list.
 */
export function opportunityStageOf(funnel: Funnel): Stage | undefined {
  const open = funnel.stages.filter((stage) => stageRole(funnel, stage) === "forecast");
  return open[open.length - 1];
}
