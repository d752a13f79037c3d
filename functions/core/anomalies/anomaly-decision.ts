/** The anomalies of domain.md §5 measured over the trailing window, and the funnel-shape alerts. */
export const ANOMALY_KINDS = [
  "out-of-funnel-sales",
  "intents-without-signings",
  "low-transfer",
  "high-abandonment",
  "long-cycle",
  "needs-prospecting",
  "overloaded",
  "forecast-below-quota",
] as const;

export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

/**
 * One anomaly found for one rep or team. It carries its figure, the threshold it crossed, the
 * window and the sample size, so the email and the log can say exactly why it fired.
 */
export interface AnomalyDecision {
  kind: "anomaly";
  anomaly: AnomalyKind;
  /** A rep's own counters, or a team's: the manager (subjectId) and everyone below them. */
  scope: "rep" | "team";
  subjectId: string;
  /** Stage ids repeat across funnels; absent for the forecast, which spans every funnel. */
  funnel?: string;
  stage?: string;
  /** A rate (0–1), a multiple of the dwell limits, a lead count or an amount, per `anomaly`. */
  figure: number;
  threshold: number;
  /** What the figure covers: `90d (2026-08-31..2026-11-23)`, a quarter to date, or a date. */
  window: string;
  /** How many leads (or sales, or stage exits) the figure is based on. */
  samples: number;
  /** Rep ids of the people told, nearest first. */
  recipients: string[];
  reason: string;
}
