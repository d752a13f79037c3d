import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { durationPattern } from "../time/duration";

/*
 * The rule language, defined once. The TypeScript types below, schema/rules.schema.json (for
 * editors, via `# yaml-language-server: $schema=…`) and docs/rules-reference.md are all derived
 * from these definitions by `npm run schema`; a test fails when a derived file is stale.
 * Descriptions are written for the ops staff who edit the YAML: they show up as editor hovers and
 * in the reference.
 */

const strict = { additionalProperties: false } as const;

const Id = Type.String({
  pattern: "^[a-z][a-z0-9-]*$",
  description: "Identifier: lower-case letters, digits and dashes, starting with a letter.",
  examples: ["contacted"],
});

const durationHelp =
  "A duration: a number and a unit — m (minutes), h (hours), d (calendar days), bd (business days, per the calendar), w (weeks).";

function duration(description = durationHelp, examples: string[] = ["5d", "36h", "3bd"]) {
  return Type.String({
    // The parser's own pattern, so editors flag 0d or 1.5bd as the validator does.
    pattern: durationPattern,
    description,
    examples,
  });
}

function multiple(description = "A multiple of the stage's dwell limit.") {
  return Type.String({
    pattern: "^[0-9]+(\\.[0-9]+)?x$",
    description,
    examples: ["1x", "2x", "1.5x"],
  });
}

function rate(description = "A rate between 0 and 1 (write 0.9 for 90 %).") {
  return Type.Number({ minimum: 0, maximum: 1, description, examples: [0.9] });
}

const Multiple = multiple();
const Rate = rate();

const Label = Type.Union(
  [
    Type.String({ minLength: 1 }),
    Type.Record(Type.String({ pattern: "^[a-z]{2}(-[A-Z]{2})?$" }), Type.String({ minLength: 1 }), {
      // TypeBox leaves keys that miss the pattern unchecked; without this, "EN:" would pass.
      additionalProperties: false,
      description: "One text per locale.",
    }),
  ],
  {
    description: "Display text in any language, or one text per locale.",
    examples: ["已接触客户", { "zh-CN": "已接触客户", en: "Contacted" }],
  },
);

const Locale = Type.Union([Type.Literal("zh-CN"), Type.Literal("en")], {
  description: "Language of emails and reports.",
});

const Weekday = Type.Union(
  [
    Type.Literal("mon"),
    Type.Literal("tue"),
    Type.Literal("wed"),
    Type.Literal("thu"),
    Type.Literal("fri"),
    Type.Literal("sat"),
    Type.Literal("sun"),
  ],
  { description: "Day of the week, three letters." },
);

const DateOrRange = Type.String({
  pattern: "^[0-9]{4}-[0-9]{2}-[0-9]{2}(\\.\\.[0-9]{4}-[0-9]{2}-[0-9]{2})?$",
  description: "A date (YYYY-MM-DD) or an inclusive range (YYYY-MM-DD..YYYY-MM-DD).",
  examples: ["2026-10-01..2026-10-07"],
});

// ---------------------------------------------------------------------------------------------
// Settings and calendar

export const SettingsSchema = Type.Object(
  {
    locale: Type.Optional(Locale),
    currency: Type.Optional(
      Type.String({ pattern: "^[A-Z]{3}$", description: "ISO 4217 code.", examples: ["CNY"] }),
    ),
    sender: Type.Optional(
      Type.String({
        pattern: "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$",
        description: "From address of every email the engine sends.",
        examples: ["funnel@example.com"],
      }),
    ),
  },
  { ...strict, description: "Settings that apply to the whole rule set." },
);

export const CalendarSchema = Type.Object(
  {
    timeZone: Type.String({
      description: "IANA time zone in which days, business days and schedules are counted.",
      examples: ["Asia/Shanghai"],
    }),
    workingDays: Type.Array(Weekday, {
      minItems: 1,
      uniqueItems: true,
      description: "Days of the week that are working days.",
      examples: [["mon", "tue", "wed", "thu", "fri"]],
    }),
    holidays: Type.Optional(
      Type.Array(DateOrRange, {
        description: "Public holidays: not working days even if they fall on a working weekday.",
      }),
    ),
    extraWorkingDays: Type.Optional(
      Type.Array(DateOrRange, {
        description:
          "Working days that fall on a weekend (China's adjusted working days, 调休), e.g. 2026-09-27.",
      }),
    ),
  },
  {
    ...strict,
    description: "Business calendar for business-day limits (bd) and schedules.",
  },
);

