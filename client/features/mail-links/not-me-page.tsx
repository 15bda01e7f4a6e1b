import { type ReactNode, useEffect, useRef } from "react";
import { Link } from "react-router";
import { Alert } from "../../components/alert";
import { AuthCard } from "../../components/auth-card";
import { errorMessage } from "../../lib/errors";
import { formatAbsolute } from "../../lib/format-time";
import { trpc } from "../../lib/trpc";
import { LinkProblemText, linkProblemOf, linkProblemTitle } from "./link-problem";
import { WithLinkToken } from "./link-token";

interface ReportedSignIn {
  device: string;
  network: string;
  at: string;
}

/**
 * "This wasn't me", from a new-device alert: shows the sign-in the mail was about, and ends that
 * one session when the user says so. Opening the page only reads the link (mail scanners open
 * links); no sign-in is needed, since the session to end may be the only one left.
 */
export function NotMePage() {
  return <WithLinkToken page={NotMe} />;
}

function NotMe({ token }: { token: string | null }) {
  const describe = trpc.links.describeReportedSignIn.useMutation();
  const end = trpc.links.endReportedSession.useMutation();
  const started = useRef(false);

  useEffect(() => {
    if (!token || started.current) return;
    started.current = true;
    describe.mutate({ token });
  }, [token, describe.mutate]);

  const problem = token ? (linkProblemOf(end.error) ?? linkProblemOf(describe.error)) : "missing";

  let title: string;
  let body: ReactNode;
  if (problem) {
    title = linkProblemTitle(problem);
    body = (
      <>
        <LinkProblemText
          problem={problem}
          explain={{
            expired:
              "This link worked for 7 days. Sign in and end the session on the Sessions page, then change your password.",
            used: "This link was already used: the session it was about was ended with it.",
          }}
        />
        <Link className="button primary wide" to="/sessions">
          Review your sessions
        </Link>
        <p className="muted center">
          <Link to="/forgot-password">Reset your password</Link>
        </p>
      </>
    );
  } else if (end.isSuccess) {
    title = end.data.ended ? "Session ended" : "That session had already ended";
    body = (
      <>
        <Alert tone="success">
          {end.data.ended
            ? "That device is signed out: its next request finds no session."
            : "That device was already signed out. Nothing else was changed."}
        </Alert>
        <SignInFacts signIn={end.data.signIn} />
        <p>
          Whoever signed in knew your password. Choose a new one now, so they cannot sign in again.
        </p>
        <Link className="button primary wide" to="/forgot-password">
          Reset your password
        </Link>
      </>
    );
  } else if (describe.isSuccess) {
    title = "End a sign-in you don’t recognise";
    body = (
      <>
        <p>Your account was signed in here:</p>
        <SignInFacts signIn={describe.data} />
        <p className="muted">
          Ending it signs that device out at once. Your other devices stay signed in.
        </p>
        {end.isError && <Alert tone="error">{errorMessage(end.error)}</Alert>}
        <button
          type="button"
          className="button danger wide"
          disabled={end.isPending}
          onClick={() => token && end.mutate({ token })}
        >
          {end.isPending ? "Ending…" : "End that session"}
        </button>
        <p className="muted small">If this was you, there is nothing to do: close this page.</p>
      </>
    );
  } else if (describe.isError) {
    title = "Could not read this link";
    body = (
      <>
        <Alert tone="error">{errorMessage(describe.error)}</Alert>
        <button
          type="button"
          className="button secondary wide"
          onClick={() => token && describe.mutate({ token })}
        >
          Try again
        </button>
      </>
    );
  } else {
    title = "Reading the link";
    body = (
      <p className="muted" aria-busy="true">
        Loading…
      </p>
    );
  }

  return <AuthCard title={title}>{body}</AuthCard>;
}

function SignInFacts({ signIn }: { signIn: ReportedSignIn }) {
  const at = Number.isNaN(Date.parse(signIn.at)) ? signIn.at : formatAbsolute(signIn.at);
  return (
    <dl className="facts boxed" data-testid="reported-sign-in">
      <dt>Device</dt>
      <dd>{signIn.device || "Unknown"}</dd>
      <dt>Network</dt>
      <dd>{signIn.network || "Unknown"}</dd>
      <dt>Time</dt>
      <dd>{at || "Unknown"}</dd>
    </dl>
  );
}
