/**
 * Walking around the /api/auth allowlist, over real sockets. Every endpoint of the Better Auth
 * instance (enumerated from `auth.api`, so one an upgrade adds is attacked too; param routes with
 * sample values) is aimed at with a signed-in cookie, an allowed Origin and a JSON body that
 * would change something if it ran:
 *
 * - by its path, mangled: `//`, `%2f`/`%2F`, `..` and `%2e%2e` segments, case variants,
 *   trailing slashes, `;` parameters, percent-encoded letters, queries that carry paths;
 * - by an exposed path carrying a header that names it: `Host`, a second `Host`,
 *   `X-Forwarded-Host`, `X-Forwarded-Proto`, `Forwarded`, `X-Original-URL` and kin (how Better
 *   Auth's node handler could once be walked to list-sessions, change-password, update-user);
 * - by an absolute-form request target.
 *
 * Only an exposed path ever answers, and then exactly as it answers a clean request; everything
 * else is refused by our own router (never by Better Auth, which must not see it); nothing is 5xx,
 * no response carries a session token or another user's email, and afterwards both users, their
 * passwords and their sessions are as they were. Then Better Auth itself is asked directly: every
 * endpoint that is not routed is 404 inside it too.
 *
 * Seed: FC_SEED (printed at start).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { account, session, sessionEvent, user, verification } from "../../db/schema";
import { closedEndpointPaths, ROUTED_AUTH_PATHS } from "../../server/auth/better-auth";
import { AUTH_PREFIX, EXPOSED_AUTH_PATHS } from "../../server/http/auth-door";
import { CLIENT_IP_HEADER } from "../../server/sessions/lifecycle/request-origin";
import { databaseKinds } from "../support/environment";
import { useTestServer } from "../support/fixtures";
import { configureSeed, STACK_TRACE } from "../support/hostile-input";
import { HttpClient } from "../support/http-client";
import { claimsOf } from "../support/jwt";
import { type HeaderList, type RawRequest, type RawResponse, sendRaw } from "../support/raw-http";
import { signedUpBrowser } from "../support/scenarios";

configureSeed();
const RUNS_PER_ENDPOINT = 15;
const SESSION_COOKIE = "better-auth.session_token";
const SPA_SHELL = "<!doctype html><title>routing-attacks SPA shell</title>";
const NEW_PASSWORD = "pwned password 0123456789";

/** One endpoint of the Better Auth instance, as a client would call it. */
interface AuthEndpoint {
  /** As Better Auth declares it: `/callback/:id`. */
  path: string;
  /** With its parameters filled in: `/callback/github`. */
  sample: string;
  methods: string[];
}

const PARAM_SAMPLES: Record<string, string> = { id: "github", token: "sample-reset-token" };

/** Every endpoint with a path on the instance's API (server-only ones have none). */
function authEndpoints(api: Record<string, unknown>): AuthEndpoint[] {
  return Object.values(api).flatMap((endpoint) => {
    const { path: endpointPath, options } = endpoint as {
      path?: unknown;
      options?: { method?: unknown };
    };
    if (typeof endpointPath !== "string") return [];
    const declared = Array.isArray(options?.method) ? options.method : [options?.method];
    const methods = declared.flatMap((method) =>
      method === "*" ? ["GET", "POST"] : typeof method === "string" ? [method] : [],
    );
    const sample = endpointPath.replace(/:(\w+)/g, (_, name: string) => PARAM_SAMPLES[name] ?? "x");
    return [{ path: endpointPath, sample, methods: methods.length > 0 ? methods : ["GET"] }];
  });
}

/** Exposed paths that can carry an attack without changing anything themselves. */
const GET_CARRIERS = ["/ok", "/error", "/jwks", "/get-session", "/token"].map(
  (name) => `${AUTH_PREFIX}${name}`,
);
/** With the attack bodies below (never an email together with a password) these refuse. */
const POST_CARRIERS = ["/sign-in/email", "/sign-up/email"].map((name) => `${AUTH_PREFIX}${name}`);
/** Answering it would end the attacker's own session: never sent at its exact path. */
const SIGN_OUT = `${AUTH_PREFIX}/sign-out`;

