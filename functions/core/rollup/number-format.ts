import type { Locale } from "../rules/rule-set";

/** How the roll-up writes numbers, in the rules' locale and currency. */
export interface NumberFormat {
  money(amount: number): string;
  percent(fraction: number): string;
  count(n: number): string;
  decimal(n: number, digits?: number): string;
}

export function numberFormat(locale: Locale, currency: string): NumberFormat {
  const money = new Intl.NumberFormat(locale, {
    style: "currency",
    currency,
    maximumFractionDigits: 0,
  });
  const percent = new Intl.NumberFormat(locale, {
    style: "percent",
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  });
  const count = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  return {
    money: (amount) => money.format(Math.round(amount)),
    percent: (fraction) => percent.format(fraction),
    count: (n) => count.format(n),
    decimal: (n, digits = 1) =>
      new Intl.NumberFormat(locale, {
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      }).format(n),
  };
}
