/**
 * Rate limiting of password attempts, in the database so every instance sees the same counts
 * (docs/security.md, "Rate limiting").
 */
import { bigint, integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * Better Auth's limiter (`rateLimit: { storage: "database" }`): one row per client IP and path
 * (`key` = `<ip>|<path>`). Property names are Better Auth's field names (better-auth core
 * db/get-tables, model `rateLimit`); `last_request` is epoch milliseconds, as Better Auth writes
 * it. Better Auth needs the `id` column: its atomic increment targets the row by id.
 */
export const rateLimit = pgTable("rate_limit", {
  id: text("id").primaryKey(),
  key: text("key").notNull().unique(),
  count: integer("count").notNull(),
  lastRequest: bigint("last_request", { mode: "number" }).notNull(),
});

/**
 * Our per-account limiter (server/account/attempt-limit.ts): password attempts per account in a
 * fixed window, whatever IP they come from. `key` = `sign-in:<normalized email>` or
 * `password:<user id>`. A separate table, so Better Auth's pruning (by its own, shorter
 * windows) never resets an account's count early.
 */
export const accountRateLimit = pgTable("account_rate_limit", {
  key: text("key").primaryKey(),
  count: integer("count").notNull(),
  windowStartedAt: timestamp("window_started_at", { withTimezone: true }).notNull(),
});
