/**
 * Changing the account's address (ADR 0027, replacing ADR 0007's direct change): the new address
 * gets a confirmation link and nothing changes until it is opened; then the old address gets a
 * notice with an undo link (7 days), which puts the old address back and ends every session.
 * With EMAIL_VERIFICATION=off addresses are never proven, and the change is immediate.
 */
import { and, eq, ne } from "drizzle-orm";
import type { Database } from "../../db/client";
import { isUniqueViolation } from "../../db/errors";
import { user } from "../../db/schema";
import { EndReason, SessionEventType } from "../../shared/session-events";
import { emailChangeConfirmMail, emailChangedNoticeMail, linkUrl } from "../mail/messages";
import { recordSessionEvent } from "../sessions/lifecycle/events";
import type { Actor } from "../sessions/lifecycle/session-store";
import { cancelLinks, consumeLink, issueLink, LINK_LIFETIME_SEC, type LinkProblem } from "./links";
import type { AccountMailContext } from "./mail-context";

export type ChangeEmailOutcome = "pending" | "changed" | "taken" | "unchanged";

async function currentEmail(db: Database, userId: string): Promise<string | null> {
  const [row] = await db.select({ email: user.email }).from(user).where(eq(user.id, userId));
  return row?.email ?? null;
}

async function takenByOther(db: Database, userId: string, email: string): Promise<boolean> {
  const [other] = await db
    .select({ id: user.id })
    .from(user)
    .where(and(eq(user.email, email), ne(user.id, userId)));
  return Boolean(other);
}

/**
 * Sets the address, unless another account has it (the unique index decides races). A reset
 * link sent to the address the account leaves is cancelled: whoever holds that mailbox now (a
 * former employer, an intruder) must not set the password of an account that moved away.
 */
async function setEmail(
  db: Database,
  userId: string,
  email: string,
  verified: boolean,
): Promise<"changed" | "taken" | "gone"> {
  try {
    const [row] = await db
      .update(user)
      .set({ email, emailVerified: verified, updatedAt: new Date() })
      .where(eq(user.id, userId))
      .returning({ id: user.id });
    if (!row) return "gone";
  } catch (error) {
    if (isUniqueViolation(error)) return "taken";
    throw error;
  }
  await cancelLinks(db, userId, ["reset_password"]);
  return "changed";
}

/** Asks to change the address: a confirmation link to the new one (or, verification off, at once). */
export async function requestEmailChange(
  ctx: AccountMailContext,
  userId: string,
  newEmail: string,
): Promise<ChangeEmailOutcome> {
  const oldEmail = await currentEmail(ctx.db, userId);
  if (oldEmail === null) return "taken";
  if (oldEmail === newEmail) return "unchanged";
  if (await takenByOther(ctx.db, userId, newEmail)) return "taken";
  if (ctx.config.mail.emailVerification === "off") {
    const outcome = await setEmail(ctx.db, userId, newEmail, false);
    if (outcome === "changed") await ctx.sessions.changed({ userIds: [userId] });
    return outcome === "changed" ? "changed" : "taken";
  }
  const link = await issueLink(ctx.db, {
    purpose: "confirm_email_change",
    userId,
    data: { oldEmail, newEmail },
  });
  const url = linkUrl(ctx.mailer.baseUrl, "confirm_email_change", link.token);
  await ctx.mailer.send(
    emailChangeConfirmMail(newEmail, url, LINK_LIFETIME_SEC.confirm_email_change),
  );
  return "pending";
}

export type ConfirmOutcome =
  | { ok: true; email: string }
  | { ok: false; problem: LinkProblem | "taken" };

/** Opens the confirmation link: the address changes, and the old address is told (with undo). */
export async function confirmEmailChange(
  ctx: AccountMailContext,
  token: string,
): Promise<ConfirmOutcome> {
  const opened = await consumeLink(ctx.db, token, "confirm_email_change");
  if (!opened.ok) return opened;
  const { userId, data } = opened.link;
  const { oldEmail = "", newEmail = "" } = data;
  // The address changed some other way since the link was sent: this link is out of date.
  if ((await currentEmail(ctx.db, userId)) !== oldEmail) return { ok: false, problem: "invalid" };
  const outcome = await setEmail(ctx.db, userId, newEmail, true);
  if (outcome === "taken") return { ok: false, problem: "taken" };
  if (outcome === "gone") return { ok: false, problem: "invalid" };
  await ctx.sessions.changed({ userIds: [userId] });
  await recordSessionEvent(ctx.db, {
    userId,
    sessionId: "",
    type: SessionEventType.EMAIL_CHANGED,
  });
  const undo = await issueLink(ctx.db, {
    purpose: "undo_email_change",
    userId,
    data: { oldEmail, newEmail },
  });
  const undoUrl = linkUrl(ctx.mailer.baseUrl, "undo_email_change", undo.token);
  await ctx.mailer.send(
    emailChangedNoticeMail(oldEmail, newEmail, undoUrl, LINK_LIFETIME_SEC.undo_email_change),
  );
  return { ok: true, email: newEmail };
}

export type UndoOutcome =
  | { ok: true; email: string; sessionsEnded: number }
  | { ok: false; problem: LinkProblem | "taken" };

/**
 * Opens the undo link sent to the old address: the old address comes back (whatever the address
 * is now: a second change cannot escape the first undo), the links still open are cancelled
 * (pending changes, later undos, reset links), and every session ends, since whoever changed it
 * may hold one.
 */
export async function undoEmailChange(
  ctx: AccountMailContext,
  token: string,
  actor: Actor,
): Promise<UndoOutcome> {
  const opened = await consumeLink(ctx.db, token, "undo_email_change");
  if (!opened.ok) return opened;
  const { userId, data } = opened.link;
  const oldEmail = data.oldEmail ?? "";
  const outcome = await setEmail(ctx.db, userId, oldEmail, true);
  if (outcome === "taken") return { ok: false, problem: "taken" };
  if (outcome === "gone") return { ok: false, problem: "invalid" };
  // Every link still open was sent to an address the account had at some point of the undone
  // change, maybe the intruder's: a pending change or verification, a later change's undo (which
  // would take the account back). Reset links went with the address change (setEmail).
  const now = new Date();
  await cancelLinks(ctx.db, userId, ["confirm_email_change", "verify_email"], now);
  // An earlier change's undo stays: it went to an address the account had before this one, and
  // an intruder who made two changes must not void the owner's undo with the one they received.
  await cancelLinks(ctx.db, userId, ["undo_email_change"], now, opened.link.createdAt);
  const sessionsEnded = await ctx.sessions.endAll(userId, EndReason.EMAIL_CHANGE_UNDONE, actor);
  await ctx.sessions.changed({ userIds: [userId] });
  await recordSessionEvent(ctx.db, {
    userId,
    sessionId: "",
    type: SessionEventType.EMAIL_CHANGE_UNDONE,
    actorUserId: userId,
    ipAddress: actor.ipAddress,
    userAgent: actor.userAgent,
  });
  return { ok: true, email: oldEmail, sessionsEnded };
}
