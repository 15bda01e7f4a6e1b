/**
 * `npm run load` (issue 5, §6 "Load"): two instances of the real server on one fresh PostgreSQL
 * database, a mixed workload (sign-in, current, list, revoke) for 60 s, RSS of both sampled every
 * second, and afterwards every ended session checked on both instances. Progress goes to stderr,
 * the markdown summary to stdout and bench/results/load-latest.{md,json}; the exit code is 1 on
 * any unexpected answer, any ended session accepted, or a memory growth trend.
 *
 *   npm run load [-- --quick | --duration=N] [--users=N] [--warmup=N]
 *   LOAD_DURATION_SEC, LOAD_USERS, BENCH_DATABASE_URL (an admin URL; a database is created on it)
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createPostgresDatabase, DEFAULT_ADMIN_URL, probePostgres } from "../database";
import { checkEverySession } from "./check";
import { cookieHeader, newDeviceIp, signUpRequest } from "./client";
import { type HeapSample, readHeapSamples, summarizeMemory } from "./memory";
import { addDevice, type VirtualUser } from "./model";
import { Recorder } from "./record";
import { kindRows, type LoadMixedReport, toMarkdown } from "./report";
import {
  freePort,
  type Instance,
  type RssSample,
  readRssBytes,
  sampleRss,
  sleep,
  startInstance,
  stopInstance,
} from "./servers";
import { MIX, runUser } from "./workload";

const root = fileURLToPath(new URL("../..", import.meta.url));
const args = process.argv.slice(2);
const USAGE = `Usage: npm run load [-- --quick | --duration=N] [--users=N] [--warmup=N]
  --quick        10 s measured after a 3 s warm-up (results git-ignored)
  --duration=N   seconds measured (default 60; LOAD_DURATION_SEC)
  --users=N      virtual users, one account each (default 32; LOAD_USERS)
  --warmup=N     seconds of unmeasured workload first (default 10)
BENCH_DATABASE_URL: an admin URL (a database is created on it and dropped afterwards).
`;
// Checked before anything starts: a mistyped option would otherwise run the full 60 s default.
if (args.includes("--help") || args.includes("-h")) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const unknownOptions = args.filter((arg) => !/^--(quick|(duration|users|warmup)=.+)$/.test(arg));
if (unknownOptions.length > 0) {
  process.stderr.write(`Unknown option ${unknownOptions.join(" ")}\n${USAGE}`);
  process.exit(2);
}
const option = (name: string) =>
  args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const quick = args.includes("--quick");
const durationSec = Number(
  option("duration") ?? process.env.LOAD_DURATION_SEC ?? (quick ? 10 : 60),
);
const userCount = Number(option("users") ?? process.env.LOAD_USERS ?? 32);
/**
 * The same workload before the measured window, not counted but checked: JIT, V8's heap sizing
 * and the caches settle first, so RSS at rest before and after compares like with like.
 */
const warmupSec = Number(option("warmup") ?? (quick ? 3 : 10));
if (!(durationSec > 0) || !(userCount > 0) || !(warmupSec >= 0)) {
  console.error("--duration and --users must be positive numbers, --warmup at least 0");
  process.exit(2);
}

/** The default limit; the model evicts by it, and the servers get it explicitly. */
const MAX_PER_USER = 5;

/**
 * Both instances get the same environment. Production: Secure, `__Secure-` cookies, which this
 * client sends over loopback http as a TLS-terminating proxy would. The rate limits stay on at
 * their defaults: every device has its own address (X-Forwarded-For, believed from the loopback
 * proxy only), so the per-IP limit sees many clients, and the per-account limit counts failed
 * passwords only.
 */
