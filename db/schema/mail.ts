/**
 * Mail and the links it carries (docs/decisions/0027-mail-and-account-links.md): the outbox every
 * mail goes through, the single-use links, and the devices an account has signed in from (for
 * new-device alerts).
 */
import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from "drizzle-orm/pg-core";
import { user } from "./auth";

/**
 * `pending`: waits for the delivery worker; `sent`: handed to the SMTP server (its body then
 * erased); `failed`: gave up after the last retry (logged); `kept`: no SMTP server is configured
 * (development), so the outbox is the mailbox, shown at /dev/mailbox.
 */
export const MAIL_STATUSES = ["pending", "sent", "failed", "kept"] as const;
export type MailStatus = (typeof MAIL_STATUSES)[number];

export const mailOutbox = pgTable(
  "mail_outbox",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    /** What the mail is (`password_reset`, `new_device`…): logged instead of its content. */
    kind: text("kind").notNull(),
    recipient: text("recipient").notNull(),
    subject: text("subject").notNull(),
    /** The bodies carry single-use links: erased once the mail is sent. */
    textBody: text("text_body"),
    htmlBody: text("html_body"),
    status: text("status", { enum: MAIL_STATUSES }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull().defaultNow(),
    /** A worker holds the mail until then: another instance's worker leaves it alone. */
    leasedUntil: timestamp("leased_until", { withTimezone: true }),
    lastError: text("last_error"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp("sent_at", { withTimezone: true }),
  },
  (table) => [
    index("mail_outbox_due_idx").on(table.nextAttemptAt).where(sql`${table.status} = 'pending'`),
    index("mail_outbox_created_at_idx").on(table.createdAt),
  ],
);

export const LINK_PURPOSES = [
  "reset_password",
  "verify_email",
  "confirm_email_change",
  "undo_email_change",
  "end_session",
] as const;
export type LinkPurpose = (typeof LINK_PURPOSES)[number];

/** What a link acts on, besides its user. */
export interface LinkData {
  /** verify_email: the address the link proves. */
  email?: string;
  /** confirm_email_change / undo_email_change: the addresses before and after. */
  oldEmail?: string;
  newEmail?: string;
  /** end_session: the session it ends, and the sign-in as the alert described it. */
  sessionId?: string;
  device?: string;
  network?: string;
  at?: string;
}

/**
 * A single-use link sent by mail. Only the SHA-256 of its token is stored, so the table (a
 * backup, a replica) holds nothing that opens a link.
 */
export const accountLink = pgTable(
  "account_link",
  {
    tokenHash: text("token_hash").primaryKey(),
    purpose: text("purpose", { enum: LINK_PURPOSES }).notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    data: jsonb("data").$type<LinkData>().notNull().default({}),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    /** Set when the link is used, or replaced by a newer link of the same purpose. */
    usedAt: timestamp("used_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index("account_link_user_purpose_idx").on(table.userId, table.purpose),
    index("account_link_expires_at_idx").on(table.expiresAt),
    check("account_link_token_hash_sha256_hex", sql`${table.tokenHash} ~ '^[0-9a-f]{64}$'`),
  ],
);

/**
 * The devices (browser family + OS + network, the binding's notion) an account has signed in
 * from: a sign-in from one not listed here is a new device, and its owner gets an alert.
 */
export const knownDevice = pgTable(
  "known_device",
  {
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    /** "Chrome/Linux 203.0.113.0/24". */
    deviceKey: text("device_key").notNull(),
    firstSeenAt: timestamp("first_seen_at", { withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.userId, table.deviceKey] })],
);
