/**
 * New-device alerts through the real HTTP server and a real SMTP server: the account's first
 * device and a known one (same browser family and /24 network) are not mailed; another network
 * or browser is, with the device, network and time and a "This wasn't me" link that ends exactly
 * that session from a client with no session; at most 3 alerts an hour, a cleanup run included;
 * NEW_DEVICE_ALERTS=off mails none. Client IPs vary through X-Forwarded-For from a trusted proxy.
 * An alert is queued before the sign-in answers, so the outbox is final when the answer arrives.
 */
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { knownDevice } from "../../db/schema";
import { ALERTS_PER_ACCOUNT } from "../../server/account/mail-limits";
import { cleanupPolicy, runSessionCleanup } from "../../server/sessions/lifecycle/cleanup";
import { ErrorReason } from "../../shared/errors";
import { type Credentials, newCredentials, SAFARI_IPHONE } from "../support/device";
import { databaseKinds } from "../support/environment";
import { useSmtpInbox, useTestServer, withSmtp } from "../support/fixtures";
import { HttpClient } from "../support/http-client";
import { outboxTo } from "../support/mailbox";
import { eventsOf, userIdOf } from "../support/sessions";
import { linkToken, linkUrl } from "../support/smtp-inbox";
import { dataOf, expectTrpcFailure } from "../support/trpc-http";

const FIREFOX_133 = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
const HOUR_MS = 60 * 60 * 1000;

let networkCounter = 0;
/** An address in a /24 network no other sign-in of this file used. */
function newNetwork(host = 7): string {
  networkCounter += 1;
  return `10.${Math.floor(networkCounter / 250)}.${networkCounter % 250}.${host}`;
}

function browserAt(baseUrl: string, ip: string, userAgent?: string): HttpClient {
  const client = new HttpClient(baseUrl, baseUrl, userAgent);
  client.defaultHeaders = { "x-forwarded-for": ip };
  return client;
}

interface ReportedSignIn {
  device: string;
  network: string;
  at: string;
}