// ---------------------------------------------------------------------------------------------
// Funnels

export const StageSchema = Type.Object(
  {
    id: Id,
    label: Label,
    maxDwell: Type.Optional(
      duration(
        "How long a lead may stay in this stage before it is overdue (移动日). Omit for no limit.",
        ["5d", "3bd"],
      ),
    ),
    transferRate: Type.Optional(
      rate(
        "Target share of leads that move on to the next stage (移动率). Used by the low-transfer anomaly.",
      ),
    ),
    winRate: Type.Optional(
      rate("Probability that a lead in this stage is eventually won; drives the forecast."),
    ),
    idealPerRep: Type.Optional(
      Type.Integer({
        minimum: 0,
        description:
          "Ideal number of leads one rep holds in this stage. Fewer: the rep must prospect; far more: the rep cannot work them all.",
      }),
    ),
    requires: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        uniqueItems: true,
        description:
          "Lead fields that must be filled in before a lead enters this stage (e.g. need, authority, budget, timeline).",
      }),
    ),
    countsAsSale: Type.Optional(
      Type.Boolean({
        description:
          "Reaching this stage books the sale (the amount counts as sales from then on and leaves the forecast).",
      }),
    ),
    terminal: Type.Optional(
      Type.Union([Type.Literal("won"), Type.Literal("lost")], {
        description: "Marks an end stage: won (the deal is done) or lost (abandoned).",
      }),
    ),
    playbook: Type.Optional(
      Type.Union(Label.anyOf, {
        description:
          "A hint shown next to overdue leads of this stage in alerts: one text, or one per locale.",
        examples: ["Call today.", { "zh-CN": "今天打电话。", en: "Call today." }],
      }),
    ),
  },
  { ...strict, description: "One stage of a funnel, in order." },
);

export const FunnelSchema = Type.Object(
  {
    id: Id,
    label: Label,
    stages: Type.Array(StageSchema, { minItems: 2, description: "The stages, in order." }),
    outOfFunnel: Type.Optional(
      Type.Object(
        {
          amountBelow: Type.Optional(
            Type.Number({
              minimum: 0,
              description:
                "Orders below this amount are kept out of the funnel (漏斗外销售额): they count as sales but not in the forecast.",
            }),
          ),
          qualifyingStages: Type.Optional(
            Type.Array(Id, {
              description:
                "Stages a won lead must have passed through to count as in-funnel; a lead that skipped them is out-of-funnel.",
            }),
          ),
        },
        { ...strict, description: "What counts as an out-of-funnel sale." },
      ),
    ),
  },
  { ...strict, description: "A funnel (one product line) with its ordered stages." },
);

// ---------------------------------------------------------------------------------------------
// Conditions (grading and routing)

const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);

const Comparison = Type.Object(
  {
    field: Type.String({
      minLength: 1,
      description: "Lead field, dotted for nested fields.",
      examples: ["employees", "contact.phone"],
    }),
    eq: Type.Optional(Type.Union(Scalar.anyOf, { description: "The field equals this value." })),
    ne: Type.Optional(
      Type.Union(Scalar.anyOf, { description: "The field does not equal this value." }),
    ),
    gt: Type.Optional(Type.Number({ description: "The field is greater than this number." })),
    gte: Type.Optional(Type.Number({ description: "The field is at least this number." })),
    lt: Type.Optional(Type.Number({ description: "The field is less than this number." })),
    lte: Type.Optional(Type.Number({ description: "The field is at most this number." })),
    in: Type.Optional(
      Type.Array(Scalar, { minItems: 1, description: "The field equals one of these values." }),
    ),
    notIn: Type.Optional(
      Type.Array(Scalar, { minItems: 1, description: "The field equals none of these values." }),
    ),
    exists: Type.Optional(
      Type.Boolean({ description: "true: the field is filled in; false: it is empty or missing." }),
    ),
    contains: Type.Optional(
      Type.String({ description: "The field (text or list) contains this text." }),
    ),
  },
  {
    ...strict,
    minProperties: 2,
    description:
      "Compares one lead field: eq, ne, gt, gte, lt, lte, in, notIn, exists, contains. Several operators in one comparison must all hold.",
  },
);

