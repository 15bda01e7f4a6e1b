/**
 * The procedures behind the links sent by mail, and asking for those links: public (whoever opens
 * a mail may have no session; the link's token is the credential). Every one is a mutation, a
 * POST, so a token never sits in a URL that logs or a Referer could keep. A link that does not
 * work is BAD_REQUEST with the reason LINK_INVALID, LINK_EXPIRED or LINK_USED.
 */
import { TRPCError } from "@trpc/server";
import { EMAIL_TAKEN_MESSAGE, ErrorReason } from "../../shared/errors";
import { linkInput, resetPasswordInput, sendLinkInput } from "../../shared/schemas";
import { confirmEmailChange, undoEmailChange } from "../account/email-change";
import { requestVerificationLink, verifyEmail } from "../account/email-verification";
import { type LinkProblem, readLink } from "../account/links";
import { requestPasswordReset, resetPassword } from "../account/password-reset";
import { describeReportedSignIn, endReportedSession } from "../account/reported-session";
import { requestOrigin } from "../sessions/lifecycle/request-origin";
import type { Context } from "../trpc/context";
import { ReasonedError } from "../trpc/errors";
import { publicProcedure, router } from "../trpc/init";
import { refuseOverLimit } from "./attempt-limits";

type Refusal = Pick<ReasonedError, "code" | "reason" | "message">;

const LINK_REFUSALS: Record<LinkProblem | "taken", Refusal> = {
  invalid: {
    code: "BAD_REQUEST",
    reason: ErrorReason.LINK_INVALID,
    message: "This link is not valid. Check that you opened the whole link from the latest mail.",
  },
  expired: {
    code: "BAD_REQUEST",
    reason: ErrorReason.LINK_EXPIRED,
    message: "This link has expired. Ask for a new one.",
  },
  used: {
    code: "BAD_REQUEST",
    reason: ErrorReason.LINK_USED,
    message: "This link was already used, or a newer mail replaced it.",
  },
  taken: { code: "CONFLICT", reason: ErrorReason.EMAIL_TAKEN, message: EMAIL_TAKEN_MESSAGE },
};

/** The refusal for a link that does not work. */
function refuseLink(problem: LinkProblem | "taken"): never {
  const { code, reason, message } = LINK_REFUSALS[problem];
  throw new ReasonedError(code, reason, message);
}

/** PASSWORD_RESET=off: neither asking for a reset link nor using one exists. */
function refuseWhenResetIsOff(ctx: Pick<Context, "config">): void {
  if (!ctx.config.mail.passwordReset) {
    throw new TRPCError({ code: "NOT_FOUND", message: "Password reset is turned off" });
  }
}

export const linksRouter = router({
  /** What the SPA offers: reset, verification mode, and whether /dev/mailbox holds the mail. */
  settings: publicProcedure.query(({ ctx }) => ({
    passwordReset: ctx.config.mail.passwordReset,
    emailVerification: ctx.config.mail.emailVerification,
    devMailbox: ctx.config.mail.devMailbox,
  })),

  /**
   * "Forgot password?": the answer is the same whether or not the address has an account; a
   * reset link goes out (after the answer) only if it has one. Limited per IP and per address.
   */
  requestPasswordReset: publicProcedure.input(sendLinkInput).mutation(async ({ ctx, input }) => {
    refuseWhenResetIsOff(ctx);
    const { ipAddress } = requestOrigin(ctx.headers);
    refuseOverLimit(
      ctx,
      await requestPasswordReset(ctx.accountMail, input.email, ipAddress ?? null),
    );
    return { sent: true as const };
  }),

  /**
   * Whether a reset link still works, without using it: the page says "expired" or "already
   * used" when it opens, not after the user chose a password. `{ expiresAt }`, or the link's
   * refusal.
   */
  checkResetLink: publicProcedure.input(linkInput).mutation(async ({ ctx, input }) => {
    refuseWhenResetIsOff(ctx);
    const outcome = await readLink(ctx.db, input.token, "reset_password");
    if (!outcome.ok) refuseLink(outcome.problem);
    return { expiresAt: outcome.link.expiresAt.toISOString() };
  }),

  /** Sets a new password with a reset link; every session of the account ends (ASVS 7.4.3). */
  resetPassword: publicProcedure.input(resetPasswordInput).mutation(async ({ ctx, input }) => {
    // Turned off, links sent before still in their hour stop working too.
    refuseWhenResetIsOff(ctx);
    const outcome = await resetPassword(
      ctx.accountMail,
      input.token,
      input.newPassword,
      requestOrigin(ctx.headers),
    );
    if (!outcome.ok) refuseLink(outcome.problem);
    return { sessionsEnded: outcome.sessionsEnded };
  }),

  /** "Send the link again" (verification); the same answer for every address. */
  requestVerification: publicProcedure.input(sendLinkInput).mutation(async ({ ctx, input }) => {
    const { ipAddress } = requestOrigin(ctx.headers);
    refuseOverLimit(
      ctx,
      await requestVerificationLink(ctx.accountMail, input.email, ipAddress ?? null),
    );
    return { sent: true as const };
  }),

  verifyEmail: publicProcedure.input(linkInput).mutation(async ({ ctx, input }) => {
    const outcome = await verifyEmail(ctx.accountMail, input.token);
    if (!outcome.ok) refuseLink(outcome.problem);
    return { email: outcome.email };
  }),

  /** Opens the link sent to a new address: the account's address changes now. */
  confirmEmailChange: publicProcedure.input(linkInput).mutation(async ({ ctx, input }) => {
    const outcome = await confirmEmailChange(ctx.accountMail, input.token);
    if (!outcome.ok) refuseLink(outcome.problem);
    return { email: outcome.email };
  }),

  /** Opens the undo link sent to the old address: it comes back and every session ends. */
  undoEmailChange: publicProcedure.input(linkInput).mutation(async ({ ctx, input }) => {
    const outcome = await undoEmailChange(ctx.accountMail, input.token, requestOrigin(ctx.headers));
    if (!outcome.ok) refuseLink(outcome.problem);
    return { email: outcome.email, sessionsEnded: outcome.sessionsEnded };
  }),

  /** What a "This wasn't me" link would end (device, network, time), without using it. */
  describeReportedSignIn: publicProcedure.input(linkInput).mutation(async ({ ctx, input }) => {
    const outcome = await describeReportedSignIn(ctx.accountMail, input.token);
    if (!outcome.ok) refuseLink(outcome.problem);
    return outcome.signIn;
  }),

  /** "This wasn't me": ends that one session; `ended` is false if it had already ended. */
  endReportedSession: publicProcedure.input(linkInput).mutation(async ({ ctx, input }) => {
    const outcome = await endReportedSession(
      ctx.accountMail,
      input.token,
      requestOrigin(ctx.headers),
    );
    if (!outcome.ok) refuseLink(outcome.problem);
    return { ended: outcome.ended, signIn: outcome.signIn };
  }),
});
