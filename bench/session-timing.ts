/**
 * The timing child: how long resolving a session takes in-process (no HTTP, no concurrency), one
 * call after another. Sends its rows to the runner and exits.
 */
import { performance } from "node:perf_hooks";
import { CLIENT_IP_HEADER } from "../server/sessions/lifecycle/request-origin";
import { createContext } from "../server/trpc/context";
import { type DatabaseTarget, openTarget } from "./database";
import { BENCH_SECRET, NO_SESSION_CACHE, startOurApp } from "./our-app";
import { allowPlainSessionTokens, createShippedAuth } from "./shipped-auth";
import { BENCH_USER_AGENT, requireCookies, signUp } from "./sign-up";
import { type Summary, summarize } from "./stats";

export interface TimingInput {
  database: DatabaseTarget;
  calls: number;
  warmupCalls: number;
  /**
   * Where Better Auth as shipped keeps its sessions: on PostgreSQL a database of its own (see
   * allowPlainSessionTokens); absent, `database` (a PGlite directory belongs to this process).
   */
  shippedDatabase?: DatabaseTarget;
  /** Part of the sign-up emails: children on several runtimes share one PostgreSQL database. */
  emailTag: string;
}

export interface TimingRow extends Summary {
  key: string;
  label: string;
  calls: number;
  /** Calls (warm-up included) that found no session: must be 0. */
  failures: number;
}

const input = JSON.parse(process.argv[2] ?? "{}") as TimingInput;
const database = await openTarget(input.database);
// Nothing listens here: the base URL only names the origin the auth instances trust.
const baseUrl = "http://127.0.0.1:3000";
const databaseUrl = input.database.kind === "postgres" ? input.database.url : undefined;
const shippedDatabase = input.shippedDatabase ? await openTarget(input.shippedDatabase) : database;
await allowPlainSessionTokens(shippedDatabase.db);
const shipped = { db: shippedDatabase.db, baseUrl, secret: BENCH_SECRET };
const shippedDb = createShippedAuth({ ...shipped, cookieCache: false });
const shippedCache = createShippedAuth({ ...shipped, cookieCache: true });
const { deps } = await startOurApp(database, baseUrl, databaseUrl);
// The same app with the in-process session cache off: every createContext is a cache miss.
const { deps: depsMiss } = await startOurApp(database, baseUrl, databaseUrl, NO_SESSION_CACHE);

// The client IP our HTTP layer would have set, so our binding check sees the sign-up's device.
const device = { "user-agent": BENCH_USER_AGENT, [CLIENT_IP_HEADER]: "127.0.0.1" };
const [dbUser, cacheUser, ourUser, missUser] = await Promise.all([
  signUp(shippedDb.handler, baseUrl, `timing-shipped-db-${input.emailTag}@bench.test`),
  signUp(shippedCache.handler, baseUrl, `timing-shipped-cache-${input.emailTag}@bench.test`),
  signUp(deps.auth.handler, baseUrl, `timing-ours-${input.emailTag}@bench.test`, device),
  signUp(depsMiss.auth.handler, baseUrl, `timing-ours-miss-${input.emailTag}@bench.test`, device),
]);
requireCookies(cacheUser, ["better-auth.session_data"], "timing, shipped cookie cache");
requireCookies(ourUser, ["better-auth.session_data"], "timing, ours");

type Resolve = (headers: Headers) => Promise<boolean>;

const cases: { key: string; label: string; cookie: string; resolve: Resolve }[] = [
  {
    key: "c1",
    label: "`auth.api.getSession`, as shipped, no cookie cache (DB)",
    cookie: dbUser.cookie,
    resolve: async (headers) => (await shippedDb.api.getSession({ headers })) !== null,
  },
  {
    key: "c2",
    label: "`auth.api.getSession`, as shipped, cookie cache hit",
    cookie: cacheUser.cookie,
    resolve: async (headers) => (await shippedCache.api.getSession({ headers })) !== null,
  },
  {
    key: "d",
    label:
      "`auth.api.getSession`, ours (server/auth/better-auth.ts; what Better Auth's own endpoints run)",
    cookie: ourUser.cookie,
    resolve: async (headers) =>
      (await deps.auth.api.getSession({ headers, returnHeaders: true })).response !== null,
  },
  {
    key: "d",
    label: "`createContext`, ours (what every tRPC request runs)",
    cookie: ourUser.cookie,
    resolve: async (headers) =>
      (await createContext({ deps, headers, resHeaders: new Headers() })).user !== null,
  },
  {
    key: "d3",
    label: "`createContext`, ours, cache miss (SESSION_CACHE_TTL_SEC=0: one query)",
    cookie: missUser.cookie,
    resolve: async (headers) =>
      (await createContext({ deps: depsMiss, headers, resHeaders: new Headers() })).user !== null,
  },
];

// Round-robin, one call of each case in turn: JIT warm-up, GC and whatever else drifts over the
// run spread evenly over the cases instead of favouring whichever runs last.
const failures = cases.map(() => 0);
const micros: number[][] = cases.map(() => []);
for (let round = 0; round < input.warmupCalls + input.calls; round++) {
  for (const [i, { cookie, resolve }] of cases.entries()) {
    // A fresh Headers per call, as each HTTP request builds one.
    const headers = new Headers({ ...device, cookie });
    const start = performance.now();
    const found = await resolve(headers);
    const elapsedUs = (performance.now() - start) * 1000;
    if (!found) failures[i] = (failures[i] ?? 0) + 1;
    if (round >= input.warmupCalls) micros[i]?.push(elapsedUs);
  }
}
const rows: TimingRow[] = cases.map(({ key, label }, i) => ({
  key,
  label,
  calls: input.calls,
  failures: failures[i] ?? 0,
  ...summarize(micros[i] ?? []),
}));

// Exit once the rows are sent: the session cache's listener would keep the process alive.
process.send?.(rows, () => process.exit(0));
