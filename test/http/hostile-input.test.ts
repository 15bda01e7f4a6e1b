/**
 * Bad input over the real HTTP server: every procedure of the app router (queries by GET
 * `?input=`, mutations by POST JSON) gets random and hostile input, JSON or not, and answers only
 * with typed 4xx, no stack and no state change; a sample of 200 forged session cookies and 200
 * mangled JWTs (the in-process suite tries 10,000 of each) authenticates nobody and never gets a
 * 5xx; bodies over 1 MB are refused where the router reads them, also when sent chunked.
 *
 * Seed: FC_SEED (printed at start).
 */
import { eq } from "drizzle-orm";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { session } from "../../db/schema";
import { MAX_BODY_BYTES } from "../../server/http/request";
import { TEST_SECRET } from "../support/app";
import { newCredentials } from "../support/device";
import { databaseKinds } from "../support/environment";
import { useTestServer } from "../support/fixtures";
import {
  cookieForgeries,
  cookieMeans,
  type Forgery,
  jwtForgeries,
  jwtMeans,
  spreadSample,
} from "../support/forgeries";
import {
  ALLOWED_ERROR_CODES,
  configureSeed,
  FREE_TEXT_PROCEDURES,
  hostileJsonInput,
  hostileString,
  KNOWN_BUGS,
  routerProcedures,
  STACK_TRACE,
  stateOf,
  watchPrototypes,
} from "../support/hostile-input";
import { HttpClient } from "../support/http-client";
import { signedByServer } from "../support/jwt";
import { signedUpBrowser } from "../support/scenarios";

const seed = configureSeed();
const RUNS_PER_PROCEDURE = 50;
const HTTP_SAMPLE = 200;
const SESSION_COOKIE = "better-auth.session_token";
const procedures = routerProcedures();

/** Every byte percent-encoded unless unreserved (lone surrogates become U+FFFD, as in a browser). */
function encodeQueryBytes(text: string): string {
  return [...Buffer.from(text, "utf8")]
    .map((byte) => {
      const char = String.fromCharCode(byte);
      return /[A-Za-z0-9\-_.~]/.test(char) ? char : `%${byte.toString(16).padStart(2, "0")}`;
    })
    .join("");
}

/** Whether the server can read `text` as JSON at all (it is the input tRPC is given). */
function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * A typed answer, checked as the router suite checks a refusal: an allowed status, no stack, and
 * every refusal a tRPC error whatever the body looks like: JSON with an allowed code and the
 * status that code maps to. A BAD_REQUEST carries zod issues or a reason, but for tRPC's own
 * refusal of a body that is not JSON at all, which has neither (a GET's unparsable `?input=` is a
 * PARSE_ERROR). The one answer that is not the app's: 431 from node:http, for a GET whose URL is
 * too long to read (no body).
 */
async function expectTypedAnswer(
  response: Response,
  method: "GET" | "POST",
  what: string,
  sent: string,
) {
  const text = await response.text();
  const allowed = [200, 400, 401, 403, 404, 405, 409, 413, 415, ...(method === "GET" ? [431] : [])];
  const detail = `${what}: ${response.status} ${text.slice(0, 300)}`;
  expect(allowed, detail).toContain(response.status);
  expect(text, detail).not.toMatch(STACK_TRACE);
  if (response.status === 200) return response.status;
  if (response.status === 431) {
    expect(text, detail).toBe("");
    return response.status;
  }
  expect(parsesAsJson(text), detail).toBe(true);
  const data = JSON.parse(text).error?.data;
  expect(data, detail).toBeDefined();
  expect(ALLOWED_ERROR_CODES.has(data.code), detail).toBe(true);
  expect(data.httpStatus, detail).toBe(response.status);
  if (data.code === "BAD_REQUEST") {
    if (parsesAsJson(sent)) expect(data.zodError ?? data.reason, detail).toBeTruthy();
    else
      expect({ zodError: data.zodError, reason: data.reason }, detail).toEqual({
        zodError: null,
        reason: null,
      });
  }
  return response.status;
}

