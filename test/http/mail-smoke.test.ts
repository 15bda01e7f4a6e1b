import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseKinds } from "../support/environment";
import { useTestServer } from "../support/fixtures";
import { HttpClient } from "../support/http-client";
import { signedUpBrowser } from "../support/scenarios";
import { linkToken, type SmtpInbox, startSmtpInbox } from "../support/smtp-inbox";
import { dataOf } from "../support/trpc-http";

describe.each(databaseKinds)("smoke on %s", (kind) => {
  let inbox: SmtpInbox;
  beforeAll(async () => {
    inbox = await startSmtpInbox();
  });
  afterAll(() => inbox.close());
  const server = useTestServer(kind, {
    get SMTP_URL() {
      return inbox.url;
    },
  } as unknown as Record<string, string>);

  it("resets", async () => {
    const { client, credentials } = await signedUpBrowser(server.baseUrl);
    const verify = await inbox.waitFor(
      (m) => m.to === credentials.email && m.subject.includes("Verify"),
    );
    expect(verify.text).toContain("/verify-email#token=");
    const stranger = new HttpClient(server.baseUrl);
    await dataOf(await stranger.mutate("links.requestPasswordReset", { email: credentials.email }));
    const mail = await inbox.waitFor(
      (m) => m.to === credentials.email && m.subject.includes("Reset"),
    );
    const token = linkToken(mail, "/reset-password");
    const result = await dataOf<{ sessionsEnded: number }>(
      await stranger.mutate("links.resetPassword", { token, newPassword: "another-password-123" }),
    );
    expect(result.sessionsEnded).toBe(1);
    expect((await client.query("session.current")).status).toBe(401);
    const again = await stranger.mutate("links.resetPassword", {
      token,
      newPassword: "another-password-123",
    });
    expect(again.status).toBe(400);
    expect(
      (await stranger.signIn({ email: credentials.email, password: "another-password-123" }))
        .status,
    ).toBe(200);
  });
});
