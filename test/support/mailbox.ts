/**
 * The mail the app wrote, read from the database: the outbox (where, without an SMTP server, mail
 * is kept for the development mailbox) and every table at once (to prove a token is stored
 * nowhere). Links are found in a mail's text as a person would see them.
 */
import { and, asc, eq, sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { mailOutbox } from "../../db/schema";
import { waitFor } from "./wait";

export type OutboxRow = typeof mailOutbox.$inferSelect;

/** Rows of `db.execute`, on postgres.js (an array) and PGlite (`{ rows }`) alike. */
export function rowsOf<T>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : ((result as { rows: T[] }).rows ?? []);
}

/** Every outbox row to `recipient`, oldest first (`kind`: only mails of that kind). */
export function outboxTo(db: Database, recipient: string, kind?: string): Promise<OutboxRow[]> {
  return db
    .select()
    .from(mailOutbox)
    .where(and(eq(mailOutbox.recipient, recipient), kind ? eq(mailOutbox.kind, kind) : undefined))
    .orderBy(asc(mailOutbox.id));
}

/**
 * Waits until `count` mails of `kind` to `recipient` are in the outbox (some are written after
 * the answer that asked for them); returns the newest.
 */
export async function waitForOutboxMail(
  db: Database,
  recipient: string,
  kind: string,
  count = 1,
): Promise<OutboxRow> {
  return waitFor(
    async () => {
      const rows = await outboxTo(db, recipient, kind);
      return rows.length >= count ? (rows.at(-1) ?? null) : null;
    },
    10_000,
    `${count} "${kind}" mail(s) to ${recipient}`,
  );
}

/** The token of the first link to `page` (`/reset-password#token=…`) in a mail's text. */
export function tokenInText(text: string | null, page: string): string {
  const match = (text ?? "").match(
    new RegExp(`${page.replace(/[/]/g, "\\/")}#token=([A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])`),
  );
  if (!match?.[1]) throw new Error(`No ${page} link in the mail:\n${text}`);
  return match[1];
}

/**
 * Every row of every table of the public schema as text, table by table: what a backup or a
 * replica of the database would hold.
 */
export async function databaseAsText(db: Database): Promise<string> {
  const tables = rowsOf<{ name: string }>(
    await db.execute(
      sql`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`,
    ),
  );
  const parts: string[] = [];
  for (const { name } of tables) {
    const rows = rowsOf<{ row: string }>(
      await db.execute(sql`select t::text as row from ${sql.identifier(name)} t`),
    );
    parts.push(`${name}: ${rows.map((r) => r.row).join("\n")}`);
  }
  return parts.join("\n");
}
