import { useState } from "react";
import { useSearchParams } from "react-router";
import { safeReturnPath } from "../../lib/return-path";
import { trpc } from "../../lib/trpc";
import { type AuthFailure, type BetterAuthError, describeAuthError } from "./auth-errors";

/**
 * What the sign-in and sign-up forms share: where to go afterwards, whether someone is signed in
 * already, the pending flag and the failure, and what follows Better Auth's answer.
 */
export function useAuthForm() {
  const [params] = useSearchParams();
  const next = safeReturnPath(params.get("next"));
  const current = trpc.session.current.useQuery();
  const utils = trpc.useUtils();
  const [failure, setFailure] = useState<AuthFailure | null>(null);
  const [pending, setPending] = useState(false);

  /** Sends the form; on success `session.current` refetches and the page redirects to `next`. */
  const send = async (call: () => Promise<{ error: BetterAuthError | null }>) => {
    setPending(true);
    setFailure(null);
    const { error } = await call();
    if (error) {
      setFailure(describeAuthError(error));
      setPending(false);
      return;
    }
    await utils.session.current.invalidate();
  };

  return {
    params,
    next,
    signedIn: Boolean(current.data),
    pending,
    send,
    failure,
    setFailure,
    fieldError: (field: AuthFailure["field"]) =>
      failure?.field === field ? failure.message : null,
    formError: failure && !failure.field ? failure.message : null,
  };
}

/** Keeps the return path when switching between sign-in and sign-up. */
export function withNext(path: string, next: string) {
  return next === "/" ? path : `${path}?next=${encodeURIComponent(next)}`;
}
