/** The run's results as JSON (everything) and as markdown (the tables people read). */
import type { DatabaseKind } from "./database";
import { cores, integer, percentOf, timesOf } from "./format";
import type { LoadResult } from "./load";
import { runtimeSections, summaryLines } from "./report-runtimes";
import type { Runtime } from "./runtimes";
import type { ScaleReport } from "./scale";
import type { TimingRow } from "./session-timing";

export interface LoadRow {
  key: string;
  label: string;
  /** "none" for rows a and b, which touch no database. */
  database: DatabaseKind | "none";
  /** The runtime's name (`node20`, `node24`): which binary served the row. */
  runtime: string;
  /** Did the checked response carry Set-Cookie (a write per request would show here)? */
  setsCookies: boolean;
  /** CPU cores busy outside the runner and the server child meanwhile (see bench/cpu.ts). */
  otherCores: number | null;
  result: LoadResult;
}

export interface Report {
  timestamp: string;
  quick: boolean;
  /** `node` is the runner's (the load generator's) version; the servers ran on `runtimes`. */
  machine: { node: string; os: string; cpus: number; cpuModel: string; memoryGiB: number };
  /** Every row was measured on each, in this order, one runtime after the other per row. */
  runtimes: Pick<Runtime, "name" | "version" | "source">[];
  git: { commit: string; uncommittedChanges: boolean };
  packages: Record<string, string>;
  settings: {
    connections: number;
    durationSec: number;
    warmupSec: number;
    timingCalls: number;
    timingWarmupCalls: number;
  };
  /** CPU cores other processes used in the 2 s before the first row. */
  busyBeforeStart: number | null;
  postgres: { version: string } | { skipped: string };
  load: LoadRow[];
  timing: {
    database: DatabaseKind;
    runtime: string;
    otherCores: number | null;
    rows: TimingRow[];
  }[];
  /** The scale phase (PostgreSQL only), or why it did not run. */
  scale: ScaleReport | { skipped: string };
  /** Anything that makes the numbers untrustworthy (non-2xx, errors, a crashed scenario). */
  problems: string[];
}

