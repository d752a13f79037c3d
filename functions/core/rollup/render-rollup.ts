import type { RenderedEmail } from "../email/dwell-digest";
import { escapeHtml as e, headerSafe, oneLine } from "../email/escape";
import { type RollupMessages, rollupMessages } from "../email/rollup-messages";
import { findFunnel, findStage, labelText, type RuleSet } from "../rules/rule-set";
import { addDays } from "../time/week";
import type { Figures, StageFigure } from "./figures";
import { type NumberFormat, numberFormat } from "./number-format";
import type { ReportLine, RollupReport } from "./rollup-report";

/*
 * The weekly roll-up email: phone first (one column, at most 600px), inline styles only — no
 * JavaScript, no remote images, no style sheet a mail client could drop. Every value that comes
 * from a record (names, lead titles, anomaly texts) and every label goes through escapeHtml; the
 * subject goes through headerSafe.
 */

const COLORS = {
  text: "#1f2937",
  muted: "#6b7280",
  line: "#e5e7eb",
  bar: "#2563eb",
  barSale: "#16a34a",
  barTrack: "#eef2f7",
  good: "#15803d",
  warn: "#b45309",
  bad: "#b91c1c",
} as const;

interface Context {
  rules: RuleSet;
  m: RollupMessages;
  f: NumberFormat;
}

const pct = (fraction: number) => `${Math.max(0, Math.min(100, fraction * 100)).toFixed(1)}%`;

function stageLabel(ctx: Context, funnelId: string, stageId: string): string {
  const funnel = findFunnel(ctx.rules, funnelId);
  const stage = funnel && findStage(funnel, stageId);
  return stage === undefined ? stageId : labelText(stage.label, ctx.rules.settings.locale);
}

function bar(fraction: number, color: string): string {
  return (
    `<div style="background:${COLORS.barTrack};border-radius:4px;height:10px;min-width:60px">` +
    `<div style="background:${color};border-radius:4px;height:10px;width:${pct(fraction)}"></div></div>`
  );
}

function tile(label: string, value: string, sub: string, color: string = COLORS.text): string {
  return (
    `<td style="width:50%;padding:6px;vertical-align:top">` +
    `<div style="border:1px solid ${COLORS.line};border-radius:8px;padding:10px">` +
    `<div style="color:${COLORS.muted};font-size:12px">${e(label)}</div>` +
    `<div style="font-size:20px;font-weight:700;color:${color};margin:2px 0">${e(value)}</div>` +
    `<div style="color:${COLORS.muted};font-size:12px">${e(sub)}</div></div></td>`
  );
}

function section(title: string, body: string): string {
  return `<h2 style="font-size:16px;margin:20px 0 8px">${e(title)}</h2>${body}`;
}

function progressColor(figures: Figures): string {
  const value = figures.progress.value;
  if (value === null) return COLORS.muted;
  if (value >= figures.progress.target) return COLORS.good;
  return value >= 0 ? COLORS.warn : COLORS.bad;
}

function progressText(ctx: Context, figures: Figures): string {
  return figures.progress.value === null
    ? ctx.m.notAvailable
    : ctx.f.percent(figures.progress.value);
}

function attainmentText(ctx: Context, figures: Figures): string {
  return figures.attainment === null ? ctx.m.notAvailable : ctx.f.percent(figures.attainment);
}

function velocityText(ctx: Context, figures: Figures): { value: string; terms: string[] } {
  const { m, f } = ctx;
  const terms = figures.velocity.funnels.flatMap((t) =>
    t.perDay === null || t.conversion === null || t.averageDeal === null || t.cycleDays === null
      ? []
      : [
          m.velocityTerms(
            f.count(t.opportunities),
            f.percent(t.conversion),
            f.money(t.averageDeal),
            f.decimal(t.cycleDays),
          ),
        ],
  );
  const perDay = figures.velocity.perDay;
  return {
    value: perDay === null ? m.notAvailable : m.perDay(f.money(perDay)),
    terms: perDay === null ? [m.velocityUnknown] : terms,
  };
}

function forecastNote(ctx: Context, figures: Figures): { text: string; short: boolean } | null {
  if (figures.remaining === null || figures.remaining <= 0) return null;
  const gap = figures.remaining - figures.forecast;
  return gap > 0
    ? { text: ctx.m.forecastShort(ctx.f.money(gap)), short: true }
    : { text: ctx.m.forecastCovers, short: false };
}

