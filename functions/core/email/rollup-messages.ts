import type { Locale } from "../rules/rule-set";

/** Texts of the weekly roll-up, per locale. Values are plain text; the renderer escapes them. */
export interface RollupMessages {
  subject(manager: string, weekRange: string): string;
  heading: string;
  intro(name: string, weekRange: string, members: number): string;
  forecast: string;
  remaining: string;
  quota: string;
  salesQuarter: string;
  outOfFunnel(amount: string): string;
  attainment(percent: string): string;
  noQuota: string;
  forecastShort(gap: string): string;
  forecastCovers: string;
  progress: string;
  progressTarget(target: string): string;
  progressUnknown: string;
  progressFormula: string;
  stages: string;
  stage: string;
  count: string;
  ideal: string;
  amount: string;
  velocity: string;
  perDay(amount: string): string;
  velocityTerms(opportunities: string, conversion: string, deal: string, days: string): string;
  velocityUnknown: string;
  growth: string;
  orders(thisWeek: string, lastWeek: string): string;
  growthRate(rate: string): string;
  noGrowthBase: string;
  overdue(count: string): string;
  anomalies: string;
  top: string;
  noTop: string;
  topLine(owner: string, stage: string, weighted: string): string;
  overdueTag: string;
  lines: string;
  line: { name: string; forecast: string; sales: string; attainment: string; progress: string };
  ownLeads: string;
  left: string;
  notAvailable: string;
  /** "label: value" and "a; b" as the language writes them. */
  colon: string;
  semicolon: string;
  footer: string;
}

export const rollupMessages: Record<Locale, RollupMessages> = {
  en: {
    subject: (manager, week) => `Weekly funnel roll-up: ${manager}'s team, ${week}`,
    heading: "Weekly funnel roll-up",
    intro: (name, week, n) =>
      `Hello ${name}, this is your team's funnel for the week ${week} (${n} ${n === 1 ? "person" : "people"}).`,
    forecast: "Forecast",
    remaining: "Remaining quota",
    quota: "Quota",
    salesQuarter: "Sales this quarter",
    outOfFunnel: (amount) => `of which out of the funnel: ${amount}`,
    attainment: (p) => `${p} of quota`,
    noQuota: "no quota set",
    forecastShort: (gap) =>
      `The forecast is ${gap} below the remaining quota: the team needs more opportunities.`,
    forecastCovers: "The forecast covers the remaining quota.",
    progress: "Weekly progress",
    progressTarget: (t) => `target ${t} a week`,
    progressUnknown: "not yet known: there is no snapshot of the week before",
    progressFormula: "(forecast + sales this week − forecast − sales last week) ÷ quota",
    stages: "Funnel",
    stage: "Stage",
    count: "Leads",
    ideal: "ideal",
    amount: "Amount",
    velocity: "Sales velocity",
    perDay: (amount) => `${amount} a day`,
    velocityTerms: (o, c, d, days) =>
      `${o} opportunities × ${c} conversion × ${d} average deal ÷ ${days} days cycle`,
    velocityUnknown: "not enough sales in the last 13 weeks to compute",
    growth: "Orders, week over week",
    orders: (t, l) => `${t} this week, ${l} the week before`,
    growthRate: (r) => `${r} change`,
    noGrowthBase: "no orders the week before to compare with",
    overdue: (n) => `Overdue leads: ${n}`,
    anomalies: "Needs attention",
    top: "Top opportunities",
    noTop: "No open opportunities.",
    topLine: (owner, stage, weighted) => `${owner} · ${stage} · weighted ${weighted}`,
    overdueTag: "overdue",
    lines: "Direct reports",
    line: {
      name: "Name",
      forecast: "Forecast",
      sales: "Sales (quarter)",
      attainment: "Of quota",
      progress: "Progress",
    },
    ownLeads: "own leads",
    left: "left",
    notAvailable: "—",
    colon: ": ",
    semicolon: "; ",
    footer:
      "Sent by funnel-rules. Win rates, ideal counts and the progress target come from the rules in your rules repository.",
  },
  "zh-CN": {
    subject: (manager, week) => `销售漏斗周报：${manager} 团队（${week}）`,
    heading: "销售漏斗周报",
    intro: (name, week, n) =>
      `${name}，您好：以下是您团队 ${week} 这一周的销售漏斗（共 ${n} 人）。`,
    forecast: "销售预计",
    remaining: "剩余指标",
    quota: "季度指标",
    salesQuarter: "本季度累计销售额",
    outOfFunnel: (amount) => `其中漏斗外销售额：${amount}`,
    attainment: (p) => `完成指标的 ${p}`,
    noQuota: "未设定指标",
    forecastShort: (gap) => `销售预计比剩余指标少 ${gap}：团队需要更多商机。`,
    forecastCovers: "销售预计足以覆盖剩余指标。",
    progress: "本周销售进展",
    progressTarget: (t) => `每周目标 ${t}`,
    progressUnknown: "暂无法计算：还没有上一周的快照",
    progressFormula: "（本周预计 + 本周累计销售 − 上周预计 − 上周累计销售）÷ 季度指标",
    stages: "漏斗各阶段",
    stage: "阶段",
    count: "客户数",
    ideal: "理想",
    amount: "金额",
    velocity: "销售速度（业绩公式）",
    perDay: (amount) => `每天 ${amount}`,
    velocityTerms: (o, c, d, days) =>
      `${o} 个商机 × 转化率 ${c} × 平均单额 ${d} ÷ 销售周期 ${days} 天`,
    velocityUnknown: "最近 13 周成交太少，暂无法计算",
    growth: "订单额周环比",
    orders: (t, l) => `本周 ${t}，上周 ${l}`,
    growthRate: (r) => `变化 ${r}`,
    noGrowthBase: "上周没有订单，无法比较",
    overdue: (n) => `超期客户：${n} 个`,
    anomalies: "需要关注",
    top: "重点商机",
    noTop: "暂无进行中的商机。",
    topLine: (owner, stage, weighted) => `${owner} · ${stage} · 加权 ${weighted}`,
    overdueTag: "已超期",
    lines: "直接下属",
    line: {
      name: "姓名",
      forecast: "销售预计",
      sales: "本季度销售",
      attainment: "指标完成",
      progress: "本周进展",
    },
    ownLeads: "本人客户",
    left: "已离职",
    notAvailable: "—",
    colon: "：",
    semicolon: "；",
    footer: "本邮件由 funnel-rules 发送。赢单率、理想客户数和进展目标来自规则库中的规则。",
  },
};
