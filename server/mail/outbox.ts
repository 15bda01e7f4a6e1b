/**
 * The outbox: every mail is a row first. A request only inserts it (it never waits for, or fails
 * with, an SMTP server); the delivery worker (./delivery.ts) sends it. Without an SMTP server
 * (development) the row is the mail: kept, and shown at /dev/mailbox.
 */
import { and, desc, eq, inArray, isNull, lte, or, sql } from "drizzle-orm";
import { deleteInBatches } from "../../db/batches";
import type { Database } from "../../db/client";
import { mailOutbox } from "../../db/schema";

export interface OutgoingMail {
  /** What the mail is, logged instead of its content: `password_reset`, `new_device`… */
  kind: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

export type QueuedMail = typeof mailOutbox.$inferSelect;

/** Adds a mail: `pending` for the worker, or `kept` when there is no SMTP server. */
export async function enqueueMail(
  db: Database,
  mail: OutgoingMail,
  options: { keep: boolean; now?: Date },
): Promise<number> {
  const now = options.now ?? new Date();
  const [row] = await db
    .insert(mailOutbox)
    .values({
      kind: mail.kind,
      recipient: mail.to,
      subject: mail.subject,
      textBody: mail.text,
      htmlBody: mail.html,
      status: options.keep ? "kept" : "pending",
      nextAttemptAt: now,
      createdAt: now,
    })
    .returning({ id: mailOutbox.id });
  if (!row) throw new Error("The outbox insert returned no row");
  return row.id;
}

/**
 * Takes up to `limit` due mails for `leaseSec`: no other worker (this instance's or another's)
 * takes them until the lease ends. A worker that dies mid-send leaves its mails to the next
 * one once the lease has passed. `skip locked`: two workers claiming at once take different rows.
 */
export async function claimDueMails(
  db: Database,
  options: { limit: number; leaseSec: number; now: Date },
): Promise<QueuedMail[]> {
  const now = options.now.toISOString();
  const leasedUntil = new Date(options.now.getTime() + options.leaseSec * 1000).toISOString();
  return db
    .update(mailOutbox)
    .set({
      leasedUntil: sql`${leasedUntil}::timestamptz`,
      attempts: sql`${mailOutbox.attempts} + 1`,
    })
    .where(
      inArray(
        mailOutbox.id,
        db
          .select({ id: mailOutbox.id })
          .from(mailOutbox)
          .where(
            and(
              eq(mailOutbox.status, "pending"),
              lte(mailOutbox.nextAttemptAt, sql`${now}::timestamptz`),
              or(
                isNull(mailOutbox.leasedUntil),
                lte(mailOutbox.leasedUntil, sql`${now}::timestamptz`),
              ),
            ),
          )
          .orderBy(mailOutbox.nextAttemptAt)
          .limit(options.limit)
          .for("update", { skipLocked: true }),
      ),
    )
    .returning();
}

/** The SMTP server took it: its bodies (and the links in them) are erased. */
export async function markSent(db: Database, id: number, now: Date): Promise<void> {
  await db
    .update(mailOutbox)
    .set({
      status: "sent",
      sentAt: now,
      textBody: null,
      htmlBody: null,
      leasedUntil: null,
      lastError: null,
    })
    .where(eq(mailOutbox.id, id));
}

/** A failed attempt: try again at `retryAt`, or (null) give up and mark the mail failed. */
export async function markAttemptFailed(
  db: Database,
  id: number,
  error: string,
  retryAt: Date | null,
): Promise<void> {
  await db
    .update(mailOutbox)
    .set(
      retryAt
        ? { nextAttemptAt: retryAt, leasedUntil: null, lastError: error }
        : { status: "failed", leasedUntil: null, lastError: error },
    )
    .where(eq(mailOutbox.id, id));
}

export interface MailboxEntry {
  id: number;
  to: string;
  subject: string;
  text: string;
  html: string;
  at: string;
}

/** The kept mails, newest first: the development mailbox. */
export async function listKeptMail(db: Database, limit: number): Promise<MailboxEntry[]> {
  const rows = await db
    .select()
    .from(mailOutbox)
    .where(eq(mailOutbox.status, "kept"))
    .orderBy(desc(mailOutbox.id))
    .limit(limit);
  return rows.map((row) => ({
    id: row.id,
    to: row.recipient,
    subject: row.subject,
    text: row.textBody ?? "",
    html: row.htmlBody ?? "",
    at: row.createdAt.toISOString(),
  }));
}

/**
 * Deletes mails that are done with (sent, failed, kept) and older than `retentionDays`; a pending
 * one is never deleted. Returns the rows deleted.
 */
export async function pruneOutbox(
  db: Database,
  retentionDays: number,
  batchSize: number,
  now = new Date(),
): Promise<number> {
  const before = new Date(now.getTime() - retentionDays * 24 * 60 * 60 * 1000).toISOString();
  return deleteInBatches(
    db,
    mailOutbox,
    mailOutbox.id,
    sql`${mailOutbox.status} <> 'pending' and ${mailOutbox.createdAt} < ${before}::timestamptz`,
    batchSize,
  );
}
