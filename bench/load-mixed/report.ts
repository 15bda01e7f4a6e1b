/** The result of `npm run load` as JSON (everything) and markdown (the tables people read). */

import { summarize } from "../stats";
import type { FinalCheck } from "./check";
import {
  GROWTH_THRESHOLD_PCT_PER_MIN,
  type MemorySummary,
  REST_GROWTH_THRESHOLD_PCT,
} from "./memory";
import type { KindTally, Unexpected } from "./record";

export interface LoadMixedReport {
  timestamp: string;
  quick: boolean;
  machine: { node: string; cpus: number; cpuModel: string };
  git: { commit: string; uncommittedChanges: boolean };
  settings: {
    durationSec: number;
    /** Seconds of the same workload before the window: checked, not counted in the tables. */
    warmupSec: number;
    users: number;
    nodeEnv: string;
    postgres: string;
    /** The server environment both instances got, secrets left out. */
    serverEnv: Record<string, string>;
    mix: Record<string, number>;
  };
  /** Seconds the workload actually ran (the last requests finish after the deadline). */
  measuredSec: number;
  kinds: {
    kind: string;
    count: number;
    perSec: number;
    p50Ms: number;
    p99Ms: number;
    meanMs: number;
    statuses: Record<string, number>;
    unexpected: number;
  }[];
  totals: { requests: number; perSec: number; unexpected: number; usersStopped: number };
  unexpected: Unexpected[];
  memory: MemorySummary[];
  /** Per instance, one row per second: [seconds, RSS MB, V8 heap used MB]. */
  memorySeries: Record<string, [number, number, number | null][]>;
  sessions: { created: number; revoked: number; evicted: number; signedOut: number; alive: number };
  finalCheck: FinalCheck;
  /** Why the exit code is not 0 (empty: passed). */
  failures: string[];
}

export function kindRows(tallies: Map<string, KindTally>, measuredSec: number) {
  return [...tallies].map(([kind, tally]) => {
    const latency = summarize(tally.latenciesMs);
    return {
      kind,
      count: tally.count,
      perSec: tally.count / measuredSec,
      p50Ms: latency.p50,
      p99Ms: latency.p99,
      meanMs: latency.mean,
      statuses: tally.statuses,
      unexpected: tally.unexpected,
    };
  });
}

const f1 = (value: number) => value.toFixed(1);
const signed = (value: number) => `${value >= 0 ? "+" : ""}${value.toFixed(1)}`;

