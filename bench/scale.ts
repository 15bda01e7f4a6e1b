/**
 * The scale phase of `npm run bench` (PostgreSQL only): does our production handler stay as fast
 * with a million sessions in the table, and while the cleanup deletes a million expired ones?
 *
 * 1. A database seeded with `smallSessions` (1,000) and one seeded with `largeSessions`
 *    (1,000,000), each served by the production handler in its own child (as row d), a user
 *    signed up and signed in through the real endpoints: `session.current` and `session.list`
 *    with the in-process session cache on (production), and `session.current` with it off
 *    (every request reads its session: the index lookup at that table size).
 * 2. The large database gets `expiredSessions` (1,000,000) expired sessions more; a fresh server
 *    is loaded with `session.current` once idle, and once while a child runs the real cleanup
 *    (`cleanupSessions`) over them, the load lasting exactly as long as the cleanup.
 *
 * A scale row answers `200 {data: null}` to a request whose session is gone, which autocannon
 * counts as a success: so during each row a request every half second must come back with the
 * bench user's id, and after it one more must, or the row fails (bench/session-watch.ts).
 */

import postgres from "postgres";
import type { SessionCleanupReport } from "../server/sessions/lifecycle/cleanup";
import { startChild } from "./child";
import type { CleanupInput, CleanupMessage } from "./cleanup-child";
import { waitForQuiet, watchCpuOf, watchOtherCpu } from "./cpu";
import { type BenchPostgres, createPostgresDatabase } from "./database";
import { type LoadResult, runLoad } from "./load";
import { profileName } from "./profile-windows";
import type { Runtime } from "./runtimes";
import type { ScenarioId } from "./scenarios";
import { type SeedResult, seedSessions } from "./seeding";
import type { ServerInput, ServerReady } from "./server";
import { type SessionCheck, watchSession } from "./session-watch";
import { BENCH_USER_AGENT, requireCookies, type SignedUp, signIn, signUp } from "./sign-up";

export interface ScaleSettings {
  smallSessions: number;
  largeSessions: number;
  expiredSessions: number;
  /** Sessions per seeded user. */
  sessionsPerUser: number;
  connections: number;
  durationSec: number;
  warmupSec: number;
  /** Upper bound of the load that runs beside the cleanup. */
  maxCleanupSec: number;
  /** 0: the real cleanup. Above 0: an experiment, see CleanupInput.pauseMs. */
  cleanupPauseMs: number;
}

export interface ScaleRow {
  /** s1 `session.current`, s2 `session.list`, s3 `session.current` with the cache off. */
  key: string;
  call: string;
  /** The in-process session cache: on (production) or off (every request reads its session). */
  cache: boolean;
  /** "1k", "1M", "1M + 1M expired": which database state. */
  database: string;
  /** Rows in the session table when measured (seeded + the bench user's). */
  sessionRows: number;
  condition: "idle" | "during cleanup";
  otherCores: number | null;
  /** Cores used during the row by the server child, the database's PostgreSQL backends (all of them, the cleanup's included), the load generator and the cleanup child. */
  cpu: {
    server: number | null;
    postgres: number | null;
    loadGenerator: number | null;
    cleanup: number | null;
  };
  /** The bench user's session, sampled during the row and checked after it. */
  sessionCheck: SessionCheck;
  result: LoadResult;
}

export type ScaleMetric = "p50" | "p99" | "req/s";

export interface ScaleComparison {
  what: string;
  baseline: { key: string; database: string; condition: string };
  measured: { key: string; database: string; condition: string };
  /** Latencies: measured ÷ baseline; req/s: baseline ÷ measured. Above 1 = slower at scale. */
  ratios: Record<ScaleMetric, number>;
  /** The metrics the goal judges and its bound; null limit = shown for information. */
  judged: Record<ScaleMetric, boolean>;
  limit: number | null;
  met: boolean | null;
}

