import { useEffect, useState } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { authClient } from "../../lib/auth-client";
import { safeReturnPath } from "../../lib/return-path";
import { type AuthFailure, type BetterAuthError, describeAuthError } from "./auth-errors";

/**
 * What the sign-in and sign-up forms share: where to go afterwards, whether someone is signed in
 * already, the pending flag and the failure, and what follows Better Auth's answer.
 *
 * These pages are the SPA's first load for a signed-out visitor, so they use only Better Auth's
 * client, not tRPC and React Query (which load with the signed-in pages, ADR 0025).
 */
export function useAuthForm() {
  const [params] = useSearchParams();
  const next = safeReturnPath(params.get("next"));
  const navigate = useNavigate();
  const signedIn = useSignedInAlready();
  const [failure, setFailure] = useState<AuthFailure | null>(null);
  const [pending, setPending] = useState(false);

  /**
   * Sends the form; on success the user goes to `next`, whose page reads the new session, unless
   * `stay` (asked after a success) says the page has more to show.
   */
  const send = async (
    call: () => Promise<{ error: BetterAuthError | null }>,
    stay?: () => Promise<boolean>,
  ) => {
    setPending(true);
    setFailure(null);
    const { error } = await call();
    if (error) {
      setFailure(describeAuthError(error));
      setPending(false);
      return;
    }
    if (stay && (await stay())) {
      setPending(false);
      return;
    }
    await navigate(next, { replace: true });
  };

  return {
    params,
    next,
    signedIn,
    pending,
    send,
    failure,
    setFailure,
    fieldError: (field: AuthFailure["field"]) =>
      failure?.field === field ? failure.message : null,
    formError: failure && !failure.field ? failure.message : null,
  };
}

/**
 * Whether this browser has a live session, asked once per visit of the page (GET
 * /api/auth/get-session passes the same gate as every request). Not Better Auth's `useSession`:
 * its store keeps the last answer across pages, and a session that ended since (signed out,
 * revoked) would send the user away from sign-in before the new answer arrived.
 */
function useSignedInAlready(): boolean {
  const [signedIn, setSignedIn] = useState(false);
  useEffect(() => {
    let current = true;
    void authClient.getSession().then(({ data }) => {
      if (current && data) setSignedIn(true);
    });
    return () => {
      current = false;
    };
  }, []);
  return signedIn;
}

/** Keeps the return path when switching between sign-in and sign-up. */
export function withNext(path: string, next: string) {
  return next === "/" ? path : `${path}?next=${encodeURIComponent(next)}`;
}
