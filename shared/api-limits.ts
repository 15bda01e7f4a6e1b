/** Limits of the API that its clients must respect too. */

/**
 * The most calls one tRPC batch request may carry; a larger batch is refused with 400 before
 * any call runs (one request must not buy unbounded server time). The SPA's batch link sends at
 * most this many.
 */
export const MAX_TRPC_BATCH_SIZE = 10;
