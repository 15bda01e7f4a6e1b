/**
 * Password reset by mail (ASVS V6.4): a request answers the same whether or not the address has
 * an account, and the lookup and the mail happen after the answer; the link works once, for an
 * hour; a new password ends every session of the account (ASVS 7.4.3), recorded as
 * `password_reset`.
 */
import { and, eq } from "drizzle-orm";
import { account, user } from "../../db/schema";
import { EndReason, SessionEventType } from "../../shared/session-events";
import { linkUrl, passwordResetMail } from "../mail/messages";
import { recordSessionEvent } from "../sessions/lifecycle/events";
import type { Actor } from "../sessions/lifecycle/session-store";
import { type AttemptDecision, clearAttempts, signInAttemptKey } from "./attempt-limit";
import { consumeLink, issueLink, LINK_LIFETIME_SEC, type LinkProblem, readLink } from "./links";
import type { AccountMailContext } from "./mail-context";
import { consumeLinkRequest } from "./mail-limits";

/** Asks for a reset link to `email`. Refused only by the rate limits, which count every address alike. */
export async function requestPasswordReset(
  ctx: AccountMailContext,
  email: string,
  clientIp: string | null,
): Promise<AttemptDecision> {
  const decision = await consumeLinkRequest(ctx, "reset", email, clientIp);
  if (!decision.allowed) return decision;
  ctx.later(async () => {
    const [owner] = await ctx.db
      .select({ id: user.id, email: user.email })
      .from(user)
      .where(eq(user.email, email));
    if (!owner) return;
    const link = await issueLink(ctx.db, { purpose: "reset_password", userId: owner.id });
    const url = linkUrl(ctx.mailer.baseUrl, "reset_password", link.token);
    await ctx.mailer.send(passwordResetMail(owner.email, url, LINK_LIFETIME_SEC.reset_password));
  });
  return decision;
}

export type ResetOutcome =
  | { ok: true; sessionsEnded: number }
  | { ok: false; problem: LinkProblem };

/** Sets a new password with a reset link, and ends every session of the account. */
export async function resetPassword(
  ctx: AccountMailContext,
  token: string,
  newPassword: string,
  actor: Actor,
): Promise<ResetOutcome> {
  // A link that cannot work is refused before the password is hashed (scrypt, ~150 ms of CPU):
  // made-up tokens must not buy CPU time. The link is used only once the hash is ready.
  const checked = await readLink(ctx.db, token, "reset_password");
  if (!checked.ok) return checked;
  const hash = await ctx.hashPassword(newPassword);
  const opened = await consumeLink(ctx.db, token, "reset_password");
  if (!opened.ok) return opened;
  const { userId } = opened.link;
  const [owner] = await ctx.db
    .update(user)
    // The link reached the address: it is proven.
    .set({ emailVerified: true, updatedAt: new Date() })
    .where(eq(user.id, userId))
    .returning({ email: user.email });
  if (!owner) return { ok: false, problem: "invalid" };
  await ctx.db
    .update(account)
    .set({ password: hash, updatedAt: new Date() })
    .where(and(eq(account.userId, userId), eq(account.providerId, "credential")));
  const sessionsEnded = await ctx.sessions.endAll(userId, EndReason.PASSWORD_RESET, actor);
  await ctx.sessions.changed({ userIds: [userId] });
  // Whoever was locked out by failed sign-ins may sign in with the new password at once.
  await clearAttempts(ctx.db, signInAttemptKey(owner.email));
  await recordSessionEvent(ctx.db, {
    userId,
    sessionId: "",
    type: SessionEventType.PASSWORD_RESET,
    actorUserId: userId,
    ipAddress: actor.ipAddress,
    userAgent: actor.userAgent,
  });
  return { ok: true, sessionsEnded };
}
