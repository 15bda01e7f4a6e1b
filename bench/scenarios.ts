/** What each load scenario is: shared by the runner (which loads it) and the server child (which serves it). */

export type ScenarioId =
  | "node-http"
  | "trpc-public"
  | "ours-public"
  | "shipped-db"
  | "shipped-cache"
  | "ours-server"
  | "ours-context"
  | "ours-context-nocache"
  // Scale phase only (bench/scale.ts): the production handler with the session cache off.
  | "ours-server-nocache";

export interface Scenario {
  id: ScenarioId;
  /** The row's letter in the issue and the report: a, b, b2, c1, c2, d, d2, d3. */
  key: string;
  label: string;
  /** The URL path loaded; every request is a GET. */
  path: string;
  /** Needs a database and a signed-up user whose cookies ride on every request. */
  authenticated: boolean;
  /** Cookie names (without the `__Secure-` prefix) sign-up must have set. */
  cookies: string[];
  /**
   * Better Auth as shipped (c1, c2): its plain tokens need a database of its own, the CHECK on
   * hashed tokens dropped (bench/shipped-auth.ts), so our rows keep the schema as it is.
   */
  shippedAuth?: boolean;
  /** Recognises a correct answer for the signed-up user (checked once before the load). */
  answersFor?: (body: unknown, userId: string) => boolean;
}

const TOKEN = "better-auth.session_token";
const DATA = "better-auth.session_data";

/** tRPC's answer for a query: `{ result: { data } }`. */
function trpcData(body: unknown): unknown {
  return (body as { result?: { data?: unknown } } | null)?.result?.data;
}

const returnsUserId = (body: unknown, userId: string) => trpcData(body) === userId;

export const SCENARIOS: Scenario[] = [
  {
    id: "node-http",
    key: "a",
    label: "bare node:http, small JSON (ceiling)",
    path: "/hello",
    authenticated: false,
    cookies: [],
  },
  {
    id: "trpc-public",
    key: "b",
    label: "tRPC public procedure, empty context",
    path: "/api/trpc/hello",
    authenticated: false,
    cookies: [],
  },
  {
    // b's procedure in d2's process: the app started, its database open, Better Auth used once
    // (the sign-up). Against d2, it isolates what our session resolution costs per request.
    id: "ours-public",
    key: "b2",
    label: "as b, in our server process (app started, database open, a sign-up done)",
    path: "/bench/trpc/hello",
    authenticated: true,
    cookies: [TOKEN, DATA],
    answersFor: (body) => (trpcData(body) as { ok?: boolean } | undefined)?.ok === true,
  },
  {
    id: "shipped-db",
    key: "c1",
    label: "tRPC protected, Better Auth as shipped, no cookie cache (DB lookup)",
    path: "/api/trpc/me",
    authenticated: true,
    shippedAuth: true,
    cookies: [TOKEN],
    answersFor: returnsUserId,
  },
  {
    id: "shipped-cache",
    key: "c2",
    label: "tRPC protected, Better Auth as shipped, cookie cache (compact, 300 s)",
    path: "/api/trpc/me",
    authenticated: true,
    shippedAuth: true,
    cookies: [TOKEN, DATA],
    answersFor: returnsUserId,
  },
  {
    id: "ours-server",
    key: "d",
    label: "ours: production request handler, `session.list`",
    path: "/api/trpc/session.list",
    authenticated: true,
    cookies: [TOKEN, DATA],
    answersFor: (body) =>
      Array.isArray(trpcData(body)) &&
      (trpcData(body) as { isCurrent?: boolean }[]).some((device) => device.isCurrent === true),
  },
  {
    id: "ours-context",
    key: "d2",
    label: "ours: createContext + protectedProcedure, returns ctx.user.id",
    path: "/bench/trpc/me",
    authenticated: true,
    cookies: [TOKEN, DATA],
    answersFor: returnsUserId,
  },
  {
    id: "ours-context-nocache",
    key: "d3",
    label:
      "ours: as d2, in-process session cache off (SESSION_CACHE_TTL_SEC=0: one query per request)",
    path: "/bench/trpc/me",
    authenticated: true,
    cookies: [TOKEN, DATA],
    answersFor: returnsUserId,
  },
];
