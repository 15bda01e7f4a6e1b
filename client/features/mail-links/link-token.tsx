import { type ComponentType, useEffect, useState } from "react";
import { useLocation, useNavigate } from "react-router";

/**
 * The token of the link sent by mail that opened this page, from the URL's fragment
 * (`#token=…`, server/mail/messages.ts): a fragment never reaches a server, and the token leaves
 * the browser only in the body of a POST. Once read, the fragment is taken off the address bar
 * (replacing the history entry), so the token is not left on screen, in the history or in a
 * bookmark. Null when the page was opened without one (or reloaded after it was removed).
 */
function useLinkToken(): string | null {
  const location = useLocation();
  const navigate = useNavigate();
  const inFragment = tokenOf(location.hash);
  const [token, setToken] = useState(inFragment);
  // Another link opened in this tab while the page shows (pasted into the address bar, only the
  // fragment differs): the browser does not reload, so the new token arrives here.
  if (inFragment !== null && inFragment !== token) setToken(inFragment);

  useEffect(() => {
    if (!location.hash) return;
    // Through the router, so its location drops the fragment too (a bare
    // history.replaceState would leave it there); the path, query and state stay.
    void navigate(
      { pathname: location.pathname, search: location.search },
      { replace: true, state: location.state },
    );
  }, [location.hash, location.pathname, location.search, location.state, navigate]);

  return inFragment ?? token;
}

function tokenOf(hash: string): string | null {
  return new URLSearchParams(hash.replace(/^#/, "")).get("token") || null;
}

/**
 * Renders a link page with its token, afresh for each link opened in the tab: what the page
 * learnt about one link (used, expired, done) never shows for the next.
 */
export function WithLinkToken({ page: Page }: { page: ComponentType<{ token: string | null }> }) {
  const token = useLinkToken();
  return <Page key={token ?? ""} token={token} />;
}

/**
 * The address a page should start with: what the page that led here passed in its state (kept
 * out of the URL, and so out of server logs), else `?email=`, else empty.
 */
export function useEmailFromPage(): string {
  const location = useLocation();
  const state = location.state as { email?: unknown } | null;
  if (typeof state?.email === "string") return state.email;
  return new URLSearchParams(location.search).get("email") ?? "";
}
