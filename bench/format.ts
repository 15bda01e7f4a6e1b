/** Number formats shared by the report's tables. */

export const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/** `value` as a percentage of `reference`: "6.8 %", "77 %"; "–" without a reference. */
export function percentOf(value: number, reference: number | undefined): string {
  if (!reference) return "–";
  const percent = (100 * value) / reference;
  return `${percent < 10 ? percent.toFixed(1) : integer.format(percent)} %`;
}

/** `value` as a multiple of `reference`: "×15", "×1.4", "×0.065"; "–" without a reference. */
export function timesOf(value: number, reference: number | undefined): string {
  if (!reference) return "–";
  const ratio = value / reference;
  return `×${ratio >= 10 ? integer.format(ratio) : ratio >= 1 ? ratio.toFixed(1) : ratio.toPrecision(2)}`;
}

/** CPU cores, or "?" where /proc could not say. */
export function cores(value: number | null): string {
  return value === null ? "?" : value.toFixed(2);
}
