import { TRPCError } from "@trpc/server";
import { EMAIL_TAKEN_MESSAGE, ErrorReason } from "../../shared/errors";
import { changeEmailInput, changeNameInput, changePasswordInput } from "../../shared/schemas";
import { EndReason } from "../../shared/session-events";
import { emailChangeKey } from "../account/attempt-limit";
import { changeName } from "../account/change-name";
import { requestEmailChange } from "../account/email-change";
import { pendingLink } from "../account/links";
import { sendPasswordChangedNotice } from "../account/password-notice";
import { forwardSetCookies } from "../sessions/authenticate/cookies";
import { requestOrigin } from "../sessions/lifecycle/request-origin";
import { ReasonedError } from "../trpc/errors";
import { freshProcedure, protectedProcedure, router } from "../trpc/init";
import { consumeAttemptOrRefuse, withPasswordAttemptLimit } from "./attempt-limits";
import {
  endCurrentSession,
  refreshCookieCache,
  refuseWrongPassword,
  replaceSessionWithPassword,
  requestActor,
} from "./better-auth-calls";

/**
 * The account: its credentials and its email are sensitive and need a recently authenticated
 * session (ASVS 7.5.1); the display name does not (ADR 0024).
 */
export const accountRouter = router({
  /**
   * Sets the display name (trimmed, at most NAME_MAX_LENGTH characters, no control characters:
   * `nameSchema`, the rule sign-up applies). Any live session may, cookie or JWT: a name is
   * not a credential and proves nothing. Every cache of the user's sessions drops them, so
   * `session.current` shows the new name on every device at once.
   */
  changeName: protectedProcedure.input(changeNameInput).mutation(async ({ ctx, input }) => {
    const name = await changeName(ctx.db, ctx.user.id, input.name);
    if (name === null) {
      throw new TRPCError({ code: "NOT_FOUND", message: `No user '${ctx.user.id}'` });
    }
    await ctx.sessions.changed({ userIds: [ctx.user.id] });
    await refreshCookieCache(ctx);
    return { name };
  }),

  /**
   * Changes the password. By default every other session ends (ASVS 7.4.3), recorded as
   * `password_change`, and this device gets a new session (new token). Better Auth only
   * changes the password, so the activity log can say why the sessions ended.
   */
  changePassword: freshProcedure.input(changePasswordInput).mutation(async ({ ctx, input }) => {
    // The current password is a guess like any other: limited per user.
    const result = await withPasswordAttemptLimit(ctx, () =>
      ctx.auth.api
        .changePassword({
          body: {
            currentPassword: input.currentPassword,
            newPassword: input.newPassword,
            revokeOtherSessions: false,
          },
          headers: ctx.headers,
          returnHeaders: true,
        })
        .catch(refuseWrongPassword),
    );
    forwardSetCookies(result.headers, ctx.resHeaders);
    const otherSessionsEnded = await replaceSessionWithPassword(
      ctx,
      input.newPassword,
      input.revokeOtherSessions ? EndReason.PASSWORD_CHANGE : null,
    );
    await sendPasswordChangedNotice(ctx.accountMail, ctx.user, requestOrigin(ctx.headers));
    return { otherSessionsEnded };
  }),

  /**
   * Asks to change the email address: a confirmation link goes to the new address and nothing
   * changes until it is opened (`pending`); the old address is then told, with an undo link.
   * With EMAIL_VERIFICATION=off the change is immediate (`changed`), the address unverified.
   */
  changeEmail: freshProcedure.input(changeEmailInput).mutation(async ({ ctx, input }) => {
    // Every attempt counts (ADR 0018): the "taken" answer tells whether an address has an
    // account, so probing for addresses is limited like guessing passwords.
    await consumeAttemptOrRefuse(ctx, emailChangeKey(ctx.user.id));
    const outcome = await requestEmailChange(ctx.accountMail, ctx.user.id, input.newEmail);
    if (outcome === "taken") {
      throw new ReasonedError("CONFLICT", ErrorReason.EMAIL_TAKEN, EMAIL_TAKEN_MESSAGE);
    }
    if (outcome === "unchanged") {
      throw new ReasonedError(
        "BAD_REQUEST",
        ErrorReason.EMAIL_UNCHANGED,
        "That is already your email address",
      );
    }
    if (outcome === "changed") await refreshCookieCache(ctx);
    return { status: outcome, email: input.newEmail };
  }),

  /** The address an email change waits to be confirmed for, or null. */
  pendingEmailChange: protectedProcedure.query(async ({ ctx }) => {
    const pending = await pendingLink(ctx.db, ctx.user.id, "confirm_email_change");
    return pending?.data.newEmail
      ? { email: pending.data.newEmail, expiresAt: pending.expiresAt.toISOString() }
      : null;
  }),

  /** Deletes the account; its sessions and credentials go with it (ASVS 7.4.2). */
  delete: freshProcedure.mutation(async ({ ctx }) => {
    const deleted = await ctx.sessions.deleteUser(ctx.user.id, requestActor(ctx));
    if (!deleted) {
      throw new TRPCError({ code: "NOT_FOUND", message: `No user '${ctx.user.id}'` });
    }
    await endCurrentSession(ctx);
    return { deleted: true };
  }),
});