export const ConditionSchema = Type.Recursive(
  (Self) =>
    Type.Union([
      Type.Object({ all: Type.Array(Self, { minItems: 1 }) }, strict),
      Type.Object({ any: Type.Array(Self, { minItems: 1 }) }, strict),
      Type.Object({ not: Self }, strict),
      Comparison,
    ]),
  {
    $id: "Condition",
    description:
      "A condition over lead fields: {all: […]}, {any: […]}, {not: …} or a comparison {field, op: value}.",
  },
);

// ---------------------------------------------------------------------------------------------
// Grading

export const GradingSchema = Type.Object(
  {
    grades: Type.Optional(
      Type.Array(Type.String({ pattern: "^[A-Z]$" }), {
        minItems: 1,
        uniqueItems: true,
        description: "The grades, best first.",
        examples: [["A", "B", "C"]],
      }),
    ),
    default: Type.String({
      pattern: "^[A-Z]$",
      description: "Grade of a lead no rule matches.",
    }),
    rules: Type.Array(
      Type.Object(
        {
          id: Id,
          grade: Type.String({
            pattern: "^[A-Z]$",
            description: "Grade given to a lead this rule matches; one of grades.",
          }),
          description: Type.Optional(
            Type.String({ description: "Why the rule exists, for the people who maintain it." }),
          ),
          when: ConditionSchema,
        },
        { ...strict, description: "The first rule whose condition holds grades the lead." },
      ),
      { description: "Grading rules, tried in order." },
    ),
  },
  { ...strict, description: "How leads are graded (客户评级)." },
);

// ---------------------------------------------------------------------------------------------
// Distribution

const RepTarget = Type.Object(
  {
    reps: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: "Rep ids." }),
    ),
    team: Type.Optional(Type.String({ minLength: 1, description: "A team: all of its reps." })),
  },
  { ...strict, minProperties: 1, description: "Named reps, or every rep of a team." },
);

const DiscovererStep = Type.Object(
  {
    use: Type.Literal("discoverer"),
    bonus: Type.Optional(
      Type.Integer({
        minimum: 0,
        description:
          "How many leads beyond the capacity caps (per stage and open) the discoverer may hold, so a rep is not refused a lead they found because they are full.",
      }),
    ),
  },
  {
    ...strict,
    description:
      "A lead a rep found outside the funnel (discoveredBy) goes to that rep first (漏斗外客户来源).",
  },
);

const GradeRoutingStep = Type.Object(
  {
    use: Type.Literal("grade-routing"),
    routes: Type.Record(Type.String({ pattern: "^[A-Z]$" }), RepTarget, {
      additionalProperties: false,
      description: "Per grade, the reps or team that take such leads.",
      examples: [{ A: { team: "key-accounts" } }],
    }),
  },
  { ...strict, description: "Leads of a grade go only to the named reps or team." },
);

const TerritoryStep = Type.Object(
  {
    use: Type.Literal("territory"),
    leadField: Type.Optional(Type.String({ description: "Lead field holding the territory." })),
    repField: Type.Optional(Type.String({ description: "Rep field holding the territory." })),
    fallback: Type.Optional(
      Type.Union([Type.Literal("anyone"), Type.Literal("pool")], {
        description: "When no rep covers the lead's territory: keep all candidates, or pool it.",
      }),
    ),
  },
  { ...strict, description: "Only reps whose territory matches the lead's (分地盘)." },
);

const PickStep = Type.Object(
  {
    use: Type.Union([Type.Literal("round-robin"), Type.Literal("least-loaded")], {
      description:
        "round-robin: take turns; least-loaded: the rep furthest below the ideal count for the lead's stage.",
    }),
  },
  { ...strict, description: "Chooses one rep among the remaining candidates." },
);

