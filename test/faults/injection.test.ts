import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { loadRulesSync } from "../../functions/adapters/rules-loader";
import type { AnomalyDecision } from "../../functions/core/anomalies/anomaly-decision";
import { anomalyEmails } from "../../functions/core/anomalies/anomaly-emails";
import type { Decision, EmailDecision } from "../../functions/core/decisions";
import { decideAssignment } from "../../functions/core/distribution/decide-assignment";
import { addressEmail } from "../../functions/core/email/address-email";
import {
  entryCheckEmails,
  type HandoffEntry,
  handoffEmails,
  noRepEmail,
} from "../../functions/core/notices";
import type { Lead } from "../../functions/core/records/lead";
import type { Rep } from "../../functions/core/records/rep";
import { renderRollup } from "../../functions/core/rollup/render-rollup";
import { rollupData } from "../../functions/core/rollup/rollup-data";
import { buildRollupReport } from "../../functions/core/rollup/rollup-report";
import type { RuleFile } from "../../functions/core/rules/rule-schema";
import { compileRuleSet, type RuleSet } from "../../functions/core/rules/rule-set";
import { decideSweep } from "../../functions/core/sweep";
import { readInbox } from "../../functions/local/ses-inbox";
import {
  actionsOf,
  RULES_DIR,
  resourcesOf,
  type Statement,
  synthesize,
} from "../infra/stack-support";
import { aSeller, aTeam } from "../support/event-path-factories";
import { aLead, aRep } from "../support/factories";
import { faultFigures, faultSeed, trials } from "../support/fault-figures";
import { useLocalStack } from "../support/local-stack";
import { aSmallOrg, twoWeeksOfTeamData } from "../support/rollup-factories";
import { aScheduledPath } from "../support/scheduled-path-factories";

/*
 * HTML and header injection through every lead and rep field that reaches an email, into every
 * kind of email the product sends. The renderers are pure, so the sweep is every field × every
 * email kind × every payload × both locales; one end-to-end run then takes hostile records through
 * the stream, the outbox and the SES stand-in.
 */

const figures = faultFigures("injection");
const SEED = faultSeed(1_337);
const stack = useLocalStack("faults");

const EVIL = "evil@example.com";
const FIXED_PAYLOADS = [
  "<script>alert(1)</script>",
  '"><img src=x onerror=alert(1)>',
  "' onmouseover='alert(1)' x='",
  '<a href="javascript:alert(1)">open</a>',
  "<svg/onload=alert(1)>",
  "&amp;",
  "&lt;script&gt;",
  `\r\nBcc: ${EVIL}`,
  `\nBcc: ${EVIL}`,
  `\rBcc: ${EVIL}`,
  `x\u2028Bcc: ${EVIL}`,
  `x\u2029Subject: pwned`,
  `x\u0085Bcc: ${EVIL}`,
  `=?utf-8?q?=0D=0ABcc:=20${EVIL}?=`,
  "\u0000\u0007\u001b[2J",
  `${"长".repeat(5_000)}<script>alert(1)</script>`,
];
// Seeded combinations of the same ingredients join the fixed payloads (more at a larger scale).
const PAYLOADS = [
  ...FIXED_PAYLOADS,
  ...fc.sample(
    fc
      .array(
        fc.oneof(
          fc.constantFrom("<", ">", '"', "'", "&", "\r", "\n", "\u2028", "\u0085", "Bcc: ", EVIL),
          fc.constantFrom("<script>", "</script>", "<img src=x onerror=", "javascript:", "&#60;"),
          fc.string({ unit: "grapheme", maxLength: 6 }),
        ),
        { minLength: 2, maxLength: 8 },
      )
      .map((parts) => parts.join("")),
    { seed: SEED, numRuns: trials(4) },
  ),
];

// ---------------------------------------------------------------------------------------------
// Rules and people

const shipped = loadRulesSync(RULES_DIR).source;

/** The shipped rules in one locale; territory pools a lead nobody covers, so no-rep emails go out. */
function shippedIn(locale: "en" | "zh-CN"): RuleSet {
  const source: RuleFile = structuredClone(shipped);
  source.settings = { ...source.settings, locale };
  source.distribution = {
    ...(source.distribution ?? { steps: [] }),
    steps: [
      { use: "territory", leadField: "region", repField: "region", fallback: "pool" },
      { use: "least-loaded" },
    ],
  };
  return compileRuleSet(source);
}

