import type { Lead } from "../core/records/lead";
import type { Rep } from "../core/records/rep";
import type { RuleSet } from "../core/rules/rule-set";

/** Small deterministic PRNG so the demo org is the same on every machine. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const surnames = [
  "王",
  "李",
  "张",
  "刘",
  "陈",
  "杨",
  "赵",
  "黄",
  "周",
  "吴",
  "徐",
  "孙",
  "胡",
  "朱",
  "高",
  "林",
];
const givenNames = [
  "伟",
  "芳",
  "娜",
  "敏",
  "静",
  "磊",
  "洋",
  "勇",
  "军",
  "杰",
  "娟",
  "涛",
  "明",
  "超",
  "秀英",
  "丽",
];
const cityPrefixes = {
  华东: ["上海", "杭州", "南京", "苏州", "宁波", "合肥"],
  华北: ["北京", "天津", "石家庄", "太原", "济南", "青岛"],
} as const;
const industries = ["科技", "制造", "物流", "医疗", "教育", "零售", "能源", "建材"];
const sources = ["web", "press", "ads", "directory", "database", "inbound", "trial", "referral"];

type Region = keyof typeof cityPrefixes;

export interface DemoOrg {
  reps: Rep[];
  leads: Lead[];
  /** The rep who leaves a minute after `npm start` (at once with --once), to show a departure. */
  leaverId: string;
}

/**
 * A demo sales organisation for `npm start`: a head, two regional directors, two first-line
 * managers per region with 6–8 reps each, and a few hundred leads spread over the funnel with
 * realistic ages — most within their stage's limit, some overdue, some abandoned, a few unassigned.
 */
export function buildDemoOrg(rules: RuleSet, now: number, seed = 20261123): DemoOrg {
  const random = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const personName = () => pick(surnames) + pick(givenNames);
  const email = (id: string) => `${id}@demo.example.com`;

  const reps: Rep[] = [
    {
      id: "head",
      name: `${personName()}（总经理）`,
      email: email("head"),
      status: "active",
      quota: 20_000_000,
    },
  ];
  const salesReps: Rep[] = [];
  (["华东", "华北"] as Region[]).forEach((region, r) => {
    const directorId = `dir-${r + 1}`;
    reps.push({
      id: directorId,
      name: `${personName()}（${region}总监）`,
      email: email(directorId),
      manager: "head",
      region,
      status: "active",
      quota: 10_000_000,
    });
    for (let m = 1; m <= 2; m += 1) {
      const managerId = `mgr-${r + 1}${m}`;
      const team = `team-${r + 1}${m}`;
      reps.push({
        id: managerId,
        name: `${personName()}（经理）`,
        email: email(managerId),
        manager: directorId,
        region,
        team,
        status: "active",
        quota: 5_000_000,
      });
      const size = 6 + Math.floor(random() * 3);
      for (let i = 1; i <= size; i += 1) {
        const repId = `rep-${r + 1}${m}${i}`;
        const rep: Rep = {
          id: repId,
          name: personName(),
          email: email(repId),
          manager: managerId,
          region,
          team,
          status: "active",
          quota: 700_000,
        };
        salesReps.push(rep);
        reps.push(rep);
      }
    }
  });
  // One rep is on leave, so the demo shows that away reps get no new leads.
  const away = salesReps[3];
  if (away)
    Object.assign(away, {
      status: "away",
      awayUntil: new Date(now + 7 * 86_400_000).toISOString(),
    });

  const funnel = rules.funnels[0];
  const leaver = salesReps[5] ?? salesReps[0];
  const leaverId = leaver?.id ?? "";
  if (funnel === undefined) return { reps, leads: [], leaverId };
  const open = funnel.stages.filter((s) => s.terminal === undefined);
  const lost = funnel.stages.find((s) => s.terminal === "lost");
  // Roughly the funnel's shape: many early leads, few late ones.
  const weights = open.map((_, i) => Math.max(1, open.length - i) ** 1.4);
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const stageFor = () => {
    let x = random() * totalWeight;
    for (let i = 0; i < open.length; i += 1) {
      x -= weights[i] ?? 0;
      if (x <= 0) return open[i];
    }
    return open[open.length - 1];
  };

  const leads: Lead[] = [];
  const count = 320;
  for (let n = 1; n <= count; n += 1) {
    const id = `L${String(n).padStart(4, "0")}`;
    const owner = pick(salesReps);
    const region = owner.region as Region;
    const company = `${pick(cityPrefixes[region])}${pick(["星辰", "华信", "瑞丰", "恒达", "博远", "嘉禾", "鼎盛", "启明"])}${pick(industries)}有限公司`;
    const abandoned = lost !== undefined && random() < 0.08;
    const stage = abandoned ? lost : stageFor();
    if (stage === undefined) continue;
    const limitDays = stage.maxDwell
      ? stage.maxDwell.unit === "hour"
        ? stage.maxDwell.amount / 24
        : stage.maxDwell.amount
      : 10;
    // About a quarter of the leads sit past their limit, some far past it (escalations).
    const overdue = random() < 0.25;
    const ageDays = overdue ? limitDays * (1.05 + random() * 2.5) : limitDays * random() * 0.9;
    const stageIndex = funnel.stages.indexOf(stage);
    const qualified = stageIndex >= funnel.stages.findIndex((s) => s.requires.length > 0);
    const unassigned = !abandoned && stage.index === 0 && random() < 0.3;
    // New leads (no owner, no pool) go through distribution; some were found by a rep.
    const fresh = !abandoned && !unassigned && stage.index <= 1 && random() < 0.35;
    const lead: Lead = {
      id,
      funnel: funnel.id,
      stage: stage.id,
      name: company,
      company,
      contact: {
        name: personName(),
        phone: `1${3 + Math.floor(random() * 6)}${String(Math.floor(random() * 1e9)).padStart(9, "0")}`,
      },
      amount: Math.round((5_000 + random() * random() * 495_000) / 1000) * 1000,
      region,
      source: pick(sources),
      employees: Math.round(10 + random() * random() * 2_000),
      productFit: random() < 0.5,
      contactVerified: random() < 0.7,
      stageEnteredAt: new Date(now - ageDays * 86_400_000).toISOString(),
      updatedBy: "demo-seed",
    };
    // One opportunity in ten was moved on without its qualification fields.
    if (qualified && random() >= 0.1)
      Object.assign(lead, {
        need: "yes",
        authority: lead.contact?.name,
        budget: lead.amount,
        timeline: "this quarter",
      });
    if (abandoned)
      Object.assign(lead, { pool: rules.cold?.pool ?? "cold", previousOwner: owner.id });
    else if (unassigned) lead.pool = rules.distribution.whenNoRep?.pool ?? "unassigned";
    else if (fresh) {
      if (random() < 0.3) lead.discoveredBy = owner.id;
    } else lead.owner = owner.id;
    if (!abandoned && random() < 0.1) {
      lead.nextActionAt = new Date(now + (1 + Math.floor(random() * 5)) * 86_400_000).toISOString();
    }
    leads.push(lead);
  }
  // A customer registered twice: the second registration goes to the first one's owner, linked.
  const original = leads.find((l) => l.owner !== undefined && l.stage === open[2]?.id);
  if (original) {
    leads.push({
      ...original,
      id: `L${String(count + 1).padStart(4, "0")}`,
      owner: undefined,
      stage: open[0]?.id ?? original.stage,
      stageEnteredAt: new Date(now).toISOString(),
      source: "web",
    });
  }
  return { reps, leads, leaverId };
}