function growthText(ctx: Context, figures: Figures): string {
  const { m, f } = ctx;
  const orders = m.orders(f.money(figures.sales.week), f.money(figures.sales.previousWeek));
  const rate = figures.growth.orderTotal;
  const signed = rate === null ? null : `${rate > 0 ? "+" : ""}${f.percent(rate)}`;
  return `${orders}${m.semicolon}${signed === null ? m.noGrowthBase : m.growthRate(signed)}`;
}

function visibleStages(figures: Figures): StageFigure[] {
  // The lost end stage holds leads only until the cold pool takes them; shown when it does.
  return figures.stages.filter((s) => s.role !== "closed" || s.count !== 0);
}

function stageTableHtml(ctx: Context, figures: Figures): string {
  const { m, f } = ctx;
  const stages = visibleStages(figures);
  const funnels = [...new Set(stages.map((s) => s.funnel))];
  const max = Math.max(1, ...stages.map((s) => Math.max(s.count, s.ideal ?? 0)));
  const head =
    `<tr style="color:${COLORS.muted};font-size:12px;text-align:left">` +
    `<th style="padding:4px">${e(m.stage)}</th><th style="padding:4px;text-align:right">${e(m.count)}</th>` +
    `<th style="padding:4px;text-align:right">${e(m.amount)}</th><th style="padding:4px;width:30%"></th></tr>`;
  return funnels
    .map((funnelId) => {
      const funnel = findFunnel(ctx.rules, funnelId);
      const title =
        funnels.length > 1 && funnel
          ? `<div style="font-weight:600;margin:8px 0 4px">${e(labelText(funnel.label, ctx.rules.settings.locale))}</div>`
          : "";
      const rows = stages
        .filter((s) => s.funnel === funnelId)
        .map((s) => {
          const ideal =
            s.ideal === null
              ? ""
              : `<div style="color:${COLORS.muted};font-size:11px">${e(m.ideal)} ${e(f.count(s.ideal))}</div>`;
          const color = s.role === "forecast" ? COLORS.bar : COLORS.barSale;
          return (
            `<tr style="border-top:1px solid ${COLORS.line}">` +
            `<td style="padding:6px 4px">${e(stageLabel(ctx, s.funnel, s.stage))}</td>` +
            `<td style="padding:6px 4px;text-align:right;white-space:nowrap">${e(f.count(s.count))}${ideal}</td>` +
            `<td style="padding:6px 4px;text-align:right;white-space:nowrap">${e(f.money(s.amount))}</td>` +
            `<td style="padding:6px 4px">${bar(s.count / max, color)}</td></tr>`
          );
        })
        .join("");
      return `${title}<table style="width:100%;border-collapse:collapse" role="presentation">${head}${rows}</table>`;
    })
    .join("");
}

function lineName(ctx: Context, line: ReportLine): string {
  const tags = [
    ...(line.kind === "own" ? [ctx.m.ownLeads] : []),
    ...(line.rep.status === "left" ? [ctx.m.left] : []),
  ];
  return tags.length === 0 ? line.rep.name : `${line.rep.name} (${tags.join(", ")})`;
}

function linesHtml(ctx: Context, lines: readonly ReportLine[]): string {
  const { m, f } = ctx;
  const cell = "padding:6px 4px;text-align:right;white-space:nowrap";
  const head =
    `<tr style="color:${COLORS.muted};font-size:12px;text-align:left">` +
    `<th style="padding:4px">${e(m.line.name)}</th><th style="${cell}">${e(m.line.forecast)}</th>` +
    `<th style="${cell}">${e(m.line.sales)}</th><th style="${cell}">${e(m.line.attainment)}</th>` +
    `<th style="${cell}">${e(m.line.progress)}</th></tr>`;
  const rows = lines
    .map(
      (line) =>
        `<tr style="border-top:1px solid ${COLORS.line}">` +
        `<td style="padding:6px 4px">${e(lineName(ctx, line))}</td>` +
        `<td style="${cell}">${e(f.money(line.figures.forecast))}</td>` +
        `<td style="${cell}">${e(f.money(line.figures.sales.quarter))}</td>` +
        `<td style="${cell}">${e(attainmentText(ctx, line.figures))}</td>` +
        `<td style="${cell};color:${progressColor(line.figures)}">${e(progressText(ctx, line.figures))}</td></tr>`,
    )
    .join("");
  return `<table style="width:100%;border-collapse:collapse;font-size:13px" role="presentation">${head}${rows}</table>`;
}

