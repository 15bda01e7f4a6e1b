/**
 * The single-use links sent by mail (server/account/links.ts), attacked through the router: two
 * parallel uses, the instant of expiry (fake time: only Date, a millisecond on either side), a
 * forged token of the right shape, malformed tokens, a link of one purpose used for another, a
 * link replaced by a newer mail, and what the database keeps of a token. Mail is kept in the
 * outbox (no SMTP_URL), where the tests read the links as a person reads them in the mail.
 */
import { createHash, randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { accountLink } from "../../db/schema";
import { LINK_LIFETIME_SEC } from "../../server/account/links";
import { ErrorReason } from "../../shared/errors";
import { Device, newCredentials } from "../support/device";
import { databaseKinds } from "../support/environment";
import { expectTrpcError } from "../support/errors";
import { useTestApp } from "../support/fixtures";
import { tokenInText, waitForOutboxMail } from "../support/mailbox";
import { userIdOf } from "../support/sessions";

const T0 = new Date("2026-05-04T08:00:00.000Z").getTime();
const NEW_PASSWORD = "a brand new password 1";

describe.each(databaseKinds)("links sent by mail on %s", (kind) => {
  const app = useTestApp(kind);
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Someone with no session, as whoever opens a mail is. */
  const stranger = () => new Device(app.deps, undefined, "192.0.2.50");

  async function signedUp() {
    const credentials = newCredentials("links");
    const device = new Device(app.deps);
    await device.signUp(credentials);
    return { credentials, device, userId: await userIdOf(app.database.db, credentials.email) };
  }

  /** Asks for a reset link (the `nth` mail of that kind to the address) and reads its token. */
  async function resetToken(email: string, nth = 1): Promise<string> {
    await stranger().call((c) => c.links.requestPasswordReset({ email }));
    const mail = await waitForOutboxMail(app.database.db, email, "password_reset", nth);
    return tokenInText(mail.textBody, "/reset-password");
  }

  /** The token of the `nth` verification mail to the address (the sign-up sent the first). */
  async function verifyToken(email: string, nth = 1): Promise<string> {
    const mail = await waitForOutboxMail(app.database.db, email, "verify_email", nth);
    return tokenInText(mail.textBody, "/verify-email");
  }

  const reset = (token: string, newPassword = NEW_PASSWORD) =>
    stranger().call((c) => c.links.resetPassword({ token, newPassword }));

  async function signsIn(email: string, password: string): Promise<boolean> {
    return new Device(app.deps).signIn({ email, password }).then(
      () => true,
      () => false,
    );
  }

  it("of two parallel uses of a reset link exactly one succeeds; the other, and any later one, is LINK_USED", async () => {
    const { credentials } = await signedUp();
    const token = await resetToken(credentials.email);
    const outcomes = await Promise.allSettled([
      reset(token, "first parallel password"),
      reset(token, "second parallel password"),
    ]);
    const won = outcomes.findIndex((outcome) => outcome.status === "fulfilled");
    const lost = outcomes.find((outcome) => outcome.status === "rejected");
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
    await expectTrpcError(Promise.reject(lost?.reason), "BAD_REQUEST", ErrorReason.LINK_USED);
    const winner = won === 0 ? "first parallel password" : "second parallel password";
    const loser = won === 0 ? "second parallel password" : "first parallel password";
    expect(await signsIn(credentials.email, winner)).toBe(true);
    expect(await signsIn(credentials.email, loser)).toBe(false);
    await expectTrpcError(
      reset(token, "third password ever"),
      "BAD_REQUEST",
      ErrorReason.LINK_USED,
    );
    expect(await signsIn(credentials.email, winner)).toBe(true);
  });

  it("a verification link used twice in parallel verifies once; the second is LINK_USED", async () => {
    const { credentials } = await signedUp();
    const token = await verifyToken(credentials.email);
    const outcomes = await Promise.allSettled([
      stranger().call((c) => c.links.verifyEmail({ token })),
      stranger().call((c) => c.links.verifyEmail({ token })),
    ]);
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(["fulfilled", "rejected"]);
    const lost = outcomes.find((outcome) => outcome.status === "rejected");
    await expectTrpcError(Promise.reject(lost?.reason), "BAD_REQUEST", ErrorReason.LINK_USED);
  });

  describe.each([
    {
      purpose: "reset_password" as const,
      lifetimeSec: 60 * 60,
      tokenFor: (email: string) => resetToken(email),
      use: (token: string) => reset(token),
    },
    {
      purpose: "verify_email" as const,
      lifetimeSec: 24 * 60 * 60,
      tokenFor: (email: string) => verifyToken(email),
      use: (token: string) => stranger().call((c) => c.links.verifyEmail({ token })),
    },
  ])("$purpose links expire after $lifetimeSec s", ({ purpose, lifetimeSec, tokenFor, use }) => {
    it("the documented lifetime", () => {
      expect(LINK_LIFETIME_SEC[purpose]).toBe(lifetimeSec);
    });

    it("works 1 ms before the end of its lifetime", async () => {
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(T0);
      const { credentials } = await signedUp();
      const token = await tokenFor(credentials.email);
      vi.setSystemTime(T0 + lifetimeSec * 1000 - 1);
      await expect(use(token)).resolves.toBeDefined();
    });

    it("is LINK_EXPIRED at the end of its lifetime, and stays so (not used up by the attempt)", async () => {
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(T0);
      const { credentials } = await signedUp();
      const token = await tokenFor(credentials.email);
      vi.setSystemTime(T0 + lifetimeSec * 1000);
      await expectTrpcError(use(token), "BAD_REQUEST", ErrorReason.LINK_EXPIRED);
      vi.setSystemTime(T0 + lifetimeSec * 1000 + 60_000);
      await expectTrpcError(use(token), "BAD_REQUEST", ErrorReason.LINK_EXPIRED);
      const [row] = await app.database.db
        .select({ usedAt: accountLink.usedAt })
        .from(accountLink)
        .where(eq(accountLink.tokenHash, sha256(token)));
      expect(row).toEqual({ usedAt: null });
      // Nothing changed: the old password still signs in.
      vi.useRealTimers();
      expect(await signsIn(credentials.email, credentials.password)).toBe(true);
    });
  });

  it("a forged token of the right shape is LINK_INVALID at every link procedure", async () => {
    const forged = randomBytes(32).toString("base64url");
    const device = stranger();
    await expectTrpcError(reset(forged), "BAD_REQUEST", ErrorReason.LINK_INVALID);
    const procedures = [
      () => device.call((c) => c.links.checkResetLink({ token: forged })),
      () => device.call((c) => c.links.verifyEmail({ token: forged })),
      () => device.call((c) => c.links.confirmEmailChange({ token: forged })),
      () => device.call((c) => c.links.undoEmailChange({ token: forged })),
      () => device.call((c) => c.links.describeReportedSignIn({ token: forged })),
      () => device.call((c) => c.links.endReportedSession({ token: forged })),
    ];
    for (const call of procedures) {
      await expectTrpcError(call(), "BAD_REQUEST", ErrorReason.LINK_INVALID);
    }
  });

  it("what the table stores of a token opens nothing: it is the SHA-256, and no row holds the token", async () => {
    const { credentials, userId } = await signedUp();
    const token = await resetToken(credentials.email);
    const rows = await app.database.db
      .select()
      .from(accountLink)
      .where(eq(accountLink.userId, userId));
    // The sign-up's verification link and the reset link.
    expect(rows.map((row) => row.purpose).sort()).toEqual(["reset_password", "verify_email"]);
    const stored = rows.find((row) => row.purpose === "reset_password");
    expect(stored?.tokenHash).toBe(sha256(token));
    expect(JSON.stringify(rows)).not.toContain(token);
    // Whoever holds a copy of the table has a hash, not a link: neither it nor a cut of it works.
    const hash = stored?.tokenHash ?? "";
    await expectTrpcError(reset(hash), "BAD_REQUEST");
    await expectTrpcError(reset(hash.slice(0, 43)), "BAD_REQUEST", ErrorReason.LINK_INVALID);
    await expect(reset(token)).resolves.toEqual({ sessionsEnded: 1 });
  });

  it("a malformed token is BAD_REQUEST with the zod issue on `token`, and nothing is looked up", async () => {
    const valid = randomBytes(32).toString("base64url");
    const malformed: unknown[] = [
      "",
      "short",
      valid.slice(0, 42),
      `${valid}A`,
      `${valid.slice(0, 42)}=`,
      `${valid.slice(0, 42)}.`,
      ` ${valid.slice(0, 42)}`,
      `${valid.slice(0, 42)}\u0000`,
      "x".repeat(1_000_000),
      42,
      null,
      { token: valid },
      [valid],
    ];
    for (const token of malformed) {
      const error = await expectTrpcError(
        stranger().call((c) => c.links.verifyEmail({ token } as { token: string })),
        "BAD_REQUEST",
      );
      expect(error.cause?.name, String(token).slice(0, 60)).toBe("ZodError");
      const issues = (error.cause as unknown as { issues: Array<{ path: unknown[] }> }).issues;
      expect(issues.map((issue) => issue.path)).toEqual([["token"]]);
    }
    const missing = await expectTrpcError(
      stranger().call((c) => c.links.resetPassword({ newPassword: NEW_PASSWORD } as never)),
      "BAD_REQUEST",
    );
    expect(missing.cause?.name).toBe("ZodError");
  });

  it("a link works only for its purpose: a verification token cannot reset, a reset token cannot verify, nor end a session", async () => {
    const { credentials } = await signedUp();
    const verify = await verifyToken(credentials.email);
    const resetting = await resetToken(credentials.email);
    const device = stranger();
    await expectTrpcError(reset(verify), "BAD_REQUEST", ErrorReason.LINK_INVALID);
    await expectTrpcError(
      device.call((c) => c.links.verifyEmail({ token: resetting })),
      "BAD_REQUEST",
      ErrorReason.LINK_INVALID,
    );
    for (const token of [verify, resetting]) {
      await expectTrpcError(
        device.call((c) => c.links.endReportedSession({ token })),
        "BAD_REQUEST",
        ErrorReason.LINK_INVALID,
      );
      await expectTrpcError(
        device.call((c) => c.links.undoEmailChange({ token })),
        "BAD_REQUEST",
        ErrorReason.LINK_INVALID,
      );
    }
    // The misuses used nothing up: each still works for what it was sent for.
    expect(await signsIn(credentials.email, credentials.password)).toBe(true);
    await expect(device.call((c) => c.links.verifyEmail({ token: verify }))).resolves.toEqual({
      email: credentials.email,
    });
    await expect(reset(resetting)).resolves.toEqual({ sessionsEnded: 2 });
  });

  it("a newer reset mail makes the older link LINK_USED; the newer one works", async () => {
    const { credentials } = await signedUp();
    const older = await resetToken(credentials.email, 1);
    const newer = await resetToken(credentials.email, 2);
    expect(newer).not.toBe(older);
    await expectTrpcError(reset(older), "BAD_REQUEST", ErrorReason.LINK_USED);
    expect(await signsIn(credentials.email, NEW_PASSWORD)).toBe(false);
    await expect(reset(newer)).resolves.toEqual({ sessionsEnded: 1 });
    expect(await signsIn(credentials.email, NEW_PASSWORD)).toBe(true);
  });

  it("a verification mail sent again replaces the sign-up's link", async () => {
    const { credentials } = await signedUp();
    const older = await verifyToken(credentials.email, 1);
    await stranger().call((c) => c.links.requestVerification({ email: credentials.email }));
    const newer = await verifyToken(credentials.email, 2);
    const device = stranger();
    await expectTrpcError(
      device.call((c) => c.links.verifyEmail({ token: older })),
      "BAD_REQUEST",
      ErrorReason.LINK_USED,
    );
    await expect(device.call((c) => c.links.verifyEmail({ token: newer }))).resolves.toEqual({
      email: credentials.email,
    });
  });
});

function sha256(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
