import { Link } from "react-router";

export function NotFoundPage() {
  return (
    <main className="centered">
      <div className="card narrow">
        <h1>Page not found</h1>
        <p className="muted">There is nothing at this address.</p>
        <Link className="button primary" to="/">
          Go home
        </Link>
      </div>
    </main>
  );
}
