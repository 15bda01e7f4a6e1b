import { MutationCache, QueryCache, QueryClient } from "@tanstack/react-query";
import { asServerError, isSessionEnded, reasonOf } from "../lib/errors";
import { type SignInNotice, sessionEndedNotice } from "../lib/return-path";

/**
 * One QueryClient whose caches watch every query and mutation: whichever request first learns
 * that the session ended (revoked on another device, evicted, expired) sends the user to
 * sign-in, with a notice that says why. The public pages (links in mails) need no session and
 * pass no handler.
 */
export function createQueryClient(onSessionEnded?: (notice: SignInNotice) => void) {
  const onError = (error: unknown) => {
    if (onSessionEnded && isSessionEnded(error)) {
      onSessionEnded(sessionEndedNotice(reasonOf(error)));
    }
  };
  return new QueryClient({
    queryCache: new QueryCache({ onError }),
    mutationCache: new MutationCache({ onError }),
    defaultOptions: {
      queries: {
        // The server's answer (401, 403, 404, 400) will not change by asking again; a dropped
        // connection might.
        retry: (failureCount, error) => !asServerError(error)?.data && failureCount < 2,
        staleTime: 10_000,
      },
    },
  });
}
