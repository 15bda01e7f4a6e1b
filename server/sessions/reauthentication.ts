/**
 * Marks the Better Auth sign-in that `session.reauthenticate` makes, so the session hooks can
 * record it as a re-authentication (and the session it replaces as replaced by one) rather than
 * as a new sign-in. AsyncLocalStorage follows the call through Better Auth without a header a
 * client could forge.
 */
import { AsyncLocalStorage } from "node:async_hooks";

const reauthenticating = new AsyncLocalStorage<true>();

export function runAsReauthentication<T>(work: () => Promise<T>): Promise<T> {
  return reauthenticating.run(true, work);
}

export function isReauthentication(): boolean {
  return reauthenticating.getStore() === true;
}
