import { QueryClientProvider } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { useNavigate } from "react-router";
import { ReauthenticationProvider } from "../components/reauthentication";
import { leaveToSignIn, type Navigate } from "../lib/leave-to-sign-in";
import type { SignInNotice } from "../lib/return-path";
import { createTrpcClient, trpc } from "../lib/trpc";
import { createQueryClient } from "./query-client";
import { SessionEndedContext } from "./session-ended";
import { SignedInLayout } from "./signed-in-layout";

/**
 * The signed-in area: tRPC and React Query with the handler that leaves for sign-in when a
 * session ends, around the signed-in layout. Loaded on demand (ADR 0025); its QueryClient lives
 * as long as the area is shown, so leaving for sign-in forgets every cached answer.
 */
export function SignedInApp() {
  const navigate = useNavigate();
  const navigateRef = useRef(navigate);
  useEffect(() => {
    navigateRef.current = navigate;
  }, [navigate]);
  const [{ queryClient, trpcClient, onSessionEnded }] = useState(() =>
    createSignedInApp((to, options) => navigateRef.current(to, options)),
  );

  return (
    <trpc.Provider client={trpcClient} queryClient={queryClient}>
      <QueryClientProvider client={queryClient}>
        <SessionEndedContext.Provider value={onSessionEnded}>
          <ReauthenticationProvider>
            <SignedInLayout />
          </ReauthenticationProvider>
        </SessionEndedContext.Provider>
      </QueryClientProvider>
    </trpc.Provider>
  );
}

function createSignedInApp(navigate: Navigate) {
  let leaving = false;
  // Only the first request after a session ended says why (its answer clears the cookie), and
  // requests answered later would only say "no session": the first notice wins.
  const onSessionEnded = (notice: SignInNotice) => {
    const { pathname, search, hash } = window.location;
    if (leaving || pathname === "/sign-in") return;
    leaving = true;
    void leaveToSignIn(navigate, queryClient, notice, pathname + search + hash).finally(() => {
      leaving = false;
    });
  };
  const queryClient = createQueryClient(onSessionEnded);
  return { queryClient, trpcClient: createTrpcClient(), onSessionEnded };
}