const LOCALES = ["en", "zh-CN"] as const;
const RULES = { en: shippedIn("en"), "zh-CN": shippedIn("zh-CN") };
const NOW = Date.parse("2026-11-24T02:00:00.000Z");
const daysAgo = (days: number) => new Date(NOW - days * 86_400_000).toISOString();

/** head → mgr-1 → rep-a (the owner), rep-b (who leaves); every address plain. */
function org(changes: Partial<Record<"head" | "mgr-1" | "rep-a" | "rep-b", Partial<Rep>>> = {}) {
  const reps = [
    aRep({ id: "head", name: "Chen Jie", email: "head@example.com", manager: undefined }),
    aRep({ id: "mgr-1", name: "Zhang Min", email: "mgr-1@example.com", manager: "head" }),
    aRep({
      id: "rep-a",
      name: "Li Wei",
      email: "rep-a@example.com",
      manager: "mgr-1",
      region: "华东",
    }),
    aRep({
      id: "rep-b",
      name: "Wang Fang",
      email: "rep-b@example.com",
      manager: "mgr-1",
      region: "华东",
    }),
  ].map((rep) => ({ ...rep, ...(changes[rep.id as keyof typeof changes] ?? {}) }));
  return new Map(reps.map((rep) => [rep.id, rep]));
}

/** Where a payload goes: a lead field, a rep field of one role, or a value the engine derives. */
type Placement = (value: string) => {
  lead: Partial<Lead>;
  reps: ReturnType<typeof org>;
  extra: string;
};

const onLead =
  (field: "name" | "company" | "id" | "region", without: string[] = []): Placement =>
  (value) => ({
    lead: { [field]: value, ...Object.fromEntries(without.map((f) => [f, undefined])) },
    reps: org(),
    extra: "",
  });
const onRep =
  (id: "head" | "mgr-1" | "rep-a" | "rep-b", field: "name" | "email"): Placement =>
  (value) => ({
    lead: {},
    reps: org({ [id]: { [field]: field === "email" ? `${id}@example.com${value}` : value } }),
    extra: "",
  });
const asExtra: Placement = (value) => ({ lead: {}, reps: org(), extra: value });

interface Channel {
  kind: string;
  field: string;
  place: Placement;
  /** The emails (and undeliverable decisions) this kind produces with the payload in place. */
  build(rules: RuleSet, placed: ReturnType<Placement>): Decision[];
  /** The payload goes into a recipient's address: the To header, not the body. */
  address?: boolean;
}

const baseLead = (changes: Partial<Lead>): Lead =>
  ({
    ...aLead({
      id: "L1",
      name: "Acme Trading",
      company: "Acme Ltd",
      owner: "rep-a",
      stage: "contacted",
      amount: 120_000,
      stageEnteredAt: daysAgo(12),
    }),
    ...changes,
  }) as Lead;

const dwell: Channel["build"] = (rules, { lead, reps }) =>
  decideSweep(rules, { leads: [baseLead(lead)], reps, now: NOW, runId: "run-1" }).filter(
    (d) => d.kind === "email" || d.kind === "undeliverable",
  );

const entryCheck: Channel["build"] = (rules, { lead, reps }) => {
  const full = baseLead({ stage: "intent", ...lead });
  return entryCheckEmails(
    rules,
    {
      kind: "entry-check",
      leadId: full.id,
      funnel: "standard",
      stage: "intent",
      enteredAt: daysAgo(0),
      missing: ["budget", "timeline"],
      owner: full.owner,
      reason: "",
    },
    full,
    reps,
  );
};

const noRep: Channel["build"] = (rules, { lead, reps }) => {
  const full = baseLead({ owner: undefined, stage: "graded", region: "西北", ...lead });
  const assignment = decideAssignment(rules, full, {
    reps,
    loads: new Map(),
    cursors: new Map(),
    now: NOW,
  });
  return assignment.repId === null ? noRepEmail(rules, assignment, full, reps, NOW) : [];
};

