import {
  ANOMALY_KINDS,
  type AnomalyDecision,
  type AnomalyKind,
} from "../anomalies/anomaly-decision";
import type { Rep } from "../records/rep";
import { findFunnel, findStage, labelText, type RuleSet } from "../rules/rule-set";
import { type AnomalyFigures, anomalyMessages } from "./anomaly-messages";
import type { RenderedEmail } from "./dwell-digest";
import { escapeHtml, headerSafe, oneLine } from "./escape";

const RATE_KINDS: ReadonlySet<AnomalyKind> = new Set([
  "out-of-funnel-sales",
  "intents-without-signings",
  "low-transfer",
  "high-abandonment",
]);

/** Figures in the units a reader expects: rates as %, dwell as a multiple, quota as money. */
export function figuresOf(rules: RuleSet, anomaly: AnomalyDecision): AnomalyFigures {
  const locale = rules.settings.locale;
  const number = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
  const format = (value: number): string => {
    if (RATE_KINDS.has(anomaly.anomaly))
      return new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 }).format(
        value,
      );
    if (anomaly.anomaly === "long-cycle")
      return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(value)}×`;
    if (anomaly.anomaly === "forecast-below-quota")
      return new Intl.NumberFormat(locale, {
        style: "currency",
        currency: rules.settings.currency,
        maximumFractionDigits: 0,
      }).format(value);
    return number.format(value);
  };
  const funnel = findFunnel(rules, anomaly.funnel);
  const stage =
    funnel && anomaly.stage !== undefined ? findStage(funnel, anomaly.stage) : undefined;
  return {
    figure: format(anomaly.figure),
    threshold: format(anomaly.threshold),
    samples: number.format(anomaly.samples),
    window: anomaly.window,
    stage: stage ? labelText(stage.label, locale) : (anomaly.stage ?? ""),
  };
}

/** Whose funnel the line is about, from the recipient's point of view. */
function subjectTitle(
  rules: RuleSet,
  anomaly: AnomalyDecision,
  recipient: Rep,
  reps: ReadonlyMap<string, Rep>,
): string {
  const m = anomalyMessages[rules.settings.locale];
  const name = reps.get(anomaly.subjectId)?.name ?? anomaly.subjectId;
  const own = anomaly.subjectId === recipient.id;
  const who =
    anomaly.scope === "team" ? (own ? m.yourTeam : m.team(name)) : own ? m.yourself : name;
  // With several funnels the same stage id can mean different things; say which funnel.
  const funnel = rules.funnels.length > 1 ? findFunnel(rules, anomaly.funnel) : undefined;
  return funnel ? `${who} · ${labelText(funnel.label, rules.settings.locale)}` : who;
}

/**
 * One digest for one recipient per run: a section per anomaly kind, in a fixed order, the
 * recipient's own funnel and team first. Phone-first HTML; every record value escaped here.
 */
export function renderAnomalyDigest(
  rules: RuleSet,
  recipient: Rep,
  anomalies: readonly AnomalyDecision[],
  reps: ReadonlyMap<string, Rep>,
): RenderedEmail {
  const m = anomalyMessages[rules.settings.locale];
  const rank = (a: AnomalyDecision) =>
    (a.subjectId === recipient.id ? 0 : 2) + (a.scope === "team" ? 0 : 1);
  const nameOf = (a: AnomalyDecision) => reps.get(a.subjectId)?.name ?? a.subjectId;
  // A rep's stages in funnel order, as the reader walks the funnel.
  const stageIndex = (a: AnomalyDecision) => {
    const funnel = findFunnel(rules, a.funnel);
    return (funnel && a.stage !== undefined ? findStage(funnel, a.stage)?.index : undefined) ?? -1;
  };
  const intro = m.intro(recipient.name, anomalies.length);
  const text = [oneLine(intro), ""];
  const html = [`<p style="margin:0 0 16px">${escapeHtml(intro)}</p>`];
  for (const kind of ANOMALY_KINDS) {
    const group = anomalies
      .filter((a) => a.anomaly === kind)
      .sort(
        (a, b) =>
          rank(a) - rank(b) || nameOf(a).localeCompare(nameOf(b)) || stageIndex(a) - stageIndex(b),
      );
    if (group.length === 0) continue;
    text.push(`== ${m.heading(kind)} ==`);
    html.push(`<h2 style="font-size:16px;margin:16px 0 8px">${escapeHtml(m.heading(kind))}</h2>`);
    for (const anomaly of group) {
      const title = subjectTitle(rules, anomaly, recipient, reps);
      const line = m.line(kind, figuresOf(rules, anomaly));
      text.push(`- ${oneLine(title)}: ${oneLine(line)}`);
      html.push(
        `<div style="border:1px solid #ddd;border-radius:6px;padding:8px 12px;margin:0 0 8px">` +
          `<div style="font-weight:600">${escapeHtml(title)}</div>` +
          `<div>${escapeHtml(line)}</div></div>`,
      );
    }
    text.push("");
  }
  text.push(m.footer);
  html.push(`<p style="color:#777;font-size:12px">${escapeHtml(m.footer)}</p>`);
  return {
    subject: headerSafe(`[funnel] ${m.subject(anomalies.length)}`),
    text: text.join("\n"),
    html: `<!doctype html><html><body style="font-family:sans-serif;font-size:14px;max-width:600px">${html.join("")}</body></html>`,
  };
}
