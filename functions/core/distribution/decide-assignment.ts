import { fieldValue } from "../conditions";
import type { Lead } from "../records/lead";
import type { Rep } from "../records/rep";
import type { DistributionStep } from "../rules/rule-schema";
import { findFunnel, findStage, type RuleSet } from "../rules/rule-set";
import { isAvailable, managerIds } from "./eligibility";
import { loadOf, type RepLoad, stageCount } from "./rep-load";

export interface AssignmentContext {
  reps: ReadonlyMap<string, Rep>;
  loads: ReadonlyMap<string, RepLoad>;
  /** Last rep round-robin gave a lead to, per scope (see cursor below). */
  cursors: ReadonlyMap<string, string>;
  now: number;
  /** Departures: only these reps may receive (e.g. the leaver's team); undefined = everyone. */
  restrictTo?: ReadonlySet<string>;
  /** Never these reps (the leaver). */
  exclude?: ReadonlySet<string>;
}

export interface AssignDecision {
  kind: "assign";
  leadId: string;
  /** null when nobody is eligible: the lead goes to `pool`. */
  repId: string | null;
  pool?: string;
  /** "duplicate": set by the caller, which matches duplicates before distribution runs. */
  via:
    | "duplicate"
    | "discoverer"
    | "grade-routing"
    | "territory"
    | "round-robin"
    | "least-loaded"
    | "no-eligible-rep";
  /** The discoverer got the lead beyond the normal cap thanks to the bonus. */
  bonusUsed?: boolean;
  /** Round robin's new position, for the adapter to persist: { scope, repId }. */
  cursor?: { scope: string; repId: string };
  reason: string;
}

type Via = AssignDecision["via"];

/**
 * Who gets `lead`, following `rules.distribution`.
 *
 * - Candidates: the sellers (people nobody reports to) available at `now`, minus `exclude`, within
 *   `restrictTo`, who are not full.
 * - Full: holding ≥ floor(idealPerRep × capacity.maxPerStage) leads in the lead's funnel/stage
 *   (only when both are set; an ideal of 0 caps at 0), or ≥ capacity.maxOpen open leads.
 * - The steps run in rule order:
 *   - discoverer: the rep in `lead.discoveredBy` gets the lead if they are an available, permitted
 *     seller who survived the steps before, and are below both caps raised by `bonus`
 *     (`bonusUsed` when they are over the plain cap). Otherwise the next steps run and the reason
 *     starts with why the discoverer was passed over.
 *   - grade-routing: when the lead's grade has a route, only its named reps and team members stay.
 *   - territory: only reps whose `repField` (default region) equals the lead's `leadField`
 *     (default region; dotted paths allowed). A lead without a territory keeps every candidate.
 *     When no candidate matches, fallback anyone keeps them all, pool (the default) pools the lead.
 *   - round-robin: the first candidate by id after the cursor of scope `rr#<funnel>`, wrapping
 *     around; the decision carries the new cursor.
 *   - least-loaded: the candidate holding the fewest leads in the lead's stage (the lowest ratio
 *     to the stage's ideal, which is the same for all of them); without an ideal, the fewest open
 *     leads. Ties: fewer open leads, then the smaller id.
 *   Validated rules end with a pick step; should they not, least-loaded picks.
 * - When a step leaves exactly one candidate and nothing narrows further, that step decides
 *   (`via` grade-routing or territory) and the round-robin cursor does not move.
 * - When nobody is left, the lead goes to whenNoRep.pool ("unassigned" by default), `repId` null.
 * - The reason names every step that applied, in order ("territory 华东 → least loaded: 7 of 10
 *   graded"); a pooled lead's reason says which step emptied the candidates and why.
 *
 * Pure and deterministic: reps are always considered in id order.
 */
export function decideAssignment(
  rules: RuleSet,
  lead: Lead,
  ctx: AssignmentContext,
): AssignDecision {
  const pass = startPass(rules, lead, ctx);
  for (const step of rules.distribution.steps) {
    // The discoverer may be over the cap within the bonus, so only later steps need candidates.
    const decided =
      step.use === "discoverer"
        ? discoverer(pass, step.bonus ?? 0)
        : (nobody(pass) ?? runStep(pass, step));
    if (decided !== undefined) return decided;
  }
  return nobody(pass) ?? leastLoaded(pass);
}

