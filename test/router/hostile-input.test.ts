/**
 * Bad input through the router (createCaller on a real, signed-in, fresh context): every
 * procedure of the app router, found in `appRouter._def.procedures`, gets random and hostile input
 * (wrong types, 100 KB strings, depth-1000 objects, lone surrogates, RTL marks, NUL,
 * `__proto__`/`constructor`/`prototype` keys) and answers only with typed 4xx errors, changes
 * nothing and pollutes no prototype. Then 10,000 forged session cookies and 10,000 mangled JWTs,
 * derived from real ones, go through `createContext`: none authenticates.
 *
 * Seed: FC_SEED (printed at start).
 */
import { getTRPCErrorShape, TRPCError } from "@trpc/server";
import { eq } from "drizzle-orm";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { jwks, session } from "../../db/schema";
import { appRouter } from "../../server/routers";
import { createContext } from "../../server/trpc/context";
import { TEST_SECRET } from "../support/app";
import { Device, newCredentials } from "../support/device";
import { databaseKinds } from "../support/environment";
import { useTestApp } from "../support/fixtures";
import {
  cookieForgeries,
  cookieMeans,
  type Forgery,
  jwtForgeries,
  jwtMeans,
} from "../support/forgeries";
import {
  ALLOWED_ERROR_CODES,
  configureSeed,
  FREE_TEXT_PROCEDURES,
  hostileCallerInput,
  KNOWN_BUGS,
  type ProcedureInfo,
  routerProcedures,
  STACK_TRACE,
  stateOf,
  watchPrototypes,
} from "../support/hostile-input";
import { claimsOf, signedByServer } from "../support/jwt";

const seed = configureSeed();
const RUNS_PER_PROCEDURE = 200;
const FORGERIES = 10_000;
const SESSION_COOKIE = "better-auth.session_token";
const procedures = routerProcedures();

/** Calls `path` ("session.revoke") on a caller. */
function callPath(caller: unknown, path: string, input: unknown): Promise<unknown> {
  let target = caller as Record<string, unknown>;
  for (const segment of path.split(".")) target = target[segment] as Record<string, unknown>;
  return (target as unknown as (input: unknown) => Promise<unknown>)(input);
}

/** A refusal is a typed 4xx TRPCError whose formatted shape carries no stack. */
function expectTypedRefusal(error: unknown, procedure: ProcedureInfo, input: unknown) {
  expect(error).toBeInstanceOf(TRPCError);
  const trpcError = error as TRPCError;
  const shape = getTRPCErrorShape({
    config: appRouter._def._config,
    error: trpcError,
    type: procedure.type,
    path: procedure.path,
    input,
    ctx: undefined,
  });
  const detail = `${procedure.path}: ${trpcError.code} ${trpcError.message.slice(0, 300)}`;
  expect(ALLOWED_ERROR_CODES.has(trpcError.code), detail).toBe(true);
  if (trpcError.code === "BAD_REQUEST") {
    expect(shape.data.zodError ?? shape.data.reason, detail).toBeTruthy();
  }
  expect(JSON.stringify(shape), detail).not.toMatch(STACK_TRACE);
  return trpcError.code;
}

