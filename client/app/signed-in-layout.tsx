import { useEffect, useRef } from "react";
import { Link, Navigate, NavLink, Outlet, useLocation } from "react-router";
import { Alert } from "../components/alert";
import { signInPath } from "../lib/return-path";
import { trpc } from "../lib/trpc";
import { useSignOut } from "../lib/use-sign-out";

/**
 * The shell of every signed-in page. It renders its page only with a live session; otherwise it
 * sends the user to sign-in and back here afterwards. `session.current` is re-checked now and
 * then and whenever the window regains focus, so a session revoked elsewhere is noticed soon.
 */
export function SignedInLayout() {
  const location = useLocation();
  const current = trpc.session.current.useQuery(undefined, { refetchInterval: 60_000 });
  const hadSession = useRef(false);
  const { signOut, isPending, failed } = useSignOut();

  useEffect(() => {
    if (current.data) hadSession.current = true;
  }, [current.data]);

  if (current.isPending) {
    return (
      <main className="centered" aria-busy="true">
        <p className="muted">Loading…</p>
      </main>
    );
  }
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
    const notice = hadSession.current ? "session-ended" : undefined;
    return <Navigate to={signInPath(here, notice)} replace />;
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
        <Outlet />
      </main>
    </>
  );
}
