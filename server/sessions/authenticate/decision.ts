/**
 * The one decision on a session a request presents: live (and whether its expiry is due to
 * slide), or ended and why. Every door that accepts a session (the tRPC context with a cookie or
 * a JWT, GET /api/auth/get-session, GET /api/auth/token, POST /api/auth/sign-out) reaches it
 * through the gate (./gate.ts); Better Auth's own deletion hook names its reasons with it too.
 * Pure: the gate carries out what it decides (ends the session, flags it, clears cookies).
 */
import { ErrorReason } from "../../../shared/errors";
import { EndReason } from "../../../shared/session-events";
import type { SessionPolicy } from "../../env";
import { type BindingMismatch, compareBinding, type SessionOrigin } from "./binding";

/** The session row's fields the decision reads. */
export interface JudgedSession {
  createdAt: Date | string;
  expiresAt: Date | string;
  ipAddress?: string | null | undefined;
  userAgent?: string | null | undefined;
}

export type SessionDecision =
  | {
      verdict: "live";
      /** Better Auth's rule for the sliding refresh (session/get-session). */
      refreshDue: boolean;
      /** Under `audit`: what differs from where the session was created, to flag. */
      bindingMismatch: BindingMismatch | null;
    }
  | {
      verdict: "ended";
      /** Recorded in the activity log. */
      endReason:
        | typeof EndReason.IDLE_TIMEOUT
        | typeof EndReason.ABSOLUTE_TIMEOUT
        | typeof EndReason.BINDING;
      /** What the client is told. */
      refusal: ErrorReason;
      bindingMismatch: BindingMismatch | null;
    };

export type DecisionPolicy = Pick<
  SessionPolicy,
  "expiresInSec" | "updateAgeSec" | "absoluteLifetimeSec" | "binding"
>;

/**
 * Judges a session at `nowMs` for a request from `request` (its client IP and user agent).
 * Order matters: a session past its expiry or lifetime is expired whatever else is true, and a
 * session past its absolute lifetime is never refreshed.
 */
export function decideSession(
  current: JudgedSession,
  request: SessionOrigin,
  policy: DecisionPolicy,
  nowMs: number,
): SessionDecision {
  const expiresAtMs = new Date(current.expiresAt).getTime();
  const pastLifetime = isPastAbsoluteLifetime(current.createdAt, policy, nowMs);
  if (pastLifetime || expiresAtMs <= nowMs) {
    return {
      verdict: "ended",
      endReason: pastLifetime ? EndReason.ABSOLUTE_TIMEOUT : EndReason.IDLE_TIMEOUT,
      refusal: ErrorReason.SESSION_EXPIRED,
      bindingMismatch: null,
    };
  }
  const bindingMismatch = policy.binding === "off" ? null : compareBinding(current, request);
  if (bindingMismatch && policy.binding === "strict") {
    return {
      verdict: "ended",
      endReason: EndReason.BINDING,
      refusal: ErrorReason.SESSION_BINDING_MISMATCH,
      bindingMismatch,
    };
  }
  const refreshDue = expiresAtMs - policy.expiresInSec * 1000 + policy.updateAgeSec * 1000 <= nowMs;
  return { verdict: "live", refreshDue, bindingMismatch };
}

/** True once the session has lived its absolute lifetime, however active it was. */
export function isPastAbsoluteLifetime(
  createdAt: Date | string,
  policy: Pick<SessionPolicy, "absoluteLifetimeSec">,
  nowMs = Date.now(),
): boolean {
  return new Date(createdAt).getTime() + policy.absoluteLifetimeSec * 1000 <= nowMs;
}

/** "network", "browser" or "network,browser": how the activity log names a mismatch. */
export function describeMismatch(mismatch: BindingMismatch): string {
  return [mismatch.network && "network", mismatch.browser && "browser"].filter(Boolean).join(",");
}