export interface ScaleReport {
  settings: ScaleSettings;
  /** The runtime every scale server and the cleanup ran on: `node20 (v20.20.2)`. */
  runtime: string;
  seeds: (SeedResult & { database: string })[];
  rows: ScaleRow[];
  comparisons: ScaleComparison[];
  cleanup: {
    report: SessionCleanupReport | null;
    /** Did the cleanup end within the load's upper bound (else the load stopped first)? */
    finishedDuringLoad: boolean;
  } | null;
}

export interface ScaleContext {
  adminUrl: string;
  settings: ScaleSettings;
  quick: boolean;
  maxQuietWaitMs: number;
  disturbedCores: number;
  log: (line: string) => void;
  problems: string[];
  /** Every server and the cleanup child run on it. */
  runtime: Runtime;
  /** Registers a database to drop on Ctrl-C. */
  track: (database: BenchPostgres | null) => void;
}

const CURRENT = "/api/trpc/session.current";
const LIST = "/api/trpc/session.list";

function trpcData(body: unknown): unknown {
  return (body as { result?: { data?: unknown } } | null)?.result?.data;
}

const answersCurrent = (body: unknown, userId: string) =>
  (trpcData(body) as { user?: { id?: string } } | null)?.user?.id === userId;
const answersList = (body: unknown) =>
  Array.isArray(trpcData(body)) &&
  (trpcData(body) as { isCurrent?: boolean }[]).some((device) => device.isCurrent === true);

