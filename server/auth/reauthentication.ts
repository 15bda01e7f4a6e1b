/**
 * Marks the Better Auth sign-in that re-authentication makes, with the session it replaces, so
 * the session hooks (server/auth/better-auth.ts) end exactly that session, once, and record it as a
 * re-authentication rather than as a new sign-in. AsyncLocalStorage follows the call through
 * Better Auth without a header a client could forge.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { EndReason } from "../../shared/session-events";
import type { Actor } from "../sessions/lifecycle/session-store";

export interface Reauthentication {
  /** The session being replaced. */
  readonly sessionId: string;
  readonly actor: Actor;
  /** Also end every other session of the user, recorded with this reason (password change). */
  readonly endOthersAs: EndReason | null;
  /** Set by the hook: how many other sessions it ended. */
  othersEnded: number;
}

const underway = new AsyncLocalStorage<Reauthentication>();

/** Runs `work` (a Better Auth sign-in) as this re-authentication. */
export function runAsReauthentication<T>(
  reauthentication: Reauthentication,
  work: () => Promise<T>,
): Promise<T> {
  return underway.run(reauthentication, work);
}

/** The re-authentication the sign-in under way makes, or null for an ordinary sign-in. */
export function currentReauthentication(): Reauthentication | null {
  return underway.getStore() ?? null;
}

export function isReauthentication(): boolean {
  return currentReauthentication() !== null;
}
