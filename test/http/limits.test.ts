/**
 * Limits an outside client meets: the size of a tRPC batch, and how the two doors that can tell
 * whether an address has an account answer it (the same words, each limited; ADR 0019).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { MAX_TRPC_BATCH_SIZE } from "../../shared/api-limits";
import { EMAIL_TAKEN_MESSAGE, ErrorReason } from "../../shared/errors";
import { newCredentials } from "../support/device";
import { databaseKinds } from "../support/environment";
import { useTestServer } from "../support/fixtures";
import { HttpClient } from "../support/http-client";
import { dataOf, expectTrpcFailure } from "../support/trpc-http";

const EMAIL_CHANGES_ALLOWED = 3;

describe.each(databaseKinds)("API limits on %s", (kind) => {
  const server = useTestServer(kind, { RATE_LIMIT_ACCOUNT_MAX: String(EMAIL_CHANGES_ALLOWED) });
  let browser: HttpClient;

  beforeAll(async () => {
    browser = new HttpClient(server.baseUrl);
    expect((await browser.signUp(newCredentials("limits"))).status).toBe(200);
  });

  /** A GET batch of `count` calls of session.current. */
  function batchOf(count: number) {
    const paths = Array.from({ length: count }, () => "session.current").join(",");
    const input = encodeURIComponent(JSON.stringify({}));
    return browser.request(`/api/trpc/${paths}?batch=1&input=${input}`);
  }

  it(`answers a batch of ${MAX_TRPC_BATCH_SIZE} calls, and refuses one more with 400`, async () => {
    const full = await batchOf(MAX_TRPC_BATCH_SIZE);
    expect(full.status).toBe(200);
    expect(await full.json()).toHaveLength(MAX_TRPC_BATCH_SIZE);

    const over = await batchOf(MAX_TRPC_BATCH_SIZE + 1);
    expect(over.status).toBe(400);
    const body = await over.json();
    // One error for the whole batch: no call ran.
    const errors = Array.isArray(body) ? body : [body];
    for (const item of errors) expect(item.error.data.code).toBe("BAD_REQUEST");
    expect(JSON.stringify(body)).not.toContain('"result"');
  });

  it("refuses an oversized batch of mutations sent by POST before any runs", async () => {
    const paths = Array.from({ length: MAX_TRPC_BATCH_SIZE + 1 }, () => "session.revokeOthers");
    const input = Object.fromEntries(paths.map((_, index) => [index, null]));
    const response = await browser.postJson(`/api/trpc/${paths.join(",")}?batch=1`, input);
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).not.toContain('"result"');
  });

  it("sign-up and an email change answer a taken address with the same 409 EMAIL_TAKEN", async () => {
    const owner = newCredentials("owner");
    expect((await new HttpClient(server.baseUrl).signUp(owner)).status).toBe(200);

    const signUp = await new HttpClient(server.baseUrl).signUp({ ...owner, name: "Someone" });
    expect(signUp.status).toBe(409);
    expect(await signUp.json()).toEqual({
      code: ErrorReason.EMAIL_TAKEN,
      message: EMAIL_TAKEN_MESSAGE,
    });

    const changer = new HttpClient(server.baseUrl);
    expect((await changer.signUp(newCredentials("changer"))).status).toBe(200);
    const change = await changer.mutate("account.changeEmail", { newEmail: owner.email });
    const error = await expectTrpcFailure(change, 409, "CONFLICT", ErrorReason.EMAIL_TAKEN);
    expect(error.message).toBe(EMAIL_TAKEN_MESSAGE);
  });

  it(`limits email changes to ${EMAIL_CHANGES_ALLOWED} per account per window, taken or not`, async () => {
    const prober = new HttpClient(server.baseUrl);
    const credentials = newCredentials("prober");
    expect((await prober.signUp(credentials)).status).toBe(200);
    // A success does not clear the count: alternating addresses cannot reset it.
    const first = await prober.mutate("account.changeEmail", {
      newEmail: `moved-${credentials.email}`,
    });
    expect(await dataOf(first)).toEqual({
      status: "pending",
      email: `moved-${credentials.email}`,
    });
    for (let attempt = 2; attempt <= EMAIL_CHANGES_ALLOWED; attempt++) {
      const probe = await prober.mutate("account.changeEmail", { newEmail: "nobody@example.com" });
      expect(probe.status, `attempt ${attempt}`).not.toBe(429);
    }
    const refused = await prober.mutate("account.changeEmail", { newEmail: "anyone@example.com" });
    await expectTrpcFailure(refused, 429, "TOO_MANY_REQUESTS", ErrorReason.RATE_LIMITED);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});
