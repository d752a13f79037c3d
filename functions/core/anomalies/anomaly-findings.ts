import type { AnomalyDecision } from "./anomaly-decision";

/**
 * What a detector found, and how many checks it ran: `checked` had enough samples to judge,
 * `skipped` had fewer than the rule's minSamples and stayed silent. The job's summary reports both,
 * so "no anomalies" is never mistaken for "nothing could be measured".
 */
export interface AnomalyFindings {
  anomalies: AnomalyDecision[];
  checked: number;
  skipped: number;
}

export function mergeFindings(parts: readonly AnomalyFindings[]): AnomalyFindings {
  return {
    anomalies: parts.flatMap((p) => p.anomalies),
    checked: parts.reduce((n, p) => n + p.checked, 0),
    skipped: parts.reduce((n, p) => n + p.skipped, 0),
  };
}