export async function runScalePhase(ctx: ScaleContext): Promise<ScaleReport> {
  const { settings, log } = ctx;
  const rows: ScaleRow[] = [];
  const seeds: ScaleReport["seeds"] = [];
  let cleanup: ScaleReport["cleanup"] = null;
  const fmt = (n: number) => n.toLocaleString("en-US");

  const seed = async (
    database: BenchPostgres,
    label: string,
    sessions: number,
    expiredFraction: number,
  ) => {
    log(`  seeding ${fmt(sessions)} ${expiredFraction === 1 ? "expired " : ""}sessions ...`);
    let lastLine = 0;
    const result = await seedSessions(database.url, {
      sessions,
      users: Math.max(1, Math.round(sessions / settings.sessionsPerUser)),
      expiredFraction,
      // Every 10th progress line is enough in the bench's output.
      log: (line) => {
        if (++lastLine % 10 === 0) log(line);
      },
    });
    log(
      `  seeded in ${(result.insertMs / 1000).toFixed(1)} s + ${(result.maintenanceMs / 1000).toFixed(1)} s vacuum/analyze/checkpoint (triggers: ${result.triggers})`,
    );
    seeds.push({ database: label, ...result });
  };

  /** One load run on `path`, repeated once when other work disturbed it (idle rows only). */
  const measure = async (
    row: Omit<ScaleRow, "otherCores" | "cpu" | "result" | "sessionCheck">,
    server: Server,
    user: SignedUp,
    database: BenchPostgres,
    path: string,
  ) => {
    const headers = deviceHeaders(user);
    log(
      `  (${row.key}) ${row.call}${row.cache ? "" : " (cache off)"} on ${row.database} [${row.condition}] ...`,
    );
    const once = async () => {
      await waitForQuiet(ctx.maxQuietWaitMs);
      // The warm-up is not measured: CPU shares are taken over the whole run all the same.
      const otherCpu = watchOtherCpu([process.pid, server.pid], database.name);
      const watch = watchRow(server.pid, database.name);
      const session = watchSession(server.baseUrl, CURRENT, headers, (b) =>
        answersCurrent(b, user.userId),
      );
      const result = await runLoad({
        url: `${server.baseUrl}${path}`,
        headers,
        connections: settings.connections,
        durationSec: settings.durationSec,
        warmupSec: settings.warmupSec,
        profileName: server.profileName,
      });
      const otherCores = otherCpu();
      const cpu = watch();
      const sessionCheck = await session.stop();
      logResult(log, result, otherCores, cpu, sessionCheck);
      const where = `scale ${row.key} on ${row.database}`;
      reportFailures(ctx.problems, where, result);
      reportSessionCheck(ctx.problems, where, sessionCheck);
      return { result, otherCores, cpu, sessionCheck };
    };
    let measured = await once();
    if (!ctx.quick && (measured.otherCores ?? 0) > ctx.disturbedCores) {
      log("    disturbed by other processes: measuring once more");
      const again = await once();
      if ((again.otherCores ?? 0) < (measured.otherCores ?? 0)) measured = again;
    }
    const done: ScaleRow = { ...row, ...measured };
    rows.push(done);
    return done;
  };

  // --- 1,000 vs 1,000,000 sessions ------------------------------------------------------------
  for (const [label, sessions] of [
    [shortCount(settings.smallSessions), settings.smallSessions],
    [shortCount(settings.largeSessions), settings.largeSessions],
  ] as const) {
    log(`Scale: database with ${fmt(sessions)} sessions`);
    const database = await createPostgresDatabase(ctx.adminUrl);
    ctx.track(database);
    try {
      await seed(database, label, sessions, 0);
      const email = `scale-${label.toLowerCase()}@bench.test`;
      let signedIn: SignedUp | undefined;
      await withServer("ours-server", database, async (server) => {
        const user = await signUpAndIn(server.baseUrl, email);
        signedIn = user;
        const headers = deviceHeaders(user);
        await check(server.baseUrl, CURRENT, headers, (b) => answersCurrent(b, user.userId));
        await check(server.baseUrl, LIST, headers, answersList);
        const sessionRows = await countSessions(database.url);
        const base = { database: label, sessionRows, condition: "idle" as const };
        await measure(
          { key: "s1", call: "session.current", cache: true, ...base },
          server,
          user,
          database,
          CURRENT,
        );
        await measure(
          { key: "s2", call: "session.list", cache: true, ...base },
          server,
          user,
          database,
          LIST,
        );
      });
      // The same user's real cookie, on a server with the in-process cache off.
      await withServer("ours-server-nocache", database, async (server) => {
        if (!signedIn) throw new Error("no signed-in user");
        const user = signedIn;
        const headers = deviceHeaders(user);
        await check(server.baseUrl, CURRENT, headers, (b) => answersCurrent(b, user.userId));
        const sessionRows = await countSessions(database.url);
        await measure(
          {
            key: "s3",
            call: "session.current",
            cache: false,
            database: label,
            sessionRows,
            condition: "idle",
          },
          server,
          user,
          database,
          CURRENT,
        );
      });

      if (sessions !== settings.largeSessions) continue;

      // --- the cleanup of 1,000,000 expired sessions, under load --------------------------------
      const withExpired = `${label} + ${shortCount(settings.expiredSessions)} expired`;
      log(
        `Scale: ${fmt(settings.expiredSessions)} expired sessions more, then the cleanup under load`,
      );
      await seed(database, withExpired, settings.expiredSessions, 1);
      await withServer("ours-server", database, async (server) => {
        if (!signedIn) throw new Error("no signed-in user");
        const user = signedIn;
        const headers = deviceHeaders(user);
        await check(server.baseUrl, CURRENT, headers, (b) => answersCurrent(b, user.userId));
        const sessionRows = await countSessions(database.url);
        const row = {
          key: "s1",
          call: "session.current",
          cache: true,
          database: withExpired,
          sessionRows,
        };
        await measure({ ...row, condition: "idle" }, server, user, database, CURRENT);
        cleanup = await measureDuringCleanup(
          ctx,
          { ...row, condition: "during cleanup" },
          server,
          user,
          database,
          rows,
        );
      });
    } finally {
      await database.drop();
      ctx.track(null);
    }
  }

  const runtime = `${ctx.runtime.name} (${ctx.runtime.version})`;
  return { settings, runtime, seeds, rows, comparisons: compare(rows, settings), cleanup };

  // --- helpers that need the context --------------------------------------------------------------

  async function withServer(
    scenario: ScenarioId,
    database: BenchPostgres,
    task: (server: Server) => Promise<void>,
  ) {
    const input: ServerInput = { scenario, database: { kind: "postgres", url: database.url } };
    const name = profileName("scale", scenario, ctx.runtime.name);
    const child = startChild<ServerReady>("./server.ts", input, {
      execPath: ctx.runtime.execPath,
      profileName: name,
    });
    try {
      const { port } = await child.message;
      await task({ baseUrl: `http://127.0.0.1:${port}`, pid: child.pid, profileName: name });
    } finally {
      await child.stop();
    }
  }
}

