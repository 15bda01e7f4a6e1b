import { Link } from "react-router";
import { Alert } from "../../components/alert";
import { asServerError, errorMessage } from "../../lib/errors";
import { formatAbsolute, formatRelative } from "../../lib/format-time";
import { trpc } from "../../lib/trpc";
import { Linkified } from "./linkify";

/**
 * The development mailbox: with no SMTP server outside production, the server keeps mail
 * instead of sending it, and this page lists it, newest first, so a reset or verification link
 * can be followed on a laptop. Each mail's text version is shown with its links clickable; the
 * HTML version is never rendered. Anywhere else the server answers NOT_FOUND.
 */
export function DevMailboxPage() {
  const mailbox = trpc.devMailbox.list.useQuery(undefined, { refetchOnMount: "always" });
  const notHere = asServerError(mailbox.error)?.data?.code === "NOT_FOUND";

  if (notHere) {
    return (
      <main className="centered">
        <div className="card narrow">
          <p className="brand">Typed Sessions</p>
          <h1>No development mailbox here</h1>
          <p>
            This server sends its mail through a mail server (SMTP_URL is set), or runs in
            production: mail is in the recipients’ inboxes, not here.
          </p>
          <Link className="button primary" to="/">
            Go home
          </Link>
        </div>
      </main>
    );
  }

  return (
    <main className="page">
      <div className="page-header">
        <h1>Development mailbox</h1>
        <button
          type="button"
          className="button secondary"
          onClick={() => void mailbox.refetch()}
          disabled={mailbox.isFetching}
        >
          {mailbox.isFetching && !mailbox.isPending ? "Refreshing…" : "Refresh"}
        </button>
      </div>
      <p className="muted">
        No SMTP_URL is set, so this server keeps its mail instead of sending it. The latest 50 mails
        to any address, newest first. Shown only outside production.
      </p>
      {mailbox.isPending && (
        <p className="muted" aria-busy="true">
          Loading mail…
        </p>
      )}
      {mailbox.isError && (
        <Alert tone="error">{errorMessage(mailbox.error) ?? "Could not load the mail."}</Alert>
      )}
      {mailbox.data?.length === 0 && (
        <div className="card empty-state">
          <p>No mail yet.</p>
          <p className="muted small">
            Password resets, verification links and alerts show up here.
          </p>
        </div>
      )}
      {mailbox.data && mailbox.data.length > 0 && (
        <ol className="mail-list" aria-label="Kept mail, newest first">
          {mailbox.data.map((mail) => (
            <li key={mail.id}>
              <article className="card mail" aria-labelledby={`mail-${mail.id}-subject`}>
                <h2 id={`mail-${mail.id}-subject`}>{mail.subject}</h2>
                <p className="muted small">
                  To <span data-testid="mail-to">{mail.to}</span> ·{" "}
                  <time dateTime={mail.at} title={formatAbsolute(mail.at)}>
                    {formatRelative(mail.at)}
                  </time>
                </p>
                <div className="mail-text" data-testid="mail-text">
                  <Linkified text={mail.text} />
                </div>
              </article>
            </li>
          ))}
        </ol>
      )}
      <p className="muted small">
        <Link to="/">Back to the app</Link>
      </p>
    </main>
  );
}
