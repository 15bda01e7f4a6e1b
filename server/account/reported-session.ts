/**
 * "This wasn't me": the link of a new-device alert ends the session it names, and only that
 * one, without a sign-in (whoever reads the mail may have no session; the attacker's is the one
 * to end). The page shows what the link will end before the user confirms.
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { accountLink, type LinkData } from "../../db/schema";
import { EndReason } from "../../shared/session-events";
import type { Actor } from "../sessions/lifecycle/session-store";
import { consumeLink, type LinkProblem, readLink } from "./links";
import type { AccountMailContext } from "./mail-context";

export interface ReportedSignIn {
  device: string;
  network: string;
  at: string;
}

export type DescribeOutcome =
  | { ok: true; signIn: ReportedSignIn }
  | { ok: false; problem: LinkProblem };

export async function describeReportedSignIn(
  ctx: AccountMailContext,
  token: string,
): Promise<DescribeOutcome> {
  const opened = await readLink(ctx.db, token, "end_session");
  if (!opened.ok) return opened;
  return { ok: true, signIn: reportedSignIn(opened.link.data) };
}

/** The sign-in as the alert described it (kept in the link). */
function reportedSignIn({ device = "", network = "", at = "" }: LinkData): ReportedSignIn {
  return { device, network, at };
}

export type EndReportedOutcome =
  | { ok: true; ended: boolean; signIn: ReportedSignIn }
  | { ok: false; problem: LinkProblem };

/** Ends the reported session (recorded as `not_me`); `ended` false when it had already ended. */
export async function endReportedSession(
  ctx: AccountMailContext,
  token: string,
  actor: Actor,
): Promise<EndReportedOutcome> {
  const opened = await consumeLink(ctx.db, token, "end_session");
  if (!opened.ok) return opened;
  const { userId, data } = opened.link;
  const ended = await ctx.sessions.endById(userId, data.sessionId ?? "", EndReason.NOT_ME, {
    // The owner, from the device that opened the mail.
    userId,
    sessionId: null,
    ipAddress: actor.ipAddress,
    userAgent: actor.userAgent,
  });
  return { ok: true, ended, signIn: reportedSignIn(data) };
}

/**
 * A reported session replaced by a new one (re-authentication, or a new sign-in in the same
 * browser) lives on in its successor: the unused "This wasn't me" links that name it name the
 * successor from now on, or re-authenticating would be enough to escape them.
 */
export async function followReplacedSession(
  db: Database,
  userId: string,
  fromSessionId: string,
  toSessionId: string,
): Promise<void> {
  await db
    .update(accountLink)
    .set({
      data: sql`jsonb_set(${accountLink.data}, '{sessionId}', to_jsonb(${toSessionId}::text))`,
    })
    .where(
      and(
        eq(accountLink.userId, userId),
        eq(accountLink.purpose, "end_session"),
        isNull(accountLink.usedAt),
        sql`${accountLink.data}->>'sessionId' = ${fromSessionId}`,
      ),
    );
}