describe.each(databaseKinds)("new-device alerts on %s", (kind) => {
  const inbox = useSmtpInbox();
  const server = useTestServer(kind, withSmtp(inbox, { TRUSTED_PROXIES: "127.0.0.1" }));
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Signed up on a Firefox laptop at home (the account's first device). */
  async function signedUp() {
    const credentials = newCredentials("alerts");
    const home = newNetwork();
    const laptop = browserAt(server.baseUrl, home);
    expect((await laptop.signUp(credentials)).status).toBe(200);
    return {
      credentials,
      laptop,
      home,
      userId: await userIdOf(server.database.db, credentials.email),
    };
  }

  async function signIn(credentials: Credentials, ip: string, userAgent?: string) {
    const client = browserAt(server.baseUrl, ip, userAgent);
    expect((await client.signIn(credentials)).status).toBe(200);
    return client;
  }

  const alertsQueuedFor = async (email: string) =>
    (await outboxTo(server.database.db, email, "new_device")).length;

  async function alertMail(email: string, nth = 1) {
    const alerts = () =>
      inbox.received.filter((m) => m.to === email && /New sign-in/.test(m.subject));
    await inbox.waitFor(() => alerts().length >= nth);
    const mail = alerts()[nth - 1];
    if (!mail) throw new Error("unreachable");
    return mail;
  }

  const stranger = () => new HttpClient(server.baseUrl);

  it("the first device (sign-up) and a known one (same browser family, same /24, a newer version) are not mailed", async () => {
    const { credentials, home } = await signedUp();
    const sameNetwork = home.replace(/\.\d+$/, ".200");
    await signIn(credentials, sameNetwork, FIREFOX_133);
    await signIn(credentials, home);
    expect(await alertsQueuedFor(credentials.email)).toBe(0);
  });

  it("another network, or another browser family, is mailed: device, network and time, and a /not-me link", async () => {
    const { credentials, home, userId } = await signedUp();
    const elsewhere = newNetwork(42);
    const before = Math.floor(Date.now() / 1000) * 1000;
    await signIn(credentials, elsewhere);
    const after = Date.now();
    expect(await alertsQueuedFor(credentials.email)).toBe(1);
    const mail = await alertMail(credentials.email);
    expect(mail.text).toContain("Device: Firefox 132 on Linux");
    expect(mail.text).toContain(
      `Network: ${elsewhere} (network ${elsewhere.replace(/\.\d+$/, ".0")}/24)`,
    );
    const at = Date.parse(mail.text.match(/Time: (.+)/)?.[1] ?? "");
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(after);
    expect(linkUrl(mail, "/not-me")).toMatch(new RegExp(`^${server.baseUrl}/not-me#token=`));

    await signIn(credentials, home, SAFARI_IPHONE);
    expect(await alertsQueuedFor(credentials.email)).toBe(2);
    expect((await alertMail(credentials.email, 2)).text).toMatch(/Device: Safari [\d.]+ on iOS/);
    const known = await server.database.db
      .select({ key: knownDevice.deviceKey })
      .from(knownDevice)
      .where(eq(knownDevice.userId, userId));
    expect(known).toHaveLength(3);
  });

  it("names only browsers it knows: words of the intruder's user agent never reach the alert or the /not-me page", async () => {
    const { credentials } = await signedUp();
    const lure = "Routine check by Typed Sessions, nothing to do";
    const userAgents = [
      `${lure}/1.0 (X11; Linux x86_64)`,
      `Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/${lure.replaceAll(" ", "-")}`,
    ];
    for (const [nth, userAgent] of userAgents.entries()) {
      await signIn(credentials, newNetwork(), userAgent);
      const mail = await alertMail(credentials.email, nth + 1);
      expect(mail.text).toMatch(/Device: (Firefox on )?Linux\n/);
      expect(`${mail.text}${mail.html}`).not.toMatch(/Routine/i);
      const token = linkToken(mail, "/not-me");
      const shown = await dataOf<ReportedSignIn>(
        await stranger().mutate("links.describeReportedSignIn", { token }),
      );
      expect(shown.device).not.toMatch(/Routine/i);
    }
  });

  it("'This wasn't me', from a client with no session, ends exactly the reported session; the link is shown first without being used, and works once", async () => {
    const { credentials, laptop, userId } = await signedUp();
    const intruderIp = newNetwork(66);
    const intruder = await signIn(credentials, intruderIp, SAFARI_IPHONE);
    const token = linkToken(await alertMail(credentials.email), "/not-me");

    const described = await dataOf<ReportedSignIn>(
      await stranger().mutate("links.describeReportedSignIn", { token }),
    );
    expect(described.device).toMatch(/^Safari [\d.]+ on iOS [\d.]+$/);
    expect(described.network).toContain(intruderIp);
    // Looking does not use the link up, however often.
    expect(
      await dataOf(await stranger().mutate("links.describeReportedSignIn", { token })),
    ).toEqual(described);
    expect((await intruder.query("session.list")).status).toBe(200);

    const owner = browserAt(server.baseUrl, "192.0.2.15");
    const ended = await owner.mutate("links.endReportedSession", { token });
    expect(await dataOf(ended)).toEqual({ ended: true, signIn: described });
    expect(ended.headers.getSetCookie()).toEqual([]);
    await expectTrpcFailure(
      await intruder.query("session.list"),
      401,
      "UNAUTHORIZED",
      ErrorReason.SESSION_REVOKED,
    );
    // The owner's own device is untouched.
    const left = await dataOf<Array<{ isCurrent: boolean }>>(await laptop.query("session.list"));
    expect(left).toEqual([expect.objectContaining({ isCurrent: true })]);

    for (const procedure of ["links.endReportedSession", "links.describeReportedSignIn"]) {
      await expectTrpcFailure(
        await stranger().mutate(procedure, { token }),
        400,
        "BAD_REQUEST",
        ErrorReason.LINK_USED,
      );
    }
    const notMe = (await eventsOf(server.database.db, userId)).filter((e) => e.reason === "not_me");
    expect(notMe).toEqual([
      expect.objectContaining({ type: "revoked", actorUserId: userId, ipAddress: "192.0.2.15" }),
    ]);
    const activity = await dataOf<{ events: Array<{ type: string; reason: string | null }> }>(
      await laptop.query("session.activity", { limit: 10 }),
    );
    expect(activity.events).toContainEqual(
      expect.objectContaining({ type: "revoked", reason: "not_me" }),
    );
  });

  it.each([
    {
      how: "re-authenticates",
      replace: (intruder: HttpClient, credentials: Credentials) =>
        intruder.mutate("session.reauthenticate", { password: credentials.password }),
    },
    {
      how: "signs in again in the same browser",
      replace: (intruder: HttpClient, credentials: Credentials) => intruder.signIn(credentials),
    },
  ])(
    "the link still ends the reported sign-in after the intruder $how (a new session replaced it)",
    async ({ replace }) => {
      const { credentials, laptop } = await signedUp();
      const intruder = await signIn(credentials, newNetwork(), SAFARI_IPHONE);
      const token = linkToken(await alertMail(credentials.email), "/not-me");
      const before = intruder.sessionToken();
      expect((await replace(intruder, credentials)).status).toBe(200);
      expect(intruder.sessionToken()).not.toBe(before);
      expect((await intruder.query("session.list")).status).toBe(200);

      const answer = await stranger().mutate("links.endReportedSession", { token });
      expect(await dataOf<{ ended: boolean }>(answer)).toMatchObject({ ended: true });
      await expectTrpcFailure(
        await intruder.query("session.list"),
        401,
        "UNAUTHORIZED",
        ErrorReason.SESSION_REVOKED,
      );
      expect((await laptop.query("session.list")).status).toBe(200);
    },
  );

  it("a reported session that has already ended is left so: ended false", async () => {
    const { credentials } = await signedUp();
    const intruder = await signIn(credentials, newNetwork());
    const token = linkToken(await alertMail(credentials.email), "/not-me");
    expect((await intruder.postJson("/api/auth/sign-out", {})).status).toBe(200);
    const answer = await dataOf<{ ended: boolean }>(
      await stranger().mutate("links.endReportedSession", { token }),
    );
    expect(answer.ended).toBe(false);
  });

  it(`mails at most ${ALERTS_PER_ACCOUNT.max} alerts an hour, a cleanup run in between included; the next hour mails again`, async () => {
    expect(ALERTS_PER_ACCOUNT).toEqual({ max: 3, windowSec: 3600 });
    const T0 = Date.now();
    vi.useFakeTimers({ toFake: ["Date"], now: T0 });
    const { credentials, userId } = await signedUp();
    for (let i = 0; i < 6; i += 1) await signIn(credentials, newNetwork());
    expect(await alertsQueuedFor(credentials.email)).toBe(3);
    // Every device was learned all the same: none of them is mailed later.
    const known = await server.database.db
      .select({ key: knownDevice.deviceKey })
      .from(knownDevice)
      .where(eq(knownDevice.userId, userId));
    expect(known).toHaveLength(7);

    // The cleanup prunes ended rate-limit counters: not this one, whose hour has not ended.
    vi.setSystemTime(T0 + 20 * 60 * 1000);
    await runSessionCleanup(server.database, cleanupPolicy(server.deps.config));
    await signIn(credentials, newNetwork());
    expect(await alertsQueuedFor(credentials.email)).toBe(3);

    vi.setSystemTime(T0 + HOUR_MS - 1);
    await signIn(credentials, newNetwork());
    expect(await alertsQueuedFor(credentials.email)).toBe(3);
    vi.setSystemTime(T0 + HOUR_MS);
    await signIn(credentials, newNetwork());
    expect(await alertsQueuedFor(credentials.email)).toBe(4);
  });
});

describe.each(databaseKinds)("NEW_DEVICE_ALERTS=off on %s", (kind) => {
  const inbox = useSmtpInbox();
  const server = useTestServer(
    kind,
    withSmtp(inbox, { TRUSTED_PROXIES: "127.0.0.1", NEW_DEVICE_ALERTS: "off" }),
  );

  it("mails no alert for a sign-in from another network and browser", async () => {
    const credentials = newCredentials("no-alerts");
    expect((await browserAt(server.baseUrl, newNetwork()).signUp(credentials)).status).toBe(200);
    const elsewhere = browserAt(server.baseUrl, newNetwork(), SAFARI_IPHONE);
    expect((await elsewhere.signIn(credentials)).status).toBe(200);
    expect(await outboxTo(server.database.db, credentials.email, "new_device")).toEqual([]);
  });
});
