/**
 * Verified addresses (EMAIL_VERIFICATION) through the real HTTP server and a real SMTP server:
 * `optional` mails a link at sign-up and every device sees the address verified as soon as it is
 * opened; "send it again" answers every address alike; `required` starts no session before the
 * link is opened, refuses the sign-in, and (the gate) refuses a session made before the setting;
 * `off` sends nothing.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { session } from "../../db/schema";
import { ErrorReason } from "../../shared/errors";
import { startTestInstance, type TestInstance } from "../support/app";
import { newCredentials } from "../support/device";
import { databaseKinds } from "../support/environment";
import { useSmtpInbox, useTestServer, withSmtp } from "../support/fixtures";
import { HttpClient } from "../support/http-client";
import { sameCookies } from "../support/instances";
import { outboxTo } from "../support/mailbox";
import { eventsOf, userIdOf } from "../support/sessions";
import { linkToken, type ReceivedMail, type SmtpInbox } from "../support/smtp-inbox";
import { dataOf, expectTrpcFailure } from "../support/trpc-http";

const TOKEN_COOKIE = "better-auth.session_token";

interface Current {
  user: { email: string; emailVerified: boolean; emailVerification: string };
}

function verificationMails(inbox: SmtpInbox, email: string): ReceivedMail[] {
  return inbox.received.filter((mail) => mail.to === email && /Verify/.test(mail.subject));
}

async function verificationToken(inbox: SmtpInbox, email: string, nth = 1): Promise<string> {
  await inbox.waitFor(() => verificationMails(inbox, email).length >= nth);
  const mail = verificationMails(inbox, email)[nth - 1];
  if (!mail) throw new Error("unreachable");
  return linkToken(mail, "/verify-email");
}

describe.each(databaseKinds)("EMAIL_VERIFICATION=optional on %s", (kind) => {
  const inbox = useSmtpInbox();
  const server = useTestServer(kind, withSmtp(inbox));

  async function signedUp() {
    const credentials = newCredentials("verify");
    const client = new HttpClient(server.baseUrl);
    expect((await client.signUp(credentials)).status).toBe(200);
    return { credentials, client };
  }

  it("sign-up mails a link to the address; opened by anyone, every device of the account sees the address verified at once", async () => {
    const { credentials, client: laptop } = await signedUp();
    const phone = new HttpClient(server.baseUrl);
    expect((await phone.signIn(credentials)).status).toBe(200);
    for (const device of [laptop, phone]) {
      expect((await dataOf<Current>(await device.query("session.current"))).user).toMatchObject({
        emailVerified: false,
        emailVerification: "optional",
      });
    }
    const token = await verificationToken(inbox, credentials.email);
    const mail = verificationMails(inbox, credentials.email)[0];
    expect(mail?.text).toContain(`${server.baseUrl}/verify-email#token=${token}`);
    expect(mail?.text).toContain("for 24 hours");

    // The link, opened in a mail app's browser that holds no session.
    const opened = await new HttpClient(server.baseUrl).mutate("links.verifyEmail", { token });
    expect(await dataOf(opened)).toEqual({ email: credentials.email });

    for (const device of [laptop, phone]) {
      const current = await dataOf<Current>(await device.query("session.current"));
      expect(current.user.emailVerified).toBe(true);
    }
    const userId = await userIdOf(server.database.db, credentials.email);
    const verified = (await eventsOf(server.database.db, userId)).filter(
      (event) => event.type === "email_verified",
    );
    expect(verified).toEqual([expect.objectContaining({ sessionId: "" })]);
  });

  it("'send it again' answers an unknown, a verified and an unverified address alike, and mails only the unverified one", async () => {
    const unverified = await signedUp();
    const verified = await signedUp();
    await dataOf(
      await new HttpClient(server.baseUrl).mutate("links.verifyEmail", {
        token: await verificationToken(inbox, verified.credentials.email),
      }),
    );
    const unknown = newCredentials("nobody").email;
    const answers = [];
    for (const email of [unknown, verified.credentials.email, unverified.credentials.email]) {
      const response = await new HttpClient(server.baseUrl).mutate("links.requestVerification", {
        email,
      });
      answers.push({ status: response.status, body: await response.text() });
    }
    expect(answers[0]).toEqual({
      status: 200,
      body: JSON.stringify({ result: { data: { sent: true } } }),
    });
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);

    const fresh = await verificationToken(inbox, unverified.credentials.email, 2);
    // The first link was replaced by the new one.
    const first = await verificationToken(inbox, unverified.credentials.email, 1);
    await expectTrpcFailure(
      await new HttpClient(server.baseUrl).mutate("links.verifyEmail", { token: first }),
      400,
      "BAD_REQUEST",
      ErrorReason.LINK_USED,
    );
    await dataOf(
      await new HttpClient(server.baseUrl).mutate("links.verifyEmail", { token: fresh }),
    );
    expect(verificationMails(inbox, verified.credentials.email)).toHaveLength(1);
    expect(
      await outboxTo(server.database.db, verified.credentials.email, "verify_email"),
    ).toHaveLength(1);
    expect(await outboxTo(server.database.db, unknown)).toEqual([]);
  });
});

describe.each(databaseKinds)("EMAIL_VERIFICATION=required on %s", (kind) => {
  const inbox = useSmtpInbox();
  const server = useTestServer(kind, withSmtp(inbox, { EMAIL_VERIFICATION: "required" }));
  /**
   * The same deployment (its BASE_URL, so its cookies and JWTs) before EMAIL_VERIFICATION was
   * turned to `required`.
   */
  let before: TestInstance;
  beforeAll(async () => {
    before = await startTestInstance(
      server.database,
      withSmtp(inbox, { BASE_URL: server.baseUrl }),
    );
  });
  afterAll(async () => {
    await before?.close();
  });

  it("sign-up starts no session and mails a link; sign-in is 403 EMAIL_NOT_VERIFIED until the link is opened", async () => {
    const credentials = newCredentials("required");
    const client = new HttpClient(server.baseUrl);
    const signUp = await client.signUp(credentials);
    expect(signUp.status).toBe(200);
    expect(client.lastSetCookies.filter((line) => line.startsWith(TOKEN_COOKIE))).toEqual([]);
    const userId = await userIdOf(server.database.db, credentials.email);
    expect(
      await server.database.db.select().from(session).where(eq(session.userId, userId)),
    ).toEqual([]);
    expect(await dataOf(await client.query("session.current"))).toBeNull();

    // A wrong password says nothing about the address: the same 401 as for any account.
    const guess = await client.signIn({ email: credentials.email, password: "not the password" });
    expect(guess.status).toBe(401);
    const refused = await client.signIn(credentials);
    expect(refused.status).toBe(403);
    expect((await refused.json()).code).toBe("EMAIL_NOT_VERIFIED");
    expect(client.jar.get(TOKEN_COOKIE)).toBeUndefined();

    const token = await verificationToken(inbox, credentials.email);
    await dataOf(await new HttpClient(server.baseUrl).mutate("links.verifyEmail", { token }));
    expect((await client.signIn(credentials)).status).toBe(200);
    const current = await dataOf<Current>(await client.query("session.current"));
    expect(current.user).toMatchObject({ emailVerified: true, emailVerification: "required" });
  });

  it("a signed-out visitor may ask for the link again; the new one verifies", async () => {
    const credentials = newCredentials("required-again");
    expect((await new HttpClient(server.baseUrl).signUp(credentials)).status).toBe(200);
    await verificationToken(inbox, credentials.email, 1);
    await dataOf(
      await new HttpClient(server.baseUrl).mutate("links.requestVerification", {
        email: credentials.email,
      }),
    );
    const token = await verificationToken(inbox, credentials.email, 2);
    await dataOf(await new HttpClient(server.baseUrl).mutate("links.verifyEmail", { token }));
    expect((await new HttpClient(server.baseUrl).signIn(credentials)).status).toBe(200);
  });

  it("a session made before the setting, of an unverified address, is refused with EMAIL_NOT_VERIFIED (cookie and JWT) until the address is verified", async () => {
    const credentials = newCredentials("before-required");
    const browser = new HttpClient(before.baseUrl, server.baseUrl);
    expect((await browser.signUp(credentials)).status).toBe(200);
    const jwt = (await (await browser.request("/api/auth/token")).json()).token as string;
    expect(jwt).toBeTruthy();

    const now = sameCookies(browser, server.baseUrl, server.baseUrl);
    for (const procedure of ["session.list", "session.current"]) {
      await expectTrpcFailure(
        await now.query(procedure),
        401,
        "UNAUTHORIZED",
        ErrorReason.EMAIL_NOT_VERIFIED,
      );
    }
    const api = new HttpClient(server.baseUrl, null);
    await expectTrpcFailure(
      await api.request("/api/trpc/session.list", { headers: { authorization: `Bearer ${jwt}` } }),
      401,
      "UNAUTHORIZED",
      ErrorReason.EMAIL_NOT_VERIFIED,
    );

    const token = await verificationToken(inbox, credentials.email);
    await dataOf(await new HttpClient(server.baseUrl).mutate("links.verifyEmail", { token }));
    // Refused, not ended: the same session works once the address is proven.
    const sessions = await dataOf<unknown[]>(await now.query("session.list"));
    expect(sessions).toHaveLength(1);
    const viaJwt = await api.request("/api/trpc/session.list", {
      headers: { authorization: `Bearer ${jwt}` },
    });
    expect(viaJwt.status).toBe(200);
  });
});

describe.each(databaseKinds)("EMAIL_VERIFICATION=off on %s", (kind) => {
  const inbox = useSmtpInbox();
  const server = useTestServer(kind, withSmtp(inbox, { EMAIL_VERIFICATION: "off" }));

  it("sign-up mails nothing, the address stays unverified with no notice, and asking for a link sends none", async () => {
    const credentials = newCredentials("unverified");
    const client = new HttpClient(server.baseUrl);
    expect((await client.signUp(credentials)).status).toBe(200);
    const current = await dataOf<Current>(await client.query("session.current"));
    expect(current.user).toMatchObject({ emailVerified: false, emailVerification: "off" });
    expect(
      await dataOf(await client.mutate("links.requestVerification", { email: credentials.email })),
    ).toEqual({ sent: true });
    // The sign-up's mail would have been queued before its answer: nothing was.
    expect(await outboxTo(server.database.db, credentials.email)).toEqual([]);
    expect(inbox.received.filter((mail) => mail.to === credentials.email)).toEqual([]);
  });
});