/** Rows a and b are each runtime's own references: `% of b` on Node 24 is against b on Node 24. */
export function loadTable(rows: LoadRow[]): string {
  const reference = (key: string, runtime: string) =>
    rows.find((row) => row.key === key && row.runtime === runtime)?.result;
  const lines = [
    "| Row | Scenario | DB | Node | req/s | % of a | % of b | p50 ms | p50 vs a | p50 vs b | p99 ms | p99 vs a | p99 vs b | non-2xx | busy elsewhere |",
    "|---|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
  ];
  for (const { key, label, database, runtime, otherCores, result: r } of rows) {
    const a = reference("a", runtime);
    const b = reference("b", runtime);
    const failures = r.non2xx + r.errors + r.timeouts + r.warmupFailures;
    const cells = [
      key,
      label,
      database === "none" ? "–" : database,
      runtime,
      integer.format(r.requestsPerSec),
      percentOf(r.requestsPerSec, a?.requestsPerSec),
      percentOf(r.requestsPerSec, b?.requestsPerSec),
      r.latencyMs.p50.toFixed(2),
      timesOf(r.latencyMs.p50, a?.latencyMs.p50),
      timesOf(r.latencyMs.p50, b?.latencyMs.p50),
      r.latencyMs.p99.toFixed(2),
      timesOf(r.latencyMs.p99, a?.latencyMs.p99),
      timesOf(r.latencyMs.p99, b?.latencyMs.p99),
      failures === 0 ? "0" : `**${failures}**`,
      cores(otherCores),
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

export function timingTable(timing: Report["timing"]): string {
  const lines = [
    "| Row | Call | DB | Node | mean µs | p50 µs | p99 µs | no session | busy elsewhere |",
    "|---|---|---|---|--:|--:|--:|--:|--:|",
  ];
  for (const { database, runtime, otherCores, rows } of timing) {
    for (const row of rows) {
      const cells = [row.key, row.label, database, runtime, row.mean, row.p50, row.p99];
      const numbers = cells.map((cell) => (typeof cell === "number" ? integer.format(cell) : cell));
      lines.push(`| ${numbers.join(" | ")} | ${row.failures} | ${cores(otherCores)} |`);
    }
  }
  return lines.join("\n");
}

function ratio(value: number): string {
  return `×${value.toFixed(2)}`;
}

export function scaleSection(scale: Report["scale"], cpus: number): string[] {
  const heading = "## Scale (PostgreSQL, production handler)";
  if ("skipped" in scale) return [heading, "", `**Not measured**: ${scale.skipped}.`, ""];
  const { settings: s, seeds, rows, comparisons, cleanup, runtime } = scale;
  const n = (value: number) => integer.format(value);
  const seedLines = seeds.map(
    (seed) =>
      `- Seeded for \`${seed.database}\`: ${n(seed.sessions)} sessions${seed.expiredSessions > 0 ? ` (${n(seed.expiredSessions)} expired)` : ""} of ${n(seed.users)} users in ${(seed.insertMs / 1000).toFixed(1)} s (+ ${(seed.maintenanceMs / 1000).toFixed(1)} s VACUUM ANALYZE, CHECKPOINT); triggers ${seed.triggers === "replica" ? "off on the seeding connection (`session_replication_role = replica`)" : "on, per-user limit raised during the seed"}`,
  );
  const cleanupLine = cleanup?.report
    ? `- The cleanup (\`cleanupSessions\`, batches of 5,000, in its own process) deleted ${n(cleanup.report.sessionsDeleted)} sessions in ${(cleanup.report.ms / 1000).toFixed(1)} s (${n(cleanup.report.batches)} batches)${cleanup.finishedDuringLoad ? ', all of it under the load of the "during cleanup" row' : ", **longer than that row's load**"}.`
    : "- The cleanup did not run or reported nothing.";
  const table = [
    "| Row | Call | Session table | Rows | When | req/s | p50 ms | p99 ms | measured s | non-2xx | user's session: sampled right · after | cores: server · PostgreSQL · cleanup | busy elsewhere |",
    "|---|---|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ...rows.map(
      ({
        key,
        call,
        cache,
        database,
        sessionRows,
        condition,
        otherCores,
        cpu,
        sessionCheck: check,
        result: r,
      }) => {
        const failures = r.non2xx + r.errors + r.timeouts + r.warmupFailures;
        const sampled = `${check.sampled - check.wrong}/${check.sampled}`;
        const session = `${check.wrong === 0 ? sampled : `**${sampled}**`} · ${check.aliveAfter ? "alive" : "**gone**"}`;
        return `| ${[
          key,
          `\`${call}\`${cache ? "" : ", in-process cache off"}`,
          database,
          n(sessionRows),
          condition,
          n(r.requestsPerSec),
          r.latencyMs.p50.toFixed(2),
          r.latencyMs.p99.toFixed(2),
          r.durationSec.toFixed(1),
          failures === 0 ? "0" : `**${failures}**`,
          session,
          [cpu.server, cpu.postgres, cpu.cleanup]
            .map((v) => (v === null ? "–" : v.toFixed(2)))
            .join(" · "),
          cores(otherCores),
        ].join(" | ")} |`;
      },
    ),
  ];
  const goals = [
    "| Comparison | p50 | p99 | req/s | Goal | Met |",
    "|---|--:|--:|--:|---|---|",
    ...comparisons.map((c) => {
      const cell = (metric: "p50" | "p99" | "req/s") => {
        const text = ratio(c.ratios[metric]);
        return c.limit !== null && c.judged[metric] ? `**${text}**` : text;
      };
      const goal =
        c.limit === null
          ? "for information"
          : `${(["p50", "p99", "req/s"] as const).filter((m) => c.judged[m]).join(", ")} within ×${c.limit}`;
      const met = c.met === null ? "–" : c.met ? "met" : "**not met**";
      return `| ${c.what} | ${cell("p50")} | ${cell("p99")} | ${cell("req/s")} | ${goal} | ${met} |`;
    }),
  ];
  return [
    heading,
    "",
    ...seedLines,
    cleanupLine,
    `- Runtime: every server and the cleanup on ${runtime}.`,
    `- Load: ${s.connections} connections, ${s.warmupSec} s warm-up + ${s.durationSec} s per idle row; the "during cleanup" row has no warm-up (the idle row before it ran on the same server) and lasts as long as the cleanup (at most ${s.maxCleanupSec} s). A user signed up and then signed in through the real endpoints; its sign-in cookie rides on every request.`,
    "",
    ...table,
    "",
    "`user's session`: during the load a `session.current` every 0.5 s must answer 200 with the bench user's id (a 200 `{data: null}`, no session, counts as wrong), and one more after the row must too; otherwise the row fails and its goal is not met.",
    `\`cores\`: CPU cores used during the row (warm-up included) by the server process, by all PostgreSQL backends of the scale database (the cleanup's included) and by the cleanup's own process. Ratios: latency at scale ÷ baseline, and baseline req/s ÷ req/s at scale, so above ×1 is slower at scale either way; the judged ones are in bold. \`busy elsewhere\` as above (of ${cpus} cores), the cleanup's process and its PostgreSQL backend counting as ours.`,
    "",
    ...goals,
    "",
  ];
}

export function toMarkdown(report: Report): string {
  const { machine, settings, git } = report;
  const postgres =
    "version" in report.postgres
      ? `PostgreSQL: ${report.postgres.version.split(" on ")[0]} (same machine)`
      : `PostgreSQL: **not measured** (${report.postgres.skipped})`;
  const packages = Object.entries(report.packages)
    .map(([name, version]) => `${name} ${version}`)
    .join(" · ");
  const measured = `${settings.warmupSec} s warm-up + ${settings.durationSec} s measured`;
  return [
    `# Benchmark results${report.quick ? " (quick smoke run: not for comparison)" : ""}`,
    "",
    `- When: ${report.timestamp}`,
    `- Machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, ${machine.os}`,
    `- Runtimes (servers, timing and cleanup children, run through tsx): ${report.runtimes.map((r) => `${r.name} = Node ${r.version}${r.source === "pinned" ? " (pinned, installed by the bench)" : r.source === "path" ? " (--node)" : ""}`).join(", ")}; each row runs on one after the other. Load generator: Node ${machine.node}, the runner's.`,
    `- ${postgres}`,
    `- Busy elsewhere before the run: ${cores(report.busyBeforeStart)} of ${machine.cpus} cores`,
    `- Code: commit ${git.commit}${git.uncommittedChanges ? " with uncommitted changes" : ""}`,
    `- Packages: ${packages}`,
    `- Load: autocannon, ${settings.connections} connections, ${measured} per row, GET over 127.0.0.1; each server in its own process, NODE_ENV=production`,
    "",
    "## Summary",
    "",
    ...summaryLines(report),
    "",
    "## HTTP load",
    "",
    loadTable(report.load),
    "",
    "Latencies are per request, measured by the load generator. `% of a` / `% of b`: throughput as a share of row a / b on the same runtime; `vs a` / `vs b`: latency as a multiple of row a's / b's on the same runtime.",
    `\`busy elsewhere\`: CPU cores (of ${machine.cpus}) used meanwhile by processes other than the load generator, the server and the bench database's PostgreSQL backends (from /proc). Well above 0 means other work disturbed the row; a row above 0.25 was measured twice and the quieter run kept.`,
    "",
    ...runtimeSections(report),
    `## Session resolution in-process (${integer.format(settings.timingCalls)} sequential calls after ${integer.format(settings.timingWarmupCalls)} warm-up, no HTTP)`,
    "",
    timingTable(report.timing),
    "",
    ...scaleSection(report.scale, machine.cpus),
    ...(report.problems.length > 0
      ? ["## Problems", "", ...report.problems.map((problem) => `- ${problem}`), ""]
      : []),
  ].join("\n");
}
