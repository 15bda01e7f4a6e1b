const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "always" });
const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
];

/** "3 minutes ago", "in 6 days", "just now". */
export function formatRelative(iso: string, now = Date.now()): string {
  const diffSec = Math.round((new Date(iso).getTime() - now) / 1000);
  if (Math.abs(diffSec) < 60) return "just now";
  for (const [unit, unitSec] of UNITS) {
    if (Math.abs(diffSec) >= unitSec) return relative.format(Math.trunc(diffSec / unitSec), unit);
  }
  return "just now";
}

/** "Nov 24, 2026, 7:40 PM" in the reader's locale. */
export function formatAbsolute(iso: string): string {
  return absolute.format(new Date(iso));
}
