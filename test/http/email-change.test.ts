/**
 * Changing the address through the real HTTP server and a real SMTP server (ADR 0027): nothing
 * changes until the new address opens its link; then the old address is told, with an undo link
 * that puts it back and ends every session, even after a later change; an address taken in the
 * meantime is refused at confirmation; after an undo, links the taken-back addresses hold open
 * nothing. With EMAIL_VERIFICATION=off the change is immediate.
 */
import { describe, expect, it } from "vitest";
import { ErrorReason } from "../../shared/errors";
import { newCredentials } from "../support/device";
import { databaseKinds } from "../support/environment";
import { useSmtpInbox, useTestServer, withSmtp } from "../support/fixtures";
import { HttpClient } from "../support/http-client";
import { outboxTo } from "../support/mailbox";
import { eventsOf, userIdOf } from "../support/sessions";
import { linkToken, type ReceivedMail, type SmtpInbox } from "../support/smtp-inbox";
import { dataOf, expectTrpcFailure } from "../support/trpc-http";

interface Current {
  user: { email: string; emailVerified: boolean };
}

/** The `nth` mail to `to` whose subject matches, once it arrived. */
async function nthMail(inbox: SmtpInbox, to: string, subject: RegExp, nth = 1) {
  const matching = () => inbox.received.filter((m) => m.to === to && subject.test(m.subject));
  await inbox.waitFor(() => matching().length >= nth);
  return matching()[nth - 1] as ReceivedMail;
}

const CONFIRM = /Confirm your new/;
const NOTICE = /address was changed/;

