/**
 * The signing keys of Better Auth's jwt plugin (JWTs for API clients, ADR 0012), owned here like
 * its other tables. Property names are the plugin's field names (better-auth
 * plugins/jwt/schema); columns are snake_case. `private_key` holds the private JWK encrypted with
 * BETTER_AUTH_SECRET (the plugin's default); `public_key` is what /api/auth/jwks serves.
 */
import { pgTable, text, timestamp } from "drizzle-orm/pg-core";

export const jwks = pgTable("jwks", {
  /** The key id: the `kid` of every JWT signed with this key. */
  id: text("id").primaryKey(),
  publicKey: text("public_key").notNull(),
  privateKey: text("private_key").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  /** Set only with key rotation (not configured): past it, no new JWT is signed with the key. */
  expiresAt: timestamp("expires_at", { withTimezone: true }),
  alg: text("alg"),
  crv: text("crv"),
});
