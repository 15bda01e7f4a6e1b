import { QueryClientProvider } from "@tanstack/react-query";
import { useState } from "react";
import { Outlet } from "react-router";
import { createTrpcClient, trpc } from "../lib/trpc";
import { createQueryClient } from "./query-client";

/**
 * tRPC and React Query for the public pages that call the API: the pages links in mails open
 * (reset, verify, confirm, undo, "This wasn't me"), "Forgot password?" and the development
 * mailbox. Loaded on demand like the signed-in area (ADR 0025), so the sign-in page stays lean.
 * These pages need no session: a 401 here sends nobody to sign-in.
 */
export function PublicApp() {
  const [{ queryClient, trpcClient }] = useState(() => ({
    queryClient: createQueryClient(),
    trpcClient: createTrpcClient(),
  }));

  return (
    <trpc.Provider client={trpcClient} queryClient={queryClient}>
      <QueryClientProvider client={queryClient}>
        <Outlet />
      </QueryClientProvider>
    </trpc.Provider>
  );
}