function topHtml(ctx: Context, report: RollupReport): string {
  const { m, f } = ctx;
  if (report.top.length === 0) return `<p style="color:${COLORS.muted}">${e(m.noTop)}</p>`;
  return report.top
    .map(
      (o) =>
        `<div style="border:1px solid ${COLORS.line};border-radius:6px;padding:8px 10px;margin:0 0 6px">` +
        `<div style="font-weight:600">${e(o.title)}` +
        `<span style="float:right">${e(f.money(o.amount))}</span></div>` +
        `<div style="color:${COLORS.muted};font-size:12px">${e(m.topLine(o.ownerName, stageLabel(ctx, o.funnel, o.stage), f.money(o.weighted)))}` +
        (o.overdue
          ? ` <span style="color:${COLORS.bad};font-weight:600">${e(m.overdueTag)}</span>`
          : "") +
        `</div></div>`,
    )
    .join("");
}

function renderHtml(ctx: Context, report: RollupReport, weekRange: string): string {
  const { m, f } = ctx;
  const t = report.team;
  const velocity = velocityText(ctx, t);
  const note = forecastNote(ctx, t);
  const progressFill =
    t.progress.value === null || t.progress.target <= 0 ? 0 : t.progress.value / t.progress.target;
  const tiles =
    `<table style="width:100%;border-collapse:collapse" role="presentation"><tr>` +
    tile(
      m.forecast,
      f.money(t.forecast),
      t.remaining === null ? m.noQuota : `${m.remaining}${m.colon}${f.money(t.remaining)}`,
    ) +
    tile(
      m.salesQuarter,
      f.money(t.sales.quarter),
      t.quota === null
        ? m.outOfFunnel(f.money(t.sales.quarterOutOfFunnel))
        : `${m.attainment(attainmentText(ctx, t))} · ${m.quota} ${f.money(t.quota)}`,
    ) +
    `</tr><tr>` +
    tile(
      m.progress,
      progressText(ctx, t),
      t.progress.value === null
        ? m.progressUnknown
        : m.progressTarget(f.percent(t.progress.target)),
      progressColor(t),
    ) +
    tile(m.velocity, velocity.value, velocity.terms.join(m.semicolon)) +
    `</tr></table>`;
  const parts = [
    `<div style="color:${COLORS.muted};font-size:12px">${e(weekRange)}</div>`,
    `<h1 style="font-size:20px;margin:4px 0 8px">${e(m.heading)}</h1>`,
    `<p style="margin:0 0 12px">${e(m.intro(report.manager.name, weekRange, t.set.memberIds.length))}</p>`,
    tiles,
    `<div style="margin:8px 6px">${bar(progressFill, progressColor(t))}` +
      `<div style="color:${COLORS.muted};font-size:11px;margin-top:2px">${e(m.progressFormula)}</div></div>`,
    note === null
      ? ""
      : `<p style="margin:8px 6px;color:${note.short ? COLORS.bad : COLORS.good}">${e(note.text)}</p>`,
    t.quota !== null && t.sales.quarterOutOfFunnel > 0
      ? `<p style="margin:4px 6px;color:${COLORS.muted};font-size:12px">${e(m.outOfFunnel(f.money(t.sales.quarterOutOfFunnel)))}</p>`
      : "",
    section(m.stages, stageTableHtml(ctx, t)),
    section(m.growth, `<p style="margin:0">${e(growthText(ctx, t))}</p>`),
    report.overdue === undefined
      ? ""
      : `<p style="margin:8px 0;font-weight:600">${e(m.overdue(f.count(report.overdue)))}</p>`,
    report.anomalies.length === 0
      ? ""
      : section(
          m.anomalies,
          `<ul style="margin:0;padding-left:18px">${report.anomalies.map((a) => `<li style="margin:0 0 4px">${e(a)}</li>`).join("")}</ul>`,
        ),
    section(m.top, topHtml(ctx, report)),
    report.lines.length === 0 ? "" : section(m.lines, linesHtml(ctx, report.lines)),
    `<p style="color:${COLORS.muted};font-size:12px;margin-top:20px">${e(m.footer)}</p>`,
  ];
  return (
    `<!doctype html><html><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1"></head>` +
    `<body style="margin:0;padding:8px;background:#f4f6f9;color:${COLORS.text};` +
    `font-family:-apple-system,'Segoe UI',Roboto,'PingFang SC','Microsoft YaHei',sans-serif;font-size:14px">` +
    `<div style="max-width:600px;margin:0 auto;background:#ffffff;border-radius:8px;padding:12px">` +
    `${parts.join("")}</div></body></html>`
  );
}