export const DistributionSchema = Type.Object(
  {
    steps: Type.Array(Type.Union([DiscovererStep, GradeRoutingStep, TerritoryStep, PickStep]), {
      minItems: 1,
      description:
        "Applied in order: discoverer and grade-routing narrow or decide, territory narrows, round-robin or least-loaded picks.",
    }),
    capacity: Type.Optional(
      Type.Object(
        {
          maxPerStage: Type.Optional(
            multiple("A rep never holds more than this multiple of a stage's ideal count."),
          ),
          maxOpen: Type.Optional(
            Type.Integer({ minimum: 1, description: "A rep never holds more open leads." }),
          ),
        },
        { ...strict, description: "Caps that make a rep ineligible." },
      ),
    ),
    duplicates: Type.Optional(
      Type.Object(
        {
          matchOn: Type.Array(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }), {
            minItems: 1,
            description:
              "Each entry is a set of lead fields that together identify the same customer.",
            examples: [[["company"], ["contact.phone"]]],
          }),
        },
        {
          ...strict,
          description: "A new lead matching an open one goes to that lead's owner, linked.",
        },
      ),
    ),
    whenNoRep: Type.Optional(
      Type.Object(
        {
          pool: {
            ...Id,
            description: "The pool (an id under pools) that receives the lead.",
            examples: ["unassigned"],
          },
          notify: Type.Optional(
            Type.Array(Type.Union([Type.Literal("manager"), Type.Literal("head")]), {
              description: "Who is told that the lead found no rep: manager or head.",
            }),
          ),
        },
        { ...strict, description: "Where a lead goes when no rep is eligible, and who is told." },
      ),
    ),
    whenRepLeaves: Type.Optional(
      Type.Object(
        {
          reassignTo: Type.Union([Type.Literal("same-team"), Type.Literal("anyone")], {
            description: "Which reps take over the leaver's open leads.",
          }),
          gradeAToManagerChoice: Type.Optional(
            Type.Boolean({
              description: "A-grade leads wait in the manager's pool for the manager to assign.",
            }),
          ),
          notify: Type.Optional(
            Type.Array(Type.Union([Type.Literal("manager"), Type.Literal("head")]), {
              description: "Who is told about the handover: manager or head.",
            }),
          ),
        },
        { ...strict, description: "What happens to a departing rep's leads (销售人员变动)." },
      ),
    ),
  },
  { ...strict, description: "How leads are allocated to reps (客户资源的分配)." },
);

// ---------------------------------------------------------------------------------------------
// Pools and cold handling

export const PoolSchema = Type.Object(
  {
    id: Id,
    label: Label,
    manager: Type.Optional(
      Type.String({ description: "Rep id of the person responsible for this pool." }),
    ),
  },
  { ...strict, description: "A central pool that holds leads without an owner." },
);

export const ColdSchema = Type.Object(
  {
    cooldown: duration("How long an abandoned lead is not allocated to anyone (冷处理).", ["30d"]),
    pool: {
      ...Id,
      description: "The pool (an id under pools) that holds leads while they cool.",
      examples: ["cold"],
    },
    returnTo: Type.Object(
      {
        funnel: Type.Optional({
          ...Id,
          description: "Funnel the lead returns to; required when there is more than one funnel.",
          examples: ["standard"],
        }),
        stage: {
          ...Id,
          description: "Stage the lead returns to; an open (not terminal) stage.",
          examples: ["resource"],
        },
        grade: Type.Optional(
          Type.String({
            pattern: "^([A-Z]|keep)$",
            description: "Grade on return: a grade letter, or keep.",
          }),
        ),
      },
      { ...strict, description: "Where a lead re-enters distribution after the cooldown." },
    ),
  },
  { ...strict, description: "Cold handling of abandoned leads." },
);

// ---------------------------------------------------------------------------------------------
// Alerts

const Recipient = Type.Union(
  [Type.Literal("owner"), Type.Literal("manager"), Type.Literal("managers-manager")],
  { description: "owner, manager (the owner's manager) or managers-manager." },
);

