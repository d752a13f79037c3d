import type { RuleSet } from "../rules/rule-set";
import type { RenderedEmail } from "./dwell-digest";
import { escapeHtml, headerSafe, oneLine } from "./escape";
import { listed } from "./listed-leads";
import { messages } from "./messages";

export interface NoticeItem {
  title: string;
  lines: string[];
}

/**
 * A short notice to one person (a missing-fields check, a lead nobody could take, a handoff): an
 * intro and a list of leads, each with a few lines. Every value is escaped here, once.
 */
export function renderNotice(
  rules: RuleSet,
  notice: { subject: string; intro: string; summary?: string[]; items: NoticeItem[] },
): RenderedEmail {
  const m = messages[rules.settings.locale];
  const { shown, hidden } = listed(notice.items);
  const more = hidden > 0 ? m.notListed(hidden) : undefined;
  const summary = notice.summary ?? [];
  const text = [
    oneLine(notice.intro),
    "",
    ...(summary.length > 0 ? [...summary.map((line) => `* ${oneLine(line)}`), ""] : []),
    ...shown.flatMap((item) => [
      `- ${oneLine(item.title)}`,
      ...item.lines.map((l) => `  ${oneLine(l)}`),
    ]),
    ...(more === undefined ? [] : [more]),
    "",
    m.footer,
  ].join("\n");
  const cards = shown
    .map(
      (item) =>
        `<div style="border:1px solid #ddd;border-radius:6px;padding:8px 12px;margin:0 0 8px">` +
        `<div style="font-weight:600">${escapeHtml(item.title)}</div>` +
        item.lines.map((l) => `<div>${escapeHtml(l)}</div>`).join("") +
        `</div>`,
    )
    .join("");
  return {
    subject: headerSafe(`[funnel] ${notice.subject}`),
    text,
    html:
      `<!doctype html><html><body style="font-family:sans-serif;font-size:14px;max-width:600px">` +
      `<p style="margin:0 0 16px">${escapeHtml(notice.intro)}</p>` +
      (summary.length > 0
        ? `<ul style="margin:0 0 16px">${summary.map((line) => `<li>${escapeHtml(line)}</li>`).join("")}</ul>`
        : "") +
      cards +
      (more === undefined ? "" : `<p>${escapeHtml(more)}</p>`) +
      `<p style="color:#777;font-size:12px">${escapeHtml(m.footer)}</p></body></html>`,
  };
}
