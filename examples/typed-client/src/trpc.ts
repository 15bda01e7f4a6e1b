/**
 * The typed tRPC client. `AppRouter` is a type only, from the server's generated declaration
 * (src/api/app-router.d.ts: `npm run api-types` copies it), so nothing of the server is bundled.
 */
import { createTRPCClient, httpBatchLink, TRPCClientError } from "@trpc/client";
import type { AppRouter, ErrorReason } from "./api/app-router.js";

/** The server refuses a batch of more than 10 calls with 400 before running any. */
const MAX_BATCH_ITEMS = 10;

/**
 * Same origin as the page (in development Vite proxies /api to the server), so the session
 * cookie rides along. No transformer: dates arrive as ISO strings.
 */
export const api = createTRPCClient<AppRouter>({
  links: [httpBatchLink({ url: "/api/trpc", maxItems: MAX_BATCH_ITEMS })],
});

export type ApiError = TRPCClientError<AppRouter>;

/** The server's reason code for a failed call (`SESSION_REVOKED`, `SESSION_NOT_FRESH`, ...). */
export function reasonOf(error: unknown): ErrorReason | null {
  return error instanceof TRPCClientError ? ((error as ApiError).data?.reason ?? null) : null;
}
