/**
 * Marks the Better Auth sign-in that re-authentication makes, with the session it replaces, so
 * the session hooks end exactly that session (once) and record it as a re-authentication rather
 * than as a new sign-in. AsyncLocalStorage follows the call through Better Auth without a header
 * a client could forge.
 */
import { AsyncLocalStorage } from "node:async_hooks";

const replacing = new AsyncLocalStorage<string>();

/** Runs `work` (a Better Auth sign-in) as the re-authentication of session `sessionId`. */
export function runAsReauthentication<T>(sessionId: string, work: () => Promise<T>): Promise<T> {
  return replacing.run(sessionId, work);
}

/** The id of the session the sign-in under way replaces, or null for an ordinary sign-in. */
export function replacedSessionId(): string | null {
  return replacing.getStore() ?? null;
}

export function isReauthentication(): boolean {
  return replacedSessionId() !== null;
}
