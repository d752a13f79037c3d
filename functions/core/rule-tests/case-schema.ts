import { DECISION_FIELDS, EXPECTATION_KEYS, type FieldSpec } from "./decision-fields";

/*
 * The rule-test case file, as a JSON Schema: schema/rule-tests.schema.json is generated from it
 * (editors complete keys and explain them on hover), and the case-file checks validate with it.
 * Descriptions are written for the ops staff who write the cases.
 */

export const CASE_SCHEMA_PATH = "schema/rule-tests.schema.json";

type Schema = Record<string, unknown>;

const FLOW_COUNTER_HELP: Record<string, string> = {
  entered: "Leads that came into the stage (or were given to the rep in it).",
  advanced: "Leads that left the stage forward.",
  abandoned: "Leads that left the stage for the lost end stage.",
  exits: "Leads that left the stage.",
  dwellRatioSum: "Sum over the leads that left of their time in stage ÷ the stage's limit.",
  sales: "Sales booked in the stage.",
  salesAmount: "Amount of those sales.",
  oofSales: "Out-of-funnel sales among them.",
  oofAmount: "Amount of the out-of-funnel sales.",
};

const id = (description: string): Schema => ({ type: "string", minLength: 1, description });

const TIME = "T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})";
/** A date, or a time with its offset: a time without one would depend on the machine's zone. */
export const INSTANT_PATTERN = `^[0-9]{4}-[0-9]{2}-[0-9]{2}(${TIME})?$`;
/** Record times are stored as ISO-8601 instants; the offset is required for the same reason. */
export const RECORD_TIME_PATTERN = `^[0-9]{4}-[0-9]{2}-[0-9]{2}${TIME}$`;

const instant = (description: string): Schema => ({
  type: "string",
  pattern: INSTANT_PATTERN,
  description: `${description} An ISO-8601 time with its offset (2026-11-23T09:00:00+08:00), or a date (09:00 that day in the rules' time zone).`,
  examples: ["2026-11-23T09:00:00+08:00", "2026-11-23"],
});

const recordTime = (description: string): Schema => ({
  type: "string",
  pattern: RECORD_TIME_PATTERN,
  description: `${description} An ISO-8601 time with its offset, e.g. 2026-11-20T09:00:00+08:00.`,
});

const RepSchema: Schema = {
  type: "object",
  description:
    "A person of the sales organisation: reps and their managers are the same record. Any other field may be added (a territory field, for example).",
  required: ["id"],
  properties: {
    id: id("The person's id."),
    name: { type: "string", description: "Display name; default: the id." },
    manager: id("Id of this person's manager; leave out for the head of the organisation."),
    team: id("The team, for grade-routing and same-team reassignment."),
    region: { type: "string", description: "The territory, for the territory step." },
    status: {
      enum: ["active", "away", "left"],
      description: "active (default), away (see awayUntil) or left.",
    },
    awayUntil: recordTime("An away rep is eligible again from this time."),
    email: { type: "string", description: "Where the person's emails go." },
    quota: { type: "number", minimum: 0, description: "Quarterly quota (sales amount)." },
  },
};

const LeadSchema: Schema = {
  type: "object",
  description:
    "A lead as a CRM writes it. Any other field may be added: grading conditions and required fields read them (employees, productFit, need, budget, …).",
  required: ["id", "stage"],
  properties: {
    id: id("The lead's id."),
    funnel: id("The funnel; default: the first funnel of the rules."),
    stage: id("The stage id."),
    owner: id("The rep who owns the lead."),
    pool: id("The pool holding a lead without an owner."),
    name: { type: "string", description: "The lead's name." },
    company: { type: "string", description: "The customer's company." },
    contact: {
      type: "object",
      description: "The contact person: name, phone, email.",
      properties: {
        name: { type: "string" },
        phone: { type: "string" },
        email: { type: "string" },
      },
    },
    amount: { type: "number", minimum: 0, description: "The expected deal amount." },
    region: { type: "string", description: "The territory, for the territory step." },
    source: { type: "string", description: "Where the lead came from, e.g. inbound or trial." },
    grade: { type: "string", description: "The grade; leave out to have the rules grade it." },
    discoveredBy: id("The rep who found the lead outside the funnel."),
    nextActionAt: recordTime("The next planned action."),
    stageEnteredAt: recordTime("When the lead entered its stage."),
    dwellLevel: {
      type: "integer",
      minimum: 0,
      description: "How many escalation levels were already notified for this stage entry.",
    },
    coldUntil: recordTime("When the cooldown of a lead in the cold pool ends."),
    previousOwner: id("The owner a cold lead had."),
    createdAt: recordTime("When the lead was registered (the oldest duplicate keeps a customer)."),
    updatedBy: { type: "string", description: "Who wrote the change." },
  },
};

const HoldingSchema: Schema = {
  type: "object",
  description: "Leads a rep holds in a stage without listing each one (the per-rep aggregates).",
  required: ["rep", "stage", "count"],
  additionalProperties: false,
  properties: {
    rep: id("The rep."),
    funnel: id("The funnel; default: the first funnel."),
    stage: id("The stage."),
    count: { type: "integer", minimum: 0, description: "How many leads." },
    amount: { type: "number", minimum: 0, description: "Their total amount; default 0." },
  },
};

const FlowSchema: Schema = {
  type: "object",
  description:
    "What happened in one stage of one rep's funnel in one week: the counters the anomaly checks read.",
  required: ["rep", "stage"],
  additionalProperties: false,
  properties: {
    rep: id("The rep."),
    funnel: id("The funnel; default: the first funnel."),
    stage: id("The stage."),
    week: {
      type: "string",
      pattern: "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
      description: "Any day of the week (YYYY-MM-DD); default: the week of the case's `at`.",
    },
    ...Object.fromEntries(
      Object.entries(FLOW_COUNTER_HELP).map(([name, description]) => [
        name,
        { type: "number", minimum: 0, description },
      ]),
    ),
  },
};

