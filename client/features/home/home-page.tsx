import { Link } from "react-router";
import { formatAbsolute, formatRelative } from "../../lib/format-time";
import { useSignedIn } from "../../lib/use-signed-in";

export function HomePage() {
  const { user, session } = useSignedIn();
  return (
    <>
      <h1>Welcome, {user.name}</h1>
      <section className="card" aria-labelledby="profile-title">
        <h2 id="profile-title">Your account</h2>
        <dl className="facts">
          <dt>Name</dt>
          <dd data-testid="user-name">{user.name}</dd>
          <dt>Email</dt>
          <dd data-testid="user-email">{user.email}</dd>
          <dt>Signed in</dt>
          <dd title={formatAbsolute(session.createdAt)}>{formatRelative(session.createdAt)}</dd>
          <dt>Session expires</dt>
          <dd title={formatAbsolute(session.expiresAt)}>
            {formatRelative(session.expiresAt)} unless you use it
          </dd>
        </dl>
      </section>
      <div className="grid-2">
        <Link to="/sessions" className="card link-card">
          <h2>Sessions</h2>
          <p className="muted">
            See every device signed in to your account and sign any of them out.
          </p>
        </Link>
        <Link to="/activity" className="card link-card">
          <h2>Recent activity</h2>
          <p className="muted">Every sign-in and sign-out, and why a session ended.</p>
        </Link>
        <Link to="/account" className="card link-card">
          <h2>Account</h2>
          <p className="muted">Change your password or email address, or delete your account.</p>
        </Link>
      </div>
    </>
  );
}
