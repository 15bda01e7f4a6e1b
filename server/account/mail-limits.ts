/**
 * How often a mail may be asked for (docs/security.md, "Links sent by mail"): per address, so
 * nobody can flood someone else's inbox, and per client IP, so nobody can spray requests over
 * many addresses. Counted before anything is looked up, so the answers are the same whether or
 * not the address has an account.
 */
import { isIPv6 } from "node:net";
import type { RateLimitPolicy } from "../env";
import { networkPrefix } from "../sessions/authenticate/binding";
import { type AttemptDecision, type CounterWindow, consumeAttempt } from "./attempt-limit";
import type { AccountMailContext } from "./mail-context";

/** Reset and verification links per address: 3 every 15 minutes. */
export const LINKS_PER_ADDRESS = { max: 3, windowSec: 15 * 60 };
/** New-device alerts per account: 3 an hour; further sign-ins from new devices in that hour are not mailed. */
export const ALERTS_PER_ACCOUNT = { max: 3, windowSec: 60 * 60 };

const LINK_PURPOSES = ["reset", "verify"] as const;
const addressKey = (purpose: (typeof LINK_PURPOSES)[number]) => `${purpose}-link:`;
const ipKey = (purpose: (typeof LINK_PURPOSES)[number]) => `${purpose}-link-ip:`;
const ALERT_KEY = "new-device-alert:";
/** Notices nobody asked for by name (a sign-up with a taken address under `required`). */
const NOTICE_KEY = "notice:";

/**
 * The windows of these counters, which share the per-account counters' table: the cleanup
 * (runSessionCleanup) must not delete one before its own window has ended.
 */
export function mailCounterWindows(policy: RateLimitPolicy): CounterWindow[] {
  return [
    { keyPrefix: ALERT_KEY, windowSec: ALERTS_PER_ACCOUNT.windowSec },
    { keyPrefix: NOTICE_KEY, windowSec: LINKS_PER_ADDRESS.windowSec },
    ...LINK_PURPOSES.flatMap((purpose) => [
      { keyPrefix: addressKey(purpose), windowSec: LINKS_PER_ADDRESS.windowSec },
      { keyPrefix: ipKey(purpose), windowSec: policy.ipWindowSec },
    ]),
  ];
}

function quota(policy: RateLimitPolicy, limit: { max: number; windowSec: number }) {
  return { ...policy, accountMax: limit.max, accountWindowSec: limit.windowSec };
}

/**
 * What the per-IP limit counts: an IPv4 address, or an IPv6 address's /64 (one subscriber's
 * network holds 2^64 addresses; Better Auth's own limiter counts /64 too).
 */
export function rateLimitedClient(clientIp: string): string {
  return isIPv6(clientIp) ? (networkPrefix(clientIp) ?? clientIp) : clientIp;
}

/** Counts a request for a link to `email` from `clientIp`; the first limit hit refuses it. */
export async function consumeLinkRequest(
  ctx: Pick<AccountMailContext, "db" | "config">,
  purpose: (typeof LINK_PURPOSES)[number],
  email: string,
  clientIp: string | null,
): Promise<AttemptDecision> {
  const { rateLimit } = ctx.config;
  if (clientIp) {
    const perIp = quota(rateLimit, { max: rateLimit.ipMax, windowSec: rateLimit.ipWindowSec });
    const byIp = await consumeAttempt(
      ctx.db,
      perIp,
      `${ipKey(purpose)}${rateLimitedClient(clientIp)}`,
    );
    if (!byIp.allowed) return byIp;
  }
  return consumeAttempt(
    ctx.db,
    quota(rateLimit, LINKS_PER_ADDRESS),
    `${addressKey(purpose)}${email.trim().toLowerCase()}`,
  );
}

/** Counts one new-device alert for the account; false when the hour's quota is used up. */
export async function consumeAlertQuota(
  ctx: Pick<AccountMailContext, "db" | "config">,
  userId: string,
): Promise<boolean> {
  const decision = await consumeAttempt(
    ctx.db,
    // Always on (RATE_LIMIT=off included): this protects the inbox, not the server.
    { ...quota(ctx.config.rateLimit, ALERTS_PER_ACCOUNT), enabled: true },
    `${ALERT_KEY}${userId}`,
  );
  return decision.allowed;
}

/** Counts a mail to `email` that nobody asked for by name (a notice); false over the address's quota. */
export async function consumeMailToAddress(
  ctx: Pick<AccountMailContext, "db" | "config">,
  kind: string,
  email: string,
): Promise<boolean> {
  const decision = await consumeAttempt(
    ctx.db,
    { ...quota(ctx.config.rateLimit, LINKS_PER_ADDRESS), enabled: true },
    `${NOTICE_KEY}${kind}:${email.trim().toLowerCase()}`,
  );
  return decision.allowed;
}
