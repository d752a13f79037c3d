import { oneLine } from "../core/email/escape";
import { type RollupMessages, rollupMessages } from "../core/email/rollup-messages";
import type { Figures, StageFigure } from "../core/rollup/figures";
import { type NumberFormat, numberFormat } from "../core/rollup/number-format";
import type { ReportLine, RollupReport } from "../core/rollup/rollup-report";
import { findFunnel, findStage, labelText, type RuleSet } from "../core/rules/rule-set";
import { addDays } from "../core/time/week";

/*
 * The roll-up for a terminal: the same figures and words as the weekly email (core/rollup and
 * email/rollup-messages), laid out in columns with bars of block characters. Column widths count
 * CJK characters as two cells, as terminals draw them. No colours: the output goes to CI logs and
 * pipes as well.
 */

const BAR_WIDTH = 24;
const EIGHTHS = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];

/** Cells a terminal uses for `text`: East Asian wide and full-width characters take two. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    width += isWide(code) ? 2 : 1;
  }
  return width;
}

function isWide(code: number): boolean {
  return (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0x303e) ||
    (code >= 0x3041 && code <= 0x33ff) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0xa000 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x20000 && code <= 0x3fffd)
  );
}

function padEnd(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - displayWidth(text)));
}

function padStart(text: string, width: number): string {
  return " ".repeat(Math.max(0, width - displayWidth(text))) + text;
}

/**
 * A bar `width` cells long at most, filled to `fraction` in eighths of a cell; `mark` (a fraction
 * too) puts a ┆ where the bar should reach, e.g. the ideal count, when the bar falls short of it.
 */
export function bar(fraction: number, width = BAR_WIDTH, mark?: number): string {
  const eighths = Math.round(Math.max(0, Math.min(1, fraction)) * width * 8);
  const cells = [...("█".repeat(Math.floor(eighths / 8)) + (EIGHTHS[eighths % 8] ?? ""))];
  if (mark !== undefined && mark > 0) {
    const at = Math.min(width, Math.max(1, Math.round(Math.min(1, mark) * width))) - 1;
    if (at >= cells.length) {
      while (cells.length < at) cells.push(" ");
      cells[at] = "┆";
    }
  }
  return cells.join("");
}

/** Rows of cells as aligned columns; `right` lists the columns aligned to the right. */
function table(rows: string[][], right: ReadonlySet<number>): string[] {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, displayWidth(cell));
    });
  return rows.map((row) =>
    row
      .map((cell, i) =>
        i === row.length - 1 && !right.has(i)
          ? cell
          : right.has(i)
            ? padStart(cell, widths[i] ?? 0)
            : padEnd(cell, widths[i] ?? 0),
      )
      .join("  ")
      .trimEnd(),
  );
}

interface Context {
  rules: RuleSet;
  m: RollupMessages;
  f: NumberFormat;
}

function stageLabel(ctx: Context, funnelId: string, stageId: string): string {
  const funnel = findFunnel(ctx.rules, funnelId);
  const stage = funnel && findStage(funnel, stageId);
  return stage === undefined ? stageId : labelText(stage.label, ctx.rules.settings.locale);
}

function stageRows(ctx: Context, figures: Figures): string[] {
  const { m, f } = ctx;
  // As in the email: the lost end stage shows only while it holds leads.
  const stages = figures.stages.filter((s) => s.role !== "closed" || s.count !== 0);
  const max = Math.max(1, ...stages.map((s) => Math.max(s.count, s.ideal ?? 0)));
  const funnels = [...new Set(stages.map((s) => s.funnel))];
  const lines: string[] = [];
  for (const funnelId of funnels) {
    const funnel = findFunnel(ctx.rules, funnelId);
    if (funnels.length > 1 && funnel)
      lines.push(`  ${labelText(funnel.label, ctx.rules.settings.locale)}`);
    const rows: string[][] = [[m.stage, m.count, m.ideal, m.amount, `┆ = ${m.ideal}`]];
    for (const s of stages.filter((stage: StageFigure) => stage.funnel === funnelId)) {
      rows.push([
        oneLine(stageLabel(ctx, s.funnel, s.stage)),
        f.count(s.count),
        s.ideal === null ? "–" : f.count(s.ideal),
        f.money(s.amount),
        bar(s.count / max, BAR_WIDTH, s.ideal === null ? undefined : s.ideal / max),
      ]);
    }
    lines.push(...table(rows, new Set([1, 2, 3])).map((line) => `  ${line}`));
  }
  return lines;
}

function percentOrNone(ctx: Context, value: number | null): string {
  return value === null ? ctx.m.notAvailable : ctx.f.percent(value);
}

