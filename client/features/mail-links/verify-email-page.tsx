import { type ReactNode, useEffect, useRef, useState } from "react";
import { Link } from "react-router";
import { Alert } from "../../components/alert";
import { AuthCard } from "../../components/auth-card";
import { errorMessage } from "../../lib/errors";
import { trpc } from "../../lib/trpc";
import { DevMailboxHint } from "./dev-mailbox-hint";
import { LinkProblemText, linkProblemOf, linkProblemTitle } from "./link-problem";
import { useEmailFromPage, WithLinkToken } from "./link-token";
import { SendLinkForm } from "./send-link-form";

/**
 * Opened from a verification mail (`#token=…`): verifies the address at once. Verifying only
 * proves that the address's owner read the mail, so unlike the other links it needs no click.
 * Opened without a link, or when the link did not work: a form that sends a new one.
 */
export function VerifyEmailPage() {
  return <WithLinkToken page={VerifyEmail} />;
}

function VerifyEmail({ token }: { token: string | null }) {
  const initialEmail = useEmailFromPage();
  const verify = trpc.links.verifyEmail.useMutation();
  const requestVerification = trpc.links.requestVerification.useMutation();
  const [sentTo, setSentTo] = useState<string | null>(null);
  const started = useRef(false);

  useEffect(() => {
    // Once, even when React runs effects twice in development.
    if (!token || started.current) return;
    started.current = true;
    verify.mutate({ token });
  }, [token, verify.mutate]);

  const sendForm = (intro: ReactNode) => (
    <>
      {intro}
      <SendLinkForm
        initialEmail={initialEmail}
        action="Send a new link"
        pendingAction="Sending…"
        send={(email) => requestVerification.mutateAsync({ email })}
        onSent={setSentTo}
      />
      <p className="muted center">
        <Link to="/sign-in">Back to sign in</Link>
      </p>
    </>
  );

  const problem = linkProblemOf(verify.error);
  let title: string;
  let body: ReactNode;
  if (sentTo) {
    title = "Check your inbox";
    body = (
      <>
        <p data-testid="verification-sent">
          If <strong>{sentTo}</strong> belongs to an account whose address is not verified yet, we
          sent it a new link. The link works for 24 hours.
        </p>
        <DevMailboxHint />
        <p className="muted center">
          <Link to="/sign-in">Back to sign in</Link>
        </p>
      </>
    );
  } else if (!token) {
    title = "Verify your email address";
    body = sendForm(
      <p className="muted">
        We send a link to your address when you sign up. Lost the mail, or did the link expire? Send
        a new one.
      </p>,
    );
  } else if (verify.isSuccess) {
    title = "Address verified";
    body = (
      <>
        <Alert tone="success">
          <strong>{verify.data.email}</strong> is verified. Thank you.
        </Alert>
        <Link className="button primary wide" to="/">
          Continue
        </Link>
      </>
    );
  } else if (problem) {
    title = linkProblemTitle(problem);
    body = sendForm(
      <LinkProblemText
        problem={problem}
        explain={{
          expired: "A verification link works for 24 hours. Ask for a new one below.",
          used: "This link was already used, or a newer mail replaced it. If your address is still not verified, ask for a new link below.",
          invalid:
            "This link is not valid: it may be cut, or be for an address the account no longer has. Ask for a new link below.",
        }}
      />,
    );
  } else if (verify.isError) {
    title = "Your address was not verified";
    body = (
      <>
        <Alert tone="error">{errorMessage(verify.error)}</Alert>
        <p>Open the link in the mail again to try once more.</p>
      </>
    );
  } else {
    title = "Verifying your address";
    body = (
      <p className="muted" aria-busy="true">
        Verifying…
      </p>
    );
  }

  return <AuthCard title={title}>{body}</AuthCard>;
}
