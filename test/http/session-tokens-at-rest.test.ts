/**
 * Through the real HTTP server: a copy of the session table and the secret make no usable cookie,
 * since the table holds SHA-256 of each token (ADR 0020).
 */
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { session } from "../../db/schema";
import { hashSessionToken } from "../../server/sessions/token-hash";
import { ErrorReason } from "../../shared/errors";
import { TEST_SECRET } from "../support/app";
import { newCredentials } from "../support/device";
import { databaseKinds } from "../support/environment";
import { useTestServer } from "../support/fixtures";
import { signedCookie } from "../support/forgeries";
import { HttpClient } from "../support/http-client";
import { dataOf, expectTrpcFailure } from "../support/trpc-http";

const COOKIE_NAME = "better-auth.session_token";

describe.each(databaseKinds)("session tokens at rest over HTTP on %s", (kind) => {
  const server = useTestServer(kind);

  it("the stored token signed with the secret opens no door: get-session, tRPC, JWT, sign-out", async () => {
    const client = new HttpClient(server.baseUrl);
    expect((await client.signUp(newCredentials("http-at-rest"))).status).toBe(200);
    const token = decodeURIComponent(client.jar.get(COOKIE_NAME) ?? "").split(".")[0] ?? "";
    const rows = await server.database.db
      .select({ id: session.id, token: session.token })
      .from(session)
      .where(eq(session.token, hashSessionToken(token)));
    expect(rows).toHaveLength(1);
    const stored = rows[0]?.token ?? "";
    expect(stored).not.toBe(token);

    // Each refusal clears the forger's cookie: it is presented again for every door.
    const forger = new HttpClient(server.baseUrl);
    const presentForgery = () => forger.jar.set(COOKIE_NAME, signedCookie(stored, TEST_SECRET));

    presentForgery();
    const getSession = await forger.request("/api/auth/get-session");
    expect(getSession.status).toBe(200);
    expect(await getSession.json()).toBeNull();
    presentForgery();
    await expectTrpcFailure(
      await forger.query("session.list"),
      401,
      "UNAUTHORIZED",
      ErrorReason.SESSION_REQUIRED,
    );
    presentForgery();
    expect((await forger.request("/api/auth/token")).status).toBe(401);
    presentForgery();
    await forger.postJson("/api/auth/sign-out", {});

    // The genuine cookie still works: the refusals came from the forged value.
    const list = await dataOf<Array<{ id: string }>>(await client.query("session.list"));
    expect(list.map((s) => s.id)).toEqual([rows[0]?.id]);
  });
});