export function toMarkdown(report: LoadMixedReport): string {
  const { settings, totals, sessions, finalCheck } = report;
  const instances = report.memory.map((m) => m.instance);
  const lines = [
    `# Mixed load on two instances${report.quick ? " (quick)" : ""}`,
    "",
    `${report.timestamp} · node ${report.machine.node} · ${report.machine.cpus} × ${report.machine.cpuModel} · commit ${report.git.commit.slice(0, 12)}${report.git.uncommittedChanges ? " (uncommitted changes)" : ""}`,
    "",
    `Two \`server/main.ts\` processes (NODE_ENV=${settings.nodeEnv}) on one PostgreSQL (${settings.postgres}); ${settings.users} virtual users, each a serial loop with its own account, every request to A or B at random, for ${settings.durationSec} s (measured ${f1(report.measuredSec)} s) after a ${settings.warmupSec}-s warm-up (checked the same way, not counted). Mix: ${Object.entries(
      settings.mix,
    )
      .map(([kind, share]) => `${kind} ${Math.round(share * 100)} %`)
      .join(", ")}.`,
    "",
    `Server settings: ${Object.entries(settings.serverEnv)
      .map(([key, value]) => `\`${key}=${value}\``)
      .join(", ")}.`,
    "",
    `**Result: ${report.failures.length === 0 ? "PASS" : `FAIL: ${report.failures.join("; ")}`}**`,
    "",
    "## Requests",
    "",
    "| Kind | Requests | req/s | p50 ms | p99 ms | Statuses | Unexpected |",
    "|---|---:|---:|---:|---:|---|---:|",
    ...report.kinds.map(
      (row) =>
        `| ${row.kind} | ${row.count} | ${f1(row.perSec)} | ${f1(row.p50Ms)} | ${f1(row.p99Ms)} | ${Object.entries(
          row.statuses,
        )
          .map(([status, count]) => `${status === "0" ? "network error" : status}: ${count}`)
          .join(", ")} | ${row.unexpected} |`,
    ),
    `| **all** | ${totals.requests} | ${f1(totals.perSec)} | | | | ${totals.unexpected} |`,
    "",
    `Unexpected answers: **${totals.unexpected}**${totals.usersStopped > 0 ? ` (${totals.usersStopped} users stopped after one)` : ""}.`,
    ...report.unexpected
      .slice(0, 10)
      .map(
        (u) =>
          `- ${u.atSec} s, ${u.kind} on ${u.instance}, user ${u.user}: ${u.problem} — ${u.status} ${u.body}`,
      ),
    "",
    "## Memory (RSS of each server process, sampled every second)",
    "",
    "| Instance | Start MB | End MB | Max MB | Slope, 2nd half | At rest before → after | V8 heap used start / end / max MB | Verdict |",
    "|---|---:|---:|---:|---:|---:|---:|---|",
    ...report.memory.map(
      (m) =>
        `| ${m.instance} (pid ${m.pid}) | ${f1(m.startMB)} | ${f1(m.endMB)} | ${f1(m.maxMB)} | ${signed(m.slopeMBPerMin)} ± ${f1(m.slopeStdErrMBPerMin)} MB/min (${signed(m.slopePctPerMin)} %/min of ${f1(m.secondHalfMeanMB)} MB) | ${f1(m.restBeforeMB)} → ${f1(m.restAfterMB)} MB (${signed(m.restGrowthPct)} %) | ${f1(m.heap.startMB)} / ${f1(m.heap.endMB)} / ${f1(m.heap.maxMB)} | ${m.growthTrend ? "growth trend" : "no growth trend"} |`,
    ),
    "",
    `RSS at rest: no request in flight, 2 s after the last answer (before: after the warm-up). Growth trend: RSS at rest more than ${REST_GROWTH_THRESHOLD_PCT} % above before, or above at all with a second-half slope of at least ${GROWTH_THRESHOLD_PCT_PER_MIN} % of that half's mean per minute and twice its standard error (the ± figure). Under load RSS swings by 100 MB and more with the 32 MiB scratch of each password check (scrypt), so the slope alone does not decide; why: bench/load-mixed/memory.ts.`,
    "",
    "## Every session afterwards",
    "",
    `Sessions created: ${sessions.created} (sign-ups included); revoked ${sessions.revoked}, evicted by the limit ${sessions.evicted}, signed out ${sessions.signedOut}, live ${sessions.alive}. Each was sent \`session.current\` with its own cookie on ${instances.join(" and ")}.`,
    "",
    `| Model state | Sessions | Expected answer | ${instances.map((name) => `As expected on ${name}`).join(" | ")} |`,
    `|---|---:|---|${instances.map(() => "---:|").join("")}`,
    ...(["revoked", "evicted", "signed-out", "alive"] as const).map((state) => {
      const check = finalCheck.byState[state];
      const expected = {
        revoked: "401 SESSION_REVOKED",
        evicted: "401 SESSION_EVICTED",
        "signed-out": "200, null (signed out)",
        alive: "200, the user",
      }[state];
      return `| ${state} | ${check.sessions} | ${expected} | ${instances.map((name) => check.asExpected[name] ?? 0).join(" | ")} |`;
    }),
    "",
    `Final-check failures: **${finalCheck.failures}**`,
    ...finalCheck.examples.map((example) => `- ${example}`),
    "",
  ];
  return lines.join("\n");
}
