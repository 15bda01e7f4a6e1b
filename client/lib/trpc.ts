/** The typed tRPC client. Only the router's type crosses from the server. */
import { httpBatchLink } from "@trpc/client";
import { createTRPCReact } from "@trpc/react-query";
import type { AppRouter } from "../../server/routers";
import { MAX_TRPC_BATCH_SIZE } from "../../shared/api-limits";

export const trpc = createTRPCReact<AppRouter>();

/** Same-origin requests, so the session cookie rides along and no transformer is needed (ISO dates). */
export function createTrpcClient() {
  return trpc.createClient({
    links: [httpBatchLink({ url: "/api/trpc", maxItems: MAX_TRPC_BATCH_SIZE })],
  });
}
