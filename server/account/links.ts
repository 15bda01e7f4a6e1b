/**
 * Single-use links sent by mail (password reset, address verification, email change and its
 * undo, "this wasn't me"). A link's token is 256 random bits, sent once in the mail and never
 * stored: the table keeps its SHA-256, so knowing a row opens nothing, and a token nobody was sent
 * can only be guessed. Using a link is one conditional update, so of two parallel uses exactly one
 * succeeds.
 */
import { randomBytes } from "node:crypto";
import { and, eq, gt, inArray, isNull, lte, or, sql } from "drizzle-orm";
import { deleteInBatches } from "../../db/batches";
import type { Database } from "../../db/client";
import { accountLink, type LinkData, type LinkPurpose } from "../../db/schema";
import { hashSessionToken as hashLinkToken } from "../sessions/token-hash";

const HOUR_SEC = 60 * 60;

/**
 * How long a link works (docs/security.md, "Links sent by mail"). A reset link is a password in
 * the inbox: one hour, as OWASP advises. The others only prove an address or undo something,
 * and their reader may not open the mail the same day.
 */
export const LINK_LIFETIME_SEC: Record<LinkPurpose, number> = {
  reset_password: HOUR_SEC,
  verify_email: 24 * HOUR_SEC,
  confirm_email_change: 24 * HOUR_SEC,
  undo_email_change: 7 * 24 * HOUR_SEC,
  end_session: 7 * 24 * HOUR_SEC,
};

/** Purposes where a new link replaces the user's earlier ones (only the latest mail works). */
const ONE_AT_A_TIME: ReadonlySet<LinkPurpose> = new Set([
  "reset_password",
  "verify_email",
  "confirm_email_change",
]);

/** The token's shape: 32 bytes, base64url. Anything else is refused before any lookup. */
export const LINK_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface IssuedLink {
  token: string;
  expiresAt: Date;
}

/** Creates a link and returns its token (for the mail only: never log it). */
export async function issueLink(
  db: Database,
  link: { purpose: LinkPurpose; userId: string; data?: LinkData },
  now = new Date(),
): Promise<IssuedLink> {
  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(now.getTime() + LINK_LIFETIME_SEC[link.purpose] * 1000);
  if (ONE_AT_A_TIME.has(link.purpose)) await cancelLinks(db, link.userId, [link.purpose], now);
  await db.insert(accountLink).values({
    tokenHash: hashLinkToken(token),
    purpose: link.purpose,
    userId: link.userId,
    data: link.data ?? {},
    expiresAt,
    createdAt: now,
  });
  return { token, expiresAt };
}

export interface OpenedLink {
  userId: string;
  data: LinkData;
  expiresAt: Date;
  createdAt: Date;
}

/** Why a link does not work: never sent (or forged), past its lifetime, or used (or replaced). */
export type LinkProblem = "invalid" | "expired" | "used";

export type LinkResult = { ok: true; link: OpenedLink } | { ok: false; problem: LinkProblem };

/**
 * Uses a link: marks it used if it is of this purpose, unused and not expired, in one statement.
 * Returns what it acts on, or why it does not work.
 */
export async function consumeLink(
  db: Database,
  token: string,
  purpose: LinkPurpose,
  now = new Date(),
): Promise<LinkResult> {
  if (!LINK_TOKEN_PATTERN.test(token)) return { ok: false, problem: "invalid" };

  const [used] = await db
    .update(accountLink)
    .set({ usedAt: now })
    .where(
      and(
        eq(accountLink.tokenHash, hashLinkToken(token)),
        eq(accountLink.purpose, purpose),
        isNull(accountLink.usedAt),
        gt(accountLink.expiresAt, now),
      ),
    )
    .returning();
  if (used) return { ok: true, link: opened(used) };
  const peek = await readLink(db, token, purpose, now);
  // Live a moment ago yet not updated: a parallel use took it first.
  return { ok: false, problem: peek.ok ? "used" : peek.problem };
}

/** What a link would act on, without using it (a page shows it before the user confirms). */
export async function readLink(
  db: Database,
  token: string,
  purpose: LinkPurpose,
  now = new Date(),
): Promise<LinkResult> {
  if (!LINK_TOKEN_PATTERN.test(token)) return { ok: false, problem: "invalid" };
  const [row] = await db
    .select()
    .from(accountLink)
    .where(and(eq(accountLink.tokenHash, hashLinkToken(token)), eq(accountLink.purpose, purpose)));
  const problem = problemOf(row, now);
  if (problem !== null || !row) return { ok: false, problem: problem ?? "invalid" };
  return { ok: true, link: opened(row) };
}

/** Why a link's row does not work at `now`, or null when it does. */
function problemOf(
  row: { usedAt: Date | null; expiresAt: Date } | undefined,
  now: Date,
): LinkProblem | null {
  if (!row) return "invalid";
  if (row.usedAt) return "used";
  return row.expiresAt.getTime() <= now.getTime() ? "expired" : null;
}

/**
 * Marks every unused link of the user with these purposes used (an undo cancels pending changes);
 * with `createdAfter`, only the links sent after that moment.
 */
export async function cancelLinks(
  db: Database,
  userId: string,
  purposes: readonly LinkPurpose[],
  now = new Date(),
  createdAfter?: Date,
): Promise<void> {
  if (purposes.length === 0) return;
  await db
    .update(accountLink)
    .set({ usedAt: now })
    .where(
      and(
        eq(accountLink.userId, userId),
        inArray(accountLink.purpose, [...purposes]),
        isNull(accountLink.usedAt),
        createdAfter ? gt(accountLink.createdAt, createdAfter) : undefined,
      ),
    );
}

/** The unused, unexpired link of this purpose the user was sent last, if any. */
export async function pendingLink(
  db: Database,
  userId: string,
  purpose: LinkPurpose,
  now = new Date(),
): Promise<OpenedLink | null> {
  const [row] = await db
    .select()
    .from(accountLink)
    .where(
      and(
        eq(accountLink.userId, userId),
        eq(accountLink.purpose, purpose),
        isNull(accountLink.usedAt),
        gt(accountLink.expiresAt, now),
      ),
    )
    .orderBy(sql`${accountLink.createdAt} desc`)
    .limit(1);
  return row ? opened(row) : null;
}

/**
 * Deletes links that can no longer be used (expired, or used a day ago: a second click on a used
 * link still says "already used" for a while). Returns the rows deleted.
 */
export async function pruneLinks(db: Database, batchSize: number, now = new Date()) {
  const dayAgo = new Date(now.getTime() - 24 * HOUR_SEC * 1000);
  return deleteInBatches(
    db,
    accountLink,
    accountLink.tokenHash,
    or(lte(accountLink.expiresAt, now), lte(accountLink.usedAt, dayAgo)) ?? sql`false`,
    batchSize,
  );
}

function opened(row: typeof accountLink.$inferSelect): OpenedLink {
  return { userId: row.userId, data: row.data, expiresAt: row.expiresAt, createdAt: row.createdAt };
}
