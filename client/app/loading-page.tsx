/** What shows while a page's code or the session is on its way. */
export function LoadingPage() {
  return (
    <main className="centered" aria-busy="true">
      <p className="muted">Loading…</p>
    </main>
  );
}
