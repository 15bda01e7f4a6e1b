/**
 * SHA-256 of a session token, hex: what the session table stores instead of the token (ADR 0020)
 * and how end events refer to a token without keeping it.
 */
import { createHash } from "node:crypto";

export function hashSessionToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
