import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ZodError, z } from "zod";
import { account, session, user } from "../../db/schema";
import { NAME_MAX_LENGTH } from "../../shared/api-limits";
import { ErrorReason } from "../../shared/errors";
import { type Credentials, Device } from "../support/device";
import { databaseKinds } from "../support/environment";
import { expectTrpcError } from "../support/errors";
import { useTestApp } from "../support/fixtures";
import { tokenInText, waitForOutboxMail } from "../support/mailbox";
import { userWithTwoDevices } from "../support/scenarios";

describe.each(databaseKinds)("account router on %s", (kind) => {
  const app = useTestApp(kind);
  afterEach(() => {
    vi.useRealTimers();
  });

  async function canSignIn(credentials: Pick<Credentials, "email" | "password">) {
    return new Device(app.deps).signIn(credentials).then(
      () => true,
      () => false,
    );
  }

  describe("changePassword", () => {
    it("refuses a wrong current password and changes nothing", async () => {
      const { credentials, laptop, phone } = await userWithTwoDevices(app.deps);
      await expectTrpcError(
        laptop.call((c) =>
          c.account.changePassword({
            currentPassword: "not my password",
            newPassword: "brand new pass 1",
          }),
        ),
        "UNAUTHORIZED",
        ErrorReason.INVALID_PASSWORD,
      );
      expect(await phone.call((c) => c.session.current())).not.toBeNull();
      expect(await canSignIn(credentials)).toBe(true);
    });

    it("ends the other sessions by default and replaces this one with a new token", async () => {
      const { credentials, laptop, phone } = await userWithTwoDevices(app.deps);
      const oldLaptopJar = laptop.jar.clone();
      const oldToken = laptop.sessionToken();
      const newPassword = "brand new pass 2";

      expect(
        await laptop.call((c) =>
          c.account.changePassword({ currentPassword: credentials.password, newPassword }),
        ),
      ).toEqual({ otherSessionsEnded: 1 });

      await expectTrpcError(
        phone.call((c) => c.session.current()),
        "UNAUTHORIZED",
        ErrorReason.SESSION_REVOKED,
      );
      expect(laptop.sessionToken()).not.toBe(oldToken);
      expect(await laptop.call((c) => c.session.list())).toHaveLength(1);
      const replay = new Device(app.deps);
      for (const name of oldLaptopJar.names()) replay.jar.set(name, oldLaptopJar.get(name) ?? "");
      expect(await replay.call((c) => c.session.current())).toBeNull();

      expect(await canSignIn(credentials)).toBe(false);
      expect(await canSignIn({ email: credentials.email, password: newPassword })).toBe(true);
    });

    it("keeps the other sessions when asked to", async () => {
      const { credentials, laptop, phone } = await userWithTwoDevices(app.deps);
      await laptop.call((c) =>
        c.account.changePassword({
          currentPassword: credentials.password,
          newPassword: "brand new pass 3",
          revokeOtherSessions: false,
        }),
      );
      expect(await phone.call((c) => c.session.current())).not.toBeNull();
    });

    it("refuses a weak new password with the zod issues", async () => {
      const { credentials, laptop } = await userWithTwoDevices(app.deps);
      const error = await expectTrpcError(
        laptop.call((c) =>
          c.account.changePassword({ currentPassword: credentials.password, newPassword: "short" }),
        ),
        "BAD_REQUEST",
      );
      expect(error.cause?.name).toBe("ZodError");
      expect(await canSignIn(credentials)).toBe(true);
    });

    it("requires a fresh session", async () => {
      const { credentials, laptop } = await userWithTwoDevices(app.deps);
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(Date.now() + 11 * 60_000);
      await expectTrpcError(
        laptop.call((c) =>
          c.account.changePassword({
            currentPassword: credentials.password,
            newPassword: "brand new pass 4",
          }),
        ),
        "FORBIDDEN",
        ErrorReason.SESSION_NOT_FRESH,
      );
      vi.useRealTimers();
      expect(await canSignIn(credentials)).toBe(true);
    });
  });

  describe("changeEmail", () => {
    it("changes nothing until the new address opens its link; then every device shows it, verified, and it signs in", async () => {
      const { credentials, laptop, phone } = await userWithTwoDevices(app.deps);
      const newEmail = `New-${credentials.email}`.toLowerCase();
      expect(
        await laptop.call((c) => c.account.changeEmail({ newEmail: `New-${credentials.email}` })),
      ).toEqual({ status: "pending", email: newEmail });
      expect((await laptop.call((c) => c.session.current()))?.user.email).toBe(credentials.email);
      expect(await laptop.call((c) => c.account.pendingEmailChange())).toMatchObject({
        email: newEmail,
      });
      expect(await canSignIn({ email: newEmail, password: credentials.password })).toBe(false);

      // The link is in the mail to the new address (kept in the outbox: no SMTP_URL).
      const mail = await waitForOutboxMail(app.database.db, newEmail, "confirm_email_change");
      const token = tokenInText(mail.textBody, "/confirm-email");
      await expect(
        new Device(app.deps).call((c) => c.links.confirmEmailChange({ token })),
      ).resolves.toEqual({ email: newEmail });

      for (const device of [laptop, phone]) {
        const current = await device.call((c) => c.session.current());
        expect(current?.user).toMatchObject({ email: newEmail, emailVerified: true });
      }
      expect(await laptop.call((c) => c.account.pendingEmailChange())).toBeNull();
      expect(await canSignIn({ email: newEmail, password: credentials.password })).toBe(true);
      expect(await canSignIn(credentials)).toBe(false);
    });

    it("refuses an address another account uses, and the same address", async () => {
      const first = await userWithTwoDevices(app.deps);
      const second = await userWithTwoDevices(app.deps);
      await expectTrpcError(
        second.laptop.call((c) => c.account.changeEmail({ newEmail: first.credentials.email })),
        "CONFLICT",
        ErrorReason.EMAIL_TAKEN,
      );
      await expectTrpcError(
        second.laptop.call((c) => c.account.changeEmail({ newEmail: second.credentials.email })),
        "BAD_REQUEST",
        ErrorReason.EMAIL_UNCHANGED,
      );
      await expectTrpcError(
        second.laptop.call((c) => c.account.changeEmail({ newEmail: "not an email" })),
        "BAD_REQUEST",
      );
      const [row] = await app.database.db
        .select({ email: user.email })
        .from(user)
        .where(eq(user.id, second.userId));
      expect(row?.email).toBe(second.credentials.email);
    });
  });

  describe("changeName", () => {
    async function storedUser(userId: string) {
      const [row] = await app.database.db
        .select({ name: user.name, updatedAt: user.updatedAt })
        .from(user)
        .where(eq(user.id, userId));
      return row;
    }

    it("sets the trimmed name, and every device sees it at once", async () => {
      const { laptop, phone, userId } = await userWithTwoDevices(app.deps);
      // Both devices have their session cached before the change.
      await phone.call((c) => c.session.current());
      const before = await storedUser(userId);
      expect(
        await laptop.call((c) => c.account.changeName({ name: "  Zoë O'Brien 山田 " })),
      ).toEqual({ name: "Zoë O'Brien 山田" });
      for (const device of [laptop, phone]) {
        expect((await device.call((c) => c.session.current()))?.user.name).toBe("Zoë O'Brien 山田");
      }
      const after = await storedUser(userId);
      expect(after?.name).toBe("Zoë O'Brien 山田");
      expect(after?.updatedAt.getTime()).toBeGreaterThan(before?.updatedAt.getTime() ?? Infinity);
    });

    it(`accepts exactly ${NAME_MAX_LENGTH} characters`, async () => {
      const { laptop, userId } = await userWithTwoDevices(app.deps);
      const name = "n".repeat(NAME_MAX_LENGTH);
      expect(await laptop.call((c) => c.account.changeName({ name }))).toEqual({ name });
      expect((await storedUser(userId))?.name).toBe(name);
    });

    it("refuses an empty, too long, control-character or malformed name with the zod issues, and changes nothing", async () => {
      const { credentials, laptop, userId } = await userWithTwoDevices(app.deps);
      const before = await storedUser(userId);
      const refused = {
        "": "Enter your name",
        "   ": "Enter your name",
        ["x".repeat(NAME_MAX_LENGTH + 1)]: `Use at most ${NAME_MAX_LENGTH} characters`,
        "tab\there": "control characters",
        "line\nbreak": "control characters",
        "nul\u0000": "control characters",
        "del\u007f": "control characters",
        "lone \ud800 surrogate": "control characters",
      };
      for (const [name, message] of Object.entries(refused)) {
        const error = await expectTrpcError(
          laptop.call((c) => c.account.changeName({ name })),
          "BAD_REQUEST",
        );
        expect(error.cause, JSON.stringify(name)).toBeInstanceOf(ZodError);
        const issues = z.flattenError(error.cause as ZodError<{ name: string }>).fieldErrors.name;
        expect(issues?.[0], JSON.stringify(name)).toContain(message);
      }
      await expectTrpcError(
        laptop.call((c) => c.account.changeName({ name: 42 } as unknown as { name: string })),
        "BAD_REQUEST",
      );
      expect(await storedUser(userId)).toEqual(before);
      expect((await laptop.call((c) => c.session.current()))?.user.name).toBe(credentials.name);
    });

    it("needs a live session but not a fresh one, and an API client's JWT may do it", async () => {
      const { laptop, userId } = await userWithTwoDevices(app.deps);
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(Date.now() + 11 * 60_000);
      expect(await laptop.call((c) => c.account.changeName({ name: "Not fresh" }))).toEqual({
        name: "Not fresh",
      });
      vi.useRealTimers();

      const apiClient = new Device(app.deps);
      apiClient.bearer = await laptop.apiToken();
      expect(await apiClient.call((c) => c.account.changeName({ name: "From a script" }))).toEqual({
        name: "From a script",
      });
      expect(apiClient.jar.names()).toEqual([]);
      expect((await laptop.call((c) => c.session.current()))?.user.name).toBe("From a script");

      await expectTrpcError(
        new Device(app.deps).call((c) => c.account.changeName({ name: "Nobody" })),
        "UNAUTHORIZED",
        ErrorReason.SESSION_REQUIRED,
      );
      expect((await storedUser(userId))?.name).toBe("From a script");
    });
  });

  describe("delete", () => {
    it("deletes the user, ends every session everywhere and clears this device's cookies", async () => {
      const { credentials, laptop, phone, userId } = await userWithTwoDevices(app.deps);
      expect(await laptop.call((c) => c.account.delete())).toEqual({ deleted: true });
      expect(laptop.jar.names()).toEqual([]);
      await expectTrpcError(
        phone.call((c) => c.session.current()),
        "UNAUTHORIZED",
        ErrorReason.SESSION_REVOKED,
      );
      await expectTrpcError(
        phone.call((c) => c.session.list()),
        "UNAUTHORIZED",
        ErrorReason.SESSION_REQUIRED,
      );
      const db = app.database.db;
      expect(await db.select().from(user).where(eq(user.id, userId))).toHaveLength(0);
      expect(await db.select().from(session).where(eq(session.userId, userId))).toHaveLength(0);
      expect(await db.select().from(account).where(eq(account.userId, userId))).toHaveLength(0);
      expect(await canSignIn(credentials)).toBe(false);
    });

    it("does not touch other users", async () => {
      const doomed = await userWithTwoDevices(app.deps);
      const bystander = await userWithTwoDevices(app.deps);
      await doomed.laptop.call((c) => c.account.delete());
      expect(await bystander.phone.call((c) => c.session.list())).toHaveLength(2);
    });
  });
});