/**
 * Pools the lead when no candidate is left. Narrowing steps pool as soon as they empty the set,
 * so an empty set here is the starting one: everyone full, away or not allowed.
 */
function nobody(pass: Pass): AssignDecision | undefined {
  if (candidatesOf(pass).length > 0) return undefined;
  const scope = pass.ctx.restrictTo === undefined ? undefined : "the allowed reps";
  return noRep(
    pass,
    whyNone(pass, scope, () => true, pass.reachable),
  );
}

interface Caps {
  /** Most leads a rep may hold in the lead's stage; undefined: no cap. */
  stage?: number;
  /** Most open leads a rep may hold; undefined: no cap. */
  open?: number;
}

/** One run of the steps over one lead. */
interface Pass {
  rules: RuleSet;
  lead: Lead;
  ctx: AssignmentContext;
  funnelId: string;
  stageId: string;
  /** The stage's ideal count per rep; 0 is kept for the cap but gives least-loaded no ratio. */
  ideal?: number;
  caps: Caps;
  /** Everyone somebody reports to: never handed leads. */
  managers: ReadonlySet<string>;
  /** Sellers who have not left and whom the context allows: the people reasons count. */
  permitted: Rep[];
  /** Permitted, available now, and kept by the steps so far; full reps included (see bonus). */
  reachable: Rep[];
  /** What each applied step did, for the reason. */
  parts: string[];
  /** The last step that shrank the candidates, to credit it when it left only one. */
  narrowedBy?: Via;
}

function startPass(rules: RuleSet, lead: Lead, ctx: AssignmentContext): Pass {
  const funnel = findFunnel(rules, lead.funnel);
  const stage = funnel && findStage(funnel, lead.stage);
  const ideal = stage?.idealPerRep;
  const { maxPerStage, maxOpen } = rules.distribution.capacity ?? {};
  const managers = managerIds(ctx.reps);
  const permitted = [...ctx.reps.values()]
    .filter(
      (rep) =>
        rep.status !== "left" &&
        !managers.has(rep.id) &&
        !ctx.exclude?.has(rep.id) &&
        (ctx.restrictTo === undefined || ctx.restrictTo.has(rep.id)),
    )
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    rules,
    lead,
    ctx,
    funnelId: funnel?.id ?? lead.funnel ?? "",
    stageId: lead.stage,
    ideal,
    caps: {
      stage:
        ideal !== undefined && maxPerStage !== undefined
          ? // The epsilon keeps 100 × 1.15 (114.99999999999999 in floating point) at 115.
            Math.floor(ideal * Number(maxPerStage.slice(0, -1)) + 1e-9)
          : undefined,
      open: maxOpen,
    },
    managers,
    permitted,
    reachable: permitted.filter((rep) => isAvailable(rep, ctx.now)),
    parts: [],
  };
}

function runStep(
  pass: Pass,
  step: Exclude<DistributionStep, { use: "discoverer" }>,
): AssignDecision | undefined {
  switch (step.use) {
    case "grade-routing":
      return gradeRouting(pass, step.routes);
    case "territory":
      return territory(pass, step.leadField ?? "region", step.repField ?? "region", step.fallback);
    case "round-robin":
      return roundRobin(pass);
    case "least-loaded":
      return leastLoaded(pass);
  }
}

// ---------------------------------------------------------------------------------------------
// Capacity

function loadIn(pass: Pass, rep: Rep): RepLoad {
  return loadOf(pass.ctx.loads, rep.id);
}

/**
 * Why `rep` is full with the caps raised by `bonus` ("holds 15 graded (cap 15)"), or undefined.
 * The caps are shown raised by `shown`, so a discoverer over the plain cap reads "(cap 15 + 2)".
 */
function fullness(pass: Pass, rep: Rep, bonus: number, shown = bonus): string | undefined {
  const load = loadIn(pass, rep);
  const plus = shown > 0 ? ` + ${shown}` : "";
  const over: string[] = [];
  const { stage, open } = pass.caps;
  const inStage = stageCount(load, pass.funnelId, pass.stageId);
  if (stage !== undefined && inStage >= stage + bonus)
    over.push(`${inStage} ${pass.stageId} (cap ${stage}${plus})`);
  if (open !== undefined && load.open >= open + bonus)
    over.push(`${openLeads(load.open)} (cap ${open}${plus})`);
  return over.length === 0 ? undefined : `holds ${over.join(" and ")}`;
}