interface Server {
  baseUrl: string;
  pid: number;
  profileName: string;
}

/** Sign-up (it creates the account with its password), then a real sign-in whose cookie is used. */
async function signUpAndIn(baseUrl: string, email: string): Promise<SignedUp> {
  await signUp(fetch, baseUrl, email);
  const signedIn = await signIn(fetch, baseUrl, email);
  requireCookies(signedIn, ["better-auth.session_token"], `sign-in of ${email}`);
  return signedIn;
}

function deviceHeaders(user: SignedUp): Record<string, string> {
  return { "user-agent": BENCH_USER_AGENT, cookie: user.cookie };
}

/** One request by hand before the load: status 200 and the right answer. */
async function check(
  baseUrl: string,
  path: string,
  headers: Record<string, string>,
  answers: (body: unknown) => boolean,
) {
  const response = await fetch(`${baseUrl}${path}`, { headers });
  const body: unknown = await response.json().catch(() => null);
  if (response.status !== 200 || !answers(body)) {
    throw new Error(`check ${path}: ${response.status} ${JSON.stringify(body).slice(0, 300)}`);
  }
}

async function countSessions(url: string): Promise<number> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ n: string }[]>`select count(*) as n from "session"`;
    return Number(row?.n ?? 0);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * `session.current` under load while the cleanup child deletes the expired sessions: the child
 * connects first, then the load starts and the child is told to go at the same moment; the load
 * stops when the cleanup reports (or after `maxCleanupSec`). No warm-up: the idle row just before
 * ran on the same server.
 */