describe.each(databaseKinds)("hostile input through createCaller on %s", (kind) => {
  const app = useTestApp(kind);
  /** Signed in seconds ago: every procedure's middleware lets it through to input validation. */
  let fresh: Device;
  let freshUserId: string;
  /** Signed in an hour ago: sensitive procedures refuse it (FORBIDDEN) whatever the input. */
  let stale: Device;
  let staleUserId: string;

  beforeAll(async () => {
    fresh = new Device(app.deps);
    freshUserId = (await fresh.signUp(newCredentials("hostile"))).user.id;
    stale = new Device(app.deps);
    staleUserId = (await stale.signUp(newCredentials("stale"))).user.id;
    const aged = await app.database.db
      .update(session)
      .set({ createdAt: new Date(Date.now() - 3_600_000) })
      .where(eq(session.userId, staleUserId))
      .returning({ id: session.id });
    app.deps.sessionCache.invalidateSessions(aged.map((row) => row.id));
  });

  it("enumerates every procedure of the router", () => {
    expect(procedures.length).toBeGreaterThanOrEqual(11);
    expect(procedures.map((p) => p.path)).toContain("session.revoke");
  });

  describe.each(procedures)("$path ($type)", (procedure) => {
    // A mutation without an input parser ignores its input and would simply run (sign out
    // everywhere, delete the account): it is given hostile input on the stale session, which
    // sensitive procedures refuse, so any that does not is caught by the state check.
    const ignoresInput = procedure.type === "mutation" && !procedure.hasInput;
    const freeText = FREE_TEXT_PROCEDURES[procedure.path];

    it(`answers ${RUNS_PER_PROCEDURE} hostile inputs with typed 4xx only, and changes nothing`, async () => {
      const device = ignoresInput ? stale : fresh;
      const db = app.database.db;
      const changing = freeText?.changes ?? [];
      const state = async () => [
        await stateOf(db, freshUserId, changing),
        await stateOf(db, staleUserId, changing),
      ];
      const before = await state();
      const prototypes = watchPrototypes();
      const outcomes = new Map<string, number>();
      await fc.assert(
        fc.asyncProperty(hostileCallerInput(procedure.keys), async (input) => {
          if (KNOWN_BUGS[procedure.path]?.(input)) return;
          const outcome = await device
            .call((caller) => callPath(caller, procedure.path, input))
            .then(
              () => "ok",
              (error: unknown) => expectTypedRefusal(error, procedure, input),
            );
          if (outcome === "ok" && freeText) await freeText.expectStored(db, freshUserId, input);
          outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
          prototypes.check();
        }),
        { numRuns: RUNS_PER_PROCEDURE },
      );
      console.info(`${kind} ${procedure.path}: ${JSON.stringify(Object.fromEntries(outcomes))}`);
      expect(await state()).toEqual(before);
      prototypes.check();
      // Mutations that take input never succeed on garbage (free text: only on valid input).
      if (procedure.type === "mutation" && procedure.hasInput && !freeText)
        expect(outcomes.get("ok")).toBe(undefined);
      // Both devices are still signed in.
      expect(await fresh.call((caller) => caller.session.current())).not.toBeNull();
      expect(await stale.call((caller) => caller.session.current())).not.toBeNull();
    });
  });

  // Was a 500: a NUL reached PostgreSQL, which refuses it in text. The id schema refuses it now.
  it("session.revoke with a NUL in the id is refused as bad input, not a 500", async () => {
    const error = await fresh
      .call((caller) => caller.session.revoke({ id: "a\u0000b" }))
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(TRPCError);
    expect(["BAD_REQUEST", "NOT_FOUND"]).toContain((error as TRPCError).code);
  });

  // Was a 500 on PGlite, whose text encoder turned a lone surrogate into invalid UTF-8; the id
  // schema refuses it before the database sees it.
  it("session.revoke with a lone surrogate in the id is refused as bad input, not a 500", async () => {
    const error = await fresh
      .call((caller) => caller.session.revoke({ id: "\u00e9\udc00\u00e9" }))
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(TRPCError);
    expect(["BAD_REQUEST", "NOT_FOUND"]).toContain((error as TRPCError).code);
  });

  /** A victim signed in, a signed-out session of theirs, another user's live session. */
  async function victimAndMaterial() {
    const credentials = newCredentials("victim");
    const victim = new Device(app.deps);
    const victimId = (await victim.signUp(credentials)).user.id;
    const current = await victim.call((caller) => caller.session.current());
    const leaver = new Device(app.deps);
    await leaver.signIn(credentials);
    const signedOut = leaver.jar.get(SESSION_COOKIE) ?? "";
    await app.deps.auth.api.signOut({ headers: leaver.headers() });
    const [other] = await app.database.db
      .select({ id: session.id, token: session.token })
      .from(session)
      .where(eq(session.userId, freshUserId));
    if (!current || !other || !signedOut) throw new Error("setup failed");
    return { victim, victimId, sessionId: current.session.id, signedOut, other };
  }

  it(`refuses ${FORGERIES} forged, mangled, truncated and replayed session cookies`, async () => {
    const { victim, victimId, sessionId, signedOut, other } = await victimAndMaterial();
    const genuine = victim.jar.get(SESSION_COOKIE) ?? "";
    const cacheCookie = victim.jar.get("better-auth.session_data") ?? "";
    const forgeries = cookieForgeries({
      genuine,
      signedOut,
      otherSessionId: other.id,
      otherToken: other.token,
      sessionId,
      secret: TEST_SECRET,
      seed,
    });
    expect(forgeries.length).toBeGreaterThanOrEqual(FORGERIES);
    const before = await stateOf(app.database.db, victimId);
    const genuineMeaning = decodeURIComponent(genuine);

    const wrong: string[] = [];
    let equivalents = 0;
    let accepted = 0;
    for (const { label, value } of forgeries) {
      const headers = victim.headers();
      // The victim's valid cookie cache rides along: it must not stand in for the token.
      headers.set("cookie", `${SESSION_COOKIE}=${value}; better-auth.session_data=${cacheCookie}`);
      try {
        const ctx = await createContext({ deps: app.deps, headers, resHeaders: new Headers() });
        const sameCredential = cookieMeans(value) === genuineMeaning;
        if (sameCredential) equivalents += 1;
        if (ctx.session) accepted += 1;
        if (ctx.session && !(sameCredential && ctx.session.id === sessionId)) {
          wrong.push(`${label}: authenticated as ${ctx.session.id} with ${value}`);
        }
      } catch (error) {
        wrong.push(`${label}: threw ${String(error)}`);
      }
    }
    console.info(
      `${kind}: ${forgeries.length} cookies; ${equivalents} merely re-encode the genuine one, ${accepted} authenticated (as it)`,
    );
    expect(wrong).toEqual([]);
    expect(await stateOf(app.database.db, victimId)).toEqual(before);
    expect((await victim.call((caller) => caller.session.current()))?.session.id).toBe(sessionId);
  });

  it(`refuses ${FORGERIES} mangled JWTs on the bearer path`, async () => {
    const { victim, victimId, sessionId, signedOut, other } = await victimAndMaterial();
    const genuine = await victim.apiToken();
    const [key] = await app.database.db.select({ publicKey: jwks.publicKey }).from(jwks);
    const nowSec = Math.floor(Date.now() / 1000);
    const victimSessions = await app.database.db
      .select({ id: session.id })
      .from(session)
      .where(eq(session.userId, victimId));
    expect(victimSessions).toEqual([{ id: sessionId }]);
    const auth = app.deps.auth;
    const wrongClaims: Record<string, Parameters<typeof signedByServer>[2]> = {
      "expired a minute ago": { iat: nowSec - 960, exp: nowSec - 60 },
      "expired 30 s ago": { exp: nowSec - 30 },
      "expired a day ago": { iat: nowSec - 86_400, exp: nowSec - 86_000 },
      "not before a minute from now": { nbf: nowSec + 60 } as never,
      "not before tomorrow": { nbf: nowSec + 86_400 } as never,
      "another user's session, this user": { sid: other.id },
      "this session, another user": { sub: "not-the-user" },
      "the user id as sid, the session id as sub": { sid: claimsOf(genuine).sub, sub: sessionId },
      "a signed-out session": { sid: decodeURIComponent(signedOut).split(".")[0] },
      "no sid": { sid: undefined },
      "no sub": { sub: undefined },
      "numeric sid": { sid: 42 },
      "empty sid": { sid: "" },
      "another issuer": { iss: "https://issuer.example" },
      "another audience": { aud: "https://api.example" },
    };
    const serverSigned: Forgery[] = [];
    for (const [label, claims] of Object.entries(wrongClaims)) {
      serverSigned.push({ label, value: await signedByServer(auth, genuine, claims) });
    }
    const forgeries = await jwtForgeries({
      genuine,
      secret: TEST_SECRET,
      publicJwk: JSON.parse(key?.publicKey ?? "{}"),
      serverSigned,
      seed,
    });
    expect(forgeries.length).toBeGreaterThanOrEqual(FORGERIES);
    const before = await stateOf(app.database.db, victimId);

    const wrong: string[] = [];
    let equivalents = 0;
    let accepted = 0;
    const reasons = new Map<string, number>();
    for (const { label, value } of forgeries) {
      // From the victim's own device: a forgery that authenticates must not pass for binding's
      // doing (binding applies to JWTs, and flagging would change the state compared below).
      const headers = victim.headers();
      headers.delete("cookie");
      headers.set("authorization", `Bearer ${value}`);
      try {
        const ctx = await createContext({ deps: app.deps, headers, resHeaders: new Headers() });
        const sameCredential = jwtMeans(value, genuine);
        if (sameCredential) equivalents += 1;
        if (ctx.session) accepted += 1;
        if (ctx.session && !(sameCredential && ctx.session.id === sessionId)) {
          wrong.push(`${label}: authenticated as ${ctx.session.id} with ${value}`);
        }
        if (!ctx.session) {
          const reason = await ctx.explainNoSession();
          reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
        }
      } catch (error) {
        wrong.push(`${label}: threw ${String(error)}`);
      }
    }
    console.info(
      `${kind}: ${forgeries.length} JWTs; ${equivalents} merely re-encode the genuine one, ${accepted} authenticated (as it); refusals ${JSON.stringify(Object.fromEntries(reasons))}`,
    );
    expect(wrong).toEqual([]);
    expect(await stateOf(app.database.db, victimId)).toEqual(before);
    const ok = await createContext({
      deps: app.deps,
      headers: new Headers({ authorization: `Bearer ${genuine}` }),
      resHeaders: new Headers(),
    });
    expect(ok.session?.id).toBe(sessionId);
  });
});