const serverEnv = {
  NODE_ENV: "production",
  // No SMTP server runs here, which production refuses while a mail feature is on.
  EMAIL_VERIFICATION: "off",
  PASSWORD_RESET: "off",
  NEW_DEVICE_ALERTS: "off",
  TRUSTED_PROXIES: "127.0.0.1",
  SESSION_MAX_PER_USER: String(MAX_PER_USER),
  SESSION_LIMIT_POLICY: "evict-oldest",
  SESSION_CLEANUP_INTERVAL_SEC: "0",
  LOG_LEVEL: "warn",
};

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<number> {
  const adminUrl = process.env.BENCH_DATABASE_URL ?? DEFAULT_ADMIN_URL;
  const probe = await probePostgres(adminUrl);
  if ("error" in probe) {
    log(`PostgreSQL is not reachable at ${redact(adminUrl)}: ${probe.error}`);
    log("Start one (trust auth on 127.0.0.1:5432) or set BENCH_DATABASE_URL to an admin URL.");
    return 2;
  }
  log(`PostgreSQL: ${probe.version.split(" ").slice(0, 2).join(" ")}`);
  const database = await createPostgresDatabase(adminUrl);
  log(`Database ${database.name} created and migrated`);
  const instances: Instance[] = [];
  const probeDir = await mkdtemp(path.join(os.tmpdir(), "load-mixed-"));
  try {
    const secret = randomBytes(32).toString("hex");
    const [portA, portB] = [await freePort(), await freePort()];
    const origin = (port: number) => `http://127.0.0.1:${port}`;
    for (const [name, port, other] of [
      ["A", portA, portB],
      ["B", portB, portA],
    ] as const) {
      instances.push(
        await startInstance({
          name,
          port,
          databaseUrl: database.url,
          trustedOrigins: origin(other),
          env: { ...serverEnv, BETTER_AUTH_SECRET: secret },
          heapProbeFile: path.join(probeDir, `${name}.jsonl`),
        }),
      );
      log(`Instance ${name} listening on ${origin(port)} (pid ${instances.at(-1)?.pid})`);
    }

    const users = await signUpUsers(instances, userCount);
    log(`${users.length} users signed up; warming up for ${warmupSec} s`);
    const warmup = new Recorder(Date.now());
    const warmupCtx = { instances, recorder: warmup, maxPerUser: MAX_PER_USER };
    const warmupEndMs = Date.now() + warmupSec * 1000;
    await Promise.all(
      users.map((user) => runUser(user, { ...warmupCtx, deadlineMs: warmupEndMs })),
    );
    const restBefore = await rssAtRest(instances);
    log(`Running the mixed workload for ${durationSec} s`);

    const startedAtMs = Date.now();
    const recorder = new Recorder(startedAtMs);
    const sampler = sampleRss(
      instances.map((i) => i.pid),
      startedAtMs,
    );
    const progress = setInterval(() => {
      const done = [...recorder.kinds.values()].reduce((sum, tally) => sum + tally.count, 0);
      const elapsed = (Date.now() - startedAtMs) / 1000;
      log(
        `  ${elapsed.toFixed(0)} s: ${done} requests (${(done / elapsed).toFixed(0)}/s), ${recorder.unexpectedCount} unexpected`,
      );
    }, 10_000);
    const ctx = {
      instances,
      recorder,
      maxPerUser: MAX_PER_USER,
      deadlineMs: startedAtMs + durationSec * 1000,
    };
    await Promise.all(users.map((user) => runUser(user, ctx)));
    const measuredSec = (Date.now() - startedAtMs) / 1000;
    clearInterval(progress);
    const rss = sampler.stop();
    const restAfter = await rssAtRest(instances);

    const devices = users.flatMap((user) => user.devices);
    log(`Workload done; checking all ${devices.length} sessions on both instances`);
    const finalCheck = await checkEverySession(users, instances);

    const kinds = kindRows(recorder.kinds, measuredSec);
    const requests = kinds.reduce((sum, row) => sum + row.count, 0);
    const memorySeries: LoadMixedReport["memorySeries"] = {};
    const memory = await Promise.all(
      instances.map(async (instance) => {
        const probed = await readFile(instance.heapProbeFile, "utf8").catch(() => "");
        const heap = readHeapSamples(probed, startedAtMs);
        const series = rss.get(instance.pid) ?? [];
        memorySeries[instance.name] = seriesRows(series, heap);
        return summarizeMemory({
          instance: instance.name,
          pid: instance.pid,
          samples: series,
          heapSamples: heap,
          durationSec,
          restBeforeBytes: restBefore.get(instance.pid) ?? 0,
          restAfterBytes: restAfter.get(instance.pid) ?? 0,
        });
      }),
    );
    const count = (state: string) => devices.filter((d) => d.state === state).length;
    const failures = [
      ...(recorder.unexpectedCount > 0 ? [`${recorder.unexpectedCount} unexpected answers`] : []),
      ...(warmup.unexpectedCount > 0
        ? [`${warmup.unexpectedCount} unexpected answers during the warm-up`]
        : []),
      ...(finalCheck.failures > 0 ? [`${finalCheck.failures} final-check failures`] : []),
      ...memory.filter((m) => m.growthTrend).map((m) => `memory growth trend on ${m.instance}`),
      ...instances
        .filter((i) => i.child.exitCode !== null)
        .map((i) => `instance ${i.name} exited (code ${i.child.exitCode})`),
    ];
    const report: LoadMixedReport = {
      timestamp: new Date().toISOString(),
      quick,
      machine: {
        node: process.version,
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model.trim() ?? "unknown",
      },
      git: gitState(),
      settings: {
        durationSec,
        warmupSec,
        users: users.length,
        nodeEnv: serverEnv.NODE_ENV,
        postgres: probe.version.split(" ").slice(0, 2).join(" "),
        serverEnv,
        mix: { ...MIX },
      },
      measuredSec,
      kinds,
      totals: {
        requests,
        perSec: requests / measuredSec,
        unexpected: recorder.unexpectedCount,
        usersStopped: users.filter((user) => user.stopped).length,
      },
      unexpected: [
        ...warmup.unexpected.map((u) => ({ ...u, kind: `${u.kind} (warm-up)` })),
        ...recorder.unexpected,
      ],
      memory,
      memorySeries,
      sessions: {
        created: devices.length,
        revoked: count("revoked"),
        evicted: count("evicted"),
        signedOut: count("signed-out"),
        alive: count("alive"),
      },
      finalCheck,
      failures,
    };
    const markdown = toMarkdown(report);
    process.stdout.write(markdown);
    await writeResults(report, markdown);
    if (failures.length > 0) {
      for (const instance of instances) {
        const errors = instance
          .output()
          .split("\n")
          .filter((line) => line.includes('"level":50') || line.includes('"level":60'));
        if (errors.length > 0)
          log(`${instance.name} logged errors:\n${errors.slice(0, 5).join("\n")}`);
      }
    }
    return failures.length === 0 ? 0 : 1;
  } finally {
    await Promise.all(instances.map(stopInstance));
    await database.drop();
    await rm(probeDir, { recursive: true, force: true });
  }
}