async function measureDuringCleanup(
  ctx: ScaleContext,
  row: Omit<ScaleRow, "otherCores" | "cpu" | "result" | "sessionCheck">,
  server: Server,
  user: SignedUp,
  database: BenchPostgres,
  rows: ScaleRow[],
): Promise<NonNullable<ScaleReport["cleanup"]>> {
  const { log, settings } = ctx;
  const headers = deviceHeaders(user);
  log(
    `  (${row.key}) ${row.call}${row.cache ? "" : " (cache off)"} on ${row.database} [${row.condition}] ...`,
  );
  const input: CleanupInput = { url: database.url, pauseMs: settings.cleanupPauseMs };
  const child = startChild<CleanupMessage>("./cleanup-child.ts", input, {
    timeoutMs: 60_000,
    execPath: ctx.runtime.execPath,
    profileName: profileName("scale-cleanup", ctx.runtime.name),
  });
  try {
    const ready = await child.message;
    if (ready.type !== "ready") throw new Error(`cleanup child: ${JSON.stringify(ready)}`);
    const finished = new Promise<CleanupMessage>((resolve) => {
      child.onMessage((value) => {
        const message = value as CleanupMessage;
        if (message.type === "progress") {
          log(
            `    cleanup: ${message.deletedSoFar.toLocaleString("en-US")} deleted after ${(message.ms / 1000).toFixed(0)} s (batch ${message.batch})`,
          );
        } else if (message.type === "done" || message.type === "failed") {
          resolve(message);
        }
      });
    });
    await waitForQuiet(ctx.maxQuietWaitMs);
    const otherCpu = watchOtherCpu([process.pid, server.pid, child.pid], database.name);
    const watch = watchRow(server.pid, database.name, child.pid);
    // The cleanup must delete the expired sessions, never the bench user's live one.
    const session = watchSession(server.baseUrl, CURRENT, headers, (b) =>
      answersCurrent(b, user.userId),
    );
    child.send("go");
    const result = await runLoad({
      url: `${server.baseUrl}${CURRENT}`,
      headers,
      connections: settings.connections,
      durationSec: settings.maxCleanupSec,
      warmupSec: 0,
      until: finished,
      profileName: server.profileName,
    });
    const otherCores = otherCpu();
    const cpu = watch();
    const sessionCheck = await session.stop();
    logResult(log, result, otherCores, cpu, sessionCheck);
    const where = `scale ${row.key} on ${row.database} during cleanup`;
    reportFailures(ctx.problems, where, result);
    reportSessionCheck(ctx.problems, where, sessionCheck);
    rows.push({ ...row, otherCores, cpu, sessionCheck, result });
    const finishedDuringLoad = result.durationSec < settings.maxCleanupSec - 0.5;
    const outcome = await Promise.race([
      finished,
      new Promise<null>((resolve) => setTimeout(() => resolve(null), 600_000)),
    ]);
    if (!outcome) throw new Error("the cleanup did not finish within 10 minutes");
    if (outcome.type === "failed") throw new Error(`cleanup failed: ${outcome.error}`);
    if (outcome.type !== "done") throw new Error(`cleanup child: ${JSON.stringify(outcome)}`);
    if (!outcome.report) {
      ctx.problems.push("scale cleanup: another cleanup held the lock, nothing was deleted");
    } else {
      const r = outcome.report;
      log(
        `    cleanup: ${r.sessionsDeleted.toLocaleString("en-US")} sessions deleted in ${(r.ms / 1000).toFixed(1)} s (${r.batches} batches), ${r.eventsDeleted} old events`,
      );
      if (r.sessionsDeleted < settings.expiredSessions) {
        ctx.problems.push(
          `scale cleanup: deleted ${r.sessionsDeleted} of ${settings.expiredSessions} expired sessions`,
        );
      }
    }
    if (!finishedDuringLoad) {
      ctx.problems.push(
        `scale cleanup: still running after ${settings.maxCleanupSec} s of load; the row covers only its start`,
      );
    }
    return { report: outcome.report, finishedDuringLoad };
  } finally {
    await child.stop();
  }
}

function compare(rows: ScaleRow[], settings: ScaleSettings): ScaleComparison[] {
  const find = (key: string, database: string, condition: ScaleRow["condition"]) =>
    rows.find((r) => r.key === key && r.database === database && r.condition === condition);
  const small = shortCount(settings.smallSessions);
  const large = shortCount(settings.largeSessions);
  const withExpired = `${large} + ${shortCount(settings.expiredSessions)} expired`;
  const pairs: {
    what: string;
    baseline: ScaleRow | undefined;
    measured: ScaleRow | undefined;
    judged: ScaleMetric[];
    limit: number | null;
  }[] = [
    {
      what: `\`session.current\`: ${large} vs ${small} sessions`,
      baseline: find("s1", small, "idle"),
      measured: find("s1", large, "idle"),
      judged: ["p50", "p99", "req/s"],
      limit: 1.5,
    },
    {
      what: `\`session.list\`: ${large} vs ${small} sessions`,
      baseline: find("s2", small, "idle"),
      measured: find("s2", large, "idle"),
      judged: ["p50", "p99", "req/s"],
      limit: 1.5,
    },
    {
      what: `\`session.current\`, cache off: ${large} vs ${small} sessions`,
      baseline: find("s3", small, "idle"),
      measured: find("s3", large, "idle"),
      judged: ["p50", "p99", "req/s"],
      limit: null,
    },
    {
      what: `\`session.current\` during the cleanup of ${shortCount(settings.expiredSessions)} expired vs idle`,
      baseline: find("s1", withExpired, "idle"),
      measured: find("s1", withExpired, "during cleanup"),
      judged: ["p99"],
      limit: 2,
    },
  ];
  const comparisons: ScaleComparison[] = [];
  for (const { what, baseline, measured, judged, limit } of pairs) {
    if (!baseline || !measured) continue;
    const b = baseline.result;
    const m = measured.result;
    const ratios: Record<ScaleMetric, number> = {
      p50: m.latencyMs.p50 / b.latencyMs.p50,
      p99: m.latencyMs.p99 / b.latencyMs.p99,
      "req/s": b.requestsPerSec / m.requestsPerSec,
    };
    const pick = ({ key, database, condition }: ScaleRow) => ({ key, database, condition });
    // A row whose user lost its session measured answers to nobody: its goal cannot be met.
    const sessionsHeld = [baseline, measured].every((row) => sessionHeld(row.sessionCheck));
    comparisons.push({
      what,
      baseline: pick(baseline),
      measured: pick(measured),
      ratios,
      // An object rather than an array: latest.json stays as Biome formats it.
      judged: {
        p50: judged.includes("p50"),
        p99: judged.includes("p99"),
        "req/s": judged.includes("req/s"),
      },
      limit,
      met:
        limit === null ? null : sessionsHeld && judged.every((metric) => ratios[metric] <= limit),
    });
  }
  return comparisons;
}

