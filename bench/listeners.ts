/** The request listener of each scenario, built inside its server child. */
import type { IncomingMessage, RequestListener } from "node:http";
import { initTRPC, TRPCError } from "@trpc/server";
import { nodeHTTPRequestHandler } from "@trpc/server/adapters/node-http";
import { fromNodeHeaders, toNodeHandler } from "better-auth/node";
import type { DatabaseHandle } from "../db/client";
import type { AppDependencies } from "../server/dependencies";
import { createHeaderPreparation } from "../server/http/server";
import { createContext } from "../server/trpc/context";
import { protectedProcedure, router } from "../server/trpc/init";
import { BENCH_SECRET, NO_SESSION_CACHE, startOurApp } from "./our-app";
import type { ScenarioId } from "./scenarios";
import { allowPlainSessionTokens, createShippedAuth } from "./shipped-auth";

const HELLO = JSON.stringify({ ok: true });

/** (a) The machine's ceiling: node:http and nothing else. */
const helloListener: RequestListener = (_req, res) => {
  res.writeHead(200, { "content-type": "application/json", "content-length": HELLO.length });
  res.end(HELLO);
};

/** (b) tRPC's own cost: one public query, a context of nothing. */
function trpcPublicListener(prefix = "/api/trpc/"): RequestListener {
  const t = initTRPC.create();
  const helloRouter = t.router({ hello: t.procedure.query(() => ({ ok: true })) });
  return (req, res) =>
    void nodeHTTPRequestHandler({
      req,
      res,
      path: trpcPath(req, prefix),
      router: helloRouter,
      createContext: () => ({}),
    });
}

/** (b2) Row b's listener under /bench/trpc/, beside the production handler (for the sign-up). */
function oursPublicListener(productionHandler: RequestListener): RequestListener {
  const hello = trpcPublicListener("/bench/trpc/");
  return (req, res) =>
    req.url?.startsWith("/bench/trpc/") ? hello(req, res) : productionHandler(req, res);
}

/**
 * (c) The textbook integration: a context that calls `auth.api.getSession({ headers })` and a
 * protected procedure returning the user id. `/api/auth/*` goes to Better Auth for the sign-up.
 */
async function shippedListener(database: DatabaseHandle, baseUrl: string, cookieCache: boolean) {
  await allowPlainSessionTokens(database.db);
  const auth = createShippedAuth({ db: database.db, baseUrl, secret: BENCH_SECRET, cookieCache });
  const authHandler = toNodeHandler(auth);
  const t = initTRPC.context<{ userId: string | null }>().create();
  const authed = t.procedure.use(({ ctx, next }) => {
    if (!ctx.userId) throw new TRPCError({ code: "UNAUTHORIZED" });
    return next({ ctx: { userId: ctx.userId } });
  });
  const meRouter = t.router({ me: authed.query(({ ctx }) => ctx.userId) });
  const listener: RequestListener = (req, res) => {
    if (req.url?.startsWith("/api/auth/")) return void authHandler(req, res);
    void nodeHTTPRequestHandler({
      req,
      res,
      path: trpcPath(req, "/api/trpc/"),
      router: meRouter,
      createContext: async () => {
        const found = await auth.api.getSession({ headers: fromNodeHeaders(req.headers) });
        return { userId: found?.user.id ?? null };
      },
    });
  };
  return listener;
}

/**
 * (d2, d3) Bench-only router. `session.list` (row d), a protected query of the production handler
 * that does little, still reads and formats the user's sessions, so row d alone cannot say what
 * our session resolution costs. This router returns `ctx.user.id` exactly like row c, through the
 * project's real `createContext` and `protectedProcedure`; everything else (sign-up included)
 * goes to the production handler.
 */
function oursContextListener(deps: AppDependencies, productionHandler: RequestListener) {
  const benchRouter = router({ me: protectedProcedure.query(({ ctx }) => ctx.user.id) });
  // What the production handler does to every request first (client IP, Host, proxy headers,
  // Better Auth's cookie cache dropped): the same function, so d2 measures what production runs.
  const prepareHeaders = createHeaderPreparation(deps);
  const listener: RequestListener = (req, res) => {
    if (!req.url?.startsWith("/bench/trpc/")) return productionHandler(req, res);
    prepareHeaders(req);
    const resHeaders = new Headers();
    void nodeHTTPRequestHandler({
      req,
      res,
      path: trpcPath(req, "/bench/trpc/"),
      router: benchRouter,
      createContext: () =>
        createContext({ deps, headers: fromNodeHeaders(req.headers), resHeaders }),
      responseMeta: () => ({ headers: resHeaders }),
    });
  };
  return listener;
}

export async function createListener(
  scenario: ScenarioId,
  database: DatabaseHandle | undefined,
  baseUrl: string,
  databaseUrl: string | undefined,
): Promise<RequestListener> {
  if (scenario === "node-http") return helloListener;
  if (scenario === "trpc-public") return trpcPublicListener();
  if (!database) throw new Error(`Scenario ${scenario} needs a database`);
  if (scenario === "shipped-db") return shippedListener(database, baseUrl, false);
  if (scenario === "shipped-cache") return shippedListener(database, baseUrl, true);

  // (d) The production server's request handler: CORS/CSRF guard, client IP, Better Auth, tRPC.
  // (d3 and the scale phase's cache-off rows) the same with the in-process session cache off.
  const noCache = scenario === "ours-context-nocache" || scenario === "ours-server-nocache";
  const app = await startOurApp(database, baseUrl, databaseUrl, noCache ? NO_SESSION_CACHE : {});
  const productionHandler = app.handler;
  if (scenario === "ours-server" || scenario === "ours-server-nocache") return productionHandler;
  if (scenario === "ours-public") return oursPublicListener(productionHandler);
  return oursContextListener(app.deps, productionHandler);
}

function trpcPath(req: IncomingMessage, prefix: string): string {
  return new URL(req.url ?? "/", "http://localhost").pathname.slice(prefix.length);
}