const handoff: Channel["build"] = (rules, { lead, reps }) => {
  const leaver = { ...(reps.get("rep-b") as Rep), status: "left" as const };
  const moved = baseLead(lead);
  const moves: HandoffEntry[] = [
    {
      leadId: moved.id,
      title: moved.name ?? moved.company ?? moved.id,
      funnel: "standard",
      stage: "contacted",
      amount: 120_000,
      enteredAt: daysAgo(3),
      to: "rep-a",
    },
    {
      leadId: "L2",
      title: "Pooled lead",
      funnel: "standard",
      stage: "lead",
      amount: 5_000,
      enteredAt: daysAgo(1),
      to: null,
      pool: "unassigned",
    },
  ];
  return handoffEmails(rules, leaver, moves, reps, "000123", NOW);
};

const anomaly: Channel["build"] = (rules, { reps, extra }) => {
  const finding: AnomalyDecision = {
    kind: "anomaly",
    anomaly: "low-transfer",
    scope: "rep",
    subjectId: extra === "" ? "rep-a" : extra,
    funnel: "standard",
    stage: "contacted",
    figure: 0.2,
    threshold: 0.35,
    window: "90d (2026-08-26..2026-11-24)",
    samples: 40,
    recipients: ["mgr-1"],
    reason: "",
  };
  return anomalyEmails(rules, [finding], reps, "run-1");
};

/** The small roll-up org (dir-1 → mgr-a → rep-a1 …) with the payload on one of its people. */
const rollup =
  (who: "mgr-a" | "rep-a1" | undefined, field: "name" | "email" | undefined): Channel["build"] =>
  (rules, { lead, extra }) => {
    const people = aSmallOrg();
    if (who !== undefined && field !== undefined) {
      const rep = people.get(who) as Rep;
      people.set(who, {
        ...rep,
        [field]: field === "email" ? `${who}@example.com${extra}` : extra,
      });
    }
    const input = twoWeeksOfTeamData(rules);
    const data = rollupData({ ...input, reps: people });
    const manager = data.reps.get("mgr-a") as Rep;
    const top = {
      ...aLead({ id: "T1", owner: "rep-a1", stage: "intent", amount: 150_000 }),
      ...lead,
    };
    const report = buildRollupReport(data, manager, data.tree.level("mgr-a"), {
      leads: [top],
      anomalies: who === undefined && field === undefined && extra !== "" ? [extra] : [],
      now: NOW,
    });
    return [
      addressEmail(manager, "rollup#2026-11-16#mgr-a", () => renderRollup(rules, report), "", []),
    ];
  };

const CHANNELS: Channel[] = [
  { kind: "dwell digest", field: "lead.name", place: onLead("name"), build: dwell },
  { kind: "dwell digest", field: "lead.company", place: onLead("company", ["name"]), build: dwell },
  {
    kind: "dwell digest",
    field: "lead.id",
    place: onLead("id", ["name", "company"]),
    build: dwell,
  },
  { kind: "dwell digest", field: "owner's name", place: onRep("rep-a", "name"), build: dwell },
  { kind: "dwell digest", field: "manager's name", place: onRep("mgr-1", "name"), build: dwell },
  {
    kind: "dwell digest",
    field: "owner's email",
    place: onRep("rep-a", "email"),
    build: dwell,
    address: true,
  },
  { kind: "entry check", field: "lead.name", place: onLead("name"), build: entryCheck },
  {
    kind: "entry check",
    field: "lead.company",
    place: onLead("company", ["name"]),
    build: entryCheck,
  },
  {
    kind: "entry check",
    field: "lead.id",
    place: onLead("id", ["name", "company"]),
    build: entryCheck,
  },
  { kind: "entry check", field: "owner's name", place: onRep("rep-a", "name"), build: entryCheck },
  {
    kind: "entry check",
    field: "manager's name",
    place: onRep("mgr-1", "name"),
    build: entryCheck,
  },
  {
    kind: "entry check",
    field: "manager's email",
    place: onRep("mgr-1", "email"),
    build: entryCheck,
    address: true,
  },
  { kind: "no rep", field: "lead.name", place: onLead("name"), build: noRep },
  { kind: "no rep", field: "lead.id", place: onLead("id", ["name", "company"]), build: noRep },
  { kind: "no rep", field: "lead.region", place: onLead("region"), build: noRep },
  { kind: "no rep", field: "head's name", place: onRep("head", "name"), build: noRep },
  {
    kind: "no rep",
    field: "head's email",
    place: onRep("head", "email"),
    build: noRep,
    address: true,
  },
  { kind: "handoff", field: "lead title", place: onLead("name"), build: handoff },
  { kind: "handoff", field: "leaver's name", place: onRep("rep-b", "name"), build: handoff },
  { kind: "handoff", field: "receiver's name", place: onRep("rep-a", "name"), build: handoff },
  { kind: "handoff", field: "manager's name", place: onRep("mgr-1", "name"), build: handoff },
  {
    kind: "handoff",
    field: "receiver's email",
    place: onRep("rep-a", "email"),
    build: handoff,
    address: true,
  },
  {
    kind: "anomaly digest",
    field: "subject rep's name",
    place: onRep("rep-a", "name"),
    build: anomaly,
  },
  {
    kind: "anomaly digest",
    field: "recipient's name",
    place: onRep("mgr-1", "name"),
    build: anomaly,
  },
  { kind: "anomaly digest", field: "rep id outside the org", place: asExtra, build: anomaly },
  {
    kind: "anomaly digest",
    field: "recipient's email",
    place: onRep("mgr-1", "email"),
    build: anomaly,
    address: true,
  },
  {
    kind: "roll-up",
    field: "top opportunity's name",
    place: onLead("name"),
    build: rollup(undefined, undefined),
  },
  { kind: "roll-up", field: "manager's name", place: asExtra, build: rollup("mgr-a", "name") },
  { kind: "roll-up", field: "a report's name", place: asExtra, build: rollup("rep-a1", "name") },
  {
    kind: "roll-up",
    field: "anomaly finding",
    place: asExtra,
    build: rollup(undefined, undefined),
  },
  {
    kind: "roll-up",
    field: "manager's email",
    place: asExtra,
    build: rollup("mgr-a", "email"),
    address: true,
  },
];

