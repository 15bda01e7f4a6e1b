import { QueryClientProvider } from "@tanstack/react-query";
import { useState } from "react";
import { RouterProvider } from "react-router";
import { ReauthenticationProvider } from "../components/reauthentication";
import { leaveToSignIn } from "../lib/leave-to-sign-in";
import { createTrpcClient, trpc } from "../lib/trpc";
import { createQueryClient } from "./query-client";
import { createAppRouter } from "./router";

function createApp() {
  const router = createAppRouter();
  const queryClient = createQueryClient(() => {
    const { pathname, search, hash } = router.state.location;
    if (pathname === "/sign-in") return;
    void leaveToSignIn(router.navigate, queryClient, "session-ended", pathname + search + hash);
  });
  return { router, queryClient, trpcClient: createTrpcClient() };
}

export function App() {
  const [{ router, queryClient, trpcClient }] = useState(createApp);
  return (
    <trpc.Provider client={trpcClient} queryClient={queryClient}>
      <QueryClientProvider client={queryClient}>
        <ReauthenticationProvider>
          <RouterProvider router={router} />
        </ReauthenticationProvider>
      </QueryClientProvider>
    </trpc.Provider>
  );
}
