import type { Locale } from "../rules/rule-set";

/** Texts of emails and reports, per locale. */
export interface Messages {
  overdueSubject(count: number): string;
  overdueIntro(name: string, count: number): string;
  levelHeading(notify: string): string;
  inStage(inStage: string, limit: string, unit: "day" | "businessDay" | "hour"): string;
  amount: string;
  owner: string;
  unassigned: string;
  playbook: string;
  footer: string;
  entryCheckSubject(lead: string, stage: string): string;
  entryCheckIntro(name: string, lead: string, stage: string): string;
  missingFields(fields: string): string;
  noRepSubject(pool: string): string;
  noRepIntro(name: string, pool: string): string;
  handoffSubject(leaver: string, count: number): string;
  handoffIntro(name: string, leaver: string, count: number): string;
  handoffLine(stage: string, days: string, amount: string, owner: string): string;
  /** One receiver's share of a handoff: every lead is counted here, even when not listed. */
  handoffShare(owner: string, count: number, amount: string): string;
  /** The closing line of an email that lists only the first leads. */
  notListed(count: number): string;
}

const unitText = {
  en: { day: "days", businessDay: "business days", hour: "hours" },
  "zh-CN": { day: "天", businessDay: "个工作日", hour: "小时" },
} as const;

export const messages: Record<Locale, Messages> = {
  en: {
    overdueSubject: (n) => `${n} overdue lead${n === 1 ? "" : "s"} need attention`,
    overdueIntro: (name, n) =>
      `Hello ${name}, ${n} lead${n === 1 ? " has" : "s have"} stayed in a stage longer than the rules allow.`,
    levelHeading: (notify) =>
      ({
        owner: "Your leads",
        manager: "Your team's leads (escalated)",
        "managers-manager": "Escalated from your managers' teams",
      })[notify] ?? notify,
    inStage: (v, limit, unit) => `${v} of ${limit} ${unitText.en[unit]} in stage`,
    amount: "Amount",
    owner: "Owner",
    unassigned: "unassigned",
    playbook: "Next step",
    footer: "Sent by funnel-rules. The limits come from the rules in your rules repository.",
    entryCheckSubject: (lead, stage) => `${lead} entered ${stage} without the required fields`,
    entryCheckIntro: (name, lead, stage) =>
      `Hello ${name}, ${lead} was moved to ${stage}, but fields that stage requires are empty. The lead stays where it is; please fill them in.`,
    missingFields: (fields) => `Missing: ${fields}`,
    noRepSubject: (pool) => `New leads are waiting in ${pool}: no rep is eligible`,
    noRepIntro: (name, pool) =>
      `Hello ${name}, no rep could take this new lead under the distribution rules, so it is waiting in ${pool}. Please assign it or make a rep available. You will not be told again today about this pool.`,
    handoffSubject: (leaver, n) => `Handoff from ${leaver}: ${n} lead${n === 1 ? "" : "s"}`,
    handoffIntro: (name, leaver, n) =>
      `Hello ${name}, ${leaver} has left. ${n} lead${n === 1 ? " was" : "s were"} handed over as listed below.`,
    handoffLine: (stage, days, amount, owner) =>
      `${stage} · ${days} days in stage · ${amount} · new owner: ${owner}`,
    handoffShare: (owner, n, amount) =>
      `New owner ${owner}: ${n} lead${n === 1 ? "" : "s"}, ${amount} in all`,
    notListed: (n) =>
      `…and ${n} more lead${n === 1 ? "" : "s"}, not listed here to keep this email short.`,
  },
  "zh-CN": {
    overdueSubject: (n) => `${n} 个客户超过停留期限，请及时跟进`,
    overdueIntro: (name, n) =>
      `${name}，您好：以下 ${n} 个客户在当前阶段停留的时间已超过规则规定的期限。`,
    levelHeading: (notify) =>
      ({
        owner: "您负责的客户",
        manager: "您团队的客户（已升级）",
        "managers-manager": "下级团队的客户（已升级）",
      })[notify] ?? notify,
    inStage: (v, limit, unit) =>
      `已停留 ${v}${unitText["zh-CN"][unit]}（期限 ${limit}${unitText["zh-CN"][unit]}）`,
    amount: "金额",
    owner: "负责人",
    unassigned: "未分配",
    playbook: "建议动作",
    footer: "本邮件由 funnel-rules 发送，期限来自规则库中的规则。",
    entryCheckSubject: (lead, stage) => `${lead} 进入「${stage}」阶段，但缺少必填信息`,
    entryCheckIntro: (name, lead, stage) =>
      `${name}，您好：${lead} 已被移到「${stage}」阶段，但该阶段要求的信息尚未填写。客户保持在当前阶段，请尽快补全。`,
    missingFields: (fields) => `缺少：${fields}`,
    noRepSubject: (pool) => `新客户在「${pool}」等待分配：没有符合条件的销售`,
    noRepIntro: (name, pool) =>
      `${name}，您好：按照分配规则，没有销售可以接手这个新客户，它已进入「${pool}」。请手动分配或安排销售接手。今天不会再就该客户池提醒您。`,
    handoffSubject: (leaver, n) => `${leaver} 离职交接：${n} 个客户`,
    handoffIntro: (name, leaver, n) =>
      `${name}，您好：${leaver} 已离职，以下 ${n} 个客户已完成交接。`,
    handoffLine: (stage, days, amount, owner) =>
      `${stage} · 已停留 ${days} 天 · ${amount} · 新负责人：${owner}`,
    handoffShare: (owner, n, amount) => `新负责人 ${owner}：${n} 个客户，合计 ${amount}`,
    notListed: (n) => `……另有 ${n} 个客户未在此列出，以免邮件过长。`,
  },
};
