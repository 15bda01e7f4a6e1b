/**
 * Verified addresses (EMAIL_VERIFICATION, docs/sessions.md "Verified addresses"): sign-up sends a
 * link to the new address; opening it marks the address verified. Under `required` Better Auth
 * refuses to sign in an unverified account and the session gate refuses its sessions.
 */
import { and, eq } from "drizzle-orm";
import { user } from "../../db/schema";
import { SessionEventType } from "../../shared/session-events";
import { existingAccountMail, linkUrl, verificationMail } from "../mail/messages";
import { recordSessionEvent } from "../sessions/lifecycle/events";
import type { AttemptDecision } from "./attempt-limit";
import { consumeLink, issueLink, LINK_LIFETIME_SEC, type LinkProblem } from "./links";
import type { AccountMailContext } from "./mail-context";
import { consumeLinkRequest, consumeMailToAddress } from "./mail-limits";

/** Sends a verification link for the user's current address. */
export async function sendVerificationLink(
  ctx: AccountMailContext,
  owner: { id: string; email: string },
): Promise<void> {
  const link = await issueLink(ctx.db, {
    purpose: "verify_email",
    userId: owner.id,
    data: { email: owner.email },
  });
  const url = linkUrl(ctx.mailer.baseUrl, "verify_email", link.token);
  await ctx.mailer.send(verificationMail(owner.email, url, LINK_LIFETIME_SEC.verify_email));
}

/**
 * "Send the link again": answers alike for any address (a signed-out visitor under `required`
 * may ask); a link goes out only to an account whose address is not verified yet.
 */
export async function requestVerificationLink(
  ctx: AccountMailContext,
  email: string,
  clientIp: string | null,
): Promise<AttemptDecision> {
  const decision = await consumeLinkRequest(ctx, "verify", email, clientIp);
  if (!decision.allowed || ctx.config.mail.emailVerification === "off") return decision;
  ctx.later(async () => {
    const [owner] = await ctx.db
      .select({ id: user.id, email: user.email })
      .from(user)
      .where(and(eq(user.email, email), eq(user.emailVerified, false)));
    if (owner) await sendVerificationLink(ctx, owner);
  });
  return decision;
}

export type VerifyOutcome = { ok: true; email: string } | { ok: false; problem: LinkProblem };

/** Marks the address verified, if it is still the account's address. */
export async function verifyEmail(ctx: AccountMailContext, token: string): Promise<VerifyOutcome> {
  const opened = await consumeLink(ctx.db, token, "verify_email");
  if (!opened.ok) return opened;
  const { userId, data } = opened.link;
  const email = data.email ?? "";
  // A link for an address the account no longer has proves nothing about the current one.
  const [verified] = await ctx.db
    .update(user)
    .set({ emailVerified: true, updatedAt: new Date() })
    .where(and(eq(user.id, userId), eq(user.email, email)))
    .returning({ id: user.id });
  if (!verified) return { ok: false, problem: "invalid" };
  await ctx.sessions.changed({ userIds: [userId] });
  await recordSessionEvent(ctx.db, {
    userId,
    sessionId: "",
    type: SessionEventType.EMAIL_VERIFIED,
  });
  return { ok: true, email };
}

/**
 * Under `required`, sign-up answers alike whether or not the address has an account (ADR 0027).
 * The owner of a taken address learns of the attempt by mail instead, with a way in, at most
 * LINKS_PER_ADDRESS times a window.
 */
export async function noteSignUpForExistingAccount(
  ctx: AccountMailContext,
  owner: { email: string },
): Promise<void> {
  if (!(await consumeMailToAddress(ctx, "existing-account", owner.email))) return;
  const { baseUrl } = ctx.mailer;
  await ctx.mailer.send(
    existingAccountMail(owner.email, `${baseUrl}/sign-in`, `${baseUrl}/forgot-password`),
  );
}
