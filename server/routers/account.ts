import { TRPCError } from "@trpc/server";
import { eq } from "drizzle-orm";
import { user } from "../../db/schema";
import { ErrorReason } from "../../shared/errors";
import { changeEmailInput, changePasswordInput } from "../../shared/schemas";
import { changeEmail } from "../account/change-email";
import { endCurrentSession, refuseWrongPassword } from "../sessions/auth-calls";
import { forwardSetCookies } from "../sessions/cookies";
import { ReasonedError } from "../trpc/errors";
import { freshProcedure, router } from "../trpc/init";

/** Sensitive account changes: each needs a recently authenticated session (ASVS 7.5.1). */
export const accountRouter = router({
  /**
   * Changes the password. By default every other session ends and this one is replaced by a
   * new session (ASVS 7.4.3); Better Auth does both in one transaction.
   */
  changePassword: freshProcedure.input(changePasswordInput).mutation(async ({ ctx, input }) => {
    const result = await ctx.auth.api
      .changePassword({
        body: {
          currentPassword: input.currentPassword,
          newPassword: input.newPassword,
          revokeOtherSessions: input.revokeOtherSessions,
        },
        headers: ctx.headers,
        returnHeaders: true,
      })
      .catch(refuseWrongPassword);
    forwardSetCookies(result.headers, ctx.resHeaders);
    return { otherSessionsEnded: input.revokeOtherSessions };
  }),

  /** Changes the email address (no mail is sent: this product has no mailer; the address is marked unverified). */
  changeEmail: freshProcedure.input(changeEmailInput).mutation(async ({ ctx, input }) => {
    const outcome = await changeEmail(ctx.db, ctx.user.id, input.newEmail);
    if (outcome === "taken") {
      throw new ReasonedError("CONFLICT", ErrorReason.EMAIL_TAKEN, "That email is already in use");
    }
    if (outcome === "unchanged") {
      throw new ReasonedError(
        "BAD_REQUEST",
        ErrorReason.EMAIL_UNCHANGED,
        "That is already your email address",
      );
    }
    // Rewrite this device's cookie cache from the database so it shows the new address now.
    const refreshed = await ctx.auth.api.getSession({
      headers: ctx.headers,
      query: { disableCookieCache: true },
      returnHeaders: true,
    });
    forwardSetCookies(refreshed.headers, ctx.resHeaders);
    return { email: input.newEmail };
  }),

  /** Deletes the account; its sessions and credentials go with it (ASVS 7.4.2). */
  delete: freshProcedure.mutation(async ({ ctx }) => {
    const deleted = await ctx.db
      .delete(user)
      .where(eq(user.id, ctx.user.id))
      .returning({ id: user.id });
    if (deleted.length === 0) {
      throw new TRPCError({ code: "NOT_FOUND", message: `No user '${ctx.user.id}'` });
    }
    await endCurrentSession(ctx);
    return { deleted: true };
  }),
});
