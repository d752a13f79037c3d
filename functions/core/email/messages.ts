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
  },
};
