/**
 * The runtimes side by side (every row on Node 20 and on Node 24, measured in one run), the
 * ratios that say what our session resolution costs on each, and the targets judged on Node 24.
 */
import { DISTURBED_CORES } from "./cpu";
import { integer, percentOf } from "./format";
import type { LoadRow, Report } from "./report";

/** The issue's targets, on Node 24: shares of row b's throughput. */
export const TARGET_D2_OF_B = 0.9;
export const TARGET_B2_OF_B = 0.95;

export interface TargetResult {
  what: string;
  /** The numbers behind the verdict, for the summary line. */
  result: string;
  /** null: not judged (Node 24 or the rows it needs were not measured). */
  met: boolean | null;
}

const majorOf = (version: string) => Number(/^v(\d+)/.exec(version)?.[1]);

/** ×1.07, ×0.93; a ratio just below 1 keeps a third digit, so a slower row never reads ×1.00. */
function times(ratio: number): string {
  return `×${ratio.toFixed(ratio < 1 && ratio >= 0.995 ? 3 : 2)}`;
}

/** Node 24 is judged; it is compared with Node 20 (else with the first other runtime measured). */
function roles(report: Report): { target?: string; baseline?: string } {
  const target = report.runtimes.find((r) => majorOf(r.version) === 24)?.name;
  const others = report.runtimes.filter((r) => r.name !== target);
  const baseline = (others.find((r) => majorOf(r.version) === 20) ?? others[0])?.name;
  return { target, baseline };
}

function throughput(rows: LoadRow[], key: string, database: string, runtime: string) {
  return rows.find((r) => r.key === key && r.database === database && r.runtime === runtime)?.result
    .requestsPerSec;
}

/** The databases of the authenticated rows, in the order they ran. */
function databasesOf(rows: LoadRow[]): string[] {
  return [...new Set(rows.map((r) => r.database).filter((d) => d !== "none"))];
}

/** A row's share of b on one runtime, per database: "pglite 70 %, postgres 75 %". */
function shareOfB(report: Report, key: string, runtime: string, goal: number) {
  const b = throughput(report.load, "b", "none", runtime);
  const shares = databasesOf(report.load).flatMap((database) => {
    const value = throughput(report.load, key, database, runtime);
    return value && b ? [{ database, share: value / b }] : [];
  });
  return {
    result:
      shares.map((s) => `${s.database} ${percentOf(s.share, 1)}`).join(", ") || "not measured",
    met: shares.length === 0 ? null : shares.every((s) => s.share >= goal),
  };
}

export function judgeTargets(report: Report): TargetResult[] {
  const { target, baseline } = roles(report);
  const percent = (goal: number) => `${Math.round(goal * 100)} %`;
  const d2 = `d2 ≥ ${percent(TARGET_D2_OF_B)} of b on Node 24 (our protected call against tRPC's public procedure)`;
  const b2 = `b2 ≥ ${percent(TARGET_B2_OF_B)} of b on Node 24 (the app in the process, no session work)`;
  const slower = `no row slower on Node 24 than on ${baseline ?? "Node 20"} (req/s, row by row)`;
  if (!target) {
    const why = { result: "Node 24 not measured", met: null };
    return [
      { what: d2, ...why },
      { what: b2, ...why },
      { what: slower, ...why },
    ];
  }
  const results: TargetResult[] = [
    { what: d2, ...shareOfB(report, "d2", target, TARGET_D2_OF_B) },
    { what: b2, ...shareOfB(report, "b2", target, TARGET_B2_OF_B) },
  ];
  if (!baseline) {
    results.push({ what: slower, result: "only Node 24 measured", met: null });
    return results;
  }
  const pairs = pairsOf(report.load).flatMap(({ key, database }) => {
    const on24 = throughput(report.load, key, database, target);
    const onBaseline = throughput(report.load, key, database, baseline);
    return on24 && onBaseline ? [{ key, database, ratio: on24 / onBaseline }] : [];
  });
  const name = (p: { key: string; database: string }) =>
    p.database === "none" ? p.key : `${p.key} ${p.database}`;
  const slowerRows = pairs.filter((p) => p.ratio < 1).sort((x, y) => x.ratio - y.ratio);
  const lowest = [...pairs].sort((x, y) => x.ratio - y.ratio)[0];
  results.push({
    what: slower,
    result:
      pairs.length === 0
        ? "no row measured on both"
        : slowerRows.length > 0
          ? `${slowerRows.length} of ${pairs.length} rows slower: ${slowerRows.map((p) => `${name(p)} ${times(p.ratio)}`).join(", ")}`
          : `all ${pairs.length} rows as fast or faster (lowest: ${lowest ? `${name(lowest)} ${times(lowest.ratio)}` : "–"})`,
    met: pairs.length === 0 ? null : slowerRows.length === 0,
  });
  return results;
}

