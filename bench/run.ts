/**
 * `npm run bench`: what resolving a session costs per request, on PGlite and PostgreSQL and on
 * each Node.js runtime (Node 20 and Node 24 by default) side by side. See docs/benchmarks.md and
 * `npm run bench -- --help` (bench/options.ts). Progress goes to stderr; the markdown report to
 * stdout and to bench/results/.
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { killChildren, startChild } from "./child";
import { DISTURBED_CORES, waitForQuiet, watchOtherCpu } from "./cpu";
import {
  type BenchPostgres,
  createPostgresDatabase,
  type DatabaseKind,
  type DatabaseTarget,
  DEFAULT_ADMIN_URL,
  probePostgres,
} from "./database";
import { type LoadResult, runLoad } from "./load";
import { parseOptions } from "./options";
import { profileDir, profileName } from "./profile-windows";
import { type LoadRow, type Report, toMarkdown } from "./report";
import { defaultRuntimes, type Runtime, resolveRuntimes } from "./runtimes";
import { runScalePhase, type ScaleSettings } from "./scale";
import { SCENARIOS, type Scenario } from "./scenarios";
import type { ServerInput, ServerReady } from "./server";
import type { TimingInput, TimingRow } from "./session-timing";
import { BENCH_USER_AGENT, requireCookies, signUp } from "./sign-up";

const root = fileURLToPath(new URL("..", import.meta.url));
const log = (message: string) => process.stderr.write(`${message}\n`);

// --- options ---------------------------------------------------------------------------------
const { quick, only, requirePostgres, noScale, scaleSessions, ...options } = parseOptions(
  process.argv.slice(2),
  process.env,
);
const adminUrl = process.env.BENCH_DATABASE_URL || DEFAULT_ADMIN_URL;
let runtimes: Runtime[];
try {
  runtimes =
    options.runtimes.length > 0 ? resolveRuntimes(options.runtimes, log) : defaultRuntimes(log);
} catch (error) {
  log(`Runtimes: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
}
const scaleRuntime = options.scaleRuntime
  ? runtimes.find((runtime) => runtime.name === options.scaleRuntime)
  : runtimes[0];
if (!scaleRuntime) {
  log(
    `--scale-runtime=${options.scaleRuntime} is not one of the runtimes measured (${runtimes.map((r) => r.name).join(", ")})`,
  );
  process.exit(2);
}
log(`Runtimes: ${runtimes.map((r) => `${r.name} (${r.version}, ${r.source})`).join(", ")}`);
const scenarios = options.rows
  ? SCENARIOS.filter((scenario) => options.rows?.includes(scenario.key))
  : SCENARIOS;
/** The in-process timing child times c1, c2, d and d3's resolvers; skipped when none of them runs. */
const timingRows = new Set(["c1", "c2", "d", "d3"]);
const runTiming = scenarios.some((scenario) => timingRows.has(scenario.key));

// 50 connections as in the issue; ~10 s per row keeps the whole run near 3 minutes on 2 cores.
const settings: Report["settings"] = quick
  ? { connections: 50, durationSec: 2, warmupSec: 1, timingCalls: 300, timingWarmupCalls: 50 }
  : { connections: 50, durationSec: 8, warmupSec: 2, timingCalls: 2000, timingWarmupCalls: 200 };
const scaleSettings: ScaleSettings = {
  smallSessions: 1000,
  largeSessions: scaleSessions,
  expiredSessions: scaleSessions,
  sessionsPerUser: 10,
  connections: settings.connections,
  durationSec: settings.durationSec,
  warmupSec: settings.warmupSec,
  maxCleanupSec: quick ? 60 : 300,
  cleanupPauseMs: 0,
};