/** 1,000 → "1k", 1,000,000 → "1M"; anything else in full. */
export function shortCount(n: number): string {
  if (n >= 1_000_000 && n % 1_000_000 === 0) return `${n / 1_000_000}M`;
  if (n >= 1000 && n % 1000 === 0) return `${n / 1000}k`;
  return n.toLocaleString("en-US");
}

/** Starts the per-process CPU accounting of a row. */
function watchRow(serverPid: number, databaseName: string, cleanupPid?: number) {
  const server = watchCpuOf([serverPid]);
  // The children's command lines name the database too: only PostgreSQL's processes count here.
  const children = cleanupPid ? [serverPid, cleanupPid] : [serverPid];
  const postgresCpu = watchCpuOf([], databaseName, [process.pid, ...children]);
  const loadGenerator = watchCpuOf([process.pid]);
  const cleanup = cleanupPid ? watchCpuOf([cleanupPid]) : () => null;
  return (): ScaleRow["cpu"] => ({
    server: server(),
    postgres: postgresCpu(),
    loadGenerator: loadGenerator(),
    cleanup: cleanup(),
  });
}

function logResult(
  log: (line: string) => void,
  result: LoadResult,
  otherCores: number | null,
  cpu: ScaleRow["cpu"],
  session: SessionCheck,
) {
  const ms = result.latencyMs;
  const c = (value: number | null) => value?.toFixed(2) ?? "?";
  log(
    `    ${Math.round(result.requestsPerSec)} req/s over ${result.durationSec.toFixed(1)} s, p50 ${ms.p50.toFixed(2)} ms, p99 ${ms.p99.toFixed(2)} ms, non-2xx ${result.non2xx}; cores: server ${c(cpu.server)}, PostgreSQL ${c(cpu.postgres)}, load generator ${c(cpu.loadGenerator)}${cpu.cleanup === null ? "" : `, cleanup process ${c(cpu.cleanup)}`}, busy elsewhere ${c(otherCores)}; session: ${session.sampled - session.wrong}/${session.sampled} sampled answers the user's, ${session.aliveAfter ? "alive after" : "GONE after"}`,
  );
}

function sessionHeld(check: SessionCheck): boolean {
  return check.aliveAfter && check.wrong === 0;
}

function reportSessionCheck(problems: string[], where: string, check: SessionCheck) {
  if (sessionHeld(check)) return;
  problems.push(
    `${where}: the bench user's session ${check.aliveAfter ? "held at the end, but" : "was gone after the row;"} ${check.wrong} of ${check.sampled} sampled answers during the load did not carry the user (first: ${check.firstWrong ?? "–"})`,
  );
}

function reportFailures(problems: string[], where: string, r: LoadResult) {
  if (r.non2xx + r.errors + r.timeouts + r.warmupFailures === 0) return;
  problems.push(
    `${where}: ${r.non2xx} non-2xx (${JSON.stringify(r.statusCodes)}), ${r.errors} errors, ${r.timeouts} timeouts, ${r.warmupFailures} failures in warm-up`,
  );
}