function summaryRows(ctx: Context, report: RollupReport): string[] {
  const { m, f } = ctx;
  const t = report.team;
  const rows: string[][] = [];
  rows.push([
    m.forecast,
    f.money(t.forecast),
    t.remaining === null ? m.noQuota : `${m.remaining}${m.colon}${f.money(t.remaining)}`,
  ]);
  rows.push([
    m.salesQuarter,
    f.money(t.sales.quarter),
    [
      t.quota === null
        ? m.noQuota
        : `${m.attainment(percentOrNone(ctx, t.attainment))} · ${m.quota} ${f.money(t.quota)}`,
      m.outOfFunnel(f.money(t.sales.quarterOutOfFunnel)),
    ].join(" · "),
  ]);
  const progress = t.progress.value;
  const target = t.progress.target;
  rows.push([
    m.progress,
    percentOrNone(ctx, progress),
    progress === null
      ? m.progressUnknown
      : `${bar(target > 0 ? progress / target : 0, 20).padEnd(20, "·")} ${m.progressTarget(f.percent(target))}`,
  ]);
  const velocity = t.velocity.perDay;
  const terms = t.velocity.funnels.flatMap((v) =>
    v.perDay === null || v.conversion === null || v.averageDeal === null || v.cycleDays === null
      ? []
      : [
          m.velocityTerms(
            f.count(v.opportunities),
            f.percent(v.conversion),
            f.money(v.averageDeal),
            f.decimal(v.cycleDays),
          ),
        ],
  );
  rows.push([
    m.velocity,
    velocity === null ? m.notAvailable : m.perDay(f.money(velocity)),
    velocity === null ? m.velocityUnknown : terms.join(m.semicolon),
  ]);
  const rate = t.growth.orderTotal;
  rows.push([
    m.growth,
    rate === null ? m.notAvailable : `${rate > 0 ? "+" : ""}${f.percent(rate)}`,
    m.orders(f.money(t.sales.week), f.money(t.sales.previousWeek)),
  ]);
  const lines = table(rows, new Set([1])).map((line) => `  ${line}`);
  if (t.remaining !== null && t.remaining > 0) {
    const gap = t.remaining - t.forecast;
    lines.push(`  ${gap > 0 ? m.forecastShort(f.money(gap)) : m.forecastCovers}`);
  }
  return lines;
}

function lineName(ctx: Context, line: ReportLine): string {
  const tags = [
    ...(line.kind === "own" ? [ctx.m.ownLeads] : []),
    ...(line.rep.status === "left" ? [ctx.m.left] : []),
  ];
  const name = oneLine(line.rep.name);
  return tags.length === 0 ? name : `${name} (${tags.join(", ")})`;
}

/** The report as lines of text for a terminal, in the rules' locale and currency. */
export function renderTerminalReport(
  rules: RuleSet,
  report: RollupReport,
  anomalyCount = report.anomalies.length,
): string {
  const locale = rules.settings.locale;
  const ctx: Context = {
    rules,
    m: rollupMessages[locale],
    f: numberFormat(locale, rules.settings.currency),
  };
  const { m, f } = ctx;
  const weekRange = `${report.week} – ${addDays(report.week, 6)}`;
  const out: string[] = [
    `${m.heading}: ${oneLine(report.manager.name)} (${report.manager.id})`,
    oneLine(m.intro(report.manager.name, weekRange, report.team.set.memberIds.length)),
    "",
    `${m.stages}`,
    ...stageRows(ctx, report.team),
    "",
    ...summaryRows(ctx, report),
  ];
  if (report.overdue !== undefined) out.push("", m.overdue(f.count(report.overdue)));
  out.push("", `${m.anomalies} (${f.count(anomalyCount)})`);
  if (report.anomalies.length === 0) out.push(`  ${m.notAvailable}`);
  else out.push(...report.anomalies.map((text) => `  - ${oneLine(text)}`));
  out.push("", m.top);
  if (report.top.length === 0) out.push(`  ${m.noTop}`);
  else
    out.push(
      ...table(
        report.top.map((o) => [
          `- ${oneLine(o.title)}`,
          f.money(o.amount),
          `${oneLine(m.topLine(o.ownerName, stageLabel(ctx, o.funnel, o.stage), f.money(o.weighted)))}${o.overdue ? ` [${m.overdueTag}]` : ""}`,
        ]),
        new Set([1]),
      ).map((line) => `  ${line}`),
    );
  if (report.lines.length > 0) {
    const rows = [
      [m.line.name, m.line.forecast, m.line.sales, m.line.attainment, m.line.progress],
      ...report.lines.map((line) => [
        lineName(ctx, line),
        f.money(line.figures.forecast),
        f.money(line.figures.sales.quarter),
        percentOrNone(ctx, line.figures.attainment),
        percentOrNone(ctx, line.figures.progress.value),
      ]),
    ];
    out.push("", m.lines, ...table(rows, new Set([1, 2, 3, 4])).map((line) => `  ${line}`));
  }
  return out.join("\n");
}
