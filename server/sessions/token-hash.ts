/**
 * SHA-256 of a session token, hex: what the session table stores instead of the token (ADR 0020)
 * and how end events refer to a token without keeping it.
 */
import { hash } from "node:crypto";

export function hashSessionToken(token: string): string {
  // The one-shot hash: no Hash object per call (this runs on every request).
  return hash("sha256", token, "hex");
}
