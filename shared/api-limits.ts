/** Limits of the API that its clients must respect too. */

/**
 * The most calls one tRPC batch request may carry; a larger batch is refused with 400 before
 * any call runs (one request must not buy unbounded server time). The SPA's batch link sends at
 * most this many.
 */
export const MAX_TRPC_BATCH_SIZE = 10;

/** Better Auth's own bounds for email + password accounts (server/auth/better-auth.ts sets the same). */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

/** The longest display name sign-up accepts. */
export const NAME_MAX_LENGTH = 100;
