import { trpc } from "./trpc";

/**
 * The signed-in user and session, for pages under the signed-in layout, which renders them
 * only once `session.current` answered with a session. Reads the cached query; no request.
 */
export function useSignedIn() {
  const { data } = trpc.session.current.useQuery();
  if (!data) throw new Error("useSignedIn is only for pages under SignedInLayout");
  return data;
}