describe.each(databaseKinds)("hostile input over HTTP on %s", (kind) => {
  const server = useTestServer(kind);
  let fresh: HttpClient;
  let freshUserId: string;
  let stale: HttpClient;
  let staleUserId: string;

  beforeAll(async () => {
    ({ client: fresh, userId: freshUserId } = await signedUpBrowser(server.baseUrl, {
      prefix: "hostile-http",
    }));
    ({ client: stale, userId: staleUserId } = await signedUpBrowser(server.baseUrl, {
      prefix: "stale-http",
    }));
    const aged = await server.database.db
      .update(session)
      .set({ createdAt: new Date(Date.now() - 3_600_000) })
      .where(eq(session.userId, staleUserId))
      .returning({ id: session.id });
    server.deps.sessionCache.invalidateSessions(aged.map((row) => row.id));
  });

  /** JSON input (`json`) or a raw, probably unparsable, query parameter or body (`raw`). */
  const request = (keys: string[]) =>
    fc.oneof(
      { weight: 4, arbitrary: hostileJsonInput(keys).map((input) => ({ json: true, input })) },
      { weight: 1, arbitrary: hostileString.map((input) => ({ json: false, input })) },
    );

  describe.each(procedures)("$path ($type)", (procedure) => {
    // As in the router suite: a mutation that ignores its input runs on the stale session.
    const ignoresInput = procedure.type === "mutation" && !procedure.hasInput;
    const method = procedure.type === "query" ? "GET" : "POST";
    const freeText = FREE_TEXT_PROCEDURES[procedure.path];

    it(`answers ${RUNS_PER_PROCEDURE} hostile requests with typed 4xx only, and changes nothing`, async () => {
      const client = ignoresInput ? stale : fresh;
      const db = server.database.db;
      const changing = freeText?.changes ?? [];
      const state = async () => [
        await stateOf(db, freshUserId, changing),
        await stateOf(db, staleUserId, changing),
      ];
      const before = await state();
      const prototypes = watchPrototypes();
      const path = `/api/trpc/${procedure.path}`;
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(request(procedure.keys), async ({ json, input }) => {
          if (json && KNOWN_BUGS[procedure.path]?.(input)) return;
          // What tRPC reads: the `?input=` of a GET, the body of a POST.
          const sent = json ? JSON.stringify(input) : String(input);
          const response =
            method === "GET"
              ? await client.request(`${path}?input=${encodeQueryBytes(sent)}`)
              : await client.request(path, {
                  method: "POST",
                  body: sent,
                  headers: { "content-type": "application/json" },
                });
          const status = await expectTypedAnswer(response, method, procedure.path, sent);
          if (status === 200 && freeText) {
            // What the server read: the JSON input, or the raw body when it happened to be JSON.
            const sent = json ? input : JSON.parse(String(input));
            await freeText.expectStored(db, freshUserId, sent);
          }
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          prototypes.check();
        }),
        { numRuns: RUNS_PER_PROCEDURE },
      );
      console.info(`${kind} ${procedure.path}: ${JSON.stringify(Object.fromEntries(statuses))}`);
      expect(await state()).toEqual(before);
      prototypes.check();
      // Mutations that take input never succeed on garbage (free text: only on valid input).
      if (procedure.type === "mutation" && procedure.hasInput && !freeText)
        expect(statuses.get(200), procedure.path).toBe(undefined);
      expect((await fresh.query("session.list")).status).toBe(200);
      expect((await stale.query("session.list")).status).toBe(200);
    });
  });

  it("answers a tRPC batch of hostile inputs with typed errors", async () => {
    const inputs = fc.sample(hostileJsonInput(["limit", "cursor"]), { numRuns: 20, seed });
    for (const input of inputs) {
      const batch = encodeQueryBytes(JSON.stringify({ 0: input, 1: input, 2: input }));
      const response = await fresh.request(
        `/api/trpc/session.activity,session.current,session.list?batch=1&input=${batch}`,
      );
      const text = await response.text();
      const detail = `${response.status} ${text.slice(0, 200)}`;
      expect([200, 207, 400, 431], detail).toContain(response.status);
      expect(text, detail).not.toMatch(STACK_TRACE);
      if (response.status === 431) continue; // node:http, before the app: no body
      // One answer per call, or one error for the whole batch; every error typed.
      const body = JSON.parse(text) as
        | Array<{ result?: unknown; error?: { data: { code: string } } }>
        | { error: { data: { code: string } } };
      for (const answer of Array.isArray(body) ? body : [body]) {
        if ("result" in answer) continue;
        expect(ALLOWED_ERROR_CODES.has(answer.error?.data.code ?? ""), detail).toBe(true);
      }
    }
  });

  /** A victim signed in over HTTP, a signed-out session of theirs, another user's session. */
  async function victimAndMaterial() {
    const {
      client: victim,
      credentials,
      userId: victimId,
    } = await signedUpBrowser(server.baseUrl, { prefix: "victim-http" });
    const current = (await (await victim.query("session.current")).json()).result.data as {
      session: { id: string };
    };
    const leaver = new HttpClient(server.baseUrl);
    expect((await leaver.signIn(credentials)).status).toBe(200);
    const signedOut = leaver.jar.get(SESSION_COOKIE) ?? "";
    expect((await leaver.postJson("/api/auth/sign-out", {})).status).toBe(200);
    const [other] = await server.database.db
      .select({ id: session.id, token: session.token })
      .from(session)
      .where(eq(session.userId, freshUserId));
    if (!other || !signedOut) throw new Error("setup failed");
    return { victim, victimId, sessionId: current.session.id, signedOut, other };
  }

  it(`refuses a sample of ${HTTP_SAMPLE} forged session cookies: 401, never 5xx`, async () => {
    const { victim, victimId, sessionId, signedOut, other } = await victimAndMaterial();
    const genuine = victim.jar.get(SESSION_COOKIE) ?? "";
    const meaning = decodeURIComponent(genuine);
    const forgeries = cookieForgeries({
      genuine,
      signedOut,
      otherSessionId: other.id,
      otherToken: other.token,
      sessionId,
      secret: TEST_SECRET,
      seed,
    }).filter(({ value }) => cookieMeans(value) !== meaning);
    const before = await stateOf(server.database.db, victimId);
    const wrong: string[] = [];
    for (const { label, value } of spreadSample(forgeries, HTTP_SAMPLE)) {
      const forger = new HttpClient(server.baseUrl);
      forger.jar.set(SESSION_COOKIE, value);
      forger.jar.set("better-auth.session_data", victim.jar.get("better-auth.session_data") ?? "");
      const response = await forger.query("session.list");
      const text = await response.text();
      if (response.status !== 401 || STACK_TRACE.test(text)) {
        wrong.push(`${label} (${value}): ${response.status} ${text.slice(0, 200)}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(await stateOf(server.database.db, victimId)).toEqual(before);
    expect((await victim.query("session.list")).status).toBe(200);
  });

  it(`refuses a sample of ${HTTP_SAMPLE} mangled JWTs: 401, never 5xx`, async () => {
    const { victim, victimId, other } = await victimAndMaterial();
    const tokenResponse = await victim.request("/api/auth/token");
    expect(tokenResponse.status).toBe(200);
    const { token: genuine } = (await tokenResponse.json()) as { token: string };
    const nowSec = Math.floor(Date.now() / 1000);
    const serverSigned: Forgery[] = [
      {
        label: "expired",
        value: await signedByServer(server.deps.auth, genuine, {
          iat: nowSec - 960,
          exp: nowSec - 60,
        }),
      },
      {
        label: "not before tomorrow",
        value: await signedByServer(server.deps.auth, genuine, { nbf: nowSec + 86_400 } as never),
      },
      {
        label: "another user's session",
        value: await signedByServer(server.deps.auth, genuine, { sid: other.id }),
      },
    ];
    const keys = (await (await fetch(`${server.baseUrl}/api/auth/jwks`)).json()) as {
      keys: Record<string, unknown>[];
    };
    const forgeries = (
      await jwtForgeries({
        genuine,
        secret: TEST_SECRET,
        publicJwk: keys.keys[0] ?? {},
        serverSigned,
        seed,
      })
    ).filter(({ value }) => !jwtMeans(value, genuine));
    const sample = [...serverSigned, ...spreadSample(forgeries, HTTP_SAMPLE - serverSigned.length)];
    const before = await stateOf(server.database.db, victimId);
    const wrong: string[] = [];
    for (const { label, value } of sample) {
      const client = new HttpClient(server.baseUrl, null, "api-client/1.0");
      client.defaultHeaders = { authorization: `Bearer ${value}` };
      const response = await client.query("session.list");
      const text = await response.text();
      if (response.status !== 401 || STACK_TRACE.test(text)) {
        wrong.push(`${label} (${value}): ${response.status} ${text.slice(0, 200)}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(await stateOf(server.database.db, victimId)).toEqual(before);
  });

  it("answers bad input with BAD_REQUEST and zod issues, never a stack", async () => {
    const response = await fresh.mutate("session.revoke", { id: 42 });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.error.data.code).toBe("BAD_REQUEST");
    expect(body.error.data.zodError.fieldErrors.id).toBeDefined();
    // A sentence, not zod's issues as JSON (those stay in data.zodError).
    expect(body.error.message).toBe("Check id: Invalid input: expected string, received number");
    expect(JSON.stringify(body)).not.toMatch(/stack|\.ts:\d+/);
  });

  it("refuses a tRPC body over 1 MB (with its content-length) with 413", async () => {
    const response = await fresh.mutate("session.revoke", {
      id: "x".repeat(MAX_BODY_BYTES + 100_000),
    });
    expect(response.status).toBe(413);
  });

  /** A JSON body of `bytes` bytes, sent chunked (no content-length), as a stream would. */
  function chunkedBody(json: string) {
    const encoded = new TextEncoder().encode(json);
    return new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < encoded.length; at += 64 * 1024) {
          controller.enqueue(encoded.subarray(at, at + 64 * 1024));
        }
        controller.close();
      },
    });
  }

  it("refuses a chunked tRPC body over 1 MB (no content-length) with 413, and changes nothing", async () => {
    const before = await stateOf(server.database.db, freshUserId);
    const response = await fresh.request("/api/trpc/account.changeEmail", {
      method: "POST",
      body: chunkedBody(JSON.stringify({ newEmail: `${"a".repeat(MAX_BODY_BYTES)}@example.com` })),
      headers: { "content-type": "application/json" },
      duplex: "half",
    } as Parameters<HttpClient["request"]>[1]);
    expect(response.status).toBe(413);
    expect(await response.text()).not.toMatch(STACK_TRACE);
    expect(await stateOf(server.database.db, freshUserId)).toEqual(before);
  });

  it("refuses an unfit name at sign-up with 400 INVALID_NAME, and stores nothing", async () => {
    // The rule of account.changeName (shared/schemas.ts nameSchema).
    for (const name of ["a\u0000b", "x".repeat(101), "tab\there", "\ud800", "", "   "]) {
      const credentials = newCredentials("name");
      const response = await new HttpClient(server.baseUrl).signUp({ ...credentials, name });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ code: "INVALID_NAME" });
      const signIn = await new HttpClient(server.baseUrl).signIn(credentials);
      expect(signIn.status).toBe(401);
    }
    const fine = await new HttpClient(server.baseUrl).signUp({
      ...newCredentials("name"),
      name: " Zoë O'Brien-Łukasz 山田  ",
    });
    expect(fine.status).toBe(200);
    // Stored trimmed, as account.changeName stores it.
    expect((await fine.json()).user.name).toBe("Zoë O'Brien-Łukasz 山田");
  });

  // Was a finding: Better Auth reads any body (sign-up stored a 1.1 MB name). The HTTP layer
  // now holds /api/auth/* to the same limit as tRPC.
  it("refuses bodies over 1 MB on Better Auth's endpoints with 413", async () => {
    const big = "x".repeat(MAX_BODY_BYTES + 100_000);
    const statuses: Record<string, number> = {};
    const client = new HttpClient(server.baseUrl);
    for (const [path, body] of Object.entries({
      "/api/auth/sign-in/email": { email: "nobody@example.com", password: big },
      "/api/auth/sign-out": { padding: big },
      "/api/auth/sign-up/email": {
        name: big,
        email: newCredentials("big").email,
        password: "correct horse battery",
      },
    })) {
      const response = await client.postJson(path, body);
      statuses[path] = response.status;
      const text = await response.text();
      expect(text).not.toMatch(STACK_TRACE);
      // Better Auth's error shape, as every answer of its door.
      expect(JSON.parse(text)).toEqual({
        code: "PAYLOAD_TOO_LARGE",
        message: `Request bodies are limited to ${MAX_BODY_BYTES} bytes`,
      });
    }
    expect(statuses).toEqual({
      "/api/auth/sign-in/email": 413,
      "/api/auth/sign-out": 413,
      "/api/auth/sign-up/email": 413,
    });
  });
});
