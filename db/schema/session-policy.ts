/**
 * Tables of our own session policy (Better Auth has none of this): the policy the database
 * triggers enforce, and the activity log. See docs/decisions/0009-session-lifecycle-in-the-database.md.
 */
import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  pgTable,
  text,
  timestamp,
} from "drizzle-orm/pg-core";

/**
 * One row: the limits the session triggers read. Written from the configuration at every
 * start-up (all instances of one deployment share one policy).
 */
export const sessionPolicy = pgTable(
  "session_policy",
  {
    id: boolean("id").primaryKey().default(true),
    maxPerUser: integer("max_per_user").notNull(),
    limitPolicy: text("limit_policy", { enum: ["evict-oldest", "deny"] }).notNull(),
    absoluteLifetimeSec: integer("absolute_lifetime_sec").notNull(),
  },
  (table) => [check("session_policy_single_row", sql`${table.id}`)],
);

export const SESSION_EVENT_TYPES = [
  "signed_in",
  "reauthenticated",
  "refreshed",
  "revoked",
  "expired",
  "cleaned_up",
  "binding_mismatch",
  "password_reset",
  "email_verified",
  "email_changed",
  "email_change_undone",
] as const;

/**
 * What happened to a user's sessions. Rows outlive their session (no foreign key) and their
 * user: an audit trail, bounded by the retention period. `token_hash` (SHA-256 of the token,
 * end events only) lets a request that presents an ended session learn why it ended, without
 * keeping any usable token.
 */
export const sessionEvent = pgTable(
  "session_event",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    userId: text("user_id").notNull(),
    sessionId: text("session_id").notNull(),
    tokenHash: text("token_hash"),
    type: text("type", { enum: SESSION_EVENT_TYPES }).notNull(),
    reason: text("reason"),
    actorUserId: text("actor_user_id"),
    actorSessionId: text("actor_session_id"),
    ipAddress: text("ip_address"),
    userAgent: text("user_agent"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index("session_event_user_id_id_idx").on(table.userId, table.id),
    index("session_event_token_hash_idx")
      .on(table.tokenHash)
      .where(sql`${table.tokenHash} is not null`),
    index("session_event_created_at_idx").on(table.createdAt),
  ],
);