// --- PostgreSQL ------------------------------------------------------------------------------
let kinds: DatabaseKind[] = only ? [only] : ["pglite", "postgres"];
let postgresInfo: Report["postgres"] = { skipped: "--only=pglite" };
let benchPostgres: BenchPostgres | undefined;
/** Better Auth as shipped (c1, c2) on PostgreSQL: its own database, named after the run's. */
let shippedPostgres: BenchPostgres | undefined;
if (kinds.includes("postgres")) {
  const probe = await probePostgres(adminUrl);
  if ("error" in probe) {
    const where = redact(adminUrl);
    log(`\n${"!".repeat(78)}\n!! PostgreSQL at ${where} is unreachable: ${probe.error}`);
    if (requirePostgres || only === "postgres") {
      log(`!! PostgreSQL was required: stopping.\n${"!".repeat(78)}\n`);
      process.exit(1);
    }
    log(
      `!! Running on PGlite ONLY. Set BENCH_DATABASE_URL or start PostgreSQL.\n${"!".repeat(78)}\n`,
    );
    kinds = kinds.filter((kind) => kind !== "postgres");
    postgresInfo = { skipped: `unreachable at ${where}: ${probe.error}` };
  } else {
    postgresInfo = { version: probe.version };
    benchPostgres = await createPostgresDatabase(adminUrl);
    log(`PostgreSQL: fresh database ${redact(benchPostgres.url)}`);
    // Its name contains the run database's, so the CPU accounting counts its backends as ours.
    shippedPostgres = await createPostgresDatabase(adminUrl, `${benchPostgres.name}_shipped`);
  }
}

/** The scale phase's database of the moment, dropped on Ctrl-C too. */
let scaleDatabase: BenchPostgres | null = null;
process.once("SIGINT", () => {
  killChildren();
  const databases = [benchPostgres, shippedPostgres, scaleDatabase];
  void Promise.allSettled(databases.map((database) => database?.drop())).finally(() =>
    process.exit(130),
  );
});

// --- the runs ----------------------------------------------------------------------------------
const problems: string[] = [];
const load: LoadRow[] = [];
const timing: Report["timing"] = [];
const started = Date.now();

// Other work on the machine (a test run, a build) skews every row: each row first waits a
// little for quiet, and the report shows how busy the machine was anyway.
const maxQuietWaitMs = quick ? 0 : 10_000;
const busyBeforeStart = await waitForQuiet(maxQuietWaitMs);
if (busyBeforeStart !== null && busyBeforeStart > DISTURBED_CORES) {
  log(
    `\n!! The machine is busy: ${busyBeforeStart.toFixed(2)} of ${os.cpus().length} cores in use by other processes. Expect disturbed numbers (see "busy elsewhere").\n`,
  );
}

try {
  // Row by row, each runtime in turn: whatever disturbs the machine for a minute lands on both
  // runtimes' copy of a row alike instead of on one runtime's whole table.
  for (const scenario of scenarios) {
    const databases = scenario.authenticated ? kinds : (["none"] as const);
    for (const database of databases) {
      for (const runtime of runtimes) {
        const where = `${scenario.key} on ${database}, ${runtime.name}`;
        try {
          load.push(await measureScenario(scenario, database, runtime));
        } catch (error) {
          problems.push(`${where}: ${error instanceof Error ? error.message : String(error)}`);
          log(`  FAILED: ${problems.at(-1)}`);
        }
      }
    }
  }
  for (const kind of runTiming ? kinds : []) {
    for (const runtime of runtimes) {
      try {
        await measureTiming(kind, runtime);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        problems.push(`timing on ${kind}, ${runtime.name}: ${message}`);
      }
    }
  }
} finally {
  await benchPostgres?.drop();
  await shippedPostgres?.drop();
}