// ---------------------------------------------------------------------------------------------
// Invariants

/** HTML-escaped as a browser needs it, written here rather than taken from the product. */
function escaped(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** Characters Unicode treats as ending a line (CR, LF, NEL, LS, PS): none may sit inside one. */
const LINE_BREAKS_INSIDE = /[\r\u0085\u2028\u2029]/;
const HEADER_BREAKS = /[\r\n\u2028\u2029]/;
const DANGEROUS_TAG = /<\s*(script|img|svg|iframe|a|object|embed)\b|\bon[a-z]+\s*=|javascript:/i;

const emailsOf = (decisions: Decision[]) =>
  decisions.filter((d): d is EmailDecision => d.kind === "email");
const recipientsOf = (decisions: Decision[]) =>
  decisions.map((d) => (d.kind === "email" ? d.to.join(",") : `(${d.kind})`));

type Invariant = "html" | "headers" | "text" | "recipients";
interface Fault {
  invariant: Invariant;
  message: string;
}

/** What is wrong with the emails carrying `payload`, next to the same emails carrying a marker. */
function faultsOf(channel: Channel, payload: string, got: Decision[], benign: Decision[]): Fault[] {
  const faults: Fault[] = [];
  const fault = (invariant: Invariant, message: string) => faults.push({ invariant, message });
  const emails = emailsOf(got);
  const plain = emailsOf(benign);
  if (!channel.address && recipientsOf(got).join(";") !== recipientsOf(benign).join(";"))
    fault(
      "recipients",
      `sent to ${recipientsOf(got).join(";")} instead of ${recipientsOf(benign).join(";")}`,
    );
  emails.forEach((email, index) => {
    const before = plain[index];
    const who = `email ${index + 1} (${JSON.stringify(email.to.join(",").slice(0, 60))})`;
    if (HEADER_BREAKS.test(email.subject))
      fault("headers", `${who}: the subject holds a line break`);
    for (const address of email.to) {
      if (/[\r\n]/.test(address)) fault("headers", `${who}: a To address holds CR or LF`);
      if (address.includes(EVIL) && !channel.address)
        fault("recipients", `${who}: goes to ${EVIL}`);
    }
    // Every tag in the HTML is one the renderer wrote: no payload markup survives as markup.
    const tags = email.html.match(/<[^>]*>/g) ?? [];
    const hostile = tags.find((tag) => DANGEROUS_TAG.test(tag));
    if (hostile !== undefined)
      fault("html", `${who}: raw markup in the HTML: ${hostile.slice(0, 80)}`);
    if (!channel.address && before?.html.includes(MARKER) && !email.html.includes(escaped(payload)))
      fault("html", `${who}: the HTML does not hold the payload escaped`);
    const lines = email.text.split("\n");
    const broken = lines.find((line) => LINE_BREAKS_INSIDE.test(line));
    if (broken !== undefined)
      fault("text", `${who}: a text line holds a line break: ${shown(broken.slice(0, 80))}`);
    const expected = before?.text.split("\n").length;
    if (expected !== undefined && lines.length !== expected)
      fault("text", `${who}: the text part has ${lines.length} lines, not ${expected}`);
  });
  return faults;
}

const MARKER = "Marker-7731";

/** JSON, with the line breaks JSON leaves raw (NEL, LS, PS) spelt out so a message shows them. */
const shown = (text: string) =>
  JSON.stringify(text).replace(
    /[\u0080-\u009f\u2028\u2029]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );

interface Rendering {
  where: string;
  faults: Fault[];
}

let renderings: Rendering[] | undefined;

/** Every channel × payload × locale, rendered once and judged; the tests below read the verdicts. */
function allRenderings(): Rendering[] {
  if (renderings !== undefined) return renderings;
  const out: Rendering[] = [];
  for (const locale of LOCALES) {
    const rules = RULES[locale];
    for (const channel of CHANNELS) {
      const benign = channel.build(rules, channel.place(MARKER));
      // The field really reaches this kind of email, or the sweep would prove nothing.
      const reaches = emailsOf(benign).some((email) =>
        channel.address
          ? email.to.some((address) => address.includes(MARKER))
          : [email.subject, email.text, email.html].some((part) => part.includes(MARKER)),
      );
      expect(
        reaches,
        `${channel.kind} ← ${channel.field} (${locale}): the field reaches an email`,
      ).toBe(true);
      for (const payload of PAYLOADS) {
        figures.trial();
        const got = channel.build(rules, channel.place(payload));
        figures.count("emails rendered", emailsOf(got).length);
        out.push({
          where: `${locale} ${channel.kind} ← ${channel.field} = ${shown(payload.slice(0, 40))}`,
          faults: faultsOf(channel, payload, got, benign),
        });
      }
    }
  }
  renderings = out;
  return out;
}

function expectNone(invariant: Invariant): void {
  const violations: string[] = [];
  for (const rendering of allRenderings()) {
    const faults = rendering.faults.filter((f) => f.invariant === invariant);
    if (!figures.check(faults.length === 0))
      violations.push(`${rendering.where}: ${faults.map((f) => f.message).join("; ")}`);
  }
  expect(
    violations,
    `${violations.length} of ${allRenderings().length} renderings (seed ${SEED}):\n${violations.slice(0, 25).join("\n")}`,
  ).toEqual([]);
}

describe(`every lead and rep field × every kind of email × ${PAYLOADS.length} payloads × both locales`, () => {
  it("shows every payload in the HTML only escaped: no markup, no event handler survives", () => {
    expectNone("html");
  });

  it("sends each email to the same people whatever the payload, never to an injected address", () => {
    expectNone("recipients");
  });

  it("keeps the subject and every recipient address free of CR and LF", () => {
    expectNone("headers");
  });

  it("keeps each value on its line of the text part: no line break inside a line, no extra line", () => {
    expectNone("text");
  });
});

describe("hostile records through the stream, the outbox and the SES stand-in", () => {
  it("sends the entry-check, no-rep and handoff emails to exactly the right people, markup as text, headers on one line", async () => {
    const rules = RULES.en;
    const path = await aScheduledPath(stack, {
      prefix: "inj-e2e",
      rules,
      reps: (s) =>
        aTeam(s, [
          aSeller("rep-a", s, {
            region: "华东",
            name: `<script>alert(1)</script>\u2028Cc: evil-${s}@example.com`,
          }),
          aSeller("rep-b", s, {
            region: "华东",
            name: `Wang\u2029Subject: pwned <svg/onload=alert(1)>`,
          }),
          aSeller("rep-c", s, { region: "华东", name: "Zhao &amp; <b>Lei</b>" }),
        ]).map((rep) =>
          rep.id === "mgr-1"
            ? { ...rep, name: `Zhang "><img src=x onerror=alert(1)>\r\nBcc: evil-${s}@example.com` }
            : rep,
        ),
    });
    const evil = `evil-${path.suffix}@example.com`;
    const hostile = `"><img src=x onerror=alert(1)>\r\nBcc: ${evil}`;
    figures.trial();
    await path.putLeadsInOrder([
      // Entered intent without need, authority, budget or timeline: owner and manager are told.
      aLead({
        id: "E1",
        owner: "rep-a",
        stage: "intent",
        amount: 80_000,
        name: `E1 ${hostile}`,
        stageEnteredAt: undefined,
      }),
      // Nobody covers its region: pooled, and the head is told, the region in the reason.
      aLead({
        id: "N1",
        owner: undefined,
        stage: "graded",
        amount: 10_000,
        name: "N1 <b>new</b>",
        region: `西北<script>alert(2)</script>\r\nBcc: ${evil}`,
        stageEnteredAt: undefined,
      }),
      // rep-b's leads, handed over when rep-b leaves.
      aLead({
        id: "B1",
        owner: "rep-b",
        stage: "contacted",
        amount: 30_000,
        name: `B1 <i>x</i>\u2028Bcc: ${evil}`,
        region: "华东",
      }),
      aLead({
        id: "B2",
        owner: "rep-b",
        stage: "lead",
        amount: 20_000,
        company: `B2 &lt;co&gt;\r\nTo: ${evil}`,
        name: undefined,
        region: "华东",
      }),
    ]);
    await path.drain();
    await path.updateRep("rep-b", { status: "left" });
    await path.drain();

    const queued = (await path.outbox()).filter((item) => item.status === "pending");
    const kinds = queued.map((item) => String(item.key).split("#")[0]).sort();
    expect(kinds).toEqual(expect.arrayContaining(["entry", "entry", "handoff", "no-rep"]));
    const result = await path.run("outbox", new Date(Date.now() + 60_000).toISOString());
    expect(result.status).toBe("done");

    const ours = (await readInbox(stack.sesEndpoint)).filter((email) =>
      [...email.to, ...email.cc, ...email.bcc].some((address) => address.includes(path.suffix)),
    );
    // One delivered email per queued one, each to the address its person has, nobody else.
    expect(ours.map((email) => email.subject).sort()).toEqual(
      queued.map((item) => String(item.subject)).sort(),
    );
    const people = new Set(
      ["head", "mgr-1", "rep-a", "rep-b", "rep-c"].map((id) => path.email(id)),
    );
    const violations: string[] = [];
    const check = (holds: boolean, what: string) => {
      if (!figures.check(holds)) violations.push(what);
    };
    for (const email of ours) {
      const who = `${email.to.join(",")} "${email.subject.slice(0, 50)}"`;
      check(
        email.to.length === 1 && people.has(email.to[0] ?? ""),
        `${who}: goes to ${email.to.join(",")}`,
      );
      check(
        email.cc.length === 0 && email.bcc.length === 0,
        `${who}: has cc ${email.cc} / bcc ${email.bcc}`,
      );
      check(!HEADER_BREAKS.test(email.subject), `${who}: the subject holds a line break`);
      const tags = (email.html ?? "").match(/<[^>]*>/g) ?? [];
      check(!tags.some((tag) => DANGEROUS_TAG.test(tag)), `${who}: raw markup in the HTML`);
      const lines = String(email.text).split("\n");
      check(
        !lines.some((line) => LINE_BREAKS_INSIDE.test(line)),
        `${who}: a text line holds a line break`,
      );
      check(
        !lines.some((line) => /^\s*(bcc|cc|to|subject)\s*:/i.test(line)),
        `${who}: a text line starts like a header`,
      );
    }
    const everyone = await readInbox(stack.sesEndpoint);
    check(
      !everyone.some((email) => [...email.to, ...email.cc, ...email.bcc].includes(evil)),
      `an email went to ${evil}`,
    );
    // The hostile values are there, as text.
    const html = ours.map((email) => email.html ?? "").join("\n");
    for (const asText of [
      `E1 ${escaped('"><img src=x onerror=alert(1)>')}`,
      escaped("<script>alert(1)</script>"),
      escaped("<svg/onload=alert(1)>"),
      escaped("Zhao &amp; <b>Lei</b>"),
      escaped("西北<script>alert(2)</script>"),
      escaped("B1 <i>x</i>"),
      escaped("B2 &lt;co&gt;"),
    ])
      check(html.includes(asText), `the HTML shows ${asText} as text`);
    figures.count("emails through SES", ours.length);
    expect(violations).toEqual([]);
    expect(ours.length).toBeGreaterThanOrEqual(5);
  });
});

// ---------------------------------------------------------------------------------------------
// The stack's IAM. test/infra/funnel-stack.test.ts checks the actions of the functions' and the
// scheduler's role policies (AWS::IAM::Policy) for wildcards, but not resource policies, trust
// policies or `Resource: "*"`; this covers every statement of every policy document.

/**
 * Wildcards AWS requires, each with why:
 * - dynamodb:ListStreams on "*": ListStreams has no resource-level permissions (the stream
 *   mapping's role needs it to find the table's stream).
 * - lambda:InvokeFunction on the scheduled function's ARN + ":*": its versions and aliases, which
 *   EventBridge Scheduler may invoke; still that one function.
 * - Deny statements (the dead-letter queues' and the alarm topic's aws:SecureTransport guards):
 *   a wildcard in a Deny takes rights away from everyone, it never grants any.
 */
function allowedWildcard(statement: Statement): boolean {
  if (statement.Effect === "Deny") return true;
  const actions = actionsOf(statement);
  const resources = JSON.stringify(statement.Resource);
  if (actions.every((action) => action === "dynamodb:ListStreams") && resources === '"*"')
    return true;
  if (
    actions.every((action) => action === "lambda:InvokeFunction") &&
    !resources.includes('"*"') &&
    /ScheduledFunction[0-9A-F]+","Arn"\]\},":\*"/.test(resources)
  )
    return true;
  return false;
}

describe("the stack's IAM", () => {
  let outdir: string | undefined;
  afterAll(() => {
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  });

  it("grants no wildcard action or resource in any policy statement, except where AWS requires one", () => {
    outdir = mkdtempSync(join(tmpdir(), "funnel-iam-"));
    const { template } = synthesize(
      { "aws:cdk:bundling-stacks": [] },
      outdir,
      loadRulesSync(RULES_DIR),
    );
    const documents: { where: string; statements: Statement[] }[] = [];
    for (const [id, resource] of Object.entries(
      template.toJSON().Resources as Record<
        string,
        { Type: string; Properties?: Record<string, unknown> }
      >,
    )) {
      const props = resource.Properties ?? {};
      const add = (where: string, document: unknown) => {
        const statements = (document as { Statement?: Statement[] } | undefined)?.Statement;
        if (statements !== undefined)
          documents.push({ where: `${resource.Type} ${id}${where}`, statements });
      };
      add("", props.PolicyDocument);
      add(" (trust)", props.AssumeRolePolicyDocument);
      for (const inline of (props.Policies as
        | { PolicyName: string; PolicyDocument: unknown }[]
        | undefined) ?? [])
        add(` (inline ${inline.PolicyName})`, inline.PolicyDocument);
    }
    // Every role's and every queue's and topic's policy is among them.
    const kinds = new Set(documents.map((d) => d.where.split(" ")[0]));
    for (const type of [
      "AWS::IAM::Policy",
      "AWS::IAM::Role",
      "AWS::SQS::QueuePolicy",
      "AWS::SNS::TopicPolicy",
    ])
      expect(kinds, type).toContain(type);
    expect(resourcesOf(template, "AWS::IAM::Role").length).toBeGreaterThanOrEqual(3);

    const violations: string[] = [];
    for (const { where, statements } of documents) {
      for (const statement of statements) {
        figures.trial();
        const wildcardAction = actionsOf(statement).some((action) => action.includes("*"));
        const wildcardResource = JSON.stringify(statement.Resource ?? null).includes("*");
        const wildcardPrincipal = JSON.stringify(
          (statement as { Principal?: unknown }).Principal ?? null,
        ).includes('"*"');
        const wild =
          wildcardAction || wildcardResource || (wildcardPrincipal && statement.Effect !== "Deny");
        if (!figures.check(!wild || allowedWildcard(statement)))
          violations.push(`${where}: ${JSON.stringify(statement).slice(0, 200)}`);
      }
    }
    expect(violations).toEqual([]);
  });
});