/** The same field, or null (to remove it). */
function nullable(field: Schema): Schema {
  const type = field.type;
  if (type === undefined) return field;
  return { ...field, type: [...(Array.isArray(type) ? type : [type]), "null"] };
}

function fieldSchema(spec: FieldSpec): Schema {
  switch (spec.type) {
    case "text":
      return { type: "string", description: spec.description };
    case "text-or-null":
      return { type: ["string", "null"], description: spec.description };
    case "number":
      return { type: "number", description: spec.description };
    case "integer":
      return { type: "integer", description: spec.description };
    case "boolean":
      return { type: "boolean", description: spec.description };
    case "list":
      return { type: "array", description: spec.description };
  }
}

const ExpectationSchema: Schema = {
  type: "object",
  description:
    "A decision the rules must (expect) or must not (expectNot) take: its kind and any of its fields. Fields left out match anything; `reason`, `subject` and `text` match when they contain the given text.",
  required: ["kind"],
  properties: {
    kind: { enum: Object.keys(DECISION_FIELDS), description: EXPECTATION_KEYS.kind },
  },
  discriminator: { propertyName: "kind" },
  oneOf: Object.entries(DECISION_FIELDS).map(([kind, fields]) => ({
    type: "object",
    additionalProperties: false,
    properties: {
      kind: { const: kind, description: EXPECTATION_KEYS.kind },
      times: { type: "integer", minimum: 0, description: EXPECTATION_KEYS.times },
      ...Object.fromEntries(
        Object.entries(fields).map(([name, spec]) => [name, fieldSchema(spec)]),
      ),
    },
  })),
};

const ref = (name: string): Schema => ({ $ref: `#/definitions/${name}` });

const GIVEN = {
  at: instant("The instant the case runs at: the stream's change time, or the job's run time."),
  reps: {
    type: "array",
    items: ref("rep"),
    description: "The sales organisation.",
  },
  holdings: {
    type: "array",
    items: ref("holding"),
    description:
      "Leads reps hold besides the listed leads, as counts per stage: capacity, least-loaded and funnel shape read them.",
  },
  leads: {
    type: "array",
    items: ref("lead"),
    description:
      "Leads already in the table: open leads a new lead may duplicate; the leads a sweep, a cold release or a departure works on.",
  },
  flows: {
    type: "array",
    items: ref("flow"),
    description: "Weekly flow counters for the anomalies job.",
  },
} as const;

const CaseSchema: Schema = {
  type: "object",
  description:
    "One case: given the organisation and the records at an instant, when something happens, expect these decisions and not those.",
  required: ["name", "rule"],
  additionalProperties: false,
  properties: {
    name: {
      type: "string",
      minLength: 1,
      description: "What the case shows, as a sentence: an inbound lead is graded A.",
    },
    rule: {
      description:
        "The rule(s) the case covers, by id (funnel test lists the ids): grading.rules.inbound-or-trial, distribution.steps.territory, funnels.standard.stages.intent.requires, …",
      anyOf: [
        { type: "string", minLength: 1 },
        { type: "array", items: { type: "string", minLength: 1 }, minItems: 1 },
      ],
      examples: ["grading.rules.inbound-or-trial"],
    },
    ...GIVEN,
    lead: {
      allOf: [ref("lead")],
      description: "When: this lead is written for the first time.",
    },
    change: {
      type: "object",
      description: "When: a lead is written again, from `before` to `after`.",
      required: ["before", "after"],
      additionalProperties: false,
      properties: {
        before: ref("lead"),
        after: {
          type: "object",
          description:
            "What the writer changes: the lead is `before` with these fields written over it (null removes a field).",
          properties: Object.fromEntries(
            Object.entries(LeadSchema.properties as Record<string, Schema>).map(([key, field]) => [
              key,
              key === "id" ? field : nullable(field),
            ]),
          ),
        },
      },
    },
    job: {
      enum: ["sweep", "release-cold", "anomalies"],
      description:
        "When: a scheduled job runs at `at` — sweep (dwell alerts over `leads`), release-cold (cold leads whose cooldown ended), anomalies (over `flows` and what the reps hold).",
    },
    repLeaves: id("When: this rep's status becomes left; their `leads` are handed on."),
    expect: {
      type: "array",
      items: ref("expectation"),
      description: "Decisions the rules must take.",
    },
    expectNot: {
      type: "array",
      items: ref("expectation"),
      description: "Decisions the rules must not take.",
    },
  },
};

/** The whole case file: shared givens, then the cases. */
export const CaseFileSchema: Schema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  $id: "https://funnel-rules.dev/schema/rule-tests.schema.json",
  title: "funnel-rules rule test cases",
  description:
    "Rule test cases for `funnel test`: given reps and leads at an instant, expect these decisions and not those. Keys given at the top (at, reps, holdings, leads, flows) apply to every case that does not give its own.",
  type: "object",
  required: ["cases"],
  additionalProperties: false,
  properties: {
    ...GIVEN,
    cases: { type: "array", items: ref("case"), minItems: 1, description: "The cases." },
  },
  definitions: {
    case: CaseSchema,
    rep: RepSchema,
    lead: LeadSchema,
    holding: HoldingSchema,
    flow: FlowSchema,
    expectation: ExpectationSchema,
  },
};

/** The text of schema/rule-tests.schema.json. */
export function generateCaseSchema(): string {
  return `${JSON.stringify(CaseFileSchema, null, 2)}\n`;
}