/**
 * One account per virtual user, outside the measured window; the sign-up's session is the user's
 * first device. Eight at a time: password hashing makes sign-up the heaviest request.
 */
async function signUpUsers(instances: Instance[], count: number): Promise<VirtualUser[]> {
  const run = randomBytes(4).toString("hex");
  const users: VirtualUser[] = [];
  const signUpOne = async (index: number) => {
    const instance = instances[index % instances.length] as Instance;
    const origin = (instances[(index >> 1) % instances.length] as Instance).url;
    const email = `load-${run}-${index}@example.test`;
    const ip = newDeviceIp();
    const reply = await signUpRequest(instance.url, email, ip, origin);
    const userId = (reply.body as { user?: { id?: string } } | null)?.user?.id;
    if (reply.status !== 200 || !userId) {
      throw new Error(`sign-up of ${email} failed: ${reply.status} ${JSON.stringify(reply.body)}`);
    }
    const user: VirtualUser = { index, email, userId, origin, devices: [], stopped: false };
    addDevice(user, { ip, cookie: cookieHeader(reply.setCookies) }, MAX_PER_USER);
    users.push(user);
  };
  for (let first = 0; first < count; first += 8) {
    const batch = Array.from({ length: Math.min(8, count - first) }, (_, i) => first + i);
    await Promise.all(batch.map(signUpOne));
  }
  return users.sort((a, b) => a.index - b.index);
}

/**
 * RSS of each instance with no request in flight: 2 s after the last answer, so the password
 * hashing's scratch memory has been returned.
 */
async function rssAtRest(instances: Instance[]): Promise<Map<number, number>> {
  await sleep(2000);
  return new Map(instances.map((i) => [i.pid, readRssBytes(i.pid) ?? 0]));
}

/** RSS samples joined with the nearest heap-probe line (both once a second), in MB. */
function seriesRows(rss: RssSample[], heap: HeapSample[]) {
  const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
  return rss.map((sample): [number, number, number | null] => {
    const near = heap.find((h) => Math.abs(h.atSec - sample.atSec) <= 0.5);
    return [Math.round(sample.atSec * 10) / 10, mb(sample.bytes), near ? mb(near.heapUsed) : null];
  });
}

/**
 * Only the default run (60 s, 32 users) writes the committed load-latest.*; a quick or otherwise
 * configured run writes git-ignored *.tmp files, so it never replaces comparable numbers.
 */
async function writeResults(report: LoadMixedReport, markdown: string) {
  const dir = path.join(root, "bench", "results");
  await mkdir(dir, { recursive: true });
  const standard = !quick && durationSec === 60 && userCount === 32 && warmupSec === 10;
  const name = quick ? "load-quick" : `load-${durationSec}s-${userCount}u`;
  const [md, json] = standard
    ? ["load-latest.md", "load-latest.json"]
    : [`${name}.md.tmp`, `${name}.json.tmp`];
  await writeFile(path.join(dir, md), markdown);
  await writeFile(path.join(dir, json), `${JSON.stringify(report, null, 2)}\n`);
  log(`Written to bench/results/${md} and ${json}`);
}

function gitState(): LoadMixedReport["git"] {
  try {
    const git = (...gitArgs: string[]) =>
      execFileSync("git", gitArgs, { cwd: root, encoding: "utf8" }).trim();
    return {
      commit: git("rev-parse", "HEAD"),
      uncommittedChanges: git("status", "--porcelain") !== "",
    };
  } catch {
    return { commit: "unknown", uncommittedChanges: false };
  }
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