export const DwellAlertSchema = Type.Object(
  {
    escalation: Type.Array(
      Type.Object(
        { after: Multiple, notify: Recipient },
        { ...strict, description: "Who is told once a lead has been in its stage this long." },
      ),
      { minItems: 1, description: "Escalation chain, in increasing multiples of the limit." },
    ),
    remindEvery: Type.Optional(
      duration("Repeat the last level's alert this often while the lead stays overdue."),
    ),
    respectNextAction: Type.Optional(
      Type.Boolean({
        description:
          "A lead with a planned next action (nextActionAt) in the future is not reported as stuck. Default true.",
      }),
    ),
    actions: Type.Optional(
      Type.Array(
        Type.Object(
          {
            after: Multiple,
            do: Type.Union([Type.Literal("reassign"), Type.Literal("abandon")], {
              description:
                "reassign: give the lead to another rep; abandon: give the lead up (see cold).",
            }),
          },
          strict,
        ),
        { description: "Actions beyond alerting, at multiples of the limit." },
      ),
    ),
  },
  { ...strict, description: "Alerts about leads over their stage's dwell limit." },
);

const AnomalyBase = {
  notify: Type.Optional(Type.Array(Recipient, { description: "Who receives this anomaly." })),
  minSamples: Type.Integer({
    minimum: 1,
    description: "Only evaluated with at least this many leads in the window.",
  }),
};

export const AnomaliesSchema = Type.Object(
  {
    window: duration("Trailing window over which anomalies are measured.", ["90d"]),
    outOfFunnelSales: Type.Optional(
      Type.Object(
        { ...AnomalyBase, shareAbove: Rate },
        { ...strict, description: "Too many signings never went through the funnel." },
      ),
    ),
    intentsWithoutSignings: Type.Optional(
      Type.Object(
        { ...AnomalyBase, signRateBelow: Rate },
        { ...strict, description: "Many intent customers but few signings." },
      ),
    ),
    lowTransfer: Type.Optional(
      Type.Object(
        {
          ...AnomalyBase,
          tolerance: rate("Alert when a stage's transfer rate is below target × tolerance."),
        },
        { ...strict, description: "Low transfer rate between stages." },
      ),
    ),
    highAbandonment: Type.Optional(
      Type.Object(
        { ...AnomalyBase, rateAbove: Rate },
        { ...strict, description: "Abandonment rate too high." },
      ),
    ),
    longCycle: Type.Optional(
      Type.Object(
        {
          ...AnomalyBase,
          above: multiple(
            "Alert when leads dwell longer than this multiple of the limits on average.",
          ),
        },
        { ...strict, description: "Cycle too long." },
      ),
    ),
  },
  { ...strict, description: "Anomalies managers must be told about (意外状态)." },
);

export const FunnelShapeSchema = Type.Object(
  {
    below: rate("Needs prospecting when holding fewer than ideal × this."),
    above: Type.Number({
      minimum: 1,
      description: "Cannot work them all when holding more than ideal × this.",
    }),
  },
  { ...strict, description: "Alerts about reps far from the ideal count per stage." },
);

export const AlertsSchema = Type.Object(
  {
    dwell: Type.Optional(DwellAlertSchema),
    anomalies: Type.Optional(AnomaliesSchema),
    funnelShape: Type.Optional(FunnelShapeSchema),
    repLeft: Type.Optional(
      Type.Object(
        { notify: Type.Array(Recipient, { minItems: 1, description: "Who is told." }) },
        { ...strict, description: "Who is told when a rep leaves (handover must be complete)." },
      ),
    ),
  },
  { ...strict, description: "What managers and reps are told about." },
);

// ---------------------------------------------------------------------------------------------
// Reports and schedules

export const JobSchema = Type.Union(
  [
    Type.Literal("sweep"),
    Type.Literal("release-cold"),
    Type.Literal("anomalies"),
    Type.Literal("rollup"),
    Type.Literal("outbox"),
  ],
  {
    description:
      "sweep: dwell alerts; release-cold: end cooldowns; anomalies: anomaly and funnel-shape alerts; rollup: the weekly roll-up; outbox: retry pending emails.",
  },
);

