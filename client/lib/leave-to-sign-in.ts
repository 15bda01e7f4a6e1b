import { type QueryClient, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "react-router";
import { type SignInNotice, signInPath } from "./return-path";

export type Navigate = (to: string, options: { replace: boolean }) => void | Promise<void>;

/**
 * Leaves for sign-in (with a notice and a way back to `from`), then forgets the user's cached
 * data. Leave first: dropping the queries while a signed-in page is mounted would refetch them.
 */
export async function leaveToSignIn(
  navigate: Navigate,
  queryClient: QueryClient,
  notice: SignInNotice,
  from = "/",
) {
  await navigate(signInPath(from, notice), { replace: true });
  queryClient.removeQueries();
}

/** `leaveToSignIn` bound to this component's router and QueryClient. */
export function useLeaveToSignIn() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  return (notice: SignInNotice, from?: string) =>
    leaveToSignIn(navigate, queryClient, notice, from);
}