describe.each(databaseKinds)("routing attacks on %s", (kind) => {
  const staticRoot = mkdtempSync(path.join(tmpdir(), "sessions-routing-"));
  const server = useTestServer(kind, {}, staticRoot);
  let host: string;
  let endpoints: AuthEndpoint[];
  /** The attacker's own account: signed in here (laptop) and on a second device (phone). */
  let laptop: HttpClient;
  let attacker: { id: string; email: string; password: string };
  let phoneToken: string;
  /** Another user: nothing of theirs may ever show. */
  let other: { id: string; email: string; password: string; token: string };
  let forbiddenStrings: string[];

  const tokenOf = (client: HttpClient) => client.sessionToken(SESSION_COOKIE);

  beforeAll(async () => {
    writeFileSync(path.join(staticRoot, "index.html"), SPA_SHELL);
    host = new URL(server.baseUrl).host;
    endpoints = authEndpoints(server.deps.auth.api);

    const mine = await signedUpBrowser(server.baseUrl, { prefix: "routing" });
    laptop = mine.client;
    attacker = { id: mine.userId, ...mine.credentials };
    const phone = new HttpClient(server.baseUrl);
    expect((await phone.signIn(mine.credentials)).status).toBe(200);
    phoneToken = tokenOf(phone);

    const theirs = await signedUpBrowser(server.baseUrl, { prefix: "routing" });
    other = { id: theirs.userId, ...theirs.credentials, token: tokenOf(theirs.client) };
    forbiddenStrings = [tokenOf(laptop), phoneToken, other.token, other.email];
    for (const value of forbiddenStrings) expect(value.length).toBeGreaterThan(10);
  });
  afterAll(async () => {
    rmSync(staticRoot, { recursive: true, force: true });
  });

  /** A body that would change something if the endpoint it names ever ran. */
  function attackBody(endpoint: AuthEndpoint): Record<string, unknown> {
    const bodies: Record<string, Record<string, unknown>> = {
      "/change-password": {
        currentPassword: attacker.password,
        newPassword: NEW_PASSWORD,
        revokeOtherSessions: true,
      },
      "/verify-password": { password: attacker.password },
      "/delete-user": { password: attacker.password },
      "/update-user": { name: "Pwned" },
      "/change-email": { newEmail: "pwned@example.com" },
      "/revoke-session": { token: phoneToken },
      "/request-password-reset": { email: attacker.email, redirectTo: "/reset" },
      "/send-verification-email": { email: attacker.email },
      "/reset-password": { newPassword: NEW_PASSWORD, token: PARAM_SAMPLES.token },
      "/sign-in/social": { provider: "github" },
      "/link-social": { provider: "github" },
      "/unlink-account": { providerId: "credential" },
      "/refresh-token": { providerId: "credential" },
      "/get-access-token": { providerId: "credential" },
      "/callback/:id": { code: "x", state: "y" },
      "/sign-in/email": { password: attacker.password },
      "/sign-up/email": { name: "Pwned", password: attacker.password },
    };
    return bodies[endpoint.path] ?? {};
  }

  /** A browser's request: its cookie, its Origin and user agent, JSON; `extra` replaces same-named headers. */
  function request(
    method: string,
    target: string,
    body: Record<string, unknown> | null,
    extra: HeaderList = [],
    { replaceHost = true } = {},
  ): RawRequest {
    const replaced = new Set(extra.map(([name]) => name.toLowerCase()));
    if (!replaceHost) replaced.delete("host");
    const base: HeaderList = [
      ["Host", host],
      ["User-Agent", laptop.userAgent],
      ["Cookie", laptop.jar.header()],
      ["Origin", server.baseUrl],
      ["Content-Type", "application/json"],
    ];
    const text = method === "GET" || body === null ? null : JSON.stringify(body);
    return {
      method,
      target,
      headers: [
        ...base.filter(([name]) => !replaced.has(name.toLowerCase())),
        ...extra,
        ...(text === null ? [] : ([["Content-Length", String(Buffer.byteLength(text))]] as const)),
        ["Connection", "close"],
      ],
      ...(text === null ? {} : { body: text }),
    };
  }

  async function send(raw: RawRequest): Promise<RawResponse> {
    const exchange = await sendRaw(server.baseUrl, raw, { timeoutMs: 10_000 });
    expect(exchange.timedOut, "the server kept the connection open").toBe(false);
    expect(exchange.responses, `one response, got ${JSON.stringify(exchange.raw)}`).toHaveLength(1);
    return exchange.responses[0] as RawResponse;
  }

  /** What an exposed path answers: compared without what differs between two clean calls. */
  function fingerprint(pathname: string, response: RawResponse) {
    const json = () => {
      try {
        return JSON.parse(response.text);
      } catch {
        return response.text;
      }
    };
    if (response.status !== 200) return { status: response.status, body: response.text };
    if (pathname === `${AUTH_PREFIX}/error`) {
      return { status: 200, type: response.header("content-type") };
    }
    if (pathname === `${AUTH_PREFIX}/get-session`) {
      const body = json();
      return { status: 200, session: body?.session?.id, user: body?.user?.id };
    }
    if (pathname === `${AUTH_PREFIX}/token`) {
      const { sid, sub } = claimsOf(json().token);
      return { status: 200, sid, sub };
    }
    return { status: 200, body: response.text };
  }

  const references = new Map<string, unknown>();
  /** The answer of a clean request (no hostile header, the plain path) to this exposed path. */
  async function reference(method: string, pathname: string, body: Record<string, unknown>) {
    const key = `${method} ${pathname} ${JSON.stringify(body)}`;
    if (!references.has(key)) {
      references.set(key, fingerprint(pathname, await send(request(method, pathname, body))));
    }
    return references.get(key);
  }

  /** What any answer must never carry. */
  function expectNothingLeaked(response: RawResponse, what: string) {
    const detail = `${what}: ${response.status} ${response.text.slice(0, 300)}`;
    expect(response.status, detail).toBeLessThan(500);
    expect(response.text, detail).not.toMatch(STACK_TRACE);
    for (const value of forbiddenStrings) {
      expect(response.text, detail).not.toContain(value);
      expect(response.text, detail).not.toContain(encodeURIComponent(value));
    }
    // No new session handed out: a session cookie may only be cleared.
    for (const [name, value] of response.headers) {
      if (name !== "set-cookie") continue;
      expect(
        value.startsWith(`${SESSION_COOKIE}=;`) || !value.startsWith(SESSION_COOKIE),
        detail,
      ).toBe(true);
    }
  }

  /**
   * A target that is not exactly an exposed path is refused by our router: the SPA shell outside
   * /api/, our own 400/404/405 JSON inside it. Never Better Auth's answer (not even its 404).
   */
  function expectRefusedByUs(method: string, target: string, response: RawResponse, what: string) {
    const detail = `${what}: ${response.status} ${response.text.slice(0, 300)}`;
    const pathname = target.split("?")[0] ?? "";
    // Node's parser refuses what it cannot read as a request line: 400, no body.
    if (response.status === 400 && response.text === "") return;
    if (!target.startsWith("/")) {
      expect(response.status, detail).toBe(400);
      expect(JSON.parse(response.text), detail).toEqual({
        error: { message: "Malformed request target" },
      });
      return;
    }
    // Our own refusals before routing: a malformed target or Host (400), a method nothing here
    // answers (405).
    if (response.status === 400 && response.text.includes('"Malformed ')) return;
    if (response.status === 405 && response.text.includes("is not allowed")) return;
    if (!pathname.startsWith("/api/")) {
      if (method === "GET") {
        expect(response.status, detail).toBe(200);
        expect(response.text, detail).toBe(SPA_SHELL);
      } else {
        expect(response.status, detail).toBe(405);
        expect(response.text, detail).toBe("");
      }
      return;
    }
    expect([400, 404, 405], detail).toContain(response.status);
    const body = JSON.parse(response.text);
    const ours =
      (body.code === "NOT_FOUND" && String(body.message).startsWith("No endpoint ")) ||
      // A closed Better Auth endpoint, named with what replaces it (auth-door.ts).
      (body.code === "ENDPOINT_CLOSED" &&
        String(body.message).includes(" is closed on this server")) ||
      (typeof body.error === "object" && body.error !== null);
    expect(ours, detail).toBe(true);
  }

  async function expectAnswer(raw: RawRequest, body: Record<string, unknown>, what: string) {
    const response = await send(raw);
    expectNothingLeaked(response, what);
    const pathname = raw.target.split("?")[0] ?? "";
    // A Host that is not a host (or two of them) is refused before anything is routed.
    const hostRefused = response.status === 400 && response.text.includes("Malformed Host header");
    if (raw.target.startsWith("/") && EXPOSED_AUTH_PATHS.has(pathname) && !hostRefused) {
      const expected = await reference(raw.method, pathname, body);
      expect(fingerprint(pathname, response), `${what}: answered as ${pathname}`).toEqual(expected);
    } else {
      expectRefusedByUs(raw.method, raw.target, response, what);
    }
  }

  /**
   * Both users, their passwords, their sessions and events, every user and verification row, in
   * one query (it runs after every request). Sessions' `updated_at` is left out: it is "last
   * active", which any authenticated request writes.
   */
  async function snapshot() {
    const ids = sql`(${attacker.id}, ${other.id})`;
    const [row] = await server.database.db
      .select({
        users: sql<number>`(select count(*)::int from ${user})`,
        verifications: sql<number>`(select count(*)::int from ${verification})`,
        people: sql<string>`(select string_agg(concat_ws(':', ${user.id}, ${user.name}, ${user.email}, ${user.emailVerified}, ${user.role}, ${user.updatedAt}), ',' order by ${user.id}) from ${user} where ${user.id} in ${ids})`,
        passwords: sql<string>`(select string_agg(concat_ws(':', ${account.userId}, ${account.password}, ${account.updatedAt}), ',' order by ${account.id}) from ${account} where ${account.userId} in ${ids})`,
        sessions: sql<string>`(select string_agg(concat_ws(':', ${session.id}, ${session.token}, ${session.expiresAt}, ${session.createdAt}, ${session.bindingMismatchAt}), ',' order by ${session.id}) from ${session} where ${session.userId} in ${ids})`,
        events: sql<number>`(select count(*)::int from ${sessionEvent} where ${sessionEvent.userId} in ${ids})`,
      })
      .from(user)
      .where(eq(user.id, attacker.id));
    return row;
  }

  /** Mangles a path: each step at a position picked by the generator. */
  const pathStep = fc.oneof(
    fc.record({
      kind: fc.constant("slash" as const),
      at: fc.nat(),
      with: fc.constantFrom(
        "//",
        "%2f",
        "%2F",
        "%252f",
        "/./",
        "/%2e/",
        "/x/../",
        "/x/%2e%2e/",
        "/x/%2E%2E/",
        "/x/.%2e/",
        "/ok/../",
        "\\",
        "%5c",
        ";/",
        "/;x=1/",
      ),
    }),
    fc.record({ kind: fc.constant("case" as const), at: fc.nat() }),
    fc.record({ kind: fc.constant("encode" as const), at: fc.nat() }),
    fc.record({
      kind: fc.constant("suffix" as const),
      with: fc.constantFrom(
        "/",
        "//",
        "/.",
        "/..",
        ";",
        ";jsessionid=1",
        "%20",
        "%00",
        "%23",
        "%3f",
      ),
    }),
    fc.record({
      kind: fc.constant("prefix" as const),
      with: fc.constantFrom(
        "/.",
        "//",
        "/api/trpc/..",
        "/api/auth/ok/..",
        "/x/..",
        "/%2e",
        "/API/..",
      ),
    }),
  );
  type PathStep = typeof pathStep extends fc.Arbitrary<infer T> ? T : never;

  function applyStep(target: string, step: PathStep): string {
    const positions = (test: (char: string) => boolean) =>
      [...target].flatMap((char, index) => (test(char) ? [index] : []));
    const pick = (list: number[], at: number) => list[at % Math.max(list.length, 1)];
    switch (step.kind) {
      case "slash": {
        const at =
          pick(
            positions((char) => char === "/"),
            step.at,
          ) ?? 0;
        return `${target.slice(0, at)}${step.with}${target.slice(at + 1)}`;
      }
      case "case": {
        const at =
          pick(
            positions((char) => /[a-z]/i.test(char)),
            step.at,
          ) ?? 0;
        const char = target[at] ?? "";
        const swapped = char === char.toLowerCase() ? char.toUpperCase() : char.toLowerCase();
        return `${target.slice(0, at)}${swapped}${target.slice(at + 1)}`;
      }
      case "encode": {
        const at =
          pick(
            positions((char) => char !== "/" && char !== "%"),
            step.at,
          ) ?? 0;
        const hex = (target.charCodeAt(at) || 0x2f).toString(16).padStart(2, "0");
        return `${target.slice(0, at)}%${step.at % 2 ? hex.toUpperCase() : hex}${target.slice(at + 1)}`;
      }
      case "suffix":
        return `${target}${step.with}`;
      case "prefix":
        return `${step.with}${target}`;
    }
  }

  /** A query that names another path: an exposed one, the endpoint itself, a traversal. */
  function queries(name: string) {
    return fc.constantFrom(
      "",
      "?",
      `?${AUTH_PREFIX}/ok`,
      `?/../..${AUTH_PREFIX}${name}`,
      `?redirect=${encodeURIComponent(`${AUTH_PREFIX}${name}`)}`,
      `?path=${AUTH_PREFIX}${name}&callbackURL=${AUTH_PREFIX}${name}`,
      "?%2f..%2f..%2f",
    );
  }

  /** The endpoint by a mangled path, with its own method and body. */
  function byPath(endpoint: AuthEndpoint) {
    return fc
      .record({
        method: fc.constantFrom(...endpoint.methods),
        steps: fc.array(pathStep, { maxLength: 3 }),
        query: queries(endpoint.sample),
      })
      .map(({ method, steps, query }) => {
        const mangled = steps.reduce(applyStep, `${AUTH_PREFIX}${endpoint.sample}`);
        return { method, target: `${mangled}${query}`, extra: [] as HeaderList };
      });
  }

  /** An exposed path with its attack in the query: answered as the exposed path. */
  function byCarrierQuery(endpoint: AuthEndpoint) {
    const carriers = endpoint.methods.includes("GET") ? GET_CARRIERS : POST_CARRIERS;
    return fc
      .record({ carrier: fc.constantFrom(...carriers), query: queries(endpoint.sample) })
      .map(({ carrier, query }) => ({
        method: carriers === GET_CARRIERS ? "GET" : "POST",
        target: `${carrier}${query || `?${AUTH_PREFIX}${endpoint.sample}`}`,
        extra: [] as HeaderList,
      }));
  }

  /** Headers that name the endpoint, on an exposed path of the same method. */
  function byHeaders(endpoint: AuthEndpoint) {
    const target = `${AUTH_PREFIX}${endpoint.sample}`;
    const carriers = endpoint.methods.includes("GET") ? GET_CARRIERS : POST_CARRIERS;
    const hostile = (): fc.Arbitrary<readonly [string, string]> =>
      fc.constantFrom(
        ["Host", `${host}${target}?`],
        ["Host", `${host}${target}#`],
        ["Host", `${host}${target}`],
        ["Host", `evil.example${target}?`],
        ["X-Forwarded-Host", `${host}${target}?`],
        ["X-Forwarded-Host", `evil.example${target}?`],
        ["X-Forwarded-Proto", `http://${host}${target}?`],
        ["X-Forwarded-Proto", `https://evil.example${target}?`],
        ["X-Forwarded-Proto", `http:/${target}?`],
        ["Forwarded", `host="${host}${target}?";proto=http`],
        ["Forwarded", `proto="http://${host}${target}?"`],
        ["X-Original-URL", target],
        ["X-Rewrite-URL", target],
        ["X-Forwarded-Prefix", target],
        ["X-Forwarded-Uri", target],
        ["X-HTTP-Method-Override", endpoint.methods[0] ?? "GET"],
      );
    return fc
      .record({
        carrier: fc.constantFrom(...carriers),
        headers: fc.uniqueArray(hostile(), { minLength: 1, maxLength: 3, selector: ([n]) => n }),
        // A second Host line next to ours, rather than instead of it.
        alongside: fc.boolean(),
      })
      .map(({ carrier, headers, alongside }) => ({
        method: carriers === GET_CARRIERS ? "GET" : "POST",
        target: carrier,
        extra: headers as HeaderList,
        alongside,
      }));
  }

  /** Absolute-form targets (RFC 9112 3.2.2), and a scheme-relative one. */
  function byAbsoluteForm(endpoint: AuthEndpoint) {
    const target = `${AUTH_PREFIX}${endpoint.sample}`;
    return fc
      .record({
        method: fc.constantFrom(...endpoint.methods),
        form: fc.constantFrom(
          `http://${host}${target}`,
          `HTTP://${host}${target}`,
          `https://${host}${target}`,
          `http://evil.example${target}`,
          `http://${host}${AUTH_PREFIX}/ok?${target}`,
          `http://${host}`,
          `//${host}${target}`,
        ),
      })
      .map(({ method, form }) => ({ method, target: form, extra: [] as HeaderList }));
  }

  it("enumerates every Better Auth endpoint, param routes and plugin endpoints included", () => {
    const paths = endpoints.map((endpoint) => endpoint.path);
    for (const expected of [
      "/list-sessions",
      "/change-password",
      "/update-user",
      "/revoke-other-sessions",
      "/verify-password",
      "/callback/:id",
      "/reset-password/:token",
      "/token",
      "/jwks",
      ...ROUTED_AUTH_PATHS,
    ]) {
      expect(paths).toContain(expected);
    }
    expect(endpoints.length).toBeGreaterThanOrEqual(30);
  });

  it("reaches no endpoint by its own path, nor by the original walk-around (Host or X-Forwarded-Proto naming it)", async () => {
    const before = await snapshot();
    for (const endpoint of endpoints) {
      const target = `${AUTH_PREFIX}${endpoint.sample}`;
      // First the endpoint itself, plainly: only an exposed one answers.
      if (!EXPOSED_AUTH_PATHS.has(target)) {
        for (const method of endpoint.methods) {
          const body = attackBody(endpoint);
          await expectAnswer(request(method, target, body), body, `${method} ${target}`);
        }
      }
      const get = endpoint.methods.includes("GET");
      for (const carrier of get ? GET_CARRIERS : POST_CARRIERS) {
        const method = get ? "GET" : "POST";
        const body = attackBody(endpoint);
        for (const header of [
          ["Host", `${host}${target}?`],
          ["X-Forwarded-Proto", `http://${host}${target}?`],
        ] as const) {
          const what = `${method} ${carrier} with ${header[0]}: ${header[1]}`;
          await expectAnswer(request(method, carrier, body, [header]), body, what);
        }
      }
    }
    expect(await snapshot()).toEqual(before);
  }, 120_000);

  it(`answers ${RUNS_PER_ENDPOINT} mangled requests per endpoint only as an exposed path, and changes nothing`, async () => {
    const before = await snapshot();
    // The snapshot sees what it guards: three sessions (two of the attacker's, one other).
    expect(before?.sessions.split(",")).toHaveLength(3);
    expect(before?.passwords.split(",")).toHaveLength(2);
    for (const endpoint of endpoints) {
      const body = attackBody(endpoint);
      const attack = fc.oneof(
        { weight: 4, arbitrary: byPath(endpoint) },
        { weight: 1, arbitrary: byCarrierQuery(endpoint) },
        { weight: 3, arbitrary: byHeaders(endpoint) },
        { weight: 1, arbitrary: byAbsoluteForm(endpoint) },
      );
      await fc.assert(
        fc.asyncProperty(attack, async (generated) => {
          const pathname = generated.target.split("?")[0];
          // The exact sign-out path would end the attacker's session: that is its job.
          fc.pre(pathname !== SIGN_OUT);
          const alongside = "alongside" in generated && generated.alongside === true;
          const raw = request(generated.method, generated.target, body, generated.extra, {
            replaceHost: !alongside,
          });
          const what = `${endpoint.path}: ${raw.method} ${raw.target} ${JSON.stringify(generated.extra)}`;
          await expectAnswer(raw, body, what);
          expect(await snapshot(), what).toEqual(before);
        }),
        { numRuns: RUNS_PER_ENDPOINT },
      );
    }
  }, 180_000);

  it("leaves both passwords working", async () => {
    for (const credentials of [attacker, other]) {
      const client = new HttpClient(server.baseUrl);
      const response = await client.signIn(credentials);
      expect(response.status, credentials.email).toBe(200);
    }
  });

  describe("Better Auth itself", () => {
    const betterAuthRequest = (endpointPath: string, method: string) =>
      new Request(`${server.baseUrl}${AUTH_PREFIX}${endpointPath}`, {
        method,
        headers: {
          cookie: laptop.jar.header(),
          origin: server.baseUrl,
          "content-type": "application/json",
          "user-agent": laptop.userAgent,
          [CLIENT_IP_HEADER]: "127.0.0.1",
        },
        ...(method === "GET" ? {} : { body: "{}" }),
      });

    it("closes exactly the endpoints that are not routed, by the instance's own list", async () => {
      const all = endpoints.map((endpoint) => endpoint.path).sort();
      const closed = closedEndpointPaths(server.deps.auth.api).sort();
      expect(closed).toEqual(all.filter((endpointPath) => !ROUTED_AUTH_PATHS.has(endpointPath)));
      const { options } = await server.deps.auth.$context;
      expect([...(options.disabledPaths ?? [])].sort()).toEqual(closed);
      // Everything routed is an endpoint, and exposed.
      for (const routed of ROUTED_AUTH_PATHS) {
        expect(all).toContain(routed);
        expect(EXPOSED_AUTH_PATHS.has(`${AUTH_PREFIX}${routed}`)).toBe(true);
      }
    });

    it("exposes exactly the documented paths: no token-returning or token-taking endpoint", () => {
      expect([...EXPOSED_AUTH_PATHS].sort()).toEqual(
        [
          "error",
          "get-session",
          "jwks",
          "ok",
          "sign-in/email",
          "sign-out",
          "sign-up/email",
          "token",
        ].map((name) => `${AUTH_PREFIX}/${name}`),
      );
    });

    it("refuses every closed static endpoint with 404, with a valid cookie", async () => {
      const before = await snapshot();
      const closed = endpoints.filter(
        (endpoint) => !ROUTED_AUTH_PATHS.has(endpoint.path) && !endpoint.path.includes(":"),
      );
      expect(closed.length).toBeGreaterThanOrEqual(20);
      for (const endpoint of closed) {
        for (const method of endpoint.methods) {
          const response = await server.deps.auth.handler(betterAuthRequest(endpoint.path, method));
          expect(response.status, `${method} ${endpoint.path}`).toBe(404);
        }
      }
      expect(await snapshot()).toEqual(before);
    });

    // Defence in depth: `disabledPaths` is compared with the request's path as a string, so the
    // declared pattern `/callback/:id` never equals `/callback/github`; a plugin closes these.
    it("refuses the closed param routes too (/callback/:id, /reset-password/:token)", async () => {
      const answers: string[] = [];
      for (const endpoint of endpoints.filter((candidate) => candidate.path.includes(":"))) {
        for (const method of endpoint.methods) {
          const sample = `${endpoint.sample}?callbackURL=%2F`;
          const response = await server.deps.auth.handler(betterAuthRequest(sample, method));
          answers.push(`${method} ${endpoint.sample} -> ${response.status}`);
        }
      }
      expect(answers.length).toBeGreaterThanOrEqual(2);
      expect(answers.filter((answer) => !answer.endsWith("-> 404"))).toEqual([]);
    });
  });
});
