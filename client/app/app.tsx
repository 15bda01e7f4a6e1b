import { QueryClientProvider } from "@tanstack/react-query";
import { useState } from "react";
import { RouterProvider } from "react-router";
import { ReauthenticationProvider } from "../components/reauthentication";
import { leaveToSignIn } from "../lib/leave-to-sign-in";
import type { SignInNotice } from "../lib/return-path";
import { createTrpcClient, trpc } from "../lib/trpc";
import { createQueryClient } from "./query-client";
import { createAppRouter } from "./router";
import { SessionEndedContext } from "./session-ended";

function createApp() {
  const router = createAppRouter();
  let leaving = false;
  // Only the first request after a session ended says why (its answer clears the cookie), and
  // requests answered later would only say "no session": the first notice wins.
  const onSessionEnded = (notice: SignInNotice) => {
    const { pathname, search, hash } = router.state.location;
    if (leaving || pathname === "/sign-in") return;
    leaving = true;
    void leaveToSignIn(router.navigate, queryClient, notice, pathname + search + hash).finally(
      () => {
        leaving = false;
      },
    );
  };
  const queryClient = createQueryClient(onSessionEnded);
  return { router, queryClient, trpcClient: createTrpcClient(), onSessionEnded };
}

export function App() {
  const [{ router, queryClient, trpcClient, onSessionEnded }] = useState(createApp);
  return (
    <trpc.Provider client={trpcClient} queryClient={queryClient}>
      <QueryClientProvider client={queryClient}>
        <SessionEndedContext.Provider value={onSessionEnded}>
          <ReauthenticationProvider>
            <RouterProvider router={router} />
          </ReauthenticationProvider>
        </SessionEndedContext.Provider>
      </QueryClientProvider>
    </trpc.Provider>
  );
}