describe.each(databaseKinds)("email change on %s", (kind) => {
  const inbox = useSmtpInbox();
  const server = useTestServer(kind, withSmtp(inbox));

  async function signedUp(prefix = "change") {
    const credentials = newCredentials(prefix);
    const laptop = new HttpClient(server.baseUrl);
    expect((await laptop.signUp(credentials)).status).toBe(200);
    return { credentials, laptop, userId: await userIdOf(server.database.db, credentials.email) };
  }

  const stranger = () => new HttpClient(server.baseUrl);
  const emailOf = async (client: HttpClient) =>
    (await dataOf<Current>(await client.query("session.current"))).user;
  const signInStatus = async (email: string, password: string) =>
    (await new HttpClient(server.baseUrl).signIn({ email, password })).status;

  /** Asks for the change from `client`, opens the link sent to the new address; returns the undo token sent to the old one. */
  async function changeAndConfirm(client: HttpClient, oldEmail: string, newEmail: string) {
    expect(await dataOf(await client.mutate("account.changeEmail", { newEmail }))).toEqual({
      status: "pending",
      email: newEmail,
    });
    const confirm = linkToken(await nthMail(inbox, newEmail, CONFIRM), "/confirm-email");
    expect(
      await dataOf(await stranger().mutate("links.confirmEmailChange", { token: confirm })),
    ).toEqual({ email: newEmail });
    const notices = inbox.received.filter((m) => m.to === oldEmail && NOTICE.test(m.subject));
    return linkToken(
      await nthMail(inbox, oldEmail, NOTICE, notices.length + 1),
      "/undo-email-change",
    );
  }

  it("asking changes nothing: the answer is pending, the link goes to the new address, and the old one still signs in", async () => {
    const { credentials, laptop } = await signedUp();
    const newEmail = newCredentials("new").email;
    const answer = await laptop.mutate("account.changeEmail", { newEmail: newEmail.toUpperCase() });
    expect(await dataOf(answer)).toEqual({ status: "pending", email: newEmail });
    expect(await emailOf(laptop)).toMatchObject({ email: credentials.email });
    const pending = await dataOf<{ email: string; expiresAt: string }>(
      await laptop.query("account.pendingEmailChange"),
    );
    expect(pending.email).toBe(newEmail);
    const lifetimeMs = new Date(pending.expiresAt).getTime() - Date.now();
    expect(lifetimeMs).toBeGreaterThan(24 * 3600_000 - 60_000);
    expect(lifetimeMs).toBeLessThanOrEqual(24 * 3600_000);

    const mail = await nthMail(inbox, newEmail, CONFIRM);
    expect(mail.text).toContain(`${server.baseUrl}/confirm-email#token=`);
    expect(mail.text).toContain("Nothing changes until you confirm it");
    expect(
      inbox.received.filter((m) => m.to === credentials.email && CONFIRM.test(m.subject)),
    ).toEqual([]);
    expect(await signInStatus(credentials.email, credentials.password)).toBe(200);
    expect(await signInStatus(newEmail, credentials.password)).toBe(401);
  });

  it("the link makes the change on every device at once, verified; the old address is told with an undo link, and its old verification link is void", async () => {
    const { credentials, laptop, userId } = await signedUp();
    const phone = new HttpClient(server.baseUrl);
    expect((await phone.signIn(credentials)).status).toBe(200);
    const oldVerification = linkToken(
      await nthMail(inbox, credentials.email, /Verify/),
      "/verify-email",
    );
    const newEmail = newCredentials("moved").email;
    await changeAndConfirm(laptop, credentials.email, newEmail);

    for (const device of [laptop, phone]) {
      expect(await emailOf(device)).toEqual(
        expect.objectContaining({ email: newEmail, emailVerified: true }),
      );
    }
    expect(await dataOf(await laptop.query("account.pendingEmailChange"))).toBeNull();
    const notice = await nthMail(inbox, credentials.email, NOTICE);
    expect(notice.text).toContain(`changed from ${credentials.email} to ${newEmail}`);
    expect(notice.text).toContain(`${server.baseUrl}/undo-email-change#token=`);
    expect(notice.text).toContain("undo it within 7 days");
    expect(await signInStatus(newEmail, credentials.password)).toBe(200);
    expect(await signInStatus(credentials.email, credentials.password)).toBe(401);
    // A link proving the old address proves nothing about the new one.
    await expectTrpcFailure(
      await stranger().mutate("links.verifyEmail", { token: oldVerification }),
      400,
      "BAD_REQUEST",
      ErrorReason.LINK_INVALID,
    );
    const types = (await eventsOf(server.database.db, userId)).map((e) => e.type);
    expect(types).toContain("email_changed");
  });

  it("undo puts the old address back and ends every session as email_change_undone, even after a second change", async () => {
    const { credentials, laptop, userId } = await signedUp();
    const phone = new HttpClient(server.baseUrl);
    expect((await phone.signIn(credentials)).status).toBe(200);
    const second = newCredentials("second").email;
    const third = newCredentials("third").email;
    const undoFirst = await changeAndConfirm(laptop, credentials.email, second);
    await changeAndConfirm(laptop, second, third);

    const undone = await stranger().mutate("links.undoEmailChange", { token: undoFirst });
    expect(await dataOf(undone)).toEqual({ email: credentials.email, sessionsEnded: 2 });
    for (const device of [laptop, phone]) {
      await expectTrpcFailure(
        await device.query("session.list"),
        401,
        "UNAUTHORIZED",
        ErrorReason.SESSION_REVOKED,
      );
    }
    const events = await eventsOf(server.database.db, userId);
    expect(events.filter((e) => e.type === "revoked").map((e) => e.reason)).toEqual([
      "email_change_undone",
      "email_change_undone",
    ]);
    expect(events.filter((e) => e.type === "email_change_undone")).toHaveLength(1);
    expect(await signInStatus(credentials.email, credentials.password)).toBe(200);
    expect(await signInStatus(second, credentials.password)).toBe(401);
    expect(await signInStatus(third, credentials.password)).toBe(401);
    await expectTrpcFailure(
      await stranger().mutate("links.undoEmailChange", { token: undoFirst }),
      400,
      "BAD_REQUEST",
      ErrorReason.LINK_USED,
    );
  });

  it("after an undo, what the taken-back address holds opens nothing: the later change's undo link, a reset link, a pending change", async () => {
    const { credentials, laptop } = await signedUp();
    const intruder = newCredentials("intruder").email;
    const elsewhere = newCredentials("elsewhere").email;
    // Someone with a session moves the account to their address, asks for a reset link there,
    // moves it once more (their address gets that change's undo link) and starts a third change.
    const undoByOwner = await changeAndConfirm(laptop, credentials.email, intruder);
    await dataOf(await stranger().mutate("links.requestPasswordReset", { email: intruder }));
    const resetAtIntruder = linkToken(await nthMail(inbox, intruder, /Reset/), "/reset-password");
    const undoByIntruder = await changeAndConfirm(laptop, intruder, elsewhere);
    await dataOf(
      await laptop.mutate("account.changeEmail", { newEmail: newCredentials("next").email }),
    );

    await dataOf(await stranger().mutate("links.undoEmailChange", { token: undoByOwner }));

    await expectTrpcFailure(
      await stranger().mutate("links.undoEmailChange", { token: undoByIntruder }),
      400,
      "BAD_REQUEST",
      ErrorReason.LINK_USED,
    );
    await expectTrpcFailure(
      await stranger().mutate("links.resetPassword", {
        token: resetAtIntruder,
        newPassword: "the intruder's password",
      }),
      400,
      "BAD_REQUEST",
      ErrorReason.LINK_USED,
    );
    const signedIn = new HttpClient(server.baseUrl);
    expect((await signedIn.signIn(credentials)).status).toBe(200);
    expect(await emailOf(signedIn)).toMatchObject({ email: credentials.email });
    expect(await dataOf(await signedIn.query("account.pendingEmailChange"))).toBeNull();
  });

  it("the intruder's own later undo link does not void the owner's earlier one: the owner still takes the address back", async () => {
    const { credentials, laptop } = await signedUp();
    const intruder = newCredentials("intruder").email;
    const intruderAgain = newCredentials("intruder-again").email;
    // With a stolen session, the intruder moves the account to their address (the owner gets an
    // undo link), then once more, so that their own address gets the second change's undo link.
    const undoByOwner = await changeAndConfirm(laptop, credentials.email, intruder);
    const undoByIntruder = await changeAndConfirm(laptop, intruder, intruderAgain);

    expect(
      await dataOf(await stranger().mutate("links.undoEmailChange", { token: undoByIntruder })),
    ).toMatchObject({ email: intruder });

    expect(
      await dataOf(await stranger().mutate("links.undoEmailChange", { token: undoByOwner })),
    ).toMatchObject({ email: credentials.email });
    expect(await signInStatus(credentials.email, credentials.password)).toBe(200);
    expect(await signInStatus(intruder, credentials.password)).toBe(401);
  });

  it("a reset link sent to the old address stops working once the new address is confirmed", async () => {
    const { credentials, laptop } = await signedUp();
    // The old mailbox is someone else's now (a lost job, a breach): its holder asked for a reset
    // link just before the owner moved the account away.
    await dataOf(
      await stranger().mutate("links.requestPasswordReset", { email: credentials.email }),
    );
    const resetAtOld = linkToken(
      await nthMail(inbox, credentials.email, /Reset/),
      "/reset-password",
    );
    await changeAndConfirm(laptop, credentials.email, newCredentials("moved-away").email);

    await expectTrpcFailure(
      await stranger().mutate("links.resetPassword", {
        token: resetAtOld,
        newPassword: "the old mailbox's password",
      }),
      400,
      "BAD_REQUEST",
      ErrorReason.LINK_USED,
    );
    expect((await laptop.query("session.current")).status).toBe(200);
  });

  it("an address another account took before the link was opened is refused with 409 EMAIL_TAKEN, and nothing changes", async () => {
    const { credentials, laptop } = await signedUp();
    const contested = newCredentials("contested");
    expect(
      await dataOf(await laptop.mutate("account.changeEmail", { newEmail: contested.email })),
    ).toMatchObject({ status: "pending" });
    const confirm = linkToken(await nthMail(inbox, contested.email, CONFIRM), "/confirm-email");
    // Free when asked for, taken before confirmation.
    expect((await new HttpClient(server.baseUrl).signUp(contested)).status).toBe(200);
    await expectTrpcFailure(
      await stranger().mutate("links.confirmEmailChange", { token: confirm }),
      409,
      "CONFLICT",
      ErrorReason.EMAIL_TAKEN,
    );
    expect(await emailOf(laptop)).toMatchObject({ email: credentials.email });
    expect(
      inbox.received.filter((m) => m.to === credentials.email && NOTICE.test(m.subject)),
    ).toEqual([]);
  });

  it("a newer change replaces the pending one: the older link is LINK_USED", async () => {
    const { credentials, laptop } = await signedUp();
    const first = newCredentials("first").email;
    const second = newCredentials("second").email;
    await dataOf(await laptop.mutate("account.changeEmail", { newEmail: first }));
    await dataOf(await laptop.mutate("account.changeEmail", { newEmail: second }));
    expect(await dataOf(await laptop.query("account.pendingEmailChange"))).toMatchObject({
      email: second,
    });
    const older = linkToken(await nthMail(inbox, first, CONFIRM), "/confirm-email");
    await expectTrpcFailure(
      await stranger().mutate("links.confirmEmailChange", { token: older }),
      400,
      "BAD_REQUEST",
      ErrorReason.LINK_USED,
    );
    expect(await emailOf(laptop)).toMatchObject({ email: credentials.email });
  });
});

describe.each(databaseKinds)("email change with EMAIL_VERIFICATION=off on %s", (kind) => {
  const inbox = useSmtpInbox();
  const server = useTestServer(kind, withSmtp(inbox, { EMAIL_VERIFICATION: "off" }));

  it("changes the address at once, unverified, and mails nobody", async () => {
    const credentials = newCredentials("immediate");
    const client = new HttpClient(server.baseUrl);
    expect((await client.signUp(credentials)).status).toBe(200);
    const newEmail = newCredentials("immediate-new").email;
    expect(await dataOf(await client.mutate("account.changeEmail", { newEmail }))).toEqual({
      status: "changed",
      email: newEmail,
    });
    const current = await dataOf<Current>(await client.query("session.current"));
    expect(current.user).toMatchObject({ email: newEmail, emailVerified: false });
    expect(
      (await new HttpClient(server.baseUrl).signIn({ ...credentials, email: newEmail })).status,
    ).toBe(200);
    expect(await dataOf(await client.query("account.pendingEmailChange"))).toBeNull();
    for (const address of [credentials.email, newEmail]) {
      expect(await outboxTo(server.database.db, address)).toEqual([]);
    }
  });
});