export const ScheduleSchema = Type.Object(
  {
    id: Id,
    job: JobSchema,
    cron: Type.String({
      description:
        "Five-field cron (minute hour day-of-month month day-of-week) in the calendar's time zone.",
      examples: ["0 9 * * MON-FRI", "*/15 * * * *"],
    }),
    workingDaysOnly: Type.Optional(
      Type.Boolean({ description: "Skip days that are not working days in the calendar." }),
    ),
  },
  { ...strict, description: "When a job runs." },
);

export const ReportsSchema = Type.Object(
  {
    weeklyProgressTarget: Type.Optional(
      rate("Weekly progress each manager should see: 1/13 of the quarter ≈ 0.078."),
    ),
    rollup: Type.Optional(
      Type.Object(
        {
          cadence: Type.Array(
            Type.Object(
              {
                level: Type.Integer({
                  minimum: 1,
                  description: "Management level: 1 = first-line managers, 2 = their managers, …",
                }),
                day: Weekday,
              },
              strict,
            ),
            {
              minItems: 1,
              description: "On which day each management level receives its subtree's roll-up.",
            },
          ),
          topOpportunities: Type.Optional(
            Type.Integer({
              minimum: 0,
              description:
                "How many of the largest open opportunities the roll-up lists. Default 5.",
            }),
          ),
        },
        { ...strict, description: "The weekly roll-up up the hierarchy." },
      ),
    ),
  },
  { ...strict, description: "Reports and their targets." },
);

// ---------------------------------------------------------------------------------------------
// A rule file. A rule set is every *.yaml file of a directory, merged; each section may appear in
// one file only, except funnels, pools and schedules, which are lists merged across files.

export const RuleFileSchema = Type.Object(
  {
    version: Type.Literal(1, { description: "Version of the rule language." }),
    settings: Type.Optional(SettingsSchema),
    calendar: Type.Optional(CalendarSchema),
    funnels: Type.Optional(
      Type.Array(FunnelSchema, { description: "Funnels, one per product line." }),
    ),
    grading: Type.Optional(GradingSchema),
    distribution: Type.Optional(DistributionSchema),
    pools: Type.Optional(Type.Array(PoolSchema, { description: "Central pools." })),
    cold: Type.Optional(ColdSchema),
    alerts: Type.Optional(AlertsSchema),
    reports: Type.Optional(ReportsSchema),
    schedules: Type.Optional(Type.Array(ScheduleSchema, { description: "Job schedules." })),
  },
  {
    ...strict,
    $id: "https://funnel-rules.dev/schema/rules.schema.json",
    title: "funnel-rules rule file",
    description:
      "One file of a funnel-rules rule set (every *.yaml file of the directory is merged).",
  },
);

export type RuleFile = Static<typeof RuleFileSchema>;
export type Settings = Static<typeof SettingsSchema>;
export type CalendarRules = Static<typeof CalendarSchema>;
export type FunnelRules = Static<typeof FunnelSchema>;
export type StageRules = Static<typeof StageSchema>;
export type Condition = Static<typeof ConditionSchema>;
export type GradingRules = Static<typeof GradingSchema>;
export type DistributionRules = Static<typeof DistributionSchema>;
export type DistributionStep = DistributionRules["steps"][number];
export type PoolRules = Static<typeof PoolSchema>;
export type ColdRules = Static<typeof ColdSchema>;
export type AlertsRules = Static<typeof AlertsSchema>;
export type DwellAlertRules = Static<typeof DwellAlertSchema>;
export type AnomaliesRules = Static<typeof AnomaliesSchema>;
export type ReportsRules = Static<typeof ReportsSchema>;
export type ScheduleRules = Static<typeof ScheduleSchema>;
export type Job = Static<typeof JobSchema>;
export type Recipient = Static<typeof Recipient>;

/** Sections that are lists merged across files; every other section may appear in one file only. */
export const LIST_SECTIONS = ["funnels", "pools", "schedules"] as const;

export const ruleSchemas: Record<string, TSchema> = { RuleFileSchema };
