/**
 * The development mailbox (`devMailBox.list`, the SPA's /dev/mailbox): outside production and
 * without SMTP_URL it lists the mail kept in the outbox, links included; with an SMTP server, or
 * in production, it does not exist (NOT_FOUND), since it shows every account's links. Three
 * instances of one deployment on one database, configured each way.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PRODUCTION_WITHOUT_MAIL, startTestInstance, type TestInstance } from "../support/app";
import { newCredentials } from "../support/device";
import { databaseKinds } from "../support/environment";
import { useTestServer } from "../support/fixtures";
import { HttpClient } from "../support/http-client";
import { tokenInText } from "../support/mailbox";
import { dataOf, expectTrpcFailure } from "../support/trpc-http";
import { waitFor } from "../support/wait";

interface KeptMail {
  id: number;
  to: string;
  subject: string;
  text: string;
  html: string;
  at: string;
}

describe.each(databaseKinds)("the development mailbox on %s", (kind) => {
  const development = useTestServer(kind, { NODE_ENV: "development" });
  let withSmtp: TestInstance;
  let production: TestInstance;
  beforeAll(async () => {
    [withSmtp, production] = await Promise.all([
      // Nothing listens there: no mail is asked for in this file's instance with SMTP.
      startTestInstance(development.database, {
        NODE_ENV: "development",
        SMTP_URL: "smtp://127.0.0.1:9",
      }),
      startTestInstance(development.database, PRODUCTION_WITHOUT_MAIL),
    ]);
  });
  afterAll(async () => {
    await Promise.all([withSmtp?.close(), production?.close()]);
  });

  it("lists the kept mail, newest first, with its links, which work", async () => {
    const credentials = newCredentials("mailbox");
    const client = new HttpClient(development.baseUrl);
    expect((await client.signUp(credentials)).status).toBe(200);
    await dataOf(
      await new HttpClient(development.baseUrl).mutate("links.requestPasswordReset", {
        email: credentials.email,
      }),
    );
    // Anyone may read it: it is the whole point, and why it exists nowhere else.
    const reader = new HttpClient(development.baseUrl);
    const mine = await waitFor(async () => {
      const list = await dataOf<KeptMail[]>(await reader.query("devMailbox.list"));
      const ours = list.filter((mail) => mail.to === credentials.email);
      return ours.length === 2 ? ours : null;
    });
    expect(mine.map((mail) => mail.subject)).toEqual([
      "Reset your Typed Sessions password",
      "Verify your Typed Sessions address",
    ]);
    expect(mine[0]?.id).toBeGreaterThan(mine[1]?.id ?? Infinity);
    expect(mine[0]?.html).toContain("<!doctype html>");
    const token = tokenInText(mine[1]?.text ?? "", "/verify-email");
    await dataOf(await reader.mutate("links.verifyEmail", { token }));
    expect(await dataOf(await reader.query("links.settings"))).toEqual({
      passwordReset: true,
      emailVerification: "optional",
      devMailbox: true,
    });
  });

  it("does not answer a request a proxy on this machine relayed from elsewhere (no TRUSTED_PROXIES)", async () => {
    // Caddy, ngrok or cloudflared on the same host: the socket is loopback, the client is not.
    const reader = new HttpClient(development.baseUrl);
    const relayedHeaders: Record<string, string>[] = [
      { "x-forwarded-for": "203.0.113.9" },
      { "x-forwarded-for": "127.0.0.1, 203.0.113.9" },
      { "x-real-ip": "2001:db8::9" },
    ];
    for (const relayed of relayedHeaders) {
      reader.defaultHeaders = relayed;
      await expectTrpcFailure(await reader.query("devMailbox.list"), 404, "NOT_FOUND", null);
    }
    // A proxy relaying this machine's own browser (Vite's, in `npm run dev`) is still local.
    reader.defaultHeaders = { "x-forwarded-for": "::1" };
    expect((await reader.query("devMailbox.list")).status).toBe(200);
  });

  it("does not exist with an SMTP server, nor in production, and the SPA is told", async () => {
    for (const instance of [withSmtp, production]) {
      const client = new HttpClient(instance.baseUrl);
      await expectTrpcFailure(await client.query("devMailbox.list"), 404, "NOT_FOUND", null);
      expect(
        await dataOf<{ devMailbox: boolean }>(await client.query("links.settings")),
      ).toMatchObject({ devMailbox: false });
    }
  });
});
