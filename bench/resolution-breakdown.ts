/**
 * `npm run bench:breakdown`: where row d2's time goes beyond row b's, step by step, in one
 * process (no sockets, so no noise from the load generator): tRPC's fetch adapter serving b's
 * procedure, then with each piece row d2 adds, up to d2 itself. The steps run interleaved, round
 * after round, so drift and GC spread evenly over them. For a CPU profile of the same run:
 * `node --cpu-prof --cpu-prof-dir=DIR --import tsx bench/resolution-breakdown.ts`, then
 * `bench/profile-summary.ts DIR`. See docs/benchmarks.md.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type AnyRouter, initTRPC } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { CLIENT_IP_HEADER } from "../server/sessions/lifecycle/request-origin";
import { createContext } from "../server/trpc/context";
import { protectedProcedure, router } from "../server/trpc/init";
import { openTarget } from "./database";
import { startOurApp } from "./our-app";
import { BENCH_USER_AGENT, signUp } from "./sign-up";

const CALLS_PER_ROUND = 2000;
const ROUNDS = 12;
const WARMUP_ROUNDS = 2;

const dataDir = await mkdtemp(path.join(os.tmpdir(), "bench-breakdown-"));
const database = await openTarget({ kind: "pglite", dataDir });
const baseUrl = "http://127.0.0.1:3000";
const { deps } = await startOurApp(database, baseUrl, undefined);
// The device our HTTP layer would describe: its user agent and the client IP it sets.
const device = { "user-agent": BENCH_USER_AGENT, [CLIENT_IP_HEADER]: "127.0.0.1" };
// A real sign-up, as in production: Better Auth's request handling has run once in this process.
const { cookie } = await signUp(deps.auth.handler, baseUrl, "breakdown@bench.test", device);
const ready = await createContext({
  deps,
  headers: new Headers({ ...device, cookie }),
  resHeaders: new Headers(),
});
if (!ready.user) throw new Error("the signed-up cookie resolved no session");

const t = initTRPC.create();
const helloRouter = t.router({ me: t.procedure.query(() => ({ ok: true })) });
const meRouter = router({ me: protectedProcedure.query(({ ctx }) => ctx.user.id) });

function serve(
  appRouter: AnyRouter,
  context: (req: Request, resHeaders: Headers) => unknown,
): (req: Request) => Promise<Response> {
  return (req) => {
    const resHeaders = new Headers();
    return fetchRequestHandler({
      endpoint: "/api/trpc",
      req,
      router: appRouter,
      createContext: () => context(req, resHeaders),
      responseMeta: () => ({ headers: resHeaders }),
    });
  };
}

const steps: { label: string; handle: (req: Request) => Promise<Response> }[] = [
  { label: "b: public procedure, context `{}`", handle: serve(helloRouter, () => ({})) },
  {
    label: "+ the request's headers copied into a `Headers` (as our HTTP layer does)",
    handle: serve(helloRouter, (req) => ({ headers: new Headers(req.headers) })),
  },
  {
    label: "+ `protectedProcedure` with a context resolved beforehand",
    handle: serve(meRouter, (req) => ({ ...ready, headers: new Headers(req.headers) })),
  },
  {
    label: "= d2: + `createContext` (signed cookie, cache, policies)",
    handle: serve(meRouter, (req, resHeaders) =>
      createContext({ deps, headers: new Headers(req.headers), resHeaders }),
    ),
  },
];

const newRequest = () =>
  new Request(`${baseUrl}/api/trpc/me`, {
    headers: { ...device, cookie, accept: "*/*", host: "127.0.0.1:3000" },
  });

const totals = steps.map(() => 0);
for (let round = 0; round < ROUNDS; round++) {
  for (const [i, step] of steps.entries()) {
    const start = performance.now();
    for (let call = 0; call < CALLS_PER_ROUND; call++) {
      const response = await step.handle(newRequest());
      if (response.status !== 200) throw new Error(`${step.label}: status ${response.status}`);
      await response.text();
    }
    if (round >= WARMUP_ROUNDS) totals[i] = (totals[i] ?? 0) + (performance.now() - start);
  }
}
const micros = totals.map((ms) => (ms * 1000) / (CALLS_PER_ROUND * (ROUNDS - WARMUP_ROUNDS)));
const base = micros[0] ?? 0;
const gap = (micros.at(-1) ?? 0) - base;
const lines = [
  `# Where d2's time goes beyond b's (in-process, ${CALLS_PER_ROUND * (ROUNDS - WARMUP_ROUNDS)} calls per step, interleaved)`,
  "",
  "| Step | µs per call | added by this step | share of d2 − b |",
  "|---|--:|--:|--:|",
  ...steps.map((step, i) => {
    const added = i === 0 ? 0 : (micros[i] ?? 0) - (micros[i - 1] ?? 0);
    const cells = [
      step.label,
      (micros[i] ?? 0).toFixed(1),
      i === 0 ? "–" : added.toFixed(1),
      i === 0 || gap <= 0 ? "–" : `${Math.round((added / gap) * 100)} %`,
    ];
    return `| ${cells.join(" | ")} |`;
  }),
  "",
  `Every step includes building the request (a Fetch \`Request\`, as tRPC's Node adapter also does). d2 here: ${(micros.at(-1) ?? 0).toFixed(1)} µs against b's ${base.toFixed(1)} µs (${Math.round((base / (micros.at(-1) ?? 1)) * 100)} % of b's throughput on one core).`,
  "",
];
process.stdout.write(lines.join("\n"));

await rm(dataDir, { recursive: true, force: true });
// The session cache's listener would keep the process alive.
process.exit(0);