function candidatesOf(pass: Pass): Rep[] {
  return pass.reachable.filter((rep) => fullness(pass, rep, 0) === undefined);
}

// ---------------------------------------------------------------------------------------------
// Steps

function discoverer(pass: Pass, bonus: number): AssignDecision | undefined {
  const id = pass.lead.discoveredBy;
  if (id === undefined) return undefined;
  const rep = pass.ctx.reps.get(id);
  const passedOver =
    rep === undefined ? `discoverer ${id} is not a known rep` : whyNotDiscoverer(pass, rep, bonus);
  if (passedOver !== undefined) pass.parts.push(passedOver);
  if (rep === undefined || passedOver !== undefined) return undefined;
  const overCap = fullness(pass, rep, 0);
  const found = `discoverer: found by ${rep.name}`;
  if (overCap === undefined) return assign(pass, rep, "discoverer", found);
  const raised = fullness(pass, rep, 0, bonus);
  return {
    ...assign(pass, rep, "discoverer", `${found}, beyond the cap thanks to the bonus: ${raised}`),
    bonusUsed: true,
  };
}

function whyNotDiscoverer(pass: Pass, rep: Rep, bonus: number): string | undefined {
  const { ctx } = pass;
  const id = rep.id;
  const who = `discoverer ${rep.name}`;
  if (rep.status === "left") return `${who} has left`;
  if (pass.managers.has(id)) return `${who} is a manager, not a seller`;
  if (ctx.exclude?.has(id)) return `${who} is excluded`;
  if (ctx.restrictTo !== undefined && !ctx.restrictTo.has(id))
    return `${who} is not among the allowed reps`;
  if (!isAvailable(rep, ctx.now))
    return `${who} is away${rep.awayUntil === undefined ? "" : ` until ${rep.awayUntil}`}`;
  if (!pass.reachable.includes(rep)) return `${who} is ruled out by the steps before`;
  const full = fullness(pass, rep, bonus);
  if (full !== undefined)
    return `${who} is full${bonus > 0 ? " even with the bonus" : ""}: ${full}`;
  return undefined;
}

function gradeRouting(
  pass: Pass,
  routes: Extract<DistributionStep, { use: "grade-routing" }>["routes"],
): AssignDecision | undefined {
  const grade = pass.lead.grade;
  if (grade === undefined || !Object.hasOwn(routes, grade)) return undefined;
  const route = routes[grade];
  if (route === undefined) return undefined;
  const target = [
    route.team === undefined ? undefined : `team ${route.team}`,
    route.reps === undefined
      ? undefined
      : `${route.reps.length === 1 ? "rep" : "reps"} ${route.reps.join(", ")}`,
  ]
    .filter((text) => text !== undefined)
    .join(" and ");
  const inRoute = (rep: Rep) =>
    (route.reps?.includes(rep.id) ?? false) ||
    (route.team !== undefined && rep.team === route.team);
  // Routed grades stay routed: an empty route pools the lead rather than widening to everyone.
  return narrow(pass, inRoute, target, `grade ${grade} → ${target}`, "grade-routing");
}

function territory(
  pass: Pass,
  leadField: string,
  repField: string,
  fallback: "anyone" | "pool" = "pool",
): AssignDecision | undefined {
  const value = fieldValue(pass.lead, leadField);
  if (value === undefined || value === null || value === "") return undefined;
  const name = `territory ${typeof value === "string" ? value : JSON.stringify(value)}`;
  const inTerritory = (rep: Rep) => fieldValue(rep, repField) === value;
  if (fallback === "anyone" && !candidatesOf(pass).some(inTerritory)) {
    pass.parts.push(`${whyNone(pass, name, inTerritory, pass.reachable)}, so any territory`);
    return undefined;
  }
  return narrow(pass, inTerritory, name, name, "territory");
}

/** Keeps the reps `keep` accepts; pools the lead when no candidate is left. */
function narrow(
  pass: Pass,
  keep: (rep: Rep) => boolean,
  scope: string,
  part: string,
  via: Via,
): AssignDecision | undefined {
  const before = pass.reachable;
  const count = candidatesOf(pass).length;
  pass.reachable = before.filter(keep);
  const left = candidatesOf(pass).length;
  if (left === 0) return noRep(pass, whyNone(pass, scope, keep, before));
  if (left < count) pass.narrowedBy = via;
  pass.parts.push(part);
  return undefined;
}

