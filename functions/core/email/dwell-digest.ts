import type { DwellAlertDecision } from "../decisions";
import type { Lead } from "../records/lead";
import type { Rep } from "../records/rep";
import { findFunnel, findStage, labelText, type RuleSet } from "../rules/rule-set";
import { escapeHtml, headerSafe, oneLine } from "./escape";
import { listed } from "./listed-leads";
import { messages } from "./messages";

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

function formatAmount(amount: number, currency: string, locale: string): string {
  return new Intl.NumberFormat(locale, {
    style: "currency",
    currency,
    maximumFractionDigits: 0,
  }).format(amount);
}

/** One digest for one recipient, grouping the leads by escalation level; phone-first HTML. */
export function renderDwellDigest(
  rules: RuleSet,
  recipient: Rep,
  alerts: DwellAlertDecision[],
  leads: ReadonlyMap<string, Lead>,
  reps: ReadonlyMap<string, Rep>,
): RenderedEmail {
  const locale = rules.settings.locale;
  const m = messages[locale];
  const groups = new Map<string, DwellAlertDecision[]>();
  // Most overdue first (time in stage over the limit), so a phone screen shows what matters.
  const urgency = (a: DwellAlertDecision) => (a.limit > 0 ? a.inStage / a.limit : 0);
  const ordered = [...alerts].sort(
    (a, b) => urgency(b) - urgency(a) || a.leadId.localeCompare(b.leadId),
  );
  const { shown, hidden } = listed(ordered);
  for (const alert of shown) groups.set(alert.notify, [...(groups.get(alert.notify) ?? []), alert]);

  const textParts = [oneLine(m.overdueIntro(recipient.name, alerts.length)), ""];
  const htmlParts = [
    `<p style="margin:0 0 16px">${escapeHtml(m.overdueIntro(recipient.name, alerts.length))}</p>`,
  ];
  for (const [notify, group] of groups) {
    textParts.push(`== ${m.levelHeading(notify)} ==`);
    htmlParts.push(
      `<h2 style="font-size:16px;margin:16px 0 8px">${escapeHtml(m.levelHeading(notify))}</h2>`,
    );
    for (const alert of group) {
      const lead = leads.get(alert.leadId);
      const funnel = findFunnel(rules, alert.funnel);
      const stage = funnel && findStage(funnel, alert.stage);
      const stageLabel = stage ? labelText(stage.label, locale) : alert.stage;
      const title = lead?.name ?? lead?.company ?? alert.leadId;
      const owner =
        alert.owner === undefined ? m.unassigned : (reps.get(alert.owner)?.name ?? alert.owner);
      const dwell = m.inStage(alert.inStage.toFixed(1), String(alert.limit), alert.unit);
      const amount = formatAmount(alert.amount, rules.settings.currency, locale);
      textParts.push(
        `- ${oneLine(title)} [${oneLine(stageLabel)}] ${dwell}; ${m.amount}: ${amount}; ${m.owner}: ${oneLine(owner)}`,
      );
      const playbook =
        stage?.playbook === undefined ? undefined : labelText(stage.playbook, locale);
      if (playbook) textParts.push(`  ${m.playbook}: ${oneLine(playbook)}`);
      htmlParts.push(
        `<div style="border:1px solid #ddd;border-radius:6px;padding:8px 12px;margin:0 0 8px">` +
          `<div style="font-weight:600">${escapeHtml(title)}</div>` +
          `<div>${escapeHtml(stageLabel)} · <span style="color:#b00020">${escapeHtml(dwell)}</span></div>` +
          `<div>${escapeHtml(m.amount)}: ${escapeHtml(amount)} · ${escapeHtml(m.owner)}: ${escapeHtml(owner)}</div>` +
          (playbook
            ? `<div style="color:#555">${escapeHtml(m.playbook)}: ${escapeHtml(playbook)}</div>`
            : "") +
          `</div>`,
      );
    }
    textParts.push("");
  }
  if (hidden > 0) {
    textParts.push(m.notListed(hidden), "");
    htmlParts.push(`<p>${escapeHtml(m.notListed(hidden))}</p>`);
  }
  textParts.push(m.footer);
  htmlParts.push(`<p style="color:#777;font-size:12px">${escapeHtml(m.footer)}</p>`);
  return {
    subject: headerSafe(`[funnel] ${m.overdueSubject(alerts.length)}`),
    text: textParts.join("\n"),
    html: `<!doctype html><html><body style="font-family:sans-serif;font-size:14px;max-width:600px">${htmlParts.join("")}</body></html>`,
  };
}
