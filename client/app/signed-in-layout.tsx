import { Suspense, useEffect, useRef } from "react";
import { Link, Navigate, NavLink, Outlet, useLocation } from "react-router";
import { Alert } from "../components/alert";
import { signInPath } from "../lib/return-path";
import { trpc } from "../lib/trpc";
import { useSignOut } from "../lib/use-sign-out";
import { LoadingPage } from "./loading-page";
import { useSessionEnded } from "./session-ended";
import { UnverifiedEmailNotice } from "./unverified-email-notice";

/**
 * The shell of every signed-in page. It renders its page only with a live session; otherwise it
 * sends the user to sign-in and back here afterwards. `session.current` is re-checked now and
 * then and whenever the window regains focus, so a session revoked elsewhere is noticed soon.
 * A session that ends under a page leaves through the same handler as any 401, so a request
 * that learnt why (evicted, revoked, expired) decides the notice.
 */
export function SignedInLayout() {
  const location = useLocation();
  const current = trpc.session.current.useQuery(undefined, { refetchInterval: 60_000 });
  const hadSession = useRef(false);
  const { signOut, isPending, failed } = useSignOut();
  const onSessionEnded = useSessionEnded();
  const ended = current.isSuccess && !current.data && hadSession.current;

  useEffect(() => {
    if (current.data) hadSession.current = true;
  }, [current.data]);

  useEffect(() => {
    if (ended) onSessionEnded("session-ended");
  }, [ended, onSessionEnded]);

  if (current.isPending || ended) return <LoadingPage />;
  if (current.isError) {
    return (
      <main className="centered">
        <div className="card narrow">
          <Alert tone="error">Could not reach the server.</Alert>
          <button type="button" className="button primary" onClick={() => current.refetch()}>
            Try again
          </button>
        </div>
      </main>
    );
  }
  if (!current.data) {
    const here = location.pathname + location.search + location.hash;
    return <Navigate to={signInPath(here)} replace />;
  }

  const { user } = current.data;
  return (
    <>
      <header className="topbar">
        <div className="topbar-inner">
          <Link to="/" className="brand">
            Typed Sessions
          </Link>
          <nav aria-label="Main">
            <NavLink to="/" end>
              Home
            </NavLink>
            <NavLink to="/sessions">Sessions</NavLink>
            <NavLink to="/activity">Activity</NavLink>
            <NavLink to="/account">Account</NavLink>
          </nav>
          <div className="topbar-user">
            <span className="topbar-name" title={user.email}>
              {user.name}
            </span>
            <button
              type="button"
              className="button secondary small"
              onClick={signOut}
              disabled={isPending}
            >
              {isPending ? "Signing out…" : "Sign out"}
            </button>
          </div>
        </div>
      </header>
      <main className="page">
        {failed && (
          <Alert tone="error">Signing out failed. Check your connection and try again.</Alert>
        )}
        {user.emailVerification !== "off" && !user.emailVerified && (
          <UnverifiedEmailNotice email={user.email} />
        )}
        {/* A page's code loads on its first visit; the header stays meanwhile. */}
        <Suspense fallback={<p className="muted">Loading…</p>}>
          <Outlet />
        </Suspense>
      </main>
    </>
  );
}