/** The report's summary: one verdict line per target and per scale goal. */
export function summaryLines(report: Report): string[] {
  const verdict = (met: boolean | null) =>
    met === null ? "not judged" : met ? "**met**" : "**not met**";
  const lines = judgeTargets(report).map((t) => `- ${verdict(t.met)}: ${t.what}: ${t.result}`);
  if ("comparisons" in report.scale) {
    for (const c of report.scale.comparisons.filter((c) => c.limit !== null)) {
      lines.push(`- ${verdict(c.met)}: scale, ${c.what} within ×${c.limit}`);
    }
  } else {
    lines.push(`- not judged: the scale goals (${report.scale.skipped})`);
  }
  const disturbed = report.load.filter((row) => (row.otherCores ?? 0) > DISTURBED_CORES);
  if (disturbed.length > 0) {
    lines.push(
      `- **disturbed**: ${disturbed.length} of ${report.load.length} HTTP rows ran while other processes used more than ${DISTURBED_CORES} cores (\`busy elsewhere\`, even after a second try): their req/s, and every verdict above built on them, are not trustworthy; rerun on a quiet machine`,
    );
  }
  if (report.problems.length > 0) {
    lines.push(
      `- **${report.problems.length} problem(s)**: see "Problems"; the numbers are not trustworthy`,
    );
  }
  return lines;
}

/** Each (row, database) once, in the order they ran. */
function pairsOf(rows: LoadRow[]): { key: string; database: string }[] {
  const seen = new Set<string>();
  return rows.flatMap(({ key, database }) => {
    const id = `${key} ${database}`;
    if (seen.has(id)) return [];
    seen.add(id);
    return [{ key, database }];
  });
}

/** req/s and p99 of every row on each runtime, with each runtime's ratio to the first. */
function sideBySide(report: Report): string[] {
  const names = report.runtimes.map((r) => r.name);
  const [first, ...rest] = names;
  if (!first || rest.length === 0) return [];
  const find = (key: string, database: string, runtime: string) =>
    report.load.find((r) => r.key === key && r.database === database && r.runtime === runtime)
      ?.result;
  const lines = pairsOf(report.load).map(({ key, database }) => {
    const results = names.map((runtime) => find(key, database, runtime));
    const base = results[0]?.requestsPerSec;
    const cells = [
      key,
      database === "none" ? "–" : database,
      ...results.map((r) => (r ? integer.format(r.requestsPerSec) : "–")),
      ...results.slice(1).map((r) => (r && base ? times(r.requestsPerSec / base) : "–")),
      ...results.map((r) => (r ? r.latencyMs.p99.toFixed(2) : "–")),
    ];
    return `| ${cells.join(" | ")} |`;
  });
  return [
    `### Runtimes side by side: req/s, ${rest.map((r) => `${r} ÷ ${first}`).join(", ")}, p99`,
    "",
    `| Row | DB | ${names.map((n) => `req/s ${n}`).join(" | ")} | ${rest.map((n) => `${n} ÷ ${first}`).join(" | ")} | ${names.map((n) => `p99 ms ${n}`).join(" | ")} |`,
    `|---|---|${names.map(() => "--:").join("|")}|${rest.map(() => "--:").join("|")}|${names.map(() => "--:").join("|")}|`,
    ...lines,
    "",
    `Each row ran on ${names.join(", then ")} in turn (a fresh server process each), so whatever disturbed the machine at the time fell on both alike. Above ×1.00: faster on ${rest.join(", ")}.`,
    "",
  ];
}

/** The ratios that matter, per database and runtime: what the app and our resolution cost. */
function ratioTable(report: Report): string[] {
  const names = report.runtimes.map((r) => r.name);
  const ratios: { what: string; key: string; of: string }[] = [
    { what: "d2 / b: our protected call against tRPC's public procedure", key: "d2", of: "b" },
    { what: "b2 / b: the app in the process, no session work", key: "b2", of: "b" },
    { what: "d2 / b2: our session resolution alone (same process)", key: "d2", of: "b2" },
    { what: "d2 / a: our protected call against bare node:http", key: "d2", of: "a" },
  ];
  const lines = ratios.flatMap(({ what, key, of }) =>
    databasesOf(report.load).flatMap((database) => {
      const cells = names.map((runtime) => {
        const value = throughput(report.load, key, database, runtime);
        const reference = throughput(
          report.load,
          of,
          of.startsWith("b2") ? database : "none",
          runtime,
        );
        return value && reference ? percentOf(value, reference) : "–";
      });
      if (cells.every((cell) => cell === "–")) return [];
      return [`| ${what} | ${database} | ${cells.join(" | ")} |`];
    }),
  );
  if (lines.length === 0) return [];
  return [
    "### What the app and our session resolution cost, per runtime",
    "",
    `| Ratio (req/s) | DB | ${names.join(" | ")} |`,
    `|---|---|${names.map(() => "--:").join("|")}|`,
    ...lines,
    "",
    "b2 is b's procedure served by d2's process: the gap from b to b2 is what carrying the app costs every request (Better Auth's AsyncLocalStorage, a larger heap, the database client), the gap from b2 to d2 what our session resolution (`createContext` + `protectedProcedure`) costs.",
    "",
  ];
}

export function runtimeSections(report: Report): string[] {
  return [...sideBySide(report), ...ratioTable(report)];
}