function renderText(ctx: Context, report: RollupReport, weekRange: string): string {
  const { m, f } = ctx;
  const t = report.team;
  const velocity = velocityText(ctx, t);
  const note = forecastNote(ctx, t);
  const out = [
    oneLine(m.intro(report.manager.name, weekRange, t.set.memberIds.length)),
    "",
    `${m.forecast}${m.colon}${f.money(t.forecast)}`,
    `${m.remaining}${m.colon}${t.remaining === null ? m.noQuota : f.money(t.remaining)}`,
    `${m.salesQuarter}${m.colon}${f.money(t.sales.quarter)} (${m.outOfFunnel(f.money(t.sales.quarterOutOfFunnel))})`,
    `${m.quota}${m.colon}${t.quota === null ? m.noQuota : `${f.money(t.quota)}, ${m.attainment(attainmentText(ctx, t))}`}`,
    `${m.progress}${m.colon}${t.progress.value === null ? m.progressUnknown : `${progressText(ctx, t)} (${m.progressTarget(f.percent(t.progress.target))})`}`,
    `${m.velocity}${m.colon}${velocity.value}${velocity.terms.length > 0 ? ` — ${velocity.terms.join(m.semicolon)}` : ""}`,
    ...(note === null ? [] : [note.text]),
    "",
    `== ${m.stages} ==`,
    ...visibleStages(t).map(
      (s) =>
        `- ${oneLine(stageLabel(ctx, s.funnel, s.stage))}${m.colon}${f.count(s.count)}` +
        `${s.ideal === null ? "" : ` (${m.ideal} ${f.count(s.ideal)})`}, ${f.money(s.amount)}`,
    ),
    "",
    `== ${m.growth} ==`,
    growthText(ctx, t),
    ...(report.overdue === undefined ? [] : ["", m.overdue(f.count(report.overdue))]),
    ...(report.anomalies.length === 0
      ? []
      : ["", `== ${m.anomalies} ==`, ...report.anomalies.map((a) => `- ${oneLine(a)}`)]),
    "",
    `== ${m.top} ==`,
    ...(report.top.length === 0
      ? [m.noTop]
      : report.top.map(
          (o) =>
            `- ${oneLine(o.title)}${m.colon}${f.money(o.amount)} (${oneLine(m.topLine(o.ownerName, stageLabel(ctx, o.funnel, o.stage), f.money(o.weighted)))})` +
            (o.overdue ? ` [${m.overdueTag}]` : ""),
        )),
    ...(report.lines.length === 0
      ? []
      : [
          "",
          `== ${m.lines} ==`,
          ...report.lines.map(
            (line) =>
              `- ${oneLine(lineName(ctx, line))}${m.colon}${m.line.forecast} ${f.money(line.figures.forecast)}, ` +
              `${m.line.sales} ${f.money(line.figures.sales.quarter)}, ${m.line.attainment} ${attainmentText(ctx, line.figures)}, ` +
              `${m.line.progress} ${progressText(ctx, line.figures)}`,
          ),
        ]),
    "",
    m.footer,
  ];
  return out.join("\n");
}

/** The roll-up email of one manager, in the rules' locale. */
export function renderRollup(rules: RuleSet, report: RollupReport): RenderedEmail {
  const locale = rules.settings.locale;
  const ctx: Context = {
    rules,
    m: rollupMessages[locale],
    f: numberFormat(locale, rules.settings.currency),
  };
  const weekRange = `${report.week} – ${addDays(report.week, 6)}`;
  return {
    subject: headerSafe(`[funnel] ${ctx.m.subject(report.manager.name, weekRange)}`),
    text: renderText(ctx, report, weekRange),
    html: renderHtml(ctx, report, weekRange),
  };
}