function roundRobin(pass: Pass): AssignDecision {
  const candidates = candidatesOf(pass);
  const only = onlyCandidate(pass, candidates);
  if (only !== undefined) return only;
  const scope = `rr#${pass.funnelId}`;
  const cursor = pass.ctx.cursors.get(scope);
  // Candidates are in id order, so this is the next id after the cursor, wrapping around.
  const next = candidates.find((rep) => cursor === undefined || rep.id > cursor) ?? candidates[0];
  if (next === undefined) return noRep(pass, "there is no available seller");
  return { ...assign(pass, next, "round-robin", "round robin"), cursor: { scope, repId: next.id } };
}

function leastLoaded(pass: Pass): AssignDecision {
  const candidates = candidatesOf(pass);
  const only = onlyCandidate(pass, candidates);
  if (only !== undefined) return only;
  // A stage's ideal is the same for every rep, so the lowest count is the lowest ratio to it.
  const byRatio = pass.ideal !== undefined && pass.ideal > 0;
  const ranked = candidates
    .map((rep) => {
      const load = loadIn(pass, rep);
      return { rep, open: load.open, inStage: stageCount(load, pass.funnelId, pass.stageId) };
    })
    .sort(
      (a, b) =>
        (byRatio ? a.inStage - b.inStage : 0) ||
        a.open - b.open ||
        (a.rep.id < b.rep.id ? -1 : a.rep.id > b.rep.id ? 1 : 0),
    );
  const best = ranked[0];
  if (best === undefined) return noRep(pass, "there is no available seller");
  const why = byRatio
    ? `least loaded: ${best.inStage} of ${pass.ideal} ${pass.stageId}`
    : `least loaded: ${openLeads(best.open)}`;
  return assign(pass, best.rep, "least-loaded", why);
}

/** A narrowing step that left a single candidate made the choice, not the pick. */
function onlyCandidate(pass: Pass, candidates: Rep[]): AssignDecision | undefined {
  const [rep, ...others] = candidates;
  if (rep === undefined || others.length > 0 || pass.narrowedBy === undefined) return undefined;
  return assign(pass, rep, pass.narrowedBy, `the only candidate left: ${rep.name}`);
}

// ---------------------------------------------------------------------------------------------
// Decisions and reasons

function assign(pass: Pass, rep: Rep, via: Via, last: string): AssignDecision {
  return {
    kind: "assign",
    leadId: pass.lead.id,
    repId: rep.id,
    via,
    reason: [...pass.parts, last].join(" → "),
  };
}

function noRep(pass: Pass, why: string): AssignDecision {
  const before = pass.parts.length === 0 ? "" : ` (${pass.parts.join(" → ")})`;
  return {
    kind: "assign",
    leadId: pass.lead.id,
    repId: null,
    pool: pass.rules.distribution.whenNoRep?.pool ?? "unassigned",
    via: "no-eligible-rep",
    reason: `no eligible rep: ${why}${before}`,
  };
}

/**
 * Why none of the permitted sellers in `scope` is a candidate: "all 7 sellers of team
 * key-accounts are full or away", "territory 西南 has no available seller". `before` is the
 * reachable set before the step, to tell reps an earlier step dropped from away or full ones.
 */
function whyNone(
  pass: Pass,
  scope: string | undefined,
  inScope: (rep: Rep) => boolean,
  before: Rep[],
): string {
  const people = pass.permitted.filter(inScope);
  if (people.length === 0)
    return scope === undefined
      ? "there is no available seller"
      : `${scope} has no available seller`;
  const causes = new Set<string>();
  for (const rep of people) {
    if (!isAvailable(rep, pass.ctx.now)) causes.add("away");
    else if (!before.includes(rep)) causes.add("ruled out by the steps before");
    else causes.add("full");
  }
  const order = ["full", "away", "ruled out by the steps before"].filter((c) => causes.has(c));
  const last = order.pop() ?? "";
  const what = order.length === 0 ? last : `${order.join(", ")} or ${last}`;
  const of = scope === undefined ? "" : ` of ${scope}`;
  return people.length === 1
    ? `the only seller${of} is ${what}`
    : `all ${people.length} sellers${of} are ${what}`;
}

function openLeads(count: number): string {
  return `${count} open lead${count === 1 ? "" : "s"}`;
}