// --- the scale phase (PostgreSQL only) ----------------------------------------------------------
let scale: Report["scale"];
if (noScale) {
  scale = { skipped: "--no-scale" };
} else if (!kinds.includes("postgres")) {
  const why = "skipped" in postgresInfo ? postgresInfo.skipped : "PostgreSQL not measured";
  scale = { skipped: `needs PostgreSQL (${why})` };
  log(
    `\n${"!".repeat(78)}\n!! SCALE PHASE SKIPPED: it needs PostgreSQL (${why}).\n${"!".repeat(78)}\n`,
  );
} else {
  try {
    scale = await runScalePhase({
      adminUrl,
      settings: scaleSettings,
      quick,
      maxQuietWaitMs,
      disturbedCores: DISTURBED_CORES,
      log,
      problems,
      runtime: scaleRuntime,
      track: (database) => {
        scaleDatabase = database;
      },
    });
    for (const c of scale.comparisons.filter((comparison) => comparison.met === false)) {
      log(`  goal not met: ${c.what}`);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    problems.push(`scale phase: ${message}`);
    log(`  FAILED: scale phase: ${message}`);
    scale = { skipped: `failed: ${message}` };
  }
}

// --- the report --------------------------------------------------------------------------------
const report: Report = {
  timestamp: new Date().toISOString(),
  quick,
  machine: {
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  },
  runtimes: runtimes.map(({ name, version, source }) => ({ name, version, source })),
  git: gitState(),
  packages: await packageVersions([
    "better-auth",
    "@trpc/server",
    "drizzle-orm",
    "@electric-sql/pglite",
    "postgres",
    "autocannon",
  ]),
  settings,
  busyBeforeStart,
  postgres: postgresInfo,
  load,
  timing,
  scale,
  problems,
};
const markdown = toMarkdown(report);
process.stdout.write(`\n${markdown}\n`);
// A smoke run, a run of some rows only and a profiled run (the profiler costs a few percent) must
// not overwrite the committed numbers: their files are git-ignored (*.tmp).
const partial = options.rows !== undefined || profileDir() !== undefined;
const name = quick ? "quick" : partial ? "partial" : "latest";
const base = path.join(root, "bench", "results", name);
const suffix = name === "latest" ? "" : ".tmp";
await writeFile(`${base}.md${suffix}`, markdown);
await writeFile(`${base}.json${suffix}`, `${JSON.stringify(report, null, 2)}\n`);
log(
  `\nWrote ${path.relative(root, base)}.{md,json}${suffix} in ${Math.round((Date.now() - started) / 1000)} s.`,
);
if (problems.length > 0)
  log(`\n${problems.length} problem(s): the numbers above are not trustworthy.`);
process.exit(problems.length > 0 ? 1 : 0);

// --- helpers -----------------------------------------------------------------------------------

/** One scenario on one runtime: its server child, a signed-up user, one checked request, the load. */
async function measureScenario(
  scenario: Scenario,
  database: DatabaseKind | "none",
  runtime: Runtime,
): Promise<LoadRow> {
  const run = async (target?: DatabaseTarget) => {
    const input: ServerInput = { scenario: scenario.id, ...(target ? { database: target } : {}) };
    const profile = profileName(scenario.key, database, runtime.name);
    const child = startChild<ServerReady>("./server.ts", input, {
      execPath: runtime.execPath,
      profileName: profile,
    });
    try {
      const { port } = await child.message;
      const baseUrl = `http://127.0.0.1:${port}`;
      const headers: Record<string, string> = { "user-agent": BENCH_USER_AGENT };
      let setsCookies = false;
      if (scenario.authenticated) {
        // One user per row and runtime: PostgreSQL rows share the run's database.
        const email = `${scenario.id}-${database}-${runtime.name}@bench.test`;
        const signedUp = await signUp(fetch, baseUrl, email);
        requireCookies(signedUp, scenario.cookies, `${scenario.key} on ${database}`);
        headers.cookie = signedUp.cookie;
        // One request by hand: the load only counts statuses, this checks the answer itself.
        const probe = await fetch(`${baseUrl}${scenario.path}`, { headers });
        const body: unknown = await probe.json().catch(() => null);
        if (probe.status !== 200 || !scenario.answersFor?.(body, signedUp.userId)) {
          throw new Error(`check request: ${probe.status} ${JSON.stringify(body).slice(0, 300)}`);
        }
        setsCookies = probe.headers.getSetCookie().length > 0;
      }
      log(`(${scenario.key}) ${scenario.label} [${database}, ${runtime.name}] ...`);
      const where = `${scenario.key} on ${database}, ${runtime.name}`;
      const measureOnce = async () => {
        await waitForQuiet(maxQuietWaitMs);
        const otherCpu = watchOtherCpu([process.pid, child.pid], benchPostgres?.name);
        const result = await runLoad({
          url: `${baseUrl}${scenario.path}`,
          headers,
          connections: settings.connections,
          durationSec: settings.durationSec,
          warmupSec: settings.warmupSec,
          profileName: profile,
        });
        const otherCores = otherCpu();
        const { latencyMs: ms } = result;
        log(
          `    ${Math.round(result.requestsPerSec)} req/s, p50 ${ms.p50.toFixed(2)} ms, p99 ${ms.p99.toFixed(2)} ms, non-2xx ${result.non2xx}, busy elsewhere ${otherCores?.toFixed(2) ?? "?"} cores`,
        );
        reportFailures(where, result);
        return { result, otherCores };
      };
      let measured = await measureOnce();
      // Someone else's work landed in this row: one more try, and the quieter of the two counts.
      if (!quick && (measured.otherCores ?? 0) > DISTURBED_CORES) {
        log("    disturbed by other processes: measuring once more");
        const again = await measureOnce();
        if ((again.otherCores ?? 0) < (measured.otherCores ?? 0)) measured = again;
      }
      const { key, label } = scenario;
      return { key, label, database, runtime: runtime.name, setsCookies, ...measured };
    } finally {
      await child.stop();
    }
  };
  return database === "none" ? run() : withTarget(database, run, scenario.shippedAuth);
}

/** One in-process timing child (c1, c2, d, d3's resolvers, no HTTP) on a database and runtime. */
async function measureTiming(kind: DatabaseKind, runtime: Runtime) {
  log(`In-process session resolution on ${kind}, ${runtime.name} ...`);
  const measured = await withTarget(kind, async (target) => {
    const input: TimingInput = {
      database: target,
      calls: settings.timingCalls,
      warmupCalls: settings.timingWarmupCalls,
      ...(kind === "postgres" && shippedPostgres
        ? { shippedDatabase: { kind, url: shippedPostgres.url } }
        : {}),
      // Both runtimes' children sign up on the one PostgreSQL database: one set of users each.
      emailTag: runtime.name,
    };
    await waitForQuiet(maxQuietWaitMs);
    const child = startChild<TimingRow[]>("./session-timing.ts", input, {
      timeoutMs: 300_000,
      execPath: runtime.execPath,
      profileName: profileName("timing", kind, runtime.name),
    });
    const otherCpu = watchOtherCpu([process.pid, child.pid], benchPostgres?.name);
    try {
      const rows = await child.message;
      return { rows, otherCores: otherCpu() };
    } finally {
      await child.stop();
    }
  });
  timing.push({ database: kind, runtime: runtime.name, ...measured });
  for (const row of measured.rows.filter((r) => r.failures > 0)) {
    problems.push(
      `timing on ${kind}, ${runtime.name}, ${row.label}: ${row.failures} calls found no session`,
    );
  }
}

/** Every attempt's failures count, a discarded retry's too. */
function reportFailures(where: string, r: LoadResult) {
  if (r.non2xx + r.errors + r.timeouts + r.warmupFailures === 0) return;
  problems.push(
    `${where}: ${r.non2xx} non-2xx (${JSON.stringify(r.statusCodes)}), ${r.errors} errors, ${r.timeouts} timeouts, ${r.warmupFailures} failures in warm-up`,
  );
}

/**
 * Runs `task` with the database target of `kind`: the run's PostgreSQL database (Better Auth as
 * shipped: the one beside it), or a new PGlite directory (one per process: PGlite cannot share
 * one) removed afterwards.
 */
async function withTarget<T>(
  kind: DatabaseKind,
  task: (target: DatabaseTarget) => Promise<T>,
  shippedAuth = false,
): Promise<T> {
  if (kind === "postgres") {
    const database = shippedAuth ? shippedPostgres : benchPostgres;
    if (!database) throw new Error("no PostgreSQL database");
    return task({ kind, url: database.url });
  }
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "bench-pglite-"));
  try {
    return await task({ kind, dataDir });
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

function gitState(): Report["git"] {
  try {
    const git = (...gitArgs: string[]) =>
      execFileSync("git", gitArgs, { cwd: root, encoding: "utf8" }).trim();
    return {
      commit: git("rev-parse", "--short", "HEAD"),
      uncommittedChanges: git("status", "--porcelain") !== "",
    };
  } catch {
    return { commit: "unknown", uncommittedChanges: false };
  }
}

async function packageVersions(names: string[]): Promise<Record<string, string>> {
  const entries = await Promise.all(
    names.map(async (name) => {
      const file = path.join(root, "node_modules", name, "package.json");
      const json = JSON.parse(await readFile(file, "utf8")) as { version: string };
      return [name, json.version] as const;
    }),
  );
  return Object.fromEntries(entries);
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}
