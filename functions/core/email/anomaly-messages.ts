import type { AnomalyKind } from "../anomalies/anomaly-decision";
import type { Locale } from "../rules/rule-set";

/** One anomaly's numbers, already formatted for the locale (percentages, multiples, money). */
export interface AnomalyFigures {
  figure: string;
  threshold: string;
  samples: string;
  window: string;
  /** The stage's label; empty for anomalies that span the funnel. */
  stage: string;
}

/** Texts of the anomaly digest, per locale; every line states figure, threshold, window, samples. */
export interface AnomalyMessages {
  subject(count: number): string;
  intro(name: string, count: number): string;
  heading(kind: AnomalyKind): string;
  /** The recipient's own funnel, and their own team. */
  yourself: string;
  yourTeam: string;
  team(managerName: string): string;
  line(kind: AnomalyKind, f: AnomalyFigures): string;
  footer: string;
}

export const anomalyMessages: Record<Locale, AnomalyMessages> = {
  en: {
    subject: (n) => `${n} funnel anomal${n === 1 ? "y" : "ies"} to look at`,
    intro: (name, n) =>
      `Hello ${name}, ${n} anomal${n === 1 ? "y was" : "ies were"} found in the funnel. Each line gives the figure, the threshold, the window and the sample size.`,
    heading: (kind) =>
      ({
        "out-of-funnel-sales": "Sales outside the funnel",
        "intents-without-signings": "Many opportunities, few signings",
        "low-transfer": "Low transfer rate",
        "high-abandonment": "High abandonment",
        "long-cycle": "Cycle too long",
        "needs-prospecting": "Needs prospecting",
        overloaded: "Too many leads to work",
        "forecast-below-quota": "Forecast below remaining quota",
      })[kind],
    yourself: "You",
    yourTeam: "Your team",
    team: (name) => `Team of ${name}`,
    line: (kind, f) => {
      switch (kind) {
        case "out-of-funnel-sales":
          return `${f.figure} of ${f.samples} sales never went through the funnel (alert above ${f.threshold}); window ${f.window}`;
        case "intents-without-signings":
          return `${f.stage}: only ${f.figure} of ${f.samples} opportunities signed (alert below ${f.threshold}); window ${f.window}`;
        case "low-transfer":
          return `${f.stage}: ${f.figure} of ${f.samples} leads that left the stage moved on (alert below ${f.threshold}); window ${f.window}`;
        case "high-abandonment":
          return `${f.figure} of ${f.samples} closed leads were abandoned (alert above ${f.threshold}); window ${f.window}`;
        case "long-cycle":
          return `leads stayed ${f.figure} the stage limits on average over ${f.samples} stage exits (alert above ${f.threshold}); window ${f.window}`;
        case "needs-prospecting":
          return `${f.stage}: holds ${f.figure} leads, fewer than ${f.threshold}; as of ${f.window}`;
        case "overloaded":
          return `${f.stage}: holds ${f.figure} leads, more than ${f.threshold}; as of ${f.window}`;
        case "forecast-below-quota":
          return `forecast ${f.figure} from ${f.samples} open leads is below the remaining quota ${f.threshold}; quarter ${f.window}`;
      }
    },
    footer:
      "Sent by funnel-rules. Thresholds and windows come from alerts.anomalies and alerts.funnelShape in your rules repository.",
  },
  "zh-CN": {
    subject: (n) => `销售漏斗异常提醒：${n} 项`,
    intro: (name, n) =>
      `${name}，您好：本次检查发现 ${n} 项销售漏斗异常。每条都列出了数值、阈值、统计期和样本数。`,
    heading: (kind) =>
      ({
        "out-of-funnel-sales": "漏斗外成交过多",
        "intents-without-signings": "意向客户多，签约少",
        "low-transfer": "阶段转化率偏低",
        "high-abandonment": "放弃率过高",
        "long-cycle": "销售周期过长",
        "needs-prospecting": "需要开发更多客户",
        overloaded: "客户过多，难以全部跟进",
        "forecast-below-quota": "销售预计低于剩余指标",
      })[kind],
    yourself: "您本人",
    yourTeam: "您的团队",
    team: (name) => `${name} 的团队`,
    line: (kind, f) => {
      switch (kind) {
        case "out-of-funnel-sales":
          return `${f.samples} 笔成交中有 ${f.figure} 未经过漏斗（超过 ${f.threshold} 即提醒）；统计期：${f.window}`;
        case "intents-without-signings":
          return `${f.stage}：${f.samples} 个意向客户中仅 ${f.figure} 签约（低于 ${f.threshold} 即提醒）；统计期：${f.window}`;
        case "low-transfer":
          return `${f.stage}：离开该阶段的 ${f.samples} 个客户中有 ${f.figure} 进入下一阶段（低于 ${f.threshold} 即提醒）；统计期：${f.window}`;
        case "high-abandonment":
          return `${f.samples} 个已结束的客户中有 ${f.figure} 被放弃（超过 ${f.threshold} 即提醒）；统计期：${f.window}`;
        case "long-cycle":
          return `${f.samples} 次离开阶段中，客户平均停留时间为期限的 ${f.figure}（超过 ${f.threshold} 即提醒）；统计期：${f.window}`;
        case "needs-prospecting":
          return `${f.stage}：持有 ${f.figure} 个客户，少于 ${f.threshold} 个；截至 ${f.window}`;
        case "overloaded":
          return `${f.stage}：持有 ${f.figure} 个客户，多于 ${f.threshold} 个；截至 ${f.window}`;
        case "forecast-below-quota":
          return `销售预计 ${f.figure}（${f.samples} 个在途客户）低于本季度剩余指标 ${f.threshold}；本季度：${f.window}`;
      }
    },
    footer:
      "本邮件由 funnel-rules 发送，阈值和统计期来自规则库中的 alerts.anomalies 与 alerts.funnelShape。",
  },
};
